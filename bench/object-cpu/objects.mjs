// The baselines for one SKU object's CPU per reservation (bench/object-cpu.mjs), in plain
// JavaScript on the same runtime:
//   PlainLedger — does the SQLite writes Backorder Edge's ledger does for a reservation, in one
//                 transaction: looks the idempotency key up, then writes the hold, the stock
//                 and the kept reply as JSON records of the same shape; none of the rules.
//   NoopLedger  — answers without touching storage: what the driver and the call cost.
// And the driver both runs use: it relays a body to the object named by `x-sku`, as the edge's
// client does (one POST to the stub).
import { DurableObject } from "cloudflare:workers";

export class PlainLedger extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    sql.exec("CREATE TABLE IF NOT EXISTS stock (id INTEGER PRIMARY KEY, record TEXT NOT NULL)");
    sql.exec("CREATE TABLE IF NOT EXISTS holds (id TEXT PRIMARY KEY, record TEXT NOT NULL, resolved_at INTEGER)");
    sql.exec(
      "CREATE TABLE IF NOT EXISTS replies (key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, status INTEGER NOT NULL, body TEXT NOT NULL, at INTEGER NOT NULL)",
    );
    sql.exec("CREATE INDEX IF NOT EXISTS replies_by_age ON replies (at)");
    sql.exec("CREATE INDEX IF NOT EXISTS held_holds ON holds (id) WHERE resolved_at IS NULL");
    sql.exec("CREATE INDEX IF NOT EXISTS resolved_holds ON holds (resolved_at) WHERE resolved_at IS NOT NULL");
    const row = sql.exec("SELECT record FROM stock WHERE id = 1").toArray()[0];
    this.stock = row ? JSON.parse(row.record) : { free: 1_000_000, received: 1_000_000, next_seq: 0, next_event_seq: 0 };
  }

  async fetch(request) {
    const { sku, key, op } = await request.json();
    if (sku !== "HOT-1") return new Response('{"error":{"code":"not_found"}}', { status: 404 });
    const sql = this.ctx.storage.sql;
    const reply = this.ctx.storage.transactionSync(() => {
      const kept = sql.exec("SELECT status, body FROM replies WHERE key = ?", key).toArray()[0];
      if (kept) return kept;
      if (this.stock.free < op.qty) return { status: 409, body: '{"error":{"code":"insufficient_stock"}}' };
      const now = Date.now();
      this.stock.free -= op.qty;
      this.stock.next_seq += 1;
      const id = `res_${crypto.randomUUID().replaceAll("-", "")}.${sku}`;
      const hold = { id, seq: this.stock.next_seq, qty: op.qty, now: op.qty, backorder: 0, ship: op.ship, state: "held", created_at: now, expires_at: now + 900_000 };
      sql.exec("INSERT OR REPLACE INTO holds (id, record, resolved_at) VALUES (?, ?, NULL)", id, JSON.stringify(hold));
      sql.exec("INSERT OR REPLACE INTO stock (id, record) VALUES (1, ?)", JSON.stringify(this.stock));
      const body = JSON.stringify({ id, sku, qty: op.qty, now: op.qty, backorder: 0, ship: op.ship, state: "held", ship_date: "2026-11-27", backorder_ship_date: null, expires_at: new Date(now + 900_000).toISOString() });
      sql.exec("INSERT OR REPLACE INTO replies (key, fingerprint, status, body, at) VALUES (?, ?, 201, ?, ?)", key, `reserve:${sku}:${op.qty}`, body, now);
      return { status: 201, body };
    });
    return new Response(reply.body, { status: reply.status, headers: { "content-type": "application/json" } });
  }
}

export class NoopLedger extends DurableObject {
  async fetch(request) {
    const { sku, op } = await request.json();
    return new Response(JSON.stringify({ sku, qty: op.qty }), { status: 201, headers: { "content-type": "application/json" } });
  }
}

export default {
  async fetch(request, env) {
    const ledger = env.SKU_LEDGER;
    const stub = ledger.get(ledger.idFromName(request.headers.get("x-sku") ?? "HOT-1"));
    return stub.fetch("https://object/", { method: "POST", body: await request.text() });
  },
};
