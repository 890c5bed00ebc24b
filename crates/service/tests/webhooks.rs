//! The webhook dispatcher's service on a map-backed store: endpoints, intake from the feed,
//! signing, the retry schedule, disabling, rotation, the delivery log.

use backorder_api::input::parse;
use backorder_api::output::{EventBody, EventDoc, FeedEntryDoc};
use backorder_api::webhooks::WebhookPayload;
use backorder_core::Millis;
use backorder_service::memory::MemoryWebhooks;
use backorder_service::protocol::{Reply, WebhookOp};
use backorder_service::webhooks::{
    self, Attempted, Context, Handled, WebhookStore, DISABLE_AFTER_MS, LOG_LENGTH, RETRY_SCHEDULE_MS,
    ROTATION_OVERLAP_MS,
};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

const T0: Millis = 1_795_687_200_000; // Thu 2026-11-26 10:00 UTC
const MINUTE: Millis = 60_000;
const HOUR: Millis = 60 * MINUTE;
const DAY: Millis = 24 * HOUR;

struct Dispatcher {
    store: MemoryWebhooks,
    now: Millis,
    calls: u8,
    feed: Vec<FeedEntryDoc>,
}

impl Dispatcher {
    fn new() -> Dispatcher {
        Dispatcher { store: MemoryWebhooks::default(), now: T0, calls: 0, feed: Vec::new() }
    }

    fn call(&mut self, op: WebhookOp) -> Handled {
        self.calls += 1;
        let cx = Context { now: self.now, random: [self.calls; 32], feed_head: self.feed.len() as u64 };
        webhooks::handle(&mut self.store, op, &cx).expect("the store works")
    }

    fn reply(&mut self, op: WebhookOp) -> (u16, Value) {
        match self.call(op) {
            Handled::Reply(Reply { status, body }) => {
                (status, if body.is_empty() { Value::Null } else { serde_json::from_str(&body).unwrap() })
            }
            other => panic!("expected a reply, got {other:?}"),
        }
    }

    fn create(&mut self, events: Value) -> Value {
        let body = json!({"url": "https://hooks.example.com/in", "events": events}).to_string();
        let (status, doc) = self.reply(WebhookOp::Create { request: parse(body.as_bytes()).unwrap() });
        assert_eq!(status, 201, "{doc}");
        doc
    }

    /// A new event in the feed, taken in.
    fn event(&mut self, body: EventBody) {
        let id = self.feed.len() as u64 + 1;
        let event = EventDoc { sku: Some("PHONE-1".into()), seq: id, at: self.now, body };
        self.feed.push(FeedEntryDoc { id, event });
        let after = self.store.cursor().unwrap().unwrap_or(0);
        let page: Vec<FeedEntryDoc> = self.feed.iter().filter(|e| e.id > after).cloned().collect();
        webhooks::intake(&mut self.store, &page, self.now).unwrap();
    }

    /// Sends what is due, answering every attempt with `status`; the payloads sent.
    fn send(&mut self, status: Option<u16>) -> Vec<(WebhookPayload, Vec<(&'static str, String)>)> {
        let due = webhooks::due(&self.store, self.now, 100, &[]).unwrap();
        let mut sent = Vec::new();
        for out in due {
            let attempted = Attempted { status, latency_ms: 12, error: None };
            webhooks::record(&mut self.store, out.delivery_id, &attempted, self.now, 100).unwrap();
            sent.push((serde_json::from_str(&out.body).unwrap(), out.headers));
        }
        sent
    }
}

fn low_stock() -> EventBody {
    EventBody::LowStock { available_now: 1, threshold: 2 }
}

fn header<'a>(headers: &'a [(&'static str, String)], name: &str) -> &'a str {
    headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str()).unwrap_or_default()
}

#[test]
fn the_secret_is_shown_once_and_only_later_events_are_delivered() {
    let mut dispatcher = Dispatcher::new();
    dispatcher.feed.push(FeedEntryDoc {
        id: 1,
        event: EventDoc { sku: Some("OLD-1".into()), seq: 1, at: T0, body: low_stock() },
    });
    let created = dispatcher.create(json!(["*"]));
    let secret = created["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("whsec_") && secret.len() == 6 + 48, "{secret}");
    let id = created["id"].as_str().unwrap().to_string();
    let (_, listed) = dispatcher.reply(WebhookOp::List);
    assert_eq!(listed["endpoints"][0]["id"], id.as_str());
    assert!(listed["endpoints"][0].get("secret").is_none(), "never shown again");
    assert!(dispatcher.reply(WebhookOp::Get { id: id.clone() }).1.get("secret").is_none());
    assert_eq!(dispatcher.store.cursor().unwrap(), Some(1), "follows the feed from its head");
    dispatcher.event(low_stock());
    let sent = dispatcher.send(Some(200));
    assert_eq!(sent.len(), 1, "the event before the endpoint existed is not sent");
    let (payload, headers) = &sent[0];
    assert_eq!((payload.id.as_str(), payload.kind.as_str(), payload.seq), ("evt_2", "low_stock", Some(2)));
    assert_eq!(payload.data, json!({"available_now": 1, "threshold": 2}).as_object().unwrap().clone());
    assert_eq!(header(headers, "backorder-webhook-id"), "evt_2");
    let t = header(headers, "backorder-webhook-timestamp");
    assert_eq!(t, (T0 / 1000).to_string());
    // Verified as a receiver does: HMAC-SHA256 of "<t>.<body>" with the secret.
    let body = serde_json::to_string(payload).unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{body}").as_bytes());
    let expected = hex::encode(mac.finalize().into_bytes());
    assert_eq!(header(headers, "backorder-signature"), format!("t={t},v1={expected}"));
    assert!(dispatcher.send(Some(200)).is_empty(), "delivered once");
    // Taking the same page in again adds nothing.
    let page = dispatcher.feed.clone();
    webhooks::intake(&mut dispatcher.store, &page, dispatcher.now).unwrap();
    assert!(dispatcher.send(Some(200)).is_empty());
}

#[test]
fn an_endpoint_gets_the_types_it_subscribes_to_and_nothing_while_disabled() {
    let mut dispatcher = Dispatcher::new();
    let only_refunds = dispatcher.create(json!(["refund_due"]))["id"].as_str().unwrap().to_string();
    let everything = dispatcher.create(json!(["*"]))["id"].as_str().unwrap().to_string();
    dispatcher.event(low_stock());
    dispatcher.event(EventBody::RefundDue {
        order_id: "1001".into(),
        qty: 1,
        due_date: backorder_core::Date::parse("2026-12-07").unwrap(),
    });
    let mut sent: Vec<(String, String)> = dispatcher
        .store
        .deliveries
        .values()
        .map(|text| {
            let d: backorder_records::DeliveryRecord = serde_json::from_str(text).unwrap();
            (d.endpoint_id, d.kind)
        })
        .collect();
    sent.sort();
    let mut expected = vec![
        (only_refunds.clone(), "refund_due".to_string()),
        (everything.clone(), "low_stock".to_string()),
        (everything.clone(), "refund_due".to_string()),
    ];
    expected.sort();
    assert_eq!(sent, expected);
    dispatcher.send(Some(204));
    let patch = parse(br#"{"enabled":false}"#).unwrap();
    let (status, doc) = dispatcher.reply(WebhookOp::Update { id: only_refunds.clone(), patch });
    assert_eq!(
        (status, doc["enabled"].clone(), doc["disabled_reason"].clone()),
        (200, json!(false), json!("merchant"))
    );
    dispatcher.event(EventBody::RefundDue {
        order_id: "1002".into(),
        qty: 1,
        due_date: backorder_core::Date::parse("2026-12-07").unwrap(),
    });
    let sent = dispatcher.send(Some(200));
    assert_eq!(sent.len(), 1, "only the enabled endpoint");
    assert_eq!(
        dispatcher.reply(WebhookOp::Test { id: only_refunds }).0,
        409,
        "a disabled endpoint is not tested"
    );
}

#[test]
fn failures_are_retried_on_the_schedule_then_given_up() {
    let mut dispatcher = Dispatcher::new();
    let id = dispatcher.create(json!(["*"]))["id"].as_str().unwrap().to_string();
    dispatcher.event(low_stock());
    assert_eq!(dispatcher.send(Some(500)).len(), 1);
    for (n, wait) in RETRY_SCHEDULE_MS.iter().enumerate() {
        // Not before the wait (less 10 %), and due by it (plus 10 %).
        dispatcher.now += wait * 9 / 10 - 1;
        assert!(dispatcher.send(Some(500)).is_empty(), "retry {} came early", n + 1);
        dispatcher.now += wait * 2 / 10 + 2;
        assert_eq!(dispatcher.send(Some(503)).len(), 1, "retry {}", n + 1);
        // Back to the attempt's own time, as the schedule counts from each attempt.
        dispatcher.now -= wait / 10 + 1;
    }
    dispatcher.now += 30 * DAY;
    assert!(dispatcher.send(Some(500)).is_empty(), "given up after the schedule");
    let (_, log) = dispatcher.reply(WebhookOp::Deliveries { id: id.clone() });
    let attempts = log["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 1 + RETRY_SCHEDULE_MS.len());
    assert_eq!((attempts[0]["attempt"].clone(), attempts[0]["outcome"].clone()), (json!(8), json!("failed")));
    assert_eq!(attempts[1]["outcome"], "retrying");
    assert!(attempts[1]["next_attempt_at"].is_string());
    // The merchant retries it by hand: it succeeds.
    let delivery_id = attempts[0]["delivery_id"].as_str().unwrap().to_string();
    let handled = dispatcher.call(WebhookOp::Retry { id: id.clone(), delivery_id: delivery_id.clone() });
    assert!(matches!(handled, Handled::SendNow { .. }), "{handled:?}");
    assert_eq!(dispatcher.send(Some(200)).len(), 1);
    let reply = webhooks::attempt_reply(&dispatcher.store, &id, 1).unwrap();
    let attempt: Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!((attempt["attempt"].clone(), attempt["outcome"].clone()), (json!(9), json!("succeeded")));
    let unknown = WebhookOp::Retry { id, delivery_id: "dlv_99".into() };
    assert_eq!(dispatcher.reply(unknown).0, 404);
}

#[test]
fn a_success_ends_a_delivery_and_resets_the_failing_clock() {
    let mut dispatcher = Dispatcher::new();
    let id = dispatcher.create(json!(["*"]))["id"].as_str().unwrap().to_string();
    dispatcher.event(low_stock());
    dispatcher.send(Some(500));
    assert_eq!(
        dispatcher.reply(WebhookOp::Get { id: id.clone() }).1["failing_since"],
        "2026-11-26T10:00:00Z"
    );
    dispatcher.now += 2 * MINUTE;
    dispatcher.send(Some(200));
    assert_eq!(dispatcher.reply(WebhookOp::Get { id }).1["failing_since"], Value::Null);
    dispatcher.now += DAY;
    assert!(dispatcher.send(Some(500)).is_empty(), "nothing more to send");
}

#[test]
fn an_endpoint_failing_every_attempt_for_three_days_is_disabled_with_an_event() {
    let mut dispatcher = Dispatcher::new();
    let id = dispatcher.create(json!(["*"]))["id"].as_str().unwrap().to_string();
    let mut disabled = None;
    let (mut step, mut last_attempt) = (0, T0);
    while disabled.is_none() && step < 1000 {
        step += 1;
        if step % 20 == 1 {
            dispatcher.event(low_stock());
        }
        for out in webhooks::due(&dispatcher.store, dispatcher.now, 100, &[]).unwrap() {
            let failed = Attempted { status: None, latency_ms: 10_000, error: Some("no answer".into()) };
            let event =
                webhooks::record(&mut dispatcher.store, out.delivery_id, &failed, dispatcher.now, 7).unwrap();
            match event {
                Some(event) => disabled = Some((event, dispatcher.now)),
                None => last_attempt = dispatcher.now,
            }
        }
        dispatcher.now += HOUR;
    }
    let (event, at) = disabled.expect("disabled");
    assert!(last_attempt - T0 < DISABLE_AFTER_MS, "attempts within 3 days only count the failures");
    assert!(at - T0 >= DISABLE_AFTER_MS, "disabled at the first failed attempt 3 days after the first");
    assert_eq!(event.sku, None);
    assert_eq!(event.seq, 1, "the dispatcher's own sequence");
    let EventBody::EndpointDisabled { endpoint_id, failing_since, .. } = event.body else { panic!() };
    assert_eq!((endpoint_id.as_str(), failing_since), (id.as_str(), T0));
    let (_, doc) = dispatcher.reply(WebhookOp::Get { id: id.clone() });
    assert_eq!((doc["enabled"].clone(), doc["disabled_reason"].clone()), (json!(false), json!("failing")));
    assert!(webhooks::due(&dispatcher.store, dispatcher.now + 30 * DAY, 100, &[]).unwrap().is_empty());
    assert!(dispatcher.store.pending_of(&id).unwrap().is_empty(), "its pending deliveries failed");
    // Enabled again, it starts afresh.
    let (_, doc) = dispatcher.reply(WebhookOp::Update { id, patch: parse(br#"{"enabled":true}"#).unwrap() });
    assert_eq!((doc["enabled"].clone(), doc["failing_since"].clone()), (json!(true), Value::Null));
}

#[test]
fn a_rotated_secret_signs_beside_the_new_one_for_a_day() {
    let mut dispatcher = Dispatcher::new();
    let created = dispatcher.create(json!(["*"]));
    let (id, old) = (created["id"].as_str().unwrap().to_string(), created["secret"].clone());
    let (status, rotated) = dispatcher.reply(WebhookOp::RotateSecret { id: id.clone() });
    assert_eq!(status, 200);
    assert_ne!(rotated["secret"], old);
    let signatures = |dispatcher: &mut Dispatcher| {
        dispatcher.event(low_stock());
        let sent = dispatcher.send(Some(200));
        header(&sent[0].1, "backorder-signature").matches(",v1=").count()
    };
    assert_eq!(signatures(&mut dispatcher), 2, "the new and the old secret");
    dispatcher.now += ROTATION_OVERLAP_MS - 1;
    assert_eq!(signatures(&mut dispatcher), 2);
    dispatcher.now += 1;
    assert_eq!(signatures(&mut dispatcher), 1, "the old secret expired");
    let sent = {
        dispatcher.event(low_stock());
        dispatcher.send(Some(200))
    };
    let (payload, headers) = &sent[0];
    let t = header(headers, "backorder-webhook-timestamp");
    let mut mac = Hmac::<Sha256>::new_from_slice(rotated["secret"].as_str().unwrap().as_bytes()).unwrap();
    mac.update(format!("{t}.{}", serde_json::to_string(payload).unwrap()).as_bytes());
    assert!(header(headers, "backorder-signature").ends_with(&hex::encode(mac.finalize().into_bytes())));
}

#[test]
fn the_log_keeps_the_last_hundred_attempts_and_deleting_forgets_everything() {
    let mut dispatcher = Dispatcher::new();
    let id = dispatcher.create(json!(["*"]))["id"].as_str().unwrap().to_string();
    for _ in 0..LOG_LENGTH + 20 {
        dispatcher.event(low_stock());
    }
    assert_eq!(dispatcher.send(Some(200)).len() + dispatcher.send(Some(200)).len(), LOG_LENGTH + 20);
    let (_, log) = dispatcher.reply(WebhookOp::Deliveries { id: id.clone() });
    let attempts = log["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), LOG_LENGTH);
    assert_eq!(attempts[0]["event_id"], format!("evt_{}", LOG_LENGTH + 20), "newest first");
    let (status, _) = dispatcher.reply(WebhookOp::Delete { id: id.clone() });
    assert_eq!(status, 204);
    assert_eq!(dispatcher.reply(WebhookOp::Get { id }).0, 404);
    assert!(dispatcher.store.deliveries.is_empty() && dispatcher.store.log.is_empty());
    assert_eq!(dispatcher.store.cursor().unwrap(), None, "no endpoints: the feed is not followed");
}

#[test]
fn a_ping_goes_to_its_endpoint_only() {
    let mut dispatcher = Dispatcher::new();
    let id = dispatcher.create(json!(["low_stock"]))["id"].as_str().unwrap().to_string();
    dispatcher.create(json!(["*"]));
    let Handled::SendNow { endpoint_id, delivery_id } = dispatcher.call(WebhookOp::Test { id: id.clone() })
    else {
        panic!("a test is sent at once")
    };
    assert_eq!(endpoint_id, id);
    let out = webhooks::outgoing(&dispatcher.store, delivery_id, dispatcher.now).unwrap().unwrap();
    let payload: WebhookPayload = serde_json::from_str(&out.body).unwrap();
    assert_eq!((payload.kind.as_str(), payload.sku, payload.seq), ("ping", None, None));
    assert!(payload.id.starts_with("ping_"));
    assert_eq!(payload.data["endpoint_id"], id.as_str());
    assert_eq!(dispatcher.send(Some(200)).len(), 1, "one delivery: to the endpoint tested");
}

/// The verifier docs/api.md gives receivers in Rust, as written there.
fn verify(secret: &str, body: &str, header: &str, now_seconds: i64) -> bool {
    let mut t = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", value)) => t = value.parse::<i64>().ok(),
            Some(("v1", value)) => signatures.extend(hex::decode(value).ok()),
            _ => {}
        }
    }
    let Some(t) = t.filter(|t| (now_seconds - t).abs() <= 300) else { return false };
    signatures.iter().any(|signature| {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
        mac.update(format!("{t}.{body}").as_bytes());
        mac.verify_slice(signature).is_ok()
    })
}

#[test]
fn the_documented_rust_verifier_accepts_a_signature_and_refuses_tampering() {
    let body = r#"{"id":"evt_1","type":"low_stock"}"#;
    let header = webhooks::signature(&["whsec_new", "whsec_old"], 1_795_687_263, body);
    assert!(verify("whsec_new", body, &header, 1_795_687_263));
    assert!(verify("whsec_old", body, &header, 1_795_687_263 + 300), "either secret, within 5 minutes");
    assert!(!verify("whsec_new", &body.replace("low", "high"), &header, 1_795_687_263));
    assert!(!verify("whsec_other", body, &header, 1_795_687_263));
    assert!(!verify("whsec_new", body, &header, 1_795_687_263 + 301), "too old");
    assert!(!verify("whsec_new", body, "v1=00", 1_795_687_263), "no timestamp");
}

fn wake() -> webhooks::Wake {
    webhooks::Wake { now: T0, following: true, ..webhooks::Wake::default() }
}

#[test]
fn a_call_during_a_run_makes_the_run_end_with_the_alarm_now_not_at_a_later_retry() {
    // The lost-nudge race: the run read the feed, a nudge came in, and a retry is due in a
    // minute. Ending the run at the retry would leave the nudge's events waiting for it.
    let retry_later = webhooks::Wake { next_due: Some(T0 + MINUTE), ..wake() };
    assert_eq!(webhooks::next_run(&retry_later), Some(T0 + MINUTE));
    assert_eq!(webhooks::next_run(&webhooks::Wake { again: true, ..retry_later }), Some(T0));
}

#[test]
fn while_the_feed_is_followed_the_dispatcher_never_sleeps_longer_than_the_safety_pull() {
    assert_eq!(webhooks::next_run(&wake()), Some(T0 + webhooks::SAFETY_PULL_MS));
    let far = webhooks::Wake { next_due: Some(T0 + DAY), ..wake() };
    assert_eq!(webhooks::next_run(&far), Some(T0 + webhooks::SAFETY_PULL_MS));
    let failed = webhooks::Wake { feed_failed: true, ..wake() };
    assert_eq!(webhooks::next_run(&failed), Some(T0 + webhooks::RETRY_MS));
}

#[test]
fn without_endpoints_only_its_own_undelivered_events_and_due_attempts_wake_it() {
    let idle = webhooks::Wake { following: false, again: true, feed_failed: true, ..wake() };
    assert_eq!(webhooks::next_run(&idle), None);
    let outbox = webhooks::Wake { outbox_pending: true, ..idle };
    assert_eq!(webhooks::next_run(&outbox), Some(T0 + webhooks::RETRY_MS));
    // An attempt overdue (its run was late) is due now, not in the past.
    let overdue = webhooks::Wake { next_due: Some(T0 - HOUR), ..idle };
    assert_eq!(webhooks::next_run(&overdue), Some(T0));
}
