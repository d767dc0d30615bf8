//! The engine names settings and keys in its own terms ([`Setting`], [`KeySlot`]); this
//! module gives them the names of [`AuthConfig`](crate::AuthConfig) settings and their
//! `NETRUN_AUTH_*` variables, as the Python binding does for the Python `AuthConfig`.

use netrun_auth::{Error, KeySlot, Setting};

use crate::config::ENV_PREFIX;

/// The `AuthConfig` setting behind an engine setting (the engine's own name when this
/// crate has no such setting).
pub fn setting_name(setting: Setting) -> &'static str {
    match setting {
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
        other => other.name(),
    }
}

/// `jwt_issuer` -> `NETRUN_AUTH_JWT_ISSUER`.
pub fn variable(name: &str) -> String {
    format!("{ENV_PREFIX}{}", name.to_ascii_uppercase())
}

/// The settings the keys of one engine came from (inline value or file path).
#[derive(Debug, Clone)]
pub struct KeyLabels {
    /// `jwt_private_key` or `jwt_private_key_path`.
    pub private_key: &'static str,
    /// `jwt_public_key` or `jwt_public_key_path`.
    pub public_key: &'static str,
}

impl Default for KeyLabels {
    fn default() -> Self {
        KeyLabels {
            private_key: "jwt_private_key_path",
            public_key: "jwt_public_key_path",
        }
    }
}

impl KeyLabels {
    fn name(&self, slot: KeySlot) -> &'static str {
        match slot {
            KeySlot::PrivateKey => self.private_key,
            KeySlot::PublicKey => self.public_key,
            KeySlot::Secret => "jwt_secret",
            _ => "jwt_verification_key_paths",
        }
    }
}

/// The message of an engine error, a setting or key named as this crate's setting
/// (`leeway_seconds: ... (NETRUN_AUTH_LEEWAY_SECONDS)`). Never holds key material.
pub fn describe(error: &Error, keys: &KeyLabels) -> String {
    let named = |name: &str, reason: &str| format!("{name}: {reason} ({})", variable(name));
    match error {
        Error::Setting { setting, reason } => named(setting_name(*setting), reason),
        Error::Key {
            slot: Some(slot),
            reason,
        } => named(keys.name(*slot), reason),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_and_keys_are_named_by_their_variables() {
        let error = Error::setting(Setting::Leeway, "must be at most 60");
        assert_eq!(
            describe(&error, &KeyLabels::default()),
            "leeway_seconds: must be at most 60 (NETRUN_AUTH_LEEWAY_SECONDS)"
        );
        let labels = KeyLabels {
            private_key: "jwt_private_key",
            ..KeyLabels::default()
        };
        let error = Error::key_in(KeySlot::PrivateKey, "not a PEM or JWK key");
        assert_eq!(
            describe(&error, &labels),
            "jwt_private_key: not a PEM or JWK key (NETRUN_AUTH_JWT_PRIVATE_KEY)"
        );
        let error = Error::key_in(KeySlot::VerificationKey(1), "bad");
        assert!(describe(&error, &labels).starts_with("jwt_verification_key_paths: bad"));
    }
}
