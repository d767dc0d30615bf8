//! `require_permissions` and `require_organization` backed by the engine's RBAC
//! registry: permissions granted through roles (inheritance, wildcards), roles assigned
//! per organization, the layer's registry and a guard's own.

use axum::routing::get;
use axum::Router;
use http::StatusCode;
use netrun_auth::rbac::{Role, RoleRegistry};
use netrun_auth_axum::guard::{require_organization, require_permissions};
use netrun_auth_axum::{Auth, Rbac, TokenRequest};
use serde_json::json;

mod common;
use common::{auth, call};

fn registry() -> Rbac {
    let mut registry = RoleRegistry::new();
    registry
        .add_roles([
            Role::new("viewer", ["invoices:read"]),
            Role::new("accountant", ["invoices:*"]).inheriting(["viewer"]),
            Role::new("admin", ["*"]),
        ])
        .unwrap();
    Rbac::new(registry)
}

fn routes() -> Router {
    Router::new()
        .route(
            "/read",
            get(|| async { "ok" }).route_layer(require_permissions(["invoices:read"])),
        )
        .route(
            "/approve",
            get(|| async { "ok" })
                .route_layer(require_permissions(["invoices:approve", "invoices:read"])),
        )
        .route(
            "/cross",
            get(|| async { "ok" }).route_layer(require_permissions(["organizations:cross_tenant"])),
        )
        .route(
            "/orgs/{org_id}",
            get(|| async { "ok" }).route_layer(require_organization("org_id")),
        )
}

async fn token(auth: &Auth, user: &str, roles: &[&str], permissions: &[&str]) -> String {
    let mut request = TokenRequest::new(user);
    request.organization_id = Some("acme".into());
    request.roles = roles.iter().map(|r| (*r).to_owned()).collect();
    request.permissions = permissions.iter().map(|p| (*p).to_owned()).collect();
    auth.generate_token_pair(request)
        .await
        .unwrap()
        .access_token
}

#[tokio::test]
async fn permissions_granted_through_roles_count_with_a_registry() {
    let auth = auth();
    let rbac = registry();
    let with = routes().layer(auth.layer().rbac(rbac.clone()));
    let without = routes().layer(auth.layer());

    let viewer = token(&auth, "vera", &["viewer"], &[]).await;
    let accountant = token(&auth, "ann", &["accountant"], &[]).await;
    let admin = token(&auth, "root", &["admin"], &[]).await;
    let listed = token(&auth, "lou", &[], &["invoices:read"]).await;

    assert_eq!(call(&with, "/read", &viewer).await.0, StatusCode::OK);
    // Inherited (viewer) and wildcard (invoices:*) permissions.
    assert_eq!(call(&with, "/approve", &accountant).await.0, StatusCode::OK);
    assert_eq!(call(&with, "/approve", &admin).await.0, StatusCode::OK);
    // The token's own permissions count too.
    assert_eq!(call(&with, "/read", &listed).await.0, StatusCode::OK);
    let (status, body) = call(&with, "/approve", &viewer).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"], json!("insufficient_permissions"));
    assert_eq!(
        body["details"]["missing_permissions"],
        json!(["invoices:approve"])
    );
    // The cross-tenant permission is never granted by a wildcard.
    assert_eq!(call(&with, "/cross", &admin).await.0, StatusCode::FORBIDDEN);

    // Without a registry only the token's exact permissions count.
    assert_eq!(
        call(&without, "/read", &viewer).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(call(&without, "/read", &listed).await.0, StatusCode::OK);

    // A guard's own registry, behind a layer without one.
    let own = Router::new()
        .route(
            "/read",
            get(|| async { "ok" })
                .route_layer(require_permissions(["invoices:read"]).rbac(rbac.clone())),
        )
        .layer(auth.layer());
    assert_eq!(call(&own, "/read", &viewer).await.0, StatusCode::OK);

    // Registry changes are seen at once: a role assigned to a user grants its permissions.
    let plain = token(&auth, "paul", &[], &[]).await;
    assert_eq!(call(&with, "/read", &plain).await.0, StatusCode::FORBIDDEN);
    rbac.update(|r| r.assign_role("paul", "viewer", None))
        .unwrap();
    assert_eq!(call(&with, "/read", &plain).await.0, StatusCode::OK);
}

#[tokio::test]
async fn organizations_follow_the_engine_rule() {
    let auth = auth();
    let rbac = registry();
    let app = routes().layer(auth.layer().rbac(rbac.clone()));
    let member = token(&auth, "mia", &["viewer"], &[]).await;
    assert_eq!(call(&app, "/orgs/acme", &member).await.0, StatusCode::OK);
    let (status, body) = call(&app, "/orgs/globex", &member).await;
    assert_eq!(
        (status, body["error"].clone()),
        (StatusCode::FORBIDDEN, json!("organization_forbidden"))
    );
    // A role assigned in that organization lets the user in.
    rbac.update(|r| r.assign_role("mia", "viewer", Some("globex")))
        .unwrap();
    assert_eq!(call(&app, "/orgs/globex", &member).await.0, StatusCode::OK);
    // The literal cross-tenant permission; `*` does not grant it.
    let cross = token(&auth, "cy", &[], &["organizations:cross_tenant"]).await;
    assert_eq!(call(&app, "/orgs/initech", &cross).await.0, StatusCode::OK);
    let star = token(&auth, "st", &[], &["*"]).await;
    assert_eq!(
        call(&app, "/orgs/initech", &star).await.0,
        StatusCode::FORBIDDEN
    );
}
