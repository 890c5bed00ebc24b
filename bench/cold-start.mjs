// Cold start: a fresh workerd process's first answer — load and compile the worker's wasm,
// instantiate it, then answer one request that runs only the edge's code (a request for no
// endpoint: 404) — median of repeated runs. Beside it, in the same run: the size floor
// (bench/size-floor, the smallest workers-rs worker of the same shape, built by its
// measure.sh) and a plain-JS worker (bench/floor), which is the runtime's own start.
//   node bench/cold-start.mjs [--runs 15]
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { readFileSync } from "node:fs";
import { root } from "../tests/support/edge.mjs";
import { BUILT_WORKER, startWorkerd } from "./workerd.mjs";

const runsArg = process.argv.indexOf("--runs");
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 15;

const wasm = (dir) => {
  const file = path.join(dir, "index_bg.wasm");
  if (!existsSync(file)) return "";
  const bytes = readFileSync(file);
  return `${bytes.length} B wasm, ${gzipSync(bytes, { level: 9 }).length} B gzipped`;
};

const sizeFloor = path.join(root, "target/size-floor/build");
const workers = [
  ["Backorder Edge (crates/worker/build)", BUILT_WORKER, wasm(path.join(BUILT_WORKER.dir))],
  [
    "size floor (bench/size-floor)",
    {
      dir: sizeFloor,
      modules: `
    (name = "worker/shim.mjs", esModule = embed "build/worker/shim.mjs"),
    (name = "index.js", esModule = embed "build/index.js"),
    (name = "index_bg.wasm", wasm = embed "build/index_bg.wasm"),`,
    },
    wasm(sizeFloor),
  ],
  [
    "plain JS (bench/floor): the runtime alone",
    { dir: path.join(root, "bench/floor"), modules: `\n    (name = "worker.mjs", esModule = embed "build/worker.mjs"),` },
    "no wasm",
  ],
];

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
console.log(`cold start: workerd spawned to the first answer (a 404 from the edge's code), median of ${RUNS} runs`);
const results = {};
for (const [label, worker, size] of workers) {
  if (worker.dir === sizeFloor && !existsSync(sizeFloor)) {
    console.log(`  ${label}: not built (run bash bench/size-floor/measure.sh first)`);
    continue;
  }
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const stateDir = mkdtempSync(path.join(tmpdir(), "backorder-cold-"));
    const server = await startWorkerd({ stateDir, token: "cold", isolates: "shared", worker, ready: "/v1/nothing" });
    times.push(server.startedMs);
    await server.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
  results[label] = median(times);
  console.log(`  ${label.padEnd(44)} ${median(times).toFixed(1).padStart(7)} ms   (${size})`);
}
const [ours, floor, js] = workers.map(([label]) => results[label]);
if (ours && js) {
  console.log(
    `  the wasm's own share (first answer less the runtime's start): Backorder Edge ${(ours - js).toFixed(1)} ms` +
      (floor ? `, size floor ${(floor - js).toFixed(1)} ms` : ""),
  );
}
