//! The human side: agent auth, presence, the queue, claiming, live chat both ways, resolve, rating.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_error, spawn_app, spawn_app_with, SseReader};

#[tokio::test]
async fn agent_endpoints_reject_requests_without_a_valid_session() {
    let app = spawn_app().await;
    for (method, path) in [
        (Method::GET, "/v1/agent/me"),
        (Method::GET, "/v1/agent/queue"),
        (Method::GET, "/v1/agent/events"),
        (Method::GET, "/v1/agent/conversations"),
        (Method::POST, "/v1/agent/next"),
        (Method::PUT, "/v1/agent/presence"),
        (Method::POST, "/v1/agent/conversations/x/claim"),
        (Method::GET, "/v1/agent/conversations/x"),
        (Method::POST, "/v1/agent/conversations/x/messages"),
        (Method::POST, "/v1/agent/conversations/x/resolve"),
    ] {
        let res = app.client.request(method.clone(), app.url(path)).json(&json!({"online": true})).send().await.unwrap();
        assert_error(res, StatusCode::UNAUTHORIZED, "invalid_agent_session").await;
        let res = app.client.request(method, app.url(path)).header("cookie", format!("tandem_agent={}", "0".repeat(64))).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{path} accepted a made-up session");
    }
    let res = app.client.post(app.url("/v1/agent/login")).json(&json!({"email": "sam@fjordpay.example", "password": "wrong password"})).send().await.unwrap();
    assert_error(res, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    // A shopper's bearer token is not an agent session.
    let shopper = app.anonymous_session().await;
    let res = app.client.get(app.url("/v1/agent/queue")).bearer_auth(&shopper).send().await.unwrap();
    assert_error(res, StatusCode::UNAUTHORIZED, "invalid_agent_session").await;
}

#[tokio::test]
async fn a_person_picks_up_with_transcript_summary_and_account_and_chat_flows_both_ways() {
    let app = spawn_app().await;
    let sam = app.agent_online(0).await;
    let token = app.identified_session().await;
    let conv = app.conversation(&token).await;
    app.send(&token, &conv, "c-1", "When is my next payment?").await;
    app.wait_for_messages(&token, &conv, 2).await;
    let state = app.handoff(&token, &conv).await;
    assert_eq!(state["status"], "queued");
    let mut shopper_sse = SseReader::new(app.stream(&token, &conv, Some(&app.get_conversation(&token, &conv).await["last_seq"].to_string())).await);

    let queue: Value = app.agent_req(&sam, Method::GET, "/v1/agent/queue").send().await.unwrap().json().await.unwrap();
    assert_eq!(queue["items"][0]["conversation_id"], conv.as_str());
    assert_eq!(queue["items"][0]["shopper_name"], "Alex Morgan");

    let res = app.agent_req(&sam, Method::POST, &format!("/v1/agent/conversations/{conv}/claim")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let view: Value = res.json().await.unwrap();
    assert_eq!(view["assigned_to_me"], true);
    assert_eq!(view["conversation"]["messages"][0]["text"], "When is my next payment?");
    assert_eq!(view["summary"]["topic"], "next_payment");
    assert!(view["summary"]["facts"][0].as_str().unwrap().contains("€50.00"), "{view}");
    assert_eq!(view["account"]["orders"].as_array().unwrap().len(), 4);
    // The shopper sees the agent join.
    let joined = shopper_sse.next_of("state").await;
    assert_eq!(joined.data["state"], json!({"status": "with_agent", "agent_name": "Sam"}));

    // Agent -> shopper, live.
    let mut agent_sse = SseReader::new(app.agent_req(&sam, Method::GET, "/v1/agent/events").send().await.unwrap());
    let res = app
        .agent_req(&sam, Method::POST, &format!("/v1/agent/conversations/{conv}/messages"))
        .json(&json!({"client_id": "a-1", "text": "Hi Alex, I'm Sam. How can I help?"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let m = shopper_sse.next_of("message").await;
    assert_eq!(m.data["message"]["author"], "agent");
    assert_eq!(m.data["message"]["author_name"], "Sam");

    // Shopper -> agent, live, and the assistant stays quiet while a person holds it.
    app.send(&token, &conv, "c-2", "I lost my job and can't pay this month").await;
    loop {
        let e = agent_sse.next_of("conversation").await;
        if e.data["event"]["type"] == "message" && e.data["event"]["message"]["author"] == "shopper" {
            assert_eq!(e.data["conversation_id"], conv.as_str());
            assert_eq!(e.data["event"]["message"]["text"], "I lost my job and can't pay this month");
            break;
        }
    }
    // Typing both ways.
    app.agent_req(&sam, Method::POST, &format!("/v1/agent/conversations/{conv}/typing")).json(&json!({"active": true})).send().await.unwrap();
    let t = shopper_sse.next_of("typing").await;
    assert_eq!(t.data, json!({"type": "typing", "author": "agent", "active": true}));
    app.client.post(app.url(&format!("/v1/conversations/{conv}/typing"))).bearer_auth(&token).json(&json!({"active": true})).send().await.unwrap();
    loop {
        let e = agent_sse.next_of("conversation").await;
        if e.data["event"]["type"] == "typing" {
            assert_eq!(e.data["event"]["author"], "shopper");
            break;
        }
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let c = app.get_conversation(&token, &conv).await;
    let last = c["messages"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["author"], "shopper", "the assistant answered while a person held the conversation: {last}");

    // Rating before the end is refused; resolve, then rate.
    let rate_url = app.url(&format!("/v1/conversations/{conv}/rating"));
    let res = app.client.post(&rate_url).bearer_auth(&token).json(&json!({"score": 5})).send().await.unwrap();
    assert_error(res, StatusCode::CONFLICT, "not_resolved").await;
    let res = app.agent_req(&sam, Method::POST, &format!("/v1/agent/conversations/{conv}/resolve")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(shopper_sse.next_of("state").await.data["state"], json!({"status": "resolved", "rating": null}));
    let res = app.client.post(&rate_url).bearer_auth(&token).json(&json!({"score": 6})).send().await.unwrap();
    assert_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_score").await;
    let res = app.client.post(&rate_url).bearer_auth(&token).json(&json!({"score": 5, "comment": "Sam was great"})).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap(), json!({"status": "resolved", "rating": 5}));

    let metrics = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("tandem_ratings_total{score=\"5\"} 1"), "{metrics}");
    assert!(metrics.contains("tandem_handoffs_total{reason=\"requested\"} 1"), "{metrics}");
    assert!(metrics.contains("tandem_agents_online 1"), "{metrics}");
    assert!(metrics.contains("tandem_wait_seconds_count 1"), "{metrics}");
    assert!(metrics.contains("tandem_handling_seconds_count 1"), "{metrics}");
}

#[tokio::test]
async fn one_agent_cannot_read_or_post_to_another_agents_conversation() {
    let app = spawn_app().await;
    let sam = app.agent_online(0).await;
    let kim = app.agent_online(1).await;
    let token = app.anonymous_session().await;
    let conv = app.conversation(&token).await;
    app.handoff(&token, &conv).await;
    assert_eq!(app.agent_req(&sam, Method::POST, &format!("/v1/agent/conversations/{conv}/claim")).send().await.unwrap().status(), StatusCode::OK);
    let res = app.agent_req(&kim, Method::GET, &format!("/v1/agent/conversations/{conv}")).send().await.unwrap();
    assert_error(res, StatusCode::FORBIDDEN, "forbidden").await;
    let res = app
        .agent_req(&kim, Method::POST, &format!("/v1/agent/conversations/{conv}/messages"))
        .json(&json!({"client_id": "k-1", "text": "hijack"}))
        .send()
        .await
        .unwrap();
    assert_error(res, StatusCode::FORBIDDEN, "forbidden").await;
    for action in ["resolve", "handback"] {
        let res = app.agent_req(&kim, Method::POST, &format!("/v1/agent/conversations/{conv}/{action}")).send().await.unwrap();
        assert_error(res, StatusCode::FORBIDDEN, "forbidden").await;
    }
    let c = app.get_conversation(&token, &conv).await;
    assert!(c["messages"].as_array().unwrap().iter().all(|m| m["text"] != "hijack"));
}

#[tokio::test]
async fn two_agents_claiming_at_once_exactly_one_wins_and_capacity_holds() {
    let app = spawn_app().await;
    let sam = app.agent_online(0).await;
    let kim = app.agent_online(1).await;
    for round in 0..5 {
        let token = app.anonymous_session().await;
        let conv = app.conversation(&token).await;
        app.handoff(&token, &conv).await;
        let path = format!("/v1/agent/conversations/{conv}/claim");
        let (a, b) = tokio::join!(app.agent_req(&sam, Method::POST, &path).send(), app.agent_req(&kim, Method::POST, &path).send());
        let mut statuses = [a.unwrap().status(), b.unwrap().status()];
        statuses.sort();
        assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT], "round {round}");
        // Free the winner's slot for the next round.
        let resolve = format!("/v1/agent/conversations/{conv}/resolve");
        let (r1, r2) = tokio::join!(app.agent_req(&sam, Method::POST, &resolve).send(), app.agent_req(&kim, Method::POST, &resolve).send());
        assert!(r1.unwrap().status().is_success() || r2.unwrap().status().is_success());
    }

    // Capacity 1: of two conversations claimed at once, one is taken and one refused.
    let res = app.agent_req(&sam, Method::PUT, "/v1/agent/presence").json(&json!({"online": true, "capacity": 1})).send().await.unwrap();
    assert_eq!(res.json::<Value>().await.unwrap()["capacity"], 1);
    let mut convs = vec![];
    for _ in 0..2 {
        let token = app.anonymous_session().await;
        let conv = app.conversation(&token).await;
        app.handoff(&token, &conv).await;
        convs.push(conv);
    }
    let (a, b) = tokio::join!(
        app.agent_req(&sam, Method::POST, &format!("/v1/agent/conversations/{}/claim", convs[0])).send(),
        app.agent_req(&sam, Method::POST, &format!("/v1/agent/conversations/{}/claim", convs[1])).send()
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    let refused = if a.status() == StatusCode::OK { b } else { a };
    assert_error(refused, StatusCode::CONFLICT, "at_capacity").await;
    let me: Value = app.agent_req(&sam, Method::GET, "/v1/agent/me").send().await.unwrap().json().await.unwrap();
    assert_eq!(me["active"], 1);
}

#[tokio::test]
async fn a_fraud_message_jumps_ahead_of_an_earlier_ordinary_handoff() {
    let app = spawn_app().await;
    let _sam = app.agent_online(0).await;
    let early = app.anonymous_session().await;
    let early_conv = app.conversation(&early).await;
    assert_eq!(app.handoff(&early, &early_conv).await["position"], 1);

    let victim = app.anonymous_session().await;
    let fraud_conv = app.conversation(&victim).await;
    app.send(&victim, &fraud_conv, "f-1", "There's a purchase on my account I never made, someone has my card details").await;
    for _ in 0..100 {
        if app.get_conversation(&victim, &fraud_conv).await["state"]["status"] == "queued" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let fraud_state = app.get_conversation(&victim, &fraud_conv).await["state"].clone();
    assert_eq!(fraud_state["position"], 1, "{fraud_state}");
    // The earlier shopper is renumbered right after (a separate update of everyone waiting).
    let mut early_position = Value::Null;
    for _ in 0..40 {
        early_position = app.get_conversation(&early, &early_conv).await["state"]["position"].clone();
        if early_position == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(early_position, 2);
}

#[tokio::test]
async fn an_agent_going_offline_returns_the_conversation_to_the_front_and_tells_the_shopper() {
    let app = spawn_app().await;
    let sam = app.agent_online(0).await;
    let waiting = app.anonymous_session().await;
    let waiting_conv = app.conversation(&waiting).await;
    let token = app.anonymous_session().await;
    let conv = app.conversation(&token).await;
    app.handoff(&token, &conv).await;
    app.handoff(&waiting, &waiting_conv).await;
    assert_eq!(app.agent_req(&sam, Method::POST, &format!("/v1/agent/conversations/{conv}/claim")).send().await.unwrap().status(), StatusCode::OK);
    // Kim stays online so the queue still has someone.
    let _kim = app.agent_online(1).await;
    let res = app.agent_req(&sam, Method::PUT, "/v1/agent/presence").json(&json!({"online": false})).send().await.unwrap();
    assert_eq!(res.json::<Value>().await.unwrap()["online"], false);
    let c = app.get_conversation(&token, &conv).await;
    assert_eq!(c["state"]["status"], "queued");
    assert_eq!(c["state"]["position"], 1, "returned conversations go to the front: {c}");
    let told = c["messages"].as_array().unwrap().iter().any(|m| m["author"] == "system" && m["text"].as_str().unwrap().contains("Sam had to leave"));
    assert!(told, "{c}");
    assert_eq!(app.get_conversation(&waiting, &waiting_conv).await["state"]["position"], 2);
}

#[tokio::test]
async fn an_agent_whose_console_vanished_counts_as_offline() {
    let app = spawn_app_with(|c| c.agent_timeout_secs = 1).await;
    let sam = app.agent_online(0).await;
    let token = app.anonymous_session().await;
    let conv = app.conversation(&token).await;
    app.handoff(&token, &conv).await;
    // The console connects, takes the conversation, then disappears.
    let events = app.agent_req(&sam, Method::GET, "/v1/agent/events").send().await.unwrap();
    assert_eq!(app.agent_req(&sam, Method::POST, &format!("/v1/agent/conversations/{conv}/claim")).send().await.unwrap().status(), StatusCode::OK);
    drop(events);
    // The sweeper takes Sam offline, returns the conversation, then tells the shopper: two
    // appends (handoff::return_to_queue), so the state can be read before the message. Wait for
    // the message, the last of the three.
    let told = |c: &Value| c["messages"].as_array().unwrap().iter().any(|m| m["text"].as_str().unwrap().contains("lost their connection"));
    let mut c = app.get_conversation(&token, &conv).await;
    for _ in 0..60 {
        if told(&c) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        c = app.get_conversation(&token, &conv).await;
    }
    assert!(told(&c), "conversation still held by a vanished agent, or the shopper was not told: {c}");
    // Sam was the only agent online: nobody is left to queue for.
    assert_eq!(c["state"]["status"], "awaiting_reply", "{c}");
    let me: Value = app.agent_req(&sam, Method::GET, "/v1/agent/me").send().await.unwrap().json().await.unwrap();
    assert_eq!(me["online"], false);
}

#[tokio::test]
async fn a_message_left_while_nobody_was_online_is_answered_when_an_agent_comes_online() {
    let app = spawn_app().await;
    let token = app.anonymous_session().await;
    let conv = app.conversation(&token).await;
    app.send(&token, &conv, "c-1", "I need help with a payment").await;
    app.wait_for_messages(&token, &conv, 2).await;
    assert_eq!(app.handoff(&token, &conv).await["status"], "awaiting_reply");
    app.client
        .post(app.url(&format!("/v1/conversations/{conv}/contact")))
        .bearer_auth(&token)
        .json(&json!({"email": "alex@example.com"}))
        .send()
        .await
        .unwrap();
    let kim = app.agent_online(1).await;
    let queue: Value = app.agent_req(&kim, Method::GET, "/v1/agent/queue").send().await.unwrap().json().await.unwrap();
    let item = queue["items"].as_array().unwrap().iter().find(|i| i["conversation_id"] == conv.as_str()).expect("left message in queue").clone();
    assert_eq!(item["status"], "awaiting_reply");
    assert_eq!(item["contact"], "alex@example.com");
    assert_eq!(item["preview"], "I need help with a payment");
    let view: Value = app.agent_req(&kim, Method::POST, &format!("/v1/agent/conversations/{conv}/claim")).send().await.unwrap().json().await.unwrap();
    assert_eq!(view["contact"], "alex@example.com");
    app.agent_req(&kim, Method::POST, &format!("/v1/agent/conversations/{conv}/messages"))
        .json(&json!({"client_id": "k-1", "text": "Hi, Kim here. Let's sort it out."}))
        .send()
        .await
        .unwrap();
    let c = app.get_conversation(&token, &conv).await;
    assert_eq!(c["state"]["status"], "with_agent");
    assert_eq!(c["messages"].as_array().unwrap().last().unwrap()["author_name"], "Kim");
}

#[tokio::test]
async fn handing_back_lets_the_assistant_answer_again() {
    let app = spawn_app().await;
    let sam = app.agent_online(0).await;
    let token = app.anonymous_session().await;
    let conv = app.conversation(&token).await;
    app.handoff(&token, &conv).await;
    app.agent_req(&sam, Method::POST, &format!("/v1/agent/conversations/{conv}/claim")).send().await.unwrap();
    let res = app.agent_req(&sam, Method::POST, &format!("/v1/agent/conversations/{conv}/handback")).send().await.unwrap();
    assert_eq!(res.json::<Value>().await.unwrap(), json!({"status": "assistant"}));
    let before = app.get_conversation(&token, &conv).await["messages"].as_array().unwrap().len();
    app.send(&token, &conv, "c-9", "How do late fees work?").await;
    let c = app.wait_for_messages(&token, &conv, before + 2).await;
    assert_eq!(c["messages"].as_array().unwrap().last().unwrap()["author"], "assistant");
}

#[tokio::test]
async fn agent_actions_from_another_site_are_refused_even_with_the_cookie() {
    let app = spawn_app().await;
    let sam = app.agent_online(0).await;
    let res = app.agent_req(&sam, Method::POST, "/v1/agent/next").header("sec-fetch-site", "same-site").send().await.unwrap();
    assert_error(res, StatusCode::FORBIDDEN, "forbidden").await;
    let res = app.agent_req(&sam, Method::POST, "/v1/agent/next").header("sec-fetch-site", "same-origin").send().await.unwrap();
    assert_error(res, StatusCode::NOT_FOUND, "queue_empty").await;
}

#[tokio::test]
async fn a_resolved_conversation_cannot_be_reopened_by_a_late_message_or_handoff() {
    let app = spawn_app().await;
    let sam = app.agent_online(0).await;
    let token = app.anonymous_session().await;
    let conv = app.conversation(&token).await;
    app.handoff(&token, &conv).await;
    app.agent_req(&sam, Method::POST, &format!("/v1/agent/conversations/{conv}/claim")).send().await.unwrap();
    app.agent_req(&sam, Method::POST, &format!("/v1/agent/conversations/{conv}/resolve")).send().await.unwrap();
    assert_error(app.send(&token, &conv, "late-1", "one more thing").await, StatusCode::CONFLICT, "conversation_closed").await;
    let res = app.client.post(app.url(&format!("/v1/conversations/{conv}/handoff"))).bearer_auth(&token).send().await.unwrap();
    assert_error(res, StatusCode::CONFLICT, "conversation_closed").await;
    // Resolving twice is refused too: it is no longer with the agent.
    let res = app.agent_req(&sam, Method::POST, &format!("/v1/agent/conversations/{conv}/resolve")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert_eq!(app.get_conversation(&token, &conv).await["state"]["status"], "resolved");
}

#[tokio::test]
async fn a_double_request_for_a_person_makes_one_handoff() {
    let app = spawn_app().await;
    let _sam = app.agent_online(0).await;
    let token = app.anonymous_session().await;
    let conv = app.conversation(&token).await;
    let url = app.url(&format!("/v1/conversations/{conv}/handoff"));
    let (a, b) = tokio::join!(app.client.post(&url).bearer_auth(&token).send(), app.client.post(&url).bearer_auth(&token).send());
    assert!(a.unwrap().status().is_success() && b.unwrap().status().is_success());
    let metrics = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("tandem_handoffs_total{reason=\"requested\"} 1"), "{metrics}");
}

#[tokio::test]
async fn when_the_last_agent_goes_offline_queued_shoppers_are_told_at_once_and_can_leave_an_email() {
    let app = spawn_app().await;
    let sam = app.agent_online(0).await;
    let en = app.state.assistant.voice("en", tandem_assistant::SupportHours::Always);
    // One shopper waiting in the queue, one held by Sam.
    let waiting = app.anonymous_session().await;
    let waiting_conv = app.conversation(&waiting).await;
    let held = app.anonymous_session().await;
    let held_conv = app.conversation(&held).await;
    app.handoff(&held, &held_conv).await;
    assert_eq!(app.agent_req(&sam, Method::POST, &format!("/v1/agent/conversations/{held_conv}/claim")).send().await.unwrap().status(), StatusCode::OK);
    assert_eq!(app.handoff(&waiting, &waiting_conv).await["status"], "queued");

    let res = app.agent_req(&sam, Method::PUT, "/v1/agent/presence").json(&json!({"online": false})).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);

    let c = app.get_conversation(&waiting, &waiting_conv).await;
    assert_eq!(c["state"], json!({"status": "awaiting_reply", "contact": null}), "{c}");
    assert_eq!(c["messages"].as_array().unwrap().last().unwrap()["text"], en.server("nobody_online", &[]));
    let c = app.get_conversation(&held, &held_conv).await;
    assert_eq!(c["state"]["status"], "awaiting_reply", "{c}");
    let told = en.server("agent_left_alone", &[("agent", "Sam".into())]);
    assert!(c["messages"].as_array().unwrap().iter().any(|m| m["author"] == "system" && m["text"] == told.as_str()), "{c}");
    for (token, conv) in [(&waiting, &waiting_conv), (&held, &held_conv)] {
        let url = app.url(&format!("/v1/conversations/{conv}/contact"));
        let ok = app.client.post(&url).bearer_auth(token).json(&json!({"email": "alex@example.com"})).send().await.unwrap();
        assert_eq!(ok.status(), StatusCode::OK);
    }
}
