use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{assert_error, spawn_app};

#[tokio::test]
async fn empty_and_over_long_text_are_422_naming_the_field() {
    let app = spawn_app().await;
    let token = app.anonymous_session().await;
    let conv = app.conversation(&token).await;
    let body = assert_error(app.send(&token, &conv, "c-1", "   ").await, StatusCode::UNPROCESSABLE_ENTITY, "empty_text").await;
    assert_eq!(body["error"]["field"], "text");
    let long = "a".repeat(2001);
    assert_error(app.send(&token, &conv, "c-2", &long).await, StatusCode::UNPROCESSABLE_ENTITY, "text_too_long").await;
    // Exactly at the limit is fine.
    assert_eq!(app.send(&token, &conv, "c-3", &"a".repeat(2000)).await.status(), StatusCode::CREATED);
    assert_error(app.send(&token, &conv, "bad id!", "hi").await, StatusCode::UNPROCESSABLE_ENTITY, "invalid_client_id").await;
    // A NUL character (PostgreSQL cannot store one; it would fail the writer's whole batch).
    assert_error(app.send(&token, &conv, "c-4", "hi\u{0}there").await, StatusCode::UNPROCESSABLE_ENTITY, "invalid_text").await;
    // Nothing invalid was stored.
    let c = app.wait_for_messages(&token, &conv, 1).await;
    assert_eq!(c["messages"][0]["client_id"], "c-3");
}

#[tokio::test]
async fn malformed_json_and_wrong_shapes_are_4xx() {
    let app = spawn_app().await;
    let token = app.anonymous_session().await;
    let conv = app.conversation(&token).await;
    let url = app.url(&format!("/v1/conversations/{conv}/messages"));
    let res = app.client.post(&url).bearer_auth(&token).header("content-type", "application/json").body("{\"text\": ").send().await.unwrap();
    assert_error(res, StatusCode::BAD_REQUEST, "malformed_json").await;
    let res = app.client.post(&url).bearer_auth(&token).json(&json!({"text": 5})).send().await.unwrap();
    assert_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body").await;
    let res = app.client.post(&url).bearer_auth(&token).body("hello").send().await.unwrap();
    assert_error(res, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type").await;
    let res = app.client.post(app.url("/v1/sessions")).header("content-type", "application/json").body("[]").send().await.unwrap();
    assert_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body").await;
}

#[tokio::test]
async fn unknown_ids_are_404() {
    let app = spawn_app().await;
    let token = app.anonymous_session().await;
    let res = app.client.get(app.url("/v1/conversations/does-not-exist")).bearer_auth(&token).send().await.unwrap();
    assert_error(res, StatusCode::NOT_FOUND, "unknown_conversation").await;
    assert_error(app.send(&token, "nope", "c-1", "hi").await, StatusCode::NOT_FOUND, "unknown_conversation").await;
    let res = app.client.get(app.url("/v1/no-such-endpoint")).send().await.unwrap();
    assert_error(res, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn missing_or_wrong_token_is_401() {
    let app = spawn_app().await;
    let token = app.anonymous_session().await;
    let conv = app.conversation(&token).await;
    let res = app.client.get(app.url(&format!("/v1/conversations/{conv}"))).send().await.unwrap();
    assert_error(res, StatusCode::UNAUTHORIZED, "missing_token").await;
    let res = app.client.get(app.url(&format!("/v1/conversations/{conv}"))).bearer_auth("0".repeat(64)).send().await.unwrap();
    assert_error(res, StatusCode::UNAUTHORIZED, "invalid_session").await;
    let res = app.client.post(app.url("/v1/conversations")).header("authorization", "Basic abc").send().await.unwrap();
    assert_error(res, StatusCode::UNAUTHORIZED, "missing_token").await;
}

#[tokio::test]
async fn another_sessions_conversation_is_403_for_every_verb() {
    let app = spawn_app().await;
    let owner = app.anonymous_session().await;
    let conv = app.conversation(&owner).await;
    app.send(&owner, &conv, "c-1", "my private question").await;
    let intruder = app.anonymous_session().await;
    let res = app.client.get(app.url(&format!("/v1/conversations/{conv}"))).bearer_auth(&intruder).send().await.unwrap();
    assert_error(res, StatusCode::FORBIDDEN, "forbidden").await;
    assert_error(app.send(&intruder, &conv, "x-1", "hi").await, StatusCode::FORBIDDEN, "forbidden").await;
    assert_error(app.stream(&intruder, &conv, None).await, StatusCode::FORBIDDEN, "forbidden").await;
    let res = app.client.post(app.url(&format!("/v1/conversations/{conv}/handoff"))).bearer_auth(&intruder).send().await.unwrap();
    assert_error(res, StatusCode::FORBIDDEN, "forbidden").await;
    // The intruder's attempt stored nothing.
    let c = app.wait_for_messages(&owner, &conv, 2).await;
    assert!(c["messages"].as_array().unwrap().iter().all(|m| m["text"] != "hi"));
}

#[tokio::test]
async fn api_sends_no_cors_grant_to_foreign_origins_and_pages_carry_a_strict_csp() {
    let app = spawn_app().await;
    let res = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/v1/sessions"))
        .header("origin", "https://evil.example")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert!(res.headers().get("access-control-allow-origin").is_none());
    let res = app.client.get(app.url("/v1/conversations/latest")).header("origin", "https://evil.example").send().await.unwrap();
    assert!(res.headers().get("access-control-allow-origin").is_none());
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(res.headers()["referrer-policy"], "no-referrer");
    // API answers are never cached and can neither render nor be framed.
    assert_eq!(res.headers()["cache-control"], "no-store");
    assert_eq!(res.headers()["content-security-policy"], "default-src 'none'; frame-ancestors 'none'");
    // The public merchant theme may be read by the loader on any page, but never with credentials.
    let res = app.client.get(app.url("/v1/merchants/nordic-outdoor/config")).header("origin", "https://shop.example").send().await.unwrap();
    assert!(res.headers().get("access-control-allow-credentials").is_none());
    assert_eq!(res.headers()["cache-control"], "public, max-age=300", "a route's own caching is kept");
    assert_eq!(res.headers()["content-security-policy"], "default-src 'none'; frame-ancestors 'none'");

    let res = app.client.get(app.url("/embed/?merchant=nordic-outdoor")).send().await.unwrap();
    let csp = res.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(csp.contains("script-src 'self' 'wasm-unsafe-eval'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(csp.contains(&format!("frame-ancestors 'self' http://127.0.0.1:{}", app.port)), "{csp}");
    let res = app.client.get(app.url("/embed/?merchant=unknown")).send().await.unwrap();
    let csp = res.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.ends_with("frame-ancestors 'self'"), "{csp}");
}
