//! Revocation stores: the engine's in-memory store (one process, the default) and,
//! with the `redis` feature, `RedisStore` (shared with every Python and Rust process
//! using the same Redis and key prefix).
//!
//! The rules (keys, verdicts, lifetimes, scripts) are the engine's; this module only
//! routes each operation to the store in use.

#[cfg(feature = "redis")]
mod mirror;
#[cfg(feature = "redis")]
mod redis;

use std::sync::Arc;

use netrun_auth::claims::now;
use netrun_auth::revocation::{Keyspace, MemoryStore, SpendOutcome};
use netrun_auth::token::IssuedPair;
use netrun_auth::Claims;

use crate::error::AuthError;

#[cfg(feature = "redis")]
pub use self::redis::RedisStore;

/// Where revocation state lives.
#[derive(Clone)]
#[non_exhaustive]
pub enum Store {
    /// This process only (the engine's [`MemoryStore`]).
    Memory(Arc<MemoryStore>),
    /// Redis or Redis Cluster, shared with the Python side.
    #[cfg(feature = "redis")]
    Redis(RedisStore),
}

impl Default for Store {
    /// In memory, with the engine's default retry window.
    fn default() -> Self {
        Store::Memory(Arc::new(MemoryStore::new()))
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Store::Memory(_) => f.write_str("Store::Memory"),
            #[cfg(feature = "redis")]
            Store::Redis(store) => write!(f, "Store::Redis({store:?})"),
        }
    }
}

impl Store {
    /// In memory, with a retry window of `refresh_grace_seconds` (0: no retry rule).
    pub fn memory(refresh_grace_seconds: i64) -> Self {
        Store::Memory(Arc::new(MemoryStore::with_refresh_grace(
            refresh_grace_seconds,
        )))
    }

    /// Whether revocation checks are decided from a local mirror now (a Redis store with
    /// `redis_local_mirror`, while its subscription is live).
    pub fn mirror_live(&self) -> bool {
        match self {
            Store::Memory(_) => false,
            #[cfg(feature = "redis")]
            Store::Redis(store) => store.mirror_live(),
        }
    }

    /// `Err(token_revoked)` if the token, its session or its user is revoked;
    /// `Err(store_unavailable)` (503) when the store cannot answer.
    pub async fn check(&self, claims: &Claims) -> Result<(), AuthError> {
        self.check_keys(claims, &self.keyspace().check_keys(claims))
            .await
    }

    /// [`check`](Self::check) with the claims' [`Keyspace::check_keys`] of this store's
    /// [`keyspace`](Self::keyspace) made beforehand (the layer keeps them with the user
    /// of a token it sees again).
    pub async fn check_keys(&self, claims: &Claims, keys: &[String; 3]) -> Result<(), AuthError> {
        match self {
            Store::Memory(store) => Ok(store.check_keys(claims, keys, now())?),
            #[cfg(feature = "redis")]
            Store::Redis(store) => store.check_keys(claims, keys).await,
        }
    }

    /// The key names of the store.
    pub fn keyspace(&self) -> &Keyspace {
        match self {
            Store::Memory(store) => store.keyspace(),
            #[cfg(feature = "redis")]
            Store::Redis(store) => store.keyspace(),
        }
    }

    /// Remember a live session (until its refresh token expires) for `revoke_user`.
    pub async fn register_session(
        &self,
        user_id: &str,
        session_id: &str,
        expires_at: i64,
    ) -> Result<(), AuthError> {
        match self {
            Store::Memory(store) => {
                store.register_session(user_id, session_id, expires_at, now());
                Ok(())
            }
            #[cfg(feature = "redis")]
            Store::Redis(store) => {
                store
                    .register_session(user_id, session_id, expires_at)
                    .await
            }
        }
    }

    /// Revoke one token.
    pub async fn revoke_token(&self, claims: &Claims) -> Result<(), AuthError> {
        match self {
            Store::Memory(store) => {
                store.revoke_token(claims, now());
                Ok(())
            }
            #[cfg(feature = "redis")]
            Store::Redis(store) => store.revoke_token(claims).await,
        }
    }

    /// Revoke every token of a session until `expires_at` (plus the engine's margin).
    pub async fn revoke_session(
        &self,
        user_id: &str,
        session_id: &str,
        expires_at: i64,
    ) -> Result<(), AuthError> {
        match self {
            Store::Memory(store) => {
                store.revoke_session(user_id, session_id, expires_at, now());
                Ok(())
            }
            #[cfg(feature = "redis")]
            Store::Redis(store) => store.revoke_session(user_id, session_id, expires_at).await,
        }
    }

    /// Revoke every token `user_id` holds, issued until now, and each live session.
    pub async fn revoke_user(&self, user_id: &str, ttl_seconds: i64) -> Result<(), AuthError> {
        match self {
            Store::Memory(store) => {
                store.revoke_user(user_id, now(), ttl_seconds);
                Ok(())
            }
            #[cfg(feature = "redis")]
            Store::Redis(store) => store.revoke_user(user_id, ttl_seconds).await,
        }
    }

    /// Spend refresh token `claims` atomically, recording `successor` (issued already)
    /// as the pair this refresh hands out. Under the engine's retry rule the outcome is
    /// [`SpendOutcome::Spent`] the first time, [`SpendOutcome::Retried`] for a retry of an
    /// undelivered spend (its successor is superseded), else [`SpendOutcome::Reused`]:
    /// the session is revoked in the same atomic step.
    pub async fn spend_refresh(
        &self,
        claims: &Claims,
        successor: &IssuedPair,
        session_expires_at: i64,
    ) -> Result<SpendOutcome, AuthError> {
        match self {
            Store::Memory(store) => Ok(store.spend_refresh(
                claims,
                &successor.access,
                &successor.refresh,
                session_expires_at,
                now(),
            )),
            #[cfg(feature = "redis")]
            Store::Redis(store) => {
                store
                    .spend_refresh(claims, successor, session_expires_at)
                    .await
            }
        }
    }

    /// The refresh of `claims` hands out `successor`: register its session and mark the
    /// spend delivered (from then on presenting `claims` again is reuse).
    pub async fn complete_refresh(
        &self,
        claims: &Claims,
        successor: &IssuedPair,
    ) -> Result<(), AuthError> {
        match self {
            Store::Memory(store) => {
                store.complete_refresh(claims, &successor.refresh, now());
                Ok(())
            }
            #[cfg(feature = "redis")]
            Store::Redis(store) => store.complete_refresh(claims, successor).await,
        }
    }
}
