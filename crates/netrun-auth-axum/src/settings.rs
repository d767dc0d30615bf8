//! The engine names settings and keys in its own terms ([`netrun_auth::Setting`],
//! [`KeySlot`]); this module words its errors with the shared settings' names
//! ([`netrun_auth::Setting::config_name`]) and their `NETRUN_AUTH_*` variables, as the
//! Python binding does for the Python `AuthConfig`.

use netrun_auth::{Error, KeySlot};

use crate::config::ENV_PREFIX;

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
        Error::Setting { setting, reason } => named(setting.config_name(), reason),
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
    use netrun_auth::Setting;

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
