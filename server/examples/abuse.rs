//! Abuse report (a report, not a test): starts the release server with its default limits (demo
//! data; `--trusted-proxy 127.0.0.1`, so each simulated client has its own address in
//! `X-Forwarded-For`) and prints, each beside a reference measured in the same run:
//!   1. flood: one address sends 2,000 session requests, then handoffs, messages and new
//!      conversations from a few sessions as fast as it can, while real shoppers (each from its
//!      own address) start a conversation, ask a question and ask for a person; the attacker's
//!      201/429 counts, the shoppers' latency with and without the flood, server memory and CPU;
//!   2. streams: one session asks for 1,200 streams (accepted vs refused); then N shoppers open a
//!      stream each and drop it, three times: live channels (`/metrics`) before, while open and
//!      after, server memory per open stream, and whether memory is reused the next time;
//!   3. slowloris: 300 clients trickling their headers (and a few that send nothing, or trickle
//!      the HTTP/2 preface): how many the server cuts and when, and a normal request meanwhile;
//!      then a server whose open-file limit is low (512): the slow clients fill the connection
//!      limit fitted to it, the excess is closed at once, and what a normal request gets, on a new
//!      connection and on one kept alive from before.
//! Prints figures and asserts nothing timing-based; exits non-zero only on a malfunction (the
//! server exits, answers 5xx, a stream cap, the header timeout or the connection limit does not
//! hold at all, live channels are not freed).
//! Run by `scripts/abuse.sh` (release build, raised file limit for the client):
//!   cargo run --release -p tandem-server --example abuse -- --server target/release/tandem-server [--seconds 12] [--streams 2000] [--only flood,streams,slowloris,low-files]

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use reqwest::{Client, RequestBuilder, StatusCode};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

mod common;
use common::{conversation, forwarded, percentile, session, sorted, Failed, Launch, Metrics, Server, MERCHANT};

/// The server's defaults this report measures against (see `server/src/config.rs`).
const STREAMS_PER_SESSION: usize = 8;
const HEADER_TIMEOUT_SECS: u64 = 10;

/// The flooding client's address (documentation range), and how it floods.
const ATTACKER: &str = "198.51.100.66";
const FLOOD_SESSIONS: usize = 4;
const WORKERS_PER_SESSION: usize = 16;
const QUESTION: &str = "How do late fees work?";

struct Args {
    server: String,
    /// Length of the flood, and of its reference.
    seconds: u64,
    /// Session requests the attacker sends.
    sessions: usize,
    /// Stream requests on one session token.
    one_session_streams: usize,
    /// Shoppers who open a stream each and drop it.
    streams: usize,
    /// How many times they do.
    stream_rounds: usize,
    /// Clients trickling their headers.
    slow: usize,
    /// Open-file limit of the second server.
    open_files: u64,
    /// Scenarios to run (`flood`, `streams`, `slowloris`, `low-files`); all when empty.
    only: Vec<String>,
}

impl Args {
    fn runs(&self, scenario: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|o| o == scenario)
    }
}

fn args() -> Args {
    let mut a = Args { server: "target/release/tandem-server".into(), seconds: 12, sessions: 2000, one_session_streams: 1200, streams: 2000, stream_rounds: 3, slow: 300, open_files: 512, only: vec![] };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--server" => a.server = value(),
            "--seconds" => a.seconds = value().parse().expect("--seconds N"),
            "--sessions" => a.sessions = value().parse().expect("--sessions N"),
            "--one-session-streams" => a.one_session_streams = value().parse().expect("--one-session-streams N"),
            "--streams" => a.streams = value().parse().expect("--streams N"),
            "--stream-rounds" => a.stream_rounds = value().parse().expect("--stream-rounds N"),
            "--slow" => a.slow = value().parse().expect("--slow N"),
            "--open-files" => a.open_files = value().parse().expect("--open-files N"),
            "--only" => a.only = value().split(',').map(str::to_string).collect(),
            other => panic!("unknown flag {other}"),
        }
    }
    a
}

/// A simulated client's own address: `10.{net}.x.y`, the `i`-th of its group.
fn address(net: u8, i: usize) -> String {
    format!("10.{net}.{}.{}", (i >> 8) & 255, i & 255)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// "p50 / p99" of latencies in ms.
fn p50_p99(values: &[f64]) -> String {
    let s = sorted(values);
    if s.is_empty() {
        return "-".into();
    }
    format!("{:.1} / {:.1} ms", percentile(&s, 0.5), percentile(&s, 0.99))
}

fn mb(kb: u64) -> String {
    format!("{:.0} MB", kb as f64 / 1024.0)
}

/// What went wrong (a malfunction, not a slow figure).
#[derive(Default)]
struct Problems(Vec<String>);

impl Problems {
    fn add(&mut self, what: impl Into<String>) {
        let what = what.into();
        println!("MALFUNCTION: {what}");
        self.0.push(what);
    }

    /// Whether the server still runs (if not, nothing after this is worth measuring).
    fn alive(&mut self, server: &mut Server, after: &str) -> bool {
        match server.exited() {
            None => true,
            Some(status) => {
                self.add(format!("the server exited during {after}: {status}"));
                false
            }
        }
    }

    fn finish(&self, log: Option<&std::path::Path>) -> ExitCode {
        if self.0.is_empty() {
            println!("\nno malfunction");
            return ExitCode::SUCCESS;
        }
        println!("\n{} malfunction(s):", self.0.len());
        for p in &self.0 {
            println!("- {p}");
        }
        if let Some(text) = log.and_then(|l| std::fs::read_to_string(l).ok()) {
            let lines: Vec<&str> = text.lines().collect();
            println!("server log (last lines):");
            for l in &lines[lines.len().saturating_sub(20)..] {
                println!("  {l}");
            }
        }
        ExitCode::FAILURE
    }
}

// ---------------------------------------------------------------------------------------------
// 1. Flood

/// Answers counted by request kind and status.
#[derive(Default)]
struct Tally {
    by: BTreeMap<(&'static str, u16), u64>,
    /// 429s without a usable `Retry-After`.
    no_retry_after: u64,
    retry_after_max: u64,
    /// Requests without an answer (connection errors, timeouts).
    errors: u64,
}

impl Tally {
    fn count(&self, what: &str, pred: impl Fn(u16) -> bool) -> u64 {
        self.by.iter().filter(|((w, s), _)| *w == what && pred(*s)).map(|(_, n)| n).sum()
    }
}

/// Sends, counts the answer, and returns its JSON body when it is a success.
async fn send(tally: &Mutex<Tally>, what: &'static str, req: RequestBuilder) -> Option<Value> {
    let res = match req.send().await {
        Ok(r) => r,
        Err(_) => {
            tally.lock().unwrap().errors += 1;
            return None;
        }
    };
    let status = res.status().as_u16();
    {
        let mut t = tally.lock().unwrap();
        *t.by.entry((what, status)).or_insert(0) += 1;
        if status == 429 {
            match res.headers().get("retry-after").and_then(|v| v.to_str().ok()?.parse::<u64>().ok()) {
                Some(secs) if secs >= 1 => t.retry_after_max = t.retry_after_max.max(secs),
                _ => t.no_retry_after += 1,
            }
        }
    }
    if res.status().is_success() {
        res.json().await.ok()
    } else {
        let _ = res.bytes().await; // read to the end, so the connection is reused
        None
    }
}

/// One address: `sessions` session requests at once (64 in flight), then handoffs, messages and
/// new conversations from the first few sessions it got, as fast as it can until `until`.
async fn attack(client: Client, base: String, sessions: usize, until: Instant, tally: Arc<Mutex<Tally>>) -> Duration {
    let started = Instant::now();
    let tokens: Vec<String> = futures_util::stream::iter(0..sessions)
        .map(|_| {
            let (client, base, tally) = (client.clone(), base.clone(), tally.clone());
            async move {
                let req = forwarded(client.post(format!("{base}/v1/sessions")), Some(ATTACKER)).json(&json!({"merchant_id": MERCHANT}));
                send(&tally, "session", req).await.and_then(|v| v["token"].as_str().map(str::to_string))
            }
        })
        .buffer_unordered(64)
        .filter_map(|t| async move { t })
        .collect()
        .await;
    let storm = started.elapsed();
    let mut workers = Vec::new();
    for token in tokens.into_iter().take(FLOOD_SESSIONS) {
        let current: Arc<Mutex<Option<String>>> = Arc::default();
        for w in 0..WORKERS_PER_SESSION {
            let (client, base, tally, token, current) = (client.clone(), base.clone(), tally.clone(), token.clone(), current.clone());
            workers.push(tokio::spawn(async move {
                let mut k = w;
                while Instant::now() < until {
                    let conv = current.lock().unwrap().clone();
                    let auth = |req: RequestBuilder| forwarded(req, Some(ATTACKER)).bearer_auth(&token);
                    match (k % 3, conv) {
                        (1, Some(c)) => {
                            let body = json!({"client_id": format!("flood-{w}-{k}"), "text": QUESTION});
                            send(&tally, "message", auth(client.post(format!("{base}/v1/conversations/{c}/messages"))).json(&body)).await;
                        }
                        (2, Some(c)) => {
                            send(&tally, "handoff", auth(client.post(format!("{base}/v1/conversations/{c}/handoff")))).await;
                        }
                        _ => {
                            if let Some(v) = send(&tally, "new conversation", auth(client.post(format!("{base}/v1/conversations")))).await {
                                *current.lock().unwrap() = v["id"].as_str().map(str::to_string);
                            }
                        }
                    }
                    k += 1;
                }
            }));
        }
    }
    for w in workers {
        let _ = w.await;
    }
    storm
}

/// Real shoppers, one after another, each from its own address: session, conversation, a
/// question, a person; one round every `every` until `until`.
#[derive(Default)]
struct Shoppers {
    rounds: u64,
    message_ms: Vec<f64>,
    handoff_ms: Vec<f64>,
    /// 429s the shoppers got (the limits should leave them alone).
    refused: u64,
    /// Other failures, with what failed.
    failed: Vec<String>,
    /// Of which 5xx.
    server_errors: u64,
}

/// The answer's status once its body has been read (`None`: no complete answer).
async fn answer(req: RequestBuilder) -> Failed {
    let res = req.send().await.ok()?;
    let status = res.status();
    res.bytes().await.ok()?;
    Some(status)
}

async fn real_shoppers(base: &str, first: usize, every: Duration, until: Instant) -> Shoppers {
    let client = Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
    let start = Instant::now();
    let mut out = Shoppers::default();
    let mut i = 0;
    while Instant::now() < until {
        let from = address(1, first + i);
        i += 1;
        out.rounds += 1;
        let round = async {
            let from = Some(from.as_str());
            let token = session(&client, base, from).await.map_err(|s| ("session", s))?;
            let conv = conversation(&client, base, &token, from).await.map_err(|s| ("conversation", s))?;
            let t = Instant::now();
            let body = json!({"client_id": "q1", "text": QUESTION});
            match answer(forwarded(client.post(format!("{base}/v1/conversations/{conv}/messages")), from).bearer_auth(&token).json(&body)).await {
                Some(StatusCode::CREATED) => {}
                other => return Err(("message", other)),
            }
            let message = ms(t.elapsed());
            let t = Instant::now();
            match answer(forwarded(client.post(format!("{base}/v1/conversations/{conv}/handoff")), from).bearer_auth(&token)).await {
                Some(StatusCode::OK) => {}
                other => return Err(("handoff", other)),
            }
            Ok::<_, (&str, Failed)>((message, ms(t.elapsed())))
        };
        match round.await {
            Ok((m, h)) => {
                out.message_ms.push(m);
                out.handoff_ms.push(h);
            }
            Err((_, Some(StatusCode::TOO_MANY_REQUESTS))) => out.refused += 1,
            Err((what, status)) => {
                out.server_errors += u64::from(status.is_some_and(|s| s.is_server_error()));
                out.failed.push(format!("{what}: {}", status.map_or("no answer".to_string(), |s| s.to_string())));
            }
        }
        tokio::time::sleep_until((start + every * i as u32).into()).await;
    }
    out
}

/// Highest RSS seen until `until`, sampled every 100 ms.
async fn peak_rss(server: &Server, until: Instant) -> u64 {
    let mut peak = server.rss_kb();
    while Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(100)).await;
        peak = peak.max(server.rss_kb());
    }
    peak
}

/// A demo agent online with the console's stream open, so handoffs go to the queue (and every
/// queue change is sent to a console) as in working hours.
async fn agent_online(client: &Client, server: &Server) -> tokio::task::JoinHandle<()> {
    let from = Some("10.9.0.1");
    let res = forwarded(client.post(server.url("/v1/agent/login")), from)
        .json(&json!({"email": "kim@fjordpay.example", "password": "tandem-demo-kim"}))
        .send()
        .await
        .expect("agent login");
    assert_eq!(res.status(), StatusCode::OK, "demo agent login");
    let cookie = res.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    let res = forwarded(client.put(server.url("/v1/agent/presence")), from).header("cookie", &cookie).json(&json!({"online": true})).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "agent presence");
    let console = forwarded(client.get(server.url("/v1/agent/events")), from).header("cookie", &cookie);
    tokio::spawn(async move {
        let Ok(res) = console.send().await else { return };
        let mut body = res.bytes_stream();
        while let Some(Ok(_)) = body.next().await {}
    })
}

async fn flood(a: &Args, server: &Server, problems: &mut Problems) {
    let client = Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
    let console = agent_online(&client, server).await;
    let every = Duration::from_millis(250);
    let secs = Duration::from_secs(a.seconds);

    let m0 = server.metrics(&client).await;
    let cpu0 = server.cpu_secs();
    let reference = real_shoppers(&server.base, 0, every, Instant::now() + secs).await;
    let cpu_reference = server.cpu_secs() - cpu0;

    let m1 = server.metrics(&client).await;
    let rss_before = server.rss_kb();
    let cpu1 = server.cpu_secs();
    let tally: Arc<Mutex<Tally>> = Arc::default();
    let started = Instant::now();
    let until = started + secs;
    let attacker = Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
    let (storm, during, peak) = tokio::join!(
        attack(attacker, server.base.clone(), a.sessions, until, tally.clone()),
        real_shoppers(&server.base, 10_000, every, until),
        peak_rss(server, until),
    );
    let flood_secs = started.elapsed().as_secs_f64();
    let cpu_flood = server.cpu_secs() - cpu1;
    let cpu_per_request_us = (cpu_flood - cpu_reference).max(0.0) * 1e6;
    let m2 = server.metrics(&client).await;
    console.abort();

    let t = tally.lock().unwrap();
    let sent: u64 = t.by.values().sum::<u64>() + t.errors;
    println!(
        "\n## 1. Flood: one address sends {} session requests (64 at a time), then floods from {FLOOD_SESSIONS} of its sessions ({} requests in flight) for the rest of {} s",
        a.sessions,
        FLOOD_SESSIONS * WORKERS_PER_SESSION,
        a.seconds
    );
    println!(
        "attacker {ATTACKER}: {sent} requests in {flood_secs:.1} s ({:.0}/s; the {} session requests took {:.1} s); {} without an answer",
        sent as f64 / flood_secs,
        a.sessions,
        storm.as_secs_f64(),
        t.errors
    );
    println!("server CPU beyond the reference's, per attacker request: {:.0} µs", cpu_per_request_us / sent.max(1) as f64);
    println!("| attacker's request | sent | accepted (2xx) | refused 429 | other |");
    println!("|---|---:|---:|---:|---:|");
    for what in ["session", "new conversation", "message", "handoff"] {
        let ok = t.count(what, |s| (200..300).contains(&s));
        let refused = t.count(what, |s| s == 429);
        let other = t.count(what, |s| !(200..300).contains(&s) && s != 429);
        println!("| {what} | {} | {ok} | {refused} | {other} |", ok + refused + other);
    }
    let refused_total = t.count("session", |s| s == 429) + t.count("new conversation", |s| s == 429) + t.count("message", |s| s == 429) + t.count("handoff", |s| s == 429);
    if t.no_retry_after == 0 {
        println!("every 429 carried Retry-After (1 to {} s)", t.retry_after_max);
    } else {
        println!("{} of {refused_total} 429s came without a usable Retry-After", t.no_retry_after);
    }
    let by_action: Vec<String> = ["session", "message", "handoff"]
        .iter()
        .map(|a| format!("{a} {:.0}", m2.value("tandem_rate_limited_total", &[&format!("action=\"{a}\"")]) - m1.value("tandem_rate_limited_total", &[&format!("action=\"{a}\"")])))
        .collect();
    println!("server's own count of 429s during the flood (/metrics; message includes new conversations): {}", by_action.join(", "));

    println!("\nreal shoppers, one every {} ms, each from its own address (session, conversation, question, person):", every.as_millis());
    println!("| | rounds | message p50 / p99 | handoff p50 / p99 | 429s | failed | server CPU |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for (label, s, cpu) in [("alone (reference)", &reference, cpu_reference), ("during the flood", &during, cpu_flood)] {
        println!("| {label} | {} | {} | {} | {} | {} | {:.1} s of {:.1} s |", s.rounds, p50_p99(&s.message_ms), p50_p99(&s.handoff_ms), s.refused, s.failed.len(), cpu, a.seconds as f64);
    }
    println!(
        "queue length: {:.0} before the reference, {:.0} before the flood, {:.0} after; rate-limit keys tracked: {:.0}; server RSS {} before the flood, peak {} during",
        m0.value("tandem_queue_length", &[]),
        m1.value("tandem_queue_length", &[]),
        m2.value("tandem_queue_length", &[]),
        m2.value("tandem_rate_limit_keys", &[]),
        mb(rss_before),
        mb(peak)
    );
    for s in [&reference, &during] {
        if let Some(f) = s.failed.first() {
            println!("real shoppers' failures: {} (first: {f})", s.failed.len());
        }
        if s.server_errors > 0 {
            problems.add(format!("real shoppers got {} server errors (5xx): {:?}", s.server_errors, s.failed));
        }
    }
    let server_errors = t.count("session", |s| s >= 500) + t.count("new conversation", |s| s >= 500) + t.count("message", |s| s >= 500) + t.count("handoff", |s| s >= 500);
    if server_errors > 0 {
        problems.add(format!("the flood got {server_errors} server errors (5xx)"));
    }
    if refused_total == 0 {
        problems.add("the flood got no 429 at all: rate limits not enforced");
    }
}

// ---------------------------------------------------------------------------------------------
// 2. Streams

async fn streams(a: &Args, server: &Server, problems: &mut Problems) {
    // No total timeout: the answers are streams that stay open.
    let client = Client::builder().connect_timeout(Duration::from_secs(10)).build().unwrap();
    let events = |conv: &str| server.url(&format!("/v1/conversations/{conv}/events"));
    println!("\n## 2. Streams");

    // One session token asks for many streams at once.
    let from = address(2, 1);
    let token = session(&client, &server.base, Some(from.as_str())).await.expect("a session");
    let conv = conversation(&client, &server.base, &token, Some(from.as_str())).await.expect("a conversation");
    let m0 = server.metrics(&client).await;
    let answers: Vec<_> = futures_util::stream::iter(0..a.one_session_streams)
        .map(|_| forwarded(client.get(events(&conv)), Some(from.as_str())).bearer_auth(&token).send())
        .buffer_unordered(64)
        .collect()
        .await;
    let accepted = answers.iter().filter(|r| r.as_ref().is_ok_and(|r| r.status() == StatusCode::OK)).count();
    let refused = answers.iter().filter(|r| r.as_ref().is_ok_and(|r| r.status() == StatusCode::TOO_MANY_REQUESTS && r.headers().contains_key("retry-after"))).count();
    let other = answers.len() - accepted - refused;
    let m1 = server.metrics(&client).await;
    drop(answers);
    println!(
        "one session token asks for {} streams: {accepted} accepted, {refused} refused with 429 + Retry-After, {other} other (cap {STREAMS_PER_SESSION} per session; server's count of stream refusals: {:.0})",
        a.one_session_streams,
        m1.value("tandem_rate_limited_total", &["action=\"stream\""]) - m0.value("tandem_rate_limited_total", &["action=\"stream\""])
    );
    if accepted > STREAMS_PER_SESSION {
        problems.add(format!("the stream cap per session ({STREAMS_PER_SESSION}) did not hold: {accepted} streams accepted on one token"));
    }
    if accepted == 0 {
        problems.add("one session could not open any stream");
    }

    // Many shoppers open a stream each, then drop it.
    let shoppers: Vec<(String, String, String)> = futures_util::stream::iter(0..a.streams)
        .map(|i| {
            let (client, base) = (client.clone(), server.base.clone());
            async move {
                let from = address(3, i);
                let token = session(&client, &base, Some(from.as_str())).await.ok()?;
                let conv = conversation(&client, &base, &token, Some(from.as_str())).await.ok()?;
                Some((from, token, conv))
            }
        })
        .buffer_unordered(32)
        .filter_map(|s| async move { s })
        .collect()
        .await;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let before = (server.metrics(&client).await, server.rss_kb());
    let baseline = before.0.value("tandem_live_channels", &[]);
    println!(
        "{} shoppers (each its own session and address) open a stream each, then drop the connection; {} times:",
        shoppers.len(),
        a.stream_rounds
    );
    println!("| | streams open | live channels (/metrics) | followed conversations | connections open | server RSS |");
    println!("|---|---:|---:|---:|---:|---:|");
    let row = |label: &str, open: usize, m: &Metrics, rss: u64| {
        println!(
            "| {label} | {open} | {:.0} | {:.0} | {:.0} | {} |",
            m.value("tandem_live_channels", &[]),
            m.value("tandem_conversation_channels", &[]),
            m.value("tandem_connections_open", &[]),
            mb(rss)
        );
    };
    row("before", 0, &before.0, before.1);
    let mut per_stream = Vec::new();
    for round in 1..=a.stream_rounds {
        let rss_before = server.rss_kb();
        let open: Vec<reqwest::Response> = futures_util::stream::iter(&shoppers)
            .map(|(from, token, conv)| forwarded(client.get(events(conv)), Some(from.as_str())).bearer_auth(token).send())
            .buffer_unordered(200)
            .filter_map(|r| async move { r.ok().filter(|r| r.status() == StatusCode::OK) })
            .collect()
            .await;
        tokio::time::sleep(Duration::from_millis(1000)).await;
        let opened = open.len();
        let rss_open = server.rss_kb();
        row(&format!("round {round}: streams open"), opened, &server.metrics(&client).await, rss_open);
        per_stream.push(rss_open.saturating_sub(rss_before) as f64 / opened.max(1) as f64);
        drop(open);
        let dropped = Instant::now();
        let mut after = server.metrics(&client).await;
        while after.value("tandem_live_channels", &[]) > baseline && dropped.elapsed() < Duration::from_secs(10) {
            tokio::time::sleep(Duration::from_millis(100)).await;
            after = server.metrics(&client).await;
        }
        row(&format!("round {round}: {:.1} s after they were dropped", dropped.elapsed().as_secs_f64()), 0, &after, server.rss_kb());
        let left = after.value("tandem_live_channels", &[]) - baseline;
        if left > 0.0 {
            problems.add(format!("live channels not freed 10 s after their streams were dropped: {left:.0} left"));
        }
        if opened < shoppers.len() {
            problems.add(format!("only {opened} of {} shoppers' streams opened", shoppers.len()));
        }
    }
    println!(
        "server memory per open stream (RSS growth while they open): {}",
        per_stream.iter().enumerate().map(|(i, kb)| format!("round {} {kb:.1} KB", i + 1)).collect::<Vec<_>>().join(", ")
    );
    if shoppers.len() < a.streams {
        println!("({} of {} shoppers could not start a conversation)", a.streams - shoppers.len(), a.streams);
    }
}

// ---------------------------------------------------------------------------------------------
// 3. Slowloris

/// How a slow client behaves.
#[derive(Clone, Copy, PartialEq)]
enum Slow {
    /// A request line, then one more header line every second, never the blank line.
    Headers,
    /// Connects and sends nothing.
    Nothing,
    /// The HTTP/2 connection preface, one byte every two seconds.
    H2Preface,
}

const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// How a slow client ended.
struct SlowEnd {
    /// Time to connect (a burst of connections overflows the listen queue; the kernel retries a
    /// dropped SYN after 1 s, then 3 s).
    connect: Option<Duration>,
    /// Time from connected until the server closed the connection; `None`: still open at the end.
    cut: Option<Duration>,
}

/// One slow client, until the server cuts it or `until`.
async fn slow_client(port: u16, kind: Slow, until: Instant) -> SlowEnd {
    let started = Instant::now();
    let Ok(mut conn) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await else { return SlowEnd { connect: None, cut: None } };
    let connected = Instant::now();
    let every = match kind {
        Slow::H2Preface => Duration::from_secs(2),
        _ => Duration::from_secs(1),
    };
    let first: Vec<u8> = match kind {
        Slow::Headers => format!("GET /v1/merchants/{MERCHANT}/config HTTP/1.1\r\nHost: 127.0.0.1\r\n").into_bytes(),
        Slow::Nothing => Vec::new(),
        Slow::H2Preface => H2_PREFACE[..1].to_vec(),
    };
    let mut cut = None;
    if !first.is_empty() && conn.write_all(&first).await.is_err() {
        cut = Some(connected.elapsed());
    }
    let mut k = 0usize;
    let mut buf = [0u8; 1024];
    while cut.is_none() {
        tokio::select! {
            r = conn.read(&mut buf) => match r {
                Ok(0) | Err(_) => cut = Some(connected.elapsed()),
                Ok(_) => {} // an error answer; the close follows
            },
            _ = tokio::time::sleep(every) => {
                k += 1;
                let more: Vec<u8> = match kind {
                    Slow::Headers => format!("X-Slow-{k}: 1\r\n").into_bytes(),
                    Slow::Nothing => Vec::new(),
                    Slow::H2Preface => H2_PREFACE.get(k..=k).map(<[u8]>::to_vec).unwrap_or_default(),
                };
                if !more.is_empty() && conn.write_all(&more).await.is_err() {
                    cut = Some(connected.elapsed());
                }
            }
            _ = tokio::time::sleep_until(until.into()) => break,
        }
    }
    SlowEnd { connect: Some(connected - started), cut }
}

fn slow_clients(port: u16, kind: Slow, n: usize, until: Instant) -> Vec<tokio::task::JoinHandle<SlowEnd>> {
    (0..n).map(|_| tokio::spawn(slow_client(port, kind, until))).collect()
}

async fn ends(tasks: Vec<tokio::task::JoinHandle<SlowEnd>>) -> Vec<SlowEnd> {
    futures_util::future::join_all(tasks).await.into_iter().map(|r| r.unwrap_or(SlowEnd { connect: None, cut: None })).collect()
}

/// "connecting took p50 / max; N waited ≥ 1 s" for slow clients.
fn connects(ends: &[SlowEnd]) -> String {
    let times: Vec<f64> = ends.iter().filter_map(|e| Some(e.connect?.as_secs_f64())).collect();
    let s = sorted(&times);
    let failed = ends.len() - times.len();
    let retried = times.iter().filter(|t| **t >= 1.0).count();
    format!(
        "connecting took p50 {:.0} ms, max {:.1} s ({retried} of {} waited 1 s or more for a retried SYN{})",
        percentile(&s, 0.5) * 1000.0,
        percentile(&s, 1.0),
        ends.len(),
        if failed > 0 { format!("; {failed} could not connect") } else { String::new() }
    )
}

/// Normal requests (`GET` the merchant's config), one every 100 ms until `until`.
#[derive(Default)]
struct Probe {
    sent: u64,
    ok_ms: Vec<f64>,
    server_errors: u64,
}

impl Probe {
    fn summary(&self) -> String {
        if self.ok_ms.is_empty() {
            return format!("0 of {}", self.sent);
        }
        format!("{} of {} ({})", self.ok_ms.len(), self.sent, p50_p99(&self.ok_ms))
    }
}

async fn probe(client: &Client, url: &str, until: Instant) -> Probe {
    let mut p = Probe::default();
    let start = Instant::now();
    while Instant::now() < until {
        p.sent += 1;
        let t = Instant::now();
        match client.get(url).send().await {
            Ok(r) if r.status().is_success() => {
                let ok = r.bytes().await.is_ok();
                if ok {
                    p.ok_ms.push(ms(t.elapsed()));
                }
            }
            Ok(r) if r.status().is_server_error() => p.server_errors += 1,
            _ => {}
        }
        tokio::time::sleep_until((start + Duration::from_millis(100) * p.sent as u32).into()).await;
    }
    p
}

/// A client that opens a new connection for every request.
fn new_connections() -> Client {
    Client::builder().pool_max_idle_per_host(0).timeout(Duration::from_secs(3)).build().unwrap()
}

async fn slowloris(a: &Args, server: &Server, problems: &mut Problems) {
    let fresh = new_connections();
    let url = server.url(&format!("/v1/merchants/{MERCHANT}/config"));
    println!("\n## 3. Slowloris (header timeout {HEADER_TIMEOUT_SECS} s)");
    let reference = probe(&fresh, &url, Instant::now() + Duration::from_secs(2)).await;

    let watch = Duration::from_secs(2 * HEADER_TIMEOUT_SECS);
    let until = Instant::now() + watch;
    let few = (a.slow / 10).max(1);
    let groups = [
        ("headers trickled, a line a second", slow_clients(server.port, Slow::Headers, a.slow, until)),
        ("nothing sent after connecting", slow_clients(server.port, Slow::Nothing, few, until)),
        ("HTTP/2 preface trickled, a byte every 2 s", slow_clients(server.port, Slow::H2Preface, few, until)),
    ];
    let during = probe(&fresh, &url, Instant::now() + Duration::from_secs(HEADER_TIMEOUT_SECS + 2)).await;
    println!("| slow clients | connections | cut by the server | time to cut p50 / p90 / max (from connected) | still open after {} s |", watch.as_secs());
    println!("|---|---:|---:|---:|---:|");
    let mut all = Vec::new();
    for (label, tasks) in groups {
        let ends = ends(tasks).await;
        let cut: Vec<f64> = ends.iter().filter_map(|e| Some(e.cut?.as_secs_f64())).collect();
        let s = sorted(&cut);
        let times = if s.is_empty() { "-".into() } else { format!("{:.1} / {:.1} / {:.1} s", percentile(&s, 0.5), percentile(&s, 0.9), percentile(&s, 1.0)) };
        println!("| {label} | {} | {} | {times} | {} |", ends.len(), cut.len(), ends.len() - cut.len());
        if label.starts_with("headers") && cut.is_empty() {
            problems.add("no client trickling its headers was cut: the header timeout does not hold");
        }
        all.extend(ends);
    }
    println!("{}", connects(&all));
    println!("normal request on a new connection, every 100 ms: alone (reference) {}; during the attack {}", reference.summary(), during.summary());
    if reference.server_errors + during.server_errors > 0 {
        problems.add("normal requests got server errors (5xx) during the slowloris attack");
    }
}

/// The connection limit the server fitted to its open-file limit (from its log), or the formula
/// in `serve::fit_connections`.
fn fitted_connections(log: &std::path::Path, open_files: u64) -> usize {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    // Without the log's colours: ESC [ ... m.
    let mut plain = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            chars.by_ref().find(|c| c.is_ascii_alphabetic());
        } else {
            plain.push(c);
        }
    }
    plain
        .lines()
        .find(|l| l.contains("open-file limit"))
        .and_then(|l| l.split("connections=").nth(1)?.split_whitespace().next()?.parse().ok())
        .unwrap_or((open_files as usize).saturating_sub(128).max(16))
}

async fn low_file_limit(a: &Args, server: &Server, log: &std::path::Path, problems: &mut Problems) {
    let fit = fitted_connections(log, a.open_files);
    let url = server.url(&format!("/v1/merchants/{MERCHANT}/config"));
    let fresh = new_connections();
    // One connection opened before the attack and kept alive (as a shopper's open page has).
    let kept = Client::builder().pool_max_idle_per_host(1).timeout(Duration::from_secs(3)).build().unwrap();
    let _ = kept.get(&url).send().await;
    let extra = (fit + 100).saturating_sub(a.slow);
    println!(
        "\n## 3b. Slowloris with the server's open-file limit at {} (connection limit fitted to it: {fit})",
        a.open_files
    );
    println!("| phase | connections open (server) | connections refused so far (/metrics) | normal request, new connection | on a connection kept alive from before |");
    println!("|---|---:|---:|---:|---:|");
    let mut row = |label: &str, m: &Metrics, new: &Probe, old: &Probe| {
        println!(
            "| {label} | {:.0} | {:.0} | {} | {} |",
            m.value("tandem_connections_open", &[]),
            m.value("tandem_connections_refused_total", &[]),
            new.summary(),
            old.summary()
        );
        if new.server_errors + old.server_errors > 0 {
            problems.add(format!("normal requests got server errors (5xx): {label}"));
        }
    };
    let phase = |secs: u64| {
        let until = Instant::now() + Duration::from_secs(secs);
        let (fresh, kept, url) = (&fresh, &kept, &url);
        async move { tokio::join!(probe(fresh, url, until), probe(kept, url, until)) }
    };
    let cut_by = Instant::now() + Duration::from_secs(2 * HEADER_TIMEOUT_SECS);
    let mut first = slow_clients(server.port, Slow::Headers, a.slow, cut_by);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (new, old) = phase(3).await;
    row(&format!("{} clients trickling headers", a.slow), &server.metrics(&kept).await, &new, &old);
    first.extend(slow_clients(server.port, Slow::Headers, extra, cut_by));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (new, old) = phase(4).await;
    let m = server.metrics(&kept).await;
    row(&format!("{extra} more ({} > {fit})", a.slow + extra), &m, &new, &old);
    let refused_trickling = m.value("tandem_connections_refused_total", &[]);
    let trickled = ends(first).await;
    let at_once = trickled.iter().filter(|e| e.cut.is_some_and(|d| d < Duration::from_secs(1))).count();
    let by_timeout = trickled.iter().filter(|e| e.cut.is_some_and(|d| d >= Duration::from_secs(1))).count();
    let (new, old) = phase(2).await;
    row(&format!("after the header timeout ({at_once} closed at once, {by_timeout} cut at the timeout)"), &server.metrics(&kept).await, &new, &old);

    let idle = fit + 100;
    let release = Instant::now() + Duration::from_secs(5);
    let nothing = slow_clients(server.port, Slow::Nothing, idle, release);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (new, old) = phase(4).await;
    row(&format!("{idle} clients that send nothing"), &server.metrics(&kept).await, &new, &old);
    let nothing = ends(nothing).await;
    let still = nothing.iter().filter(|e| e.connect.is_some() && e.cut.is_none()).count();
    let closed = nothing.iter().filter(|e| e.cut.is_some()).count();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (new, old) = phase(2).await;
    row(&format!("after they left ({closed} had been closed at once, {still} never)"), &server.metrics(&kept).await, &new, &old);
    println!("trickling clients: {}", connects(&trickled));
    println!("clients sending nothing: {}", connects(&nothing));
    if refused_trickling == 0.0 {
        problems.add(format!("{} slow connections against a limit of {fit}: none closed at once, the connection limit does not hold", a.slow + extra));
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let a = args();
    let dir = tempfile::tempdir().unwrap();
    let mut problems = Problems::default();
    println!(
        "# Tandem abuse report: default limits, release build; client and server share this machine's {} cores",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    let log = dir.path().join("server.log");
    let trusted = ["--trusted-proxy", "127.0.0.1"];
    if a.runs("flood") || a.runs("streams") || a.runs("slowloris") {
        let mut server = common::start(Launch { binary: &a.server, name: "abuse", data_dir: &dir.path().join("data"), args: &trusted, open_files: None, log: Some(&log) }).await;
        if a.runs("flood") {
            flood(&a, &server, &mut problems).await;
            if !problems.alive(&mut server, "the flood") {
                return problems.finish(Some(&log));
            }
        }
        if a.runs("streams") {
            streams(&a, &server, &mut problems).await;
            if !problems.alive(&mut server, "the streams") {
                return problems.finish(Some(&log));
            }
        }
        if a.runs("slowloris") {
            slowloris(&a, &server, &mut problems).await;
            if !problems.alive(&mut server, "the slowloris attack") {
                return problems.finish(Some(&log));
            }
        }
    }
    if a.runs("low-files") {
        let low_log = dir.path().join("server-low.log");
        let mut low = common::start(Launch {
            binary: &a.server,
            name: "abuse-low-files",
            data_dir: &dir.path().join("data-low"),
            args: &trusted,
            open_files: Some(a.open_files),
            log: Some(&low_log),
        })
        .await;
        low_file_limit(&a, &low, &low_log, &mut problems).await;
        if !problems.alive(&mut low, "the slowloris attack with a low file limit") {
            return problems.finish(Some(&low_log));
        }
    }
    problems.finish(Some(&log))
}
