//! Why an API call failed, and what that means for the caller: retry later, sign in again, start
//! over, bring a fresh identity token. The words people read are each app's own (the widget's in the
//! shopper's language, `shopper_text`; the console's, `api::explain`): this type's `Display` is for
//! developers only.

/// Why a call failed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ApiError {
    /// The request never got an answer (offline, server down); what the browser said.
    #[error("network error: {0}")]
    Network(String),
    /// The server answered with an error status.
    #[error("{message}")]
    Server {
        /// HTTP status.
        status: u16,
        /// Stable machine-readable code, e.g. `rate_limited` (`http_error` when the body had none).
        code: String,
        /// The server's sentence (English, for agents and developers; never shown to shoppers).
        message: String,
        /// The `Retry-After` header of a 429 or 503, in seconds.
        retry_after_secs: Option<u32>,
    },
    /// The answer could not be read (the path of the call, or what the reader said).
    #[error("unexpected answer: {0}")]
    Decode(String),
}

impl ApiError {
    /// An error answer without `Retry-After`.
    pub fn server(status: u16, code: &str, message: &str) -> Self {
        ApiError::Server { status, code: code.into(), message: message.into(), retry_after_secs: None }
    }

    /// An error answer: its status, `Retry-After` header and error body (`code`, `message`) when
    /// the body was the API's error shape.
    pub fn answered(status: u16, retry_after_secs: Option<u32>, body: Option<(String, String)>) -> Self {
        // No `format!` here: the widget counts its bytes (the console words this case itself).
        let (code, message) = body.unwrap_or_else(|| ("http_error".into(), "The server answered without an error body.".into()));
        ApiError::Server { status, code, message, retry_after_secs }
    }

    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Server { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The server's error code, when it sent one.
    pub fn code(&self) -> Option<&str> {
        match self {
            ApiError::Server { code, .. } => Some(code),
            _ => None,
        }
    }

    /// Worth retrying the same request later: network trouble, a busy or failing server.
    pub fn is_transient(&self) -> bool {
        match self {
            ApiError::Network(_) => true,
            ApiError::Server { status, .. } => *status >= 500 || *status == 429,
            ApiError::Decode(_) => false,
        }
    }

    /// The server is busy (429 rate limited, 503 unavailable): it asks to come back later, never
    /// to start over.
    pub fn is_busy(&self) -> bool {
        matches!(self, ApiError::Server { status: 429 | 503, .. })
    }

    /// How long a busy server asked to wait (`Retry-After`), in milliseconds.
    pub fn retry_after_ms(&self) -> Option<u32> {
        match self {
            ApiError::Server { status: 429 | 503, retry_after_secs: Some(s), .. } => Some(s.saturating_mul(1000)),
            _ => None,
        }
    }

    /// The session is not (or no longer) accepted: 401.
    pub fn is_auth(&self) -> bool {
        matches!(self, ApiError::Server { status: 401, .. })
    }

    /// The identity token was refused (expired, or signed for another shop): the host must bring
    /// a fresh one.
    pub fn is_identity_refused(&self) -> bool {
        matches!(self, ApiError::Server { status: 401, code, .. } if code.starts_with("identity_") || code == "invalid_identity_token")
    }

    /// The resource is gone or not ours (403, 404): start over without it.
    pub fn is_missing(&self) -> bool {
        matches!(self, ApiError::Server { status: 403 | 404, .. })
    }
}

/// A `Retry-After` header in seconds (the HTTP-date form is not used by the Tandem server and
/// counts as absent).
pub fn retry_after_secs(header: Option<&str>) -> Option<u32> {
    // ASCII trimming: `str::trim` brings Unicode's whitespace table into the widget's Wasm.
    crate::sse::digits(header?.as_bytes().trim_ascii())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passing_failures_are_transient_and_refusals_are_not() {
        assert!(ApiError::Network("offline".into()).is_transient());
        for status in [429, 500, 502, 503] {
            assert!(ApiError::server(status, "x", "").is_transient(), "{status}");
        }
        for status in [400, 401, 403, 404, 409, 422] {
            assert!(!ApiError::server(status, "x", "").is_transient(), "{status}");
        }
        assert!(!ApiError::Decode("/v1/x".into()).is_transient());
    }

    #[test]
    fn a_busy_server_is_neither_auth_nor_missing_and_names_its_wait() {
        let limited = ApiError::answered(429, Some(7), Some(("rate_limited".into(), "Too many requests".into())));
        assert!(limited.is_busy() && limited.is_transient());
        assert!(!limited.is_auth() && !limited.is_missing() && !limited.is_identity_refused());
        assert_eq!(limited.retry_after_ms(), Some(7000));
        assert_eq!(ApiError::answered(503, Some(2), None).retry_after_ms(), Some(2000));
        assert_eq!(ApiError::server(429, "rate_limited", "").retry_after_ms(), None);
        // Only a busy server's Retry-After counts.
        assert_eq!(ApiError::answered(500, Some(2), None).retry_after_ms(), None);
        assert!(!ApiError::server(500, "internal", "").is_busy());
    }

    #[test]
    fn auth_missing_and_identity_refusals_are_told_apart() {
        assert!(ApiError::server(401, "unauthorized", "").is_auth());
        assert!(!ApiError::server(401, "unauthorized", "").is_identity_refused());
        assert!(ApiError::server(401, "identity_expired", "").is_identity_refused());
        assert!(ApiError::server(401, "invalid_identity_token", "").is_identity_refused());
        assert!(!ApiError::server(400, "identity_expired", "").is_identity_refused());
        assert!(ApiError::server(403, "forbidden", "").is_missing());
        assert!(ApiError::server(404, "not_found", "").is_missing());
        assert!(!ApiError::server(401, "unauthorized", "").is_missing());
        assert!(!ApiError::Network("x".into()).is_auth());
    }

    #[test]
    fn an_answer_without_the_error_shape_still_has_a_status_and_a_code() {
        let e = ApiError::answered(502, None, None);
        assert_eq!((e.status(), e.code()), (Some(502), Some("http_error")));
        assert_eq!(e.to_string(), "The server answered without an error body.");
        assert_eq!(ApiError::Network("x".into()).code(), None);
    }

    #[test]
    fn retry_after_is_read_in_seconds() {
        assert_eq!(retry_after_secs(Some("3")), Some(3));
        assert_eq!(retry_after_secs(Some(" 120 ")), Some(120));
        assert_eq!(retry_after_secs(Some("Wed, 21 Oct 2026 07:28:00 GMT")), None);
        assert_eq!(retry_after_secs(Some("-1")), None);
        assert_eq!(retry_after_secs(Some("")), None);
        assert_eq!(retry_after_secs(None), None);
    }
}
