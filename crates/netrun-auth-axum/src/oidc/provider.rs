//! [`OidcProvider`]: validates one outside issuer's access tokens (any OpenID Connect
//! issuer, or Microsoft Entra ID v1.0 + v2.0 with [`OidcProvider::entra`]).
//!
//! The rules are the engine's ([`OidcVerifier`]: algorithm allow-list, key by `kid`,
//! signature, `iss` exact or `{tenantid}` template, `aud`, time, the key's own `issuer`,
//! guests) and so is *when* to fetch the JWKS ([`netrun_auth::oidc::JwksPolicy`]:
//! 12-24 h schedule with jitter, unknown `kid` at most once per cooldown, one fetch at
//! a time, last good keys kept when the issuer is down). This module does the HTTP:
//! the discovery document once, the JWKS when the engine says so, each in a task of its
//! own (a request waits for a fetch only while no key was ever fetched, or after an
//! unknown `kid` the policy allowed a fetch for). A steady stream of valid tokens
//! fetches nothing; no URL named by a token (`jku`, `x5u`) is ever fetched.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use http::StatusCode;
use netrun_auth::oidc::claims::UserMapping;
use netrun_auth::oidc::discovery::{is_allowed_url, MAX_DISCOVERY_BYTES};
use netrun_auth::oidc::issuer::{is_guid, TENANT_PLACEHOLDER};
use netrun_auth::oidc::{Decision, Discovery, OidcClaims, OidcVerifier, PolicyConfig, Ticket};
use netrun_auth::{Algorithm, Claims, Error as EngineError, TokenType};
use serde_json::Value;
use tokio::sync::watch;

use super::config::DEFAULT_HTTP_TIMEOUT_SECONDS;
use super::config::{AzureAdConfig, OidcConfig};
use super::fetch::{default_client, get};
use crate::config::ConfigError;
use crate::error::AuthError;
use crate::provider::{TokenProvider, ValidateFuture, ISSUER_UNKNOWN};
use crate::user::User;

/// `code` of the 503 while an issuer's documents or keys could never be fetched.
pub const IDP_UNAVAILABLE: &str = "idp_unavailable";

fn unavailable() -> AuthError {
    AuthError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        IDP_UNAVAILABLE,
        "The identity provider is unavailable",
    )
}

/// What a specialisation (Entra) adds to the generic rules.
#[derive(Debug, Clone)]
struct Entra {
    tenant_id: String,
    multi_tenant: bool,
    tenants: Vec<String>,
}

/// One discovery document and its verifier.
struct Issuer {
    discovery_url: String,
    expected_issuer: Option<String>,
    audiences: Vec<String>,
    allowed_tenants: Vec<String>,
    allow_guests: bool,
    allow_http: bool,
    verifier: OnceLock<Arc<OidcVerifier>>,
    jwks_uri: OnceLock<String>,
    discovery_lock: tokio::sync::Mutex<Option<f64>>,
    /// Bumped after every JWKS fetch is reported (waiters of an in-flight fetch).
    fetched: watch::Sender<u64>,
}

struct Inner {
    config: OidcConfig,
    algorithms: Vec<Algorithm>,
    entra: Option<Entra>,
    client: reqwest::Client,
    timeout: Duration,
    origin: Instant,
    issuers: Vec<Issuer>,
    failures: Arc<AtomicU64>,
}

/// Validates the access tokens of one OpenID Connect issuer (or of Entra ID's v1.0
/// and v2.0 issuers). Cheap to clone (shared state); give it to the layer with
/// [`AuthLayer::provider`](crate::AuthLayer::provider) (`Arc::new(provider)`).
///
/// ```no_run
/// use std::sync::Arc;
/// use netrun_auth_axum::oidc::{AzureAdConfig, OidcConfig, OidcProvider};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let keycloak = OidcProvider::new(OidcConfig::new(
///     "https://sso.example.com/realms/main",
///     ["my-api"],
/// ))?;
/// let entra = OidcProvider::entra(AzureAdConfig::from_env()?)?;
/// # let auth: netrun_auth_axum::Auth = todo!();
/// let layer = auth.layer().provider(Arc::new(keycloak)).provider(Arc::new(entra));
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct OidcProvider {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for OidcProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcProvider")
            .field("issuer", &self.inner.config.issuer)
            .field("fetches", &self.fetch_count())
            .finish_non_exhaustive()
    }
}

impl OidcProvider {
    /// A provider for the issuer of `config`, with its own HTTP client (rustls, no
    /// redirects, `http_timeout_seconds`, https only unless `insecure_http`).
    pub fn new(config: OidcConfig) -> Result<Self, ConfigError> {
        let client = Self::client_for(&config)?;
        Self::with_client(config, client)
    }

    /// A provider using `client` (your proxies, roots, limits) for its fetches.
    pub fn with_client(config: OidcConfig, client: reqwest::Client) -> Result<Self, ConfigError> {
        config.check()?;
        let issuer = Issuer::new(
            config.resolved_discovery_url(),
            Some(config.issuer.clone()),
            config.audiences.clone(),
            config.allowed_tenants.clone(),
            config.allow_guests,
            config.insecure_http,
        )?;
        Self::build(config, None, vec![issuer], client)
    }

    /// Microsoft Entra ID: the v2.0 and v1.0 discovery documents of the authority
    /// (issuers and JWKS locations from them, never hard-coded); `user_id` is `oid`,
    /// `organization_id` is `tid`, roles are app roles, scopes come from `scp`.
    pub fn entra(config: AzureAdConfig) -> Result<Self, ConfigError> {
        let config = config.checked()?;
        let client = default_client(
            Duration::from_secs_f64(DEFAULT_HTTP_TIMEOUT_SECONDS),
            config.insecure_http_authority,
        )
        .map_err(|e| ConfigError(format!("HTTP client: {e}")))?;
        Self::entra_with_client(config, client)
    }

    /// [`entra`](Self::entra) with your own `client`.
    pub fn entra_with_client(
        config: AzureAdConfig,
        client: reqwest::Client,
    ) -> Result<Self, ConfigError> {
        let config = config.checked()?;
        let tenants = if config.is_multi_tenant() {
            if config.allowed_tenants.iter().any(|t| t == "*") {
                vec!["*".to_owned()]
            } else {
                config
                    .allowed_tenants
                    .iter()
                    .map(|t| t.to_ascii_lowercase())
                    .collect()
            }
        } else {
            vec![config.tenant_id.clone()]
        };
        let base = format!("{}/{}", config.authority_host, config.tenant_id);
        let v2 = format!("{base}/v2.0/.well-known/openid-configuration");
        let v1 = format!("{base}/.well-known/openid-configuration");
        let mut oidc = OidcConfig::new(v2.clone(), config.accepted_audiences());
        oidc.discovery_url = Some(v2.clone());
        oidc.allowed_tenants = tenants.clone();
        oidc.allow_guests = config.allow_guests;
        oidc.jwks_refetch_cooldown_seconds = config.jwks_refetch_cooldown_seconds;
        oidc.user_id_claim = "oid".into();
        oidc.organization_claim = Some("tid".into());
        oidc.insecure_http = config.insecure_http_authority;
        oidc.accepted_types = vec!["JWT".into()];
        let issuers = [v2, v1]
            .into_iter()
            .map(|url| {
                Issuer::new(
                    url,
                    None,
                    config.accepted_audiences(),
                    tenants.clone(),
                    config.allow_guests,
                    config.insecure_http_authority,
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        let entra = Entra {
            tenant_id: config.tenant_id.clone(),
            multi_tenant: config.is_multi_tenant(),
            tenants,
        };
        Self::build(oidc, Some(entra), issuers, client)
    }

    fn client_for(config: &OidcConfig) -> Result<reqwest::Client, ConfigError> {
        config.check()?;
        default_client(
            Duration::from_secs_f64(config.http_timeout_seconds),
            config.insecure_http,
        )
        .map_err(|e| ConfigError(format!("HTTP client: {e}")))
    }

    fn build(
        config: OidcConfig,
        entra: Option<Entra>,
        issuers: Vec<Issuer>,
        client: reqwest::Client,
    ) -> Result<Self, ConfigError> {
        let algorithms = config
            .algorithms
            .iter()
            .map(|name| {
                name.parse::<Algorithm>()
                    .map_err(|_| ConfigError(format!("algorithms: unknown algorithm {name:?}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let provider = OidcProvider {
            inner: Arc::new(Inner {
                timeout: Duration::from_secs_f64(config.http_timeout_seconds),
                algorithms,
                config,
                entra,
                client,
                origin: Instant::now(),
                issuers,
                failures: Arc::new(AtomicU64::new(0)),
            }),
        };
        // The verifiers whose issuer is known now: bad settings fail here, not per request.
        for issuer in &provider.inner.issuers {
            if let Some(expected) = &issuer.expected_issuer {
                let verifier = provider.inner.verifier(issuer, expected)?;
                let _ = issuer.verifier.set(Arc::new(verifier));
            }
        }
        Ok(provider)
    }

    /// The issuers (or `{tenantid}` templates) known so far.
    pub fn issuers(&self) -> Vec<String> {
        self.inner
            .issuers
            .iter()
            .filter_map(|i| i.verifier.get().map(|v| v.config().issuer.clone()))
            .collect()
    }

    /// JWKS fetches started so far (all issuers of this provider).
    pub fn fetch_count(&self) -> u64 {
        self.inner
            .issuers
            .iter()
            .filter_map(|i| i.verifier.get())
            .map(|v| v.fetches())
            .sum()
    }

    /// JWKS or discovery fetches that failed so far.
    pub fn failure_count(&self) -> u64 {
        self.inner.failures.load(Ordering::Relaxed)
    }

    /// Fetch the discovery documents and the keys now (e.g. before serving). Optional:
    /// the first token does it otherwise. An issuer that cannot be reached is not an
    /// error here: its tokens get 503 `idp_unavailable` until its documents can be read.
    pub async fn start(&self) {
        let _ = self.inner.discover().await;
        for issuer in &self.inner.issuers {
            if issuer.jwks_uri.get().is_some() {
                let _ = self.inner.ensure_keys(issuer).await;
            }
        }
    }

    /// Whether a token whose unverified `iss` is `issuer` belongs to this provider.
    pub fn accepts_issuer(&self, issuer: &str) -> bool {
        self.inner
            .issuers
            .iter()
            .any(|candidate| match candidate.verifier.get() {
                Some(verifier) => verifier.accepts_issuer(issuer),
                None => self.inner.accepts_before_discovery(issuer),
            })
    }

    /// Verify `token` and return its [`User`]: 401 with the engine's code for a bad
    /// token, 503 `idp_unavailable` while no key of its issuer could ever be fetched.
    pub async fn validate_token(&self, token: &str) -> Result<User, AuthError> {
        let inner = &self.inner;
        if token.is_empty() || !token.is_ascii() {
            return Err(AuthError::malformed("malformed token"));
        }
        if token.len() > inner.config.max_token_bytes {
            return Err(AuthError::too_large("token is too large"));
        }
        inner.discover().await?;
        let issuer = inner.issuer_for(token)?;
        let verifier = inner.ensure_keys(issuer).await?;
        let claims = match verifier.verify_now(token) {
            Err(EngineError::UnknownKey) => {
                inner.on_unknown_kid(issuer, &verifier).await;
                verifier.verify_now(token)?
            }
            other => other?,
        };
        Ok(inner.user(&claims, token))
    }
}

impl TokenProvider for OidcProvider {
    fn accepts_issuer(&self, issuer: &str) -> bool {
        OidcProvider::accepts_issuer(self, issuer)
    }

    fn max_token_bytes(&self) -> usize {
        self.inner.config.max_token_bytes
    }

    fn validate_token<'a>(&'a self, token: &'a str) -> ValidateFuture<'a> {
        Box::pin(OidcProvider::validate_token(self, token))
    }
}

impl Issuer {
    fn new(
        discovery_url: String,
        expected_issuer: Option<String>,
        audiences: Vec<String>,
        allowed_tenants: Vec<String>,
        allow_guests: bool,
        allow_http: bool,
    ) -> Result<Self, ConfigError> {
        if !is_allowed_url(&discovery_url, allow_http) {
            // The document names the keys: fetched over plain http, anyone on the path
            // could name their own. Only loopback tests opt out (`insecure_*`).
            return Err(ConfigError(format!(
                "discovery_url: must be an https:// URL, got {discovery_url:?} \
                 (insecure_http / insecure_http_authority allow http for loopback tests)"
            )));
        }
        Ok(Issuer {
            discovery_url,
            expected_issuer,
            audiences,
            allowed_tenants,
            allow_guests,
            allow_http,
            verifier: OnceLock::new(),
            jwks_uri: OnceLock::new(),
            discovery_lock: tokio::sync::Mutex::new(None),
            fetched: watch::Sender::new(0),
        })
    }
}

impl Inner {
    fn now(&self) -> f64 {
        self.origin.elapsed().as_secs_f64()
    }

    fn verifier(&self, issuer: &Issuer, iss: &str) -> Result<OidcVerifier, ConfigError> {
        let c = &self.config;
        let mut config = netrun_auth::oidc::OidcConfig::new(iss, issuer.audiences.clone());
        config.algorithms = self.algorithms.clone();
        config.allowed_tenants = issuer.allowed_tenants.clone();
        config.leeway_seconds = c.leeway_seconds;
        config.max_token_bytes = c.max_token_bytes;
        config.allow_guests = issuer.allow_guests;
        config.accepted_types = c.accepted_types.clone();
        config.max_keys = c.max_keys;
        config.user = UserMapping {
            user_id_claim: c.user_id_claim.clone(),
            organization_claim: c.organization_claim.clone(),
        };
        config.policy = PolicyConfig {
            refresh_min_seconds: c.jwks_refresh_min_seconds,
            refresh_max_seconds: c.jwks_refresh_max_seconds,
            unknown_kid_cooldown_seconds: c.jwks_refetch_cooldown_seconds,
            retry_seconds: c.jwks_retry_seconds,
            fetch_timeout_seconds: c.http_timeout_seconds * 3.0,
        };
        OidcVerifier::new(config).map_err(|e| ConfigError(e.to_string()))
    }

    fn accepts_before_discovery(&self, iss: &str) -> bool {
        // Routing only, before the discovery documents are read: an issuer naming an
        // accepted tenant is probably ours; validate_token then checks it exactly.
        let Some(entra) = &self.entra else {
            return false;
        };
        let lowered = iss.to_ascii_lowercase();
        if entra.tenants == ["*"] {
            return lowered.split('/').any(is_guid);
        }
        entra.tenants.iter().any(|t| lowered.contains(t.as_str()))
    }

    /// Read the discovery documents not read yet; one failing does not stop the others.
    async fn discover(&self) -> Result<(), AuthError> {
        if self.issuers.iter().all(|i| i.jwks_uri.get().is_some()) {
            return Ok(());
        }
        for issuer in &self.issuers {
            if issuer.jwks_uri.get().is_none() {
                let _ = self.discover_one(issuer).await;
            }
        }
        if self.issuers.iter().all(|i| i.jwks_uri.get().is_none()) {
            return Err(unavailable());
        }
        Ok(())
    }

    async fn discover_one(&self, issuer: &Issuer) -> Result<(), AuthError> {
        let mut failed_at = issuer.discovery_lock.lock().await;
        if issuer.jwks_uri.get().is_some() {
            return Ok(());
        }
        let now = self.now();
        if failed_at.is_some_and(|at| now < at + self.config.jwks_retry_seconds.max(1.0)) {
            return Err(unavailable());
        }
        match self.read_discovery(issuer).await {
            Ok(document) => {
                if issuer.verifier.get().is_none() {
                    let verifier = self.verifier(issuer, &document.issuer).map_err(|e| {
                        self.failures.fetch_add(1, Ordering::Relaxed);
                        AuthError::configuration(e.0)
                    })?;
                    let _ = issuer.verifier.set(Arc::new(verifier));
                }
                let _ = issuer.jwks_uri.set(document.jwks_uri);
                *failed_at = None;
                Ok(())
            }
            Err(_) => {
                *failed_at = Some(now);
                self.failures.fetch_add(1, Ordering::Relaxed);
                Err(unavailable())
            }
        }
    }

    async fn read_discovery(&self, issuer: &Issuer) -> Result<Discovery, String> {
        let body = get(
            &self.client,
            &issuer.discovery_url,
            MAX_DISCOVERY_BYTES,
            self.timeout,
        )
        .await
        .map_err(|e| e.to_string())?;
        let document =
            Discovery::parse(&body, issuer.expected_issuer.as_deref(), issuer.allow_http)
                .map_err(|e| e.to_string())?;
        if let Some(entra) = &self.entra {
            let iss = document.issuer.to_ascii_lowercase();
            if entra.multi_tenant && !document.issuer.contains(TENANT_PLACEHOLDER) {
                return Err(
                    "a multi-tenant authority's issuer must be a {tenantid} template".into(),
                );
            }
            if !entra.multi_tenant && !iss.contains(&entra.tenant_id) {
                return Err("the issuer does not name the configured tenant".into());
            }
        }
        Ok(document)
    }

    fn issuer_for(&self, token: &str) -> Result<&Issuer, AuthError> {
        if let [only] = self.issuers.as_slice() {
            if only.verifier.get().is_some() {
                return Ok(only);
            }
        }
        for issuer in &self.issuers {
            if issuer
                .verifier
                .get()
                .is_some_and(|v| v.accepts_token(token))
            {
                return Ok(issuer);
            }
        }
        if self.issuers.iter().any(|i| i.jwks_uri.get().is_none()) {
            // Perhaps the issuer whose discovery document could not be read yet.
            return Err(unavailable());
        }
        Err(AuthError::new(
            StatusCode::UNAUTHORIZED,
            ISSUER_UNKNOWN,
            "Token issuer is not accepted",
        ))
    }

    /// The verifier of `issuer` with keys: a first or scheduled fetch when due (awaited
    /// only while no key was ever fetched), 503 while there are none.
    async fn ensure_keys(self: &Inner, issuer: &Issuer) -> Result<Arc<OidcVerifier>, AuthError> {
        let verifier = issuer.verifier.get().cloned().ok_or_else(unavailable)?;
        let mut fetched = issuer.fetched.subscribe();
        match verifier.poll(self.now()) {
            Decision::Fetch(ticket) => {
                let task = self.spawn_fetch(issuer, &verifier, ticket);
                if !verifier.has_keys() {
                    let _ = task.await;
                }
            }
            Decision::Wait if !verifier.has_keys() => {
                let _ = tokio::time::timeout(self.timeout * 3, fetched.changed()).await;
            }
            _ => {}
        }
        if !verifier.has_keys() {
            return Err(unavailable());
        }
        Ok(verifier)
    }

    /// After an unknown `kid`: fetch (at most once per cooldown) and wait for it.
    async fn on_unknown_kid(&self, issuer: &Issuer, verifier: &Arc<OidcVerifier>) {
        let mut fetched = issuer.fetched.subscribe();
        match verifier.on_unknown_kid(self.now()) {
            Decision::Fetch(ticket) => {
                let _ = self.spawn_fetch(issuer, verifier, ticket).await;
            }
            Decision::Wait => {
                let _ = tokio::time::timeout(self.timeout * 3, fetched.changed()).await;
            }
            Decision::Skip => {}
        }
    }

    /// Fetch the JWKS for `ticket` in a task of its own (a request that gives up does
    /// not cancel it); the handle resolves when the outcome was reported.
    fn spawn_fetch(
        &self,
        issuer: &Issuer,
        verifier: &Arc<OidcVerifier>,
        ticket: Ticket,
    ) -> tokio::task::JoinHandle<()> {
        let url = issuer.jwks_uri.get().cloned().unwrap_or_default();
        let client = self.client.clone();
        let verifier = verifier.clone();
        let notify = issuer.fetched.clone();
        let max = verifier.config().max_jwks_bytes;
        let timeout = self.timeout;
        let origin = self.origin;
        let failures = self.failures.clone();
        tokio::spawn(async move {
            let now = || origin.elapsed().as_secs_f64();
            let refused = match get(&client, &url, max, timeout).await {
                // A body that is not a usable JWKS is a failed fetch: keys held stay.
                Ok(body) => verifier.complete(ticket, &body, now()).is_err(),
                Err(_) => {
                    verifier.fail(ticket, now());
                    true
                }
            };
            if refused {
                failures.fetch_add(1, Ordering::Relaxed);
            }
            notify.send_modify(|n| *n += 1);
        })
    }

    fn user(&self, claims: &OidcClaims, token: &str) -> User {
        let mut extra = claims.extra.clone();
        for (name, value) in [
            ("oid", claims.object_id.clone().map(Value::String)),
            ("tid", claims.tenant_id.clone().map(Value::String)),
            ("idp", claims.identity_provider.clone().map(Value::String)),
            ("acct", claims.account_type.map(Value::from)),
        ] {
            if let Some(value) = value {
                extra.insert(name.to_owned(), value);
            }
        }
        extra.insert("is_guest".to_owned(), Value::Bool(claims.is_guest));
        let user_id = claims.user.user_id.clone();
        let organization_id = claims.user.organization_id.clone();
        let jti = claims.user.token_id.clone().unwrap_or_default();
        let engine_claims = Claims {
            subject: claims.subject.clone(),
            issuer: claims.issuer.clone(),
            audience: claims.audience.clone(),
            expires_at: claims.expires_at,
            not_before: claims.not_before,
            issued_at: claims.issued_at,
            jti,
            token_type: TokenType::Access,
            session_id: None,
            organization_id: organization_id.clone(),
            roles: claims.roles.clone(),
            permissions: Vec::new(),
            extra,
            memo: Default::default(),
        };
        User::external(
            Arc::new(engine_claims),
            user_id,
            organization_id,
            claims.scopes.clone(),
            token,
        )
    }
}
