//! The engine's error type: small, `#[non_exhaustive]`, and free of secrets.
//!
//! Messages never contain a token, key material or a password. Every variant
//! has a stable machine-readable [`Error::code`] and belongs to one
//! [`ErrorKind`], which front ends map to their own exception or status.
//!
//! Errors speak in the engine's own terms: a bad setting names the
//! [`Setting`] (a field of [`crate::token::EngineConfig`],
//! [`crate::password::Argon2Config`] or [`crate::password::PasswordPolicy`]),
//! a bad key names the [`KeySlot`] of [`crate::token::KeyConfig`] it was given
//! in. Front ends translate those to the names of their own settings.

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
    /// An argument of a call is unusable (an empty user id, text that is not Unicode).
    InvalidInput,
    /// The system random generator or the crypto library failed.
    Crypto,
    /// A stored password hash is malformed or of an unknown scheme.
    PasswordHash,
}

/// An engine setting, named in configuration errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Setting {
    /// [`crate::token::EngineConfig::issuer`].
    Issuer,
    /// [`crate::token::EngineConfig::audience`].
    Audience,
    /// [`crate::token::EngineConfig::algorithm`].
    Algorithm,
    /// [`crate::token::EngineConfig::allowed_algorithms`].
    AllowedAlgorithms,
    /// [`crate::token::EngineConfig::access_ttl_seconds`].
    AccessTtl,
    /// [`crate::token::EngineConfig::refresh_ttl_seconds`].
    RefreshTtl,
    /// [`crate::token::EngineConfig::leeway_seconds`].
    Leeway,
    /// [`crate::token::EngineConfig::max_token_bytes`].
    MaxTokenBytes,
    /// [`crate::password::Argon2Config::memory_kib`].
    Argon2Memory,
    /// [`crate::password::Argon2Config::iterations`].
    Argon2Iterations,
    /// [`crate::password::Argon2Config::parallelism`].
    Argon2Parallelism,
    /// [`crate::password::PasswordPolicy::min_length`].
    PasswordMinLength,
    /// [`crate::password::PasswordPolicy::max_length`].
    PasswordMaxLength,
    /// [`crate::protection::LockoutPolicy::window_seconds`].
    LoginWindow,
    /// [`crate::protection::LockoutPolicy::max_failures_per_username`].
    LoginMaxFailuresPerUsername,
    /// [`crate::protection::LockoutPolicy::max_failures_per_ip`].
    LoginMaxFailuresPerIp,
    /// [`crate::protection::LockoutPolicy::lockout_base_seconds`].
    LoginLockoutBase,
    /// [`crate::protection::LockoutPolicy::lockout_max_seconds`].
    LoginLockoutMax,
    /// The key of [`crate::protection::SubjectHasher`].
    LoginHashKey,
}

impl Setting {
    /// The engine's name of the setting (the Rust field name).
    pub fn name(self) -> &'static str {
        match self {
            Setting::Issuer => "issuer",
            Setting::Audience => "audience",
            Setting::Algorithm => "algorithm",
            Setting::AllowedAlgorithms => "allowed_algorithms",
            Setting::AccessTtl => "access_ttl_seconds",
            Setting::RefreshTtl => "refresh_ttl_seconds",
            Setting::Leeway => "leeway_seconds",
            Setting::MaxTokenBytes => "max_token_bytes",
            Setting::Argon2Memory => "argon2 memory_kib",
            Setting::Argon2Iterations => "argon2 iterations",
            Setting::Argon2Parallelism => "argon2 parallelism",
            Setting::PasswordMinLength => "min_length",
            Setting::PasswordMaxLength => "max_length",
            Setting::LoginWindow => "window_seconds",
            Setting::LoginMaxFailuresPerUsername => "max_failures_per_username",
            Setting::LoginMaxFailuresPerIp => "max_failures_per_ip",
            Setting::LoginLockoutBase => "lockout_base_seconds",
            Setting::LoginLockoutMax => "lockout_max_seconds",
            Setting::LoginHashKey => "subject hash key",
        }
    }
}

impl Setting {
    /// The name of the shared `NETRUN_AUTH_*` setting this comes from (lowercase,
    /// without the prefix): what the Python `AuthConfig` and the Rust front ends
    /// call it, so that one `.env` and one error message serve both languages.
    pub fn config_name(self) -> &'static str {
        match self {
            Setting::Issuer => "jwt_issuer",
            Setting::Audience => "jwt_audience",
            Setting::Algorithm => "jwt_algorithm",
            Setting::AllowedAlgorithms => "jwt_allowed_algorithms",
            Setting::AccessTtl => "access_token_expire_minutes",
            Setting::RefreshTtl => "refresh_token_expire_days",
            Setting::Leeway => "leeway_seconds",
            Setting::MaxTokenBytes => "max_token_bytes",
            Setting::Argon2Memory => "password_argon2_memory_kib",
            Setting::Argon2Iterations => "password_argon2_iterations",
            Setting::Argon2Parallelism => "password_argon2_parallelism",
            Setting::PasswordMinLength => "password_min_length",
            Setting::PasswordMaxLength => "password_max_length",
            Setting::LoginWindow => "login_window_seconds",
            Setting::LoginMaxFailuresPerUsername => "login_max_failures_per_username",
            Setting::LoginMaxFailuresPerIp => "login_max_failures_per_ip",
            Setting::LoginLockoutBase => "login_lockout_base_seconds",
            Setting::LoginLockoutMax => "login_lockout_max_seconds",
            Setting::LoginHashKey => "login_hash_key",
        }
    }
}

impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where a key was given ([`crate::token::KeyConfig`]'s fields), named in key errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeySlot {
    /// [`crate::token::KeyConfig::private_key`].
    PrivateKey,
    /// [`crate::token::KeyConfig::public_key`].
    PublicKey,
    /// [`crate::token::KeyConfig::secret`].
    Secret,
    /// [`crate::token::KeyConfig::verification_keys`], by index.
    VerificationKey(usize),
}

impl fmt::Display for KeySlot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeySlot::PrivateKey => f.write_str("private key"),
            KeySlot::PublicKey => f.write_str("public key"),
            KeySlot::Secret => f.write_str("secret"),
            KeySlot::VerificationKey(i) => write!(f, "verification key {i}"),
        }
    }
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
    /// The request's `Authorization` header or token cookie cannot carry a token
    /// (see [`crate::credentials`]).
    #[error("{0}")]
    BadCredentials(&'static str),
    /// The request's `Authorization` header or token cookie is over the size cap.
    #[error("{0}")]
    CredentialsTooLarge(&'static str),
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
    /// A setting has an unacceptable value.
    #[error("{setting}: {reason}")]
    Setting { setting: Setting, reason: String },
    /// Key material cannot be used; `slot` says where it was given, when known.
    #[error("{}: {reason}", slot.map_or_else(|| "key".to_owned(), |s| s.to_string()))]
    Key {
        slot: Option<KeySlot>,
        reason: String,
    },
    /// A role definition or assignment is refused; `subject` names the role(s).
    #[error("{subject}: {reason}")]
    Role { subject: String, reason: String },
    /// An argument of a call is unusable; `argument` names it.
    #[error("{argument}: {reason}")]
    InvalidInput {
        argument: &'static str,
        reason: String,
    },
    /// The system random generator failed.
    #[error("the system random generator failed")]
    Random,
    /// The crypto library failed to do something it should not fail at.
    #[error("the crypto library failed: {0}")]
    Crypto(&'static str),
    /// A stored password hash cannot be used.
    #[error("password hash: {0}")]
    PasswordHash(&'static str),
}

impl Error {
    /// A [`Error::Setting`] error.
    pub fn setting(setting: Setting, reason: impl Into<String>) -> Self {
        Error::Setting {
            setting,
            reason: reason.into(),
        }
    }

    /// A [`Error::Key`] error, its slot not known yet (see [`Error::in_slot`]).
    pub fn key(reason: impl Into<String>) -> Self {
        Error::Key {
            slot: None,
            reason: reason.into(),
        }
    }

    /// A [`Error::Key`] error about the key given in `slot`.
    pub fn key_in(slot: KeySlot, reason: impl Into<String>) -> Self {
        Error::Key {
            slot: Some(slot),
            reason: reason.into(),
        }
    }

    /// The same error; a key error without a slot gets `slot`.
    pub fn in_slot(self, slot: KeySlot) -> Self {
        match self {
            Error::Key { slot: None, reason } => Error::Key {
                slot: Some(slot),
                reason,
            },
            other => other,
        }
    }

    /// A [`Error::Role`] error.
    pub fn role(subject: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Role {
            subject: subject.into(),
            reason: reason.into(),
        }
    }

    /// An [`Error::InvalidInput`] error.
    pub fn input(argument: &'static str, reason: impl Into<String>) -> Self {
        Error::InvalidInput {
            argument,
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
            Error::Setting { .. } | Error::Key { .. } | Error::Role { .. } => {
                ErrorKind::Configuration
            }
            Error::InvalidInput { .. } => ErrorKind::InvalidInput,
            Error::Random | Error::Crypto(_) => ErrorKind::Crypto,
            Error::PasswordHash(_) => ErrorKind::PasswordHash,
            _ => ErrorKind::TokenInvalid,
        }
    }

    /// A stable, machine-readable code (`snake_case`).
    pub fn code(&self) -> &'static str {
        match self {
            Error::TokenTooLarge { .. } => "token_too_large",
            Error::Malformed(_) | Error::BadCredentials(_) => "token_malformed",
            Error::CredentialsTooLarge(_) => "token_too_large",
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
            Error::Setting { .. } | Error::Key { .. } | Error::Role { .. } => "configuration_error",
            Error::InvalidInput { .. } => "invalid_input",
            Error::Random => "random_failure",
            Error::Crypto(_) => "crypto_failure",
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
