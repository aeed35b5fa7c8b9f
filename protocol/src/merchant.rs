//! A merchant's widget configuration and theme (`/v1/merchants/{id}/config`).

use serde::{Deserialize, Serialize};

/// Colours and texts a merchant may set; applied by the widget as CSS custom properties.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Theme {
    /// Accent colour (`#rrggbb`), used for the launcher, the header and the shopper's bubbles.
    pub accent: String,
    /// Text colour on the accent (`#rrggbb`).
    pub on_accent: String,
    /// `right` or `left`.
    pub position: String,
    /// Launcher label.
    pub launcher_label: String,
}

/// Answer to `GET /v1/merchants/{id}/config`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MerchantConfig {
    pub merchant_id: String,
    /// The merchant's store name.
    pub name: String,
    /// The payment provider's name shown in the widget header.
    pub provider_name: String,
    pub theme: Theme,
    /// Human support hours, in words, e.g. `08:00–22:00 CET every day`.
    pub support_hours: String,
    /// Email is configured: the widget offers the transcript by email.
    #[serde(default)]
    pub email: bool,
}
