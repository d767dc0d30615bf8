//! # netrun-auth-axum
//!
//! The netrun-auth engine for axum / tower services: the same tokens, keys, error
//! codes, JSON bodies and Redis revocation state as the Python package, so Python
//! and Rust services can share one issuer, one `.env` and one Redis.
//!
//! - [`AuthConfig`]: the `NETRUN_AUTH_*` settings (and `.env`), or a builder.
//! - [`Auth`]: issue, validate, refresh (rotation + reuse detection), logout, logout_all.
//! - [`AuthLayer`]: a `tower::Layer` authenticating every request (bearer header,
//!   optional cookie, public paths), WebSocket upgrades included.
//! - [`AuthUser`] / [`MaybeUser`]: extractors (401 when a user is required and absent).
//! - [`guard`]: roles, permissions, scopes and organization checks (403); [`rbac`]:
//!   the engine's roles -> permissions (inheritance, wildcards) for those guards.
//! - [`provider`]: tokens of other issuers, routed by `iss`; with the `oidc` feature,
//!   `oidc`: any OpenID Connect issuer and Microsoft Entra ID.
//! - [`websocket`]: refused upgrades are accepted, then closed with 1008 (`ws` feature, default).
//! - [`Store`]: in memory (default) or, with the `redis` feature, Redis / Redis Cluster.
//!
//! ```
//! use axum::{routing::get, Router};
//! use netrun_auth_axum::{Auth, AuthConfig, AuthUser};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let config = AuthConfig::builder()
//!     .issuer("https://auth.example.com")
//!     .audience("my-api")
//!     .algorithm("HS256")
//!     .secret("a-very-long-development-secret-of-32-bytes-or-more")
//!     .build()?;
//! let auth = Auth::new(config)?;
//! let app: Router = Router::new()
//!     .route("/me", get(|user: AuthUser| async move { user.user_id.clone() }))
//!     .layer(auth.layer());
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod auth;
pub mod config;
pub mod error;
pub mod extract;
pub mod guard;
mod identity;
pub mod layer;
#[cfg(feature = "oidc")]
pub mod oidc;
pub mod provider;
pub mod rbac;
pub mod rejection;
pub mod settings;
pub mod store;
pub mod token;
pub mod user;
pub mod websocket;

pub use auth::{Auth, TokenPair, TokenRequest};
pub use config::{AuthConfig, AuthConfigBuilder, ConfigError};
pub use error::AuthError;
pub use extract::{AuthUser, MaybeUser};
pub use layer::{AuthLayer, AuthService};
pub use rbac::Rbac;
#[cfg(feature = "redis")]
pub use store::RedisStore;
pub use store::Store;
pub use user::User;
