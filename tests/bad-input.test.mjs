// The bad-input catalog: table-driven HTTP cases across every endpoint family of docs/api.md,
// against the built worker in workerd (Miniflare, real SQLite Durable Objects), on the
// development clock. Every case asserts the exact status, the error shape
// {"error":{"code","message"}} (and the code), that no 5xx ever comes back, and that the
// store's state — read back through the merchant API — did not change.
//
// How a case reads (one line each, the table first):
//   cat     the category of bad input (the first test lists how many cases each has)
//   method  the HTTP method; path  the path and query, sent as is (fetch normalises `..`;
//           `raw: true` sends the request line verbatim through node:http instead)
//   token   true = the merchant token, a string = that token; key = Idempotency-Key
//   headers extra headers (`null` removes a default one); body an object (JSON), a string, a
//           Uint8Array, FormData, or slow([...chunks]) for a body that trickles in
//   path, body and headers may be functions of the fixture (F), for ids made in `before`
//   status  the exact status; code the error code; message a regex the message must match
//   bare    the answer has no body to check (the runtime answered before the worker ran)
//
// Every request carries X-Backorder-Now: NOW (unless a case sends its own), so holds, dates
// and the analytics window do not move while the table runs and snapshots stay comparable.
//
// Not tested here, and why:
// - Methods workerd itself does not know (e.g. `FOO`): the runtime answers
//   `501 ERROR: Unrecognized request method.` before the worker runs — a 5xx for bad input,
//   but not the worker's to fix (Cloudflare's front decides in production).
// - `HEAD`: answered 405 without a body; RFC 9110 says servers should support HEAD wherever
//   GET works, docs/api.md is silent, so no expectation is asserted.
// - A declared Content-Length larger than the body that then never completes is covered by
//   `declared` (the edge answers 413 from the header alone); a client that stalls forever
//   is not, as that would need a sleep to prove.
// - A body far over the limit (1 MB and more) sent whole: the edge answers 413 from its
//   Content-Length without reading it, workerd then resets the connection while the client is
//   still writing, and undici's fetch fails with ECONNRESET instead of showing the 413 (a
//   client-side race, not the worker's answer). Such cases declare the length on a raw request
//   and send only a prefix; whole bodies refused by their length stay near 70 kB, which the
//   socket buffers take at once.
// - The demo checkout without the development flag (404) needs a second edge: it is covered
//   by the journey and orders tests' setups, not here.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { isDeepStrictEqual } from "node:util";
import { createHmac } from "node:crypto";
import { at, freePort, startEdge, tempState, TOKEN } from "./support/edge.mjs";

const NOW = at(0);
const INVALID = "invalid_request";
const PHONE = "BI-PHONE"; // 3 on hand, a purchase order, a held reservation, an order with a backorder
const CASE = "BI-CASE"; // none on hand, backorders denied
const OLD = "BI-OLD"; // discontinued, none on hand
const GHOST = "BI-GHOST"; // never created: every refused create must leave it absent
const ORDER = "BI-1001"; // 4 phones: 2 now, 2 backordered
const GHOST_ORDER = "BI-9999"; // never placed: every refused order uses this id
const SHOPIFY_SECRET = "shpss_bad_input_secret_0123456789";
const BC_SECRET = "bc-bad-input-hook-secret-0123";
const HEX = "0123456789abcdef01234567"; // the 24 hex digits of a well-formed reservation id

const MALFORMED = "malformed or truncated JSON";
const TYPES = "wrong types";
const LIMITS = "numbers past limits";
const DUPES = "duplicate fields";
const UNICODE = "unicode and control characters in ids";
const OVERLONG = "overlong paths and headers";
const METHODS = "wrong methods";
const CTYPES = "wrong content types";
const SIZE = "bodies over the limit";
const SLOW = "bodies that arrive slowly";
const TRAVERSAL = "path traversal";
const AUTH = "missing and wrong tokens or signatures";
const DOMAIN = "refusals, unknown ids and conflicts";

/** A body that arrives in these chunks, 200 ms apart (bounded: 3–4 chunks). */
const slow = (...chunks) => ({ slow: chunks });
const utf8 = (text) => new TextEncoder().encode(text);
const bytes = (...parts) => new Uint8Array(parts.flatMap((p) => (typeof p === "string" ? [...utf8(p)] : p)));
const shopifyHmac = (body, secret = SHOPIFY_SECRET) => createHmac("sha256", secret).update(body).digest("base64");
/** A reservation body of exactly `size` bytes (its `pad` field is unknown: 400 if read). */
const sized = (size) => {
  const [head, tail] = ['{"sku":"BI-PHONE","qty":1,"pad":"', '"}'];
  return head + "x".repeat(size - head.length - tail.length) + tail;
};
const lines = (n) => Array.from({ length: n }, (_, i) => ({ sku: `BI-L${i}`, qty: 1 }));
const manyHeaders = Object.fromEntries(Array.from({ length: 160 }, (_, i) => [`x-filler-${i}`, "v".repeat(1000)]));
const F = {}; // the fixture's ids, filled in by `before`

// prettier-ignore
export const CASES = [
  // ── malformed and truncated JSON ────────────────────────────────────────────────────────
  { cat: MALFORMED, name: "reservation: empty body", method: "POST", path: "/v1/reservations", key: "m-1", body: "", status: 400, code: INVALID, message: /EOF/ },
  { cat: MALFORMED, name: "reservation: truncated after a key", method: "POST", path: "/v1/reservations", key: "m-2", body: '{"sku":"BI-PHONE","qty":', status: 400, code: INVALID, message: /EOF/ },
  { cat: MALFORMED, name: "reservation: unquoted keys", method: "POST", path: "/v1/reservations", key: "m-3", body: "{sku:'BI-PHONE',qty:1}", status: 400, code: INVALID, message: /key must be a string/ },
  { cat: MALFORMED, name: "reservation: trailing second document", method: "POST", path: "/v1/reservations", key: "m-4", body: '{"sku":"BI-PHONE","qty":1}{"qty":2}', status: 400, code: INVALID, message: /trailing characters/ },
  { cat: MALFORMED, name: "reservation: JSON null", method: "POST", path: "/v1/reservations", key: "m-5", body: "null", status: 400, code: INVALID },
  { cat: MALFORMED, name: "reservation: an array of the fields", method: "POST", path: "/v1/reservations", key: "m-6", body: '["BI-PHONE",1]', status: 400, code: INVALID, message: /expected an object, found an array/ },
  { cat: MALFORMED, name: "product: truncated object", method: "PUT", path: `/v1/skus/${PHONE}`, token: true, body: '{"on_hand":50,', status: 400, code: INVALID, message: /EOF/ },
  { cat: MALFORMED, name: "product: 5,000 nested arrays", method: "PUT", path: `/v1/skus/${PHONE}`, token: true, body: `{"name":${"[".repeat(5000)}${"]".repeat(5000)}}`, status: 400, code: INVALID },
  { cat: MALFORMED, name: "receipt: a bare number", method: "POST", path: `/v1/skus/${PHONE}/receipts`, token: true, body: "5", status: 400, code: INVALID },
  { cat: MALFORMED, name: "order: truncated inside lines", method: "POST", path: "/v1/orders", token: true, body: `{"order_id":"${GHOST_ORDER}","lines":[{"sku":"BI-PHONE","qty":1}`, status: 400, code: INVALID, message: /EOF/ },
  { cat: MALFORMED, name: "cancel: not JSON at all", method: "POST", path: `/v1/orders/${ORDER}/cancel`, token: true, body: "cancel everything", status: 400, code: INVALID },
  { cat: MALFORMED, name: "delay answer: single quotes", method: "POST", path: `/v1/orders/${ORDER}/delay`, body: "{'decision':'cancel'}", status: 400, code: INVALID },
  { cat: MALFORMED, name: "webhook endpoint: truncated", method: "POST", path: "/v1/webhook-endpoints", token: true, body: '{"url":"https://erp.example.com/h","events":["*"', status: 400, code: INVALID, message: /EOF/ },
  { cat: MALFORMED, name: "shopify config: truncated", method: "PUT", path: "/v1/adapters/shopify", token: true, body: '{"shop_domain":"other.myshopify.com"', status: 400, code: INVALID, message: /EOF/ },
  { cat: MALFORMED, name: "shopify webhook: validly signed, not JSON", method: "POST", path: "/v1/adapters/shopify/webhooks", headers: { "x-shopify-topic": "orders/create", "x-shopify-webhook-id": "bad-json-1", "x-shopify-hmac-sha256": shopifyHmac("{not json") }, body: "{not json", status: 400, code: INVALID, message: /Shopify order cannot be read/ },
  { cat: MALFORMED, name: "bigcommerce webhook: right secret, truncated", method: "POST", path: "/v1/adapters/bigcommerce/webhooks", headers: { "x-backorder-webhook-secret": BC_SECRET }, body: '{"scope":"store/order/created","data":{', status: 400, code: INVALID, message: /BigCommerce hook cannot be read/ },
  { cat: MALFORMED, name: "demo checkout: truncated", method: "POST", path: "/v1/demo/checkout", key: "m-demo-1", body: '{"lines":[', status: 400, code: INVALID, message: /EOF/ },

  // ── wrong types ─────────────────────────────────────────────────────────────────────────
  { cat: TYPES, name: "reservation: qty as a string", method: "POST", path: "/v1/reservations", key: "t-1", body: '{"sku":"BI-PHONE","qty":"1"}', status: 400, code: INVALID, message: /qty: invalid type: string/ },
  { cat: TYPES, name: "reservation: qty 1.5", method: "POST", path: "/v1/reservations", key: "t-2", body: '{"sku":"BI-PHONE","qty":1.5}', status: 400, code: INVALID, message: /qty: invalid type: floating point/ },
  { cat: TYPES, name: "reservation: sku as a number", method: "POST", path: "/v1/reservations", key: "t-3", body: '{"sku":7,"qty":1}', status: 400, code: INVALID, message: /sku: invalid type/ },
  { cat: TYPES, name: "reservation: ship not a variant", method: "POST", path: "/v1/reservations", key: "t-4", body: { sku: PHONE, qty: 1, ship: "tomorrow" }, status: 400, code: INVALID, message: /unknown variant `tomorrow`/ },
  { cat: TYPES, name: "reservation: unknown field", method: "POST", path: "/v1/reservations", key: "t-5", body: { sku: PHONE, qty: 1, price: 9 }, status: 400, code: INVALID, message: /unknown field `price`/ },
  { cat: TYPES, name: "product: null on a non-nullable field", method: "PUT", path: `/v1/skus/${PHONE}`, token: true, body: { backorders: null }, status: 400, code: INVALID, message: /backorders/ },
  { cat: TYPES, name: "product: discontinued as a string", method: "PUT", path: `/v1/skus/${PHONE}`, token: true, body: { discontinued: "yes" }, status: 400, code: INVALID, message: /discontinued: invalid type/ },
  { cat: TYPES, name: "product: ship_weekdays as a string", method: "PUT", path: `/v1/skus/${PHONE}`, token: true, body: { ship_weekdays: "Mon-Fri" }, status: 400, code: INVALID, message: /ship_weekdays/ },
  { cat: TYPES, name: "purchase order: date in another format", method: "PUT", path: `/v1/skus/${PHONE}/purchase-orders/PO-1`, token: true, body: { qty: 9, expected_date: "12/10/2026" }, status: 400, code: INVALID, message: /expected_date: not a date/ },
  { cat: TYPES, name: "purchase order: 30 February", method: "PUT", path: `/v1/skus/${PHONE}/purchase-orders/PO-2`, token: true, body: { qty: 9, expected_date: "2027-02-30" }, status: 400, code: INVALID, message: /expected_date: not a date/ },
  { cat: TYPES, name: "order: lines as an object", method: "POST", path: "/v1/orders", token: true, body: { order_id: GHOST_ORDER, lines: { sku: PHONE, qty: 1 } }, status: 400, code: INVALID, message: /lines: invalid type: map/ },
  { cat: TYPES, name: "order: no lines", method: "POST", path: "/v1/orders", token: true, body: { order_id: GHOST_ORDER, lines: [] }, status: 400, code: INVALID, message: /1 to 100 lines/ },
  { cat: TYPES, name: "cancel: unknown scope", method: "POST", path: `/v1/orders/${ORDER}/cancel`, token: true, body: { scope: "everything" }, status: 400, code: INVALID, message: /unknown variant `everything`/ },
  { cat: TYPES, name: "cancel: a JSON null body", method: "POST", path: `/v1/orders/${ORDER}/cancel`, token: true, body: "null", status: 400, code: INVALID },
  { cat: TYPES, name: "delay answer: unknown decision", method: "POST", path: `/v1/orders/${ORDER}/delay`, body: () => ({ token: F.statusToken, decision: "maybe" }), status: 400, code: INVALID, message: /unknown variant `maybe`/ },
  { cat: TYPES, name: "webhook endpoint: events as a string", method: "POST", path: "/v1/webhook-endpoints", token: true, body: { url: "https://erp.example.com/h", events: "*" }, status: 400, code: INVALID, message: /events: invalid type/ },
  { cat: TYPES, name: "webhook endpoint: file:// url", method: "POST", path: "/v1/webhook-endpoints", token: true, body: { url: "file:///etc/passwd", events: ["*"] }, status: 400, code: INVALID, message: /url must be https/ },
  { cat: TYPES, name: "webhook endpoint: metadata address", method: "POST", path: "/v1/webhook-endpoints", token: true, body: { url: "https://169.254.169.254/latest/meta-data", events: ["*"] }, status: 400, code: INVALID, message: /private, loopback or link-local/ },
  { cat: TYPES, name: "webhook endpoint: unknown event type", method: "POST", path: "/v1/webhook-endpoints", token: true, body: { url: "https://erp.example.com/h", events: ["order_shipped"] }, status: 400, code: INVALID, message: /not an event type/ },
  { cat: TYPES, name: "webhook endpoint patch: enabled null", method: "PATCH", path: () => `/v1/webhook-endpoints/${F.endpoint}`, token: true, body: { enabled: null }, status: 400, code: INVALID, message: /enabled: invalid type: null/ },
  { cat: TYPES, name: "webhook endpoint patch: private url", method: "PATCH", path: () => `/v1/webhook-endpoints/${F.endpoint}`, token: true, body: { url: "https://10.0.0.8/hook" }, status: 400, code: INVALID, message: /private/ },
  { cat: TYPES, name: "bigcommerce config: private api_base", method: "PUT", path: "/v1/adapters/bigcommerce", token: true, body: { store_hash: "zzz999", access_token: "bc-other-token-0123456789", webhook_secret: "bc-other-secret-0123456789", api_base: "http://10.0.0.1" }, status: 400, code: INVALID, message: /api_base/ },
  { cat: TYPES, name: "demo checkout: lines missing", method: "POST", path: "/v1/demo/checkout", key: "t-demo-1", body: { cart: [] }, status: 400, code: INVALID, message: /unknown field `cart`/ },
  { cat: TYPES, name: "a development clock that is not RFC 3339", method: "POST", path: "/v1/reservations", key: "a-1", headers: { "x-backorder-now": "yesterday" }, body: { sku: PHONE, qty: 1 }, status: 400, code: INVALID, message: /X-Backorder-Now/ },
  { cat: TYPES, name: "a development clock with an offset past 24 h", method: "GET", path: `/v1/skus/${PHONE}`, token: true, headers: { "x-backorder-now": "2026-11-26T10:00:00+25:00" }, status: 400, code: INVALID, message: /X-Backorder-Now/ },
  { cat: TYPES, name: "an unknown development fault", method: "POST", path: "/v1/orders", token: true, headers: { "x-backorder-fault": "after-commit" }, body: { order_id: GHOST_ORDER, lines: [{ sku: PHONE, qty: 1 }] }, status: 400, code: INVALID, message: /X-Backorder-Fault/ },
  { cat: TYPES, name: "reservation: ship null is ship left out (then refused for stock)", method: "POST", path: "/v1/reservations", key: "t-null-1", body: { sku: CASE, qty: 1, ship: null }, status: 409, code: "insufficient_stock" },
  { cat: TYPES, name: "cancel: scope null is scope left out (then 404 for the unknown order)", method: "POST", path: `/v1/orders/${GHOST_ORDER}/cancel`, token: true, body: { scope: null }, status: 404, code: "not_found" },
  { cat: TYPES, name: "product: null delay_consent says null is the wrong type", method: "PUT", path: `/v1/skus/${PHONE}`, token: true, body: { delay_consent: null }, status: 400, code: INVALID, message: /delay_consent: invalid type: null/ },

  // ── numbers past every limit ────────────────────────────────────────────────────────────
  { cat: LIMITS, name: "availability: qty 10,001", method: "GET", path: `/v1/skus/${PHONE}/availability?qty=10001`, status: 400, code: INVALID, message: /qty must be between 1 and 10000/ },
  { cat: LIMITS, name: "availability: qty past u64", method: "GET", path: `/v1/skus/${PHONE}/availability?qty=99999999999999999999`, status: 400, code: INVALID, message: /whole number/ },
  { cat: LIMITS, name: "reservation: qty 0", method: "POST", path: "/v1/reservations", key: "l-1", body: { sku: PHONE, qty: 0 }, status: 400, code: INVALID, message: /qty must be between/ },
  { cat: LIMITS, name: "reservation: qty 10,001", method: "POST", path: "/v1/reservations", key: "l-2", body: { sku: PHONE, qty: 10_001 }, status: 400, code: INVALID, message: /qty must be between/ },
  { cat: LIMITS, name: "reservation: qty -1", method: "POST", path: "/v1/reservations", key: "l-3", body: '{"sku":"BI-PHONE","qty":-1}', status: 400, code: INVALID, message: /invalid value: integer `-1`/ },
  { cat: LIMITS, name: "reservation: qty 2^32", method: "POST", path: "/v1/reservations", key: "l-4", body: '{"sku":"BI-PHONE","qty":4294967296}', status: 400, code: INVALID, message: /invalid value/ },
  { cat: LIMITS, name: "reservation: qty 1e400", method: "POST", path: "/v1/reservations", key: "l-5", body: '{"sku":"BI-PHONE","qty":1e400}', status: 400, code: INVALID },
  { cat: LIMITS, name: "product: on_hand past 10^9", method: "PUT", path: `/v1/skus/${PHONE}`, token: true, body: { on_hand: 1_000_000_001 }, status: 400, code: INVALID, message: /on_hand must be at most/ },
  { cat: LIMITS, name: "product: lead_time_days 2^32-1", method: "PUT", path: `/v1/skus/${PHONE}`, token: true, body: { lead_time_days: 4_294_967_295 }, status: 400, code: INVALID, message: /lead_time_days must be at most 3650/ },
  { cat: LIMITS, name: "product: handling_days 366", method: "PUT", path: `/v1/skus/${PHONE}`, token: true, body: { handling_days: 366 }, status: 400, code: INVALID, message: /handling_days/ },
  { cat: LIMITS, name: "product: utc_offset_minutes i32::MIN", method: "PUT", path: `/v1/skus/${PHONE}`, token: true, body: { utc_offset_minutes: -2_147_483_648 }, status: 400, code: INVALID, message: /utc_offset_minutes/ },
  { cat: LIMITS, name: "product: hold_minutes 1,441", method: "PUT", path: `/v1/skus/${PHONE}`, token: true, body: { hold_minutes: 1441 }, status: 400, code: INVALID, message: /hold_minutes/ },
  { cat: LIMITS, name: "product: ship weekday 8", method: "PUT", path: `/v1/skus/${PHONE}`, token: true, body: { ship_weekdays: [1, 8] }, status: 400, code: INVALID, message: /ship_weekdays/ },
  { cat: LIMITS, name: "product: 1,001 holidays", method: "PUT", path: `/v1/skus/${PHONE}`, token: true, body: { holidays: Array(1001).fill("2027-01-01") }, status: 400, code: INVALID, message: /holidays/ },
  { cat: LIMITS, name: "product: release_date in year 10000", method: "PUT", path: `/v1/skus/${PHONE}`, token: true, body: { release_date: "10000-01-01" }, status: 400, code: INVALID, message: /release_date: not a date/ },
  { cat: LIMITS, name: "product: low_stock_threshold -1", method: "PUT", path: `/v1/skus/${PHONE}`, token: true, body: { low_stock_threshold: -1 }, status: 400, code: INVALID, message: /low_stock_threshold/ },
  { cat: LIMITS, name: "receipt: qty past 10^9", method: "POST", path: `/v1/skus/${PHONE}/receipts`, token: true, body: { qty: 1_000_000_001 }, status: 400, code: INVALID, message: /qty must be at most/ },
  { cat: LIMITS, name: "receipt: qty 0", method: "POST", path: `/v1/skus/${PHONE}/receipts`, token: true, body: { qty: 0 }, status: 400, code: INVALID, message: /qty must be at least 1/ },
  { cat: LIMITS, name: "purchase order: qty 0", method: "PUT", path: `/v1/skus/${PHONE}/purchase-orders/PO-1`, token: true, body: { qty: 0, expected_date: "2026-12-10" }, status: 400, code: INVALID, message: /qty must be at least 1/ },
  { cat: LIMITS, name: "purchase order: qty past 10^9", method: "PUT", path: `/v1/skus/${PHONE}/purchase-orders/PO-1`, token: true, body: { qty: 1_000_000_001, expected_date: "2026-12-10" }, status: 400, code: INVALID, message: /qty must be at most/ },
  { cat: LIMITS, name: "order: line qty 10,001", method: "POST", path: "/v1/orders", token: true, body: { order_id: GHOST_ORDER, lines: [{ sku: PHONE, qty: 10_001 }] }, status: 400, code: INVALID, message: /line 0 \(BI-PHONE\): qty must be between/ },
  { cat: LIMITS, name: "order: 101 lines", method: "POST", path: "/v1/orders", token: true, body: { order_id: GHOST_ORDER, lines: lines(101) }, status: 400, code: INVALID, message: /1 to 100 lines/ },
  { cat: LIMITS, name: "events: limit 501", method: "GET", path: "/v1/events?limit=501", token: true, status: 400, code: INVALID, message: /limit must be between 1 and 500/ },
  { cat: LIMITS, name: "events: cursor past u64", method: "GET", path: "/v1/events?after=18446744073709551616", token: true, status: 400, code: INVALID, message: /after must be a cursor/ },
  { cat: LIMITS, name: "events: negative cursor", method: "GET", path: "/v1/events?after=-1", token: true, status: 400, code: INVALID, message: /after must be a cursor/ },
  { cat: LIMITS, name: "products: limit 201", method: "GET", path: "/v1/skus?limit=201", token: true, status: 400, code: INVALID, message: /limit must be between 1 and 200/ },
  { cat: LIMITS, name: "analytics: a 367-day window", method: "GET", path: "/v1/analytics?from=2025-11-25&to=2026-11-26", token: true, status: 400, code: INVALID, message: /at most 366 days/ },
  { cat: LIMITS, name: "analytics: from after to", method: "GET", path: "/v1/analytics?from=2026-11-27&to=2026-11-26", token: true, status: 400, code: INVALID, message: /from must not be after to/ },
  { cat: LIMITS, name: "analytics: 31 November", method: "GET", path: "/v1/analytics?from=2026-11-31", token: true, status: 400, code: INVALID, message: /from must be a date/ },
  { cat: LIMITS, name: "webhook endpoint: description of 501 characters", method: "POST", path: "/v1/webhook-endpoints", token: true, body: { url: "https://erp.example.com/h", events: ["*"], description: "d".repeat(501) }, status: 400, code: INVALID, message: /description must be at most 500/ },
  { cat: LIMITS, name: "webhook endpoint: url of 2,049+ characters", method: "POST", path: "/v1/webhook-endpoints", token: true, body: { url: `https://erp.example.com/${"a".repeat(2030)}`, events: ["*"] }, status: 400, code: INVALID, message: /url must be at most 2048/ },
  { cat: LIMITS, name: "bigcommerce config: 15-character secret", method: "PUT", path: "/v1/adapters/bigcommerce", token: true, body: { store_hash: "zzz999", access_token: "bc-other-token-0123456789", webhook_secret: "0123456789abcde" }, status: 400, code: INVALID, message: /webhook_secret must be 16–512/ },

  // ── duplicate fields ────────────────────────────────────────────────────────────────────
  { cat: DUPES, name: "reservation: qty twice", method: "POST", path: "/v1/reservations", key: "d-1", body: '{"sku":"BI-PHONE","qty":1,"qty":2}', status: 400, code: INVALID, message: /duplicate field `qty`/ },
  { cat: DUPES, name: "product: on_hand twice", method: "PUT", path: `/v1/skus/${PHONE}`, token: true, body: '{"on_hand":50,"on_hand":60}', status: 400, code: INVALID, message: /duplicate field `on_hand`/ },
  { cat: DUPES, name: "purchase order: qty twice", method: "PUT", path: `/v1/skus/${PHONE}/purchase-orders/PO-1`, token: true, body: '{"qty":9,"expected_date":"2026-12-10","qty":10}', status: 400, code: INVALID, message: /duplicate field `qty`/ },
  { cat: DUPES, name: "receipt: po_id twice", method: "POST", path: `/v1/skus/${PHONE}/receipts`, token: true, body: '{"qty":1,"po_id":"PO-1","po_id":"PO-1"}', status: 400, code: INVALID, message: /duplicate field `po_id`/ },
  { cat: DUPES, name: "order: sku twice inside a line", method: "POST", path: "/v1/orders", token: true, body: `{"order_id":"${GHOST_ORDER}","lines":[{"sku":"BI-PHONE","sku":"BI-CASE","qty":1}]}`, status: 400, code: INVALID, message: /lines\[0\]: duplicate field `sku`/ },
  { cat: DUPES, name: "order: the same SKU on two lines", method: "POST", path: "/v1/orders", token: true, body: { order_id: GHOST_ORDER, lines: [{ sku: PHONE, qty: 1 }, { sku: PHONE, qty: 1 }] }, status: 400, code: INVALID, message: /line 1 \(BI-PHONE\)/ },
  { cat: DUPES, name: "cancel: scope twice", method: "POST", path: `/v1/orders/${ORDER}/cancel`, token: true, body: '{"scope":"backorder","scope":"line"}', status: 400, code: INVALID, message: /duplicate field `scope`/ },
  { cat: DUPES, name: "webhook endpoint patch: url twice", method: "PATCH", path: () => `/v1/webhook-endpoints/${F.endpoint}`, token: true, body: '{"url":"https://a.example.com/h","url":"https://b.example.com/h"}', status: 400, code: INVALID, message: /duplicate field `url`/ },
  { cat: DUPES, name: "webhook endpoint: \"*\" beside a type", method: "POST", path: "/v1/webhook-endpoints", token: true, body: { url: "https://erp.example.com/h", events: ["*", "low_stock"] }, status: 400, code: INVALID, message: /stands alone/ },
  { cat: DUPES, name: "shopify config: client_secret twice", method: "PUT", path: "/v1/adapters/shopify", token: true, body: '{"shop_domain":"other.myshopify.com","client_secret":"shpss_other_0123456789abc","client_secret":"x"}', status: 400, code: INVALID, message: /duplicate field `client_secret`/ },

  // ── unicode and control characters in ids ───────────────────────────────────────────────
  { cat: UNICODE, name: "availability: é in the SKU", method: "GET", path: "/v1/skus/caf%C3%A9/availability", status: 400, code: INVALID, message: /sku/ },
  { cat: UNICODE, name: "product create: NUL in the SKU", method: "PUT", path: "/v1/skus/BI-GHOST%00", token: true, body: { on_hand: 1 }, status: 400, code: INVALID, message: /sku/ },
  { cat: UNICODE, name: "product: right-to-left override in the SKU", method: "GET", path: "/v1/skus/%E2%80%AEBI-PHONE", token: true, status: 400, code: INVALID, message: /sku/ },
  { cat: UNICODE, name: "order: newline in the order id", method: "GET", path: "/v1/orders/BI%0A1001", token: true, status: 400, code: INVALID, message: /order_id `BI\\n1001`/ },
  { cat: UNICODE, name: "order: an emoji order id", method: "POST", path: "/v1/orders/%F0%9F%93%A6/cancel", token: true, status: 400, code: INVALID, message: /order_id/ },
  { cat: UNICODE, name: "order: invalid UTF-8 in the order id", method: "GET", path: "/v1/orders/%FF%FE", token: true, status: 400, code: INVALID, message: /order_id/ },
  { cat: UNICODE, name: "reservation id: unicode in place of hex", method: "DELETE", path: "/v1/reservations/res_%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9.BI-PHONE", status: 404, code: "not_found" },
  { cat: UNICODE, name: "reservation: NUL at the end of the sku", method: "POST", path: "/v1/reservations", key: "u-1", body: '{"sku":"BI-PHONE\\u0000","qty":1}', status: 400, code: INVALID, message: /sku `BI-PHONE\\u\{0\}`/ },
  { cat: UNICODE, name: "reservation: full-width letters in the sku", method: "POST", path: "/v1/reservations", key: "u-2", body: { sku: "ＢＩ-PHONE", qty: 1 }, status: 400, code: INVALID, message: /sku/ },
  { cat: UNICODE, name: "reservation: a lone surrogate", method: "POST", path: "/v1/reservations", key: "u-3", body: '{"sku":"\\ud800","qty":1}', status: 400, code: INVALID },
  { cat: UNICODE, name: "reservation: invalid UTF-8 bytes in the body", method: "POST", path: "/v1/reservations", key: "u-4", body: bytes('{"sku":"BI-', [0xff, 0xfe], '","qty":1}'), status: 400, code: INVALID },
  { cat: UNICODE, name: "reservation: a byte-order mark before the body", method: "POST", path: "/v1/reservations", key: "u-5", body: `\uFEFF{"sku":"BI-PHONE","qty":1}`, status: 400, code: INVALID },
  { cat: UNICODE, name: "reservation: tab inside the Idempotency-Key", method: "POST", path: "/v1/reservations", key: "u\tkey", body: { sku: PHONE, qty: 1 }, status: 400, code: INVALID, message: /Idempotency-Key/ },
  { cat: UNICODE, name: "reservation: Latin-1 Idempotency-Key", method: "POST", path: "/v1/reservations", key: "clé-1", body: { sku: PHONE, qty: 1 }, status: 400, code: INVALID, message: /Idempotency-Key/ },
  { cat: UNICODE, name: "order: zero-width space in the order id", method: "POST", path: "/v1/orders", token: true, body: { order_id: "BI-9999\u200b", lines: [{ sku: PHONE, qty: 1 }] }, status: 400, code: INVALID, message: /order_id/ },
  { cat: UNICODE, name: "product: control character in the name", method: "PUT", path: `/v1/skus/${PHONE}`, token: true, body: { name: "Phone\u0007" }, status: 400, code: INVALID, message: /name must be/ },
  { cat: UNICODE, name: "purchase order: unicode po id", method: "PUT", path: `/v1/skus/${PHONE}/purchase-orders/PO-%C3%98`, token: true, body: { qty: 9, expected_date: "2026-12-10" }, status: 400, code: INVALID, message: /po_id/ },
  { cat: UNICODE, name: "webhook endpoint: NUL in the id", method: "GET", path: "/v1/webhook-endpoints/we_%00", token: true, status: 400, code: INVALID, message: /endpoint id/ },
  { cat: UNICODE, name: "analytics: space in the sku", method: "GET", path: "/v1/analytics?sku=BI%20PHONE", token: true, status: 400, code: INVALID, message: /sku/ },

  // ── overlong paths and headers ──────────────────────────────────────────────────────────
  { cat: OVERLONG, name: "a 10 kB path", method: "GET", path: `/v1/${"a".repeat(10_240)}`, status: 404, code: "not_found" },
  { cat: OVERLONG, name: "a 10 kB SKU", method: "GET", path: `/v1/skus/${"A".repeat(10_240)}/availability`, status: 400, code: INVALID, message: /sku/ },
  { cat: OVERLONG, name: "a 65-character SKU", method: "PUT", path: `/v1/skus/${"G".repeat(65)}`, token: true, body: { on_hand: 1 }, status: 400, code: INVALID, message: /sku/ },
  { cat: OVERLONG, name: "a 65-character order id", method: "POST", path: "/v1/orders", token: true, body: { order_id: "O".repeat(65), lines: [{ sku: PHONE, qty: 1 }] }, status: 400, code: INVALID, message: /order_id/ },
  { cat: OVERLONG, name: "a 10 kB query", method: "GET", path: `/v1/events?limit=${"9".repeat(10_240)}`, token: true, status: 400, code: INVALID, message: /limit/ },
  { cat: OVERLONG, name: "a 256-character Idempotency-Key", method: "POST", path: "/v1/reservations", key: "k".repeat(256), body: { sku: PHONE, qty: 1 }, status: 400, code: INVALID, message: /Idempotency-Key/ },
  { cat: OVERLONG, name: "a 10 kB Idempotency-Key on a receipt", method: "POST", path: `/v1/skus/${PHONE}/receipts`, token: true, key: "k".repeat(10_240), body: { qty: 1 }, status: 400, code: INVALID, message: /Idempotency-Key/ },
  { cat: OVERLONG, name: "a 100 kB bearer token", method: "PUT", path: `/v1/skus/${PHONE}`, token: "t".repeat(100_000), body: { on_hand: 50 }, status: 401, code: "unauthorized" },
  { cat: OVERLONG, name: "a 100 kB X-Backorder-Now", method: "GET", path: `/v1/skus/${PHONE}/availability`, headers: { "x-backorder-now": `2026-11-26T10:00:00Z${" ".repeat(100_000)}x` }, status: 400, code: INVALID, message: /X-Backorder-Now/ },
  { cat: OVERLONG, name: "a 100 kB Shopify HMAC", method: "POST", path: "/v1/adapters/shopify/webhooks", headers: { "x-shopify-topic": "orders/create", "x-shopify-webhook-id": "long-1", "x-shopify-hmac-sha256": "A".repeat(100_000) }, body: '{"id":1}', status: 401, code: "unauthorized" },
  { cat: OVERLONG, name: "160 kB of headers: the runtime refuses them (431, its own text)", method: "POST", path: "/v1/reservations", key: "o-1", headers: manyHeaders, body: { sku: PHONE, qty: 1 }, status: 431, bare: true },

  // ── wrong methods ───────────────────────────────────────────────────────────────────────
  { cat: METHODS, name: "PATCH a product", method: "PATCH", path: `/v1/skus/${PHONE}`, token: true, body: { on_hand: 50 }, status: 405, code: "method_not_allowed" },
  { cat: METHODS, name: "DELETE a product", method: "DELETE", path: `/v1/skus/${PHONE}`, token: true, status: 405, code: "method_not_allowed" },
  { cat: METHODS, name: "POST availability", method: "POST", path: `/v1/skus/${PHONE}/availability`, body: { qty: 1 }, status: 405, code: "method_not_allowed" },
  { cat: METHODS, name: "PUT reservations", method: "PUT", path: "/v1/reservations", key: "w-1", body: { sku: PHONE, qty: 1 }, status: 405, code: "method_not_allowed" },
  { cat: METHODS, name: "GET a cancel", method: "GET", path: `/v1/orders/${ORDER}/cancel`, token: true, status: 405, code: "method_not_allowed" },
  { cat: METHODS, name: "DELETE the event feed", method: "DELETE", path: "/v1/events", token: true, status: 405, code: "method_not_allowed" },
  { cat: METHODS, name: "POST analytics", method: "POST", path: "/v1/analytics", token: true, body: {}, status: 405, code: "method_not_allowed" },
  { cat: METHODS, name: "PUT webhook endpoints", method: "PUT", path: "/v1/webhook-endpoints", token: true, body: { url: "https://erp.example.com/h", events: ["*"] }, status: 405, code: "method_not_allowed" },
  { cat: METHODS, name: "GET a webhook test", method: "GET", path: () => `/v1/webhook-endpoints/${F.endpoint}/test`, token: true, status: 405, code: "method_not_allowed" },
  { cat: METHODS, name: "GET the Shopify webhook", method: "GET", path: "/v1/adapters/shopify/webhooks", status: 405, code: "method_not_allowed" },
  { cat: METHODS, name: "GET the demo checkout", method: "GET", path: "/v1/demo/checkout", status: 405, code: "method_not_allowed" },
  { cat: METHODS, name: "a cross-origin preflight for a merchant endpoint", method: "OPTIONS", path: `/v1/skus/${PHONE}`, headers: { origin: "https://evil.example", "access-control-request-method": "PUT" }, status: 403, code: "cors_forbidden" },
  { cat: METHODS, name: "PROPFIND a product (a method workers-rs does not know)", method: "PROPFIND", path: `/v1/skus/${PHONE}`, token: true, status: 405, code: "method_not_allowed" },
  { cat: METHODS, name: "MKCOL reservations: the 405 must name MKCOL", method: "MKCOL", path: "/v1/reservations", status: 405, code: "method_not_allowed", message: /MKCOL/ },

  // ── wrong content types ─────────────────────────────────────────────────────────────────
  { cat: CTYPES, name: "demo checkout: text/plain", method: "POST", path: "/v1/demo/checkout", key: "c-1", headers: { "content-type": "text/plain" }, body: '{"lines":[{"sku":"BI-PHONE","qty":1}]}', status: 415, code: "unsupported_media_type" },
  { cat: CTYPES, name: "demo checkout: a form", method: "POST", path: "/v1/demo/checkout", key: "c-2", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "sku=BI-PHONE&qty=1", status: 415, code: "unsupported_media_type" },
  { cat: CTYPES, name: "demo checkout: multipart", method: "POST", path: "/v1/demo/checkout", key: "c-3", body: () => { const form = new FormData(); form.append("lines", '[{"sku":"BI-PHONE","qty":1}]'); return form; }, status: 415, code: "unsupported_media_type" },
  { cat: CTYPES, name: "demo checkout: no content type", method: "POST", path: "/v1/demo/checkout", key: "c-4", headers: { "content-type": null }, body: bytes('{"lines":[{"sku":"BI-PHONE","qty":1}]}'), status: 415, code: "unsupported_media_type" },
  { cat: CTYPES, name: "reservation: a form body", method: "POST", path: "/v1/reservations", key: "c-5", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "sku=BI-PHONE&qty=1", status: 400, code: INVALID },
  { cat: CTYPES, name: "reservation: UTF-16 JSON", method: "POST", path: "/v1/reservations", key: "c-6", headers: { "content-type": "application/json; charset=utf-16le" }, body: () => new Uint8Array(Buffer.from('{"sku":"BI-PHONE","qty":1}', "utf16le")), status: 400, code: INVALID },
  { cat: CTYPES, name: "order: multipart form", method: "POST", path: "/v1/orders", token: true, body: () => { const form = new FormData(); form.append("order_id", GHOST_ORDER); return form; }, status: 400, code: INVALID },
  { cat: CTYPES, name: "product: text/plain key=value", method: "PUT", path: `/v1/skus/${PHONE}`, token: true, headers: { "content-type": "text/plain" }, body: "on_hand=50", status: 400, code: INVALID },

  // ── bodies over the limit ───────────────────────────────────────────────────────────────
  { cat: SIZE, name: "reservation: 64 KiB + 1", method: "POST", path: "/v1/reservations", key: "s-1", body: sized(65_537), status: 413, code: "payload_too_large", message: /65536/ },
  { cat: SIZE, name: "reservation: exactly 64 KiB is read (and refused for its field)", method: "POST", path: "/v1/reservations", key: "s-2", body: sized(65_536), status: 400, code: INVALID, message: /unknown field `pad`/ },
  { cat: SIZE, name: "product: 70 kB of valid JSON", method: "PUT", path: `/v1/skus/${PHONE}`, token: true, body: { name: "n".repeat(70_000) }, status: 413, code: "payload_too_large" },
  { cat: SIZE, name: "order: 2,800 lines (73 kB)", method: "POST", path: "/v1/orders", token: true, body: { order_id: GHOST_ORDER, lines: lines(2_800) }, status: 413, code: "payload_too_large" },
  { cat: SIZE, name: "over the limit without the token: 401 first", method: "PUT", path: `/v1/skus/${PHONE}`, raw: true, declared: 100_000, body: '{"name":"', status: 401, code: "unauthorized" },
  { cat: SIZE, name: "a declared Content-Length of 70,000 with a short body", method: "POST", path: "/v1/reservations", key: "s-3", raw: true, declared: 70_000, body: '{"sku":"BI-PHONE",', status: 413, code: "payload_too_large" },
  { cat: SIZE, name: "Shopify webhook: 1 MiB + 1 declared", method: "POST", path: "/v1/adapters/shopify/webhooks", raw: true, declared: 1024 * 1024 + 1, headers: { "x-shopify-topic": "orders/create", "x-shopify-webhook-id": "big-1", "x-shopify-hmac-sha256": "AAAA" }, body: '{"id":1,', status: 413, code: "payload_too_large", message: /1048576/ },
  { cat: SIZE, name: "Shopify webhook: 100 kB is under its own limit (then refused for its HMAC)", method: "POST", path: "/v1/adapters/shopify/webhooks", headers: { "x-shopify-topic": "orders/create", "x-shopify-webhook-id": "big-2", "x-shopify-hmac-sha256": "AAAA" }, body: `{"id":1,"note":"${"n".repeat(100_000)}"}`, status: 401, code: "unauthorized" },

  // ── bodies that arrive slowly (3 chunks 200 ms apart; see `trickle`) ─────────────────────
  { cat: SLOW, name: "reservation: an unknown field, slowly", method: "POST", path: "/v1/reservations", key: "sl-1", body: slow('{"sku":"BI-PHONE",', '"qty":1,', '"gift":true}'), status: 400, code: INVALID, message: /unknown field `gift`/ },
  { cat: SLOW, name: "product: truncated, slowly", method: "PUT", path: `/v1/skus/${PHONE}`, token: true, body: slow('{"on_hand"', ":", "50"), status: 400, code: INVALID, message: /EOF/ },
  { cat: SLOW, name: "receipt: over 64 KiB, slowly and without a length", method: "POST", path: `/v1/skus/${PHONE}/receipts`, token: true, body: slow("x".repeat(30_000), "x".repeat(30_000), "x".repeat(30_000)), status: 413, code: "payload_too_large" },
  { cat: SLOW, name: "order: without the token, slowly", method: "POST", path: "/v1/orders", body: slow(`{"order_id":"${GHOST_ORDER}",`, '"lines":[{"sku":"BI-PHONE",', '"qty":1}]}'), status: 401, code: "unauthorized" },

  // ── path traversal ──────────────────────────────────────────────────────────────────────
  { cat: TRAVERSAL, name: "../../etc/passwd (normalised by the URL parser)", method: "GET", path: "/v1/skus/../../etc/passwd", status: 404, code: "not_found" },
  { cat: TRAVERSAL, name: "raw ../../etc/passwd", method: "GET", path: "/v1/skus/../../etc/passwd", raw: true, status: 404, code: "not_found" },
  { cat: TRAVERSAL, name: "raw: from a public path into the merchant feed needs the token", method: "GET", path: `/v1/skus/${PHONE}/availability/../../../events`, raw: true, status: 401, code: "unauthorized" },
  { cat: TRAVERSAL, name: "raw: backslashes are slashes, and still need the token", method: "GET", path: `/v1/skus/${PHONE}\\..\\..\\events`, raw: true, status: 401, code: "unauthorized" },
  { cat: TRAVERSAL, name: "raw: encoded slashes in a SKU", method: "GET", path: "/v1/skus/..%2F..%2Fevents/availability", raw: true, status: 400, code: INVALID, message: /sku/ },
  { cat: TRAVERSAL, name: "raw: encoded dots and slashes in an order id", method: "GET", path: "/v1/orders/%2e%2e%2f%2e%2e%2fevents", raw: true, token: true, status: 400, code: INVALID, message: /order_id `\.\.\/\.\.\/events`/ },
  { cat: TRAVERSAL, name: "raw: encoded traversal in a purchase-order id", method: "PUT", path: `/v1/skus/${PHONE}/purchase-orders/..%2F..%2Freceipts`, raw: true, token: true, body: '{"qty":9,"expected_date":"2026-12-10"}', status: 400, code: INVALID, message: /po_id/ },
  { cat: TRAVERSAL, name: "raw: encoded traversal in a webhook endpoint id", method: "DELETE", path: "/v1/webhook-endpoints/..%2F..%2Fskus", raw: true, token: true, status: 400, code: INVALID, message: /endpoint id/ },
  { cat: TRAVERSAL, name: "raw: traversal after a reservation id's SKU", method: "DELETE", path: `/v1/reservations/res_${HEX}.%2e%2e%2fBI-PHONE`, raw: true, status: 404, code: "not_found" },
  { cat: TRAVERSAL, name: "raw: one adapter to another needs the token", method: "PUT", path: "/v1/adapters/shopify/../bigcommerce", raw: true, body: '{"store_hash":"zzz999"}', status: 401, code: "unauthorized" },
  { cat: TRAVERSAL, name: "an order id of two encoded dots", method: "GET", path: "/v1/orders/%2e%2e", token: true, status: 404, code: "not_found" },

  // ── missing and wrong tokens, signatures and status tokens ──────────────────────────────
  { cat: AUTH, name: "list products without a token", method: "GET", path: "/v1/skus", status: 401, code: "unauthorized" },
  { cat: AUTH, name: "update a product with a wrong token", method: "PUT", path: `/v1/skus/${PHONE}`, token: "wrong", body: { on_hand: 50 }, status: 401, code: "unauthorized" },
  { cat: AUTH, name: "a receipt with the token one character short", method: "POST", path: `/v1/skus/${PHONE}/receipts`, token: TOKEN.slice(0, -1), body: { qty: 5 }, status: 401, code: "unauthorized" },
  { cat: AUTH, name: "a purchase order with the token one character long", method: "PUT", path: `/v1/skus/${PHONE}/purchase-orders/PO-1`, token: `${TOKEN}0`, body: { qty: 9, expected_date: "2026-12-10" }, status: 401, code: "unauthorized" },
  { cat: AUTH, name: "cancel a purchase order with Basic auth", method: "DELETE", path: `/v1/skus/${PHONE}/purchase-orders/PO-1`, headers: { authorization: `Basic ${TOKEN}` }, status: 401, code: "unauthorized" },
  { cat: AUTH, name: "the backorder queue with the token in the query", method: "GET", path: `/v1/skus/${PHONE}/backorders?token=${TOKEN}`, status: 401, code: "unauthorized" },
  { cat: AUTH, name: "place an order with an upper-cased token", method: "POST", path: "/v1/orders", token: TOKEN.toUpperCase(), body: { order_id: GHOST_ORDER, lines: [{ sku: PHONE, qty: 1 }] }, status: 401, code: "unauthorized" },
  { cat: AUTH, name: "cancel the order with no token", method: "POST", path: `/v1/orders/${ORDER}/cancel`, status: 401, code: "unauthorized" },
  { cat: AUTH, name: "read the order with `Bearer` alone", method: "GET", path: `/v1/orders/${ORDER}`, headers: { authorization: "Bearer" }, status: 401, code: "unauthorized" },
  { cat: AUTH, name: "a new status token without the merchant token", method: "POST", path: `/v1/orders/${ORDER}/status-token`, status: 401, code: "unauthorized" },
  { cat: AUTH, name: "the event feed with the token twice", method: "GET", path: "/v1/events", headers: { authorization: `Bearer ${TOKEN}, Bearer ${TOKEN}` }, status: 401, code: "unauthorized" },
  { cat: AUTH, name: "analytics without a token", method: "GET", path: "/v1/analytics", status: 401, code: "unauthorized" },
  { cat: AUTH, name: "create a webhook endpoint without a token", method: "POST", path: "/v1/webhook-endpoints", body: { url: "https://erp.example.com/h", events: ["*"] }, status: 401, code: "unauthorized" },
  { cat: AUTH, name: "delete a webhook endpoint with a wrong token", method: "DELETE", path: () => `/v1/webhook-endpoints/${F.endpoint}`, token: "wrong", status: 401, code: "unauthorized" },
  { cat: AUTH, name: "rotate a webhook secret without a token", method: "POST", path: () => `/v1/webhook-endpoints/${F.endpoint}/rotate-secret`, status: 401, code: "unauthorized" },
  { cat: AUTH, name: "read the adapters without a token", method: "GET", path: "/v1/adapters", status: 401, code: "unauthorized" },
  { cat: AUTH, name: "configure Shopify with a wrong token", method: "PUT", path: "/v1/adapters/shopify", token: "wrong", body: { shop_domain: "other.myshopify.com", client_secret: "shpss_other_0123456789abc" }, status: 401, code: "unauthorized" },
  { cat: AUTH, name: "Shopify webhook without an HMAC", method: "POST", path: "/v1/adapters/shopify/webhooks", headers: { "x-shopify-topic": "orders/create", "x-shopify-webhook-id": "auth-1" }, body: '{"id":5001,"line_items":[{"sku":"BI-PHONE","quantity":1}]}', status: 401, code: "unauthorized" },
  { cat: AUTH, name: "Shopify webhook signed with another secret", method: "POST", path: "/v1/adapters/shopify/webhooks", headers: { "x-shopify-topic": "orders/create", "x-shopify-webhook-id": "auth-2", "x-shopify-hmac-sha256": shopifyHmac('{"id":5002,"line_items":[{"sku":"BI-PHONE","quantity":1}]}', "another-secret-0123456789") }, body: '{"id":5002,"line_items":[{"sku":"BI-PHONE","quantity":1}]}', status: 401, code: "unauthorized" },
  { cat: AUTH, name: "Shopify webhook: the HMAC of another body", method: "POST", path: "/v1/adapters/shopify/webhooks", headers: { "x-shopify-topic": "orders/create", "x-shopify-webhook-id": "auth-3", "x-shopify-hmac-sha256": shopifyHmac('{"id":5003,"line_items":[{"sku":"BI-PHONE","quantity":1}]}') }, body: '{"id":5003,"line_items":[{"sku":"BI-PHONE","quantity":9}]}', status: 401, code: "unauthorized" },
  { cat: AUTH, name: "Shopify webhook: validly signed, no webhook id", method: "POST", path: "/v1/adapters/shopify/webhooks", headers: { "x-shopify-topic": "orders/create", "x-shopify-hmac-sha256": shopifyHmac('{"id":5004}') }, body: '{"id":5004}', status: 400, code: INVALID, message: /X-Shopify-Webhook-Id/ },
  { cat: AUTH, name: "BigCommerce webhook without the secret", method: "POST", path: "/v1/adapters/bigcommerce/webhooks", body: '{"scope":"store/order/created","data":{"type":"order","id":77},"hash":"h-1"}', status: 401, code: "unauthorized" },
  { cat: AUTH, name: "BigCommerce webhook with the secret upper-cased", method: "POST", path: "/v1/adapters/bigcommerce/webhooks", headers: { "x-backorder-webhook-secret": BC_SECRET.toUpperCase() }, body: '{"scope":"store/order/created","data":{"type":"order","id":77},"hash":"h-2"}', status: 401, code: "unauthorized" },
  { cat: AUTH, name: "order status without a token", method: "GET", path: `/v1/orders/${ORDER}/status`, status: 400, code: INVALID, message: /token is required/ },
  { cat: AUTH, name: "order status with a wrong token", method: "GET", path: `/v1/orders/${ORDER}/status?token=${"0".repeat(32)}`, status: 404, code: "not_found" },
  { cat: AUTH, name: "order status: upper-case token", method: "GET", path: () => `/v1/orders/${ORDER}/status?token=${F.statusToken.toUpperCase()}`, status: 400, code: INVALID, message: /32 hex digits/ },
  { cat: AUTH, name: "order status: the right token for another order", method: "GET", path: () => `/v1/orders/${GHOST_ORDER}/status?token=${F.statusToken}`, status: 404, code: "not_found" },
  { cat: AUTH, name: "delay answer with a wrong token", method: "POST", path: `/v1/orders/${ORDER}/delay`, body: { token: "f".repeat(32), decision: "cancel" }, status: 404, code: "not_found" },

  // ── refusals, unknown ids and conflicts ─────────────────────────────────────────────────
  { cat: DOMAIN, name: "availability of an unknown SKU", method: "GET", path: `/v1/skus/${GHOST}/availability?qty=1`, status: 404, code: "not_found" },
  { cat: DOMAIN, name: "availability: ship neither partial nor complete", method: "GET", path: `/v1/skus/${PHONE}/availability?qty=1&ship=later`, status: 400, code: INVALID, message: /ship must be/ },
  { cat: DOMAIN, name: "reservation without an Idempotency-Key", method: "POST", path: "/v1/reservations", body: { sku: PHONE, qty: 1 }, status: 400, code: INVALID, message: /Idempotency-Key header is required/ },
  { cat: DOMAIN, name: "reservation of an unknown SKU", method: "POST", path: "/v1/reservations", key: "r-1", body: { sku: GHOST, qty: 1 }, status: 404, code: "not_found" },
  { cat: DOMAIN, name: "reservation beyond stock with backorders denied", method: "POST", path: "/v1/reservations", key: "r-2", body: { sku: CASE, qty: 1 }, status: 409, code: "insufficient_stock" },
  { cat: DOMAIN, name: "reservation of a discontinued item", method: "POST", path: "/v1/reservations", key: "r-3", body: { sku: OLD, qty: 1 }, status: 409, code: "discontinued" },
  { cat: DOMAIN, name: "the fixture hold's key with another quantity", method: "POST", path: "/v1/reservations", key: "fixture-hold", body: { sku: PHONE, qty: 2 }, status: 422, code: "idempotency_key_reused" },
  { cat: DOMAIN, name: "the fixture hold's key for another SKU", method: "POST", path: "/v1/reservations", key: "fixture-hold", body: { sku: CASE, qty: 1 }, status: 422, code: "idempotency_key_reused" },
  { cat: DOMAIN, name: "read an unknown reservation", method: "GET", path: `/v1/reservations/res_${HEX}.${PHONE}`, status: 404, code: "not_found" },
  { cat: DOMAIN, name: "release an unknown reservation", method: "DELETE", path: `/v1/reservations/res_${HEX}.${PHONE}`, status: 404, code: "not_found" },
  { cat: DOMAIN, name: "create a product without on_hand", method: "PUT", path: `/v1/skus/${GHOST}`, token: true, body: { name: "Ghost" }, status: 400, code: INVALID, message: /on_hand is required/ },
  { cat: DOMAIN, name: "on_hand below the held units", method: "PUT", path: `/v1/skus/${PHONE}`, token: true, body: { on_hand: 0 }, status: 400, code: INVALID, message: /held by reservations/ },
  { cat: DOMAIN, name: "a product of an unknown SKU", method: "GET", path: `/v1/skus/${GHOST}`, token: true, status: 404, code: "not_found" },
  { cat: DOMAIN, name: "the queue of an unknown SKU", method: "GET", path: `/v1/skus/${GHOST}/backorders`, token: true, status: 404, code: "not_found" },
  { cat: DOMAIN, name: "a receipt against an unknown purchase order", method: "POST", path: `/v1/skus/${PHONE}/receipts`, token: true, body: { qty: 5, po_id: "PO-404" }, status: 404, code: "not_found" },
  { cat: DOMAIN, name: "a receipt for an unknown SKU", method: "POST", path: `/v1/skus/${GHOST}/receipts`, token: true, body: { qty: 5 }, status: 404, code: "not_found" },
  { cat: DOMAIN, name: "cancel an unknown purchase order", method: "DELETE", path: `/v1/skus/${PHONE}/purchase-orders/PO-404`, token: true, status: 404, code: "not_found" },
  { cat: DOMAIN, name: "order: the fixture order's id with other lines", method: "POST", path: "/v1/orders", token: true, body: { order_id: ORDER, lines: [{ sku: PHONE, qty: 5 }] }, status: 422, code: "idempotency_key_reused" },
  { cat: DOMAIN, name: "order: a held reservation beside a refused line keeps its hold", method: "POST", path: "/v1/orders", token: true, body: () => ({ order_id: GHOST_ORDER, lines: [{ sku: PHONE, qty: 1, reservation_id: F.hold }, { sku: CASE, qty: 1 }] }), status: 409, code: "insufficient_stock", message: /line 1 \(BI-CASE\)/ },
  { cat: DOMAIN, name: "order: a reservation for another quantity", method: "POST", path: "/v1/orders", token: true, body: () => ({ order_id: GHOST_ORDER, lines: [{ sku: PHONE, qty: 2, reservation_id: F.hold }] }), status: 400, code: INVALID, message: /qty differs/ },
  { cat: DOMAIN, name: "order: a reservation of another SKU", method: "POST", path: "/v1/orders", token: true, body: () => ({ order_id: GHOST_ORDER, lines: [{ sku: CASE, qty: 1, reservation_id: F.hold }] }), status: 400, code: INVALID, message: /reservation_id/ },
  { cat: DOMAIN, name: "order: an unknown reservation", method: "POST", path: "/v1/orders", token: true, body: { order_id: GHOST_ORDER, lines: [{ sku: PHONE, qty: 1, reservation_id: `res_${HEX}.${PHONE}` }] }, status: 404, code: "not_found" },
  { cat: DOMAIN, name: "order: a discontinued item", method: "POST", path: "/v1/orders", token: true, body: { order_id: GHOST_ORDER, lines: [{ sku: PHONE, qty: 1 }, { sku: OLD, qty: 1 }] }, status: 409, code: "discontinued", message: /line 1 \(BI-OLD\)/ },
  { cat: DOMAIN, name: "order: an unknown SKU", method: "POST", path: "/v1/orders", token: true, body: { order_id: GHOST_ORDER, lines: [{ sku: GHOST, qty: 1 }] }, status: 404, code: "not_found" },
  { cat: DOMAIN, name: "read an unknown order", method: "GET", path: `/v1/orders/${GHOST_ORDER}`, token: true, status: 404, code: "not_found" },
  { cat: DOMAIN, name: "cancel an unknown order", method: "POST", path: `/v1/orders/${GHOST_ORDER}/cancel`, token: true, status: 404, code: "not_found" },
  { cat: DOMAIN, name: "cancel a line the order does not have", method: "POST", path: `/v1/orders/${ORDER}/cancel`, token: true, body: { sku: CASE }, status: 404, code: "not_found" },
  { cat: DOMAIN, name: "cancel a line with a malformed SKU", method: "POST", path: `/v1/orders/${ORDER}/cancel`, token: true, body: { sku: "BI PHONE" }, status: 400, code: INVALID, message: /sku/ },
  { cat: DOMAIN, name: "a delay answer with no notice pending", method: "POST", path: `/v1/orders/${ORDER}/delay`, body: () => ({ token: F.statusToken, decision: "cancel" }), status: 409, code: "no_delay_pending" },
  { cat: DOMAIN, name: "a new status token for an unknown order", method: "POST", path: `/v1/orders/${GHOST_ORDER}/status-token`, token: true, status: 404, code: "not_found" },
  { cat: DOMAIN, name: "read an unknown webhook endpoint", method: "GET", path: "/v1/webhook-endpoints/we_0000000000000000", token: true, status: 404, code: "not_found" },
  { cat: DOMAIN, name: "update an unknown webhook endpoint", method: "PATCH", path: "/v1/webhook-endpoints/we_0000000000000000", token: true, body: { enabled: false }, status: 404, code: "not_found" },
  { cat: DOMAIN, name: "the deliveries of an unknown webhook endpoint", method: "GET", path: "/v1/webhook-endpoints/we_0000000000000000/deliveries", token: true, status: 404, code: "not_found" },
  { cat: DOMAIN, name: "test a disabled webhook endpoint", method: "POST", path: () => `/v1/webhook-endpoints/${F.disabledEndpoint}/test`, token: true, status: 409, code: "endpoint_disabled" },
  { cat: DOMAIN, name: "retry an unknown delivery", method: "POST", path: () => `/v1/webhook-endpoints/${F.endpoint}/deliveries/dlv_999/retry`, token: true, status: 404, code: "not_found" },
  { cat: DOMAIN, name: "retry a malformed delivery id", method: "POST", path: () => `/v1/webhook-endpoints/${F.endpoint}/deliveries/dlv%201/retry`, token: true, status: 400, code: INVALID, message: /delivery id/ },
  { cat: DOMAIN, name: "configure Shopify for another domain", method: "PUT", path: "/v1/adapters/shopify", token: true, body: { shop_domain: "evil.example.com", client_secret: "shpss_other_0123456789abc" }, status: 400, code: INVALID, message: /shop_domain/ },
  { cat: DOMAIN, name: "configure an unknown platform", method: "PUT", path: "/v1/adapters/woocommerce", token: true, body: {}, status: 404, code: "not_found" },
  { cat: DOMAIN, name: "demo checkout without an Idempotency-Key", method: "POST", path: "/v1/demo/checkout", body: { lines: [{ sku: PHONE, qty: 1 }] }, status: 400, code: INVALID, message: /Idempotency-Key/ },
  { cat: DOMAIN, name: "demo checkout of a denied backorder", method: "POST", path: "/v1/demo/checkout", key: "r-demo-1", body: { lines: [{ sku: CASE, qty: 1 }] }, status: 409, code: "insufficient_stock" },
];

// ── the machinery ─────────────────────────────────────────────────────────────────────────

let mf;
let origin; // Miniflare's own URL, for raw requests
let baseline;

const resolve = (value) => (typeof value === "function" ? value(F) : value);

/** A fresh ReadableStream of `chunks`, 200 ms apart (no length: it is sent chunked). */
function trickle(chunks) {
  let sent = 0;
  return new ReadableStream({
    async pull(controller) {
      if (sent > 0) await new Promise((wake) => setTimeout(wake, 200));
      if (sent < chunks.length) controller.enqueue(utf8(chunks[sent++]));
      else controller.close();
    },
  });
}

/** Sends a case (or any request of the same shape): status, headers, text, parsed JSON. */
async function send(c) {
  const headers = { "x-backorder-now": NOW };
  if (c.token) headers.authorization = `Bearer ${c.token === true ? TOKEN : c.token}`;
  if (c.key !== undefined) headers["idempotency-key"] = c.key;
  let body = resolve(c.body);
  if (body !== undefined && !(body instanceof FormData)) headers["content-type"] = "application/json";
  Object.assign(headers, resolve(c.headers) ?? {});
  for (const name of Object.keys(headers)) if (headers[name] === null) delete headers[name];
  if (body !== undefined && body !== null && typeof body === "object") {
    if (body.slow) body = trickle(body.slow);
    else if (!(body instanceof Uint8Array) && !(body instanceof FormData)) body = JSON.stringify(body);
  }
  const path = resolve(c.path);
  const reply = c.raw ? await sendRaw(c.method, path, headers, body, c.declared) : await sendFetch(c.method, path, headers, body);
  let json;
  try {
    json = reply.text ? JSON.parse(reply.text) : undefined;
  } catch {
    json = undefined;
  }
  return { ...reply, json };
}

async function sendFetch(method, path, headers, body) {
  const init = { method, headers };
  if (body !== undefined) init.body = body;
  if (body instanceof ReadableStream) init.duplex = "half";
  const response = await mf.dispatchFetch(`http://edge.test${path}`, init);
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/**
 * The request line exactly as written (fetch would normalise `..` and `\` first), through
 * node:http. With `declared`, that Content-Length is sent with only `body`, and the answer
 * read without finishing the body.
 */
function sendRaw(method, path, headers, body, declared) {
  return new Promise((done, fail) => {
    const sent = { ...headers };
    if (declared) sent["content-length"] = String(declared);
    else if (body !== undefined) sent["content-length"] = String(Buffer.byteLength(body));
    const request = http.request(origin, { method, path, headers: sent }, (response) => {
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (chunk) => (text += chunk));
      response.on("end", () => {
        done({ status: response.statusCode, headers: new Headers(response.headers), text });
        if (declared) request.destroy();
      });
    });
    request.on("error", fail);
    if (body !== undefined) request.write(body);
    if (!declared) request.end();
  });
}

/** A merchant (or public) read at NOW: the status and the parsed body. */
async function read(path, token = true) {
  const reply = await send({ method: "GET", path, token });
  return { status: reply.status, body: reply.json ?? reply.text };
}

/** Every event in the feed, paging to the end. */
async function allEvents() {
  const events = [];
  let after = 0;
  for (;;) {
    const page = await read(`/v1/events?after=${after}&limit=500`);
    assert.equal(page.status, 200);
    events.push(...page.body.events);
    if (page.body.events.length < 500) return { events, next_cursor: page.body.next_cursor };
    after = page.body.next_cursor;
  }
}

/** What a snapshot reads, by name: the store as the merchant API shows it. */
const READS = {
  // Every fixture product's whole document: policy, on_hand, available_now, holds, queue, POs.
  [PHONE]: () => `/v1/skus/${PHONE}`,
  [CASE]: () => `/v1/skus/${CASE}`,
  [OLD]: () => `/v1/skus/${OLD}`,
  [GHOST]: () => `/v1/skus/${GHOST}`, // 404, unless a refused create made it
  catalog: () => "/v1/skus?limit=200", // any product created by mistake shows here
  queue: () => `/v1/skus/${PHONE}/backorders`,
  availability: () => `/v1/skus/${PHONE}/availability?qty=3`,
  hold: () => `/v1/reservations/${F.hold}`,
  order: () => `/v1/orders/${ORDER}`,
  orderStatus: () => `/v1/orders/${ORDER}/status?token=${F.statusToken}`, // a rotated token would 404 it
  ghostOrder: () => `/v1/orders/${GHOST_ORDER}`, // 404, unless a refused order was placed
  endpoints: () => "/v1/webhook-endpoints",
  deliveries: () => `/v1/webhook-endpoints/${F.endpoint}/deliveries`,
  disabledDeliveries: () => `/v1/webhook-endpoints/${F.disabledEndpoint}/deliveries`,
  adapters: () => "/v1/adapters",
  analytics: () => "/v1/analytics?from=2026-11-01&to=2026-11-30",
};
const ALL = [...Object.keys(READS), "feed"];

/** The named reads (all of them by default) at NOW, in parallel; `feed` is the whole event feed. */
async function snapshot(names = ALL) {
  const entries = await Promise.all(
    names.map(async (name) => [name, name === "feed" ? await allEvents() : await read(READS[name]())]),
  );
  return Object.fromEntries(entries);
}

/**
 * What to read back after a write case. A full snapshot per case would take most of a
 * minute, so each case reads what it could touch, and the final check reads everything:
 * always the event feed and the main product (its document holds its holds, queue and
 * purchase orders); every other fixture SKU the case names; the catalog when the case names
 * the unknown SKU or creates a product; the order, its status page and the unused order id
 * for order routes; the endpoints and their logs for webhook routes; the adapters for
 * adapter routes.
 */
function readsFor(c) {
  const body = resolve(c.body);
  const text = [
    resolve(c.path),
    body instanceof Uint8Array ? new TextDecoder().decode(body) : (JSON.stringify(body) ?? ""),
  ].join(" ");
  const path = String(resolve(c.path));
  const names = new Set(["feed", PHONE]); // the main product's document holds its holds and queue
  for (const sku of [CASE, OLD, GHOST]) if (text.includes(sku)) names.add(sku);
  if (text.includes(GHOST) || (c.method === "PUT" && /^\/v1\/skus\/[^/]+$/.test(path))) names.add("catalog");
  if (/^\/v1\/(orders|demo)/.test(path)) ["order", "orderStatus", "ghostOrder"].forEach((n) => names.add(n));
  if (path.includes("webhook-endpoints")) ["endpoints", "deliveries", "disabledDeliveries"].forEach((n) => names.add(n));
  if (path.includes("/adapters")) names.add("adapters");
  return [...names];
}

/** The fixture: products, a purchase order, a hold, an order with a backorder, endpoints, adapters. */
async function setUp() {
  const ok = async (method, path, options, status) => {
    const reply = await send({ method, path, ...options });
    assert.equal(reply.status, status, `${method} ${path}: ${reply.text}`);
    return reply.json;
  };
  await ok("PUT", `/v1/skus/${PHONE}`, { token: true, body: { name: "Phone", on_hand: 3 } }, 201);
  await ok("PUT", `/v1/skus/${CASE}`, { token: true, body: { name: "Case", on_hand: 0, backorders: "deny" } }, 201);
  await ok("PUT", `/v1/skus/${OLD}`, { token: true, body: { name: "Old phone", on_hand: 0, discontinued: true } }, 201);
  await ok("PUT", `/v1/skus/${PHONE}/purchase-orders/PO-1`, { token: true, body: { qty: 5, expected_date: "2026-12-10" } }, 201);
  F.hold = (await ok("POST", "/v1/reservations", { key: "fixture-hold", body: { sku: PHONE, qty: 1 } }, 201)).id;
  const order = await ok("POST", "/v1/orders", { token: true, body: { order_id: ORDER, lines: [{ sku: PHONE, qty: 4 }] } }, 201);
  assert.deepEqual([order.lines[0].now, order.lines[0].backorder], [2, 2], "2 ship now, 2 are backordered");
  F.statusToken = order.status_token;
  // Nobody listens on this port; the endpoints subscribe to a type no case may cause.
  const hook = `http://127.0.0.1:${await freePort()}/hook`;
  const endpoint = { url: hook, events: ["refund_due"], description: "bad-input fixture" };
  F.endpoint = (await ok("POST", "/v1/webhook-endpoints", { token: true, body: endpoint }, 201)).id;
  F.disabledEndpoint = (await ok("POST", "/v1/webhook-endpoints", { token: true, body: { ...endpoint, description: "disabled" } }, 201)).id;
  await ok("PATCH", `/v1/webhook-endpoints/${F.disabledEndpoint}`, { token: true, body: { enabled: false } }, 200);
  await ok("PUT", "/v1/adapters/shopify", { token: true, body: { shop_domain: "bad-input.myshopify.com", client_secret: SHOPIFY_SECRET } }, 200);
  const bigcommerce = { store_hash: "abc123", access_token: "bc-bad-input-token-0123456789", webhook_secret: BC_SECRET, api_base: hook.replace("/hook", "") };
  await ok("PUT", "/v1/adapters/bigcommerce", { token: true, body: bigcommerce }, 200);
}

before(async () => {
  mf = startEdge({ persist: tempState("bad-input") });
  origin = new URL(await mf.ready);
  await setUp();
  baseline = await snapshot();
  // The snapshot is deterministic at a fixed NOW: otherwise comparing it would prove nothing.
  assert.deepEqual(await snapshot(), baseline, "two snapshots in a row agree");
  assert.equal(baseline.hold.body.status, "held");
  assert.equal(baseline.queue.body.lines.length, 1);
  assert.equal(baseline.orderStatus.status, 200);
  assert.equal(baseline[GHOST].status, 404);
  assert.equal(baseline.endpoints.body.endpoints.length, 2);
  assert.ok(baseline.adapters.body.shopify && baseline.adapters.body.bigcommerce);
});
after(() => mf?.dispose());

describe("the bad-input catalog", () => {
  test("the table covers at least 60 cases and every category", (t) => {
    assert.ok(CASES.length >= 60, `${CASES.length} cases`);
    const categories = new Set(CASES.map((c) => c.cat));
    t.diagnostic(`${CASES.length} cases`);
    for (const cat of categories) t.diagnostic(`${cat}: ${CASES.filter((c) => c.cat === cat).length}`);
    for (const cat of [MALFORMED, TYPES, LIMITS, DUPES, UNICODE, OVERLONG, METHODS, CTYPES, SIZE, SLOW, TRAVERSAL, AUTH, DOMAIN]) {
      assert.ok(categories.has(cat), cat);
    }
    assert.equal(new Set(CASES.map((c) => c.name)).size, CASES.length, "case names are unique");
  });

  // Writes are checked case by case (what `readsFor` says they could touch); a read-only
  // case (GET) is checked by the next write's reads and by the final full snapshot (a GET at
  // a fixed NOW has nothing to change).
  let state; // the latest read of each snapshot entry
  let readsSince = []; // read-only cases since the last check
  for (const c of CASES) {
    test(`[${c.cat}] ${c.name} → ${c.status}${c.code ? ` ${c.code}` : ""}`, async () => {
      const reply = await send(c);
      const shown = `${c.method} ${String(resolve(c.path)).slice(0, 120)} → ${reply.status} ${reply.text.slice(0, 300)}`;
      // Read the state back first, so that a change is blamed on this case whatever else fails.
      if (c.method === "GET") {
        readsSince.push(c.name);
      } else {
        const names = readsFor(c);
        const now = await snapshot(names);
        state ??= { ...baseline };
        const also = readsSince.length ? ` (or one of the reads before it: ${readsSince.join("; ")})` : "";
        const changed = names.find((name) => !isDeepStrictEqual(now[name], state[name]));
        const before = changed && state[changed];
        Object.assign(state, now); // the next case is compared with this one's outcome
        readsSince = [];
        if (changed) assert.deepEqual(now[changed], before, `${changed} changed: ${shown}${also}`);
      }
      assert.ok(reply.status < 500, `never a 5xx for bad input: ${shown}`);
      assert.equal(reply.status, c.status, shown);
      if (c.bare) return;
      assert.match(reply.headers.get("content-type") ?? "", /^application\/json/, shown);
      assert.ok(reply.json && typeof reply.json === "object", `a JSON body: ${shown}`);
      assert.deepEqual(Object.keys(reply.json), ["error"], `only "error": ${shown}`);
      const { error } = reply.json;
      assert.equal(typeof error.code, "string", shown);
      assert.match(error.code, /^[a-z]+(_[a-z]+)*$/, `a snake_case code: ${shown}`);
      assert.equal(typeof error.message, "string", shown);
      assert.ok(error.message.trim().length > 0, `a message: ${shown}`);
      assert.ok(Object.keys(error).every((key) => ["code", "message", "line"].includes(key)), shown);
      if (c.code) assert.equal(error.code, c.code, shown);
      if (c.message) assert.match(error.message, c.message, shown);
    });
  }

  test("after the whole table the store is as the fixture left it", async () => {
    const now = await snapshot();
    assert.deepEqual(now, baseline);
    assert.equal(now.hold.body.status, "held", "the shopper's hold survived every refused order");
  });
});
