//! Tokens of other issuers: the [`TokenProvider`] trait and routing by `iss`
//! (the Python `providers.py`).
//!
//! With providers given to the layer ([`AuthLayer::provider`](crate::AuthLayer::provider)),
//! the engine reads each token's `iss` before verification, only to choose who
//! verifies it (`netrun_auth::issuer::peek_issuer`):
//!
//! - our own issuer, or no readable `iss`: our [`Auth`] (which reports a malformed
//!   token as such);
//! - otherwise the first provider whose [`TokenProvider::accepts_issuer`] says yes;
//! - otherwise 401 `issuer_unknown`.
//!
//! The chosen verifier then checks everything itself, `iss` included: routing grants
//! nothing. Without providers no token is peeked at.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use http::StatusCode;
use netrun_auth::issuer::peek_issuer;

use crate::auth::Auth;
use crate::error::AuthError;
use crate::user::User;

/// `code` of the 401 for a token whose issuer neither our [`Auth`] nor a provider accepts.
pub const ISSUER_UNKNOWN: &str = "issuer_unknown";

/// The future of [`TokenProvider::validate_token`].
pub type ValidateFuture<'a> = Pin<Box<dyn Future<Output = Result<User, AuthError>> + Send + 'a>>;

/// An identity provider whose tokens the layer accepts next to our own
/// ([`OidcProvider`](crate::oidc::OidcProvider) with the `oidc` feature).
pub trait TokenProvider: Send + Sync + 'static {
    /// Whether a token whose unverified `iss` is `issuer` belongs to this provider
    /// (routing only: [`validate_token`](Self::validate_token) checks everything).
    fn accepts_issuer(&self, issuer: &str) -> bool;

    /// The largest token this provider accepts (the layer reads credentials up to the
    /// largest cap of all verifiers).
    fn max_token_bytes(&self) -> usize;

    /// Verify `token` and return its user (401 for a bad token; 503 while the provider
    /// could never fetch its keys).
    fn validate_token<'a>(&'a self, token: &'a str) -> ValidateFuture<'a>;
}

/// Who verifies a token: our [`Auth`] or a provider, chosen by the token's `iss`.
pub(crate) async fn authenticate(
    auth: &Auth,
    providers: &[Arc<dyn TokenProvider>],
    max_token_bytes: usize,
    token: &str,
) -> Result<Arc<User>, AuthError> {
    if providers.is_empty() {
        return auth.authenticate(token).await;
    }
    let issuer = match peek_issuer(token, max_token_bytes) {
        None => return auth.authenticate(token).await,
        Some(issuer) if issuer == auth.engine().config().issuer => {
            return auth.authenticate(token).await
        }
        Some(issuer) => issuer,
    };
    match providers.iter().find(|p| p.accepts_issuer(&issuer)) {
        Some(provider) => provider.validate_token(token).await.map(Arc::new),
        None => Err(AuthError::new(
            StatusCode::UNAUTHORIZED,
            ISSUER_UNKNOWN,
            "Token issuer is not accepted",
        )),
    }
}
