//! Account data from the provider's account API (`--ledger-url`), against a local stub of that API
//! that checks the request signature as `docs/provider-account-api.md` tells providers to, and can
//! be switched to answer slowly, fail, send malformed JSON or JSON off the schema.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, Mac};
use reqwest::StatusCode as Status;
use serde_json::{json, Value};
use sha2::Sha256;
use tandem_assistant::{account::demo_account, SupportHours};
use tandem_server::ledger::{account_json, Lookup, Unavailable};

use crate::helpers::{spawn_app_with, SseReader, TestApp};

/// The key the stub provider shares with Tandem.
const KEY: &str = "stub-provider-key-0123456789abcdef";
/// Oldest signature the stub accepts, as the guide recommends.
const MAX_AGE_SECS: i64 = 300;
/// The stub's amount for the demo shopper's next payment: not the demo ledger's €50.00, so an
/// answer with it came from the API.
const STUB_NEXT_MINOR: i64 = 4321;

/// How the stub answers.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    Ok,
    /// Answers after 3 s (beyond Tandem's timeout in these tests).
    Slow,
    /// HTTP 500.
    Fail,
    /// A cut-off JSON document.
    Malformed,
    /// Valid JSON, but a negative amount and a field the schema does not have.
    WrongSchema,
    /// The documented "no such customer" answer.
    UnknownShopper,
    /// A 404 page that is not the documented answer (a wrong base URL).
    Bare404,
}

/// The stub provider: its base URL, its mode, and what it has seen.
#[derive(Clone)]
struct Stub {
    base: String,
    mode: Arc<Mutex<Mode>>,
    /// Requests with a valid signature.
    served: Arc<AtomicUsize>,
    /// Requests refused for their signature.
    refused: Arc<AtomicUsize>,
    /// The path of the last request, as received.
    last_path: Arc<Mutex<String>>,
}

impl Stub {
    fn set(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }
    fn served(&self) -> usize {
        self.served.load(Ordering::SeqCst)
    }
}

/// Starts the stub on 127.0.0.1:0 under `/provider`.
async fn spawn_stub() -> Stub {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let stub = Stub {
        base: format!("http://127.0.0.1:{}/provider", listener.local_addr().unwrap().port()),
        mode: Arc::new(Mutex::new(Mode::Ok)),
        served: Arc::default(),
        refused: Arc::default(),
        last_path: Arc::default(),
    };
    let router = axum::Router::new().route("/provider/accounts/{id}", axum::routing::get(account)).with_state(stub.clone());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    stub
}

/// `GET /provider/accounts/{id}` as a provider would write it.
async fn account(State(stub): State<Stub>, OriginalUri(uri): OriginalUri, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let path = uri.path_and_query().map_or(uri.path(), |p| p.as_str()).to_string();
    *stub.last_path.lock().unwrap() = path.clone();
    if !signature_ok(&headers, &path) {
        stub.refused.fetch_add(1, Ordering::SeqCst);
        return (StatusCode::UNAUTHORIZED, axum::Json(json!({"error": "bad_signature"}))).into_response();
    }
    stub.served.fetch_add(1, Ordering::SeqCst);
    let mode = *stub.mode.lock().unwrap();
    let json_type = [("content-type", "application/json")];
    match mode {
        Mode::Slow => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            axum::Json(stub_account(&id)).into_response()
        }
        Mode::Ok if id.starts_with("alex") => axum::Json(stub_account(&id)).into_response(),
        Mode::Ok | Mode::UnknownShopper => (StatusCode::NOT_FOUND, axum::Json(json!({"error": "unknown_shopper"}))).into_response(),
        Mode::Fail => (StatusCode::INTERNAL_SERVER_ERROR, "database on fire").into_response(),
        Mode::Malformed => (json_type, "{\"shopper_id\": \"alex\", \"name\": \"Alex Mor").into_response(),
        Mode::WrongSchema => {
            let mut v = stub_account(&id);
            v["orders"][0]["instalments"][2]["amount"]["minor"] = json!(-5000);
            v["orders"][0]["loyalty_points"] = json!(12);
            axum::Json(v).into_response()
        }
        Mode::Bare404 => (StatusCode::NOT_FOUND, "<html>Not Found</html>").into_response(),
    }
}

/// The provider's side of the signature (`docs/provider-account-api.md`, "Verifying"), written
/// from the guide rather than from Tandem's code.
fn signature_ok(headers: &HeaderMap, path: &str) -> bool {
    let Some(header) = headers.get("tandem-signature").and_then(|v| v.to_str().ok()) else { return false };
    let (mut t, mut v1) = (None, None);
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", x)) => t = x.parse::<i64>().ok(),
            Some(("v1", x)) => v1 = hex::decode(x).ok(),
            _ => {}
        }
    }
    let (Some(t), Some(sig)) = (t, v1) else { return false };
    if (chrono::Utc::now().timestamp() - t).abs() > MAX_AGE_SECS {
        return false;
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(KEY.as_bytes()).unwrap();
    mac.update(format!("{t}\nGET\n{path}").as_bytes());
    mac.verify_slice(&sig).is_ok()
}

/// The demo shopper's account as the provider holds it, with the stub's own next amount.
fn stub_account(id: &str) -> Value {
    let mut account = demo_account(chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap());
    account.shopper_id = id.to_string();
    account.orders[0].instalments[2].amount.minor = STUB_NEXT_MINOR;
    account_json(&account)
}

/// Tandem with its account data from the stub: 500 ms to answer, a breaker that opens after
/// `failures` and cools down for a second.
async fn tandem(stub: &Stub, key: &str, failures: u32) -> TestApp {
    let (base, key) = (stub.base.clone(), key.to_string());
    spawn_app_with(move |c| {
        c.ledger.ledger_url = Some(base);
        c.ledger.ledger_key = Some(key);
        c.ledger.ledger_timeout_ms = 500;
        c.ledger.ledger_breaker_failures = failures;
        c.ledger.ledger_breaker_cooldown_secs = 1;
    })
    .await
}

/// An identified session for the demo shopper in `locale`.
async fn shopper(app: &TestApp, locale: &str) -> String {
    let jwt: Value = app.client.post(app.url("/demo/identity-token")).send().await.unwrap().json().await.unwrap();
    let body = json!({"merchant_id": "nordic-outdoor", "locale": locale, "identity_token": jwt["token"]});
    let res = app.client.post(app.url("/v1/sessions")).json(&body).send().await.unwrap();
    assert_eq!(res.status(), Status::CREATED);
    res.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_string()
}

/// Asks one question in a new conversation; the assistant's reply.
async fn ask(app: &TestApp, token: &str, question: &str) -> Value {
    let conv = app.conversation(token).await;
    ask_in(app, token, &conv, question, 1).await
}

/// Asks the `n`th question of conversation `conv`; the assistant's reply to it.
async fn ask_in(app: &TestApp, token: &str, conv: &str, question: &str, n: usize) -> Value {
    let res = app.send(token, conv, &format!("q-{n}"), question).await;
    assert_eq!(res.status(), Status::CREATED, "the question is accepted whatever the ledger does");
    let c = app.wait_for_messages(token, conv, 2 * n).await;
    let reply = c["messages"][2 * n - 1].clone();
    assert_eq!(reply["author"], "assistant", "{c}");
    assert_eq!(c["state"]["status"], "assistant", "offered a person, not handed off: {c}");
    reply
}

fn offers_a_person(reply: &Value) -> bool {
    reply["blocks"].as_array().unwrap().iter().any(|b| b["type"] == "actions" && b["buttons"].as_array().unwrap().iter().any(|x| x["action"]["type"] == "handoff"))
}

#[tokio::test]
async fn an_identified_shoppers_next_payment_comes_from_the_providers_api_and_the_next_question_from_the_cache() {
    let stub = spawn_stub().await;
    let app = tandem(&stub, KEY, 5).await;
    let token = shopper(&app, "en").await;
    let conv = app.conversation(&token).await;
    let reply = ask_in(&app, &token, &conv, "when is my next payment?", 1).await;
    let text = reply["text"].as_str().unwrap();
    assert!(text.contains("€43.21") && text.contains("FP-1001"), "the stub's figures: {text}");
    assert_eq!(*stub.last_path.lock().unwrap(), "/provider/accounts/alex");
    assert_eq!(stub.served(), 1);

    let reply = ask_in(&app, &token, &conv, "show me my payment schedule", 2).await;
    assert!(reply["text"].as_str().unwrap().contains("€43.21"), "{reply}");
    assert_eq!(stub.served(), 1, "the second question within the cache time is answered without asking the API");

    assert_eq!(app.state.ledger.snapshot("nobody").await, Lookup::NotFound);
    assert_eq!(app.state.ledger.snapshot("nobody").await, Lookup::NotFound);
    assert_eq!(stub.served(), 3, "an unknown shopper is never cached");

    // Figures, printed (not asserted): 20 accounts read from the local API (signing, HTTP, schema
    // checks), then the same from the cache.
    let ids: Vec<String> = (0..20).map(|k| format!("alex-{k}")).collect();
    let mut mean = [Duration::ZERO; 2];
    for m in &mut mean {
        let started = Instant::now();
        for id in &ids {
            assert!(matches!(app.state.ledger.snapshot(id).await, Lookup::Found(_)));
        }
        *m = started.elapsed() / ids.len() as u32;
    }
    assert_eq!(stub.served(), 3 + ids.len());
    eprintln!("account read from the local stub API: {:?} mean; from the cache: {:?} mean", mean[0], mean[1]);
}

#[tokio::test]
async fn when_the_api_is_slow_failing_or_malformed_the_shopper_is_told_it_cannot_be_seen_and_offered_a_person() {
    let stub = spawn_stub().await;
    let app = tandem(&stub, KEY, 100).await;
    let token = shopper(&app, "en").await;
    let unavailable = app.state.assistant.voice("en", SupportHours::Always).say("account_unavailable", &[]);
    for mode in [Mode::Slow, Mode::Fail, Mode::Malformed, Mode::WrongSchema, Mode::Bare404] {
        stub.set(mode);
        let started = Instant::now();
        let reply = ask(&app, &token, "when is my next payment?").await;
        let text = reply["text"].as_str().unwrap();
        assert!(text.contains(&unavailable), "{mode:?}: {text}");
        assert!(!text.contains("43.21") && !text.contains("50.00") && !text.contains("FP-1001"), "{mode:?}: no figures at all: {text}");
        assert_eq!(reply["meta"]["topic"], "next_payment", "{mode:?}");
        assert!(offers_a_person(&reply), "{mode:?}: {reply}");
        if mode == Mode::Slow {
            assert!(started.elapsed() < Duration::from_millis(2500), "the timeout, not the API, decides: {:?}", started.elapsed());
        }
    }
    // Policy questions are answered as usual meanwhile.
    let reply = ask(&app, &token, "how much is the late fee?").await;
    assert!(reply["text"].as_str().unwrap().contains("€7.00"), "{reply}");
}

#[tokio::test]
async fn a_swedish_shopper_is_told_in_swedish() {
    let stub = spawn_stub().await;
    stub.set(Mode::Fail);
    let app = tandem(&stub, KEY, 100).await;
    let token = shopper(&app, "sv-SE").await;
    let reply = ask(&app, &token, "när är min nästa betalning?").await;
    let sv = app.state.assistant.voice("sv", SupportHours::Always);
    assert!(reply["text"].as_str().unwrap().contains(&sv.say("account_unavailable", &[])), "{reply}");
    let labels: Vec<&str> = reply["blocks"].as_array().unwrap().iter().flat_map(|b| b["buttons"].as_array().into_iter().flatten()).filter_map(|x| x["label"].as_str()).collect();
    assert!(labels.contains(&sv.button("talk_to_person", &[]).as_str()), "{labels:?}");
}

#[tokio::test]
async fn a_shopper_the_provider_does_not_know_is_answered_like_an_anonymous_one() {
    let stub = spawn_stub().await;
    stub.set(Mode::UnknownShopper);
    let app = tandem(&stub, KEY, 100).await;
    let token = shopper(&app, "en").await;
    let reply = ask(&app, &token, "when is my next payment?").await;
    let sign_in = app.state.assistant.voice("en", SupportHours::Always).say("sign_in_payments", &[]);
    assert!(reply["text"].as_str().unwrap().contains(&sign_in), "{reply}");
}

#[tokio::test]
async fn the_breaker_stops_calling_a_failing_api_and_lets_a_probe_through_after_the_cooldown() {
    let stub = spawn_stub().await;
    stub.set(Mode::Fail);
    let app = tandem(&stub, KEY, 3).await;
    for _ in 0..3 {
        assert_eq!(app.state.ledger.snapshot("alex").await, Lookup::Unavailable(Unavailable::Status(500)));
    }
    assert_eq!(stub.served(), 3);
    for _ in 0..5 {
        assert_eq!(app.state.ledger.snapshot("alex").await, Lookup::Unavailable(Unavailable::CircuitOpen));
    }
    assert_eq!(stub.served(), 3, "not called while the breaker is open");
    let metrics = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("state=\"open\"} 1") && metrics.contains("kind=\"circuit_open\"} 5"), "{metrics}");

    // The shopper is answered at once meanwhile.
    let token = shopper(&app, "en").await;
    let reply = ask(&app, &token, "when is my next payment?").await;
    assert!(offers_a_person(&reply) && stub.served() == 3, "{reply}");

    stub.set(Mode::Ok);
    assert_eq!(app.state.ledger.snapshot("alex").await, Lookup::Unavailable(Unavailable::CircuitOpen), "still cooling down");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert!(matches!(app.state.ledger.snapshot("alex").await, Lookup::Found(_)), "the probe succeeds");
    assert_eq!(stub.served(), 4);
    let reply = ask(&app, &token, "when is my next payment?").await;
    assert!(reply["text"].as_str().unwrap().contains("€43.21"), "{reply}");
}

#[tokio::test]
async fn a_request_signed_with_another_key_is_refused_by_the_provider() {
    let stub = spawn_stub().await;
    let app = tandem(&stub, "not-the-provider-key-0123456789abcdef", 100).await;
    assert_eq!(app.state.ledger.snapshot("alex").await, Lookup::Unavailable(Unavailable::Refused(401)));
    assert_eq!((stub.refused.load(Ordering::SeqCst), stub.served()), (1, 0));
    let token = shopper(&app, "en").await;
    let reply = ask(&app, &token, "when is my next payment?").await;
    assert!(reply["text"].as_str().unwrap().contains(&app.state.assistant.voice("en", SupportHours::Always).say("account_unavailable", &[])));
}

#[tokio::test]
async fn the_agent_sees_the_conversation_when_the_account_cannot_be_read() {
    let stub = spawn_stub().await;
    let app = tandem(&stub, KEY, 100).await;
    let token = shopper(&app, "en").await;
    let agent = app.agent_login(0).await;
    let view = |conv: String| {
        let req = app.agent_req(&agent, reqwest::Method::GET, &format!("/v1/agent/conversations/{conv}"));
        async move {
            let res = req.send().await.unwrap();
            assert_eq!(res.status(), Status::OK, "never a 500");
            res.json::<Value>().await.unwrap()
        }
    };

    stub.set(Mode::Fail);
    let conv = app.conversation(&token).await;
    app.handoff(&token, &conv).await;
    let c = view(conv).await;
    assert_eq!((c["account"].clone(), c["account_unavailable"].clone()), (Value::Null, json!(true)), "{c}");
    assert_eq!(c["conversation"]["state"]["status"], "awaiting_reply");

    stub.set(Mode::Ok);
    let conv = app.conversation(&token).await;
    app.handoff(&token, &conv).await;
    let c = view(conv).await;
    assert_eq!(c["account_unavailable"], false);
    assert_eq!(c["account"]["name"], "Alex Morgan", "{c}");
}

#[tokio::test]
async fn an_unsafe_or_unauthenticated_api_configuration_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    for (url, key, says) in [
        ("http://accounts.example/tandem", Some(KEY), "https"),
        ("https://accounts.example/tandem", None, "TANDEM_LEDGER_KEY"),
    ] {
        let mut config = tandem_server::Config::for_tests(dir.path().join("data"), dir.path().join("dist"), dir.path().join("demo"));
        config.ledger.ledger_url = Some(url.into());
        config.ledger.ledger_key = key.map(Into::into);
        match tandem_server::AppState::new(config, crate::helpers::assistant(), "http://localhost".into()).await {
            Ok(_) => panic!("{url} with key {key:?} was accepted"),
            Err(e) => assert!(e.to_string().contains(says), "{e}"),
        }
    }
}

/// A reply that takes longer than a moment (here: the account API times out after 500 ms) is
/// preceded by the assistant's typing indicator, so the shopper sees it is on its way.
#[tokio::test]
async fn a_slow_reply_is_preceded_by_the_assistant_typing() {
    let stub = spawn_stub().await;
    stub.set(Mode::Slow);
    let app = tandem(&stub, KEY, 5).await;
    let token = shopper(&app, "en").await;
    let conv = app.conversation(&token).await;
    let mut sse = SseReader::new(app.stream(&token, &conv, None).await);
    let res = app.send(&token, &conv, "q-1", "When is my next payment?").await;
    assert_eq!(res.status(), Status::CREATED);
    assert_eq!(sse.next_of("message").await.data["message"]["author"], "shopper");
    let typing = sse.next().await;
    assert_eq!(typing.event, "typing", "{typing:?}");
    assert_eq!(typing.data["author"], "assistant");
    assert_eq!(typing.data["active"], true);
    let reply = sse.next_of("message").await;
    assert_eq!(reply.data["message"]["author"], "assistant");
}
