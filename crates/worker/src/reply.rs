//! A JSON reply as the Durable Objects produce it and the edge relays it.

use backorder_api::ApiError;
use serde::Serialize;
use worker::{Headers, Response, Result};

/// Status and JSON body. Kept whole (not as a `Response`) so idempotent replays can store and
/// return it byte for byte.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub body: String,
}

impl Reply {
    pub fn json<T: Serialize>(status: u16, value: &T) -> Reply {
        match serde_json::to_string(value) {
            Ok(body) => Reply { status, body },
            Err(error) => {
                Reply::error(&ApiError::new(500, "internal", format!("could not encode the reply: {error}")))
            }
        }
    }

    pub fn error(error: &ApiError) -> Reply {
        Reply { status: error.status, body: error.body() }
    }

    pub fn into_response(self) -> Result<Response> {
        let headers = Headers::new();
        headers.set("content-type", "application/json; charset=utf-8")?;
        headers.set("x-content-type-options", "nosniff")?;
        Ok(Response::ok(self.body)?.with_status(self.status).with_headers(headers))
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
