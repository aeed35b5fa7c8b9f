//! The one error type every handler returns, answered as `{ "error": { code, message, field? } }`.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use tandem_protocol::{ErrorBody, ErrorDetail};

/// A failed request: a status, a stable code and a sentence for people.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request is malformed or a field is invalid (400 or 422).
    #[error("{message}")]
    Invalid { status: StatusCode, code: &'static str, message: String, field: Option<&'static str> },
    /// No valid credentials (401).
    #[error("{message}")]
    Unauthorized { code: &'static str, message: String },
    /// Valid credentials that may not touch this resource (403).
    #[error("{0}")]
    Forbidden(String),
    /// The resource does not exist (404).
    #[error("{message}")]
    NotFound { code: &'static str, message: String },
    /// The resource is in a state that does not allow this (409).
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// Over a rate limit or cap (429, with `Retry-After`).
    #[error("{message}")]
    TooMany { retry_after_secs: u64, message: String },
    /// Temporarily unable to serve (503, with `Retry-After`).
    #[error("{0}")]
    Unavailable(String),
    /// Anything unexpected: logged with context, answered with a generic 500.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    /// A validation error naming the offending field (422).
    pub fn field(code: &'static str, field: &'static str, message: impl Into<String>) -> Self {
        ApiError::Invalid { status: StatusCode::UNPROCESSABLE_ENTITY, code, message: message.into(), field: Some(field) }
    }

    /// A 404 with a code and message.
    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        ApiError::NotFound { code, message: message.into() }
    }

    /// A 401 with a code and message.
    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> Self {
        ApiError::Unauthorized { code, message: message.into() }
    }

    /// A 409 with a code and message.
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        ApiError::Conflict { code, message: message.into() }
    }

    fn parts(&self) -> (StatusCode, &'static str, String, Option<&'static str>) {
        match self {
            ApiError::Invalid { status, code, message, field } => (*status, code, message.clone(), *field),
            ApiError::Unauthorized { code, message } => (StatusCode::UNAUTHORIZED, code, message.clone(), None),
            ApiError::Forbidden(message) => (StatusCode::FORBIDDEN, "forbidden", message.clone(), None),
            ApiError::NotFound { code, message } => (StatusCode::NOT_FOUND, code, message.clone(), None),
            ApiError::Conflict { code, message } => (StatusCode::CONFLICT, code, message.clone(), None),
            ApiError::TooMany { message, .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited", message.clone(), None),
            ApiError::Unavailable(message) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable", message.clone(), None),
            ApiError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Something went wrong on our side. Please try again in a moment.".into(),
                None,
            ),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(context) = &self {
            tracing::error!(%context, "internal error");
        }
        let retry_after = match &self {
            ApiError::TooMany { retry_after_secs, .. } => Some(*retry_after_secs),
            ApiError::Unavailable(_) => Some(5),
            _ => None,
        };
        let (status, code, message, field) = self.parts();
        let body = ErrorBody { error: ErrorDetail { code: code.into(), message, field: field.map(Into::into) } };
        let mut res = (status, Json(body)).into_response();
        if let Some(secs) = retry_after {
            res.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from(secs));
        }
        res
    }
}

/// Storage errors, answered in one place: a taken unique value is a 409, anything else a 500
/// (logged with its cause; the client gets the generic sentence).
impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        match e {
            crate::store::StoreError::Taken(what) => ApiError::conflict("already_exists", format!("{what} already exists.")),
            crate::store::StoreError::Closed => ApiError::Internal("the store is shutting down".into()),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<serde_json::Error> for ApiError {
    fn from(e: serde_json::Error) -> Self {
        ApiError::Internal(format!("json: {e}"))
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        let (status, code, message) = match &r {
            JsonRejection::MissingJsonContentType(_) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Send the body as JSON with `Content-Type: application/json`.".to_string(),
            ),
            JsonRejection::JsonSyntaxError(e) => {
                (StatusCode::BAD_REQUEST, "malformed_json", format!("The body is not valid JSON: {}", e.body_text()))
            }
            JsonRejection::JsonDataError(e) => {
                (StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", format!("The body has the wrong shape: {}", e.body_text()))
            }
            JsonRejection::BytesRejection(_) => {
                (StatusCode::BAD_REQUEST, "unreadable_body", "The request body could not be read.".to_string())
            }
            _ => (StatusCode::BAD_REQUEST, "invalid_body", r.body_text()),
        };
        ApiError::Invalid { status, code, message, field: None }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        ApiError::Invalid {
            status: StatusCode::BAD_REQUEST,
            code: "invalid_query",
            message: format!("The query string is invalid: {}", r.body_text()),
            field: None,
        }
    }
}

/// `Json<T>` whose rejections answer in the API's error shape.
#[derive(axum::extract::FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

/// Result alias for handlers.
pub type ApiResult<T> = Result<T, ApiError>;
