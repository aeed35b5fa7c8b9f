//! The agent desk's tools: internal notes, transfers, language routing, replies while waiting,
//! and the assistant's drafts.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::*;

/// A shopper session in `locale`, with a conversation handed to a person; (token, conversation).
async fn waiting_shopper(app: &TestApp, locale: &str) -> (String, String) {
    let res = app.client.post(app.url("/v1/sessions")).json(&json!({"merchant_id": "nordic-outdoor", "locale": locale})).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let token = res.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_string();
    let id = app.conversation(&token).await;
    app.handoff(&token, &id).await;
    (token, id)
}

async fn agent_json(app: &TestApp, agent: &Agent, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    let mut req = app.agent_req(agent, method, path);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let text = res.text().await.unwrap();
    (status, if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap() })
}

async fn claim(app: &TestApp, agent: &Agent, id: &str) -> (StatusCode, Value) {
    agent_json(app, agent, Method::POST, &format!("/v1/agent/conversations/{id}/claim"), None).await
}

#[tokio::test]
async fn notes_reach_agents_and_never_the_shopper() {
    let app = spawn_app().await;
    let sam = app.agent_online(0).await;
    let kim = app.agent_online(1).await;
    let (token, id) = waiting_shopper(&app, "en").await;
    let mut shopper_stream = SseReader::new(app.stream(&token, &id, None).await);
    // Kim notes something on the waiting conversation; Sam, who takes it, sees the note.
    let secret = "Shopper called earlier about order NO-1042; supervisor approved a fee waiver";
    let (status, note) = agent_json(&app, &kim, Method::POST, &format!("/v1/agent/conversations/{id}/notes"), Some(json!({"text": secret}))).await;
    assert_eq!(status, StatusCode::CREATED, "{note}");
    assert_eq!(note["author_name"], "Kim");
    assert_eq!(note["kind"], "note");
    let (status, view) = claim(&app, &sam, &id).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(view["notes"][0]["text"], secret);
    // Kim may not write on a conversation Sam holds.
    let (status, _) = agent_json(&app, &kim, Method::POST, &format!("/v1/agent/conversations/{id}/notes"), Some(json!({"text": "x"}))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // An empty note is refused with a reason.
    let res = app.agent_req(&sam, Method::POST, &format!("/v1/agent/conversations/{id}/notes")).json(&json!({"text": "  "})).send().await.unwrap();
    assert_error(res, StatusCode::UNPROCESSABLE_ENTITY, "empty_text").await;
    // An agent reply after the note reaches the shopper; the note never does.
    let res = app.agent_req(&sam, Method::POST, &format!("/v1/agent/conversations/{id}/messages")).json(&json!({"client_id": "r1", "text": "Hi, Sam here."})).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    loop {
        let e = shopper_stream.next().await;
        assert!(!e.data.to_string().contains("fee waiver"), "a note reached the shopper's stream: {e:?}");
        if e.data.to_string().contains("Sam here") {
            break;
        }
    }
    let seen = app.get_conversation(&token, &id).await.to_string();
    assert!(seen.contains("Sam here") && !seen.contains("fee waiver") && !seen.contains("NO-1042"), "{seen}");
    let latest = app.client.get(app.url("/v1/conversations/latest")).bearer_auth(&token).send().await.unwrap().text().await.unwrap();
    assert!(!latest.contains("fee waiver"));
}

#[tokio::test]
async fn a_transfer_passes_the_conversation_with_its_reason() {
    let app = spawn_app().await;
    let sam = app.agent_online(0).await;
    let kim = app.agent_online(1).await;
    let (token, id) = waiting_shopper(&app, "en").await;
    assert_eq!(claim(&app, &sam, &id).await.0, StatusCode::OK);
    // Colleagues: Kim, online, with languages and load.
    let (_, colleagues) = agent_json(&app, &sam, Method::GET, "/v1/agent/colleagues", None).await;
    let kim_row = colleagues.as_array().unwrap().iter().find(|c| c["display_name"] == "Kim").expect("Kim listed").clone();
    assert_eq!(kim_row["languages"], json!(["en", "de"]));
    let kim_id = kim_row["id"].as_str().unwrap().to_string();
    // A note is required.
    let res = app.agent_req(&sam, Method::POST, &format!("/v1/agent/conversations/{id}/transfer")).json(&json!({"to_agent_id": kim_id, "note": ""})).send().await.unwrap();
    assert_error(res, StatusCode::UNPROCESSABLE_ENTITY, "note_required").await;
    let why = "Needs a German speaker for the paperwork";
    let (status, state) =
        agent_json(&app, &sam, Method::POST, &format!("/v1/agent/conversations/{id}/transfer"), Some(json!({"to_agent_id": kim_id, "note": why}))).await;
    assert_eq!(status, StatusCode::OK, "{state}");
    assert_eq!(state["status"], "with_agent");
    assert_eq!(state["agent_name"], "Kim");
    // Kim holds it now and sees why; Sam no longer may write to it.
    let (_, mine) = agent_json(&app, &kim, Method::GET, "/v1/agent/conversations", None).await;
    assert!(mine.as_array().unwrap().iter().any(|c| c["conversation_id"] == id.as_str()));
    let (status, view) = agent_json(&app, &kim, Method::GET, &format!("/v1/agent/conversations/{id}"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(view["assigned_to_me"].as_bool().unwrap());
    let note = &view["notes"][0];
    assert_eq!(note["kind"], "transfer");
    assert!(note["text"].as_str().unwrap().contains(why), "{note}");
    let res = app.agent_req(&sam, Method::POST, &format!("/v1/agent/conversations/{id}/messages")).json(&json!({"client_id": "s1", "text": "still me?"})).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // The shopper is told who continues, never why.
    let c = app.wait_for_messages(&token, &id, 1).await;
    let text = c.to_string();
    assert!(text.contains("Sam passed your conversation to Kim"), "{text}");
    assert!(!text.contains(why));
    // Kim passes it back to the queue: it goes to the front, and Kim's note is kept.
    let (status, state) =
        agent_json(&app, &kim, Method::POST, &format!("/v1/agent/conversations/{id}/transfer"), Some(json!({"note": "Wrong team, sorry"}))).await;
    assert_eq!(status, StatusCode::OK, "{state}");
    assert_eq!(state["status"], "queued");
    assert_eq!(state["position"], 1);
    let (_, queue) = agent_json(&app, &sam, Method::GET, "/v1/agent/queue", None).await;
    assert_eq!(queue["items"][0]["conversation_id"], id.as_str());
    let (_, view) = agent_json(&app, &sam, Method::GET, &format!("/v1/agent/conversations/{id}"), None).await;
    assert_eq!(view["notes"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_transfer_to_an_offline_or_full_colleague_is_refused() {
    let app = spawn_app().await;
    let sam = app.agent_online(0).await;
    let kim = app.agent_login(1).await;
    let (_, id) = waiting_shopper(&app, "en").await;
    assert_eq!(claim(&app, &sam, &id).await.0, StatusCode::OK);
    let (_, me) = agent_json(&app, &kim, Method::GET, "/v1/agent/me", None).await;
    let kim_id = me["id"].as_str().unwrap().to_string();
    let res = app.agent_req(&sam, Method::POST, &format!("/v1/agent/conversations/{id}/transfer")).json(&json!({"to_agent_id": kim_id, "note": "over to you"})).send().await.unwrap();
    assert_error(res, StatusCode::CONFLICT, "colleague_offline").await;
    // Online but at capacity 1 with a conversation of their own.
    let res = app.agent_req(&kim, Method::PUT, "/v1/agent/presence").json(&json!({"online": true, "capacity": 1})).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let (_, other) = waiting_shopper(&app, "en").await;
    assert_eq!(claim(&app, &kim, &other).await.0, StatusCode::OK);
    let res = app.agent_req(&sam, Method::POST, &format!("/v1/agent/conversations/{id}/transfer")).json(&json!({"to_agent_id": kim_id, "note": "over to you"})).send().await.unwrap();
    assert_error(res, StatusCode::CONFLICT, "colleague_full").await;
    // Sam still holds it, and the refused transfers left no note.
    let (_, view) = agent_json(&app, &sam, Method::GET, &format!("/v1/agent/conversations/{id}"), None).await;
    assert!(view["assigned_to_me"].as_bool().unwrap());
    assert_eq!(view["notes"], json!([]));
}

#[tokio::test]
async fn passed_back_with_nobody_else_online_the_shopper_is_told_and_can_leave_an_email() {
    let app = spawn_app().await;
    let sam = app.agent_online(0).await;
    let (token, id) = waiting_shopper(&app, "en").await;
    assert_eq!(claim(&app, &sam, &id).await.0, StatusCode::OK);
    let (status, state) = agent_json(&app, &sam, Method::POST, &format!("/v1/agent/conversations/{id}/transfer"), Some(json!({"note": "end of my shift"}))).await;
    assert_eq!(status, StatusCode::OK, "{state}");
    // Sam is still online but passed it on: nobody else can take it, so no queue that cannot move.
    assert_eq!(state["status"], "awaiting_reply");
    let c = app.wait_for_messages(&token, &id, 1).await;
    assert!(c.to_string().contains("No one from our team is online right now"), "{c}");
}

#[tokio::test]
async fn a_swedish_conversation_goes_first_to_the_swedish_speaker() {
    let app = spawn_app_with(|c| c.language_routing_secs = 2).await;
    let sam = app.agent_online(0).await; // en, sv
    let kim = app.agent_online(1).await; // en, de
    let (token, id) = waiting_shopper(&app, "sv").await;
    // The queue shows Kim that it is reserved; Kim can neither claim it nor get it as "next".
    let (_, queue) = agent_json(&app, &kim, Method::GET, "/v1/agent/queue", None).await;
    assert_eq!(queue["items"][0]["locale"], "sv");
    assert!(queue["items"][0]["reserved_until"].is_string(), "{queue}");
    let res = app.agent_req(&kim, Method::POST, &format!("/v1/agent/conversations/{id}/claim")).send().await.unwrap();
    assert_error(res, StatusCode::CONFLICT, "reserved_for_language").await;
    let res = app.agent_req(&kim, Method::POST, "/v1/agent/next").send().await.unwrap();
    assert_error(res, StatusCode::NOT_FOUND, "queue_empty").await;
    // The shopper's estimate counts the Swedish speaker's free slot.
    let state = app.get_conversation(&token, &id).await["state"].clone();
    assert_eq!(state["status"], "queued");
    assert_eq!(state["estimated_wait_secs"], 30);
    // Sam takes it with "next".
    let (status, view) = agent_json(&app, &sam, Method::POST, "/v1/agent/next", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(view["conversation"]["id"], id.as_str());
    assert_eq!(view["locale"], "sv");
    // After the reservation, anyone may take a Swedish conversation.
    let (_, later) = waiting_shopper(&app, "sv").await;
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    let (_, queue) = agent_json(&app, &kim, Method::GET, "/v1/agent/queue", None).await;
    assert!(queue["items"][0]["reserved_until"].is_null(), "{queue}");
    assert_eq!(claim(&app, &kim, &later).await.0, StatusCode::OK);
}

#[tokio::test]
async fn nobody_speaking_the_language_means_no_reservation() {
    let app = spawn_app().await;
    let kim = app.agent_online(1).await; // en, de
    let (_, id) = waiting_shopper(&app, "ar").await;
    let (_, queue) = agent_json(&app, &kim, Method::GET, "/v1/agent/queue", None).await;
    assert!(queue["items"][0]["reserved_until"].is_null());
    assert_eq!(claim(&app, &kim, &id).await.0, StatusCode::OK);
}

/// The assistant's messages of a conversation as the shopper sees it.
fn assistant_messages(c: &Value) -> Vec<Value> {
    c["messages"].as_array().unwrap().iter().filter(|m| m["author"] == "assistant").cloned().collect()
}

#[tokio::test]
async fn a_queued_shopper_gets_factual_answers_and_keeps_their_place() {
    let app = spawn_app().await;
    let _sam = app.agent_online(0).await;
    let token = app.identified_session().await;
    let first = app.conversation(&token).await;
    assert_eq!(app.handoff(&token, &first).await["position"], 1);
    let (_, behind) = waiting_shopper(&app, "en").await;
    // Small talk and requests for a person are left for the person.
    assert_eq!(app.send(&token, &first, "w1", "hello there").await.status(), StatusCode::CREATED);
    assert_eq!(app.send(&token, &first, "w2", "when is my next payment?").await.status(), StatusCode::CREATED);
    let mut answered = Value::Null;
    for _ in 0..100 {
        let c = app.get_conversation(&token, &first).await;
        if !assistant_messages(&c).is_empty() {
            answered = c;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let replies = assistant_messages(&answered);
    assert_eq!(replies.len(), 1, "exactly one answer (to the question, not the greeting): {answered}");
    let reply = &replies[0];
    assert_eq!(reply["meta"]["while_you_wait"], true);
    assert_eq!(reply["meta"]["topic"], "next_payment");
    // No button asks for a person again.
    assert!(!reply["blocks"].to_string().contains("\"handoff\""), "{reply}");
    // Still queued, still first; the conversation behind is still second.
    assert_eq!(answered["state"]["status"], "queued");
    assert_eq!(answered["state"]["position"], 1);
    let (_, queue) = agent_json(&app, &_sam, Method::GET, "/v1/agent/queue", None).await;
    assert_eq!(queue["items"][0]["conversation_id"], first.as_str());
    assert_eq!(queue["items"][1]["conversation_id"], behind.as_str());
}

#[tokio::test]
async fn an_always_a_person_topic_while_waiting_moves_the_shopper_up_unanswered() {
    let app = spawn_app().await;
    let sam = app.agent_online(0).await;
    let (_, ahead) = waiting_shopper(&app, "en").await;
    let (token, id) = waiting_shopper(&app, "en").await;
    let (_, queue) = agent_json(&app, &sam, Method::GET, "/v1/agent/queue", None).await;
    assert_eq!(queue["items"][0]["conversation_id"], ahead.as_str());
    assert_eq!(app.send(&token, &id, "f1", "someone used my card without permission, this is fraud").await.status(), StatusCode::CREATED);
    let mut moved = false;
    for _ in 0..100 {
        let (_, queue) = agent_json(&app, &sam, Method::GET, "/v1/agent/queue", None).await;
        if queue["items"][0]["conversation_id"] == id.as_str() {
            moved = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(moved, "the fraud report did not move up the queue");
    assert!(assistant_messages(&app.get_conversation(&token, &id).await).is_empty());
}

#[tokio::test]
async fn the_agent_gets_a_draft_with_sources_and_nothing_is_sent() {
    let app = spawn_app().await;
    let sam = app.agent_online(0).await;
    let kim = app.agent_online(1).await;
    let (token, id) = waiting_shopper(&app, "en").await;
    assert_eq!(claim(&app, &sam, &id).await.0, StatusCode::OK);
    // Nothing asked yet: no draft.
    let (status, _) = agent_json(&app, &sam, Method::GET, &format!("/v1/agent/conversations/{id}/draft"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(app.send(&token, &id, "q1", "how much is the late fee?").await.status(), StatusCode::CREATED);
    let (status, draft) = agent_json(&app, &sam, Method::GET, &format!("/v1/agent/conversations/{id}/draft"), None).await;
    assert_eq!(status, StatusCode::OK, "{draft}");
    assert_eq!(draft["topic"], "late_fee");
    assert!(draft["text"].as_str().unwrap().contains("7.00"), "{draft}");
    assert!(draft["sources"].as_array().unwrap().iter().any(|s| s == "kb/late-fee"), "{draft}");
    // Only for the agent holding it.
    let (status, _) = agent_json(&app, &kim, Method::GET, &format!("/v1/agent/conversations/{id}/draft"), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The draft was not sent: the shopper has only their own question.
    let c = app.get_conversation(&token, &id).await;
    assert!(assistant_messages(&c).is_empty(), "{c}");
}

#[tokio::test]
async fn agents_languages_are_set_by_admins_and_checked() {
    let app = spawn_app().await;
    let sam = app.agent_login(0).await; // admin
    let kim = app.agent_login(1).await;
    let (_, me) = agent_json(&app, &kim, Method::GET, "/v1/agent/me", None).await;
    assert_eq!(me["languages"], json!(["en", "de"]));
    let kim_id = me["id"].as_str().unwrap().to_string();
    let res = app.agent_req(&sam, Method::PUT, &format!("/v1/admin/agents/{kim_id}/languages")).json(&json!({"languages": ["de", "SV", "de"]})).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let (_, me) = agent_json(&app, &kim, Method::GET, "/v1/agent/me", None).await;
    assert_eq!(me["languages"], json!(["de", "sv"]));
    let res = app.agent_req(&sam, Method::PUT, &format!("/v1/admin/agents/{kim_id}/languages")).json(&json!({"languages": ["<script>"]})).send().await.unwrap();
    assert_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_language").await;
    // Only admins.
    let res = app.agent_req(&kim, Method::PUT, &format!("/v1/admin/agents/{kim_id}/languages")).json(&json!({"languages": ["en"]})).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}
