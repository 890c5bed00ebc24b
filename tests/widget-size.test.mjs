// A ratchet on everything a page loads for the widget — widget.js (loader and glue) and its
// wasm — gzip -9. Bytes are deterministic, so they are enforced here, at what the widget with
// both elements and the theme mode measured (78,809 B with node's zlib — `gzip -9`, which
// scripts/build-widget.sh prints, makes 77,412; with both elements before the theme mode
// 76,597 B; the product element alone 59,486 B).
// docs/performance.md says where they go and what a shopper feels of them: the time to
// rendered text, which `npm run bench` measures beside a plain-JS widget. Lower it as the
// widget shrinks; the goal is 45 KB.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { root } from "./support/edge.mjs";

const RATCHET = 79_000;

test(`widget.js + wasm stay within ${RATCHET} bytes gzipped`, () => {
  const www = path.join(root, "www");
  const wasm = readdirSync(www).filter((name) => /^widget-[0-9a-f]{12}\.wasm$/.test(name));
  assert.equal(wasm.length, 1, "exactly one versioned wasm is built");
  const loader = readFileSync(path.join(www, "widget.js"));
  assert.ok(loader.includes(wasm[0]), "widget.js names the wasm it loads");
  const files = [loader, readFileSync(path.join(www, wasm[0]))];
  const gzipped = files.reduce((sum, bytes) => sum + gzipSync(bytes, { level: 9 }).length, 0);
  console.log(`# widget: ${gzipped} bytes gzipped (ratchet ${RATCHET})`);
  assert.ok(gzipped <= RATCHET, `${gzipped} bytes gzipped is over the ratchet of ${RATCHET}`);
});
