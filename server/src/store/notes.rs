//! Internal notes on conversations (agents only). They are kept apart from the event log on
//! purpose: whatever reads the log for a shopper (streams, transcripts, emails) cannot see them.

use tandem_protocol::Note;

use super::{col, ms_to_rfc3339, Store, StoreResult};

/// A note to store.
pub struct NewNoteRow<'a> {
    pub id: &'a str,
    pub conversation_id: &'a str,
    pub agent_id: &'a str,
    pub author_name: &'a str,
    /// `note` or `transfer`.
    pub kind: &'a str,
    pub text: &'a str,
    pub created_ms: i64,
}

const COLUMNS: &str = "id, conversation_id, author_name, kind, text, created_at";

fn read(r: &sqlx::any::AnyRow) -> StoreResult<Note> {
    Ok(Note {
        id: col(r, 0)?,
        conversation_id: col(r, 1)?,
        author_name: col(r, 2)?,
        kind: col(r, 3)?,
        text: col(r, 4)?,
        created_at: ms_to_rfc3339(col(r, 5)?),
    })
}

impl Store {
    /// Stores a note.
    pub async fn add_note(&self, n: &NewNoteRow<'_>) -> StoreResult<()> {
        sqlx::query("INSERT INTO notes (id, conversation_id, agent_id, author_name, kind, text, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(n.id)
            .bind(n.conversation_id)
            .bind(n.agent_id)
            .bind(n.author_name)
            .bind(n.kind)
            .bind(n.text)
            .bind(n.created_ms)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// A conversation's notes, oldest first.
    pub async fn notes(&self, conversation_id: &str) -> StoreResult<Vec<Note>> {
        let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM notes WHERE conversation_id = $1 ORDER BY created_at, id"))
            .bind(conversation_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(read).collect()
    }

    /// One note.
    pub async fn note(&self, id: &str) -> StoreResult<Option<Note>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM notes WHERE id = $1")).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(read).transpose()
    }
}
