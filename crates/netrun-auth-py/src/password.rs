//! `PasswordHasher` and `PasswordPolicy` (`netrun_auth::password`). Hashing runs
//! with the GIL released. Passwords cross as [`TextBytes`]: the engine decides
//! what a password that is not Unicode text means.

use netrun_auth::defaults;
use netrun_auth::password::{Argon2Config, PasswordHasher as Engine, PasswordPolicy as Policy};
use pyo3::prelude::*;

use crate::errors::to_py_err;
use crate::text::{Text, TextBytes};

/// argon2id hashing; verifies argon2 and bcrypt hashes. Thread-safe.
#[pyclass(module = "netrun_auth._core", frozen)]
pub struct PasswordHasher {
    inner: Engine,
}

#[pymethods]
impl PasswordHasher {
    #[new]
    #[pyo3(signature = (
        *, memory_kib=defaults::ARGON2_MEMORY_KIB, iterations=defaults::ARGON2_ITERATIONS,
        parallelism=defaults::ARGON2_PARALLELISM,
    ))]
    fn new(memory_kib: u32, iterations: u32, parallelism: u32) -> PyResult<Self> {
        let inner = Engine::new(Argon2Config {
            memory_kib,
            iterations,
            parallelism,
        })
        .map_err(to_py_err)?;
        Ok(PasswordHasher { inner })
    }

    #[getter]
    fn memory_kib(&self) -> u32 {
        self.inner.config().memory_kib
    }

    #[getter]
    fn iterations(&self) -> u32 {
        self.inner.config().iterations
    }

    #[getter]
    fn parallelism(&self) -> u32 {
        self.inner.config().parallelism
    }

    /// A new argon2id PHC string of `password`; InvalidInputError if it is not Unicode text.
    fn hash(&self, py: Python<'_>, password: TextBytes<'_>) -> PyResult<String> {
        let password = password.0.as_ref();
        py.detach(|| self.inner.hash(password)).map_err(to_py_err)
    }

    /// True if `password` matches; False for a wrong one or one that is not
    /// Unicode text; PasswordHashError for an unusable hash.
    fn verify(&self, py: Python<'_>, password: TextBytes<'_>, hash: Text) -> PyResult<bool> {
        let password = password.0.as_ref();
        py.detach(|| self.inner.verify(password, &hash.0))
            .map_err(to_py_err)
    }

    /// True if `hash` is bcrypt or argon2 with other parameters than this hasher's.
    fn needs_rehash(&self, hash: Text) -> PyResult<bool> {
        self.inner.needs_rehash(&hash.0).map_err(to_py_err)
    }

    /// Spend the time of a verification and discard the answer.
    #[pyo3(signature = (password=None))]
    fn dummy_verify(&self, py: Python<'_>, password: Option<TextBytes<'_>>) {
        let password = password.as_ref().map_or(&b""[..], |p| p.0.as_ref());
        py.detach(|| self.inner.dummy_verify(password));
    }
}

/// Length and character-class rules for new passwords.
#[pyclass(module = "netrun_auth._core", frozen)]
pub struct PasswordPolicy {
    inner: Policy,
}

#[pymethods]
impl PasswordPolicy {
    #[new]
    #[pyo3(signature = (
        *, min_length=defaults::PASSWORD_MIN_LENGTH, max_length=defaults::PASSWORD_MAX_LENGTH,
        require_uppercase=false, require_lowercase=false, require_digit=false,
        require_special=false,
    ))]
    fn new(
        min_length: usize,
        max_length: usize,
        require_uppercase: bool,
        require_lowercase: bool,
        require_digit: bool,
        require_special: bool,
    ) -> PyResult<Self> {
        let inner = Policy {
            min_length,
            max_length,
            require_uppercase,
            require_lowercase,
            require_digit,
            require_special,
        };
        inner.check().map_err(to_py_err)?;
        Ok(PasswordPolicy { inner })
    }

    #[getter]
    fn min_length(&self) -> usize {
        self.inner.min_length
    }

    #[getter]
    fn max_length(&self) -> usize {
        self.inner.max_length
    }

    /// The reasons `password` fails the policy; empty when it passes.
    fn validate(&self, password: TextBytes<'_>) -> Vec<String> {
        self.inner.validate_bytes(&password.0)
    }
}
