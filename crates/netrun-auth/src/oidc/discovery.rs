//! The OpenID Connect discovery document (OpenID Connect Discovery 1.0 §3-4).
//!
//! The issuer and the JWKS location come from here, never from a token. The
//! document's `issuer` must equal the expected one when it is known (it is not
//! for Entra's `common` and `organizations` authorities, whose issuer is a
//! `{tenantid}` template), and every URL must be `https` unless the caller allows
//! plain `http` for a loopback test issuer.

use serde_json::Value;

use super::document_error;
use crate::error::Result;
use crate::json;

/// Largest discovery document accepted, in bytes.
pub const MAX_DISCOVERY_BYTES: usize = 64 * 1024;

/// What a verifier needs from a discovery document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovery {
    /// `issuer`: the exact `iss` of its tokens, or a `{tenantid}` template.
    pub issuer: String,
    /// `jwks_uri`: where the signing keys are published.
    pub jwks_uri: String,
    /// `authorization_endpoint` (for an OAuth2 login in Swagger UI), when given.
    pub authorization_endpoint: Option<String>,
    /// `token_endpoint`, when given.
    pub token_endpoint: Option<String>,
}

impl Discovery {
    /// Parse a discovery document. `expected_issuer`, when given, must equal its
    /// `issuer`. `allow_http` admits `http://` URLs (tests on loopback only).
    pub fn parse(body: &[u8], expected_issuer: Option<&str>, allow_http: bool) -> Result<Self> {
        let refused = |reason: String| document_error("discovery", reason);
        if body.len() > MAX_DISCOVERY_BYTES {
            return Err(refused("the discovery document is too large".into()));
        }
        let doc = json::parse_object(body)
            .ok_or_else(|| refused("the discovery document is not a JSON object".into()))?;
        let url = |name: &'static str, required: bool| -> Result<Option<String>> {
            match doc.get(name) {
                None | Some(Value::Null) if !required => Ok(None),
                Some(Value::String(url)) if is_allowed_url(url, allow_http) => {
                    Ok(Some(url.clone()))
                }
                Some(Value::String(_)) => Err(refused(format!(
                    "'{name}' must be an https URL{}",
                    if allow_http { " (or http)" } else { "" }
                ))),
                _ => Err(refused(format!("'{name}' is missing or not a string"))),
            }
        };
        let issuer = url("issuer", true)?.expect("required");
        if let Some(expected) = expected_issuer {
            if issuer != expected {
                return Err(refused(
                    "the document's 'issuer' is not the configured issuer".into(),
                ));
            }
        }
        Ok(Discovery {
            issuer,
            jwks_uri: url("jwks_uri", true)?.expect("required"),
            authorization_endpoint: url("authorization_endpoint", false)?,
            token_endpoint: url("token_endpoint", false)?,
        })
    }
}

/// Whether `url` is an absolute `https` URL (or `http` when allowed) with a host.
pub fn is_allowed_url(url: &str, allow_http: bool) -> bool {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://").filter(|_| allow_http));
    rest.is_some_and(|rest| {
        !rest.is_empty()
            && !rest.starts_with('/')
            && !url.chars().any(|c| c.is_whitespace() || c.is_control())
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const ISS: &str = "https://login.microsoftonline.com/{tenantid}/v2.0";

    fn doc(issuer: &str, jwks: &str) -> Vec<u8> {
        json!({
            "issuer": issuer,
            "jwks_uri": jwks,
            "authorization_endpoint": "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
            "token_endpoint": "https://login.microsoftonline.com/common/oauth2/v2.0/token",
        })
        .to_string()
        .into_bytes()
    }

    #[test]
    fn entra_common_document() {
        let keys = "https://login.microsoftonline.com/common/discovery/v2.0/keys";
        let parsed = Discovery::parse(&doc(ISS, keys), None, false).unwrap();
        assert_eq!(parsed.issuer, ISS);
        assert_eq!(parsed.jwks_uri, keys);
        assert!(parsed.authorization_endpoint.is_some());
        assert!(Discovery::parse(&doc(ISS, keys), Some(ISS), false).is_ok());
        assert!(Discovery::parse(&doc(ISS, keys), Some("https://other/"), false).is_err());
    }

    #[test]
    fn urls_must_be_https_unless_allowed() {
        let http = doc("http://127.0.0.1:1/t/v2.0", "http://127.0.0.1:1/keys");
        assert!(Discovery::parse(&http, None, false).is_err());
        assert!(Discovery::parse(&http, None, true).is_ok());
        for bad in [
            "ftp://x/keys",
            "https://",
            "https:///keys",
            "/keys",
            "https://x/ keys",
        ] {
            assert!(
                Discovery::parse(&doc(ISS, bad), None, true).is_err(),
                "{bad}"
            );
        }
        assert!(Discovery::parse(b"<html>", None, false).is_err());
        assert!(Discovery::parse(br#"{"issuer": "https://x"}"#, None, false).is_err());
        let big = vec![b' '; MAX_DISCOVERY_BYTES + 1];
        assert!(Discovery::parse(&big, None, false).is_err());
    }
}
