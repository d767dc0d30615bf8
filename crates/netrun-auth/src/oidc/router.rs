//! [`verify_routed`]: one token, several outside issuers (Entra's v1.0 and v2.0, or
//! any list of providers): the verifier is chosen by the token's `iss` and the
//! token verified by it, with ONE decode and strict parse of the payload shared by
//! both steps.
//!
//! Security order: before the signature verifies, the parsed payload is used for
//! one thing only, choosing the verifier (its keys and rules) by `iss`; that
//! verifier then checks the header, the key, the signature, and only then reads the
//! claims (`iss` again against its own rule). A token whose signature fails is
//! refused exactly as [`OidcVerifier::verify`] refuses it.

use std::sync::Arc;

use super::claims::OidcClaims;
use super::verifier::OidcVerifier;
use crate::cache::TokenKey;
use crate::error::{Error, Result};
use crate::jws;

/// Verify `token` with the first of `verifiers` whose issuer rule accepts its
/// unverified `iss`, at `now`. `Ok(None)`: no verifier's issuer (or the payload is
/// not a JSON object with a string `iss`: nobody's token). `Ok(Some((i, claims)))`:
/// verified by `verifiers[i]` (its cache consulted first, filled after).
pub fn verify_routed(
    verifiers: &[&OidcVerifier],
    token: &[u8],
    now: i64,
) -> Result<Option<(usize, Arc<OidcClaims>)>> {
    let largest = verifiers
        .iter()
        .map(|v| v.config().max_token_bytes)
        .max()
        .unwrap_or(0);
    if token.len() > largest {
        return Err(Error::TokenTooLarge { max: largest });
    }
    let text = std::str::from_utf8(token)
        .ok()
        .filter(|t| t.is_ascii())
        .ok_or(Error::Malformed("token is not ASCII"))?;
    let key = TokenKey::of(text);
    // A token verified before is in the cache of the verifier that verified it.
    for (index, verifier) in verifiers.iter().enumerate() {
        if let Some(hit) = verifier.cached(key, text, now) {
            return hit.map(|claims| Some((index, claims)));
        }
    }
    let Some(payload) = jws::unverified_payload(text) else {
        return Ok(None);
    };
    let Some(index) = payload
        .get("iss")
        .and_then(serde_json::Value::as_str)
        .and_then(|iss| verifiers.iter().position(|v| v.rule().accepts(iss)))
    else {
        return Ok(None);
    };
    let verifier = verifiers[index];
    let text = verifier.checked_text(token)?; // its own size cap
    verifier
        .verify_fresh(text, key, Some(payload), now)
        .map(|claims| Some((index, claims)))
}

/// [`verify_routed`] now.
pub fn verify_routed_now(
    verifiers: &[&OidcVerifier],
    token: &[u8],
) -> Result<Option<(usize, Arc<OidcClaims>)>> {
    verify_routed(verifiers, token, crate::claims::now())
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;
    use crate::algorithm::Algorithm;
    use crate::base64url;
    use crate::keys::SigningKey;
    use crate::oidc::keyset::tests::rsa_key;
    use crate::oidc::{Decision, OidcConfig};

    const TID: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    const CLIENT: &str = "6e74172b-be56-4843-9ff4-e66a39bb12e3";
    const V1: &str = "https://sts.windows.net/{tenantid}/";
    const V2: &str = "https://login.microsoftonline.com/{tenantid}/v2.0";
    const NOW: i64 = 1_900_000_000;

    fn verifier(template: &str, jwk: &Value) -> OidcVerifier {
        let mut config = OidcConfig::new(template, vec![CLIENT.into()]);
        config.allowed_tenants = vec![TID.into()];
        let verifier = OidcVerifier::new(config).unwrap();
        let Decision::Fetch(ticket) = verifier.poll(0.0) else {
            panic!("first poll fetches")
        };
        let body = json!({ "keys": [jwk] }).to_string();
        verifier.complete(ticket, body.as_bytes(), 0.0).unwrap();
        verifier
    }

    fn sign(key: &SigningKey, iss: &str) -> String {
        let header = json!({"typ": "JWT", "alg": "RS256", "kid": "k1"});
        let payload = json!({
            "aud": CLIENT, "iss": iss.replace("{tenantid}", TID), "tid": TID,
            "sub": "s", "iat": NOW - 10, "exp": NOW + 3600,
        });
        let input = format!(
            "{}.{}",
            base64url::encode(header.to_string()),
            base64url::encode(payload.to_string())
        );
        let signature = key.sign(Algorithm::RS256, input.as_bytes()).unwrap();
        format!("{input}.{}", base64url::encode(signature))
    }

    #[test]
    fn routes_by_iss_verifies_once_and_refuses_a_bad_signature() {
        let (key, jwk) = rsa_key("k1");
        let (v1, v2) = (verifier(V1, &jwk), verifier(V2, &jwk));
        let both = [&v1, &v2];
        for (template, index) in [(V1, 0), (V2, 1)] {
            let token = sign(&key, template);
            let (chosen, claims) = verify_routed(&both, token.as_bytes(), NOW)
                .unwrap()
                .unwrap();
            assert_eq!(chosen, index);
            assert_eq!(claims.issuer, template.replace("{tenantid}", TID));
            // again: the chosen verifier's cache, the same claims
            let (again, cached) = verify_routed(&both, token.as_bytes(), NOW)
                .unwrap()
                .unwrap();
            assert_eq!((again, &cached), (index, &claims));
        }
        assert_eq!(
            verify_routed(&both, sign(&key, "https://other/").as_bytes(), NOW),
            Ok(None)
        );
        assert_eq!(verify_routed(&both, b"a.b.c", NOW), Ok(None));
        // A forged signature: routed by its iss, then refused like verify refuses it.
        let token = sign(&key, V2);
        let (input, signature) = token.rsplit_once('.').unwrap();
        let mut forged = base64url::decode(signature).unwrap();
        forged[10] ^= 1;
        let forged = format!("{input}.{}", base64url::encode(forged));
        assert_eq!(
            verify_routed(&[&v1, &verifier(V2, &jwk)], forged.as_bytes(), NOW),
            Err(Error::InvalidSignature)
        );
        assert_eq!(v2.verify(&forged, NOW), Err(Error::InvalidSignature));
    }
}
