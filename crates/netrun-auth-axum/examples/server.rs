//! Example server: `cargo run --release -p netrun-auth-axum --example server [-- --redis [--cluster]] [--azure]`.
//!
//! Reads `NETRUN_AUTH_*` and `.env` (working directory) like the Python side and
//! listens on `127.0.0.1:$PORT` (default 8080). With `--redis` (build with
//! `--features redis`) revocation state is shared through `NETRUN_AUTH_REDIS_URL`;
//! `--cluster` treats that URL as a node of a Redis Cluster. Routes:
//!
//! - `GET /open`: no authentication, `{"ok": true}`;
//! - `GET /me`: `{"user_id", "organization_id", "roles", "permissions"}` (401 without a token);
//! - `GET /admin`: role `admin` (403 otherwise);
//! - `GET /.well-known/jwks.json`: the public keys;
//! - `GET /scoped`: scope `access_as_user` (403 `insufficient_scope` otherwise):
//!   `{"user_id", "organization_id", "roles", "scopes", "issuer"}`;
//! - `GET /ws`: a WebSocket that sends `hello <user_id>`; refused upgrades are accepted
//!   and closed with 1008 and the error code;
//! - `GET /health`: `{"ok": true, "mirror_live": ...}` (whether the Redis store decides
//!   from its local mirror now; `NETRUN_AUTH_REDIS_LOCAL_MIRROR`).
//!
//! `--azure` (build with `--features oidc`) also accepts Microsoft Entra ID tokens,
//! configured by the Python side's `NETRUN_AUTH_AZURE_*` variables; each token is routed
//! by its `iss`.
//!
//! `--insecure-test-routes` adds routes for the cross-language tests ONLY: they let
//! anyone mint tokens for any user. `POST /login` (`{"user_id", "organization_id",
//! "roles", "permissions"}` -> a token pair), `POST /refresh` (`{"refresh_token"}`),
//! `POST /logout` (bearer token), `POST /logout_all` (`{"user_id"}`).

use axum::extract::ws::{Message, WebSocketUpgrade};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use netrun_auth_axum::guard::{require_roles, require_scopes};
use netrun_auth_axum::{Auth, AuthConfig, AuthError, AuthUser, Store, TokenPair, TokenRequest};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

#[tokio::main]
async fn main() {
    if let Err(message) = run().await {
        eprintln!("server: {message}");
        std::process::exit(2);
    }
}

async fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    for arg in &args {
        if !["--redis", "--cluster", "--azure", "--insecure-test-routes"].contains(&arg.as_str()) {
            return Err(format!("unknown argument {arg:?}"));
        }
    }
    let flag = |name: &str| args.iter().any(|a| a == name);
    let config = AuthConfig::from_env().map_err(|e| e.to_string())?;
    let store = if flag("--redis") || flag("--cluster") {
        redis_store(&config, flag("--cluster"))?
    } else {
        Store::default()
    };
    let auth = Auth::with_store(config, store).map_err(|e| e.to_string())?;

    let mut app = Router::new()
        .route("/open", get(|| async { Json(json!({"ok": true})) }))
        .route("/me", get(me))
        .route(
            "/admin",
            get(|user: AuthUser| async move { Json(json!({"ok": true, "user_id": user.user_id})) })
                .route_layer(require_roles(["admin"])),
        )
        .route("/.well-known/jwks.json", get(jwks))
        .route(
            "/scoped",
            get(scoped).route_layer(require_scopes(["access_as_user"])),
        )
        .route("/ws", get(websocket))
        .route("/health", get(health));
    if flag("--insecure-test-routes") {
        eprintln!("server: WARNING --insecure-test-routes: anyone can mint tokens (tests only)");
        app = app
            .route("/login", post(login))
            .route("/refresh", post(refresh))
            .route("/logout", post(logout))
            .route("/logout_all", post(logout_all));
    }
    let mut layer = auth.layer();
    if flag("--azure") {
        layer = azure(layer).await?;
    }
    let app = app.layer(layer).with_state(auth);

    let port: u16 = match std::env::var("PORT") {
        Ok(value) => value
            .parse()
            .map_err(|_| format!("PORT: not a port: {value:?}"))?,
        Err(_) => 8080,
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e}"))?;
    println!("listening on http://127.0.0.1:{port}");
    axum::serve(listener, app).await.map_err(|e| e.to_string())
}

#[cfg(feature = "redis")]
fn redis_store(config: &AuthConfig, cluster: bool) -> Result<Store, String> {
    let store = if cluster {
        netrun_auth_axum::RedisStore::cluster(config, &[])
    } else {
        netrun_auth_axum::RedisStore::single(config)
    };
    store.map(Store::Redis).map_err(|e| e.to_string())
}

#[cfg(not(feature = "redis"))]
fn redis_store(_config: &AuthConfig, _cluster: bool) -> Result<Store, String> {
    Err("--redis needs the redis feature: cargo run --features redis --example server".into())
}

#[cfg(feature = "oidc")]
async fn azure(layer: netrun_auth_axum::AuthLayer) -> Result<netrun_auth_axum::AuthLayer, String> {
    use netrun_auth_axum::oidc::{AzureAdConfig, OidcProvider};
    let config = AzureAdConfig::from_env().map_err(|e| e.to_string())?;
    let provider = OidcProvider::entra(config).map_err(|e| e.to_string())?;
    provider.start().await;
    Ok(layer.provider(std::sync::Arc::new(provider)))
}

#[cfg(not(feature = "oidc"))]
async fn azure(_layer: netrun_auth_axum::AuthLayer) -> Result<netrun_auth_axum::AuthLayer, String> {
    Err("--azure needs the oidc feature: cargo run --features oidc --example server".into())
}

async fn scoped(user: AuthUser) -> Json<Value> {
    Json(json!({
        "user_id": user.user_id,
        "organization_id": user.organization_id,
        "roles": user.roles,
        "scopes": user.scopes,
        "issuer": user.issuer(),
    }))
}

async fn websocket(user: AuthUser, ws: WebSocketUpgrade) -> axum::response::Response {
    let greeting = format!("hello {}", user.user_id);
    ws.on_upgrade(move |mut socket| async move {
        let _ = socket.send(Message::Text(greeting.into())).await;
    })
}

/// The body of `GET /me`, borrowed from the request's user (no copies).
#[derive(Serialize)]
struct Me<'a> {
    user_id: &'a str,
    organization_id: Option<&'a str>,
    roles: &'a [String],
    permissions: &'a [String],
}

async fn me(user: AuthUser) -> Response {
    Json(Me {
        user_id: &user.user_id,
        organization_id: user.organization_id.as_deref(),
        roles: &user.roles,
        permissions: &user.permissions,
    })
    .into_response()
}

async fn health(State(auth): State<Auth>) -> Json<Value> {
    Json(json!({"ok": true, "mirror_live": auth.store().mirror_live()}))
}

async fn jwks(State(auth): State<Auth>) -> Json<Value> {
    Json(auth.jwks())
}

#[derive(Deserialize)]
struct Login {
    user_id: String,
    #[serde(default)]
    organization_id: Option<String>,
    #[serde(default)]
    roles: Vec<String>,
    #[serde(default)]
    permissions: Vec<String>,
}

async fn login(
    State(auth): State<Auth>,
    Json(body): Json<Login>,
) -> Result<Json<TokenPair>, AuthError> {
    let request = TokenRequest {
        user_id: body.user_id,
        organization_id: body.organization_id,
        roles: body.roles,
        permissions: body.permissions,
        ..TokenRequest::default()
    };
    Ok(Json(auth.generate_token_pair(request).await?))
}

#[derive(Deserialize)]
struct Refresh {
    refresh_token: String,
}

async fn refresh(
    State(auth): State<Auth>,
    Json(body): Json<Refresh>,
) -> Result<Json<TokenPair>, AuthError> {
    Ok(Json(auth.refresh(&body.refresh_token, None, None).await?))
}

async fn logout(State(auth): State<Auth>, user: AuthUser) -> Result<Json<Value>, AuthError> {
    auth.logout(user.token()).await?;
    Ok(Json(json!({"ok": true})))
}

#[derive(Deserialize)]
struct LogoutAll {
    user_id: String,
}

async fn logout_all(
    State(auth): State<Auth>,
    Json(body): Json<LogoutAll>,
) -> Result<Json<Value>, AuthError> {
    auth.logout_all(&body.user_id).await?;
    Ok(Json(json!({"ok": true})))
}
