//! The compact JWS serialization (RFC 7515 §7.1), read the one way every verifier
//! of this crate reads it: three segments, a capped header of base64url JSON, an
//! algorithm from the caller's allow-list, no critical extensions, and a `kid` that
//! is a string when present. What a verifier accepts beyond that (header `typ`,
//! which key, which claims) is its own rule.

use serde_json::{Map, Value};

use crate::algorithm::Algorithm;
use crate::base64url;
use crate::error::{Error, Result};
use crate::json;
use crate::keys::VerifyingKey;

/// The largest encoded header read, in characters: headers are small; a large one is
/// an attack on the parser.
pub const MAX_HEADER_CHARS: usize = 2048;

/// A compact JWS whose header was read and whose algorithm is allowed; its
/// signature is not verified yet.
pub struct Compact<'t> {
    /// The decoded header.
    pub header: Map<String, Value>,
    /// The header's `alg`, one of the allowed algorithms.
    pub algorithm: Algorithm,
    signing_input: &'t str,
    payload: &'t str,
    signature: &'t str,
}

impl<'t> Compact<'t> {
    /// Split `token` and read its header; refuse an algorithm outside `allowed`.
    pub fn parse(token: &'t str, allowed: &[Algorithm]) -> Result<Self> {
        let Some((header, payload, signature)) = segments(token) else {
            return Err(Error::Malformed("expected three dot-separated segments"));
        };
        if header.len() > MAX_HEADER_CHARS {
            return Err(Error::Malformed("header is too large"));
        }
        let signing_input = &token[..header.len() + 1 + payload.len()];
        let header = base64url::decode(header)
            .and_then(|bytes| json::parse_object(&bytes))
            .ok_or(Error::Malformed("header is not base64url-encoded JSON"))?;
        let algorithm: Algorithm = header
            .get("alg")
            .and_then(Value::as_str)
            .ok_or(Error::Malformed("header has no 'alg'"))?
            .parse()?;
        if !allowed.contains(&algorithm) {
            return Err(Error::AlgorithmNotAllowed);
        }
        if header.contains_key("crit") || header.contains_key("b64") {
            return Err(Error::Malformed(
                "critical header extensions are not supported",
            ));
        }
        if header.contains_key("cty") {
            return Err(Error::Malformed(
                "header 'cty' (nested content) is not supported",
            ));
        }
        Ok(Compact {
            header,
            algorithm,
            signing_input,
            payload,
            signature,
        })
    }

    /// The header's `kid`, when it has one.
    pub fn kid(&self) -> Result<Option<&str>> {
        match self.header.get("kid") {
            None => Ok(None),
            Some(Value::String(kid)) => Ok(Some(kid.as_str())),
            Some(_) => Err(Error::Malformed("'kid' must be a string")),
        }
    }

    /// Verify the signature with `key`, then decode the payload's JSON object.
    pub fn verify_with(&self, key: &VerifyingKey) -> Result<Map<String, Value>> {
        self.verify_signature(key)?;
        payload_object(self.payload)
            .ok_or(Error::Malformed("payload is not base64url-encoded JSON"))
    }

    /// Verify the signature with `key` only (the payload was decoded by the caller,
    /// e.g. with [`unverified_payload`], and must not be trusted before this succeeds).
    pub fn verify_signature(&self, key: &VerifyingKey) -> Result<()> {
        let signature = base64url::decode(self.signature)
            .ok_or(Error::Malformed("signature is not base64url"))?;
        key.verify(self.algorithm, self.signing_input.as_bytes(), &signature)
    }
}

/// The payload of a three-segment `token`, decoded and strictly parsed but NOT
/// verified: `None` when it is not three segments or the payload is not a
/// base64url JSON object. For routing a token to its verifier (by `iss`) with the
/// same parse that verifier then uses once the signature verified.
pub fn unverified_payload(token: &str) -> Option<Map<String, Value>> {
    let (_header, payload, _signature) = segments(token)?;
    payload_object(payload)
}

/// The header, payload and signature segments of a compact JWS: `None` unless `token`
/// is exactly three dot-separated segments.
pub fn segments(token: &str) -> Option<(&str, &str, &str)> {
    let mut parts = token.split('.');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(header), Some(payload), Some(signature), None) => Some((header, payload, signature)),
        _ => None,
    }
}

fn payload_object(payload: &str) -> Option<Map<String, Value>> {
    base64url::decode(payload).and_then(|bytes| json::parse_object(&bytes))
}
