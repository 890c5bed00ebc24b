// Seeds the demo catalog into a running edge: one product per status a shopper can meet.
// Products that exist are left alone, so a restart keeps what happened to them.
//   node scripts/seed.mjs http://127.0.0.1:8787 <merchant token>
const [base, token] = process.argv.slice(2);
const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
const inDays = (days) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

const catalog = [
  { sku: "DEMO-TEE", product: { name: "Organic cotton tee", on_hand: 40, low_stock_threshold: 5 } },
  { sku: "DEMO-MUG", product: { name: "Stoneware mug", on_hand: 3, low_stock_threshold: 5, lead_time_days: 10 } },
  {
    sku: "DEMO-PHONE",
    product: { name: "Pocket phone", on_hand: 3, lead_time_days: 21, low_stock_threshold: 2 },
    purchaseOrders: [{ id: "PO-1001", qty: 20, expected_date: inDays(9) }],
  },
  { sku: "DEMO-LAMP", product: { name: "Desk lamp", on_hand: 0, backorders: "deny" } },
  { sku: "DEMO-CAMERA", product: { name: "Instant camera", on_hand: 0, discontinued: true } },
  { sku: "DEMO-CONSOLE", product: { name: "Handheld console", on_hand: 0, release_date: inDays(30), lead_time_days: 7 } },
];

for (const { sku, product, purchaseOrders = [] } of catalog) {
  const existing = await fetch(`${base}/v1/skus/${sku}`, { headers });
  if (existing.status === 200) {
    console.log(`  ${sku}: kept`);
    continue;
  }
  const created = await fetch(`${base}/v1/skus/${sku}`, { method: "PUT", headers, body: JSON.stringify(product) });
  if (created.status !== 201) throw new Error(`${sku}: ${created.status} ${await created.text()}`);
  for (const { id, ...po } of purchaseOrders) {
    const reply = await fetch(`${base}/v1/skus/${sku}/purchase-orders/${id}`, { method: "PUT", headers, body: JSON.stringify(po) });
    if (reply.status >= 300) throw new Error(`${sku} ${id}: ${reply.status} ${await reply.text()}`);
  }
  if (sku === "DEMO-PHONE") {
    // 3 phones, two customers who want 2 each: the founding example, on the demo shelf.
    for (const order_id of ["DEMO-1001", "DEMO-1002"]) {
      const body = JSON.stringify({ order_id, lines: [{ sku, qty: 2 }] });
      await fetch(`${base}/v1/orders`, { method: "POST", headers, body });
    }
  }
  console.log(`  ${sku}: created`);
}
