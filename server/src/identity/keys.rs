//! The keys identity tokens are verified with: parsing `--identity-key` specifications, loading
//! their material (an HS256 secret, or the provider's ES256 / RS256 public key) and the checks
//! made at start-up (weak secrets, short RSA moduli, duplicate key ids).
//!
//! A specification is `KID=ALG:SOURCE`:
//! - `KID`: the key id the provider puts in the token header's `kid` (1 to 64 of `A-Z a-z 0-9 . _ -`);
//! - `ALG`: `hs256`, `es256` or `rs256`; the algorithm belongs to the key, a token's header may
//!   only repeat it;
//! - `SOURCE`: `file:PATH` or `env:VAR`. For HS256 the file (or variable) holds the shared secret
//!   itself (one trailing line break ignored); for ES256 / RS256 it holds the provider's public key
//!   as PEM (`BEGIN PUBLIC KEY`; RS256 also `BEGIN RSA PUBLIC KEY`). Secrets never go on the
//!   command line, where every user of the machine could read them.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use p256::pkcs8::DecodePublicKey as _;
use rsa::pkcs1::DecodeRsaPublicKey as _;
use rsa::traits::PublicKeyParts as _;

/// The shortest HS256 secret accepted outside demo mode (RFC 7518 §3.2: at least the hash size).
pub const MIN_HS256_BYTES: usize = 32;
/// The smallest RSA modulus accepted, in bits.
pub const MIN_RSA_BITS: usize = 2048;
/// The longest key id.
pub const MAX_KID_LEN: usize = 64;

/// A signature algorithm Tandem accepts. Each key has exactly one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    /// HMAC with SHA-256 over a secret shared with the provider.
    Hs256,
    /// ECDSA on P-256 with SHA-256; Tandem holds only the provider's public key.
    Es256,
    /// RSASSA-PKCS1-v1_5 with SHA-256; Tandem holds only the provider's public key.
    Rs256,
}

impl Algorithm {
    /// The name in a JWT header (`alg`).
    pub fn jwt_name(self) -> &'static str {
        match self {
            Algorithm::Hs256 => "HS256",
            Algorithm::Es256 => "ES256",
            Algorithm::Rs256 => "RS256",
        }
    }

    /// The algorithm a JWT header names, if Tandem supports it (`none` and the rest: no).
    pub fn from_jwt_name(name: &str) -> Option<Self> {
        match name {
            "HS256" => Some(Algorithm::Hs256),
            "ES256" => Some(Algorithm::Es256),
            "RS256" => Some(Algorithm::Rs256),
            _ => None,
        }
    }
}

/// Where a key's material is read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A file.
    File(PathBuf),
    /// An environment variable.
    Env(String),
}

/// One `--identity-key` as configured: what to load, not yet loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeySpec {
    pub kid: String,
    pub alg: Algorithm,
    pub source: Source,
}

/// The form every specification error repeats.
const SPEC_FORM: &str = "expected KID=ALG:SOURCE, e.g. `2026-11=hs256:env:TANDEM_HS_KEY` or `k2=es256:file:/etc/tandem/provider.pub.pem` \
     (ALG: hs256, es256 or rs256; SOURCE: file:PATH or env:VAR)";

impl FromStr for KeySpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (kid, rest) = s.split_once('=').ok_or_else(|| format!("identity key '{s}' has no key id: {SPEC_FORM}"))?;
        check_kid(kid)?;
        let (alg, source) = rest.split_once(':').ok_or_else(|| format!("identity key '{kid}' has no algorithm: {SPEC_FORM}"))?;
        let alg = match alg.to_ascii_lowercase().as_str() {
            "hs256" => Algorithm::Hs256,
            "es256" => Algorithm::Es256,
            "rs256" => Algorithm::Rs256,
            other => return Err(format!("identity key '{kid}': unsupported algorithm '{other}'; {SPEC_FORM}")),
        };
        let source = match source.split_once(':') {
            Some(("file", path)) if !path.is_empty() => Source::File(PathBuf::from(path)),
            Some(("env", var)) if !var.is_empty() => Source::Env(var.to_string()),
            _ => return Err(format!("identity key '{kid}': the source must be file:PATH or env:VAR; {SPEC_FORM}")),
        };
        Ok(KeySpec { kid: kid.to_string(), alg, source })
    }
}

/// Checks a key id's shape: it is compared with what tokens carry and appears in messages.
pub fn check_kid(kid: &str) -> Result<(), String> {
    let ok = !kid.is_empty()
        && kid.len() <= MAX_KID_LEN
        && kid.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(format!("identity key id '{kid}' must be 1 to {MAX_KID_LEN} characters of letters, digits, '.', '_' or '-'"))
    }
}

/// A loaded key's material.
#[derive(Clone)]
pub enum KeyMaterial {
    /// A shared HS256 secret.
    Hs256(Vec<u8>),
    /// The provider's P-256 public key.
    Es256(p256::ecdsa::VerifyingKey),
    /// The provider's RSA public key.
    Rs256(rsa::pkcs1v15::VerifyingKey<rsa::sha2::Sha256>),
}

impl KeyMaterial {
    /// The one algorithm this material verifies.
    pub fn algorithm(&self) -> Algorithm {
        match self {
            KeyMaterial::Hs256(_) => Algorithm::Hs256,
            KeyMaterial::Es256(_) => Algorithm::Es256,
            KeyMaterial::Rs256(_) => Algorithm::Rs256,
        }
    }
}

/// A key identity tokens are verified with.
#[derive(Clone)]
pub struct IdentityKey {
    /// The key id tokens name in their header; `None` only for the single legacy
    /// `--identity-secret` key and the demo key.
    pub kid: Option<String>,
    pub material: KeyMaterial,
}

impl fmt::Debug for IdentityKey {
    /// Never prints a secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdentityKey").field("kid", &self.kid).field("alg", &self.material.algorithm()).finish_non_exhaustive()
    }
}

impl IdentityKey {
    /// The key's name in messages: its kid, or "the identity secret".
    pub fn label(&self) -> String {
        match &self.kid {
            Some(kid) => format!("identity key '{kid}'"),
            None => "the identity secret".to_string(),
        }
    }

    /// Why this key may not be used outside demo mode, if it may not.
    pub fn weakness(&self) -> Option<String> {
        match &self.material {
            KeyMaterial::Hs256(secret) if secret.len() < MIN_HS256_BYTES => Some(format!(
                "{} (HS256) is {} bytes long; an HS256 secret must be at least {MIN_HS256_BYTES} random bytes \
                 (for example the output of `openssl rand -base64 48`). Configure a longer secret, or have the provider \
                 sign with ES256 or RS256 and give Tandem only its public key; see docs/identity-tokens.md",
                self.label(),
                secret.len()
            )),
            _ => None,
        }
    }
}

/// Loads a key; `env` reads an environment variable (a parameter, so tests need not set any).
pub fn load(spec: &KeySpec, env: impl Fn(&str) -> Option<String>) -> Result<IdentityKey, String> {
    let kid = &spec.kid;
    let raw: Vec<u8> = match &spec.source {
        Source::File(path) => std::fs::read(path)
            .map_err(|e| format!("identity key '{kid}': cannot read {}: {e}", path.display()))?,
        Source::Env(var) => env(var)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| format!("identity key '{kid}': the environment variable {var} is not set or empty"))?
            .into_bytes(),
    };
    let material = material(spec.alg, raw).map_err(|e| format!("identity key '{kid}': {e}"))?;
    Ok(IdentityKey { kid: Some(kid.clone()), material })
}

/// Turns raw bytes into key material for `alg`.
pub fn material(alg: Algorithm, mut raw: Vec<u8>) -> Result<KeyMaterial, String> {
    match alg {
        Algorithm::Hs256 => {
            // A file written by an editor or `echo` ends in a line break that is not part of the secret.
            if raw.ends_with(b"\n") {
                raw.pop();
                if raw.ends_with(b"\r") {
                    raw.pop();
                }
            }
            if raw.is_empty() {
                return Err("the HS256 secret is empty".into());
            }
            Ok(KeyMaterial::Hs256(raw))
        }
        Algorithm::Es256 => {
            let pem = pem_text(&raw)?;
            let key = p256::ecdsa::VerifyingKey::from_public_key_pem(pem)
                .map_err(|e| format!("not a P-256 public key in PEM (`-----BEGIN PUBLIC KEY-----`): {e}"))?;
            Ok(KeyMaterial::Es256(key))
        }
        Algorithm::Rs256 => {
            let pem = pem_text(&raw)?;
            let key = rsa::RsaPublicKey::from_public_key_pem(pem)
                .or_else(|_| rsa::RsaPublicKey::from_pkcs1_pem(pem))
                .map_err(|e| {
                    format!("not an RSA public key in PEM (`-----BEGIN PUBLIC KEY-----` or `-----BEGIN RSA PUBLIC KEY-----`): {e}")
                })?;
            let bits = key.n().bits();
            if bits < MIN_RSA_BITS {
                return Err(format!("the RSA key has {bits} bits; at least {MIN_RSA_BITS} are required"));
            }
            Ok(KeyMaterial::Rs256(rsa::pkcs1v15::VerifyingKey::new(key)))
        }
    }
}

fn pem_text(raw: &[u8]) -> Result<&str, String> {
    let text = std::str::from_utf8(raw).map_err(|_| "the key is not PEM text".to_string())?.trim();
    if text.contains("PRIVATE KEY") {
        return Err("this is a private key; Tandem needs only the provider's public key \
                    (`openssl pkey -in private.pem -pubout`), and the private key should never leave the provider"
            .into());
    }
    Ok(text)
}

/// The keys in force, looked up by the `kid` a token names.
#[derive(Clone, Debug, Default)]
pub struct KeyRing {
    keys: Vec<IdentityKey>,
}

/// Why no key fits a token's header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selection {
    /// Several keys are configured and the token names none.
    MissingKid,
    /// The token names a key that is not configured (or no longer).
    UnknownKid(String),
    /// No key is configured at all.
    NoKeys,
}

impl KeyRing {
    /// A ring of keys; refuses two keys with one id.
    pub fn new(keys: Vec<IdentityKey>) -> Result<Self, String> {
        for (i, k) in keys.iter().enumerate() {
            if keys[..i].iter().any(|other| other.kid == k.kid) {
                return Err(format!("{} is configured twice; every identity key needs its own id", k.label()));
            }
        }
        Ok(KeyRing { keys })
    }

    /// The configured keys.
    pub fn keys(&self) -> &[IdentityKey] {
        &self.keys
    }

    /// The key for a token's `kid`: the key with that id; without a `kid`, the only key when there
    /// is exactly one (several keys, as during a rotation, need the token to say which).
    pub fn select(&self, kid: Option<&str>) -> Result<&IdentityKey, Selection> {
        if self.keys.is_empty() {
            return Err(Selection::NoKeys);
        }
        match kid {
            Some(kid) => self.keys.iter().find(|k| k.kid.as_deref() == Some(kid)).ok_or_else(|| Selection::UnknownKid(kid.to_string())),
            None if self.keys.len() == 1 => Ok(&self.keys[0]),
            None => Err(Selection::MissingKid),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/identity").join(name)
    }

    fn hs(kid: &str, secret: &str) -> IdentityKey {
        IdentityKey { kid: Some(kid.into()), material: KeyMaterial::Hs256(secret.as_bytes().to_vec()) }
    }

    #[test]
    fn specifications_name_id_algorithm_and_source() {
        assert_eq!(
            "2026-11=hs256:env:HS_KEY".parse::<KeySpec>().unwrap(),
            KeySpec { kid: "2026-11".into(), alg: Algorithm::Hs256, source: Source::Env("HS_KEY".into()) }
        );
        assert_eq!(
            "k2=ES256:file:/etc/tandem/p.pem".parse::<KeySpec>().unwrap(),
            KeySpec { kid: "k2".into(), alg: Algorithm::Es256, source: Source::File("/etc/tandem/p.pem".into()) }
        );
        for bad in ["hs256:env:X", "=hs256:env:X", "k1=hs512:env:X", "k1=hs256:X", "k1=hs256:file:", "k 1=hs256:env:X", "k1"] {
            let err = bad.parse::<KeySpec>().unwrap_err();
            assert!(err.contains("KID=ALG:SOURCE") || err.contains("must be 1 to"), "{bad}: {err}");
        }
    }

    #[test]
    fn secrets_come_from_files_or_variables_without_the_trailing_line_break() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hs.key");
        std::fs::write(&path, "0123456789abcdef0123456789abcdef\r\n").unwrap();
        let spec = KeySpec { kid: "a".into(), alg: Algorithm::Hs256, source: Source::File(path) };
        let key = load(&spec, |_| None).unwrap();
        assert!(matches!(&key.material, KeyMaterial::Hs256(s) if s == b"0123456789abcdef0123456789abcdef"));
        assert_eq!(key.weakness(), None);

        let spec = KeySpec { kid: "b".into(), alg: Algorithm::Hs256, source: Source::Env("SECRET".into()) };
        let key = load(&spec, |v| (v == "SECRET").then(|| "short".to_string())).unwrap();
        let weak = key.weakness().unwrap();
        assert!(weak.contains("identity key 'b'") && weak.contains("5 bytes") && weak.contains("at least 32"), "{weak}");
        let missing = load(&spec, |_| None).unwrap_err();
        assert!(missing.contains("SECRET is not set"), "{missing}");
        let unreadable = KeySpec { kid: "c".into(), alg: Algorithm::Hs256, source: Source::File("/nonexistent/hs.key".into()) };
        assert!(load(&unreadable, |_| None).unwrap_err().contains("cannot read /nonexistent/hs.key"));
    }

    #[test]
    fn public_keys_load_from_pem_and_private_or_small_keys_are_refused() {
        let load_file = |alg, name: &str| load(&KeySpec { kid: "k".into(), alg, source: Source::File(fixture(name)) }, |_| None);
        assert_eq!(load_file(Algorithm::Es256, "es256-a.pub.pem").unwrap().material.algorithm(), Algorithm::Es256);
        assert_eq!(load_file(Algorithm::Rs256, "rs256.pub.pem").unwrap().material.algorithm(), Algorithm::Rs256);
        assert_eq!(load_file(Algorithm::Rs256, "rs256.pkcs1.pub.pem").unwrap().material.algorithm(), Algorithm::Rs256);
        assert!(load_file(Algorithm::Es256, "es256-a.key.pem").unwrap_err().contains("private key"));
        assert!(load_file(Algorithm::Es256, "rs256.pub.pem").unwrap_err().contains("not a P-256 public key"));
        assert!(load_file(Algorithm::Rs256, "es256-a.pub.pem").unwrap_err().contains("not an RSA public key"));
        assert!(load_file(Algorithm::Rs256, "rs1024.pub.pem").unwrap_err().contains("1024 bits"));
    }

    #[test]
    fn keys_are_selected_by_kid_and_need_one_when_several_are_configured() {
        let one = KeyRing::new(vec![hs("a", "secret-a")]).unwrap();
        assert_eq!(one.select(None).unwrap().kid.as_deref(), Some("a"));
        assert_eq!(one.select(Some("a")).unwrap().kid.as_deref(), Some("a"));
        assert_eq!(one.select(Some("b")).unwrap_err(), Selection::UnknownKid("b".into()));

        let two = KeyRing::new(vec![hs("a", "secret-a"), hs("b", "secret-b")]).unwrap();
        assert_eq!(two.select(Some("b")).unwrap().kid.as_deref(), Some("b"));
        assert_eq!(two.select(None).unwrap_err(), Selection::MissingKid);
        assert_eq!(KeyRing::default().select(Some("a")).unwrap_err(), Selection::NoKeys);
        assert!(KeyRing::new(vec![hs("a", "x"), hs("a", "y")]).unwrap_err().contains("configured twice"));
    }

    #[test]
    fn debug_output_never_shows_a_secret() {
        let shown = format!("{:?}", hs("a", "super-secret-value"));
        assert!(!shown.contains("super-secret-value"), "{shown}");
    }
}
