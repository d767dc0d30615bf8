//! JWK and JWKS import: one key (public or private) as JSON, or a key set.

use aws_lc_rs::signature::{
    self, EcdsaKeyPair, Ed25519KeyPair, RsaKeyPair, RsaPublicKeyComponents,
};
use serde_json::Value;

use super::signing::Signer;
use super::Material;
use crate::algorithm::{Algorithm, KeyFamily};
use crate::base64url;
use crate::error::{Error, Result};
use crate::json;
use crate::jwk::{self, PublicParts};

/// Whether `bytes` look like a JWKS document (a JSON object with `keys`).
pub(super) fn is_jwks(bytes: &[u8]) -> bool {
    bytes.trim_ascii_start().starts_with(b"{")
        && json::parse_object(bytes).is_some_and(|o| o.contains_key("keys"))
}

/// The public key, `kid` and bound `alg` of every signature key of a JWKS document.
/// Keys published for encryption are skipped; secret keys are refused.
pub(super) fn jwks_signature_keys(
    bytes: &[u8],
) -> Result<Vec<(PublicParts, Option<String>, Option<Algorithm>)>> {
    let doc = json::parse_object(bytes).ok_or_else(|| Error::key("not a JSON object"))?;
    let keys = doc
        .get("keys")
        .and_then(Value::as_array)
        .ok_or_else(|| Error::key("JWKS has no 'keys' array"))?;
    let mut loaded = Vec::new();
    for key in keys {
        let key = key
            .as_object()
            .ok_or_else(|| Error::key("JWKS key is not an object"))?;
        let parsed = jwk::parse(key)?;
        let parts = parsed
            .public
            .ok_or_else(|| Error::key("JWKS must not hold secret keys"))?;
        if parsed.for_signatures {
            loaded.push((parts, parsed.kid, parsed.alg));
        }
    }
    Ok(loaded)
}

/// The key of one JWK.
pub(super) fn material(bytes: &[u8]) -> Result<Material> {
    let object =
        json::parse_object(bytes).ok_or_else(|| Error::key("the JWK is not a JSON object"))?;
    let parsed = jwk::parse(&object)?;
    if !parsed.for_signatures {
        return Err(Error::key(
            "the JWK is not a signature key (its 'use', 'key_ops' or 'alg' says otherwise)",
        ));
    }
    let (kid, bound) = (parsed.kid, parsed.alg);
    let Some(parts) = parsed.public else {
        return Err(Error::key(
            "symmetric JWKs are not accepted here; give the secret itself",
        ));
    };
    let Some(private) = parsed.private else {
        return Ok(Material::Public(parts, kid, bound));
    };
    let member = |name: &'static str| {
        private
            .get(name)
            .and_then(Value::as_str)
            .and_then(base64url::decode)
            .ok_or_else(|| {
                Error::key(format!(
                    "JWK private member '{name}' is missing or not base64url"
                ))
            })
    };
    let invalid = |_| Error::key("the JWK private key is not valid");
    let signer = match &parts {
        PublicParts::Rsa { n, e } => {
            let (d, p, q, dp, dq, qi) = (
                member("d")?,
                member("p")?,
                member("q")?,
                member("dp")?,
                member("dq")?,
                member("qi")?,
            );
            let components = aws_lc_rs::rsa::KeyPairComponents {
                public_key: RsaPublicKeyComponents {
                    n: n.as_slice(),
                    e: e.as_slice(),
                },
                d: d.as_slice(),
                p: p.as_slice(),
                q: q.as_slice(),
                dP: dp.as_slice(),
                dQ: dq.as_slice(),
                qInv: qi.as_slice(),
            };
            Signer::Rsa(RsaKeyPair::from_components(&components).map_err(invalid)?)
        }
        PublicParts::Ec { family, x, y } => {
            let alg = if *family == KeyFamily::EcP384 {
                &signature::ECDSA_P384_SHA384_FIXED_SIGNING
            } else {
                &signature::ECDSA_P256_SHA256_FIXED_SIGNING
            };
            let pair = EcdsaKeyPair::from_private_key_and_public_key(
                alg,
                &member("d")?,
                &PublicParts::ec_point(x, y),
            )
            .map_err(invalid)?;
            Signer::Ecdsa(pair)
        }
        PublicParts::Ed25519 { x } => Signer::Ed25519(
            Ed25519KeyPair::from_seed_and_public_key(&member("d")?, x).map_err(invalid)?,
        ),
    };
    Ok(Material::Private(signer, kid, bound))
}
