//! `MemoryStore`: the embedded revocation store.

use std::sync::atomic::{AtomicI64, Ordering};

use netrun_auth::claims;
use netrun_auth::revocation::{MemoryStore, REFRESH_GRACE_SECONDS};
use pyo3::prelude::*;

use crate::text::Text;

use crate::claims::PyClaims;
use crate::errors::to_py_err;

/// One process's revocation state, bounded by token expiry.
#[pyclass(frozen, module = "netrun_auth._core", name = "MemoryStore")]
pub struct PyMemoryStore(MemoryStore, ClockOffset);

/// Seconds added to the wall clock of one store: 0 unless a benchmark moved it on.
#[derive(Default)]
struct ClockOffset(AtomicI64);

impl PyMemoryStore {
    fn now(&self) -> i64 {
        claims::now().saturating_add(self.1 .0.load(Ordering::Relaxed))
    }

    /// `TokenRevokedError` if `claims` are revoked now.
    pub(crate) fn check_claims(&self, claims: &netrun_auth::Claims) -> PyResult<()> {
        self.0.check(claims, self.now()).map_err(to_py_err)
    }
}

#[pymethods]
impl PyMemoryStore {
    #[new]
    #[pyo3(signature = (refresh_grace_seconds = REFRESH_GRACE_SECONDS))]
    fn new(refresh_grace_seconds: i64) -> Self {
        PyMemoryStore(
            MemoryStore::with_refresh_grace(refresh_grace_seconds),
            ClockOffset::default(),
        )
    }

    fn check(&self, claims: &PyClaims) -> PyResult<()> {
        self.check_claims(&claims.0)
    }

    /// `check`, then `True` (this store always decides at once).
    fn check_now(&self, claims: &PyClaims) -> PyResult<bool> {
        self.check_claims(&claims.0).map(|()| true)
    }

    fn register_session(&self, user_id: Text, session_id: Text, expires_at: i64) {
        self.0
            .register_session(&user_id.0, &session_id.0, expires_at, self.now());
    }

    fn revoke_token(&self, claims: &PyClaims) {
        self.0.revoke_token(&claims.0, self.now());
    }

    fn revoke_session(&self, user_id: Text, session_id: Text, expires_at: i64) {
        self.0
            .revoke_session(&user_id.0, &session_id.0, expires_at, self.now());
    }

    fn revoke_user(&self, user_id: Text, ttl_seconds: i64) {
        self.0.revoke_user(&user_id.0, self.now(), ttl_seconds);
    }

    /// `spent`, `retried` or `reused` (see the engine's retry rule).
    fn spend_refresh(
        &self,
        claims: &PyClaims,
        access: &PyClaims,
        refresh: &PyClaims,
        session_expires_at: i64,
    ) -> &'static str {
        self.0
            .spend_refresh(
                &claims.0,
                &access.0,
                &refresh.0,
                session_expires_at,
                self.now(),
            )
            .name()
    }

    fn complete_refresh(&self, claims: &PyClaims, refresh: &PyClaims) {
        self.0.complete_refresh(&claims.0, &refresh.0, self.now());
    }

    /// INSECURE, for benchmarks only: move this store's clock `seconds` forward, so
    /// that its entries (revocations included) expire that much earlier.
    fn _insecure_advance_clock(&self, seconds: i64) {
        self.1 .0.fetch_add(seconds.max(0), Ordering::Relaxed);
    }

    fn __len__(&self) -> usize {
        self.0.len()
    }
}
