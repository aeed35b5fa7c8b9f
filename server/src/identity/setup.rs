//! Start-up rules: from the configuration to a [`Verifier`], or a sentence saying why the server
//! must not start (no key, a weak key, no issuer, an unreadable key file). Outside demo mode there
//! is no fallback: a server that would accept tokens anyone can sign never starts.

use super::keys::{self, IdentityKey, KeyMaterial, KeyRing};
use super::{Policy, Verifier};
use crate::Config;

/// The demo's signing secret. Published (it is in this file), so it is only ever used with
/// `--demo` and no key configured; demo mode is for one's own computer.
pub const DEMO_IDENTITY_SECRET: &[u8] = b"tandem-demo-identity-secret";
/// The issuer of demo tokens, when `--demo` runs without `--identity-issuer`.
pub const DEMO_ISSUER: &str = "https://fjordpay.example";
/// The longest maximum lifetime that may be configured: a day.
const MAX_LIFETIME_LIMIT_SECS: u64 = 86_400;
/// The largest clock skew that may be configured.
const MAX_SKEW_SECS: u64 = 600;

const NO_KEY: &str = "no identity key is configured. Tandem verifies the identity tokens the provider's backend signs for \
    logged-in shoppers with the provider's key; start with --identity-key KID=hs256:env:VAR (a shared secret of at least \
    32 bytes in the environment variable VAR), --identity-key KID=es256:file:PUBLIC_KEY.pem or --identity-key \
    KID=rs256:file:PUBLIC_KEY.pem (several may be given during a key rotation; or TANDEM_IDENTITY_KEYS, comma-separated), \
    and --identity-issuer ISSUER. See docs/identity-tokens.md. (--demo signs with a published demo secret and is only for \
    trying Tandem on your own computer.)";

const NO_ISSUER: &str = "no identity issuer is configured: start with --identity-issuer ISSUER (or TANDEM_IDENTITY_ISSUER), \
    the `iss` the provider's backend puts in its identity tokens; tokens from any other issuer are refused. See \
    docs/identity-tokens.md.";

/// Builds the verifier; `env` reads environment variables (for `env:` key sources).
pub fn from_config(config: &Config, env: impl Fn(&str) -> Option<String>) -> Result<Verifier, String> {
    let mut loaded = Vec::new();
    if !config.identity_secret.is_empty() {
        if !config.identity_keys.is_empty() {
            return Err("--identity-secret (TANDEM_IDENTITY_SECRET) cannot be combined with --identity-key: give the secret \
                        an id like the other keys, e.g. --identity-key legacy=hs256:env:TANDEM_IDENTITY_SECRET"
                .into());
        }
        loaded.push(IdentityKey { kid: None, material: KeyMaterial::Hs256(config.identity_secret.as_bytes().to_vec()) });
    }
    for spec in &config.identity_keys {
        loaded.push(keys::load(spec, &env)?);
    }
    if loaded.is_empty() {
        if !config.demo {
            return Err(NO_KEY.into());
        }
        tracing::warn!("demo mode: identity tokens are signed and verified with the published demo secret");
        loaded.push(IdentityKey { kid: None, material: KeyMaterial::Hs256(DEMO_IDENTITY_SECRET.to_vec()) });
    }
    for key in &loaded {
        if let Some(weakness) = key.weakness() {
            if !config.demo {
                return Err(weakness);
            }
            tracing::warn!("demo mode: {weakness}");
        }
    }
    let issuer = match config.identity_issuer.as_deref().map(str::trim).filter(|i| !i.is_empty()) {
        Some(issuer) => issuer.to_string(),
        None if config.demo => DEMO_ISSUER.to_string(),
        None => return Err(NO_ISSUER.into()),
    };
    if !(1..=MAX_LIFETIME_LIMIT_SECS).contains(&config.identity_max_lifetime_secs) {
        return Err(format!(
            "--identity-max-lifetime-secs must be between 1 and {MAX_LIFETIME_LIMIT_SECS} (a day); identity tokens are short-lived"
        ));
    }
    if config.identity_clock_skew_secs > MAX_SKEW_SECS {
        return Err(format!("--identity-clock-skew-secs must be at most {MAX_SKEW_SECS}; fix the clocks instead"));
    }
    let policy = Policy {
        issuer,
        max_lifetime_secs: config.identity_max_lifetime_secs as i64,
        clock_skew_secs: config.identity_clock_skew_secs as i64,
    };
    Ok(Verifier::new(KeyRing::new(loaded)?, policy))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn production() -> Config {
        let mut c = Config::for_tests("data".into(), "dist".into(), "demo".into());
        c.demo = false;
        c.identity_secret = String::new();
        c
    }

    fn specs(list: &[&str]) -> Vec<keys::KeySpec> {
        list.iter().map(|s| s.parse().unwrap()).collect()
    }

    const LONG: &str = "an-hs256-secret-of-at-least-32-bytes!";

    #[test]
    fn production_without_a_key_or_issuer_does_not_start() {
        let err = from_config(&production(), |_| None).unwrap_err();
        assert!(err.contains("no identity key") && err.contains("--identity-key"), "{err}");

        let mut c = production();
        c.identity_keys = specs(&["k1=hs256:env:HS"]);
        let err = from_config(&c, |_| Some(LONG.into())).unwrap_err();
        assert!(err.contains("--identity-issuer"), "{err}");
        c.identity_issuer = Some("https://provider.example".into());
        assert!(from_config(&c, |_| Some(LONG.into())).is_ok());
    }

    #[test]
    fn production_refuses_a_short_hs256_secret_and_demo_mode_only_warns() {
        let mut c = production();
        c.identity_issuer = Some("https://provider.example".into());
        c.identity_secret = "short-secret".into();
        let err = from_config(&c, |_| None).unwrap_err();
        assert!(err.contains("12 bytes") && err.contains("at least 32"), "{err}");
        c.demo = true;
        assert!(from_config(&c, |_| None).is_ok());
    }

    #[test]
    fn the_demo_secret_exists_only_in_demo_mode() {
        let mut c = production();
        c.demo = true;
        let v = from_config(&c, |_| None).unwrap();
        assert_eq!(v.hs256_signing_key(), Some((None, DEMO_IDENTITY_SECRET)));
        assert_eq!(v.policy().issuer, DEMO_ISSUER);
        // A configured key replaces it, in demo mode too.
        c.identity_keys = specs(&["k1=hs256:env:HS"]);
        let v = from_config(&c, |_| Some(LONG.into())).unwrap();
        assert_eq!(v.hs256_signing_key(), Some((Some("k1"), LONG.as_bytes())));
    }

    #[test]
    fn the_legacy_secret_and_keys_do_not_mix_and_limits_are_checked() {
        let mut c = production();
        c.identity_issuer = Some("iss".into());
        c.identity_secret = LONG.into();
        c.identity_keys = specs(&["k1=hs256:env:HS"]);
        assert!(from_config(&c, |_| Some(LONG.into())).unwrap_err().contains("cannot be combined"));
        c.identity_keys.clear();
        c.identity_max_lifetime_secs = 0;
        assert!(from_config(&c, |_| None).unwrap_err().contains("--identity-max-lifetime-secs"));
        c.identity_max_lifetime_secs = 3600;
        c.identity_clock_skew_secs = 3600;
        assert!(from_config(&c, |_| None).unwrap_err().contains("--identity-clock-skew-secs"));
    }
}
