// The auditor of a chaos run. After the workload and its kills, with workerd up and quiet:
//   1. every acknowledged write is there: each reservation (as acknowledged, in the state its
//      client left it), each order with all its lines, each receipt counted once, each
//      purchase order as last set;
//   2. replaying its key (or order id, or cancel) answers its first reply byte for byte, and
//      changes nothing (the products and the feed read the same before and after);
//   3. every SKU conserves its units (units set + received = on hand + units in live order
//      lines), none is oversold (nothing free while backorders wait, no backorder beyond a
//      limit or on a denying SKU), and holds no unit for a hold nobody was given;
//   4. no order is partly there: it is wholly present or wholly absent, with its events;
//   5. the feed has each (sku, seq) exactly once, 1…n with no gap, and each order's own;
//   6. the denying SKUs' histories are linearizable (tests/support/linearizability.mjs with
//      bench/chaos/model.mjs).
// Each check is `{ name, ok, checked, failures: [first few] }`; `todo` marks a known bug.
import { checkPartitioned } from "../../tests/support/linearizability.mjs";
import { parse } from "./http.mjs";
import { denySkuModel } from "./model.mjs";
import { DENY, LIMITED, PRODUCTS } from "./workload.mjs";

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const MAX_EXAMPLES = 8;

/** `fn` over `items`, `width` at a time. */
async function pool(items, width, fn) {
  const results = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  }));
  return results;
}

export async function audit({ send, ops, clientResults, products = PRODUCTS, progress = () => {}, quietMs = 3000 }) {
  const checks = [];
  const check = (name, items, test) => {
    const failures = [];
    for (const item of items) {
      const problem = test(item);
      if (problem) failures.push(problem);
    }
    checks.push({ name, ok: failures.length === 0, checked: items.length, failures: failures.slice(0, MAX_EXAMPLES), failed: failures.length });
  };
  /** A read that must be answered: retried on a lost answer (workerd is up; this is rare). */
  const read = async (method, path, options = {}) => {
    for (let attempt = 1; ; attempt++) {
      const reply = await send(method, path, options);
      if (reply.error === undefined && reply.status < 500) return { ...reply, json: parse(reply.text) };
      if (attempt >= 20) throw new Error(`audit: ${method} ${path}: ${reply.status ?? reply.error}`);
      await sleep(100);
    }
  };
  const merchant = { merchant: true };

  // Let the coordinators' alarms finish orders whose clients gave up mid-way.
  await sleep(quietMs);
  const orderOps = ops.filter((op) => op.kind === "order");
  const orderIds = [...new Set(orderOps.map((op) => op.input.order_id))];
  const orderReads = new Map();
  const readOrders = async () => {
    await pool(orderIds, 8, async (id) => orderReads.set(id, await read("GET", `/v1/orders/${id}`, merchant)));
  };
  for (let round = 0; ; round++) {
    await readOrders();
    const unsettled = [...orderReads.values()].filter((r) => r.status === 409 || r.status === 503);
    if (unsettled.length === 0 || round >= 20) break;
    await sleep(1000);
  }
  progress(`audit: read ${orderIds.length} orders`);

  // A write on a denying SKU whose client gave up without an answer is retried now, late,
  // with its key: the answer is its first outcome if it took effect, else it takes effect now.
  // Either way it is one operation from its first call to this answer, which pins it down for
  // the linearizability check (an unanswered operation could be placed anywhere after its
  // call; the checker handles those — tests/chaos.test.mjs — but many of them open at once
  // make its search exponential).
  const givenUp = ops.filter((op) => op.ret === null && DENY.includes(op.sku) && (op.kind === "reserve" || op.kind === "receipt"));
  await pool(givenUp, 8, async (op) => {
    const reply = await read(op.request.method, op.request.path, op.request);
    Object.assign(op, { ret: reply.received, status: reply.status, text: reply.text, json: reply.json, late: true });
  });

  // Final reads of every product, also the last operation of each denying SKU's history.
  const finalReads = [];
  const readProducts = async () => {
    const docs = {};
    for (const sku of Object.keys(products)) {
      const reply = await read("GET", `/v1/skus/${sku}`, merchant);
      docs[sku] = reply;
      finalReads.push({ id: `final-${sku}-${finalReads.length}`, kind: "product", sku, input: { kind: "product" },
        call: reply.sent, ret: reply.received, status: reply.status, json: reply.json });
    }
    return docs;
  };
  const before = await readProducts();
  const readFeed = async () => {
    const events = [];
    let after = 0;
    for (;;) {
      const page = await read("GET", `/v1/events?after=${after}&limit=500`, merchant);
      events.push(...page.json.events);
      if (page.json.events.length === 0 || page.json.next_cursor === after) break;
      after = page.json.next_cursor;
    }
    return events;
  };
  const events = await readFeed();

  // What each acknowledged operation left behind.
  const acked = (kind, status) => ops.filter((op) => op.kind === kind && op.ret !== null && (status === undefined || op.status === status));
  const reserved = acked("reserve", 201);
  const releasedIds = new Set(acked("release", 200).map((op) => op.input.id));
  const existing = new Map([...orderReads].filter(([, r]) => r.status === 200).map(([id, r]) => [id, r.json]));
  const cancelledOrders = new Set(acked("cancel", 200).map((op) => op.input.order_id));
  const confirmedBy = new Map();
  for (const op of orderOps) {
    if (!existing.has(op.input.order_id)) continue;
    for (const line of op.input.lines) if (line.reservation_id) confirmedBy.set(line.reservation_id, op.input.order_id);
  }
  const expectedStatus = (id) => (releasedIds.has(id) ? "released" : confirmedBy.has(id) ? "confirmed" : "held");
  const reservationReads = new Map();
  await pool(reserved, 8, async (op) => reservationReads.set(op.json.id, await read("GET", `/v1/reservations/${op.json.id}`)));
  progress(`audit: read ${reserved.length} reservations, ${events.length} events`);

  const QUOTE = ["id", "sku", "qty", "now", "backorder", "ship", "ship_date", "backorder_ship_date", "expires_at"];
  check("every acknowledged reservation is present as acknowledged, in the state its client left it", reserved, (op) => {
    const got = reservationReads.get(op.json.id);
    if (got.status !== 200) return { id: op.json.id, status: got.status, text: got.text };
    const differs = QUOTE.filter((k) => got.json[k] !== op.json[k]);
    if (differs.length) return { id: op.json.id, fields: differs, acknowledged: op.text, now: got.text };
    const status = expectedStatus(op.json.id);
    if (got.json.status !== status) return { id: op.json.id, expected: status, got: got.json.status };
    if (status === "confirmed" && got.json.order_id !== confirmedBy.get(op.json.id)) return { id: op.json.id, order_id: got.json.order_id };
    return null;
  });

  const LINE = ["sku", "qty", "now", "backorder"];
  check("every order is all or nothing: acknowledged ones whole (cancelled if their cancel was), refused ones absent, abandoned ones either", orderOps, (op) => {
    const { order_id, lines } = op.input;
    const got = orderReads.get(order_id);
    if (op.ret !== null && op.status !== 201) {
      if (got.status !== 404 && !orderOps.some((o) => o !== op && o.input.order_id === order_id)) return { order_id, refused: op.text, now: got.status };
      return null;
    }
    if (op.ret === null && got.status === 404) return null;
    if (got.status !== 200) return { order_id, status: got.status, text: got.text };
    if (got.json.lines.length !== lines.length) return { order_id, lines: got.json.lines.length, expected: lines.length };
    for (const [i, line] of lines.entries()) {
      const have = got.json.lines.find((l) => l.sku === line.sku);
      if (!have || have.qty !== line.qty) return { order_id, line: i, have };
      if (line.reservation_id && have.reservation_id !== line.reservation_id) return { order_id, line: i, reservation_id: have.reservation_id };
    }
    if (op.ret !== null) {
      for (const line of op.json.lines) {
        const have = got.json.lines.find((l) => l.sku === line.sku);
        const differs = LINE.filter((k) => have[k] !== line[k]);
        if (differs.length) return { order_id, sku: line.sku, differs };
      }
    }
    const cancelled = got.json.lines.filter((l) => l.status === "cancelled").length;
    const expected = cancelledOrders.has(order_id) ? lines.length : 0;
    if (cancelled !== expected) return { order_id, cancelled_lines: cancelled, expected };
    return null;
  });

  const receipts = acked("receipt", 200);
  const skus = Object.keys(products);
  check("every acknowledged receipt is counted once (`received`); on a denying SKU, a given-up one at most once", skus, (sku) => {
    const sum = receipts.filter((op) => op.sku === sku).reduce((a, op) => a + op.input.qty, 0);
    const maybe = ops.filter((op) => op.kind === "receipt" && op.sku === sku && op.ret === null).reduce((a, op) => a + op.input.qty, 0);
    const received = before[sku].json.received;
    return received >= sum && received <= sum + maybe ? null : { sku, received, acknowledged: sum, given_up: maybe };
  });

  const expectedPos = new Map();
  for (const { pos } of clientResults) for (const [po_id, po] of pos) expectedPos.set(po_id, po);
  check("every purchase order is as its last acknowledged change (and receipts against it) left it", skus, (sku) => {
    const want = [...expectedPos].filter(([, po]) => po.sku === sku).map(([po_id, po]) => `${po_id}:${po.qty}:${po.expected_date}`).sort();
    const have = before[sku].json.purchase_orders.map((po) => `${po.po_id}:${po.qty}:${po.expected_date}`).sort();
    return want.join() === have.join() ? null : { sku, want, have };
  });

  // Conservation and oversell, per SKU, from the products and the orders as they read now.
  const liveLineUnits = (sku) => {
    let units = 0;
    for (const order of existing.values()) {
      for (const line of order.lines) if (line.sku === sku && line.status !== "cancelled") units += line.now + line.allocated;
    }
    return units;
  };
  check("conservation: units set + received = on hand + units in live order lines, on every SKU", skus, (sku) => {
    const p = before[sku].json;
    const left = products[sku].on_hand + p.received;
    const right = p.on_hand + liveLineUnits(sku);
    return left === right ? null : { sku, on_hand_set: products[sku].on_hand, received: p.received, on_hand: p.on_hand, in_lines: liveLineUnits(sku) };
  });
  check("no oversell: free = on hand − held units ≥ 0, nothing free while backorders wait, no backorder beyond policy", skus, (sku) => {
    const p = before[sku].json;
    const waitingFor = new Map(p.queue.filter((q) => q.reservation_id).map((q) => [q.reservation_id, q.qty]));
    const heldUnits = p.holds.reduce((a, h) => a + h.qty - (waitingFor.get(h.id) ?? 0), 0);
    if (p.available_now !== p.on_hand - heldUnits) return { sku, available_now: p.available_now, on_hand: p.on_hand, held_units: heldUnits };
    if (p.queue.length > 0 && p.available_now !== 0) return { sku, available_now: p.available_now, queue: p.queue.length };
    const waiting = p.queue.reduce((a, q) => a + q.qty, 0);
    if (sku === LIMITED && waiting > products[sku].backorder_limit) return { sku, waiting, limit: products[sku].backorder_limit };
    if (DENY.includes(sku) && (p.queue.length > 0 || p.holds.some((h) => h.backorder !== 0))) return { sku, queue: p.queue, holds: p.holds };
    return null;
  });

  const known = new Set(reserved.map((op) => op.json.id));
  const held = new Set(reserved.filter((op) => expectedStatus(op.json.id) === "held").map((op) => op.json.id));
  check("every hold a ledger keeps was given to a client and is still held by it; every such hold is kept", skus, (sku) => {
    const ids = before[sku].json.holds.map((h) => h.id);
    const stray = ids.filter((id) => (known.has(id) ? !held.has(id) : !DENY.includes(sku)));
    const missing = [...held].filter((id) => id.endsWith(`.${sku}`) && !ids.includes(id));
    return stray.length || missing.length ? { sku, stray, missing } : null;
  });

  // The feed.
  const bySku = new Map();
  const byOrder = new Map();
  for (const event of events) {
    const [map, name] = event.sku === null ? [byOrder, event.order_id] : [bySku, event.sku];
    if (!map.has(name)) map.set(name, []);
    map.get(name).push(event);
  }
  const sequenceProblem = (name, list) => {
    const seqs = list.map((e) => e.seq).sort((a, b) => a - b);
    const wrong = seqs.findIndex((seq, i) => seq !== i + 1);
    return wrong < 0 ? null : { of: name, events: seqs.length, at: wrong + 1, seq: seqs[wrong], duplicate: seqs[wrong] === seqs[wrong - 1] };
  };
  check("the feed has every SKU's seq exactly once, 1…n without a gap", [...bySku], ([sku, list]) => sequenceProblem(sku, list));
  check("the feed has every order's own seq exactly once, 1…n without a gap", [...byOrder], ([order, list]) => sequenceProblem(order, list));
  check("the feed's event ids are unique and increasing", [events], (list) => {
    const bad = list.findIndex((e, i) => i > 0 && e.id <= list[i - 1].id);
    return bad < 0 ? null : { at: bad, id: list[bad].id, previous: list[bad - 1].id };
  });
  const eventsOf = (orderId) => events.filter((e) => e.order_id === orderId);
  check("each order that exists has one order_created, one backorder_created per backordered line, one order_cancelled per line when cancelled; an absent order has no event", orderIds, (id) => {
    const list = eventsOf(id);
    const order = existing.get(id);
    if (!order) return list.length === 0 ? null : { order_id: id, absent_but: list.map((e) => `${e.sku}:${e.type}`) };
    const count = (type, sku) => list.filter((e) => e.type === type && e.sku === sku).length;
    if (count("order_created", null) !== 1) return { order_id: id, order_created: count("order_created", null) };
    for (const line of order.lines) {
      if (count("backorder_created", line.sku) !== (line.backorder > 0 ? 1 : 0)) return { order_id: id, sku: line.sku, backorder_created: count("backorder_created", line.sku) };
      if (count("order_cancelled", line.sku) !== (cancelledOrders.has(id) ? 1 : 0)) return { order_id: id, sku: line.sku, order_cancelled: count("order_cancelled", line.sku) };
    }
    return null;
  });

  // Replays: the first reply, byte for byte (an order's replay leaves out the status token and
  // URL, shown only when it was created: docs/api.md), and no change.
  const replayable = ops.filter((op) => op.ret !== null && (
    (op.kind === "reserve" && (op.status === 201 || op.status === 409)) ||
    (op.kind === "receipt" && op.status === 200) ||
    (op.kind === "order" && op.status === 201) ||
    (op.kind === "cancel" && op.status === 200) ||
    (op.kind === "release" && op.status === 200)));
  const replays = await pool(replayable, 8, async (op) => ({ op, reply: await read(op.request.method, op.request.path, op.request) }));
  check("replaying an acknowledged request (its key, order id, cancel or release) answers its first reply byte for byte", replays, ({ op, reply }) => {
    let expected = op.text;
    if (op.kind === "order" && op.json.status_token !== undefined) {
      const { status_token, status_url, ...rest } = op.json;
      expected = JSON.stringify(rest);
    }
    return reply.status === op.status && reply.text === expected ? null : { kind: op.kind, path: op.request.path, key: op.request.key, first: `${op.status} ${expected}`, replay: `${reply.status} ${reply.text}` };
  });
  const after = await readProducts();
  const eventsAfter = await readFeed();
  check("replays change nothing: every product and the feed read the same after them", [...skus, "feed"], (name) => {
    if (name === "feed") return eventsAfter.length === events.length ? null : { feed: events.length, after: eventsAfter.length };
    return before[name].text === after[name].text ? null : { sku: name, before: before[name].text, after: after[name].text };
  });
  progress(`audit: replayed ${replays.length} requests`);

  // Linearizability of the denying SKUs.
  const MODEL_KINDS = new Set(["reserve", "release", "receipt", "availability", "product", "reservation"]);
  const history = [
    ...ops.filter((op) => DENY.includes(op.sku) && MODEL_KINDS.has(op.kind) && (op.ret !== null || ["reserve", "release", "receipt"].includes(op.kind))),
    ...finalReads.filter((r) => DENY.includes(r.sku)),
  ].map((op) => ({ id: op.id, sku: op.sku, call: op.call, ret: op.ret, input: op.input, output: op.ret === null ? undefined : { status: op.status, json: op.json } }));
  const started = performance.now();
  const initial = (sku) => products[sku].on_hand;
  const linear = checkPartitioned((sku) => denySkuModel({ initial: initial(sku), known }), history, (op) => op.sku);
  const checkMs = performance.now() - started;
  checks.push({
    name: "every denying SKU's history is linearizable against the sequential model (Wing–Gong, memoized)",
    ok: linear.ok === true,
    checked: history.length,
    failed: Object.values(linear.partitions).filter((p) => p.ok !== true).length,
    failures: Object.entries(linear.partitions).filter(([, p]) => p.ok !== true).map(([sku, p]) => ({ sku, ok: p.ok, stuck: p.stuck, stuck_op: history.find((h) => h.id === p.stuck), explored: p.explored })),
  });

  const figures = {
    acknowledged_writes: ops.filter((op) => op.ret !== null && !MODEL_KINDS.has(op.kind) || (op.ret !== null && ["reserve", "release", "receipt"].includes(op.kind))).length,
    given_up_unanswered: ops.filter((op) => op.abandoned && !["availability", "product", "reservation"].includes(op.kind)).length,
    given_up_then_retried_late: givenUp.length,
    answered_after_a_lost_attempt: ops.filter((op) => op.ret !== null && op.lost > 0).length,
    reservations_audited: reserved.length,
    orders_audited: orderIds.length,
    orders_present: existing.size,
    replays_byte_compared: replays.length,
    events_checked: events.length,
    histories_checked: Object.keys(linear.partitions).length,
    history_operations: history.length,
    history_pending: history.filter((h) => h.ret === null).length,
    checker_steps: Object.values(linear.partitions).reduce((a, p) => a + p.explored, 0),
    checker_ms: Math.round(checkMs),
  };
  return { ok: checks.every((c) => c.ok || c.todo), checks, figures, linear, history, known };
}
