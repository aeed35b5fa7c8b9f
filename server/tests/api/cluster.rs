//! Several instances on one PostgreSQL database, as real processes: a shopper on instance A and an
//! agent on instance B chat both ways live; two agents on two instances claim the same
//! conversations at once and exactly one wins each; an instance killed with SIGKILL takes its
//! agent offline after the time-to-live and their conversation returns to the front of the queue.
//! These need PostgreSQL: the test script runs them with `TANDEM_TEST_DATABASE_URL` set (on SQLite,
//! one process owns the file, and they say so and return).

use std::process::Child;
use std::time::{Duration, Instant};

use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{free_port, fresh_database, server_command, wait_ready, SseReader};

/// A `tandem-server` process.
struct Instance {
    base: String,
    child: Child,
    client: Client,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start(name: &str, database_url: &str, agent_timeout_secs: u64) -> Instance {
    let port = free_port();
    let child = server_command(port)
        .arg("--database-url")
        .arg(database_url)
        .arg("--agent-timeout-secs")
        .arg(agent_timeout_secs.to_string())
        .env("TANDEM_INSTANCE", name)
        .spawn()
        .expect("start tandem-server");
    let instance = Instance { base: format!("http://127.0.0.1:{port}"), child, client: Client::new() };
    wait_ready(&instance.client, &instance.base).await;
    instance
}

/// Two instances on one fresh PostgreSQL database, or `None` without PostgreSQL.
async fn two_instances(agent_timeout_secs: u64) -> Option<(Instance, Instance)> {
    let Some(url) = fresh_database().await else {
        eprintln!("skipped: set TANDEM_TEST_DATABASE_URL to a PostgreSQL server (scripts/test.sh does)");
        return None;
    };
    // Started together: migrations and the demo seed must cope with a second instance at once.
    let (a, b) = tokio::join!(start("a", &url, agent_timeout_secs), start("b", &url, agent_timeout_secs));
    Some((a, b))
}

impl Instance {
    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    async fn session(&self) -> String {
        let res = self.client.post(self.url("/v1/sessions")).json(&json!({"merchant_id": "nordic-outdoor"})).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        res.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_string()
    }

    async fn conversation(&self, token: &str) -> String {
        let res = self.client.post(self.url("/v1/conversations")).bearer_auth(token).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string()
    }

    async fn handoff(&self, token: &str, id: &str) -> Value {
        let res = self.client.post(self.url(&format!("/v1/conversations/{id}/handoff"))).bearer_auth(token).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        res.json().await.unwrap()
    }

    async fn get(&self, token: &str, id: &str) -> Value {
        self.client.get(self.url(&format!("/v1/conversations/{id}"))).bearer_auth(token).send().await.unwrap().json().await.unwrap()
    }

    /// Logs in demo agent `i` (0 = Sam, 1 = Kim) and returns the cookie.
    async fn agent(&self, i: usize) -> String {
        let (email, _, password, _) = tandem_server::demo::DEMO_AGENTS[i];
        let res = self.client.post(self.url("/v1/agent/login")).json(&json!({"email": email, "password": password})).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        res.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string()
    }

    fn agent_req(&self, cookie: &str, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.client.request(method, self.url(path)).header("cookie", cookie)
    }

    async fn online(&self, cookie: &str) {
        let res = self.agent_req(cookie, Method::PUT, "/v1/agent/presence").json(&json!({"online": true})).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
    }

    async fn console(&self, cookie: &str) -> SseReader {
        SseReader::new(self.agent_req(cookie, Method::GET, "/v1/agent/events").send().await.unwrap())
    }
}

#[tokio::test]
async fn a_shopper_on_one_instance_and_an_agent_on_another_chat_both_ways_live() {
    let Some((a, b)) = two_instances(60).await else { return };
    let sam = b.agent(0).await;
    b.online(&sam).await;
    let mut console = b.console(&sam).await;
    console.next_of("queue").await;

    let token = a.session().await;
    let id = a.conversation(&token).await;
    let mut shopper = SseReader::new(
        a.client.get(a.url(&format!("/v1/conversations/{id}/events"))).bearer_auth(&token).send().await.unwrap(),
    );
    assert_eq!(a.handoff(&token, &id).await["status"], "queued");
    // The console on B hears of the handoff made on A: that conversation, not the whole queue.
    let change = loop {
        let e = console.next_of("queue_change").await;
        if e.data["change"]["upsert"].as_array().unwrap().iter().any(|i| i["conversation_id"] == id.as_str()) {
            break e;
        }
    };
    assert_eq!(change.data["change"]["upsert"][0]["status"], "queued");
    assert_eq!(change.data["change"]["agents_online"], 1);

    let claimed = b.agent_req(&sam, Method::POST, &format!("/v1/agent/conversations/{id}/claim")).send().await.unwrap();
    assert_eq!(claimed.status(), StatusCode::OK);
    // The shopper on A sees the agent arrive, typing, and the agent's words, live.
    loop {
        let e = shopper.next_of("state").await;
        if e.data["state"]["status"] == "with_agent" {
            assert_eq!(e.data["state"]["agent_name"], "Sam");
            break;
        }
    }
    let typing = b.agent_req(&sam, Method::POST, &format!("/v1/agent/conversations/{id}/typing")).json(&json!({"active": true})).send().await.unwrap();
    assert_eq!(typing.status(), StatusCode::NO_CONTENT);
    let t = shopper.next_of("typing").await;
    assert_eq!((t.data["author"].as_str(), t.data["active"].as_bool()), (Some("agent"), Some(true)));
    let sent = Instant::now();
    let res = b
        .agent_req(&sam, Method::POST, &format!("/v1/agent/conversations/{id}/messages"))
        .json(&json!({"client_id": "sam-1", "text": "Hi, Sam here. How can I help?"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let m = shopper.next_of("message").await;
    assert_eq!(m.data["message"]["text"], "Hi, Sam here. How can I help?");
    assert!(sent.elapsed() < Duration::from_secs(2), "took {:?} to cross instances", sent.elapsed());

    // And back: the shopper writes on A, the agent's console on B gets it.
    let res = a
        .client
        .post(a.url(&format!("/v1/conversations/{id}/messages")))
        .bearer_auth(&token)
        .json(&json!({"client_id": "s-1", "text": "My refund has not arrived"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    loop {
        let e = console.next_of("conversation").await;
        if e.data["event"]["message"]["text"] == "My refund has not arrived" {
            assert_eq!(e.data["conversation_id"], id.as_str());
            break;
        }
    }
    // Both instances tell the same story.
    let from_a = a.get(&token, &id).await;
    let from_b = b.get(&token, &id).await;
    assert_eq!(from_a["messages"], from_b["messages"]);
    assert_eq!(from_a["last_seq"], from_b["last_seq"]);
}

#[tokio::test]
async fn two_agents_on_two_instances_claiming_at_once_get_exactly_one_winner_each_time() {
    let Some((a, b)) = two_instances(60).await else { return };
    let sam = a.agent(0).await;
    let kim = b.agent(1).await;
    a.online(&sam).await;
    b.online(&kim).await;
    let _sam_console = a.console(&sam).await;
    let _kim_console = b.console(&kim).await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        let token = a.session().await;
        let id = a.conversation(&token).await;
        a.handoff(&token, &id).await;
        ids.push(id);
    }
    let (mut sam_wins, mut kim_wins) = (0, 0);
    for id in &ids {
        let path = format!("/v1/agent/conversations/{id}/claim");
        let (x, y) = tokio::join!(
            a.agent_req(&sam, Method::POST, &path).send(),
            b.agent_req(&kim, Method::POST, &path).send()
        );
        let (x, y) = (x.unwrap().status(), y.unwrap().status());
        let winners = [x, y].iter().filter(|s| **s == StatusCode::OK).count();
        assert_eq!(winners, 1, "claims on {id}: {x} and {y}");
        assert!([x, y].contains(&StatusCode::CONFLICT), "the loser is told it was taken: {x} {y}");
        if x == StatusCode::OK {
            sam_wins += 1;
        } else {
            kim_wins += 1;
        }
    }
    // Each agent holds exactly what they won, seen from either instance.
    let mine = |inst: &Instance, cookie: &str| {
        let req = inst.agent_req(cookie, Method::GET, "/v1/agent/conversations");
        async move { req.send().await.unwrap().json::<Value>().await.unwrap().as_array().unwrap().len() }
    };
    assert_eq!(mine(&b, &sam).await, sam_wins);
    assert_eq!(mine(&a, &kim).await, kim_wins);
}

#[tokio::test]
async fn an_agent_whose_instance_is_killed_goes_offline_after_the_ttl_and_the_shopper_goes_back_to_the_front() {
    let Some((a, b)) = two_instances(2).await else { return };
    let kim = a.agent(1).await;
    a.online(&kim).await;
    let _kim_console = a.console(&kim).await;
    let sam = b.agent(0).await;
    b.online(&sam).await;
    let mut sam_console = b.console(&sam).await;
    sam_console.next_of("queue").await;

    let token = a.session().await;
    let held = a.conversation(&token).await;
    a.handoff(&token, &held).await;
    let claimed = b.agent_req(&sam, Method::POST, &format!("/v1/agent/conversations/{held}/claim")).send().await.unwrap();
    assert_eq!(claimed.status(), StatusCode::OK);
    let other_token = a.session().await;
    let waiting = a.conversation(&other_token).await;
    assert_eq!(a.handoff(&other_token, &waiting).await["status"], "queued");
    // Kim stays connected on A past the time-to-live: only Sam's instance dies.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(a.get(&token, &held).await["state"]["status"], "with_agent", "a live console keeps its agent online");

    let mut b = b;
    b.child.kill().unwrap(); // SIGKILL: no goodbye
    b.child.wait().unwrap();
    drop(sam_console);
    let killed = Instant::now();
    let state = loop {
        let c = a.get(&token, &held).await;
        if c["state"]["status"] == "queued" {
            break c;
        }
        assert!(killed.elapsed() < Duration::from_secs(10), "still held 10 s after the instance died: {c}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(killed.elapsed() >= Duration::from_secs(1), "taken offline before the time-to-live");
    assert_eq!(state["state"]["position"], 1, "returned to the front: {state}");
    // Right after: the shopper is told why, and the one who was waiting moves back one place.
    let told = |c: &Value| c["messages"].as_array().unwrap().iter().any(|m| m["text"].as_str().unwrap().contains("lost their connection"));
    let settled = Instant::now();
    loop {
        let (held_now, waiting_now) = (a.get(&token, &held).await, a.get(&other_token, &waiting).await);
        if told(&held_now) && waiting_now["state"]["position"] == 2 {
            break;
        }
        assert!(settled.elapsed() < Duration::from_secs(3), "not settled: {held_now} / {waiting_now}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let queue: Value = a.agent_req(&kim, Method::GET, "/v1/agent/queue").send().await.unwrap().json().await.unwrap();
    assert_eq!(queue["agents_online"], 1, "only Kim is online now: {queue}");
}

#[tokio::test]
async fn a_session_ended_on_one_instance_stops_working_on_the_other_at_once() {
    let Some((a, b)) = two_instances(60).await else { return };
    let token = a.session().await;
    let latest = |inst: &Instance| inst.client.get(inst.url("/v1/conversations/latest")).bearer_auth(&token).send();
    // Known on B (and now remembered there).
    assert_eq!(latest(&b).await.unwrap().status(), StatusCode::NO_CONTENT, "no conversation yet, but a valid session");
    let ended = a.client.delete(a.url("/v1/sessions/current")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(ended.status(), StatusCode::NO_CONTENT);
    let since = Instant::now();
    loop {
        let status = latest(&b).await.unwrap().status();
        if status == StatusCode::UNAUTHORIZED {
            break;
        }
        assert!(since.elapsed() < Duration::from_secs(2), "B still accepts an ended session after {:?}: {status}", since.elapsed());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
