//! Load benchmark (a report, not a test): for SQLite, PostgreSQL with one instance, and PostgreSQL
//! with two, prints in one run
//!   - the database's own single-row commit rate on the same disk (the reference),
//!   - messages stored and answered per second, and reply latency p50/p99, with 1, 100 and 1,000
//!     concurrent shoppers (each sends a question, waits for the assistant's answer on its live
//!     stream, sends the next; a new conversation, and a new stream, every 4 questions),
//!   - delivery to N open streams (default 10,000): one message to every conversation at once,
//!     time until its stream has shown the message and the reply, p50/p99,
//!   - server memory per open stream (RSS growth while the streams open, divided by their number).
//! Run by `scripts/bench.sh` (release build, raised file limits, a throwaway PostgreSQL):
//!   cargo run --release -p tandem-server --example bench -- --server target/release/tandem-server [--streams 10000] [--seconds 5] [--postgres URL] [--levels 1,100,1000] [--setups sqlite,pg1,pg2]

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use reqwest::Client;
use serde_json::json;
use sqlx::Connection;

mod common;
use common::{percentile, Launch, Server};

struct Args {
    server: String,
    streams: usize,
    seconds: u64,
    postgres: Option<String>,
    levels: Vec<usize>,
    /// Which setups to run: `sqlite`, `pg1` (PostgreSQL, one instance), `pg2` (two).
    setups: Vec<String>,
}

fn args() -> Args {
    let mut a = Args { server: "target/release/tandem-server".into(), streams: 10_000, seconds: 5, postgres: None, levels: vec![1, 100, 1000], setups: vec!["sqlite".into(), "pg1".into(), "pg2".into()] };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--server" => a.server = value(),
            "--streams" => a.streams = value().parse().expect("--streams N"),
            "--seconds" => a.seconds = value().parse().expect("--seconds N"),
            "--postgres" => a.postgres = Some(value()),
            "--levels" => a.levels = value().split(',').map(|s| s.parse().expect("--levels 1,100,1000")).collect(),
            "--setups" => a.setups = value().split(',').map(str::to_string).collect(),
            other => panic!("unknown flag {other}"),
        }
    }
    a
}

async fn start(server: &str, name: &str, data_dir: &std::path::Path, database_url: Option<&str>, instances: usize) -> Server {
    // Throughput and streams from one address: the abuse limits are measured on their own
    // (`scripts/abuse.sh`), not here.
    let mut args = vec!["--rate-limit-scale", "0", "--max-streams-per-address", "1000000", "--max-streams-per-session", "1000000", "--max-connections-per-address", "1000000"];
    if let Some(url) = database_url {
        args.extend(["--database-url", url]);
        // Two writers in all, as one instance has by default: the database shares this machine's
        // two cores, and more writers only make smaller batches (as `scripts/cluster.sh` does).
        if instances > 1 {
            args.extend(["--database-writers", "1"]);
        }
    }
    common::start(Launch { binary: server, name, data_dir, args: &args, open_files: None, log: None }).await
}

/// The database's own single-row commit rate: one-row transactions, one after another, for `secs`
/// seconds, each an autocommitted `INSERT` of a prepared statement. SQLite is driven directly (no
/// async driver between) with the server's own settings, so the reference is what the disk and
/// SQLite allow at Tandem's durability, not a driver's overhead.
async fn raw_commit_rate(url: &str, secs: u64) -> f64 {
    let until = Duration::from_secs(secs);
    if let Some(path) = url.strip_prefix("sqlite://") {
        let path = path.split('?').next().unwrap().to_string();
        return tokio::task::spawn_blocking(move || sqlite_commit_rate(&path, tandem_server::store::SQLITE_PRAGMAS, until)).await.unwrap();
    }
    let mut c = sqlx::PgConnection::connect(url).await.unwrap();
    sqlx::raw_sql("CREATE TABLE IF NOT EXISTS raw (id BIGSERIAL PRIMARY KEY, c TEXT, payload TEXT)").execute(&mut c).await.unwrap();
    let warm = Instant::now();
    while warm.elapsed() < Duration::from_secs(1) {
        sqlx::query("INSERT INTO raw (c, payload) VALUES ($1, $2)").bind("conversation").bind("a message of ordinary length").execute(&mut c).await.unwrap();
    }
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < until {
        sqlx::query("INSERT INTO raw (c, payload) VALUES ($1, $2)").bind("conversation").bind("a message of ordinary length").execute(&mut c).await.unwrap();
        n += 1;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

fn sqlite_commit_rate(path: &str, pragmas: &str, until: Duration) -> f64 {
    let c = rusqlite::Connection::open(path).unwrap();
    c.execute_batch(pragmas).unwrap();
    c.execute_batch("CREATE TABLE IF NOT EXISTS raw (id INTEGER PRIMARY KEY, c TEXT, payload TEXT)").unwrap();
    let mut insert = c.prepare("INSERT INTO raw (c, payload) VALUES (?1, ?2)").unwrap();
    // A second first, uncounted: a new log file grows until its first checkpoint, and growing
    // costs each flush more than the steady state does.
    let warm = Instant::now();
    while warm.elapsed() < Duration::from_secs(1) {
        insert.execute(("conversation", "a message of ordinary length")).unwrap();
    }
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < until {
        insert.execute(("conversation", "a message of ordinary length")).unwrap();
        n += 1;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

#[derive(Clone)]
struct Shopper {
    base: String,
    token: String,
    conversation: String,
}

async fn shopper(client: &Client, base: &str) -> Shopper {
    let token = common::session(client, base, None).await.expect("a session");
    let conversation = new_conversation(client, base, &token).await;
    Shopper { base: base.into(), token, conversation }
}

async fn new_conversation(client: &Client, base: &str, token: &str) -> String {
    common::conversation(client, base, token, None).await.expect("a conversation")
}

/// A conversation's live stream, read on the shopper's own task. The generator shares the cores
/// with the server, so it reads frames as bytes and parses only the sequence number of the
/// assistant's messages.
struct Replies {
    conn: common::wire::Conn,
    buf: Vec<u8>,
}

impl Replies {
    async fn open(s: &Shopper) -> std::io::Result<Replies> {
        let mut conn = common::wire::Conn::open(&s.base).await?;
        conn.get_stream(&format!("/v1/conversations/{}/events", s.conversation), &s.token).await?;
        Ok(Replies { conn, buf: Vec::new() })
    }

    /// Waits for an assistant message numbered after `seq`.
    async fn after(&mut self, seq: u64) -> std::io::Result<()> {
        let frame_end = memchr::memmem::Finder::new(b"\n\n");
        let assistant = memchr::memmem::Finder::new(b"\"author\":\"assistant\"");
        loop {
            let mut start = 0;
            let mut found = false;
            while let Some(end) = frame_end.find(&self.buf[start..]) {
                let frame = &self.buf[start..start + end];
                start += end + 2;
                if !frame.starts_with(b"event: message\n") || assistant.find(frame).is_none() {
                    continue;
                }
                let Some(data) = frame.split(|&b| b == b'\n').find_map(|l| l.strip_prefix(b"data: ")) else { continue };
                if serde_json::from_slice::<Ack>(data).is_ok_and(|f| f.message.seq > seq) {
                    found = true;
                    break;
                }
            }
            self.buf.drain(..start);
            if found {
                return Ok(());
            }
            match self.conn.chunk().await? {
                Some(chunk) => self.buf.extend_from_slice(&chunk),
                None => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            }
        }
    }
}

/// `answer`'s result within 30 s, or why not (`what` names the request).
async fn within<T>(what: &str, answer: impl std::future::Future<Output = std::io::Result<T>>) -> Result<T, String> {
    match tokio::time::timeout(Duration::from_secs(30), answer).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(format!("{what}: {e}")),
        Err(_) => Err(format!("{what}: no answer in 30 s")),
    }
}

/// Questions the demo pack answers without a person; a conversation asks each once (asking the
/// same thing again and again reads as a stuck shopper, whom the assistant hands to a person).
const QUESTIONS: [&str; 4] = ["How do late fees work?", "Is there a charge for paying early?", "How do returns work?", "How long does a refund take?"];
const QUESTION: &str = QUESTIONS[0];

/// What the generator reads of a message's acknowledgement (the rest is skipped unparsed).
#[derive(serde::Deserialize, Default)]
struct Ack {
    message: AckMessage,
}

#[derive(serde::Deserialize, Default)]
struct AckMessage {
    seq: u64,
}

struct LoadResult {
    stored: f64,
    answered: f64,
    p50_ms: f64,
    p99_ms: f64,
}

/// `n` shoppers in a closed loop for `secs` seconds, spread over the servers.
async fn load(client: &Client, bases: &[String], n: usize, secs: u64) -> LoadResult {
    let stored = Arc::new(AtomicU64::new(0));
    let answered = Arc::new(AtomicU64::new(0));
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let start = Instant::now() + Duration::from_millis(300);
    let until = start + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    for i in 0..n {
        let (client, base) = (client.clone(), bases[i % bases.len()].clone());
        let (stored, answered, latencies) = (stored.clone(), answered.clone(), latencies.clone());
        tasks.push(tokio::spawn(async move {
            let mut s = shopper(&client, &base).await;
            let mut posts = common::wire::Conn::open(&base).await.map_err(|e| format!("connect: {e}"))?;
            tokio::time::sleep_until(start.into()).await;
            let mut k = 0u64;
            while Instant::now() < until {
                if k % QUESTIONS.len() as u64 == 0 && k > 0 {
                    s.conversation = new_conversation(&client, &base, &s.token).await;
                }
                // Every question of this conversation on one stream.
                let mut replies = within("stream", Replies::open(&s)).await?;
                let round = k;
                let messages_path = format!("/v1/conversations/{}/messages", s.conversation);
                for (q, question) in QUESTIONS.iter().enumerate() {
                    if Instant::now() >= until {
                        break;
                    }
                    let t0 = Instant::now();
                    // The body written out, not built as a JSON value (both strings need no escaping).
                    let body = format!(r#"{{"client_id":"q{round}-{q}","text":"{question}"}}"#);
                    let res = within("message", posts.post_json(&messages_path, &s.token, &body)).await?;
                    if res.status != 201 {
                        return Err(format!("message answered {}", res.status));
                    }
                    let seq = serde_json::from_slice::<Ack>(&res.body).unwrap_or_default().message.seq;
                    stored.fetch_add(1, Ordering::Relaxed);
                    within("reply", replies.after(seq)).await?;
                    if Instant::now() <= until {
                        answered.fetch_add(1, Ordering::Relaxed);
                        latencies.lock().unwrap().push(t0.elapsed().as_secs_f64() * 1000.0);
                    }
                    k += 1;
                }
            }
            Ok::<(), String>(())
        }));
    }
    // A shopper that stopped early would make the level measure fewer shoppers than it says.
    let mut stopped = Vec::new();
    for t in tasks {
        match t.await {
            Ok(Ok(())) => {}
            Ok(Err(why)) => stopped.push(why),
            Err(e) => stopped.push(format!("task: {e}")),
        }
    }
    if let Some(first) = stopped.first() {
        eprintln!("  warning: {} of {n} shoppers stopped early (first: {first})", stopped.len());
    }
    let mut l = latencies.lock().unwrap().clone();
    l.sort_by(f64::total_cmp);
    let secs = secs as f64;
    LoadResult {
        stored: stored.load(Ordering::Relaxed) as f64 / secs,
        answered: answered.load(Ordering::Relaxed) as f64 / secs,
        p50_ms: percentile(&l, 0.5),
        p99_ms: percentile(&l, 0.99),
    }
}

struct Delivery {
    p50_ms: f64,
    p99_ms: f64,
    kb_per_stream: f64,
    opened: usize,
}

/// Opens `n` streams (spread over the servers), then sends one message to every conversation at
/// once; time until each stream shows the assistant's reply.
async fn delivery(client: &Client, servers: &[Server], n: usize) -> Delivery {
    let mut shoppers = Vec::with_capacity(n);
    let bases: Vec<String> = servers.iter().map(|s| s.base.clone()).collect();
    for chunk in (0..n).collect::<Vec<_>>().chunks(200) {
        let made = futures_util::future::join_all(chunk.iter().map(|i| shopper(client, &bases[i % bases.len()]))).await;
        shoppers.extend(made);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before: u64 = servers.iter().map(Server::rss_kb).sum();
    let sent_at: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let done: Arc<Mutex<Vec<f64>>> = Arc::default();
    let opened = Arc::new(AtomicU64::new(0));
    let mut followers = Vec::new();
    for s in &shoppers {
        let (sent_at, done, id) = (sent_at.clone(), done.clone(), s.conversation.clone());
        let opened = opened.clone();
        let req = client.get(format!("{}/v1/conversations/{}/events", s.base, s.conversation)).bearer_auth(&s.token);
        followers.push(tokio::spawn(async move {
            let Ok(res) = req.send().await else { return };
            opened.fetch_add(1, Ordering::Relaxed);
            let mut body = res.bytes_stream();
            let mut buf = String::new();
            while let Some(Ok(chunk)) = body.next().await {
                buf.push_str(&String::from_utf8_lossy(&chunk));
                if buf.contains("\"author\":\"assistant\"") {
                    if let Some(t) = sent_at.lock().unwrap().get(&id) {
                        done.lock().unwrap().push(t.elapsed().as_secs_f64() * 1000.0);
                    }
                    return;
                }
                if buf.len() > 1 << 16 {
                    buf.clear();
                }
            }
        }));
    }
    let wait_open = Instant::now();
    while (opened.load(Ordering::Relaxed) as usize) < n && wait_open.elapsed() < Duration::from_secs(120) {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let after: u64 = servers.iter().map(Server::rss_kb).sum();
    let opened = opened.load(Ordering::Relaxed) as usize;
    // Everyone at once (bounded only by the client's connection pool).
    let sends = futures_util::stream::iter(shoppers.iter().cloned().enumerate())
        .map(|(i, s)| {
            let (client, sent_at) = (client.clone(), sent_at.clone());
            async move {
                sent_at.lock().unwrap().insert(s.conversation.clone(), Instant::now());
                let _ = client
                    .post(format!("{}/v1/conversations/{}/messages", s.base, s.conversation))
                    .bearer_auth(&s.token)
                    .json(&json!({"client_id": format!("d{i}"), "text": QUESTION}))
                    .send()
                    .await;
            }
        })
        .buffer_unordered(500)
        .collect::<Vec<_>>();
    sends.await;
    let deadline = Instant::now() + Duration::from_secs(120);
    while done.lock().unwrap().len() < opened && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for f in followers {
        f.abort();
    }
    let mut l = done.lock().unwrap().clone();
    if l.len() < opened {
        eprintln!("  warning: {} of {opened} streams saw their reply within the deadline", l.len());
    }
    l.sort_by(f64::total_cmp);
    Delivery {
        p50_ms: percentile(&l, 0.5),
        p99_ms: percentile(&l, 0.99),
        kb_per_stream: after.saturating_sub(before) as f64 / opened.max(1) as f64,
        opened,
    }
}

/// Starts each measured phase from the same place on PostgreSQL: a checkpoint, so that one phase
/// does not pay for writing out what the phase before it left in the WAL (PostgreSQL checkpoints
/// when the WAL has grown by about 1 GB, which a phase at full speed reaches in about a minute,
/// and the disk is then shared with that checkpoint's writes and syncs).
async fn settle(database_url: Option<&str>) {
    if let Some(url) = database_url {
        let mut c = sqlx::PgConnection::connect(url).await.expect("connect to PostgreSQL");
        sqlx::query("CHECKPOINT").execute(&mut c).await.expect("checkpoint");
    }
}

async fn scenario(a: &Args, label: &str, database_url: Option<&str>, instances: usize) {
    let dir = tempfile::tempdir().unwrap();
    let raw_url = match database_url {
        Some(u) => u.to_string(),
        None => format!("sqlite://{}?mode=rwc", dir.path().join("raw.db").display()),
    };
    settle(database_url).await;
    let raw = raw_commit_rate(&raw_url, 3).await;
    // For context: SQLite without waiting for the disk (`synchronous = NORMAL`; a commit survives a
    // killed process but not a power cut).
    let unflushed = match database_url {
        Some(_) => None,
        None => {
            let path = dir.path().join("raw-normal.db").display().to_string();
            let pragmas = tandem_server::store::SQLITE_PRAGMAS.replace("synchronous = FULL", "synchronous = NORMAL");
            Some(tokio::task::spawn_blocking(move || sqlite_commit_rate(&path, &pragmas, Duration::from_secs(3))).await.unwrap())
        }
    };
    let mut servers = Vec::new();
    for i in 0..instances {
        servers.push(start(&a.server, &format!("bench-{i}"), &dir.path().join("data"), database_url, instances).await);
    }
    let client = Client::builder().pool_idle_timeout(Duration::from_secs(30)).build().unwrap();
    let bases: Vec<String> = servers.iter().map(|s| s.base.clone()).collect();
    let mut rows = Vec::new();
    for &n in &a.levels {
        settle(database_url).await;
        let cpu_before: f64 = servers.iter().map(Server::cpu_secs).sum();
        let own_before = common::cpu_secs("self");
        let r = load(&client, &bases, n, a.seconds).await;
        let cpu = servers.iter().map(Server::cpu_secs).sum::<f64>() - cpu_before;
        let own = common::cpu_secs("self") - own_before;
        rows.push((n, r, cpu, own));
    }
    // The reference again after the levels: the disk's rate drifts by ±10% within minutes, and the
    // ratio is taken to the mean of the two.
    settle(database_url).await;
    let raw_after = raw_commit_rate(&raw_url, 3).await;
    let reference = (raw + raw_after) / 2.0;
    println!("\n## {label}\nreference: the database's own single-row commits on this disk, each on the disk before it returns (as Tandem's): {reference:.0}/s (mean of {raw:.0}/s before the levels and {raw_after:.0}/s after)");
    if let Some(u) = unflushed {
        println!("(the same without waiting for the disk, synchronous = NORMAL: {u:.0}/s)");
    }
    println!("| shoppers | stored/s | answered/s | reply p50 | reply p99 | stored vs raw commits | server CPU per message + reply | load generator |");
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (n, r, cpu, own) in rows {
        println!(
            "| {n} | {:.0} | {:.0} | {:.1} ms | {:.1} ms | {:.2}x | {:.2} ms | {:.2} cores |",
            r.stored, r.answered, r.p50_ms, r.p99_ms, r.stored / reference,
            cpu * 1000.0 / (r.answered * a.seconds as f64).max(1.0),
            own / a.seconds as f64
        );
    }
    if a.streams > 0 {
        let d = delivery(&client, &servers, a.streams).await;
        println!(
            "delivery to {} open streams (message + reply on every stream): p50 {:.0} ms, p99 {:.0} ms; server memory {:.1} KB per open stream",
            d.opened, d.p50_ms, d.p99_ms, d.kb_per_stream
        );
    }
}

#[tokio::main]
async fn main() {
    let a = args();
    println!("# Tandem load benchmark (client and servers share this machine's {} cores)", std::thread::available_parallelism().map_or(1, |n| n.get()));
    let wanted = |setup: &str| a.setups.iter().any(|s| s == setup);
    if wanted("sqlite") {
        scenario(&a, "SQLite (one instance)", None, 1).await;
    }
    if let Some(pg) = &a.postgres {
        for (label, n) in [("PostgreSQL, one instance", 1), ("PostgreSQL, two instances", 2)].into_iter().filter(|(_, n)| wanted(&format!("pg{n}"))) {
            // A fresh database per scenario.
            let name = format!("bench_{}", uuid::Uuid::new_v4().simple());
            let mut c = sqlx::PgConnection::connect(pg).await.expect("connect to PostgreSQL");
            sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut c).await.unwrap();
            let url = format!("{}/{name}", pg.rsplit_once('/').map_or(pg.as_str(), |(b, _)| b));
            scenario(&a, label, Some(&url), n).await;
            // Its files would otherwise be synced by every later checkpoint.
            sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)")).execute(&mut c).await.unwrap();
        }
    } else {
        println!("\n(PostgreSQL skipped: pass --postgres URL; scripts/bench.sh starts one)");
    }
}
