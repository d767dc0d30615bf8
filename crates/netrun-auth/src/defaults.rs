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

/// The lower bound of an integer setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lower {
    /// The value must be greater than this (pydantic `gt`).
    Above(i64),
    /// The value must be at least this (pydantic `ge`).
    AtLeast(i64),
}

/// One integer setting of the shared `AuthConfig` (Python `AuthConfig` and the axum
/// crate's): its name, default and bounds, defined once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IntegerSetting {
    /// The setting's name (`NETRUN_AUTH_` + upper case is its variable).
    pub name: &'static str,
    /// Its default.
    pub default: i64,
    /// Smallest value accepted.
    pub lower: Lower,
    /// Largest value accepted (inclusive), `None` for no bound.
    pub upper: Option<i64>,
}

impl IntegerSetting {
    /// `None` when `value` is within the bounds, else what is wrong, in pydantic's words
    /// (`Input should be less than or equal to 60`).
    pub fn problem(&self, value: i64) -> Option<String> {
        match self.lower {
            Lower::Above(low) if value <= low => {
                return Some(format!("Input should be greater than {low}"))
            }
            Lower::AtLeast(low) if value < low => {
                return Some(format!("Input should be greater than or equal to {low}"))
            }
            _ => {}
        }
        match self.upper {
            Some(high) if value > high => {
                Some(format!("Input should be less than or equal to {high}"))
            }
            _ => None,
        }
    }
}

const fn setting(
    name: &'static str,
    default: i64,
    lower: Lower,
    upper: Option<i64>,
) -> IntegerSetting {
    IntegerSetting {
        name,
        default,
        lower,
        upper,
    }
}

/// Every integer setting of `AuthConfig` that the engine defines (the login-guard
/// settings are the Python side's alone).
pub const INTEGER_SETTINGS: [IntegerSetting; 11] = [
    setting(
        "access_token_expire_minutes",
        ACCESS_TTL_SECONDS / 60,
        Lower::Above(0),
        Some(24 * 60),
    ),
    setting(
        "refresh_token_expire_days",
        REFRESH_TTL_SECONDS / 86_400,
        Lower::Above(0),
        Some(365),
    ),
    setting(
        "leeway_seconds",
        LEEWAY_SECONDS,
        Lower::AtLeast(0),
        Some(MAX_LEEWAY_SECONDS),
    ),
    setting(
        "max_token_bytes",
        MAX_TOKEN_BYTES as i64,
        Lower::AtLeast(MAX_TOKEN_BYTES_LOWER_BOUND as i64),
        Some(MAX_TOKEN_BYTES_UPPER_BOUND as i64),
    ),
    setting(
        "token_cache_size",
        TOKEN_CACHE_SIZE as i64,
        Lower::AtLeast(0),
        None,
    ),
    setting(
        "refresh_grace_seconds",
        crate::revocation::REFRESH_GRACE_SECONDS,
        Lower::AtLeast(0),
        Some(crate::revocation::MAX_REFRESH_GRACE_SECONDS),
    ),
    setting(
        "password_argon2_memory_kib",
        ARGON2_MEMORY_KIB as i64,
        Lower::AtLeast(8),
        None,
    ),
    setting(
        "password_argon2_iterations",
        ARGON2_ITERATIONS as i64,
        Lower::AtLeast(1),
        None,
    ),
    setting(
        "password_argon2_parallelism",
        ARGON2_PARALLELISM as i64,
        Lower::AtLeast(1),
        None,
    ),
    setting(
        "password_min_length",
        PASSWORD_MIN_LENGTH as i64,
        Lower::AtLeast(1),
        None,
    ),
    setting(
        "password_max_length",
        PASSWORD_MAX_LENGTH as i64,
        Lower::AtLeast(8),
        Some(4096),
    ),
];

/// The integer setting called `name`.
pub fn integer_setting(name: &str) -> Option<&'static IntegerSetting> {
    INTEGER_SETTINGS.iter().find(|s| s.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_within_their_bounds_and_problems_use_pydantic_words() {
        for s in &INTEGER_SETTINGS {
            assert_eq!(s.problem(s.default), None, "{}", s.name);
        }
        let leeway = integer_setting("leeway_seconds").unwrap();
        assert_eq!(
            leeway.problem(61).unwrap(),
            "Input should be less than or equal to 60"
        );
        assert_eq!(
            leeway.problem(-1).unwrap(),
            "Input should be greater than or equal to 0"
        );
        let access = integer_setting("access_token_expire_minutes").unwrap();
        assert_eq!(access.problem(0).unwrap(), "Input should be greater than 0");
    }
}
