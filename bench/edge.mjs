// Load test of one hot SKU against `workerd serve` directly (not wrangler dev, not the
// Miniflare proxy). A closed-loop client (bench/load.mjs) keeps N connections busy, each
// reservation with its own Idempotency-Key, and records every request's latency. Prints
// req/s, p50/p99 and a Little's-law check for, in the same run: an edge-only 404 (the
// harness ceiling), an availability read, and one-unit reservations; then the same
// reservations in an open loop (Poisson arrivals at 50 % and 80 % of that rate: p50, p99,
// p99.9 from each request's intended start) — then checks that what was acknowledged is
// exactly what the ledger holds (zero oversell) — and the same
// reservations against bench/floor/worker.mjs, the runtime's floor for this shape of work
// (with fetch() as Backorder Edge calls its objects, with RPC, and with one RPC call only).
//   node bench/edge.mjs [--clients 32] [--seconds 20] [--disk] [--isolates separate|shared]
// SQLite files live on tmpfs (/dev/shm) unless --disk: otherwise this VM's fsync latency is
// what gets measured, and production storage is not a local disk. `--isolates shared` runs
// the Durable Objects in the edge's isolate, as `wrangler dev` does (see docs/performance.md).
import http from "node:http";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { TOKEN } from "../tests/support/edge.mjs";
import { closedLoop, openLoop } from "./load.mjs";
import { startWorkerd } from "./workerd.mjs";

const here = path.dirname(new URL(import.meta.url).pathname);

const option = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const CLIENTS = Number(option("clients", 32));
const SECONDS = Number(option("seconds", 20));
const ISOLATES = option("isolates", "separate");
if (!["separate", "shared"].includes(ISOLATES)) {
  console.error(`--isolates takes separate or shared, not ${ISOLATES}`);
  process.exit(2);
}
const STOCK = 1_000_000;
const onDisk = process.argv.includes("--disk") || !existsSync("/dev/shm");

const stateDir = mkdtempSync(path.join(onDisk ? tmpdir() : "/dev/shm", "backorder-bench-state-"));
let server = await startWorkerd({ stateDir, token: TOKEN, isolates: ISOLATES });
let port = Number(new URL(server.url).port);

/** Runs the closed loop and prints one line; returns the result. */
async function measure(label, seconds, request) {
  const cpuBefore = server.cpuMs();
  const result = await closedLoop({ port, clients: CLIENTS, seconds, request });
  // workerd's own CPU time per answered request (all its threads; the load client excluded).
  result.cpuPerRequest = (server.cpuMs() - cpuBefore) / (result.rate * seconds);
  const other = [...result.statuses].filter(([status]) => status >= 300 && status !== 404);
  console.log(
    `${label.padEnd(46)} ${result.rate.toFixed(0).padStart(6)} req/s   p50 ${result.p50.toFixed(1).padStart(6)} ms` +
      `   p99 ${result.p99.toFixed(1).padStart(6)} ms   in flight ${result.busy.toFixed(1)}` +
      `   workerd CPU ${result.cpuPerRequest.toFixed(2)} ms/req` +
      `${other.length ? `   other statuses ${other.map(([status, n]) => `${status}×${n}`).join(" ")}` : ""}` +
      `${result.dropped ? `   DROPPED by the server: ${result.dropped}` : ""}`,
  );
  return result;
}

const get = (path) => () => ({ method: "GET", path });
const run = Math.random().toString(36).slice(2);
const reserve = (phase, path = "/v1/reservations") => (n) => ({
  method: "POST",
  path,
  headers: { "Content-Type": "application/json", "Idempotency-Key": `${run}-${phase}-${n}` },
  body: '{"sku":"HOT-1","qty":1}',
});

const merchant = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };

/** A request on a fresh connection (a pooled one may have been closed during a long run). */
function call(method, url, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(`${server.url}${url}`, { method, headers: merchant, agent: false }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => (text += chunk));
      res.on("end", () => resolve(JSON.parse(text)));
    });
    req.on("error", reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

await call("PUT", "/v1/skus/HOT-1", { name: "Hot", on_hand: STOCK, backorders: "deny" });
console.log(
  `edge load test: workerd serve (Durable Objects in ${ISOLATES === "shared" ? "the edge's isolate" : "their own isolate"}), ` +
    `${CLIENTS} closed-loop connections, ${SECONDS} s measured, one SKU with ${STOCK} units, SQLite on ${onDisk ? "disk" : "tmpfs"}`,
);
const warmSeconds = Math.min(5, SECONDS);
await measure("baseline: edge-only 404 (no Durable Object)", warmSeconds, get("/v1/nothing"));
await measure("availability read (one SKU ledger, no write)", warmSeconds, get("/v1/skus/HOT-1/availability"));
const warm = await measure("warm-up reservations (not the result)", warmSeconds, reserve("warm"));
const result = await measure("reservations of 1 unit (claim + ledger write)", SECONDS, reserve("bench"));

// The same reservations arriving at a steady rate below capacity (Poisson, open loop), at half
// and at four fifths of the rate just measured: latency where it means something, counted
// from each request's intended start.
const open = [];
for (const load of [0.5, 0.8]) {
  const rate = result.rate * load;
  const steady = await openLoop({ port, rate, seconds: SECONDS, request: reserve(`open-${load}`) });
  open.push({ load, ...steady });
  const other = [...steady.statuses].filter(([status]) => status !== 201);
  console.log(
    `open loop at ${(load * 100).toFixed(0)} % (${rate.toFixed(0)} req/s offered, ${steady.rate.toFixed(0)} answered)`.padEnd(46) +
      `   p50 ${steady.p50.toFixed(1).padStart(6)} ms   p99 ${steady.p99.toFixed(1).padStart(6)} ms` +
      `   p99.9 ${steady.p999.toFixed(1).padStart(6)} ms   max ${steady.max.toFixed(0)} ms   ${steady.connections} connections` +
      `${other.length ? `   other statuses ${other.map(([status, n]) => `${status}×${n}`).join(" ")}` : ""}` +
      `${steady.dropped ? `   DROPPED: ${steady.dropped}` : ""}`,
  );
}

const product = await call("GET", "/v1/skus/HOT-1");
// The client waits for every answer, so the ledger must hold exactly what was acknowledged —
// plus at most the requests whose connection the server dropped, which may have been applied.
const acknowledged = [warm, result, ...open].reduce((sum, run) => sum + (run.statuses.get(201) ?? 0), 0);
const unanswered = [warm, result, ...open].reduce((sum, run) => sum + run.dropped, 0);
const held = product.holds.length;
const consistent =
  product.available_now + held === STOCK && held >= acknowledged && held - acknowledged <= unanswered;
console.log(
  `oversell check: ${acknowledged} reservations acknowledged, ${held} held by the ledger, ` +
    `${unanswered ? `${unanswered} dropped unanswered, ` : ""}available_now ${product.available_now} of ${STOCK}: ` +
    `${consistent ? "consistent, zero oversell" : "MISMATCH"}`,
);
console.log(
  `Little's law: ${result.busy.toFixed(1)} requests in flight on average for ${CLIENTS} connections ` +
    `(mean latency ${result.mean.toFixed(1)} ms × ${result.rate.toFixed(0)} req/s)`,
);

// Cold loads: a restarted object reads its SQLite rows back before it answers. Held
// reservations are loaded; orders with nothing waiting stay in storage until named.
for (const sku of ["WARM-1", "EMPTY-1"]) await call("PUT", `/v1/skus/${sku}`, { name: sku, on_hand: STOCK });
await call("PUT", "/v1/skus/SOLD-1", { name: "Sold", on_hand: STOCK });
const orders = await closedLoop({
  port,
  clients: CLIENTS,
  seconds: warmSeconds,
  request: (n) => ({
    method: "POST",
    path: "/v1/orders",
    headers: merchant,
    body: JSON.stringify({ order_id: `${run}-${n}`, lines: [{ sku: "SOLD-1", qty: 1 }] }),
  }),
});
const placed = orders.statuses.get(201) ?? 0;
await server.stop();
server = await startWorkerd({ stateDir, token: TOKEN, isolates: ISOLATES });
port = Number(new URL(server.url).port);
const firstAnswer = async (sku) => {
  const started = performance.now();
  await call("GET", `/v1/skus/${sku}/availability`);
  return (performance.now() - started).toFixed(0);
};
await firstAnswer("WARM-1"); // starts both isolates and warms the load path
console.log(
  `cold load after a restart (first request): empty SKU ${await firstAnswer("EMPTY-1")} ms; ` +
    `${placed} settled orders ${await firstAnswer("SOLD-1")} ms; ${held} held reservations ${await firstAnswer("HOT-1")} ms`,
);
await server.stop();
rmSync(stateDir, { recursive: true, force: true });

// The same shape of work in plain JavaScript with none of the rules (bench/floor/worker.mjs),
// on the same runtime and topology: what any implementation of this architecture pays.
const floorState = mkdtempSync(path.join(onDisk ? tmpdir() : "/dev/shm", "backorder-bench-floor-"));
server = await startWorkerd({
  stateDir: floorState,
  token: TOKEN,
  isolates: ISOLATES,
  worker: { dir: path.join(here, "floor"), modules: `\n    (name = "worker.mjs", esModule = embed "build/worker.mjs"),` },
});
port = Number(new URL(server.url).port);
await measure("floor warm-up (not a result)", warmSeconds, reserve("floor-warm"));
const floor = await measure("floor: plain JS, no rules, same fetch() calls", SECONDS, reserve("floor"));
await measure("floor warm-up, RPC (not a result)", warmSeconds, reserve("rpc-warm", "/rpc/reservations"));
const rpc = await measure("floor: the same calls by RPC", SECONDS, reserve("rpc", "/rpc/reservations"));
const one = await measure("floor: one RPC call, no key claim", SECONDS, reserve("rpc-one", "/rpc-one/reservations"));
// The open loop against the floor at the same offered rates: the runtime's own tail at a load
// that is, for the floor, lighter still.
const floorOpen = [];
for (const { load } of open) {
  const rate = result.rate * load;
  const steady = await openLoop({ port, rate, seconds: SECONDS, request: reserve(`floor-open-${load}`) });
  floorOpen.push(steady);
  console.log(
    `floor: open loop at Backorder Edge's ${(load * 100).toFixed(0)} % (${rate.toFixed(0)} req/s)`.padEnd(46) +
      `   p50 ${steady.p50.toFixed(1).padStart(6)} ms   p99 ${steady.p99.toFixed(1).padStart(6)} ms` +
      `   p99.9 ${steady.p999.toFixed(1).padStart(6)} ms   max ${steady.max.toFixed(0)} ms` +
      `${steady.dropped ? `   DROPPED: ${steady.dropped}` : ""}`,
  );
}
await server.stop();
rmSync(floorState, { recursive: true, force: true });
console.log(
  `workerd CPU per reservation: ${result.cpuPerRequest.toFixed(2)} ms; the floor's ${floor.cpuPerRequest.toFixed(2)} ms ` +
    `(Backorder Edge runs at ${((result.rate / floor.rate) * 100).toFixed(0)} % of the floor's rate)`,
);
// Little's law fixes the mean latency at clients ÷ throughput; the tail on top of it is the
// runtime's scheduling. The floors show what plain JS with no rules gets on both counts.
console.log(
  `floors' p99: ${floor.p99.toFixed(0)} ms with fetch(), ${rpc.p99.toFixed(0)} ms with RPC, ` +
    `${one.p99.toFixed(0)} ms with one RPC call and no key claim (${one.rate.toFixed(0)} req/s)`,
);

const half = open[0];
console.log(
  `target (open loop at 50 % of capacity: p99 at most 50 ms): ${half.p99.toFixed(1)} ms — ${half.p99 <= 50 ? "met" : "MISSED"}` +
    ` (the plain-JS floor at the same rate: p99 ${floorOpen[0].p99.toFixed(1)} ms)`,
);
const ratio = result.rate / floor.rate;
console.log(
  `target (reservations/s at least 0.45 of the plain-JS fetch() floor's, same run): ${ratio.toFixed(2)} — ` +
    `${ratio >= 0.45 ? "met" : "MISSED"}`,
);
if (!consistent) process.exit(1);
