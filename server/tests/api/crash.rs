//! Replies survive a crash: the server as a real process gets a burst of questions, is killed with
//! SIGKILL, and restarted on the same data; every acknowledged question is answered exactly once,
//! and repeating a question (same `client_id`) never makes a second answer.

use std::process::{Child, Command};
use std::time::{Duration, Instant};

use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{fresh_database, free_port, server_command, wait_ready};

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start(data: &std::path::Path, database_url: Option<&str>, client: &Client) -> Server {
    let port = free_port();
    let mut cmd = server_command(port);
    cmd.arg("--data-dir").arg(data).args(["--rate-limit-scale", "10"]);
    if let Some(url) = database_url {
        cmd.arg("--database-url").arg(url);
    }
    let server = Server { child: cmd.spawn().expect("start tandem-server"), base: format!("http://127.0.0.1:{port}") };
    wait_ready(client, &server.base).await;
    server
}

const QUESTIONS: [&str; 3] = ["what happens if I pay late?", "how long does a refund take?", "can I pause my payments?"];

#[tokio::test]
async fn every_acknowledged_question_is_answered_once_after_a_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database().await;
    let client = Client::new();
    let mut server = start(dir.path(), url.as_deref(), &client).await;
    let base = server.base.clone();

    // 20 shoppers, each asking three questions at once.
    let mut shoppers = Vec::new();
    for _ in 0..20 {
        let s: Value = client.post(format!("{base}/v1/sessions")).json(&json!({"merchant_id": "nordic-outdoor"})).send().await.unwrap().json().await.unwrap();
        let token = s["token"].as_str().unwrap().to_string();
        let c: Value = client.post(format!("{base}/v1/conversations")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
        shoppers.push((token, c["id"].as_str().unwrap().to_string()));
    }
    let mut sends = Vec::new();
    for (token, conv) in &shoppers {
        for (i, q) in QUESTIONS.iter().enumerate() {
            let (client, url, token) = (client.clone(), format!("{base}/v1/conversations/{conv}/messages"), token.clone());
            let body = json!({"client_id": format!("q-{i}"), "text": q});
            sends.push(tokio::spawn(async move { client.post(url).bearer_auth(token).json(&body).send().await.map(|r| r.status()) }));
        }
    }
    let mut acked = 0;
    for s in sends {
        if let Ok(Ok(status)) = s.await {
            if status == StatusCode::CREATED {
                acked += 1;
            }
        }
    }
    // Killed the moment the last acknowledgement arrived: replies are still being written.
    assert!(Command::new("kill").args(["-KILL", &server.child.id().to_string()]).status().unwrap().success());
    let _ = server.child.wait();
    assert_eq!(acked, 60, "every question was acknowledged before the kill");

    drop(server);
    let server = start(dir.path(), url.as_deref(), &client).await;
    let base = server.base.clone();
    // Without any client retrying, the restarted server answers what was left unanswered.
    let until = Instant::now() + Duration::from_secs(30);
    for (token, conv) in &shoppers {
        loop {
            let (asked, answered, c) = counts(&client, &base, token, conv).await;
            assert!(answered <= asked, "a question was answered twice: {c}");
            if asked == 3 && answered == 3 {
                break;
            }
            assert!(Instant::now() < until, "not every acknowledged question was answered within 30 s of the restart: {c}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    // Repeating every question (a client retrying) adds no second answer.
    for (token, conv) in &shoppers {
        for (i, q) in QUESTIONS.iter().enumerate() {
            let res = client.post(format!("{base}/v1/conversations/{conv}/messages")).bearer_auth(token).json(&json!({"client_id": format!("q-{i}"), "text": q})).send().await.unwrap();
            assert_eq!(res.status(), StatusCode::OK, "a repeat is acknowledged as a duplicate");
        }
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    for (token, conv) in &shoppers {
        let (asked, answered, c) = counts(&client, &base, token, conv).await;
        assert_eq!((asked, answered), (3, 3), "{c}");
    }
    drop(server);
}

/// (shopper messages, assistant messages, the conversation) of one conversation.
async fn counts(client: &Client, base: &str, token: &str, conv: &str) -> (usize, usize, Value) {
    let c: Value = client.get(format!("{base}/v1/conversations/{conv}")).bearer_auth(token).send().await.unwrap().json().await.unwrap();
    let msgs = c["messages"].as_array().unwrap();
    let asked = msgs.iter().filter(|m| m["author"] == "shopper").count();
    let answered = msgs.iter().filter(|m| m["author"] == "assistant").count();
    (asked, answered, c)
}
