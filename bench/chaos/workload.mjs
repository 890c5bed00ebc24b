// The chaos run's workload: `clients` concurrent clients, each a seeded loop of requests a
// store and its merchant make — reservations (retried with the same Idempotency-Key when no
// answer comes), releases, receipts, multi-SKU orders (retried with the same order_id),
// cancels, purchase-order changes, reads — every attempt logged with its send and receive
// times and its reply. A logical operation spans from its first attempt's send to the receipt
// of its first answer; an operation whose client gave up after a lost answer has no end
// (`ret: null`): it may or may not have taken effect.
import { parse } from "./http.mjs";

/** SKUs that deny backorders: checked for linearizability against bench/chaos/model.mjs. */
export const DENY = ["LIN-0", "LIN-1", "LIN-2", "LIN-3"];
/** SKUs that take backorders (one with a limit, so that orders are sometimes refused). */
export const ALLOW = ["ALW-0", "ALW-1", "ALW-2"];
export const LIMITED = "LIM-0";
export const ORDERABLE = [...ALLOW, LIMITED];

/** The products as the run creates them (holds never expire within a run: 24 h). */
export const PRODUCTS = {
  ...Object.fromEntries(DENY.map((sku) => [sku, { on_hand: 12, backorders: "deny", hold_minutes: 1440 }])),
  ...Object.fromEntries(ALLOW.map((sku) => [sku, { on_hand: 6, backorders: "allow", lead_time_days: 10, hold_minutes: 1440 }])),
  [LIMITED]: { on_hand: 2, backorders: "allow", backorder_limit: 5, lead_time_days: 10, hold_minutes: 1440 },
};

/** Chance that a client gives up on an unanswered reservation or receipt of a denying SKU. */
const ABANDON = 0.2;
/** Chance that a client gives up on an unanswered order (it must then be all or nothing). */
const ABANDON_ORDER = 0.15;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A date `days` from today (UTC), as the API writes dates. */
function inDays(days) {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

/**
 * Runs one client until `deadline()` is true; its operations go to `record.ops`, its attempts
 * to `record.log`. `send` is bench/chaos/http.mjs's.
 */
export async function runClient({ index, run, rng, send, deadline, record }) {
  const me = `c${index}`;
  let serial = 0;
  const name = (kind) => `${run}-${me}-${kind}${++serial}`;
  const denyHolds = []; // [{id, sku, qty}]
  const allowHolds = []; // [{id, sku, qty}]
  const orders = []; // [{order_id, cancelled}]
  const pos = new Map(); // po_id -> {sku, qty, expected_date}

  /**
   * One logical operation. `retry`: "always" (until answered), "abandonable" (may give up
   * after a lost answer), "never" (reads). `again(reply)`: an answer that means "try later".
   */
  const perform = async (kind, sku, input, request, { retry = "always", again = () => false, abandon = ABANDON } = {}) => {
    const op = { id: record.ops.length, client: index, kind, sku, input, request, call: null, ret: null, attempts: 0, lost: 0 };
    record.ops.push(op);
    for (;;) {
      const reply = await send(request.method, request.path, request);
      op.call ??= reply.sent;
      op.attempts += 1;
      record.log.push({ op: op.id, client: index, attempt: op.attempts, method: request.method, path: request.path,
        key: request.key ?? null, body: request.body ?? null, sent: reply.sent, received: reply.received,
        status: reply.status ?? null, text: reply.text ?? null, error: reply.error ?? null });
      const lost = reply.error !== undefined || reply.status >= 500 && !again(reply);
      if (!lost && !again(reply)) {
        op.ret = reply.received;
        op.status = reply.status;
        op.text = reply.text;
        op.json = parse(reply.text);
        return op;
      }
      if (lost) op.lost += 1;
      if (retry === "never" || (lost && retry === "abandonable" && rng.chance(abandon))) {
        op.abandoned = true;
        return op;
      }
      if (op.attempts > 400) throw new Error(`chaos: ${kind} ${request.path} got no answer in 400 attempts`);
      await sleep(Math.min(400, 10 * 2 ** Math.min(op.attempts, 5)) * (0.5 + rng.next()));
    }
  };
  const merchant = (method, path, body, key) => ({ method, path, body, key, merchant: true });

  const actions = [
    // The linearizable part: denying SKUs.
    [24, async () => {
      const sku = rng.pick(DENY);
      const qty = rng.int(1, 3);
      const key = name("r");
      const op = await perform("reserve", sku, { kind: "reserve", sku, qty, key },
        { method: "POST", path: "/v1/reservations", body: { sku, qty }, key }, { retry: "abandonable" });
      if (op.status === 201) denyHolds.push({ id: op.json.id, sku, qty });
    }],
    [10, async () => {
      if (denyHolds.length === 0) return;
      const [hold] = denyHolds.splice(rng.int(0, denyHolds.length - 1), 1);
      await perform("release", hold.sku, { kind: "release", id: hold.id },
        { method: "DELETE", path: `/v1/reservations/${hold.id}` });
    }],
    [7, async () => {
      const sku = rng.pick(DENY);
      const qty = rng.int(1, 4);
      const key = name("g");
      await perform("receipt", sku, { kind: "receipt", sku, qty, key },
        merchant("POST", `/v1/skus/${sku}/receipts`, { qty }, key), { retry: "abandonable" });
    }],
    [8, async () => {
      const sku = rng.pick(DENY);
      await perform("availability", sku, { kind: "availability" }, { method: "GET", path: `/v1/skus/${sku}/availability` }, { retry: "never" });
    }],
    [6, async () => {
      const sku = rng.pick(DENY);
      await perform("product", sku, { kind: "product" }, merchant("GET", `/v1/skus/${sku}`), { retry: "never" });
    }],
    [3, async () => {
      if (denyHolds.length === 0) return;
      const hold = rng.pick(denyHolds);
      await perform("reservation", hold.sku, { kind: "reservation", id: hold.id },
        { method: "GET", path: `/v1/reservations/${hold.id}` }, { retry: "never" });
    }],
    // The audited part: SKUs that take backorders.
    [8, async () => {
      const sku = rng.pick(ORDERABLE);
      const qty = rng.int(1, 4);
      const ship = rng.chance(0.3) ? "complete" : "partial";
      const key = name("r");
      const op = await perform("reserve", sku, { kind: "reserve", sku, qty, ship, key },
        { method: "POST", path: "/v1/reservations", body: { sku, qty, ship }, key });
      if (op.status === 201) allowHolds.push({ id: op.json.id, sku, qty });
    }],
    [3, async () => {
      if (allowHolds.length === 0) return;
      const [hold] = allowHolds.splice(rng.int(0, allowHolds.length - 1), 1);
      await perform("release", hold.sku, { kind: "release", id: hold.id }, { method: "DELETE", path: `/v1/reservations/${hold.id}` });
    }],
    [10, async () => {
      const count = rng.int(1, 3);
      const skus = [...ORDERABLE].sort(() => rng.next() - 0.5).slice(0, count);
      const lines = [];
      let used = null;
      for (const sku of skus) {
        const holdIndex = used === null ? allowHolds.findIndex((h) => h.sku === sku) : -1;
        if (holdIndex >= 0 && rng.chance(0.5)) {
          [used] = allowHolds.splice(holdIndex, 1);
          lines.push({ sku, qty: used.qty, reservation_id: used.id });
        } else {
          lines.push({ sku, qty: rng.int(1, 4) });
        }
      }
      const order_id = name("o");
      const body = { order_id, lines };
      const op = await perform("order", null, { kind: "order", order_id, lines },
        merchant("POST", "/v1/orders", body),
        { retry: "abandonable", abandon: ABANDON_ORDER, again: (r) => r.status === 503 || (r.status === 409 && /order_in_progress/.test(r.text)) });
      if (op.status === 201) orders.push({ order_id, cancelled: false });
      if (used && op.status !== 201) {
        // The hold was not taken (refused) or may have been (abandoned): ask what it is now.
        const read = await perform("reservation", used.sku, { kind: "reservation", id: used.id },
          { method: "GET", path: `/v1/reservations/${used.id}` });
        if (read.json?.status === "held") allowHolds.push(used);
      }
    }],
    [3, async () => {
      const open = orders.filter((o) => !o.cancelled);
      if (open.length === 0) return;
      const order = rng.pick(open);
      const op = await perform("cancel", null, { kind: "cancel", order_id: order.order_id },
        merchant("POST", `/v1/orders/${order.order_id}/cancel`),
        { again: (r) => r.status === 503 || (r.status === 409 && /order_in_progress/.test(r.text)) });
      if (op.status === 200) order.cancelled = true;
    }],
    [5, async () => {
      const mine = [...pos].filter(([, po]) => po.qty > 0);
      const againstPo = mine.length > 0 && rng.chance(0.4);
      const [po_id, po] = againstPo ? rng.pick(mine) : [undefined, undefined];
      const sku = po ? po.sku : rng.pick(ORDERABLE);
      const qty = rng.int(1, 5);
      const key = name("g");
      const op = await perform("receipt", sku, { kind: "receipt", sku, qty, key, po_id },
        merchant("POST", `/v1/skus/${sku}/receipts`, po_id ? { qty, po_id } : { qty }, key));
      if (op.status === 200 && po) {
        po.qty = Math.max(0, po.qty - qty);
        if (po.qty === 0) pos.delete(po_id);
      }
    }],
    [4, async () => {
      const mine = [...pos];
      const change = mine.length > 0 && rng.chance(0.6);
      if (change && rng.chance(0.3)) {
        const [po_id, po] = rng.pick(mine);
        const op = await perform("po_delete", po.sku, { kind: "po_delete", sku: po.sku, po_id },
          merchant("DELETE", `/v1/skus/${po.sku}/purchase-orders/${po_id}`));
        if (op.status < 300 || op.status === 404) pos.delete(po_id);
        return;
      }
      const [po_id, po] = change ? rng.pick(mine) : [name("p"), { sku: rng.pick(ORDERABLE) }];
      const next = { sku: po.sku, qty: rng.int(1, 8), expected_date: inDays(rng.int(5, 40)) };
      const op = await perform("po_put", po.sku, { kind: "po_put", po_id, ...next },
        merchant("PUT", `/v1/skus/${po.sku}/purchase-orders/${po_id}`, { qty: next.qty, expected_date: next.expected_date }));
      if (op.status < 300) pos.set(po_id, next);
    }],
  ];
  const total = actions.reduce((sum, [weight]) => sum + weight, 0);
  while (!deadline()) {
    let roll = rng.next() * total;
    const [, action] = actions.find(([weight]) => (roll -= weight) < 0) ?? actions[0];
    await action();
  }
  return { pos };
}
