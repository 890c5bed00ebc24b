//! A fetch handler that claims a key in one Durable Object and writes a row in another,
//! calling them the way the product's edge does — and nothing else.

use wasm_bindgen::JsCast;
use worker::*;

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    type ObjectStub;
    #[wasm_bindgen(method)]
    fn fetch(this: &ObjectStub, request: &web_sys::Request) -> js_sys::Promise;
}

async fn call(stub: Stub, path: &str, body: &[u8]) -> Result<web_sys::Response> {
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_body(&js_sys::Uint8Array::from(body));
    let request = web_sys::Request::new_with_str_and_init(&format!("https://internal{path}"), &init)?;
    let response =
        wasm_bindgen_futures::JsFuture::from(stub.into_rpc::<ObjectStub>().fetch(&request)).await?;
    Ok(response.unchecked_into())
}

#[event(fetch)]
async fn fetch(mut req: Request, env: Env, _ctx: Context) -> Result<Response> {
    // Like the product's edge, a request for no endpoint is answered without an object.
    if req.method() != Method::Post {
        return Response::error("no endpoint", 404);
    }
    let body = req.bytes().await?;
    let key = req.headers().get("idempotency-key")?.unwrap_or_default();
    let claim =
        call(env.durable_object("REGISTRY")?.id_from_name(&key)?.get_stub()?, "/claims", &body).await?;
    if claim.status() >= 300 {
        return Ok(claim.into());
    }
    let sku = req.headers().get("x-sku")?.unwrap_or_default();
    Ok(call(env.durable_object("SKU_LEDGER")?.id_from_name(&sku)?.get_stub()?, "/", &body).await?.into())
}

/// Writes the request's body as a row.
fn write(state: &State, body: String) -> Result<Response> {
    let sql = state.storage().sql();
    sql.exec("CREATE TABLE IF NOT EXISTS rows (body TEXT NOT NULL)", None)?;
    sql.exec("INSERT INTO rows (body) VALUES (?)", vec![body.into()])?;
    Response::ok("written")
}

#[durable_object]
pub struct SkuLedger {
    state: State,
}

impl DurableObject for SkuLedger {
    fn new(state: State, _env: Env) -> Self {
        Self { state }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        write(&self.state, req.text().await?)
    }
}

#[durable_object]
pub struct Registry {
    state: State,
}

impl DurableObject for Registry {
    fn new(state: State, _env: Env) -> Self {
        Self { state }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        write(&self.state, req.text().await?)
    }
}
