// The merchant console in Debian's headless Chromium against wrangler dev (the built worker and
// www/ as `npm run dev` serves them): sign-in, every view's flow checked through the API, the
// live feed, webhook endpoints against a local receiver, the analytics of a scripted history
// on the development clock, axe-core on every view, and 360 px wide.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { root } from "./support/edge.mjs";
import { startDemoStore } from "./support/store.mjs";
import { devToken } from "./support/wrangler.mjs";

const AXE = readFileSync(path.join(root, "node_modules/axe-core/axe.min.js"), "utf8");
const DAY = 86_400_000;

let store;
let api;
let receiver;
const received = [];

before(async () => {
  store = await startDemoStore();
  api = store.api;
  receiver = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      received.push({ headers: req.headers, body });
      res.writeHead(200).end("ok");
    });
  });
  await new Promise((resolve) => receiver.listen(0, "127.0.0.1", resolve));
});
after(async () => {
  receiver?.close();
  await store?.stop();
});

const put = (url, body, now) => api(url, { method: "PUT", body: JSON.stringify(body), headers: now ? { "x-backorder-now": now } : {} });
const post = (url, body, now, headers = {}) =>
  api(url, { method: "POST", body: JSON.stringify(body ?? {}), headers: { ...(now ? { "x-backorder-now": now } : {}), ...headers } });
const get = (url) => api(url);
const order = (order_id, lines, now) => post("/v1/orders", { order_id, lines }, now);
const unique = (prefix) => `${prefix}-${Math.random().toString(36).slice(2, 8).toUpperCase()}`;

/** A signed-in console page at `hash`, CSP enforced; collects console errors. */
async function consolePage(hash = "#/catalog", { width = 1200 } = {}) {
  const context = await store.browser.newContext({ viewport: { width, height: 900 } });
  const page = await context.newPage();
  page.errors = [];
  page.on("console", (message) => message.type() === "error" && page.errors.push(message.text()));
  page.on("pageerror", (error) => page.errors.push(error.message));
  await page.goto(`${store.url}/console/`);
  await page.getByLabel("Merchant token").fill(devToken());
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("navigation", { name: "Console" }).waitFor();
  if (hash !== "#/catalog") await page.evaluate((h) => (location.hash = h), hash);
  return page;
}

/** axe-core's serious and critical violations on the page as it is. */
async function axeViolations(page) {
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => (await window.axe.run(document)).violations);
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

describe("sign-in", () => {
  test("a wrong token is refused and says so; the right one opens the catalog and stays out of URLs and cookies", async () => {
    const context = await store.browser.newContext();
    const page = await context.newPage();
    await page.goto(`${store.url}/console/`);
    await page.getByLabel("Merchant token").fill("not-the-token");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText("That token is wrong: the edge refused it.").waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.length), 0);
    await page.getByLabel("Merchant token").fill(devToken());
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("link", { name: "DEMO-TEE" }).waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem("backorder-console-token")), devToken());
    assert.ok(!page.url().includes(devToken()));
    assert.deepEqual(await context.cookies(), []);
    // A reload keeps the session (the tab's sessionStorage); signing out forgets it.
    await page.reload();
    await page.getByRole("link", { name: "DEMO-TEE" }).waitFor();
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("Merchant token").waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.length), 0);
    await context.close();
  });
});

describe("flows change the ledger as the API says", () => {
  test("the catalog highlights low stock and slipped promises", async () => {
    const sku = unique("SLIP");
    await put(`/v1/skus/${sku}`, { name: "Slipping kettle", on_hand: 0 });
    await put(`/v1/skus/${sku}/purchase-orders/PO-1`, { qty: 1, expected_date: new Date(Date.now() + 5 * DAY).toISOString().slice(0, 10) });
    assert.equal((await order(unique("O"), [{ sku, qty: 1 }])).status, 201);
    await put(`/v1/skus/${sku}/purchase-orders/PO-1`, { qty: 1, expected_date: new Date(Date.now() + 20 * DAY).toISOString().slice(0, 10) });
    const page = await consolePage();
    await page.getByLabel("Search SKU or name").fill(sku);
    const row = page.getByRole("row").filter({ hasText: sku });
    await row.getByText("1 slipped").waitFor();
    assert.equal(await row.getAttribute("class"), "slipped");
    await page.getByLabel("Search SKU or name").fill("DEMO-MUG");
    await page.getByRole("row").filter({ hasText: "DEMO-MUG" }).getByText("Low stock", { exact: true }).waitFor();
    await page.context().close();
  });

  test("the product editor saves every policy field, and shows the API's error beside its field", async () => {
    const sku = unique("EDIT");
    await put(`/v1/skus/${sku}`, { name: "Editable", on_hand: 2 });
    const page = await consolePage(`#/products/${sku}`);
    await page.getByLabel("Lead time, days (empty: date unknown)").fill("21");
    await page.getByLabel("Holidays (YYYY-MM-DD, comma separated)").fill("2026-12-25, 2027-01-01");
    await page.getByRole("checkbox", { name: "Sat" }).check();
    await page.getByLabel("Backorder limit (empty: no limit)").fill("5");
    await page.getByLabel("Delay consent").selectOption("off");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText("Saved.").waitFor();
    const saved = (await get(`/v1/skus/${sku}`)).json;
    assert.deepEqual(
      [saved.lead_time_days, saved.holidays, saved.ship_weekdays, saved.backorder_limit, saved.delay_consent],
      [21, ["2026-12-25", "2027-01-01"], [1, 2, 3, 4, 5, 6], 5, "off"],
    );
    // An invalid value: the API's message, beside the field, and nothing changes.
    await page.getByLabel("Handling days").fill("400");
    await page.getByRole("button", { name: "Save" }).click();
    const field = page.getByLabel("Handling days");
    await page.waitForFunction(() => document.querySelector("input[name=handling_days]").getAttribute("aria-invalid") === "true");
    const message = await page.locator("#error-handling_days").textContent();
    assert.match(message, /handling_days/);
    assert.equal(await field.getAttribute("aria-describedby"), "error-handling_days");
    assert.equal((await get(`/v1/skus/${sku}`)).json.handling_days, 1);
    assert.deepEqual(page.errors.filter((e) => !e.includes("400")), []);
    await page.context().close();
  });

  test("receiving against a purchase order fills the oldest backorder and shrinks the order", async () => {
    const sku = unique("RECV");
    await put(`/v1/skus/${sku}`, { name: "Receivable", on_hand: 0 });
    await put(`/v1/skus/${sku}/purchase-orders/PO-9`, { qty: 5, expected_date: "2027-01-15" });
    const orderId = unique("R");
    await order(orderId, [{ sku, qty: 2 }]);
    const page = await consolePage(`#/receive/${sku}`);
    await page.getByLabel("Units received").fill("3");
    await page.getByLabel("Against purchase order").selectOption("PO-9");
    await page.getByRole("button", { name: "Receive" }).click();
    await page.getByText("Received. On hand is now 1.").waitFor();
    await page.getByRole("status").getByText(`2 to order ${orderId}`).waitFor();
    const product = (await get(`/v1/skus/${sku}`)).json;
    assert.deepEqual([product.on_hand, product.purchase_orders, product.queue], [1, [{ po_id: "PO-9", qty: 2, expected_date: "2027-01-15" }], []]);
    await page.context().close();
  });

  test("purchase orders are created, changed and cancelled, each showing the waiting lines it covers", async () => {
    const sku = unique("PO");
    await put(`/v1/skus/${sku}`, { name: "Inbound", on_hand: 0 });
    const first = unique("W");
    await order(first, [{ sku, qty: 2 }]);
    const page = await consolePage(`#/purchase-orders/${sku}`);
    await page.getByLabel("Id").fill("PO-A");
    await page.getByLabel("Units", { exact: true }).first().fill("4");
    await page.getByLabel("Expected date").fill("2027-02-01");
    await page.getByRole("button", { name: "Create" }).click();
    const row = page.getByRole("row").filter({ hasText: "PO-A" });
    await row.getByRole("link", { name: first }).waitFor();
    assert.deepEqual((await get(`/v1/skus/${sku}`)).json.purchase_orders, [{ po_id: "PO-A", qty: 4, expected_date: "2027-02-01" }]);
    const change = page.getByRole("form", { name: "Change PO-A" });
    await change.getByLabel("Units").fill("6");
    await change.getByLabel("Expected").fill("2027-02-10");
    await change.getByRole("button", { name: "Change" }).click();
    await page.getByRole("cell", { name: "2027-02-10" }).waitFor();
    assert.deepEqual((await get(`/v1/skus/${sku}`)).json.purchase_orders, [{ po_id: "PO-A", qty: 6, expected_date: "2027-02-10" }]);
    const queued = (await get(`/v1/skus/${sku}/backorders`)).json.lines;
    assert.deepEqual(queued.map((l) => [l.order_id, l.projected_ship_date, l.purchase_order_id]), [[first, "2027-02-11", "PO-A"]]);
    await page.getByRole("button", { name: "Cancel" }).click();
    await page.getByText("No purchase order is open.").waitFor();
    assert.deepEqual((await get(`/v1/skus/${sku}`)).json.purchase_orders, []);
    await page.context().close();
  });

  test("the backorder queue marks slipped lines and cancels a line's waiting units", async () => {
    const sku = unique("QUEUE");
    await put(`/v1/skus/${sku}`, { name: "Queued", on_hand: 1 });
    const orderId = unique("Q");
    await order(orderId, [{ sku, qty: 3 }]);
    const page = await consolePage(`#/backorders/${sku}`);
    const row = page.getByRole("row").filter({ hasText: orderId });
    await row.getByRole("button", { name: "Cancel waiting units" }).click();
    await row.getByRole("button", { name: `Confirm: cancel 2 units of ${orderId}` }).click();
    await page.getByText(`Cancelled 2 waiting units of ${orderId}; 2 to refund.`).waitFor();
    await page.getByText("Nothing is waiting.").waitFor();
    const line = (await get(`/v1/orders/${orderId}`)).json.lines[0];
    assert.deepEqual([line.cancelled, line.outstanding, line.now], [2, 0, 1]);
    await page.context().close();
  });

  test("an order is found by id, shows its lines, gets a new status link and is cancelled line by line", async () => {
    const [a, b] = [unique("OA"), unique("OB")];
    await put(`/v1/skus/${a}`, { name: "Line A", on_hand: 5 });
    await put(`/v1/skus/${b}`, { name: "Line B", on_hand: 0 });
    const orderId = unique("ORD");
    await order(orderId, [{ sku: a, qty: 1 }, { sku: b, qty: 2 }]);
    const page = await consolePage("#/orders");
    await page.getByLabel("Order id").fill(orderId);
    await page.getByRole("button", { name: "Find" }).click();
    await page.getByRole("heading", { name: `Order ${orderId}` }).waitFor();
    assert.equal(await page.getByRole("row").filter({ hasText: b }).getByRole("cell").nth(5).textContent(), "backordered");
    await page.getByRole("button", { name: "New status link" }).click();
    const shown = await page.getByText("New status page for the customer").textContent();
    const token = shown.match(/token=([0-9a-f]{32})/)[1];
    assert.equal((await fetch(`${store.url}/v1/orders/${orderId}/status?token=${token}`)).status, 200);
    const row = page.getByRole("row").filter({ hasText: b });
    await row.getByRole("button", { name: "Cancel line" }).click();
    await row.getByRole("button", { name: `Confirm: cancel ${b}` }).click();
    await page.getByText(`Cancelled ${b}: 2 to refund, 0 back in stock.`).waitFor();
    const lines = (await get(`/v1/orders/${orderId}`)).json.lines;
    assert.deepEqual(lines.map((l) => [l.sku, l.status]), [[a, "ready"], [b, "cancelled"]]);
    await page.context().close();
  });

  test("the event feed shows a new event without a reload, and filters by type and SKU", async () => {
    const sku = unique("FEED");
    await put(`/v1/skus/${sku}`, { name: "Followed", on_hand: 0, low_stock_threshold: 2 });
    const page = await consolePage("#/events");
    await page.getByText(/Following the feed \(cursor [1-9]/).waitFor();
    const orderId = unique("F");
    await order(orderId, [{ sku, qty: 1 }]);
    await page.getByRole("row").filter({ hasText: "backorder_created" }).filter({ hasText: orderId }).waitFor();
    await page.getByLabel("SKU").fill(sku);
    await page.getByLabel("Type").selectOption("backorder_created");
    await page.waitForFunction(() => document.querySelectorAll("tbody tr").length === 1);
    assert.match(await page.locator("tbody tr").textContent(), new RegExp(orderId));
    await page.context().close();
  });

  test("webhook endpoints: the secret once, a ping to a local receiver in the delivery log, disabling", async () => {
    const url = `http://127.0.0.1:${receiver.address().port}/hooks`;
    const page = await consolePage("#/webhooks");
    await page.getByLabel("URL (https://)").fill(url);
    await page.getByLabel("Description").fill("console test");
    await page.getByRole("checkbox", { name: "low_stock" }).check();
    await page.getByRole("button", { name: "Add endpoint" }).click();
    const secret = await page.locator(".secret").textContent();
    assert.match(secret, /^whsec_[0-9a-f]{48}$/);
    const listed = (await get("/v1/webhook-endpoints")).json.endpoints.find((e) => e.url === url);
    assert.deepEqual([listed.events, listed.description, "secret" in listed], [["low_stock"], "console test", false]);
    await page.getByRole("button", { name: "I have kept it" }).click();
    assert.equal(await page.locator(".secret").count(), 0);
    const row = page.getByRole("row").filter({ hasText: url });
    await row.getByRole("button", { name: "Deliveries" }).click();
    await row.getByRole("button", { name: "Send a ping" }).click();
    await page.getByText(/^Ping to we_[0-9a-f]+: 200 in \d+ ms \(succeeded\)\.$/).waitFor();
    await page.getByRole("region", { name: "Delivery log" }).getByRole("cell", { name: "ping", exact: true }).waitFor();
    assert.equal(await page.getByRole("region", { name: "Delivery log" }).getByRole("cell", { name: "200" }).count(), 1);
    assert.ok(received.some((r) => JSON.parse(r.body).type === "ping" && r.headers["backorder-signature"]));
    await row.getByRole("button", { name: "Disable" }).click();
    await row.getByText("disabled (merchant)").waitFor();
    assert.equal((await get(`/v1/webhook-endpoints/${listed.id}`)).json.enabled, false);
    await page.context().close();
  });
});

describe("analytics", () => {
  const today = new Date().toISOString().slice(0, 10);
  const base = Date.parse(`${today}T10:00:00Z`) - 40 * DAY;
  /** Day `n` of the script, at 10:00 UTC, and its date. */
  const at = (n) => new Date(base + n * DAY).toISOString();
  const day = (n) => at(n).slice(0, 10);
  let skus;
  let report;

  before(async () => {
    const [one, two, three] = [unique("AN1"), unique("AN2"), unique("AN3")];
    skus = [one, two, three];
    // Every day a ship day, no handling: a line ships the day its last unit arrives.
    const calendar = { handling_days: 0, ship_weekdays: [1, 2, 3, 4, 5, 6, 7] };
    await put(`/v1/skus/${one}`, { name: "Analytics one", on_hand: 0, lead_time_days: 10, ...calendar }, at(0));
    await put(`/v1/skus/${two}`, { name: "Analytics two", on_hand: 1, lead_time_days: 10, ...calendar }, at(0));
    await put(`/v1/skus/${three}`, { name: "Analytics three", on_hand: 0, lead_time_days: null, ...calendar }, at(0));
    await put(`/v1/skus/${one}/purchase-orders/P1`, { qty: 3, expected_date: day(5) }, at(0));
    await put(`/v1/skus/${one}/purchase-orders/P2`, { qty: 2, expected_date: day(8) }, at(0));
    const ids = Object.fromEntries(["O1", "O2", "O3", "O4", "O5", "O6"].map((id) => [id, unique(id)]));
    const placed = [
      await order(ids.O1, [{ sku: one, qty: 2 }], at(0)), // P1: promised day 5
      await order(ids.O2, [{ sku: one, qty: 1 }], at(0)), // P1: promised day 5
      await order(ids.O3, [{ sku: one, qty: 2 }], at(0)), // P2: promised day 8
      await order(ids.O4, [{ sku: one, qty: 1 }], at(1)), // beyond supply: day 1 + 10
      await order(ids.O6, [{ sku: two, qty: 3 }], at(2)), // 1 now, 2 beyond supply: day 12
      await order(ids.O5, [{ sku: three, qty: 2 }], at(3)), // lead time unknown: the 30 days of 16 CFR 435
    ];
    assert.deepEqual(placed.map((p) => p.status), [201, 201, 201, 201, 201, 201]);
    assert.deepEqual(placed.map((p) => p.json.lines[0].promised_ship_date), [day(5), day(5), day(8), day(11), day(12), day(33)]);
    // Day 2: the merchant cancels O4's waiting unit.
    assert.equal((await post(`/v1/orders/${ids.O4}/cancel`, { sku: one, scope: "backorder" }, at(2))).status, 200);
    // Day 4: P1 arrives early; O1 and O2 ship a day before their date.
    assert.equal((await post(`/v1/skus/${one}/receipts`, { qty: 3, po_id: "P1" }, at(4), { "idempotency-key": unique("k") })).status, 200);
    // Day 6: P2 slips from day 8 to 12: O3 gets a delay notice; a definite date within 30
    // days, so silence is consent once the notice's deadline (the end of day 8) has passed.
    await put(`/v1/skus/${one}/purchase-orders/P2`, { qty: 2, expected_date: day(12) }, at(6));
    // Day 9: two units for O6, three days early. Day 12: O3's silence is taken as consent to
    // day 12, then P2 arrives: O3 ships on the date in force, 4 days after its first quote.
    assert.equal((await post(`/v1/skus/${two}/receipts`, { qty: 2 }, at(9), { "idempotency-key": unique("k") })).status, 200);
    assert.equal((await post(`/v1/skus/${one}/receipts`, { qty: 2, po_id: "P2" }, at(12), { "idempotency-key": unique("k") })).status, 200);
    // The feed has each SKU's events in order: once the last of each is there, all are.
    const deadline = Date.now() + 10_000;
    for (;;) {
      const page = await get(`/v1/analytics?from=${day(0)}&to=${day(30)}&sku=${one}`);
      if (page.json.promises.shipped_lines === 3 || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // The window ends before today, when the other tests' orders ship.
    report = (sku) => get(`/v1/analytics?from=${day(0)}&to=${day(30)}${sku ? `&sku=${sku}` : ""}`);
  });

  test("the endpoint's figures equal those worked out by hand from the script", async () => {
    const figures = async (sku) => (await report(sku)).json;
    const one = await figures(skus[0]);
    // Against the first quotes: O1 −1, O2 −1, O3 +4; O3 kept the date its customer consented to.
    assert.deepEqual(one.promises, {
      shipped_lines: 3, with_promise: 3, kept: 3, late: 0, kept_percent: 100, kept_as_first_quoted: 2, kept_as_first_quoted_percent: 66.7,
    });
    assert.deepEqual(one.cancellations.by_reason.find((r) => r.reason === "merchant"), { reason: "merchant", lines: 1, units: 1 });
    assert.deepEqual(one.delay_notices, { first: 1, renewed: 0 });
    const all = await figures();
    const [two, three] = [await figures(skus[1]), await figures(skus[2])];
    assert.deepEqual(two.promises, {
      shipped_lines: 1, with_promise: 1, kept: 1, late: 0, kept_percent: 100, kept_as_first_quoted: 1, kept_as_first_quoted_percent: 100,
    });
    assert.deepEqual(two.eta_error_days.histogram, [{ days: -3, lines: 1 }]);
    // O5 waits, ordered on day 3: 37 days old today.
    assert.deepEqual(three.open, {
      lines: 1, units: 2, oldest_days: 37,
      age_days: [
        { label: "0–7", min_days: 0, max_days: 7, lines: 0, units: 0 },
        { label: "8–14", min_days: 8, max_days: 14, lines: 0, units: 0 },
        { label: "15–30", min_days: 15, max_days: 30, lines: 0, units: 0 },
        { label: "31–60", min_days: 31, max_days: 60, lines: 1, units: 2 },
        { label: "over 60", min_days: 61, max_days: null, lines: 0, units: 0 },
      ],
    });
    assert.equal(three.promises.shipped_lines, 0);
    // Across the store, the script's lines are all that shipped in the window:
    // errors −3, −1, −1, +4 → |errors| 1 1 3 4: p50 1, p90 4.
    assert.deepEqual(
      [all.promises.shipped_lines, all.promises.kept, all.promises.late, all.promises.kept_as_first_quoted_percent],
      [4, 4, 0, 75],
    );
    assert.deepEqual(
      [all.eta_error_days.p50, all.eta_error_days.p90, all.eta_error_days.max, all.eta_error_days.early, all.eta_error_days.late],
      [1, 4, 4, 3, 1],
    );
    const shippedOn = (d) => all.daily.find((entry) => entry.date === d);
    assert.deepEqual([shippedOn(day(4)), shippedOn(day(12))], [
      { date: day(4), shipped: 2, kept: 2, late: 0 },
      { date: day(12), shipped: 1, kept: 1, late: 0 },
    ]);
    assert.equal((await get("/v1/analytics?from=2026-01-02&to=2026-01-01")).status, 400);
  });

  test("the console shows the same numbers, with charts", async () => {
    const page = await consolePage("#/analytics");
    await page.getByLabel("From", { exact: true }).fill(day(0));
    await page.getByLabel("To", { exact: true }).fill(day(30));
    await page.getByLabel("SKU (empty: all)").fill(skus[0]);
    await page.getByRole("button", { name: "Show" }).click();
    await page.getByRole("heading", { name: `Promises, ${day(0)} to ${day(30)} (${skus[0]})` }).waitFor();
    const card = (id) => page.locator(`[data-figure=${id}] .value`).textContent();
    const expected = (await report(skus[0])).json;
    assert.deepEqual(
      [await card("kept_percent"), await card("kept_as_first_quoted_percent"), await card("shipped_lines"), await card("late"), await card("p50"), await card("p90"), await card("max"), await card("first_notices"), await card("cancelled_lines")],
      [`${expected.promises.kept_percent}%`, "66.7%", "3", "0", "1", "4", "4", "1", "1"],
    );
    assert.equal(await page.locator(".chart canvas").count(), 2, "two uPlot charts drawn");
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });
});

describe("accessible and narrow", () => {
  const views = ["catalog", "products/DEMO-PHONE", "receive/DEMO-PHONE", "purchase-orders/DEMO-PHONE", "backorders/DEMO-PHONE", "orders/DEMO-1002", "events", "webhooks", "analytics"];
  test("axe-core finds no serious or critical violation on any view, and nothing overflows 360 px", async () => {
    const page = await consolePage("#/catalog", { width: 360 });
    const found = {};
    for (const view of views) {
      await page.evaluate((h) => (location.hash = h), `#/${view}`);
      await page.getByRole("heading", { level: 1 }).first().waitFor();
      await page.waitForLoadState("networkidle");
      const violations = await axeViolations(page);
      if (violations.length) found[view] = violations;
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `#/${view} is ${overflow}px wider than 360 px`);
    }
    assert.deepEqual(found, {});
    // The sign-in page too.
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("Merchant token").waitFor();
    assert.deepEqual(await axeViolations(page), []);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });
});
