//! A database written by the previous schema (text timestamps, SQLite migrations 1-3) is migrated
//! in place on start: sessions still work, conversations keep their times, transcripts, queue
//! order and previews, agents can still log in, and handoff times still reach the metrics.

use std::borrow::Cow;

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::spawn_app_with;

#[tokio::test]
async fn a_version_3_sqlite_database_is_migrated_keeping_everything() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    {
        let url = format!("sqlite://{}?mode=rwc", data.join("tandem.db").display());
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        let mut old = sqlx::migrate!("./migrations/sqlite");
        old.migrations = Cow::Owned(old.migrations.iter().filter(|m| m.version <= 3).cloned().collect());
        old.run(&pool).await.unwrap();
        let token_hash = tandem_server::sessions::hash_token("old-token");
        for sql in [
            r##"INSERT INTO merchants (id, name, provider_name, theme, allowed_origins) VALUES ('nordic-outdoor', 'Nordic Outdoor', 'Fjord Pay', '{"accent":"#1f4e79","on_accent":"#ffffff","position":"right","launcher_label":"Help"}', '[]')"##.to_string(),
            format!("INSERT INTO sessions VALUES ('{token_hash}', 'anon-1', NULL, 0, 'nordic-outdoor', 'sv', '2026-11-20T10:00:00.000Z', '2099-01-01T00:00:00Z')"),
            r#"INSERT INTO conversations (id, shopper_id, merchant_id, identified, state, status, last_seq, handoff_reason, priority, queued_at, created_at, updated_at, locale)
               VALUES ('c-old', 'anon-1', 'nordic-outdoor', 0, '{"status":"queued","position":1,"estimated_wait_secs":null}', 'queued', 3, 'requested', 0, '2026-11-20T10:05:00.000Z', '2026-11-20T10:00:00.000Z', '2026-11-20T10:05:00.000Z', 'sv')"#.to_string(),
            r#"INSERT INTO events VALUES ('c-old', 1, 'message', 'c-1', '{"type":"message","message":{"id":"m1","client_id":"c-1","seq":1,"author":"shopper","author_name":null,"text":"Var är min återbetalning?","blocks":[{"type":"paragraph","text":"Var är min återbetalning?"}],"created_at":"2026-11-20T10:01:00.000Z","meta":null}}', '2026-11-20T10:01:00.000Z')"#.to_string(),
            r#"INSERT INTO events VALUES ('c-old', 2, 'message', NULL, '{"type":"message","message":{"id":"m2","client_id":null,"seq":2,"author":"assistant","author_name":null,"text":"Din återbetalning...","blocks":[{"type":"paragraph","text":"Din återbetalning..."}],"created_at":"2026-11-20T10:01:01.000Z","meta":{"topic":"refund_status","confidence":0.9,"sources":[],"handoff":null}}}', '2026-11-20T10:01:01.000Z')"#.to_string(),
            r#"INSERT INTO events VALUES ('c-old', 3, 'state', NULL, '{"type":"state","seq":3,"state":{"status":"queued","position":1,"estimated_wait_secs":null}}', '2026-11-20T10:05:00.000Z')"#.to_string(),
            "INSERT INTO handoffs (conversation_id, reason, queued_at, claimed_at, resolved_at) VALUES ('c-old', 'requested', '2026-11-19T10:00:00.000Z', '2026-11-19T10:02:00.000Z', '2026-11-19T10:12:00.000Z')".to_string(),
            "INSERT INTO handoffs (conversation_id, reason, queued_at) VALUES ('c-old', 'requested', '2026-11-20T10:05:00.000Z')".to_string(),
        ] {
            sqlx::query(&sql).execute(&pool).await.unwrap();
        }
        pool.close().await;
    }
    // The server starts on the old file (demo mode seeds its agents and merchant beside the old rows).
    let app = spawn_app_with(|c| {
        c.data_dir = data.clone();
        c.database_url = None;
    })
    .await;
    let c: Value = app.client.get(app.url("/v1/conversations/c-old")).bearer_auth("old-token").send().await.unwrap().json().await.unwrap();
    assert_eq!(c["created_at"], "2026-11-20T10:00:00.000Z", "{c}");
    assert_eq!(c["last_seq"], 3);
    assert_eq!(c["messages"].as_array().unwrap().len(), 2);
    assert_eq!(c["state"]["status"], "queued");
    let latest: Value = app.client.get(app.url("/v1/conversations/latest")).bearer_auth("old-token").send().await.unwrap().json().await.unwrap();
    assert_eq!(latest["id"], "c-old");

    let kim = app.agent_login(1).await;
    let queue: Value = app.agent_req(&kim, Method::GET, "/v1/agent/queue").send().await.unwrap().json().await.unwrap();
    let item = &queue["items"][0];
    assert_eq!(item["conversation_id"], "c-old", "{queue}");
    assert_eq!(item["preview"], "Var är min återbetalning?");
    assert_eq!(item["topic"], "refund_status");
    assert_eq!(item["waiting_since"], "2026-11-20T10:05:00.000Z");

    let metrics = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(metrics.status(), StatusCode::OK);
    let text = metrics.text().await.unwrap();
    // The old trip: 120 s wait, 600 s handling.
    assert!(text.contains("tandem_wait_seconds_sum 120"), "{text}");
    assert!(text.contains("tandem_handling_seconds_sum 600"), "{text}");
    assert!(text.contains("tandem_handoffs_total{reason=\"requested\"} 2"), "{text}");
}
