//! `PasswordHasher` and `PasswordPolicy`. Hashing runs with the GIL released.

use netrun_auth::password::{Argon2Config, PasswordHasher as Engine, PasswordPolicy as Policy};
use pyo3::prelude::*;

use crate::errors::to_py_err;

/// argon2id hashing; verifies argon2 and bcrypt hashes. Thread-safe.
#[pyclass(module = "netrun_auth._core", frozen)]
pub struct PasswordHasher {
    inner: Engine,
}

#[pymethods]
impl PasswordHasher {
    #[new]
    #[pyo3(signature = (*, memory_kib=19_456, iterations=2, parallelism=1))]
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

    /// A new argon2id PHC string of `password`.
    fn hash(&self, py: Python<'_>, password: &str) -> PyResult<String> {
        py.detach(|| self.inner.hash(password.as_bytes()))
            .map_err(to_py_err)
    }

    /// True if `password` matches; PasswordHashError for an unusable hash.
    fn verify(&self, py: Python<'_>, password: &str, hash: &str) -> PyResult<bool> {
        py.detach(|| self.inner.verify(password.as_bytes(), hash))
            .map_err(to_py_err)
    }

    /// True if `hash` is bcrypt or argon2 with other parameters than this hasher's.
    fn needs_rehash(&self, hash: &str) -> PyResult<bool> {
        self.inner.needs_rehash(hash).map_err(to_py_err)
    }

    /// Spend the time of a verification and discard the answer.
    #[pyo3(signature = (password=None))]
    fn dummy_verify(&self, py: Python<'_>, password: Option<&str>) {
        let password = password.unwrap_or("").as_bytes();
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
    #[pyo3(signature = (*, min_length=8, max_length=128, require_uppercase=false, require_lowercase=false, require_digit=false, require_special=false))]
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
    fn validate(&self, password: &str) -> Vec<String> {
        self.inner.validate(password)
    }
}
