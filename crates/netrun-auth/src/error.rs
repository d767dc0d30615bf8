//! The engine's error type: small, `#[non_exhaustive]`, and free of secrets.
//!
//! Messages never contain a token, key material or a password. Every variant
//! has a stable machine-readable [`Error::code`] and belongs to one
//! [`ErrorKind`], which front ends map to their own exception or status.

use std::fmt;

/// What went wrong, coarsely: the class a front end maps to (and its HTTP status).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The token is malformed, badly signed or has unacceptable claims (401).
    TokenInvalid,
    /// The token's `exp` has passed (401).
    TokenExpired,
    /// The token, its session or its user was revoked (401).
    TokenRevoked,
    /// A spent refresh token was presented again; its session is revoked (401).
    TokenReuse,
    /// Authenticated but not permitted (403).
    Forbidden,
    /// A setting, key or role definition is wrong.
    Configuration,
    /// A stored password hash is malformed or of an unknown scheme.
    PasswordHash,
}

/// An engine error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The token is larger than the configured cap; nothing of it was parsed.
    #[error("token is larger than {max} bytes")]
    TokenTooLarge { max: usize },
    /// The token is not a well-formed compact JWS.
    #[error("malformed token: {0}")]
    Malformed(&'static str),
    /// The header names an algorithm outside the configured allow-list.
    #[error("token algorithm is not allowed")]
    AlgorithmNotAllowed,
    /// No configured key matches the header's `kid` (or the algorithm).
    #[error("no key matches the token")]
    UnknownKey,
    /// The signature does not verify.
    #[error("token signature is invalid")]
    InvalidSignature,
    /// A registered claim is absent.
    #[error("required claim '{0}' is missing")]
    MissingClaim(&'static str),
    /// A claim has the wrong type or an unacceptable value.
    #[error("claim '{claim}' is invalid: {reason}")]
    InvalidClaim {
        claim: &'static str,
        reason: &'static str,
    },
    /// An access token was presented where a refresh token belongs, or the reverse.
    #[error("expected a {expected} token")]
    WrongTokenType { expected: &'static str },
    /// `exp` has passed, beyond the leeway.
    #[error("token has expired")]
    Expired,
    /// `nbf` is still in the future, beyond the leeway.
    #[error("token is not valid yet")]
    NotYetValid,
    /// The token itself, its session or all of its user's tokens were revoked.
    #[error("token has been revoked")]
    Revoked,
    /// A spent refresh token was presented again.
    #[error("refresh token was already used; its session has been revoked")]
    Reused,
    /// The caller lacks a role or permission.
    #[error("{0}")]
    Forbidden(String),
    /// A setting is wrong; names the setting.
    #[error("{setting}: {reason}")]
    Config { setting: String, reason: String },
    /// A stored password hash cannot be used.
    #[error("password hash: {0}")]
    PasswordHash(&'static str),
}

impl Error {
    /// A configuration error for `setting`.
    pub fn config(setting: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Config {
            setting: setting.into(),
            reason: reason.into(),
        }
    }

    /// The class of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Expired => ErrorKind::TokenExpired,
            Error::Revoked => ErrorKind::TokenRevoked,
            Error::Reused => ErrorKind::TokenReuse,
            Error::Forbidden(_) => ErrorKind::Forbidden,
            Error::Config { .. } => ErrorKind::Configuration,
            Error::PasswordHash(_) => ErrorKind::PasswordHash,
            _ => ErrorKind::TokenInvalid,
        }
    }

    /// A stable, machine-readable code (`snake_case`).
    pub fn code(&self) -> &'static str {
        match self {
            Error::TokenTooLarge { .. } => "token_too_large",
            Error::Malformed(_) => "token_malformed",
            Error::AlgorithmNotAllowed => "algorithm_not_allowed",
            Error::UnknownKey => "unknown_key",
            Error::InvalidSignature => "invalid_signature",
            Error::MissingClaim(_) => "missing_claim",
            Error::InvalidClaim { .. } => "invalid_claim",
            Error::WrongTokenType { .. } => "wrong_token_type",
            Error::Expired => "token_expired",
            Error::NotYetValid => "token_not_yet_valid",
            Error::Revoked => "token_revoked",
            Error::Reused => "token_reuse",
            Error::Forbidden(_) => "forbidden",
            Error::Config { .. } => "configuration_error",
            Error::PasswordHash(_) => "invalid_password_hash",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// Result alias of the engine.
pub type Result<T, E = Error> = std::result::Result<T, E>;
