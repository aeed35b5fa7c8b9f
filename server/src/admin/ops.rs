//! The administration operations, shared by the `tandem-server merchant|agent|shopper` commands
//! and the admin HTTP API: every input is checked here, once, with a message that says what to fix.

use serde::{Deserialize, Serialize};
use tandem_protocol::Theme;

use crate::error::{ApiError, ApiResult};
use crate::merchants::checked_theme;
use crate::store::{Removed, Role, Store, StoredMerchant};

/// A merchant as administrators write and read it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MerchantSpec {
    pub id: String,
    pub name: String,
    /// Shown as "payment help from …"; empty means the provider pack's name.
    #[serde(default)]
    pub provider_name: String,
    /// Origins allowed to frame the widget (`https://shop.example`).
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    #[serde(default = "default_theme")]
    pub theme: Theme,
}

/// Changes to a merchant; absent fields stay as they are.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct MerchantChange {
    pub name: Option<String>,
    pub provider_name: Option<String>,
    pub allowed_origins: Option<Vec<String>>,
    pub accent: Option<String>,
    pub on_accent: Option<String>,
    pub position: Option<String>,
    pub launcher_label: Option<String>,
}

/// The theme a new merchant gets unless one is given.
pub fn default_theme() -> Theme {
    Theme { accent: "#1f4e79".into(), on_accent: "#ffffff".into(), position: "right".into(), launcher_label: "Payment help".into() }
}

/// A merchant id: 1 to 64 of `a-z 0-9 - _` (it appears in the loader's script tag and in URLs).
pub fn check_merchant_id(id: &str) -> ApiResult<()> {
    let ok = !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(ApiError::field("invalid_merchant_id", "id", format!("'{id}' is not a merchant id: use 1 to 64 of a-z, 0-9, '-' and '_'.")))
    }
}

/// An origin a merchant's page is served from: `https://host[:port]` with nothing after it;
/// `http://` only for `localhost`/`127.0.0.1` (a merchant's local development).
pub fn check_origin(origin: &str) -> ApiResult<String> {
    let o = origin.trim().trim_end_matches('/').to_ascii_lowercase();
    let bad = || {
        ApiError::field(
            "invalid_origin",
            "allowed_origins",
            format!("'{origin}' is not an origin: write https://shop.example (a scheme and host, optionally a port; no path)."),
        )
    };
    let (secure, rest) = match (o.strip_prefix("https://"), o.strip_prefix("http://")) {
        (Some(r), _) => (true, r),
        (_, Some(r)) => (false, r),
        _ => return Err(bad()),
    };
    let (host, port) = rest.rsplit_once(':').map_or((rest, None), |(h, p)| (h, Some(p)));
    let host_ok = !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|l| !l.is_empty() && l.len() <= 63 && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
    let port_ok = port.is_none_or(|p| p.parse::<u16>().is_ok_and(|n| n > 0));
    if !host_ok || !port_ok {
        return Err(bad());
    }
    if !secure && host != "localhost" && host != "127.0.0.1" {
        return Err(ApiError::field(
            "insecure_origin",
            "allowed_origins",
            format!("'{origin}' is not https: the widget is framed only by https pages (http only for localhost)."),
        ));
    }
    Ok(o)
}

fn check_name(name: &str, field: &'static str) -> ApiResult<String> {
    let n = name.trim();
    if n.is_empty() || n.chars().count() > 100 || n.chars().any(char::is_control) {
        return Err(ApiError::field("invalid_name", field, format!("The {field} must be 1 to 100 characters, without control characters.")));
    }
    Ok(n.to_string())
}

/// Checks a merchant and returns it as it will be stored (origins normalised, theme corrected).
pub fn checked_merchant(m: &MerchantSpec) -> ApiResult<MerchantSpec> {
    check_merchant_id(&m.id)?;
    let mut origins = Vec::new();
    for o in &m.allowed_origins {
        let o = check_origin(o)?;
        if !origins.contains(&o) {
            origins.push(o);
        }
    }
    let provider_name = if m.provider_name.trim().is_empty() { String::new() } else { check_name(&m.provider_name, "provider_name")? };
    Ok(MerchantSpec { id: m.id.clone(), name: check_name(&m.name, "name")?, provider_name, allowed_origins: origins, theme: checked_theme(&m.theme)? })
}

fn stored(m: &MerchantSpec) -> ApiResult<StoredMerchant> {
    Ok(StoredMerchant {
        id: m.id.clone(),
        name: m.name.clone(),
        provider_name: m.provider_name.clone(),
        theme: serde_json::to_string(&m.theme)?,
        allowed_origins: serde_json::to_string(&m.allowed_origins)?,
    })
}

fn spec(row: StoredMerchant) -> ApiResult<MerchantSpec> {
    Ok(MerchantSpec {
        id: row.id,
        name: row.name,
        provider_name: row.provider_name,
        theme: crate::merchants::safe_theme(serde_json::from_str(&row.theme)?),
        allowed_origins: serde_json::from_str(&row.allowed_origins)?,
    })
}

/// Adds a merchant; 409 when the id is taken.
pub async fn add_merchant(store: &Store, m: &MerchantSpec) -> ApiResult<MerchantSpec> {
    let m = checked_merchant(m)?;
    if store.merchant_exists(&m.id).await? {
        return Err(ApiError::conflict("merchant_exists", format!("A merchant with id '{}' exists; change it with `merchant update`.", m.id)));
    }
    store.upsert_merchant(&stored(&m)?).await?;
    Ok(m)
}

/// Changes a merchant; 404 when there is none.
pub async fn update_merchant(store: &Store, id: &str, c: &MerchantChange) -> ApiResult<MerchantSpec> {
    let mut m = match store.merchant(id).await? {
        Some(row) => spec(row)?,
        None => return Err(unknown_merchant(id)),
    };
    if let Some(v) = &c.name {
        m.name = v.clone();
    }
    if let Some(v) = &c.provider_name {
        m.provider_name = v.clone();
    }
    if let Some(v) = &c.allowed_origins {
        m.allowed_origins = v.clone();
    }
    for (value, slot) in [(&c.accent, &mut m.theme.accent), (&c.on_accent, &mut m.theme.on_accent), (&c.position, &mut m.theme.position), (&c.launcher_label, &mut m.theme.launcher_label)] {
        if let Some(v) = value {
            *slot = v.clone();
        }
    }
    let m = checked_merchant(&m)?;
    store.upsert_merchant(&stored(&m)?).await?;
    Ok(m)
}

/// Every merchant.
pub async fn list_merchants(store: &Store) -> ApiResult<Vec<MerchantSpec>> {
    store.merchants().await?.into_iter().map(spec).collect()
}

/// Removes a merchant and everything of theirs; 404 when there is none.
pub async fn remove_merchant(store: &Store, id: &str) -> ApiResult<Removed> {
    let removed = store.remove_merchant(id).await?.ok_or_else(|| unknown_merchant(id))?;
    forget_sessions(store, &removed).await;
    Ok(removed)
}

fn unknown_merchant(id: &str) -> ApiError {
    ApiError::not_found("unknown_merchant", format!("No merchant with id '{id}' is configured."))
}

/// Parses a role name.
pub fn parse_role(role: &str) -> ApiResult<Role> {
    Role::parse(role).ok_or_else(|| ApiError::field("invalid_role", "role", format!("'{role}' is not a role: use agent, supervisor or admin.")))
}

/// Parses the languages an agent speaks: locale codes such as `en` or `pt-br`, separated by
/// commas, at most 12; repeats dropped.
pub fn parse_languages(list: &[String]) -> ApiResult<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for raw in list.iter().flat_map(|l| l.split(',')) {
        let code = raw.trim().to_ascii_lowercase();
        if code.is_empty() {
            continue;
        }
        let ok = code.len() <= 8 && code.chars().all(|c| c.is_ascii_lowercase() || c == '-') && !code.starts_with('-') && !code.ends_with('-');
        if !ok {
            return Err(ApiError::field("invalid_language", "languages", format!("'{raw}' is not a language code: use codes such as en, sv or de.")));
        }
        if !out.contains(&code) {
            out.push(code);
        }
    }
    if out.len() > 12 {
        return Err(ApiError::field("too_many_languages", "languages", "List at most 12 languages."));
    }
    Ok(out)
}

/// The id of an agent named by email or id; 404 when there is none.
pub async fn agent_id(store: &Store, who: &str) -> ApiResult<String> {
    store.agent_id(who).await?.ok_or_else(|| ApiError::not_found("unknown_agent", format!("No agent '{who}'.")))
}

/// Removes everything held about a shopper (also on other instances, whose cached sessions end).
pub async fn erase_shopper(store: &Store, shopper_id: &str) -> ApiResult<Removed> {
    if shopper_id.trim().is_empty() {
        return Err(ApiError::field("missing_shopper", "shopper_id", "Name the shopper to erase."));
    }
    let removed = store.erase_shopper(shopper_id).await?;
    forget_sessions(store, &removed).await;
    Ok(removed)
}

/// Tells every instance that sessions ended (their caches forget them).
async fn forget_sessions(store: &Store, removed: &Removed) {
    let notices: Vec<_> = removed.session_hashes.iter().map(|h| crate::store::NoticeKind::SessionEnded { token_hash: h.clone() }).collect();
    if notices.is_empty() {
        return;
    }
    if let Err(e) = store.notify(&notices).await {
        tracing::warn!(error = %e, "cannot tell other instances that sessions ended (their caches expire within seconds)");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_normalised_and_checked() {
        assert_eq!(check_origin("https://Shop.example/").unwrap(), "https://shop.example");
        assert_eq!(check_origin("https://shop.example:8443").unwrap(), "https://shop.example:8443");
        assert_eq!(check_origin("http://localhost:3000").unwrap(), "http://localhost:3000");
        for bad in ["shop.example", "https://shop.example/path", "https://", "https://a..b", "javascript:alert(1)", "https://x:99999", "https://x y"] {
            assert!(check_origin(bad).is_err(), "{bad}");
        }
        assert!(check_origin("http://shop.example").is_err(), "plain http outside localhost");
    }

    #[test]
    fn merchant_ids_are_url_safe() {
        assert!(check_merchant_id("nordic-outdoor_2").is_ok());
        for bad in ["", "Nordic", "a/b", "a b", &"x".repeat(65)] {
            assert!(check_merchant_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_merchant_is_checked_whole() {
        let m = MerchantSpec {
            id: "shop".into(),
            name: "  Shop  ".into(),
            provider_name: String::new(),
            allowed_origins: vec!["https://shop.example".into(), "https://SHOP.example/".into()],
            theme: Theme { accent: "#ffd400".into(), on_accent: "#ffffff".into(), position: "left".into(), launcher_label: "Help".into() },
        };
        let c = checked_merchant(&m).unwrap();
        assert_eq!(c.name, "Shop");
        assert_eq!(c.allowed_origins, vec!["https://shop.example"], "duplicates after normalising are dropped");
        assert_eq!(c.theme.on_accent, "#000000", "unreadable text colour corrected");
        assert!(checked_merchant(&MerchantSpec { name: " ".into(), ..m.clone() }).is_err());
        assert!(checked_merchant(&MerchantSpec { allowed_origins: vec!["ftp://x".into()], ..m }).is_err());
    }

    #[test]
    fn roles_parse() {
        assert_eq!(parse_role("supervisor").unwrap(), Role::Supervisor);
        assert!(parse_role("root").is_err());
        assert!(Role::Admin > Role::Supervisor && Role::Supervisor > Role::Agent);
    }
}
