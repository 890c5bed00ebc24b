// The storefront widget end to end: the demo store's pages, served by wrangler dev (the real
// runtime with the built worker and www/), in Debian's headless Chromium.
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

/** Opens a page and collects its console messages and CSP violations. */
async function open(url, setup) {
  const page = await browser.newPage();
  const console = [];
  const violations = [];
  page.on("console", (message) => console.push({ type: message.type(), text: message.text() }));
  page.on("pageerror", (error) => console.push({ type: "pageerror", text: error.message }));
  await page.exposeFunction("reportViolation", (v) => violations.push(v));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => window.reportViolation(`${e.violatedDirective}: ${e.blockedURI}`));
  });
  if (setup) await setup(page);
  await page.goto(`${store.url}${url}`);
  return { page, console, violations };
}

/** Waits until the widget in `host` shows a status, then reads its parts. */
async function widget(page, host = "backorder-status") {
  await page.waitForFunction(
    (selector) => document.querySelector(selector)?.shadowRoot?.querySelector("[part=root][data-ready]"),
    host,
  );
  return page.evaluate((selector) => {
    const shadow = document.querySelector(selector).shadowRoot;
    const text = (part) => shadow.querySelector(`[part=${part}]`).textContent;
    const split = shadow.querySelector("[part=split]");
    return {
      status: text("status"),
      split: text("split"),
      button: text("button"),
      message: text("message"),
      shipDate: split.getAttribute("data-ship-date"),
      backorderShipDate: split.getAttribute("data-backorder-ship-date"),
    };
  }, host);
}

async function setQty(page, qty) {
  await page.evaluate((value) => {
    const input = document.querySelector("backorder-status").shadowRoot.querySelector("[part=qty]");
    input.value = String(value);
    input.dispatchEvent(new Event("input"));
  }, qty);
}

test("each seeded product page shows its status", async () => {
  const cases = [
    ["tee", "In stock", "Add to cart"],
    ["mug", "Only 3 left", "Add to cart"],
    ["phone", "On backorder", "Backorder"],
    ["lamp", "Out of stock", "Sold out"],
    ["camera", "Discontinued", "Sold out"],
    ["console", /^Pre-order: releases /, "Pre-order"],
  ];
  for (const [slug, status, button] of cases) {
    const { page, console } = await open(`/products/${slug}.html`);
    const shown = await widget(page);
    if (status instanceof RegExp) assert.match(shown.status, status, slug);
    else assert.equal(shown.status, status, slug);
    assert.equal(shown.button, button, slug);
    assert.deepEqual(console.filter((m) => m.type === "error" || m.type === "pageerror"), [], slug);
    await page.close();
  }
});

test("the widget's dates equal the edge's own quote for every quantity", async () => {
  for (const [slug, sku] of [["phone", "DEMO-PHONE"], ["mug", "DEMO-MUG"], ["console", "DEMO-CONSOLE"]]) {
    const { page } = await open(`/products/${slug}.html`);
    await widget(page);
    for (const qty of [1, 2, 3, 4, 7, 19, 25]) {
      await setQty(page, qty);
      const shown = await widget(page);
      const edgeQuote = (await (await fetch(`${store.url}/v1/skus/${sku}/availability?qty=${qty}`)).json()).quote;
      assert.ok(edgeQuote, `${sku} ${qty}`);
      assert.equal(shown.shipDate, edgeQuote.ship_date, `${sku} ×${qty} ship_date`);
      assert.equal(shown.backorderShipDate, edgeQuote.backorder_ship_date, `${sku} ×${qty} backorder_ship_date`);
    }
    await page.close();
  }
});

test("a click reserves through the API and fires backorder:reserved", async () => {
  const { page } = await open("/products/mug.html");
  await widget(page);
  const availabilityReads = [];
  page.on("request", (request) => {
    if (request.url().includes("/availability")) availabilityReads.push(request.url());
  });
  await setQty(page, 2);
  const reserved = page.evaluate(
    () =>
      new Promise((resolve) =>
        document.addEventListener("backorder:reserved", (event) => resolve({ detail: event.detail, composed: event.composed }), {
          once: true,
        }),
      ),
  );
  await page.evaluate(() => document.querySelector("backorder-status").shadowRoot.querySelector("[part=button]").click());
  const { detail, composed } = await reserved;
  assert.equal(composed, true);
  assert.equal(detail.sku, "DEMO-MUG");
  assert.equal(detail.qty, 2);
  const stored = await fetch(`${store.url}/v1/reservations/${detail.id}`).then((r) => r.json());
  assert.equal(stored.status, "held");
  assert.equal(stored.qty, 2);
  await page.waitForFunction(() => document.querySelector("#cart [data-cart-units]")?.dataset.cartUnits === "2");
  // The reservation's answer carries the availability after it: the widget renders that.
  await page.waitForFunction(
    () => document.querySelector("backorder-status").shadowRoot.querySelector("[part=status]").textContent === "Only 1 left",
  );
  const shown = await widget(page);
  assert.equal(shown.status, "Only 1 left", "the widget shows the stock after the hold");
  assert.equal(shown.message, "Reserved for you", "the outcome survives the re-render");
  assert.deepEqual(availabilityReads, [], "no second request for availability");
  await page.close();
});

test("a product name carrying markup renders as text", async () => {
  const payload = `Cam</script><img src=x onerror="window.__pwned=1"><b>bold</b>`;
  const renamed = await api("/v1/skus/DEMO-CAMERA", { method: "PUT", body: JSON.stringify({ name: payload }) });
  assert.equal(renamed.status, 200);
  const { page } = await open("/products/camera.html");
  await widget(page);
  const seen = await page.evaluate(() => {
    const host = document.querySelector("backorder-status");
    return {
      pwned: window.__pwned,
      images: host.querySelectorAll("img").length + host.shadowRoot.querySelectorAll("img, b").length,
      label: host.shadowRoot.querySelector("[part=root]").getAttribute("aria-label"),
      jsonName: JSON.parse(host.querySelector("script[type='application/ld+json']").textContent).name,
    };
  });
  assert.deepEqual(seen, { pwned: undefined, images: 0, label: payload, jsonName: payload });
  await page.close();
});

test("the page works under a strict CSP with Trusted Types", async () => {
  const { page, console, violations } = await open("/strict/phone.html");
  const headers = (await page.request.get(`${store.url}/strict/phone.html`)).headers();
  assert.match(headers["content-security-policy"], /require-trusted-types-for 'script'/);
  const shown = await widget(page);
  assert.equal(shown.status, "On backorder");
  const structured = await page.evaluate(
    () => JSON.parse(document.querySelector("backorder-status script[type='application/ld+json']").textContent).offers.availability,
  );
  assert.equal(structured, "https://schema.org/BackOrder");
  assert.deepEqual(violations, []);
  assert.deepEqual(console.filter((m) => m.type === "error" || m.type === "pageerror"), []);
  await page.close();
});

test("with the edge unreachable the page stays intact and warns once", async () => {
  const { page, console } = await open("/index.html", (page) =>
    page.route("**/v1/**", (route) => route.abort("connectionrefused")),
  );
  await page.waitForFunction(() => [...document.querySelectorAll("[data-backorder-sku]")].every((el) => el.hidden));
  const state = await page.evaluate(() => ({
    heading: document.querySelector("h1").textContent,
    cards: document.querySelectorAll(".card").length,
    visibleWidgets: [...document.querySelectorAll("[data-backorder-sku]")].filter((el) => !el.hidden).length,
  }));
  assert.deepEqual(state, { heading: "Shop", cards: 6, visibleWidgets: 0 });
  const warnings = console.filter((m) => m.type === "warning" && m.text.startsWith("backorder-status"));
  assert.equal(warnings.length, 1, JSON.stringify(console));
  assert.deepEqual(console.filter((m) => m.type === "pageerror"), []);
  await page.close();
});

test("keyboard: the quantity and the button are reachable and usable", async () => {
  const { page } = await open("/products/tee.html");
  await widget(page);
  const focusedPart = () =>
    page.evaluate(() => document.querySelector("backorder-status").shadowRoot.activeElement?.getAttribute("part") ?? null);
  for (let presses = 0; presses < 5 && (await focusedPart()) !== "qty"; presses++) {
    await page.keyboard.press("Tab");
  }
  assert.equal(await focusedPart(), "qty");
  await page.keyboard.press("ArrowUp");
  await page.keyboard.press("ArrowUp");
  const shown = await page.evaluate(() => document.querySelector("backorder-status").shadowRoot.querySelector("[part=qty]").value);
  assert.equal(shown, "3");
  await page.keyboard.press("Tab");
  assert.equal(await focusedPart(), "button");
  await page.close();
});

test("the snippet works with async as well as defer, and on [data-backorder-sku]", async () => {
  const html = `<!doctype html><html lang="en-GB"><body><h1>Async</h1>
<backorder-status sku="DEMO-TEE"></backorder-status><div id="plain" data-backorder-sku="DEMO-LAMP"></div>
<script src="/widget.js" async></script></body></html>`;
  const { page, console } = await open("/snippet/async.html", (page) =>
    page.route("**/snippet/async.html", (route) => route.fulfill({ body: html, contentType: "text/html" })),
  );
  assert.equal((await widget(page)).status, "In stock");
  assert.equal((await widget(page, "#plain")).status, "Out of stock");
  assert.deepEqual(console.filter((m) => m.type === "error" || m.type === "pageerror"), []);
  await page.close();
});

test("a widget moved in the page is neither fetched for nor built again", async () => {
  const { page } = await open("/products/tee.html", (page) =>
    page.addInitScript(() => {
      window.availabilityFetches = 0;
      const original = window.fetch;
      window.fetch = function (input, init) {
        if (String(input instanceof Request ? input.url : input).includes("/availability")) window.availabilityFetches++;
        return original.call(this, input, init);
      };
    }),
  );
  await widget(page);
  const seen = await page.evaluate(() => {
    const host = document.querySelector("backorder-status");
    const before = window.availabilityFetches;
    document.body.append(host); // disconnected and connected again: connectedCallback runs
    return {
      before,
      after: window.availabilityFetches,
      roots: host.shadowRoot.querySelectorAll("[part=root]").length,
      structured: host.querySelectorAll("script").length,
    };
  });
  assert.deepEqual(seen, { before: 1, after: 1, roots: 1, structured: 1 });
  await page.close();
});

// A product page with a Dawn-like product form: the theme's own quantity input and "Add to
// cart", and the theme's script that adds to the cart on submit (here it records the form data
// it would post to /cart/add.js).
const themePage = (sku) => `<!doctype html><html lang="en-GB"><body><h1>Theme</h1>
<product-form class="product-form">
  <form method="post" action="/cart/add" id="product-form-template--1__main" class="form" novalidate>
    <input type="hidden" name="id" value="44800000000001">
    <quantity-input class="quantity"><input class="quantity__input" type="number" name="quantity" value="1" min="1"></quantity-input>
    <button type="submit" name="add" class="product-form__submit button">Add to cart</button>
  </form>
</product-form>
<backorder-status sku="${sku}" mode="status" form="product-form-template--1__main"></backorder-status>
<script>
  window.added = [];
  document.getElementById("product-form-template--1__main").addEventListener("submit", (event) => {
    event.preventDefault();
    window.added.push(Object.fromEntries(new FormData(event.target, event.submitter)));
  });
</script>
<script src="/widget.js" defer></script></body></html>`;

async function openTheme(sku) {
  return open(`/theme/${sku}.html`, (page) =>
    page.route(`**/theme/${sku}.html`, (route) => route.fulfill({ body: themePage(sku), contentType: "text/html" })),
  );
}

test("theme mode: one buy button, the theme's; its quantity is followed and its submission carries the reservation", async () => {
  const { page, console } = await openTheme("DEMO-TEE");
  const shown = await widget(page);
  assert.equal(shown.status, "In stock");
  const own = await page.evaluate(() => {
    const row = document.querySelector("backorder-status").shadowRoot.querySelector("[part=row]");
    return row.hidden;
  });
  assert.equal(own, true, "the widget's own quantity and button are hidden");
  await page.fill("input[name=quantity]", "3");
  await page.waitForFunction(() =>
    document.querySelector("backorder-status").shadowRoot.querySelector("[part=split]").textContent.startsWith("Ships by"),
  );
  await page.click("button[name=add]");
  await page.waitForFunction(() => window.added.length === 1);
  const added = await page.evaluate(() => window.added[0]);
  assert.equal(added.quantity, "3");
  assert.equal(added.add, "", "the theme's submit button still submits");
  assert.match(added["properties[_backorder_reservation]"], /^res_[0-9a-f]{24}\.DEMO-TEE$/);
  const held = await fetch(`${store.url}/v1/reservations/${added["properties[_backorder_reservation]"]}`).then((r) => r.json());
  assert.deepEqual([held.status, held.qty], ["held", 3]);
  assert.deepEqual(console.filter((m) => m.type === "error" || m.type === "pageerror"), []);
  await page.close();
});

test("theme mode: a reservation that cannot be made stops the theme's submission and says why", async () => {
  const limited = await api("/v1/skus/THEME-LIMIT", { method: "PUT", body: JSON.stringify({ on_hand: 2, backorders: "deny" }) });
  assert.equal(limited.status, 201);
  const { page: mug } = await openTheme("THEME-LIMIT");
  await widget(mug);
  await mug.fill("input[name=quantity]", "5");
  await mug.click("button[name=add]");
  await mug.waitForFunction(() =>
    document.querySelector("backorder-status").shadowRoot.querySelector("[part=message]").textContent !== "",
  );
  const mugState = await mug.evaluate(() => ({
    added: window.added.length,
    message: document.querySelector("backorder-status").shadowRoot.querySelector("[part=message]").textContent,
  }));
  assert.equal(mugState.added, 0, "over the limit: nothing added");
  assert.equal(mugState.message, "Only 2 can be ordered");
  await mug.close();
  const { page } = await openTheme("DEMO-LAMP");
  const shown = await widget(page);
  assert.equal(shown.status, "Out of stock");
  await page.click("button[name=add]");
  await page.waitForFunction(() =>
    document.querySelector("backorder-status").shadowRoot.querySelector("[part=message]").textContent !== "",
  );
  const state = await page.evaluate(() => ({
    added: window.added.length,
    message: document.querySelector("backorder-status").shadowRoot.querySelector("[part=message]").textContent,
  }));
  assert.deepEqual(state, { added: 0, message: "Sold out" });
  await page.close();
});
