//! The one way a middleware of this crate (the [`AuthLayer`](crate::AuthLayer), the
//! [guards](crate::guard)) answers: run its check on the request, then the inner
//! service; a rejection is answered at once with the [`AuthError`]'s status, JSON body
//! and RFC 6750 challenge (`AuthError::into_response`), and the inner service never runs.
//! On a WebSocket handshake, a refusal (this middleware's, or an inner guard's or
//! extractor's) is accepted and closed with 1008 / 1013 instead
//! ([`websocket`](crate::websocket)).

use std::future::Future;
use std::pin::Pin;

use axum::response::{IntoResponse, Response};
use http::Request;
use tower_service::Service;

use crate::error::AuthError;
use crate::websocket::Handshake;

/// The future of a middleware call.
pub type Answer<E> = Pin<Box<dyn Future<Output = Result<Response, E>> + Send>>;

/// Run `admit` on `request`, then the inner service (the clone that was polled
/// ready; a fresh clone takes its place), or answer `admit`'s rejection.
pub fn admit_then<S, B, F, Fut>(inner: &mut S, request: Request<B>, admit: F) -> Answer<S::Error>
where
    S: Service<Request<B>, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
    F: FnOnce(Request<B>) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Request<B>, AuthError>> + Send + 'static,
{
    let clone = inner.clone();
    let mut ready = std::mem::replace(inner, clone);
    Box::pin(async move {
        let handshake = Handshake::of(&request);
        let response = match admit(request).await {
            Ok(request) => ready.call(request).await?,
            Err(error) => error.into_response(),
        };
        Ok(match handshake {
            Some(handshake) => handshake.finish(response).await,
            None => response,
        })
    })
}
