//! The browser's `fetch`, as both apps use it: one call's status and text, and following a
//! Server-Sent Events stream. Each app builds its own request (the widget's bearer token and
//! `Last-Event-ID`, the console's cookie credentials) and reads JSON its own way (the widget by
//! hand, the console with serde); what happens in between is here, once.

use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{ReadableStreamDefaultReader, RequestInit, Response};

use crate::error::{self, ApiError};
use crate::reconnect::{self, StreamEnd};
use crate::sse::SseReader;

/// A failed browser call as an [`ApiError`]. What the browser said is not kept: neither app
/// shows it to anyone (each says it in its own words), and reading it costs the widget bytes.
pub fn js_error(_: JsValue) -> ApiError {
    ApiError::Network("the request failed".into())
}

/// A finished HTTP exchange.
#[derive(Clone, Debug, PartialEq)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// The status is a success (2xx).
    pub ok: bool,
    /// The `Retry-After` header (seconds) of an error answer.
    pub retry_after_secs: Option<u32>,
    /// The body.
    pub text: String,
}

impl Answer {
    /// This error answer as an [`ApiError`], with the API's error body (`code`, `message`) when the
    /// app could read one from [`Answer::text`].
    pub fn error(&self, body: Option<(String, String)>) -> ApiError {
        ApiError::answered(self.status, self.retry_after_secs, body)
    }
}

/// The `Retry-After` of an error answer.
fn retry_after(res: &Response) -> Option<u32> {
    if res.ok() {
        return None;
    }
    error::retry_after_secs(res.headers().get("Retry-After").ok().flatten().as_deref())
}

fn no_window() -> ApiError {
    ApiError::Network("no window".into())
}

/// One HTTP call through the browser's `fetch` with the caller's request (method, headers, body,
/// credentials): the answer's status and text. Not generic, so it is compiled once. (No HTTP
/// client crate: the widget's first open is counted in bytes.)
pub async fn fetch_text(url: &str, init: &RequestInit) -> Result<Answer, ApiError> {
    let window = web_sys::window().ok_or_else(no_window)?;
    let res: Response = JsFuture::from(window.fetch_with_str_and_init(url, init)).await.map_err(js_error)?.unchecked_into();
    let text = JsFuture::from(res.text().map_err(js_error)?).await.map_err(js_error)?.as_string().unwrap_or_default();
    Ok(Answer { status: res.status(), ok: res.ok(), retry_after_secs: retry_after(&res), text })
}

/// Opens the stream at `url` with the caller's request (headers, credentials and abort signal set)
/// and hands the data of each event to `on_data` until the stream ends (or the signal aborts it),
/// then says how it ended ([`reconnect`]'s rules: the server's `Retry-After` or `retry:` hint
/// travels with a drop). `on_open` runs once the server has accepted the stream.
pub async fn follow(url: &str, init: &RequestInit, on_open: &dyn Fn(), on_data: &dyn Fn(&str)) -> StreamEnd {
    let Some(window) = web_sys::window() else { return StreamEnd::DROPPED };
    let res: Response = match JsFuture::from(window.fetch_with_str_and_init(url, init)).await {
        Ok(r) => r.unchecked_into(),
        Err(_) => return StreamEnd::DROPPED,
    };
    if !res.ok() {
        return reconnect::after_status(res.status(), retry_after(&res));
    }
    let Some(body) = res.body() else { return StreamEnd::DROPPED };
    let reader: ReadableStreamDefaultReader = body.get_reader().unchecked_into();
    on_open();
    let mut sse = SseReader::new();
    loop {
        let Ok(chunk) = JsFuture::from(reader.read()).await else { break };
        if Reflect::get(&chunk, &"done".into()).ok().and_then(|d| d.as_bool()).unwrap_or(true) {
            break;
        }
        if let Ok(value) = Reflect::get(&chunk, &"value".into()) {
            for data in sse.push(&value.unchecked_into::<Uint8Array>().to_vec()) {
                on_data(&data);
            }
        }
    }
    StreamEnd::Dropped { retry_ms: sse.retry_ms() }
}
