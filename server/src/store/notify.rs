//! Live events between instances (PostgreSQL only): `NOTIFY tandem` carrying ids, never content.
//! The event log stays the truth: an instance told "conversation C has event 7" reads it from the
//! log, and a lost notification only delays a stream, which catches up from the log at the next
//! one (or at once when the listener reconnects, see [`Notice::Resync`]).

use std::sync::OnceLock;

use sqlx::{Any, Transaction};
use tandem_protocol::Author;

use super::{Committed, StoreResult};

/// The notification channel.
pub const CHANNEL: &str = "tandem";
/// PostgreSQL refuses payloads of 8,000 bytes or more; notices are packed below this.
const MAX_PAYLOAD: usize = 7_000;

/// This process's name among instances: `TANDEM_INSTANCE`, or a random one.
pub fn instance_id() -> &'static str {
    static ID: OnceLock<String> = OnceLock::new();
    ID.get_or_init(|| {
        std::env::var("TANDEM_INSTANCE")
            .ok()
            .map(|s| s.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').take(32).collect::<String>())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string()[..8].to_string())
    })
}

/// What another instance tells this one.
#[derive(Clone, Debug, PartialEq)]
pub enum NoticeKind {
    /// An event was committed to a conversation (held by `holder`, if anyone).
    Event { conversation_id: String, seq: u64, holder: Option<String> },
    /// Someone is typing (not stored).
    Typing { conversation_id: String, author: Author, active: bool, holder: Option<String> },
    /// The queue changed a lot: consoles need a new snapshot.
    Queue,
    /// These conversations entered, changed in or left the queue.
    QueueChanged { ids: Vec<String> },
    /// An agent's profile (presence, capacity, load) changed.
    Profile { agent_id: String },
    /// An internal note was written on a conversation held by `holder`.
    Note { note_id: String, holder: String },
    /// A shopper session ended (logout): forget it.
    SessionEnded { token_hash: String },
    /// Notifications may have been lost (the listener reconnected): every stream re-reads its log.
    Resync,
}

/// A notice and the instance it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    pub instance: String,
    pub kind: NoticeKind,
}

fn opt(s: &Option<String>) -> &str {
    s.as_deref().unwrap_or("-")
}

fn author_code(a: Author) -> &'static str {
    match a {
        Author::Shopper => "s",
        Author::Assistant => "a",
        Author::Agent => "g",
        Author::System => "y",
    }
}

/// One notice as a line (ids are uuids or short names: no spaces, no newlines).
pub fn encode(kind: &NoticeKind) -> String {
    match kind {
        NoticeKind::Event { conversation_id, seq, holder } => format!("e {conversation_id} {seq} {}", opt(holder)),
        NoticeKind::Typing { conversation_id, author, active, holder } => {
            format!("t {conversation_id} {} {} {}", author_code(*author), u8::from(*active), opt(holder))
        }
        NoticeKind::Queue => "q".into(),
        NoticeKind::QueueChanged { ids } => format!("c{}", ids.iter().map(|i| format!(" {i}")).collect::<String>()),
        NoticeKind::Profile { agent_id } => format!("p {agent_id}"),
        NoticeKind::Resync => "r".into(),
        NoticeKind::SessionEnded { token_hash } => format!("s {token_hash}"),
        NoticeKind::Note { note_id, holder } => format!("n {note_id} {holder}"),
    }
}

/// Reads a payload: the sending instance on the first line, one notice per further line.
/// Malformed lines are skipped (a newer instance may send kinds this one does not know).
pub fn decode(payload: &str) -> Vec<Notice> {
    let mut lines = payload.lines();
    let Some(instance) = lines.next() else { return vec![] };
    let holder = |s: &str| (s != "-").then(|| s.to_string());
    lines
        .filter_map(|line| {
            let parts: Vec<&str> = line.split(' ').collect();
            let kind = match parts.as_slice() {
                ["e", c, seq, h] => NoticeKind::Event { conversation_id: c.to_string(), seq: seq.parse().ok()?, holder: holder(h) },
                ["t", c, a, on, h] => NoticeKind::Typing {
                    conversation_id: c.to_string(),
                    author: match *a {
                        "s" => Author::Shopper,
                        "a" => Author::Assistant,
                        "g" => Author::Agent,
                        "y" => Author::System,
                        _ => return None,
                    },
                    active: *on == "1",
                    holder: holder(h),
                },
                ["q"] => NoticeKind::Queue,
                ["c", ids @ ..] => NoticeKind::QueueChanged { ids: ids.iter().filter(|i| !i.is_empty()).map(|i| i.to_string()).collect() },
                ["p", a] => NoticeKind::Profile { agent_id: a.to_string() },
                ["r"] => NoticeKind::Resync,
                ["s", h] => NoticeKind::SessionEnded { token_hash: h.to_string() },
                ["n", n, h] => NoticeKind::Note { note_id: n.to_string(), holder: h.to_string() },
                _ => return None,
            };
            Some(Notice { instance: instance.to_string(), kind })
        })
        .collect()
}

/// Packs notices into payloads below PostgreSQL's limit.
pub fn pack(kinds: &[NoticeKind]) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = instance_id().to_string();
    for k in kinds {
        let line = encode(k);
        if current.len() + 1 + line.len() > MAX_PAYLOAD && current.contains('\n') {
            out.push(std::mem::replace(&mut current, instance_id().to_string()));
        }
        current.push('\n');
        current.push_str(&line);
    }
    if current.contains('\n') {
        out.push(current);
    }
    out
}

/// Queues notifications for committed events; PostgreSQL delivers them when the transaction
/// commits, and not at all if it rolls back.
pub(crate) async fn events_in_transaction(tx: &mut Transaction<'static, Any>, committed: &[&Committed]) -> StoreResult<()> {
    if committed.is_empty() {
        return Ok(());
    }
    let kinds: Vec<NoticeKind> = committed
        .iter()
        .filter_map(|c| {
            Some(NoticeKind::Event { conversation_id: c.conversation_id.clone(), seq: c.event.seq()?, holder: c.holder.clone() })
        })
        .collect();
    for payload in pack(&kinds) {
        sqlx::query("SELECT pg_notify($1, $2)").bind(CHANNEL).bind(payload).execute(&mut **tx).await?;
    }
    Ok(())
}

impl super::Store {
    /// Tells the other instances (PostgreSQL only; a no-op on SQLite, which has one instance).
    pub async fn notify(&self, kinds: &[NoticeKind]) -> StoreResult<()> {
        if self.backend != super::Backend::Postgres || kinds.is_empty() {
            return Ok(());
        }
        for payload in pack(kinds) {
            sqlx::query("SELECT pg_notify($1, $2)").bind(CHANNEL).bind(payload).execute(&self.pool).await?;
        }
        Ok(())
    }

    /// Follows the other instances' notices for as long as the process runs (PostgreSQL only),
    /// handing each to `deliver`. Reconnects by itself; after a reconnection `deliver` gets
    /// [`NoticeKind::Resync`], since notices sent meanwhile are lost.
    pub fn listen(&self, deliver: impl Fn(Notice) + Send + Sync + 'static) {
        if self.backend != super::Backend::Postgres {
            return;
        }
        let url = self.url.to_string();
        tokio::spawn(async move {
            let me = instance_id();
            loop {
                let mut listener = match sqlx::postgres::PgListener::connect(&url).await {
                    Ok(l) => l,
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot connect the notification listener; retrying");
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                        continue;
                    }
                };
                if let Err(e) = listener.listen(CHANNEL).await {
                    tracing::warn!(error = %e, "LISTEN failed; retrying");
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    continue;
                }
                // Anything sent before this point (or while reconnecting) may be missed.
                deliver(Notice { instance: me.into(), kind: NoticeKind::Resync });
                loop {
                    match listener.try_recv().await {
                        Ok(Some(n)) => {
                            for notice in decode(n.payload()) {
                                if notice.instance != me {
                                    deliver(notice);
                                }
                            }
                        }
                        // The connection was lost and re-established: notices may be missing.
                        Ok(None) => deliver(Notice { instance: me.into(), kind: NoticeKind::Resync }),
                        Err(e) => {
                            tracing::warn!(error = %e, "notification listener failed; reconnecting");
                            break;
                        }
                    }
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_round_trip() {
        let kinds = vec![
            NoticeKind::Event { conversation_id: "c1".into(), seq: 7, holder: Some("a1".into()) },
            NoticeKind::Event { conversation_id: "c2".into(), seq: 1, holder: None },
            NoticeKind::Typing { conversation_id: "c1".into(), author: Author::Agent, active: true, holder: Some("a1".into()) },
            NoticeKind::Queue,
            NoticeKind::QueueChanged { ids: vec!["c1".into(), "c2".into()] },
            NoticeKind::QueueChanged { ids: vec![] },
            NoticeKind::Profile { agent_id: "a9".into() },
            NoticeKind::Resync,
            NoticeKind::SessionEnded { token_hash: "ab12".into() },
            NoticeKind::Note { note_id: "n1".into(), holder: "a1".into() },
        ];
        let payloads = pack(&kinds);
        assert_eq!(payloads.len(), 1);
        let back: Vec<NoticeKind> = decode(&payloads[0]).into_iter().map(|n| n.kind).collect();
        assert_eq!(back, kinds);
        assert!(decode(&payloads[0]).iter().all(|n| n.instance == instance_id()));
    }

    #[test]
    fn large_batches_are_split_below_the_limit_and_junk_is_skipped() {
        let kinds: Vec<NoticeKind> = (0..1000)
            .map(|i| NoticeKind::Event { conversation_id: uuid::Uuid::new_v4().to_string(), seq: i, holder: None })
            .collect();
        let payloads = pack(&kinds);
        assert!(payloads.len() > 1);
        assert!(payloads.iter().all(|p| p.len() < 8000));
        let total: usize = payloads.iter().map(|p| decode(p).len()).sum();
        assert_eq!(total, 1000);
        assert_eq!(decode("i1\nx y z\ne c1 notanumber -\nq").len(), 1);
    }
}
