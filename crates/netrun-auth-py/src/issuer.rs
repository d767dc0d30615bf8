//! `peek_issuer`: the unverified `iss` of a token, only to choose its verifier.

use netrun_auth::issuer;
use netrun_auth::EngineConfig;
use pyo3::prelude::*;
use pyo3::types::PyString;

/// The `iss` of `token`'s payload, unverified (`None` when there is none, or the
/// token is not a string of valid Unicode, is malformed, or is larger than
/// `max_token_bytes`, default the engine's default cap). Only to choose a verifier.
#[pyfunction]
#[pyo3(signature = (token, max_token_bytes = None))]
pub fn peek_issuer(token: &Bound<'_, PyAny>, max_token_bytes: Option<usize>) -> Option<String> {
    // A lone surrogate cannot be UTF-8: no issuer, never an exception.
    let token = token.cast::<PyString>().ok()?.to_str().ok()?;
    let cap = max_token_bytes.unwrap_or_else(|| EngineConfig::new("", "").max_token_bytes);
    issuer::peek_issuer(token, cap)
}
