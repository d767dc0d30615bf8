//! The key set of an engine: what [`KeyConfig`] names, loaded and cross-checked once.

use super::import_jwk::is_jwks;
use super::{SigningKey, VerifyingKey};
use crate::algorithm::{Algorithm, KeyFamily};
use crate::error::{Error, KeySlot, Result, Setting};

/// Key material, as given (PEM, JWK or, for `verification_keys`, JWKS bytes).
///
/// Errors about a key name its [`KeySlot`] (`KeySlot::VerificationKey(i)` for
/// the `i`-th verification key).
#[derive(Debug, Clone, Default)]
pub struct KeyConfig {
    /// The private key (PEM or JWK) for asymmetric algorithms.
    pub private_key: Option<Vec<u8>>,
    /// Its public key; when given with `private_key` it must match it.
    pub public_key: Option<Vec<u8>>,
    /// The shared secret for HS* algorithms.
    pub secret: Option<Vec<u8>>,
    /// More verification keys (PEM, JWK or JWKS), e.g. the previous key during rotation.
    pub verification_keys: Vec<Vec<u8>>,
    /// A `kid` to use instead of the RFC 7638 thumbprint.
    pub key_id: Option<String>,
}

/// The loaded keys: the one that signs (if any) and every one that verifies.
pub struct KeySet {
    /// Signs new tokens; `None` for a verify-only engine.
    pub signing: Option<SigningKey>,
    /// Verify tokens; never empty, and together they verify every allowed algorithm.
    pub verifying: Vec<VerifyingKey>,
}

/// Load `keys` for signing with `algorithm` and verifying `allowed` (which holds `algorithm`).
///
/// Checks: the signing key fits `algorithm`; a public key given with a private
/// key matches it; a secret is long enough for every allowed HS* algorithm; at
/// least one key is configured; every allowed algorithm has a key that verifies it.
pub fn load_key_set(
    keys: &KeyConfig,
    algorithm: Algorithm,
    allowed: &[Algorithm],
) -> Result<KeySet> {
    let mut signing = if algorithm.is_symmetric() {
        let secret = keys
            .secret
            .as_deref()
            .ok_or_else(|| Error::key_in(KeySlot::Secret, format!("{algorithm} needs a secret")))?;
        Some(SigningKey::from_secret(secret, algorithm).map_err(|e| e.in_slot(KeySlot::Secret))?)
    } else {
        match keys.private_key.as_deref() {
            Some(pem) => Some(
                SigningKey::from_private(pem, algorithm)
                    .map_err(|e| e.in_slot(KeySlot::PrivateKey))?,
            ),
            None => None,
        }
    };
    if let (Some(key), Some(kid)) = (signing.as_mut(), keys.key_id.clone()) {
        key.set_kid(kid);
    }
    let mut verifying = Vec::new();
    if let Some(key) = &signing {
        let slot = if key.family() == KeyFamily::Hmac {
            KeySlot::Secret
        } else {
            KeySlot::PrivateKey
        };
        verifying.push(key.verifying_key(allowed).map_err(|e| e.in_slot(slot))?);
    }
    if let Some(pem) = &keys.public_key {
        let in_slot = |e: Error| e.in_slot(KeySlot::PublicKey);
        let public = VerifyingKey::from_public(pem, allowed).map_err(in_slot)?;
        match &signing {
            Some(key) if key.family() != KeyFamily::Hmac => {
                if key.verifying_key(allowed)?.thumbprint() != public.thumbprint() {
                    return Err(Error::key_in(
                        KeySlot::PublicKey,
                        "the public key does not match the private key",
                    ));
                }
            }
            _ => verifying.push(match &keys.key_id {
                Some(kid) => public.with_kid(kid.clone()),
                None => public,
            }),
        }
    }
    if let Some(secret) = keys.secret.as_ref().filter(|_| !algorithm.is_symmetric()) {
        if allowed.iter().any(|a| a.is_symmetric()) {
            verifying.push(
                VerifyingKey::from_secret("hmac".to_owned(), secret, allowed)
                    .map_err(|e| e.in_slot(KeySlot::Secret))?,
            );
        }
    }
    for (i, bytes) in keys.verification_keys.iter().enumerate() {
        let in_slot = |e: Error| e.in_slot(KeySlot::VerificationKey(i));
        if is_jwks(bytes) {
            verifying.extend(VerifyingKey::from_jwks(bytes, allowed).map_err(in_slot)?);
        } else {
            verifying.push(VerifyingKey::from_public(bytes, allowed).map_err(in_slot)?);
        }
    }
    if verifying.is_empty() {
        return Err(Error::key_in(
            KeySlot::PrivateKey,
            "no key is configured: give a private key (or a secret for HS*), or a public key to verify only",
        ));
    }
    for alg in allowed {
        if !verifying.iter().any(|k| k.supports(*alg)) {
            return Err(Error::setting(
                Setting::AllowedAlgorithms,
                format!(
                    "{alg} is allowed but no configured key can verify it (it needs a {})",
                    alg.family().name()
                ),
            ));
        }
    }
    Ok(KeySet { signing, verifying })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    fn secret_keys(len: usize) -> KeyConfig {
        KeyConfig {
            secret: Some(vec![7; len]),
            ..KeyConfig::default()
        }
    }

    /// Defect: a 32-byte secret signing HS256 also verified HS512 when both were allowed.
    #[test]
    fn a_secret_is_long_enough_for_every_allowed_algorithm() {
        let both = [Algorithm::HS256, Algorithm::HS512];
        let e = load_key_set(&secret_keys(32), Algorithm::HS256, &both)
            .err()
            .expect("a 32-byte secret must not verify HS512");
        assert_eq!(e.kind(), ErrorKind::Configuration);
        assert!(
            matches!(
                e,
                Error::Key {
                    slot: Some(KeySlot::Secret),
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(
            e.to_string().contains("HS512") && e.to_string().contains("64 bytes"),
            "{e}"
        );
        let e = load_key_set(
            &secret_keys(48),
            Algorithm::HS256,
            &[Algorithm::HS256, Algorithm::HS384, Algorithm::HS512],
        )
        .err()
        .expect("48 bytes are short of HS512's 64");
        assert!(e.to_string().contains("HS512"), "{e}");
        assert!(load_key_set(&secret_keys(64), Algorithm::HS256, &both).is_ok());
        assert!(load_key_set(&secret_keys(32), Algorithm::HS256, &[Algorithm::HS256]).is_ok());
    }

    #[test]
    fn a_verification_secret_beside_an_asymmetric_key_is_checked_too() {
        let (private, _) = crate::keys::generate_pem("p256").unwrap();
        let keys = KeyConfig {
            private_key: Some(private.into_bytes()),
            secret: Some(vec![7; 32]),
            ..KeyConfig::default()
        };
        let e = load_key_set(
            &keys,
            Algorithm::ES256,
            &[Algorithm::ES256, Algorithm::HS384],
        )
        .err()
        .expect("32 bytes are short of HS384's 48");
        assert!(
            matches!(
                e,
                Error::Key {
                    slot: Some(KeySlot::Secret),
                    ..
                }
            ),
            "{e:?}"
        );
    }

    #[test]
    fn errors_name_the_slot() {
        let keys = KeyConfig {
            verification_keys: vec![b"not a key".to_vec()],
            ..KeyConfig::default()
        };
        let e = load_key_set(&keys, Algorithm::RS256, &[Algorithm::RS256])
            .err()
            .unwrap();
        assert!(e.to_string().starts_with("verification key 0:"), "{e}");
        let e = load_key_set(&KeyConfig::default(), Algorithm::RS256, &[Algorithm::RS256])
            .err()
            .unwrap();
        assert!(
            matches!(
                e,
                Error::Key {
                    slot: Some(KeySlot::PrivateKey),
                    ..
                }
            ),
            "{e:?}"
        );
    }
}
