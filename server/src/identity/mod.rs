//! Provider-signed identity tokens: compact JWTs the provider's backend signs for a logged-in
//! shopper and a merchant, verified here before a session is identified.
//!
//! - `keys.rs`: the configured keys (`--identity-key KID=ALG:SOURCE`), several at once for rotation,
//!   selected by the token's `kid`;
//! - `jwt.rs`: the compact form and the signature, with the algorithm taken from the key (the
//!   header may only repeat it; `none` is never accepted);
//! - `claims.rs`: `sub`, `name`, `iss`, `aud` (the merchant), `iat`, `exp`, the maximum lifetime
//!   and the clock skew;
//! - `setup.rs`: the start-up rules (no key, weak key, issuer) that turn configuration into a
//!   [`Verifier`].
//!
//! The provider's side is described in `docs/identity-tokens.md`.

mod claims;
pub mod jwt;
pub mod keys;
mod setup;

pub use claims::{Identity, IdentityClaims, Policy, MILLISECONDS_FROM};
pub use keys::{Algorithm, IdentityKey, KeyMaterial, KeyRing, KeySpec};
pub use setup::{DEMO_IDENTITY_SECRET, DEMO_ISSUER};

/// Verifies identity tokens with the configured keys and rules. Built once at start-up.
#[derive(Clone, Debug)]
pub struct Verifier {
    keys: KeyRing,
    policy: Policy,
}

impl Verifier {
    /// A verifier for these keys and rules.
    pub fn new(keys: KeyRing, policy: Policy) -> Self {
        Verifier { keys, policy }
    }

    /// The verifier the configuration describes, or why the server must not start with it (a
    /// sentence that names the flag to fix). Reads key files and environment variables.
    pub fn from_config(config: &crate::Config) -> Result<Self, String> {
        setup::from_config(config, |var| std::env::var(var).ok())
    }

    /// The rules tokens are checked against.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Verifies `token` for a session with `merchant_id` at `now` (Unix seconds).
    pub fn verify(&self, token: &str, merchant_id: &str, now: i64) -> Result<Identity, IdentityError> {
        let compact = jwt::split(token)?;
        let claimed = Algorithm::from_jwt_name(&compact.header.alg)
            .ok_or_else(|| IdentityError::UnsupportedAlgorithm(printable(&compact.header.alg)))?;
        let key = self.keys.select(compact.header.kid.as_deref()).map_err(|e| match e {
            keys::Selection::MissingKid => IdentityError::MissingKid,
            keys::Selection::UnknownKid(kid) => IdentityError::UnknownKid(printable(&kid)),
            keys::Selection::NoKeys => IdentityError::NotConfigured,
        })?;
        // The key decides the algorithm: an HS256 token "signed" with an RS256 or ES256 public key
        // as its secret (the classic confusion attack) is refused here, before any verification.
        let algorithm = key.material.algorithm();
        if claimed != algorithm {
            return Err(IdentityError::AlgorithmMismatch { claimed: claimed.jwt_name(), key: key.label(), algorithm: algorithm.jwt_name() });
        }
        if !jwt::signature_matches(&key.material, compact.signing_input.as_bytes(), &compact.signature) {
            return Err(IdentityError::BadSignature);
        }
        claims::check(compact.payload, &self.policy, merchant_id, now)
    }

    /// The key the demo's stand-in for the provider signs with: the first HS256 key, with its id.
    pub fn hs256_signing_key(&self) -> Option<(Option<&str>, &[u8])> {
        self.keys.keys().iter().find_map(|k| match &k.material {
            KeyMaterial::Hs256(secret) => Some((k.kid.as_deref(), secret.as_slice())),
            _ => None,
        })
    }
}

/// Signs claims as an HS256 JWT, naming the key `kid` when given: what a provider's backend does
/// (any JWT library does the same); used by the demo and tests.
pub fn sign_hs256(claims: &IdentityClaims, secret: &[u8], kid: Option<&str>) -> String {
    jwt::encode(Algorithm::Hs256, kid, claims, |input| jwt::hs256(secret, input))
}

/// The `sub` claim of a token, read without verifying anything. Only for deciding whether a
/// session the caller already holds is the presented shopper's (`start.rs`), never for granting
/// one: `None` when the token is not even shaped like a JWT.
pub fn unverified_subject(token: &str) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Subject {
        sub: String,
    }
    if token.len() > jwt::MAX_TOKEN_BYTES {
        return None;
    }
    jwt::decode_json::<Subject>(token.split('.').nth(1)?).map(|c| c.sub)
}

/// An untrusted header value for a message: printable, at most 64 characters.
fn printable(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).take(64).collect()
}

/// Why a token was refused. Each has its own stable code ([`IdentityError::code`]) and a sentence
/// for the provider's developers saying what to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    #[error("the identity token is not a well-formed JWT: {0}")]
    Malformed(&'static str),
    #[error("the identity token's algorithm '{0}' is not accepted; tokens are signed with the algorithm of the configured key (HS256, ES256 or RS256), never `none`")]
    UnsupportedAlgorithm(String),
    #[error("the identity token's header says {claimed} but {key} is {algorithm}; the algorithm belongs to the key and the token must use it")]
    AlgorithmMismatch { claimed: &'static str, key: String, algorithm: &'static str },
    #[error("several identity keys are configured, so the token's header must name its key with `kid`")]
    MissingKid,
    #[error("the identity token names the key '{0}', which is not configured (or no longer is)")]
    UnknownKid(String),
    #[error("the identity token's signature does not match its key")]
    BadSignature,
    #[error("the identity token has no `{0}` claim; it is required")]
    MissingClaim(&'static str),
    #[error("the identity token's `{0}` claim has the wrong type")]
    WrongType(&'static str),
    #[error("the identity token's `sub` must be a non-empty string of at most 256 bytes without control characters")]
    InvalidSubject,
    #[error("the identity token's `name` must be a string of at most 200 characters without control characters")]
    InvalidName,
    #[error("the identity token was issued by '{found}', not by the configured issuer")]
    WrongIssuer { found: String },
    #[error("the identity token is not for merchant '{merchant}': its `aud` must name the merchant whose page the shopper is on")]
    WrongAudience { merchant: String },
    #[error("the identity token's `{claim}` ({value}) is in milliseconds; JWT times are whole seconds since the Unix epoch")]
    Milliseconds { claim: &'static str, value: i64 },
    #[error("the identity token's `iat` is {} s in the future; check the clock of the server that signs it", .iat.saturating_sub(*.now))]
    IssuedInFuture { iat: i64, now: i64 },
    #[error("the identity token's `nbf` is in the future; it is not valid yet")]
    NotYetValid,
    #[error("the identity token expired {} s ago; the provider's backend signs a fresh one for each page", .now.saturating_sub(*.exp))]
    Expired { exp: i64, now: i64 },
    #[error("the identity token is valid for {lifetime} s (`exp` - `iat`), longer than the {max} s allowed; sign short-lived tokens")]
    LifetimeTooLong { lifetime: i64, max: i64 },
    #[error("this server does not accept identity tokens (no identity key is configured)")]
    NotConfigured,
}

impl IdentityError {
    /// The stable code the API answers with.
    pub fn code(&self) -> &'static str {
        match self {
            IdentityError::Malformed(_) => "identity_token_malformed",
            IdentityError::UnsupportedAlgorithm(_) => "identity_algorithm_unsupported",
            IdentityError::AlgorithmMismatch { .. } => "identity_algorithm_mismatch",
            IdentityError::MissingKid => "identity_kid_missing",
            IdentityError::UnknownKid(_) => "identity_kid_unknown",
            IdentityError::BadSignature => "identity_signature_invalid",
            IdentityError::MissingClaim(_) => "identity_claim_missing",
            IdentityError::WrongType(_) => "identity_claim_invalid",
            IdentityError::InvalidSubject => "identity_subject_invalid",
            IdentityError::InvalidName => "identity_name_invalid",
            IdentityError::WrongIssuer { .. } => "identity_issuer_mismatch",
            IdentityError::WrongAudience { .. } => "identity_audience_mismatch",
            IdentityError::Milliseconds { .. } => "identity_time_in_milliseconds",
            IdentityError::IssuedInFuture { .. } => "identity_issued_in_future",
            IdentityError::NotYetValid => "identity_not_yet_valid",
            IdentityError::Expired { .. } => "identity_token_expired",
            IdentityError::LifetimeTooLong { .. } => "identity_lifetime_too_long",
            IdentityError::NotConfigured => "identity_not_supported",
        }
    }
}

#[cfg(test)]
mod tests;
