// State written by an earlier build (tests/fixtures/state-682c37f, made at that commit by
// scripts/make-state-fixture.mjs) loads in this build and answers as it did: every read the
// old build answered is answered the same (fields may be added), every kept reply replays
// byte for byte, and the ledger goes on from there.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, readFileSync } from "node:fs";
import path from "node:path";
import { call, reserve, root, startEdge, tempState } from "./support/edge.mjs";

const fixture = path.join(root, "tests/fixtures/state-682c37f");
const { now, reads, replays } = JSON.parse(readFileSync(path.join(fixture, "answers.json"), "utf8"));

/** `actual` has every field `expected` has, equal; it may have more. */
function includes(actual, expected, where) {
  if (expected === null || typeof expected !== "object") {
    assert.deepEqual(actual, expected, where);
    return;
  }
  assert.equal(typeof actual, "object", where);
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), where);
    assert.equal(actual.length, expected.length, `${where}: length`);
    expected.forEach((item, i) => includes(actual[i], item, `${where}[${i}]`));
    return;
  }
  for (const [key, value] of Object.entries(expected)) includes(actual?.[key], value, `${where}.${key}`);
}

test("a store written by the build before serde loads and answers as it did", async () => {
  const persist = tempState("upgrade");
  cpSync(path.join(fixture, "objects"), persist, { recursive: true });
  let mf = startEdge({ persist });
  try {
    for (const read of reads) {
      const reply = await call(mf, read.method, read.url, { token: read.token, now });
      assert.equal(reply.status, read.status, `${read.method} ${read.url}: ${reply.text}`);
      includes(reply.json, read.json, `${read.method} ${read.url}`);
    }
    for (const replay of replays) {
      const reply = await call(mf, replay.method, replay.url, { body: replay.body, token: replay.token, key: replay.key, now });
      assert.equal(reply.status, replay.status, `${replay.method} ${replay.url} ${replay.key ?? ""}`);
      assert.equal(reply.text, replay.text, `${replay.method} ${replay.url} ${replay.key ?? ""}: replayed byte for byte`);
    }
  } finally {
    await mf.dispose();
  }

  // And it goes on: a receipt fills the oldest waiting line first, a held reservation from
  // the old build is confirmed, and a restart keeps it all.
  mf = startEdge({ persist });
  try {
    const queue = (await call(mf, "GET", "/v1/skus/PHONE-1/backorders", { token: true, now })).json.lines;
    assert.ok(queue.length >= 2, JSON.stringify(queue));
    const receipt = await call(mf, "POST", "/v1/skus/PHONE-1/receipts", { body: { qty: queue[0].qty }, token: true, now });
    assert.equal(receipt.status, 200, receipt.text);
    const first = queue[0].order_id ?? queue[0].reservation_id;
    assert.deepEqual(
      receipt.json.allocated.map((a) => a.order_id ?? a.reservation_id),
      [first],
      "the oldest waiting entry is filled first",
    );
    const held = queue.find((entry) => entry.reservation_id);
    assert.ok(held, "the old build left a held reservation waiting");
    const hold = (await call(mf, "GET", `/v1/reservations/${held.reservation_id}`, { now })).json;
    const order = await call(mf, "POST", "/v1/orders", {
      body: { order_id: "5001", lines: [{ sku: "PHONE-1", qty: hold.qty, reservation_id: hold.id }] },
      token: true,
      now,
    });
    assert.equal(order.status, 201, order.text);
    assert.equal(order.json.lines[0].backorder_ship_date, hold.backorder_ship_date, "the promise made by the old build");
    const fresh = await reserve(mf, "MUG-1", 1, { now });
    assert.equal(fresh.json.error?.code, "insufficient_stock", "MUG-1 is still sold out with backorders denied");
  } finally {
    await mf.dispose();
  }
});
