//! [`OidcVerifier`]: verifies an outside issuer's access tokens with the keys of
//! its JWKS, and tells its caller when to fetch that JWKS.
//!
//! Verification order: size cap, three segments, header (size cap, strict JSON),
//! `alg` in the configured allow-list (asymmetric only: never `none`, never HS*
//! with a public key), no `crit`/`b64`/`cty`, `typ` absent or one of the types
//! accepted for this issuer (`JWT` for Entra), key by `kid` from the fetched set,
//! signature, payload (strict JSON, typed claims), `exp`/`nbf`/`iat` with leeway,
//! `iss` (exact or `{tenantid}` template with an allowed `tid`), `aud` among the
//! configured audiences, the key's own `issuer` property, guests.
//! `jku`, `x5u`, `jwk` and `x5c` are never used: no URL named by a token is fetched.

use std::sync::{Arc, Mutex, RwLock};

use aws_lc_rs::rand::{SecureRandom as _, SystemRandom};
use serde_json::{Map, Value};

use super::claims::{OidcClaims, UserMapping};
use super::issuer::{key_issuer_matches, IssuerRule};
use super::keyset::{KeySet, DEFAULT_MAX_JWKS_BYTES, DEFAULT_MAX_KEYS};
use super::policy::{Decision, JwksPolicy, PolicyConfig, Ticket};
use super::setting_error;
use crate::algorithm::Algorithm;
use crate::cache::{TokenKey, VerifiedCache};
use crate::claims;
use crate::error::{Error, Result};
use crate::issuer;
use crate::jws::Compact;

/// Settings of one outside issuer. Every field documents its default.
#[derive(Debug, Clone)]
pub struct OidcConfig {
    /// The issuer: exact, or a template with `{tenantid}` (Entra multi-tenant). Required.
    pub issuer: String,
    /// Accepted audiences: `aud` must hold one of them. Required, non-empty.
    pub audiences: Vec<String>,
    /// Accepted algorithms (asymmetric only). Default `[RS256]`.
    pub algorithms: Vec<Algorithm>,
    /// Tenants a `{tenantid}` template accepts: GUIDs, or exactly `["*"]`. Default empty
    /// (required for a template).
    pub allowed_tenants: Vec<String>,
    /// Clock skew tolerated on `exp`, `nbf` and `iat`. Default 60 s, at most 300.
    pub leeway_seconds: i64,
    /// Tokens longer than this are refused before any parsing. Default 16 384 bytes
    /// (Entra tokens with many groups or roles are large).
    pub max_token_bytes: usize,
    /// Whether guests (`acct == 1`, or an `idp` other than `iss`) are accepted. Default true.
    pub allow_guests: bool,
    /// Header `typ` values accepted (case-insensitive); an absent `typ` is accepted.
    /// Default `["JWT", "at+jwt", "application/at+jwt"]`.
    pub accepted_types: Vec<String>,
    /// Most keys accepted in one JWKS. Default 64.
    pub max_keys: usize,
    /// Largest JWKS document accepted. Default 262 144 bytes.
    pub max_jwks_bytes: usize,
    /// Verified tokens remembered (0 disables). Default 10 000; emptied when keys change.
    pub cache_size: usize,
    /// When the JWKS is fetched.
    pub policy: PolicyConfig,
    /// Which claims give the user's id and organization. Default `sub`, none.
    pub user: UserMapping,
}

impl OidcConfig {
    /// Settings with the documented defaults.
    pub fn new(issuer: impl Into<String>, audiences: Vec<String>) -> Self {
        OidcConfig {
            issuer: issuer.into(),
            audiences,
            algorithms: vec![Algorithm::RS256],
            allowed_tenants: Vec::new(),
            leeway_seconds: 60,
            max_token_bytes: 16_384,
            allow_guests: true,
            accepted_types: vec!["JWT".into(), "at+jwt".into(), "application/at+jwt".into()],
            max_keys: DEFAULT_MAX_KEYS,
            max_jwks_bytes: DEFAULT_MAX_JWKS_BYTES,
            cache_size: 10_000,
            policy: PolicyConfig::default(),
            user: UserMapping::default(),
        }
    }

    fn validate(&self) -> Result<()> {
        if self.audiences.is_empty() || self.audiences.iter().any(String::is_empty) {
            return Err(setting_error(
                "audiences",
                "at least one non-empty audience is required",
            ));
        }
        if self.algorithms.is_empty() {
            return Err(setting_error(
                "algorithms",
                "at least one algorithm is required",
            ));
        }
        if self.algorithms.iter().any(|a| a.is_symmetric()) {
            return Err(setting_error(
                "algorithms",
                "an outside issuer's tokens are verified with public keys: HS* is not allowed",
            ));
        }
        if !(0..=300).contains(&self.leeway_seconds) {
            return Err(setting_error("leeway_seconds", "must be between 0 and 300"));
        }
        if !(512..=65_536).contains(&self.max_token_bytes) {
            return Err(setting_error(
                "max_token_bytes",
                "must be between 512 and 65536",
            ));
        }
        if self.max_keys == 0 || self.max_jwks_bytes < 64 {
            return Err(setting_error("max_keys", "the JWKS caps must be positive"));
        }
        self.policy
            .validate()
            .map_err(|(setting, reason)| setting_error(setting, reason))
    }
}

/// Verifies one outside issuer's tokens; holds its parsed keys and fetch policy.
///
/// Thread-safe: verification takes a read lock on the key set only long enough
/// to clone an `Arc`.
pub struct OidcVerifier {
    config: OidcConfig,
    rule: IssuerRule,
    keys: RwLock<Arc<KeySet>>,
    policy: Mutex<JwksPolicy>,
    cache: VerifiedCache<OidcClaims>,
}

impl OidcVerifier {
    /// A verifier with no keys yet (the first [`poll`](Self::poll) asks for a fetch).
    pub fn new(config: OidcConfig) -> Result<Self> {
        config.validate()?;
        let rule = IssuerRule::new(&config.issuer, &config.allowed_tenants)?;
        Ok(OidcVerifier {
            rule,
            keys: RwLock::new(Arc::new(KeySet::default())),
            policy: Mutex::new(JwksPolicy::new(config.policy.clone())),
            cache: VerifiedCache::new(config.cache_size),
            config,
        })
    }

    /// The settings.
    pub fn config(&self) -> &OidcConfig {
        &self.config
    }

    /// Whether an unverified `iss` is this issuer's (to route a token, not to trust it).
    pub fn accepts_issuer(&self, iss: &str) -> bool {
        self.rule.accepts(iss)
    }

    /// Whether an unverified token's `iss` is this issuer's: routing among several
    /// issuers (Entra's v1.0 and v2.0) without building the claims. Not a verification.
    pub fn accepts_token<T: AsRef<[u8]> + ?Sized>(&self, token: &T) -> bool {
        std::str::from_utf8(token.as_ref())
            .ok()
            .and_then(|token| issuer::peek_issuer(token, self.config.max_token_bytes))
            .is_some_and(|iss| self.rule.accepts(&iss))
    }

    /// Verify `token` (its bytes: a compact JWS is ASCII) at `now` (seconds since the epoch).
    pub fn verify<T: AsRef<[u8]> + ?Sized>(&self, token: &T, now: i64) -> Result<Arc<OidcClaims>> {
        let token = self.checked_text(token.as_ref())?;
        let key = TokenKey::of(token);
        if let Some(hit) = self.cached(key, token, now) {
            return hit;
        }
        self.verify_fresh(token, key, None, now)
    }

    /// Verify `token` now.
    pub fn verify_now<T: AsRef<[u8]> + ?Sized>(&self, token: &T) -> Result<Arc<OidcClaims>> {
        self.verify(token, claims::now())
    }

    /// `token` as text, within this issuer's size cap and ASCII.
    pub(super) fn checked_text<'t>(&self, token: &'t [u8]) -> Result<&'t str> {
        if token.len() > self.config.max_token_bytes {
            return Err(Error::TokenTooLarge {
                max: self.config.max_token_bytes,
            });
        }
        std::str::from_utf8(token)
            .ok()
            .filter(|t| t.is_ascii())
            .ok_or(Error::Malformed("token is not ASCII"))
    }

    /// The claims cached for `token` (key `key`; checked against `now`), if any.
    pub(super) fn cached(
        &self,
        key: TokenKey,
        token: &str,
        now: i64,
    ) -> Option<Result<Arc<OidcClaims>>> {
        let claims = self.cache.get(key, token, now)?;
        Some(self.check_time(&claims, now).map(|()| claims))
    }

    /// Verify a token not in the cache, and cache it. `payload`: its payload already
    /// decoded by the caller (unverified: used only once the signature verified).
    pub(super) fn verify_fresh(
        &self,
        token: &str,
        key: TokenKey,
        payload: Option<Map<String, Value>>,
        now: i64,
    ) -> Result<Arc<OidcClaims>> {
        let keys = self.key_set();
        let claims = Arc::new(self.verify_uncached(token, &keys, payload, now)?);
        // Keys that changed meanwhile emptied the cache: a token verified with the old
        // ones is not cached after that (it would outlive a removed key).
        if Arc::ptr_eq(&keys, &self.key_set()) {
            let dies_at = claims.expires_at.saturating_add(self.config.leeway_seconds);
            self.cache.insert(key, token, claims.clone(), dies_at);
        }
        Ok(claims)
    }

    /// Whether this issuer's rule accepts an unverified `iss` (routing only).
    pub(super) fn rule(&self) -> &IssuerRule {
        &self.rule
    }

    fn verify_uncached(
        &self,
        token: &str,
        keys: &KeySet,
        payload: Option<Map<String, Value>>,
        now: i64,
    ) -> Result<OidcClaims> {
        let jws = Compact::parse(token, &self.config.algorithms)?;
        self.check_typ(&jws.header)?;
        let key = keys
            .find(jws.kid()?, jws.algorithm)
            .ok_or(Error::UnknownKey)?;
        // The signature first: nothing of the payload is trusted before it verifies.
        let payload = match payload {
            Some(payload) => {
                jws.verify_signature(&key.key)?;
                payload
            }
            None => jws.verify_with(&key.key)?,
        };
        let claims = OidcClaims::from_payload(payload, &self.config.user)?;
        self.check_time(&claims, now)?;
        self.rule
            .check(&claims.issuer, claims.tenant_id.as_deref())?;
        if !self
            .config
            .audiences
            .iter()
            .any(|aud| claims.audience.contains(aud))
        {
            return Err(Error::InvalidClaim {
                claim: "aud",
                reason: "unexpected audience",
            });
        }
        if let Some(key_issuer) = &key.issuer {
            if !key_issuer_matches(key_issuer, &claims.issuer, claims.tenant_id.as_deref()) {
                return Err(Error::InvalidClaim {
                    claim: "iss",
                    reason: "the signing key belongs to another issuer",
                });
            }
        }
        if claims.is_guest && !self.config.allow_guests {
            return Err(Error::InvalidClaim {
                claim: "acct",
                reason: "guest accounts are not allowed",
            });
        }
        Ok(claims)
    }

    /// The header `typ` values accepted for this issuer (`crit`, `b64` and `cty` are
    /// refused by [`Compact::parse`] for every issuer).
    fn check_typ(&self, header: &Map<String, Value>) -> Result<()> {
        match header.get("typ") {
            None => Ok(()),
            Some(Value::String(typ))
                if self
                    .config
                    .accepted_types
                    .iter()
                    .any(|t| t.eq_ignore_ascii_case(typ)) =>
            {
                Ok(())
            }
            Some(_) => Err(Error::Malformed(
                "header 'typ' is not accepted for this issuer",
            )),
        }
    }

    fn check_time(&self, claims: &OidcClaims, now: i64) -> Result<()> {
        claims::check_times(
            claims.expires_at,
            claims.not_before,
            claims.issued_at,
            now,
            self.config.leeway_seconds,
        )
    }

    /// On every use (monotonic `now`): whether a first or scheduled fetch is due.
    pub fn poll(&self, now: f64) -> Decision {
        lock(&self.policy).poll(now)
    }

    /// After [`Error::UnknownKey`]: whether to fetch (at most once per cooldown).
    pub fn on_unknown_kid(&self, now: f64) -> Decision {
        lock(&self.policy).on_unknown_kid(now)
    }

    /// Hand back the JWKS body fetched for `ticket`. Good keys replace the held ones
    /// (and empty the verified cache); a body that is not a usable JWKS is a failed
    /// fetch: the held keys stay, and the error says why. Returns the number of keys held.
    pub fn complete(&self, ticket: Ticket, body: &[u8], now: f64) -> Result<usize> {
        match KeySet::parse(
            body,
            &self.config.algorithms,
            self.config.max_keys,
            self.config.max_jwks_bytes,
        ) {
            Ok(set) => {
                let mut policy = lock(&self.policy);
                if policy.succeeded(ticket, now, jitter()) {
                    let count = set.len();
                    *self.keys.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(set);
                    self.cache.clear();
                    return Ok(count);
                }
                Ok(self.key_set().len())
            }
            Err(error) => {
                lock(&self.policy).failed(ticket, now);
                Err(error)
            }
        }
    }

    /// The fetch of `ticket` failed (network error, timeout, error status).
    pub fn fail(&self, ticket: Ticket, now: f64) {
        lock(&self.policy).failed(ticket, now);
    }

    /// The key set in use.
    pub fn key_set(&self) -> Arc<KeySet> {
        self.keys.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Whether keys were ever fetched.
    pub fn has_keys(&self) -> bool {
        lock(&self.policy).has_keys()
    }

    /// How many fetches the policy asked for.
    pub fn fetches(&self) -> u64 {
        lock(&self.policy).fetches()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// A uniform fraction in `[0, 1]` from the system random generator.
fn jitter() -> f64 {
    let mut bytes = [0u8; 8];
    if SystemRandom::new().fill(&mut bytes).is_err() {
        return 0.5;
    }
    (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::base64url;
    use crate::keys::SigningKey;
    use crate::oidc::keyset::tests::rsa_key;

    const TID: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    const OTHER: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";
    const TEMPLATE: &str = "https://login.microsoftonline.com/{tenantid}/v2.0";
    const CLIENT: &str = "6e74172b-be56-4843-9ff4-e66a39bb12e3";
    const NOW: i64 = 1_900_000_000;

    fn iss(tid: &str) -> String {
        format!("https://login.microsoftonline.com/{tid}/v2.0")
    }

    fn sign(key: &SigningKey, header: Value, payload: &Value) -> String {
        let input = format!(
            "{}.{}",
            base64url::encode(header.to_string()),
            base64url::encode(payload.to_string())
        );
        let signature = key.sign(Algorithm::RS256, input.as_bytes()).unwrap();
        format!("{input}.{}", base64url::encode(signature))
    }

    fn v2_claims(tid: &str) -> Value {
        json!({
            "aud": CLIENT, "iss": iss(tid), "iat": NOW - 10, "nbf": NOW - 10, "exp": NOW + 3600,
            "aio": "AXQAi/8TAAAA", "azp": "b7e1e0c4-2c4b-4b9e-a8e5-1f0b6f1d6d6d", "azpacr": "0",
            "name": "Abe Lincoln", "oid": "690222be-ff1a-4d56-abd1-7e4f7d38e474",
            "preferred_username": "abeli@microsoft.com", "rh": "I", "roles": ["Reader"],
            "scp": "access_as_user Files.Read", "sub": "HKZpfaHyWadeOouYlitjrI-KffTm222X5rrV3xDqfKQ",
            "tid": tid, "uti": "fqiBqXLPj0eQa82S-IYFAA", "ver": "2.0",
        })
    }

    struct Fixture {
        verifier: OidcVerifier,
        key: SigningKey,
        jwk: Value,
    }

    fn fixture(tenants: &[&str], tweak: impl FnOnce(&mut OidcConfig)) -> Fixture {
        let (key, mut jwk) = rsa_key("k1");
        jwk["issuer"] = json!(TEMPLATE);
        let mut config = OidcConfig::new(TEMPLATE, vec![CLIENT.into(), format!("api://{CLIENT}")]);
        config.allowed_tenants = tenants.iter().map(|t| (*t).to_owned()).collect();
        tweak(&mut config);
        let verifier = OidcVerifier::new(config).unwrap();
        let Decision::Fetch(ticket) = verifier.poll(0.0) else {
            panic!("first poll fetches")
        };
        let body = json!({"keys": [jwk]}).to_string();
        assert_eq!(verifier.complete(ticket, body.as_bytes(), 0.0).unwrap(), 1);
        Fixture { verifier, key, jwk }
    }

    fn header() -> Value {
        json!({"typ": "JWT", "alg": "RS256", "kid": "k1", "x5t": "k1"})
    }

    #[test]
    fn a_v2_entra_token_verifies() {
        let f = fixture(&[TID], |_| {});
        let token = sign(&f.key, header(), &v2_claims(TID));
        let claims = f.verifier.verify(&token, NOW).unwrap();
        assert_eq!(
            claims.object_id.as_deref(),
            Some("690222be-ff1a-4d56-abd1-7e4f7d38e474")
        );
        assert_eq!(claims.tenant_id.as_deref(), Some(TID));
        assert_eq!(claims.scopes, vec!["access_as_user", "Files.Read"]);
        assert_eq!(claims.roles, vec!["Reader"]);
        assert!(f.verifier.accepts_issuer(&iss(TID)));
        assert!(f.verifier.accepts_token(&token));
        assert!(!f
            .verifier
            .accepts_token(&sign(&f.key, header(), &v2_claims(OTHER))));
        assert!(!f.verifier.accepts_token("a.b.c"));
        assert!(matches!(
            f.verifier.verify(b"\xed\xa0\x80.e30.e30", NOW),
            Err(Error::Malformed(_))
        ));
        assert!(!f.verifier.accepts_issuer(&iss(OTHER)));
        // cached: a second verification gives the same claims
        assert_eq!(f.verifier.verify(&token, NOW).unwrap(), claims);
        assert!(matches!(
            f.verifier.verify(&token, NOW + 7200),
            Err(Error::Expired)
        ));
    }

    #[test]
    fn tenant_issuer_audience_and_time_rules() {
        let f = fixture(&[TID], |_| {});
        let check = |payload: Value| f.verifier.verify(&sign(&f.key, header(), &payload), NOW);
        let mut c = v2_claims(OTHER);
        assert!(check(c.clone()).is_err(), "tenant not allowed");
        c = v2_claims(TID);
        c["iss"] = json!(iss(OTHER));
        assert!(check(c).is_err(), "iss and tid disagree");
        c = v2_claims(TID);
        c.as_object_mut().unwrap().remove("tid");
        assert_eq!(check(c), Err(Error::MissingClaim("tid")));
        c = v2_claims(TID);
        c["aud"] = json!("00000003-0000-0000-c000-000000000000");
        assert!(matches!(
            check(c),
            Err(Error::InvalidClaim { claim: "aud", .. })
        ));
        c = v2_claims(TID);
        c["aud"] = json!(format!("api://{CLIENT}"));
        assert!(check(c).is_ok());
        c = v2_claims(TID);
        c["exp"] = json!(NOW - 61);
        assert_eq!(check(c), Err(Error::Expired));
        c = v2_claims(TID);
        c["exp"] = json!(NOW - 59);
        assert!(check(c).is_ok(), "leeway");
        c = v2_claims(TID);
        c["nbf"] = json!(NOW + 120);
        assert_eq!(check(c), Err(Error::NotYetValid));
        c = v2_claims(TID);
        c["exp"] = json!("1900003600");
        assert!(check(c).is_err());
    }

    #[test]
    fn the_keys_own_issuer_must_match() {
        let f = fixture(&["*"], |_| {});
        let (other_key, mut other_jwk) = rsa_key("k2");
        other_jwk["issuer"] = json!("https://sts.windows.net/{tenantid}/");
        let Decision::Fetch(t) = f.verifier.on_unknown_kid(1.0) else {
            panic!()
        };
        let body = json!({"keys": [f.jwk, other_jwk]}).to_string();
        f.verifier.complete(t, body.as_bytes(), 1.0).unwrap();
        let mut h = header();
        h["kid"] = json!("k2");
        let token = sign(&other_key, h, &v2_claims(TID));
        assert!(matches!(
            f.verifier.verify(&token, NOW),
            Err(Error::InvalidClaim { claim: "iss", .. })
        ));
    }

    #[test]
    fn header_rules() {
        let f = fixture(&[TID], |_| {});
        let claims = v2_claims(TID);
        let with = |h: Value| f.verifier.verify(&sign(&f.key, h, &claims), NOW);
        assert!(with(json!({"alg": "RS256", "kid": "k1"})).is_ok());
        assert!(with(json!({"alg": "RS256", "kid": "k1", "typ": "at+jwt"})).is_ok());
        assert!(with(json!({"alg": "RS256", "kid": "k1", "typ": "dpop+jwt"})).is_err());
        assert!(with(json!({"alg": "RS256", "kid": "k1", "cty": "JWT"})).is_err());
        assert!(with(json!({"alg": "RS256", "kid": "k1", "crit": ["exp"]})).is_err());
        assert_eq!(
            with(json!({"alg": "RS256", "kid": "nope"})),
            Err(Error::UnknownKey)
        );
        // jku / x5u are ignored: the key still comes from the fetched set only
        assert!(with(json!({"alg": "RS256", "kid": "k1", "jku": "https://evil/keys"})).is_ok());
        assert_eq!(
            with(json!({"alg": "RS256", "kid": "evil", "jku": "https://evil/keys"})),
            Err(Error::UnknownKey)
        );
        for alg in ["none", "HS256", "PS256", "ES256"] {
            assert!(
                with(json!({"alg": alg, "kid": "k1"})).is_err(),
                "{alg} is refused"
            );
        }
    }

    #[test]
    fn hs_algorithms_and_missing_tenants_are_configuration_errors() {
        let mut config = OidcConfig::new("https://issuer", vec!["aud".into()]);
        config.algorithms = vec![Algorithm::HS256];
        assert!(OidcVerifier::new(config).is_err());
        assert!(OidcVerifier::new(OidcConfig::new(TEMPLATE, vec!["aud".into()])).is_err());
        assert!(OidcVerifier::new(OidcConfig::new("https://issuer", vec![])).is_err());
    }

    #[test]
    fn guests_follow_allow_guests() {
        let guest = |payload: &mut Value| payload["acct"] = json!(1);
        let f = fixture(&[TID], |c| c.allow_guests = false);
        let mut c = v2_claims(TID);
        guest(&mut c);
        assert!(matches!(
            f.verifier.verify(&sign(&f.key, header(), &c), NOW),
            Err(Error::InvalidClaim { claim: "acct", .. })
        ));
        let mut idp = v2_claims(TID);
        idp["idp"] = json!("https://sts.windows.net/9188040d-6c67-4c5b-b112-36a304b66dad/");
        assert!(f
            .verifier
            .verify(&sign(&f.key, header(), &idp), NOW)
            .is_err());
        let open = fixture(&[TID], |_| {});
        assert!(
            open.verifier
                .verify(&sign(&open.key, header(), &c), NOW)
                .unwrap()
                .is_guest
        );
    }

    #[test]
    fn garbage_keeps_the_last_good_keys_and_rollover_replaces_them() {
        let f = fixture(&[TID], |c| c.policy.unknown_kid_cooldown_seconds = 0.0);
        let token = sign(&f.key, header(), &v2_claims(TID));
        let Decision::Fetch(t) = f.verifier.on_unknown_kid(1.0) else {
            panic!()
        };
        assert!(f.verifier.complete(t, b"<html>oops</html>", 1.0).is_err());
        assert!(f.verifier.verify(&token, NOW).is_ok(), "last good keys");
        let (new_key, new_jwk) = rsa_key("k2");
        let Decision::Fetch(t) = f.verifier.on_unknown_kid(2.0) else {
            panic!()
        };
        let body = json!({"keys": [new_jwk]}).to_string();
        f.verifier.complete(t, body.as_bytes(), 2.0).unwrap();
        let mut h = header();
        h["kid"] = json!("k2");
        assert!(f
            .verifier
            .verify(&sign(&new_key, h, &v2_claims(TID)), NOW)
            .is_ok());
        assert_eq!(
            f.verifier.verify(&token, NOW),
            Err(Error::UnknownKey),
            "a removed key stops verifying, even for a cached token"
        );
    }

    #[test]
    fn size_cap() {
        let f = fixture(&[TID], |c| c.max_token_bytes = 1024);
        let mut c = v2_claims(TID);
        c["pad"] = json!("x".repeat(2000));
        assert!(matches!(
            f.verifier.verify(&sign(&f.key, header(), &c), NOW),
            Err(Error::TokenTooLarge { .. })
        ));
    }
}
