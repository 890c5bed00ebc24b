// The widget's cost to a page: bytes (raw, gzip, brotli) of everything it loads; time from
// the loader's request to rendered text, median of 20 cold loads in Chromium, side by side
// with a minimal plain-JS widget doing the same fetch and text in the same run; and layout
// shift on a product page with and without the documented placeholder CSS.
//   node bench/widget.mjs [--loads 20]
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { execFileSync } from "node:child_process";
import { root } from "../tests/support/edge.mjs";
import { launchChromium } from "../tests/support/browser.mjs";
import { devToken, startWrangler } from "../tests/support/wrangler.mjs";

const loadsArg = process.argv.indexOf("--loads");
const LOADS = loadsArg > 0 ? Number(process.argv[loadsArg + 1]) : 20;
const www = path.join(root, "www");
const wasmName = readdirSync(www).find((name) => /^widget-[0-9a-f]{12}\.wasm$/.test(name));

console.log("widget bytes            raw      gzip -9   brotli -11");
let totals = [0, 0, 0];
for (const name of ["widget.js", wasmName]) {
  const bytes = readFileSync(path.join(www, name));
  const sizes = [
    bytes.length,
    gzipSync(bytes, { level: 9 }).length,
    brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  ];
  totals = totals.map((t, i) => t + sizes[i]);
  console.log(`  ${name.padEnd(22)}${sizes.map((s) => String(s).padStart(9)).join("")}`);
}
console.log(`  ${"total".padEnd(22)}${totals.map((s) => String(s).padStart(9)).join("")}   (ratchet 79000 gzip in tests/widget-size.test.mjs, goal 46080)`);

const edge = await startWrangler();
execFileSync(process.execPath, [path.join(root, "scripts/seed.mjs"), edge.url, devToken()], { stdio: "ignore" });
const plainJs = readFileSync(path.join(root, "bench/fixtures/plain-widget.js"), "utf8");
const pages = {
  "/bench/wasm.html": `<!doctype html><html lang="en-GB"><body><h1>Mug</h1>
<script src="/widget.js" async></script><backorder-status sku="DEMO-MUG"></backorder-status></body></html>`,
  "/bench/plain.html": `<!doctype html><html lang="en-GB"><body><h1>Mug</h1>
<script src="/bench/plain-widget.js" async></script><plain-status sku="DEMO-MUG"></plain-status></body></html>`,
};

const browser = await launchChromium();
async function coldLoad(url, kind, scriptPath, complete = false) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.route("**/bench/*", (route) => {
    const pathname = new URL(route.request().url()).pathname;
    if (pathname.endsWith("plain-widget.js")) return route.fulfill({ body: plainJs, contentType: "text/javascript" });
    return route.fulfill({ body: pages[pathname], contentType: "text/html" });
  });
  await page.goto(`${edge.url}${url}`);
  const ms = await page.evaluate(
    ([which, script]) =>
      new Promise((resolve) => {
        const read = () =>
          which === "wasm"
            ? document.querySelector("backorder-status").shadowRoot?.querySelector("[part=status]")?.textContent
            : which === "wasm-complete"
              ? document.querySelector("backorder-status").shadowRoot?.querySelector("[part=root][data-ready]")
              : document.querySelector("plain-status").textContent;
        const check = () => {
          const text = read();
          if (text) {
            const start = performance.getEntriesByType("resource").find((e) => e.name.endsWith(script)).startTime;
            resolve(performance.now() - start);
          } else requestAnimationFrame(check);
        };
        check();
      }),
    [complete ? "wasm-complete" : kind, scriptPath],
  );
  await context.close();
  return ms;
}
const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
const wasmTimes = [];
const completeTimes = [];
const plainTimes = [];
for (let i = 0; i < LOADS; i++) {
  completeTimes.push(await coldLoad("/bench/wasm.html", "wasm", "/widget.js", true));
  wasmTimes.push(
    await coldLoad("/bench/wasm.html", "wasm", "/widget.js"),
  );
  plainTimes.push(await coldLoad("/bench/plain.html", "plain", "/bench/plain-widget.js"));
}
const wasmMedian = median(wasmTimes);
const plainMedian = median(plainTimes);
console.log(`time from loader request to rendered text, median of ${LOADS} cold loads (Chromium, wrangler dev):`);
console.log(`  backorder-status (wasm, quotes locally)  ${wasmMedian.toFixed(1).padStart(7)} ms`);
console.log(`  plain-JS widget (same fetch and text)    ${plainMedian.toFixed(1).padStart(7)} ms`);
console.log(`  ratio ${(wasmMedian / plainMedian).toFixed(2)} (target: within 2×) — ${wasmMedian <= 2 * plainMedian ? "met" : "MISSED"}`);
console.log(`  backorder-status with its dates (a task after the status)  ${median(completeTimes).toFixed(1)} ms`);

async function layoutShift(placeholder) {
  const context = await browser.newContext();
  const page = await context.newPage();
  if (!placeholder) {
    await page.route("**/store.css", async (route) => {
      const css = (await (await route.fetch()).text()).replace(/\/\* placeholder \*\/[^\n]*\n/, "");
      route.fulfill({ body: css, contentType: "text/css" });
    });
  }
  await page.goto(`${edge.url}/products/mug.html`);
  await page.waitForFunction(() => document.querySelector("backorder-status").shadowRoot?.querySelector("[part=root][data-ready]"));
  const shift = await page.evaluate(
    () =>
      new Promise((resolve) => {
        let sum = 0;
        new PerformanceObserver((list) => list.getEntries().forEach((e) => (sum += e.value))).observe({
          type: "layout-shift",
          buffered: true,
        });
        setTimeout(() => resolve(sum), 500);
      }),
  );
  await context.close();
  return shift;
}
const withPlaceholder = await layoutShift(true);
const without = await layoutShift(false);
console.log(`cumulative layout shift on a product page: ${withPlaceholder.toFixed(4)} with the placeholder CSS, ${without.toFixed(4)} without`);
await browser.close();
await edge.stop();
