//! `spawn_app` and small clients for the tests.

use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use futures_util::{Stream, StreamExt};
use reqwest::{Client, Response, StatusCode};
use serde_json::{json, Value};
use tandem_assistant::Assistant;
use tandem_server::{AppState, Config};

/// A running server with its own database.
pub struct TestApp {
    pub base: String,
    pub port: u16,
    pub client: Client,
    pub state: AppState,
    _dir: tempfile::TempDir,
}

/// The demo pack's engine, built once for all tests.
pub fn assistant() -> Arc<Assistant> {
    static A: OnceLock<Arc<Assistant>> = OnceLock::new();
    A.get_or_init(|| Arc::new(Assistant::demo())).clone()
}

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Starts the server on 127.0.0.1:0 with a fresh data directory, in demo mode, today = 2026-11-25.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Like [`spawn_app`], with configuration changes.
pub async fn spawn_app_with(change: impl FnOnce(&mut Config)) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = Config::for_tests(dir.path().join("data"), repo().join("dist"), repo().join("demo"));
    config.database_url = fresh_database().await;
    change(&mut config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().unwrap().port();
    let state = AppState::new(config, assistant(), format!("http://localhost:{port}")).await.expect("state");
    let serving = state.clone();
    tokio::spawn(async move { tandem_server::serve_with(listener, serving, std::future::pending()).await });
    TestApp { base: format!("http://127.0.0.1:{port}"), port, client: Client::new(), state, _dir: dir }
}

/// With `TANDEM_TEST_DATABASE_URL` set to a PostgreSQL server (the test script starts one), a new
/// empty database on it for one test; otherwise `None`, and the test uses a fresh SQLite file.
pub async fn fresh_database() -> Option<String> {
    use sqlx::Connection;
    let admin = std::env::var("TANDEM_TEST_DATABASE_URL").ok().filter(|u| !u.is_empty())?;
    let name = format!("tandem_test_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(&admin).await.expect("connect to the test PostgreSQL");
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.expect("create a test database");
    conn.close().await.ok();
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
    Some(format!("{base}/{name}"))
}

/// A logged-in agent: the session cookie to send.
pub struct Agent {
    pub cookie: String,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Logs in demo agent `i` (0 = Sam, 1 = Kim).
    pub async fn agent_login(&self, i: usize) -> Agent {
        let (email, _, password, _) = tandem_server::demo::DEMO_AGENTS[i];
        let res = self.client.post(self.url("/v1/agent/login")).json(&json!({"email": email, "password": password})).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let set = res.headers()["set-cookie"].to_str().unwrap().to_string();
        assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict"), "{set}");
        // One cookie for the agent and the admin API (both under /v1), as the console calls both.
        assert!(set.contains("; Path=/v1;"), "{set}");
        Agent { cookie: set.split(';').next().unwrap().to_string() }
    }

    /// Logs in demo agent `i` and puts them online.
    pub async fn agent_online(&self, i: usize) -> Agent {
        let agent = self.agent_login(i).await;
        let res = self.agent_req(&agent, reqwest::Method::PUT, "/v1/agent/presence").json(&json!({"online": true})).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        agent
    }

    /// A request with the agent's cookie.
    pub fn agent_req(&self, agent: &Agent, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client.request(method, self.url(path)).header("cookie", &agent.cookie)
    }

    /// Asks for a person and returns the resulting state.
    pub async fn handoff(&self, token: &str, conversation: &str) -> Value {
        let res = self.client.post(self.url(&format!("/v1/conversations/{conversation}/handoff"))).bearer_auth(token).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        res.json().await.unwrap()
    }

    /// Creates an anonymous session for the demo merchant and returns its token.
    pub async fn anonymous_session(&self) -> String {
        let res = self.client.post(self.url("/v1/sessions")).json(&json!({"merchant_id": "nordic-outdoor"})).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        res.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_string()
    }

    /// Creates a session identified as the demo shopper (through the demo token endpoint).
    pub async fn identified_session(&self) -> String {
        let jwt: Value = self.client.post(self.url("/demo/identity-token")).send().await.unwrap().json().await.unwrap();
        let res = self
            .client
            .post(self.url("/v1/sessions"))
            .json(&json!({"merchant_id": "nordic-outdoor", "identity_token": jwt["token"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["shopper"]["identified"], true);
        body["token"].as_str().unwrap().to_string()
    }

    /// Creates a conversation and returns its id.
    pub async fn conversation(&self, token: &str) -> String {
        let res = self.client.post(self.url("/v1/conversations")).bearer_auth(token).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string()
    }

    pub async fn send(&self, token: &str, conversation: &str, client_id: &str, text: &str) -> Response {
        self.client
            .post(self.url(&format!("/v1/conversations/{conversation}/messages")))
            .bearer_auth(token)
            .json(&json!({"client_id": client_id, "text": text}))
            .send()
            .await
            .unwrap()
    }

    pub async fn get_conversation(&self, token: &str, conversation: &str) -> Value {
        let res = self.client.get(self.url(&format!("/v1/conversations/{conversation}"))).bearer_auth(token).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        res.json().await.unwrap()
    }

    /// Waits (up to 5 s) until the conversation holds `n` messages, and returns it.
    pub async fn wait_for_messages(&self, token: &str, conversation: &str, n: usize) -> Value {
        for _ in 0..100 {
            let c = self.get_conversation(token, conversation).await;
            if c["messages"].as_array().unwrap().len() >= n {
                return c;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("conversation never reached {n} messages: {}", self.get_conversation(token, conversation).await);
    }

    /// Waits up to `limit` until the conversation holds `n` messages, and returns it.
    pub async fn wait_for_messages_within(&self, token: &str, conversation: &str, n: usize, limit: Duration) -> Value {
        let until = std::time::Instant::now() + limit;
        while std::time::Instant::now() < until {
            let c = self.get_conversation(token, conversation).await;
            if c["messages"].as_array().unwrap().len() >= n {
                return c;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("conversation never reached {n} messages: {}", self.get_conversation(token, conversation).await);
    }

    /// Opens the event stream, optionally after a sequence number.
    pub async fn stream(&self, token: &str, conversation: &str, last_event_id: Option<&str>) -> Response {
        let mut req = self.client.get(self.url(&format!("/v1/conversations/{conversation}/events"))).bearer_auth(token);
        if let Some(id) = last_event_id {
            req = req.header("Last-Event-ID", id);
        }
        req.send().await.unwrap()
    }
}

/// One parsed Server-Sent Event.
#[derive(Debug, Clone)]
pub struct Sse {
    pub id: Option<String>,
    pub event: String,
    pub data: Value,
}

/// Reads SSE frames from a streaming response.
pub struct SseReader {
    body: Pin<Box<dyn Stream<Item = reqwest::Result<bytes::Bytes>> + Send>>,
    buf: String,
}

impl SseReader {
    pub fn new(res: Response) -> Self {
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["content-type"], "text/event-stream");
        SseReader { body: Box::pin(res.bytes_stream()), buf: String::new() }
    }

    /// The next event with data (comments skipped); panics after 5 s without one.
    pub async fn next(&mut self) -> Sse {
        tokio::time::timeout(Duration::from_secs(5), self.next_inner()).await.expect("no SSE event within 5 s")
    }

    /// The next event of the given kind, skipping others.
    pub async fn next_of(&mut self, kind: &str) -> Sse {
        loop {
            let e = self.next().await;
            if e.event == kind {
                return e;
            }
        }
    }

    async fn next_inner(&mut self) -> Sse {
        loop {
            while let Some(end) = self.buf.find("\n\n") {
                let frame: String = self.buf.drain(..end + 2).collect();
                let (mut id, mut event, mut data) = (None, "message".to_string(), String::new());
                for line in frame.lines() {
                    if let Some(v) = line.strip_prefix("id:") {
                        id = Some(v.trim().to_string());
                    } else if let Some(v) = line.strip_prefix("event:") {
                        event = v.trim().to_string();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim_start());
                    }
                }
                if !data.is_empty() {
                    return Sse { id, event, data: serde_json::from_str(&data).expect("SSE data is JSON") };
                }
            }
            let chunk = self.body.next().await.expect("stream ended").expect("stream error");
            self.buf.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

/// Asserts an error response: status, `error.code`, and a non-empty message.
pub async fn assert_error(res: Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(res.status(), status, "wrong status for expected error {code}");
    let body: Value = res.json().await.expect("error body is JSON");
    assert_eq!(body["error"]["code"], code, "body: {body}");
    assert!(body["error"]["message"].as_str().is_some_and(|m| m.len() > 10), "error message should explain: {body}");
    body
}

/// A free local port.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The real `tandem-server` binary in demo mode on `port` (fixed day, support always open, the demo
/// pack), output discarded; callers add the storage flags.
pub fn server_command(port: u16) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_tandem-server"));
    cmd.args(["--demo", "--support-hours", "always", "--today", "2026-11-25", "--bind"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("--pack")
        .arg(repo().join("packs/fjordpay"))
        .arg("--demo-dir")
        .arg(repo().join("demo"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    cmd
}

/// Waits (up to 60 s) until a server process answers.
pub async fn wait_ready(client: &Client, base: &str) {
    let until = std::time::Instant::now() + Duration::from_secs(60);
    while std::time::Instant::now() < until {
        if let Ok(r) = client.get(format!("{base}/v1/merchants/nordic-outdoor/config")).send().await {
            if r.status().is_success() {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("server at {base} did not start");
}
