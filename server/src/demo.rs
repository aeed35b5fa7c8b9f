//! Demo mode: the demo merchant, the demo shopper's account, the demo merchant page under `/demo/`,
//! and `POST /demo/identity-token[?merchant=ID]`, which plays the provider's backend and signs an
//! identity token for the demo shopper and one merchant (with the published demo secret unless a
//! key is configured), and the hostile host pages the end-to-end tests embed the widget in
//! (`/demo/hosts/{page}`, files in `demo/hosts/`). None of this exists unless the server runs with
//! `--demo`.

use axum::extract::{Path, Query, State};
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
use crate::ledger::StoreLedger;
use crate::merchants::{self, Merchant};
use crate::store::{CannedRow, Role, Store, DEMO_AGENT, DEMO_CANNED, DEMO_MERCHANT as DEMO_MERCHANT_ROW, DEMO_SHOPPER as DEMO_SHOPPER_ROW};
use crate::AppState;

/// The demo merchant's id.
pub const DEMO_MERCHANT: &str = "nordic-outdoor";
/// A second demo merchant with a bright theme whose stored text colour (white on yellow) fails
/// WCAG AA: `merchants::upsert` corrects it, and the launcher shows the corrected colours.
pub const THEMED_MERCHANT: &str = "fjell-sport";
/// The hostile host pages under `demo/hosts/` (`{name}.html`): `zoom`, `zoom-out` and `transform`
/// zoom or scale the whole page.
pub const HOST_PAGES: [&str; 8] = ["strict", "css", "spa", "onmessage", "api", "zoom", "zoom-out", "transform"];
/// The directives (and sources) a merchant adds to its CSP for Tandem, as the README documents them,
/// `{o}` standing for the widget's origin.
pub const CSP_ADDITIONS: [&str; 3] = ["script-src {o}", "frame-src {o}", "connect-src {o}"];
/// The demo shopper's customer id in the provider's ledger.
pub const DEMO_SHOPPER: &str = "alex";

/// The demo agents: (email, display name, password, role). Printed at start-up and in the README.
pub const DEMO_AGENTS: [(&str, &str, &str, Role); 2] = [
    ("sam@fjordpay.example", "Sam", "tandem-demo-sam", Role::Admin),
    ("kim@fjordpay.example", "Kim", "tandem-demo-kim", Role::Agent),
];

/// The languages of the demo agents, in the order of [`DEMO_AGENTS`]: Sam speaks Swedish, Kim
/// German, both English.
pub const DEMO_AGENT_LANGUAGES: [&[&str]; 2] = [&["en", "sv"], &["en", "de"]];

/// The team's canned replies in the demo: (shortcut, locale, title, body).
pub const DEMO_CANNED_REPLIES: [(&str, &str, &str, &str); 12] = [
    ("next-payment", "en", "Next payment", "Hi {first_name}, the next payment for order {order_id} is {next_amount}, due on {next_due}."),
    ("next-payment", "sv", "Nästa betalning", "Hej {first_name}! Nästa betalning för order {order_id} är {next_amount} och förfaller {next_due}."),
    ("next-payment", "de", "Nächste Zahlung", "Hallo {first_name}, die nächste Zahlung für die Bestellung {order_id} beträgt {next_amount} und ist am {next_due} fällig."),
    ("next-payment", "ar", "الدفعة التالية", "مرحبًا {first_name}، الدفعة التالية للطلب {order_id} هي {next_amount} وتستحق في {next_due}."),
    ("greeting", "en", "Greeting", "Hi {first_name}, I'm {agent_name} and I'll help you from here."),
    ("greeting", "sv", "Hälsning", "Hej {first_name}, jag heter {agent_name} och hjälper dig vidare härifrån."),
    ("greeting", "de", "Begrüßung", "Hallo {first_name}, ich bin {agent_name} und helfe Ihnen ab hier weiter."),
    ("greeting", "ar", "تحية", "مرحبًا {first_name}، أنا {agent_name} وسأساعدك من هنا."),
    ("anything-else", "en", "Anything else?", "Is there anything else I can help you with?"),
    ("anything-else", "sv", "Något mer?", "Finns det något mer jag kan hjälpa dig med?"),
    ("anything-else", "de", "Sonst noch etwas?", "Kann ich Ihnen sonst noch helfen?"),
    ("anything-else", "ar", "شيء آخر؟", "هل هناك أي شيء آخر يمكنني مساعدتك به؟"),
];

/// Seeds the demo merchant, the demo shopper's account (dates relative to today), the demo agents
/// and the team's demo canned replies.
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
    merchants::upsert(
        state,
        &Merchant {
            id: THEMED_MERCHANT.into(),
            name: "Fjell Sport".into(),
            provider_name: "Fjord Pay".into(),
            theme: Theme {
                accent: "#ffd400".into(),
                on_accent: "#ffffff".into(),
                position: "left".into(),
                launcher_label: "Hjälp med betalning".into(),
            },
            allowed_origins: vec![state.public_origin.replace("://localhost", "://127.0.0.1")],
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("seeding the themed demo merchant: {e}"))?;
    StoreLedger::new(state.store.clone()).seed_demo(state.today()).await?;
    let store = &state.store;
    for id in [DEMO_MERCHANT, THEMED_MERCHANT] {
        store.record_demo_row(DEMO_MERCHANT_ROW, id).await?;
    }
    store.record_demo_row(DEMO_SHOPPER_ROW, DEMO_SHOPPER).await?;
    for ((email, name, password, role), languages) in DEMO_AGENTS.into_iter().zip(DEMO_AGENT_LANGUAGES) {
        if !store.agent_email_exists(email).await? {
            match crate::agents::add_agent(store, email, name, password, 3, role).await {
                Ok(_) => {}
                // Another instance seeding the same database at the same moment added them first.
                Err(_) if store.agent_email_exists(email).await? => {}
                Err(e) => return Err(e),
            }
        }
        if let Some(id) = store.agent_id(email).await? {
            store.set_languages(&id, &languages.iter().map(|l| l.to_string()).collect::<Vec<_>>()).await?;
            store.record_demo_row(DEMO_AGENT, &id).await?;
        }
    }
    for (shortcut, locale, title, body) in DEMO_CANNED_REPLIES {
        let id = format!("demo-{shortcut}-{locale}");
        let row = CannedRow {
            id: id.clone(),
            owner_id: None,
            locale: locale.into(),
            shortcut: shortcut.into(),
            title: title.into(),
            body: body.into(),
            updated_ms: crate::store::now_ms(),
        };
        store.insert_canned(&row).await?;
        store.record_demo_row(DEMO_CANNED, &id).await?;
    }
    Ok(())
}

/// Outside demo mode, removes whatever an earlier demo run seeded into this database: the demo
/// merchants (with their sessions and conversations), the demo shopper's account, the team's demo
/// canned replies, and the demo agents, whose published passwords must never open a production
/// console. An agent still holding a conversation is disabled instead (the sweeper requeues the
/// conversation).
pub async fn remove_seeded(store: &Store) -> anyhow::Result<()> {
    for (kind, id) in store.demo_rows().await? {
        match kind.as_str() {
            DEMO_MERCHANT_ROW => {
                store.remove_merchant(&id).await?;
            }
            DEMO_SHOPPER_ROW => {
                store.erase_shopper(&id).await?;
            }
            DEMO_CANNED => {
                store.delete_canned(&id).await?;
            }
            DEMO_AGENT => {
                if !store.remove_agent(&id).await? {
                    tracing::warn!(agent = %id, "a demo agent still holds a conversation: disabled instead of removed");
                    continue;
                }
            }
            _ => {}
        }
        store.forget_demo_row(&kind, &id).await?;
        tracing::info!(%kind, %id, "removed demo data (the server runs without --demo)");
    }
    Ok(())
}

/// Demo routes; empty outside demo mode.
pub fn routes(state: &AppState) -> Router<AppState> {
    if !state.config.demo {
        return Router::new();
    }
    let csp = format!(
        "default-src 'self'; script-src 'self' {o}; style-src 'self'; img-src 'self' data:; frame-src {o}; connect-src 'self' {o}; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        o = state.public_origin
    );
    let files = ServeDir::new(state.config.demo_dir.join("assets"));
    let host_files = ServeDir::new(state.config.demo_dir.join("hosts").join("assets"));
    // The hostile host pages carry their own policies (or none), so they sit outside the demo
    // page's CSP layer.
    let hosts = Router::new()
        .route("/demo/hosts/{page}", get(host_page))
        .route("/demo/hosts/spa/{*route}", get(spa_route))
        .nest_service("/demo/hosts/assets", host_files);
    let demo = Router::new()
        .route("/", get(|| async { Redirect::temporary("/demo/") }))
        .route("/demo/", get(page))
        .route("/demo/identity-token", post(identity_token))
        .nest_service("/demo/assets", files)
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_str(&csp).expect("CSP is ASCII"),
        ));
    demo.merge(hosts)
}

/// The strict host page's policy: `default-src 'self'` and exactly the documented additions (each
/// added directive starts from `default-src`'s sources, as a merchant's would).
pub fn strict_csp(widget_origin: &str) -> String {
    let mut policy = vec!["default-src 'self'".to_string()];
    for addition in CSP_ADDITIONS {
        let (directive, sources) = addition.split_once(' ').expect("directive and sources");
        policy.push(format!("{directive} 'self' {}", sources.replace("{o}", widget_origin)));
    }
    policy.join("; ")
}

/// A hostile host page, with the widget's origin filled in; the strict one with its policy.
async fn host_page(State(state): State<AppState>, Path(page): Path<String>) -> Response {
    let Some(name) = HOST_PAGES.iter().find(|p| **p == page) else {
        return ApiError::not_found("not_found", "There is no such host page.").into_response();
    };
    let path = state.config.demo_dir.join("hosts").join(format!("{name}.html"));
    let html = match tokio::fs::read_to_string(path).await {
        Ok(html) => html.replace("{{WIDGET_ORIGIN}}", &state.public_origin),
        Err(e) => return ApiError::Internal(format!("host page missing: {e}")).into_response(),
    };
    let mut res = Html(html).into_response();
    if *name == "strict" {
        if let Ok(v) = HeaderValue::from_str(&strict_csp(&state.public_origin)) {
            res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, v);
        }
    }
    res
}

/// The single-page app's deep links (`/demo/hosts/spa/orders`, ...) all load the same page.
async fn spa_route(state: State<AppState>) -> Response {
    host_page(state, Path("spa".into())).await
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

/// Query of `POST /demo/identity-token`.
#[derive(serde::Deserialize)]
struct TokenRequest {
    /// The merchant the token is for (its `aud`); the demo merchant when absent.
    merchant: Option<String>,
}

/// How long demo identity tokens are valid: the default maximum lifetime, or less.
const DEMO_TOKEN_SECS: i64 = 3600;

/// Signs an identity token for the demo shopper, as the provider's backend would after login: for
/// one merchant (`?merchant=ID`, default the demo merchant), with the configured issuer, issued now
/// and valid for an hour (or the configured maximum), with the HS256 key's `kid` when it has one.
async fn identity_token(
    State(state): State<AppState>,
    query: Result<Query<TokenRequest>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<(StatusCode, Json<TokenResponse>)> {
    let Query(query) = query?;
    let merchant = query.merchant.unwrap_or_else(|| DEMO_MERCHANT.to_string());
    if !state.store.merchant_exists(&merchant).await? {
        return Err(ApiError::not_found("unknown_merchant", format!("No merchant with id '{merchant}' is configured.")));
    }
    let (kid, secret) = state.identity.hs256_signing_key().ok_or_else(|| {
        ApiError::not_found("no_demo_signing_key", "The demo signs identity tokens with an HS256 key, and none is configured.")
    })?;
    let now = Utc::now().timestamp();
    let policy = state.identity.policy();
    let claims = IdentityClaims {
        sub: DEMO_SHOPPER.into(),
        name: Some("Alex Morgan".into()),
        iss: policy.issuer.clone(),
        aud: merchant,
        iat: now,
        exp: now + DEMO_TOKEN_SECS.min(policy.max_lifetime_secs),
    };
    Ok((StatusCode::OK, Json(TokenResponse { token: identity::sign_hs256(&claims, secret, kid) })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_strict_policy_is_default_self_plus_the_documented_additions() {
        assert_eq!(
            strict_csp("https://chat.provider.example"),
            "default-src 'self'; script-src 'self' https://chat.provider.example; \
             frame-src 'self' https://chat.provider.example; connect-src 'self' https://chat.provider.example"
        );
    }
}
