// wrangler's [build].command: cheap, never compiles (wrangler 4.86 runs it twice at start).
// Fails when the built worker is missing or older than the Rust sources.
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const outputs = ["index.js", "index_bg.wasm", "worker/shim.mjs"].map((f) => path.join(root, "crates/worker/build", f));
let built;
try {
  built = Math.min(...outputs.map((f) => statSync(f).mtimeMs));
} catch {
  console.error("The worker is not built: run `npm run build`.");
  process.exit(1);
}
const newest = (dir) =>
  readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => statSync(path.join(entry.parentPath ?? entry.path, entry.name)).mtimeMs)
    .reduce((a, b) => Math.max(a, b), 0);
const sources = Math.max(...["crates/core/src", "crates/api/src", "crates/records/src", "crates/service/src", "crates/worker/src"].map((d) => newest(path.join(root, d))));
if (sources > built) {
  console.error("The worker build is older than its sources: run `npm run build`.");
  process.exit(1);
}
console.log("worker build is up to date");
