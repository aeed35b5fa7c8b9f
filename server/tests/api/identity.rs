//! Identity tokens through the API: bound to a merchant, checked for issuer, lifetime and time
//! units, keys selected by `kid`; sessions that end with their token; conversations that only the
//! session's merchant reaches; and a production start-up that refuses a missing or weak key.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use p256::pkcs8::DecodePrivateKey as _;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tandem_server::demo::{DEMO_MERCHANT, THEMED_MERCHANT};
use tandem_server::identity::{self, IdentityClaims, DEMO_ISSUER};

use crate::helpers::{assert_error, repo, spawn_app, spawn_app_with, TestApp};

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The demo shopper's claims for `aud`, issued now, valid for `secs`.
fn claims(aud: &str, secs: i64) -> IdentityClaims {
    IdentityClaims { sub: "alex".into(), name: Some("Alex Morgan".into()), iss: DEMO_ISSUER.into(), aud: aud.into(), iat: now(), exp: now() + secs }
}

/// Signs claims with the app's HS256 key, as the provider's backend would.
fn sign(app: &TestApp, claims: &IdentityClaims) -> String {
    let (kid, secret) = app.state.identity.hs256_signing_key().expect("an HS256 key");
    identity::sign_hs256(claims, secret, kid)
}

async fn create_session(app: &TestApp, merchant: &str, identity_token: &str) -> reqwest::Response {
    app.client.post(app.url("/v1/sessions")).json(&json!({"merchant_id": merchant, "identity_token": identity_token})).send().await.unwrap()
}

/// An identified session's token for `merchant` (through the demo's token endpoint).
async fn identified_at(app: &TestApp, merchant: &str) -> String {
    let jwt: Value =
        app.client.post(app.url(&format!("/demo/identity-token?merchant={merchant}"))).send().await.unwrap().json().await.unwrap();
    let res = create_session(app, merchant, jwt["token"].as_str().unwrap()).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["shopper"]["id"], "alex");
    body["token"].as_str().unwrap().to_string()
}

/// Seconds from now to an RFC 3339 time.
fn secs_until(rfc3339: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(rfc3339).unwrap().timestamp() - now()
}

fn cookie_max_age(res: &reqwest::Response) -> i64 {
    let cookie = res.headers()["set-cookie"].to_str().unwrap();
    cookie.split(';').find_map(|a| a.trim().strip_prefix("Max-Age=")).unwrap().parse().unwrap()
}

#[tokio::test]
async fn a_token_for_merchant_a_is_refused_at_merchant_b() {
    let app = spawn_app().await;
    let for_a = sign(&app, &claims(DEMO_MERCHANT, 600));
    let body = assert_error(create_session(&app, THEMED_MERCHANT, &for_a).await, StatusCode::UNAUTHORIZED, "identity_audience_mismatch").await;
    assert_eq!(body["error"]["field"], "identity_token");
    assert!(body["error"]["message"].as_str().unwrap().contains(THEMED_MERCHANT), "{body}");
    // The same token where it belongs, and a token made for B at B.
    assert_eq!(create_session(&app, DEMO_MERCHANT, &for_a).await.status(), StatusCode::CREATED);
    assert_eq!(create_session(&app, THEMED_MERCHANT, &sign(&app, &claims(THEMED_MERCHANT, 600))).await.status(), StatusCode::CREATED);
    // A merchant added later (not demo data) is no different.
    tandem_server::merchants::upsert(
        &app.state,
        &tandem_server::merchants::Merchant {
            id: "third-shop".into(),
            name: "Third Shop".into(),
            provider_name: "Fjord Pay".into(),
            theme: tandem_protocol::Theme {
                accent: "#1f4e79".into(),
                on_accent: "#ffffff".into(),
                position: "right".into(),
                launcher_label: "Help".into(),
            },
            allowed_origins: vec![],
        },
    )
    .await
    .unwrap();
    assert_error(create_session(&app, "third-shop", &for_a).await, StatusCode::UNAUTHORIZED, "identity_audience_mismatch").await;
}

#[tokio::test]
async fn exp_in_milliseconds_and_a_too_long_lifetime_are_refused() {
    let app = spawn_app().await;
    // Measured before: an `exp` in milliseconds was accepted (valid for ~56,000 years).
    let ms = sign(&app, &IdentityClaims { exp: (now() + 600) * 1000, ..claims(DEMO_MERCHANT, 600) });
    let body = assert_error(create_session(&app, DEMO_MERCHANT, &ms).await, StatusCode::UNAUTHORIZED, "identity_time_in_milliseconds").await;
    assert!(body["error"]["message"].as_str().unwrap().contains("seconds"), "{body}");

    let long = sign(&app, &claims(DEMO_MERCHANT, 3601));
    assert_error(create_session(&app, DEMO_MERCHANT, &long).await, StatusCode::UNAUTHORIZED, "identity_lifetime_too_long").await;
    let expired = sign(&app, &IdentityClaims { iat: now() - 900, exp: now() - 120, ..claims(DEMO_MERCHANT, 0) });
    assert_error(create_session(&app, DEMO_MERCHANT, &expired).await, StatusCode::UNAUTHORIZED, "identity_token_expired").await;
    let elsewhere = sign(&app, &IdentityClaims { iss: "https://other-provider.example".into(), ..claims(DEMO_MERCHANT, 600) });
    assert_error(create_session(&app, DEMO_MERCHANT, &elsewhere).await, StatusCode::UNAUTHORIZED, "identity_issuer_mismatch").await;

    // The maximum lifetime is configuration.
    let strict = spawn_app_with(|c| c.identity_max_lifetime_secs = 300).await;
    let ten_minutes = sign(&strict, &claims(DEMO_MERCHANT, 600));
    assert_error(create_session(&strict, DEMO_MERCHANT, &ten_minutes).await, StatusCode::UNAUTHORIZED, "identity_lifetime_too_long").await;
    assert_eq!(create_session(&strict, DEMO_MERCHANT, &sign(&strict, &claims(DEMO_MERCHANT, 300))).await.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn an_identified_session_expires_idle_time_after_its_token_and_the_cookie_agrees() {
    let app = spawn_app_with(|c| c.session_idle_secs = 900).await;
    let res = create_session(&app, DEMO_MERCHANT, &sign(&app, &claims(DEMO_MERCHANT, 600))).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let max_age = cookie_max_age(&res);
    let body: Value = res.json().await.unwrap();
    let left = secs_until(body["expires_at"].as_str().unwrap());
    // Token valid for 600 s, then 900 s of idle time: 1,500 s, not 30 days.
    assert!((1498..=1500).contains(&left), "expires in {left} s: {body}");
    assert!((max_age - left).abs() <= 1, "cookie Max-Age {max_age} vs expires_at in {left} s");

    // Resuming through the cookie keeps the same end.
    let token = body["token"].as_str().unwrap();
    let resumed = app
        .client
        .post(app.url("/v1/sessions/resume"))
        .header("cookie", format!("tandem_session={token}"))
        .json(&json!({"merchant_id": DEMO_MERCHANT}))
        .send()
        .await
        .unwrap();
    assert_eq!(resumed.status(), StatusCode::OK);
    let resumed_max_age = cookie_max_age(&resumed);
    assert!((resumed_max_age - left).abs() <= 2, "resumed cookie Max-Age {resumed_max_age} vs {left}");
    assert_eq!(resumed.json::<Value>().await.unwrap()["expires_at"], body["expires_at"]);

    // Anonymous sessions keep the session maximum.
    let anon: Value = app.client.post(app.url("/v1/sessions")).json(&json!({"merchant_id": DEMO_MERCHANT})).send().await.unwrap().json().await.unwrap();
    assert!(secs_until(anon["expires_at"].as_str().unwrap()) > 29 * 86_400);
}

#[tokio::test]
async fn a_session_stops_working_when_its_token_and_idle_time_are_over() {
    let app = spawn_app_with(|c| {
        c.session_idle_secs = 0;
        c.identity_clock_skew_secs = 0;
    })
    .await;
    let exp = now() + 2;
    let res = create_session(&app, DEMO_MERCHANT, &sign(&app, &IdentityClaims { exp, ..claims(DEMO_MERCHANT, 0) })).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let token = res.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_string();
    let conv = app.conversation(&token).await;
    // Until the token's `exp`, then not a moment longer (the session cache does not stretch it).
    let wait = (exp * 1000 - chrono::Utc::now().timestamp_millis()).max(0) as u64 + 200;
    tokio::time::sleep(Duration::from_millis(wait)).await;
    let res = app.client.get(app.url(&format!("/v1/conversations/{conv}"))).bearer_auth(&token).send().await.unwrap();
    assert_error(res, StatusCode::UNAUTHORIZED, "session_expired").await;
}

#[tokio::test]
async fn the_same_shoppers_conversation_at_merchant_a_is_out_of_reach_of_a_session_at_merchant_b() {
    let app = spawn_app().await;
    let at_a = identified_at(&app, DEMO_MERCHANT).await;
    let at_b = identified_at(&app, THEMED_MERCHANT).await;
    let conv = app.conversation(&at_a).await;
    let sent = app.send(&at_a, &conv, "c-a-1", "how do late fees work?").await;
    assert_eq!(sent.status(), StatusCode::CREATED);

    // Same shopper id (alex), other merchant: every shopper route refuses.
    let get = |path: String| app.client.get(app.url(&path)).bearer_auth(&at_b);
    let post = |path: String, body: Value| app.client.request(Method::POST, app.url(&path)).bearer_auth(&at_b).json(&body);
    let refused = [
        get(format!("/v1/conversations/{conv}")).send().await.unwrap(),
        get(format!("/v1/conversations/{conv}/events")).send().await.unwrap(),
        post(format!("/v1/conversations/{conv}/messages"), json!({"client_id": "c-b-1", "text": "hello"})).send().await.unwrap(),
        // A repeat of A's own message id must not reveal it either.
        post(format!("/v1/conversations/{conv}/messages"), json!({"client_id": "c-a-1", "text": "x"})).send().await.unwrap(),
        post(format!("/v1/conversations/{conv}/handoff"), json!({})).send().await.unwrap(),
        post(format!("/v1/conversations/{conv}/contact"), json!({"email": "alex@example.com"})).send().await.unwrap(),
        post(format!("/v1/conversations/{conv}/rating"), json!({"score": 5})).send().await.unwrap(),
        post(format!("/v1/conversations/{conv}/typing"), json!({"active": true})).send().await.unwrap(),
    ];
    for res in refused {
        let url = res.url().to_string();
        let status = res.status();
        let body: Value = res.json().await.unwrap();
        assert_eq!(status, StatusCode::FORBIDDEN, "{url}: {body}");
        assert!(!body.to_string().contains("late fees"), "{url} revealed the message: {body}");
    }
    let latest = app.client.get(app.url("/v1/conversations/latest")).bearer_auth(&at_b).send().await.unwrap();
    assert_eq!(latest.status(), StatusCode::NO_CONTENT, "merchant B's session finds no conversation of merchant A");
    assert!(latest.bytes().await.unwrap().is_empty());

    // Merchant A's session still has it all, and B's message never landed.
    let c = app.get_conversation(&at_a, &conv).await;
    assert!(c["messages"].as_array().unwrap().iter().all(|m| m["text"] != "hello"), "{c}");
    let latest: Value = app.client.get(app.url("/v1/conversations/latest")).bearer_auth(&at_a).send().await.unwrap().json().await.unwrap();
    assert_eq!(latest["id"], conv.as_str());
}

/// A key file in `dir`.
fn key_file(dir: &std::path::Path, name: &str, content: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path.display().to_string()
}

fn fixture(name: &str) -> std::path::PathBuf {
    repo().join("server/tests/fixtures/identity").join(name)
}

/// An ES256 token signed with a fixture private key.
fn es256(kid: &str, private_key: &str, claims: &IdentityClaims) -> String {
    let key = p256::ecdsa::SigningKey::from_pkcs8_pem(&std::fs::read_to_string(fixture(private_key)).unwrap()).unwrap();
    identity::jwt::encode(identity::Algorithm::Es256, Some(kid), claims, |input| {
        let sig: p256::ecdsa::Signature = p256::ecdsa::signature::Signer::sign(&key, input);
        sig.to_bytes().to_vec()
    })
}

#[tokio::test]
async fn keys_rotate_by_kid_and_a_removed_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let old = key_file(dir.path(), "old.key", b"an-old-hs256-secret-of-enough-length-0123\n");
    let new_pub = fixture("es256-a.pub.pem").display().to_string();
    let rotating = [format!("2026-10=hs256:file:{old}"), format!("2026-11=es256:file:{new_pub}")];
    let app = spawn_app_with(|c| {
        c.identity_secret.clear();
        c.identity_issuer = Some("https://provider.example".into());
        c.identity_keys = rotating.iter().map(|s| s.parse().unwrap()).collect();
    })
    .await;
    let provider_claims = || IdentityClaims { iss: "https://provider.example".into(), ..claims(DEMO_MERCHANT, 600) };
    let old_token = identity::sign_hs256(&provider_claims(), b"an-old-hs256-secret-of-enough-length-0123", Some("2026-10"));
    let new_token = es256("2026-11", "es256-a.key.pem", &provider_claims());
    assert_eq!(create_session(&app, DEMO_MERCHANT, &old_token).await.status(), StatusCode::CREATED);
    assert_eq!(create_session(&app, DEMO_MERCHANT, &new_token).await.status(), StatusCode::CREATED);
    let no_kid = identity::sign_hs256(&provider_claims(), b"an-old-hs256-secret-of-enough-length-0123", None);
    assert_error(create_session(&app, DEMO_MERCHANT, &no_kid).await, StatusCode::UNAUTHORIZED, "identity_kid_missing").await;
    // The public key used as an HS256 secret (algorithm confusion) is refused.
    let confused = identity::sign_hs256(&provider_claims(), &std::fs::read(fixture("es256-a.pub.pem")).unwrap(), Some("2026-11"));
    assert_error(create_session(&app, DEMO_MERCHANT, &confused).await, StatusCode::UNAUTHORIZED, "identity_algorithm_mismatch").await;
    // Signed by a key pair that is not the configured one.
    let stranger = es256("2026-11", "es256-b.key.pem", &provider_claims());
    assert_error(create_session(&app, DEMO_MERCHANT, &stranger).await, StatusCode::UNAUTHORIZED, "identity_signature_invalid").await;

    // The rotation is over: the old key is removed, its tokens are refused.
    let after = spawn_app_with(|c| {
        c.identity_secret.clear();
        c.identity_issuer = Some("https://provider.example".into());
        c.identity_keys = vec![format!("2026-11=es256:file:{new_pub}").parse().unwrap()];
    })
    .await;
    assert_error(create_session(&after, DEMO_MERCHANT, &old_token).await, StatusCode::UNAUTHORIZED, "identity_kid_unknown").await;
    assert_eq!(create_session(&after, DEMO_MERCHANT, &new_token).await.status(), StatusCode::CREATED);
}

/// Runs the real binary without `--demo` and returns its exit status and standard error; fails if
/// it is still running after 60 s (it must refuse to start, not serve).
fn production_start(args: &[&str]) -> (std::process::ExitStatus, String) {
    let data = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tandem-server"));
    cmd.args(["--bind", "127.0.0.1:0", "--pack"])
        .arg(repo().join("packs/fjordpay"))
        .arg("--data-dir")
        .arg(data.path())
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for var in ["TANDEM_DEMO", "TANDEM_IDENTITY_KEYS", "TANDEM_IDENTITY_SECRET", "TANDEM_IDENTITY_ISSUER", "TANDEM_DATABASE_URL"] {
        cmd.env_remove(var);
    }
    let mut child = cmd.spawn().expect("start tandem-server");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(60) {
            child.kill().ok();
            panic!("tandem-server started in production mode with args {args:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    (status, stderr)
}

#[test]
fn production_start_up_refuses_a_missing_or_weak_key_with_a_clear_message() {
    let (status, stderr) = production_start(&[]);
    assert!(!status.success());
    assert!(stderr.contains("no identity key is configured") && stderr.contains("--identity-key KID=hs256:env:VAR"), "{stderr}");

    let (status, stderr) = production_start(&["--identity-secret", "tandem-demo-identity-secret", "--identity-issuer", "https://p.example"]);
    assert!(!status.success());
    assert!(stderr.contains("27 bytes") && stderr.contains("at least 32"), "{stderr}");

    let dir = tempfile::tempdir().unwrap();
    let short = key_file(dir.path(), "short.key", b"short\n");
    let (status, stderr) = production_start(&["--identity-key", &format!("k1=hs256:file:{short}"), "--identity-issuer", "https://p.example"]);
    assert!(!status.success());
    assert!(stderr.contains("identity key 'k1'") && stderr.contains("5 bytes"), "{stderr}");

    let (status, stderr) = production_start(&["--identity-key", "k1=es256:file:/nonexistent/provider.pem", "--identity-issuer", "https://p.example"]);
    assert!(!status.success());
    assert!(stderr.contains("cannot read /nonexistent/provider.pem"), "{stderr}");

    let long = key_file(dir.path(), "long.key", b"a-long-enough-hs256-secret-0123456789abcdef");
    let (status, stderr) = production_start(&["--identity-key", &format!("k1=hs256:file:{long}")]);
    assert!(!status.success());
    assert!(stderr.contains("--identity-issuer"), "{stderr}");
}
