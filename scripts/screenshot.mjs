// Takes the README's screenshots, in headless Chromium against wrangler dev with a freshly
// seeded catalog: the demo store (docs/screenshot.png), and an order's status page after the
// demo checkout, with a delay notice waiting for the customer (docs/order-status.png), and the
// merchant console's catalog and analytics after a short history on the development clock
// (docs/console.png, docs/console-analytics.png).
//   node scripts/screenshot.mjs [store.png] [order.png]
import path from "node:path";
import { root } from "../tests/support/edge.mjs";
import { startDemoStore } from "../tests/support/store.mjs";
import { devToken } from "../tests/support/wrangler.mjs";

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

  // A month of a kettle on the development clock: orders on backorder, a supplier who delivers
  // part early and part late, for the analytics to show.
  const day = (n) => new Date(Date.now() + (n - 35) * 86_400_000).toISOString();
  const merchant = (url, method, body, now) =>
    store.api(url, { method, body: JSON.stringify(body), headers: { "x-backorder-now": now, "idempotency-key": `${url}-${now}` } });
  await merchant("/v1/skus/DEMO-KETTLE", "PUT", { name: "Gooseneck kettle", on_hand: 0, lead_time_days: 12, handling_days: 0, ship_weekdays: [1, 2, 3, 4, 5, 6, 7] }, day(0));
  await merchant("/v1/skus/DEMO-KETTLE/purchase-orders/PO-K1", "PUT", { qty: 6, expected_date: day(8).slice(0, 10) }, day(0));
  for (let i = 1; i <= 9; i++) {
    await merchant("/v1/orders", "POST", { order_id: `K-${1000 + i}`, lines: [{ sku: "DEMO-KETTLE", qty: 1 }] }, day(i));
  }
  await merchant("/v1/skus/DEMO-KETTLE/receipts", "POST", { qty: 4, po_id: "PO-K1" }, day(7));
  await merchant("/v1/skus/DEMO-KETTLE/purchase-orders/PO-K1", "PUT", { qty: 2, expected_date: day(15).slice(0, 10) }, day(9));
  await merchant("/v1/skus/DEMO-KETTLE/receipts", "POST", { qty: 2, po_id: "PO-K1" }, day(16));
  await merchant("/v1/skus/DEMO-KETTLE/receipts", "POST", { qty: 2 }, day(20));

  const consolePage = await store.browser.newPage({ viewport: { width: 1100, height: 760 }, deviceScaleFactor: 1 });
  await consolePage.goto(`${store.url}/console/`);
  await consolePage.getByLabel("Merchant token").fill(devToken());
  await consolePage.getByRole("button", { name: "Sign in" }).click();
  await consolePage.getByRole("link", { name: "DEMO-PHONE" }).waitFor();
  await consolePage.screenshot({ path: path.join(root, "docs/console.png") });
  console.log("wrote docs/console.png");
  await consolePage.evaluate(() => (location.hash = "#/analytics"));
  await consolePage.locator(".chart canvas").first().waitFor();
  await consolePage.setViewportSize({ width: 1100, height: 1000 });
  await consolePage.screenshot({ path: path.join(root, "docs/console-analytics.png") });
  console.log("wrote docs/console-analytics.png");
} finally {
  await store.stop();
}
