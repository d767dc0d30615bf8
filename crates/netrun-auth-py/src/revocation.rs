//! Revocation rules for stores written in Python (Redis): key names, scripts, verdicts.

use std::time::{Duration, Instant};

use netrun_auth::revocation::{
    self, scripts, Keyspace, MirrorEntries, RevocationState, SpendOutcome,
};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::text::Text;

use crate::claims::PyClaims;
use crate::errors::to_py_err;

/// Names the store's keys: one &prefix.0, one hash tag per user, never a raw token.
#[pyclass(frozen, module = "netrun_auth._core", name = "Keyspace")]
pub struct PyKeyspace(Keyspace);

#[pymethods]
impl PyKeyspace {
    #[new]
    #[pyo3(signature = (prefix = Text("netrun:".to_owned())))]
    fn new(prefix: Text) -> Self {
        PyKeyspace(Keyspace::new(&prefix.0))
    }

    /// The token, session and user keys one validation reads.
    fn check_keys(&self, claims: &PyClaims) -> [String; 3] {
        self.0.check_keys(&claims.0)
    }

    fn token(&self, user_id: Text, jti: Text) -> String {
        self.0.token(&user_id.0, &jti.0)
    }

    fn session(&self, user_id: Text, session_id: Text) -> String {
        self.0.session(&user_id.0, &session_id.0)
    }

    fn session_prefix(&self, user_id: Text) -> String {
        self.0.session_prefix(&user_id.0)
    }

    fn session_member(&self, session_id: Text) -> String {
        self.0.session_member(&session_id.0)
    }

    fn sessions(&self, user_id: Text) -> String {
        self.0.sessions(&user_id.0)
    }

    fn user(&self, user_id: Text) -> String {
        self.0.user(&user_id.0)
    }

    fn spent(&self, user_id: Text, jti: Text) -> String {
        self.0.spent(&user_id.0, &jti.0)
    }

    fn spent_prefix(&self, user_id: Text) -> String {
        self.0.spent_prefix(&user_id.0)
    }

    fn token_prefix(&self, user_id: Text) -> String {
        self.0.token_prefix(&user_id.0)
    }

    fn member(&self, id: Text) -> String {
        self.0.member(&id.0)
    }

    /// `token`, `session` or `user` for a key a validation reads, else None.
    fn checked_kind(&self, key: &str) -> Option<&'static str> {
        self.0.checked_kind(key).map(|kind| kind.name())
    }
}

/// The revocations of a Redis store as announced, kept in this process (the local
/// mirror's entries and rules; the subscription is `netrun_auth.redis_mirror`'s).
#[pyclass(frozen, module = "netrun_auth._core", name = "MirrorEntries")]
pub struct PyMirrorEntries(MirrorEntries);

#[pymethods]
impl PyMirrorEntries {
    #[new]
    fn new(keyspace: &PyKeyspace) -> Self {
        PyMirrorEntries(MirrorEntries::new(keyspace.0.clone()))
    }

    /// Apply one announcement (as published, or as a writing script returned it).
    fn apply_announcement(&self, text: &Bound<'_, PyAny>) -> PyResult<()> {
        let bytes = match text.cast::<PyBytes>() {
            Ok(bytes) => bytes.as_bytes().to_vec(),
            Err(_) => text.extract::<Text>()?.0.into_bytes(),
        };
        if let Ok(text) = std::str::from_utf8(&bytes) {
            self.0.apply_announcement(text, Instant::now());
        }
        Ok(())
    }

    /// Record that `key` holds `value` for `ttl_seconds` (if a validation reads it).
    fn apply(&self, key: Text, value: Text, ttl_seconds: f64) {
        let ttl = Duration::try_from_secs_f64(ttl_seconds.max(0.0)).unwrap_or(Duration::MAX);
        self.0.apply(&key.0, &value.0, ttl, Instant::now());
    }

    /// Raise `TokenRevokedError` if the entries revoke `claims`.
    fn check(&self, claims: &PyClaims) -> PyResult<()> {
        self.0.check(&claims.0, Instant::now()).map_err(to_py_err)
    }

    /// Forget the entries that died.
    fn sweep(&self) {
        self.0.sweep(Instant::now());
    }

    /// Forget every entry.
    fn clear(&self) {
        self.0.clear();
    }

    fn __len__(&self) -> usize {
        self.0.len()
    }
}

/// `spent`, `retried` or `reused` for the status code the spend script returned.
#[pyfunction]
pub fn spend_outcome(code: i64) -> &'static str {
    SpendOutcome::from_script(code).name()
}

/// Raise `TokenRevokedError` if what the store read revokes `claims`.
#[pyfunction]
#[pyo3(signature = (claims, token_revoked, session_revoked, user_revoked_before))]
pub fn decide(
    claims: &PyClaims,
    token_revoked: bool,
    session_revoked: bool,
    user_revoked_before: Option<i64>,
) -> PyResult<()> {
    let state = RevocationState {
        token_revoked,
        session_revoked: session_revoked && claims.0.session_id.is_some(),
        user_revoked_before,
    };
    revocation::decide(&claims.0, state).map_err(to_py_err)
}

/// When an entry covering a token that expires at `expires_at` may be forgotten.
#[pyfunction]
pub fn retain_until(expires_at: i64) -> i64 {
    revocation::retain_until(expires_at)
}

/// The Lua scripts of the Redis store, by name.
#[pyfunction]
pub fn redis_scripts() -> [(&'static str, &'static str); 4] {
    [
        ("set_flag", scripts::SET_FLAG),
        ("spend_refresh", scripts::SPEND_REFRESH),
        ("revoke_user", scripts::REVOKE_USER),
        ("register_session", scripts::REGISTER_SESSION),
    ]
}

/// The revocation defaults, defined once in the engine.
pub fn add_constants(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("REFRESH_GRACE_SECONDS", revocation::REFRESH_GRACE_SECONDS)?;
    m.add(
        "MAX_REFRESH_GRACE_SECONDS",
        revocation::MAX_REFRESH_GRACE_SECONDS,
    )?;
    m.add("MAX_SESSIONS_PER_USER", revocation::MAX_SESSIONS_PER_USER)?;
    m.add(
        "RETENTION_MARGIN_SECONDS",
        revocation::RETENTION_MARGIN_SECONDS,
    )?;
    Ok(())
}
