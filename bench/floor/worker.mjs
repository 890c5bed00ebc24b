// The runtime's floor for a reservation: the same shape of work as Backorder Edge's — parse
// the body, claim the key in a registry object, write a hold in the SKU's object, answer
// JSON — in plain JavaScript, with none of the rules, validation or idempotent replies.
// `node bench/edge.mjs` measures it in the same run: no implementation of this architecture
// can be faster on this runtime and machine.
import { DurableObject } from "cloudflare:workers";

export class Registry extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS claims (key TEXT PRIMARY KEY, request TEXT NOT NULL)");
  }

  async fetch(request) {
    const { key, body } = await request.json();
    this.ctx.storage.sql.exec("INSERT INTO claims (key, request) VALUES (?, ?)", key, body);
    return new Response(null, { status: 204 });
  }
}

export class SkuLedger extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS holds (id TEXT PRIMARY KEY, qty INTEGER NOT NULL)");
  }

  async fetch(request) {
    const { sku, qty } = await request.json();
    const id = crypto.randomUUID();
    this.ctx.storage.sql.exec("INSERT INTO holds (id, qty) VALUES (?, ?)", id, qty);
    return Response.json({ id, sku, qty }, { status: 201 });
  }
}

export default {
  async fetch(request, env) {
    if (new URL(request.url).pathname !== "/v1/reservations") return new Response(null, { status: 404 });
    const body = await request.text();
    const { sku } = JSON.parse(body);
    const key = request.headers.get("idempotency-key");
    const shard = env.REGISTRY.idFromName(`claims-${key.length % 16}`);
    const claim = await env.REGISTRY.get(shard).fetch("https://internal/claims", {
      method: "POST",
      body: JSON.stringify({ key, body }),
    });
    if (claim.status >= 300) return claim;
    return env.SKU_LEDGER.get(env.SKU_LEDGER.idFromName(sku)).fetch("https://internal/", { method: "POST", body });
  },
};
