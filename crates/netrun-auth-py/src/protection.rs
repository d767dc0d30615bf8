//! Login protection bindings: the guard's rules (subject ids, key names, script
//! arguments, the verdict of an outcome, the cache of known lockouts), the one-process
//! memory guard and the Redis scripts. Conversions only: the rule is the engine's `protection` module.

use std::time::{SystemTime, UNIX_EPOCH};

use netrun_auth::protection::{
    scripts, Count, Guard, LockoutPolicy, MemoryGuard, SubjectHasher, Subjects, Verdict,
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

/// What a login's outcome gets: recorded (answer it) or refused (429).
#[pyclass(frozen, module = "netrun_auth._core", name = "LoginVerdict")]
pub struct PyLoginVerdict(Verdict);

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

    /// ARGV of the `failed` script for the username (`ip=False`) or the IP.
    fn failed_args(&self, ip: bool) -> Vec<u64> {
        self.0.policy.failed_args(ip)
    }

    /// ARGV of the `succeeded` script for the username (`ip=False`) or the IP.
    fn succeeded_args(&self, ip: bool) -> [u64; 1] {
        self.0.policy.succeeded_args(ip)
    }

    /// The verdict of an outcome from the `failed`/`succeeded` replies of its username
    /// and IP; the lockouts they report are remembered for `known_lockout`.
    fn verdict(
        &self,
        subjects: &PyLoginSubjects,
        username: [i64; 3],
        ip: [i64; 3],
    ) -> PyLoginVerdict {
        PyLoginVerdict(self.0.verdict(
            &subjects.0,
            Count::from_reply(username),
            Count::from_reply(ip),
            now_ms(),
        ))
    }

    /// Seconds until either subject's lockout ends, as learned from earlier replies
    /// (`None`: none known). No I/O.
    fn known_lockout(&self, subjects: &PyLoginSubjects) -> Option<u64> {
        self.0.known_lockout(&subjects.0, now_ms())
    }
}

#[pymethods]
impl PyLoginVerdict {
    /// A subject was locked when the outcome arrived: answer 429, reveal nothing.
    #[getter]
    fn refused(&self) -> bool {
        matches!(self.0, Verdict::Refused { .. })
    }

    /// Refused: seconds to wait (the `Retry-After`); recorded: the lockout this failure
    /// started (it reached a threshold), else `None`.
    #[getter]
    fn retry_after(&self) -> Option<u64> {
        self.0.retry_after()
    }

    fn __repr__(&self) -> String {
        format!("LoginVerdict({:?})", self.0)
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

    /// Seconds until either subject's lockout ends, `None` when neither is locked.
    fn check(&self, subjects: &PyLoginSubjects) -> Option<u64> {
        self.0.check(&subjects.0, now_ms())
    }

    /// Record a failure, atomically (refused while either subject is locked).
    fn failed(&self, subjects: &PyLoginSubjects) -> PyLoginVerdict {
        PyLoginVerdict(self.0.failed(&subjects.0, now_ms()))
    }

    /// Record a success, atomically (refused while either subject is locked; else the
    /// username's counters are cleared).
    fn succeeded(&self, subjects: &PyLoginSubjects) -> PyLoginVerdict {
        PyLoginVerdict(self.0.succeeded(&subjects.0, now_ms()))
    }

    fn __len__(&self) -> usize {
        self.0.len()
    }
}

/// The Lua scripts of the Redis login guard, by name.
#[pyfunction]
pub fn login_guard_scripts() -> [(&'static str, &'static str); 2] {
    [
        ("failed", scripts::FAILED),
        ("succeeded", scripts::SUCCEEDED),
    ]
}
