use reqwest::StatusCode;

use crate::helpers::{assert_error, spawn_app, SseReader};

#[tokio::test]
async fn live_stream_delivers_the_shopper_message_and_the_reply_in_order() {
    let app = spawn_app().await;
    let token = app.anonymous_session().await;
    let conv = app.conversation(&token).await;
    let mut sse = SseReader::new(app.stream(&token, &conv, None).await);
    app.send(&token, &conv, "c-1", "How do late fees work?").await;
    let first = sse.next_of("message").await;
    assert_eq!(first.id.as_deref(), Some("1"));
    assert_eq!(first.data["message"]["author"], "shopper");
    let reply = sse.next_of("message").await;
    assert_eq!(reply.id.as_deref(), Some("2"));
    assert_eq!(reply.data["message"]["author"], "assistant");
}

#[tokio::test]
async fn reconnecting_with_last_event_id_replays_only_what_was_missed() {
    let app = spawn_app().await;
    let token = app.anonymous_session().await;
    let conv = app.conversation(&token).await;
    app.send(&token, &conv, "c-1", "How do late fees work?").await;
    app.wait_for_messages(&token, &conv, 2).await;
    app.send(&token, &conv, "c-2", "And how do refunds work?").await;
    app.wait_for_messages(&token, &conv, 4).await;

    let mut sse = SseReader::new(app.stream(&token, &conv, Some("2")).await);
    let e3 = sse.next().await;
    assert_eq!(e3.id.as_deref(), Some("3"), "{e3:?}");
    assert_eq!(e3.data["message"]["client_id"], "c-2");
    let e4 = sse.next().await;
    assert_eq!(e4.id.as_deref(), Some("4"));
    // Then live: the next event is new, never a repeat of 1..4.
    app.send(&token, &conv, "c-3", "thanks").await;
    let e5 = sse.next_of("message").await;
    assert_eq!(e5.id.as_deref(), Some("5"));

    // A stream opened from 0 replays everything.
    let mut all = SseReader::new(app.stream(&token, &conv, None).await);
    assert_eq!(all.next().await.id.as_deref(), Some("1"));
}

#[tokio::test]
async fn handoff_is_an_event_in_the_stream() {
    let app = spawn_app().await;
    let token = app.anonymous_session().await;
    let conv = app.conversation(&token).await;
    let _agent = app.agent_online(0).await;
    let mut sse = SseReader::new(app.stream(&token, &conv, None).await);
    app.client.post(app.url(&format!("/v1/conversations/{conv}/handoff"))).bearer_auth(&token).send().await.unwrap();
    let e = sse.next_of("state").await;
    assert_eq!(e.data["state"]["status"], "queued");
    assert_eq!(e.id.as_deref(), Some("1"));
}

#[tokio::test]
async fn malformed_last_event_id_is_a_400() {
    let app = spawn_app().await;
    let token = app.anonymous_session().await;
    let conv = app.conversation(&token).await;
    let res = app.stream(&token, &conv, Some("banana")).await;
    assert_error(res, StatusCode::BAD_REQUEST, "invalid_last_event_id").await;
}

#[tokio::test]
async fn a_last_event_id_beyond_the_log_replays_what_exists_and_then_follows_live() {
    let app = spawn_app().await;
    let token = app.anonymous_session().await;
    let conv = app.conversation(&token).await;
    app.send(&token, &conv, "c-1", "How do late fees work?").await;
    app.wait_for_messages(&token, &conv, 2).await;
    let mut sse = SseReader::new(app.stream(&token, &conv, Some("900")).await);
    assert_eq!(sse.next().await.id.as_deref(), Some("1"));
    assert_eq!(sse.next().await.id.as_deref(), Some("2"));
    // Not silent: later events arrive live.
    app.send(&token, &conv, "c-2", "thanks").await;
    let e = sse.next_of("message").await;
    assert_eq!(e.id.as_deref(), Some("3"), "{e:?}");
    // A value no sequence number can reach is refused.
    let res = app.stream(&token, &conv, Some("18446744073709551615")).await;
    assert_error(res, StatusCode::BAD_REQUEST, "invalid_last_event_id").await;
}
