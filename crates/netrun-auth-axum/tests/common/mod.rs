//! What several integration tests share: our own HS256 issuer, and one GET through the app.
#![allow(dead_code)] // each test crate uses its own part of this module

use axum::body::Body;
use axum::Router;
use http::{header, Request, StatusCode};
use http_body_util::BodyExt as _;
use netrun_auth_axum::{Auth, AuthConfig};
use serde_json::Value;
use tower::ServiceExt as _;

/// Our own issuer of the tests (HS256, one secret).
pub fn auth() -> Auth {
    let config = AuthConfig::builder()
        .issuer("netrun-tests")
        .audience("netrun-tests-api")
        .algorithm("HS256")
        .secret("0123456789abcdef0123456789abcdef-test-secret")
        .build()
        .unwrap();
    Auth::new(config).unwrap()
}

/// `GET path` with `token` as the bearer: the status and the JSON body (`Null` if none).
pub async fn call(app: &Router, path: &str, token: &str) -> (StatusCode, Value) {
    let request = Request::get(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}
