// Takes the README's screenshots, in headless Chromium against wrangler dev with a freshly
// seeded catalog: the demo store (docs/screenshot.png), and an order's status page after the
// demo checkout, with a delay notice waiting for the customer (docs/order-status.png).
//   node scripts/screenshot.mjs [store.png] [order.png]
import path from "node:path";
import { root } from "../tests/support/edge.mjs";
import { startDemoStore } from "../tests/support/store.mjs";

const out = process.argv[2] ?? path.join(root, "docs/screenshot.png");
const orderOut = process.argv[3] ?? path.join(root, "docs/order-status.png");
const inDays = (days) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
const store = await startDemoStore();
try {
  const page = await store.browser.newPage({ viewport: { width: 1100, height: 860 }, deviceScaleFactor: 1 });
  await page.goto(`${store.url}/`);
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
  console.log(`wrote ${out}`);

  // The demo checkout of a cart (a tee from stock, a phone on backorder), then a slipped
  // purchase order: the phone's line gets a delay notice.
  const json = { "content-type": "application/json" };
  const reserve = async (sku, qty) => {
    const body = JSON.stringify({ sku, qty });
    const headers = { ...json, "idempotency-key": `${sku}-${Date.now()}` };
    return (await fetch(`${store.url}/v1/reservations`, { method: "POST", headers, body })).json();
  };
  const lines = [];
  for (const [sku, qty] of [["DEMO-TEE", 2], ["DEMO-PHONE", 1]]) {
    const held = await reserve(sku, qty);
    lines.push({ sku, qty, reservation_id: held.id });
  }
  const checkout = await fetch(`${store.url}/v1/demo/checkout`, {
    method: "POST",
    headers: { ...json, "idempotency-key": `screenshot-${Date.now()}` },
    body: JSON.stringify({ lines }),
  });
  const order = await checkout.json();
  if (checkout.status !== 201) throw new Error(`checkout: ${checkout.status} ${JSON.stringify(order)}`);
  const po = JSON.stringify({ qty: 20, expected_date: inDays(60) });
  await store.api("/v1/skus/DEMO-PHONE/purchase-orders/PO-1001", { method: "PUT", body: po });
  await page.setViewportSize({ width: 900, height: 760 });
  await page.goto(order.status_url);
  await page.waitForFunction(() => document.querySelector("backorder-order")?.shadowRoot?.querySelector("[part=root][data-ready] [part=line]"));
  await page.screenshot({ path: orderOut });
  console.log(`wrote ${orderOut}`);
} finally {
  await store.stop();
}
