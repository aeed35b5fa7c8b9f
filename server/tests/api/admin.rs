//! Administration: the operator's commands against a running server, the admin API and its role
//! check, disabling an agent, a shopper's export and erasure (checked against every table),
//! retention, and demo data leaving a database that starts without `--demo`.

use std::time::Duration;

use futures_util::StreamExt;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_error, spawn_app, spawn_app_with, TestApp};

/// Runs `tandem-server <args>` on the test app's database; returns (success, stdout, stderr).
fn command(app: &TestApp, args: &[&str]) -> (bool, String, String) {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_tandem-server"));
    cmd.arg("--data-dir").arg(&app.state.config.data_dir);
    if let Some(url) = &app.state.config.database_url {
        cmd.arg("--database-url").arg(url);
    }
    let out = cmd.args(args).env("TANDEM_AGENT_PASSWORD", "a-long-enough-password").output().expect("run tandem-server");
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Reads a response body until the server ends it; true if that happens within `limit`.
async fn ends_within(res: reqwest::Response, limit: Duration) -> bool {
    let mut body = res.bytes_stream();
    tokio::time::timeout(limit, async {
        while let Some(chunk) = body.next().await {
            if chunk.is_err() {
                break;
            }
        }
    })
    .await
    .is_ok()
}

#[tokio::test]
async fn merchant_add_lets_its_origin_frame_the_widget_and_create_sessions() {
    let app = spawn_app().await;
    let session = app.client.post(app.url("/v1/sessions")).json(&json!({"merchant_id": "gardenshop"})).send().await.unwrap();
    assert_error(session, StatusCode::NOT_FOUND, "unknown_merchant").await;

    let (ok, out, err) = command(&app, &["merchant", "add", "--id", "gardenshop", "--name", "Garden Shop", "--origin", "https://garden.example", "--accent", "#2d6a4f"]);
    assert!(ok, "merchant add failed: {err}");
    assert!(out.contains("gardenshop") && out.contains("https://garden.example"), "{out}");

    let embed = app.client.get(app.url("/embed/?merchant=gardenshop")).send().await.unwrap();
    let csp = embed.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(csp.contains("frame-ancestors") && csp.contains("https://garden.example"), "{csp}");
    let session = app.client.post(app.url("/v1/sessions")).json(&json!({"merchant_id": "gardenshop"})).send().await.unwrap();
    assert_eq!(session.status(), StatusCode::CREATED);
    let config: Value = app.client.get(app.url("/v1/merchants/gardenshop/config")).send().await.unwrap().json().await.unwrap();
    assert_eq!(config["theme"]["accent"], "#2d6a4f");
    assert_eq!(config["provider_name"], "Fjord Pay", "an empty provider name is the pack's");

    // Bad input is refused with what to fix, and nothing changes.
    let (ok, _, err) = command(&app, &["merchant", "add", "--id", "gardenshop", "--name", "Again"]);
    assert!(!ok && err.contains("exists"), "{err}");
    let (ok, _, err) = command(&app, &["merchant", "update", "--id", "gardenshop", "--origin", "http://garden.example"]);
    assert!(!ok && err.contains("https"), "{err}");
    let (ok, _, err) = command(&app, &["merchant", "add", "--id", "Bad Id", "--name", "x"]);
    assert!(!ok && err.contains("merchant id"), "{err}");

    let (ok, out, _) = command(&app, &["merchant", "update", "--id", "gardenshop", "--origin", "https://www.garden.example", "--origin", "https://garden.example"]);
    assert!(ok && out.contains("https://www.garden.example"), "{out}");
    let (ok, out, _) = command(&app, &["merchant", "list", "--json"]);
    let list: Value = serde_json::from_str(&out).unwrap();
    assert!(ok && list.as_array().unwrap().iter().any(|m| m["id"] == "gardenshop" && m["allowed_origins"].as_array().unwrap().len() == 2), "{out}");

    let (ok, out, err) = command(&app, &["merchant", "remove", "--id", "gardenshop"]);
    assert!(ok && out.contains("sessions: 1"), "{out} {err}");
    let session = app.client.post(app.url("/v1/sessions")).json(&json!({"merchant_id": "gardenshop"})).send().await.unwrap();
    assert_error(session, StatusCode::NOT_FOUND, "unknown_merchant").await;
}

#[tokio::test]
async fn the_admin_api_is_for_admins_only() {
    let app = spawn_app().await;
    let kim = app.agent_login(1).await; // role agent
    for (method, path) in [(Method::GET, "/v1/admin/agents"), (Method::GET, "/v1/admin/merchants"), (Method::DELETE, "/v1/admin/shoppers/alex"), (Method::POST, "/v1/admin/agents/sam@fjordpay.example/disable")] {
        let res = app.agent_req(&kim, method.clone(), path).send().await.unwrap();
        assert_error(res, StatusCode::FORBIDDEN, "forbidden").await;
    }
    let res = app.client.get(app.url("/v1/admin/agents")).send().await.unwrap();
    assert_error(res, StatusCode::UNAUTHORIZED, "invalid_agent_session").await;

    let sam = app.agent_login(0).await; // role admin
    let agents: Value = app.agent_req(&sam, Method::GET, "/v1/admin/agents").send().await.unwrap().json().await.unwrap();
    let roles: Vec<(&str, &str)> = agents.as_array().unwrap().iter().map(|a| (a["email"].as_str().unwrap(), a["role"].as_str().unwrap())).collect();
    assert_eq!(roles, vec![("kim@fjordpay.example", "agent"), ("sam@fjordpay.example", "admin")]);

    // The same operations as the commands.
    let res = app
        .agent_req(&sam, Method::POST, "/v1/admin/merchants")
        .json(&json!({"id": "bookshop", "name": "Book Shop", "allowed_origins": ["https://books.example"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = app.agent_req(&sam, Method::POST, "/v1/admin/merchants").json(&json!({"id": "x", "name": "X", "allowed_origins": ["ftp://x"]})).send().await.unwrap();
    assert_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_origin").await;
    let res = app.agent_req(&sam, Method::PATCH, "/v1/admin/merchants/bookshop").json(&json!({"accent": "#ffd400", "on_accent": "#ffffff"})).send().await.unwrap();
    let m: Value = res.json().await.unwrap();
    assert_eq!(m["theme"]["on_accent"], "#000000", "unreadable text colour corrected: {m}");
    let res = app
        .agent_req(&sam, Method::POST, "/v1/admin/agents")
        .json(&json!({"email": "lee@fjordpay.example", "display_name": "Lee", "password": "lee-long-password", "role": "supervisor"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = app.agent_req(&sam, Method::PUT, "/v1/admin/agents/lee@fjordpay.example/role").json(&json!({"role": "root"})).send().await.unwrap();
    assert_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_role").await;
    let res = app.agent_req(&sam, Method::PUT, "/v1/admin/agents/kim@fjordpay.example/role").json(&json!({"role": "supervisor"})).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let me: Value = app.agent_req(&kim, Method::GET, "/v1/agent/me").send().await.unwrap().json().await.unwrap();
    assert_eq!(me["role"], "supervisor");
    let res = app.agent_req(&sam, Method::POST, "/v1/admin/agents/sam@fjordpay.example/disable").send().await.unwrap();
    assert_error(res, StatusCode::CONFLICT, "own_account").await;
}

#[tokio::test]
async fn a_disabled_agent_is_out_at_once_and_their_conversation_goes_back_to_the_queue() {
    let app = spawn_app().await;
    let sam = app.agent_login(0).await;
    let kim = app.agent_online(1).await;
    let token = app.anonymous_session().await;
    let conv = app.conversation(&token).await;
    app.handoff(&token, &conv).await;
    let claim = app.agent_req(&kim, Method::POST, &format!("/v1/agent/conversations/{conv}/claim")).send().await.unwrap();
    assert_eq!(claim.status(), StatusCode::OK);
    let stream = app.agent_req(&kim, Method::GET, "/v1/agent/events").send().await.unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    // The admins' list shows her languages, state and load (the console's agents page reads it).
    let agents: Value = app.agent_req(&sam, Method::GET, "/v1/admin/agents").send().await.unwrap().json().await.unwrap();
    let listed = agents.as_array().unwrap().iter().find(|a| a["email"] == "kim@fjordpay.example").unwrap().clone();
    assert_eq!((&listed["languages"], &listed["online"], &listed["load"], &listed["disabled"]), (&json!(["en", "de"]), &json!(true), &json!(1), &json!(false)), "{listed}");

    let res = app.agent_req(&sam, Method::POST, "/v1/admin/agents/kim@fjordpay.example/disable").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert!(ends_within(stream, Duration::from_secs(2)).await, "the disabled agent's console stream stayed open");
    let res = app.agent_req(&kim, Method::GET, "/v1/agent/me").send().await.unwrap();
    assert_error(res, StatusCode::UNAUTHORIZED, "invalid_agent_session").await;
    let (email, _, password, _) = tandem_server::demo::DEMO_AGENTS[1];
    let login = app.client.post(app.url("/v1/agent/login")).json(&json!({"email": email, "password": password})).send().await.unwrap();
    assert_error(login, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    let c = app.get_conversation(&token, &conv).await;
    assert_ne!(c["state"]["status"], "with_agent", "the conversation left the disabled agent: {c}");

    let agents: Value = app.agent_req(&sam, Method::GET, "/v1/admin/agents").send().await.unwrap().json().await.unwrap();
    let listed = agents.as_array().unwrap().iter().find(|a| a["email"] == "kim@fjordpay.example").unwrap().clone();
    assert_eq!((&listed["online"], &listed["load"], &listed["disabled"]), (&json!(false), &json!(0), &json!(true)), "{listed}");

    let res = app.agent_req(&sam, Method::POST, "/v1/admin/agents/kim@fjordpay.example/enable").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let login = app.client.post(app.url("/v1/agent/login")).json(&json!({"email": email, "password": password})).send().await.unwrap();
    assert_eq!(login.status(), StatusCode::OK);
}

#[tokio::test]
async fn disabling_with_the_command_ends_the_console_of_a_running_server() {
    let app = spawn_app().await;
    let kim = app.agent_online(1).await;
    let stream = app.agent_req(&kim, Method::GET, "/v1/agent/events").send().await.unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    let (ok, out, err) = command(&app, &["agent", "disable", "kim@fjordpay.example"]);
    assert!(ok, "{out} {err}");
    assert!(ends_within(stream, Duration::from_secs(3)).await, "the console stream stayed open after `agent disable`");
    let (ok, out, _) = command(&app, &["agent", "list"]);
    assert!(ok && out.lines().any(|l| l.starts_with("kim@fjordpay.example") && l.contains("disabled")), "{out}");
    let (ok, out, err) = command(&app, &["agent", "add", "--email", "ola@fjordpay.example", "--name", "Ola", "--role", "supervisor"]);
    assert!(ok && out.contains("supervisor"), "{out} {err}");
    let login = app.client.post(app.url("/v1/agent/login")).json(&json!({"email": "ola@fjordpay.example", "password": "a-long-enough-password"})).send().await.unwrap();
    assert_eq!(login.json::<Value>().await.unwrap()["role"], "supervisor");
}

#[tokio::test]
async fn erasing_a_shopper_leaves_no_row_about_them_in_any_table() {
    let app = spawn_app().await;
    let token = app.identified_session().await; // the demo shopper "alex", with an account
    let conv = app.conversation(&token).await;
    app.send(&token, &conv, "c-1", "my parcel zebra-quartz never arrived").await;
    app.wait_for_messages(&token, &conv, 2).await;
    app.handoff(&token, &conv).await; // nobody online: awaiting a reply
    let res = app.client.post(app.url(&format!("/v1/conversations/{conv}/contact"))).bearer_auth(&token).json(&json!({"email": "alex.erase@example.org"})).send().await.unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    let other = app.anonymous_session().await; // someone else, who must stay
    let other_conv = app.conversation(&other).await;
    app.send(&other, &other_conv, "c-1", "what is the late fee?").await;

    let sam = app.agent_login(0).await;
    let export: Value = app.agent_req(&sam, Method::GET, "/v1/admin/shoppers/alex").send().await.unwrap().json().await.unwrap();
    let text = export.to_string();
    assert!(text.contains("zebra-quartz") && text.contains("alex.erase@example.org") && text.contains("Alex Morgan"), "{export}");
    assert!(!text.contains(&token), "the export never holds a session token");

    let res = app.agent_req(&sam, Method::DELETE, "/v1/admin/shoppers/alex").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let tables = app.state.store.dump_all_tables().await.unwrap();
    assert!(tables.len() >= 10, "every table is checked: {:?}", tables.iter().map(|t| &t.0).collect::<Vec<_>>());
    for (table, rows) in &tables {
        for row in rows {
            for needle in ["alex", "Alex Morgan", "zebra-quartz", "alex.erase@example.org", &conv] {
                assert!(!row.contains(needle), "{table} still holds '{needle}': {row}");
            }
        }
    }
    assert!(tables.iter().any(|(t, rows)| t == "events" && rows.iter().any(|r| r.contains("late fee"))), "other shoppers' data stays");
    let res = app.client.get(app.url(&format!("/v1/conversations/{conv}"))).bearer_auth(&token).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "the erased shopper's session ended");
}

#[tokio::test]
async fn retention_deletes_old_conversations_and_contact_details() {
    use tandem_server::admin::retention::sweep;
    let app = spawn_app().await;
    let token = app.anonymous_session().await;
    let conv = app.conversation(&token).await;
    app.send(&token, &conv, "c-1", "hello").await;
    app.wait_for_messages(&token, &conv, 2).await;
    app.handoff(&token, &conv).await;
    let res = app.client.post(app.url(&format!("/v1/conversations/{conv}/contact"))).bearer_auth(&token).json(&json!({"email": "keep.short@example.org"})).send().await.unwrap();
    assert!(res.status().is_success());
    let now = tandem_server::store::now_ms();
    let day = 86_400_000;
    // Today nothing is old enough.
    let swept = sweep(&app.state.store, 30, 7, now).await.unwrap();
    assert_eq!((swept.conversations, swept.contacts), (0, 0));
    // Eight days on, the address goes; the conversation stays.
    let swept = sweep(&app.state.store, 30, 7, now + 8 * day).await.unwrap();
    assert_eq!((swept.conversations, swept.contacts), (0, 1));
    assert!(app.get_conversation(&token, &conv).await["messages"].as_array().unwrap().len() >= 2);
    // Thirty-one days on, the conversation and its events go (and the long-expired sessions).
    let swept = sweep(&app.state.store, 30, 7, now + 31 * day).await.unwrap();
    assert!(swept.conversations >= 1, "{swept:?}");
    let tables = app.state.store.dump_all_tables().await.unwrap();
    for (table, rows) in tables {
        assert!(rows.iter().all(|r| !r.contains(&conv)), "{table} still holds the conversation");
    }
    // 0 keeps everything.
    let token = app.anonymous_session().await;
    app.conversation(&token).await;
    let kept = sweep(&app.state.store, 0, 0, now + 999 * day).await.unwrap();
    assert_eq!((kept.conversations, kept.contacts), (0, 0));
}

#[tokio::test]
async fn starting_without_demo_removes_what_the_demo_seeded() {
    let app = spawn_app().await;
    let token = app.anonymous_session().await;
    let conv = app.conversation(&token).await;
    app.send(&token, &conv, "c-1", "hello").await;
    // The operator adds a real merchant and agent to the same database.
    let (ok, _, err) = command(&app, &["merchant", "add", "--id", "realshop", "--name", "Real Shop", "--origin", "https://real.example"]);
    assert!(ok, "{err}");
    let (ok, _, err) = command(&app, &["agent", "add", "--email", "real@provider.example", "--name", "Real", "--role", "admin"]);
    assert!(ok, "{err}");

    assert!(!app.state.store.canned_replies("", None).await.unwrap().is_empty(), "the demo seeds team canned replies");
    let mut config = (*app.state.config).clone();
    config.demo = false;
    config.identity_secret = "a-production-secret-of-at-least-32-bytes".into();
    config.identity_issuer = Some("https://provider.example".into());
    let state = tandem_server::AppState::new(config, app.state.assistant.clone(), "http://localhost:1".into()).await.expect("production start");
    let merchants: Vec<String> = state.store.merchants().await.unwrap().into_iter().map(|m| m.id).collect();
    assert_eq!(merchants, vec!["realshop"]);
    let agents: Vec<String> = state.store.agent_listing().await.unwrap().into_iter().map(|a| a.email).collect();
    assert_eq!(agents, vec!["real@provider.example"], "demo agents (published passwords) are gone");
    assert!(state.store.account("alex").await.unwrap().is_none(), "the demo shopper's account is gone");
    assert!(state.store.conversation(&conv).await.unwrap().is_none(), "demo merchants' conversations are gone");
    assert!(state.store.canned_replies("", None).await.unwrap().is_empty(), "the demo's team canned replies are gone");
}

#[tokio::test]
async fn demo_mode_refuses_to_listen_beyond_this_machine() {
    let app = spawn_app_with(|_| {}).await;
    let (ok, _, err) = command(&app, &["--demo", "--bind", "0.0.0.0:0"]);
    assert!(!ok, "demo mode started on 0.0.0.0");
    assert!(err.contains("loopback"), "{err}");
}
