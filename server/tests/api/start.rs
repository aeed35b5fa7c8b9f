//! `POST /v1/start`: start-up in one round trip. The device's session is kept only for its own
//! shopper, else the resume cookie's, else a new one (a refused identity token continues signed
//! out, and says so); the conversation is the one shown last when it is the shopper's (even
//! resolved), else the latest that has not ended, else a new one.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tandem_server::demo::{DEMO_MERCHANT, THEMED_MERCHANT};
use tandem_server::identity::{self, IdentityClaims, DEMO_ISSUER};

use crate::helpers::{assert_error, spawn_app, spawn_app_with, TestApp};

/// An identity token for shopper `sub` at the demo merchant, valid from `from` to `to` seconds
/// from now, signed with the app's key as the provider's backend would.
fn identity_token(app: &TestApp, sub: &str, from: i64, to: i64) -> String {
    let now = chrono::Utc::now().timestamp();
    let claims = IdentityClaims { sub: sub.into(), name: None, iss: DEMO_ISSUER.into(), aud: DEMO_MERCHANT.into(), iat: now + from, exp: now + to };
    let (kid, secret) = app.state.identity.hs256_signing_key().expect("an HS256 key");
    identity::sign_hs256(&claims, secret, kid)
}

/// What the device sends at start-up: its session token and resume cookie, when it has them.
#[derive(Default)]
struct Device<'a> {
    token: Option<&'a str>,
    cookie: Option<&'a str>,
}

async fn start_raw(app: &TestApp, device: Device<'_>, body: Value) -> reqwest::Response {
    let mut req = app.client.post(app.url("/v1/start")).json(&body);
    if let Some(t) = device.token {
        req = req.bearer_auth(t);
    }
    if let Some(c) = device.cookie {
        req = req.header("cookie", c);
    }
    req.send().await.unwrap()
}

/// A successful start: the answer and the `name=value` of the cookie it set.
async fn start(app: &TestApp, device: Device<'_>, body: Value) -> (Value, String) {
    let res = start_raw(app, device, body).await;
    assert_eq!(res.status(), StatusCode::OK);
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_string();
    for attr in ["HttpOnly", "Secure", "SameSite=None", "Partitioned", "Path=/v1/"] {
        assert!(cookie.contains(attr), "cookie lacks {attr}: {cookie}");
    }
    (res.json().await.unwrap(), cookie.split(';').next().unwrap().to_string())
}

fn token(s: &Value) -> &str {
    s["session"]["token"].as_str().unwrap()
}

fn conversation_id(s: &Value) -> &str {
    s["conversation"]["id"].as_str().unwrap()
}

async fn resolve(app: &TestApp, token: &str, conv: &str) {
    let sam = app.agent_online(0).await;
    app.handoff(token, conv).await;
    let res = app.agent_req(&sam, Method::POST, &format!("/v1/agent/conversations/{conv}/claim")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = app.agent_req(&sam, Method::POST, &format!("/v1/agent/conversations/{conv}/resolve")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_new_visitor_gets_a_session_and_a_new_conversation_in_one_call() {
    let app = spawn_app().await;
    let (s, cookie) = start(&app, Device::default(), json!({"merchant_id": DEMO_MERCHANT, "locale": "sv"})).await;
    assert_eq!(s["new_session"], true);
    assert_eq!(s["identity_refused"], Value::Null);
    assert_eq!(s["session"]["shopper"]["identified"], false);
    assert!(s["session"]["shopper"]["id"].as_str().unwrap().starts_with("anon-"), "{s}");
    assert_eq!(s["session"]["locale"], "sv");
    assert_eq!(s["new_conversation"], true);
    assert_eq!(s["conversation"]["state"], json!({"status": "assistant"}));
    assert_eq!(s["conversation"]["last_seq"], 0);
    assert_eq!(s["conversation"]["messages"], json!([]));
    assert_eq!(cookie, format!("tandem_session={}", token(&s)));
    // The session and the conversation are real: the shopper writes in it.
    assert_eq!(app.send(token(&s), conversation_id(&s), "m-1", "How do late fees work?").await.status(), StatusCode::CREATED);
    // The old calls still answer (the console, tests and older widgets use them).
    assert_eq!(app.get_conversation(token(&s), conversation_id(&s)).await["id"], conversation_id(&s));
}

#[tokio::test]
async fn the_device_s_session_is_kept_with_the_conversation_it_showed() {
    let app = spawn_app().await;
    let (first, _) = start(&app, Device::default(), json!({"merchant_id": DEMO_MERCHANT})).await;
    let conv = conversation_id(&first).to_string();
    assert_eq!(app.send(token(&first), &conv, "m-1", "How do late fees work?").await.status(), StatusCode::CREATED);
    app.wait_for_messages(token(&first), &conv, 2).await;

    let device = || Device { token: Some(token(&first)), cookie: None };
    let (again, cookie) = start(&app, device(), json!({"merchant_id": DEMO_MERCHANT, "conversation_id": conv})).await;
    assert_eq!(again["new_session"], false, "{again}");
    assert_eq!(token(&again), token(&first));
    assert_eq!(cookie, format!("tandem_session={}", token(&first)), "the cookie follows the session in use");
    assert_eq!(conversation_id(&again), conv);
    assert_eq!(again["new_conversation"], false);
    assert_eq!(again["conversation"]["messages"].as_array().unwrap().len(), 2, "{again}");
    assert!(again["conversation"]["last_seq"].as_u64().unwrap() >= 2);
    // Without the conversation id (a new tab), the latest is shown.
    let (latest, _) = start(&app, device(), json!({"merchant_id": DEMO_MERCHANT})).await;
    assert_eq!(conversation_id(&latest), conv);
    assert_eq!(latest["new_session"], false);
}

#[tokio::test]
async fn a_session_is_kept_only_for_the_shopper_the_host_presents() {
    let app = spawn_app().await;
    let (alex, _) = start(&app, Device::default(), json!({"merchant_id": DEMO_MERCHANT, "identity_token": identity_token(&app, "alex", 0, 600)})).await;
    assert_eq!(alex["session"]["shopper"], json!({"id": "alex", "name": null, "identified": true}));
    let alex_conv = conversation_id(&alex).to_string();
    let alexs = || Device { token: Some(token(&alex)), cookie: None };

    // The next shopper on a shared computer signs in: not Alex's session nor conversation.
    let bob_token = identity_token(&app, "bob", 0, 600);
    let (bob, _) = start(&app, alexs(), json!({"merchant_id": DEMO_MERCHANT, "identity_token": bob_token, "conversation_id": alex_conv})).await;
    assert_eq!(bob["new_session"], true);
    assert_eq!(bob["session"]["shopper"]["id"], "bob");
    assert_ne!(conversation_id(&bob), alex_conv);
    assert_eq!(bob["new_conversation"], true);

    // A signed-out visitor never gets the signed-in shopper's session.
    let (visitor, _) = start(&app, alexs(), json!({"merchant_id": DEMO_MERCHANT, "conversation_id": alex_conv})).await;
    assert_eq!(visitor["new_session"], true);
    assert_eq!(visitor["session"]["shopper"]["identified"], false);
    assert_ne!(conversation_id(&visitor), alex_conv);

    // Alex again, with a fresh token: the same session and conversation.
    let (same, _) = start(&app, alexs(), json!({"merchant_id": DEMO_MERCHANT, "identity_token": identity_token(&app, "alex", 0, 600), "conversation_id": alex_conv})).await;
    assert_eq!(same["new_session"], false);
    assert_eq!(token(&same), token(&alex));
    assert_eq!(conversation_id(&same), alex_conv);

    // Signing in replaces the visitor's session, and Alex's open conversation follows them.
    let (signed_in, _) = start(
        &app,
        Device { token: Some(token(&visitor)), cookie: None },
        json!({"merchant_id": DEMO_MERCHANT, "identity_token": identity_token(&app, "alex", 0, 600), "conversation_id": conversation_id(&visitor)}),
    )
    .await;
    assert_eq!(signed_in["new_session"], true);
    assert_eq!(signed_in["session"]["shopper"]["id"], "alex");
    assert_eq!(conversation_id(&signed_in), alex_conv, "the latest open conversation of the signed-in shopper");
    assert_eq!(signed_in["new_conversation"], false);
}

#[tokio::test]
async fn the_resume_cookie_is_used_when_the_device_kept_nothing() {
    let app = spawn_app().await;
    let (first, cookie) = start(&app, Device::default(), json!({"merchant_id": DEMO_MERCHANT})).await;
    let conv = conversation_id(&first).to_string();
    let (resumed, again) = start(&app, Device { token: None, cookie: Some(&cookie) }, json!({"merchant_id": DEMO_MERCHANT, "conversation_id": conv})).await;
    assert_eq!(resumed["new_session"], false, "{resumed}");
    assert_eq!(token(&resumed), token(&first));
    assert_eq!(conversation_id(&resumed), conv);
    assert_eq!(again, cookie);
    // A device token that no longer works falls back to the cookie.
    let (fallback, _) = start(&app, Device { token: Some("not-a-session"), cookie: Some(&cookie) }, json!({"merchant_id": DEMO_MERCHANT})).await;
    assert_eq!(token(&fallback), token(&first));
    // The cookie is kept under the same rule: not for a shopper who signs in.
    let (alex, _) = start(&app, Device { token: None, cookie: Some(&cookie) }, json!({"merchant_id": DEMO_MERCHANT, "identity_token": identity_token(&app, "alex", 0, 600)})).await;
    assert_eq!(alex["new_session"], true);
    assert_eq!(alex["session"]["shopper"]["id"], "alex");
    // Nor at another merchant.
    let (elsewhere, _) = start(&app, Device { token: Some(token(&first)), cookie: Some(&cookie) }, json!({"merchant_id": THEMED_MERCHANT})).await;
    assert_eq!(elsewhere["new_session"], true);
    assert_ne!(token(&elsewhere), token(&first));
}

#[tokio::test]
async fn a_refused_identity_token_gives_a_signed_out_session_and_says_so() {
    let app = spawn_app().await;
    let expired = identity_token(&app, "alex", -900, -120);
    let (s, _) = start(&app, Device::default(), json!({"merchant_id": DEMO_MERCHANT, "identity_token": expired})).await;
    assert_eq!(s["identity_refused"], "identity_token_expired");
    assert_eq!(s["new_session"], true);
    assert_eq!(s["session"]["shopper"]["identified"], false);
    assert_eq!(s["new_conversation"], true);
    // A token for another shop is refused the same way.
    let jwt: Value = app.client.post(app.url(&format!("/demo/identity-token?merchant={THEMED_MERCHANT}"))).send().await.unwrap().json().await.unwrap();
    let (foreign, _) = start(&app, Device::default(), json!({"merchant_id": DEMO_MERCHANT, "identity_token": jwt["token"]})).await;
    assert_eq!(foreign["identity_refused"], "identity_audience_mismatch");
    assert_eq!(foreign["session"]["shopper"]["identified"], false);

    // An identified session outlives its token (by the idle time): the same shopper's expired
    // token keeps it, as the widget did, and nothing is refused.
    let (alex, _) = start(&app, Device::default(), json!({"merchant_id": DEMO_MERCHANT, "identity_token": identity_token(&app, "alex", -60, 30)})).await;
    let (kept, _) = start(&app, Device { token: Some(token(&alex)), cookie: None }, json!({"merchant_id": DEMO_MERCHANT, "identity_token": expired})).await;
    assert_eq!(kept["new_session"], false);
    assert_eq!(kept["identity_refused"], Value::Null);
    assert_eq!(token(&kept), token(&alex));
}

#[tokio::test]
async fn a_foreign_or_unknown_conversation_gives_the_latest_or_a_new_one() {
    let app = spawn_app().await;
    let (a, _) = start(&app, Device::default(), json!({"merchant_id": DEMO_MERCHANT})).await;
    assert_eq!(app.send(token(&a), conversation_id(&a), "m-1", "My secret question").await.status(), StatusCode::CREATED);
    let (b, _) = start(&app, Device::default(), json!({"merchant_id": DEMO_MERCHANT})).await;
    let b_device = || Device { token: Some(token(&b)), cookie: None };

    // Another shopper's conversation: B's latest instead, never A's.
    let (other, _) = start(&app, b_device(), json!({"merchant_id": DEMO_MERCHANT, "conversation_id": conversation_id(&a)})).await;
    assert_eq!(conversation_id(&other), conversation_id(&b));
    assert_eq!(other["conversation"]["messages"], json!([]));
    // One that does not exist: the latest too.
    let (unknown, _) = start(&app, b_device(), json!({"merchant_id": DEMO_MERCHANT, "conversation_id": "5f0c7a9e-0000-4d3e-8f90-123456789abc"})).await;
    assert_eq!(conversation_id(&unknown), conversation_id(&b));
    assert_eq!(unknown["new_conversation"], false);

    // With the latest resolved, a new one.
    resolve(&app, token(&b), conversation_id(&b)).await;
    let (fresh, _) = start(&app, b_device(), json!({"merchant_id": DEMO_MERCHANT, "conversation_id": conversation_id(&a)})).await;
    assert_eq!(fresh["new_conversation"], true);
    assert_ne!(conversation_id(&fresh), conversation_id(&b));
    assert_ne!(conversation_id(&fresh), conversation_id(&a));
}

#[tokio::test]
async fn a_resolved_conversation_the_device_showed_is_shown_for_its_rating() {
    let app = spawn_app().await;
    let (s, _) = start(&app, Device::default(), json!({"merchant_id": DEMO_MERCHANT})).await;
    let conv = conversation_id(&s).to_string();
    resolve(&app, token(&s), &conv).await;
    let device = || Device { token: Some(token(&s)), cookie: None };
    let (shown, _) = start(&app, device(), json!({"merchant_id": DEMO_MERCHANT, "conversation_id": conv})).await;
    assert_eq!(conversation_id(&shown), conv);
    assert_eq!(shown["conversation"]["state"], json!({"status": "resolved", "rating": null}));
    assert_eq!(shown["new_conversation"], false);
    // Without it (a new tab), the ended conversation is not reopened.
    let (next, _) = start(&app, device(), json!({"merchant_id": DEMO_MERCHANT})).await;
    assert_ne!(conversation_id(&next), conv);
    assert_eq!(next["new_conversation"], true);
}

#[tokio::test]
async fn bad_input_is_refused_with_what_to_fix() {
    let app = spawn_app().await;
    let body = assert_error(start_raw(&app, Device::default(), json!({"merchant_id": "no-such-shop"})).await, StatusCode::NOT_FOUND, "unknown_merchant").await;
    assert!(body["error"]["message"].as_str().unwrap().contains("no-such-shop"), "{body}");
    assert_error(start_raw(&app, Device::default(), json!({"merchant_id": "  "})).await, StatusCode::UNPROCESSABLE_ENTITY, "missing_merchant").await;
    let body = assert_error(
        start_raw(&app, Device::default(), json!({"merchant_id": DEMO_MERCHANT, "conversation_id": "../../etc"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_conversation_id",
    )
    .await;
    assert_eq!(body["error"]["field"], "conversation_id");
    let res = app.client.post(app.url("/v1/start")).header("authorization", "Basic abc").json(&json!({"merchant_id": DEMO_MERCHANT})).send().await.unwrap();
    assert_error(res, StatusCode::UNAUTHORIZED, "missing_token").await;
    let res = app.client.post(app.url("/v1/start")).header("content-type", "application/json").body("{not json").send().await.unwrap();
    assert!(res.status().is_client_error(), "{}", res.status());
    let res = app.client.post(app.url("/v1/start")).json(&json!({"locale": "en"})).send().await.unwrap();
    assert!(res.status().is_client_error(), "{}", res.status());
    // A valid session does not make an unknown merchant valid.
    let (s, _) = start(&app, Device::default(), json!({"merchant_id": DEMO_MERCHANT})).await;
    let res = start_raw(&app, Device { token: Some(token(&s)), cookie: None }, json!({"merchant_id": "no-such-shop"})).await;
    assert_error(res, StatusCode::NOT_FOUND, "unknown_merchant").await;
}

#[tokio::test]
async fn start_up_is_rate_limited_like_creating_a_session() {
    let app = spawn_app_with(|c| c.rate_limit_scale = 1.0).await;
    let mut started = 0;
    loop {
        let res = start_raw(&app, Device::default(), json!({"merchant_id": DEMO_MERCHANT})).await;
        if res.status() == StatusCode::TOO_MANY_REQUESTS {
            assert!(res.headers().contains_key("retry-after"));
            break;
        }
        assert_eq!(res.status(), StatusCode::OK);
        started += 1;
        assert!(started <= 25, "no limit after {started} starts");
    }
    assert!(started >= 20, "the burst allowance is 20, refused after {started}");
    // The same allowance as creating a session: that is refused now too.
    let res = app.client.post(app.url("/v1/sessions")).json(&json!({"merchant_id": DEMO_MERCHANT})).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
}
