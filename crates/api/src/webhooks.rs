//! Webhook endpoints as merchants manage them, the deliveries they can read, and the payload
//! a receiver gets: `POST /v1/webhook-endpoints` and the routes under it.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use backorder_core::Millis;
use serde::{Deserialize, Serialize};
use serde_with::serde_as;
use url::{Host, Url};

use crate::fields::{Nullable, Present};
use crate::ApiError;

/// Every event type an endpoint may subscribe to (besides `"*"`, all of them). `ping` is sent
/// only by `POST /v1/webhook-endpoints/{id}/test`, to that endpoint, whatever it subscribes to.
pub const EVENT_TYPES: [&str; 15] = [
    "order_created",
    "backorder_created",
    "eta_changed",
    "backorder_allocated",
    "delay_notice",
    "delay_accepted",
    "backorder_cancelled",
    "order_cancelled",
    "refund_due",
    "low_stock",
    "reorder_needed",
    "adapter_skipped",
    "adapter_order_refused",
    "endpoint_disabled",
    "ping",
];

/// Most characters an endpoint's description may have.
pub const MAX_DESCRIPTION_CHARS: usize = 500;
/// Most characters an endpoint's URL may have.
pub const MAX_URL_CHARS: usize = 2048;

/// `POST /v1/webhook-endpoints`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointRequest {
    pub url: String,
    /// `["*"]` for every type, or a list of [`EVENT_TYPES`].
    pub events: Vec<String>,
    #[serde(default)]
    pub description: Option<String>,
}

/// `PATCH /v1/webhook-endpoints/{id}`: absent fields keep their value; `description: null`
/// clears it.
#[serde_as]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointPatch {
    #[serde_as(as = "Present<_>")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde_as(as = "Present<_>")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<String>>,
    #[serde_as(as = "Nullable<_>")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Option<String>>,
    #[serde_as(as = "Present<_>")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

impl EndpointRequest {
    /// `allow_local`: the development flag, under which `http://127.0.0.1` and
    /// `http://localhost` are allowed too.
    pub fn validate(&self, allow_local: bool) -> Result<(), ApiError> {
        endpoint_url(&self.url, allow_local)?;
        event_types(&self.events)?;
        description(self.description.as_deref())
    }
}

impl EndpointPatch {
    pub fn validate(&self, allow_local: bool) -> Result<(), ApiError> {
        if let Some(url) = &self.url {
            endpoint_url(url, allow_local)?;
        }
        if let Some(events) = &self.events {
            event_types(events)?;
        }
        description(self.description.clone().flatten().as_deref())
    }
}

/// An endpoint's URL: `https://` to a public host. A host that is an IP literal in a private,
/// loopback, link-local or otherwise non-public range is refused; with `allow_local`,
/// `http://127.0.0.1` and `http://localhost` (any port) are allowed for local receivers.
pub fn endpoint_url(text: &str, allow_local: bool) -> Result<Url, ApiError> {
    if text.len() > MAX_URL_CHARS {
        return Err(ApiError::invalid(format!("url must be at most {MAX_URL_CHARS} characters")));
    }
    let url = Url::parse(text).map_err(|error| ApiError::invalid(format!("url is not a URL: {error}")))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(ApiError::invalid("url must not carry credentials"));
    }
    let local = matches!(url.host(), Some(Host::Domain("localhost")))
        || matches!(url.host(), Some(Host::Ipv4(ip)) if ip == Ipv4Addr::LOCALHOST);
    match (url.scheme(), local) {
        ("http", true) if allow_local => return Ok(url),
        ("https", _) => {}
        _ if allow_local => {
            return Err(ApiError::invalid("url must be https:// (or http://127.0.0.1 or http://localhost)"));
        }
        _ => return Err(ApiError::invalid("url must be https://")),
    }
    let ip = match url.host() {
        Some(Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
        Some(Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
        Some(Host::Domain(_)) => None,
        None => return Err(ApiError::invalid("url must name a host")),
    };
    if ip.is_some_and(|ip| !is_public(ip)) || (local && !allow_local) {
        return Err(ApiError::invalid("url must not point to a private, loopback or link-local address"));
    }
    Ok(url)
}

/// Whether an address is on the public internet (not private, loopback, link-local, shared,
/// documentation, benchmarking, multicast, broadcast or unspecified).
fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => {
            let [a, b, ..] = ip.octets();
            !(ip.is_private()
                || ip.is_loopback()
                || ip.is_link_local()
                || ip.is_unspecified()
                || ip.is_broadcast()
                || ip.is_multicast()
                || ip.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b)) // shared address space (RFC 6598)
                || (a == 198 && (b == 18 || b == 19)) // benchmarking (RFC 2544)
                || a >= 240)
        }
        IpAddr::V6(ip) => match ip.to_ipv4_mapped() {
            Some(v4) => is_public(IpAddr::V4(v4)),
            None => {
                !(ip.is_loopback()
                    || ip.is_unspecified()
                    || ip.is_multicast()
                    || ip.is_unique_local()
                    || ip.is_unicast_link_local()
                    || is_documentation_v6(ip))
            }
        },
    }
}

fn is_documentation_v6(ip: Ipv6Addr) -> bool {
    let [a, b, ..] = ip.segments();
    a == 0x2001 && b == 0x0db8
}

fn event_types(events: &[String]) -> Result<(), ApiError> {
    if events.is_empty() {
        return Err(ApiError::invalid("events must name at least one event type, or be [\"*\"]"));
    }
    if events.len() > 1 && events.iter().any(|event| event == "*") {
        return Err(ApiError::invalid("events: \"*\" means every type and stands alone"));
    }
    for event in events {
        if event != "*" && !EVENT_TYPES.contains(&event.as_str()) {
            let shown: String = event.chars().take(64).collect();
            return Err(ApiError::invalid(format!(
                "events: `{}` is not an event type (one of {})",
                shown.escape_default(),
                EVENT_TYPES.join(", ")
            )));
        }
    }
    Ok(())
}

fn description(text: Option<&str>) -> Result<(), ApiError> {
    if text.is_some_and(|text| text.chars().count() > MAX_DESCRIPTION_CHARS) {
        return Err(ApiError::invalid(format!(
            "description must be at most {MAX_DESCRIPTION_CHARS} characters"
        )));
    }
    Ok(())
}

/// An endpoint as the merchant reads it. The signing secret appears only in the answers that
/// create it (`POST /v1/webhook-endpoints`, `…/rotate-secret`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointDoc {
    pub id: String,
    pub url: String,
    pub events: Vec<String>,
    pub description: Option<String>,
    pub enabled: bool,
    #[serde(with = "crate::time::rfc3339")]
    pub created_at: Millis,
    /// Why it was disabled: `merchant` or `failing` (every attempt failed for 3 days).
    pub disabled_reason: Option<String>,
    /// Since when every attempt has failed; null after a success.
    #[serde(with = "crate::time::rfc3339::option")]
    pub failing_since: Option<Millis>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointListDoc {
    pub endpoints: Vec<EndpointDoc>,
}

/// One attempt to deliver an event to an endpoint, as its delivery log shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttemptDoc {
    /// The delivery (one event to one endpoint) this attempt is of: what `…/retry` takes.
    pub delivery_id: String,
    pub event_id: String,
    #[serde(rename = "type")]
    pub kind: String,
    /// 1 for the first attempt.
    pub attempt: u32,
    #[serde(with = "crate::time::rfc3339")]
    pub at: Millis,
    /// The receiver's HTTP status; null when none came (unreachable, timed out).
    pub status: Option<u16>,
    pub latency_ms: u32,
    pub error: Option<String>,
    /// `succeeded`, `retrying` (with `next_attempt_at`) or `failed` (the schedule ran out or the
    /// endpoint was disabled).
    pub outcome: String,
    #[serde(with = "crate::time::rfc3339::option")]
    pub next_attempt_at: Option<Millis>,
}

/// `GET /v1/webhook-endpoints/{id}/deliveries`: the last 100 attempts, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryLogDoc {
    pub endpoint_id: String,
    pub attempts: Vec<AttemptDoc>,
}

/// What a receiver gets: one event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WebhookPayload {
    /// `evt_<n>` for the feed's event `n` (the same on every retry: deduplicate by it), or
    /// `ping_…` for a test.
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(with = "crate::time::rfc3339")]
    pub created_at: Millis,
    pub sku: Option<String>,
    /// The event's place in its SKU's (or order's) own sequence: order by it, not by arrival.
    pub seq: Option<u64>,
    /// The event's fields, as in the feed.
    pub data: serde_json::Map<String, serde_json::Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_urls() {
        let ok = [
            "https://hooks.example.com/backorder?x=1",
            "https://93.184.216.34/",
            "https://[2606:4700::1111]/",
        ];
        for url in ok {
            assert!(endpoint_url(url, false).is_ok(), "{url}");
        }
        let refused = [
            ("http://hooks.example.com/", "must be https"),
            ("ftp://hooks.example.com/", "must be https"),
            ("https://user:pw@hooks.example.com/", "credentials"),
            ("https://10.1.2.3/", "private"),
            ("https://172.16.0.1/", "private"),
            ("https://192.168.1.1/", "private"),
            ("https://127.0.0.1/", "private"),
            ("https://169.254.169.254/latest/meta-data", "private"),
            ("https://100.64.0.1/", "private"),
            ("https://0.0.0.0/", "private"),
            ("https://[::1]/", "private"),
            ("https://[fd00::1]/", "private"),
            ("https://[fe80::1]/", "private"),
            ("https://[::ffff:10.0.0.1]/", "private"),
            ("https://localhost/", "private"),
            ("http://127.0.0.1:9000/", "must be https"),
            ("not a url", "not a URL"),
        ];
        for (url, why) in refused {
            let error = endpoint_url(url, false).unwrap_err();
            assert!(error.message.contains(why), "{url}: {}", error.message);
        }
        assert!(endpoint_url("http://127.0.0.1:9000/hook", true).is_ok());
        assert!(endpoint_url("http://localhost:9000/hook", true).is_ok());
        assert!(endpoint_url("http://10.0.0.1/", true).is_err(), "only loopback, and only for development");
        assert!(endpoint_url(&format!("https://a.example/{}", "x".repeat(2048)), false).is_err());
    }

    #[test]
    fn event_lists_and_descriptions() {
        let request = |events: &[&str], description: Option<String>| EndpointRequest {
            url: "https://hooks.example.com/".into(),
            events: events.iter().map(|e| e.to_string()).collect(),
            description,
        };
        assert!(request(&["*"], None).validate(false).is_ok());
        assert!(request(&["low_stock", "refund_due"], Some("ERP".into())).validate(false).is_ok());
        for (events, why) in [
            (&[][..], "at least one"),
            (&["*", "low_stock"][..], "stands alone"),
            (&["stock_low"][..], "`stock_low` is not an event type"),
        ] {
            assert!(request(events, None).validate(false).unwrap_err().message.contains(why), "{events:?}");
        }
        let long = request(&["*"], Some("é".repeat(501))).validate(false).unwrap_err();
        assert!(long.message.contains("at most 500"));
        assert!(request(&["*"], Some("é".repeat(500))).validate(false).is_ok(), "characters, not bytes");
        let patch: EndpointPatch = crate::input::parse(br#"{"description":null,"enabled":false}"#).unwrap();
        assert_eq!((patch.description, patch.enabled, patch.url), (Some(None), Some(false), None));
        assert!(
            crate::input::parse::<EndpointPatch>(br#"{"enabled":null}"#).is_err(),
            "enabled cannot be cleared"
        );
    }
}
