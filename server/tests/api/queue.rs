//! The queue costs the same whatever its length: consoles get the change, not the whole queue;
//! nothing is written to the conversations behind when the head moves; waiting shoppers still see
//! their position move, live and when they read.

use reqwest::{Method, StatusCode};

use crate::helpers::{spawn_app, SseReader};

#[tokio::test]
async fn a_long_queue_sends_consoles_changes_and_writes_nothing_for_those_behind() {
    let app = spawn_app().await;
    let sam = app.agent_online(0).await;
    let _kim = app.agent_online(1).await;
    // 40 shoppers waiting.
    let mut waiting = Vec::new();
    for _ in 0..40 {
        let token = app.anonymous_session().await;
        let conv = app.conversation(&token).await;
        app.handoff(&token, &conv).await;
        waiting.push((token, conv));
    }
    let mut console = SseReader::new(app.agent_req(&sam, Method::GET, "/v1/agent/events").send().await.unwrap());
    let first = console.next_of("queue").await;
    assert_eq!(first.data["snapshot"]["items"].as_array().unwrap().len(), 40, "a console opens with the whole queue");

    // One more handoff: the console hears about that one conversation only.
    let token = app.anonymous_session().await;
    let newest = app.conversation(&token).await;
    app.handoff(&token, &newest).await;
    let change = console.next_of("queue_change").await;
    let upsert = change.data["change"]["upsert"].as_array().unwrap();
    assert_eq!(upsert.len(), 1, "{}", change.data);
    assert_eq!(upsert[0]["conversation_id"], newest.as_str());

    // The shopper second in line follows their conversation.
    let (second_token, second) = &waiting[1];
    let mut stream = SseReader::new(app.stream(second_token, second, None).await);
    let before = app.get_conversation(second_token, second).await;
    assert_eq!(before["state"]["position"], 2);
    let seq_before = before["last_seq"].as_u64().unwrap();

    // The head is claimed: the console hears it left; nothing is stored in anyone else's log.
    let (_, head) = &waiting[0];
    let claim = app.agent_req(&sam, Method::POST, &format!("/v1/agent/conversations/{head}/claim")).send().await.unwrap();
    assert_eq!(claim.status(), StatusCode::OK);
    let change = loop {
        let c = console.next_of("queue_change").await;
        if c.data["change"]["remove"].as_array().unwrap().iter().any(|r| r == head.as_str()) {
            break c;
        }
    };
    assert!(change.data["change"]["upsert"].as_array().unwrap().is_empty(), "{}", change.data);
    // The second shopper is now first: told live (a state without an id: not part of the log)...
    let live = loop {
        let e = stream.next_of("state").await;
        if e.data["state"]["position"] == 1 {
            break e;
        }
    };
    assert_eq!(live.id, None, "a live position update has no place in the log");
    assert_eq!(live.data["state"]["status"], "queued");
    // ...and when reading, with nothing written to their conversation.
    let after = app.get_conversation(second_token, second).await;
    assert_eq!(after["state"]["position"], 1, "{after}");
    assert_eq!(after["last_seq"].as_u64().unwrap(), seq_before, "no event was stored for a shopper further back");
    let last = &waiting[39];
    assert_eq!(app.get_conversation(&last.0, &last.1).await["state"]["position"], 39, "the last of 40 moved up when the head was claimed");
}
