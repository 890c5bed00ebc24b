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
// With --profile, only Backorder Edge's object runs (`--profile plain`: the plain-JS one), the
// Rust one built with its function names, under workerd's inspector: the V8 CPU profile of the
// measured run is written to target/object-cpu.cpuprofile (open it in Chrome's DevTools) and its
// heaviest functions printed.
//   node --experimental-websocket bench/object-cpu.mjs --profile [plain]   (npm run bench:profile)
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
const PROFILE = process.argv.includes("--profile");
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
const profiledName = process.argv[process.argv.indexOf("--profile") + 1];
const PROFILED = profiledName in variants ? profiledName : "rust";
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
  if (PROFILE && variant === "rust") {
    // The same code with its name section (scripts/build.sh keeps this copy), for a profile
    // that names Rust functions.
    cpSync(path.join(root, "target/worker-with-names.wasm"), path.join(dir, "build/index_bg.wasm"));
  }
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
  const inspector = PROFILE ? await freePort() : null;
  const args = ["serve", "config.capnp", "--experimental", ...(inspector ? [`--inspector-addr=127.0.0.1:${inspector}`] : [])];
  const child = spawn(binary, args, { cwd: dir, stdio: ["ignore", "inherit", "inherit"] });
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
    inspector,
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
    const profiler = PROFILE ? await Profiler.attach(server.inspector, "objects") : null;
    const before = server.cpuMs();
    const result = await closedLoop({ port: server.port, clients: CLIENTS, seconds: SECONDS, request: reserve(variant) });
    const cpu = server.cpuMs() - before;
    if (profiler) await profiler.report(result.statuses.get(201) ?? 0);
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

/** V8's sampling profiler in one of workerd's isolates, through the inspector (CDP). */
const Profiler = {
  async attach(port, service) {
    if (typeof WebSocket === "undefined") throw new Error("--profile needs WebSocket: run node --experimental-websocket");
    const socket = new WebSocket(`ws://127.0.0.1:${port}/${service}`);
    await new Promise((resolve, reject) => {
      socket.onopen = resolve;
      socket.onerror = () => reject(new Error(`the inspector of ${service} could not be reached`));
    });
    let id = 0;
    const waiting = new Map();
    socket.onmessage = ({ data }) => {
      const message = JSON.parse(data);
      const answer = waiting.get(message.id);
      if (!answer) return;
      waiting.delete(message.id);
      message.error ? answer.reject(new Error(JSON.stringify(message.error))) : answer.resolve(message.result);
    };
    const send = (method, params = {}) =>
      new Promise((resolve, reject) => {
        waiting.set(++id, { resolve, reject });
        socket.send(JSON.stringify({ id, method, params }));
      });
    await send("Profiler.enable");
    await send("Profiler.setSamplingInterval", { interval: 100 });
    await send("Profiler.start");
    return {
      async report(requests) {
        const { profile } = await send("Profiler.stop");
        socket.close();
        const file = path.join(root, "target/object-cpu.cpuprofile");
        writeFileSync(file, JSON.stringify(profile));
        printProfile(profile, requests);
        console.log(`profile written to ${path.relative(process.cwd(), file)}`);
      },
    };
  },
};

/** The functions with the most samples, by their own time and with their callees, per request. */
function printProfile(profile, requests) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const name = (node) => node.callFrame.functionName || `(anonymous ${path.basename(node.callFrame.url || "")})`;
  const microseconds = (profile.endTime - profile.startTime) / profile.samples.length;
  const self = new Map();
  const total = new Map();
  for (const sample of profile.samples) {
    const leaf = byId.get(sample);
    self.set(name(leaf), (self.get(name(leaf)) ?? 0) + 1);
    const seen = new Set();
    for (let id = sample; id !== undefined; id = parent.get(id)) seen.add(name(byId.get(id)));
    for (const fn of seen) total.set(fn, (total.get(fn) ?? 0) + 1);
  }
  const per = (samples) => `${((samples * microseconds) / requests).toFixed(1).padStart(7)} µs`;
  const top = (map, label) => {
    console.log(`${label} (per reservation, ${requests} reservations, ${profile.samples.length} samples):`);
    for (const [fn, samples] of [...map].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`  ${per(samples)}  ${fn.slice(0, 110)}`);
  };
  top(self, "own time");
  top(total, "with callees");
}

if (PROFILE) {
  console.log(`profiling ${variants[PROFILED].label}: ${CLIENTS} closed-loop connections, ${SECONDS} s`);
  await measure(PROFILED);
  process.exit(0);
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
