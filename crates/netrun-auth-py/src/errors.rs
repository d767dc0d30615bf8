//! The one conversion of engine errors into Python exceptions.
//!
//! Python owns the exception classes (`netrun_auth.exceptions`); this module
//! imports the one matching the error's kind and raises `cls(message, code=...)`.

use netrun_auth::error::{Error, ErrorKind};
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// The `netrun_auth.exceptions` class of an error kind.
fn class_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Configuration => "ConfigurationError",
        ErrorKind::PasswordHash => "PasswordHashError",
        ErrorKind::Forbidden => "AuthorizationError",
        ErrorKind::TokenInvalid => "TokenInvalidError",
        ErrorKind::TokenExpired => "TokenExpiredError",
        ErrorKind::TokenRevoked => "TokenRevokedError",
        ErrorKind::TokenReuse => "TokenReuseError",
        _ => "NetrunAuthError",
    }
}

/// The Python exception for an engine error: `cls(str(e), code=e.code())`.
pub fn to_py_err(e: Error) -> PyErr {
    Python::attach(|py| {
        let build = || -> PyResult<PyErr> {
            let cls = py
                .import("netrun_auth.exceptions")?
                .getattr(class_name(e.kind()))?;
            let kwargs = PyDict::new(py);
            kwargs.set_item("code", e.code())?;
            let exc = cls.call((e.to_string(),), Some(&kwargs))?;
            Ok(PyErr::from_value(exc))
        };
        build().unwrap_or_else(|import_failed| import_failed)
    })
}
