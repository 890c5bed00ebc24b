// Runs the built worker in workerd through Miniflare, with real SQLite Durable Objects
// persisted under a folder the caller chooses, and gives tests a small HTTP client.
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const TOKEN = "test-merchant-token-0123456789";

/** A TCP port nobody listens on right now. */
export async function freePort() {
  const server = net.createServer().listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A fresh folder for Durable Object state, removed at process exit. */
export function tempState(name) {
  const dir = mkdtempSync(path.join(tmpdir(), `backorder-${name}-`));
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * The built worker in workerd, or `script` (an ES module's source) in its place with the same
 * Durable Object bindings and storage — to plant state as another build would have left it.
 */
export function startEdge({ persist, devClock = true, token = TOKEN, script } = {}) {
  const build = path.join(root, "crates/worker/build");
  const bindings = {};
  if (token) bindings.MERCHANT_TOKEN = token;
  if (devClock) bindings.BACKORDER_DEV_CLOCK = "1";
  const code = script
    ? { script }
    : {
        scriptPath: path.join(build, "worker/shim.mjs"),
        modulesRoot: build,
        modulesRules: [
          { type: "ESModule", include: ["**/*.js", "**/*.mjs"] },
          { type: "CompiledWasm", include: ["**/*.wasm"] },
        ],
      };
  return new Miniflare({
    modules: true,
    ...code,
    compatibilityDate: "2026-04-01",
    cf: false,
    durableObjects: {
      SKU_LEDGER: { className: "SkuLedger", useSQLite: true },
      REGISTRY: { className: "Registry", useSQLite: true },
      ORDERS: { className: "OrderCoordinator", useSQLite: true },
      WEBHOOKS: { className: "WebhookDispatcher", useSQLite: true },
      ADAPTERS: { className: "StoreAdapters", useSQLite: true },
    },
    durableObjectsPersist: persist,
    bindings,
  });
}

/** 2026-11-26T10:00:00Z plus `minutes`, as RFC 3339: the tests' injected clock. */
export function at(minutes = 0) {
  return new Date(Date.UTC(2026, 10, 26, 10, 0, 0) + minutes * 60_000).toISOString();
}

/**
 * Calls the edge. Options: body (object or string), token (true = merchant), key
 * (Idempotency-Key), now (X-Backorder-Now), headers.
 */
export async function call(mf, method, url, { body, token, key, now, headers = {} } = {}) {
  const init = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === "string" ? body : JSON.stringify(body);
    init.headers["content-type"] = "application/json";
  }
  if (token) init.headers.authorization = `Bearer ${token === true ? TOKEN : token}`;
  if (key) init.headers["idempotency-key"] = key;
  if (now) init.headers["x-backorder-now"] = now;
  const response = await mf.dispatchFetch(`http://edge.test${url}`, init);
  const text = await response.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** Creates (or replaces) a product as the merchant. */
export async function putProduct(mf, sku, fields, now = at()) {
  const reply = await call(mf, "PUT", `/v1/skus/${sku}`, { body: fields, token: true, now });
  if (reply.status >= 300) throw new Error(`PUT ${sku}: ${reply.status} ${reply.text}`);
  return reply.json;
}

let keys = 0;
export function freshKey(prefix = "key") {
  keys += 1;
  return `${prefix}-${process.pid}-${keys}-${Math.random().toString(36).slice(2)}`;
}

export async function reserve(mf, sku, qty, { ship, now = at(), key = freshKey() } = {}) {
  return call(mf, "POST", "/v1/reservations", { body: { sku, qty, ...(ship ? { ship } : {}) }, key, now });
}
