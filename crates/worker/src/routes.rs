//! Which endpoint a request is for. Pure, and tested natively.

use backorder_api::ids::reservation_sku;
use backorder_api::{validate, ApiError};
use percent_encoding::percent_decode_str;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    Availability {
        sku: String,
    },
    CreateReservation,
    GetReservation {
        id: String,
        sku: String,
    },
    ReleaseReservation {
        id: String,
        sku: String,
    },
    ListProducts,
    PutProduct {
        sku: String,
    },
    GetProduct {
        sku: String,
    },
    Receive {
        sku: String,
    },
    PutPurchaseOrder {
        sku: String,
        po_id: String,
    },
    DeletePurchaseOrder {
        sku: String,
        po_id: String,
    },
    Backorders {
        sku: String,
    },
    CreateOrder,
    GetOrder {
        order_id: String,
    },
    CancelOrder {
        order_id: String,
    },
    /// The customer's view of an order, with its status token (public).
    OrderStatus {
        order_id: String,
    },
    /// The customer's answer to a delay notice, with its status token (public).
    AnswerDelay {
        order_id: String,
    },
    /// A new status token for an order (merchant).
    NewStatusToken {
        order_id: String,
    },
    Events,
    /// The promise-quality report (merchant).
    Analytics,
    /// The demo store's checkout (development only; see `crate::edge`).
    DemoCheckout,
    /// The merchant's webhook endpoints: `/v1/webhook-endpoints[/{id}[/…]]`.
    WebhookEndpoints {
        id: Option<String>,
        action: EndpointAction,
    },
    /// The store platform adapters: `/v1/adapters[/{platform}[/webhooks]]`.
    Adapters(AdapterAction),
}

/// What a `/v1/adapters` route does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AdapterAction {
    List,
    ConfigureShopify,
    ConfigureBigcommerce,
    /// A platform's webhook: authenticated by its signature or secret, not by the merchant's
    /// token.
    ShopifyWebhook,
    BigcommerceWebhook,
}

/// What a `/v1/webhook-endpoints` route does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EndpointAction {
    Create,
    List,
    Get,
    Update,
    Delete,
    RotateSecret,
    Test,
    Deliveries,
    Retry { delivery_id: String },
}

impl Route {
    /// Public endpoints need no token and answer any origin (CORS); the rest are the merchant's.
    pub fn is_public(&self) -> bool {
        matches!(
            self,
            Route::Availability { .. }
                | Route::CreateReservation
                | Route::GetReservation { .. }
                | Route::ReleaseReservation { .. }
                | Route::OrderStatus { .. }
                | Route::AnswerDelay { .. }
        )
    }

    /// A store platform's webhook: it proves itself with the platform's signature or secret
    /// (checked by the adapters' object), not with the merchant's token, and no browser calls it.
    pub fn signed_by_platform(&self) -> bool {
        matches!(self, Route::Adapters(AdapterAction::ShopifyWebhook | AdapterAction::BigcommerceWebhook))
    }

    /// Whether the route reads the request's URL beyond its path: its query, or its origin
    /// (for the address of an order's status page).
    pub fn reads_url(&self) -> bool {
        matches!(
            self,
            Route::Availability { .. }
                | Route::ListProducts
                | Route::Events
                | Route::Analytics
                | Route::CreateOrder
                | Route::DemoCheckout
                | Route::OrderStatus { .. }
                | Route::NewStatusToken { .. }
        )
    }

    /// The routing decision for `method` and `path`: a route, or 404/405.
    pub fn parse(method: &str, path: &str) -> Result<Route, ApiError> {
        let rest = path
            .strip_prefix("/v1/")
            .ok_or_else(|| ApiError::not_found(format!("no endpoint {}", shown(path))))?;
        let segments: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
        let owned = |s: &str| s.to_string();
        let found = match (method, segments.as_slice()) {
            ("GET", ["skus", sku, "availability"]) => sku_route(sku, |sku| Route::Availability { sku })?,
            ("POST", ["reservations"]) => Route::CreateReservation,
            ("GET" | "DELETE", ["reservations", id]) => {
                let sku = reservation_sku(id).ok_or_else(|| ApiError::not_found("no such reservation"))?;
                let (id, sku) = (owned(id), owned(sku));
                if method == "GET" {
                    Route::GetReservation { id, sku }
                } else {
                    Route::ReleaseReservation { id, sku }
                }
            }
            ("GET", ["skus"]) => Route::ListProducts,
            ("PUT", ["skus", sku]) => sku_route(sku, |sku| Route::PutProduct { sku })?,
            ("GET", ["skus", sku]) => sku_route(sku, |sku| Route::GetProduct { sku })?,
            ("POST", ["skus", sku, "receipts"]) => sku_route(sku, |sku| Route::Receive { sku })?,
            ("PUT" | "DELETE", ["skus", sku, "purchase-orders", po_id]) => {
                validate::sku(sku)?;
                validate::id(po_id, "po_id")?;
                let (sku, po_id) = (owned(sku), owned(po_id));
                if method == "PUT" {
                    Route::PutPurchaseOrder { sku, po_id }
                } else {
                    Route::DeletePurchaseOrder { sku, po_id }
                }
            }
            ("GET", ["skus", sku, "backorders"]) => sku_route(sku, |sku| Route::Backorders { sku })?,
            ("POST", ["orders"]) => Route::CreateOrder,
            ("GET", ["orders", order_id]) => order_route(order_id, |order_id| Route::GetOrder { order_id })?,
            ("POST", ["orders", order_id, "cancel"]) => {
                order_route(order_id, |order_id| Route::CancelOrder { order_id })?
            }
            ("GET", ["orders", order_id, "status"]) => {
                order_route(order_id, |order_id| Route::OrderStatus { order_id })?
            }
            ("POST", ["orders", order_id, "delay"]) => {
                order_route(order_id, |order_id| Route::AnswerDelay { order_id })?
            }
            ("POST", ["orders", order_id, "status-token"]) => {
                order_route(order_id, |order_id| Route::NewStatusToken { order_id })?
            }
            ("GET", ["events"]) => Route::Events,
            ("GET", ["analytics"]) => Route::Analytics,
            ("POST", ["demo", "checkout"]) => Route::DemoCheckout,
            ("GET", ["adapters"]) => Route::Adapters(AdapterAction::List),
            ("PUT", ["adapters", "shopify"]) => Route::Adapters(AdapterAction::ConfigureShopify),
            ("PUT", ["adapters", "bigcommerce"]) => Route::Adapters(AdapterAction::ConfigureBigcommerce),
            ("POST", ["adapters", "shopify", "webhooks"]) => Route::Adapters(AdapterAction::ShopifyWebhook),
            ("POST", ["adapters", "bigcommerce", "webhooks"]) => {
                Route::Adapters(AdapterAction::BigcommerceWebhook)
            }
            (_, ["webhook-endpoints", rest @ ..]) => match endpoint_route(method, rest)? {
                Some(route) => route,
                None => return Err(method_not_allowed(method, path)),
            },
            (_, segments) if Self::known_path(segments) => return Err(method_not_allowed(method, path)),
            _ => return Err(ApiError::not_found(format!("no endpoint {}", shown(path)))),
        };
        Ok(found)
    }

    fn known_path(segments: &[&str]) -> bool {
        matches!(
            segments,
            ["skus", _, "availability"]
                | ["reservations"]
                | ["reservations", _]
                | ["skus"]
                | ["skus", _]
                | ["skus", _, "receipts"]
                | ["skus", _, "purchase-orders", _]
                | ["skus", _, "backorders"]
                | ["orders"]
                | ["orders", _]
                | ["orders", _, "cancel"]
                | ["orders", _, "status"]
                | ["orders", _, "delay"]
                | ["orders", _, "status-token"]
                | ["events"]
                | ["analytics"]
                | ["demo", "checkout"]
                | ["adapters"]
                | ["adapters", "shopify" | "bigcommerce"]
                | ["adapters", "shopify" | "bigcommerce", "webhooks"]
        )
    }
}

fn method_not_allowed(method: &str, path: &str) -> ApiError {
    ApiError::new(405, "method_not_allowed", format!("{} is not allowed on {}", shown(method), shown(path)))
}

/// A path or method as an error message quotes it: at most 200 characters, so that an overlong
/// request does not come back in full.
fn shown(text: &str) -> String {
    match text.char_indices().nth(200) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.into(),
    }
}

/// A `/v1/webhook-endpoints` route; `None` for a known path with the wrong method.
fn endpoint_route(method: &str, rest: &[&str]) -> Result<Option<Route>, ApiError> {
    let endpoint = |id: &str| -> Result<Option<String>, ApiError> {
        validate::id(id, "endpoint id")?;
        Ok(Some(id.to_string()))
    };
    let (id, action) = match (method, rest) {
        ("POST", []) => (None, EndpointAction::Create),
        ("GET", []) => (None, EndpointAction::List),
        ("GET", [id]) => (endpoint(id)?, EndpointAction::Get),
        ("PATCH", [id]) => (endpoint(id)?, EndpointAction::Update),
        ("DELETE", [id]) => (endpoint(id)?, EndpointAction::Delete),
        ("POST", [id, "rotate-secret"]) => (endpoint(id)?, EndpointAction::RotateSecret),
        ("POST", [id, "test"]) => (endpoint(id)?, EndpointAction::Test),
        ("GET", [id, "deliveries"]) => (endpoint(id)?, EndpointAction::Deliveries),
        ("POST", [id, "deliveries", delivery, "retry"]) => {
            validate::id(delivery, "delivery id")?;
            (endpoint(id)?, EndpointAction::Retry { delivery_id: delivery.to_string() })
        }
        (_, [] | [_] | [_, "rotate-secret" | "test" | "deliveries"] | [_, "deliveries", _, "retry"]) => {
            return Ok(None)
        }
        _ => {
            return Err(ApiError::not_found(format!("no endpoint /v1/webhook-endpoints/{}", rest.join("/"))))
        }
    };
    Ok(Some(Route::WebhookEndpoints { id, action }))
}

fn sku_route(sku: &str, route: impl FnOnce(String) -> Route) -> Result<Route, ApiError> {
    validate::sku(sku)?;
    Ok(route(sku.to_string()))
}

fn order_route(order_id: &str, route: impl FnOnce(String) -> Route) -> Result<Route, ApiError> {
    // `#` is the one character an id may have that a path must escape.
    let decoded = percent_decode_str(order_id).decode_utf8_lossy();
    validate::id(&decoded, "order_id")?;
    Ok(route(decoded.into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        let id = backorder_api::ids::reservation_id(&[0xab; 12], "PHONE-1");
        let cases = [
            ("GET", "/v1/skus/PHONE-1/availability", Route::Availability { sku: "PHONE-1".into() }),
            ("POST", "/v1/reservations", Route::CreateReservation),
            (
                "GET",
                &format!("/v1/reservations/{id}"),
                Route::GetReservation { id: id.clone(), sku: "PHONE-1".into() },
            ),
            (
                "DELETE",
                &format!("/v1/reservations/{id}"),
                Route::ReleaseReservation { id: id.clone(), sku: "PHONE-1".into() },
            ),
            ("GET", "/v1/skus", Route::ListProducts),
            ("GET", "/v1/skus/", Route::ListProducts),
            ("PUT", "/v1/skus/A.b_c", Route::PutProduct { sku: "A.b_c".into() }),
            ("POST", "/v1/skus/A/receipts", Route::Receive { sku: "A".into() }),
            (
                "PUT",
                "/v1/skus/A/purchase-orders/PO-7",
                Route::PutPurchaseOrder { sku: "A".into(), po_id: "PO-7".into() },
            ),
            ("GET", "/v1/skus/A/backorders", Route::Backorders { sku: "A".into() }),
            ("POST", "/v1/orders", Route::CreateOrder),
            ("GET", "/v1/orders/%231001", Route::GetOrder { order_id: "#1001".into() }),
            ("POST", "/v1/orders/1001/cancel", Route::CancelOrder { order_id: "1001".into() }),
            ("GET", "/v1/orders/1001/status", Route::OrderStatus { order_id: "1001".into() }),
            ("POST", "/v1/orders/1001/delay", Route::AnswerDelay { order_id: "1001".into() }),
            ("POST", "/v1/orders/1001/status-token", Route::NewStatusToken { order_id: "1001".into() }),
            ("GET", "/v1/events", Route::Events),
            ("GET", "/v1/analytics", Route::Analytics),
            ("POST", "/v1/demo/checkout", Route::DemoCheckout),
            ("GET", "/v1/adapters", Route::Adapters(AdapterAction::List)),
            ("PUT", "/v1/adapters/shopify", Route::Adapters(AdapterAction::ConfigureShopify)),
            ("PUT", "/v1/adapters/bigcommerce", Route::Adapters(AdapterAction::ConfigureBigcommerce)),
            ("POST", "/v1/adapters/shopify/webhooks", Route::Adapters(AdapterAction::ShopifyWebhook)),
            ("POST", "/v1/adapters/bigcommerce/webhooks", Route::Adapters(AdapterAction::BigcommerceWebhook)),
        ];
        let endpoint = |id: Option<&str>, action| Route::WebhookEndpoints { id: id.map(Into::into), action };
        let webhook_cases = [
            ("POST", "/v1/webhook-endpoints", endpoint(None, EndpointAction::Create)),
            ("GET", "/v1/webhook-endpoints/", endpoint(None, EndpointAction::List)),
            ("GET", "/v1/webhook-endpoints/we_1", endpoint(Some("we_1"), EndpointAction::Get)),
            ("PATCH", "/v1/webhook-endpoints/we_1", endpoint(Some("we_1"), EndpointAction::Update)),
            ("DELETE", "/v1/webhook-endpoints/we_1", endpoint(Some("we_1"), EndpointAction::Delete)),
            (
                "POST",
                "/v1/webhook-endpoints/we_1/rotate-secret",
                endpoint(Some("we_1"), EndpointAction::RotateSecret),
            ),
            ("POST", "/v1/webhook-endpoints/we_1/test", endpoint(Some("we_1"), EndpointAction::Test)),
            (
                "GET",
                "/v1/webhook-endpoints/we_1/deliveries",
                endpoint(Some("we_1"), EndpointAction::Deliveries),
            ),
            (
                "POST",
                "/v1/webhook-endpoints/we_1/deliveries/dlv_7/retry",
                endpoint(Some("we_1"), EndpointAction::Retry { delivery_id: "dlv_7".into() }),
            ),
        ];
        for (method, path, route) in cases.into_iter().chain(webhook_cases) {
            assert_eq!(Route::parse(method, path), Ok(route), "{method} {path}");
        }
    }

    #[test]
    fn bad_paths_are_404_405_or_400() {
        let cases = [
            ("GET", "/v2/skus", 404),
            ("GET", "/v1/nothing", 404),
            ("PATCH", "/v1/skus/A", 405),
            ("POST", "/v1/skus/A/availability", 405),
            ("GET", "/v1/skus/bad%20sku/availability", 400),
            ("GET", "/v1/reservations/res_nope", 404),
            ("GET", "/v1/reservations/res_abababababababababababab.", 404),
            ("PUT", "/v1/skus/A/purchase-orders/bad/po", 404),
            ("GET", "/v1/orders/a%2Fb", 400),
            ("GET", "/v1/orders/%ZZ", 400),
            ("GET", "/v1/orders/%C3%A9", 400),
            ("PUT", "/v1/webhook-endpoints", 405),
            ("GET", "/v1/webhook-endpoints/we_1/test", 405),
            ("POST", "/v1/webhook-endpoints/we_1/deliveries/dlv_7", 404),
            ("GET", "/v1/webhook-endpoints/bad%20id", 400),
            ("GET", "/v1/demo/checkout", 405),
            ("GET", "/v1/adapters/shopify/webhooks", 405),
            ("PUT", "/v1/adapters/woocommerce", 404),
            ("POST", "/v1/analytics", 405),
            ("PROPFIND", "/v1/skus/A", 405),
        ];
        for (method, path, status) in cases {
            assert_eq!(Route::parse(method, path).map_err(|e| e.status), Err(status), "{method} {path}");
        }
        // An overlong path is quoted only in part.
        let long = format!("/v2/{}", "x".repeat(10_000));
        let message = Route::parse("GET", &long).unwrap_err().message;
        assert_eq!(message.chars().count(), "no endpoint ".len() + 201, "{message}");
    }
}
