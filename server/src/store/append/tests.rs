//! The append path's unit tests (the PostgreSQL ones run when `TANDEM_TEST_DATABASE_URL` is set).

use super::*;
use crate::store::fused::Payload;

fn message(id: &str, client_id: Option<&str>, text: &str, seq: u64) -> Event {
    Event::Message {
        message: tandem_protocol::Message {
            id: id.into(),
            client_id: client_id.map(str::to_string),
            seq,
            author: Author::Shopper,
            author_name: None,
            text: text.into(),
            blocks: vec![],
            created_at: "2026-11-30T00:00:00Z".into(),
            meta: None,
        },
    }
}

/// The payload a fused append writes is byte for byte the one the other path writes, even
/// when ids and text contain what the cut looks for.
#[test]
fn a_payload_cut_at_its_sequence_number_joins_to_the_stored_json() {
    let tricky = r#"x","seq":0,"y":"\"seq\":0"#;
    let events = [
        message("m1", None, "hello", 0),
        message(tricky, Some(tricky), tricky, 0),
        message("m2", Some("\"seq\":0"), "\"seq\":0", 0),
        Event::State { seq: 0, state: tandem_protocol::ConversationState::Assistant },
    ];
    for event in events {
        let payload = Payload::split(&event).unwrap().expect("a stored event has a sequence number");
        for seq in [1u64, 7, 12_345] {
            let mut numbered = event.clone();
            set_seq(&mut numbered, seq);
            assert_eq!(format!("{}{seq}{}", payload.prefix, payload.suffix), serde_json::to_string(&numbered).unwrap());
        }
    }
    assert_eq!(Payload::split(&Event::Typing { author: Author::Assistant, active: true }).unwrap(), None);
}

/// A shopper's question, as the message handler appends it.
fn question() -> Append {
    Append {
        client_id: Some("c-1".into()),
        only_if: vec![Status::Assistant, Status::Queued, Status::WithAgent, Status::AwaitingReply],
        owner: Some(Owner { shopper_id: "s-1".into(), merchant_id: "m-1".into() }),
        below_seq: Some(1000),
        ..Append::event("c1", message("m1", Some("c-1"), "hello", 0))
    }
}

/// On PostgreSQL (`TANDEM_TEST_DATABASE_URL`; skipped otherwise): the conditional UPDATE
/// finds its row through the primary key even in the plan PostgreSQL keeps for a prepared
/// statement, made here while the table is new, as on a fresh deployment.
#[tokio::test]
async fn an_append_finds_its_conversation_by_primary_key_in_a_new_database() {
    use sqlx::{Connection, Row};
    let Some(pg) = crate::store::test_postgres::FreshPostgres::new().await else { return };
    let mut db = sqlx::PgConnection::connect(&pg.url).await.unwrap();
    sqlx::query("SET plan_cache_mode = force_generic_plan").execute(&mut db).await.unwrap();

    let reply = Append { client_id: Some("assistant:1".into()), only_if: vec![Status::Assistant], ..Append::event("c1", message("m2", None, "hi", 0)) };
    let by_agent = Append { held_by: Some("a-1".into()), ..Append::event("c1", message("m3", None, "hi", 0)) };
    for (i, append) in [question(), reply, by_agent].iter().enumerate() {
        let sql = update_statement(append, 1).unwrap();
        sqlx::query(&format!("PREPARE s{i} AS {}", sql.text)).execute(&mut db).await.unwrap();
        let literals: Vec<String> = sql
            .args()
            .iter()
            .map(|a| match a {
                Arg::Int(n) => n.to_string(),
                Arg::Text(t) | Arg::OptText(Some(t)) => format!("'{}'", t.replace('\'', "''")),
                Arg::OptText(None) => "NULL".into(),
            })
            .collect();
        let rows = sqlx::query(&format!("EXPLAIN EXECUTE s{i}({})", literals.join(", "))).fetch_all(&mut db).await.unwrap();
        let plan: Vec<String> = rows.iter().map(|r| r.get::<String, _>(0)).collect();
        let plan = plan.join("\n");
        assert!(plan.contains("Index Scan using conversations_pkey on conversations"), "append {i}:\n{plan}");
        assert!(!plan.contains("conversations_status") && !plan.contains("conversations_activity") && !plan.contains("conversations_shopper") && !plan.contains("conversations_agent"), "append {i}:\n{plan}");
    }
    db.close().await.ok();
    pg.remove().await;
}

/// On PostgreSQL: a message's update of its conversation (the append's own UPDATE, within the
/// minute of the conversation's last activity) is heap-only: it writes no index entry. While an
/// index held `updated_at`, every message wrote an entry into each of the table's indexes.
#[tokio::test]
async fn a_message_updates_its_conversation_without_touching_an_index() {
    let Some(pg) = crate::store::test_postgres::FreshPostgres::new().await else { return };
    let pool = &pg.store.pool;
    // A conversation whose last activity was at the start of a minute.
    let minute_start = 29_000_000i64 * 60_000;
    sqlx::query("INSERT INTO merchants (id, name, provider_name, theme) VALUES ('m-1', 'M', 'P', '{}')").execute(pool).await.unwrap();
    sqlx::query("INSERT INTO conversations (id, shopper_id, merchant_id, identified, state, status, created_at, updated_at) VALUES ('c1', 's-1', 'm-1', 0, 'assistant', 'assistant', $1, $1)")
        .bind(minute_start)
        .execute(pool)
        .await
        .unwrap();
    let sql = update_statement(&question(), minute_start + 59_000).unwrap();
    let mut tx = pool.begin().await.unwrap();
    assert_eq!(sql.query().execute(&mut *tx).await.unwrap().rows_affected(), 1, "the append's update applies");
    let (updates, heap_only): (i64, i64) = sqlx::query_as(
        "SELECT pg_stat_get_xact_tuples_updated('conversations'::regclass), pg_stat_get_xact_tuples_hot_updated('conversations'::regclass)",
    )
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    assert_eq!((updates, heap_only), (1, 1), "the message's update of its conversation was not heap-only");
    tx.rollback().await.unwrap();
    pg.remove().await;
}

#[test]
fn long_text_is_shortened_with_an_ellipsis() {
    assert_eq!(shorten("abc", 5), "abc");
    assert_eq!(shorten("abcdefgh", 5), "abcd…");
}

/// On PostgreSQL (skipped otherwise): during a rolling upgrade an instance on the code before
/// `replies_due` marks and clears the old `events.reply_due` column itself; the migration's
/// triggers carry those marks into `replies_due`, so every instance's sweeper sees them.
#[tokio::test]
async fn an_older_instances_marks_reach_replies_due() {
    let Some(pg) = crate::store::test_postgres::FreshPostgres::new().await else { return };
    let pool = &pg.store.pool;
    sqlx::query("INSERT INTO merchants (id, name, provider_name, theme) VALUES ('m-1', 'M', 'P', '{}')").execute(pool).await.unwrap();
    sqlx::query("INSERT INTO conversations (id, shopper_id, merchant_id, identified, state, status, created_at, updated_at) VALUES ('c1', 's-1', 'm-1', 0, 'assistant', 'assistant', 1, 1)")
        .execute(pool)
        .await
        .unwrap();
    // The older code's question and the newer code's (which leaves the column at its default).
    for (seq, mark) in [(1, 1), (2, 0)] {
        sqlx::query("INSERT INTO events (conversation_id, seq, kind, payload, created_at, reply_due) VALUES ('c1', $1, 'message', '{}', 1, $2)")
            .bind(seq)
            .bind(mark)
            .execute(pool)
            .await
            .unwrap();
    }
    assert!(pg.store.is_pending("c1", 1).await.unwrap(), "the older instance's question is due");
    assert!(!pg.store.is_pending("c1", 2).await.unwrap());
    // The older code's reply clears its mark.
    sqlx::query("UPDATE events SET reply_due = 0 WHERE conversation_id = 'c1' AND seq = 1").execute(pool).await.unwrap();
    assert!(!pg.store.is_pending("c1", 1).await.unwrap(), "answered by the older instance");
    pg.remove().await;
}
