//! Shoppers' sessions (`/v1/sessions`).

use serde::{Deserialize, Serialize};

/// Body of `POST /v1/sessions`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CreateSession {
    /// The merchant whose page embeds the widget.
    pub merchant_id: String,
    /// BCP 47 locale, e.g. `en-GB`; the server falls back to `en`.
    #[serde(default)]
    pub locale: Option<String>,
    /// A provider-signed JWT identifying a logged-in shopper; without it the session is anonymous.
    #[serde(default)]
    pub identity_token: Option<String>,
}

/// Answer to `POST /v1/sessions`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// Bearer token for every later call; shown once, stored hashed by the server.
    pub token: String,
    /// Who the session belongs to.
    pub shopper: Shopper,
    /// The locale the server settled on.
    pub locale: String,
    /// When the token stops working (RFC 3339).
    pub expires_at: String,
}

/// The shopper behind a session.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Shopper {
    /// Stable id: the provider's customer id when identified, a random id otherwise.
    pub id: String,
    /// Display name from the identity token, when identified.
    pub name: Option<String>,
    /// Whether a verified identity token backs this session (account answers need it).
    pub identified: bool,
}
