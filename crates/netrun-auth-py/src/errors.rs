//! The one boundary conversion: engine errors become the exceptions that
//! `netrun_auth.exceptions` defines (Python owns the classes; Rust never defines
//! its own), and the engine's names of settings and keys become the names of
//! `AuthConfig` settings.

use netrun_auth::{Error, ErrorKind, KeySlot};
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
        ErrorKind::InvalidInput => "InvalidInputError",
        ErrorKind::PasswordHash => "PasswordHashError",
        ErrorKind::Crypto => "NetrunAuthError",
        _ => "TokenInvalidError",
    }
}

/// The Python name of an engine argument, where they differ.
fn argument_name(argument: &'static str) -> &'static str {
    match argument {
        "extra" => "extra_claims",
        other => other,
    }
}

/// The settings the keys of one `TokenEngine` came from (Python passes them with the bytes).
#[derive(Debug, Clone)]
pub struct KeyLabels {
    pub private_key: String,
    pub public_key: String,
    pub secret: String,
    pub verification_keys: Vec<String>,
}

impl Default for KeyLabels {
    fn default() -> Self {
        KeyLabels {
            private_key: "jwt_private_key_path".into(),
            public_key: "jwt_public_key_path".into(),
            secret: "jwt_secret".into(),
            verification_keys: Vec::new(),
        }
    }
}

impl KeyLabels {
    fn name(&self, slot: KeySlot) -> &str {
        match slot {
            KeySlot::PrivateKey => &self.private_key,
            KeySlot::PublicKey => &self.public_key,
            KeySlot::Secret => &self.secret,
            KeySlot::VerificationKey(i) => self
                .verification_keys
                .get(i)
                .map_or("jwt_verification_key_paths", String::as_str),
            _ => "key",
        }
    }
}

/// The message of an error, in the settings' Python names.
fn message(error: &Error, keys: &KeyLabels) -> String {
    match error {
        Error::Setting { setting, reason } => format!("{}: {reason}", setting.config_name()),
        Error::Key { slot, reason } => {
            format!("{}: {reason}", slot.map_or("key", |s| keys.name(s)))
        }
        Error::InvalidInput { argument, reason } => {
            format!("{}: {reason}", argument_name(argument))
        }
        other => other.to_string(),
    }
}

/// The Python exception for an engine error: `cls(message, code=error.code())`.
pub fn to_py_err(error: Error) -> PyErr {
    to_py_err_with(error, &KeyLabels::default())
}

/// Like [`to_py_err`], naming keys by the settings they came from.
pub fn to_py_err_with(error: Error, keys: &KeyLabels) -> PyErr {
    Python::attach(|py| {
        let build = || -> PyResult<PyErr> {
            let module = EXCEPTIONS.get_or_try_init(py, || {
                PyModule::import(py, "netrun_auth.exceptions").map(Bound::unbind)
            })?;
            let class = module.bind(py).getattr(class_name(error.kind()))?;
            let kwargs = PyDict::new(py);
            kwargs.set_item("code", error.code())?;
            Ok(PyErr::from_value(
                class.call((message(&error, keys),), Some(&kwargs))?,
            ))
        };
        // Only reachable if the package itself is broken; still never a panic.
        build().unwrap_or_else(|e| {
            PyRuntimeError::new_err(format!("netrun_auth.exceptions unavailable: {e}"))
        })
    })
}
