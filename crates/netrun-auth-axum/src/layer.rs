//! [`AuthLayer`]: a `tower::Layer` that authenticates every request.
//!
//! For each request (WebSocket upgrade requests included) it takes the token from
//! `Authorization: Bearer <token>` (or, when a cookie name is configured and there is
//! no header, from that cookie), validates it once (signature, claims, revocation) and
//! puts the outcome in the request extensions, where [`AuthUser`](crate::AuthUser),
//! [`MaybeUser`](crate::MaybeUser) and the [guards](crate::guard) find it.
//!
//! A request without a token goes through anonymous: the extractors and guards decide
//! what needs a user. A request whose token or `Authorization` header is bad is
//! answered here (401, or 503 when the store is down) with the Python side's JSON body
//! and RFC 6750 challenge, except on the public paths, where it goes through anonymous.
//! A refused WebSocket upgrade (here, by a guard or by an extractor) is accepted and
//! closed with code 1008 and the error code as reason ([`websocket`](crate::websocket)).
//!
//! Tokens of other issuers go to the [providers](crate::provider) given with
//! [`AuthLayer::provider`], chosen by the token's `iss`; an [`Rbac`] registry given with
//! [`AuthLayer::rbac`] is used by the permission and organization guards.

use std::sync::Arc;
use std::task::{Context, Poll};

use axum::response::Response;
use http::{HeaderMap, Request};
use tower_layer::Layer;
use tower_service::Service;

use crate::auth::Auth;
use crate::error::AuthError;
use crate::provider::TokenProvider;
use crate::rbac::Rbac;
use crate::rejection::{admit_then, Answer};
use crate::token::extract_token;
use crate::user::User;

/// What the layer found, in the request extensions.
#[derive(Clone, Debug)]
pub struct AuthContext {
    /// The verified user; `None` for an anonymous request.
    pub user: Option<Arc<User>>,
    /// The [`Auth`] that validated it (for `logout` in a handler).
    pub auth: Auth,
    /// The RBAC registry given to the layer, if any (used by the guards).
    pub rbac: Option<Rbac>,
}

#[derive(Clone)]
struct Settings {
    auth: Auth,
    exact: Vec<String>,
    prefixes: Vec<String>,
    cookie_name: Option<String>,
    max_token_bytes: usize,
    providers: Vec<Arc<dyn TokenProvider>>,
    rbac: Option<Rbac>,
}

impl Settings {
    fn is_public(&self, path: &str) -> bool {
        self.exact.iter().any(|p| p == path) || self.prefixes.iter().any(|p| path.starts_with(p))
    }

    /// The request's verified user (`None`: no token, or a bad one on a public path).
    /// The token is borrowed from the header; revocation is checked on every request.
    async fn user_of(
        &self,
        headers: &HeaderMap,
        path: &str,
    ) -> Result<Option<Arc<User>>, AuthError> {
        let outcome =
            match extract_token(headers, self.cookie_name.as_deref(), self.max_token_bytes) {
                Ok(None) => return Ok(None),
                Ok(Some(token)) => {
                    crate::provider::authenticate(
                        &self.auth,
                        &self.providers,
                        self.max_token_bytes,
                        &token,
                    )
                    .await
                }
                Err(error) => Err(error),
            };
        match outcome {
            Ok(user) => Ok(Some(user)),
            Err(_) if self.is_public(path) => Ok(None),
            Err(error) => Err(error),
        }
    }
}

/// Authenticates requests with an [`Auth`]; see the [module documentation](self).
#[derive(Clone)]
pub struct AuthLayer {
    settings: Arc<Settings>,
}

impl std::fmt::Debug for AuthLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthLayer")
            .field("public_exact", &self.settings.exact)
            .field("public_prefixes", &self.settings.prefixes)
            .field("cookie_name", &self.settings.cookie_name)
            .finish_non_exhaustive()
    }
}

impl AuthLayer {
    /// A layer with the public paths and cookie name of `auth`'s configuration.
    pub fn new(auth: Auth) -> Self {
        let config = auth.config();
        let paths = config.public_paths.clone();
        let cookie = config.auth_cookie_name.clone().filter(|c| !c.is_empty());
        let max = auth.engine().config().max_token_bytes;
        let layer = AuthLayer {
            settings: Arc::new(Settings {
                auth,
                exact: Vec::new(),
                prefixes: Vec::new(),
                cookie_name: cookie,
                max_token_bytes: max,
                providers: Vec::new(),
                rbac: None,
            }),
        };
        layer.public_paths(paths)
    }

    /// Replace the public paths (an entry ending in `*` is a prefix). On these paths a
    /// bad token makes the request anonymous instead of failing it.
    pub fn public_paths<S: AsRef<str>>(mut self, paths: impl IntoIterator<Item = S>) -> Self {
        let settings = Arc::make_mut(&mut self.settings);
        settings.exact.clear();
        settings.prefixes.clear();
        for path in paths {
            let path = path.as_ref();
            match path.strip_suffix('*') {
                Some(prefix) => settings.prefixes.push(prefix.to_owned()),
                None => settings.exact.push(path.to_owned()),
            }
        }
        self
    }

    /// Also accept the tokens of `provider` (an OIDC issuer, Entra ID), routed by `iss`
    /// ([`provider`](crate::provider)); credentials are then read up to the largest
    /// token cap of all verifiers.
    pub fn provider(mut self, provider: Arc<dyn TokenProvider>) -> Self {
        let settings = Arc::make_mut(&mut self.settings);
        settings.max_token_bytes = settings.max_token_bytes.max(provider.max_token_bytes());
        settings.providers.push(provider);
        self
    }

    /// Use `rbac` in the permission and organization guards behind this layer.
    pub fn rbac(mut self, rbac: Rbac) -> Self {
        Arc::make_mut(&mut self.settings).rbac = Some(rbac);
        self
    }

    /// Also read the token from this cookie (`None`: header only).
    pub fn cookie_name(mut self, name: Option<&str>) -> Self {
        Arc::make_mut(&mut self.settings).cookie_name = name.map(String::from);
        self
    }
}

impl<S> Layer<S> for AuthLayer {
    type Service = AuthService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AuthService {
            inner,
            settings: self.settings.clone(),
        }
    }
}

/// The service [`AuthLayer`] wraps around the inner service.
#[derive(Clone)]
pub struct AuthService<S> {
    inner: S,
    settings: Arc<Settings>,
}

impl<S> std::fmt::Debug for AuthService<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthService").finish_non_exhaustive()
    }
}

impl<S, B> Service<Request<B>> for AuthService<S>
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
        let settings = self.settings.clone();
        admit_then(&mut self.inner, request, move |mut request| async move {
            let user = settings
                .user_of(request.headers(), request.uri().path())
                .await?;
            request.extensions_mut().insert(AuthContext {
                user,
                auth: settings.auth.clone(),
                rbac: settings.rbac.clone(),
            });
            Ok(request)
        })
    }
}
