//! Merchant configuration: `GET /v1/merchants/{id}/config`, public (the loader reads it before any
//! session exists), and the allowed origins that may frame the widget.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use tandem_protocol::{MerchantConfig, Theme};

use crate::error::{ApiError, ApiResult};
use crate::AppState;

/// Human support hours of the provider, in words.
pub const SUPPORT_HOURS: &str = "08:00–22:00 CET every day";

/// Routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new().route("/merchants/{id}/config", get(config))
}

/// A merchant as stored.
pub struct Merchant {
    pub id: String,
    pub name: String,
    pub provider_name: String,
    pub theme: Theme,
    /// Origins allowed to embed the widget, besides the server's own.
    pub allowed_origins: Vec<String>,
}

/// Loads a merchant, or 404.
pub async fn load(state: &AppState, id: &str) -> ApiResult<Merchant> {
    let row: Option<(String, String, String, String)> =
        sqlx::query_as("SELECT name, provider_name, theme, allowed_origins FROM merchants WHERE id = ?")
            .bind(id)
            .fetch_optional(&state.db)
            .await?;
    let (name, provider_name, theme, origins) =
        row.ok_or_else(|| ApiError::not_found("unknown_merchant", format!("No merchant with id '{id}' is configured.")))?;
    Ok(Merchant {
        id: id.into(),
        name,
        provider_name,
        theme: serde_json::from_str(&theme)?,
        allowed_origins: serde_json::from_str(&origins)?,
    })
}

/// Stores or replaces a merchant.
pub async fn upsert(state: &AppState, m: &Merchant) -> ApiResult<()> {
    sqlx::query("INSERT OR REPLACE INTO merchants (id, name, provider_name, theme, allowed_origins) VALUES (?, ?, ?, ?, ?)")
        .bind(&m.id)
        .bind(&m.name)
        .bind(&m.provider_name)
        .bind(serde_json::to_string(&m.theme)?)
        .bind(serde_json::to_string(&m.allowed_origins)?)
        .execute(&state.db)
        .await?;
    Ok(())
}

async fn config(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<MerchantConfig>> {
    let m = load(&state, &id).await?;
    Ok(Json(MerchantConfig {
        merchant_id: m.id,
        name: m.name,
        provider_name: m.provider_name,
        theme: m.theme,
        support_hours: SUPPORT_HOURS.into(),
    }))
}
