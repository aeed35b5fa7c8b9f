//! Graceful shutdown, with the server as a real process: SIGTERM with open streams ends every
//! stream with a reconnect hint, loses nothing, and exits within 10 s.

use std::process::{Child, Command};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use reqwest::Client;
use serde_json::{json, Value};

use crate::helpers::{free_port, server_command, wait_ready};

fn start(port: u16, data: &std::path::Path) -> Child {
    server_command(port).arg("--data-dir").arg(data).args(["--max-streams-per-session", "20"]).spawn().expect("start tandem-server")
}

#[tokio::test]
async fn sigterm_with_open_streams_ends_them_with_a_reconnect_hint_and_exits_in_time_losing_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut child = start(port, dir.path());
    let client = Client::new();
    wait_ready(&client, &base).await;

    let session: Value = client.post(format!("{base}/v1/sessions")).json(&json!({"merchant_id": "nordic-outdoor"})).send().await.unwrap().json().await.unwrap();
    let token = session["token"].as_str().unwrap().to_string();
    let conv: Value = client.post(format!("{base}/v1/conversations")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    let id = conv["id"].as_str().unwrap().to_string();
    let mut streams = Vec::new();
    for _ in 0..20 {
        let res = client.get(format!("{base}/v1/conversations/{id}/events")).bearer_auth(&token).send().await.unwrap();
        assert_eq!(res.status(), 200);
        streams.push(res.bytes_stream());
    }
    let sent = client.post(format!("{base}/v1/conversations/{id}/messages")).bearer_auth(&token).json(&json!({"client_id": "c-1", "text": "how do late fees work?"})).send().await.unwrap();
    assert_eq!(sent.status(), 201);

    let term = Instant::now();
    assert!(Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap().success());
    // Every stream ends, its last words a reconnect hint.
    for mut s in streams {
        let mut body = String::new();
        let read = tokio::time::timeout(Duration::from_secs(10), async {
            while let Some(chunk) = s.next().await {
                match chunk {
                    Ok(b) => body.push_str(&String::from_utf8_lossy(&b)),
                    Err(_) => break,
                }
            }
        })
        .await;
        assert!(read.is_ok(), "a stream stayed open after SIGTERM: {body}");
        assert!(body.contains("retry: 1000"), "no reconnect hint: {body}");
    }
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        assert!(term.elapsed() < Duration::from_secs(10), "still running 10 s after SIGTERM");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "{status:?}");

    // Nothing lost: the question and its reply are there after a restart on the same data.
    let mut again = start(port, dir.path());
    wait_ready(&client, &base).await;
    let c: Value = client.get(format!("{base}/v1/conversations/{id}")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    let authors: Vec<&str> = c["messages"].as_array().unwrap().iter().map(|m| m["author"].as_str().unwrap()).collect();
    assert_eq!(authors, ["shopper", "assistant"], "{c}");
    again.kill().unwrap();
    let _ = again.wait();
}
