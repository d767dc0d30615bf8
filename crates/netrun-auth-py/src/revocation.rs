//! Revocation rules for stores written in Python (Redis): key names, scripts, verdicts.

use netrun_auth::revocation::{self, scripts, Keyspace, RevocationState};
use pyo3::prelude::*;

use crate::claims::PyClaims;
use crate::errors::to_py_err;

/// Names the store's keys: one prefix, one hash tag per user, never a raw token.
#[pyclass(frozen, module = "netrun_auth._core", name = "Keyspace")]
pub struct PyKeyspace(Keyspace);

#[pymethods]
impl PyKeyspace {
    #[new]
    #[pyo3(signature = (prefix = "netrun:"))]
    fn new(prefix: &str) -> Self {
        PyKeyspace(Keyspace::new(prefix))
    }

    /// The token, session and user keys one validation reads.
    fn check_keys(&self, claims: &PyClaims) -> [String; 3] {
        self.0.check_keys(&claims.0)
    }

    fn token(&self, user_id: &str, jti: &str) -> String {
        self.0.token(user_id, jti)
    }

    fn session(&self, user_id: &str, session_id: &str) -> String {
        self.0.session(user_id, session_id)
    }

    fn session_prefix(&self, user_id: &str) -> String {
        self.0.session_prefix(user_id)
    }

    fn session_member(&self, session_id: &str) -> String {
        self.0.session_member(session_id)
    }

    fn sessions(&self, user_id: &str) -> String {
        self.0.sessions(user_id)
    }

    fn user(&self, user_id: &str) -> String {
        self.0.user(user_id)
    }

    fn spent(&self, user_id: &str, jti: &str) -> String {
        self.0.spent(user_id, jti)
    }
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
