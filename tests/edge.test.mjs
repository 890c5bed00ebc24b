// The edge API end to end: the built worker in workerd (Miniflare), real SQLite Durable
// Objects, time injected with X-Backorder-Now (BACKORDER_DEV_CLOCK=1).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { at, call, freshKey, putProduct, reserve, startEdge, tempState } from "./support/edge.mjs";

let mf;
before(() => {
  mf = startEdge({ persist: tempState("edge") });
});
after(() => mf.dispose());

describe("products (merchant)", () => {
  test("create, read, update, list; on_hand is required only to create", async () => {
    const missing = await call(mf, "PUT", "/v1/skus/MUG-1", { body: { name: "Mug" }, token: true });
    assert.equal(missing.status, 400);
    assert.equal(missing.json.error.code, "invalid_request");
    assert.match(missing.json.error.message, /on_hand/);

    const created = await call(mf, "PUT", "/v1/skus/MUG-1", { body: { name: "Mug", on_hand: 4 }, token: true });
    assert.equal(created.status, 201);
    assert.equal(created.json.sku, "MUG-1");
    assert.equal(created.json.on_hand, 4);
    assert.equal(created.json.backorders, "allow");
    assert.equal(created.json.lead_time_days, 14);
    assert.deepEqual(created.json.ship_weekdays, [1, 2, 3, 4, 5]);

    const updated = await call(mf, "PUT", "/v1/skus/MUG-1", {
      body: { backorders: "deny", low_stock_threshold: 2, name: "Big mug" },
      token: true,
    });
    assert.equal(updated.status, 200);
    assert.equal(updated.json.on_hand, 4, "absent on_hand keeps the count");
    assert.equal(updated.json.backorders, "deny");
    assert.equal(updated.json.name, "Big mug");

    const read = await call(mf, "GET", "/v1/skus/MUG-1", { token: true });
    assert.equal(read.status, 200);
    assert.equal(read.json.low_stock_threshold, 2);

    const list = await call(mf, "GET", "/v1/skus", { token: true });
    assert.equal(list.status, 200);
    const mug = list.json.skus.find((s) => s.sku === "MUG-1");
    assert.deepEqual(mug, { sku: "MUG-1", name: "Big mug", status: "in_stock", on_hand: 4, available_now: 4, backordered: 0, slipped: 0 });
  });

  test("bad product input is refused by field and changes nothing", async () => {
    await putProduct(mf, "PEN-1", { on_hand: 2 });
    const cases = [
      [{ colour: "red" }, /unknown field `colour`/],
      [{ ship_weekdays: [8] }, /ship_weekdays/],
      [{ on_hand: -1 }, /invalid value/],
      [{ release_date: "2026-13-01" }, /not a date/],
      [{ hold_minutes: 0 }, /hold_minutes/],
      [{ name: "" }, /name/],
    ];
    for (const [body, message] of cases) {
      const reply = await call(mf, "PUT", "/v1/skus/PEN-1", { body, token: true });
      assert.equal(reply.status, 400, JSON.stringify(body));
      assert.match(reply.json.error.message, message);
    }
    const read = await call(mf, "GET", "/v1/skus/PEN-1", { token: true });
    assert.equal(read.json.on_hand, 2);
    assert.equal(read.json.hold_minutes, 15);
  });

  test("merchant endpoints need the token, compared exactly", async () => {
    const probes = [
      ["GET", "/v1/skus"],
      ["GET", "/v1/skus/PEN-1"],
      ["PUT", "/v1/skus/PEN-1"],
      ["POST", "/v1/skus/PEN-1/receipts"],
      ["PUT", "/v1/skus/PEN-1/purchase-orders/PO-1"],
      ["DELETE", "/v1/skus/PEN-1/purchase-orders/PO-1"],
      ["GET", "/v1/skus/PEN-1/backorders"],
      ["POST", "/v1/orders"],
      ["GET", "/v1/orders/1"],
      ["POST", "/v1/orders/1/cancel"],
      ["GET", "/v1/events"],
    ];
    for (const [method, url] of probes) {
      for (const token of [undefined, "wrong", "test-merchant-token-012345678"]) {
        const reply = await call(mf, method, url, { token, body: method === "GET" ? undefined : { qty: 1 } });
        assert.equal(reply.status, 401, `${method} ${url} with ${token}`);
        assert.equal(reply.json.error.code, "unauthorized");
        assert.equal(reply.headers.get("access-control-allow-origin"), null);
      }
    }
  });
});

describe("availability (public)", () => {
  test("quotes with and without qty; CORS and a short cache", async () => {
    await putProduct(mf, "PHONE-1", { name: "Phone", on_hand: 1, low_stock_threshold: 2 });
    await call(mf, "PUT", "/v1/skus/PHONE-1/purchase-orders/PO-9", {
      body: { qty: 8, expected_date: "2026-12-10" },
      token: true,
    });
    const plain = await call(mf, "GET", "/v1/skus/PHONE-1/availability", { now: at() });
    assert.equal(plain.status, 200);
    assert.equal(plain.headers.get("access-control-allow-origin"), "*");
    assert.equal(plain.headers.get("cache-control"), "public, max-age=5");
    assert.equal(plain.json.quote, undefined);
    assert.equal(plain.json.status, "low_stock");
    assert.equal(plain.json.today, "2026-11-26");
    assert.deepEqual(plain.json.supply, [{ date: "2026-12-10", qty: 8 }]);

    const quoted = await call(mf, "GET", "/v1/skus/PHONE-1/availability?qty=2", { now: at() });
    assert.deepEqual(quoted.json.quote, {
      qty: 2,
      now: 1,
      backorder: 1,
      ship_date: "2026-11-27",
      backorder_ship_date: "2026-12-11",
    });
  });

  test("unknown or malformed SKUs and quantities", async () => {
    assert.equal((await call(mf, "GET", "/v1/skus/NOPE/availability")).status, 404);
    assert.equal((await call(mf, "GET", "/v1/skus/bad%20sku/availability")).status, 400);
    assert.equal((await call(mf, "GET", `/v1/skus/${"A".repeat(65)}/availability`)).status, 400);
    assert.equal((await call(mf, "GET", "/v1/skus/PHONE-1/availability?qty=0")).status, 400);
    assert.equal((await call(mf, "GET", "/v1/skus/PHONE-1/availability?qty=x")).status, 400);
    assert.equal((await call(mf, "GET", "/v1/skus/PHONE-1/availability?qty=10001")).status, 400);
  });

  test("preflight allows public endpoints only", async () => {
    const ok = await call(mf, "OPTIONS", "/v1/reservations");
    assert.equal(ok.status, 204);
    assert.equal(ok.headers.get("access-control-allow-origin"), "*");
    assert.match(ok.headers.get("access-control-allow-headers"), /idempotency-key/);
    const merchant = await call(mf, "OPTIONS", "/v1/skus/PHONE-1");
    assert.equal(merchant.status, 403);
    assert.equal(merchant.headers.get("access-control-allow-origin"), null);
  });
});

describe("reservations (public)", () => {
  test("hold, read, release once", async () => {
    await putProduct(mf, "CUP-1", { on_hand: 3 });
    const held = await reserve(mf, "CUP-1", 2);
    assert.equal(held.status, 201);
    assert.match(held.json.id, /^res_[0-9a-f]{24}\.CUP-1$/);
    assert.equal(held.json.status, "held");
    assert.equal(held.json.expires_at, "2026-11-26T10:15:00Z");
    assert.equal(held.headers.get("access-control-allow-origin"), "*");

    const read = await call(mf, "GET", `/v1/reservations/${held.json.id}`, { now: at(1) });
    assert.equal(read.status, 200);
    assert.equal(read.json.now, 2);

    const released = await call(mf, "DELETE", `/v1/reservations/${held.json.id}`, { now: at(2) });
    assert.equal(released.status, 200);
    assert.equal(released.json.status, "released");
    const again = await call(mf, "DELETE", `/v1/reservations/${held.json.id}`, { now: at(3) });
    assert.deepEqual(again.json, released.json);
    const availability = await call(mf, "GET", "/v1/skus/CUP-1/availability", { now: at(3) });
    assert.equal(availability.json.available_now, 3, "released units are back, once");

    assert.equal((await call(mf, "GET", "/v1/reservations/res_000000000000000000000000.CUP-1")).status, 404);
    assert.equal((await call(mf, "GET", "/v1/reservations/garbage")).status, 404);
  });

  test("an Idempotency-Key replays the first answer byte for byte; reuse elsewhere is 422", async () => {
    await putProduct(mf, "HAT-1", { on_hand: 1, backorders: "deny" });
    await putProduct(mf, "HAT-2", { on_hand: 5 });
    const key = freshKey();
    const first = await reserve(mf, "HAT-1", 1, { key });
    const replay = await reserve(mf, "HAT-1", 1, { key, now: at(5) });
    assert.equal(first.status, 201);
    assert.equal(replay.status, first.status);
    assert.equal(replay.text, first.text);
    const product = await call(mf, "GET", "/v1/skus/HAT-1", { token: true, now: at(5) });
    assert.equal(product.json.holds.length, 1, "the replay did not hold twice");

    const otherQty = await reserve(mf, "HAT-1", 2, { key });
    assert.equal(otherQty.status, 422);
    assert.equal(otherQty.json.error.code, "idempotency_key_reused");
    const otherSku = await reserve(mf, "HAT-2", 1, { key });
    assert.equal(otherSku.status, 422, "the same key for another SKU is another request");

    // Failures replay too.
    const failKey = freshKey();
    const refused = await reserve(mf, "HAT-1", 1, { key: failKey });
    assert.equal(refused.status, 409);
    assert.equal(refused.json.error.code, "insufficient_stock");
    await call(mf, "POST", "/v1/skus/HAT-1/receipts", { body: { qty: 5 }, token: true });
    const refusedAgain = await reserve(mf, "HAT-1", 1, { key: failKey });
    assert.equal(refusedAgain.status, 409);
    assert.equal(refusedAgain.text, refused.text);
  });

  test("bad reservation requests are 400 and hold nothing", async () => {
    await putProduct(mf, "BAG-1", { on_hand: 5 });
    const cases = [
      [{ sku: "BAG-1", qty: 1 }, null, /Idempotency-Key/],
      [{ sku: "BAG-1", qty: 0 }, freshKey(), /qty/],
      [{ sku: "BAG-1", qty: 10_001 }, freshKey(), /qty/],
      [{ sku: "BAG-1", qty: 1, ship: "later" }, freshKey(), /ship|variant/],
      [{ sku: "BAG 1", qty: 1 }, freshKey(), /sku/],
      [{ sku: "BAG-1", qty: 1, extra: true }, freshKey(), /unknown field `extra`/],
      ["{not json", freshKey(), /JSON/],
      [{ sku: "BAG-1", qty: 1 }, "bad key with spaces", /Idempotency-Key/],
    ];
    for (const [body, key, message] of cases) {
      const reply = await call(mf, "POST", "/v1/reservations", { body, key: key ?? undefined, now: at() });
      assert.equal(reply.status, 400, JSON.stringify(body));
      assert.match(reply.json.error.message, message);
    }
    const availability = await call(mf, "GET", "/v1/skus/BAG-1/availability", { now: at() });
    assert.equal(availability.json.available_now, 5);
    const unknownSku = await reserve(mf, "NOTHING-HERE", 1);
    assert.equal(unknownSku.status, 404);
  });

  test("holds expire lazily at the injected time, exactly once", async () => {
    await putProduct(mf, "KEY-1", { on_hand: 2, hold_minutes: 10 });
    const held = await reserve(mf, "KEY-1", 2, { now: at(0) });
    assert.equal(held.json.expires_at, "2026-11-26T10:10:00Z");
    const before = await call(mf, "GET", "/v1/skus/KEY-1/availability", { now: at(9.99) });
    assert.equal(before.json.available_now, 0);
    const afterExpiry = await call(mf, "GET", "/v1/skus/KEY-1/availability", { now: at(10) });
    assert.equal(afterExpiry.json.available_now, 2);
    const read = await call(mf, "GET", `/v1/reservations/${held.json.id}`, { now: at(11) });
    assert.equal(read.json.status, "expired");
    const release = await call(mf, "DELETE", `/v1/reservations/${held.json.id}`, { now: at(12) });
    assert.equal(release.json.status, "expired");
    const later = await call(mf, "GET", "/v1/skus/KEY-1/availability", { now: at(12) });
    assert.equal(later.json.available_now, 2, "expiring twice is the same as once");
    const order = await call(mf, "POST", "/v1/orders", {
      body: { order_id: "late-1", lines: [{ sku: "KEY-1", qty: 2, reservation_id: held.json.id }] },
      token: true,
      now: at(13),
    });
    assert.equal(order.status, 409);
    assert.equal(order.json.error.code, "reservation_not_held");
  });
});

describe("the founding document's example over HTTP", () => {
  test("3 phones, two customers want 2 each; a receipt of 1 goes to the second", async () => {
    await putProduct(mf, "PHONE-X", { name: "Phone", on_hand: 3 });
    const order = async (order_id, qty) => {
      const hold = await reserve(mf, "PHONE-X", qty);
      assert.equal(hold.status, 201);
      return call(mf, "POST", "/v1/orders", {
        body: { order_id, lines: [{ sku: "PHONE-X", qty, reservation_id: hold.json.id }] },
        token: true,
        now: at(1),
      });
    };
    const first = await order("1001", 2);
    assert.equal(first.status, 201);
    assert.deepEqual(
      [first.json.lines[0].now, first.json.lines[0].backorder, first.json.lines[0].ship_date],
      [2, 0, "2026-11-27"],
    );
    const second = await order("1002", 2);
    const line = second.json.lines[0];
    assert.deepEqual([line.now, line.backorder, line.ship_date, line.backorder_ship_date], [1, 1, "2026-11-27", "2026-12-11"]);
    assert.equal(line.status, "backordered");

    const queue = await call(mf, "GET", "/v1/skus/PHONE-X/backorders", { token: true, now: at(2) });
    assert.deepEqual(queue.json, {
      sku: "PHONE-X",
      lines: [{ order_id: "1002", qty: 1, position: 1, ship_date: "2026-12-11", projected_ship_date: "2026-12-11", purchase_order_id: null }],
    });

    const receipt = await call(mf, "POST", "/v1/skus/PHONE-X/receipts", { body: { qty: 1 }, token: true, now: at(3) });
    assert.equal(receipt.status, 200);
    assert.deepEqual(receipt.json, { allocated: [{ order_id: "1002", qty: 1 }], on_hand: 0 });
    const status = await call(mf, "GET", "/v1/orders/1002", { token: true, now: at(4) });
    assert.equal(status.json.lines[0].status, "ready");
    assert.equal(status.json.lines[0].allocated, 1);
  });
});

describe("orders (merchant)", () => {
  test("confirm is idempotent by order_id; other lines under the same id are 422", async () => {
    await putProduct(mf, "SOCK-1", { on_hand: 10 });
    await putProduct(mf, "SOCK-2", { on_hand: 10 });
    const body = { order_id: "A-1", lines: [{ sku: "SOCK-1", qty: 3 }] };
    const first = await call(mf, "POST", "/v1/orders", { body, token: true });
    const replay = await call(mf, "POST", "/v1/orders", { body, token: true });
    assert.equal(first.status, 201);
    // The status token is shown once, in the answer that created the order.
    const { status_token, status_url, ...created } = first.json;
    assert.match(status_token, /^[0-9a-f]{32}$/);
    assert.equal(status_url, `http://edge.test/order/#order=A-1&token=${status_token}`);
    assert.equal(replay.status, 201);
    assert.equal(replay.text, JSON.stringify(created), "a replay answers the same order, byte for byte, without the token");
    const other = await call(mf, "POST", "/v1/orders", {
      body: { order_id: "A-1", lines: [{ sku: "SOCK-2", qty: 3 }] },
      token: true,
    });
    assert.equal(other.status, 422);
    const twice = await call(mf, "POST", "/v1/orders", {
      body: { order_id: "A-2", lines: [{ sku: "SOCK-1", qty: 1 }, { sku: "SOCK-1", qty: 1 }] },
      token: true,
    });
    assert.equal(twice.status, 400, "a SKU at most once per order");
    assert.deepEqual(twice.json.error.line, { index: 1, sku: "SOCK-1" });
    const product = await call(mf, "GET", "/v1/skus/SOCK-1", { token: true });
    assert.equal(product.json.on_hand, 7, "one order, not two");
  });

  test("cancel restocks to the queue first and refunds once", async () => {
    await putProduct(mf, "TEE-1", { on_hand: 1 });
    const a = await call(mf, "POST", "/v1/orders", { body: { order_id: "T-1", lines: [{ sku: "TEE-1", qty: 1 }] }, token: true });
    assert.equal(a.status, 201);
    const b = await call(mf, "POST", "/v1/orders", { body: { order_id: "T-2", lines: [{ sku: "TEE-1", qty: 1 }] }, token: true });
    assert.equal(b.json.lines[0].backorder, 1);
    const cancel = await call(mf, "POST", "/v1/orders/T-1/cancel", { token: true });
    assert.equal(cancel.status, 200);
    const line = { order_id: "T-1", sku: "TEE-1", refund_qty: 1, restocked: 1, backorder_cancelled: 0 };
    assert.deepEqual(cancel.json, { ...line, lines: [line] });
    const again = await call(mf, "POST", "/v1/orders/T-1/cancel", { token: true });
    assert.deepEqual(again.json, cancel.json);
    const t2 = await call(mf, "GET", "/v1/orders/T-2", { token: true });
    assert.equal(t2.json.lines[0].status, "ready", "the returned unit went to the waiting order");
    const partial = await call(mf, "POST", "/v1/orders/T-2/cancel", { body: { scope: "everything" }, token: true });
    assert.equal(partial.status, 400);
    assert.equal((await call(mf, "POST", "/v1/orders/NOPE/cancel", { token: true })).status, 404);
    assert.equal((await call(mf, "GET", "/v1/orders/NOPE", { token: true })).status, 404);
  });
});

describe("purchase orders and receipts (merchant)", () => {
  test("create, change and cancel purchase orders; receipts against them", async () => {
    await putProduct(mf, "LAMP-1", { on_hand: 0 });
    const created = await call(mf, "PUT", "/v1/skus/LAMP-1/purchase-orders/PO-1", {
      body: { qty: 5, expected_date: "2026-12-03" },
      token: true,
    });
    assert.equal(created.status, 201);
    assert.deepEqual(created.json, { po_id: "PO-1", qty: 5, expected_date: "2026-12-03" });
    const changed = await call(mf, "PUT", "/v1/skus/LAMP-1/purchase-orders/PO-1", {
      body: { qty: 4, expected_date: "2026-12-08" },
      token: true,
    });
    assert.equal(changed.status, 200);
    const receipt = await call(mf, "POST", "/v1/skus/LAMP-1/receipts", { body: { qty: 3, po_id: "PO-1" }, token: true });
    assert.equal(receipt.status, 200);
    const product = await call(mf, "GET", "/v1/skus/LAMP-1", { token: true });
    assert.deepEqual(product.json.purchase_orders, [{ po_id: "PO-1", qty: 1, expected_date: "2026-12-08" }]);
    const cancelled = await call(mf, "DELETE", "/v1/skus/LAMP-1/purchase-orders/PO-1", { token: true });
    assert.equal(cancelled.status, 200);
    assert.equal((await call(mf, "DELETE", "/v1/skus/LAMP-1/purchase-orders/PO-1", { token: true })).status, 404);
    const bad = await call(mf, "POST", "/v1/skus/LAMP-1/receipts", { body: { qty: 1, po_id: "PO-404" }, token: true });
    assert.equal(bad.status, 404);
    const badDate = await call(mf, "PUT", "/v1/skus/LAMP-1/purchase-orders/PO-2", {
      body: { qty: 1, expected_date: "12/08/2026" },
      token: true,
    });
    assert.equal(badDate.status, 400);
  });

  test("receipts with an Idempotency-Key count once", async () => {
    await putProduct(mf, "BOX-1", { on_hand: 0 });
    const key = freshKey("receipt");
    const first = await call(mf, "POST", "/v1/skus/BOX-1/receipts", { body: { qty: 4 }, token: true, key });
    const again = await call(mf, "POST", "/v1/skus/BOX-1/receipts", { body: { qty: 4 }, token: true, key });
    assert.equal(again.text, first.text);
    // The same request written differently is still the same request; another one is not.
    const respaced = await call(mf, "POST", "/v1/skus/BOX-1/receipts", { body: '{ "po_id": null, "qty": 4 }', token: true, key });
    assert.equal(respaced.text, first.text);
    const changed = await call(mf, "POST", "/v1/skus/BOX-1/receipts", { body: { qty: 5 }, token: true, key });
    assert.equal(changed.status, 422);
    const product = await call(mf, "GET", "/v1/skus/BOX-1", { token: true });
    assert.equal(product.json.on_hand, 4);
  });
});

describe("the event feed (merchant)", () => {
  test("events arrive in order with a cursor", async () => {
    await putProduct(mf, "FEED-1", { on_hand: 0 });
    const start = await call(mf, "GET", "/v1/events?limit=500", { token: true });
    let cursor = start.json.next_cursor;
    for (let page = start; page.json.events.length === 500; ) {
      page = await call(mf, "GET", `/v1/events?after=${cursor}&limit=500`, { token: true });
      cursor = page.json.next_cursor;
    }
    await call(mf, "POST", "/v1/orders", { body: { order_id: "F-1", lines: [{ sku: "FEED-1", qty: 2 }] }, token: true });
    await call(mf, "POST", "/v1/skus/FEED-1/receipts", { body: { qty: 2 }, token: true });
    const page = await call(mf, "GET", `/v1/events?after=${cursor}&limit=3`, { token: true });
    assert.equal(page.status, 200);
    const mine = page.json.events;
    // The ledger's events reach the feed as the line is confirmed; the order's own after it.
    assert.deepEqual(
      mine.map((e) => [e.type, e.sku, e.order_id]),
      [
        ["backorder_created", "FEED-1", "F-1"],
        ["reorder_needed", "FEED-1", undefined],
        ["order_created", null, "F-1"],
      ],
    );
    assert.deepEqual(mine[2].lines, [{ sku: "FEED-1", qty: 2, now: 0, backorder: 2 }]);
    assert.ok(mine[1].id > mine[0].id);
    const rest = await call(mf, "GET", `/v1/events?after=${page.json.next_cursor}`, { token: true });
    assert.deepEqual(
      rest.json.events.map((e) => [e.type, e.qty]),
      [["backorder_allocated", 2]],
    );
    assert.equal(rest.json.events[0].outstanding, 0);
    const empty = await call(mf, "GET", `/v1/events?after=${rest.json.next_cursor}`, { token: true });
    assert.deepEqual(empty.json, { events: [], next_cursor: rest.json.next_cursor });
    assert.equal((await call(mf, "GET", "/v1/events?after=x", { token: true })).status, 400);
    assert.equal((await call(mf, "GET", "/v1/events?limit=0", { token: true })).status, 400);
  });
});

describe("bad input never reaches a 5xx", () => {
  test("oversized bodies are 413", async () => {
    const big = JSON.stringify({ sku: "BAG-1", qty: 1, pad: "x".repeat(70_000) });
    const reply = await call(mf, "POST", "/v1/reservations", { body: big, key: freshKey() });
    assert.equal(reply.status, 413);
    assert.equal(reply.json.error.code, "payload_too_large");
  });

  test("unknown paths and methods", async () => {
    assert.equal((await call(mf, "GET", "/v1/nothing")).status, 404);
    assert.equal((await call(mf, "PATCH", "/v1/skus/A", { token: true })).status, 405);
    assert.equal((await call(mf, "GET", "/v2/anything")).status, 404);
  });

  test("a barrage of malformed requests", async () => {
    await putProduct(mf, "FUZZ-1", { on_hand: 3 });
    const bodies = [
      "",
      "null",
      "[]",
      '{"qty":"1"}',
      '{"qty":1e99}',
      '{"qty":4294967296}',
      '{"sku":1}',
      '{"order_id":"","lines":[{"sku":"FUZZ-1","qty":1}]}',
      '{"order_id":"x","lines":[{"sku":"FUZZ-1","qty":1,"reservation_id":"res_zz.FUZZ-1"}]}',
      '{"qty":1,"expected_date":"9999-99-99"}',
      '{"on_hand":99999999999}',
      '{"utc_offset_minutes":100000}',
      "\u0000\u0001",
      '{"a":' + "[".repeat(1000) + "]".repeat(1000) + "}",
    ];
    const targets = [
      ["POST", "/v1/reservations", false],
      ["POST", "/v1/orders", true],
      ["PUT", "/v1/skus/FUZZ-1", true],
      ["POST", "/v1/skus/FUZZ-1/receipts", true],
      ["PUT", "/v1/skus/FUZZ-1/purchase-orders/P1", true],
      ["POST", "/v1/orders/x/cancel", true],
    ];
    for (const [method, url, merchant] of targets) {
      for (const body of bodies) {
        const reply = await call(mf, method, url, { body, token: merchant, key: freshKey() });
        assert.ok(reply.status >= 400 && reply.status < 500, `${method} ${url} ${body.slice(0, 40)} → ${reply.status} ${reply.text}`);
        assert.ok(reply.json?.error?.code, reply.text);
      }
    }
    const product = await call(mf, "GET", "/v1/skus/FUZZ-1", { token: true });
    assert.equal(product.json.on_hand, 3);
    assert.equal(product.json.holds.length, 0);
  });
});

describe("review fixes: keys, claims, bodies, storage", () => {
  test("a GET with a body is served, not a 500", async () => {
    await putProduct(mf, "BODY-1", { on_hand: 1 });
    const response = await mf.dispatchFetch("http://edge.test/v1/skus/BODY-1/availability", {
      method: "GET",
      headers: { "content-length": "3" },
    });
    assert.equal(response.status, 200);
    await response.text();
  });

  test("a body without a length is cut off at 64 KiB with 413", async () => {
    const chunk = new TextEncoder().encode("x".repeat(16 * 1024));
    let sent = 0;
    const body = new ReadableStream({
      pull(controller) {
        if (sent++ < 8) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const response = await mf.dispatchFetch("http://edge.test/v1/reservations", {
      method: "POST",
      body,
      duplex: "half",
      headers: { "idempotency-key": freshKey(), "content-type": "application/json" },
    });
    assert.equal(response.status, 413);
    assert.equal((await response.json()).error.code, "payload_too_large");
  });

  test("a shopper's Idempotency-Key cannot take a merchant's order id", async () => {
    await putProduct(mf, "KEYS-1", { on_hand: 5 });
    const squat = await reserve(mf, "KEYS-1", 1, { key: "order:K-1" });
    assert.equal(squat.status, 201);
    const order = await call(mf, "POST", "/v1/orders", {
      body: { order_id: "K-1", lines: [{ sku: "KEYS-1", qty: 1 }] },
      token: true,
    });
    assert.equal(order.status, 201);
  });

  test("a refused order does not use up its id", async () => {
    await putProduct(mf, "RETRY-1", { on_hand: 1, backorders: "deny" });
    const typo = await call(mf, "POST", "/v1/orders", {
      body: { order_id: "R-1", lines: [{ sku: "RETRY-l", qty: 1 }] },
      token: true,
    });
    assert.equal(typo.status, 404);
    assert.equal((await call(mf, "GET", "/v1/orders/R-1", { token: true })).status, 404);
    const tooMany = await call(mf, "POST", "/v1/orders", {
      body: { order_id: "R-1", lines: [{ sku: "RETRY-1", qty: 2 }] },
      token: true,
    });
    assert.equal(tooMany.status, 409);
    const fixed = await call(mf, "POST", "/v1/orders", {
      body: { order_id: "R-1", lines: [{ sku: "RETRY-1", qty: 1 }] },
      token: true,
    });
    assert.equal(fixed.status, 201);
    const again = await call(mf, "POST", "/v1/orders", {
      body: { order_id: "R-1", lines: [{ sku: "RETRY-1", qty: 2 }] },
      token: true,
    });
    assert.equal(again.status, 422, "once created, the id is taken");
    assert.equal((await call(mf, "GET", "/v1/orders/R-1", { token: true })).json.lines[0].sku, "RETRY-1");
  });

  test("receipt keys are global: the same key for another SKU is 422", async () => {
    await putProduct(mf, "RCPT-1", { on_hand: 0 });
    await putProduct(mf, "RCPT-2", { on_hand: 0 });
    const key = freshKey("receipt");
    const first = await call(mf, "POST", "/v1/skus/RCPT-1/receipts", { body: { qty: 2 }, token: true, key });
    assert.equal(first.status, 200);
    const other = await call(mf, "POST", "/v1/skus/RCPT-2/receipts", { body: { qty: 2 }, token: true, key });
    assert.equal(other.status, 422);
    assert.equal((await call(mf, "GET", "/v1/skus/RCPT-2", { token: true })).json.on_hand, 0);
  });

  test("a repeated backorder-only cancel answers the first result", async () => {
    await putProduct(mf, "CXL-1", { on_hand: 1 });
    await call(mf, "POST", "/v1/orders", { body: { order_id: "C-1", lines: [{ sku: "CXL-1", qty: 3 }] }, token: true });
    const body = { scope: "backorder" };
    const first = await call(mf, "POST", "/v1/orders/C-1/cancel", { body, token: true });
    const again = await call(mf, "POST", "/v1/orders/C-1/cancel", { body, token: true });
    const line = { order_id: "C-1", sku: "CXL-1", refund_qty: 2, restocked: 0, backorder_cancelled: 2 };
    assert.deepEqual(first.json, { ...line, lines: [line] });
    assert.deepEqual(again.json, first.json);
  });

  test("reading an unknown SKU writes nothing", async () => {
    const persist = tempState("no-storage");
    const fresh = startEdge({ persist });
    try {
      for (const sku of ["GHOST-1", "GHOST-2", "GHOST-3"]) {
        assert.equal((await call(fresh, "GET", `/v1/skus/${sku}/availability`)).status, 404);
        assert.equal((await reserve(fresh, sku, 1)).status, 404);
      }
      // workerd opens each object's SQLite file; an object that was never written to has an
      // empty write-ahead log.
      const { readdirSync, statSync } = await import("node:fs");
      const path = await import("node:path");
      const logs = readdirSync(persist, { recursive: true })
        .map(String)
        .filter((f) => f.includes("SkuLedger") && f.endsWith(".sqlite-wal") && !f.includes("metadata"));
      assert.equal(logs.length, 3);
      assert.deepEqual(logs.map((f) => statSync(path.join(persist, f)).size), [0, 0, 0]);
    } finally {
      await fresh.dispose();
    }
  });

  test("more than a page of events all reach the feed", async () => {
    await putProduct(mf, "MANY-1", { on_hand: 0 });
    const cursor = (await call(mf, "GET", "/v1/events?limit=500", { token: true })).json;
    let after = cursor.next_cursor;
    for (let page = cursor; page.events.length === 500; ) {
      page = (await call(mf, "GET", `/v1/events?after=${after}&limit=500`, { token: true })).json;
      after = page.next_cursor;
    }
    // In ten waves of 52: the property is the feed's paging, not 520 coordinators at once (the
    // concurrency tests are elsewhere), and a single wave of 520 has Miniflare drop a few
    // connections on a loaded two-core machine.
    for (let wave = 0; wave < 10; wave++) {
      const orders = Array.from({ length: 52 }, (_, i) =>
        call(mf, "POST", "/v1/orders", { body: { order_id: `M-${wave * 52 + i}`, lines: [{ sku: "MANY-1", qty: 1 }] }, token: true }),
      );
      assert.ok((await Promise.all(orders)).every((r) => r.status === 201));
    }
    await call(mf, "POST", "/v1/skus/MANY-1/receipts", { body: { qty: 520 }, token: true });
    let allocated = 0;
    for (;;) {
      const page = (await call(mf, "GET", `/v1/events?after=${after}&limit=500`, { token: true })).json;
      allocated += page.events.filter((e) => e.sku === "MANY-1" && e.type === "backorder_allocated").length;
      if (page.events.length === 0) break;
      after = page.next_cursor;
    }
    assert.equal(allocated, 520);
  });
});

describe("rate limiting", () => {
  test("one client may start 30 reservations per SKU per 10 minutes; replays and others pass", async () => {
    await putProduct(mf, "LIMIT-1", { on_hand: 1000 });
    const from = (ip, key = freshKey("limit"), now = at()) =>
      call(mf, "POST", "/v1/reservations", {
        body: { sku: "LIMIT-1", qty: 1 },
        key,
        now,
        headers: { "cf-connecting-ip": ip },
      });
    const keys = [];
    for (let i = 0; i < 30; i++) {
      keys.push(freshKey("limit"));
      assert.equal((await from("203.0.113.7", keys[i])).status, 201, `attempt ${i + 1}`);
    }
    const refusedKey = freshKey("limit");
    const limited = await from("203.0.113.7", refusedKey);
    assert.equal(limited.status, 429);
    assert.equal(limited.json.error.code, "rate_limited");
    assert.equal(limited.headers.get("access-control-allow-origin"), "*");
    assert.equal((await from("203.0.113.7", keys[0])).status, 201, "a replay is not a new attempt");
    assert.equal((await from("198.51.100.2")).status, 201, "another shopper is not affected");
    assert.equal((await from("203.0.113.7", refusedKey, at(10))).status, 201, "the window moves on; a 429 is not kept");
    const product = await call(mf, "GET", "/v1/skus/LIMIT-1", { token: true, now: at(1) });
    assert.equal(product.json.holds.length, 32, "30 + another shopper + after the window: the refused one held nothing");
  });
});
