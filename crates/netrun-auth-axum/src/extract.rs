//! Extractors: [`AuthUser`] (401 `not_authenticated` when the request has no user)
//! and [`MaybeUser`] (the user or `None`).

use std::ops::Deref;
use std::sync::Arc;

use axum::extract::FromRequestParts;
use http::request::Parts;

use crate::error::AuthError;
use crate::layer::AuthContext;
use crate::user::User;

/// The authenticated user; rejects with 401 `not_authenticated` when there is none.
#[derive(Clone, Debug)]
pub struct AuthUser(pub Arc<User>);

impl Deref for AuthUser {
    type Target = User;

    fn deref(&self) -> &User {
        &self.0
    }
}

/// The authenticated user, or `None` for an anonymous request (a request with a bad
/// token was already answered 401 by the layer, except on public paths).
#[derive(Clone, Debug)]
pub struct MaybeUser(pub Option<AuthUser>);

/// The layer's outcome for this request; 500 when no [`AuthLayer`](crate::AuthLayer) ran.
pub fn context(parts: &Parts) -> Result<&AuthContext, AuthError> {
    parts.extensions.get::<AuthContext>().ok_or_else(|| {
        AuthError::configuration("netrun-auth: AuthLayer is not installed in front of this route")
    })
}

impl<S: Send + Sync> FromRequestParts<S> for AuthUser {
    type Rejection = AuthError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, AuthError> {
        match &context(parts)?.user {
            Some(user) => Ok(AuthUser(user.clone())),
            None => Err(AuthError::not_authenticated()),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for MaybeUser {
    type Rejection = AuthError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, AuthError> {
        Ok(MaybeUser(context(parts)?.user.clone().map(AuthUser)))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for AuthContext {
    type Rejection = AuthError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, AuthError> {
        context(parts).cloned()
    }
}
