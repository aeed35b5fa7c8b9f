use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_error, spawn_app};

#[tokio::test]
async fn anonymous_session_gets_a_256_bit_token_that_is_stored_hashed() {
    let app = spawn_app().await;
    let res = app.client.post(app.url("/v1/sessions")).json(&json!({"merchant_id": "nordic-outdoor", "locale": "sv-SE"})).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let body: Value = res.json().await.unwrap();
    let token = body["token"].as_str().unwrap();
    assert_eq!(token.len(), 64);
    assert_eq!(body["shopper"]["identified"], false);
    assert_eq!(body["locale"], "sv-SE");
    let stored: Vec<String> = app.state.store.session_hashes().await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], token, "the raw token must never be stored");
}

#[tokio::test]
async fn identity_token_from_the_provider_identifies_the_shopper() {
    let app = spawn_app().await;
    let jwt: Value = app.client.post(app.url("/demo/identity-token")).send().await.unwrap().json().await.unwrap();
    let res = app
        .client
        .post(app.url("/v1/sessions"))
        .json(&json!({"merchant_id": "nordic-outdoor", "identity_token": jwt["token"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["shopper"], json!({"id": "alex", "name": "Alex Morgan", "identified": true}));
}

#[tokio::test]
async fn forged_identity_token_is_refused() {
    let app = spawn_app().await;
    let now = chrono::Utc::now().timestamp();
    let forged = tandem_server::identity::sign_hs256(
        &tandem_server::identity::IdentityClaims {
            sub: "alex".into(),
            name: None,
            iss: tandem_server::identity::DEMO_ISSUER.into(),
            aud: "nordic-outdoor".into(),
            iat: now,
            exp: now + 600,
        },
        b"not-the-provider-secret",
        None,
    );
    let res = app
        .client
        .post(app.url("/v1/sessions"))
        .json(&json!({"merchant_id": "nordic-outdoor", "identity_token": forged}))
        .send()
        .await
        .unwrap();
    let body = assert_error(res, StatusCode::UNAUTHORIZED, "identity_signature_invalid").await;
    assert_eq!(body["error"]["field"], "identity_token");
}

#[tokio::test]
async fn unknown_or_missing_merchant_is_a_clear_error() {
    let app = spawn_app().await;
    let res = app.client.post(app.url("/v1/sessions")).json(&json!({"merchant_id": "nobody"})).send().await.unwrap();
    assert_error(res, StatusCode::NOT_FOUND, "unknown_merchant").await;
    let res = app.client.post(app.url("/v1/sessions")).json(&json!({"merchant_id": "  "})).send().await.unwrap();
    let body = assert_error(res, StatusCode::UNPROCESSABLE_ENTITY, "missing_merchant").await;
    assert_eq!(body["error"]["field"], "merchant_id");
}

#[tokio::test]
async fn merchant_config_is_public_and_unknown_merchants_are_404() {
    let app = spawn_app().await;
    let res = app.client.get(app.url("/v1/merchants/nordic-outdoor/config")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["provider_name"], "Fjord Pay");
    assert_eq!(body["theme"]["position"], "right");
    let res = app.client.get(app.url("/v1/merchants/nope/config")).send().await.unwrap();
    assert_error(res, StatusCode::NOT_FOUND, "unknown_merchant").await;
}

#[tokio::test]
async fn partitioned_cookie_resumes_the_session_and_latest_finds_the_conversation() {
    let app = spawn_app().await;
    let res = app.client.post(app.url("/v1/sessions")).json(&json!({"merchant_id": "nordic-outdoor"})).send().await.unwrap();
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_string();
    for attr in ["HttpOnly", "Secure", "SameSite=None", "Partitioned", "Path=/v1/"] {
        assert!(cookie.contains(attr), "cookie lacks {attr}: {cookie}");
    }
    let token = res.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_string();
    let conv = app.conversation(&token).await;
    let pair = cookie.split(';').next().unwrap().to_string();

    let resumed = app
        .client
        .post(app.url("/v1/sessions/resume"))
        .header("cookie", &pair)
        .json(&json!({"merchant_id": "nordic-outdoor"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resumed.status(), StatusCode::OK);
    assert_eq!(resumed.json::<Value>().await.unwrap()["token"], token.as_str());
    let latest: Value = app.client.get(app.url("/v1/conversations/latest")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!(latest["id"], conv.as_str());

    // Another merchant's widget cannot resume it; without a cookie there is nothing to resume.
    // "Nothing to resume" is an empty 204, not an error: every first visit asks.
    for res in [
        app.client.post(app.url("/v1/sessions/resume")).header("cookie", &pair).json(&json!({"merchant_id": "other"})).send().await.unwrap(),
        app.client.post(app.url("/v1/sessions/resume")).json(&json!({"merchant_id": "nordic-outdoor"})).send().await.unwrap(),
        app.client.post(app.url("/v1/sessions/resume")).header("cookie", "tandem_session=not-a-token").json(&json!({"merchant_id": "nordic-outdoor"})).send().await.unwrap(),
    ] {
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
        assert!(res.headers().get("set-cookie").is_none());
        assert!(res.bytes().await.unwrap().is_empty(), "nothing about the session is revealed");
    }

    // Logout ends the session for good.
    let res = app.client.delete(app.url("/v1/sessions/current")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = app.client.get(app.url(&format!("/v1/conversations/{conv}"))).bearer_auth(&token).send().await.unwrap();
    assert_error(res, StatusCode::UNAUTHORIZED, "invalid_session").await;
}

#[tokio::test]
async fn a_shopper_without_conversations_gets_an_empty_204_from_latest() {
    let app = spawn_app().await;
    let token = app.anonymous_session().await;
    let res = app.client.get(app.url("/v1/conversations/latest")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT, "a first visit is not an error");
    assert!(res.bytes().await.unwrap().is_empty());
    // Without a valid session it is still refused.
    let res = app.client.get(app.url("/v1/conversations/latest")).bearer_auth("nope").send().await.unwrap();
    assert_error(res, StatusCode::UNAUTHORIZED, "invalid_session").await;
}
