//! Guards: roles, permissions, scopes and organization, answering 403 with the Python
//! side's codes (`insufficient_role`, `insufficient_permissions`, `insufficient_scope`,
//! `organization_forbidden`), and 401 `not_authenticated` without a user.
//!
//! Use them as route layers (`.route_layer(require_roles(["admin"]))`), or call
//! [`Guard::check`] on an [`AuthUser`](crate::AuthUser) inside a handler.
//!
//! Permissions and organizations follow the engine's RBAC rules when an [`Rbac`]
//! registry is given, to the layer ([`AuthLayer::rbac`](crate::AuthLayer::rbac)) or to
//! the guard ([`Guard::rbac`], which wins): a permission granted by one of the user's
//! roles (inheritance, wildcards) or by a role assigned to the user counts, as with the
//! Python `require_permissions` and an `RBACManager`. Without a registry only the
//! token's own permissions count, exactly.
//!
//! A refused WebSocket upgrade is accepted and closed with code 1008 and the error
//! `code` as reason (see [`websocket`](crate::websocket)).

use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::{FromRequestParts, RawPathParams};
use axum::response::Response;
use http::Request;
use serde_json::{json, Map, Value};
use tower_layer::Layer;
use tower_service::Service;

use crate::error::AuthError;
use crate::extract::context;
use crate::rbac::{can_access_organization, Rbac};
use crate::rejection::{admit_then, Answer};
use crate::user::User;

/// The permission that lets a user into every organization (literal, never via a wildcard).
pub const CROSS_TENANT_PERMISSION: &str = netrun_auth::rbac::CROSS_TENANT_PERMISSION;

#[derive(Debug)]
enum Rule {
    Roles(Vec<String>),
    Permissions(Vec<String>),
    Scopes(Vec<String>),
    Organization { param: String, bypass: Vec<String> },
}

/// One authorization rule, usable as a layer.
#[derive(Clone, Debug)]
pub struct Guard {
    rule: Arc<Rule>,
    rbac: Option<Rbac>,
}

fn strings<S: Into<String>>(values: impl IntoIterator<Item = S>) -> Vec<String> {
    values.into_iter().map(Into::into).collect()
}

/// The user must carry at least one of `roles`.
pub fn require_roles<S: Into<String>>(roles: impl IntoIterator<Item = S>) -> Guard {
    Guard::of(Rule::Roles(strings(roles)))
}

/// The user must hold every one of `permissions`: listed by the token, or, with an
/// [`Rbac`] registry (the layer's or [`Guard::rbac`]), granted through its roles
/// (inheritance, wildcards, assigned roles).
pub fn require_permissions<S: Into<String>>(permissions: impl IntoIterator<Item = S>) -> Guard {
    Guard::of(Rule::Permissions(strings(permissions)))
}

/// The token must grant every one of `scopes` (`scope` / `scp` claim).
pub fn require_scopes<S: Into<String>>(scopes: impl IntoIterator<Item = S>) -> Guard {
    Guard::of(Rule::Scopes(strings(scopes)))
}

/// The path parameter `param` must be the user's organization, unless the user holds
/// [`CROSS_TENANT_PERMISSION`] (literally, never through a wildcard), a role assigned in
/// that organization (with an [`Rbac`] registry), or a bypass role (see
/// [`Guard::bypass_roles`]).
pub fn require_organization(param: &str) -> Guard {
    Guard::of(Rule::Organization {
        param: param.to_owned(),
        bypass: Vec::new(),
    })
}

impl Guard {
    fn of(rule: Rule) -> Self {
        Guard {
            rule: Arc::new(rule),
            rbac: None,
        }
    }

    /// Check with this registry (instead of the layer's, if any).
    pub fn rbac(mut self, rbac: Rbac) -> Self {
        self.rbac = Some(rbac);
        self
    }

    /// For [`require_organization`]: users with one of these roles may enter every organization.
    pub fn bypass_roles<S: Into<String>>(self, roles: impl IntoIterator<Item = S>) -> Self {
        match &*self.rule {
            Rule::Organization { param, .. } => Guard {
                rule: Arc::new(Rule::Organization {
                    param: param.clone(),
                    bypass: strings(roles),
                }),
                rbac: self.rbac,
            },
            _ => self,
        }
    }

    /// Check `user` (with the guard's own registry, if any); `organization` is the
    /// requested organization (for the organization rule).
    pub fn check(&self, user: &User, organization: Option<&str>) -> Result<(), AuthError> {
        self.check_with(user, organization, None)
    }

    /// Check `user` with the guard's registry, else `rbac` (the layer's), else none.
    pub fn check_with(
        &self,
        user: &User,
        organization: Option<&str>,
        rbac: Option<&Rbac>,
    ) -> Result<(), AuthError> {
        let rbac = self.rbac.as_ref().or(rbac);
        match &*self.rule {
            Rule::Roles(wanted) => {
                if wanted.is_empty() || user.has_any_role(wanted) {
                    return Ok(());
                }
                Err(AuthError::forbidden(
                    "insufficient_role",
                    format!("Requires one of the roles: {}", wanted.join(", ")),
                )
                .with_details(details("required_roles", wanted)))
            }
            Rule::Permissions(wanted) => {
                let missing: Vec<String> = wanted
                    .iter()
                    .filter(|p| match rbac {
                        Some(rbac) => !rbac.has_permission(user, p, None),
                        None => !user.permissions.contains(p),
                    })
                    .cloned()
                    .collect();
                if missing.is_empty() {
                    return Ok(());
                }
                Err(AuthError::forbidden(
                    "insufficient_permissions",
                    format!("Missing permissions: {}", missing.join(", ")),
                )
                .with_details(details("missing_permissions", &missing)))
            }
            Rule::Scopes(wanted) => {
                let missing: Vec<String> = wanted
                    .iter()
                    .filter(|s| !user.scopes.contains(s))
                    .cloned()
                    .collect();
                if missing.is_empty() {
                    return Ok(());
                }
                Err(AuthError::forbidden(
                    "insufficient_scope",
                    format!("Missing scopes: {}", missing.join(", ")),
                )
                .with_details(details("missing_scopes", &missing)))
            }
            Rule::Organization { param, bypass } => {
                let Some(requested) = organization else {
                    return Err(AuthError::configuration(format!(
                        "require_organization: the route has no path parameter '{param}'"
                    )));
                };
                if can_access_organization(rbac, user, requested, bypass) {
                    return Ok(());
                }
                Err(AuthError::forbidden(
                    "organization_forbidden",
                    "Not a member of this organization",
                ))
            }
        }
    }

    /// Check the request: 401 without a user, 403 when the rule refuses it.
    async fn check_request(&self, parts: &mut http::request::Parts) -> Result<(), AuthError> {
        let context = context(parts)?;
        let user = context
            .user
            .clone()
            .ok_or_else(AuthError::not_authenticated)?;
        let rbac = context.rbac.clone();
        let organization = match &*self.rule {
            Rule::Organization { param, .. } => RawPathParams::from_request_parts(parts, &())
                .await
                .ok()
                .and_then(|params| {
                    params
                        .iter()
                        .find(|(name, _)| name == param)
                        .map(|(_, value)| value.to_owned())
                }),
            _ => None,
        };
        self.check_with(&user, organization.as_deref(), rbac.as_ref())
    }
}

fn details(name: &str, values: &[String]) -> Map<String, Value> {
    let mut map = Map::new();
    map.insert(name.to_owned(), json!(values));
    map
}

impl<S> Layer<S> for Guard {
    type Service = GuardService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        GuardService {
            inner,
            guard: self.clone(),
        }
    }
}

/// The service a [`Guard`] wraps around a route.
#[derive(Clone, Debug)]
pub struct GuardService<S> {
    inner: S,
    guard: Guard,
}

impl<S, B> Service<Request<B>> for GuardService<S>
where
    S: Service<Request<B>, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Answer<S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let guard = self.guard.clone();
        admit_then(&mut self.inner, request, move |request| async move {
            let (mut parts, body) = request.into_parts();
            guard.check_request(&mut parts).await?;
            Ok(Request::from_parts(parts, body))
        })
    }
}
