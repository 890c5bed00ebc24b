// Signed webhooks in workerd (Miniflare, real SQLite Durable Objects and alarms) against a
// real local HTTP receiver (a Node server started here), on the development clock: the
// signature verifies with node:crypto, retries follow the backoff, rotation signs with both
// secrets for a day, a disabled endpoint gets nothing, bad endpoint input changes nothing.
import { after, afterEach, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { createHmac, timingSafeEqual } from "node:crypto";
import { at, call, putProduct, reserve, startEdge, tempState } from "./support/edge.mjs";

const MINUTE = 1;
const DAY = 24 * 60 * MINUTE;

/**
 * A local receiver: every request is recorded; `answers[path]` is the list of statuses to
 * answer in turn (the last one repeats), or "hang" to never answer.
 */
function startReceiver(answers) {
  const received = [];
  const waiting = [];
  const hanging = new Set();
  const server = http.createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      const path = request.url;
      received.push({ path, headers: request.headers, body });
      const plan = answers[path] ?? [200];
      const count = received.filter((r) => r.path === path).length;
      const answer = plan[Math.min(count, plan.length) - 1];
      if (answer === "hang") hanging.add(response);
      else response.writeHead(answer).end("ok");
      for (const wait of waiting.splice(0)) wait();
    });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const base = `http://127.0.0.1:${server.address().port}`;
      resolve({
        url: (path) => `${base}${path}`,
        received: (path) => received.filter((r) => r.path === path),
        /** Resolves when `path` has had `n` requests (bounded: the dispatcher runs on alarms, which a
         *  loaded two-core machine may run seconds late, several in a row). */
        async until(path, n, timeoutMs = 30_000) {
          const deadline = Date.now() + timeoutMs;
          while (received.filter((r) => r.path === path).length < n) {
            if (Date.now() > deadline) throw new Error(`${path}: ${received.filter((r) => r.path === path).length} of ${n} requests`);
            await new Promise((wake) => {
              waiting.push(wake);
              setTimeout(wake, 250).unref();
            });
          }
          return received.filter((r) => r.path === path);
        },
        close: () =>
          new Promise((done) => {
            for (const response of hanging) response.destroy();
            server.closeAllConnections();
            server.close(done);
          }),
      });
    }),
  );
}

let mf;
let receiver;
beforeEach(async () => {
  mf = startEdge({ persist: tempState("webhooks") });
  receiver = await startReceiver({ "/flaky": [500, 500, 500, 200], "/down": [500], "/hang": ["hang"] });
});
afterEach(async () => {
  await mf.dispose();
  await receiver.close();
});
after(() => {});

const merchant = (method, path, body, now = at()) => call(mf, method, path, { body, token: true, now });
const createEndpoint = async (path, events = ["low_stock"], now = at()) => {
  const created = await merchant("POST", "/v1/webhook-endpoints", { url: receiver.url(path), events }, now);
  assert.equal(created.status, 201, created.text);
  return created.json;
};
/** A `low_stock` event on a fresh SKU at `now`: 3 on hand, threshold 2, one reserved. */
let skus = 0;
async function lowStock(now = at()) {
  const sku = `WH-${++skus}`;
  await putProduct(mf, sku, { on_hand: 3, low_stock_threshold: 2 }, now);
  const held = await reserve(mf, sku, 1, { now });
  assert.equal(held.status, 201);
  return sku;
}

/** Verifies a delivery as a receiver would: HMAC-SHA256 of "<t>.<body>", constant time, 5 minutes. */
function verifies(delivery, secret, nowSeconds) {
  const header = delivery.headers["backorder-signature"];
  const parts = header.split(",").map((part) => part.split("="));
  const t = parts.find(([k]) => k === "t")[1];
  if (Math.abs(nowSeconds - Number(t)) > 300) return false;
  const expected = createHmac("sha256", secret).update(`${t}.${delivery.body}`).digest();
  return parts
    .filter(([k]) => k === "v1")
    .some(([, v]) => v.length === expected.length * 2 && timingSafeEqual(Buffer.from(v, "hex"), expected));
}
const seconds = (iso) => Math.floor(Date.parse(iso) / 1000);

describe("delivery", () => {
  test("an event arrives signed; the signature verifies with node:crypto and fails for a tampered body", async () => {
    const endpoint = await createEndpoint("/ok");
    assert.match(endpoint.secret, /^whsec_[0-9a-f]{48}$/);
    const sku = await lowStock();
    const [delivery] = await receiver.until("/ok", 1);
    const payload = JSON.parse(delivery.body);
    assert.deepEqual(
      [payload.type, payload.sku, payload.seq, payload.data],
      ["low_stock", sku, 1, { available_now: 2, threshold: 2 }],
    );
    assert.match(payload.id, /^evt_\d+$/);
    assert.equal(delivery.headers["backorder-webhook-id"], payload.id);
    assert.equal(delivery.headers["content-type"], "application/json");
    const t = Number(delivery.headers["backorder-webhook-timestamp"]);
    assert.ok(Math.abs(t - seconds(at())) < 60, "the dispatcher's clock follows the development clock");
    assert.ok(verifies(delivery, endpoint.secret, t), delivery.headers["backorder-signature"]);
    assert.equal(verifies({ ...delivery, body: delivery.body.replace('"threshold":2', '"threshold":3') }, endpoint.secret, t), false);
    assert.equal(verifies(delivery, "whsec_wrong", t), false);
    assert.equal(verifies(delivery, endpoint.secret, t + 301), false, "too old");
    // The feed has the same event under the same id.
    const feed = (await merchant("GET", "/v1/events?limit=500")).json.events;
    assert.ok(feed.some((e) => `evt_${e.id}` === payload.id && e.type === "low_stock"));
    const log = (await merchant("GET", `/v1/webhook-endpoints/${endpoint.id}/deliveries`)).json;
    assert.deepEqual(
      log.attempts.map((a) => [a.event_id, a.type, a.attempt, a.status, a.outcome]),
      [[payload.id, "low_stock", 1, 200, "succeeded"]],
    );
  });

  test("a receiver that answers 500 three times gets the event once more after each backoff, then never again", async () => {
    const endpoint = await createEndpoint("/flaky");
    await lowStock();
    await receiver.until("/flaky", 1);
    // Each retry is due about 1, 5 and 30 minutes (±10 %) after the attempt before it: move the
    // development clock past each; the dispatcher then sends it at once.
    const log = () => merchant("GET", `/v1/webhook-endpoints/${endpoint.id}/deliveries`, undefined, now);
    let now = at(2 * MINUTE);
    await log();
    await receiver.until("/flaky", 2);
    now = at(8 * MINUTE);
    await log();
    await receiver.until("/flaky", 3);
    now = at(45 * MINUTE);
    await log();
    const all = await receiver.until("/flaky", 4);
    assert.equal(new Set(all.map((d) => d.headers["backorder-webhook-id"])).size, 1, "one event, one id");
    assert.equal(new Set(all.map((d) => d.body)).size, 1, "the same body on every attempt");
    now = at(3 * DAY);
    const attempts = (await log()).json.attempts;
    assert.deepEqual(
      attempts.map((a) => [a.attempt, a.status, a.outcome]),
      [
        [4, 200, "succeeded"],
        [3, 500, "retrying"],
        [2, 500, "retrying"],
        [1, 500, "retrying"],
      ],
    );
    const waits = attempts.slice(1).map((a) => (Date.parse(a.next_attempt_at) - Date.parse(a.at)) / 60_000).reverse();
    assert.ok(waits[0] >= 0.9 && waits[0] <= 1.1, `first wait ${waits[0]} min`);
    assert.ok(waits[1] >= 4.5 && waits[1] <= 5.5, `second wait ${waits[1]} min`);
    assert.ok(waits[2] >= 27 && waits[2] <= 33, `third wait ${waits[2]} min`);
    assert.equal(receiver.received("/flaky").length, 4, "delivered: no fifth attempt");
  });

  test("a test sends a ping now; a retry re-sends a delivery with the same id", async () => {
    const endpoint = await createEndpoint("/ok");
    const ping = await merchant("POST", `/v1/webhook-endpoints/${endpoint.id}/test`);
    assert.equal(ping.status, 200, ping.text);
    assert.deepEqual([ping.json.type, ping.json.status, ping.json.outcome], ["ping", 200, "succeeded"]);
    const [received] = receiver.received("/ok");
    assert.equal(JSON.parse(received.body).data.endpoint_id, endpoint.id);
    const retry = await merchant("POST", `/v1/webhook-endpoints/${endpoint.id}/deliveries/${ping.json.delivery_id}/retry`);
    assert.equal(retry.status, 200, retry.text);
    assert.equal(retry.json.attempt, 2);
    const both = receiver.received("/ok");
    assert.equal(both.length, 2);
    assert.equal(both[1].headers["backorder-webhook-id"], both[0].headers["backorder-webhook-id"]);
    const hang = await createEndpoint("/hang");
    const timedOut = await merchant("POST", `/v1/webhook-endpoints/${hang.id}/test`);
    assert.deepEqual([timedOut.json.status, timedOut.json.outcome], [null, "retrying"]);
    assert.match(timedOut.json.error, /no answer within 10 s/);
    assert.ok(timedOut.json.latency_ms >= 10_000);
  });
});

describe("secrets and endpoints", () => {
  test("a rotated secret signs beside the new one for 24 hours, then only the new one does", async () => {
    const endpoint = await createEndpoint("/ok");
    const rotated = await merchant("POST", `/v1/webhook-endpoints/${endpoint.id}/rotate-secret`);
    assert.equal(rotated.status, 200);
    assert.notEqual(rotated.json.secret, endpoint.secret);
    await lowStock();
    const [during] = await receiver.until("/ok", 1);
    const t = Number(during.headers["backorder-webhook-timestamp"]);
    assert.equal(during.headers["backorder-signature"].split(",v1=").length, 3, "two signatures");
    assert.ok(verifies(during, endpoint.secret, t), "the old secret still verifies");
    assert.ok(verifies(during, rotated.json.secret, t), "so does the new one");
    const later = at(DAY + 5 * MINUTE);
    await merchant("GET", "/v1/webhook-endpoints", undefined, later);
    await lowStock(later);
    const [, after] = await receiver.until("/ok", 2);
    const t2 = Number(after.headers["backorder-webhook-timestamp"]);
    assert.equal(after.headers["backorder-signature"].split(",v1=").length, 2, "one signature");
    assert.ok(verifies(after, rotated.json.secret, t2));
    assert.equal(verifies(after, endpoint.secret, t2), false, "the old secret no longer signs");
  });

  test("the secret is never shown again; endpoints are the merchant's", async () => {
    const endpoint = await createEndpoint("/ok", ["*"]);
    const listed = await merchant("GET", "/v1/webhook-endpoints");
    assert.deepEqual(listed.json.endpoints.map((e) => [e.id, e.url, e.events, e.enabled, "secret" in e]), [
      [endpoint.id, receiver.url("/ok"), ["*"], true, false],
    ]);
    assert.equal("secret" in (await merchant("GET", `/v1/webhook-endpoints/${endpoint.id}`)).json, false);
    assert.equal((await call(mf, "GET", "/v1/webhook-endpoints")).status, 401);
    assert.equal((await call(mf, "GET", "/v1/webhook-endpoints", { token: "nope" })).status, 401);
    assert.equal((await merchant("DELETE", `/v1/webhook-endpoints/${endpoint.id}`)).status, 204);
    assert.equal((await merchant("GET", `/v1/webhook-endpoints/${endpoint.id}`)).status, 404);
  });

  test("a disabled endpoint gets nothing; one failing every attempt for 3 days is disabled with an event", async () => {
    const off = await createEndpoint("/off");
    const control = await createEndpoint("/ok", ["low_stock", "endpoint_disabled"]);
    const down = await createEndpoint("/down");
    const disabled = await merchant("PATCH", `/v1/webhook-endpoints/${off.id}`, { enabled: false });
    assert.deepEqual([disabled.json.enabled, disabled.json.disabled_reason], [false, "merchant"]);
    await lowStock();
    await receiver.until("/ok", 1);
    await receiver.until("/down", 1);
    assert.equal(receiver.received("/off").length, 0, "the control and the failing endpoint had it; the disabled one not");
    // Three days on, the failing endpoint's next attempt fails too: it is disabled.
    const later = at(3 * DAY + MINUTE);
    await merchant("GET", "/v1/webhook-endpoints", undefined, later);
    // The notice travels dispatcher → its outbox → the feed → the catalog's nudge → the
    // dispatcher's alarm; each merchant call also makes the dispatcher look at once, so the
    // wait asks again every 2 s rather than depending on one nudge (see the closing note of
    // stop 18: a nudge lost on a loaded machine is not retried until the next event).
    let notice;
    for (let round = 0; !notice; round++) {
      try {
        [, notice] = await receiver.until("/ok", 2, 2_000);
      } catch (error) {
        if (round >= 14) throw error;
        await merchant("GET", "/v1/webhook-endpoints", undefined, later);
      }
    }
    const event = JSON.parse(notice.body);
    assert.equal(event.type, "endpoint_disabled");
    assert.deepEqual([event.data.endpoint_id, event.data.url, event.sku], [down.id, receiver.url("/down"), null]);
    const state = (await merchant("GET", `/v1/webhook-endpoints/${down.id}`, undefined, later)).json;
    assert.deepEqual([state.enabled, state.disabled_reason], [false, "failing"]);
    const feed = (await merchant("GET", "/v1/events?limit=500")).json.events;
    assert.ok(feed.some((e) => e.type === "endpoint_disabled" && e.endpoint_id === down.id));
    await lowStock(later);
    await receiver.until("/ok", 3);
    assert.equal(receiver.received("/down").length, 2, "nothing more to the disabled endpoint");
    assert.equal(receiver.received("/off").length, 0);
    assert.ok(control.id);
  });

  test("bad endpoint input is a 400 that changes nothing", async () => {
    const endpoint = await createEndpoint("/ok");
    const cases = [
      [{ url: "http://hooks.example.com/in", events: ["*"] }, "must be https"],
      [{ url: "https://10.0.0.8/in", events: ["*"] }, "private"],
      [{ url: "https://[fe80::1]/in", events: ["*"] }, "private"],
      [{ url: "https://169.254.169.254/", events: ["*"] }, "private"],
      [{ url: "https://hooks.example.com/in", events: ["stock_low"] }, "not an event type"],
      [{ url: "https://hooks.example.com/in", events: [] }, "at least one"],
      [{ url: "https://hooks.example.com/in", events: ["*"], description: "x".repeat(501) }, "at most 500"],
      [{ url: "https://hooks.example.com/in", events: ["*"], secret: "mine" }, "unknown field"],
      [{ events: ["*"] }, "url"],
    ];
    for (const [body, why] of cases) {
      const refused = await merchant("POST", "/v1/webhook-endpoints", body);
      assert.equal(refused.status, 400, JSON.stringify(body));
      assert.match(refused.json.error.message, new RegExp(why), JSON.stringify(body));
    }
    const patched = await merchant("PATCH", `/v1/webhook-endpoints/${endpoint.id}`, { url: "https://192.168.0.1/" });
    assert.equal(patched.status, 400);
    const listed = (await merchant("GET", "/v1/webhook-endpoints")).json.endpoints;
    assert.deepEqual(listed.map((e) => [e.id, e.url]), [[endpoint.id, receiver.url("/ok")]], "nothing was created or changed");
    const production = startEdge({ persist: tempState("webhooks-prod"), devClock: false });
    try {
      const local = await call(production, "POST", "/v1/webhook-endpoints", {
        body: { url: receiver.url("/ok"), events: ["*"] },
        token: true,
      });
      assert.equal(local.status, 400, "a local receiver only with the development flag");
    } finally {
      await production.dispose();
    }
  });
});
