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

/// Adds the widget page's CSP, with `frame-ancestors` from the merchant named in `?merchant=`, and
/// its caching: files whose names carry their content hash never change (a year, immutable); the
/// page itself revalidates, so a new build is picked up at once.
async fn embed_headers(State(state): State<AppState>, Query(q): Query<EmbedQuery>, req: Request, next: Next) -> Response {
    if is_hashed(req.uri().path()) {
        let mut res = next.run(req).await;
        if res.status().is_success() {
            res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable"));
        }
        return res;
    }
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
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    res
}

/// Whether a file name carries the build's content hash (`name-0123456789abcdef.js`,
/// `name-0123456789abcdef_bg.wasm`), as Trunk names every asset but the page. Trunk writes the
/// 64-bit hash without leading zeros, so it has 12 to 16 digits (one in 16 builds has 15).
fn is_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    let Some((stem, ext)) = name.rsplit_once('.') else { return false };
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    let hash = stem.rsplit_once('-').map_or("", |(_, h)| h);
    matches!(ext, "js" | "wasm" | "css") && (12..=16).contains(&hash.len()) && hash.bytes().all(|b| b.is_ascii_hexdigit())
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
    fn hashed_asset_names_are_recognised() {
        assert!(is_hashed("/embed/tandem-widget-a09057e81e53a8a1_bg.wasm"));
        assert!(is_hashed("/embed/widget-f9a7396dfa723903.css"));
        assert!(is_hashed("/embed/boot-9ee87f8e675d59d3.js"));
        assert!(is_hashed("/embed/tandem-widget-2e90931a9353ba5.js"), "a hash with a leading zero dropped");
        assert!(!is_hashed("/embed/x-2e9093.js"));
        assert!(!is_hashed("/embed/"));
        assert!(!is_hashed("/embed/index.html"));
        assert!(!is_hashed("/embed/widget.js"));
        assert!(!is_hashed("/embed/tandem-widget-a09057e81e53a8a1.html"));
        assert!(!is_hashed("/embed/x-notahexhashvalue1.js"));
    }

    #[test]
    fn only_plain_origins_reach_the_policy() {
        assert!(is_origin("https://shop.example"));
        assert!(is_origin("http://127.0.0.1:8080"));
        assert!(!is_origin("https://a; script-src *"));
        assert!(!is_origin("*"));
        assert!(!is_origin("javascript:alert(1)"));
    }
}
