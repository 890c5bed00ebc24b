// The runtime's floor for a reservation: the same shape of work as Backorder Edge's — parse
// the body, claim the key in a registry object, write a hold in the SKU's object, answer
// JSON — in plain JavaScript, with none of the rules, validation or idempotent replies.
// `node bench/edge.mjs` measures it in the same run, three ways:
//   POST /v1/reservations      objects called with fetch(), as Backorder Edge calls them;
//   POST /rpc/reservations     the same two calls as JS RPC method calls (cheaper; workers-rs
//                              0.8.7 exposes RPC on Durable Objects only in its Emscripten mode);
//   POST /rpc-one/reservations one RPC call to the SKU's object and no key claim at all.
// No implementation of this architecture can be faster on this runtime and machine.
import { DurableObject } from "cloudflare:workers";

export class Registry extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS claims (key TEXT PRIMARY KEY, request TEXT NOT NULL)");
  }

  claim(key, body) {
    this.ctx.storage.sql.exec("INSERT INTO claims (key, request) VALUES (?, ?)", key, body);
    return 204;
  }

  async fetch(request) {
    const { key, body } = await request.json();
    return new Response(null, { status: this.claim(key, body) });
  }
}

export class SkuLedger extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS holds (id TEXT PRIMARY KEY, qty INTEGER NOT NULL)");
  }

  /** The hold as JSON. */
  reserve(body) {
    const { sku, qty } = JSON.parse(body);
    const id = crypto.randomUUID();
    this.ctx.storage.sql.exec("INSERT INTO holds (id, qty) VALUES (?, ?)", id, qty);
    return JSON.stringify({ id, sku, qty });
  }

  async fetch(request) {
    return created(this.reserve(await request.text()));
  }
}

const created = (json) => new Response(json, { status: 201, headers: { "content-type": "application/json" } });

export default {
  async fetch(request, env) {
    const via = { "/v1/reservations": "fetch", "/rpc/reservations": "rpc", "/rpc-one/reservations": "rpc-one" }[
      new URL(request.url).pathname
    ];
    if (!via) return new Response(null, { status: 404 });
    const body = await request.text();
    const { sku } = JSON.parse(body);
    const key = request.headers.get("idempotency-key");
    const registry = env.REGISTRY.get(env.REGISTRY.idFromName(`claims-${key.length % 16}`));
    const ledger = env.SKU_LEDGER.get(env.SKU_LEDGER.idFromName(sku));
    if (via === "fetch") {
      const claim = await registry.fetch("https://internal/claims", { method: "POST", body: JSON.stringify({ key, body }) });
      if (claim.status >= 300) return claim;
      return ledger.fetch("https://internal/", { method: "POST", body });
    }
    if (via === "rpc") {
      const status = await registry.claim(key, body);
      if (status >= 300) return new Response(null, { status });
    }
    return created(await ledger.reserve(body));
  },
};
