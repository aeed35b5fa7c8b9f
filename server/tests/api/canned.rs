//! Canned replies: who may write the team's and personal ones, validation, and placeholders filled
//! from the conversation and the demo shopper's account.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_error, spawn_app, Agent, TestApp};

async fn create(app: &TestApp, agent: &Agent, body: Value) -> reqwest::Response {
    app.agent_req(agent, Method::POST, "/v1/agent/canned").json(&body).send().await.unwrap()
}

fn reply(scope: &str, shortcut: &str, body: &str) -> Value {
    json!({"scope": scope, "locale": "en", "shortcut": shortcut, "title": "A title", "body": body})
}

async fn list(app: &TestApp, agent: &Agent, query: &str) -> Vec<Value> {
    let res = app.agent_req(agent, Method::GET, &format!("/v1/agent/canned{query}")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.json::<Vec<Value>>().await.unwrap()
}

fn shortcuts(items: &[Value]) -> Vec<String> {
    items.iter().map(|c| format!("{}:{}", c["scope"].as_str().unwrap(), c["shortcut"].as_str().unwrap())).collect()
}

#[tokio::test]
async fn team_replies_are_written_by_supervisors_and_personal_ones_only_by_their_owner() {
    let app = spawn_app().await;
    let (sam, kim) = (app.agent_login(0).await, app.agent_login(1).await);

    let res = create(&app, &kim, reply("team", "refund-time", "Refunds take 5 days.")).await;
    let body = assert_error(res, StatusCode::FORBIDDEN, "forbidden").await;
    assert!(body["error"]["message"].as_str().unwrap().contains("supervisors"), "{body}");
    let res = create(&app, &kim, reply("personal", "thanks", "Thanks, {first_name}!")).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let mine: Value = res.json().await.unwrap();
    assert_eq!((mine["scope"].as_str(), mine["editable"].as_bool()), (Some("personal"), Some(true)));
    let res = create(&app, &sam, reply("team", "refund-time", "Refunds take 5 days.")).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let team: Value = res.json().await.unwrap();
    let (mine_url, team_url) = (format!("/v1/agent/canned/{}", mine["id"].as_str().unwrap()), format!("/v1/agent/canned/{}", team["id"].as_str().unwrap()));

    // An agent cannot change the team's; nobody else (not even an admin) changes a personal one.
    let edit = json!({"locale": "en", "shortcut": "refund-time", "title": "Changed", "body": "Changed."});
    for (who, url, method) in [(&kim, &team_url, Method::PUT), (&kim, &team_url, Method::DELETE), (&sam, &mine_url, Method::PUT), (&sam, &mine_url, Method::DELETE)] {
        let res = app.agent_req(who, method.clone(), url).json(&edit).send().await.unwrap();
        assert_error(res, StatusCode::FORBIDDEN, "forbidden").await;
    }
    // Kim sees the team's (not editable for her) and her own; Sam does not see Kim's.
    let kims = list(&app, &kim, "?locale=en").await;
    assert!(shortcuts(&kims).contains(&"team:refund-time".to_string()) && shortcuts(&kims).contains(&"personal:thanks".to_string()), "{kims:?}");
    assert!(kims.iter().filter(|c| c["scope"] == "team").all(|c| c["editable"] == false));
    assert!(!shortcuts(&list(&app, &sam, "?locale=en").await).contains(&"personal:thanks".to_string()));

    // Owners edit and delete.
    let res = app.agent_req(&kim, Method::PUT, &mine_url).json(&json!({"locale": "sv", "shortcut": "tack", "title": "Tack", "body": "Tack {first_name}!"})).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let edited: Value = res.json().await.unwrap();
    assert_eq!((edited["locale"].as_str(), edited["body"].as_str()), (Some("sv"), Some("Tack {first_name}!")));
    assert!(shortcuts(&list(&app, &kim, "?locale=sv").await).contains(&"personal:tack".to_string()));
    assert!(!shortcuts(&list(&app, &kim, "?locale=en").await).contains(&"personal:tack".to_string()));
    assert_eq!(app.agent_req(&kim, Method::DELETE, &mine_url).send().await.unwrap().status(), StatusCode::NO_CONTENT);
    assert_eq!(app.agent_req(&sam, Method::DELETE, &team_url).send().await.unwrap().status(), StatusCode::NO_CONTENT);
    let res = app.agent_req(&sam, Method::DELETE, &team_url).send().await.unwrap();
    assert_error(res, StatusCode::NOT_FOUND, "unknown_canned_reply").await;
    let all = shortcuts(&list(&app, &kim, "").await);
    assert!(!all.contains(&"personal:tack".to_string()) && !all.contains(&"team:refund-time".to_string()), "{all:?}");
}

#[tokio::test]
async fn the_demo_has_team_replies_in_every_language() {
    let app = spawn_app().await;
    let kim = app.agent_login(1).await;
    for locale in ["en", "sv", "de", "ar"] {
        let items = list(&app, &kim, &format!("?locale={locale}")).await;
        let found = shortcuts(&items);
        for s in ["team:next-payment", "team:greeting", "team:anything-else"] {
            assert!(found.contains(&s.to_string()), "{locale}: {found:?}");
        }
        assert!(items.iter().all(|c| c["locale"] == locale));
    }
}

#[tokio::test]
async fn canned_replies_are_checked_with_errors_that_say_what_to_fix() {
    let app = spawn_app().await;
    let kim = app.agent_login(1).await;
    let long = "x".repeat(2001);
    for (body, code, field) in [
        (reply("personal", "Next Payment", "Hi."), "invalid_shortcut", "shortcut"),
        (reply("personal", &"a".repeat(33), "Hi."), "invalid_shortcut", "shortcut"),
        (reply("personal", "", "Hi."), "invalid_shortcut", "shortcut"),
        (reply("personal", "long", &long), "invalid_canned_body", "body"),
        (reply("personal", "empty", "  "), "invalid_canned_body", "body"),
        (json!({"scope": "personal", "locale": "fr", "shortcut": "hi", "title": "Hi", "body": "Hi."}), "unknown_locale", "locale"),
        (json!({"scope": "personal", "locale": "en", "shortcut": "hi", "title": " ", "body": "Hi."}), "invalid_title", "title"),
    ] {
        let res = create(&app, &kim, body).await;
        let err = assert_error(res, StatusCode::UNPROCESSABLE_ENTITY, code).await;
        assert_eq!(err["error"]["field"], field);
    }
    let res = create(&app, &kim, reply("personal", "typo", "Hi {firstname}, {order_id}")).await;
    let err = assert_error(res, StatusCode::UNPROCESSABLE_ENTITY, "unknown_placeholder").await;
    let message = err["error"]["message"].as_str().unwrap();
    assert!(message.contains("{firstname}") && message.contains("{first_name}"), "{message}");
    // Exactly 2000 characters and 32 in the shortcut are fine; braces that are not a word are text.
    let res = create(&app, &kim, reply("personal", &"a".repeat(32), &"x".repeat(2000))).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(create(&app, &kim, reply("personal", "braces", "Use { and } freely: {a b}")).await.status(), StatusCode::CREATED);
    let res = create(&app, &kim, reply("personal", "braces", "Again")).await;
    assert_error(res, StatusCode::CONFLICT, "shortcut_taken").await;
    let res = app.agent_req(&kim, Method::GET, "/v1/agent/canned?locale=xx").send().await.unwrap();
    assert_error(res, StatusCode::UNPROCESSABLE_ENTITY, "unknown_locale").await;
    let res = app.agent_req(&kim, Method::POST, "/v1/agent/canned").json(&json!({"scope": "everyone"})).send().await.unwrap();
    assert_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body").await;
    let res = app.client.get(app.url("/v1/agent/canned")).send().await.unwrap();
    assert_error(res, StatusCode::UNAUTHORIZED, "invalid_agent_session").await;
}

async fn fill(app: &TestApp, agent: &Agent, conv: &str, canned: &str) -> reqwest::Response {
    app.agent_req(agent, Method::POST, &format!("/v1/agent/conversations/{conv}/canned/{canned}")).send().await.unwrap()
}

#[tokio::test]
async fn placeholders_are_filled_from_the_demo_shoppers_account_and_the_order_discussed() {
    let app = spawn_app().await;
    let (sam, kim) = (app.agent_online(0).await, app.agent_online(1).await);
    let token = app.identified_session().await;
    let conv = app.conversation(&token).await;
    app.send(&token, &conv, "c-1", "When is my next payment?").await;
    let c = app.wait_for_messages(&token, &conv, 2).await;
    // The assistant's answer names FP-1001 first and the paused FP-1002 after it.
    let answer = c["messages"][1]["text"].as_str().unwrap();
    assert!(answer.find("FP-1001").unwrap() < answer.find("FP-1002").unwrap(), "{answer}");
    app.handoff(&token, &conv).await;
    let res = app.agent_req(&kim, Method::POST, &format!("/v1/agent/conversations/{conv}/claim")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let before = app.get_conversation(&token, &conv).await["messages"].as_array().unwrap().len();

    // The answer is about FP-1001 (next payment day +3 of 2026-11-25), not the paused order it also names.
    let filled: Value = fill(&app, &kim, &conv, "demo-next-payment-en").await.json().await.unwrap();
    assert_eq!(filled, json!({"text": "Hi Alex, the next payment for order FP-1001 is €50.00, due on 2026-11-28.", "missing": []}));
    let filled: Value = fill(&app, &kim, &conv, "demo-greeting-en").await.json().await.unwrap();
    assert_eq!(filled["text"], "Hi Alex, I'm Kim and I'll help you from here.");
    // The order the shopper mentions last (one of theirs) is the one discussed.
    app.send(&token, &conv, "c-2", "It is about fp-1003, not FP-9999").await;
    app.wait_for_messages(&token, &conv, before + 1).await;
    let filled: Value = fill(&app, &kim, &conv, "demo-next-payment-en").await.json().await.unwrap();
    assert_eq!(filled["text"], "Hi Alex, the next payment for order FP-1003 is €108.25, due on 2026-12-01.");
    // Filling sends nothing.
    assert_eq!(app.get_conversation(&token, &conv).await["messages"].as_array().unwrap().len(), before + 1);
    // Another agent cannot fill into a conversation Kim holds; an unknown reply is a 404.
    assert_error(fill(&app, &sam, &conv, "demo-next-payment-en").await, StatusCode::FORBIDDEN, "forbidden").await;
    assert_error(fill(&app, &kim, &conv, "nope").await, StatusCode::NOT_FOUND, "unknown_canned_reply").await;
    // Someone else's personal reply cannot be filled.
    let res = create(&app, &sam, reply("personal", "mine", "Sam's own")).await;
    let sams: Value = res.json().await.unwrap();
    assert_error(fill(&app, &kim, &conv, sams["id"].as_str().unwrap()).await, StatusCode::FORBIDDEN, "forbidden").await;
}

#[tokio::test]
async fn missing_values_are_left_visible_and_amounts_follow_the_conversations_language() {
    let app = spawn_app().await;
    let kim = app.agent_online(1).await;
    // An anonymous shopper: only the agent's name is known.
    let anon = app.anonymous_session().await;
    let conv = app.conversation(&anon).await;
    app.handoff(&anon, &conv).await;
    let filled: Value = fill(&app, &kim, &conv, "demo-next-payment-en").await.json().await.unwrap();
    assert_eq!(
        filled,
        json!({"text": "Hi [first name], the next payment for order [order id] is [next amount], due on [next due].",
               "missing": ["first_name", "order_id", "next_amount", "next_due"]})
    );
    // A German conversation of the identified shopper: German amounts and dates, and the
    // conversation's language picks the list.
    let jwt: Value = app.client.post(app.url("/demo/identity-token")).send().await.unwrap().json().await.unwrap();
    let res = app.client.post(app.url("/v1/sessions")).json(&json!({"merchant_id": "nordic-outdoor", "locale": "de-DE", "identity_token": jwt["token"]})).send().await.unwrap();
    let de = res.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_string();
    let conv = app.conversation(&de).await;
    app.handoff(&de, &conv).await;
    let filled: Value = fill(&app, &kim, &conv, "demo-next-payment-de").await.json().await.unwrap();
    assert_eq!(filled["text"], "Hallo Alex, die nächste Zahlung für die Bestellung FP-1001 beträgt 50,00\u{a0}€ und ist am 28.11.2026 fällig.");
    let items = list(&app, &kim, &format!("?conversation={conv}")).await;
    assert!(!items.is_empty() && items.iter().all(|c| c["locale"] == "de"), "{items:?}");
}

#[tokio::test]
async fn removing_an_agent_removes_their_personal_replies_and_keeps_the_teams() {
    let app = spawn_app().await;
    let (sam, kim) = (app.agent_login(0).await, app.agent_login(1).await);
    let mine: Value = create(&app, &kim, reply("personal", "thanks", "Thanks!")).await.json().await.unwrap();
    let team: Value = create(&app, &sam, reply("team", "bye", "Goodbye!")).await.json().await.unwrap();
    let kim_id = app.state.store.agent_id("kim@fjordpay.example").await.unwrap().unwrap();
    assert!(app.state.store.remove_agent(&kim_id).await.unwrap());
    assert!(app.state.store.canned_reply(mine["id"].as_str().unwrap()).await.unwrap().is_none());
    assert!(app.state.store.canned_reply(team["id"].as_str().unwrap()).await.unwrap().is_some());
}
