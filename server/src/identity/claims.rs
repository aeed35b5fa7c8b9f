//! The claims of an identity token and the rules they must meet once its signature is good:
//! who (`sub`, `name`), from whom (`iss`), for which merchant (`aud`), and when (`iat`, `exp`,
//! optional `nbf`), with a maximum lifetime and a clock-skew allowance.

use serde::{Deserialize, Serialize};

use super::IdentityError;

/// The longest `sub` accepted (bytes).
pub const MAX_SUBJECT_BYTES: usize = 256;
/// The longest `name` accepted (characters).
pub const MAX_NAME_CHARS: usize = 200;
/// Seconds since the epoch at or above which a time claim is taken for milliseconds: 10^12 s is
/// the year 33658, while 10^12 ms was September 2001.
pub const MILLISECONDS_FROM: i64 = 1_000_000_000_000;

/// The claims a provider signs (and the demo and tests sign): what Tandem reads.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IdentityClaims {
    /// The provider's customer id.
    pub sub: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Who signed it: the configured issuer.
    pub iss: String,
    /// The merchant id the token is for.
    pub aud: String,
    /// Issued at, seconds since the Unix epoch.
    pub iat: i64,
    /// Expiry, seconds since the Unix epoch.
    pub exp: i64,
}

/// The rules a token's claims must meet besides the merchant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    /// The only accepted `iss`.
    pub issuer: String,
    /// The longest accepted `exp - iat`, seconds.
    pub max_lifetime_secs: i64,
    /// How far the provider's clock and ours may disagree, seconds.
    pub clock_skew_secs: i64,
}

/// What a verified token says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    /// The provider's customer id.
    pub sub: String,
    pub name: Option<String>,
    /// When the token expires, seconds since the epoch (sessions end by it, see `sessions.rs`).
    pub exp: i64,
}

/// Claims as they arrive: anything may be missing or of the wrong type, and that is told apart.
#[derive(Deserialize)]
struct Raw {
    sub: Option<serde_json::Value>,
    name: Option<serde_json::Value>,
    iss: Option<serde_json::Value>,
    aud: Option<serde_json::Value>,
    iat: Option<serde_json::Value>,
    exp: Option<serde_json::Value>,
    nbf: Option<serde_json::Value>,
}

/// Checks the payload (base64url JSON) against the policy, for `merchant_id` at `now` (seconds).
pub fn check(payload: &str, policy: &Policy, merchant_id: &str, now: i64) -> Result<Identity, IdentityError> {
    let raw: Raw = super::jwt::decode_json(payload).ok_or(IdentityError::Malformed("the payload is not base64url-encoded JSON"))?;

    let sub = string(raw.sub, "sub")?;
    if sub.trim().is_empty() || sub.len() > MAX_SUBJECT_BYTES || sub.chars().any(char::is_control) {
        return Err(IdentityError::InvalidSubject);
    }
    let name = match raw.name {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(n)) if n.chars().count() <= MAX_NAME_CHARS && !n.chars().any(char::is_control) => {
            Some(n).filter(|n| !n.trim().is_empty())
        }
        Some(_) => return Err(IdentityError::InvalidName),
    };

    let iss = string(raw.iss, "iss")?;
    if iss != policy.issuer {
        return Err(IdentityError::WrongIssuer { found: shorten(&iss) });
    }
    let audiences = match raw.aud {
        None | Some(serde_json::Value::Null) => return Err(IdentityError::MissingClaim("aud")),
        Some(serde_json::Value::String(a)) => vec![a],
        Some(serde_json::Value::Array(items)) => {
            items.into_iter().map(|v| v.as_str().map(str::to_string)).collect::<Option<Vec<_>>>().ok_or(IdentityError::WrongType("aud"))?
        }
        Some(_) => return Err(IdentityError::WrongType("aud")),
    };
    if !audiences.iter().any(|a| a == merchant_id) {
        return Err(IdentityError::WrongAudience { merchant: merchant_id.to_string() });
    }

    let iat = time(raw.iat, "iat")?.ok_or(IdentityError::MissingClaim("iat"))?;
    let exp = time(raw.exp, "exp")?.ok_or(IdentityError::MissingClaim("exp"))?;
    let nbf = time(raw.nbf, "nbf")?;
    let skew = policy.clock_skew_secs;
    for (claim, value) in [("exp", exp), ("iat", iat)] {
        if value >= MILLISECONDS_FROM {
            return Err(IdentityError::Milliseconds { claim, value });
        }
    }
    if iat > now.saturating_add(skew) {
        return Err(IdentityError::IssuedInFuture { iat, now });
    }
    if nbf.is_some_and(|nbf| nbf > now.saturating_add(skew)) {
        return Err(IdentityError::NotYetValid);
    }
    if exp.saturating_add(skew) <= now {
        return Err(IdentityError::Expired { exp, now });
    }
    // With `iat` at most `skew` ahead of now, this also keeps `exp` within the lifetime from now.
    let lifetime = exp.saturating_sub(iat);
    if lifetime > policy.max_lifetime_secs {
        return Err(IdentityError::LifetimeTooLong { lifetime, max: policy.max_lifetime_secs });
    }
    Ok(Identity { sub, name, exp })
}

fn string(v: Option<serde_json::Value>, claim: &'static str) -> Result<String, IdentityError> {
    match v {
        None | Some(serde_json::Value::Null) => Err(IdentityError::MissingClaim(claim)),
        Some(serde_json::Value::String(s)) => Ok(s),
        Some(_) => Err(IdentityError::WrongType(claim)),
    }
}

/// A NumericDate (RFC 7519 §2): seconds, possibly with a fraction (dropped).
fn time(v: Option<serde_json::Value>, claim: &'static str) -> Result<Option<i64>, IdentityError> {
    match v {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::Number(n)) => match n.as_i64() {
            Some(i) => Ok(Some(i)),
            // Fractions, and integers beyond i64 (saturated: they fail the checks that follow).
            None => n.as_f64().filter(|f| f.is_finite()).map(|f| Some(f.floor() as i64)).ok_or(IdentityError::WrongType(claim)),
        },
        Some(_) => Err(IdentityError::WrongType(claim)),
    }
}

/// An untrusted value for a message: at most 80 characters.
fn shorten(s: &str) -> String {
    let mut out: String = s.chars().filter(|c| !c.is_control()).take(80).collect();
    if s.chars().count() > 80 {
        out.push('…');
    }
    out
}
