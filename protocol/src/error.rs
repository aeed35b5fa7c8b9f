//! The one error body every endpoint answers with.

use serde::{Deserialize, Serialize};

/// The one error body every endpoint answers with on failure.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong, for code (`code`) and for people (`message`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `text_too_long`.
    pub code: String,
    /// A sentence saying what happened and what to do next.
    pub message: String,
    /// The offending field, for validation errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}
