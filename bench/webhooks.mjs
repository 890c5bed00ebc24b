// Webhooks must never slow a ledger: the hot-SKU storm against `workerd serve`, in rounds that
// alternate an endpoint subscribed to every event, whose receiver never answers (every attempt
// hangs until its 10 s timeout), disabled and enabled — in the same run, medians compared. Two
// storms: reservations of one unit (the issue's measure; they write no event) and one-line
// orders (each writes `order_created`, so every request adds a delivery to the backlog).
//   node bench/webhooks.mjs [--clients 32] [--seconds 6] [--rounds 3]
import http from "node:http";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { TOKEN } from "../tests/support/edge.mjs";
import { closedLoop } from "./load.mjs";
import { startWorkerd } from "./workerd.mjs";

const option = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const CLIENTS = option("clients", 32);
const SECONDS = option("seconds", 6);
// Every order starts a coordinator object of its own; workerd keeps idle ones open for a while,
// and some 7,000 open SQLite databases in one process exhaust its memory maps (SQLITE_NOMEM).
// The order storms are kept shorter for that (Cloudflare runs each object on its own).
const ORDER_SECONDS = Math.min(SECONDS, 3);
const ROUNDS = option("rounds", 3);

// The receiver that never answers: it reads each request and leaves it hanging.
const hanging = new Set();
let received = 0;
const receiver = http.createServer((request, response) => {
  received += 1;
  hanging.add(response);
  request.resume();
});
await new Promise((resolve) => receiver.listen(0, "127.0.0.1", resolve));

const stateDir = mkdtempSync(path.join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "backorder-bench-webhooks-"));
const server = await startWorkerd({ stateDir, token: TOKEN, isolates: "separate", dev: true });
const port = Number(new URL(server.url).port);
const merchant = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };
const call = async (method, url, body) => {
  const response = await fetch(`${server.url}${url}`, { method, headers: merchant, body: body && JSON.stringify(body) });
  return { status: response.status, json: await response.json().catch(() => null) };
};

const run = Math.random().toString(36).slice(2);
// Each measure reserves from a SKU of its own, so that no measure inherits the holds of the one
// before it (a ledger with more open holds is slower: that drift would bias the comparison).
let skus = 0;
const freshSku = async () => {
  const sku = `HOT-${++skus}`;
  await call("PUT", `/v1/skus/${sku}`, { name: "Hot", on_hand: 10_000_000, backorders: "deny" });
  return sku;
};
const storms = {
  reservations: (phase, sku) => (n) => ({
    method: "POST",
    path: "/v1/reservations",
    headers: { "Content-Type": "application/json", "Idempotency-Key": `${run}-${phase}-${n}` },
    body: JSON.stringify({ sku, qty: 1 }),
  }),
  orders: (phase, sku) => (n) => ({
    method: "POST",
    path: "/v1/orders",
    headers: merchant,
    body: JSON.stringify({ order_id: `${run}-${phase}-${n}`, lines: [{ sku, qty: 1 }] }),
  }),
};

let failures = 0;
async function measure(label, storm, phase, seconds) {
  const sku = await freshSku();
  const cpuBefore = server.cpuMs();
  const result = await closedLoop({ port, clients: CLIENTS, seconds, request: storms[storm](phase, sku) });
  const cpu = (server.cpuMs() - cpuBefore) / (result.rate * seconds);
  const failed = [...result.statuses].filter(([status]) => status >= 300);
  failures += failed.reduce((sum, [, n]) => sum + n, 0);
  console.log(
    `${label.padEnd(52)} ${result.rate.toFixed(0).padStart(6)} req/s   p50 ${result.p50.toFixed(1).padStart(6)} ms` +
      `   p99 ${result.p99.toFixed(1).padStart(6)} ms   workerd CPU ${cpu.toFixed(2)} ms/req` +
      `${failed.length ? `   other statuses ${failed.map(([s, n]) => `${s}×${n}`).join(" ")}` : ""}`,
  );
  return result.rate;
}

console.log(
  `webhook storm: workerd serve, ${CLIENTS} closed-loop connections, ${SECONDS} s per reservation measure and ` +
    `${ORDER_SECONDS} s per order measure, ${ROUNDS} rounds alternating without and with an endpoint whose receiver never answers`,
);
await measure("warm-up (not a result)", "reservations", "warm", 3);
await measure("warm-up orders (not a result)", "orders", "warm", 2);

const endpoint = await call("POST", "/v1/webhook-endpoints", { url: `http://127.0.0.1:${receiver.address().port}/hang`, events: ["*"] });
if (endpoint.status !== 201) throw new Error(`endpoint: ${endpoint.status} ${JSON.stringify(endpoint.json)}`);
const enable = (enabled) => call("PATCH", `/v1/webhook-endpoints/${endpoint.json.id}`, { enabled });
await enable(false);
const rates = { without: { reservations: [], orders: [] }, with: { reservations: [], orders: [] } };
let attemptsDuring = 0;
for (let round = 1; round <= ROUNDS; round++) {
  for (const state of ["without", "with"]) {
    if (state === "with") {
      await enable(true);
      // A backlog first, so that attempts hang through the measures.
      await measure(`round ${round}: orders making a backlog (not a result)`, "orders", `backlog-${round}`, 1);
      while (received === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const before = received;
    const label = state === "with" ? "endpoint that never answers" : "endpoint disabled";
    rates[state].reservations.push(await measure(`round ${round}: reservations, ${label}`, "reservations", `${state}-${round}`, SECONDS));
    rates[state].orders.push(await measure(`round ${round}: orders, ${label}`, "orders", `${state}-o-${round}`, ORDER_SECONDS));
    if (state === "with") {
      attemptsDuring += received - before;
      await enable(false);
    }
  }
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
console.log(`attempts sent to the receiver while measuring with the endpoint: ${attemptsDuring} (none answered; each hangs 10 s)`);
let met = true;
for (const storm of ["reservations", "orders"]) {
  const [without, withEndpoint] = [median(rates.without[storm]), median(rates.with[storm])];
  const ratio = withEndpoint / without;
  const within = ratio >= 0.9;
  if (storm === "reservations") met = within;
  console.log(
    `${storm}/s with the hanging endpoint: ${(ratio * 100).toFixed(0)} % of without (medians of ${ROUNDS}: ` +
      `${withEndpoint.toFixed(0)} vs ${without.toFixed(0)}) — ${within ? "within 10 %" : "NOT within 10 %"}`,
  );
}
for (const response of hanging) response.destroy();
receiver.close();
await server.stop();
rmSync(stateDir, { recursive: true, force: true });
if (attemptsDuring === 0) {
  console.error("no attempt was made during the measures: they say nothing");
  process.exit(1);
}
if (failures) console.error(`${failures} requests failed: the comparison is not clean`);
if (!met || failures) process.exitCode = 1;
