// Writes a fixture of stored state: runs a scripted store history against the worker as it is
// built now (crates/worker/build), on the development clock, and keeps what its Durable
// Objects wrote to SQLite, with the answers it gave. tests/upgrade.test.mjs starts a later
// build on a copy of that state and checks it answers the same.
//
//   node scripts/make-state-fixture.mjs tests/fixtures/<name>
//
// The fixture in the repo was made at commit 682c37f, the last build before serde.
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { at, call, putProduct, reserve, root, startEdge, tempState } from "../tests/support/edge.mjs";

const out = path.resolve(process.argv[2] ?? "");
if (!process.argv[2]) {
  console.error("usage: node scripts/make-state-fixture.mjs <folder>");
  process.exit(2);
}

const persist = tempState("fixture");
const mf = startEdge({ persist });
const expect = (reply, status, what) => {
  if (reply.status !== status) throw new Error(`${what}: ${reply.status} ${reply.text}`);
  return reply;
};
/** Requests whose first answers a later build must replay byte for byte. */
const replays = [];
const keep = (request, reply) => replays.push({ ...request, status: reply.status, text: reply.text });

// PHONE-1: low stock, a purchase order, held, released, confirmed and expired reservations,
// orders shipped at once, waiting, partly filled and cancelled, a keyed receipt.
await putProduct(mf, "PHONE-1", {
  name: "Phone",
  on_hand: 3,
  low_stock_threshold: 2,
  lead_time_days: 10,
  holidays: ["2026-12-24", "2026-12-25"],
  backorder_limit: 50,
  hold_minutes: 60,
});
expect(
  await call(mf, "PUT", "/v1/skus/PHONE-1/purchase-orders/PO-1", {
    body: { qty: 4, expected_date: "2026-12-07" },
    token: true,
    now: at(1),
  }),
  201,
  "PO-1",
);
const reservation = async (sku, qty, minutes, key, ship) => {
  const reply = expect(await reserve(mf, sku, qty, { key, now: at(minutes), ship }), 201, `reserve ${key}`);
  keep({ method: "POST", url: "/v1/reservations", key, body: { sku, qty, ...(ship ? { ship } : {}) } }, reply);
  return reply.json;
};
const confirmed = await reservation("PHONE-1", 2, 2, "fixture-res-1");
const released = await reservation("PHONE-1", 1, 3, "fixture-res-2");
expect(await call(mf, "DELETE", `/v1/reservations/${released.id}`, { now: at(4) }), 200, "release");
const order = async (body, minutes) => {
  const reply = expect(await call(mf, "POST", "/v1/orders", { body, token: true, now: at(minutes) }), 201, body.order_id);
  keep({ method: "POST", url: "/v1/orders", token: true, body }, reply);
  return reply.json;
};
await order({ order_id: "1001", lines: [{ sku: "PHONE-1", qty: 2, reservation_id: confirmed.id }] }, 5);
await order({ order_id: "1002", lines: [{ sku: "PHONE-1", qty: 3 }] }, 6);
await order({ order_id: "#1003", lines: [{ sku: "PHONE-1", qty: 2, ship: "complete" }] }, 7);
const receipt = { qty: 2 };
const received = expect(
  await call(mf, "POST", "/v1/skus/PHONE-1/receipts", { body: receipt, token: true, key: "fixture-receipt-1", now: at(8) }),
  200,
  "receipt",
);
keep({ method: "POST", url: "/v1/skus/PHONE-1/receipts", token: true, key: "fixture-receipt-1", body: receipt }, received);
await order({ order_id: "1004", lines: [{ sku: "PHONE-1", qty: 1 }] }, 9);
expect(await call(mf, "POST", "/v1/orders/1004/cancel", { token: true, now: at(10) }), 200, "cancel 1004");
await reservation("PHONE-1", 2, 11, "fixture-res-3", "complete"); // waits, still held at the end
await reservation("PHONE-1", 1, 12, "fixture-res-4");
// A failure is kept too: the same key replays it.
const refusedKey = "fixture-res-refused";
const refused = expect(await reserve(mf, "PHONE-1", 60, { key: refusedKey, now: at(13) }), 409, "refused");
keep({ method: "POST", url: "/v1/reservations", key: refusedKey, body: { sku: "PHONE-1", qty: 60 } }, refused);

// MUG-1: backorders denied, sold out.
await putProduct(mf, "MUG-1", { name: "Mug", on_hand: 1, backorders: "deny" }, at(14));
await order({ order_id: "2001", lines: [{ sku: "MUG-1", qty: 1 }] }, 15);

// LAMP-1: waiting orders, then discontinued (their backorders are cancelled).
await putProduct(mf, "LAMP-1", { name: "Lamp", on_hand: 0, lead_time_days: null }, at(16));
await order({ order_id: "3001", lines: [{ sku: "LAMP-1", qty: 2 }] }, 17);
await reservation("LAMP-1", 1, 18, "fixture-res-5");
await putProduct(mf, "LAMP-1", { discontinued: true }, at(19));

// CAM-1: a preorder in another time zone, with an expired hold.
await putProduct(
  mf,
  "CAM-1",
  { name: "Camera", on_hand: 5, release_date: "2027-01-15", utc_offset_minutes: -300, hold_minutes: 5 },
  at(20),
);
await reservation("CAM-1", 1, 21, "fixture-res-6");
await order({ order_id: "4001", lines: [{ sku: "CAM-1", qty: 2 }] }, 28); // the hold expired at 26

// The answers of every read at the end, as a later build must give them (fields may be added).
const END = at(30);
const reads = [];
for (const sku of ["PHONE-1", "MUG-1", "LAMP-1", "CAM-1"]) {
  reads.push({ method: "GET", url: `/v1/skus/${sku}/availability?qty=3` });
  reads.push({ method: "GET", url: `/v1/skus/${sku}`, token: true });
  reads.push({ method: "GET", url: `/v1/skus/${sku}/backorders`, token: true });
}
for (const id of ["1001", "1002", "%231003", "1004", "2001", "3001", "4001"]) {
  reads.push({ method: "GET", url: `/v1/orders/${id}`, token: true });
}
for (const id of [confirmed.id, released.id]) reads.push({ method: "GET", url: `/v1/reservations/${id}` });
reads.push({ method: "GET", url: "/v1/skus", token: true });
reads.push({ method: "GET", url: "/v1/events?limit=500", token: true });
const answers = [];
for (const read of reads) {
  const reply = await call(mf, read.method, read.url, { token: read.token, now: END });
  answers.push({ ...read, status: reply.status, json: reply.json });
}
await mf.dispose();

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
cpSync(persist, path.join(out, "objects"), { recursive: true });
// Fold each database's write-ahead log into it and compact it, so the fixture is plain SQLite
// files (Node 20 has no SQLite module; Python's is on every machine here). Scheduled alarms are
// dropped: they are wall-clock times of the machine that made the fixture, which a later run
// would reach at once and fire with its own clock, days after the fixture's; the first request
// to an object schedules its alarm again.
const compact = `
import glob, os, sqlite3, sys
for name in glob.glob(os.path.join(sys.argv[1], "*", "*.sqlite")):
    db = sqlite3.connect(name)
    if name.endswith("metadata.sqlite"):
        db.execute("DELETE FROM _cf_ALARM")
        db.commit()
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.execute("PRAGMA journal_mode=DELETE")
    db.execute("VACUUM")
    db.close()
for name in glob.glob(os.path.join(sys.argv[1], "*", "*.sqlite-*")):
    os.remove(name)
`;
const compacted = spawnSync("python3", ["-c", compact, path.join(out, "objects")], { stdio: "inherit" });
if (compacted.status !== 0) throw new Error("compacting the databases failed");
writeFileSync(
  path.join(out, "answers.json"),
  `${JSON.stringify({ now: END, reads: answers, replays }, null, 1)}\n`,
);
console.log(`wrote ${path.relative(root, out)}: ${answers.length} reads, ${replays.length} replays`);
