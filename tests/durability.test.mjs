// What must survive load, restarts and the passage of time: no oversell under concurrency,
// every acknowledged write after a restart, and hold expiry by the alarm with no request.
import { test } from "node:test";
import assert from "node:assert/strict";
import { at, call, freshKey, putProduct, reserve, startEdge, tempState } from "./support/edge.mjs";

test("500 concurrent one-unit reservations on 100 units: exactly 100 succeed", async () => {
  const mf = startEdge({ persist: tempState("concurrency") });
  try {
    await putProduct(mf, "HOT-1", { on_hand: 100, backorders: "deny" });
    const replies = await Promise.all(Array.from({ length: 500 }, () => reserve(mf, "HOT-1", 1)));
    const statuses = replies.reduce((count, r) => ({ ...count, [r.status]: (count[r.status] ?? 0) + 1 }), {});
    assert.deepEqual(statuses, { 201: 100, 409: 400 });
    assert.ok(replies.filter((r) => r.status === 409).every((r) => r.json.error.code === "insufficient_stock"));
    const ids = new Set(replies.filter((r) => r.status === 201).map((r) => r.json.id));
    assert.equal(ids.size, 100, "every hold has its own id");
    const availability = await call(mf, "GET", "/v1/skus/HOT-1/availability", { now: at(1) });
    assert.equal(availability.json.available_now, 0);
    const product = await call(mf, "GET", "/v1/skus/HOT-1", { token: true, now: at(1) });
    assert.equal(product.json.holds.length, 100);
    assert.equal(product.json.on_hand, 100);
  } finally {
    await mf.dispose();
  }
});

test("a restart keeps every acknowledged write", async () => {
  const persist = tempState("restart");
  let mf = startEdge({ persist });
  const acknowledged = [];
  let replayKey;
  let firstReply;
  let feedBefore;
  try {
    await putProduct(mf, "KEEP-1", { name: "Keeper", on_hand: 2, lead_time_days: 10 });
    await call(mf, "PUT", "/v1/skus/KEEP-1/purchase-orders/PO-1", {
      body: { qty: 3, expected_date: "2026-12-07" },
      token: true,
    });
    for (let i = 0; i < 4; i++) {
      const key = freshKey("restart");
      const reply = await reserve(mf, "KEEP-1", 1, { key });
      assert.equal(reply.status, 201);
      acknowledged.push(reply.json);
      [replayKey, firstReply] = [key, reply];
    }
    const order = await call(mf, "POST", "/v1/orders", {
      body: { order_id: "K-1", lines: [{ sku: "KEEP-1", qty: 1, reservation_id: acknowledged[3].id }] },
      token: true,
      now: at(1),
    });
    assert.equal(order.status, 201);
    feedBefore = await call(mf, "GET", "/v1/events", { token: true });
    assert.ok(feedBefore.json.events.length > 0);
  } finally {
    await mf.dispose();
  }

  mf = startEdge({ persist });
  try {
    for (const { availability, ...held } of acknowledged.slice(0, 3)) {
      assert.equal(availability.sku, "KEEP-1", "a new reservation carries the SKU's availability");
      const read = await call(mf, "GET", `/v1/reservations/${held.id}`, { now: at(2) });
      assert.equal(read.status, 200);
      assert.deepEqual(read.json, held, "the reservation is exactly as acknowledged");
    }
    const confirmed = await call(mf, "GET", `/v1/reservations/${acknowledged[3].id}`, { now: at(2) });
    assert.equal(confirmed.json.status, "confirmed");
    assert.equal(confirmed.json.order_id, "K-1");
    const order = await call(mf, "GET", "/v1/orders/K-1", { token: true, now: at(2) });
    assert.equal(order.json.lines[0].backorder_ship_date, "2026-12-08");
    const replay = await reserve(mf, "KEEP-1", 1, { key: replayKey, now: at(3) });
    assert.equal(replay.text, firstReply.text, "idempotency survives the restart");
    const product = await call(mf, "GET", "/v1/skus/KEEP-1", { token: true, now: at(2) });
    assert.equal(product.json.name, "Keeper");
    assert.equal(product.json.holds.length, 3);
    assert.deepEqual(product.json.purchase_orders, [{ po_id: "PO-1", qty: 3, expected_date: "2026-12-07" }]);
    assert.deepEqual(
      product.json.queue.map((q) => q.reservation_id ?? q.order_id),
      [acknowledged[2].id, "K-1"],
    );
    const feedAfter = await call(mf, "GET", "/v1/events", { token: true });
    assert.deepEqual(feedAfter.json, feedBefore.json);
    const list = await call(mf, "GET", "/v1/skus", { token: true });
    assert.deepEqual(list.json.skus.map((s) => s.sku), ["KEEP-1"]);
  } finally {
    await mf.dispose();
  }
});

test("settled orders are read from storage after a restart, and cancel from there", async () => {
  // An order with nothing left waiting leaves the ledger's memory; it must still answer.
  const persist = tempState("settled");
  let mf = startEdge({ persist });
  const orders = {};
  const order = async (id, qty, minutes) => {
    const body = { order_id: id, lines: [{ sku: "SET-1", qty }] };
    const reply = await call(mf, "POST", "/v1/orders", { body, token: true, now: at(minutes) });
    assert.equal(reply.status, 201);
    orders[id] = { body, reply };
  };
  try {
    await putProduct(mf, "SET-1", { on_hand: 3, lead_time_days: 10 });
    await order("S-1", 2, 1); // ships at once: settled
    await order("S-2", 2, 2); // one unit waits until the receipt below fills it
    const receipt = await call(mf, "POST", "/v1/skus/SET-1/receipts", { body: { qty: 1 }, token: true, now: at(3) });
    assert.deepEqual(receipt.json.allocated, [{ order_id: "S-2", qty: 1 }]);
  } finally {
    await mf.dispose();
  }

  mf = startEdge({ persist });
  try {
    const s1 = await call(mf, "GET", "/v1/orders/S-1", { token: true, now: at(4) });
    assert.equal(s1.status, 200);
    const { status_token, status_url, ...confirmed } = orders["S-1"].reply.json;
    assert.deepEqual(s1.json, confirmed, "a shipped order reads as it was confirmed");
    const s2 = await call(mf, "GET", "/v1/orders/S-2", { token: true, now: at(4) });
    assert.equal(s2.json.lines[0].status, "ready");
    const replay = await call(mf, "POST", "/v1/orders", { body: orders["S-1"].body, token: true, now: at(5) });
    assert.equal(replay.text, JSON.stringify(confirmed), "replayed as created, without the token");
    const cancel = await call(mf, "POST", "/v1/orders/S-1/cancel", { token: true, now: at(6) });
    const cancelled = { order_id: "S-1", sku: "SET-1", refund_qty: 2, restocked: 2, backorder_cancelled: 0 };
    assert.deepEqual(cancel.json, { ...cancelled, lines: [cancelled] });
    const availability = await call(mf, "GET", "/v1/skus/SET-1/availability", { now: at(7) });
    assert.equal(availability.json.available_now, 2, "the cancelled order's units are back, once");
  } finally {
    await mf.dispose();
  }
  mf = startEdge({ persist });
  try {
    const again = await call(mf, "POST", "/v1/orders/S-1/cancel", { token: true, now: at(8) });
    const cancelled = { order_id: "S-1", sku: "SET-1", refund_qty: 2, restocked: 2, backorder_cancelled: 0 };
    assert.equal(again.text, JSON.stringify({ ...cancelled, lines: [cancelled] }));
    const availability = await call(mf, "GET", "/v1/skus/SET-1/availability", { now: at(9) });
    assert.equal(availability.json.available_now, 2);
  } finally {
    await mf.dispose();
  }
});

test("resolved reservations are read from storage after a restart, and forgotten after a day", async () => {
  const persist = tempState("resolved");
  let mf = startEdge({ persist });
  let released;
  try {
    await putProduct(mf, "RES-1", { on_hand: 3 });
    const held = await reserve(mf, "RES-1", 2, { now: at(1) });
    released = await call(mf, "DELETE", `/v1/reservations/${held.json.id}`, { now: at(2) });
    assert.equal(released.json.status, "released");
  } finally {
    await mf.dispose();
  }
  mf = startEdge({ persist });
  try {
    const path = `/v1/reservations/${released.json.id}`;
    const read = await call(mf, "GET", path, { now: at(3) });
    assert.equal(read.status, 200);
    assert.deepEqual(read.json, released.json, "the reservation reads as it was released");
    const again = await call(mf, "DELETE", path, { now: at(4) });
    assert.equal(again.text, released.text, "releasing again answers the same");
    const availability = await call(mf, "GET", "/v1/skus/RES-1/availability", { now: at(5) });
    assert.equal(availability.json.available_now, 3, "its units came back once");
    const dayLater = await call(mf, "GET", path, { now: at(2 + 24 * 60 + 1) });
    assert.equal(dayLater.status, 404, "kept for a day, then forgotten");
  } finally {
    await mf.dispose();
  }
});

test("the alarm expires a hold with no request to its ledger", async () => {
  const mf = startEdge({ persist: tempState("alarm") });
  try {
    // The development clock is an offset from the wall clock. Reserve at T, then move the
    // ledger to 300 ms before the hold expires: the alarm is due 300 ms of wall time later.
    const t = Date.now();
    const iso = (ms) => new Date(ms).toISOString();
    await putProduct(mf, "ALARM-1", { on_hand: 1 }, iso(t));
    const hold = await reserve(mf, "ALARM-1", 1, { now: iso(t) });
    assert.equal(hold.status, 201);
    const order = await call(mf, "POST", "/v1/orders", {
      body: { order_id: "AL-1", lines: [{ sku: "ALARM-1", qty: 1 }] },
      token: true,
      now: iso(t),
    });
    assert.equal(order.json.lines[0].backorder, 1);
    const feed = await call(mf, "GET", "/v1/events", { token: true });
    const cursor = feed.json.next_cursor;
    await call(mf, "GET", "/v1/skus/ALARM-1/availability", { now: iso(t + 15 * 60_000 - 300) });
    // The runtime's timer cannot be injected, so wait (bounded) for the alarm's effect. Only
    // the feed is read: nothing touches the ledger, so lazy expiry cannot be what did it.
    const deadline = Date.now() + 10_000;
    let events = [];
    while (Date.now() < deadline && events.length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      events = (await call(mf, "GET", `/v1/events?after=${cursor}`, { token: true })).json.events;
    }
    assert.deepEqual(
      events.map((e) => [e.type, e.order_id, e.qty]),
      [["backorder_allocated", "AL-1", 1]],
    );
  } finally {
    await mf.dispose();
  }
});

test("a slipped purchase order announces eta_changed and a delay notice for the lines it moves", async () => {
  const mf = startEdge({ persist: tempState("eta") });
  try {
    await putProduct(mf, "ETA-1", { on_hand: 0, lead_time_days: 30 });
    await call(mf, "PUT", "/v1/skus/ETA-1/purchase-orders/PO-1", {
      body: { qty: 2, expected_date: "2026-12-03" },
      token: true,
      now: at(),
    });
    for (const [order_id, qty] of [["E-1", 2], ["E-2", 1]]) {
      await call(mf, "POST", "/v1/orders", { body: { order_id, lines: [{ sku: "ETA-1", qty }] }, token: true, now: at() });
    }
    const cursor = (await call(mf, "GET", "/v1/events?limit=500", { token: true })).json.next_cursor;
    await call(mf, "PUT", "/v1/skus/ETA-1/purchase-orders/PO-1", {
      body: { qty: 2, expected_date: "2026-12-15" },
      token: true,
      now: at(1),
    });
    const events = (await call(mf, "GET", `/v1/events?after=${cursor}`, { token: true })).json.events;
    assert.deepEqual(
      events.map((e) => [e.type, e.order_id, e.promised_ship_date, e.projected_ship_date ?? e.revised_ship_date]),
      [
        ["eta_changed", "E-1", "2026-12-04", "2026-12-16"],
        // 12 days late: silence would be consent (within 30 days), until the promised day ends.
        ["delay_notice", "E-1", "2026-12-04", "2026-12-16"],
      ],
    );
    assert.deepEqual([events[1].silence_is_consent, events[1].deadline], [true, "2026-12-05T00:00:00Z"]);
    const discontinued = await putProduct(mf, "ETA-1", { discontinued: true }, at(2));
    assert.equal(discontinued.status, "discontinued");
    const after = (await call(mf, "GET", `/v1/events?after=${events[1].id}`, { token: true })).json.events;
    assert.deepEqual(
      after.map((e) => [e.type, e.order_id, e.refund_qty ?? e.qty, e.reason ?? e.due_date]),
      [
        ["backorder_cancelled", "E-1", 2, "discontinued"],
        ["refund_due", "E-1", 2, "2026-12-07"],
        ["backorder_cancelled", "E-2", 1, "discontinued"],
        ["refund_due", "E-2", 1, "2026-12-07"],
      ],
    );
  } finally {
    await mf.dispose();
  }
});

// A claims shard as builds before the confirm/release flow left it: no `meta`, and a claims
// table without `confirmed`. Written by a stand-in worker into the same persisted objects.
const EARLY_REGISTRY = `
import { DurableObject } from "cloudflare:workers";
export class Registry extends DurableObject {
  async fetch() {
    this.ctx.storage.sql.exec(\`CREATE TABLE claims (
      key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, sku TEXT NOT NULL, at INTEGER NOT NULL,
      permanent INTEGER NOT NULL)\`);
    return new Response(null, { status: 204 });
  }
}
export class SkuLedger extends DurableObject {}
export class OrderCoordinator extends DurableObject {}
export default {
  fetch(request, env) {
    return env.REGISTRY.get(env.REGISTRY.idFromName(new URL(request.url).pathname.slice(1))).fetch(request);
  },
};
`;

// A SKU's object as the first schema stored it: every reservation and order line in memory
// (no `resolved_at` or `settled` columns), no settled units counted. Rows in that version's
// JSON: a released and a held reservation, and an order line that shipped at once.
const EARLY_LEDGER = `
import { DurableObject } from "cloudflare:workers";
const T1 = 1795687260000; // 2026-11-26T10:01:00Z
const quote = (qty) => ({ qty, now: qty, backorder: 0, ship_date: "2026-11-27", backorder_ship_date: null });
export class SkuLedger extends DurableObject {
  async fetch(request) {
    const sku = new URL(request.url).pathname.slice(1);
    const sql = this.ctx.storage.sql;
    sql.exec(\`
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      INSERT INTO meta (key, value) VALUES ('schema_version', '1');
      CREATE TABLE product (id INTEGER PRIMARY KEY CHECK (id = 1), record TEXT NOT NULL);
      CREATE TABLE stock (id INTEGER PRIMARY KEY CHECK (id = 1), record TEXT NOT NULL);
      CREATE TABLE holds (id TEXT PRIMARY KEY, record TEXT NOT NULL);
      CREATE TABLE lines (order_id TEXT PRIMARY KEY, record TEXT NOT NULL);
      CREATE TABLE purchase_orders (id TEXT PRIMARY KEY, record TEXT NOT NULL);
      CREATE TABLE replies (key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, status INTEGER NOT NULL,
        body TEXT NOT NULL, at INTEGER NOT NULL);
      CREATE TABLE outbox (seq INTEGER PRIMARY KEY, event TEXT NOT NULL)\`);
    const policy = { backorders: "allow", backorder_limit: null, limit_to_inbound: false, lead_time_days: 14,
      handling_days: 1, ship_weekdays: [1, 2, 3, 4, 5], holidays: [], low_stock_threshold: 0, discontinued: false,
      release_date: null, utc_offset_minutes: 0, hold_minutes: 15 };
    const row = (table, id, record) => sql.exec(\`INSERT INTO \${table} VALUES (?, ?)\`, id, JSON.stringify(record));
    row("product", 1, { version: 1, sku, name: "Early", policy });
    row("stock", 1, { free: 3, received: 0, adjusted: 5, next_seq: 3, next_event_seq: 0, reorder_reported: 0,
      projected_on: "2026-11-26" });
    const hold = (n, qty, state, resolved_at) => ({ id: \`res_\${String(n).padStart(24, "0")}.\${sku}\`, seq: n - 1,
      quote: quote(qty), ship: "partial", state, created_at: T1, expires_at: T1 + 900000, resolved_at, waiting: null });
    for (const h of [hold(1, 2, "released", T1 + 60000), hold(2, 1, "held", null)]) row("holds", h.id, h);
    row("lines", "L-1", { order_id: "L-1", seq: 2, quote: quote(1), ship: "partial", reservation: null, created_at: T1,
      cancelled_backorder: 0, cancellation: null, backorder_cancellation: null, waiting: null });
    return new Response(null, { status: 204 });
  }
}
// The early build claimed every order id, for good, in a claims shard (FNV-1a of the key).
export class Registry extends DurableObject {
  async fetch(request) {
    const claim = await request.json();
    this.ctx.storage.sql.exec(\`CREATE TABLE IF NOT EXISTS claims (
      key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, sku TEXT NOT NULL, at INTEGER NOT NULL,
      permanent INTEGER NOT NULL)\`);
    this.ctx.storage.sql.exec("INSERT INTO claims VALUES (?, ?, ?, ?, 1)", claim.key, claim.fingerprint, claim.sku, T1);
    return new Response(null, { status: 204 });
  }
}
export class OrderCoordinator extends DurableObject {}
const shard = (key) => {
  let hash = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(key)) hash = ((hash ^ BigInt(byte)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return \`claims-\${hash % 16n}\`;
};
export default {
  async fetch(request, env) {
    const sku = new URL(request.url).pathname.slice(1);
    const key = "order:L-1";
    const claim = { key, fingerprint: \`\${sku}|confirm|L-1|1||\`, sku };
    if (sku === "OLD-1") {
      const registry = env.REGISTRY.get(env.REGISTRY.idFromName(shard(key)));
      await registry.fetch("https://stand-in/", { method: "POST", body: JSON.stringify(claim) });
    }
    return env.SKU_LEDGER.get(env.SKU_LEDGER.idFromName(sku)).fetch(request);
  },
};
`;

test("a SKU stored by the first schema upgrades: what is resolved or settled leaves memory, and still answers", async () => {
  const persist = tempState("early-ledger");
  const early = startEdge({ persist, script: EARLY_LEDGER });
  for (const sku of ["OLD-1", "OLD-2"]) {
    assert.equal((await early.dispatchFetch(`http://edge.test/${sku}`)).status, 204);
  }
  await early.dispose();
  const reservation = (n, sku) => `/v1/reservations/res_${String(n).padStart(24, "0")}.${sku}`;
  const check = async (mf, sku) => {
    const product = await call(mf, "GET", `/v1/skus/${sku}`, { token: true, now: at(5) });
    assert.equal(product.status, 200, product.text);
    assert.deepEqual(product.json.holds.map((h) => h.id), [reservation(2, sku).split("/").pop()]);
    assert.deepEqual([product.json.on_hand, product.json.available_now], [4, 3]);
  };

  let mf = startEdge({ persist });
  try {
    // The first request each object sees after the upgrade names what left memory.
    const body = { order_id: "L-1", lines: [{ sku: "OLD-1", qty: 1 }] };
    const order = await call(mf, "POST", "/v1/orders", { body, token: true, now: at(3) });
    assert.equal(order.status, 201, order.text);
    assert.deepEqual([order.json.lines[0].now, order.json.lines[0].status], [1, "ready"]);
    const released = await call(mf, "GET", reservation(1, "OLD-2"), { now: at(3) });
    assert.equal(released.status, 200, released.text);
    assert.equal(released.json.status, "released");
    const again = await call(mf, "DELETE", reservation(1, "OLD-2"), { now: at(4) });
    assert.equal(again.json.status, "released");
    await check(mf, "OLD-1"); // the order above took nothing: it is the stored one
    await check(mf, "OLD-2");
  } finally {
    await mf.dispose();
  }
  mf = startEdge({ persist });
  try {
    await check(mf, "OLD-1");
    await check(mf, "OLD-2");
  } finally {
    await mf.dispose();
  }
});

test("orders beside a claims shard of an earlier build (no `confirmed`, no `meta`): a refused order frees its id", async () => {
  const persist = tempState("early-registry");
  const early = startEdge({ persist, script: EARLY_REGISTRY });
  // "order:EARLY-0" is claimed in shard claims-3 (FNV-1a of the key, mod 16).
  assert.equal((await early.dispatchFetch("http://edge.test/claims-3")).status, 204);
  await early.dispose();

  const mf = startEdge({ persist });
  try {
    await putProduct(mf, "MUG-1", { on_hand: 1, backorders: "deny" });
    const order = (qty) => ({ order_id: "EARLY-0", lines: [{ sku: "MUG-1", qty }] });
    const refused = await call(mf, "POST", "/v1/orders", { body: order(5), token: true, now: at() });
    assert.equal(refused.status, 409, refused.text);
    const corrected = await call(mf, "POST", "/v1/orders", { body: order(1), token: true, now: at() });
    assert.equal(corrected.status, 201, corrected.text);
    const replayed = await call(mf, "POST", "/v1/orders", { body: order(1), token: true, now: at() });
    assert.equal(replayed.status, 201, replayed.text);
  } finally {
    await mf.dispose();
  }
});
