//! Finding the bearer token of a request: `Authorization: Bearer <token>`, or the
//! configured cookie when there is no `Authorization` header. The rules (and error
//! codes) are the engine's ([`netrun_auth::credentials`]), shared with the Python
//! middleware.

use std::borrow::Cow;

use http::HeaderMap;
use netrun_auth::credentials::request_token;

use crate::error::AuthError;

/// The request's token, `None` when it carries none (borrowed from the
/// `Authorization` header, copied from a cookie).
///
/// Errors (401): several `Authorization` headers, a scheme other than `Bearer`, an
/// empty or non-b64token token, a header or cookie over the size cap.
pub fn extract_token<'h>(
    headers: &'h HeaderMap,
    cookie_name: Option<&str>,
    max_bytes: usize,
) -> Result<Option<Cow<'h, str>>, AuthError> {
    let pairs = headers
        .iter()
        .map(|(name, value)| (name.as_str().as_bytes(), value.as_bytes()));
    request_token(pairs, cookie_name, max_bytes).map_err(AuthError::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(pairs: &[(&'static str, &[u8])]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_bytes(value).unwrap());
        }
        map
    }

    #[test]
    fn the_engine_rules_through_a_header_map() {
        let ok = headers(&[("cookie", b"session=abc"), ("authorization", b"Bearer hdr")]);
        let token = extract_token(&ok, Some("session"), 100).unwrap();
        assert_eq!(token.as_deref(), Some("hdr"));
        let cookie = headers(&[("cookie", b"x=1; session=abc.def")]);
        let token = extract_token(&cookie, Some("session"), 100).unwrap();
        assert_eq!(token.as_deref(), Some("abc.def"));
        let twice = headers(&[
            ("authorization", b"Bearer a"),
            ("authorization", b"Bearer b"),
        ]);
        let error = extract_token(&twice, None, 100).unwrap_err();
        assert_eq!(error.code(), "token_malformed");
        assert_eq!(error.status(), http::StatusCode::UNAUTHORIZED);
    }
}
