//! Every way a token is accepted or refused, with HS256 secrets and the ES256 / RS256 key pairs in
//! `tests/fixtures/identity/` (test keys, generated for these tests only).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use p256::pkcs8::DecodePrivateKey as _;
use rsa::signature::{SignatureEncoding as _, Signer as _};

use super::keys::{self, Algorithm, IdentityKey, KeyMaterial, KeyRing};
use super::*;

const NOW: i64 = 1_764_000_000;
const MERCHANT: &str = "nordic-outdoor";
const ISSUER: &str = "https://provider.example";
const SECRET_A: &[u8] = b"secret-a-0123456789abcdef0123456789";
const SECRET_B: &[u8] = b"secret-b-0123456789abcdef0123456789";

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/identity/").to_string() + name).unwrap()
}

fn policy() -> Policy {
    Policy { issuer: ISSUER.into(), max_lifetime_secs: 3600, clock_skew_secs: 60 }
}

fn hs(kid: Option<&str>, secret: &[u8]) -> IdentityKey {
    IdentityKey { kid: kid.map(Into::into), material: KeyMaterial::Hs256(secret.to_vec()) }
}

fn public(kid: &str, alg: Algorithm, file: &str) -> IdentityKey {
    IdentityKey { kid: Some(kid.into()), material: keys::material(alg, fixture(file)).unwrap() }
}

fn verifier(keys: Vec<IdentityKey>) -> Verifier {
    Verifier::new(KeyRing::new(keys).unwrap(), policy())
}

fn claims() -> IdentityClaims {
    IdentityClaims { sub: "alex".into(), name: Some("Alex Morgan".into()), iss: ISSUER.into(), aud: MERCHANT.into(), iat: NOW - 10, exp: NOW + 600 }
}

/// Any JSON claims, HS256-signed.
fn hs_token(kid: Option<&str>, secret: &[u8], claims: &serde_json::Value) -> String {
    jwt::encode(Algorithm::Hs256, kid, claims, |i| jwt::hs256(secret, i))
}

fn es_token(kid: &str, private_file: &str, claims: &IdentityClaims) -> String {
    let pem = String::from_utf8(fixture(private_file)).unwrap();
    let key = p256::ecdsa::SigningKey::from_pkcs8_pem(&pem).unwrap();
    jwt::encode(Algorithm::Es256, Some(kid), claims, |i| {
        let sig: p256::ecdsa::Signature = key.sign(i);
        sig.to_bytes().to_vec()
    })
}

fn rs_token(kid: &str, claims: &IdentityClaims) -> String {
    let pem = String::from_utf8(fixture("rs256.key.pem")).unwrap();
    let key = rsa::pkcs1v15::SigningKey::<rsa::sha2::Sha256>::new(rsa::RsaPrivateKey::from_pkcs8_pem(&pem).unwrap());
    jwt::encode(Algorithm::Rs256, Some(kid), claims, |i| key.sign(i).to_vec())
}

/// The claims as JSON, changed by `f`.
fn json_with(f: impl FnOnce(&mut serde_json::Value)) -> serde_json::Value {
    let mut v = serde_json::to_value(claims()).unwrap();
    f(&mut v);
    v
}

fn refusal(v: &Verifier, token: &str) -> IdentityError {
    v.verify(token, MERCHANT, NOW).unwrap_err()
}

#[test]
fn a_good_hs256_token_verifies_and_says_who_and_until_when() {
    let v = verifier(vec![hs(None, SECRET_A)]);
    let id = v.verify(&sign_hs256(&claims(), SECRET_A, None), MERCHANT, NOW).unwrap();
    assert_eq!(id, Identity { sub: "alex".into(), name: Some("Alex Morgan".into()), exp: NOW + 600 });
}

#[test]
fn a_token_for_one_merchant_is_refused_at_another_and_aud_may_be_a_list() {
    let v = verifier(vec![hs(None, SECRET_A)]);
    let token = sign_hs256(&claims(), SECRET_A, None);
    assert_eq!(v.verify(&token, "fjell-sport", NOW).unwrap_err(), IdentityError::WrongAudience { merchant: "fjell-sport".into() });
    let both = hs_token(None, SECRET_A, &json_with(|c| c["aud"] = serde_json::json!(["fjell-sport", MERCHANT])));
    assert!(v.verify(&both, MERCHANT, NOW).is_ok());
    assert!(v.verify(&both, "fjell-sport", NOW).is_ok());
    assert!(matches!(v.verify(&both, "third", NOW), Err(IdentityError::WrongAudience { .. })));
    let numbers = hs_token(None, SECRET_A, &json_with(|c| c["aud"] = serde_json::json!([1, 2])));
    assert_eq!(refusal(&v, &numbers), IdentityError::WrongType("aud"));
}

#[test]
fn the_issuer_must_be_the_configured_one() {
    let v = verifier(vec![hs(None, SECRET_A)]);
    let other = hs_token(None, SECRET_A, &json_with(|c| c["iss"] = "https://elsewhere.example".into()));
    assert_eq!(refusal(&v, &other), IdentityError::WrongIssuer { found: "https://elsewhere.example".into() });
}

#[test]
fn every_required_claim_must_be_present_and_typed() {
    let v = verifier(vec![hs(None, SECRET_A)]);
    for claim in ["sub", "iss", "aud", "iat", "exp"] {
        let token = hs_token(None, SECRET_A, &json_with(|c| {
            c.as_object_mut().unwrap().remove(claim);
        }));
        assert_eq!(refusal(&v, &token), IdentityError::MissingClaim(claim), "{claim}");
    }
    let text_exp = hs_token(None, SECRET_A, &json_with(|c| c["exp"] = "tomorrow".into()));
    assert_eq!(refusal(&v, &text_exp), IdentityError::WrongType("exp"));
    let numeric_sub = hs_token(None, SECRET_A, &json_with(|c| c["sub"] = 42.into()));
    assert_eq!(refusal(&v, &numeric_sub), IdentityError::WrongType("sub"));
    // Optional: no name is fine; a fractional NumericDate is read as whole seconds.
    let minimal = hs_token(None, SECRET_A, &json_with(|c| {
        c.as_object_mut().unwrap().remove("name");
        c["exp"] = serde_json::json!((NOW + 600) as f64 + 0.5);
    }));
    assert_eq!(v.verify(&minimal, MERCHANT, NOW).unwrap(), Identity { sub: "alex".into(), name: None, exp: NOW + 600 });
}

#[test]
fn the_subject_and_name_are_bounded() {
    let v = verifier(vec![hs(None, SECRET_A)]);
    for sub in ["", "   ", "a\u{0}b", &"x".repeat(257)] {
        let token = hs_token(None, SECRET_A, &json_with(|c| c["sub"] = sub.into()));
        assert_eq!(refusal(&v, &token), IdentityError::InvalidSubject, "{sub:?}");
    }
    let long_name = hs_token(None, SECRET_A, &json_with(|c| c["name"] = "n".repeat(201).into()));
    assert_eq!(refusal(&v, &long_name), IdentityError::InvalidName);
}

#[test]
fn expiry_is_enforced_with_sixty_seconds_of_skew() {
    let v = verifier(vec![hs(None, SECRET_A)]);
    let at = |iat: i64, exp: i64| sign_hs256(&IdentityClaims { iat, exp, ..claims() }, SECRET_A, None);
    // Expired 59 s ago: within the skew. 60 s ago: refused.
    assert!(v.verify(&at(NOW - 600, NOW - 59), MERCHANT, NOW).is_ok());
    assert_eq!(refusal(&v, &at(NOW - 600, NOW - 60)), IdentityError::Expired { exp: NOW - 60, now: NOW });
    // Issued 60 s ahead of our clock: accepted; 61 s: refused.
    assert!(v.verify(&at(NOW + 60, NOW + 600), MERCHANT, NOW).is_ok());
    assert_eq!(refusal(&v, &at(NOW + 61, NOW + 600)), IdentityError::IssuedInFuture { iat: NOW + 61, now: NOW });
    // nbf, when present, follows the same allowance.
    let later = hs_token(None, SECRET_A, &json_with(|c| c["nbf"] = (NOW + 61).into()));
    assert_eq!(refusal(&v, &later), IdentityError::NotYetValid);
}

#[test]
fn the_lifetime_is_at_most_the_configured_maximum() {
    let v = verifier(vec![hs(None, SECRET_A)]);
    let lifetime = |secs: i64| sign_hs256(&IdentityClaims { iat: NOW, exp: NOW + secs, ..claims() }, SECRET_A, None);
    assert!(v.verify(&lifetime(3600), MERCHANT, NOW).is_ok());
    assert_eq!(refusal(&v, &lifetime(3601)), IdentityError::LifetimeTooLong { lifetime: 3601, max: 3600 });
    // A backdated `iat` does not stretch it.
    let backdated = sign_hs256(&IdentityClaims { iat: NOW - 7200, exp: NOW + 600, ..claims() }, SECRET_A, None);
    assert_eq!(refusal(&v, &backdated), IdentityError::LifetimeTooLong { lifetime: 7800, max: 3600 });
}

#[test]
fn times_in_milliseconds_are_refused_with_their_own_error() {
    let v = verifier(vec![hs(None, SECRET_A)]);
    // What was measured: `exp` in ms, accepted before as valid for ~56,000 years.
    let ms = sign_hs256(&IdentityClaims { exp: (NOW + 600) * 1000, ..claims() }, SECRET_A, None);
    let err = refusal(&v, &ms);
    assert_eq!(err, IdentityError::Milliseconds { claim: "exp", value: (NOW + 600) * 1000 });
    assert_eq!(err.code(), "identity_time_in_milliseconds");
    assert!(err.to_string().contains("whole seconds"), "{err}");
    let ms_iat = sign_hs256(&IdentityClaims { iat: NOW * 1000, exp: NOW * 1000 + 600_000, ..claims() }, SECRET_A, None);
    assert!(matches!(refusal(&v, &ms_iat), IdentityError::Milliseconds { .. }));
    // Absurd values neither overflow nor pass.
    let absurd = hs_token(None, SECRET_A, &json_with(|c| {
        c["iat"] = serde_json::json!(i64::MIN);
        c["exp"] = serde_json::json!(1e300);
    }));
    assert!(v.verify(&absurd, MERCHANT, NOW).is_err());
}

#[test]
fn keys_rotate_by_kid() {
    let token_a = sign_hs256(&claims(), SECRET_A, Some("2026-10"));
    let token_b = sign_hs256(&claims(), SECRET_B, Some("2026-11"));
    // During the rotation both keys are configured: tokens of each verify.
    let both = verifier(vec![hs(Some("2026-10"), SECRET_A), hs(Some("2026-11"), SECRET_B)]);
    assert!(both.verify(&token_a, MERCHANT, NOW).is_ok());
    assert!(both.verify(&token_b, MERCHANT, NOW).is_ok());
    // With two keys a token must say which.
    assert_eq!(refusal(&both, &sign_hs256(&claims(), SECRET_A, None)), IdentityError::MissingKid);
    // A token naming one key but signed with the other is refused.
    assert_eq!(refusal(&both, &sign_hs256(&claims(), SECRET_A, Some("2026-11"))), IdentityError::BadSignature);
    // The old key removed: its tokens are refused, the new key's still verify.
    let after = verifier(vec![hs(Some("2026-11"), SECRET_B)]);
    assert_eq!(refusal(&after, &token_a), IdentityError::UnknownKid("2026-10".into()));
    assert!(after.verify(&token_b, MERCHANT, NOW).is_ok());
}

#[test]
fn es256_and_rs256_tokens_verify_with_only_the_public_key() {
    let v = verifier(vec![
        public("es-a", Algorithm::Es256, "es256-a.pub.pem"),
        public("es-b", Algorithm::Es256, "es256-b.pub.pem"),
        public("rs", Algorithm::Rs256, "rs256.pub.pem"),
    ]);
    assert_eq!(v.verify(&es_token("es-a", "es256-a.key.pem", &claims()), MERCHANT, NOW).unwrap().sub, "alex");
    assert_eq!(v.verify(&es_token("es-b", "es256-b.key.pem", &claims()), MERCHANT, NOW).unwrap().sub, "alex");
    assert_eq!(v.verify(&rs_token("rs", &claims()), MERCHANT, NOW).unwrap().sub, "alex");
    // Signed by the other key pair, or tampered with: refused.
    assert_eq!(refusal(&v, &es_token("es-a", "es256-b.key.pem", &claims())), IdentityError::BadSignature);
    let good = rs_token("rs", &claims());
    let forged_payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&IdentityClaims { sub: "mallory".into(), ..claims() }).unwrap());
    let parts: Vec<&str> = good.split('.').collect();
    assert_eq!(refusal(&v, &format!("{}.{forged_payload}.{}", parts[0], parts[2])), IdentityError::BadSignature);
    // Claims rules apply to every algorithm.
    let ms = es_token("es-a", "es256-a.key.pem", &IdentityClaims { exp: (NOW + 600) * 1000, ..claims() });
    assert!(matches!(refusal(&v, &ms), IdentityError::Milliseconds { .. }));
}

#[test]
fn tokens_from_another_implementation_verify() {
    // Signed outside Rust (Node's crypto, `dsaEncoding: 'ieee-p1363'` for ES256) with the fixture
    // keys, claims iat = 1764000000, exp = 1764000600, aud nordic-outdoor: the wire format is the
    // standard one, not only what this module's own signing produces.
    let v = verifier(vec![public("es-a", Algorithm::Es256, "es256-a.pub.pem"), public("rs", Algorithm::Rs256, "rs256.pub.pem")]);
    for file in ["es256-a.node.jwt", "rs256.node.jwt"] {
        let token = String::from_utf8(fixture(file)).unwrap();
        let id = v.verify(token.trim(), MERCHANT, NOW).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(id, Identity { sub: "alex".into(), name: Some("Alex Morgan".into()), exp: NOW + 600 });
    }
}

#[test]
fn the_algorithm_comes_from_the_key_never_from_the_header() {
    let rs_pem = fixture("rs256.pub.pem");
    let es_pem = fixture("es256-a.pub.pem");
    let v = verifier(vec![public("rs", Algorithm::Rs256, "rs256.pub.pem"), public("es", Algorithm::Es256, "es256-a.pub.pem")]);
    // The confusion attack: HS256 "signed" with the public key's PEM text as the secret.
    for (kid, pem) in [("rs", &rs_pem), ("es", &es_pem)] {
        let forged = sign_hs256(&claims(), pem, Some(kid));
        assert!(matches!(refusal(&v, &forged), IdentityError::AlgorithmMismatch { claimed: "HS256", .. }), "{kid}");
    }
    // An ES256 signature presented as RS256 for the RSA key, and the reverse.
    let es = es_token("rs", "es256-a.key.pem", &claims());
    assert!(matches!(refusal(&v, &es), IdentityError::AlgorithmMismatch { claimed: "ES256", algorithm: "RS256", .. }));
    // An HS256 key does not take an RS256 token either.
    let hs_only = verifier(vec![hs(Some("rs"), SECRET_A)]);
    assert!(matches!(refusal(&hs_only, &rs_token("rs", &claims())), IdentityError::AlgorithmMismatch { .. }));
}

#[test]
fn alg_none_and_unknown_algorithms_are_refused() {
    let v = verifier(vec![hs(None, SECRET_A)]);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims()).unwrap());
    for alg in ["none", "None", "HS512", "PS256"] {
        let header = URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"{alg}"}}"#));
        let err = refusal(&v, &format!("{header}.{payload}."));
        assert_eq!(err, IdentityError::UnsupportedAlgorithm(alg.into()));
        assert_eq!(err.code(), "identity_algorithm_unsupported");
    }
}

#[test]
fn malformed_and_forged_tokens_are_refused() {
    let v = verifier(vec![hs(None, SECRET_A)]);
    assert!(matches!(refusal(&v, "a.b"), IdentityError::Malformed(_)));
    assert!(matches!(refusal(&v, "not a token"), IdentityError::Malformed(_)));
    assert_eq!(refusal(&v, &sign_hs256(&claims(), b"not-the-secret", None)), IdentityError::BadSignature);
    let good = sign_hs256(&claims(), SECRET_A, None);
    let (input, _) = good.rsplit_once('.').unwrap();
    assert_eq!(refusal(&v, &format!("{input}.")), IdentityError::BadSignature);
    // A signature over bytes that are not JSON: refused as malformed after the signature matched.
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256"}"#);
    let payload = URL_SAFE_NO_PAD.encode("not json");
    let input = format!("{header}.{payload}");
    let token = format!("{input}.{}", URL_SAFE_NO_PAD.encode(jwt::hs256(SECRET_A, input.as_bytes())));
    assert!(matches!(refusal(&v, &token), IdentityError::Malformed(_)));
    // No keys at all.
    assert_eq!(verifier(vec![]).verify(&good, MERCHANT, NOW).unwrap_err(), IdentityError::NotConfigured);
}

#[test]
fn every_refusal_has_its_own_code() {
    let all = [
        IdentityError::Malformed("x"),
        IdentityError::UnsupportedAlgorithm("none".into()),
        IdentityError::AlgorithmMismatch { claimed: "HS256", key: "k".into(), algorithm: "RS256" },
        IdentityError::MissingKid,
        IdentityError::UnknownKid("k".into()),
        IdentityError::BadSignature,
        IdentityError::MissingClaim("exp"),
        IdentityError::WrongType("exp"),
        IdentityError::InvalidSubject,
        IdentityError::InvalidName,
        IdentityError::WrongIssuer { found: "x".into() },
        IdentityError::WrongAudience { merchant: "m".into() },
        IdentityError::Milliseconds { claim: "exp", value: 1 },
        IdentityError::IssuedInFuture { iat: 1, now: 0 },
        IdentityError::NotYetValid,
        IdentityError::Expired { exp: 0, now: 1 },
        IdentityError::LifetimeTooLong { lifetime: 2, max: 1 },
        IdentityError::NotConfigured,
    ];
    let mut codes: Vec<&str> = all.iter().map(IdentityError::code).collect();
    codes.sort();
    codes.dedup();
    assert_eq!(codes.len(), all.len());
}
