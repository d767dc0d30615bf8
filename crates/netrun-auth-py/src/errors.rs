//! The one boundary conversion: engine errors become the exceptions that
//! `netrun_auth.exceptions` defines (Python owns the classes; Rust never defines its own).

use netrun_auth::{Error, ErrorKind};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyModule};

static EXCEPTIONS: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

/// The `netrun_auth.exceptions` class of an error kind.
fn class_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::TokenExpired => "TokenExpiredError",
        ErrorKind::TokenRevoked => "TokenRevokedError",
        ErrorKind::TokenReuse => "TokenReuseError",
        ErrorKind::Forbidden => "AuthorizationError",
        ErrorKind::Configuration => "ConfigurationError",
        ErrorKind::PasswordHash => "PasswordHashError",
        _ => "TokenInvalidError",
    }
}

/// The Python exception for an engine error: `cls(str(error), code=error.code())`.
pub fn to_py_err(error: Error) -> PyErr {
    Python::attach(|py| {
        let build = || -> PyResult<PyErr> {
            let module = EXCEPTIONS.get_or_try_init(py, || {
                PyModule::import(py, "netrun_auth.exceptions").map(Bound::unbind)
            })?;
            let class = module.bind(py).getattr(class_name(error.kind()))?;
            let kwargs = PyDict::new(py);
            kwargs.set_item("code", error.code())?;
            Ok(PyErr::from_value(
                class.call((error.to_string(),), Some(&kwargs))?,
            ))
        };
        // Only reachable if the package itself is broken; still never a panic.
        build().unwrap_or_else(|e| {
            PyRuntimeError::new_err(format!("netrun_auth.exceptions unavailable: {e}"))
        })
    })
}
