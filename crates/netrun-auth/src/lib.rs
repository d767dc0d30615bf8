//! # netrun-auth engine
//!
//! JSON Web Token issuing and verification, key handling and revocation logic
//! for netrun-auth. Pure Rust: no Python, no web framework. The Python package
//! (`netrun_auth`) and the axum integration are thin fronts over this crate.
//!
//! - [`token`]: [`TokenEngine`] issues token pairs and verifies tokens (RFC 7519, RFC 8725).
//! - [`claims`]: the typed claim set and its checks.
//! - [`credentials`]: the token of a request (`Authorization: Bearer`, or a cookie).
//! - [`keys`] and [`jwk`]: key material (PEM, JWK, JWKS), parsed once; the key set of an engine.
//! - [`algorithm`]: the JWS algorithms and the key families they need.
//! - [`cache`]: the verified-token cache.
//! - [`memo`]: a write-once slot for a binding's own view of verified claims.
//! - [`issuer`]: the unverified `iss` of a token, only to choose its verifier.
//! - [`rbac`]: roles, inheritance, wildcards and organization scoping.
//! - [`password`]: argon2id hashing, bcrypt/argon2 migration and password policy.
//! - [`protection`]: login protection: lockout arithmetic, subject hashing, Redis script, memory guard.
//! - [`revocation`]: revocation decisions, the store keyspace, Redis scripts and the in-memory store.
//! - [`oidc`]: outside OpenID Connect issuers (Entra ID...): JWKS fetch policy and verification.
//! - [`defaults`]: every default and bound of the settings, defined once.
//! - [`error`]: the error type.

pub mod algorithm;
pub mod base64url;
pub mod cache;
pub mod claims;
pub mod credentials;
pub mod defaults;
pub mod error;
pub mod issuer;
pub mod json;
pub mod jwk;
pub mod jws;
pub mod keys;
pub mod memo;
pub mod oidc;
pub mod password;
pub mod protection;
pub mod rbac;
pub mod revocation;
pub mod token;

pub use algorithm::Algorithm;
pub use claims::{Claims, TokenType};
pub use error::{Error, ErrorKind, KeySlot, Result, Setting};
pub use keys::KeyConfig;
pub use token::{EngineConfig, PairRequest, TokenEngine};
