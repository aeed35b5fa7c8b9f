//! Email follow-ups over real SMTP (a local sink): an agent's reply reaches a shopper who left an
//! address, with a link that reopens the conversation once; the transcript by email holds what
//! the shopper saw and no internal note; an SMTP outage delays email but loses none; without SMTP
//! nothing is queued and the console is told.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tandem_server::Config;

use crate::helpers::{assert_error, free_port, spawn_app, spawn_app_with, TestApp};
use crate::smtp_sink::SmtpSink;

fn with_smtp(url: String) -> impl FnOnce(&mut Config) {
    move |c: &mut Config| {
        c.email.smtp_url = Some(url);
        c.email.smtp_from = Some("Fjordpay Support <support@fjordpay.example>".into());
        c.email.smtp_retry_secs = 1;
    }
}

/// A shopper who asked for a person while nobody was online and left `email`; Kim then claims
/// the conversation. Returns (shopper token, conversation id, Kim).
async fn left_an_address(app: &TestApp, email: &str) -> (String, String, crate::helpers::Agent) {
    let token = app.anonymous_session().await;
    let conv = app.conversation(&token).await;
    app.send(&token, &conv, "c-1", "My refund for order 1042 has not arrived").await;
    app.wait_for_messages(&token, &conv, 2).await;
    assert_eq!(app.handoff(&token, &conv).await["status"], "awaiting_reply");
    let res = app.client.post(app.url(&format!("/v1/conversations/{conv}/contact"))).bearer_auth(&token).json(&json!({"email": email})).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let kim = app.agent_online(1).await;
    let res = app.agent_req(&kim, Method::POST, &format!("/v1/agent/conversations/{conv}/claim")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    (token, conv, kim)
}

async fn agent_reply(app: &TestApp, agent: &crate::helpers::Agent, conv: &str, client_id: &str, text: &str) {
    let res = app
        .agent_req(agent, Method::POST, &format!("/v1/agent/conversations/{conv}/messages"))
        .json(&json!({"client_id": client_id, "text": text}))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
}

async fn reopen(app: &TestApp, token: &str) -> reqwest::Response {
    app.client.post(app.url("/v1/reopen")).json(&json!({"token": token})).send().await.unwrap()
}

#[tokio::test]
async fn an_agent_reply_is_emailed_with_a_link_that_reopens_the_conversation_once() {
    let sink = SmtpSink::start().await;
    let app = spawn_app_with(with_smtp(sink.url())).await;
    let (_, conv, kim) = left_an_address(&app, "alex.reply@example.org").await;
    agent_reply(&app, &kim, &conv, "k-1", "Hi, Kim here. Your refund for order 1042 was sent on Monday.").await;
    // The console repeating the same reply (same client id) sends no second email.
    agent_reply(&app, &kim, &conv, "k-1", "Hi, Kim here. Your refund for order 1042 was sent on Monday.").await;

    let mails = sink.wait_for(1, Duration::from_secs(10)).await;
    let mail = &mails[0];
    assert_eq!(mail.to, vec!["alex.reply@example.org".to_string()]);
    assert_eq!(mail.from, "support@fjordpay.example");
    assert!(mail.header("Subject").is_some_and(|s| s.contains("Kim")), "{mail:?}");
    assert!(mail.body.contains("Your refund for order 1042 was sent on Monday."), "{}", mail.body);
    let link_prefix = format!("http://localhost:{}/embed/?merchant=nordic-outdoor&mode=app&reopen=", app.port);
    assert!(mail.body.contains(&link_prefix), "{}", mail.body);
    let token = mail.reopen_token().expect("a reopen link");
    assert_eq!(token.len(), 64, "{token}");

    // The link gives a fresh session of the same shopper, and the conversation with the reply.
    let res = reopen(&app, &token).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let opened: Value = res.json().await.unwrap();
    assert_eq!(opened["conversation_id"], conv.as_str());
    let session = opened["session"]["token"].as_str().unwrap().to_string();
    let c = app.get_conversation(&session, &conv).await;
    assert!(c["messages"].as_array().unwrap().iter().any(|m| m["text"].as_str().unwrap().contains("sent on Monday")), "{c}");
    // The new session may write in the conversation.
    assert_eq!(app.send(&session, &conv, "c-2", "Thanks, found it!").await.status(), StatusCode::CREATED);

    // Once only; an unknown token is refused too.
    assert_error(reopen(&app, &token).await, StatusCode::GONE, "link_used").await;
    assert_error(reopen(&app, &"0".repeat(64)).await, StatusCode::NOT_FOUND, "unknown_link").await;
    assert_error(reopen(&app, "").await, StatusCode::UNPROCESSABLE_ENTITY, "invalid_token").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sink.mails().len(), 1, "the repeated reply was emailed again");

    // Only the token's hash is stored, and the outbox never held the token.
    let tables = app.state.store.dump_all_tables().await.unwrap();
    assert!(tables.iter().all(|(_, rows)| rows.iter().all(|r| !r.contains(&token))), "a link token is stored in the clear");
    assert!(tables.iter().any(|(t, rows)| t == "email_links" && rows.len() == 1));

    // Erasing the shopper removes their emails and links.
    let sam = app.agent_login(0).await;
    let shopper = opened["session"]["shopper"]["id"].as_str().unwrap().to_string();
    let res = app.agent_req(&sam, Method::DELETE, &format!("/v1/admin/shoppers/{shopper}")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    for (table, rows) in app.state.store.dump_all_tables().await.unwrap() {
        assert!(rows.iter().all(|r| !r.contains("alex.reply@example.org") && !r.contains(&conv)), "{table} still holds the shopper's email");
    }
}

#[tokio::test]
async fn an_expired_link_is_refused() {
    let sink = SmtpSink::start().await;
    let app = spawn_app_with(with_smtp(sink.url())).await;
    let token = app.anonymous_session().await;
    let conv = app.conversation(&token).await;
    let link = "ab".repeat(32);
    let hash = tandem_server::sessions::hash_token(&link);
    app.state.store.create_email_link(&hash, &conv, tandem_server::store::now_ms() - 1).await.unwrap();
    assert_error(reopen(&app, &link).await, StatusCode::GONE, "link_expired").await;
}

#[tokio::test]
async fn a_transcript_is_emailed_without_internal_notes() {
    let sink = SmtpSink::start().await;
    let app = spawn_app_with(with_smtp(sink.url())).await;
    let (token, conv, kim) = left_an_address(&app, "alex.transcript@example.org").await;
    agent_reply(&app, &kim, &conv, "k-1", "Kim here: the refund left us on Monday.").await;
    sink.wait_for(1, Duration::from_secs(10)).await;
    // An internal note on the conversation.
    let res = app
        .agent_req(&kim, Method::POST, &format!("/v1/agent/conversations/{conv}/notes"))
        .json(&json!({"text": "INTERNAL: shopper sounded annoyed, check chargeback risk"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    assert!(table(&app, "notes").await.iter().any(|r| r.contains("chargeback")), "the note is stored");
    // A shopper who types the outbox's link marker gets no link minted into their transcript.
    let res = app.send(&token, &conv, "s-mark", "see \u{1}reopen-token\u{1} here").await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let links_before = table(&app, "email_links").await.len();

    // No address given: the one the shopper left.
    let url = app.url(&format!("/v1/conversations/{conv}/transcript-email"));
    let res = app.client.post(&url).bearer_auth(&token).json(&json!({})).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    assert_eq!(res.json::<Value>().await.unwrap()["email"], "alex.transcript@example.org");
    let mails = sink.wait_for(2, Duration::from_secs(10)).await;
    let t = &mails[1];
    assert_eq!(t.to, vec!["alex.transcript@example.org".to_string()]);
    assert!(t.body.contains("You: My refund for order 1042 has not arrived"), "{}", t.body);
    assert!(t.body.contains("Kim: Kim here: the refund left us on Monday."), "{}", t.body);
    assert!(!t.body.contains("INTERNAL") && !t.body.contains("chargeback"), "a note leaked into the email: {}", t.body);
    assert!(t.reopen_token().is_none(), "a transcript carries no link");
    assert!(t.body.contains("see reopen-token here"), "{}", t.body);
    assert_eq!(table(&app, "email_links").await.len(), links_before, "no link was made for a transcript");

    // Another address; a bad one is refused; another shopper may not ask.
    let res = app.client.post(&url).bearer_auth(&token).json(&json!({"email": "other@example.org"})).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    assert_eq!(sink.wait_for(3, Duration::from_secs(10)).await[2].to, vec!["other@example.org".to_string()]);
    let res = app.client.post(&url).bearer_auth(&token).json(&json!({"email": "not-an-address"})).send().await.unwrap();
    assert_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_email").await;
    let stranger = app.anonymous_session().await;
    let res = app.client.post(&url).bearer_auth(&stranger).json(&json!({"email": "x@example.org"})).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // A few per conversation per day, then a clear refusal.
    let res = app.client.post(&url).bearer_auth(&token).json(&json!({})).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let res = app.client.post(&url).bearer_auth(&token).json(&json!({})).send().await.unwrap();
    assert_error(res, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    // One inbox gets a few a day from all conversations: it has two; from a new conversation the
    // third is sent, the fourth refused (the address compared without case).
    let other = app.conversation(&token).await;
    assert_eq!(app.send(&token, &other, "o-1", "hello").await.status(), StatusCode::CREATED);
    let other_url = app.url(&format!("/v1/conversations/{other}/transcript-email"));
    let to_alex = json!({"email": "ALEX.transcript@example.org"});
    let res = app.client.post(&other_url).bearer_auth(&token).json(&to_alex).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let res = app.client.post(&other_url).bearer_auth(&token).json(&to_alex).send().await.unwrap();
    assert_error(res, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
}

#[tokio::test]
async fn retention_deletes_sent_emails_with_the_contact_details_and_expired_links() {
    use tandem_server::admin::retention::sweep;
    let sink = SmtpSink::start().await;
    let app = spawn_app_with(with_smtp(sink.url())).await;
    let (_, conv, kim) = left_an_address(&app, "alex.retention@example.org").await;
    agent_reply(&app, &kim, &conv, "k-1", "Kim here.").await;
    sink.wait_for(1, Duration::from_secs(10)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!((table(&app, "email_outbox").await.len(), table(&app, "email_links").await.len()), (1, 1));
    let now = tandem_server::store::now_ms();
    let day = 86_400_000;
    assert_eq!(sweep(&app.state.store, 30, 7, now).await.unwrap().emails, 0, "nothing is old yet");
    // Eight days on: the link (7 days) has expired and the email is as old as the contact details.
    let swept = sweep(&app.state.store, 30, 7, now + 8 * day).await.unwrap();
    assert_eq!((swept.contacts, swept.emails), (1, 2));
    assert!(table(&app, "email_outbox").await.is_empty() && table(&app, "email_links").await.is_empty());
}

#[tokio::test]
async fn a_transcript_needs_an_address_when_none_was_left() {
    let sink = SmtpSink::start().await;
    let app = spawn_app_with(with_smtp(sink.url())).await;
    let token = app.anonymous_session().await;
    let conv = app.conversation(&token).await;
    let res = app.client.post(app.url(&format!("/v1/conversations/{conv}/transcript-email"))).bearer_auth(&token).json(&json!({})).send().await.unwrap();
    assert_error(res, StatusCode::UNPROCESSABLE_ENTITY, "email_required").await;
}

#[tokio::test]
async fn email_waits_out_an_smtp_outage_and_is_delivered_when_the_server_is_back() {
    let port = free_port();
    let app = spawn_app_with(with_smtp(format!("smtp://127.0.0.1:{port}"))).await;
    let (_, conv, kim) = left_an_address(&app, "alex.outage@example.org").await;
    agent_reply(&app, &kim, &conv, "k-1", "Kim here, answering while the mail server is down.").await;
    // Nobody listens: attempts fail and are retried; the email stays queued with its error.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let metrics = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("tandem_emails{outcome=\"pending\"} 1"), "{metrics}");
    assert!(metrics.contains("tandem_emails{outcome=\"sent\"} 0"), "{metrics}");
    let outbox = table(&app, "email_outbox").await;
    assert!(outbox.len() == 1 && outbox[0].contains("SMTP"), "the last error is kept: {outbox:?}");

    let sink = SmtpSink::start_on(port).await;
    let mails = sink.wait_for(1, Duration::from_secs(20)).await;
    assert!(mails[0].body.contains("answering while the mail server is down"), "{}", mails[0].body);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let metrics = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("tandem_emails{outcome=\"sent\"} 1"), "{metrics}");
}

#[tokio::test]
async fn without_smtp_nothing_is_queued_and_the_console_and_widget_are_told() {
    let app = spawn_app().await;
    let (token, conv, kim) = left_an_address(&app, "alex.off@example.org").await;
    let settings: Value = app.agent_req(&kim, Method::GET, "/v1/agent/settings").send().await.unwrap().json().await.unwrap();
    assert_eq!(settings, json!({"email": false}));
    let config: Value = app.client.get(app.url("/v1/merchants/nordic-outdoor/config")).send().await.unwrap().json().await.unwrap();
    assert_eq!(config["email"], false);
    agent_reply(&app, &kim, &conv, "k-1", "Kim here.").await;
    let res = app.client.post(app.url(&format!("/v1/conversations/{conv}/transcript-email"))).bearer_auth(&token).json(&json!({})).send().await.unwrap();
    assert_error(res, StatusCode::CONFLICT, "email_off").await;
    assert!(table(&app, "email_outbox").await.is_empty());
    assert_eq!(app.client.get(app.url("/v1/agent/settings")).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);

    let sink = SmtpSink::start().await;
    let on = spawn_app_with(with_smtp(sink.url())).await;
    let sam = on.agent_login(0).await;
    let settings: Value = on.agent_req(&sam, Method::GET, "/v1/agent/settings").send().await.unwrap().json().await.unwrap();
    assert_eq!(settings, json!({"email": true}));
    let config: Value = on.client.get(on.url("/v1/merchants/nordic-outdoor/config")).send().await.unwrap().json().await.unwrap();
    assert_eq!(config["email"], true);
}

#[tokio::test]
async fn plaintext_smtp_to_another_machine_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::for_tests(dir.path().join("data"), crate::helpers::repo().join("dist"), crate::helpers::repo().join("demo"));
    with_smtp("smtp://user:s3cret-pw@mail.example.com:25".into())(&mut config);
    let err = match tandem_server::AppState::new(config, crate::helpers::assistant(), "http://localhost:1".into()).await {
        Ok(_) => panic!("started with plaintext SMTP to another machine"),
        Err(e) => format!("{e:#}"),
    };
    assert!(err.contains("in the clear") && !err.contains("s3cret-pw"), "{err}");
}

/// Rows of one table, as text.
async fn table(app: &TestApp, name: &str) -> Vec<String> {
    app.state.store.dump_all_tables().await.unwrap().into_iter().find(|(t, _)| t == name).map(|(_, rows)| rows).unwrap_or_default()
}
