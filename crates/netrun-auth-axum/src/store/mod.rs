//! Revocation stores: the engine's in-memory store (one process, the default) and,
//! with the `redis` feature, [`RedisStore`] (shared with every Python and Rust process
//! using the same Redis and key prefix).
//!
//! The rules (keys, verdicts, lifetimes, scripts) are the engine's; this module only
//! routes each operation to the store in use.

#[cfg(feature = "redis")]
mod redis;

use std::sync::Arc;

use netrun_auth::claims::now;
use netrun_auth::revocation::MemoryStore;
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
    /// `Err(token_revoked)` if the token, its session or its user is revoked;
    /// `Err(store_unavailable)` (503) when the store cannot answer.
    pub async fn check(&self, claims: &Claims) -> Result<(), AuthError> {
        match self {
            Store::Memory(store) => Ok(store.check(claims, now())?),
            #[cfg(feature = "redis")]
            Store::Redis(store) => store.check(claims).await,
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
                store.register_session(user_id, session_id, expires_at);
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

    /// Spend a refresh token atomically: `true` the first time; on reuse the session
    /// is revoked (same atomic step) and this is `false`.
    pub async fn spend_refresh(
        &self,
        claims: &Claims,
        session_expires_at: i64,
    ) -> Result<bool, AuthError> {
        match self {
            Store::Memory(store) => Ok(store.spend_refresh(claims, session_expires_at, now())),
            #[cfg(feature = "redis")]
            Store::Redis(store) => store.spend_refresh(claims, session_expires_at).await,
        }
    }
}
