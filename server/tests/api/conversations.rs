use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::spawn_app;

#[tokio::test]
async fn sending_the_same_client_id_twice_stores_one_message() {
    let app = spawn_app().await;
    let token = app.anonymous_session().await;
    let conv = app.conversation(&token).await;
    let first = app.send(&token, &conv, "c-1", "How do late fees work?").await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["duplicate"], false);
    let again = app.send(&token, &conv, "c-1", "How do late fees work?").await;
    assert_eq!(again.status(), StatusCode::OK);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["duplicate"], true);
    assert_eq!(again["message"]["id"], first["message"]["id"]);
    assert_eq!(again["message"]["seq"], first["message"]["seq"]);

    // One shopper message and one assistant reply, never a second copy of either.
    let c = app.wait_for_messages(&token, &conv, 2).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let c2 = app.get_conversation(&token, &conv).await;
    assert_eq!(c2["messages"].as_array().unwrap().len(), 2, "{c2}");
    let shopper: Vec<&Value> = c["messages"].as_array().unwrap().iter().filter(|m| m["author"] == "shopper").collect();
    assert_eq!(shopper.len(), 1);
}

#[tokio::test]
async fn assistant_reply_carries_its_metadata() {
    let app = spawn_app().await;
    let token = app.anonymous_session().await;
    let conv = app.conversation(&token).await;
    app.send(&token, &conv, "c-1", "How do late fees work?").await;
    let c = app.wait_for_messages(&token, &conv, 2).await;
    let reply = &c["messages"][1];
    assert_eq!(reply["author"], "assistant");
    assert_eq!(reply["meta"]["topic"], "late_fee");
    assert!(reply["meta"]["sources"].as_array().unwrap().iter().any(|s| s == "kb/late-fee"), "{reply}");
    assert!(reply["text"].as_str().unwrap().contains("€7"));
    assert_eq!(c["last_seq"], 2);
}

/// The assistant reads the conversation so far with each question (in the question's own
/// transaction on both backends): after two replies that did not help, it offers a person.
#[tokio::test]
async fn the_third_message_it_cannot_understand_offers_a_person_from_the_stored_history() {
    let app = spawn_app().await;
    let token = app.anonymous_session().await;
    let conv = app.conversation(&token).await;
    for (i, text) in ["blorp", "zzzq", "wibble"].into_iter().enumerate() {
        app.send(&token, &conv, &format!("c-{i}"), text).await;
        let c = app.wait_for_messages(&token, &conv, 2 * (i + 1)).await;
        let reply = &c["messages"][2 * i + 1];
        assert_eq!(reply["author"], "assistant", "{c}");
        if i < 2 {
            assert!(reply["meta"]["handoff"].is_null(), "reply {i} offered a person too early: {reply}");
        } else {
            assert_eq!(reply["meta"]["handoff"], "unsure", "the history was not read: {reply}");
        }
    }
}

#[tokio::test]
async fn identified_shopper_gets_account_answers_and_anonymous_does_not() {
    let app = spawn_app().await;
    let token = app.identified_session().await;
    let conv = app.conversation(&token).await;
    app.send(&token, &conv, "c-1", "When is my next payment?").await;
    let c = app.wait_for_messages(&token, &conv, 2).await;
    let text = c["messages"][1]["text"].as_str().unwrap();
    assert!(text.contains("€50.00") && text.contains("FP-1001") && text.contains("2026-11-28"), "{text}");

    let anon = app.anonymous_session().await;
    let conv = app.conversation(&anon).await;
    app.send(&anon, &conv, "c-1", "When is my next payment?").await;
    let c = app.wait_for_messages(&anon, &conv, 2).await;
    let text = c["messages"][1]["text"].as_str().unwrap();
    assert!(!text.contains("FP-1001") && !text.contains("€50.00"), "anonymous shopper saw account data: {text}");
}

#[tokio::test]
async fn asking_for_a_person_queues_the_conversation_once() {
    let app = spawn_app().await;
    let agent = app.agent_online(0).await;
    let token = app.anonymous_session().await;
    let conv = app.conversation(&token).await;
    let url = app.url(&format!("/v1/conversations/{conv}/handoff"));
    let res = app.client.post(&url).bearer_auth(&token).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let state: Value = res.json().await.unwrap();
    assert_eq!(state["status"], "queued");
    assert_eq!(state["position"], 1);
    // One agent with three free slots: picked up in about the pick-up time.
    assert_eq!(state["estimated_wait_secs"], 30);
    // Asking again changes nothing and adds no event.
    let again: Value = app.client.post(&url).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!(again, state);
    let c = app.get_conversation(&token, &conv).await;
    assert_eq!(c["state"]["status"], "queued");
    let seq_after_first = c["last_seq"].clone();
    app.client.post(&url).bearer_auth(&token).send().await.unwrap();
    assert_eq!(app.get_conversation(&token, &conv).await["last_seq"], seq_after_first);

    // A second shopper who asks later is behind the first.
    let other = app.anonymous_session().await;
    let conv2 = app.conversation(&other).await;
    let res: Value = app
        .client
        .post(app.url(&format!("/v1/conversations/{conv2}/handoff")))
        .bearer_auth(&other)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(res["position"], 2);
    drop(agent);
}

#[tokio::test]
async fn with_no_agent_online_the_shopper_is_told_at_once_and_can_leave_an_email() {
    let app = spawn_app().await;
    let token = app.anonymous_session().await;
    let conv = app.conversation(&token).await;
    let state: Value = app
        .client
        .post(app.url(&format!("/v1/conversations/{conv}/handoff")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(state, serde_json::json!({"status": "awaiting_reply", "contact": null}));
    let c = app.get_conversation(&token, &conv).await;
    assert!(c["messages"][0]["text"].as_str().unwrap().contains("No one from our team is online"), "{c}");
    let url = app.url(&format!("/v1/conversations/{conv}/contact"));
    let bad = app.client.post(&url).bearer_auth(&token).json(&serde_json::json!({"email": "not-an-email"})).send().await.unwrap();
    crate::helpers::assert_error(bad, StatusCode::UNPROCESSABLE_ENTITY, "invalid_email").await;
    let ok: Value = app.client.post(&url).bearer_auth(&token).json(&serde_json::json!({"email": "alex@example.com"})).send().await.unwrap().json().await.unwrap();
    assert_eq!(ok["contact"], "alex@example.com");
}

#[tokio::test]
async fn messages_survive_a_server_restart_on_the_same_database_file() {
    let app = spawn_app().await;
    let token = app.anonymous_session().await;
    let conv = app.conversation(&token).await;
    app.send(&token, &conv, "c-1", "hello there").await;
    app.wait_for_messages(&token, &conv, 2).await;
    // A second server over the same data directory sees the same conversation.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let state = tandem_server::AppState::new((*app.state.config).clone(), app.state.assistant.clone(), format!("http://localhost:{port}"))
        .await
        .unwrap();
    tokio::spawn(async move { tandem_server::serve_with(listener, state, std::future::pending()).await });
    let res = app.client.get(format!("http://127.0.0.1:{port}/v1/conversations/{conv}")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["messages"][0]["text"], "hello there");
}

#[tokio::test]
async fn a_question_whose_reply_was_lost_with_its_instance_is_answered_once() {
    use tandem_protocol::{Author, Event};
    use tandem_server::store::Append;
    let app = spawn_app().await;
    let token = app.anonymous_session().await;
    let conv = app.conversation(&token).await;
    // Stored as the send handler stores it, but no reply task: as if the instance died right after
    // acknowledging.
    let question = tandem_server::conversations::text_message(0, Author::Shopper, None, Some("c-1"), "How do late fees work?");
    let append = Append { client_id: Some("c-1".into()), ..Append::event(&conv, Event::Message { message: question }) };
    app.state.store.append(append).await.unwrap();
    let c = app.wait_for_messages_within(&token, &conv, 2, std::time::Duration::from_secs(20)).await;
    let reply = &c["messages"][1];
    assert_eq!(reply["author"], "assistant", "{c}");
    assert_eq!(reply["meta"]["topic"], "late_fee");

    // Two instances sweeping at once store one reply between them, whatever the interleaving:
    // a second reply to the same question is refused by its key.
    let conv = app.conversation(&token).await;
    let question = tandem_server::conversations::text_message(0, Author::Shopper, None, Some("c-2"), "How do returns work?");
    let append = Append { client_id: Some("c-2".into()), ..Append::event(&conv, Event::Message { message: question }) };
    app.state.store.append(append).await.unwrap();
    let sweep = || tandem_server::conversations::answer_unanswered(&app.state, 0);
    let (a, b) = tokio::join!(sweep(), sweep());
    assert!(a.unwrap() + b.unwrap() >= 1);
    let c = app.get_conversation(&token, &conv).await;
    let replies: Vec<&serde_json::Value> = c["messages"].as_array().unwrap().iter().filter(|m| m["author"] == "assistant").collect();
    assert_eq!(replies.len(), 1, "{c}");
    let late = tandem_server::conversations::text_message(0, Author::Assistant, None, None, "a second answer");
    let key = tandem_server::conversations::reply_key(c["messages"][0]["seq"].as_u64().unwrap());
    let again = Append { client_id: Some(key), ..Append::event(&conv, Event::Message { message: late }) };
    let stored = app.state.store.append(again).await.unwrap();
    assert!(matches!(stored, tandem_server::store::Appended::Duplicate(_)), "a second reply to one question must be refused");
    assert_eq!(app.get_conversation(&token, &conv).await["messages"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn repeating_a_question_whose_reply_was_lost_resumes_the_reply_at_once() {
    use tandem_protocol::{Author, Event};
    use tandem_server::store::Append;
    let app = spawn_app().await;
    let token = app.anonymous_session().await;
    let conv = app.conversation(&token).await;
    for (key, text) in [("c-1", "How do late fees work?"), ("c-2", "How long does a refund take?")] {
        // Stored without a reply task, as if the instance died right after acknowledging.
        let question = tandem_server::conversations::text_message(0, Author::Shopper, None, Some(key), text);
        let append = Append { client_id: Some(key.into()), ..Append::event(&conv, Event::Message { message: question }) };
        app.state.store.append(append).await.unwrap();
    }
    // The client retries the first question well before the sweeper's 5 s: its reply comes now,
    // and only its own (the second question waits for the sweeper or its own repeat).
    let res = app.send(&token, &conv, "c-1", "How do late fees work?").await;
    assert_eq!(res.status(), StatusCode::OK);
    let c = app.wait_for_messages_within(&token, &conv, 3, std::time::Duration::from_secs(3)).await;
    assert_eq!(c["messages"][2]["meta"]["topic"], "late_fee", "{c}");
    let res = app.send(&token, &conv, "c-2", "How long does a refund take?").await;
    assert_eq!(res.status(), StatusCode::OK);
    let c = app.wait_for_messages_within(&token, &conv, 4, std::time::Duration::from_secs(3)).await;
    let replies = c["messages"].as_array().unwrap().iter().filter(|m| m["author"] == "assistant").count();
    assert_eq!(replies, 2, "{c}");
    // Repeating an answered question adds nothing.
    app.send(&token, &conv, "c-1", "How do late fees work?").await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(app.get_conversation(&token, &conv).await["messages"].as_array().unwrap().len(), 4);
}

/// A question answered while its row in `replies_due` stays (an instance on the code before that
/// table answered it, during a rolling upgrade) is taken out by the sweeper, not answered again
/// nor retried every few seconds.
#[tokio::test]
async fn a_due_question_that_was_answered_meanwhile_is_taken_out_not_retried() {
    use sqlx::Connection;
    let app = spawn_app().await;
    let token = app.anonymous_session().await;
    let conv = app.conversation(&token).await;
    app.send(&token, &conv, "c-1", "How do late fees work?").await;
    let c = app.wait_for_messages(&token, &conv, 2).await;
    let seq = c["messages"][0]["seq"].as_u64().unwrap();
    assert!(!app.state.store.is_pending(&conv, seq).await.unwrap(), "the reply took its question out");
    // The row an older instance's reply would have left behind.
    sqlx::any::install_default_drivers();
    let url = tandem_server::store::database_url(app.state.config.database_url.as_deref(), &app.state.config.data_dir).unwrap();
    let mut db = sqlx::AnyConnection::connect(&url).await.unwrap();
    // Stamped now: the test's own sweep takes it, the background one (5 s) does not.
    let now = chrono::Utc::now().timestamp_millis();
    let due = "INSERT INTO replies_due (conversation_id, seq, created_at) VALUES ($1, $2, $3)";
    sqlx::query(due).bind(&conv).bind(seq as i64).bind(now).execute(&mut db).await.unwrap();
    assert!(app.state.store.is_pending(&conv, seq).await.unwrap());
    assert_eq!(tandem_server::conversations::answer_unanswered(&app.state, 0).await.unwrap(), 1);
    assert!(!app.state.store.is_pending(&conv, seq).await.unwrap(), "answered already: no longer due");
    assert_eq!(tandem_server::conversations::answer_unanswered(&app.state, 0).await.unwrap(), 0);
    assert_eq!(app.get_conversation(&token, &conv).await["messages"].as_array().unwrap().len(), 2, "no second reply");

    // Taken by a person: the question stays unanswered by the assistant, and is no longer due.
    let conv = app.conversation(&token).await;
    app.handoff(&token, &conv).await;
    // Small talk: not answered "while you wait" either (waiting.rs), so nothing else replies.
    app.send(&token, &conv, "c-2", "hello").await;
    let c = app.get_conversation(&token, &conv).await;
    let question = c["messages"].as_array().unwrap().iter().find(|m| m["client_id"] == "c-2").expect("the question").clone();
    let seq = question["seq"].as_u64().unwrap();
    let now = chrono::Utc::now().timestamp_millis();
    sqlx::query(due).bind(&conv).bind(seq as i64).bind(now).execute(&mut db).await.unwrap();
    assert_eq!(tandem_server::conversations::answer_unanswered(&app.state, 0).await.unwrap(), 1);
    assert!(!app.state.store.is_pending(&conv, seq).await.unwrap(), "a person has it: no longer due");
    let c = app.get_conversation(&token, &conv).await;
    assert!(c["messages"].as_array().unwrap().iter().all(|m| m["author"] != "assistant"), "{c}");
}
