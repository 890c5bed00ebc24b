// Orders across SKUs, all or nothing, in workerd (Miniflare, real SQLite Durable Objects), on
// the development clock: refusals leave no hold, a coordinator stopped between prepare and
// commit is finished by its alarm, concurrent orders keep every SKU accounted, the customer's
// status page, and every branch of delay consent (16 CFR 435).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { at, call, putProduct, reserve, startEdge, tempState } from "./support/edge.mjs";

const DAY = 24 * 60; // minutes

let mf;
before(() => {
  mf = startEdge({ persist: tempState("orders") });
});
after(() => mf.dispose());

const order = (order_id, lines, now = at(), headers = {}) =>
  call(mf, "POST", "/v1/orders", { body: { order_id, lines }, token: true, now, headers });
const product = async (sku, now = at()) => (await call(mf, "GET", `/v1/skus/${sku}`, { token: true, now })).json;

describe("all or nothing", () => {
  test("a 3-SKU order whose last line is refused leaves no hold anywhere and names the line", async () => {
    await putProduct(mf, "AON-1", { on_hand: 5 });
    await putProduct(mf, "AON-2", { on_hand: 1, lead_time_days: 10 });
    await putProduct(mf, "AON-3", { on_hand: 1, backorders: "deny" });
    const lines = [
      { sku: "AON-1", qty: 2 },
      { sku: "AON-2", qty: 3 },
      { sku: "AON-3", qty: 2 },
    ];
    const refused = await order("AON-100", lines);
    assert.equal(refused.status, 409, refused.text);
    assert.deepEqual(refused.json.error.line, { index: 2, sku: "AON-3" });
    assert.equal(refused.json.error.code, "insufficient_stock");
    for (const [sku, free] of [["AON-1", 5], ["AON-2", 1], ["AON-3", 1]]) {
      const state = await product(sku);
      assert.deepEqual([state.holds.length, state.available_now, state.queue.length], [0, free, 0], sku);
    }
    assert.equal((await call(mf, "GET", "/v1/orders/AON-100", { token: true })).status, 404);
    // The id was not used up: the corrected order is placed, with every line's dates.
    const placed = await order("AON-100", [...lines.slice(0, 2), { sku: "AON-3", qty: 1 }]);
    assert.equal(placed.status, 201, placed.text);
    assert.deepEqual(
      placed.json.lines.map((l) => [l.sku, l.now, l.backorder, l.status, l.position]),
      [
        ["AON-1", 2, 0, "ready", null],
        ["AON-2", 1, 2, "backordered", 1],
        ["AON-3", 1, 0, "ready", null],
      ],
    );
    assert.equal(placed.json.lines[1].backorder_ship_date, "2026-12-07", "Thu + 10 days = Sun 6 Dec, + 1 ship day");
    const read = await call(mf, "GET", "/v1/orders/AON-100", { token: true });
    assert.deepEqual(read.json.lines.map((l) => l.sku), ["AON-1", "AON-2", "AON-3"]);
    const events = (await call(mf, "GET", "/v1/events?limit=500", { token: true })).json.events;
    const created = events.filter((e) => e.type === "order_created" && e.order_id === "AON-100");
    assert.equal(created.length, 1, "order_created, once");
    assert.ok(events.filter((e) => e.sku?.startsWith("AON-")).every((e) => !("order_id" in e) || e.order_id === "AON-100"));
  });

  test("a shopper's reservation becomes its line and keeps its quoted date", async () => {
    await putProduct(mf, "RSV-1", { on_hand: 1, lead_time_days: 7 });
    await putProduct(mf, "RSV-2", { on_hand: 4 });
    const held = await reserve(mf, "RSV-1", 2);
    assert.equal(held.status, 201);
    const placed = await order("RSV-100", [
      { sku: "RSV-1", qty: 2, reservation_id: held.json.id },
      { sku: "RSV-2", qty: 1 },
    ]);
    assert.equal(placed.status, 201, placed.text);
    assert.equal(placed.json.lines[0].backorder_ship_date, held.json.backorder_ship_date);
    const reservation = await call(mf, "GET", `/v1/reservations/${held.json.id}`);
    assert.deepEqual([reservation.json.status, reservation.json.order_id], ["confirmed", "RSV-100"]);
    const mismatched = await order("RSV-101", [{ sku: "RSV-2", qty: 1, reservation_id: held.json.id }]);
    assert.equal(mismatched.status, 400, "a reservation of another SKU");
  });

  test("a coordinator stopped between prepare and commit is finished by its alarm, whole", async () => {
    const persist = tempState("halted");
    let edge = startEdge({ persist });
    const lines = [
      { sku: "HLT-1", qty: 2 },
      { sku: "HLT-2", qty: 1 },
    ];
    try {
      await putProduct(edge, "HLT-1", { on_hand: 5 });
      await putProduct(edge, "HLT-2", { on_hand: 5 });
      const halted = await call(edge, "POST", "/v1/orders", {
        body: { order_id: "HLT-100", lines },
        token: true,
        now: at(),
        headers: { "x-backorder-fault": "after-prepare" },
      });
      assert.equal(halted.status, 503, halted.text);
      assert.equal(halted.json.error.code, "order_halted");
      for (const sku of ["HLT-1", "HLT-2"]) {
        const state = (await call(edge, "GET", `/v1/skus/${sku}`, { token: true, now: at() })).json;
        assert.equal(state.holds.length, 1, `${sku}: prepared, not committed`);
      }
    } finally {
      await edge.dispose(); // the coordinator's memory is gone; its record and alarm stay
    }
    edge = startEdge({ persist });
    try {
      // The alarm runs on the runtime's clock (5 s after the halt), which cannot be injected:
      // wait for its effect, bounded.
      const deadline = Date.now() + 20_000;
      let read;
      do {
        await new Promise((resolve) => setTimeout(resolve, 200));
        read = await call(edge, "GET", "/v1/orders/HLT-100", { token: true, now: at(1) });
      } while (read.status !== 200 && Date.now() < deadline);
      assert.equal(read.status, 200, read.text);
      assert.deepEqual(read.json.lines.map((l) => [l.sku, l.qty, l.status]), [["HLT-1", 2, "ready"], ["HLT-2", 1, "ready"]]);
      for (const [sku, left] of [["HLT-1", 3], ["HLT-2", 4]]) {
        const state = (await call(edge, "GET", `/v1/skus/${sku}`, { token: true, now: at(1) })).json;
        assert.deepEqual([state.holds.length, state.on_hand], [0, left], sku);
      }
      const retry = await call(edge, "POST", "/v1/orders", { body: { order_id: "HLT-100", lines }, token: true, now: at(1) });
      assert.equal(retry.status, 201, "the retry answers the order");
      assert.equal(retry.json.status_token, undefined, "the token was issued to nobody: ask for a new one");
      const token = await call(edge, "POST", "/v1/orders/HLT-100/status-token", { token: true, now: at(1) });
      assert.match(token.json.status_token, /^[0-9a-f]{32}$/);
      const status = await call(edge, "GET", `/v1/orders/HLT-100/status?token=${token.json.status_token}`, { now: at(1) });
      assert.equal(status.status, 200);
    } finally {
      await edge.dispose();
    }
  });

  test("100 concurrent 2-SKU orders over overlapping SKUs leave every SKU exactly accounted", async () => {
    const skus = ["CON-1", "CON-2", "CON-3", "CON-4"];
    const stock = 60;
    for (const sku of skus) await putProduct(mf, sku, { on_hand: stock, backorders: "deny" });
    const orders = Array.from({ length: 100 }, (_, n) => {
      const first = n % 4;
      const second = (first + 1 + (n % 3)) % 4;
      return { order_id: `CON-${n}`, lines: [{ sku: skus[first], qty: 1 + (n % 2) }, { sku: skus[second], qty: 1 }] };
    });
    const answers = await Promise.all(orders.map((o) => order(o.order_id, o.lines)));
    const statuses = answers.map((a) => a.status);
    assert.ok(statuses.every((s) => s === 201 || s === 409), JSON.stringify(statuses));
    assert.ok(statuses.includes(409) && statuses.includes(201), "some fit, some do not");
    for (const sku of skus) {
      const sold = orders
        .filter((_, i) => statuses[i] === 201)
        .flatMap((o) => o.lines)
        .filter((l) => l.sku === sku)
        .reduce((sum, l) => sum + l.qty, 0);
      const state = await product(sku);
      assert.equal(state.holds.length, 0, `${sku}: nothing left prepared`);
      assert.equal(state.on_hand + sold, stock, `${sku}: every unit accounted for`);
      assert.ok(state.on_hand >= 0);
    }
    for (const [i, o] of orders.entries()) {
      const read = await call(mf, "GET", `/v1/orders/${o.order_id}`, { token: true });
      assert.equal(read.status, statuses[i] === 201 ? 200 : 404, o.order_id);
    }
  });
});

describe("the customer's order status", () => {
  test("with the right token, every line's state; with a wrong one, 404 like an unknown order", async () => {
    await putProduct(mf, "STA-1", { name: "Status lamp", on_hand: 1, lead_time_days: 14 });
    await putProduct(mf, "STA-2", { name: "Status mug", on_hand: 3 });
    const placed = await order("STA-100", [
      { sku: "STA-1", qty: 3 },
      { sku: "STA-2", qty: 1 },
    ]);
    const token = placed.json.status_token;
    const status = await call(mf, "GET", `/v1/orders/STA-100/status?token=${token}`, { now: at(1) });
    assert.equal(status.status, 200, status.text);
    assert.equal(status.headers.get("access-control-allow-origin"), "*", "public: any origin");
    assert.equal(status.json.decision_pending, false);
    assert.deepEqual(
      status.json.lines.map((l) => [l.sku, l.name, l.shipped_now, l.waiting, l.position, l.promised_ship_date, l.projected_ship_date]),
      [
        ["STA-1", "Status lamp", 1, 2, 1, "2026-12-11", "2026-12-11"],
        ["STA-2", "Status mug", 1, 0, null, null, null],
      ],
    );
    const wrong = await call(mf, "GET", `/v1/orders/STA-100/status?token=${"0".repeat(32)}`, { now: at(1) });
    const unknown = await call(mf, "GET", `/v1/orders/NOPE-1/status?token=${token}`, { now: at(1) });
    assert.deepEqual([wrong.status, wrong.text], [unknown.status, unknown.text]);
    assert.equal(wrong.status, 404);
    const malformed = await call(mf, "GET", "/v1/orders/STA-100/status?token=x", { now: at(1) });
    assert.equal(malformed.status, 400);
    const renewed = await call(mf, "POST", "/v1/orders/STA-100/status-token", { token: true });
    assert.equal((await call(mf, "GET", `/v1/orders/STA-100/status?token=${token}`)).status, 404, "the old token is revoked");
    assert.equal((await call(mf, "GET", `/v1/orders/STA-100/status?token=${renewed.json.status_token}`)).status, 200);
    assert.equal((await call(mf, "POST", "/v1/orders/STA-100/status-token")).status, 401, "merchant only");
  });
});

describe("delay consent (16 CFR 435)", () => {
  // A product with 2 units due on Thu 3 Dec (ship Fri 4 Dec) and one order for them; the
  // purchase order then slips to `slipsTo` (or is cancelled, with no lead time: unknown).
  async function delayed(sku, slipsTo, { leadTime = null } = {}) {
    await putProduct(mf, sku, { on_hand: 0, lead_time_days: leadTime });
    const po = (expected_date) =>
      call(mf, "PUT", `/v1/skus/${sku}/purchase-orders/PO-1`, { body: { qty: 2, expected_date }, token: true, now: at() });
    await po("2026-12-03");
    const placed = await order(`${sku}-O`, [{ sku, qty: 2 }]);
    assert.equal(placed.json.lines[0].backorder_ship_date, "2026-12-04");
    if (slipsTo) await po(slipsTo);
    else await call(mf, "DELETE", `/v1/skus/${sku}/purchase-orders/PO-1`, { token: true, now: at() });
    const token = placed.json.status_token;
    const status = async (minutes) =>
      (await call(mf, "GET", `/v1/orders/${sku}-O/status?token=${token}`, { now: at(minutes) })).json;
    const answer = (decision, minutes = 2) =>
      call(mf, "POST", `/v1/orders/${sku}-O/delay`, { body: { token, decision }, now: at(minutes) });
    return { token, status, answer };
  }
  const eventsOf = async (orderId) =>
    (await call(mf, "GET", "/v1/events?limit=500", { token: true })).json.events.filter((e) => e.order_id === orderId);
  // The promised day, Fri 4 Dec, ends at Sat 5 Dec 00:00 UTC: 8 days and 14 hours after at(0).
  const afterDeadline = 8 * DAY + 14 * 60 + 1;

  test("silence consents to a revised date within 30 days", async () => {
    const { status } = await delayed("DLY-1", "2026-12-20");
    const noticed = await status(1);
    assert.equal(noticed.decision_pending, true);
    assert.deepEqual(noticed.lines[0].delay, {
      notice: 1,
      promised_ship_date: "2026-12-04",
      revised_ship_date: "2026-12-21",
      deadline: "2026-12-05T00:00:00Z",
      silence_is_consent: true,
      decision: "pending",
      decided_by: null,
    });
    const later = await status(afterDeadline);
    assert.deepEqual([later.lines[0].delay.decision, later.lines[0].delay.decided_by], ["accepted", "silence"]);
    assert.deepEqual([later.lines[0].waiting, later.lines[0].promised_ship_date], [2, "2026-12-21"]);
    const events = await eventsOf("DLY-1-O");
    assert.deepEqual(events.map((e) => e.type).filter((t) => t.startsWith("delay")), ["delay_notice", "delay_accepted"]);
    assert.equal(events.find((e) => e.type === "delay_accepted").by, "silence");
  });

  test("without consent, a delay beyond 30 days cancels the waiting units at the deadline, to be refunded", async () => {
    const { status } = await delayed("DLY-2", "2027-01-15");
    assert.equal((await status(1)).lines[0].delay.silence_is_consent, false);
    const later = await status(afterDeadline);
    const line = later.lines[0];
    assert.deepEqual([line.waiting, line.cancelled, line.delay.decision, line.delay.decided_by], [0, 2, "cancelled", "silence"]);
    const events = await eventsOf("DLY-2-O");
    const cancelled = events.find((e) => e.type === "backorder_cancelled");
    assert.deepEqual([cancelled.reason, cancelled.refund_qty], ["no_consent", 2]);
    // Cancelled Sat 5 Dec: 7 working days later is Tue 15 Dec.
    assert.deepEqual(events.filter((e) => e.type === "refund_due").map((e) => [e.qty, e.due_date]), [[2, "2026-12-15"]]);
  });

  test("an unknown date is never consented to by silence", async () => {
    const { status } = await delayed("DLY-3", null);
    const noticed = (await status(1)).lines[0].delay;
    assert.deepEqual([noticed.revised_ship_date, noticed.silence_is_consent], [null, false]);
    assert.equal((await status(afterDeadline)).lines[0].delay.decision, "cancelled");
  });

  test("the customer accepts, and a consented date that slips again is renewed without silent consent", async () => {
    const { status, answer } = await delayed("DLY-4", "2027-01-15");
    const accepted = await answer("accept");
    assert.equal(accepted.status, 200, accepted.text);
    assert.deepEqual([accepted.json.lines[0].delay.decision, accepted.json.lines[0].delay.decided_by], ["accepted", "customer"]);
    assert.equal((await answer("cancel")).json.error.code, "no_delay_pending");
    assert.equal((await status(afterDeadline)).lines[0].waiting, 2, "a consent holds past the deadline");
    await call(mf, "PUT", "/v1/skus/DLY-4/purchase-orders/PO-1", {
      body: { qty: 2, expected_date: "2027-01-25" },
      token: true,
      now: at(afterDeadline + 1),
    });
    const renewed = (await status(afterDeadline + 2)).lines[0].delay;
    assert.deepEqual(
      [renewed.notice, renewed.promised_ship_date, renewed.revised_ship_date, renewed.silence_is_consent],
      [2, "2027-01-18", "2027-01-26", false],
    );
  });

  test("the customer cancels: the waiting units are cancelled and a refund is due", async () => {
    const { answer } = await delayed("DLY-5", "2026-12-20");
    const cancelled = await answer("cancel");
    assert.equal(cancelled.status, 200, cancelled.text);
    assert.deepEqual([cancelled.json.lines[0].waiting, cancelled.json.lines[0].cancelled], [0, 2]);
    const events = await eventsOf("DLY-5-O");
    assert.equal(events.find((e) => e.type === "backorder_cancelled").reason, "customer");
    assert.ok(events.some((e) => e.type === "refund_due" && e.qty === 2));
    const wrong = await call(mf, "POST", "/v1/orders/DLY-5-O/delay", { body: { token: "0".repeat(32), decision: "accept" } });
    assert.equal(wrong.status, 404, "a wrong token is an unknown order");
  });

  test("a discontinued item cancels at once with a refund: there is nothing to consent to", async () => {
    const { status } = await delayed("DLY-6", "2026-12-20");
    await putProduct(mf, "DLY-6", { discontinued: true }, at(3));
    const line = (await status(4)).lines[0];
    assert.deepEqual([line.waiting, line.cancelled, (await status(4)).decision_pending], [0, 2, false]);
    const events = await eventsOf("DLY-6-O");
    assert.equal(events.find((e) => e.type === "backorder_cancelled").reason, "discontinued");
    assert.ok(events.some((e) => e.type === "refund_due"));
  });

  test("with delay_consent off, a slip only moves the projection", async () => {
    await putProduct(mf, "DLY-7", { on_hand: 0, lead_time_days: 5, delay_consent: "off" });
    const placed = await order("DLY-7-O", [{ sku: "DLY-7", qty: 1 }]);
    const token = placed.json.status_token;
    const status = await call(mf, "GET", `/v1/orders/DLY-7-O/status?token=${token}`, { now: at(30 * DAY) });
    assert.deepEqual([status.json.lines[0].delay, status.json.lines[0].waiting], [null, 1]);
  });
});

describe("the demo store's checkout (development only)", () => {
  test("turns a cart into an order named by its key; without the flag it does not exist", async () => {
    await putProduct(mf, "DEMO-CO-1", { on_hand: 2 });
    const held = await reserve(mf, "DEMO-CO-1", 1);
    const checkout = (edge, key) =>
      edge.dispatchFetch("http://edge.test/v1/demo/checkout", {
        method: "POST",
        headers: { "content-type": "application/json", "idempotency-key": key, "x-backorder-now": at(1) },
        body: JSON.stringify({ lines: [{ sku: "DEMO-CO-1", qty: 1, reservation_id: held.json.id }] }),
      });
    const placed = await checkout(mf, "cart-1");
    const doc = await placed.json();
    assert.equal(placed.status, 201, JSON.stringify(doc));
    assert.match(doc.order_id, /^DEMO-[0-9a-f]{12}$/);
    assert.equal(doc.status_url, `http://edge.test/order/#order=${doc.order_id}&token=${doc.status_token}`);
    assert.equal(placed.headers.get("access-control-allow-origin"), null, "the demo's own pages only");
    const again = await checkout(mf, "cart-1");
    assert.deepEqual([again.status, (await again.json()).order_id], [201, doc.order_id], "a retried checkout");
    const production = startEdge({ persist: tempState("no-flag"), devClock: false });
    try {
      const absent = await checkout(production, "cart-2");
      assert.equal(absent.status, 404);
    } finally {
      await production.dispose();
    }
  });
});
