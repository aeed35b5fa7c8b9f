//! The compact JWS form of a JWT (`header.payload.signature`, base64url without padding), its
//! signature checked with one key, and HS256 signing (what the demo's stand-in for the provider
//! does). The algorithm is the key's: the header may only repeat it.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use p256::ecdsa::signature::Verifier as _;
use serde::Deserialize;
use sha2::Sha256;

use super::keys::{Algorithm, KeyMaterial};
use super::IdentityError;

/// The longest token read at all; real identity tokens are a few hundred bytes.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;

/// A token split into its parts, its header decoded; nothing verified yet.
pub struct Compact<'a> {
    /// `header.payload`: the bytes the signature covers.
    pub signing_input: &'a str,
    pub header: Header,
    /// The payload, still base64url.
    pub payload: &'a str,
    pub signature: Vec<u8>,
}

/// The header fields Tandem reads.
#[derive(Debug, Deserialize)]
pub struct Header {
    pub alg: String,
    #[serde(default)]
    pub kid: Option<String>,
    /// Extensions the token says must be understood; Tandem understands none (RFC 7515 §4.1.11).
    #[serde(default)]
    pub crit: Option<serde_json::Value>,
}

/// Splits a compact JWS and decodes its header.
pub fn split(token: &str) -> Result<Compact<'_>, IdentityError> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(IdentityError::Malformed("it is longer than 8 KB"));
    }
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(IdentityError::Malformed("a JWT has three parts separated by '.'"));
    };
    let header: Header = decode_json(h).ok_or(IdentityError::Malformed("the header is not base64url-encoded JSON"))?;
    if header.crit.is_some() {
        return Err(IdentityError::Malformed("the header has `crit` extensions, which Tandem does not support"));
    }
    let signature = URL_SAFE_NO_PAD.decode(s).map_err(|_| IdentityError::Malformed("the signature is not base64url"))?;
    Ok(Compact { signing_input: &token[..h.len() + 1 + p.len()], header, payload: p, signature })
}

/// Whether `signature` is `material`'s signature of `input`. HMAC tags are compared in constant
/// time (`verify_slice`); ECDSA and RSA verification use only public values.
pub fn signature_matches(material: &KeyMaterial, input: &[u8], signature: &[u8]) -> bool {
    match material {
        KeyMaterial::Hs256(secret) => {
            let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else { return false };
            mac.update(input);
            mac.verify_slice(signature).is_ok()
        }
        KeyMaterial::Es256(key) => {
            // JWS carries ECDSA signatures as r || s, 32 bytes each (RFC 7518 §3.4), not DER.
            let Ok(sig) = p256::ecdsa::Signature::from_slice(signature) else { return false };
            key.verify(input, &sig).is_ok()
        }
        KeyMaterial::Rs256(key) => {
            let Ok(sig) = rsa::pkcs1v15::Signature::try_from(signature) else { return false };
            rsa::signature::Verifier::verify(key, input, &sig).is_ok()
        }
    }
}

/// Decodes a base64url JSON part; `None` when it is not one.
pub fn decode_json<T: for<'de> Deserialize<'de>>(part: &str) -> Option<T> {
    let bytes = URL_SAFE_NO_PAD.decode(part).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Encodes a header (with `kid` when given) and claims, and signs them with `sign` for `alg`.
/// Signing is the provider's job; Tandem signs only demo tokens (HS256) and test tokens.
pub fn encode(alg: Algorithm, kid: Option<&str>, claims: &impl serde::Serialize, sign: impl FnOnce(&[u8]) -> Vec<u8>) -> String {
    let mut header = serde_json::json!({ "alg": alg.jwt_name(), "typ": "JWT" });
    if let Some(kid) = kid {
        header["kid"] = kid.into();
    }
    let header = URL_SAFE_NO_PAD.encode(header.to_string());
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
    let input = format!("{header}.{payload}");
    let signature = URL_SAFE_NO_PAD.encode(sign(input.as_bytes()));
    format!("{input}.{signature}")
}

/// An HS256 tag of `input` under `secret`.
pub fn hs256(secret: &[u8], input: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length; the fallback is unreachable.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else { return Vec::new() };
    mac.update(input);
    mac.finalize().into_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitting_keeps_the_signed_bytes_and_refuses_other_shapes() {
        let token = encode(Algorithm::Hs256, Some("k1"), &serde_json::json!({"sub": "a"}), |i| hs256(b"s", i));
        let c = split(&token).unwrap();
        assert_eq!(c.header.alg, "HS256");
        assert_eq!(c.header.kid.as_deref(), Some("k1"));
        assert_eq!(c.signing_input, &token[..token.rfind('.').unwrap()]);
        assert!(signature_matches(&KeyMaterial::Hs256(b"s".to_vec()), c.signing_input.as_bytes(), &c.signature));
        assert!(!signature_matches(&KeyMaterial::Hs256(b"t".to_vec()), c.signing_input.as_bytes(), &c.signature));

        for bad in ["a.b", "a.b.c.d", "!!!.e30.", &"a".repeat(MAX_TOKEN_BYTES + 1)] {
            assert!(matches!(split(bad), Err(IdentityError::Malformed(_))), "{bad}");
        }
        let crit = format!("{}.e30.", URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","crit":["exp"]}"#));
        assert!(matches!(split(&crit), Err(IdentityError::Malformed(m)) if m.contains("crit")));
    }

    #[test]
    fn a_der_encoded_ecdsa_signature_is_not_a_jws_signature() {
        let pem = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/identity/es256-a.pub.pem")).unwrap();
        let KeyMaterial::Es256(key) = super::super::keys::material(Algorithm::Es256, pem.into_bytes()).unwrap() else { panic!() };
        // 70 bytes of DER-looking noise: refused without panicking.
        let mut der = vec![0x30, 0x44, 0x02, 0x20];
        der.extend([1u8; 66]);
        assert!(!signature_matches(&KeyMaterial::Es256(key), b"x.y", &der));
    }
}
