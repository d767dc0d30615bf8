//! A JWKS fetched from an outside issuer, parsed once into verifying keys.
//!
//! Each JWK goes through the same loader as configured keys ([`VerifyingKey`]:
//! `use`, `key_ops` and `alg` binding, RSA of 2048 bits or more), keeps its own
//! `issuer` property (Entra publishes one per key), and is looked up by `kid`.
//! A key this library cannot use (another curve, an encryption key, a secret or
//! a private key) is skipped, not fatal; a document that is too large, holds too
//! many keys, or no usable key at all is refused, and the caller keeps the keys
//! it had. Certificates (`x5c`) and URLs in the document are never followed.

use serde_json::Value;

use super::document_error;
use crate::algorithm::Algorithm;
use crate::error::Result;
use crate::json;
use crate::keys::VerifyingKey;

/// Largest JWKS document accepted, in bytes. Default of [`KeySet::parse`]'s callers.
pub const DEFAULT_MAX_JWKS_BYTES: usize = 256 * 1024;

/// Most keys accepted in one JWKS. Default of [`KeySet::parse`]'s callers.
pub const DEFAULT_MAX_KEYS: usize = 64;

/// One usable key of the set.
pub struct SetKey {
    /// The parsed key, restricted to the allowed algorithms.
    pub key: VerifyingKey,
    /// The key's `issuer` property, when the JWKS carries one.
    pub issuer: Option<String>,
}

/// The usable signature keys of one JWKS.
#[derive(Default)]
pub struct KeySet {
    keys: Vec<SetKey>,
}

impl KeySet {
    /// Parse a JWKS body. `algorithms` is the allow-list the keys are restricted to.
    pub fn parse(
        body: &[u8],
        algorithms: &[Algorithm],
        max_keys: usize,
        max_bytes: usize,
    ) -> Result<Self> {
        let refused = |reason: &str| document_error("jwks", reason.to_owned());
        if body.len() > max_bytes {
            return Err(refused("the JWKS document is too large"));
        }
        let doc = json::parse_object(body).ok_or_else(|| refused("not a JSON object"))?;
        let entries = doc
            .get("keys")
            .and_then(Value::as_array)
            .ok_or_else(|| refused("the JWKS has no 'keys' array"))?;
        if entries.len() > max_keys {
            return Err(refused("the JWKS holds more keys than allowed"));
        }
        let mut keys: Vec<SetKey> = Vec::with_capacity(entries.len());
        for entry in entries {
            let Some(object) = entry.as_object() else {
                continue;
            };
            // A published private or secret key is never used (nor is a JWKS trusted less
            // for holding one: it is simply skipped).
            if object.contains_key("d") || object.get("kty").and_then(Value::as_str) == Some("oct")
            {
                continue;
            }
            let issuer = match object.get("issuer") {
                None => None,
                Some(Value::String(issuer)) => Some(issuer.clone()),
                Some(_) => continue,
            };
            let Ok(bytes) = serde_json::to_vec(object) else {
                continue;
            };
            let Ok(key) = load_jwk(&bytes, algorithms) else {
                continue;
            };
            if !algorithms.iter().any(|alg| key.supports(*alg)) {
                continue;
            }
            if keys.iter().any(|k| k.key.kid() == key.kid()) {
                continue;
            }
            keys.push(SetKey { key, issuer });
        }
        if keys.is_empty() {
            return Err(refused("the JWKS holds no usable signature key"));
        }
        Ok(KeySet { keys })
    }

    /// The key for a token's `kid` and `alg`; without a `kid`, the only key that fits.
    pub fn find(&self, kid: Option<&str>, algorithm: Algorithm) -> Option<&SetKey> {
        let mut candidates = self.keys.iter().filter(|k| k.key.supports(algorithm));
        match kid {
            Some(kid) => candidates.find(|k| k.key.kid() == kid),
            None => match (candidates.next(), candidates.next()) {
                (Some(only), None) => Some(only),
                _ => None,
            },
        }
    }

    /// The key ids held.
    pub fn kids(&self) -> Vec<&str> {
        self.keys.iter().map(|k| k.key.kid()).collect()
    }

    /// How many keys are held.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no key is held.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// One JWK through the engine's key loader (`use`, `key_ops`, `alg`, RSA size rules).
fn load_jwk(jwk: &[u8], algorithms: &[Algorithm]) -> Result<VerifyingKey> {
    VerifyingKey::from_public(jwk, algorithms)
}

#[cfg(test)]
pub(crate) mod tests {
    use serde_json::json;

    use super::*;
    use crate::keys::SigningKey;

    /// A fresh RSA-2048 signing key with `kid`, and its public JWK.
    pub(crate) fn rsa_key(kid: &str) -> (SigningKey, Value) {
        let (private, _) = crate::keys::generate_pem("rsa2048").unwrap();
        let mut key = SigningKey::from_private(private.as_bytes(), Algorithm::RS256).unwrap();
        key.set_kid(kid.to_owned());
        let jwk = key
            .verifying_key(&[Algorithm::RS256])
            .unwrap()
            .to_jwk()
            .unwrap();
        (key, jwk)
    }

    fn parse(doc: Value) -> Result<KeySet> {
        KeySet::parse(
            doc.to_string().as_bytes(),
            &[Algorithm::RS256],
            DEFAULT_MAX_KEYS,
            DEFAULT_MAX_JWKS_BYTES,
        )
    }

    #[test]
    fn keys_keep_their_issuer_and_unusable_ones_are_skipped() {
        let (_, mut a) = rsa_key("a");
        let (_, b) = rsa_key("b");
        a["issuer"] = json!("https://login.microsoftonline.com/{tenantid}/v2.0");
        a["x5c"] = json!(["MIIC..."]);
        a.as_object_mut().unwrap().remove("alg");
        let set = parse(json!({"keys": [
            a,
            b,
            {"kty": "oct", "k": "c2VjcmV0", "kid": "s"},
            {"kty": "EC", "crv": "P-521", "x": "AA", "y": "AA", "kid": "e"},
            {"kty": "RSA", "n": "AQAB", "e": "AQAB", "kid": "small"},
            "not a key",
        ]}))
        .unwrap();
        assert_eq!(set.kids(), vec!["a", "b"]);
        let a = set.find(Some("a"), Algorithm::RS256).unwrap();
        assert_eq!(
            a.issuer.as_deref(),
            Some("https://login.microsoftonline.com/{tenantid}/v2.0")
        );
        assert!(set
            .find(Some("b"), Algorithm::RS256)
            .unwrap()
            .issuer
            .is_none());
        assert!(set.find(Some("s"), Algorithm::RS256).is_none());
        assert!(set.find(None, Algorithm::RS256).is_none(), "two candidates");
        assert!(set.find(Some("a"), Algorithm::PS256).is_none());
    }

    #[test]
    fn garbage_and_oversized_documents_are_refused() {
        let (_, a) = rsa_key("a");
        for bad in [
            json!([]),
            json!({}),
            json!({"keys": {}}),
            json!({"keys": []}),
            json!({"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}),
        ] {
            assert!(parse(bad.clone()).is_err(), "{bad}");
        }
        assert!(KeySet::parse(b"<html>", &[Algorithm::RS256], 64, 1024).is_err());
        let many = json!({"keys": vec![a.clone(); 65]});
        assert!(parse(many).is_err(), "key cap");
        let doc = json!({"keys": [a]}).to_string();
        assert!(KeySet::parse(doc.as_bytes(), &[Algorithm::RS256], 64, doc.len() - 1).is_err());
        assert!(KeySet::parse(doc.as_bytes(), &[Algorithm::RS256], 64, doc.len()).is_ok());
    }
}
