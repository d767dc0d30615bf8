//! `request_token`: the token of an ASGI request (the engine's `credentials` rules).

use netrun_auth::credentials;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PySequence};

use crate::errors::to_py_err;
use crate::text::Text;

/// The bearer token of a request, from its ASGI `headers` (an iterable of
/// `(name, value)` byte pairs), or `None` when it carries none. A pair that is not
/// two `bytes` is skipped: it cannot name the `Authorization` or `Cookie` header.
///
/// Raises `TokenInvalidError` (`token_malformed` or `token_too_large`) for a header
/// or cookie that cannot carry a token.
#[pyfunction]
#[pyo3(signature = (headers, cookie_name, max_bytes))]
pub fn request_token(
    headers: &Bound<'_, PyAny>,
    cookie_name: Option<Text>,
    max_bytes: usize,
) -> PyResult<Option<String>> {
    let mut pairs: Vec<(Bound<'_, PyBytes>, Bound<'_, PyBytes>)> = Vec::with_capacity(8);
    for pair in headers.try_iter()? {
        let pair = pair?;
        let Ok(pair) = pair.cast::<PySequence>() else {
            continue;
        };
        if pair.len().ok() != Some(2) {
            continue;
        }
        let (Ok(name), Ok(value)) = (pair.get_item(0), pair.get_item(1)) else {
            continue;
        };
        if let (Ok(name), Ok(value)) = (name.cast_into::<PyBytes>(), value.cast_into::<PyBytes>()) {
            pairs.push((name, value));
        }
    }
    let cookie_name = cookie_name.as_ref().map(|name| name.0.as_str());
    let headers = pairs.iter().map(|(n, v)| (n.as_bytes(), v.as_bytes()));
    credentials::request_token(headers, cookie_name, max_bytes)
        .map(|token| token.map(|t| t.into_owned()))
        .map_err(to_py_err)
}
