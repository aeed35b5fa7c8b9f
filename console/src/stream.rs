//! The agent's live event stream (`GET /v1/agent/events`): Server-Sent Events read through `fetch`
//! (so the session cookie travels and the stream can be aborted on logout), parsed into
//! `AgentEvent`s. Agent streams have no replay: after a reconnect the caller refetches.

use js_sys::{Reflect, Uint8Array};
use tandem_protocol::AgentEvent;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, Headers, ReadableStreamDefaultReader, RequestCredentials, RequestInit, Response};

/// Splits complete SSE frames off the front of `buf` and returns the data of each frame that has
/// one (comments and keep-alives have none). Incomplete trailing input stays in `buf`.
pub fn take_frames(buf: &mut Vec<u8>) -> Vec<String> {
    let mut out = Vec::new();
    loop {
        // Frames end with a blank line; servers may use CRLF line ends.
        let lf = buf.windows(2).position(|w| w == b"\n\n").map(|i| i + 2);
        let crlf = buf.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4);
        let Some(end) = [lf, crlf].into_iter().flatten().min() else { break };
        let frame: Vec<u8> = buf.drain(..end).collect();
        let text = String::from_utf8_lossy(&frame);
        let data: Vec<&str> =
            text.lines().filter_map(|l| l.strip_prefix("data:")).map(|d| d.strip_prefix(' ').unwrap_or(d)).collect();
        if !data.is_empty() {
            out.push(data.join("\n"));
        }
    }
    out
}

/// Why a stream ended.
#[derive(Debug)]
pub enum StreamEnd {
    /// The connection dropped or never opened; reconnect after a pause.
    Dropped,
    /// The server refused with this status (401: the session ended).
    Refused(u16),
}

/// Opens the stream once and feeds every event to `on_event` until it ends or `signal` aborts it.
/// `on_open` runs once the server has accepted the stream.
pub async fn run_once(signal: &AbortSignal, on_open: &dyn Fn(), on_event: &dyn Fn(AgentEvent)) -> StreamEnd {
    let Some(window) = web_sys::window() else { return StreamEnd::Dropped };
    let Ok(headers) = Headers::new() else { return StreamEnd::Dropped };
    let _ = headers.set("Accept", "text/event-stream");
    let init = RequestInit::new();
    init.set_method("GET");
    init.set_headers(&headers);
    init.set_credentials(RequestCredentials::SameOrigin);
    init.set_signal(Some(signal));
    let res: Response = match JsFuture::from(window.fetch_with_str_and_init("/v1/agent/events", &init)).await {
        Ok(r) => r.unchecked_into(),
        Err(_) => return StreamEnd::Dropped,
    };
    if !res.ok() {
        return if res.status() >= 500 || res.status() == 429 { StreamEnd::Dropped } else { StreamEnd::Refused(res.status()) };
    }
    let Some(body) = res.body() else { return StreamEnd::Dropped };
    let reader: ReadableStreamDefaultReader = body.get_reader().unchecked_into();
    on_open();
    let mut buf = Vec::new();
    loop {
        let chunk: JsValue = match JsFuture::from(reader.read()).await {
            Ok(c) => c,
            Err(_) => return StreamEnd::Dropped,
        };
        if Reflect::get(&chunk, &"done".into()).ok().and_then(|d| d.as_bool()).unwrap_or(true) {
            return StreamEnd::Dropped;
        }
        if let Ok(value) = Reflect::get(&chunk, &"value".into()) {
            buf.extend(value.unchecked_into::<Uint8Array>().to_vec());
        }
        for data in take_frames(&mut buf) {
            // Unknown event kinds (a newer server) are skipped rather than ending the stream.
            if let Ok(event) = serde_json::from_str::<AgentEvent>(&data) {
                on_event(event);
            }
        }
    }
}

/// Next backoff delay after a failed attempt: doubles from 500 ms up to 15 s.
pub fn next_backoff(current_ms: u32) -> u32 {
    (current_ms.max(250) * 2).min(15_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_split_and_partial_input_is_kept() {
        let mut buf = b": keep-alive\n\nevent: queue\ndata: {\"a\":1}\n\nevent: profile\ndata: {\"b\"".to_vec();
        assert_eq!(take_frames(&mut buf), vec!["{\"a\":1}".to_string()]);
        buf.extend_from_slice(b":2}\n\n");
        assert_eq!(take_frames(&mut buf), vec!["{\"b\":2}".to_string()]);
        assert!(buf.is_empty());
    }

    #[test]
    fn crlf_frames_are_split_too() {
        let mut buf = b"data: {}\r\n\r\ndata: x".to_vec();
        assert_eq!(take_frames(&mut buf), vec!["{}".to_string()]);
        assert_eq!(buf, b"data: x");
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(next_backoff(500), 1000);
        assert_eq!(next_backoff(10_000), 15_000);
        assert_eq!(next_backoff(0), 500);
    }
}
