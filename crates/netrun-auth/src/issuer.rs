//! Reading a token's issuer before verifying it, only to choose who verifies it.
//!
//! An API that accepts tokens from several issuers (its own, an OpenID Connect
//! provider such as Entra ID) must pick the verifier, with that issuer's keys and
//! rules, before any signature is checked. [`peek_issuer`] reads the `iss` claim of
//! the unverified payload for that choice and nothing else: the token is then fully
//! verified by the chosen verifier, which checks `iss` again against its own rules.
//! Never trust anything else read here.

use serde::Deserialize;

use crate::base64url;

/// The only claim read before verification.
#[derive(Deserialize)]
struct Unverified {
    // serde's derived visitor refuses a duplicate `iss`, so two parsers can never
    // disagree on which one a token names; other claims are skipped, not parsed.
    iss: Option<serde_json::Value>,
}

/// The `iss` of `token`'s payload, unverified, or `None` when the token is larger
/// than `max_bytes`, is not three dot-separated segments, its payload is not a
/// base64url JSON object, or `iss` is absent or not a string.
///
/// Use it only to choose which verifier gets the token.
pub fn peek_issuer(token: &str, max_bytes: usize) -> Option<String> {
    if token.len() > max_bytes {
        return None;
    }
    let (_header, payload, _signature) = crate::jws::segments(token)?;
    let bytes = base64url::decode(payload)?;
    // A derived struct also deserializes from a JSON array: only an object is a payload.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return None;
    }
    match serde_json::from_slice::<Unverified>(&bytes).ok()?.iss? {
        serde_json::Value::String(issuer) => Some(issuer),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(payload: &str) -> String {
        format!(
            "{}.{}.sig",
            base64url::encode(r#"{"alg":"none"}"#),
            base64url::encode(payload)
        )
    }

    #[test]
    fn reads_a_string_iss() {
        let t = token(r#"{"sub":"u","iss":"https://idp.example/","aud":"a"}"#);
        assert_eq!(
            peek_issuer(&t, 8192).as_deref(),
            Some("https://idp.example/")
        );
    }

    #[test]
    fn none_for_anything_else() {
        assert_eq!(peek_issuer(&token(r#"{"sub":"u"}"#), 8192), None);
        assert_eq!(peek_issuer(&token(r#"{"iss":42}"#), 8192), None);
        assert_eq!(peek_issuer(&token(r#"{"iss":null}"#), 8192), None);
        assert_eq!(peek_issuer(&token(r#"["iss"]"#), 8192), None);
        assert_eq!(peek_issuer(&token("not json"), 8192), None);
        assert_eq!(peek_issuer("a.b", 8192), None);
        assert_eq!(peek_issuer("a.b.c.d", 8192), None);
        assert_eq!(peek_issuer("", 8192), None);
        assert_eq!(peek_issuer("a.%%%.c", 8192), None);
    }

    #[test]
    fn refuses_a_duplicate_iss() {
        let t = token(r#"{"iss":"ours","iss":"theirs"}"#);
        assert_eq!(peek_issuer(&t, 8192), None);
    }

    #[test]
    fn refuses_a_token_over_the_cap() {
        let t = token(&format!(r#"{{"iss":"ours","pad":"{}"}}"#, "x".repeat(600)));
        assert_eq!(peek_issuer(&t, 512), None);
        assert_eq!(peek_issuer(&t, 8192).as_deref(), Some("ours"));
    }
}
