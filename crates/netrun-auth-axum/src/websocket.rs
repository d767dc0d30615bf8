//! Refused WebSocket upgrades: accepted, then closed with a close code and the
//! error `code` as reason, as the Python side does (`responses.py`).
//!
//! A browser cannot read the status of a refused handshake (it only sees close code
//! 1006), so a WebSocket upgrade that [`AuthLayer`](crate::AuthLayer), a
//! [guard](crate::guard) or an extractor refuses is not answered with 401/403: the
//! handshake completes (`101 Switching Protocols`) and the server at once sends a close
//! frame with code 1008 (policy violation), or 1013 (try again later) for a 503 or 429,
//! and the error `code` (`not_authenticated`, `token_expired`, `insufficient_role`...)
//! as its reason. No message of the application is ever exchanged.
//!
//! The handshake itself is axum's (`axum::extract::ws::WebSocketUpgrade`); this module only keeps a
//! handle on the connection's upgrade while the request runs. A request that is not a
//! complete WebSocket handshake (or is served without a connection to upgrade, as with
//! `tower::ServiceExt::oneshot`) gets the HTTP answer. With the `ws` cargo feature off,
//! refused upgrades are answered over HTTP too.

use axum::response::{IntoResponse, Response};
use http::header::{CONNECTION, UPGRADE};
use http::{HeaderMap, Request};

use crate::error::AuthError;

/// Close code of a refused connection (RFC 6455 section 7.4.1).
pub const POLICY_VIOLATION: u16 = 1008;
/// Close code when the client should retry later (store down, rate limited).
pub const TRY_AGAIN_LATER: u16 = 1013;

/// The close code for `error`: [`TRY_AGAIN_LATER`] for a 503 or 429, else [`POLICY_VIOLATION`].
pub fn close_code(error: &AuthError) -> u16 {
    match error.status().as_u16() {
        429 | 503 => TRY_AGAIN_LATER,
        _ => POLICY_VIOLATION,
    }
}

/// The close reason for `error`: its `code`, cut to 120 bytes (a close frame's reason
/// is at most 123 bytes).
pub fn close_reason(error: &AuthError) -> String {
    let code = error.code();
    let mut end = code.len().min(120);
    while !code.is_char_boundary(end) {
        end -= 1;
    }
    code[..end].to_owned()
}

/// Whether the headers ask for a WebSocket upgrade (`Connection: upgrade`,
/// `Upgrade: websocket`, case-insensitive tokens).
pub fn is_upgrade_request(headers: &HeaderMap) -> bool {
    let has_token = |name, token: &str| {
        headers.get_all(name).iter().any(|value| {
            value.to_str().is_ok_and(|v| {
                v.split(',')
                    .any(|part| part.trim().eq_ignore_ascii_case(token))
            })
        })
    };
    has_token(UPGRADE, "websocket") && has_token(CONNECTION, "upgrade")
}

/// A WebSocket handshake in progress: what is needed to complete it later.
pub(crate) struct Handshake {
    #[cfg(feature = "ws")]
    parts: http::request::Parts,
}

impl Handshake {
    /// Keep a handle on `request`'s upgrade when it is a WebSocket handshake served on a
    /// real connection; `None` otherwise (a cheap header check for plain requests).
    pub(crate) fn of<B>(request: &Request<B>) -> Option<Self> {
        if !is_upgrade_request(request.headers()) {
            return None;
        }
        #[cfg(feature = "ws")]
        {
            let on_upgrade = request
                .extensions()
                .get::<hyper::upgrade::OnUpgrade>()?
                .clone();
            let mut head = Request::builder()
                .method(request.method().clone())
                .uri(request.uri().clone())
                .version(request.version())
                .body(())
                .ok()?;
            *head.headers_mut() = request.headers().clone();
            head.extensions_mut().insert(on_upgrade);
            Some(Handshake {
                parts: head.into_parts().0,
            })
        }
        #[cfg(not(feature = "ws"))]
        {
            None
        }
    }

    /// Answer `error`: accept the handshake and close with [`close_code`] and
    /// [`close_reason`]; the HTTP answer when the handshake cannot be completed.
    pub(crate) async fn refuse(self, error: AuthError) -> Response {
        #[cfg(feature = "ws")]
        {
            use axum::extract::ws::{CloseFrame, Message, WebSocketUpgrade};
            use axum::extract::FromRequestParts;
            let mut parts = self.parts;
            let Ok(upgrade) = WebSocketUpgrade::from_request_parts(&mut parts, &()).await else {
                return error.into_response();
            };
            let frame = CloseFrame {
                code: close_code(&error),
                reason: close_reason(&error).into(),
            };
            upgrade
                .on_failed_upgrade(|_| {})
                .on_upgrade(move |mut socket| async move {
                    // The client may already be gone: nothing to do then.
                    let _ = socket.send(Message::Close(Some(frame))).await;
                })
        }
        #[cfg(not(feature = "ws"))]
        {
            error.into_response()
        }
    }

    /// After the inner service answered: a refusal (an [`AuthError`] response from a
    /// guard or an extractor) becomes a close; any other response is returned as is.
    pub(crate) async fn finish(self, response: Response) -> Response {
        match response.extensions().get::<AuthError>() {
            Some(error) if !response.status().is_informational() => {
                let error = error.clone();
                self.refuse(error).await
            }
            _ => response,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::StatusCode;

    #[test]
    fn codes_and_reasons() {
        let refused = AuthError::not_authenticated();
        assert_eq!(close_code(&refused), POLICY_VIOLATION);
        assert_eq!(close_reason(&refused), "not_authenticated");
        assert_eq!(close_code(&AuthError::store_unavailable()), TRY_AGAIN_LATER);
        let long = AuthError::new(StatusCode::TOO_MANY_REQUESTS, "é".repeat(100), "slow down");
        assert_eq!(close_code(&long), TRY_AGAIN_LATER);
        assert!(close_reason(&long).len() <= 120);
    }

    #[test]
    fn upgrade_requests_are_recognised() {
        let mut headers = HeaderMap::new();
        assert!(!is_upgrade_request(&headers));
        headers.insert(UPGRADE, "WebSocket".parse().unwrap());
        assert!(!is_upgrade_request(&headers));
        headers.insert(CONNECTION, "keep-alive, Upgrade".parse().unwrap());
        assert!(is_upgrade_request(&headers));
        headers.insert(UPGRADE, "h2c".parse().unwrap());
        assert!(!is_upgrade_request(&headers));
    }
}
