// The size budget: everything a page loads for the widget — widget.js (loader and glue) and
// its wasm — at most 35 KB gzip -9. Deterministic, so enforced here; the goal is 20 KB.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { root } from "./support/edge.mjs";

const BUDGET = 35 * 1024;

test("widget.js + wasm stay within 35 KB gzipped", () => {
  const www = path.join(root, "www");
  const wasm = readdirSync(www).filter((name) => /^widget-[0-9a-f]{12}\.wasm$/.test(name));
  assert.equal(wasm.length, 1, "exactly one versioned wasm is built");
  const loader = readFileSync(path.join(www, "widget.js"));
  assert.ok(loader.includes(wasm[0]), "widget.js names the wasm it loads");
  const files = [loader, readFileSync(path.join(www, wasm[0]))];
  const gzipped = files.reduce((sum, bytes) => sum + gzipSync(bytes, { level: 9 }).length, 0);
  console.log(`# widget: ${gzipped} bytes gzipped (budget ${BUDGET})`);
  assert.ok(gzipped <= BUDGET, `${gzipped} bytes gzipped is over the ${BUDGET}-byte budget`);
});
