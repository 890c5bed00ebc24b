// The worker's wasm within the budget: 150 KB gzipped, read strictly as 150,000 bytes
// (gzip level 9, the wasm as built for deployment). docs/performance.md says where the bytes go.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { root } from "./support/edge.mjs";

const BUDGET = 150_000;

test("the worker's wasm is within its size budget", () => {
  const wasm = readFileSync(path.join(root, "crates/worker/build/index_bg.wasm"));
  const gzipped = gzipSync(wasm, { level: 9 }).length;
  console.log(`# worker: ${wasm.length} bytes, ${gzipped} gzipped (budget ${BUDGET})`);
  assert.ok(gzipped <= BUDGET, `${gzipped} bytes gzipped is over the budget of ${BUDGET}`);
});
