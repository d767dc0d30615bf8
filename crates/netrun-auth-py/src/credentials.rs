//! `request_token`: the token of an ASGI request (the engine's `credentials` rules).

use std::borrow::Cow;

use netrun_auth::credentials;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PySequence, PyString, PyTuple};

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
pub fn request_token<'py>(
    py: Python<'py>,
    headers: &Bound<'py, PyAny>,
    cookie_name: Option<Text>,
    max_bytes: usize,
) -> PyResult<Option<Bound<'py, PyString>>> {
    let pairs = header_pairs(headers)?;
    let cookie_name = cookie_name.as_ref().map(|name| name.0.as_str());
    let token = token_of(&pairs, cookie_name, max_bytes)?;
    Ok(token.map(|token| PyString::new(py, &token)))
}

/// The `(name, value)` byte pairs of ASGI `headers` (see [`request_token`]).
pub(crate) type HeaderPairs<'py> = Vec<(Bound<'py, PyBytes>, Bound<'py, PyBytes>)>;

/// The byte pairs of ASGI `headers`: a list of tuples is read directly (what ASGI
/// servers give), anything else item by item.
pub(crate) fn header_pairs<'py>(headers: &Bound<'py, PyAny>) -> PyResult<HeaderPairs<'py>> {
    let mut pairs = Vec::with_capacity(8);
    if let Ok(list) = headers.cast::<PyList>() {
        for pair in list.iter() {
            push_pair(&mut pairs, &pair);
        }
    } else if headers.is_instance_of::<PyString>() || headers.is_instance_of::<PyBytes>() {
        // A token given where the headers go would read as no header at all.
        return Err(PyTypeError::new_err(
            "headers: expected the ASGI (name, value) pairs, not a str or bytes",
        ));
    } else {
        for pair in headers.try_iter()? {
            push_pair(&mut pairs, &pair?);
        }
    }
    Ok(pairs)
}

/// The engine's `request_token` of `pairs`, its errors as Python exceptions.
pub(crate) fn token_of<'a>(
    pairs: &'a HeaderPairs<'_>,
    cookie_name: Option<&str>,
    max_bytes: usize,
) -> PyResult<Option<Cow<'a, str>>> {
    let headers = pairs.iter().map(|(n, v)| (n.as_bytes(), v.as_bytes()));
    credentials::request_token(headers, cookie_name, max_bytes).map_err(to_py_err)
}

/// Keep `pair` if it is two `bytes` (a tuple, or any sequence).
fn push_pair<'py>(pairs: &mut HeaderPairs<'py>, pair: &Bound<'py, PyAny>) {
    let (name, value) = match pair.cast::<PyTuple>() {
        Ok(tuple) if tuple.len() == 2 => (tuple.get_item(0), tuple.get_item(1)),
        Ok(_) => return,
        Err(_) => match pair.cast::<PySequence>() {
            Ok(seq) if seq.len().ok() == Some(2) => (seq.get_item(0), seq.get_item(1)),
            _ => return,
        },
    };
    let Ok(Ok(name)) = name.map(Bound::cast_into::<PyBytes>) else {
        return;
    };
    // Only the headers the engine reads are kept.
    if !credentials::reads_header(name.as_bytes()) {
        return;
    }
    if let Ok(Ok(value)) = value.map(Bound::cast_into::<PyBytes>) {
        pairs.push((name, value));
    }
}
