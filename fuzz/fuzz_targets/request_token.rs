//! The request token (`credentials::request_token`): any header list, from any bytes,
//! gives a token, none, or a 401 credential error, never a panic; a token it gives is
//! within the cap and made of b64token characters only.
//!
//! The input is split into header lines at `\n`, each into a name and a value at the
//! first `:`, so the fuzzer writes `authorization` and `cookie` headers directly.
#![no_main]

use libfuzzer_sys::fuzz_target;
use netrun_auth::credentials::request_token;
use netrun_auth::ErrorKind;

const MAX: usize = 256;

fn token_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~+/=".contains(&b)
}

fuzz_target!(|data: &[u8]| {
    let headers: Vec<(&[u8], &[u8])> = data
        .split(|&b| b == b'\n')
        .map(|line| match line.iter().position(|&b| b == b':') {
            Some(i) => (&line[..i], &line[i + 1..]),
            None => (line, &b""[..]),
        })
        .collect();
    for cookie in [None, Some("access_token")] {
        match request_token(headers.iter().copied(), cookie, MAX) {
            Ok(Some(token)) => {
                assert!(!token.is_empty() && token.len() <= MAX);
                assert!(token.bytes().all(token_char), "{token:?}");
            }
            Ok(None) => {}
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::TokenInvalid);
                assert!(matches!(e.code(), "token_malformed" | "token_too_large"));
            }
        }
    }
});
