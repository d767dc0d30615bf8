//! Where a request carries its token: the `Authorization: Bearer <token>` header
//! (RFC 6750 section 2.1), or a named cookie when there is no `Authorization` header.
//!
//! This only finds the token and refuses a header or cookie that cannot carry one
//! (401 `token_malformed`, or `token_too_large` over the size cap); whether the token
//! is any good is decided by [`crate::token`]. Both fronts (the Python middleware and
//! the axum layer) call [`request_token`], so a request gets the same answer from
//! either.

use std::borrow::Cow;

use cookie::Cookie;

use crate::error::{Error, Result};

/// The header names [`request_token`] reads (in lower case); it ignores every other.
pub const AUTHORIZATION: &[u8] = b"authorization";
/// See [`AUTHORIZATION`].
pub const COOKIE: &[u8] = b"cookie";

/// Whether [`request_token`] reads a header of this (lower-case) name: a caller may
/// pass only those.
pub fn reads_header(name: &[u8]) -> bool {
    name == AUTHORIZATION || name == COOKIE
}

/// Bytes an `Authorization` header may hold beyond the token cap (`Bearer ` and spaces).
const HEADER_SLACK: usize = 16;

/// The request's token, `None` when it carries none.
///
/// `headers` are the request's (name, value) pairs, names in lower case (as ASGI and
/// the `http` crate give them). The `Authorization` header wins; the cookie
/// `cookie_name` (when given) is read only without one. The token is borrowed from
/// the header, copied from a cookie.
///
/// # Errors
///
/// [`Error::BadCredentials`] for several `Authorization` headers, a scheme other than
/// `Bearer`, or an empty token or one with a character outside RFC 6750's b64token
/// (in the header or the cookie); [`Error::CredentialsTooLarge`] for a header or
/// cookie over the cap, [`Error::TokenTooLarge`] for a header's token over `max_bytes`.
pub fn request_token<'h, I>(
    headers: I,
    cookie_name: Option<&str>,
    max_bytes: usize,
) -> Result<Option<Cow<'h, str>>>
where
    I: IntoIterator<Item = (&'h [u8], &'h [u8])>,
{
    let mut authorization = None;
    let mut cookies: Vec<&[u8]> = Vec::new();
    for (name, value) in headers {
        if name == AUTHORIZATION {
            if authorization.is_some() {
                return Err(Error::BadCredentials("Several Authorization headers"));
            }
            authorization = Some(value);
        } else if cookie_name.is_some() && name == COOKIE {
            cookies.push(value);
        }
    }
    if let Some(value) = authorization {
        return bearer_token(value, max_bytes).map(|token| Some(Cow::Borrowed(token)));
    }
    match cookie_name {
        Some(name) if !cookies.is_empty() => {
            Ok(cookie_token(&cookies, name, max_bytes)?.map(Cow::Owned))
        }
        _ => Ok(None),
    }
}

/// The token of an `Authorization` header value: `Bearer <token>` (the scheme in any
/// case, spaces around the token ignored).
///
/// # Errors
///
/// As [`request_token`].
pub fn bearer_token(raw: &[u8], max_bytes: usize) -> Result<&str> {
    if raw.len() > max_bytes.saturating_add(HEADER_SLACK) {
        return Err(Error::CredentialsTooLarge(
            "Authorization header is too large",
        ));
    }
    let raw = raw.trim_ascii();
    let (scheme, token) = match raw.iter().position(|&b| b == b' ') {
        Some(i) => (&raw[..i], &raw[i + 1..]),
        None => (raw, &b""[..]),
    };
    if !scheme.eq_ignore_ascii_case(b"bearer") {
        return Err(Error::BadCredentials("Authorization scheme must be Bearer"));
    }
    let token = trim_spaces(token);
    if token.is_empty() {
        return Err(Error::BadCredentials("Bearer token is missing"));
    }
    if token.len() > max_bytes {
        // The engine's own refusal of such a token: the same answer wherever it is noticed.
        return Err(Error::TokenTooLarge { max: max_bytes });
    }
    if !all_token_chars(token) {
        return Err(Error::BadCredentials("Bearer token is malformed"));
    }
    // Only ASCII token characters are left: valid UTF-8.
    std::str::from_utf8(token).map_err(|_| Error::BadCredentials("Bearer token is malformed"))
}

/// The token in cookie `name` of the request's `Cookie` header values (`None` when
/// the cookie is absent; of several, the last one wins). A value in double quotes
/// (RFC 6265) is taken without them.
///
/// # Errors
///
/// As [`request_token`].
pub fn cookie_token(values: &[&[u8]], name: &str, max_bytes: usize) -> Result<Option<String>> {
    let total: usize = values.iter().map(|v| v.len() + 2).sum();
    if total > max_bytes.saturating_mul(4) {
        return Err(Error::CredentialsTooLarge("Cookie header is too large"));
    }
    let mut found = None;
    for value in values {
        // Bytes that are not UTF-8 cannot be part of a token: the cookie holding them is
        // refused below (they become U+FFFD), the others are read as usual.
        let text = String::from_utf8_lossy(value);
        for cookie in Cookie::split_parse(text.as_ref()).flatten() {
            if cookie.name() == name {
                found = Some(cookie.value_trimmed().to_owned());
            }
        }
    }
    let Some(token) = found else {
        return Ok(None);
    };
    if token.len() > max_bytes {
        return Err(Error::CredentialsTooLarge(
            "Authentication cookie is too large",
        ));
    }
    if token.is_empty() || !all_token_chars(token.as_bytes()) {
        return Err(Error::BadCredentials("Authentication cookie is malformed"));
    }
    Ok(Some(token))
}

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

fn trim_spaces(mut bytes: &[u8]) -> &[u8] {
    while let [b' ', rest @ ..] = bytes {
        bytes = rest;
    }
    while let [rest @ .., b' '] = bytes {
        bytes = rest;
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token<'h>(
        pairs: &'h [(&'static str, &'h [u8])],
        cookie: Option<&str>,
        max: usize,
    ) -> Result<Option<Cow<'h, str>>> {
        request_token(pairs.iter().map(|(n, v)| (n.as_bytes(), *v)), cookie, max)
    }

    fn code(result: Result<Option<Cow<'_, str>>>) -> &'static str {
        result.unwrap_err().code()
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
        let ok = token(&[("authorization", b"bearer  abc.def-_ ")], None, 100);
        assert_eq!(ok.unwrap().as_deref(), Some("abc.def-_"));
        assert_eq!(token(&[("accept", b"*/*")], None, 100).unwrap(), None);
        for bad in [
            &b"Basic abc"[..],
            b"Bearer",
            b"Bearer ",
            b"Bearer a\"b",
            b"Bearer a\xffb",
            b"Bearerabc",
            b"",
        ] {
            let pairs = [("authorization", bad)];
            assert_eq!(code(token(&pairs, None, 100)), "token_malformed", "{bad:?}");
        }
        let twice = [
            ("authorization", &b"Bearer a"[..]),
            ("authorization", b"Bearer b"),
        ];
        assert_eq!(code(token(&twice, None, 100)), "token_malformed");
        let big = format!("Bearer {}", "a".repeat(200));
        let pairs = [("authorization", big.as_bytes())];
        assert_eq!(code(token(&pairs, None, 100)), "token_too_large");
        let error = token(&pairs, None, 100).unwrap_err();
        assert_eq!(error.to_string(), "Authorization header is too large");
        // Within the header's slack for `Bearer ` and spaces, still over the token cap.
        let over = format!("Bearer {}", "a".repeat(101));
        let pairs = [("authorization", over.as_bytes())];
        assert_eq!(code(token(&pairs, None, 100)), "token_too_large");
        let at_cap = format!("Bearer {}", "a".repeat(100));
        let pairs = [("authorization", at_cap.as_bytes())];
        assert_eq!(
            token(&pairs, None, 100).unwrap().map(|t| t.len()),
            Some(100)
        );
    }

    #[test]
    fn cookie_only_without_header_and_when_named() {
        let h = [("cookie", &b"x=1; session=abc.def"[..])];
        assert_eq!(token(&h, None, 100).unwrap(), None);
        assert_eq!(
            token(&h, Some("session"), 100).unwrap().as_deref(),
            Some("abc.def")
        );
        assert_eq!(token(&h, Some("other"), 100).unwrap(), None);
        let quoted = [("cookie", &b"session=\"abc\""[..])];
        assert_eq!(
            token(&quoted, Some("session"), 100).unwrap().as_deref(),
            Some("abc")
        );
        let last = [("cookie", &b"session=a"[..]), ("cookie", b"session=b")];
        assert_eq!(
            token(&last, Some("session"), 100).unwrap().as_deref(),
            Some("b")
        );
        for bad in [&b"session=a b"[..], b"session=", b"session=\xff"] {
            let pairs = [("cookie", bad)];
            assert_eq!(code(token(&pairs, Some("session"), 100)), "token_malformed");
        }
        let big = format!("session={}", "a".repeat(101));
        let pairs = [("cookie", big.as_bytes())];
        assert_eq!(code(token(&pairs, Some("session"), 100)), "token_too_large");
        let both = [
            ("cookie", &b"session=abc"[..]),
            ("authorization", b"Bearer hdr"),
        ];
        assert_eq!(
            token(&both, Some("session"), 100).unwrap().as_deref(),
            Some("hdr")
        );
    }
}
