//! What the widget learns from its URL: `/embed/?merchant=..&host=..&locale=..&auth=pending&mode=app`
//! (and `&reopen=..` from an email's link).

use web_sys::UrlSearchParams;

/// Start-up parameters of the widget.
#[derive(Clone, Debug, PartialEq)]
pub struct Boot {
    /// The merchant whose page embeds the widget.
    pub merchant: String,
    /// The host page's origin: the only target of `postMessage` and the only accepted sender.
    pub host_origin: Option<String>,
    /// Locale requested by the host (or the browser's).
    pub locale: String,
    /// The host will send an identity token; wait for it before creating a session.
    pub identity_pending: bool,
    /// App mode (`mode=app`): full screen in a native web view, talking to a native bridge.
    pub app: bool,
    /// An identity token the native app passed in the URL fragment (`#token=...`); the fragment is
    /// removed from the address at once, and never reaches a server log.
    pub app_token: Option<String>,
    /// The token of an email's link that reopens a conversation (`reopen=`); removed from the
    /// address at once, so a reload does not spend it again.
    pub reopen: Option<String>,
}

impl Boot {
    /// Reads the parameters from the current page's URL.
    pub fn from_location() -> Self {
        let search = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
        let params = UrlSearchParams::new_with_str(&search).ok();
        let get = |k: &str| params.as_ref().and_then(|p| p.get(k)).filter(|v| !v.is_empty());
        let browser_locale = web_sys::window().and_then(|w| w.navigator().language()).unwrap_or_else(|| "en".into());
        Boot {
            merchant: get("merchant").unwrap_or_else(|| "unknown".into()),
            host_origin: get("host").filter(|h| is_origin(h)),
            locale: crate::format::canonical_locale(&get("locale").unwrap_or(browser_locale)),
            identity_pending: get("auth").as_deref() == Some("pending"),
            app: get("mode").as_deref() == Some("app"),
            app_token: take_fragment_token(),
            reopen: get("reopen").inspect(|_| forget_param("reopen", params.as_ref())),
        }
    }
}

/// Reads `#token=...` from the address and removes the fragment (so it is not kept in history).
fn take_fragment_token() -> Option<String> {
    let window = web_sys::window()?;
    let hash = window.location().hash().ok()?;
    let token = UrlSearchParams::new_with_str(hash.strip_prefix('#')?).ok()?.get("token").filter(|t| !t.is_empty())?;
    if let (Ok(history), Ok(path), Ok(search)) = (window.history(), window.location().pathname(), window.location().search()) {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&format!("{path}{search}")));
    }
    Some(token)
}

/// Removes a query parameter from the address (history only; nothing reloads).
fn forget_param(name: &str, params: Option<&UrlSearchParams>) {
    let (Some(window), Some(params)) = (web_sys::window(), params) else { return };
    params.delete(name);
    if let (Ok(history), Ok(path)) = (window.history(), window.location().pathname()) {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&format!("{path}?{}", String::from(params.to_string()))));
    }
}

/// Whether `s` is a bare `http(s)://host[:port]` origin.
pub fn is_origin(s: &str) -> bool {
    let rest = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://"));
    rest.is_some_and(|r| !r.is_empty() && r.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':')))
}
