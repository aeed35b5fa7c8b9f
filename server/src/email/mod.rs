//! Placeholder: routes of this feature are added by its change.

use axum::Router;

use crate::AppState;

/// Routes of this module (under `/v1`).
pub fn routes() -> Router<AppState> {
    Router::new()
}
