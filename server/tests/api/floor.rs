//! The supervisor's floor and the content gaps: the role check on every route, a constructed day's
//! figures, labelling and its validation, the export in the pack's training format, and gaps
//! leaving with their conversations (erasure, retention).

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_error, spawn_app, Agent, TestApp};

/// A question the demo pack's assistant does not understand.
const NONSENSE: &str = "flurbo wibble quantum giraffe sprocket";

async fn get_json(app: &TestApp, agent: &Agent, path: &str) -> Value {
    let res = app.agent_req(agent, Method::GET, path).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    res.json().await.unwrap()
}

/// Waits (up to 5 s) until `n` content gaps are listed, and returns the list.
async fn gaps_reach(app: &TestApp, agent: &Agent, n: u64) -> Value {
    for _ in 0..100 {
        let list = get_json(app, agent, "/v1/agent/gaps").await;
        if list["total"].as_u64() == Some(n) {
            return list;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("never {n} gaps: {}", get_json(app, agent, "/v1/agent/gaps").await);
}

fn bar(bars: &Value, label: &str) -> u64 {
    bars.as_array().unwrap().iter().find(|b| b["label"] == label).unwrap_or_else(|| panic!("no bar {label} in {bars}"))["count"].as_u64().unwrap()
}

fn total(bars: &Value) -> u64 {
    bars.as_array().unwrap().iter().map(|b| b["count"].as_u64().unwrap()).sum()
}

#[tokio::test]
async fn an_agent_is_refused_every_floor_and_gap_route() {
    let app = spawn_app().await;
    let kim = app.agent_login(1).await;
    for (method, path) in [
        (Method::GET, "/v1/agent/floor"),
        (Method::GET, "/v1/agent/floor?day=2026-01-01"),
        (Method::GET, "/v1/agent/gaps"),
        (Method::GET, "/v1/agent/gaps/export"),
    ] {
        let res = app.agent_req(&kim, method, path).send().await.unwrap();
        assert_error(res, StatusCode::FORBIDDEN, "forbidden").await;
    }
    let res = app.agent_req(&kim, Method::PUT, "/v1/agent/gaps/any").json(&json!({"topic": "refund_status"})).send().await.unwrap();
    assert_error(res, StatusCode::FORBIDDEN, "forbidden").await;
    // Without a session at all: 401.
    let res = app.client.get(app.url("/v1/agent/floor")).send().await.unwrap();
    assert_error(res, StatusCode::UNAUTHORIZED, "invalid_agent_session").await;
}

#[tokio::test]
async fn the_floor_counts_a_constructed_day_and_the_gaps_label_and_export() {
    let app = spawn_app().await;
    let sam = app.agent_online(0).await;

    // 1. Answered by the assistant alone.
    let a = app.anonymous_session().await;
    let conv_a = app.conversation(&a).await;
    app.send(&a, &conv_a, "a-1", "when is my next payment due?").await;
    let c = app.wait_for_messages(&a, &conv_a, 2).await;
    assert_ne!(c["messages"][1]["meta"]["topic"], "unknown", "the assistant understands this one: {c}");

    // 2. A question it does not understand, then a person: claimed, resolved, rated 4.
    let b = app.anonymous_session().await;
    let conv_b = app.conversation(&b).await;
    app.send(&b, &conv_b, "b-1", NONSENSE).await;
    let c = app.wait_for_messages(&b, &conv_b, 2).await;
    assert_eq!(c["messages"][1]["meta"]["topic"], "unknown", "{c}");
    app.handoff(&b, &conv_b).await;
    let res = app.agent_req(&sam, Method::POST, &format!("/v1/agent/conversations/{conv_b}/claim")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = app.agent_req(&sam, Method::POST, &format!("/v1/agent/conversations/{conv_b}/resolve")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = app.client.post(app.url(&format!("/v1/conversations/{conv_b}/rating"))).bearer_auth(&b).json(&json!({"score": 4})).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);

    // 3. Waiting in the queue, no message written (not a conversation of the day's figures).
    let q = app.anonymous_session().await;
    let conv_q = app.conversation(&q).await;
    app.handoff(&q, &conv_q).await;

    gaps_reach(&app, &sam, 1).await;
    let floor = get_json(&app, &sam, "/v1/agent/floor").await;
    let agents = floor["agents"].as_array().unwrap();
    assert_eq!(agents.len(), 1, "only Sam is online: {floor}");
    assert_eq!(agents[0]["display_name"], "Sam");
    assert_eq!(agents[0]["role"], "admin");
    assert_eq!((agents[0]["active"].as_u64(), agents[0]["capacity"].as_u64()), (Some(0), Some(3)));
    assert!(agents[0]["languages"].is_array());
    let states = &floor["states"];
    assert_eq!((states["queued"].as_u64(), states["with_agent"].as_u64(), states["resolved_today"].as_u64()), (Some(1), Some(0), Some(1)), "{floor}");
    assert_eq!(states["assistant"], 1, "conversation A is live with the assistant: {floor}");
    assert_eq!(floor["longest_wait"]["conversation_id"], conv_q.as_str());
    assert!(floor["longest_wait"]["wait_secs"].as_u64().unwrap() < 60);

    let day = &floor["day"];
    assert_eq!(day["day"], chrono::Utc::now().date_naive().to_string());
    assert_eq!((day["conversations"].as_u64(), day["by_assistant"].as_u64(), day["by_person"].as_u64()), (Some(2), Some(1), Some(1)), "{day}");
    assert_eq!(bar(&day["handoffs_by_reason"], "requested"), 2, "{day}");
    assert_eq!(total(&day["handoffs_by_reason"]), 2);
    assert_eq!((bar(&day["wait_times"], "< 1 min"), total(&day["wait_times"])), (1, 1), "the claimed one: {day}");
    assert_eq!((bar(&day["handling_times"], "< 1 min"), total(&day["handling_times"])), (1, 1), "{day}");
    assert_eq!((bar(&day["ratings"], "4"), total(&day["ratings"])), (1, 1), "{day}");
    assert_eq!(day["rating_average"].as_f64(), Some(4.0));
    assert_eq!((day["assistant_replies"].as_u64(), day["not_understood"].as_u64()), (Some(2), Some(1)), "{day}");
    assert_eq!(day["not_understood_share"].as_f64(), Some(0.5));

    // Another day: nothing; a malformed or future day: a clear 422.
    let yesterday = (chrono::Utc::now().date_naive() - chrono::Days::new(1)).to_string();
    let other = get_json(&app, &sam, &format!("/v1/agent/floor?day={yesterday}")).await;
    assert_eq!((other["day"]["conversations"].as_u64(), other["day"]["assistant_replies"].as_u64()), (Some(0), Some(0)), "{other}");
    assert_eq!(other["states"]["queued"], 1, "the live part is always now");
    for bad in ["2026-13-01", "yesterday", "2999-01-01"] {
        let res = app.agent_req(&sam, Method::GET, &format!("/v1/agent/floor?day={bad}")).send().await.unwrap();
        let body = assert_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_day").await;
        assert_eq!(body["error"]["field"], "day");
    }

    // The gap: the question, its place and language; the pack's topics to choose from.
    let list = get_json(&app, &sam, "/v1/agent/gaps").await;
    assert_eq!((list["total"].as_u64(), list["unlabelled"].as_u64()), (Some(1), Some(1)));
    let gap = &list["gaps"][0];
    assert_eq!((gap["text"].as_str(), gap["conversation_id"].as_str(), gap["seq"].as_u64()), (Some(NONSENSE), Some(conv_b.as_str()), Some(1)), "{gap}");
    assert_eq!(gap["locale"], "en");
    assert!(gap["label"].is_null());
    let topics: Vec<&str> = list["topics"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
    assert!(topics.contains(&"refund_status") && topics.contains(&"greeting") && topics.contains(&"unknown"), "{topics:?}");
    let id = gap["id"].as_str().unwrap();

    // Labelling: only a topic of the pack, only an existing gap.
    let label = |id: &str, body: Value| app.agent_req(&sam, Method::PUT, &format!("/v1/agent/gaps/{id}")).json(&body).send();
    let body = assert_error(label(id, json!({"topic": "weather"})).await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY, "unknown_topic").await;
    assert!(body["error"]["message"].as_str().unwrap().contains("refund_status"), "the message lists the topics: {body}");
    assert_error(label(id, json!({})).await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY, "invalid_body").await;
    assert_error(label("no-such-gap", json!({"topic": "refund_status"})).await.unwrap(), StatusCode::NOT_FOUND, "unknown_gap").await;
    // Before any label, the export has nothing to offer.
    let text = app.agent_req(&sam, Method::GET, "/v1/agent/gaps/export").send().await.unwrap().text().await.unwrap();
    assert!(!text.contains(NONSENSE), "{text}");
    assert_eq!(label(id, json!({"topic": "refund_status"})).await.unwrap().status(), StatusCode::NO_CONTENT);
    let list = get_json(&app, &sam, "/v1/agent/gaps").await;
    assert_eq!((list["total"].as_u64(), list["unlabelled"].as_u64()), (Some(1), Some(0)));
    assert_eq!((list["gaps"][0]["label"].as_str(), list["gaps"][0]["labelled_by"].as_str()), (Some("refund_status"), Some("Sam")));
    assert!(list["gaps"][0]["labelled_at"].is_string());

    // The export: the pack's training format, as a file.
    let res = app.agent_req(&sam, Method::GET, "/v1/agent/gaps/export").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    let disposition = res.headers()["content-disposition"].to_str().unwrap().to_string();
    assert!(disposition.starts_with("attachment") && disposition.contains("filename=\"tandem-gaps-training.txt\""), "{disposition}");
    let text = res.text().await.unwrap();
    assert!(text.contains(&format!("# --- en: packs/fjordpay/en/training.txt ---\n[refund_status]\n{NONSENSE}\n")), "{text}");
    let sv = app.agent_req(&sam, Method::GET, "/v1/agent/gaps/export?locale=sv").send().await.unwrap().text().await.unwrap();
    assert!(!sv.contains(NONSENSE), "only Swedish phrases: {sv}");
    let res = app.agent_req(&sam, Method::GET, "/v1/agent/gaps/export?locale=xx").send().await.unwrap();
    assert_error(res, StatusCode::UNPROCESSABLE_ENTITY, "unknown_locale").await;
    let res = app.agent_req(&sam, Method::GET, "/v1/agent/gaps?limit=1000").send().await.unwrap();
    assert_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_query").await;
}

#[tokio::test]
async fn gaps_leave_with_their_shopper_and_with_retention() {
    use tandem_server::admin::retention::sweep;
    let app = spawn_app().await;
    let sam = app.agent_login(0).await;
    // The demo shopper "alex" asks something the assistant does not understand.
    let alex = app.identified_session().await;
    let conv = app.conversation(&alex).await;
    app.send(&alex, &conv, "c-1", NONSENSE).await;
    app.wait_for_messages(&alex, &conv, 2).await;
    gaps_reach(&app, &sam, 1).await;
    let res = app.agent_req(&sam, Method::DELETE, "/v1/admin/shoppers/alex").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let removed: Value = res.json().await.unwrap();
    assert!(removed.to_string().contains("content_gaps"), "{removed}");
    gaps_reach(&app, &sam, 0).await;

    // Someone else's gap goes with their conversation when retention deletes it.
    let other = app.anonymous_session().await;
    let conv = app.conversation(&other).await;
    app.send(&other, &conv, "c-1", NONSENSE).await;
    app.wait_for_messages(&other, &conv, 2).await;
    gaps_reach(&app, &sam, 1).await;
    let later = tandem_server::store::now_ms() + 31 * 86_400_000;
    let swept = sweep(&app.state.store, 30, 0, later).await.unwrap();
    assert!(swept.conversations >= 1, "{swept:?}");
    let sam = app.agent_login(0).await; // a month on, the console session has expired too
    gaps_reach(&app, &sam, 0).await;
    let tables = app.state.store.dump_all_tables().await.unwrap();
    assert!(tables.iter().all(|(_, rows)| rows.iter().all(|r| !r.contains(NONSENSE))), "no trace of the question is left");
}
