// Load test of one hot SKU against `workerd serve` directly (not wrangler dev): N concurrent
// clients reserve one unit each, as fast as they can, for a fixed time. Prints
// reservations/s, p50/p99 latency and the oversell check; the same run first measures a
// baseline (an edge-only 404, no Durable Object) so the numbers show what the harness allows.
//   node bench/edge.mjs [--clients 32] [--seconds 20] [--disk]
// The SQLite files live on tmpfs (/dev/shm) unless --disk: this VM's disk fsync would
// otherwise be what is measured, and production storage is not a local disk.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { TOKEN } from "../tests/support/edge.mjs";
import { startWorkerd } from "./workerd.mjs";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const CLIENTS = arg("clients", 32);
const SECONDS = arg("seconds", 20);
const STOCK = 1_000_000;

const onDisk = process.argv.includes("--disk") || !existsSync("/dev/shm");
const stateDir = mkdtempSync(path.join(onDisk ? tmpdir() : "/dev/shm", "backorder-bench-"));
const server = await startWorkerd({ stateDir, token: TOKEN, inspector: process.env.BENCH_INSPECTOR });
const base = new URL(server.url);
const agent = new http.Agent({ keepAlive: process.env.BENCH_KEEPALIVE !== "0", maxSockets: CLIENTS });

/** One HTTP request; a connection the server dropped is retried (requests carry keys). */
async function request(method, path, body, headers = {}) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await once(method, path, body, headers);
    } catch (error) {
      if (attempt >= 3 || error.code !== "ECONNRESET") throw error;
    }
  }
}

function once(method, path, body, headers) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      { host: base.hostname, port: base.port, method, path, agent,
        headers: { ...headers, ...(data ? { "content-type": "application/json", "content-length": Buffer.byteLength(data) } : {}) } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode, text }));
      },
    );
    req.on("error", reject);
    if (data) req.write(data);
    req.end();
  });
}

const timeline = [];
async function run(label, makeRequest, seconds) {
  const latencies = [];
  const statuses = {};
  const end = performance.now() + seconds * 1000;
  let n = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, client) => {
      while (performance.now() < end) {
        const started = performance.now();
        const reply = await makeRequest(client, n++);
        latencies.push(performance.now() - started);
        if (process.env.BENCH_TIMELINE) timeline.push([started, performance.now() - started]);
        statuses[reply.status] = (statuses[reply.status] ?? 0) + 1;
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))].toFixed(1);
  const rate = latencies.length / seconds;
  console.log(
    `${label.padEnd(44)} ${rate.toFixed(0).padStart(6)} req/s   p50 ${pct(0.5).padStart(6)} ms   p99 ${pct(0.99).padStart(6)} ms   ${JSON.stringify(statuses)}`,
  );
  return { rate, statuses, p99: Number(pct(0.99)) };
}

const merchant = { authorization: `Bearer ${TOKEN}` };
await request("PUT", "/v1/skus/HOT-1", { name: "Hot", on_hand: STOCK, backorders: "deny" }, merchant);
console.log(
  `edge load test: workerd serve, ${CLIENTS} clients, ${SECONDS} s per run, one SKU with ${STOCK} units, SQLite on ${onDisk ? "disk" : "tmpfs"}`,
);
for (let i = 0; i < 200; i++) await request("GET", "/v1/nothing");

await run("baseline: edge-only 404 (no Durable Object)", () => request("GET", "/v1/nothing"), Math.min(5, SECONDS));
await run("availability read (one SKU ledger)", () => request("GET", "/v1/skus/HOT-1/availability"), Math.min(5, SECONDS));
const warm = await run(
  "warm-up reservations (not counted)",
  (client, n) => request("POST", "/v1/reservations", { sku: "HOT-1", qty: 1 }, { "idempotency-key": `warm-${client}-${n}-${Date.now()}` }),
  Math.min(5, SECONDS),
);
const reservations = await run(
  "reservations of 1 unit (claim + ledger write)",
  (client, n) => request("POST", "/v1/reservations", { sku: "HOT-1", qty: 1 }, { "idempotency-key": `bench-${client}-${n}-${Date.now()}` }),
  SECONDS,
);

if (process.env.BENCH_TIMELINE) {
  const t0 = timeline[0][0];
  const windows = new Map();
  for (const [start, ms] of timeline) {
    const w = Math.floor((start - t0) / 250);
    const [count, max] = windows.get(w) ?? [0, 0];
    windows.set(w, [count + 1, Math.max(max, ms)]);
  }
  console.log([...windows].map(([w, [count, max]]) => `${(w / 4).toFixed(2)}s:${count}/${max.toFixed(0)}`).join(" "));
}
const product = JSON.parse((await request("GET", "/v1/skus/HOT-1", undefined, merchant)).text);
const held = (warm.statuses[201] ?? 0) + (reservations.statuses[201] ?? 0);
const oversold = product.available_now + held !== STOCK || product.holds.length !== held;
console.log(
  `oversell check: ${held} holds acknowledged, ${product.holds.length} held in the ledger, available_now ${product.available_now} of ${STOCK}: ${oversold ? "MISMATCH" : "consistent, zero oversell"}`,
);
agent.destroy();
await server.stop();
rmSync(stateDir, { recursive: true, force: true });
if (oversold) process.exit(1);
