//! The webhook dispatcher's service: the merchant's endpoints, the deliveries of every event to
//! them, and the schedule of attempts, over a [`WebhookStore`]. Sans-IO: the dispatcher's
//! object pulls the feed and hands new events to [`intake`], sends what [`due`] lists (signed
//! by [`signature`]), and reports each attempt to [`record`], which schedules the next one or
//! gives up, and disables an endpoint whose every attempt failed for 3 days.

use backorder_api::output::{EventBody, EventDoc, FeedEntryDoc};
use backorder_api::webhooks::{
    AttemptDoc, DeliveryLogDoc, EndpointDoc, EndpointListDoc, EndpointPatch, EndpointRequest, WebhookPayload,
};
use backorder_api::ApiError;
use backorder_core::Millis;
use backorder_records::{
    encode, AttemptRecord, DeliveryRecord, DeliveryStateRecord, EndpointRecord, SecretRecord,
    WEBHOOK_RECORD_VERSION,
};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::protocol::{Fault, Reply, WebhookOp};

/// After the first attempt, the waits before each retry (each ±10 %): about 45 hours in all.
pub const RETRY_SCHEDULE_MS: [Millis; 7] =
    [60_000, 300_000, 1_800_000, 7_200_000, 21_600_000, 43_200_000, 86_400_000];
/// An endpoint whose every attempt failed for this long is disabled.
pub const DISABLE_AFTER_MS: Millis = 3 * 86_400_000;
/// A rotated-out secret keeps signing beside the new one for this long.
pub const ROTATION_OVERLAP_MS: Millis = 86_400_000;
/// A receiver must answer within this long; a later answer is a failure.
pub const ATTEMPT_TIMEOUT_MS: u32 = 10_000;
/// Attempts each endpoint's delivery log keeps, newest first.
pub const LOG_LENGTH: usize = 100;

/// Where the dispatcher's rows live.
pub trait WebhookStore {
    fn endpoints(&self) -> Result<Vec<EndpointRecord>, Fault>;
    fn put_endpoint(&mut self, endpoint: &EndpointRecord) -> Result<(), Fault>;
    /// Removes an endpoint with its deliveries and log.
    fn delete_endpoint(&mut self, id: &str) -> Result<(), Fault>;
    /// The last feed event taken in; `None` while the dispatcher follows no feed (no endpoints).
    fn cursor(&self) -> Result<Option<u64>, Fault>;
    fn set_cursor(&mut self, cursor: Option<u64>) -> Result<(), Fault>;
    /// A number never handed out before (for deliveries and for the dispatcher's own events).
    fn next_number(&mut self, counter: Counter) -> Result<u64, Fault>;
    fn put_delivery(&mut self, delivery: &DeliveryRecord) -> Result<(), Fault>;
    fn delivery(&self, id: u64) -> Result<Option<DeliveryRecord>, Fault>;
    /// Pending deliveries due by `now`, the earliest first.
    fn due(&self, now: Millis, limit: u32) -> Result<Vec<DeliveryRecord>, Fault>;
    /// Pending deliveries of one endpoint.
    fn pending_of(&self, endpoint_id: &str) -> Result<Vec<DeliveryRecord>, Fault>;
    /// When the earliest pending delivery is due.
    fn next_due(&self) -> Result<Option<Millis>, Fault>;
    /// Adds an attempt to its endpoint's log, keeping the newest [`LOG_LENGTH`].
    fn log_attempt(&mut self, endpoint_id: &str, attempt: &AttemptRecord) -> Result<(), Fault>;
    /// An endpoint's log, newest first.
    fn attempts(&self, endpoint_id: &str) -> Result<Vec<AttemptRecord>, Fault>;
}

/// The dispatcher's counters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Counter {
    Delivery,
    /// The sequence of its own events (`endpoint_disabled`) in the feed.
    Event,
}

/// What a call needs from its shell besides the store.
#[derive(Clone, Debug)]
pub struct Context {
    pub now: Millis,
    /// Fresh random bytes, for an endpoint's id and secret.
    pub random: [u8; 32],
    /// The feed's last event id, for a new endpoint (it gets only later ones).
    pub feed_head: u64,
}

/// What the shell does with a call.
#[derive(Debug, PartialEq, Eq)]
pub enum Handled {
    Reply(Reply),
    /// Send this delivery now, then answer with [`attempt_reply`].
    SendNow {
        endpoint_id: String,
        delivery_id: u64,
    },
}

impl From<Reply> for Handled {
    fn from(reply: Reply) -> Handled {
        Handled::Reply(reply)
    }
}

impl From<ApiError> for Handled {
    fn from(error: ApiError) -> Handled {
        Handled::Reply(error.into())
    }
}

/// Answers one merchant call (a [`Fault`] means storage failed; the shell rolls back).
pub fn handle(store: &mut impl WebhookStore, op: WebhookOp, cx: &Context) -> Result<Handled, Fault> {
    let now = cx.now;
    Ok(match op {
        WebhookOp::Create { request } => create(store, request, cx)?,
        WebhookOp::List => {
            let endpoints = store.endpoints()?.iter().map(|endpoint| doc(endpoint, None)).collect();
            Reply::json(200, &EndpointListDoc { endpoints }).into()
        }
        WebhookOp::Get { id } => match find(store, &id)? {
            Some(endpoint) => Reply::json(200, &doc(&endpoint, None)).into(),
            None => no_endpoint(),
        },
        WebhookOp::Update { id, patch } => match find(store, &id)? {
            Some(endpoint) => update(store, endpoint, patch)?,
            None => no_endpoint(),
        },
        WebhookOp::Delete { id } => match find(store, &id)? {
            Some(endpoint) => {
                store.delete_endpoint(&endpoint.id)?;
                if store.endpoints()?.is_empty() {
                    store.set_cursor(None)?;
                }
                Reply { status: 204, body: String::new() }.into()
            }
            None => no_endpoint(),
        },
        WebhookOp::RotateSecret { id } => match find(store, &id)? {
            Some(mut endpoint) => {
                let secret = new_secret(&cx.random);
                endpoint.secrets.retain(|old| old.expires_at.is_none_or(|at| at > now));
                for old in &mut endpoint.secrets {
                    old.expires_at = Some(old.expires_at.unwrap_or(now + ROTATION_OVERLAP_MS));
                }
                endpoint.secrets.insert(0, SecretRecord { secret: secret.clone(), expires_at: None });
                store.put_endpoint(&endpoint)?;
                Reply::json(200, &doc(&endpoint, Some(secret))).into()
            }
            None => no_endpoint(),
        },
        WebhookOp::Test { id } => match find(store, &id)? {
            Some(endpoint) if !endpoint.enabled => disabled(),
            Some(endpoint) => {
                let delivery_id = store.next_number(Counter::Delivery)?;
                let payload = WebhookPayload {
                    id: format!("ping_{}", hex::encode(&cx.random[..8])),
                    kind: "ping".into(),
                    created_at: now,
                    sku: None,
                    seq: None,
                    data: [("endpoint_id".to_string(), endpoint.id.clone().into())].into_iter().collect(),
                };
                store.put_delivery(&delivery(delivery_id, &endpoint.id, &payload, now))?;
                Handled::SendNow { endpoint_id: endpoint.id, delivery_id }
            }
            None => no_endpoint(),
        },
        WebhookOp::Deliveries { id } => match find(store, &id)? {
            Some(endpoint) => {
                let attempts = store.attempts(&endpoint.id)?.iter().map(attempt_doc).collect();
                Reply::json(200, &DeliveryLogDoc { endpoint_id: endpoint.id, attempts }).into()
            }
            None => no_endpoint(),
        },
        WebhookOp::Retry { id, delivery_id } => {
            let Some(endpoint) = find(store, &id)? else { return Ok(no_endpoint()) };
            let number = delivery_id.strip_prefix("dlv_").and_then(|n| n.parse::<u64>().ok());
            let found = match number {
                Some(number) => store.delivery(number)?.filter(|d| d.endpoint_id == endpoint.id),
                None => None,
            };
            match found {
                None => ApiError::not_found("no such delivery of this endpoint").into(),
                Some(_) if !endpoint.enabled => disabled(),
                Some(mut delivery) => {
                    delivery.state = DeliveryStateRecord::Pending;
                    delivery.next_at = Some(now);
                    store.put_delivery(&delivery)?;
                    Handled::SendNow { endpoint_id: endpoint.id, delivery_id: delivery.id }
                }
            }
        }
        WebhookOp::Nudge => Reply { status: 204, body: String::new() }.into(),
    })
}

fn create(store: &mut impl WebhookStore, request: EndpointRequest, cx: &Context) -> Result<Handled, Fault> {
    let secret = new_secret(&cx.random);
    let endpoint = EndpointRecord {
        version: WEBHOOK_RECORD_VERSION,
        id: format!("we_{}", hex::encode(&cx.random[..8])),
        url: request.url,
        events: request.events,
        description: request.description,
        enabled: true,
        disabled_reason: None,
        created_at: cx.now,
        failing_since: None,
        start_after: cx.feed_head,
        secrets: vec![SecretRecord { secret: secret.clone(), expires_at: None }],
    };
    store.put_endpoint(&endpoint)?;
    if store.cursor()?.is_none() {
        store.set_cursor(Some(cx.feed_head))?;
    }
    Ok(Reply::json(201, &doc(&endpoint, Some(secret))).into())
}

fn update(
    store: &mut impl WebhookStore,
    mut endpoint: EndpointRecord,
    patch: EndpointPatch,
) -> Result<Handled, Fault> {
    if let Some(url) = patch.url {
        endpoint.url = url;
    }
    if let Some(events) = patch.events {
        endpoint.events = events;
    }
    if let Some(description) = patch.description {
        endpoint.description = description;
    }
    match patch.enabled {
        Some(true) if !endpoint.enabled => {
            endpoint.enabled = true;
            endpoint.disabled_reason = None;
            endpoint.failing_since = None;
        }
        Some(false) if endpoint.enabled => disable(store, &mut endpoint, "merchant")?,
        _ => {}
    }
    store.put_endpoint(&endpoint)?;
    Ok(Reply::json(200, &doc(&endpoint, None)).into())
}

/// Disables an endpoint: its pending deliveries fail, and it gets nothing until enabled.
fn disable(store: &mut impl WebhookStore, endpoint: &mut EndpointRecord, reason: &str) -> Result<(), Fault> {
    endpoint.enabled = false;
    endpoint.disabled_reason = Some(reason.into());
    for mut pending in store.pending_of(&endpoint.id)? {
        pending.state = DeliveryStateRecord::Failed;
        pending.next_at = None;
        store.put_delivery(&pending)?;
    }
    Ok(())
}

fn find(store: &impl WebhookStore, id: &str) -> Result<Option<EndpointRecord>, Fault> {
    Ok(store.endpoints()?.into_iter().find(|endpoint| endpoint.id == id))
}

fn no_endpoint() -> Handled {
    ApiError::not_found("no such webhook endpoint").into()
}

fn disabled() -> Handled {
    ApiError::new(409, "endpoint_disabled", "the endpoint is disabled; enable it with PATCH first").into()
}

fn new_secret(random: &[u8; 32]) -> String {
    format!("whsec_{}", hex::encode(&random[8..]))
}

fn doc(endpoint: &EndpointRecord, secret: Option<String>) -> EndpointDoc {
    EndpointDoc {
        id: endpoint.id.clone(),
        url: endpoint.url.clone(),
        events: endpoint.events.clone(),
        description: endpoint.description.clone(),
        enabled: endpoint.enabled,
        created_at: endpoint.created_at,
        disabled_reason: endpoint.disabled_reason.clone(),
        failing_since: endpoint.failing_since,
        secret,
    }
}

fn delivery(id: u64, endpoint_id: &str, payload: &WebhookPayload, now: Millis) -> DeliveryRecord {
    DeliveryRecord {
        version: WEBHOOK_RECORD_VERSION,
        id,
        endpoint_id: endpoint_id.into(),
        event_id: payload.id.clone(),
        kind: payload.kind.clone(),
        body: encode(payload),
        attempts: 0,
        state: DeliveryStateRecord::Pending,
        next_at: Some(now),
    }
}

fn subscribes(endpoint: &EndpointRecord, kind: &str) -> bool {
    endpoint.events.iter().any(|event| event == "*" || event == kind)
}

/// Takes in feed entries (after the cursor, oldest first): one delivery for each enabled
/// endpoint that subscribes to the entry's type and was created before it; the cursor moves
/// past them, in the same transaction, so each is taken in once.
pub fn intake(store: &mut impl WebhookStore, entries: &[FeedEntryDoc], now: Millis) -> Result<(), Fault> {
    let Some(taken) = store.cursor()? else { return Ok(()) };
    let mut cursor = taken;
    let endpoints: Vec<EndpointRecord> = store.endpoints()?.into_iter().filter(|e| e.enabled).collect();
    for entry in entries.iter().filter(|entry| entry.id > taken) {
        let payload = payload(entry);
        for endpoint in &endpoints {
            if entry.id > endpoint.start_after && subscribes(endpoint, &payload.kind) {
                let id = store.next_number(Counter::Delivery)?;
                store.put_delivery(&delivery(id, &endpoint.id, &payload, now))?;
            }
        }
        cursor = entry.id;
    }
    store.set_cursor(Some(cursor))
}

/// A feed entry as a receiver gets it: the envelope, and the event's own fields as `data`.
pub fn payload(entry: &FeedEntryDoc) -> WebhookPayload {
    let mut data = match serde_json::to_value(&entry.event.body) {
        Ok(serde_json::Value::Object(fields)) => fields,
        _ => serde_json::Map::new(),
    };
    let kind = match data.remove("type") {
        Some(serde_json::Value::String(kind)) => kind,
        _ => String::new(),
    };
    WebhookPayload {
        id: format!("evt_{}", entry.id),
        kind,
        created_at: entry.event.at,
        sku: entry.event.sku.clone(),
        seq: Some(entry.event.seq),
        data,
    }
}

/// One attempt to make: where, what, and the headers that sign it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outgoing {
    pub delivery_id: u64,
    pub url: String,
    pub body: String,
    pub headers: Vec<(&'static str, String)>,
}

/// Attempts due by `now` for enabled endpoints, earliest first, skipping those in `busy`
/// (already being sent).
pub fn due(store: &impl WebhookStore, now: Millis, limit: u32, busy: &[u64]) -> Result<Vec<Outgoing>, Fault> {
    let endpoints = store.endpoints()?;
    let mut outgoing = Vec::new();
    for delivery in store.due(now, limit + busy.len() as u32)? {
        if busy.contains(&delivery.id) || outgoing.len() >= limit as usize {
            continue;
        }
        let Some(endpoint) = endpoints.iter().find(|e| e.id == delivery.endpoint_id && e.enabled) else {
            continue;
        };
        outgoing.push(signed(endpoint, &delivery, now));
    }
    Ok(outgoing)
}

/// One delivery's next attempt (a test or a retry the merchant asked for).
pub fn outgoing(store: &impl WebhookStore, delivery_id: u64, now: Millis) -> Result<Option<Outgoing>, Fault> {
    let Some(delivery) = store.delivery(delivery_id)? else { return Ok(None) };
    let endpoints = store.endpoints()?;
    let endpoint = endpoints.iter().find(|e| e.id == delivery.endpoint_id && e.enabled);
    Ok(endpoint.map(|endpoint| signed(endpoint, &delivery, now)))
}

fn signed(endpoint: &EndpointRecord, delivery: &DeliveryRecord, now: Millis) -> Outgoing {
    let seconds = now.div_euclid(1000);
    let secrets: Vec<&str> = endpoint
        .secrets
        .iter()
        .filter(|secret| secret.expires_at.is_none_or(|at| at > now))
        .map(|secret| secret.secret.as_str())
        .collect();
    Outgoing {
        delivery_id: delivery.id,
        url: endpoint.url.clone(),
        body: delivery.body.clone(),
        headers: vec![
            ("content-type", "application/json".into()),
            ("user-agent", "Backorder-Edge-Webhooks/1".into()),
            ("backorder-webhook-id", delivery.event_id.clone()),
            ("backorder-webhook-timestamp", seconds.to_string()),
            ("backorder-signature", signature(&secrets, seconds, &delivery.body)),
        ],
    }
}

/// `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`, one `v1` per secret: the
/// scheme Stripe uses, so receivers can use what they know.
pub fn signature(secrets: &[&str], seconds: i64, body: &str) -> String {
    let mut header = format!("t={seconds}");
    for secret in secrets {
        // HMAC takes a key of any length: `new_from_slice` cannot fail for it.
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else { continue };
        mac.update(seconds.to_string().as_bytes());
        mac.update(b".");
        mac.update(body.as_bytes());
        header.push_str(",v1=");
        header.push_str(&hex::encode(mac.finalize().into_bytes()));
    }
    header
}

/// What came of one attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attempted {
    /// The receiver's status; `None` when none came in time.
    pub status: Option<u16>,
    pub latency_ms: u32,
    pub error: Option<String>,
}

impl Attempted {
    pub fn succeeded(&self) -> bool {
        self.status.is_some_and(|status| (200..300).contains(&status))
    }
}

/// Records an attempt made at `now`: a success ends the delivery; a failure schedules the next
/// attempt (`jitter`, any random number, spreads it ±10 %) or, past the schedule, gives up.
/// Answers the `endpoint_disabled` event to publish when this failure disabled its endpoint.
pub fn record(
    store: &mut impl WebhookStore,
    delivery_id: u64,
    attempted: &Attempted,
    now: Millis,
    jitter: u32,
) -> Result<Option<EventDoc>, Fault> {
    let Some(mut delivery) = store.delivery(delivery_id)? else { return Ok(None) };
    let Some(mut endpoint) = find(store, &delivery.endpoint_id)? else { return Ok(None) };
    delivery.attempts += 1;
    let mut event = None;
    if attempted.succeeded() {
        delivery.state = DeliveryStateRecord::Succeeded;
        delivery.next_at = None;
        endpoint.failing_since = None;
    } else {
        match RETRY_SCHEDULE_MS.get(delivery.attempts as usize - 1) {
            Some(wait) => {
                let spread = Millis::from(jitter % 201) + 900; // 900..=1100 thousandths
                delivery.next_at = Some(now + wait * spread / 1000);
            }
            None => {
                delivery.state = DeliveryStateRecord::Failed;
                delivery.next_at = None;
            }
        }
        let since = *endpoint.failing_since.get_or_insert(now);
        if now - since >= DISABLE_AFTER_MS && endpoint.enabled {
            delivery.state = DeliveryStateRecord::Failed;
            delivery.next_at = None;
            store.put_delivery(&delivery)?;
            disable(store, &mut endpoint, "failing")?;
            let seq = store.next_number(Counter::Event)?;
            event = Some(EventDoc {
                sku: None,
                seq,
                at: now,
                body: EventBody::EndpointDisabled {
                    endpoint_id: endpoint.id.clone(),
                    url: endpoint.url.clone(),
                    failing_since: since,
                },
            });
        }
    }
    store.put_delivery(&delivery)?;
    store.put_endpoint(&endpoint)?;
    let attempt = AttemptRecord {
        delivery_id: delivery.id,
        event_id: delivery.event_id.clone(),
        kind: delivery.kind.clone(),
        attempt: delivery.attempts,
        at: now,
        status: attempted.status,
        latency_ms: attempted.latency_ms,
        error: attempted.error.clone(),
        state: delivery.state,
        next_at: delivery.next_at,
    };
    store.log_attempt(&endpoint.id, &attempt)?;
    Ok(event)
}

/// While the feed is followed, the longest the dispatcher goes without pulling it: the catalog's
/// nudge brings new events at once, and this bounds how long one whose nudge was lost waits.
pub const SAFETY_PULL_MS: Millis = 5 * 60_000;
/// How soon to try again when the feed or the dispatcher's own outbox could not be reached.
pub const RETRY_MS: Millis = 5_000;

/// What the dispatcher knows at the end of a call or a run, to decide when to run next.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Wake {
    pub now: Millis,
    /// When the earliest pending attempt is due.
    pub next_due: Option<Millis>,
    /// Endpoints exist, so the feed is followed.
    pub following: bool,
    /// Work is left for another run at once: feed pages or due attempts beyond one run's share,
    /// or a nudge (or a merchant's call) that came in while this run was under way — its events
    /// may be newer than the page this run read.
    pub again: bool,
    /// The feed could not be read.
    pub feed_failed: bool,
    /// The dispatcher's own events are not all in the feed yet.
    pub outbox_pending: bool,
}

/// When the dispatcher's alarm should next fire; `None` when nothing is left to do. The shell
/// sets the alarm to this after every call and every run (one alarm: the latest set wins, so
/// every reason to wake is folded in here, never set separately).
pub fn next_run(wake: &Wake) -> Option<Millis> {
    let now = wake.now;
    let following =
        [wake.again.then_some(now), wake.feed_failed.then_some(now + RETRY_MS), Some(now + SAFETY_PULL_MS)];
    let always = [wake.next_due, wake.outbox_pending.then_some(now + RETRY_MS)];
    let followed = if wake.following { &following[..] } else { &[] };
    followed.iter().chain(&always).flatten().min().map(|&at| at.max(now))
}

/// The answer to a test or a retry: the attempt just made.
pub fn attempt_reply(store: &impl WebhookStore, endpoint_id: &str, delivery_id: u64) -> Result<Reply, Fault> {
    let last = store.attempts(endpoint_id)?.into_iter().find(|attempt| attempt.delivery_id == delivery_id);
    Ok(match last {
        Some(attempt) => Reply::json(200, &attempt_doc(&attempt)),
        None => {
            ApiError::new(503, "not_attempted", "the delivery could not be attempted; retry later").into()
        }
    })
}

fn attempt_doc(attempt: &AttemptRecord) -> AttemptDoc {
    let outcome = match attempt.state {
        DeliveryStateRecord::Succeeded => "succeeded",
        DeliveryStateRecord::Pending => "retrying",
        DeliveryStateRecord::Failed => "failed",
    };
    AttemptDoc {
        delivery_id: format!("dlv_{}", attempt.delivery_id),
        event_id: attempt.event_id.clone(),
        kind: attempt.kind.clone(),
        attempt: attempt.attempt,
        at: attempt.at,
        status: attempt.status,
        latency_ms: attempt.latency_ms,
        error: attempt.error.clone(),
        outcome: outcome.into(),
        next_attempt_at: attempt.next_at,
    }
}
