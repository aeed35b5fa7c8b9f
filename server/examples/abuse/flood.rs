//! 1. Flood: one address floods the API while real shoppers use it.

use super::*;

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

pub(crate) async fn flood(a: &Args, server: &Server, problems: &mut Problems) {
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
