//! Login protection bindings: the guard's rules (subject ids, key names, script
//! arguments), the one-process memory guard and the Redis script.

use std::time::{SystemTime, UNIX_EPOCH};

use netrun_auth::protection::{
    retry_after_seconds, scripts, Guard, LockoutPolicy, MemoryGuard, SubjectHasher, Subjects,
};
use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::errors::to_py_err;
use crate::text::TextBytes;

/// The guard's rules: policy, keyed subject hashing and key names.
#[pyclass(frozen, module = "netrun_auth._core", name = "LoginGuardCore")]
pub struct PyLoginGuardCore(Guard);

/// The hashed subjects of one attempt.
#[pyclass(frozen, module = "netrun_auth._core", name = "LoginSubjects")]
pub struct PyLoginSubjects(Subjects);

/// One process's failures and lockouts.
#[pyclass(frozen, module = "netrun_auth._core", name = "MemoryLoginGuard")]
pub struct PyMemoryLoginGuard(MemoryGuard);

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[pymethods]
impl PyLoginGuardCore {
    /// `key`: the hashing key itself; `key_material`: secret bytes to derive it from;
    /// neither: a random key (for one process only).
    #[new]
    #[pyo3(signature = (
        *, window_seconds, max_failures_per_username, max_failures_per_ip,
        lockout_base_seconds, lockout_max_seconds, prefix = "netrun:", key = None,
        key_material = None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        window_seconds: u64,
        max_failures_per_username: u32,
        max_failures_per_ip: u32,
        lockout_base_seconds: u64,
        lockout_max_seconds: u64,
        prefix: &str,
        key: Option<&[u8]>,
        key_material: Option<&[u8]>,
    ) -> PyResult<Self> {
        let policy = LockoutPolicy {
            window_seconds,
            max_failures_per_username,
            max_failures_per_ip,
            lockout_base_seconds,
            lockout_max_seconds,
        };
        let hasher = match (key, key_material) {
            (Some(key), _) => SubjectHasher::new(key),
            (None, Some(material)) => SubjectHasher::derive(material),
            (None, None) => SubjectHasher::random(),
        }
        .map_err(to_py_err)?;
        Guard::new(policy, hasher, prefix)
            .map(PyLoginGuardCore)
            .map_err(to_py_err)
    }

    /// The hashed subjects of an attempt; never raises for any username text.
    #[pyo3(signature = (username, ip))]
    fn subjects(
        &self,
        username: TextBytes<'_>,
        ip: Option<&Bound<'_, PyString>>,
    ) -> PyResult<PyLoginSubjects> {
        // Lone surrogates pass as their (ill-formed) bytes: the engine counts such a
        // username as ill-formed instead of raising.
        let ip = ip.map(|ip| ip.to_string_lossy().into_owned());
        Ok(PyLoginSubjects(self.0.subjects(&username.0, ip.as_deref())))
    }

    /// The Redis keys (failures, strikes, lock) of the username and of the IP.
    fn keys(&self, subjects: &PyLoginSubjects) -> ([String; 3], [String; 3]) {
        let (user, ip) = self.0.keys(&subjects.0);
        (user.to_array(), ip.to_array())
    }

    /// ARGV of the `record_failure` script for the username (`ip=False`) or the IP.
    fn script_args(&self, ip: bool) -> Vec<u64> {
        self.0.policy.script_args(ip)
    }
}

#[pymethods]
impl PyLoginSubjects {
    /// The username's keyed hash: safe to store and log.
    #[getter]
    fn username(&self) -> &str {
        &self.0.username
    }

    /// The client IP's keyed hash.
    #[getter]
    fn ip(&self) -> &str {
        &self.0.ip
    }

    /// `well_formed`, `ill_formed` (not valid Unicode) or `too_long`.
    #[getter]
    fn form(&self) -> &'static str {
        self.0.form.as_str()
    }

    fn __repr__(&self) -> String {
        format!(
            "LoginSubjects(username={:?}, ip={:?}, form={:?})",
            self.0.username,
            self.0.ip,
            self.0.form.as_str()
        )
    }
}

#[pymethods]
impl PyMemoryLoginGuard {
    #[new]
    fn new(core: &PyLoginGuardCore) -> PyResult<Self> {
        MemoryGuard::new(core.0.policy)
            .map(PyMemoryLoginGuard)
            .map_err(to_py_err)
    }

    /// Seconds to wait when the username or the IP is locked out, else `None`.
    fn check(&self, subjects: &PyLoginSubjects) -> Option<u64> {
        self.0.check(&subjects.0, now_ms())
    }

    /// Record a failure: `(locked_now, retry_after or None)`.
    fn failed(&self, subjects: &PyLoginSubjects) -> (bool, Option<u64>) {
        let failure = self.0.failed(&subjects.0, now_ms());
        (failure.locked_now, failure.retry_after)
    }

    /// Record a success: the username's counters are cleared.
    fn succeeded(&self, subjects: &PyLoginSubjects) {
        self.0.succeeded(&subjects.0);
    }

    fn __len__(&self) -> usize {
        self.0.len()
    }
}

/// `Retry-After` seconds for a lockout with `remaining_ms` left (`PTTL`), else `None`.
#[pyfunction]
pub fn login_retry_after(remaining_ms: i64) -> Option<u64> {
    retry_after_seconds(remaining_ms)
}

/// The Lua scripts of the Redis login guard, by name.
#[pyfunction]
pub fn login_guard_scripts() -> [(&'static str, &'static str); 1] {
    [("record_failure", scripts::RECORD_FAILURE)]
}
