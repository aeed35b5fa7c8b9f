//! 3. Slowloris: clients trickling their headers, and a server with a low open-file limit.

use super::*;

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

pub(crate) async fn slowloris(a: &Args, server: &Server, problems: &mut Problems) {
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

pub(crate) async fn low_file_limit(a: &Args, server: &Server, log: &std::path::Path, problems: &mut Problems) {
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
