//! JSON Web Keys (RFC 7517): public key export, import, and RFC 7638 thumbprints.

use aws_lc_rs::digest;
use serde_json::{json, Map, Value};

use crate::algorithm::{Algorithm, KeyFamily};
use crate::base64url;
use crate::error::{Error, Result};

/// The public half of an asymmetric key, in the components a JWK carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicParts {
    /// RSA modulus and exponent, big-endian without leading zeros.
    Rsa { n: Vec<u8>, e: Vec<u8> },
    /// An EC point on P-256 or P-384.
    Ec {
        family: KeyFamily,
        x: Vec<u8>,
        y: Vec<u8>,
    },
    /// An Ed25519 public key.
    Ed25519 { x: Vec<u8> },
}

impl PublicParts {
    /// The key family.
    pub fn family(&self) -> KeyFamily {
        match self {
            PublicParts::Rsa { .. } => KeyFamily::Rsa,
            PublicParts::Ec { family, .. } => *family,
            PublicParts::Ed25519 { .. } => KeyFamily::Ed25519,
        }
    }

    /// The required JWK members, in RFC 7638's lexicographic order.
    fn required_members(&self) -> Value {
        match self {
            PublicParts::Rsa { n, e } => json!({
                "e": base64url::encode(e), "kty": "RSA", "n": base64url::encode(n),
            }),
            PublicParts::Ec { family, x, y } => json!({
                "crv": curve_name(*family), "kty": "EC",
                "x": base64url::encode(x), "y": base64url::encode(y),
            }),
            PublicParts::Ed25519 { x } => json!({
                "crv": "Ed25519", "kty": "OKP", "x": base64url::encode(x),
            }),
        }
    }

    /// The RFC 7638 SHA-256 thumbprint, base64url-encoded.
    pub fn thumbprint(&self) -> String {
        // serde_json's Map is ordered by key, which is exactly RFC 7638's canonical form.
        let canonical = self.required_members().to_string();
        base64url::encode(digest::digest(&digest::SHA256, canonical.as_bytes()))
    }

    /// The public JWK with `kid`, `use` and `alg`.
    pub fn to_jwk(&self, kid: &str, alg: Option<&str>) -> Value {
        let mut jwk = self.required_members();
        let members = jwk.as_object_mut().expect("required_members is an object");
        members.insert("kid".into(), kid.into());
        members.insert("use".into(), "sig".into());
        if let Some(alg) = alg {
            members.insert("alg".into(), alg.into());
        }
        jwk
    }

    /// The uncompressed SEC1 point of an EC key.
    pub(crate) fn ec_point(x: &[u8], y: &[u8]) -> Vec<u8> {
        let mut point = Vec::with_capacity(1 + x.len() + y.len());
        point.push(0x04);
        point.extend_from_slice(x);
        point.extend_from_slice(y);
        point
    }
}

fn curve_name(family: KeyFamily) -> &'static str {
    match family {
        KeyFamily::EcP384 => "P-384",
        _ => "P-256",
    }
}

/// A JWK's members, decoded, as the key loader needs them.
pub(crate) struct ParsedJwk {
    pub public: Option<PublicParts>,
    /// Private members (`d`, and for RSA `p`, `q`, `dp`, `dq`, `qi`), when present.
    pub private: Option<Map<String, Value>>,
    pub kid: Option<String>,
    /// Whether `use` and `key_ops` allow signatures (absent members allow them).
    pub for_signatures: bool,
    /// The one algorithm `alg` restricts the key to, when it names a JWS algorithm.
    pub alg: Option<Algorithm>,
}

/// Parse one JWK object.
pub(crate) fn parse(jwk: &Map<String, Value>) -> Result<ParsedJwk> {
    let text = |name: &str| jwk.get(name).and_then(Value::as_str);
    let bytes = |name: &'static str| -> Result<Vec<u8>> {
        text(name)
            .and_then(base64url::decode)
            .ok_or_else(|| Error::key(format!("JWK member '{name}' is missing or not base64url")))
    };
    let kid = text("kid").map(str::to_owned);
    let kty = text("kty").ok_or_else(|| Error::key("JWK has no 'kty'"))?;
    let public = match kty {
        "RSA" => Some(PublicParts::Rsa {
            n: strip_leading_zeros(bytes("n")?),
            e: strip_leading_zeros(bytes("e")?),
        }),
        "EC" => {
            let family = match text("crv") {
                Some("P-256") => KeyFamily::EcP256,
                Some("P-384") => KeyFamily::EcP384,
                _ => return Err(Error::key("JWK curve must be P-256 or P-384")),
            };
            Some(PublicParts::Ec {
                family,
                x: bytes("x")?,
                y: bytes("y")?,
            })
        }
        "OKP" => {
            if text("crv") != Some("Ed25519") {
                return Err(Error::key("JWK OKP curve must be Ed25519"));
            }
            Some(PublicParts::Ed25519 { x: bytes("x")? })
        }
        "oct" => None,
        _ => return Err(Error::key("JWK 'kty' must be RSA, EC, OKP or oct")),
    };
    let private = jwk.contains_key("d").then(|| jwk.clone());
    let family = public.as_ref().map_or(KeyFamily::Hmac, PublicParts::family);
    let (for_signatures, alg) = usage(jwk, family)?;
    Ok(ParsedJwk {
        public,
        private,
        kid,
        for_signatures,
        alg,
    })
}

/// What `use`, `key_ops` and `alg` allow (RFC 7517 §4.2-4.4): whether the key is
/// for signatures at all, and the one algorithm it is bound to. A key published
/// for encryption (`"use": "enc"`, `"key_ops": ["encrypt"]`, `"alg": "RSA-OAEP"`)
/// never verifies a token; an `alg` of another key family is a configuration error.
fn usage(jwk: &Map<String, Value>, family: KeyFamily) -> Result<(bool, Option<Algorithm>)> {
    let invalid = |reason: &str| Error::key(format!("JWK {reason}"));
    let mut for_signatures = match jwk.get("use") {
        None => true,
        Some(Value::String(u)) => u == "sig",
        Some(_) => return Err(invalid("'use' must be a string")),
    };
    match jwk.get("key_ops") {
        None => {}
        Some(Value::Array(ops)) => {
            let mut names = Vec::with_capacity(ops.len());
            for op in ops {
                names.push(
                    op.as_str()
                        .ok_or_else(|| invalid("'key_ops' must be strings"))?,
                );
            }
            for_signatures &= names.iter().any(|op| *op == "verify" || *op == "sign");
        }
        Some(_) => return Err(invalid("'key_ops' must be a list")),
    }
    let alg = match jwk.get("alg") {
        None => None,
        Some(Value::String(name)) => match name.parse::<Algorithm>() {
            Ok(alg) if alg.family() == family => Some(alg),
            Ok(alg) => {
                return Err(invalid(&format!(
                    "'alg' {alg} needs a {}, but the key is a {}",
                    alg.family().name(),
                    family.name()
                )))
            }
            // Not a JWS algorithm this library signs with (e.g. RSA-OAEP, ES512).
            Err(_) => {
                for_signatures = false;
                None
            }
        },
        Some(_) => return Err(invalid("'alg' must be a string")),
    };
    Ok((for_signatures, alg))
}

fn strip_leading_zeros(mut bytes: Vec<u8>) -> Vec<u8> {
    let zeros = bytes.iter().take_while(|&&b| b == 0).count();
    bytes.drain(..zeros.min(bytes.len().saturating_sub(1)));
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7638 §3.1's example key and thumbprint.
    #[test]
    fn rfc7638_example_thumbprint() {
        let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
        let jwk: Map<String, Value> =
            serde_json::from_value(json!({"kty": "RSA", "n": n, "e": "AQAB", "alg": "RS256"}))
                .unwrap();
        let parsed = parse(&jwk).unwrap();
        assert_eq!(parsed.alg, Some(Algorithm::RS256));
        assert!(parsed.for_signatures);
        assert_eq!(
            parsed.public.unwrap().thumbprint(),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }

    #[test]
    fn use_key_ops_and_alg_bind_a_key() {
        let x = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
        let jwk = |extra: Value| {
            let mut key = json!({"kty": "OKP", "crv": "Ed25519", "x": x});
            key.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            parse(key.as_object().unwrap())
        };
        for signing in [
            json!({}),
            json!({"use": "sig"}),
            json!({"key_ops": ["verify"]}),
            json!({"alg": "EdDSA"}),
        ] {
            assert!(jwk(signing.clone()).unwrap().for_signatures, "{signing}");
        }
        for not_signing in [
            json!({"use": "enc"}),
            json!({"key_ops": ["encrypt", "wrapKey"]}),
            json!({"key_ops": []}),
            json!({"alg": "ECDH-ES"}),
            json!({"use": "sig", "alg": "Ed448"}),
        ] {
            assert!(
                !jwk(not_signing.clone()).unwrap().for_signatures,
                "{not_signing}"
            );
        }
        for broken in [
            json!({"use": 1}),
            json!({"key_ops": "verify"}),
            json!({"key_ops": [1]}),
            json!({"alg": "RS256"}),
            json!({"alg": ["EdDSA"]}),
        ] {
            assert!(jwk(broken.clone()).is_err(), "{broken}");
        }
    }
}
