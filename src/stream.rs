//! The conversation's live event stream: Server-Sent Events read through `fetch` (so the session
//! token travels in the `Authorization` header, never in a URL), with reconnect and exponential
//! backoff, resuming from the last sequence number through `Last-Event-ID`.

use js_sys::{Reflect, Uint8Array};
use tandem_protocol::Event;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, ReadableStreamDefaultReader, RequestInit, Response};

/// Splits complete SSE frames off the front of `buf` and returns the data of each frame that has
/// one. Incomplete trailing input stays in `buf`.
pub fn take_frames(buf: &mut Vec<u8>) -> Vec<String> {
    let mut out = Vec::new();
    loop {
        let Some(end) = buf.windows(2).position(|w| w == b"\n\n") else { break };
        let frame: Vec<u8> = buf.drain(..end + 2).collect();
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
#[derive(Debug, PartialEq)]
pub enum StreamEnd {
    /// The connection dropped or never opened; reconnect. (Why, for debugging: nothing shows it.)
    Dropped(&'static str),
    /// The server refused (status code); reconnecting will not help without a new session.
    Refused(u16),
}

/// How a stream the server answered with an error status ends: a server-side failure (5xx) is
/// passing, anything else (401, 403, 404, 429, …) refuses the session or conversation.
pub fn refused_or_dropped(status: u16) -> StreamEnd {
    if status >= 500 {
        StreamEnd::Dropped("server error")
    } else {
        StreamEnd::Refused(status)
    }
}

/// Opens the stream once and feeds every event to `on_event` until it ends. `on_open` runs when
/// the server accepted the stream.
pub async fn run_once(
    token: &str,
    conversation: &str,
    last_seq: u64,
    signal: &web_sys::AbortSignal,
    on_open: &dyn Fn(),
    on_event: &dyn Fn(Event),
) -> StreamEnd {
    let dropped = |_: JsValue| StreamEnd::Dropped("the connection failed");
    let Some(window) = web_sys::window() else { return StreamEnd::Dropped("no window") };
    let headers = match Headers::new() {
        Ok(h) => h,
        Err(e) => return dropped(e),
    };
    let _ = headers.set("Authorization", &format!("Bearer {token}"));
    let _ = headers.set("Accept", "text/event-stream");
    if last_seq > 0 {
        let _ = headers.set("Last-Event-ID", &last_seq.to_string());
    }
    let init = RequestInit::new();
    init.set_method("GET");
    init.set_headers(&headers);
    init.set_signal(Some(signal));
    let url = format!("/v1/conversations/{conversation}/events");
    let res: Response = match JsFuture::from(window.fetch_with_str_and_init(&url, &init)).await {
        Ok(r) => r.unchecked_into(),
        Err(e) => return dropped(e),
    };
    if !res.ok() {
        return refused_or_dropped(res.status());
    }
    let Some(body) = res.body() else { return StreamEnd::Dropped("no body") };
    let reader: ReadableStreamDefaultReader = body.get_reader().unchecked_into();
    on_open();
    let mut buf = Vec::new();
    loop {
        let chunk = match JsFuture::from(reader.read()).await {
            Ok(c) => c,
            Err(e) => return dropped(e),
        };
        if Reflect::get(&chunk, &"done".into()).ok().and_then(|d| d.as_bool()).unwrap_or(true) {
            return StreamEnd::Dropped("stream closed");
        }
        if let Ok(value) = Reflect::get(&chunk, &"value".into()) {
            buf.extend(value.unchecked_into::<Uint8Array>().to_vec());
        }
        for data in take_frames(&mut buf) {
            if let Ok(event) = crate::wire::parse::<Event>(&data) {
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
        let mut buf = b": connected\n\nid: 1\nevent: message\ndata: {\"a\":1}\n\nid: 2\ndata: {\"b\"".to_vec();
        assert_eq!(take_frames(&mut buf), vec!["{\"a\":1}".to_string()]);
        buf.extend_from_slice(b":2}\n\n");
        assert_eq!(take_frames(&mut buf), vec!["{\"b\":2}".to_string()]);
        assert!(buf.is_empty());
    }

    #[test]
    fn server_failures_drop_the_stream_and_other_errors_refuse_it() {
        assert_eq!(refused_or_dropped(500), StreamEnd::Dropped("server error"));
        assert_eq!(refused_or_dropped(503), StreamEnd::Dropped("server error"));
        assert_eq!(refused_or_dropped(401), StreamEnd::Refused(401));
        assert_eq!(refused_or_dropped(404), StreamEnd::Refused(404));
        // As today: a rate-limited stream counts as refused (issue 12's shared client core changes
        // that for the widget and the console together).
        assert_eq!(refused_or_dropped(429), StreamEnd::Refused(429));
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(next_backoff(500), 1000);
        assert_eq!(next_backoff(10_000), 15_000);
        assert_eq!(next_backoff(0), 500);
    }
}
