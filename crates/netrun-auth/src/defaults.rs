//! Every default and bound of the engine's settings, defined once.
//!
//! [`crate::token::EngineConfig::new`], [`crate::password::Argon2Config::default`]
//! and [`crate::password::PasswordPolicy::default`] use these; front ends (the
//! Python `AuthConfig`) take their defaults and bounds from here too, so the two
//! languages cannot disagree.

/// Access token lifetime, in seconds (15 minutes).
pub const ACCESS_TTL_SECONDS: i64 = 900;
/// Refresh token lifetime, in seconds (30 days).
pub const REFRESH_TTL_SECONDS: i64 = 30 * 24 * 3600;

/// Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds.
pub const LEEWAY_SECONDS: i64 = 30;
/// Largest leeway accepted: small, so an expired token dies soon.
pub const MAX_LEEWAY_SECONDS: i64 = 60;

/// Tokens longer than this many bytes are refused before any parsing.
pub const MAX_TOKEN_BYTES: usize = 8192;
/// Smallest token size cap that may be configured.
pub const MAX_TOKEN_BYTES_LOWER_BOUND: usize = 512;
/// Largest token size cap that may be configured.
pub const MAX_TOKEN_BYTES_UPPER_BOUND: usize = 65_536;

/// Verified tokens remembered by the cache.
pub const TOKEN_CACHE_SIZE: usize = 10_000;

/// argon2id memory cost in KiB (OWASP: 19 MiB).
pub const ARGON2_MEMORY_KIB: u32 = 19_456;
/// argon2id passes (OWASP).
pub const ARGON2_ITERATIONS: u32 = 2;
/// argon2id lanes (OWASP).
pub const ARGON2_PARALLELISM: u32 = 1;

/// Fewest characters (code points) of a new password (NIST SP 800-63B).
pub const PASSWORD_MIN_LENGTH: usize = 8;
/// Most characters of a new password.
pub const PASSWORD_MAX_LENGTH: usize = 128;
