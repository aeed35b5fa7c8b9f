//! Static assets: the loader at `/widget.js`, the widget app under `/embed/`, each with its security
//! headers, sent from their precompressed copies (brotli or gzip, whichever the client accepts).
//! The widget page's `frame-ancestors` lists exactly the merchant's allowed origins.

use axum::extract::{Query, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde::Deserialize;
use tower_http::compression::CompressionLayer;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::error::ApiError;
use crate::{merchants, AppState};

/// The widget page's policy, before `frame-ancestors`.
const EMBED_CSP: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'";

/// Routes of this module.
pub fn routes(state: &AppState) -> Router<AppState> {
    let assets = &state.config.assets_dir;
    let loader = Router::new()
        .route_service("/widget.js", ServeFile::new(assets.join("widget.js")).precompressed_br().precompressed_gzip())
        .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300")))
        // Merchants' pages load the loader cross-origin, possibly with COEP.
        .layer(SetResponseHeaderLayer::overriding(
            header::HeaderName::from_static("cross-origin-resource-policy"),
            HeaderValue::from_static("cross-origin"),
        ));
    let embed = Router::new()
        .nest_service("/embed", ServeDir::new(assets.join("embed")).append_index_html_on_directories(true).precompressed_br().precompressed_gzip())
        .layer(middleware::from_fn_with_state(state.clone(), embed_headers));
    let console = Router::new()
        .nest_service("/console", ServeDir::new(assets.join("console")).append_index_html_on_directories(true).precompressed_br().precompressed_gzip())
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONSOLE_CSP),
        ))
        .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-cache")));
    // Built assets have brotli and gzip copies made at build time (`scripts/precompress.mjs`),
    // sent as they are; compressing per request is only the fallback for a build without them.
    loader.merge(embed).merge(console).layer(CompressionLayer::new())
}

/// The agent console's policy: same-origin everything, never framed.
const CONSOLE_CSP: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

#[derive(Deserialize)]
struct EmbedQuery {
    merchant: Option<String>,
}

/// Adds the widget page's CSP, with `frame-ancestors` from the merchant named in `?merchant=`.
async fn embed_headers(State(state): State<AppState>, Query(q): Query<EmbedQuery>, req: Request, next: Next) -> Response {
    let ancestors = match q.merchant.as_deref() {
        Some(id) => match merchants::load(&state, id).await {
            Ok(m) => {
                let mut list = vec!["'self'".to_string()];
                list.extend(m.allowed_origins.into_iter().filter(|o| is_origin(o)));
                list.join(" ")
            }
            Err(_) => "'self'".into(),
        },
        None => "'self'".into(),
    };
    let mut res = next.run(req).await;
    let csp = format!("{EMBED_CSP}; frame-ancestors {ancestors}");
    if let Ok(v) = HeaderValue::from_str(&csp) {
        res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, v);
    }
    // Hashed Wasm/JS file names could be cached for long; index.html and unhashed files must revalidate.
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    res
}

/// An origin as CSP accepts it: `https://host[:port]` or `http://host[:port]`, nothing else.
fn is_origin(s: &str) -> bool {
    let rest = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://"));
    rest.is_some_and(|r| !r.is_empty() && r.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':')))
}

/// Unknown paths: a JSON 404 in the API's error shape.
pub async fn not_found() -> impl IntoResponse {
    let mut res = ApiError::not_found("not_found", "There is nothing at this address.").into_response();
    *res.status_mut() = StatusCode::NOT_FOUND;
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_origins_reach_the_policy() {
        assert!(is_origin("https://shop.example"));
        assert!(is_origin("http://127.0.0.1:8080"));
        assert!(!is_origin("https://a; script-src *"));
        assert!(!is_origin("*"));
        assert!(!is_origin("javascript:alert(1)"));
    }
}
