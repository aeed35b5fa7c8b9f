//! Money and dates formatted for the shopper's locale with the browser's `Intl`.

use js_sys::{Array, Intl, Object, Reflect};
use tandem_protocol::Money;
use wasm_bindgen::{JsCast, JsValue};

fn options(pairs: &[(&str, &str)]) -> Object {
    let o = Object::new();
    for (k, v) in pairs {
        let _ = Reflect::set(&o, &(*k).into(), &(*v).into());
    }
    o
}

/// `Intl.getCanonicalLocales(tag)[0]`, or `None` when the browser refuses the tag (it throws).
fn canonical(tag: &str) -> Option<String> {
    let intl = Reflect::get(&js_sys::global(), &"Intl".into()).ok()?;
    let f: js_sys::Function = Reflect::get(&intl, &"getCanonicalLocales".into()).ok()?.dyn_into().ok()?;
    let list: Array = f.call1(&JsValue::NULL, &JsValue::from_str(tag)).ok()?.dyn_into().ok()?;
    list.get(0).as_string()
}

/// A locale the browser's `Intl` accepts, from whatever the host page said (`en_US`, `xx-invalid`,
/// `<script>`): canonicalised, else its base language, else English. Every formatting call gets
/// one of these, so a bad `lang` never throws inside the widget.
pub fn canonical_locale(raw: &str) -> String {
    let tag = raw.trim().replace('_', "-");
    if tag.len() <= 35 {
        if let Some(c) = canonical(&tag) {
            return c;
        }
        let base = tag.split('-').next().unwrap_or("");
        if (2..=3).contains(&base.len()) && base.chars().all(|c| c.is_ascii_alphabetic()) {
            if let Some(c) = canonical(base) {
                return c;
            }
        }
    }
    "en".into()
}

fn locales(locale: &str) -> Array {
    Array::of1(&JsValue::from_str(locale))
}

/// `Money` as the locale writes it, e.g. `€50.00` (en) or `50,00 €` (de).
pub fn money(m: &Money, locale: &str) -> String {
    let nf = Intl::NumberFormat::new(&locales(locale), &options(&[("style", "currency"), ("currency", &m.currency)]));
    let amount = m.minor as f64 / 100.0;
    nf.format().call1(&JsValue::NULL, &JsValue::from_f64(amount)).ok().and_then(|v| v.as_string()).unwrap_or_else(|| m.plain())
}

/// An ISO `YYYY-MM-DD` day as the locale writes it, e.g. `28 November 2026`.
pub fn date(iso: &str, locale: &str) -> String {
    let d = js_sys::Date::new(&JsValue::from_str(&format!("{iso}T12:00:00Z")));
    if d.get_time().is_nan() {
        return iso.to_string();
    }
    let df = Intl::DateTimeFormat::new(&locales(locale), &options(&[("dateStyle", "long"), ("timeZone", "UTC")]));
    df.format().call1(&JsValue::NULL, &d).ok().and_then(|v| v.as_string()).unwrap_or_else(|| iso.to_string())
}
