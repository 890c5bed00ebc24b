// Takes the README's screenshot: the demo store, served by wrangler dev with a freshly seeded
// catalog, in headless Chromium.   node scripts/screenshot.mjs [out.png]
import { execFileSync } from "node:child_process";
import path from "node:path";
import { root } from "../tests/support/edge.mjs";
import { launchChromium } from "../tests/support/browser.mjs";
import { devToken, startWrangler } from "../tests/support/wrangler.mjs";

const out = process.argv[2] ?? path.join(root, "docs/screenshot.png");
const edge = await startWrangler();
try {
  execFileSync(process.execPath, [path.join(root, "scripts/seed.mjs"), edge.url, devToken()], { stdio: "ignore" });
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1100, height: 860 }, deviceScaleFactor: 1 });
  await page.goto(`${edge.url}/`);
  await page.waitForFunction(() =>
    [...document.querySelectorAll("[data-backorder-sku]")].every((el) => el.shadowRoot?.querySelector("[part=root][data-ready]")),
  );
  // Show the split a shopper sees when asking for more than is in stock.
  await page.evaluate(() => {
    const input = document.querySelector('[data-backorder-sku="DEMO-MUG"]').shadowRoot.querySelector("[part=qty]");
    input.value = "5";
    input.dispatchEvent(new Event("input"));
  });
  await page.waitForFunction(() =>
    document.querySelector('[data-backorder-sku="DEMO-MUG"]').shadowRoot.querySelector("[part=split][data-backorder-ship-date]"),
  );
  await page.screenshot({ path: out });
  await browser.close();
  console.log(`wrote ${out}`);
} finally {
  await edge.stop();
}
