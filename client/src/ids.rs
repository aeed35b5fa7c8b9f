//! Client ids: the idempotency key a message is sent with (the server stores a repeat once), made
//! in the browser before the first attempt and kept for every retry.

/// Lower-case hex of `bytes` (by hand: the formatter's hex is larger in the Wasm).
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    bytes.iter().flat_map(|b| [DIGITS[(b >> 4) as usize] as char, DIGITS[(b & 15) as usize] as char]).collect()
}

/// A new random client id: 128 bits as 32 hex digits, from the browser's `crypto.getRandomValues`
/// (there in every browser that runs Wasm, secure context or not; no fallback is compiled in, as
/// the widget counts its bytes).
pub fn client_id() -> String {
    let mut bytes = [0u8; 16];
    if let Some(c) = web_sys::window().and_then(|w| w.crypto().ok()) {
        let _ = c.get_random_values_with_u8_array(&mut bytes);
    }
    hex(&bytes)
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
}
