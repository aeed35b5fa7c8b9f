//! Demo mode: the demo merchant, the demo shopper's account, the demo merchant page under `/demo/`,
//! and `POST /demo/identity-token`, which plays the provider's backend and signs an identity token
//! for the demo shopper. None of this exists unless the server runs with `--demo`.

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use serde::Serialize;
use tandem_protocol::Theme;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::error::{ApiError, ApiResult};
use crate::identity::{self, IdentityClaims};
use crate::ledger::SqliteLedger;
use crate::merchants::{self, Merchant};
use crate::AppState;

/// The demo merchant's id.
pub const DEMO_MERCHANT: &str = "nordic-outdoor";
/// The demo shopper's customer id in the provider's ledger.
pub const DEMO_SHOPPER: &str = "alex";

/// Seeds the demo merchant and the demo shopper's account (dates relative to today).
pub async fn seed(state: &AppState) -> anyhow::Result<()> {
    merchants::upsert(
        state,
        &Merchant {
            id: DEMO_MERCHANT.into(),
            name: "Nordic Outdoor".into(),
            provider_name: "Fjord Pay".into(),
            theme: Theme {
                accent: "#1f4e79".into(),
                on_accent: "#ffffff".into(),
                position: "right".into(),
                launcher_label: "Payment help".into(),
            },
            // The demo page is served from 127.0.0.1 while the widget comes from localhost: two
            // different origins, so the demo exercises the real cross-origin iframe.
            allowed_origins: vec![state.public_origin.replace("://localhost", "://127.0.0.1")],
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("seeding the demo merchant: {e}"))?;
    SqliteLedger::new(state.db.clone()).seed_demo(state.today()).await?;
    Ok(())
}

/// Demo routes; empty outside demo mode.
pub fn routes(state: &AppState) -> Router<AppState> {
    if !state.config.demo {
        return Router::new();
    }
    let csp = format!(
        "default-src 'self'; script-src 'self' {o}; style-src 'self'; img-src 'self' data:; frame-src {o}; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        o = state.public_origin
    );
    let files = ServeDir::new(state.config.demo_dir.join("assets"));
    Router::new()
        .route("/", get(|| async { Redirect::temporary("/demo/") }))
        .route("/demo/", get(page))
        .route("/demo/identity-token", post(identity_token))
        .nest_service("/demo/assets", files)
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_str(&csp).expect("CSP is ASCII"),
        ))
}

/// The demo merchant page, with the widget's origin filled in.
async fn page(State(state): State<AppState>) -> Response {
    match tokio::fs::read_to_string(state.config.demo_dir.join("index.html")).await {
        Ok(html) => Html(html.replace("{{WIDGET_ORIGIN}}", &state.public_origin)).into_response(),
        Err(e) => ApiError::Internal(format!("demo page missing: {e}")).into_response(),
    }
}

#[derive(Serialize)]
struct TokenResponse {
    token: String,
}

/// Signs an identity token for the demo shopper, as the provider's backend would after login.
async fn identity_token(State(state): State<AppState>) -> ApiResult<(StatusCode, Json<TokenResponse>)> {
    let secret = state.config.identity_secret().ok_or_else(|| ApiError::Internal("no identity secret".into()))?;
    let claims =
        IdentityClaims { sub: DEMO_SHOPPER.into(), name: Some("Alex Morgan".into()), exp: Utc::now().timestamp() + 3600 };
    Ok((StatusCode::OK, Json(TokenResponse { token: identity::sign(&claims, &secret) })))
}
