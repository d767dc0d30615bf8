//! The one place Python text becomes engine input.
//!
//! A Python `str` may hold lone UTF-16 surrogates (`"\ud800"` is legal in JSON),
//! which have no UTF-8 form: extracting one as a Rust string raises
//! `UnicodeEncodeError`. Every `str` argument of `_core` is therefore one of:
//!
//! * [`TextBytes`] for a token or a password: converted losslessly, its UTF-8
//!   or, with lone surrogates, the bytes of Python's `surrogatepass` encoding
//!   (never UTF-8). The engine decides: such a token is malformed, such a
//!   password never verifies, cannot be hashed and fails the policy.
//! * [`Text`] for everything else (names, ids, permissions, settings): valid
//!   text, or `InvalidInputError` (a `ValueError`) from the engine's
//!   [`Error::InvalidInput`].

use std::borrow::Cow;

use netrun_auth::Error;
use pyo3::exceptions::PyUnicodeEncodeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};
use pyo3::{intern, Borrowed};

use crate::errors::to_py_err;

/// A `str` as bytes: its UTF-8, or the `surrogatepass` bytes of one holding lone surrogates.
pub struct TextBytes<'a>(pub Cow<'a, [u8]>);

impl<'a, 'py> FromPyObject<'a, 'py> for TextBytes<'a> {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        match obj.extract::<&'a str>() {
            Ok(text) => Ok(TextBytes(Cow::Borrowed(text.as_bytes()))),
            Err(e) if e.is_instance_of::<PyUnicodeEncodeError>(obj.py()) => {
                let py = obj.py();
                let encoded = obj
                    .cast::<PyString>()?
                    .call_method1(intern!(py, "encode"), ("utf-8", "surrogatepass"))?;
                Ok(TextBytes(Cow::Owned(
                    encoded.cast::<PyBytes>()?.as_bytes().to_vec(),
                )))
            }
            Err(e) => Err(e),
        }
    }
}

/// A `str` that must be valid Unicode text.
pub struct Text(pub String);

impl FromPyObject<'_, '_> for Text {
    type Error = PyErr;

    fn extract(obj: Borrowed<'_, '_, PyAny>) -> PyResult<Self> {
        match obj.extract::<String>() {
            Ok(text) => Ok(Text(text)),
            Err(e) if e.is_instance_of::<PyUnicodeEncodeError>(obj.py()) => Err(to_py_err(
                Error::input("text", "is not valid Unicode (it holds a lone surrogate)"),
            )),
            Err(e) => Err(e),
        }
    }
}

impl Text {
    /// The string.
    pub fn into_string(self) -> String {
        self.0
    }
}

/// Several [`Text`]s as strings.
pub fn strings(texts: Vec<Text>) -> Vec<String> {
    texts.into_iter().map(Text::into_string).collect()
}

/// An optional [`Text`] as a string.
pub fn string(text: Option<Text>) -> Option<String> {
    text.map(Text::into_string)
}
