//! Money and dates formatted for the shopper's locale with the browser's `Intl`.

use js_sys::{Array, Intl, Object, Reflect};
use tandem_protocol::Money;
use wasm_bindgen::JsValue;

fn options(pairs: &[(&str, &str)]) -> Object {
    let o = Object::new();
    for (k, v) in pairs {
        let _ = Reflect::set(&o, &(*k).into(), &(*v).into());
    }
    o
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
