//! OIDC and Entra providers against a loopback identity provider (an axum server in
//! this test serving discovery documents and a JWKS over real HTTP, counting fetches):
//! routing by `iss`, the Entra rules, scopes, and the JWKS policy (rollover -> one
//! fetch, many unknown kids -> at most one fetch per cooldown, IdP down -> known keys
//! still validate, steady state -> no fetch).

#![cfg(feature = "oidc")]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use netrun_auth::claims::now;
use netrun_auth::keys::{generate_pem, SigningKey};
use netrun_auth::{base64url, Algorithm};
use netrun_auth_axum::guard::require_scopes;
use netrun_auth_axum::oidc::{AzureAdConfig, OidcConfig, OidcProvider};
use netrun_auth_axum::{Auth, AuthUser, TokenRequest};
use serde_json::{json, Value};

mod common;
use common::{auth, call};

const TID: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const OTHER_TID: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";
const CLIENT: &str = "6e74172b-be56-4843-9ff4-e66a39bb12e3";

/// How the IdP answers the JWKS.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Ok,
    Down,
    Garbage,
}

struct Key {
    signing: SigningKey,
    jwk: Value,
}

fn key(kid: &str) -> Key {
    let (private, _) = generate_pem("rsa2048").unwrap();
    let mut signing = SigningKey::from_private(private.as_bytes(), Algorithm::RS256).unwrap();
    signing.set_kid(kid.to_owned());
    let jwk = signing
        .verifying_key(&[Algorithm::RS256])
        .unwrap()
        .to_jwk()
        .unwrap();
    Key { signing, jwk }
}

struct IdpState {
    base: String,
    /// Keys published in the JWKS (with an Entra-like `issuer` property).
    published: Mutex<Vec<Value>>,
    mode: Mutex<Mode>,
    jwks_fetches: AtomicU64,
    discovery_fetches: AtomicU64,
}

/// A loopback IdP: `/{tenant}/v2.0/...` and `/{tenant}/...` (Entra-shaped, v2 and v1)
/// and `/oidc/...` (a plain issuer).
struct Idp {
    state: Arc<IdpState>,
}

impl Idp {
    async fn start() -> Idp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(IdpState {
            base,
            published: Mutex::new(Vec::new()),
            mode: Mutex::new(Mode::Ok),
            jwks_fetches: AtomicU64::new(0),
            discovery_fetches: AtomicU64::new(0),
        });
        let app = Router::new()
            .route(
                "/oidc/.well-known/openid-configuration",
                get(oidc_discovery),
            )
            .route(
                "/{tenant}/v2.0/.well-known/openid-configuration",
                get(v2_discovery),
            )
            .route(
                "/{tenant}/.well-known/openid-configuration",
                get(v1_discovery),
            )
            .route("/keys", get(jwks))
            .with_state(state.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Idp { state }
    }

    fn publish(&self, keys: &[&Key]) {
        *self.state.published.lock().unwrap() = keys.iter().map(|k| k.jwk.clone()).collect();
    }

    fn set_mode(&self, mode: Mode) {
        *self.state.mode.lock().unwrap() = mode;
    }

    fn jwks_fetches(&self) -> u64 {
        self.state.jwks_fetches.load(Ordering::SeqCst)
    }

    fn base(&self) -> &str {
        &self.state.base
    }

    fn v2_issuer(&self, tid: &str) -> String {
        format!("{}/{tid}/v2.0", self.base())
    }

    fn v1_issuer(&self, tid: &str) -> String {
        format!("{}/{tid}/v1", self.base())
    }
}

fn document(issuer: String, base: &str) -> Json<Value> {
    Json(json!({
        "issuer": issuer,
        "jwks_uri": format!("{base}/keys"),
        "authorization_endpoint": format!("{base}/authorize"),
        "token_endpoint": format!("{base}/token"),
    }))
}

async fn oidc_discovery(State(s): State<Arc<IdpState>>) -> Json<Value> {
    s.discovery_fetches.fetch_add(1, Ordering::SeqCst);
    document(format!("{}/oidc", s.base), &s.base)
}

fn issuer_of(s: &IdpState, tenant: &str, version: &str) -> String {
    let tid = if tenant == "common" || tenant == "organizations" {
        "{tenantid}"
    } else {
        tenant
    };
    format!("{}/{tid}/{version}", s.base)
}

async fn v2_discovery(State(s): State<Arc<IdpState>>, Path(tenant): Path<String>) -> Json<Value> {
    s.discovery_fetches.fetch_add(1, Ordering::SeqCst);
    document(issuer_of(&s, &tenant, "v2.0"), &s.base)
}

async fn v1_discovery(State(s): State<Arc<IdpState>>, Path(tenant): Path<String>) -> Json<Value> {
    s.discovery_fetches.fetch_add(1, Ordering::SeqCst);
    document(issuer_of(&s, &tenant, "v1"), &s.base)
}

async fn jwks(State(s): State<Arc<IdpState>>) -> Response {
    s.jwks_fetches.fetch_add(1, Ordering::SeqCst);
    let mode = *s.mode.lock().unwrap();
    match mode {
        Mode::Down => (StatusCode::SERVICE_UNAVAILABLE, "down").into_response(),
        Mode::Garbage => (StatusCode::OK, "<html>not a jwks</html>").into_response(),
        Mode::Ok => Json(json!({"keys": *s.published.lock().unwrap()})).into_response(),
    }
}

fn sign(key: &Key, typ: Option<&str>, claims: &Value) -> String {
    let mut header = json!({"alg": "RS256", "kid": key.signing.kid()});
    if let Some(typ) = typ {
        header["typ"] = json!(typ);
    }
    let input = format!(
        "{}.{}",
        base64url::encode(header.to_string()),
        base64url::encode(claims.to_string())
    );
    let signature = key
        .signing
        .sign(Algorithm::RS256, input.as_bytes())
        .unwrap();
    format!("{input}.{}", base64url::encode(signature))
}

/// Claims shaped like an Entra v2.0 access token.
fn entra_v2(idp: &Idp, tid: &str) -> Value {
    let t = now();
    json!({
        "aud": CLIENT, "iss": idp.v2_issuer(tid), "iat": t - 10, "nbf": t - 10, "exp": t + 3600,
        "aio": "AXQAi/8TAAAA", "azp": "b7e1e0c4-2c4b-4b9e-a8e5-1f0b6f1d6d6d", "azpacr": "0",
        "name": "Abe Lincoln", "oid": "690222be-ff1a-4d56-abd1-7e4f7d38e474",
        "preferred_username": "abeli@example.com", "rh": "I", "roles": ["Reader"],
        "scp": "access_as_user Files.Read", "sub": "HKZpfaHyWadeOouYlitjrI-KffTm222X5rrV3xDqfKQ",
        "tid": tid, "uti": "fqiBqXLPj0eQa82S-IYFAA", "ver": "2.0",
    })
}

fn plain(idp: &Idp) -> Value {
    let t = now();
    json!({
        "iss": format!("{}/oidc", idp.base()), "aud": "my-api", "sub": "user-1",
        "iat": t, "exp": t + 600, "scope": "files.read files.write", "org": "acme",
    })
}

fn oidc_provider(idp: &Idp, cooldown: f64, retry: f64) -> OidcProvider {
    let mut config = OidcConfig::new(format!("{}/oidc", idp.base()), ["my-api"]);
    config.insecure_http = true;
    config.jwks_refetch_cooldown_seconds = cooldown;
    config.jwks_retry_seconds = retry;
    config.http_timeout_seconds = 2.0;
    config.organization_claim = Some("org".into());
    OidcProvider::new(config).unwrap()
}

fn entra(idp: &Idp, tenant: &str, allowed: &[&str], guests: bool) -> OidcProvider {
    let mut config = AzureAdConfig::new(tenant, CLIENT);
    config.authority_host = idp.base().to_owned();
    config.insecure_http_authority = true;
    config.allowed_tenants = allowed.iter().map(|s| (*s).to_owned()).collect();
    config.allow_guests = guests;
    OidcProvider::entra(config).unwrap()
}

fn app(auth: &Auth, providers: &[OidcProvider]) -> Router {
    let mut layer = auth.layer();
    for provider in providers {
        layer = layer.provider(Arc::new(provider.clone()));
    }
    Router::new()
        .route(
            "/me",
            get(|user: AuthUser| async move {
                Json(json!({
                    "user_id": user.user_id, "organization_id": user.organization_id,
                    "roles": user.roles, "scopes": user.scopes, "issuer": user.issuer(),
                }))
            }),
        )
        .route(
            "/files",
            get(|| async { "ok" }).route_layer(require_scopes(["Files.Read"])),
        )
        .layer(layer)
}

#[tokio::test]
async fn one_layer_serves_our_tokens_and_outside_issuers_routed_by_iss() {
    let idp = Idp::start().await;
    let k1 = key("k1");
    idp.publish(&[&k1]);
    let auth = auth();
    let oidc = oidc_provider(&idp, 300.0, 30.0);
    let azure = entra(&idp, "common", &[TID], false);
    let app = app(&auth, &[oidc.clone(), azure.clone()]);

    let ours = auth
        .generate_token_pair(TokenRequest::new("alice"))
        .await
        .unwrap()
        .access_token;
    let (status, body) = call(&app, "/me", &ours).await;
    assert_eq!(
        (status, body["user_id"].clone()),
        (StatusCode::OK, json!("alice"))
    );
    assert_eq!(body["issuer"], json!("netrun-tests"));

    let (status, body) = call(&app, "/me", &sign(&k1, None, &plain(&idp))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user_id"], json!("user-1"));
    assert_eq!(body["organization_id"], json!("acme"));
    assert_eq!(body["scopes"], json!(["files.read", "files.write"]));
    assert_eq!(body["issuer"], json!(format!("{}/oidc", idp.base())));

    let entra_token = sign(&k1, Some("JWT"), &entra_v2(&idp, TID));
    let (status, body) = call(&app, "/me", &entra_token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["user_id"],
        json!("690222be-ff1a-4d56-abd1-7e4f7d38e474")
    );
    assert_eq!(body["organization_id"], json!(TID));
    assert_eq!(body["roles"], json!(["Reader"]));
    assert_eq!(body["issuer"], json!(idp.v2_issuer(TID)));
    assert_eq!(call(&app, "/files", &entra_token).await.0, StatusCode::OK);

    // require_scopes: 403 insufficient_scope for a token without the scope.
    let (status, body) = call(&app, "/files", &sign(&k1, None, &plain(&idp))).await;
    assert_eq!(
        (status, body["error"].clone()),
        (StatusCode::FORBIDDEN, json!("insufficient_scope"))
    );

    // Nobody's issuer: 401 issuer_unknown; our issuer with a foreign key: our 401.
    let mut stranger = plain(&idp);
    stranger["iss"] = json!("https://evil.example.com");
    let (status, body) = call(&app, "/me", &sign(&k1, None, &stranger)).await;
    assert_eq!(
        (status, body["error"].clone()),
        (StatusCode::UNAUTHORIZED, json!("issuer_unknown"))
    );
    let mut forged = plain(&idp);
    forged["iss"] = json!("netrun-tests");
    let (status, _) = call(&app, "/me", &sign(&k1, None, &forged)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn entra_rules() {
    let idp = Idp::start().await;
    let k1 = key("k1");
    idp.publish(&[&k1]);
    let azure = entra(&idp, "common", &[TID], false);
    let check = |claims: Value| {
        let azure = azure.clone();
        let token = sign(&k1, Some("JWT"), &claims);
        async move {
            azure
                .validate_token(&token)
                .await
                .map(|u| u.user_id.clone())
        }
    };
    assert!(check(entra_v2(&idp, TID)).await.is_ok());
    // A tenant not allowed.
    assert!(check(entra_v2(&idp, OTHER_TID)).await.is_err());
    // iss and tid must agree.
    let mut mixed = entra_v2(&idp, TID);
    mixed["tid"] = json!(OTHER_TID);
    assert!(check(mixed).await.is_err());
    // v1 token: its own issuer (from the v1 document), audience api://client.
    let mut v1 = entra_v2(&idp, TID);
    v1["iss"] = json!(idp.v1_issuer(TID));
    v1["aud"] = json!(format!("api://{CLIENT}"));
    v1["ver"] = json!("1.0");
    assert!(check(v1).await.is_ok());
    // Wrong audience.
    let mut aud = entra_v2(&idp, TID);
    aud["aud"] = json!("someone-else");
    assert!(check(aud).await.is_err());
    // Guests follow allow_guests.
    let mut guest = entra_v2(&idp, TID);
    guest["acct"] = json!(1);
    assert!(check(guest.clone()).await.is_err());
    let welcoming = entra(&idp, "common", &[TID], true);
    assert!(welcoming
        .validate_token(&sign(&k1, Some("JWT"), &guest))
        .await
        .is_ok());
    // Only typ JWT for Entra.
    let token = sign(&k1, Some("at+jwt"), &entra_v2(&idp, TID));
    assert!(azure.validate_token(&token).await.is_err());
    // A key whose issuer property names another issuer is refused.
    let mut k2 = key("k2");
    k2.jwk["issuer"] = json!(idp.v1_issuer("{tenantid}"));
    idp.publish(&[&k1, &k2]);
    let token = sign(&k2, Some("JWT"), &entra_v2(&idp, TID));
    let error = azure.validate_token(&token).await.unwrap_err();
    assert_eq!(error.status(), StatusCode::UNAUTHORIZED);
    // A token naming a jku is never followed (the key is not ours: unknown kid).
    let mut header_jku = json!({"alg": "RS256", "kid": "elsewhere", "typ": "JWT", "jku": format!("{}/keys", idp.base())});
    header_jku["x5u"] = json!("https://evil.example.com/cert");
    let input = format!(
        "{}.{}",
        base64url::encode(header_jku.to_string()),
        base64url::encode(entra_v2(&idp, TID).to_string())
    );
    let sig = k1.signing.sign(Algorithm::RS256, input.as_bytes()).unwrap();
    assert!(azure
        .validate_token(&format!("{input}.{}", base64url::encode(sig)))
        .await
        .is_err());
}

#[tokio::test]
async fn jwks_policy_over_real_http() {
    let idp = Idp::start().await;
    let k1 = key("k1");
    idp.publish(&[&k1]);
    let provider = oidc_provider(&idp, 300.0, 30.0);
    let token = sign(&k1, None, &plain(&idp));

    // First use: one fetch; steady state: none.
    provider.validate_token(&token).await.unwrap();
    assert_eq!(idp.jwks_fetches(), 1);
    for _ in 0..50 {
        provider.validate_token(&token).await.unwrap();
    }
    assert_eq!(idp.jwks_fetches(), 1, "steady state fetches nothing");

    // Rollover: a token signed with a new key -> exactly one fetch, then valid.
    let k2 = key("k2");
    idp.publish(&[&k1, &k2]);
    let rolled = sign(&k2, None, &plain(&idp));
    let user = provider.validate_token(&rolled).await.unwrap();
    assert_eq!(user.user_id, "user-1");
    assert_eq!(idp.jwks_fetches(), 2);
    provider.validate_token(&rolled).await.unwrap();
    assert_eq!(idp.jwks_fetches(), 2);

    // 100 tokens with unknown kids within the cooldown: no more fetches, 401 each.
    let strangers: Vec<Key> = (0..3).map(|i| key(&format!("x{i}"))).collect();
    for i in 0..100 {
        let error = provider
            .validate_token(&sign(&strangers[i % 3], None, &plain(&idp)))
            .await
            .unwrap_err();
        assert_eq!(
            (error.status(), error.code()),
            (StatusCode::UNAUTHORIZED, "unknown_key")
        );
    }
    assert_eq!(idp.jwks_fetches(), 2, "at most one fetch per cooldown");

    // IdP down, and garbage: known keys still validate, never a 500.
    for mode in [Mode::Down, Mode::Garbage] {
        idp.set_mode(mode);
        provider.validate_token(&token).await.unwrap();
        provider.validate_token(&rolled).await.unwrap();
    }
}

#[tokio::test]
async fn unknown_kids_during_an_outage_fetch_at_most_once_per_cooldown() {
    let idp = Idp::start().await;
    let k1 = key("k1");
    idp.publish(&[&k1]);
    // No cooldown would mean one fetch per unknown kid: with one, at most one.
    let provider = oidc_provider(&idp, 300.0, 30.0);
    provider.start().await;
    assert_eq!(idp.jwks_fetches(), 1);
    idp.set_mode(Mode::Down);
    let stranger = key("x");
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let provider = provider.clone();
            let token = sign(&stranger, None, &plain(&idp));
            tokio::spawn(async move { provider.validate_token(&token).await })
        })
        .collect();
    for task in tasks {
        let error = task.await.unwrap().unwrap_err();
        assert_eq!(error.status(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(idp.jwks_fetches(), 2);
    provider
        .validate_token(&sign(&k1, None, &plain(&idp)))
        .await
        .unwrap();
    assert!(provider.failure_count() >= 1);
}

#[tokio::test]
async fn an_idp_never_reached_is_503_then_recovers() {
    let idp = Idp::start().await;
    let k1 = key("k1");
    idp.publish(&[&k1]);
    idp.set_mode(Mode::Down);
    let provider = oidc_provider(&idp, 300.0, 0.0);
    let token = sign(&k1, None, &plain(&idp));
    let error = provider.validate_token(&token).await.unwrap_err();
    assert_eq!(
        (error.status(), error.code()),
        (StatusCode::SERVICE_UNAVAILABLE, "idp_unavailable")
    );
    idp.set_mode(Mode::Ok);
    // The retry delay is 0 in these settings: the next use fetches again.
    provider.validate_token(&token).await.unwrap();
}

#[tokio::test]
async fn settings_are_checked_when_the_provider_is_built() {
    // https only unless insecure_*.
    let config = OidcConfig::new("http://127.0.0.1:1/oidc", ["api"]);
    let error = OidcProvider::new(config).unwrap_err();
    assert!(
        error
            .0
            .starts_with("discovery_url: must be an https:// URL"),
        "{error}"
    );
    let mut config = OidcConfig::new("https://idp.example.com", ["api"]);
    config.algorithms = vec!["HS256".into()];
    assert!(OidcProvider::new(config).is_err());
    let mut azure = AzureAdConfig::new("common", CLIENT);
    assert!(
        OidcProvider::entra(azure.clone()).is_err(),
        "multi-tenant needs allowed_tenants"
    );
    azure.allowed_tenants = vec!["*".into()];
    assert!(OidcProvider::entra(azure).is_ok());
}
