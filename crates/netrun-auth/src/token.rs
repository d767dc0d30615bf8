//! The token engine: issues token pairs and verifies tokens (RFC 7519 / RFC 8725).
//!
//! Verification order: size cap, three segments, header (size cap, strict
//! base64url and JSON), `alg` in the configured allow-list, no `crit`/`b64`,
//! `typ` (if present) is JWT and no `cty`, key by `kid`, signature, payload
//! (strict JSON, typed claims), time, issuer, audience, token type.
//! Header-embedded keys and key URLs (`jwk`, `jku`, `x5u`, `x5c`) are never used.

use std::sync::Arc;

use aws_lc_rs::rand::{self, SecureRandom as _};
use serde_json::{json, Map, Value};

use crate::algorithm::Algorithm;
use crate::base64url;
use crate::cache::{TokenKey, VerifiedCache};
use crate::claims::{self, Audience, ClaimRules, Claims, TokenType, REGISTERED};
use crate::defaults;
use crate::error::{Error, KeySlot, Result, Setting};
use crate::json;
use crate::jws::Compact;
pub use crate::keys::KeyConfig;
use crate::keys::{load_key_set, KeySet, SigningKey, VerifyingKey};

/// Engine settings. Every field documents its default.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// `iss` put in and required of every token. Required.
    pub issuer: String,
    /// `aud` put in and required of every token. Required.
    pub audience: String,
    /// Signing algorithm. Default RS256.
    pub algorithm: Algorithm,
    /// Algorithms accepted when verifying. Default: only `algorithm`.
    pub allowed_algorithms: Vec<Algorithm>,
    /// Access token lifetime. Default [`defaults::ACCESS_TTL_SECONDS`] (15 minutes).
    pub access_ttl_seconds: i64,
    /// Refresh token lifetime. Default [`defaults::REFRESH_TTL_SECONDS`] (30 days).
    pub refresh_ttl_seconds: i64,
    /// Clock skew tolerated. Default [`defaults::LEEWAY_SECONDS`] (30 s), at most
    /// [`defaults::MAX_LEEWAY_SECONDS`] (60 s).
    pub leeway_seconds: i64,
    /// Tokens longer than this are refused before any parsing. Default
    /// [`defaults::MAX_TOKEN_BYTES`] (8192), between 512 and 65 536.
    pub max_token_bytes: usize,
    /// Verified tokens remembered (0 disables the cache). Default
    /// [`defaults::TOKEN_CACHE_SIZE`] (10 000).
    pub cache_size: usize,
}

impl EngineConfig {
    /// Settings with the documented defaults.
    pub fn new(issuer: impl Into<String>, audience: impl Into<String>) -> Self {
        EngineConfig {
            issuer: issuer.into(),
            audience: audience.into(),
            algorithm: Algorithm::RS256,
            allowed_algorithms: Vec::new(),
            access_ttl_seconds: defaults::ACCESS_TTL_SECONDS,
            refresh_ttl_seconds: defaults::REFRESH_TTL_SECONDS,
            leeway_seconds: defaults::LEEWAY_SECONDS,
            max_token_bytes: defaults::MAX_TOKEN_BYTES,
            cache_size: defaults::TOKEN_CACHE_SIZE,
        }
    }
}

/// What to put in a new token pair.
#[derive(Debug, Clone, Default)]
pub struct PairRequest {
    pub user_id: String,
    pub organization_id: Option<String>,
    pub roles: Vec<String>,
    pub permissions: Vec<String>,
    /// Custom claims; registered claim names are refused.
    pub extra: Map<String, Value>,
    /// Keep this session id (a refresh); `None` starts a new session.
    pub session_id: Option<String>,
}

/// A freshly issued access and refresh token of one session.
#[derive(Debug, Clone)]
pub struct IssuedPair {
    pub access_token: String,
    pub refresh_token: String,
    pub access: Arc<Claims>,
    pub refresh: Arc<Claims>,
}

/// Issues and verifies tokens with keys parsed once.
pub struct TokenEngine {
    signing: Option<SigningKey>,
    encoded_header: String,
    verifying: Vec<VerifyingKey>,
    config: EngineConfig,
    rules: ClaimRules,
    cache: VerifiedCache,
}

impl TokenEngine {
    /// Build an engine, checking the configuration and loading every key once
    /// (see [`load_key_set`]).
    pub fn new(mut config: EngineConfig, keys: KeyConfig) -> Result<Self> {
        validate(&mut config)?;
        let KeySet { signing, verifying } =
            load_key_set(&keys, config.algorithm, &config.allowed_algorithms)?;
        let encoded_header = match &signing {
            Some(key) => base64url::encode(
                json!({"alg": config.algorithm.name(), "typ": "JWT", "kid": key.kid()}).to_string(),
            ),
            None => String::new(),
        };
        let rules = ClaimRules {
            issuer: config.issuer.clone(),
            audience: config.audience.clone(),
            leeway_seconds: config.leeway_seconds,
        };
        Ok(TokenEngine {
            cache: VerifiedCache::new(config.cache_size),
            signing,
            encoded_header,
            verifying,
            config,
            rules,
        })
    }

    /// The settings in force.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// The `kid` new tokens carry, if this engine can sign.
    pub fn signing_kid(&self) -> Option<&str> {
        self.signing.as_ref().map(SigningKey::kid)
    }

    /// Issue an access and a refresh token of one session.
    pub fn issue_pair(&self, request: PairRequest) -> Result<IssuedPair> {
        if request.user_id.is_empty() {
            return Err(Error::input("user_id", "must not be empty"));
        }
        if let Some(name) = request
            .extra
            .keys()
            .find(|k| REGISTERED.contains(&k.as_str()))
        {
            return Err(Error::input(
                "extra",
                format!("'{name}' is a registered claim"),
            ));
        }
        let now = claims::now();
        let session_id = match &request.session_id {
            Some(sid) => sid.clone(),
            None => random_id()?,
        };
        let claims_of = |token_type: TokenType, ttl: i64| -> Result<Claims> {
            Ok(Claims {
                subject: request.user_id.clone(),
                issuer: self.config.issuer.clone(),
                audience: Audience::One(self.config.audience.clone()),
                expires_at: now + ttl,
                not_before: Some(now),
                issued_at: Some(now),
                jti: random_id()?,
                token_type,
                session_id: Some(session_id.clone()),
                organization_id: request.organization_id.clone(),
                roles: request.roles.clone(),
                permissions: request.permissions.clone(),
                extra: request.extra.clone(),
                memo: Default::default(),
            })
        };
        let access = claims_of(TokenType::Access, self.config.access_ttl_seconds)?;
        let refresh = claims_of(TokenType::Refresh, self.config.refresh_ttl_seconds)?;
        Ok(IssuedPair {
            access_token: self.sign(&access)?,
            refresh_token: self.sign(&refresh)?,
            access: Arc::new(access),
            refresh: Arc::new(refresh),
        })
    }

    /// Sign `claims` as a compact JWS with the configured algorithm and key.
    pub fn sign(&self, claims: &Claims) -> Result<String> {
        let key = self.signing.as_ref().ok_or_else(|| {
            Error::key_in(
                KeySlot::PrivateKey,
                "this engine only verifies: no signing key is configured",
            )
        })?;
        let payload = Value::Object(claims.to_payload()).to_string();
        let mut token = format!("{}.{}", self.encoded_header, base64url::encode(payload));
        let signature = key.sign(self.config.algorithm, token.as_bytes())?;
        token.push('.');
        token.push_str(&base64url::encode(signature));
        Ok(token)
    }

    /// Verify `token` as a token of type `expected` and return its claims.
    /// Results are cached until the token expires; revocation is not checked here
    /// (see [`crate::revocation`]).
    ///
    /// The token may be given as text or bytes; bytes that are not UTF-8 are a
    /// malformed token.
    pub fn verify<T: AsRef<[u8]> + ?Sized>(
        &self,
        token: &T,
        expected: TokenType,
    ) -> Result<Arc<Claims>> {
        expect_type(self.verify_any(token)?, expected)
    }

    /// [`verify`](Self::verify) of a token in the verified-token cache (the time and
    /// type checks rerun); `None` when it is not there and must be verified. Lets a
    /// caller answer a token seen before without handing the work to another thread.
    pub fn cached<T: AsRef<[u8]> + ?Sized>(
        &self,
        token: &T,
        expected: TokenType,
    ) -> Option<Result<Arc<Claims>>> {
        let token = token.as_ref();
        self.cached_any(token, TokenKey::of(token), claims::now())
            .map(|hit| hit.and_then(|claims| expect_type(claims, expected)))
    }

    /// The claims cached for `token` (key `key`), their time checks rerun at `now`.
    fn cached_any(&self, token: &[u8], key: TokenKey, now: i64) -> Option<Result<Arc<Claims>>> {
        let claims = self.cache.get(key, token, now)?;
        Some(self.rules.check_time(&claims, now).map(|()| claims))
    }

    /// Verify `token`, whatever its type (for revoking either kind).
    pub fn verify_any<T: AsRef<[u8]> + ?Sized>(&self, token: &T) -> Result<Arc<Claims>> {
        let token = token.as_ref();
        if token.len() > self.config.max_token_bytes {
            return Err(Error::TokenTooLarge {
                max: self.config.max_token_bytes,
            });
        }
        let now = claims::now();
        let key = TokenKey::of(token);
        if let Some(hit) = self.cached_any(token, key, now) {
            return hit;
        }
        let token = as_text(token)?;
        let claims = Arc::new(self.verify_uncached(token, now)?);
        let dies_at = claims.expires_at.saturating_add(self.config.leeway_seconds);
        self.cache.insert(key, token, claims.clone(), dies_at);
        Ok(claims)
    }

    fn verify_uncached(&self, token: &str, now: i64) -> Result<Claims> {
        let jws = Compact::parse(token, &self.config.allowed_algorithms)?;
        check_typ(&jws.header)?;
        let key = self.find_key(jws.kid()?, jws.algorithm)?;
        let payload = jws.verify_with(key)?;
        let claims = Claims::from_payload(payload)?;
        self.rules.check(&claims, now)?;
        Ok(claims)
    }

    fn find_key(&self, kid: Option<&str>, algorithm: Algorithm) -> Result<&VerifyingKey> {
        let mut candidates = self.verifying.iter().filter(|k| k.supports(algorithm));
        match kid {
            Some(kid) => candidates.find(|k| k.kid() == kid).ok_or(Error::UnknownKey),
            None => match (candidates.next(), candidates.next()) {
                (Some(only), None) => Ok(only),
                _ => Err(Error::UnknownKey),
            },
        }
    }

    /// The public JWKS: every asymmetric verification key. Secrets are never published.
    pub fn jwks(&self) -> Value {
        let mut seen = Vec::new();
        let keys: Vec<Value> = self
            .verifying
            .iter()
            .filter(|k| {
                let new = !seen.contains(&k.kid());
                seen.push(k.kid());
                new
            })
            .filter_map(VerifyingKey::to_jwk)
            .collect();
        json!({ "keys": keys })
    }

    /// How many verified tokens are cached.
    pub fn cache_len(&self) -> usize {
        self.cache.len()
    }
}

/// INSECURE: the header and payload of a token, without verifying anything. For debugging.
pub fn insecure_decode_unverified<T: AsRef<[u8]> + ?Sized>(
    token: &T,
) -> Result<(Map<String, Value>, Map<String, Value>)> {
    let token = as_text(token.as_ref())?;
    let mut segments = token.split('.');
    let (Some(header), Some(payload)) = (segments.next(), segments.next()) else {
        return Err(Error::Malformed("expected dot-separated segments"));
    };
    let decode = |segment: &str| base64url::decode(segment).and_then(|b| json::parse_object(&b));
    match (decode(header), decode(payload)) {
        (Some(h), Some(p)) => Ok((h, p)),
        _ => Err(Error::Malformed("segments are not base64url-encoded JSON")),
    }
}

/// Explicit typing (RFC 8725 §3.11): a header `typ` must say JWT, and `cty` (nested
/// or foreign content) is refused, so a JWS of another kind made with the same key
/// (a logout token, a DPoP proof, a signed document) is never taken for ours.
/// Our tokens' explicit type: `JWT` (or `application/jwt`) when present.
fn check_typ(header: &Map<String, Value>) -> Result<()> {
    match header.get("typ") {
        None => Ok(()),
        Some(Value::String(typ))
            if typ.eq_ignore_ascii_case("JWT") || typ.eq_ignore_ascii_case("application/jwt") =>
        {
            Ok(())
        }
        Some(_) => Err(Error::Malformed("header 'typ' must be JWT")),
    }
}

/// `claims`, unless they are not of the `expected` type.
fn expect_type(claims: Arc<Claims>, expected: TokenType) -> Result<Arc<Claims>> {
    if claims.token_type != expected {
        return Err(Error::WrongTokenType {
            expected: expected.as_str(),
        });
    }
    Ok(claims)
}

/// A token is ASCII; bytes that are not even UTF-8 are malformed.
fn as_text(token: &[u8]) -> Result<&str> {
    std::str::from_utf8(token).map_err(|_| Error::Malformed("token is not UTF-8 text"))
}

fn validate(config: &mut EngineConfig) -> Result<()> {
    if config.issuer.is_empty() {
        return Err(Error::setting(Setting::Issuer, "must be set"));
    }
    if config.audience.is_empty() {
        return Err(Error::setting(Setting::Audience, "must be set"));
    }
    if config.allowed_algorithms.is_empty() {
        config.allowed_algorithms = vec![config.algorithm];
    }
    if !config.allowed_algorithms.contains(&config.algorithm) {
        return Err(Error::setting(
            Setting::AllowedAlgorithms,
            format!("must include the signing algorithm {}", config.algorithm),
        ));
    }
    if !(0..=defaults::MAX_LEEWAY_SECONDS).contains(&config.leeway_seconds) {
        return Err(Error::setting(
            Setting::Leeway,
            format!("must be between 0 and {}", defaults::MAX_LEEWAY_SECONDS),
        ));
    }
    if config.access_ttl_seconds <= 0 {
        return Err(Error::setting(Setting::AccessTtl, "must be positive"));
    }
    if config.refresh_ttl_seconds <= 0 {
        return Err(Error::setting(Setting::RefreshTtl, "must be positive"));
    }
    let bounds = defaults::MAX_TOKEN_BYTES_LOWER_BOUND..=defaults::MAX_TOKEN_BYTES_UPPER_BOUND;
    if !bounds.contains(&config.max_token_bytes) {
        return Err(Error::setting(
            Setting::MaxTokenBytes,
            format!("must be between {} and {}", bounds.start(), bounds.end()),
        ));
    }
    Ok(())
}

/// 128 random bits, base64url-encoded: token and session ids.
fn random_id() -> Result<String> {
    let mut bytes = [0u8; 16];
    rand::SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| Error::Random)?;
    Ok(base64url::encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine() -> TokenEngine {
        let mut config = EngineConfig::new("iss", "aud");
        config.algorithm = Algorithm::HS256;
        let keys = KeyConfig {
            secret: Some(vec![7; 32]),
            ..KeyConfig::default()
        };
        TokenEngine::new(config, keys).unwrap()
    }

    /// A token with `header`, the engine's claims, and a correct HS256 signature.
    fn with_header(engine: &TokenEngine, header: Value) -> String {
        let pair = engine
            .issue_pair(PairRequest {
                user_id: "u".into(),
                ..PairRequest::default()
            })
            .unwrap();
        let payload = pair.access_token.split('.').nth(1).unwrap().to_owned();
        let input = format!("{}.{payload}", base64url::encode(header.to_string()));
        let key = SigningKey::from_secret(&[7; 32], Algorithm::HS256).unwrap();
        let signature = key.sign(Algorithm::HS256, input.as_bytes()).unwrap();
        format!("{input}.{}", base64url::encode(signature))
    }

    #[test]
    fn header_typ_must_be_jwt_and_cty_is_refused() {
        let engine = engine();
        for ok in [
            json!({"alg": "HS256"}),
            json!({"alg": "HS256", "typ": "JWT"}),
            json!({"alg": "HS256", "typ": "jwt"}),
            json!({"alg": "HS256", "typ": "application/jwt"}),
        ] {
            let token = with_header(&engine, ok.clone());
            assert!(engine.verify(&token, TokenType::Access).is_ok(), "{ok}");
        }
        for bad in [
            json!({"alg": "HS256", "typ": "dpop+jwt"}),
            json!({"alg": "HS256", "typ": "logout+jwt"}),
            json!({"alg": "HS256", "typ": "JWE"}),
            json!({"alg": "HS256", "typ": ""}),
            json!({"alg": "HS256", "typ": null}),
            json!({"alg": "HS256", "typ": ["JWT"]}),
            json!({"alg": "HS256", "typ": "JWT", "cty": "JWT"}),
            json!({"alg": "HS256", "cty": "json"}),
        ] {
            let token = with_header(&engine, bad.clone());
            assert!(
                matches!(
                    engine.verify(&token, TokenType::Access),
                    Err(Error::Malformed(_))
                ),
                "{bad}"
            );
        }
    }
}
