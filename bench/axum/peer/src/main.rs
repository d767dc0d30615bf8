//! `GET /me` protected by axum-jwt-auth (RS256 public key from `PEER_PUBLIC_KEY_PATH`,
//! issuer and audience from `NETRUN_AUTH_JWT_ISSUER` / `_AUDIENCE`), `GET /open`
//! unprotected; `127.0.0.1:$PORT`. The same JSON as the netrun-auth example's `/me`.

use std::sync::Arc;

use axum::extract::FromRef;
use axum::routing::get;
use axum::{Json, Router};
use axum_jwt_auth::{Claims, Decoder, LocalDecoder};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Deserialize, Clone)]
struct TokenClaims {
    sub: String,
    org: Option<String>,
    #[serde(default)]
    roles: Vec<String>,
    #[serde(default)]
    permissions: Vec<String>,
}

#[derive(Clone, FromRef)]
struct AppState {
    decoder: Decoder<TokenClaims>,
}

async fn me(user: Claims<TokenClaims>) -> Json<Value> {
    let c = user.claims;
    Json(
        json!({"user_id": c.sub, "organization_id": c.org, "roles": c.roles, "permissions": c.permissions}),
    )
}

#[tokio::main]
async fn main() {
    let env = |name: &str| std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set"));
    let pem = std::fs::read(env("PEER_PUBLIC_KEY_PATH")).expect("public key file");
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[env("NETRUN_AUTH_JWT_AUDIENCE")]);
    validation.set_issuer(&[env("NETRUN_AUTH_JWT_ISSUER")]);
    let decoder = LocalDecoder::builder()
        .keys(vec![
            DecodingKey::from_rsa_pem(&pem).expect("RSA public key")
        ])
        .validation(validation)
        .build()
        .expect("decoder");
    let state = AppState {
        decoder: Arc::new(decoder),
    };
    let app = Router::new()
        .route("/open", get(|| async { Json(json!({"ok": true})) }))
        .route("/me", get(me))
        .with_state(state);
    let port: u16 = env("PORT").parse().expect("PORT");
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("bind");
    println!("listening on http://127.0.0.1:{port}");
    axum::serve(listener, app).await.expect("serve");
}
