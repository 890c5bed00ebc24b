// One SKU object's own CPU per reservation: what bounds one object's rate in production, where
// the edge and the objects run on other machines than each other. The objects are hosted in a
// workerd process of their own with a thin driver (bench/object-cpu/objects.mjs) that relays
// each reservation — the same LedgerCall body the edge sends — to the object, and that
// process's CPU time (user + system, from /proc) is divided by the reservations answered.
// Three objects, in the same run, each in a fresh process with its state on tmpfs:
//   Backorder Edge's SkuLedger (the built worker),
//   a plain-JavaScript object doing the same SQLite writes with none of the rules,
//   a no-op object (the driver's and the call's own cost, subtracted for the net figures).
//   node bench/object-cpu.mjs [--clients 8] [--seconds 10]
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort, root } from "../tests/support/edge.mjs";
import { closedLoop } from "./load.mjs";
import { BUILT_WORKER, cpuTimeMs } from "./workerd.mjs";

const here = path.dirname(new URL(import.meta.url).pathname);
const option = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const CLIENTS = option("clients", 8);
const SECONDS = option("seconds", 10);
const binary = path.join(root, "node_modules/@cloudflare/workerd-linux-64/bin/workerd");

const driverModules = `(name = "objects.mjs", esModule = embed "objects/objects.mjs")`;
const variants = {
  rust: {
    label: "Backorder Edge's SkuLedger (Rust, wasm)",
    className: "SkuLedger",
    objects: () => {
      const binding = (name, className) =>
        `(name = "${name}", durableObjectNamespace = (className = "${className}", serviceName = "objects")),`;
      const classes = [["SKU_LEDGER", "SkuLedger", "backorder-sku-ledger"], ["REGISTRY", "Registry", "backorder-registry"], ...BUILT_WORKER.objects];
      return `(
  modules = [${BUILT_WORKER.modules}
  ],
  compatibilityDate = "2026-04-01",
  bindings = [
    ${classes.map(([name, className]) => binding(name, className)).join("\n    ")}
    (name = "MERCHANT_TOKEN", text = "object-cpu-bench"),
  ],
  durableObjectNamespaces = [
    ${classes.map(([, className, key]) => `(className = "${className}", uniqueKey = "${key}", enableSql = true),`).join("\n    ")}
  ],
  durableObjectStorage = (localDisk = "state"),
)`;
    },
  },
  plain: { label: "plain JS, the same SQLite writes", className: "PlainLedger" },
  noop: { label: "no-op object (driver and call only)", className: "NoopLedger" },
};
const jsObjects = (className) => `(
  modules = [${driverModules}],
  compatibilityDate = "2026-04-01",
  durableObjectNamespaces = [(className = "${className}", uniqueKey = "object-cpu-${className}", enableSql = true)],
  durableObjectStorage = (localDisk = "state"),
)`;

/** workerd serving the driver and one kind of object; its CPU time so far, in ms. */
async function start(variant) {
  const dir = mkdtempSync(path.join(tmpdir(), "backorder-object-cpu-"));
  const stateDir = mkdtempSync(path.join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "backorder-object-cpu-state-"));
  cpSync(BUILT_WORKER.dir, path.join(dir, "build"), { recursive: true });
  cpSync(path.join(here, "object-cpu"), path.join(dir, "objects"), { recursive: true });
  const port = await freePort();
  const { className, objects = () => jsObjects(className) } = variants[variant];
  writeFileSync(
    path.join(dir, "config.capnp"),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "driver", worker = (
      modules = [${driverModules}],
      compatibilityDate = "2026-04-01",
      bindings = [(name = "SKU_LEDGER", durableObjectNamespace = (className = "${className}", serviceName = "objects"))],
    )),
    (name = "objects", worker = ${objects()}),
    (name = "state", disk = (path = ${JSON.stringify(stateDir)}, writable = true)),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "driver")],
);
`,
  );
  const child = spawn(binary, ["serve", "config.capnp", "--experimental"], { cwd: dir, stdio: ["ignore", "inherit", "inherit"] });
  const kill = () => child.kill("SIGKILL");
  process.on("exit", kill);
  for (let i = 0; ; i++) {
    try {
      // A reservation of a SKU nobody created: every object answers it without a change.
      await fetch(`http://127.0.0.1:${port}/`, { method: "POST", headers: { "x-sku": "READY" }, body: ledgerCall({ op: "reserve", qty: 1, ship: "partial" }, "ready") });
      break;
    } catch (error) {
      if (i > 2_500 || child.exitCode !== null) throw new Error(`workerd did not start: ${error}`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }
  return {
    port,
    cpuMs: () => cpuTimeMs(child.pid),
    async stop() {
      process.off("exit", kill);
      child.kill("SIGTERM");
      await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once("exit", resolve)));
      rmSync(dir, { recursive: true, force: true });
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

const run = Math.random().toString(36).slice(2);
const ledgerCall = (op, key = null) => JSON.stringify({ sku: "HOT-1", now: null, key, client: null, op });
const reserve = (phase) => (n) => ({
  method: "POST",
  path: "/",
  headers: { "x-sku": "HOT-1", "content-type": "application/json" },
  body: ledgerCall({ op: "reserve", qty: 1, ship: "partial" }, `${run}-${phase}-${n}`),
});

/** CPU ms per answered reservation for one object kind, after a warm-up. */
async function measure(variant) {
  const server = await start(variant);
  try {
    if (variant === "rust") {
      const put = ledgerCall({ op: "put_product", input: { name: "Hot", on_hand: 1_000_000, backorders: "deny" } });
      const created = await fetch(`http://127.0.0.1:${server.port}/`, { method: "POST", headers: { "x-sku": "HOT-1" }, body: put });
      if (created.status !== 201) throw new Error(`creating the product: ${created.status} ${await created.text()}`);
    }
    await closedLoop({ port: server.port, clients: CLIENTS, seconds: Math.min(3, SECONDS), request: reserve(`${variant}-warm`) });
    const before = server.cpuMs();
    const result = await closedLoop({ port: server.port, clients: CLIENTS, seconds: SECONDS, request: reserve(variant) });
    const cpu = server.cpuMs() - before;
    const answered = result.statuses.get(201) ?? 0;
    const others = [...result.statuses].filter(([status]) => status !== 201);
    if (others.length || result.dropped) {
      throw new Error(`${variant}: unexpected answers ${JSON.stringify(others)}, ${result.dropped} dropped`);
    }
    const perRequest = cpu / answered;
    console.log(
      `${variants[variant].label.padEnd(42)} ${result.rate.toFixed(0).padStart(6)} req/s   process CPU ${perRequest.toFixed(3)} ms/reservation`,
    );
    return perRequest;
  } finally {
    await server.stop();
  }
}

console.log(`one object's CPU per reservation: objects in their own workerd process, ${CLIENTS} closed-loop connections, ${SECONDS} s each`);
const noop = await measure("noop");
const plain = await measure("plain");
const rust = await measure("rust");
const net = (value) => Math.max(value - noop, 0);
const ratio = net(rust) / net(plain);
console.log(
  `net of the driver and the call (${noop.toFixed(3)} ms): Backorder Edge ${net(rust).toFixed(3)} ms, plain JS ${net(plain).toFixed(3)} ms; ` +
    `ratio ${ratio.toFixed(2)} (gross ${(rust / plain).toFixed(2)})`,
);
console.log(`target (one object's CPU per reservation at most 1.5× the plain-JS object's, net): ${ratio <= 1.5 ? "met" : "MISSED"}`);
