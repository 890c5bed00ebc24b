// Serves the built worker with `workerd serve` directly — no Miniflare proxy, no wrangler —
// from a generated config, with its Durable Objects' SQLite files in `stateDir`.
import { execFileSync, spawn } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort, root } from "../tests/support/edge.mjs";

/** The built worker (crates/worker/build) as workerd modules. */
export const BUILT_WORKER = {
  dir: path.join(root, "crates/worker/build"),
  // Durable Object classes besides the ledger and the registry: [binding, class, unique key].
  objects: [
    ["ORDERS", "OrderCoordinator", "backorder-orders"],
    ["WEBHOOKS", "WebhookDispatcher", "backorder-webhooks"],
    ["ADAPTERS", "StoreAdapters", "backorder-adapters"],
  ],
  modules: `
    (name = "worker/shim.mjs", esModule = embed "build/worker/shim.mjs"),
    (name = "index.js", esModule = embed "build/index.js"),
    (name = "index_bg.wasm", wasm = embed "build/index_bg.wasm"),`,
};

/**
 * Serves `worker` (the built one unless told otherwise: `{ dir, modules }`, with modules
 * embedded from `build/`). `isolates: "separate"` runs the Durable Objects in their own worker
 * (their own isolate) — closer to Cloudflare, where an object usually runs on another machine
 * than the Worker that calls it; `"shared"` runs them in the edge's isolate, as `wrangler dev`
 * does. `dev` sets the development flag and lets outbound requests reach this machine (a local
 * webhook receiver).
 */
export async function startWorkerd({
  stateDir,
  token,
  inspector,
  isolates = "separate",
  worker: code = BUILT_WORKER,
  ready = "/v1/ready-check",
  dev = false,
}) {
  const dir = mkdtempSync(path.join(tmpdir(), "backorder-workerd-"));
  cpSync(code.dir, path.join(dir, "build"), { recursive: true });
  const port = await freePort();
  const separate = isolates === "separate";
  const objects = separate ? "ledger" : "edge";
  const extra = code.objects ?? [];
  const worker = (name, { hostsObjects }) => `const ${name} :Workerd.Worker = (
  modules = [${code.modules}
  ],
  compatibilityDate = "2026-04-01",
  bindings = [
    (name = "SKU_LEDGER", durableObjectNamespace = (className = "SkuLedger", serviceName = "${objects}")),
    (name = "REGISTRY", durableObjectNamespace = (className = "Registry", serviceName = "${objects}")),${extra
      .map(([binding, className]) => `
    (name = "${binding}", durableObjectNamespace = (className = "${className}", serviceName = "${objects}")),`)
      .join("")}
    (name = "MERCHANT_TOKEN", text = ${JSON.stringify(token)}),${dev ? `
    (name = "BACKORDER_DEV_CLOCK", text = "1"),` : ""}
  ],${
    hostsObjects
      ? `
  durableObjectNamespaces = [
    (className = "SkuLedger", uniqueKey = "backorder-sku-ledger", enableSql = true),
    (className = "Registry", uniqueKey = "backorder-registry", enableSql = true),${extra
      .map(([, className, uniqueKey]) => `
    (className = "${className}", uniqueKey = "${uniqueKey}", enableSql = true),`)
      .join("")}
  ],
  durableObjectStorage = (localDisk = "state"),`
      : ""
  }
);
`;
  writeFileSync(
    path.join(dir, "config.capnp"),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "edge", worker = .edge),${separate ? `
    (name = "ledger", worker = .ledger),` : ""}
    (name = "state", disk = (path = ${JSON.stringify(stateDir)}, writable = true)),${dev ? `
    (name = "internet", network = (allow = ["public", "local"])),` : ""}
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "edge")],
);
${worker("edge", { hostsObjects: !separate })}${separate ? worker("ledger", { hostsObjects: true }) : ""}`,
  );
  const binary = path.join(root, "node_modules/@cloudflare/workerd-linux-64/bin/workerd");
  const args = ["serve", "config.capnp", "--experimental", ...(inspector ? [`--inspector-addr=${inspector}`] : [])];
  const spawned = performance.now();
  const child = spawn(binary, args, { cwd: dir, stdio: ["ignore", "inherit", "inherit"] });
  const killOnExit = () => child.kill("SIGKILL");
  process.on("exit", killOnExit);
  const url = `http://127.0.0.1:${port}`;
  // Polled every 2 ms, so that the time to the first answer (the cold start) is measured too.
  for (let i = 0; ; i++) {
    try {
      await fetch(`${url}${ready}`);
      break;
    } catch (error) {
      if (i > 2_500 || child.exitCode !== null) throw new Error(`workerd did not start: ${error}`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }
  const startedMs = performance.now() - spawned;
  return {
    url,
    /** From spawning workerd to the first answer, in ms. */
    startedMs,
    /** CPU time workerd has used so far (user + system, every thread), in ms, from /proc. */
    cpuMs: () => cpuTimeMs(child.pid),
    async stop() {
      process.off("exit", killOnExit);
      child.kill("SIGTERM");
      await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once("exit", resolve)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }));

/** The CPU time process `pid` has used so far (user + system, every thread), in ms, from /proc. */
export function cpuTimeMs(pid) {
  // Fields after the command name (which is in parentheses): utime and stime are 12th and 13th.
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
}
