//! 2. Streams: the per-session stream cap, and memory per open stream.

use super::*;

pub(crate) async fn streams(a: &Args, server: &Server, problems: &mut Problems) {
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
