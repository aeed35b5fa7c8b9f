//! History: who may read which conversations, search by words, order and shopper, pages, and the
//! whole record of one conversation.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_error, spawn_app, Agent, TestApp};

/// A conversation of `token` with one shopper message, handed to a person and claimed by `agent`.
async fn handled(app: &TestApp, token: &str, text: &str, agent: &Agent) -> String {
    let conv = app.conversation(token).await;
    app.send(token, &conv, "c-1", text).await;
    app.wait_for_messages(token, &conv, 2).await;
    app.handoff(token, &conv).await;
    let res = app.agent_req(agent, Method::POST, &format!("/v1/agent/conversations/{conv}/claim")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    conv
}

async fn search(app: &TestApp, agent: &Agent, query: &str) -> Value {
    let res = app.agent_req(agent, Method::GET, &format!("/v1/agent/history{query}")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{query}");
    res.json().await.unwrap()
}

fn ids(page: &Value) -> Vec<String> {
    page["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn an_agent_reads_only_what_they_took_part_in_and_a_supervisor_reads_everything() {
    let app = spawn_app().await;
    let (sam, kim) = (app.agent_online(0).await, app.agent_online(1).await);
    let alex = app.identified_session().await;
    let kims = handled(&app, &alex, "When is my next payment?", &kim).await;
    app.agent_req(&kim, Method::POST, &format!("/v1/agent/conversations/{kims}/messages"))
        .json(&json!({"client_id": "a-1", "text": "I have asked the store to check."}))
        .send()
        .await
        .unwrap();
    let res = app.agent_req(&kim, Method::POST, &format!("/v1/agent/conversations/{kims}/notes")).json(&json!({"text": "Store contacted by phone"})).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    app.agent_req(&kim, Method::POST, &format!("/v1/agent/conversations/{kims}/resolve")).send().await.unwrap();
    let res = app.client.post(app.url(&format!("/v1/conversations/{kims}/rating"))).bearer_auth(&alex).json(&json!({"score": 4, "comment": "Quick"})).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let anon = app.anonymous_session().await;
    let sams = handled(&app, &anon, "Someone used my card", &sam).await;

    // Kim: only her own, in the list and by id.
    assert_eq!(ids(&search(&app, &kim, "").await), [kims.clone()]);
    let res = app.agent_req(&kim, Method::GET, &format!("/v1/agent/history/{sams}")).send().await.unwrap();
    let err = assert_error(res, StatusCode::FORBIDDEN, "forbidden").await;
    assert!(err["error"]["message"].as_str().unwrap().contains("supervisor"), "{err}");
    // Sam (admin) and a supervisor: everything, newest first.
    assert_eq!(ids(&search(&app, &sam, "").await), [sams.clone(), kims.clone()]);
    let res = app
        .agent_req(&sam, Method::POST, "/v1/admin/agents")
        .json(&json!({"email": "lee@fjordpay.example", "display_name": "Lee", "password": "lee-long-password", "role": "supervisor"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = app.client.post(app.url("/v1/agent/login")).json(&json!({"email": "lee@fjordpay.example", "password": "lee-long-password"})).send().await.unwrap();
    let lee = Agent { cookie: res.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string() };
    assert_eq!(ids(&search(&app, &lee, "").await).len(), 2);

    // The whole record: transcript, the internal note, rating and the trip to a person.
    let res = app.agent_req(&lee, Method::GET, &format!("/v1/agent/history/{kims}")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let d: Value = res.json().await.unwrap();
    assert_eq!(d["item"]["shopper_name"], "Alex Morgan");
    assert_eq!(d["item"]["status"], "resolved");
    assert_eq!((d["item"]["rating"].as_u64(), d["rating_comment"].as_str()), (Some(4), Some("Quick")));
    assert_eq!(d["item"]["handoff_reasons"], json!(["requested"]));
    let texts: Vec<&str> = d["messages"].as_array().unwrap().iter().map(|m| m["text"].as_str().unwrap()).collect();
    assert!(texts.contains(&"When is my next payment?") && texts.contains(&"I have asked the store to check."), "{texts:?}");
    assert_eq!(d["notes"][0]["text"], "Store contacted by phone");
    assert_eq!((d["notes"][0]["kind"].as_str(), d["notes"][0]["author_name"].as_str()), (Some("note"), Some("Kim")));
    let h = &d["handoffs"][0];
    assert_eq!((h["reason"].as_str(), h["agent_name"].as_str()), (Some("requested"), Some("Kim")));
    assert!(h["claimed_at"].is_string() && h["resolved_at"].is_string(), "{h}");
    let res = app.agent_req(&sam, Method::GET, "/v1/agent/history/nope").send().await.unwrap();
    assert_error(res, StatusCode::NOT_FOUND, "unknown_conversation").await;
    let res = app.client.get(app.url("/v1/agent/history")).send().await.unwrap();
    assert_error(res, StatusCode::UNAUTHORIZED, "invalid_agent_session").await;
}

#[tokio::test]
async fn history_finds_conversations_by_words_order_and_shopper_a_page_at_a_time() {
    let app = spawn_app().await;
    let sam = app.agent_online(0).await;
    let alex = app.identified_session().await;
    let parcel = handled(&app, &alex, "My PARCEL never arrived", &sam).await;
    let anon = app.anonymous_session().await;
    let order = app.conversation(&anon).await;
    app.send(&anon, &order, "c-1", "What about order fp-1003?").await;
    let code = app.conversation(&anon).await;
    app.send(&anon, &code, "c-1", "My discount code 50_OFF failed").await;
    app.wait_for_messages(&anon, &code, 2).await;

    // Words: case-insensitive, anywhere in a message; % and _ are literal; JSON field names never match.
    assert_eq!(ids(&search(&app, &sam, "?q=parcel").await), [parcel.clone()]);
    assert_eq!(ids(&search(&app, &sam, "?q=Never%20ARRIVED").await), [parcel.clone()]);
    assert_eq!(ids(&search(&app, &sam, "?q=0_o").await), [code.clone()]);
    assert!(ids(&search(&app, &sam, "?q=5__").await).is_empty());
    assert!(ids(&search(&app, &sam, "?q=%25").await).is_empty());
    assert!(ids(&search(&app, &sam, "?q=author").await).is_empty());
    // Orders: mentioned in a message, or one of the identified shopper's orders.
    assert_eq!(ids(&search(&app, &sam, "?order=FP-1003").await), [order.clone(), parcel.clone()]);
    assert_eq!(ids(&search(&app, &sam, "?order=FP-1001").await), [parcel.clone()]);
    assert!(ids(&search(&app, &sam, "?order=FP-4242").await).is_empty());
    // The shopper, and every condition together.
    assert_eq!(ids(&search(&app, &sam, "?shopper=alex").await), [parcel.clone()]);
    assert!(ids(&search(&app, &sam, "?shopper=alex&q=discount").await).is_empty());
    let page = search(&app, &sam, "?shopper=alex&q=parcel&order=FP-1002").await;
    assert_eq!(ids(&page), [parcel.clone()]);
    assert_eq!(page["items"][0]["shopper_name"], "Alex Morgan");
    assert_eq!(page["items"][0]["preview"], "My PARCEL never arrived");

    // Pages: newest first, no repeats, the last without a cursor.
    let first = search(&app, &sam, "?limit=2").await;
    assert_eq!(ids(&first), [code.clone(), order.clone()]);
    let cursor = first["next_cursor"].as_str().unwrap().to_string();
    let second = search(&app, &sam, &format!("?limit=2&cursor={cursor}")).await;
    assert_eq!(ids(&second), [parcel.clone()]);
    assert!(second["next_cursor"].is_null());
    let res = app.agent_req(&sam, Method::GET, "/v1/agent/history?cursor=garbage").send().await.unwrap();
    assert_error(res, StatusCode::BAD_REQUEST, "invalid_cursor").await;
    let res = app.agent_req(&sam, Method::GET, "/v1/agent/history?limit=0").send().await.unwrap();
    assert_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_limit").await;
    let long = "x".repeat(201);
    let res = app.agent_req(&sam, Method::GET, &format!("/v1/agent/history?q={long}")).send().await.unwrap();
    assert_error(res, StatusCode::UNPROCESSABLE_ENTITY, "term_too_long").await;
}
