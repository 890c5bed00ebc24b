// The Shopify and BigCommerce adapters in workerd (Miniflare, real SQLite Durable Objects and
// alarms): platform webhooks shaped after the platforms' documented examples
// (tests/fixtures/platforms/README.md says where each comes from), signed as the platforms sign
// them, become orders in the ledger; BigCommerce's orders API is a local stand-in
// (tests/support/bigcommerce.mjs), the only one.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { at, call, putProduct, reserve, root, startEdge, tempState } from "./support/edge.mjs";
import { startBigCommerce } from "./support/bigcommerce.mjs";

const SHOPIFY_SECRET = "shpss_adapter_test_secret_0123456789";
const BC_SECRET = "bc-hook-secret-0123456789abcdef";
const BC_TOKEN = "bc-access-token-0123456789abcdef";
const fixture = (name) => readFileSync(path.join(root, "tests/fixtures/platforms", name), "utf8");
// The fixtures' ids are kept as text: Shopify's exceed what a JavaScript number holds exactly.
const DOCUMENTED_ID = "820982911946154508";

let mf;
let bigcommerce;
before(async () => {
  mf = startEdge({ persist: tempState("adapters") });
  bigcommerce = await startBigCommerce({
    storeHash: "abc123",
    token: BC_TOKEN,
    orders: { 250: JSON.parse(fixture("bigcommerce-order-products.json")), 404: 500 },
  });
  await putProduct(mf, "SKU2006-001", { name: "Aviator sunglasses", on_hand: 50 });
  await putProduct(mf, "SKU2006-020", { name: "Mid-century lounger", on_hand: 0, lead_time_days: 14 });
  await putProduct(mf, "SKU-BC-TOWEL", { name: "Towel", on_hand: 10 });
  await putProduct(mf, "SKU-BC-TERRARIUM", { name: "Terrarium", on_hand: 10 });
  await putProduct(mf, "DENIED-1", { name: "Denied", on_hand: 0, backorders: "deny" });
  const shopify = await call(mf, "PUT", "/v1/adapters/shopify", {
    body: { shop_domain: "demo-store.myshopify.com", client_secret: SHOPIFY_SECRET },
    token: true,
  });
  assert.equal(shopify.status, 200, shopify.text);
  const bc = await call(mf, "PUT", "/v1/adapters/bigcommerce", {
    body: { store_hash: "abc123", access_token: BC_TOKEN, webhook_secret: BC_SECRET, api_base: bigcommerce.url },
    token: true,
  });
  assert.equal(bc.status, 200, bc.text);
});
after(async () => {
  await mf.dispose();
  await bigcommerce.close();
});

let deliveries = 0;
/** Posts a Shopify webhook as Shopify does: the raw body, signed with the client secret. */
function shopify(topic, body, { hmac = createHmac("sha256", SHOPIFY_SECRET).update(body).digest("base64"), id } = {}) {
  const headers = { "content-type": "application/json", "x-shopify-topic": topic, "x-shopify-webhook-id": id ?? `wh-${++deliveries}` };
  if (hmac) headers["x-shopify-hmac-sha256"] = hmac;
  return call(mf, "POST", "/v1/adapters/shopify/webhooks", { body, headers });
}
const shopifyOrder = (id, replace = (text) => text) =>
  replace(fixture("shopify-orders-create.json").replaceAll(DOCUMENTED_ID, id).replace("RESERVATION", ""));
const bigcommerceHook = (name, secret = BC_SECRET, replace = (text) => text) =>
  call(mf, "POST", "/v1/adapters/bigcommerce/webhooks", {
    body: replace(fixture(name)),
    headers: secret ? { "x-backorder-webhook-secret": secret } : {},
  });
const events = async () => (await call(mf, "GET", "/v1/events?limit=500", { token: true })).json.events;
/** Waits, bounded, for the adapters' alarm to have worked an order off (its effect in the feed). */
async function eventually(find, what) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const found = (await events()).filter(find);
    if (found.length) return found;
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
const order = (id) => call(mf, "GET", `/v1/orders/${encodeURIComponent(id)}`, { token: true });

describe("Shopify", () => {
  test("a signed orders/create becomes one multi-SKU order, the widget's reservation honoured", async () => {
    const held = await reserve(mf, "SKU2006-020", 2);
    assert.equal(held.status, 201);
    const body = shopifyOrder("1001", (text) => text.replace('"value": ""', `"value": "${held.json.id}"`));
    const answered = await shopify("orders/create", body, { id: "wh-create-1001" });
    assert.deepEqual([answered.status, answered.json], [200, { received: "accepted" }]);
    const again = await shopify("orders/create", body, { id: "wh-create-1001" });
    assert.deepEqual(again.json, { received: "duplicate" }, "the same delivery twice");
    await eventually((e) => e.type === "order_created" && e.order_id === "shopify:1001", "the order");
    const placed = await order("shopify:1001");
    assert.deepEqual(
      placed.json.lines.map((l) => [l.sku, l.qty, l.now, l.backorder, l.reservation_id ?? null]),
      [
        ["SKU2006-001", 1, 1, 0, placed.json.lines[0].reservation_id],
        ["SKU2006-020", 2, 0, 2, held.json.id],
      ],
    );
    assert.equal(placed.json.lines[1].backorder_ship_date, held.json.backorder_ship_date, "the quoted date kept");
    const skipped = await eventually((e) => e.type === "adapter_skipped" && e.order_id === "shopify:1001", "the gift card");
    assert.deepEqual([skipped[0].item_sku, skipped[0].qty, skipped[0].reason, skipped[0].platform], [null, 1, "no_sku", "shopify"]);
    const created = (await events()).filter((e) => e.type === "order_created" && e.order_id === "shopify:1001");
    assert.equal(created.length, 1, "one order");
  });

  test("a wrong or missing HMAC is 401 and changes nothing", async () => {
    const body = shopifyOrder("1002");
    const before = await events();
    const forged = createHmac("sha256", "another-secret-0123456789").update(body).digest("base64");
    const valid = createHmac("sha256", SHOPIFY_SECRET).update(body).digest("base64");
    for (const [hmac, sent] of [[forged, body], [null, body], ["bm90IGl0", body], [valid, body.replace('"quantity": 2', '"quantity": 20')]]) {
      const refused = await shopify("orders/create", sent, { hmac, id: "wh-forged" });
      assert.equal(refused.status, 401, String(hmac));
      assert.equal(refused.json.error.code, "unauthorized");
    }
    // The genuine delivery with the same id is still taken: the forgeries took nothing in.
    assert.deepEqual((await shopify("orders/create", body, { id: "wh-forged" })).json, { received: "accepted" });
    await eventually((e) => e.type === "order_created" && e.order_id === "shopify:1002", "the genuine order");
    assert.equal((await events()).length > before.length, true);
  });

  test("a cancel that arrives before its create: the order is never placed", async () => {
    const cancelled = fixture("shopify-orders-cancelled.json").replaceAll(DOCUMENTED_ID, "1003");
    assert.equal((await shopify("orders/cancelled", cancelled)).json.received, "accepted");
    assert.equal((await shopify("orders/create", shopifyOrder("1003"))).json.received, "accepted");
    // A later order, worked off after both (items are worked off in the order they arrived).
    await shopify("orders/create", shopifyOrder("1004"));
    await eventually((e) => e.type === "order_created" && e.order_id === "shopify:1004", "the later order");
    assert.equal((await order("shopify:1003")).status, 404);
    // In the usual order, the cancel cancels.
    await shopify("orders/cancelled", fixture("shopify-orders-cancelled.json").replaceAll(DOCUMENTED_ID, "1004"));
    await eventually((e) => e.type === "order_cancelled" && e.order_id === "shopify:1004", "the cancellation");
    assert.deepEqual((await order("shopify:1004")).json.lines.map((l) => l.status), ["cancelled", "cancelled"]);
  });

  test("an unknown SKU is skipped and reported; an order the ledger refuses is reported, not retried", async () => {
    const unknown = shopifyOrder("1005", (text) => text.replace('"sku": "SKU2006-001"', '"sku": "NOT-IN-LEDGER"'));
    await shopify("orders/create", unknown);
    const [skipped] = await eventually(
      (e) => e.type === "adapter_skipped" && e.order_id === "shopify:1005" && e.reason === "unknown_sku",
      "the unknown SKU",
    );
    assert.deepEqual([skipped.item_sku, skipped.qty, skipped.sku], ["NOT-IN-LEDGER", 1, null]);
    assert.deepEqual((await order("shopify:1005")).json.lines.map((l) => l.sku), ["SKU2006-020"]);
    const denied = shopifyOrder("1006", (text) => text.replace('"sku": "SKU2006-001"', '"sku": "DENIED-1"'));
    await shopify("orders/create", denied);
    const [refused] = await eventually((e) => e.type === "adapter_order_refused" && e.order_id === "shopify:1006", "the refusal");
    assert.equal(refused.code, "insufficient_stock");
    assert.equal((await order("shopify:1006")).status, 404, "all or nothing: no line of it is held");
    await shopify("orders/create", shopifyOrder("1007"));
    await eventually((e) => e.type === "order_created" && e.order_id === "shopify:1007", "a later order");
    assert.equal((await events()).filter((e) => e.type === "adapter_order_refused" && e.order_id === "shopify:1006").length, 1);
    const denied1 = (await call(mf, "GET", "/v1/skus/DENIED-1", { token: true })).json;
    assert.deepEqual([denied1.holds.length, denied1.queue.length], [0, 0]);
  });
});

describe("BigCommerce", () => {
  test("an order is fetched from the store's API and placed; a cancelled status cancels it", async () => {
    const created = await bigcommerceHook("bigcommerce-order-created.json");
    assert.deepEqual([created.status, created.json], [200, { received: "accepted" }]);
    assert.deepEqual((await bigcommerceHook("bigcommerce-order-created.json")).json, { received: "duplicate" }, "by its hash");
    await eventually((e) => e.type === "order_created" && e.order_id === "bigcommerce:250", "the order");
    const asked = bigcommerce.requests.filter((r) => r.url === "/stores/abc123/v2/orders/250/products");
    assert.equal(asked.length, 1);
    assert.equal(asked[0].headers["x-auth-token"], BC_TOKEN);
    assert.deepEqual(
      (await order("bigcommerce:250")).json.lines.map((l) => [l.sku, l.qty]),
      [["SKU-BC-TOWEL", 2], ["SKU-BC-TERRARIUM", 1]],
    );
    const awaiting = await bigcommerceHook("bigcommerce-order-status-updated.json", BC_SECRET, (text) =>
      text.replace('"new_status_id": 5', '"new_status_id": 9').replace("352e4a", "000000"),
    );
    assert.deepEqual(awaiting.json, { received: "ignored" }, "awaiting shipment cancels nothing");
    await bigcommerceHook("bigcommerce-order-status-updated.json");
    await eventually((e) => e.type === "order_cancelled" && e.order_id === "bigcommerce:250", "the cancellation");
    const towel = (await call(mf, "GET", "/v1/skus/SKU-BC-TOWEL", { token: true })).json;
    assert.equal(towel.on_hand, 10, "the cancelled units are back");
  });

  test("a wrong or missing secret is 401 and changes nothing", async () => {
    const before = bigcommerce.requests.length;
    const other = (text) => text.replace('"id": 250', '"id": 251').replace("dd70c0", "111111");
    assert.equal((await bigcommerceHook("bigcommerce-order-created.json", "wrong-secret-0123456789", other)).status, 401);
    assert.equal((await bigcommerceHook("bigcommerce-order-created.json", null, other)).status, 401);
    assert.equal(bigcommerce.requests.length, before, "nothing was fetched");
    assert.equal((await order("bigcommerce:251")).status, 404);
  });
});

describe("configuration", () => {
  test("the merchant sees which adapters are configured, never a secret", async () => {
    const listed = await call(mf, "GET", "/v1/adapters", { token: true });
    assert.equal(listed.status, 200);
    assert.deepEqual(listed.json, {
      shopify: { shop_domain: "demo-store.myshopify.com", webhook_path: "/v1/adapters/shopify/webhooks" },
      bigcommerce: { store_hash: "abc123", api_base: bigcommerce.url, webhook_path: "/v1/adapters/bigcommerce/webhooks" },
    });
    assert.ok(!listed.text.includes(SHOPIFY_SECRET) && !listed.text.includes(BC_SECRET) && !listed.text.includes(BC_TOKEN));
    assert.equal((await call(mf, "GET", "/v1/adapters")).status, 401, "the merchant's");
    const bad = await call(mf, "PUT", "/v1/adapters/shopify", {
      body: { shop_domain: "shop.example.com", client_secret: SHOPIFY_SECRET },
      token: true,
    });
    assert.equal(bad.status, 400);
    const production = startEdge({ persist: tempState("adapters-prod"), devClock: false });
    try {
      const local = await call(production, "PUT", "/v1/adapters/bigcommerce", {
        body: { store_hash: "abc123", access_token: BC_TOKEN, webhook_secret: BC_SECRET, api_base: bigcommerce.url },
        token: true,
      });
      assert.equal(local.status, 400, "a local stand-in only with the development flag");
    } finally {
      await production.dispose();
    }
    assert.ok(at());
  });
});
