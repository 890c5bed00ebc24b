// The demo store's journey end to end, in Debian's headless Chromium against wrangler dev (the
// built worker and www/, on the runtime's clock): product pages → cart → checkout through the
// demo backend → the order's status page, whose <backorder-order> element then takes the
// customer's answer to a delay notice.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startDemoStore } from "./support/store.mjs";

let store;
let browser;
let api;

before(async () => {
  store = await startDemoStore();
  ({ browser, api } = store);
});
after(() => store?.stop());

const inDays = (days) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

/** Waits for the product widget to render with its dates. */
const ready = (page) =>
  page.waitForFunction(() => document.querySelector("backorder-status")?.shadowRoot?.querySelector("[part=root][data-ready]"));

/** Sets the product widget's quantity (and its ship-together box), then reserves. */
async function reserve(page, qty, together = false) {
  await ready(page);
  const shown = await page.evaluate(
    ({ qty, together }) => {
      const shadow = document.querySelector("backorder-status").shadowRoot;
      const input = shadow.querySelector("[part=qty]");
      input.value = String(qty);
      input.dispatchEvent(new Event("input"));
      const offered = !shadow.querySelector("[part=together]").hidden;
      if (together) {
        const box = shadow.querySelector("[part=together-box]");
        box.checked = true;
        box.dispatchEvent(new Event("change"));
      }
      return { offered, split: shadow.querySelector("[part=split]").textContent };
    },
    { qty, together },
  );
  const units = await page.evaluate(() => Number(document.querySelector("[data-cart-units]")?.dataset.cartUnits ?? 0));
  await page.evaluate(() => document.querySelector("backorder-status").shadowRoot.querySelector("[part=button]").click());
  await page.waitForFunction((before) => Number(document.querySelector("[data-cart-units]")?.dataset.cartUnits ?? 0) > before, units);
  return shown;
}

/** The status page's element once rendered: each line's title, facts and answer buttons. */
async function orderStatus(page) {
  await page.waitForFunction(() => document.querySelector("backorder-order")?.shadowRoot?.querySelector("[part=root][data-ready]"));
  return page.evaluate(() => {
    const shadow = document.querySelector("backorder-order").shadowRoot;
    const texts = (scope, selector) => [...scope.querySelectorAll(selector)].map((el) => el.textContent);
    return {
      heading: shadow.querySelector("[part=heading]")?.textContent,
      summary: shadow.querySelector("[part=summary]")?.textContent ?? "",
      message: shadow.querySelector("[part=message]").textContent,
      lines: [...shadow.querySelectorAll("[part=line]")].map((line) => ({
        sku: line.dataset.sku,
        title: line.querySelector("[part=title]").textContent,
        facts: texts(line, "[part=fact]"),
        delay: texts(line, "[part=delay-text]"),
        buttons: texts(line, "button[data-decision]"),
      })),
    };
  });
}

test("product page → cart → checkout → the order's status page, and a delay answered there", async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("console", (message) => message.type() === "error" && errors.push(message.text()));

  // A split quantity of mugs, shipped together; a tee; a phone on backorder from its purchase order.
  const mugFree = (await (await fetch(`${store.url}/v1/skus/DEMO-MUG/availability`)).json()).available_now;
  assert.ok(mugFree > 0, "the seeded mugs are on the shelf");
  await page.goto(`${store.url}/products/mug.html`);
  const mug = await reserve(page, mugFree + 2, true);
  assert.equal(mug.offered, true, "a split quantity may ship together");
  assert.match(mug.split, new RegExp(`^All ${mugFree + 2} ship together by `));
  await page.goto(`${store.url}/products/tee.html`);
  const tee = await reserve(page, 1);
  assert.equal(tee.offered, false, "nothing to wait for");
  await page.goto(`${store.url}/products/phone.html`);
  await reserve(page, 1);

  // The cart page lists the three reservations and checks them out.
  await page.click("#cart a");
  await page.waitForURL(/\/cart$/);
  const cart = await page.evaluate(() => [...document.querySelectorAll("#lines li")].map((li) => li.dataset.sku));
  assert.deepEqual(cart, ["DEMO-MUG", "DEMO-TEE", "DEMO-PHONE"]);
  const held = await page.evaluate(() => JSON.parse(sessionStorage.getItem("demo-cart")).map((line) => line.reservation_id));
  await page.click("#checkout");
  // The order's status page, or the cart's reason why not.
  await page.waitForFunction(() => {
    const message = document.getElementById("checkout-message");
    return location.pathname === "/order/" || (message && !message.textContent.startsWith("Placing"));
  });
  const refused = await page.evaluate(() => document.getElementById("checkout-message")?.textContent ?? "");
  assert.equal(refused, "", "the checkout succeeded");
  await page.waitForURL(/\/order\/#order=DEMO-[0-9a-f]{12}&token=[0-9a-f]{32}$/);
  const fragment = new URLSearchParams(new URL(page.url()).hash.slice(1));
  const orderId = fragment.get("order");

  const placed = await orderStatus(page);
  assert.equal(placed.heading, `Order ${orderId}`);
  assert.deepEqual(
    placed.lines.map((line) => [line.sku, line.title]),
    [
      ["DEMO-MUG", `${mugFree + 2} × Stoneware mug`],
      ["DEMO-TEE", "1 × Organic cotton tee"],
      ["DEMO-PHONE", "1 × Pocket phone"],
    ],
  );
  assert.deepEqual(placed.lines[1].facts, ["1 from stock"]);
  assert.match(placed.lines[2].facts[0], /^1 on backorder, expected to ship by /);
  assert.equal(placed.lines[2].facts[1], "Number 2 in line", "behind the seeded order still waiting for a phone");
  assert.equal(placed.summary, "");

  // The merchant's view: the reservations became the lines, with the choice to ship together.
  const merchant = await api(`/v1/orders/${orderId}`);
  assert.equal(merchant.status, 200);
  const mugLine = merchant.json.lines.find((line) => line.sku === "DEMO-MUG");
  assert.deepEqual([mugLine.ship, mugLine.now, mugLine.backorder], ["complete", mugFree, 2]);
  assert.equal(mugLine.ship_date, mugLine.backorder_ship_date, "everything ships on the later date");
  assert.deepEqual(merchant.json.lines.map((line) => line.reservation_id), held, "the cart's reservations became the lines");
  const cartAfter = await page.evaluate(() => document.getElementById("cart").textContent);
  assert.equal(cartAfter, "Cart is empty", "the cart was checked out");

  // The phones' purchase order slips by seven weeks: a delay notice, answered on this page.
  const slipped = await api("/v1/skus/DEMO-PHONE/purchase-orders/PO-1001", {
    method: "PUT",
    body: JSON.stringify({ qty: 20, expected_date: inDays(60) }),
  });
  assert.equal(slipped.status, 200, JSON.stringify(slipped.json));
  await page.reload();
  const noticed = await orderStatus(page);
  const phone = noticed.lines.find((line) => line.sku === "DEMO-PHONE");
  assert.equal(noticed.summary, "An item in this order is delayed: please tell us what you would like.");
  assert.match(phone.delay[0], /^We promised to ship by .+\. The new date is .+\.$/);
  assert.match(phone.delay[1], /^Please choose by /);
  assert.deepEqual(phone.buttons, ["Keep my order", "Cancel and refund"]);
  const answered = page.evaluate(
    () => new Promise((resolve) => document.addEventListener("backorder:delay-answered", (e) => resolve(e.detail), { once: true })),
  );
  await page.evaluate(() =>
    document.querySelector("backorder-order").shadowRoot.querySelector("[data-sku=DEMO-PHONE] button[data-decision=accept]").click(),
  );
  const detail = await answered;
  assert.equal(detail.lines.find((line) => line.sku === "DEMO-PHONE").delay.decision, "accepted");
  const kept = await orderStatus(page);
  const keptPhone = kept.lines.find((line) => line.sku === "DEMO-PHONE");
  assert.match(keptPhone.delay[0], /^You agreed to the new date, .+\.$/);
  assert.deepEqual([keptPhone.buttons, kept.summary], [[], ""]);
  const events = (await api("/v1/events?limit=500")).json.events.filter((e) => e.order_id === orderId);
  assert.ok(events.some((e) => e.type === "delay_accepted" && e.by === "customer"), JSON.stringify(events));
  assert.deepEqual(errors, []);
  await page.close();
});

test("the status page with a wrong token says the order is not found; the checkout needs the dev flag's JSON", async () => {
  const page = await browser.newPage();
  await page.goto(`${store.url}/order/#order=DEMO-1001&token=${"0".repeat(32)}`);
  const shown = await orderStatus(page);
  assert.deepEqual([shown.lines, shown.message], [[], "We could not find this order. Please check the link you were sent."]);
  await page.close();
  const form = await fetch(`${store.url}/v1/demo/checkout`, {
    method: "POST",
    headers: { "content-type": "text/plain", "idempotency-key": "k" },
    body: JSON.stringify({ lines: [{ sku: "DEMO-TEE", qty: 1 }] }),
  });
  assert.equal(form.status, 415, "a cross-origin form cannot post to the demo backend");
  const preflight = await fetch(`${store.url}/v1/demo/checkout`, { method: "OPTIONS", headers: { origin: "https://elsewhere.test" } });
  assert.equal(preflight.status, 403);
});
