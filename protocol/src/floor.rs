//! The supervisor's live floor (`GET /v1/agent/floor`) and the content gaps, the shoppers'
//! questions the assistant did not understand (`/v1/agent/gaps`). Supervisors and admins only.

use serde::{Deserialize, Serialize};

/// Answer to `GET /v1/agent/floor[?day=YYYY-MM-DD]`: the floor now, and one UTC day's figures.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Floor {
    /// When the figures were read (RFC 3339).
    pub at: String,
    /// Agents online now, by name.
    pub agents: Vec<FloorAgent>,
    /// Conversations by state now.
    pub states: StateCounts,
    /// The conversation waiting longest in the queue, if any is.
    pub longest_wait: Option<LongestWait>,
    /// The figures of the day asked for (today, UTC, by default).
    pub day: DayFigures,
}

/// An agent online, with their load.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FloorAgent {
    pub id: String,
    pub display_name: String,
    /// `agent`, `supervisor` or `admin`.
    pub role: String,
    /// Language codes the agent works in (may be empty).
    pub languages: Vec<String>,
    /// Conversations they hold now.
    pub active: u32,
    /// How many they take at once.
    pub capacity: u32,
}

/// How many conversations are in each state now.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StateCounts {
    /// With the assistant and active in the last [`ASSISTANT_ACTIVE_MINUTES`] minutes.
    pub assistant: u32,
    pub queued: u32,
    pub awaiting_reply: u32,
    pub with_agent: u32,
    /// Resolved by a person today (UTC).
    pub resolved_today: u32,
}

/// A conversation with the assistant counts as live on the floor when its last activity is this
/// recent (abandoned ones stay with the assistant for good).
pub const ASSISTANT_ACTIVE_MINUTES: u32 = 30;

/// The longest current wait in the queue.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LongestWait {
    pub conversation_id: String,
    /// When it entered the queue (RFC 3339).
    pub since: String,
    /// Seconds waited so far.
    pub wait_secs: u64,
}

/// One bar of a chart: a label and a count.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bar {
    pub label: String,
    pub count: u32,
}

/// One UTC day's figures.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DayFigures {
    /// `YYYY-MM-DD`.
    pub day: String,
    /// Conversations started that day in which the shopper wrote.
    pub conversations: u32,
    /// Of those, answered by the assistant alone (never handed to a person).
    pub by_assistant: u32,
    /// Of those, handed to a person at least once.
    pub by_person: u32,
    /// Handoffs queued that day, by reason (every known reason, zero included).
    pub handoffs_by_reason: Vec<Bar>,
    /// Time from queueing to pick-up of the handoffs queued that day and picked up.
    pub wait_times: Vec<Bar>,
    /// Time from pick-up to resolution of the handoffs resolved that day.
    pub handling_times: Vec<Bar>,
    /// Ratings 1 to 5 of the conversations resolved that day (labels `1` … `5`).
    pub ratings: Vec<Bar>,
    /// Average of those ratings, when there is one.
    pub rating_average: Option<f32>,
    /// Replies the assistant wrote that day.
    pub assistant_replies: u32,
    /// Of those, replies to questions it did not understand (recorded as content gaps).
    pub not_understood: u32,
    /// `not_understood / assistant_replies`, when there were replies.
    pub not_understood_share: Option<f32>,
}

/// A question the assistant did not understand, for a supervisor to label with a topic.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ContentGap {
    pub id: String,
    pub conversation_id: String,
    /// Sequence number of the question in its conversation.
    pub seq: u64,
    /// The pack locale the question was answered in.
    pub locale: String,
    /// The shopper's question.
    pub text: String,
    /// RFC 3339.
    pub created_at: String,
    /// The topic a supervisor gave it.
    pub label: Option<String>,
    /// Who labelled it (display name).
    pub labelled_by: Option<String>,
    /// When (RFC 3339).
    pub labelled_at: Option<String>,
}

/// Answer to `GET /v1/agent/gaps[?limit=&offset=]`: unlabelled first, newest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GapList {
    pub gaps: Vec<ContentGap>,
    /// Gaps in all.
    pub total: u32,
    /// Gaps not labelled yet.
    pub unlabelled: u32,
    /// The topics a gap may be labelled with (the pack's).
    pub topics: Vec<String>,
}

/// Body of `PUT /v1/agent/gaps/{id}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LabelGap {
    /// One of [`GapList::topics`].
    pub topic: String,
}
