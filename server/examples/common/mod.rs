//! What the load report (`bench.rs`) and the abuse report (`abuse.rs`) share: the release server
//! started as a process on the demo data, its memory and CPU time, `/metrics` figures, the
//! shopper's first two requests, percentiles. Each example uses part of it.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

use reqwest::{Client, RequestBuilder, StatusCode};
use serde_json::{json, Value};

pub mod wire;

/// The demo merchant every example talks to.
pub const MERCHANT: &str = "nordic-outdoor";

/// A server process, killed when dropped.
pub struct Server {
    pub base: String,
    pub port: u16,
    pub child: Child,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// How to start a server.
pub struct Launch<'a> {
    /// The `tandem-server` binary.
    pub binary: &'a str,
    /// `TANDEM_INSTANCE` (labels its figures in `/metrics`).
    pub name: &'a str,
    pub data_dir: &'a Path,
    /// Flags beyond the demo data and the address.
    pub args: &'a [&'a str],
    /// The process's open-file limit (soft and hard), when it should be lower than ours.
    pub open_files: Option<u64>,
    /// Where the server's log goes (it inherits our stderr when `None`).
    pub log: Option<&'a Path>,
}

/// Starts the server on a free loopback port with the demo data (`--demo`, support always open, a
/// fixed day), and waits until it answers.
pub async fn start(l: Launch<'_>) -> Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut cmd = Command::new(l.binary);
    cmd.args(["--demo", "--support-hours", "always", "--today", "2026-11-25", "--bind", &format!("127.0.0.1:{port}")])
        .arg("--data-dir")
        .arg(l.data_dir)
        .args(l.args)
        .env("TANDEM_INSTANCE", l.name)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null());
    match l.log {
        Some(path) => cmd.stderr(std::fs::File::create(path).expect("server log file")),
        None => cmd.stderr(Stdio::inherit()),
    };
    if let Some(n) = l.open_files {
        use std::os::unix::process::CommandExt;
        // SAFETY: setrlimit is async-signal-safe; nothing else runs between fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                let lim = libc::rlimit { rlim_cur: n as libc::rlim_t, rlim_max: n as libc::rlim_t };
                if libc::setrlimit(libc::RLIMIT_NOFILE, &lim) == 0 { Ok(()) } else { Err(std::io::Error::last_os_error()) }
            });
        }
    }
    let child = cmd.spawn().expect("start tandem-server");
    let mut s = Server { base: format!("http://127.0.0.1:{port}"), port, child };
    let client = Client::new();
    for _ in 0..600 {
        if client.get(s.url(&format!("/v1/merchants/{MERCHANT}/config"))).send().await.is_ok_and(|r| r.status().is_success()) {
            return s;
        }
        if let Some(status) = s.exited() {
            panic!("server {} exited at start: {status}", l.name);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("server {} did not start", l.name);
}

impl Server {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// How the process ended, if it has.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// CPU time the process has used (user + system), in seconds.
    pub fn cpu_secs(&self) -> f64 {
        cpu_secs(&self.child.id().to_string())
    }

    /// Resident memory, in KB.
    pub fn rss_kb(&self) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .ok()
            .and_then(|s| s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok()))
            .unwrap_or(0)
    }

    /// The `/metrics` text (empty if it cannot be read).
    pub async fn metrics(&self, client: &Client) -> Metrics {
        let text = match client.get(self.url("/metrics")).timeout(Duration::from_secs(5)).send().await {
            Ok(r) if r.status().is_success() => r.text().await.unwrap_or_default(),
            _ => String::new(),
        };
        Metrics(text)
    }
}

/// A `/metrics` scrape.
pub struct Metrics(pub String);

impl Metrics {
    /// Sum of a metric over the lines whose labels contain every one of `labels` (`action="handoff"`);
    /// `None` when no line matches.
    pub fn get(&self, name: &str, labels: &[&str]) -> Option<f64> {
        let mut found = None;
        for line in self.0.lines().filter(|l| !l.starts_with('#')) {
            let Some((key, value)) = line.rsplit_once(' ') else { continue };
            let (metric, label_text) = key.split_once('{').unwrap_or((key, ""));
            if metric == name && labels.iter().all(|l| label_text.contains(l)) {
                *found.get_or_insert(0.0) += value.parse::<f64>().unwrap_or(0.0);
            }
        }
        found
    }

    /// Like [`Metrics::get`], 0 when missing.
    pub fn value(&self, name: &str, labels: &[&str]) -> f64 {
        self.get(name, labels).unwrap_or(0.0)
    }
}

/// Why a request did not give what was asked: the status it was answered with, or `None` when no
/// answer came (connection refused or closed, timeout, unreadable body).
pub type Failed = Option<StatusCode>;

/// Creates an anonymous session (as the client at `from`, given in `X-Forwarded-For`, when the
/// server trusts us as its proxy); its token.
pub async fn session(client: &Client, base: &str, from: Option<&str>) -> Result<String, Failed> {
    let v = created(forwarded(client.post(format!("{base}/v1/sessions")), from).json(&json!({"merchant_id": MERCHANT}))).await?;
    Ok(v["token"].as_str().unwrap_or_default().to_string())
}

/// Starts a conversation; its id.
pub async fn conversation(client: &Client, base: &str, token: &str, from: Option<&str>) -> Result<String, Failed> {
    let v = created(forwarded(client.post(format!("{base}/v1/conversations")), from).bearer_auth(token)).await?;
    Ok(v["id"].as_str().unwrap_or_default().to_string())
}

/// The JSON body of a 201 answer.
async fn created(req: RequestBuilder) -> Result<Value, Failed> {
    let res = req.send().await.map_err(|_| None)?;
    if res.status() != StatusCode::CREATED {
        return Err(Some(res.status()));
    }
    res.json().await.map_err(|_| None)
}

/// The request as sent by the client at `from` through a trusted proxy.
pub fn forwarded(req: RequestBuilder, from: Option<&str>) -> RequestBuilder {
    match from {
        Some(a) => req.header("x-forwarded-for", a),
        None => req,
    }
}

/// The `p` quantile (0..=1) of sorted values; NaN when there are none.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Sorted copy.
pub fn sorted(values: &[f64]) -> Vec<f64> {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    v
}

/// CPU time (user + system, in seconds) of the process `pid` (a number, or `self`).
pub fn cpu_secs(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which is in parentheses): utime and stime are 14 and 15.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<f64> = rest.split_whitespace().map(|x| x.parse().unwrap_or(0.0)).collect();
    let ticks = 100.0; // USER_HZ on Linux
    if f.len() > 13 { (f[11] + f[12]) / ticks } else { 0.0 }
}
