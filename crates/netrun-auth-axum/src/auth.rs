//! [`Auth`]: the token lifecycle of one issuer (the Python `JWTManager`): issue,
//! validate, refresh with rotation and reuse detection, revoke, logout, logout_all.

use std::sync::Arc;

use netrun_auth::claims::now;
use netrun_auth::token::{IssuedPair, PairRequest};
use netrun_auth::{Claims, TokenEngine, TokenType};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::config::{AuthConfig, ConfigError};
use crate::error::AuthError;
use crate::identity::Identities;
use crate::layer::AuthLayer;
use crate::store::Store;
use crate::user::User;

/// An access token and the refresh token of the same session (the Python `TokenPair`).
#[derive(Clone, Serialize)]
pub struct TokenPair {
    /// The access token.
    pub access_token: String,
    /// The refresh token (spent on use).
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// Seconds until the refresh token expires.
    pub refresh_expires_in: i64,
    /// The session both tokens belong to.
    pub session_id: String,
}

impl std::fmt::Debug for TokenPair {
    /// Never prints the tokens.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenPair")
            .field("session_id", &self.session_id)
            .field("expires_in", &self.expires_in)
            .finish_non_exhaustive()
    }
}

/// What to put in a new token pair.
#[derive(Debug, Clone, Default)]
pub struct TokenRequest {
    /// `sub`; must not be empty.
    pub user_id: String,
    /// `org`.
    pub organization_id: Option<String>,
    /// `roles`.
    pub roles: Vec<String>,
    /// `permissions`.
    pub permissions: Vec<String>,
    /// Custom claims (registered names are refused).
    pub extra_claims: Map<String, Value>,
    /// Keep this session (a refresh); `None` starts a new one.
    pub session_id: Option<String>,
}

impl TokenRequest {
    /// A request for `user_id` with nothing else.
    pub fn new(user_id: impl Into<String>) -> Self {
        TokenRequest {
            user_id: user_id.into(),
            ..TokenRequest::default()
        }
    }
}

struct Inner {
    engine: TokenEngine,
    store: Store,
    config: AuthConfig,
    identities: Identities,
}

/// Issues, verifies, refreshes and revokes tokens. Cheap to clone (shared state).
#[derive(Clone)]
pub struct Auth {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth")
            .field("issuer", &self.inner.engine.config().issuer)
            .field("store", &self.inner.store)
            .finish_non_exhaustive()
    }
}

impl Auth {
    /// Keys loaded once from `config`; revocation state in this process.
    pub fn new(config: AuthConfig) -> Result<Self, ConfigError> {
        let store = Store::memory(config.refresh_grace_seconds);
        Self::with_store(config, store)
    }

    /// Keys loaded once from `config`; revocation state in `store`.
    pub fn with_store(config: AuthConfig, store: Store) -> Result<Self, ConfigError> {
        let engine = config.build_engine()?;
        let identities = Identities::new(engine.config().cache_size);
        Ok(Auth {
            inner: Arc::new(Inner {
                engine,
                store,
                config,
                identities,
            }),
        })
    }

    /// The settings in force.
    pub fn config(&self) -> &AuthConfig {
        &self.inner.config
    }

    /// The engine (keys, verification).
    pub fn engine(&self) -> &TokenEngine {
        &self.inner.engine
    }

    /// The revocation store.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// A layer authenticating requests with this `Auth` and its configuration's
    /// public paths and cookie name.
    pub fn layer(&self) -> AuthLayer {
        AuthLayer::new(self.clone())
    }

    /// Issue an access and a refresh token of a new session (or of `session_id`),
    /// and register the session for `logout_all`.
    pub async fn generate_token_pair(&self, request: TokenRequest) -> Result<TokenPair, AuthError> {
        let issued = self.inner.engine.issue_pair(PairRequest {
            user_id: request.user_id,
            organization_id: request.organization_id,
            roles: request.roles,
            permissions: request.permissions,
            extra: request.extra_claims,
            session_id: request.session_id,
        })?;
        let session_id = issued.refresh.session_id.as_deref().unwrap_or_default();
        self.inner
            .store
            .register_session(
                &issued.refresh.subject,
                session_id,
                issued.refresh.expires_at,
            )
            .await?;
        Ok(self.token_pair(issued))
    }

    fn token_pair(&self, issued: IssuedPair) -> TokenPair {
        let config = self.inner.engine.config();
        TokenPair {
            session_id: issued.refresh.session_id.clone().unwrap_or_default(),
            access_token: issued.access_token,
            refresh_token: issued.refresh_token,
            token_type: "Bearer",
            expires_in: config.access_ttl_seconds,
            refresh_expires_in: config.refresh_ttl_seconds,
        }
    }

    /// Verify an access token and check it is not revoked.
    pub async fn validate(&self, token: &str) -> Result<Arc<Claims>, AuthError> {
        self.verify(token, TokenType::Access).await
    }

    /// Verify a token of type `expected` and check it is not revoked.
    pub async fn verify(&self, token: &str, expected: TokenType) -> Result<Arc<Claims>, AuthError> {
        let claims = self.inner.engine.verify(non_empty(token)?, expected)?;
        self.inner.store.check(&claims).await?;
        Ok(claims)
    }

    /// The [`User`] of a valid access token (revocation checked on every call; the
    /// user of a token seen before is not built again).
    pub async fn authenticate(&self, token: &str) -> Result<Arc<User>, AuthError> {
        let claims = self
            .inner
            .engine
            .verify(non_empty(token)?, TokenType::Access)?;
        let store = &self.inner.store;
        let known = self
            .inner
            .identities
            .identity(claims, token, store.keyspace());
        store
            .check_keys(&known.user.claims, &known.check_keys)
            .await?;
        Ok(known.user.clone())
    }

    /// Spend `refresh_token` and issue a new pair of the same session.
    ///
    /// A refresh token works once: presenting it again is 401 `token_reuse` and
    /// revokes the whole session (for every process sharing the store). The one
    /// exception is the engine's retry rule: a client retrying a refresh whose answer it
    /// did not get (a 503 after the store had spent the token), within
    /// `refresh_grace_seconds` of that spend and while the pair it issued is unused,
    /// gets a new pair, and the undelivered one is superseded (docs/tokens.md,
    /// "Retrying a refresh"). `roles` / `permissions` replace the ones carried over
    /// when given.
    ///
    /// The steps are the Python `JWTManager.refresh_token`'s: issue the successor, spend
    /// the token recording that successor, then complete the refresh (register the
    /// session, mark the spend delivered).
    pub async fn refresh(
        &self,
        refresh_token: &str,
        roles: Option<Vec<String>>,
        permissions: Option<Vec<String>>,
    ) -> Result<TokenPair, AuthError> {
        let claims = self.verify(refresh_token, TokenType::Refresh).await?;
        let successor = self.inner.engine.issue_pair(PairRequest {
            user_id: claims.subject.clone(),
            organization_id: claims.organization_id.clone(),
            roles: roles.unwrap_or_else(|| claims.roles.clone()),
            permissions: permissions.unwrap_or_else(|| claims.permissions.clone()),
            extra: claims.extra.clone(),
            session_id: claims.session_id.clone(),
        })?;
        let store = &self.inner.store;
        let outcome = store
            .spend_refresh(&claims, &successor, self.session_horizon())
            .await?;
        if !outcome.granted() {
            return Err(AuthError::reuse());
        }
        store.complete_refresh(&claims, &successor).await?;
        Ok(self.token_pair(successor))
    }

    /// Revoke one token (access or refresh).
    pub async fn revoke_token(&self, token: &str) -> Result<(), AuthError> {
        let claims = self.inner.engine.verify_any(non_empty(token)?)?;
        self.inner.store.revoke_token(&claims).await
    }

    /// Revoke `token` and every token of its session (access and refresh).
    pub async fn logout(&self, token: &str) -> Result<(), AuthError> {
        let claims = self.inner.engine.verify_any(non_empty(token)?)?;
        self.inner.store.revoke_token(&claims).await?;
        if let Some(session_id) = &claims.session_id {
            self.inner
                .store
                .revoke_session(&claims.subject, session_id, self.session_horizon())
                .await?;
        }
        Ok(())
    }

    /// Revoke every token `user_id` holds (issued until now), on every device.
    pub async fn logout_all(&self, user_id: &str) -> Result<(), AuthError> {
        self.inner
            .store
            .revoke_user(user_id, self.inner.engine.config().refresh_ttl_seconds)
            .await
    }

    /// The public JWKS (`{"keys": [...]}`) of every verification key.
    pub fn jwks(&self) -> Value {
        self.inner.engine.jwks()
    }

    /// When a session's newest refresh token expires, at the latest.
    fn session_horizon(&self) -> i64 {
        now() + self.inner.engine.config().refresh_ttl_seconds
    }
}

fn non_empty(token: &str) -> Result<&str, AuthError> {
    if token.is_empty() {
        return Err(AuthError::malformed("Token must be a non-empty string"));
    }
    Ok(token)
}
