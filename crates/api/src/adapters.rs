//! The store platform adapters' documents: their configuration as the merchant sets it
//! (`PUT /v1/adapters/shopify`, `PUT /v1/adapters/bigcommerce`) and reads it back (never a
//! secret), and what the adapters read of the platforms' own webhooks and API answers — only
//! the fields they use, everything else ignored, as the platforms add fields over time.

use serde::{Deserialize, Serialize};

use crate::webhooks::endpoint_url;
use crate::ApiError;

/// The header a BigCommerce hook is created with, carrying the merchant's `webhook_secret`.
pub const BIGCOMMERCE_SECRET_HEADER: &str = "x-backorder-webhook-secret";
/// Where BigCommerce's API is, unless a configuration says otherwise.
pub const BIGCOMMERCE_API: &str = "https://api.bigcommerce.com";
/// The line item property a widget reservation travels in (hidden at checkout: it starts with
/// an underscore).
pub const RESERVATION_PROPERTY: &str = "_backorder_reservation";

/// `PUT /v1/adapters/shopify`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShopifyConfig {
    /// `example.myshopify.com`
    pub shop_domain: String,
    /// The app's client secret, which signs its webhooks.
    pub client_secret: String,
}

/// `PUT /v1/adapters/bigcommerce`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BigCommerceConfig {
    pub store_hash: String,
    /// An API account's access token with read access to orders.
    pub access_token: String,
    /// The value of the `X-Backorder-Webhook-Secret` header the hooks are created with.
    pub webhook_secret: String,
    /// The API's base URL (`https://api.bigcommerce.com` unless set).
    #[serde(default)]
    pub api_base: Option<String>,
}

fn secret(value: &str, what: &str) -> Result<(), ApiError> {
    if value.len() < 16 || value.len() > 512 || !value.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::invalid(format!("{what} must be 16–512 visible ASCII characters")));
    }
    Ok(())
}

impl ShopifyConfig {
    pub fn validate(&self) -> Result<(), ApiError> {
        let domain = self.shop_domain.as_str();
        let label_ok =
            |label: &str| !label.is_empty() && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        let valid = domain.len() <= 255
            && domain.strip_suffix(".myshopify.com").is_some_and(label_ok)
            && domain.bytes().all(|b| !b.is_ascii_uppercase());
        if !valid {
            return Err(ApiError::invalid("shop_domain must be the shop's <name>.myshopify.com domain"));
        }
        secret(&self.client_secret, "client_secret")
    }
}

impl BigCommerceConfig {
    /// `allow_local`: the development flag, under which `api_base` may be a local stand-in.
    pub fn validate(&self, allow_local: bool) -> Result<(), ApiError> {
        let hash = self.store_hash.as_str();
        if hash.is_empty() || hash.len() > 64 || !hash.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(ApiError::invalid("store_hash must be 1–64 letters and digits"));
        }
        secret(&self.access_token, "access_token")?;
        secret(&self.webhook_secret, "webhook_secret")?;
        if let Some(base) = &self.api_base {
            endpoint_url(base, allow_local)
                .map_err(|e| ApiError::invalid(format!("api_base: {}", e.message)))?;
        }
        Ok(())
    }
}

/// `GET /v1/adapters`: which adapters are configured, without their secrets.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdaptersDoc {
    pub shopify: Option<ShopifySummary>,
    pub bigcommerce: Option<BigCommerceSummary>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShopifySummary {
    pub shop_domain: String,
    /// Where to point the shop's `orders/create` and `orders/cancelled` webhooks.
    pub webhook_path: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BigCommerceSummary {
    pub store_hash: String,
    pub api_base: String,
    /// Where to point the store's `store/order/created` and `store/order/statusUpdated` hooks.
    pub webhook_path: String,
}

/// A Shopify order, as its `orders/create` and `orders/cancelled` webhooks send it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct ShopifyOrder {
    pub id: u64,
    #[serde(default)]
    pub line_items: Vec<ShopifyLineItem>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct ShopifyLineItem {
    #[serde(default)]
    pub sku: Option<String>,
    pub quantity: u32,
    #[serde(default)]
    pub properties: Vec<ShopifyProperty>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct ShopifyProperty {
    pub name: String,
    #[serde(default)]
    pub value: serde_json::Value,
}

impl ShopifyLineItem {
    /// The widget's reservation this line item carries, if any.
    pub fn reservation(&self) -> Option<&str> {
        self.properties
            .iter()
            .find(|property| property.name == RESERVATION_PROPERTY)
            .and_then(|property| property.value.as_str())
    }
}

/// A BigCommerce webhook: `{scope, store_id, data: {type, id, status?}, hash, producer}`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct BigCommerceHook {
    pub scope: String,
    #[serde(default)]
    pub producer: Option<String>,
    pub hash: String,
    pub data: BigCommerceHookData,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct BigCommerceHookData {
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    pub id: u64,
    #[serde(default)]
    pub status: Option<BigCommerceStatusChange>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub struct BigCommerceStatusChange {
    #[serde(default)]
    pub previous_status_id: Option<u32>,
    pub new_status_id: u32,
}

/// BigCommerce's order statuses that undo an order: 4 Refunded, 5 Cancelled, 6 Declined.
pub fn bigcommerce_status_cancels(status_id: u32) -> bool {
    matches!(status_id, 4..=6)
}

/// One product of an order, as `GET /stores/{hash}/v2/orders/{id}/products` answers it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct BigCommerceOrderProduct {
    #[serde(default)]
    pub sku: Option<String>,
    pub quantity: u32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::parse;

    #[test]
    fn configurations_are_checked() {
        let shopify = |domain: &str, secret: &str| ShopifyConfig {
            shop_domain: domain.into(),
            client_secret: secret.into(),
        };
        assert!(shopify("demo-store.myshopify.com", "shpss_0123456789abcdef").validate().is_ok());
        for bad in ["demo.example.com", ".myshopify.com", "Demo.myshopify.com", "a b.myshopify.com"] {
            assert!(shopify(bad, "shpss_0123456789abcdef").validate().is_err(), "{bad}");
        }
        assert!(shopify("demo.myshopify.com", "short").validate().is_err());
        let bigcommerce = |base: Option<&str>| BigCommerceConfig {
            store_hash: "abc123".into(),
            access_token: "0123456789abcdef0123".into(),
            webhook_secret: "fedcba9876543210fedc".into(),
            api_base: base.map(Into::into),
        };
        assert!(bigcommerce(None).validate(false).is_ok());
        assert!(bigcommerce(Some("http://127.0.0.1:9000")).validate(false).is_err());
        assert!(
            bigcommerce(Some("http://127.0.0.1:9000")).validate(true).is_ok(),
            "a local stand-in in development"
        );
        assert!(bigcommerce(Some("https://10.0.0.1")).validate(true).is_err());
        assert!(parse::<ShopifyConfig>(br#"{"shop_domain":"a.myshopify.com"}"#).is_err());
    }

    #[test]
    fn platform_payloads_are_read_leniently() {
        let order: ShopifyOrder = serde_json::from_str(
            r#"{"id":820982911946154508,"email":"jon@example.com","line_items":[
                {"id":1,"sku":"IPOD2008PINK","quantity":1,"properties":[{"name":"_backorder_reservation","value":"res_1.IPOD2008PINK"}]},
                {"id":2,"sku":null,"quantity":2,"properties":[]}]}"#,
        )
        .unwrap();
        assert_eq!(order.id, 820_982_911_946_154_508);
        assert_eq!(order.line_items[0].reservation(), Some("res_1.IPOD2008PINK"));
        assert_eq!((order.line_items[1].sku.as_deref(), order.line_items[1].reservation()), (None, None));
        let hook: BigCommerceHook = serde_json::from_str(
            r#"{"created_at":1561482670,"store_id":"1025646","producer":"stores/{store_hash}",
                "scope":"store/order/statusUpdated","hash":"352e4afc6dd3fc85ea26bfdf3f91852604d57528",
                "data":{"type":"order","id":250,"status":{"previous_status_id":1,"new_status_id":11}}}"#,
        )
        .unwrap();
        assert_eq!((hook.data.id, hook.data.status.map(|s| s.new_status_id)), (250, Some(11)));
        assert!(!bigcommerce_status_cancels(11) && bigcommerce_status_cancels(5));
    }
}
