//! The admin API's agent types (`/v1/admin/agents`), shared by the server and the console.

use serde::{Deserialize, Serialize};

/// An agent as administrators list them (`GET /v1/admin/agents`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AgentListing {
    pub id: String,
    pub email: String,
    pub display_name: String,
    /// `agent`, `supervisor` or `admin`.
    pub role: String,
    pub disabled: bool,
    pub online: bool,
    pub capacity: u32,
    /// Locale codes they speak.
    #[serde(default)]
    pub languages: Vec<String>,
    /// Conversations they hold now.
    #[serde(default)]
    pub load: u32,
}

/// Body of `POST /v1/admin/agents`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AddAgent {
    pub email: String,
    pub display_name: String,
    pub password: String,
    #[serde(default = "default_capacity")]
    pub capacity: u32,
    #[serde(default = "default_role")]
    pub role: String,
    /// Locale codes they speak.
    #[serde(default)]
    pub languages: Vec<String>,
}

fn default_capacity() -> u32 {
    3
}

fn default_role() -> String {
    "agent".into()
}
