//! Abuse limits: 429 with `Retry-After` in the one error shape, per address and per session;
//! stream caps; live channels freed when their last listener goes; slow clients cut; a
//! connection limit that closes the excess instead of starving everyone.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{assert_error, spawn_app_with};

#[tokio::test]
async fn session_creation_from_one_address_is_rate_limited_with_retry_after() {
    let app = spawn_app_with(|c| c.rate_limit_scale = 1.0).await;
    let mut created = 0;
    let refused = loop {
        let res = app.client.post(app.url("/v1/sessions")).json(&json!({"merchant_id": "nordic-outdoor"})).send().await.unwrap();
        if res.status() == StatusCode::TOO_MANY_REQUESTS {
            break res;
        }
        assert_eq!(res.status(), StatusCode::CREATED);
        created += 1;
        assert!(created <= 25, "no limit after {created} sessions");
    };
    assert!(created >= 20, "the burst allowance is 20, refused after {created}");
    let wait: u64 = refused.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=5).contains(&wait), "Retry-After {wait}");
    assert_error(refused, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    let metrics = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert_eq!(metric(&metrics, "tandem_rate_limited_total", "action=\"session\""), 1.0, "{metrics}");
    assert_eq!(metric(&metrics, "tandem_rate_limited_total", "action=\"handoff\""), 0.0, "{metrics}");
    assert!(metric(&metrics, "tandem_rate_limit_keys", "") >= 1.0, "{metrics}");
}

/// A metric's value on the line whose labels contain `label` (panics when there is none).
fn metric(text: &str, name: &str, label: &str) -> f64 {
    text.lines()
        .filter(|l| l.starts_with(&format!("{name}{{")) && l.contains(label))
        .find_map(|l| l.rsplit_once(' ')?.1.parse().ok())
        .unwrap_or_else(|| panic!("no {name} with {label} in\n{text}"))
}

#[tokio::test]
async fn one_session_flooding_handoffs_does_not_limit_another_shopper() {
    let app = spawn_app_with(|c| c.rate_limit_scale = 1.0).await;
    let flooder = app.anonymous_session().await;
    let conv = app.conversation(&flooder).await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let res = app.client.post(app.url(&format!("/v1/conversations/{conv}/handoff"))).bearer_auth(&flooder).send().await.unwrap();
        statuses.push(res.status().as_u16());
    }
    assert!(statuses.contains(&429), "a session's handoff burst is 3: {statuses:?}");
    let shopper = app.anonymous_session().await;
    let conv = app.conversation(&shopper).await;
    assert!(app.handoff(&shopper, &conv).await["status"].as_str().is_some());
}

#[tokio::test]
async fn login_attempts_are_limited() {
    let app = spawn_app_with(|c| c.rate_limit_scale = 1.0).await;
    let mut statuses = Vec::new();
    for _ in 0..8 {
        let res = app.client.post(app.url("/v1/agent/login")).json(&json!({"email": "sam@fjordpay.example", "password": "wrong-password"})).send().await.unwrap();
        statuses.push(res.status().as_u16());
    }
    assert_eq!(&statuses[..5], &[401; 5], "{statuses:?}");
    assert!(statuses[5..].iter().all(|s| *s == 429), "{statuses:?}");
}

#[tokio::test]
async fn streams_per_session_are_capped_and_a_closed_stream_frees_its_place() {
    let app = spawn_app_with(|c| c.max_streams_per_session = 2).await;
    let token = app.anonymous_session().await;
    let conv = app.conversation(&token).await;
    let first = app.stream(&token, &conv, None).await;
    let _second = app.stream(&token, &conv, None).await;
    assert_eq!(first.status(), StatusCode::OK);
    let third = app.client.get(app.url(&format!("/v1/conversations/{conv}/events"))).bearer_auth(&token).send().await.unwrap();
    assert!(third.headers().contains_key("retry-after"));
    assert_error(third, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    let metrics = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert_eq!(metric(&metrics, "tandem_rate_limited_total", "action=\"stream\""), 1.0, "{metrics}");
    drop(first);
    let mut again = StatusCode::TOO_MANY_REQUESTS;
    for _ in 0..50 {
        again = app.client.get(app.url(&format!("/v1/conversations/{conv}/events"))).bearer_auth(&token).send().await.unwrap().status();
        if again == StatusCode::OK {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(again, StatusCode::OK);
}

#[tokio::test]
async fn abandoned_streams_leave_no_channel_behind() {
    let app = spawn_app_with(|_| {}).await;
    let mut streams = Vec::new();
    for _ in 0..30 {
        let token = app.anonymous_session().await;
        let conv = app.conversation(&token).await;
        streams.push(app.stream(&token, &conv, None).await);
    }
    assert_eq!(app.state.hub.channel_count(), 30);
    drop(streams);
    let mut left = usize::MAX;
    for _ in 0..100 {
        left = app.state.hub.channel_count();
        if left == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(left, 0, "channels kept after every listener left");
    let metrics = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert_eq!(metric(&metrics, "tandem_live_channels", ""), 0.0, "{metrics}");
}

#[tokio::test]
async fn a_client_that_trickles_its_headers_is_cut() {
    let app = spawn_app_with(|c| c.header_timeout_secs = 1).await;
    let mut conn = tokio::net::TcpStream::connect(("127.0.0.1", app.port)).await.unwrap();
    conn.write_all(b"GET /v1/merchants/nordic-outdoor/config HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let mut buf = [0u8; 512];
    let read = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            conn.write_all(b"X-Slow: 1\r\n").await.ok();
            tokio::time::sleep(Duration::from_millis(200)).await;
            match conn.try_read(&mut buf) {
                Ok(0) => return true,
                Ok(_) => return true, // an error answer, then closed
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
                Err(_) => return true,
            }
        }
    })
    .await;
    assert_eq!(read, Ok(true), "the slow client was not cut within 5 s");
    // Meanwhile everyone else is served.
    let res = app.client.get(app.url("/v1/merchants/nordic-outdoor/config")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn connections_beyond_the_limit_are_closed_at_once() {
    let app = spawn_app_with(|c| c.max_connections = 4).await;
    let mut idle = Vec::new();
    for _ in 0..4 {
        idle.push(tokio::net::TcpStream::connect(("127.0.0.1", app.port)).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut extra = tokio::net::TcpStream::connect(("127.0.0.1", app.port)).await.unwrap();
    extra.write_all(b"GET /v1/merchants/nordic-outdoor/config HTTP/1.1\r\nHost: x\r\n\r\n").await.ok();
    let mut buf = Vec::new();
    let n = tokio::time::timeout(Duration::from_secs(2), extra.read_to_end(&mut buf)).await;
    assert!(matches!(n, Ok(Ok(0)) | Ok(Err(_))), "the fifth connection was served: {:?}", String::from_utf8_lossy(&buf));
    assert!(app.state.connections.refused.load(std::sync::atomic::Ordering::Relaxed) >= 1);
    drop(idle);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let res = app.client.get(app.url("/v1/merchants/nordic-outdoor/config")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "served again once connections closed");
    let metrics = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metric(&metrics, "tandem_connections_refused_total", "") >= 1.0, "{metrics}");
    assert!(metric(&metrics, "tandem_connections_open", "") >= 1.0, "the scrape's own connection: {metrics}");
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let app = spawn_app_with(|c| c.header_timeout_secs = 1).await;
    let mut conn = tokio::net::TcpStream::connect(("127.0.0.1", app.port)).await.unwrap();
    conn.write_all(b"GET /v1/merchants/nordic-outdoor/config HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let mut buf = vec![0u8; 8192];
    let n = tokio::time::timeout(Duration::from_secs(2), conn.read(&mut buf)).await.unwrap().unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"), "the first request is answered");
    // Then the client says nothing: the connection does not stay open for ever.
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match conn.read(&mut buf).await {
                Ok(0) | Err(_) => return true,
                Ok(_) => continue, // the rest of the first answer
            }
        }
    })
    .await;
    assert_eq!(closed, Ok(true), "an idle keep-alive connection stayed open");
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_cut_and_one_address_cannot_take_every_slot() {
    let app = spawn_app_with(|c| {
        c.header_timeout_secs = 1;
        c.max_connections_per_address = 3;
    })
    .await;
    let mut silent = Vec::new();
    for _ in 0..3 {
        silent.push(tokio::net::TcpStream::connect(("127.0.0.1", app.port)).await.unwrap());
    }
    // A fourth from the same address is closed at once.
    let mut extra = tokio::net::TcpStream::connect(("127.0.0.1", app.port)).await.unwrap();
    let mut buf = [0u8; 64];
    let n = tokio::time::timeout(Duration::from_secs(2), extra.read(&mut buf)).await;
    assert!(matches!(n, Ok(Ok(0)) | Ok(Err(_))), "a fourth connection from one address was kept");
    // The silent ones are cut after the header timeout, though they never sent a byte.
    for mut s in silent {
        let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf)).await;
        assert!(matches!(n, Ok(Ok(0)) | Ok(Err(_))), "a silent connection stayed open");
    }
    let res = app.client.get(app.url("/v1/merchants/nordic-outdoor/config")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}
