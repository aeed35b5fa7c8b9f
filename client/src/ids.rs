//! Client ids: the idempotency key a message is sent with (the server stores a repeat once), made
//! in the browser before the first attempt and kept for every retry.

/// Lower-case hex of `bytes` (by hand: the formatter's hex is larger in the Wasm).
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    bytes.iter().flat_map(|b| [DIGITS[(b >> 4) as usize] as char, DIGITS[(b & 15) as usize] as char]).collect()
}

/// A new random client id: 128 bits as 32 hex digits, from the browser's `crypto.getRandomValues`
/// (there in every browser that runs Wasm, secure context or not). Should it ever fail, the id is
/// made from the clock, `Math.random` and a count of ids made on this page instead of being all
/// zeros: equal ids would make every message after the first a "repeat" the server drops.
pub fn client_id() -> String {
    let mut bytes = [0u8; 16];
    let random = web_sys::window().and_then(|w| w.crypto().ok()).is_some_and(|c| c.get_random_values_with_u8_array(&mut bytes).is_ok());
    if !random {
        use std::sync::atomic::{AtomicU32, Ordering};
        static MADE: AtomicU32 = AtomicU32::new(0);
        bytes = fallback_id(js_sys::Date::now(), js_sys::Math::random(), MADE.fetch_add(1, Ordering::Relaxed));
    }
    hex(&bytes)
}

/// The 128 bits of an id made without `crypto`: milliseconds since 1970 (6 bytes), the bits of a
/// `Math.random()` draw (6 bytes) and the page's count of ids (4 bytes).
fn fallback_id(now_ms: f64, random: f64, count: u32) -> [u8; 16] {
    let mut bytes = [0u8; 16];
    bytes[..6].copy_from_slice(&(now_ms as u64).to_be_bytes()[2..]);
    bytes[6..12].copy_from_slice(&random.to_bits().to_be_bytes()[2..]);
    bytes[12..].copy_from_slice(&count.to_be_bytes());
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_ids_are_lower_case_hex() {
        assert_eq!(hex(&[0, 0x0f, 0xab, 0xff]), "000fabff");
        assert_eq!(hex(&[0u8; 16]).len(), 32);
        assert_eq!(hex(&[]), "");
    }

    #[test]
    fn ids_made_without_crypto_differ_and_are_not_zero() {
        let now = 1_764_547_200_000.0;
        let a = fallback_id(now, 0.123_456_789, 0);
        assert_ne!(a, [0u8; 16]);
        // The same moment and draw: the count still tells them apart.
        assert_ne!(a, fallback_id(now, 0.123_456_789, 1));
        // Another page at the same moment: its draw does.
        assert_ne!(a, fallback_id(now, 0.987_654_321, 0));
        assert_eq!(hex(&a).len(), 32);
    }
}
