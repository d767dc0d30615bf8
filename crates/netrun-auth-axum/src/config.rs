//! [`AuthConfig`]: the settings of the Python `AuthConfig`, read from the same
//! `NETRUN_AUTH_*` variables and `.env` file (one `.env` serves both languages),
//! with the same names, defaults and bounds; or built in code with [`AuthConfigBuilder`].
//!
//! Precedence is the Python side's: values set in code, then environment variables
//! (names case-insensitive), then `.env` in the working directory, then defaults.
//! Errors name the setting, in pydantic's words (`leeway_seconds: Input should be
//! less than or equal to 60`); several problems are joined by `; `.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use netrun_auth::defaults::{integer_setting, IntegerSetting, INTEGER_SETTINGS};
use netrun_auth::{Algorithm, EngineConfig, KeyConfig, Setting, TokenEngine};

use crate::settings::{describe, KeyLabels};

/// Prefix of every variable.
pub const ENV_PREFIX: &str = "NETRUN_AUTH_";

/// Paths where a bad token is ignored instead of answered with 401 (the Python default).
pub const DEFAULT_PUBLIC_PATHS: [&str; 5] = [
    "/health",
    "/docs",
    "/docs/oauth2-redirect",
    "/redoc",
    "/openapi.json",
];

/// A setting is missing or wrong; the message names it (Python's `ConfigurationError`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

impl From<netrun_auth::Error> for ConfigError {
    /// The engine's message, a setting or key named as this crate's setting.
    fn from(error: netrun_auth::Error) -> Self {
        ConfigError(describe(&error, &KeyLabels::default()))
    }
}

/// Every setting. Field names are the Python ones; secrets are redacted in `Debug`.
#[derive(Clone, PartialEq)]
pub struct AuthConfig {
    /// `iss` of every token; required.
    pub jwt_issuer: Option<String>,
    /// `aud` of every token; required.
    pub jwt_audience: Option<String>,
    /// Signing algorithm. Default `RS256`.
    pub jwt_algorithm: String,
    /// Algorithms accepted when verifying; empty: only `jwt_algorithm`.
    pub jwt_allowed_algorithms: Vec<String>,
    /// PEM or JWK file of the signing key.
    pub jwt_private_key_path: Option<PathBuf>,
    /// PEM or JWK file of its public key.
    pub jwt_public_key_path: Option<PathBuf>,
    /// Inline signing key (PEM or JWK).
    pub jwt_private_key: Option<String>,
    /// Inline public key (PEM or JWK).
    pub jwt_public_key: Option<String>,
    /// More public keys or JWKS files accepted when verifying (key rotation).
    pub jwt_verification_key_paths: Vec<PathBuf>,
    /// HMAC secret, only for HS* algorithms.
    pub jwt_secret: Option<String>,
    /// `kid` to use instead of the key thumbprint.
    pub jwt_key_id: Option<String>,
    /// Access token lifetime in minutes, 1..=1440. Default 15.
    pub access_token_expire_minutes: i64,
    /// Refresh token lifetime in days, 1..=365. Default 30.
    pub refresh_token_expire_days: i64,
    /// Clock skew tolerated, 0..=60 seconds. Default 30.
    pub leeway_seconds: i64,
    /// Longest token accepted, 512..=65536 bytes. Default 8192.
    pub max_token_bytes: i64,
    /// Verified tokens remembered (0 disables). Default 10 000.
    pub token_cache_size: i64,
    /// Retry window of a refresh whose answer was lost, 0..=300 seconds (0: off).
    /// Default 30 (docs/tokens.md, "Retrying a refresh").
    pub refresh_grace_seconds: i64,
    /// Redis URL of the shared store. Default `redis://localhost:6379/0`.
    pub redis_url: String,
    /// Prefix of every Redis key. Default `netrun:`.
    pub redis_key_prefix: String,
    /// Bound of each store operation, in seconds, 0 < t <= 30. Default 0.5.
    pub redis_timeout_seconds: f64,
    /// A [`RedisStore`](crate::RedisStore) keeps a local mirror of the revocation keys,
    /// kept current by Redis pub/sub, and decides validations from it while it is live
    /// (no round trip; Redis, failing closed, while it is not); the Python
    /// `redis_local_mirror`. Default true, as in Python; false: one round trip per
    /// validation (strict).
    pub redis_local_mirror: bool,
    /// Paths where a bad token is ignored; an entry ending in `*` is a prefix.
    pub public_paths: Vec<String>,
    /// Also read the token from this cookie (when there is no `Authorization` header).
    pub auth_cookie_name: Option<String>,
    /// argon2id memory in KiB (>= 8). Default 19 456. Password settings are
    /// validated like the Python side's and used by Python only.
    pub password_argon2_memory_kib: i64,
    /// argon2id iterations (>= 1). Default 2.
    pub password_argon2_iterations: i64,
    /// argon2id lanes (>= 1). Default 1.
    pub password_argon2_parallelism: i64,
    /// Shortest password (>= 1). Default 8.
    pub password_min_length: i64,
    /// Longest password, 8..=4096. Default 128.
    pub password_max_length: i64,
    /// Policy: an uppercase letter. Default false.
    pub password_require_uppercase: bool,
    /// Policy: a lowercase letter. Default false.
    pub password_require_lowercase: bool,
    /// Policy: a digit. Default false.
    pub password_require_digit: bool,
    /// Policy: a special character. Default false.
    pub password_require_special: bool,
}

impl Default for AuthConfig {
    /// The documented defaults (issuer and audience unset).
    fn default() -> Self {
        AuthConfig {
            jwt_issuer: None,
            jwt_audience: None,
            jwt_algorithm: "RS256".into(),
            jwt_allowed_algorithms: Vec::new(),
            jwt_private_key_path: None,
            jwt_public_key_path: None,
            jwt_private_key: None,
            jwt_public_key: None,
            jwt_verification_key_paths: Vec::new(),
            jwt_secret: None,
            jwt_key_id: None,
            access_token_expire_minutes: default_of("access_token_expire_minutes"),
            refresh_token_expire_days: default_of("refresh_token_expire_days"),
            leeway_seconds: default_of("leeway_seconds"),
            max_token_bytes: default_of("max_token_bytes"),
            token_cache_size: default_of("token_cache_size"),
            refresh_grace_seconds: default_of("refresh_grace_seconds"),
            redis_url: "redis://localhost:6379/0".into(),
            redis_key_prefix: "netrun:".into(),
            redis_timeout_seconds: 0.5,
            redis_local_mirror: true,
            public_paths: DEFAULT_PUBLIC_PATHS.map(String::from).to_vec(),
            auth_cookie_name: None,
            password_argon2_memory_kib: default_of("password_argon2_memory_kib"),
            password_argon2_iterations: default_of("password_argon2_iterations"),
            password_argon2_parallelism: default_of("password_argon2_parallelism"),
            password_min_length: default_of("password_min_length"),
            password_max_length: default_of("password_max_length"),
            password_require_uppercase: false,
            password_require_lowercase: false,
            password_require_digit: false,
            password_require_special: false,
        }
    }
}

impl fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redact = |v: &Option<String>| v.as_ref().map(|_| "**********");
        f.debug_struct("AuthConfig")
            .field("jwt_issuer", &self.jwt_issuer)
            .field("jwt_audience", &self.jwt_audience)
            .field("jwt_algorithm", &self.jwt_algorithm)
            .field("jwt_allowed_algorithms", &self.jwt_allowed_algorithms)
            .field("jwt_private_key_path", &self.jwt_private_key_path)
            .field("jwt_public_key_path", &self.jwt_public_key_path)
            .field("jwt_private_key", &redact(&self.jwt_private_key))
            .field(
                "jwt_public_key",
                &self.jwt_public_key.as_ref().map(|_| "<set>"),
            )
            .field(
                "jwt_verification_key_paths",
                &self.jwt_verification_key_paths,
            )
            .field("jwt_secret", &redact(&self.jwt_secret))
            .field("jwt_key_id", &self.jwt_key_id)
            .field(
                "access_token_expire_minutes",
                &self.access_token_expire_minutes,
            )
            .field("refresh_token_expire_days", &self.refresh_token_expire_days)
            .field("leeway_seconds", &self.leeway_seconds)
            .field("max_token_bytes", &self.max_token_bytes)
            .field("token_cache_size", &self.token_cache_size)
            .field("refresh_grace_seconds", &self.refresh_grace_seconds)
            .field("redis_url", &"<set>")
            .field("redis_key_prefix", &self.redis_key_prefix)
            .field("redis_timeout_seconds", &self.redis_timeout_seconds)
            .field("public_paths", &self.public_paths)
            .field("auth_cookie_name", &self.auth_cookie_name)
            .finish_non_exhaustive()
    }
}

impl AuthConfig {
    /// Settings from `NETRUN_AUTH_*` variables and `.env` in the working directory.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_sources(std::env::vars(), Some(Path::new(".env")))
    }

    /// Settings from these variables, then this `.env` file (if it exists), then defaults.
    pub fn from_sources(
        vars: impl IntoIterator<Item = (String, String)>,
        dotenv: Option<&Path>,
    ) -> Result<Self, ConfigError> {
        let values = gather(ENV_PREFIX, vars, dotenv)?;
        let mut config = AuthConfig::default();
        let mut problems = Vec::new();
        config.read(&values, &mut problems);
        config.check(&mut problems);
        finish(config, problems)
    }

    /// A builder starting from the defaults (no environment read).
    pub fn builder() -> AuthConfigBuilder {
        AuthConfigBuilder {
            config: AuthConfig::default(),
        }
    }

    /// Access token lifetime in seconds.
    pub fn access_token_ttl_seconds(&self) -> i64 {
        self.access_token_expire_minutes * 60
    }

    /// Refresh token lifetime in seconds.
    pub fn refresh_token_ttl_seconds(&self) -> i64 {
        self.refresh_token_expire_days * 24 * 3600
    }

    /// Check every bound (what pydantic checks on the Python side).
    pub fn validate(&self) -> Result<(), ConfigError> {
        let mut problems = Vec::new();
        self.check(&mut problems);
        finish((), problems)
    }

    /// Load the configured keys once and build the engine (Python's `build_engine`).
    pub fn build_engine(&self) -> Result<TokenEngine, ConfigError> {
        self.validate()?;
        let issuer = match self.jwt_issuer.as_deref() {
            Some(s) if !s.is_empty() => s,
            _ => {
                return Err(ConfigError(
                    "jwt_issuer: must be set (NETRUN_AUTH_JWT_ISSUER)".into(),
                ))
            }
        };
        let audience = match self.jwt_audience.as_deref() {
            Some(s) if !s.is_empty() => s,
            _ => {
                return Err(ConfigError(
                    "jwt_audience: must be set (NETRUN_AUTH_JWT_AUDIENCE)".into(),
                ))
            }
        };
        let mut engine = EngineConfig::new(issuer, audience);
        engine.algorithm = Algorithm::from_setting(&self.jwt_algorithm, Setting::Algorithm)?;
        engine.allowed_algorithms = self
            .jwt_allowed_algorithms
            .iter()
            .map(|a| Algorithm::from_setting(a, Setting::AllowedAlgorithms))
            .collect::<Result<_, _>>()?;
        engine.access_ttl_seconds = self.access_token_ttl_seconds();
        engine.refresh_ttl_seconds = self.refresh_token_ttl_seconds();
        engine.leeway_seconds = self.leeway_seconds;
        engine.max_token_bytes = self.max_token_bytes as usize;
        engine.cache_size = self.token_cache_size as usize;
        let mut labels = KeyLabels::default();
        let private_key = inline_or_file(
            "jwt_private_key",
            self.jwt_private_key.as_deref(),
            "jwt_private_key_path",
            self.jwt_private_key_path.as_deref(),
        )?
        .map(|(name, bytes)| {
            labels.private_key = name;
            bytes
        });
        let public_key = inline_or_file(
            "jwt_public_key",
            self.jwt_public_key.as_deref(),
            "jwt_public_key_path",
            self.jwt_public_key_path.as_deref(),
        )?
        .map(|(name, bytes)| {
            labels.public_key = name;
            bytes
        });
        let keys = KeyConfig {
            private_key,
            public_key,
            secret: self.jwt_secret.as_ref().map(|s| s.as_bytes().to_vec()),
            verification_keys: self
                .jwt_verification_key_paths
                .iter()
                .map(|p| read("jwt_verification_key_paths", p))
                .collect::<Result<_, _>>()?,
            key_id: self.jwt_key_id.clone(),
        };
        TokenEngine::new(engine, keys).map_err(|e| ConfigError(describe(&e, &labels)))
    }

    /// Each integer setting of the engine's table with its field.
    fn integers_mut(&mut self) -> [(&'static IntegerSetting, &mut i64); 11] {
        let fields = [
            &mut self.access_token_expire_minutes,
            &mut self.refresh_token_expire_days,
            &mut self.leeway_seconds,
            &mut self.max_token_bytes,
            &mut self.token_cache_size,
            &mut self.refresh_grace_seconds,
            &mut self.password_argon2_memory_kib,
            &mut self.password_argon2_iterations,
            &mut self.password_argon2_parallelism,
            &mut self.password_min_length,
            &mut self.password_max_length,
        ];
        let mut settings = INTEGER_SETTINGS.iter();
        fields.map(|field| (settings.next().expect("one setting per field"), field))
    }

    fn read(&mut self, values: &HashMap<String, String>, problems: &mut Vec<String>) {
        let get = |name: &str| values.get(name).map(String::as_str);
        let text = |name: &str, slot: &mut Option<String>| {
            if let Some(v) = get(name) {
                *slot = Some(v.to_owned());
            }
        };
        text("jwt_issuer", &mut self.jwt_issuer);
        text("jwt_audience", &mut self.jwt_audience);
        text("jwt_private_key", &mut self.jwt_private_key);
        text("jwt_public_key", &mut self.jwt_public_key);
        text("jwt_secret", &mut self.jwt_secret);
        text("jwt_key_id", &mut self.jwt_key_id);
        text("auth_cookie_name", &mut self.auth_cookie_name);
        if let Some(v) = get("jwt_algorithm") {
            self.jwt_algorithm = v.to_owned();
        }
        if let Some(v) = get("redis_url") {
            self.redis_url = v.to_owned();
        }
        if let Some(v) = get("redis_key_prefix") {
            self.redis_key_prefix = v.to_owned();
        }
        let path = |name: &str, slot: &mut Option<PathBuf>| {
            if let Some(v) = get(name).filter(|v| !v.is_empty()) {
                *slot = Some(PathBuf::from(v));
            }
        };
        path("jwt_private_key_path", &mut self.jwt_private_key_path);
        path("jwt_public_key_path", &mut self.jwt_public_key_path);
        if let Some(v) = get("jwt_allowed_algorithms") {
            self.jwt_allowed_algorithms = comma_list(v);
        }
        if let Some(v) = get("public_paths") {
            self.public_paths = comma_list(v);
        }
        if let Some(v) = get("jwt_verification_key_paths") {
            self.jwt_verification_key_paths =
                comma_list(v).into_iter().map(PathBuf::from).collect();
        }
        for (setting, slot) in self.integers_mut() {
            if let Some(v) = get(setting.name) {
                match v.trim().parse::<i64>() {
                    Ok(n) => *slot = n,
                    Err(_) => problems.push(format!(
                        "{}: Input should be a valid integer, unable to parse string as an integer",
                        setting.name
                    )),
                }
            }
        }
        for (name, slot) in [
            ("redis_local_mirror", &mut self.redis_local_mirror),
            (
                "password_require_uppercase",
                &mut self.password_require_uppercase,
            ),
            (
                "password_require_lowercase",
                &mut self.password_require_lowercase,
            ),
            ("password_require_digit", &mut self.password_require_digit),
            (
                "password_require_special",
                &mut self.password_require_special,
            ),
        ] {
            if let Some(v) = get(name) {
                match parse_bool(v) {
                    Some(b) => *slot = b,
                    None => problems.push(format!(
                        "{name}: Input should be a valid boolean, unable to interpret input"
                    )),
                }
            }
        }
        if let Some(v) = get("redis_timeout_seconds") {
            match v.trim().parse::<f64>() {
                Ok(n) if n.is_finite() => self.redis_timeout_seconds = n,
                _ => problems.push(
                    "redis_timeout_seconds: Input should be a valid number, unable to parse string as a number"
                        .into(),
                ),
            }
        }
    }

    fn check(&self, problems: &mut Vec<String>) {
        let mut copy = self.clone();
        for (setting, value) in copy.integers_mut() {
            if let Some(problem) = setting.problem(*value) {
                problems.push(format!("{}: {problem}", setting.name));
            }
        }
        let t = self.redis_timeout_seconds;
        if t.is_nan() || t <= 0.0 {
            problems.push("redis_timeout_seconds: Input should be greater than 0".into());
        } else if t > 30.0 {
            problems.push("redis_timeout_seconds: Input should be less than or equal to 30".into());
        }
        if problems.is_empty() && self.password_min_length > self.password_max_length {
            problems.push(
                "Value error, password_min_length must not exceed password_max_length".into(),
            );
        }
    }
}

/// The default of the engine's integer setting `name` (every name used here is listed).
fn default_of(name: &str) -> i64 {
    integer_setting(name).map_or(0, |s| s.default)
}

fn finish<T>(value: T, problems: Vec<String>) -> Result<T, ConfigError> {
    if problems.is_empty() {
        Ok(value)
    } else {
        Err(ConfigError(problems.join("; ")))
    }
}

/// Keep `NETRUN_AUTH_<NAME>` (any case) as `<name>`.
/// The settings named `<prefix><NAME>` (case-insensitive) in this `.env` file (if it
/// exists), then in these variables (which win), by lower-case `name`.
pub(crate) fn gather(
    prefix: &str,
    vars: impl IntoIterator<Item = (String, String)>,
    dotenv: Option<&Path>,
) -> Result<HashMap<String, String>, ConfigError> {
    let mut values = HashMap::new();
    let mut put = |name: &str, value: String| {
        if let Some(setting) = name.to_ascii_uppercase().strip_prefix(prefix) {
            values.insert(setting.to_ascii_lowercase(), value);
        }
    };
    if let Some(path) = dotenv.filter(|p| p.is_file()) {
        let entries = dotenvy::from_path_iter(path)
            .map_err(|e| ConfigError(format!(".env: cannot read {}: {e}", path.display())))?;
        for entry in entries {
            let (name, value) =
                entry.map_err(|e| ConfigError(format!(".env: {}: {e}", path.display())))?;
            put(&name, value);
        }
    }
    for (name, value) in vars {
        put(&name, value);
    }
    Ok(values)
}

pub(crate) fn comma_list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

/// pydantic's boolean words.
pub(crate) fn parse_bool(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "t" | "yes" | "y" | "on" => Some(true),
        "0" | "false" | "f" | "no" | "n" | "off" => Some(false),
        _ => None,
    }
}

/// The key given inline or by path (not both), with the setting it came from.
fn inline_or_file(
    inline_name: &'static str,
    inline: Option<&str>,
    path_name: &'static str,
    path: Option<&Path>,
) -> Result<Option<(&'static str, Vec<u8>)>, ConfigError> {
    let inline = inline.filter(|s| !s.is_empty());
    match (inline, path) {
        (Some(_), Some(_)) => Err(ConfigError(format!(
            "{inline_name} and {path_name}: set one of them, not both"
        ))),
        (Some(text), None) => Ok(Some((inline_name, text.as_bytes().to_vec()))),
        (None, Some(path)) => Ok(Some((path_name, read(path_name, path)?))),
        (None, None) => Ok(None),
    }
}

fn read(setting: &str, path: &Path) -> Result<Vec<u8>, ConfigError> {
    let expanded = match (path.strip_prefix("~"), std::env::var_os("HOME")) {
        (Ok(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => path.to_path_buf(),
    };
    std::fs::read(&expanded).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => {
            ConfigError(format!("{setting}: file not found: {}", path.display()))
        }
        _ => ConfigError(format!("{setting}: cannot read {}: {e}", path.display())),
    })
}

/// Code-first configuration: `AuthConfig::builder().issuer(..).audience(..)...build()`.
#[derive(Debug, Clone)]
pub struct AuthConfigBuilder {
    config: AuthConfig,
}

macro_rules! setters {
    ($($(#[$doc:meta])* $name:ident: $field:ident = $ty:ty => |$v:ident| $conv:expr;)*) => {
        $( $(#[$doc])* pub fn $name(mut self, $v: $ty) -> Self {
            self.config.$field = $conv;
            self
        } )*
    };
}

impl AuthConfigBuilder {
    setters! {
        /// `jwt_issuer`.
        issuer: jwt_issuer = &str => |v| Some(v.to_owned());
        /// `jwt_audience`.
        audience: jwt_audience = &str => |v| Some(v.to_owned());
        /// `jwt_algorithm` (`RS256`, `ES256`, `EdDSA`, `HS256`, ...).
        algorithm: jwt_algorithm = &str => |v| v.to_owned();
        /// `jwt_private_key`: inline PEM or JWK.
        private_key: jwt_private_key = &str => |v| Some(v.to_owned());
        /// `jwt_public_key`: inline PEM or JWK.
        public_key: jwt_public_key = &str => |v| Some(v.to_owned());
        /// `jwt_private_key_path`.
        private_key_path: jwt_private_key_path = &Path => |v| Some(v.to_path_buf());
        /// `jwt_public_key_path`.
        public_key_path: jwt_public_key_path = &Path => |v| Some(v.to_path_buf());
        /// `jwt_secret` (HS* only).
        secret: jwt_secret = &str => |v| Some(v.to_owned());
        /// `jwt_key_id`.
        key_id: jwt_key_id = &str => |v| Some(v.to_owned());
        /// `access_token_expire_minutes`.
        access_token_expire_minutes: access_token_expire_minutes = i64 => |v| v;
        /// `refresh_token_expire_days`.
        refresh_token_expire_days: refresh_token_expire_days = i64 => |v| v;
        /// `leeway_seconds`.
        leeway_seconds: leeway_seconds = i64 => |v| v;
        /// `max_token_bytes`.
        max_token_bytes: max_token_bytes = i64 => |v| v;
        /// `token_cache_size`.
        token_cache_size: token_cache_size = i64 => |v| v;
        /// `refresh_grace_seconds` (0 turns the retry rule off).
        refresh_grace_seconds: refresh_grace_seconds = i64 => |v| v;
        /// `redis_url`.
        redis_url: redis_url = &str => |v| v.to_owned();
        /// `redis_key_prefix`.
        redis_key_prefix: redis_key_prefix = &str => |v| v.to_owned();
        /// `redis_timeout_seconds`.
        redis_timeout_seconds: redis_timeout_seconds = f64 => |v| v;
        /// `auth_cookie_name`.
        cookie_name: auth_cookie_name = &str => |v| Some(v.to_owned());
    }

    /// `jwt_allowed_algorithms`.
    pub fn allowed_algorithms<S: Into<String>>(
        mut self,
        values: impl IntoIterator<Item = S>,
    ) -> Self {
        self.config.jwt_allowed_algorithms = values.into_iter().map(Into::into).collect();
        self
    }

    /// `jwt_verification_key_paths`.
    pub fn verification_key_paths<P: Into<PathBuf>>(
        mut self,
        values: impl IntoIterator<Item = P>,
    ) -> Self {
        self.config.jwt_verification_key_paths = values.into_iter().map(Into::into).collect();
        self
    }

    /// `public_paths` (an entry ending in `*` is a prefix).
    pub fn public_paths<S: Into<String>>(mut self, values: impl IntoIterator<Item = S>) -> Self {
        self.config.public_paths = values.into_iter().map(Into::into).collect();
        self
    }

    /// The checked configuration.
    pub fn build(self) -> Result<AuthConfig, ConfigError> {
        self.config.validate()?;
        Ok(self.config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::variable;

    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_match_the_python_side() {
        let config = AuthConfig::from_sources(vars(&[]), None).unwrap();
        assert_eq!(config, AuthConfig::default());
        assert_eq!(config.access_token_ttl_seconds(), 900);
        assert_eq!(config.refresh_token_ttl_seconds(), 30 * 86400);
        assert_eq!(config.public_paths[0], "/health");
        assert!(config.redis_local_mirror, "on by default, as in Python");
    }

    #[test]
    fn variables_are_read_case_insensitively_and_lists_split_on_commas() {
        let config = AuthConfig::from_sources(
            vars(&[
                ("netrun_auth_jwt_issuer", "iss"),
                ("NETRUN_AUTH_PUBLIC_PATHS", " /a, /b* ,,"),
                ("NETRUN_AUTH_REDIS_LOCAL_MIRROR", "no"),
                ("OTHER", "x"),
            ]),
            None,
        )
        .unwrap();
        assert_eq!(config.jwt_issuer.as_deref(), Some("iss"));
        assert_eq!(config.public_paths, ["/a", "/b*"]);
        assert!(!config.redis_local_mirror);
    }

    #[test]
    fn each_integer_variable_sets_its_own_field() {
        let config = AuthConfig::from_sources(
            INTEGER_SETTINGS
                .iter()
                .map(|s| (variable(s.name), (s.default + 1).to_string()))
                .collect::<Vec<_>>(),
            None,
        )
        .unwrap();
        let fields = [
            (
                "access_token_expire_minutes",
                config.access_token_expire_minutes,
            ),
            (
                "refresh_token_expire_days",
                config.refresh_token_expire_days,
            ),
            ("leeway_seconds", config.leeway_seconds),
            ("max_token_bytes", config.max_token_bytes),
            ("token_cache_size", config.token_cache_size),
            ("refresh_grace_seconds", config.refresh_grace_seconds),
            (
                "password_argon2_memory_kib",
                config.password_argon2_memory_kib,
            ),
            (
                "password_argon2_iterations",
                config.password_argon2_iterations,
            ),
            (
                "password_argon2_parallelism",
                config.password_argon2_parallelism,
            ),
            ("password_min_length", config.password_min_length),
            ("password_max_length", config.password_max_length),
        ];
        for (name, value) in fields {
            assert_eq!(value, default_of(name) + 1, "{name}");
        }
    }

    #[test]
    fn env_wins_over_dotenv() {
        let dir = std::env::temp_dir().join(format!("netrun-axum-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join(".env");
        std::fs::write(
            &file,
            "NETRUN_AUTH_JWT_ISSUER=from-file\nNETRUN_AUTH_JWT_AUDIENCE=\"aud file\"\n",
        )
        .unwrap();
        let config =
            AuthConfig::from_sources(vars(&[("NETRUN_AUTH_JWT_ISSUER", "from-env")]), Some(&file))
                .unwrap();
        assert_eq!(config.jwt_issuer.as_deref(), Some("from-env"));
        assert_eq!(config.jwt_audience.as_deref(), Some("aud file"));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn bounds_and_types_name_the_setting() {
        let err = AuthConfig::from_sources(
            vars(&[
                ("NETRUN_AUTH_LEEWAY_SECONDS", "61"),
                ("NETRUN_AUTH_ACCESS_TOKEN_EXPIRE_MINUTES", "0"),
                ("NETRUN_AUTH_MAX_TOKEN_BYTES", "ten"),
                ("NETRUN_AUTH_REDIS_TIMEOUT_SECONDS", "0"),
                ("NETRUN_AUTH_REFRESH_GRACE_SECONDS", "301"),
            ]),
            None,
        )
        .unwrap_err()
        .0;
        assert!(
            err.contains("leeway_seconds: Input should be less than or equal to 60"),
            "{err}"
        );
        assert!(
            err.contains("access_token_expire_minutes: Input should be greater than 0"),
            "{err}"
        );
        assert!(
            err.contains("max_token_bytes: Input should be a valid integer"),
            "{err}"
        );
        assert!(
            err.contains("refresh_grace_seconds: Input should be less than or equal to 300"),
            "{err}"
        );
        assert!(
            err.contains("redis_timeout_seconds: Input should be greater than 0"),
            "{err}"
        );
    }

    #[test]
    fn engine_needs_issuer_audience_and_one_key_source() {
        let err = AuthConfig::default().build_engine().err().unwrap().0;
        assert!(err.starts_with("jwt_issuer: must be set"), "{err}");
        let err = AuthConfig::builder()
            .issuer("i")
            .audience("a")
            .private_key("x")
            .private_key_path(Path::new("/nonexistent"))
            .build()
            .unwrap()
            .build_engine()
            .err()
            .unwrap()
            .0;
        assert_eq!(
            err,
            "jwt_private_key and jwt_private_key_path: set one of them, not both"
        );
        let err = AuthConfig::builder()
            .issuer("i")
            .audience("a")
            .public_key_path(Path::new("/nonexistent/key.pem"))
            .build()
            .unwrap()
            .build_engine()
            .err()
            .unwrap()
            .0;
        assert_eq!(
            err,
            "jwt_public_key_path: file not found: /nonexistent/key.pem"
        );
    }

    #[test]
    fn debug_redacts_secrets() {
        let config = AuthConfig::builder()
            .secret("hunter2-hunter2")
            .build()
            .unwrap();
        assert!(!format!("{config:?}").contains("hunter2"));
    }
}
