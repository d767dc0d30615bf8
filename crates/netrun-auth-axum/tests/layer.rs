//! The layer, extractors and guards through `tower::ServiceExt::oneshot`: status codes,
//! the Python side's JSON bodies and RFC 6750 challenges, hostile tokens (never a 500).

use axum::body::Body;
use axum::extract::ws::WebSocketUpgrade;
use axum::routing::get;
use axum::{Json, Router};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use http::{header, Request, StatusCode};
use http_body_util::BodyExt as _;
use netrun_auth::claims::now;
use netrun_auth::{Claims, TokenType};
use netrun_auth_axum::guard::{
    require_organization, require_permissions, require_roles, require_scopes,
};
use netrun_auth_axum::{Auth, AuthConfig, AuthUser, MaybeUser, TokenRequest};
use serde_json::{json, Value};
use tower::ServiceExt as _;

const SECRET: &str = "0123456789abcdef0123456789abcdef-test-secret";

fn config(secret: &str, kid: &str) -> AuthConfig {
    AuthConfig::builder()
        .issuer("netrun-tests")
        .audience("netrun-tests-api")
        .algorithm("HS256")
        .secret(secret)
        .key_id(kid)
        .cookie_name("session")
        .public_paths(["/health", "/public/*"])
        .build()
        .unwrap()
}

fn auth() -> Auth {
    Auth::new(config(SECRET, "k1")).unwrap()
}

fn app(auth: &Auth) -> Router {
    Router::new()
        .route(
            "/me",
            get(|user: AuthUser| async move { Json(json!({"user_id": user.user_id, "roles": user.roles})) }),
        )
        .route(
            "/maybe",
            get(|MaybeUser(user): MaybeUser| async move { Json(json!({"user": user.map(|u| u.user_id.clone())})) }),
        )
        .route(
            "/public/page",
            get(|MaybeUser(user): MaybeUser| async move { Json(json!({"anonymous": user.is_none()})) }),
        )
        .route("/admin", get(|| async { "ok" }).route_layer(require_roles(["admin"])))
        .route("/write", get(|| async { "ok" }).route_layer(require_permissions(["items:write"])))
        .route("/scoped", get(|| async { "ok" }).route_layer(require_scopes(["read", "write"])))
        .route(
            "/orgs/{org_id}/items",
            get(|| async { "ok" }).route_layer(require_organization("org_id").bypass_roles(["operator"])),
        )
        .route("/ws", get(|_user: AuthUser, ws: WebSocketUpgrade| async move { ws.on_upgrade(|_socket| async {}) }))
        .layer(auth.layer())
}

async fn call(
    app: &Router,
    path: &str,
    authorization: Option<&str>,
) -> (StatusCode, http::HeaderMap, Value) {
    let mut request = Request::get(path);
    if let Some(value) = authorization {
        request = request.header(header::AUTHORIZATION, value);
    }
    send(app, request.body(Body::empty()).unwrap()).await
}

async fn send(app: &Router, request: Request<Body>) -> (StatusCode, http::HeaderMap, Value) {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
    (status, headers, body)
}

async fn token(auth: &Auth, request: TokenRequest) -> String {
    auth.generate_token_pair(request)
        .await
        .unwrap()
        .access_token
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

#[tokio::test]
async fn valid_token_gives_the_user() {
    let auth = auth();
    let app = app(&auth);
    let mut request = TokenRequest::new("alice");
    request.roles = vec!["admin".into()];
    let t = token(&auth, request).await;
    let (status, _, body) = call(&app, "/me", Some(&bearer(&t))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"user_id": "alice", "roles": ["admin"]}));
    assert_eq!(
        call(&app, "/admin", Some(&bearer(&t))).await.0,
        StatusCode::OK
    );
    assert_eq!(
        call(&app, "/maybe", Some(&bearer(&t))).await.2,
        json!({"user": "alice"})
    );
}

#[tokio::test]
async fn no_token_is_anonymous_and_401_where_a_user_is_needed() {
    let app = app(&auth());
    let (status, headers, body) = call(&app, "/me", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(headers[header::WWW_AUTHENTICATE], "Bearer");
    assert_eq!(headers[header::CACHE_CONTROL], "no-store");
    assert_eq!(
        body,
        json!({"error": "not_authenticated", "message": "Not authenticated", "status_code": 401})
    );
    assert_eq!(call(&app, "/maybe", None).await.2, json!({"user": null}));
    assert_eq!(call(&app, "/admin", None).await.0, StatusCode::UNAUTHORIZED);
}

/// A token with this header and payload, signed with HS256 and `secret`.
fn forge(header: Value, payload: Value, secret: &str) -> String {
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(payload.to_string())
    );
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret.as_bytes());
    let tag = aws_lc_rs::hmac::sign(&key, input.as_bytes());
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
}

fn claims_json(exp: i64) -> Value {
    json!({
        "iss": "netrun-tests", "aud": "netrun-tests-api", "sub": "mallory", "exp": exp,
        "iat": now(), "jti": "j1", "typ": "access", "roles": ["admin"]
    })
}

#[tokio::test]
async fn hostile_tokens_are_401_never_500() {
    let auth = auth();
    let app = app(&auth);
    let other = Auth::new(config("another-secret-of-sufficient-length-xyz", "k1")).unwrap();
    let other_kid = Auth::new(config(SECRET, "k2")).unwrap();
    let good = token(&auth, TokenRequest::new("alice")).await;
    let mut segments: Vec<&str> = good.split('.').collect();
    let none_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    segments[0] = &none_header;
    let alg_none = format!("{}.{}.", segments[0], segments[1]);
    let expired = {
        let mut claims: Claims = (*auth.validate(&good).await.unwrap()).clone();
        claims.expires_at = now() - 3600;
        claims.issued_at = Some(now() - 7200);
        claims.not_before = None;
        auth.engine().sign(&claims).unwrap()
    };
    let cases: Vec<(&str, String, &str)> = vec![
        ("alg none", alg_none, ""),
        (
            "wrong key",
            token(&other, TokenRequest::new("alice")).await,
            "invalid_signature",
        ),
        (
            "unknown kid",
            token(&other_kid, TokenRequest::new("alice")).await,
            "unknown_key",
        ),
        ("expired", expired, "token_expired"),
        ("oversized", "a".repeat(9000), "token_too_large"),
        ("garbage", "not-a-jwt".into(), "token_malformed"),
        ("two dots", "a.b.c.d".into(), "token_malformed"),
        (
            "forged alg HS512",
            forge(
                json!({"alg": "HS512", "kid": "k1"}),
                claims_json(now() + 60),
                SECRET,
            ),
            "algorithm_not_allowed",
        ),
        (
            "crit header",
            forge(
                json!({"alg": "HS256", "kid": "k1", "crit": ["exp"]}),
                claims_json(now() + 60),
                SECRET,
            ),
            "token_malformed",
        ),
        (
            "string exp",
            forge(
                json!({"alg": "HS256", "kid": "k1"}),
                json!({"iss": "netrun-tests", "aud": "netrun-tests-api", "sub": "m", "exp": "9999999999", "jti": "j", "typ": "access"}),
                SECRET,
            ),
            "invalid_claim",
        ),
    ];
    for (name, token, code) in cases {
        let (status, headers, body) = call(&app, "/me", Some(&bearer(&token))).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{name}: {body}");
        assert!(
            headers[header::WWW_AUTHENTICATE]
                .to_str()
                .unwrap()
                .starts_with("Bearer error=\"invalid_token\""),
            "{name}"
        );
        if !code.is_empty() {
            assert_eq!(body["error"], code, "{name}: {body}");
        }
        assert_eq!(body["status_code"], 401, "{name}");
        assert!(
            !body.to_string().contains(&token[..token.len().min(40)]) || token.len() < 20,
            "{name}: token echoed"
        );
        // The same token is ignored on a public path.
        let (status, _, body) = call(&app, "/public/page", Some(&bearer(&token))).await;
        assert_eq!(
            (status, body),
            (StatusCode::OK, json!({"anonymous": true})),
            "{name}"
        );
    }
}

#[tokio::test]
async fn bad_authorization_headers_are_401() {
    let app = app(&auth());
    for value in [
        "Basic dXNlcjpwYXNz",
        "Bearer",
        "Bearer a b",
        "Bearer \"x\"",
        "Token abc",
    ] {
        let (status, _, body) = call(&app, "/me", Some(value)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{value}");
        assert_eq!(body["error"], "token_malformed", "{value}");
    }
    let request = Request::get("/me")
        .header(header::AUTHORIZATION, "Bearer a")
        .header(header::AUTHORIZATION, "Bearer b")
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, request).await.2["error"], "token_malformed");
    let request = Request::get("/me")
        .header(
            header::AUTHORIZATION,
            http::HeaderValue::from_bytes(b"Bearer \xff\xfe").unwrap(),
        )
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, request).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn cookie_carries_the_token_when_configured() {
    let auth = auth();
    let app = app(&auth);
    let t = token(&auth, TokenRequest::new("carol")).await;
    let request = Request::get("/me")
        .header(header::COOKIE, format!("theme=dark; session={t}"))
        .body(Body::empty())
        .unwrap();
    let (status, _, body) = send(&app, request).await;
    assert_eq!(
        (status, body["user_id"].clone()),
        (StatusCode::OK, json!("carol"))
    );
}

#[tokio::test]
async fn guards_answer_403_with_the_python_codes() {
    let auth = auth();
    let app = app(&auth);
    let mut request = TokenRequest::new("bob");
    request.organization_id = Some("org-1".into());
    request.permissions = vec!["items:read".into()];
    request.extra_claims.insert("scope".into(), json!("read"));
    let t = bearer(&token(&auth, request).await);
    let (status, headers, body) = call(&app, "/admin", Some(&t)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(headers[header::WWW_AUTHENTICATE]
        .to_str()
        .unwrap()
        .starts_with("Bearer error=\"insufficient_scope\""));
    assert_eq!(
        body,
        json!({"error": "insufficient_role", "message": "Requires one of the roles: admin",
               "status_code": 403, "details": {"required_roles": ["admin"]}})
    );
    let body = call(&app, "/write", Some(&t)).await.2;
    assert_eq!(body["error"], "insufficient_permissions");
    assert_eq!(
        body["details"],
        json!({"missing_permissions": ["items:write"]})
    );
    let body = call(&app, "/scoped", Some(&t)).await.2;
    assert_eq!(body["error"], "insufficient_scope");
    assert_eq!(body["details"], json!({"missing_scopes": ["write"]}));
    assert_eq!(
        call(&app, "/orgs/org-1/items", Some(&t)).await.0,
        StatusCode::OK
    );
    let body = call(&app, "/orgs/org-2/items", Some(&t)).await.2;
    assert_eq!(body["error"], "organization_forbidden");
    // Cross-tenant: the literal permission or a bypass role; never a wildcard.
    for (roles, permissions, allowed) in [
        (vec![], vec!["organizations:cross_tenant"], true),
        (vec!["operator"], vec![], true),
        (vec![], vec!["organizations:*"], false),
        (vec![], vec!["*"], false),
    ] {
        let mut request = TokenRequest::new("eve");
        request.organization_id = Some("org-1".into());
        request.roles = roles.iter().map(|s| s.to_string()).collect();
        request.permissions = permissions.iter().map(|s| s.to_string()).collect();
        let t = bearer(&token(&auth, request).await);
        let status = call(&app, "/orgs/org-2/items", Some(&t)).await.0;
        assert_eq!(
            status == StatusCode::OK,
            allowed,
            "{roles:?} {permissions:?}"
        );
    }
}

#[tokio::test]
async fn logout_refresh_rotation_and_reuse() {
    let auth = auth();
    let app = app(&auth);
    let pair = auth
        .generate_token_pair(TokenRequest::new("dave"))
        .await
        .unwrap();
    let access = bearer(&pair.access_token);
    assert_eq!(call(&app, "/me", Some(&access)).await.0, StatusCode::OK);
    // A refresh token is not an access token.
    let body = call(&app, "/me", Some(&bearer(&pair.refresh_token)))
        .await
        .2;
    assert_eq!(body["error"], "wrong_token_type");
    let next = auth.refresh(&pair.refresh_token, None, None).await.unwrap();
    assert_eq!(next.session_id, pair.session_id);
    assert_eq!(
        call(&app, "/me", Some(&bearer(&next.access_token))).await.0,
        StatusCode::OK
    );
    // Reuse: refused, and the whole session (the new pair too) is revoked.
    let reuse = auth
        .refresh(&pair.refresh_token, None, None)
        .await
        .unwrap_err();
    assert_eq!(
        (reuse.code(), reuse.status()),
        ("token_reuse", StatusCode::UNAUTHORIZED)
    );
    let body = call(&app, "/me", Some(&bearer(&next.access_token))).await.2;
    assert_eq!(body["error"], "token_revoked");
    assert_eq!(
        auth.refresh(&next.refresh_token, None, None)
            .await
            .unwrap_err()
            .code(),
        "token_revoked"
    );

    let pair = auth
        .generate_token_pair(TokenRequest::new("dave"))
        .await
        .unwrap();
    auth.logout(&pair.access_token).await.unwrap();
    assert_eq!(
        call(&app, "/me", Some(&bearer(&pair.access_token))).await.2["error"],
        "token_revoked"
    );
    assert_eq!(
        auth.refresh(&pair.refresh_token, None, None)
            .await
            .unwrap_err()
            .code(),
        "token_revoked"
    );

    let a = auth
        .generate_token_pair(TokenRequest::new("dave"))
        .await
        .unwrap();
    let b = auth
        .generate_token_pair(TokenRequest::new("dave"))
        .await
        .unwrap();
    let other = auth
        .generate_token_pair(TokenRequest::new("erin"))
        .await
        .unwrap();
    auth.logout_all("dave").await.unwrap();
    for t in [&a.access_token, &b.access_token] {
        assert_eq!(
            call(&app, "/me", Some(&bearer(t))).await.2["error"],
            "token_revoked"
        );
    }
    assert_eq!(
        call(&app, "/me", Some(&bearer(&other.access_token)))
            .await
            .0,
        StatusCode::OK
    );
    assert!(auth
        .verify(&b.refresh_token, TokenType::Refresh)
        .await
        .is_err());
}

#[tokio::test]
async fn websocket_upgrades_are_authenticated_like_requests() {
    let auth = auth();
    let app = app(&auth);
    let upgrade = |authorization: Option<String>| {
        let mut request = Request::get("/ws")
            .header(header::CONNECTION, "upgrade")
            .header(header::UPGRADE, "websocket")
            .header(header::SEC_WEBSOCKET_VERSION, "13")
            .header(header::SEC_WEBSOCKET_KEY, "dGhlIHNhbXBsZSBub25jZQ==");
        if let Some(value) = authorization {
            request = request.header(header::AUTHORIZATION, value);
        }
        request.body(Body::empty()).unwrap()
    };
    let (status, _, body) = send(&app, upgrade(Some("Bearer bad.token.here".into()))).await;
    assert_eq!(
        (status, body["error"].clone()),
        (StatusCode::UNAUTHORIZED, json!("token_malformed"))
    );
    let (status, _, body) = send(&app, upgrade(None)).await;
    assert_eq!(
        (status, body["error"].clone()),
        (StatusCode::UNAUTHORIZED, json!("not_authenticated"))
    );
    // A valid token passes the layer and the extractor; oneshot has no connection to
    // upgrade, so axum answers 426 from the upgrade extractor itself.
    let t = token(&auth, TokenRequest::new("alice")).await;
    let (status, _, _) = send(&app, upgrade(Some(bearer(&t)))).await;
    assert_eq!(status, StatusCode::UPGRADE_REQUIRED);
}

#[tokio::test]
async fn extractor_without_the_layer_is_a_configuration_error() {
    let app: Router = Router::new().route(
        "/me",
        get(|user: AuthUser| async move { user.user_id.clone() }),
    );
    let (status, _, body) = call(&app, "/me", None).await;
    assert_eq!(
        (status, body["error"].clone()),
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            json!("configuration_error")
        )
    );
}

/// The retry rule: a refresh whose answer was lost (spent, never completed) is answered
/// again and the lost pair is superseded (`Auth::refresh` issues first, spends, completes).
#[tokio::test]
async fn a_lost_refresh_is_retried_and_its_pair_superseded() {
    let auth = auth();
    let app = app(&auth);
    let pair = auth
        .generate_token_pair(TokenRequest::new("erin"))
        .await
        .unwrap();
    let claims = auth
        .engine()
        .verify(&pair.refresh_token, TokenType::Refresh)
        .unwrap();
    let lost = auth
        .engine()
        .issue_pair(netrun_auth::PairRequest {
            user_id: "erin".into(),
            session_id: claims.session_id.clone(),
            ..Default::default()
        })
        .unwrap();
    let horizon = now() + auth.engine().config().refresh_ttl_seconds;
    let outcome = auth
        .store()
        .spend_refresh(&claims, &lost, horizon)
        .await
        .unwrap();
    assert_eq!(outcome, netrun_auth::revocation::SpendOutcome::Spent);

    let retried = auth.refresh(&pair.refresh_token, None, None).await.unwrap();
    assert_eq!(retried.session_id, pair.session_id);
    let me = |token: String| {
        let app = app.clone();
        async move { call(&app, "/me", Some(&bearer(&token))).await }
    };
    assert_eq!(me(retried.access_token.clone()).await.0, StatusCode::OK);
    assert_eq!(
        me(lost.access_token.clone()).await.2["error"],
        "token_revoked"
    );
    // The lost pair's refresh token counts as spent: presenting it is reuse, which
    // revokes the session (the retried pair too).
    let reuse = auth.refresh(&lost.refresh_token, None, None).await;
    assert_eq!(reuse.unwrap_err().code(), "token_reuse");
    assert_eq!(me(retried.access_token).await.2["error"], "token_revoked");
}
