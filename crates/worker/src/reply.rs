//! A JSON reply as the Durable Objects produce it and the edge relays it.

use backorder_api::json::ToJson;
use backorder_api::ApiError;
use worker::{Headers, Response, Result};

/// Status and JSON body. Kept whole (not as a `Response`) so idempotent replays can store and
/// return it byte for byte.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub body: String,
}

impl Reply {
    pub fn json(status: u16, value: &dyn ToJson) -> Reply {
        Reply { status, body: value.to_json() }
    }

    pub fn error(error: &ApiError) -> Reply {
        Reply { status: error.status, body: error.body() }
    }

    /// The HTTP response a client gets. Public endpoints answer any origin (CORS); a
    /// successful availability read may be cached for a few seconds; nothing else may.
    pub fn into_response(self, exposure: Exposure) -> Result<Response> {
        let headers = Headers::new();
        headers.set("content-type", "application/json; charset=utf-8")?;
        headers.set("x-content-type-options", "nosniff")?;
        let cacheable = exposure == Exposure::PublicCacheable && self.status == 200;
        headers.set("cache-control", if cacheable { "public, max-age=5" } else { "no-store" })?;
        if exposure != Exposure::Merchant {
            headers.set("access-control-allow-origin", "*")?;
        }
        Ok(Response::ok(self.body)?.with_status(self.status).with_headers(headers))
    }
}

/// Who may read a reply, which decides its CORS and caching headers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exposure {
    /// Merchant endpoints and internal calls: no cross-origin use, no caching.
    Merchant,
    /// Public endpoints: any origin, no caching.
    Public,
    /// Public and safe to cache briefly (availability).
    PublicCacheable,
}

impl Exposure {
    pub fn of(route: &crate::routes::Route) -> Exposure {
        match route {
            crate::routes::Route::Availability { .. } => Exposure::PublicCacheable,
            route if route.is_public() => Exposure::Public,
            _ => Exposure::Merchant,
        }
    }
}

impl From<ApiError> for Reply {
    fn from(error: ApiError) -> Reply {
        Reply::error(&error)
    }
}

impl From<backorder_core::Error> for Reply {
    fn from(error: backorder_core::Error) -> Reply {
        Reply::error(&ApiError::from(error))
    }
}
