//! Merchant configuration: `GET /v1/merchants/{id}/config`, public (the loader on the merchant's
//! page reads it at load to colour the launcher, before any session exists), the allowed origins
//! that may frame the widget, and the theme's checks: well-formed colours, and text that stays
//! readable (WCAG AA, 4.5:1) on the accent colour.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use tandem_protocol::{MerchantConfig, Theme};

use crate::error::{ApiError, ApiResult};
use crate::AppState;

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
    let row = state
        .store
        .merchant(id)
        .await?
        .ok_or_else(|| ApiError::not_found("unknown_merchant", format!("No merchant with id '{id}' is configured.")))?;
    Ok(Merchant {
        id: row.id,
        name: row.name,
        provider_name: row.provider_name,
        // Stored themes passed `checked_theme`; rows from before the check are made safe here.
        theme: safe_theme(serde_json::from_str(&row.theme)?),
        allowed_origins: serde_json::from_str(&row.allowed_origins)?,
    })
}

/// Stores or replaces a merchant. A malformed theme is refused (422); a theme whose text colour is
/// unreadable on its accent is corrected (see `checked_theme`), never stored as it came.
pub async fn upsert(state: &AppState, m: &Merchant) -> ApiResult<()> {
    let theme = checked_theme(&m.theme)?;
    state
        .store
        .upsert_merchant(&crate::store::StoredMerchant {
            id: m.id.clone(),
            name: m.name.clone(),
            provider_name: m.provider_name.clone(),
            theme: serde_json::to_string(&theme)?,
            allowed_origins: serde_json::to_string(&m.allowed_origins)?,
        })
        .await?;
    Ok(())
}

/// The public configuration. The loader fetches it from the merchant's page (another origin), so it
/// is the one API answer readable cross-origin: public data, no credentials (`*` never allows them).
async fn config(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<impl IntoResponse> {
    let m = load(&state, &id).await?;
    let body = MerchantConfig {
        merchant_id: m.id,
        name: m.name,
        // A merchant added without a provider name shows the provider pack's.
        provider_name: if m.provider_name.is_empty() { state.assistant.pack().provider.clone() } else { m.provider_name },
        theme: m.theme,
        support_hours: state.assistant.voice("", state.config.support_hours).hours_text(),
        email: state.email.is_some(),
    };
    Ok((
        [(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"), (header::CACHE_CONTROL, "public, max-age=300")],
        Json(body),
    ))
}

/// WCAG AA's minimum contrast for normal text.
pub const MIN_CONTRAST: f64 = 4.5;
/// The longest launcher label (it sits in a pill button on the merchant's page).
pub const MAX_LABEL_CHARS: usize = 40;
const DEFAULT_ACCENT: &str = "#1f4e79";
const BLACK: [u8; 3] = [0, 0, 0];
const WHITE: [u8; 3] = [255, 255, 255];

/// Parses `#rrggbb` (either case); nothing else (no names, no `#rgb`, no alpha) so that a colour
/// can go into CSS without escaping.
pub fn parse_hex(s: &str) -> Option<[u8; 3]> {
    let hex = s.strip_prefix('#')?;
    if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
    Some([byte(0)?, byte(2)?, byte(4)?])
}

fn to_hex([r, g, b]: [u8; 3]) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// Relative luminance of an sRGB colour, 0 (black) to 1 (white), as WCAG 2 defines it.
pub fn relative_luminance(rgb: [u8; 3]) -> f64 {
    let channel = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(rgb[0]) + 0.7152 * channel(rgb[1]) + 0.0722 * channel(rgb[2])
}

/// WCAG 2 contrast ratio of two colours, 1 to 21, the same whichever comes first.
pub fn contrast_ratio(a: [u8; 3], b: [u8; 3]) -> f64 {
    let (la, lb) = (relative_luminance(a), relative_luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// Black or white, whichever is more readable on `background` (one of them always reaches 4.5:1).
pub fn readable_on(background: [u8; 3]) -> [u8; 3] {
    if contrast_ratio(background, BLACK) >= contrast_ratio(background, WHITE) {
        BLACK
    } else {
        WHITE
    }
}

/// Validates a theme for storing: colours must be `#rrggbb`, the position `left` or `right`, the
/// label 1 to 40 characters. Text on the accent (`on_accent`) below 4.5:1 is corrected to black or
/// white, whichever passes. Accent is the only background the theme paints text on (the widget's
/// stylesheet never uses the accent as a text colour), so this one pair decides readability.
pub fn checked_theme(theme: &Theme) -> ApiResult<Theme> {
    let colour = |value: &str, field: &'static str| {
        parse_hex(value.trim()).ok_or_else(|| {
            ApiError::field("invalid_theme", field, format!("'{value}' is not a colour of the form #rrggbb."))
        })
    };
    let accent = colour(&theme.accent, "theme.accent")?;
    let mut on_accent = colour(&theme.on_accent, "theme.on_accent")?;
    if contrast_ratio(accent, on_accent) < MIN_CONTRAST {
        on_accent = readable_on(accent);
    }
    let position = theme.position.trim().to_ascii_lowercase();
    if position != "left" && position != "right" {
        return Err(ApiError::field("invalid_theme", "theme.position", "The launcher position is 'left' or 'right'."));
    }
    let label = theme.launcher_label.trim();
    let chars = label.chars().count();
    if chars == 0 || chars > MAX_LABEL_CHARS || label.chars().any(char::is_control) {
        return Err(ApiError::field(
            "invalid_theme",
            "theme.launcher_label",
            format!("The launcher label is 1 to {MAX_LABEL_CHARS} characters of text."),
        ));
    }
    Ok(Theme { accent: to_hex(accent), on_accent: to_hex(on_accent), position, launcher_label: label.into() })
}

/// A theme that is safe to show whatever was stored: what `checked_theme` would store, with
/// defaults in place of anything malformed.
pub fn safe_theme(theme: Theme) -> Theme {
    let accent = parse_hex(&theme.accent).unwrap_or_else(|| parse_hex(DEFAULT_ACCENT).expect("valid default"));
    let on_accent = parse_hex(&theme.on_accent).filter(|&c| contrast_ratio(accent, c) >= MIN_CONTRAST);
    let label = theme.launcher_label.trim();
    Theme {
        accent: to_hex(accent),
        on_accent: to_hex(on_accent.unwrap_or_else(|| readable_on(accent))),
        position: if theme.position.trim().eq_ignore_ascii_case("left") { "left".into() } else { "right".into() },
        launcher_label: if label.is_empty() || label.chars().count() > MAX_LABEL_CHARS || label.chars().any(char::is_control) {
            "Chat with us".into()
        } else {
            label.into()
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn theme(accent: &str, on_accent: &str) -> Theme {
        Theme { accent: accent.into(), on_accent: on_accent.into(), position: "right".into(), launcher_label: "Help".into() }
    }

    #[test]
    fn luminance_matches_wcag_reference_values() {
        assert_eq!(relative_luminance(BLACK), 0.0);
        assert!((relative_luminance(WHITE) - 1.0).abs() < 1e-9);
        // Pure primaries weigh as the coefficients.
        assert!((relative_luminance([255, 0, 0]) - 0.2126).abs() < 1e-9);
        assert!((relative_luminance([0, 255, 0]) - 0.7152).abs() < 1e-9);
        // #777777 is about 0.184 (the linear part of the curve is not used at this level).
        assert!((relative_luminance([0x77, 0x77, 0x77]) - 0.1845).abs() < 1e-3);
    }

    #[test]
    fn contrast_ratio_matches_known_pairs() {
        assert!((contrast_ratio(BLACK, WHITE) - 21.0).abs() < 1e-9);
        assert!((contrast_ratio(WHITE, WHITE) - 1.0).abs() < 1e-9);
        // Symmetric.
        let (a, b) = (parse_hex("#1f4e79").unwrap(), WHITE);
        assert_eq!(contrast_ratio(a, b), contrast_ratio(b, a));
        // #767676 on white is the classic "just passes AA" grey (4.54:1); #777777 just fails (4.48:1).
        assert!(contrast_ratio(parse_hex("#767676").unwrap(), WHITE) >= MIN_CONTRAST);
        assert!(contrast_ratio(parse_hex("#777777").unwrap(), WHITE) < MIN_CONTRAST);
    }

    #[test]
    fn parses_only_six_digit_hex() {
        assert_eq!(parse_hex("#1F4e79"), Some([0x1f, 0x4e, 0x79]));
        for bad in ["1f4e79", "#fff", "#1f4e7", "#1f4e79ff", "#gggggg", "red", "#1f4e79;}", ""] {
            assert_eq!(parse_hex(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_readable_theme_is_kept_and_normalised() {
        let t = checked_theme(&Theme { position: " Left ".into(), launcher_label: " Payment help ".into(), ..theme("#1F4E79", "#FFFFFF") }).unwrap();
        assert_eq!(t, Theme { accent: "#1f4e79".into(), on_accent: "#ffffff".into(), position: "left".into(), launcher_label: "Payment help".into() });
    }

    #[test]
    fn unreadable_text_on_the_accent_is_corrected_to_black_or_white() {
        // White on yellow is 1.1:1: corrected to black.
        let t = checked_theme(&theme("#ffd400", "#ffffff")).unwrap();
        assert_eq!(t.on_accent, "#000000");
        // Dark grey on navy: corrected to white.
        let t = checked_theme(&theme("#1f2a44", "#333333")).unwrap();
        assert_eq!(t.on_accent, "#ffffff");
        // A mid tone where white fails (#777777: 4.48:1) takes black (4.69:1).
        let t = checked_theme(&theme("#777777", "#ffffff")).unwrap();
        assert_eq!(t.on_accent, "#000000");
        // Whatever the accent, the stored pair passes AA.
        for v in (0..=255u16).step_by(5) {
            for accent in [[v as u8, 0, 0], [0, v as u8, 0], [0, 0, v as u8], [v as u8, v as u8, v as u8], [255, v as u8, 128]] {
                let t = checked_theme(&theme(&to_hex(accent), &to_hex(accent))).unwrap();
                let ratio = contrast_ratio(parse_hex(&t.accent).unwrap(), parse_hex(&t.on_accent).unwrap());
                assert!(ratio >= MIN_CONTRAST, "{t:?}: {ratio}");
            }
        }
    }

    #[test]
    fn malformed_themes_are_refused() {
        assert!(checked_theme(&theme("red", "#ffffff")).is_err());
        assert!(checked_theme(&theme("#1f4e79", "#fff; background:url(x)")).is_err());
        assert!(checked_theme(&Theme { position: "top".into(), ..theme("#1f4e79", "#ffffff") }).is_err());
        assert!(checked_theme(&Theme { launcher_label: "  ".into(), ..theme("#1f4e79", "#ffffff") }).is_err());
        assert!(checked_theme(&Theme { launcher_label: "x".repeat(41), ..theme("#1f4e79", "#ffffff") }).is_err());
    }

    #[test]
    fn stored_themes_are_made_safe_on_the_way_out() {
        let t = safe_theme(Theme { position: "middle".into(), launcher_label: String::new(), ..theme("nonsense", "#1f4e79") });
        assert_eq!(t.accent, DEFAULT_ACCENT);
        assert_eq!(t.on_accent, "#ffffff");
        assert_eq!(t.position, "right");
        assert_eq!(t.launcher_label, "Chat with us");
        assert_eq!(safe_theme(theme("#ffd400", "#ffffff")).on_accent, "#000000");
    }
}
