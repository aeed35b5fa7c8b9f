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

#[path = "../common/mod.rs"]
mod common;
mod flood;
mod slowloris;
mod streams;
use flood::flood;
use slowloris::{low_file_limit, slowloris};
use streams::streams;
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
