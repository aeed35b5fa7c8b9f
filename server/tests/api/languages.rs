//! The server speaks the conversation's language: the assistant answers in the language the
//! shopper writes (or the session's), and the server's own sentences come from the same pack.

use std::process::Command;

use reqwest::StatusCode;
use serde_json::{json, Value};
use tandem_assistant::SupportHours;

use crate::helpers::{spawn_app, spawn_app_with, TestApp};

async fn session(app: &TestApp, locale: &str, identified: bool) -> String {
    let mut body = json!({"merchant_id": "nordic-outdoor", "locale": locale});
    if identified {
        let jwt: Value = app.client.post(app.url("/demo/identity-token")).send().await.unwrap().json().await.unwrap();
        body["identity_token"] = jwt["token"].clone();
    }
    let res = app.client.post(app.url("/v1/sessions")).json(&body).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    res.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_string()
}

fn texts(c: &Value, author: &str) -> Vec<String> {
    c["messages"].as_array().unwrap().iter().filter(|m| m["author"] == author).map(|m| m["text"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn a_german_shopper_who_fell_ill_is_handed_off_in_german_and_told_in_german() {
    let app = spawn_app().await;
    let token = session(&app, "de-DE", true).await;
    let conv = app.conversation(&token).await;
    app.send(&token, &conv, "c-1", "Ich bin krank geworden und kann die Raten nicht mehr bezahlen").await;
    let c = app.wait_for_messages(&token, &conv, 3).await;
    let de = app.state.assistant.voice("de", SupportHours::Always);
    let reply = &c["messages"][1];
    assert_eq!(reply["meta"]["handoff"], "sensitive_topic", "{reply}");
    let topic = reply["meta"]["topic"].as_str().unwrap();
    assert!(reply["text"].as_str().unwrap().starts_with(&de.say(&format!("sensitive_{topic}"), &[])), "{reply}");
    assert!(reply["text"].as_str().unwrap().contains("50,00\u{a0}€"), "{reply}");
    // Nobody is online: the server's sentence, in German.
    assert_eq!(c["state"]["status"], "awaiting_reply");
    assert_eq!(texts(&c, "system"), vec![de.server("nobody_online", &[])]);
}

#[tokio::test]
async fn the_conversation_follows_the_language_the_shopper_writes() {
    let app = spawn_app().await;
    let token = session(&app, "sv-SE", false).await;
    let conv = app.conversation(&token).await;
    app.send(&token, &conv, "c-1", "Wie hoch ist die Mahngebühr, wenn ich zu spät zahle?").await;
    let c = app.wait_for_messages(&token, &conv, 2).await;
    let reply = &c["messages"][1];
    assert_eq!(reply["meta"]["topic"], "late_fee", "{reply}");
    assert!(reply["text"].as_str().unwrap().contains("7,00\u{a0}€"), "{reply}");
    let de = app.state.assistant.voice("de", SupportHours::Always);
    assert_eq!(app.handoff(&token, &conv).await["status"], "awaiting_reply");
    let c = app.get_conversation(&token, &conv).await;
    assert_eq!(texts(&c, "system"), vec![de.server("nobody_online", &[])], "the server's sentences follow the shopper's language");
}

#[tokio::test]
async fn an_arabic_request_for_a_person_is_answered_in_arabic() {
    let app = spawn_app().await;
    let token = session(&app, "ar", false).await;
    let conv = app.conversation(&token).await;
    app.send(&token, &conv, "c-1", "أريد التحدث مع موظف").await;
    let c = app.wait_for_messages(&token, &conv, 3).await;
    let ar = app.state.assistant.voice("ar", SupportHours::Always);
    assert_eq!(c["messages"][1]["meta"]["handoff"], "requested");
    assert!(c["messages"][1]["text"].as_str().unwrap().starts_with(&ar.say("human_request", &[])));
    assert_eq!(texts(&c, "system"), vec![ar.server("nobody_online", &[])]);
}

#[tokio::test]
async fn the_configured_support_hours_are_what_the_assistant_states() {
    let app = spawn_app_with(|c| c.support_hours = "09:00-17:00".parse().unwrap()).await;
    let token = app.anonymous_session().await;
    let conv = app.conversation(&token).await;
    app.send(&token, &conv, "c-1", "are you a bot?").await;
    let c = app.wait_for_messages(&token, &conv, 2).await;
    let text = c["messages"][1]["text"].as_str().unwrap();
    assert!(text.contains("09:00–17:00") && !text.contains("08:00"), "{text}");
    let config: Value = app.client.get(app.url("/v1/merchants/nordic-outdoor/config")).send().await.unwrap().json().await.unwrap();
    assert!(config["support_hours"].as_str().unwrap().contains("09:00–17:00"), "{config}");
}

fn server() -> Command {
    Command::new(env!("CARGO_BIN_EXE_tandem-server"))
}

#[test]
fn pack_check_reports_problems_with_file_and_line_and_the_server_refuses_a_broken_pack() {
    let demo = tandem_assistant::Pack::demo_dir();
    let ok = server().args(["pack", "check"]).arg(&demo).output().unwrap();
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("ok for Fjord Pay"), "{}", String::from_utf8_lossy(&ok.stdout));

    // A copy of the demo pack with a misspelt placeholder in the Swedish replies.
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("pack");
    copy_dir(&demo, &copy);
    let file = copy.join("sv/replies.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    let line = text.lines().position(|l| l.starts_with("next_payment = ") && l.contains("{amount}")).unwrap() + 1;
    let broken: Vec<String> = text.lines().map(|l| if l.starts_with("next_payment = ") { l.replace("{amount}", "{belopp}") } else { l.to_string() }).collect();
    std::fs::write(&file, broken.join("\n")).unwrap();
    let bad = server().args(["pack", "check"]).arg(&copy).output().unwrap();
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains(&format!("sv/replies.toml:{line}: error: [say] next_payment: unknown placeholder {{belopp}}")), "{err}");

    // The server does not start on it, and says why.
    let data = dir.path().join("data");
    let start = server()
        .args(["--demo", "--bind", "127.0.0.1:0", "--pack"])
        .arg(&copy)
        .arg("--data-dir")
        .arg(&data)
        .output()
        .unwrap();
    assert!(!start.status.success());
    let err = String::from_utf8_lossy(&start.stderr);
    assert!(err.contains("unknown placeholder {belopp}") && err.contains("has errors"), "{err}");

    // Outside demo mode a pack is required.
    let start = server().args(["--bind", "127.0.0.1:0", "--data-dir"]).arg(&data).output().unwrap();
    assert!(!start.status.success());
    assert!(String::from_utf8_lossy(&start.stderr).contains("--pack"), "{}", String::from_utf8_lossy(&start.stderr));
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            if e.file_name() != "build" {
                copy_dir(&e.path(), &to.join(e.file_name()));
            }
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

#[tokio::test]
async fn unknown_languages_get_the_session_language_and_a_person() {
    let app = spawn_app().await;
    let token = session(&app, "de", false).await;
    let conv = app.conversation(&token).await;
    app.send(&token, &conv, "c-1", "¿Cuándo tengo que pagar la próxima cuota?").await;
    let c = app.wait_for_messages(&token, &conv, 2).await;
    let de = app.state.assistant.voice("de", SupportHours::Always);
    assert_eq!(c["messages"][1]["text"], de.say("unsupported_language", &[]));
}
