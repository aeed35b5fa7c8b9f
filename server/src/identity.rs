//! Provider-signed identity tokens: compact JWTs signed with HS256 by the provider's backend.
//!
//! Only `alg: HS256` is accepted (never `none`), the signature is checked in constant time, and
//! `exp` is required. Claims used: `sub` (the provider's customer id) and `name`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The claims Tandem reads from an identity token.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IdentityClaims {
    /// The provider's customer id.
    pub sub: String,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Expiry, seconds since the Unix epoch.
    pub exp: i64,
}

/// Why a token was refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    #[error("the identity token is not a well-formed JWT")]
    Malformed,
    #[error("the identity token must be signed with HS256")]
    WrongAlgorithm,
    #[error("the identity token's signature does not match")]
    BadSignature,
    #[error("the identity token has expired")]
    Expired,
    #[error("this server does not accept identity tokens (no secret is configured)")]
    NotConfigured,
}

#[derive(Deserialize)]
struct Header {
    alg: String,
}

/// Verifies `token` with `secret` at time `now` (Unix seconds) and returns its claims.
pub fn verify(token: &str, secret: &[u8], now: i64) -> Result<IdentityClaims, IdentityError> {
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(IdentityError::Malformed);
    };
    let header: Header = decode_json(h)?;
    if header.alg != "HS256" {
        return Err(IdentityError::WrongAlgorithm);
    }
    let signature = URL_SAFE_NO_PAD.decode(s).map_err(|_| IdentityError::Malformed)?;
    let mut mac = HmacSha256::new_from_slice(secret).map_err(|_| IdentityError::NotConfigured)?;
    mac.update(h.as_bytes());
    mac.update(b".");
    mac.update(p.as_bytes());
    mac.verify_slice(&signature).map_err(|_| IdentityError::BadSignature)?;
    let claims: IdentityClaims = decode_json(p)?;
    if claims.sub.trim().is_empty() {
        return Err(IdentityError::Malformed);
    }
    if claims.exp <= now {
        return Err(IdentityError::Expired);
    }
    Ok(claims)
}

/// Signs claims as an HS256 JWT: what the provider's backend does; used by the demo and tests.
pub fn sign(claims: &IdentityClaims, secret: &[u8]) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).expect("claims serialise"));
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(header.as_bytes());
    mac.update(b".");
    mac.update(payload.as_bytes());
    let sig = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{header}.{payload}.{sig}")
}

fn decode_json<T: for<'de> Deserialize<'de>>(part: &str) -> Result<T, IdentityError> {
    let bytes = URL_SAFE_NO_PAD.decode(part).map_err(|_| IdentityError::Malformed)?;
    serde_json::from_slice(&bytes).map_err(|_| IdentityError::Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: i64) -> IdentityClaims {
        IdentityClaims { sub: "alex".into(), name: Some("Alex Morgan".into()), exp }
    }

    #[test]
    fn a_signed_token_verifies() {
        let t = sign(&claims(2000), b"k");
        assert_eq!(verify(&t, b"k", 1000).unwrap(), claims(2000));
    }

    #[test]
    fn wrong_key_expired_and_tampered_tokens_are_refused() {
        let t = sign(&claims(2000), b"k");
        assert_eq!(verify(&t, b"other", 1000), Err(IdentityError::BadSignature));
        assert_eq!(verify(&t, b"k", 2000), Err(IdentityError::Expired));
        let mut parts: Vec<&str> = t.split('.').collect();
        let forged = URL_SAFE_NO_PAD.encode(br#"{"sub":"mallory","exp":9999}"#);
        parts[1] = &forged;
        assert_eq!(verify(&parts.join("."), b"k", 1000), Err(IdentityError::BadSignature));
        assert_eq!(verify("a.b", b"k", 0), Err(IdentityError::Malformed));
    }

    #[test]
    fn alg_none_is_refused() {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#);
        let payload = URL_SAFE_NO_PAD.encode(br#"{"sub":"alex","exp":9999999999}"#);
        assert_eq!(verify(&format!("{header}.{payload}."), b"k", 0), Err(IdentityError::WrongAlgorithm));
    }
}
