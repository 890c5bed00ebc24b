// A ratchet on the worker's wasm: it may shrink, not grow. The budget is 150 KB
// gzipped and is not met yet (158,152 bytes by this measure; docs/performance.md says where
// the bytes are); this keeps the gap from widening unnoticed. Lower MAX_GZIPPED when the
// worker shrinks.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { root } from "./support/edge.mjs";

const MAX_GZIPPED = 155 * 1024;
const BUDGET = 150 * 1024;

test("the worker's wasm does not grow past the ratchet", () => {
  const wasm = readFileSync(path.join(root, "crates/worker/build/index_bg.wasm"));
  const gzipped = gzipSync(wasm, { level: 9 }).length;
  console.log(`# worker: ${wasm.length} bytes, ${gzipped} gzipped (ratchet ${MAX_GZIPPED}, budget ${BUDGET})`);
  assert.ok(gzipped <= MAX_GZIPPED, `${gzipped} bytes gzipped is over the ratchet of ${MAX_GZIPPED}`);
});
