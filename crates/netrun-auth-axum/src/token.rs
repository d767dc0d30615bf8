//! Finding the bearer token of a request: `Authorization: Bearer <token>`, or the
//! configured cookie when there is no `Authorization` header. The rules (and error
//! codes) are the Python middleware's `extract_token`.

use std::borrow::Cow;

use cookie::Cookie;
use http::header::{AUTHORIZATION, COOKIE};
use http::HeaderMap;

use crate::error::AuthError;

/// Whether `b` is an RFC 6750 b64token character (or `=` padding): what a JWT is made
/// of. Branch-free, so that [`all_token_chars`] compiles to vector code.
fn is_token_char(b: u8) -> bool {
    let letter = (b | 0x20).wrapping_sub(b'a') < 26;
    let digit = b.wrapping_sub(b'0') < 10;
    let other = (b == b'-') | (b == b'.') | (b == b'_') | (b == b'~');
    letter | digit | other | (b == b'+') | (b == b'/') | (b == b'=')
}

/// Whether every byte of `bytes` is a token character (this runs over every byte of
/// every token: 32 bytes at a time, without a branch inside a block).
fn all_token_chars(bytes: &[u8]) -> bool {
    let mut blocks = bytes.chunks_exact(32);
    let whole = blocks
        .by_ref()
        .all(|block| block.iter().fold(true, |ok, &b| ok & is_token_char(b)));
    whole && blocks.remainder().iter().all(|&b| is_token_char(b))
}

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
    let mut authorization = headers.get_all(AUTHORIZATION).iter();
    if let Some(value) = authorization.next() {
        if authorization.next().is_some() {
            return Err(AuthError::malformed("Several Authorization headers"));
        }
        return parse_authorization(value.as_bytes(), max_bytes).map(|t| Some(Cow::Borrowed(t)));
    }
    match cookie_name {
        Some(name) => Ok(cookie_token(headers, name, max_bytes)?.map(Cow::Owned)),
        None => Ok(None),
    }
}

fn parse_authorization(raw: &[u8], max_bytes: usize) -> Result<&str, AuthError> {
    if raw.len() > max_bytes + 16 {
        return Err(AuthError::too_large("Authorization header is too large"));
    }
    let raw = raw.trim_ascii();
    let (scheme, token) = match raw.iter().position(|&b| b == b' ') {
        Some(i) => (&raw[..i], &raw[i + 1..]),
        None => (raw, &b""[..]),
    };
    if !scheme.eq_ignore_ascii_case(b"bearer") {
        return Err(AuthError::malformed("Authorization scheme must be Bearer"));
    }
    let token = trim_spaces(token);
    if token.is_empty() {
        return Err(AuthError::malformed("Bearer token is missing"));
    }
    if !all_token_chars(token) {
        return Err(AuthError::malformed("Bearer token is malformed"));
    }
    // Only ASCII token characters are left: valid UTF-8.
    std::str::from_utf8(token).map_err(|_| AuthError::malformed("Bearer token is malformed"))
}

fn trim_spaces(mut bytes: &[u8]) -> &[u8] {
    while let [b' ', rest @ ..] = bytes {
        bytes = rest;
    }
    while let [rest @ .., b' '] = bytes {
        bytes = rest;
    }
    bytes
}

fn cookie_token(
    headers: &HeaderMap,
    name: &str,
    max_bytes: usize,
) -> Result<Option<String>, AuthError> {
    let values: Vec<&[u8]> = headers
        .get_all(COOKIE)
        .iter()
        .map(|v| v.as_bytes())
        .collect();
    if values.is_empty() {
        return Ok(None);
    }
    let total: usize = values.iter().map(|v| v.len() + 2).sum();
    if total > 4 * max_bytes {
        return Err(AuthError::too_large("Cookie header is too large"));
    }
    let mut found = None;
    for value in values {
        // Non-ASCII bytes cannot be part of a token; they make the header unusable.
        let text = std::str::from_utf8(value)
            .map_err(|_| AuthError::malformed("Cookie header is malformed"))?;
        for cookie in Cookie::split_parse(text).flatten() {
            if cookie.name() == name {
                found = Some(cookie.value().to_owned()); // the last one wins, as in Starlette
            }
        }
    }
    let Some(token) = found else {
        return Ok(None);
    };
    if token.len() > max_bytes {
        return Err(AuthError::too_large("Authentication cookie is too large"));
    }
    if token.is_empty() || !all_token_chars(token.as_bytes()) {
        return Err(AuthError::malformed("Authentication cookie is malformed"));
    }
    Ok(Some(token))
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

    fn code(result: Result<Option<Cow<'_, str>>, AuthError>) -> String {
        result.unwrap_err().code().to_owned()
    }

    #[test]
    fn token_chars_are_rfc_6750_b64token() {
        for b in 0..=255u8 {
            let expected = b.is_ascii_alphanumeric()
                || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/' | b'=');
            assert_eq!(is_token_char(b), expected, "{b}");
            // Every position of a block and of the remainder is checked.
            for at in [0, 31, 32, 63, 70] {
                let mut token = [b'a'; 71];
                token[at] = b;
                assert_eq!(all_token_chars(&token), expected, "{b} at {at}");
            }
        }
    }

    #[test]
    fn bearer_header_rules() {
        let bearer = headers(&[("authorization", b"bearer  abc.def-_")]);
        let ok = extract_token(&bearer, None, 100);
        assert_eq!(ok.unwrap().as_deref(), Some("abc.def-_"));
        assert_eq!(extract_token(&headers(&[]), None, 100).unwrap(), None);
        for bad in [
            &b"Basic abc"[..],
            b"Bearer",
            b"Bearer ",
            b"Bearer a\"b",
            b"Bearer a\xffb",
            b"Bearerabc",
        ] {
            assert_eq!(
                code(extract_token(
                    &headers(&[("authorization", bad)]),
                    None,
                    100
                )),
                "token_malformed",
                "{bad:?}"
            );
        }
        let twice = headers(&[
            ("authorization", b"Bearer a"),
            ("authorization", b"Bearer b"),
        ]);
        assert_eq!(code(extract_token(&twice, None, 100)), "token_malformed");
        let big = format!("Bearer {}", "a".repeat(200));
        assert_eq!(
            code(extract_token(
                &headers(&[("authorization", big.as_bytes())]),
                None,
                100
            )),
            "token_too_large"
        );
    }

    #[test]
    fn cookie_only_without_header_and_when_named() {
        let h = headers(&[("cookie", b"x=1; session=abc.def")]);
        assert_eq!(extract_token(&h, None, 100).unwrap(), None);
        assert_eq!(
            extract_token(&h, Some("session"), 100).unwrap().as_deref(),
            Some("abc.def")
        );
        assert_eq!(extract_token(&h, Some("other"), 100).unwrap(), None);
        let bad = headers(&[("cookie", b"session=a b")]);
        assert_eq!(
            code(extract_token(&bad, Some("session"), 100)),
            "token_malformed"
        );
        let both = headers(&[("cookie", b"session=abc"), ("authorization", b"Bearer hdr")]);
        assert_eq!(
            extract_token(&both, Some("session"), 100)
                .unwrap()
                .as_deref(),
            Some("hdr")
        );
    }
}
