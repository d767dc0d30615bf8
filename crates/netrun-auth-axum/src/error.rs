//! [`AuthError`]: every rejection, with the Python side's status, `code`, JSON body
//! (`{"error": code, "message": ..., "status_code": ...}`) and RFC 6750 challenge.
//!
//! Messages never contain a token, a key or a password.

use std::borrow::Cow;
use std::fmt;

use axum::response::{IntoResponse, Response};
use http::header::{CACHE_CONTROL, WWW_AUTHENTICATE};
use http::{HeaderValue, StatusCode};
use netrun_auth::{Error as EngineError, ErrorKind};
use serde_json::{json, Map, Value};

use crate::settings::{describe, KeyLabels};

/// `code` of the rejection of a request that needs a user and carries no token.
pub const NOT_AUTHENTICATED: &str = "not_authenticated";

/// A request that cannot go on: 400, 401, 403, 503 (or 500 for a misconfigured service).
#[derive(Debug, Clone, PartialEq)]
pub struct AuthError {
    status: StatusCode,
    code: Cow<'static, str>,
    message: Cow<'static, str>,
    details: Option<Map<String, Value>>,
}

impl AuthError {
    /// An error with this status, code and message.
    pub fn new(
        status: StatusCode,
        code: impl Into<Cow<'static, str>>,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        AuthError {
            status,
            code: code.into(),
            message: message.into(),
            details: None,
        }
    }

    /// The same error with a `details` object in its body.
    pub fn with_details(mut self, details: Map<String, Value>) -> Self {
        self.details = Some(details);
        self
    }

    /// 401 `not_authenticated`: the route needs a user and the request has no token.
    pub fn not_authenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            NOT_AUTHENTICATED,
            "Not authenticated",
        )
    }

    /// 401 `token_malformed` (Python's `TokenInvalidError(code="token_malformed")`).
    pub fn malformed(message: &'static str) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "token_malformed", message)
    }

    /// 401 `token_too_large`.
    pub fn too_large(message: &'static str) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "token_too_large", message)
    }

    /// 401 `token_reuse`: a spent refresh token came back; its session is revoked.
    pub fn reuse() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "token_reuse",
            "Refresh token was already used; the session has been revoked",
        )
    }

    /// 503 `store_unavailable`: the revocation store cannot be reached (fail closed).
    pub fn store_unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "store_unavailable",
            "Token store unavailable",
        )
    }

    /// 403 with `code` (`insufficient_role`, `insufficient_permissions`, ...).
    pub fn forbidden(
        code: impl Into<Cow<'static, str>>,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, message)
    }

    /// 500 `configuration_error`: the service is set up wrongly (not the request's fault).
    pub fn configuration(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "configuration_error",
            message,
        )
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The stable machine-readable code.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The human message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The JSON body: `{"error": code, "message": ..., "status_code": ...}` (+ `details`).
    pub fn to_json(&self) -> Value {
        let mut body = json!({
            "error": self.code,
            "message": self.message,
            "status_code": self.status.as_u16(),
        });
        if let Some(details) = self.details.as_ref().filter(|d| !d.is_empty()) {
            body["details"] = Value::Object(details.clone());
        }
        body
    }

    /// The RFC 6750 `WWW-Authenticate` value, `None` when the status needs no challenge.
    ///
    /// 401 without credentials: `Bearer`; other 401: `Bearer error="invalid_token"`;
    /// 403: `Bearer error="insufficient_scope"`; 503 and 500: none.
    pub fn www_authenticate(&self) -> Option<String> {
        let error = match self.status {
            StatusCode::FORBIDDEN => "insufficient_scope",
            StatusCode::UNAUTHORIZED if self.code == NOT_AUTHENTICATED => {
                return Some("Bearer".to_owned())
            }
            StatusCode::UNAUTHORIZED => "invalid_token",
            _ => return None,
        };
        let description: String = self
            .message
            .chars()
            .filter(|c| (' '..='~').contains(c) && *c != '"' && *c != '\\')
            .collect();
        Some(format!(
            "Bearer error=\"{error}\", error_description=\"{description}\""
        ))
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

impl std::error::Error for AuthError {}

impl From<EngineError> for AuthError {
    /// The engine's code and message, with the status of its kind (as the Python binding
    /// does): 403 forbidden, 400 invalid input, 500 for configuration, crypto and
    /// password-hash failures, 401 for every token error.
    fn from(error: EngineError) -> Self {
        let status = match error.kind() {
            ErrorKind::Forbidden => StatusCode::FORBIDDEN,
            ErrorKind::InvalidInput => StatusCode::BAD_REQUEST,
            ErrorKind::Configuration | ErrorKind::PasswordHash | ErrorKind::Crypto => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
            _ => StatusCode::UNAUTHORIZED,
        };
        AuthError::new(
            status,
            error.code(),
            describe(&error, &KeyLabels::default()),
        )
    }
}

impl IntoResponse for AuthError {
    /// The JSON body and headers; the error itself rides in the response extensions, so
    /// that the layer can turn a refused WebSocket upgrade into a close frame.
    fn into_response(self) -> Response {
        let mut response = (self.status, axum::Json(self.to_json())).into_response();
        let headers = response.headers_mut();
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Some(challenge) = self.www_authenticate() {
            if let Ok(value) = HeaderValue::from_str(&challenge) {
                headers.insert(WWW_AUTHENTICATE, value);
            }
        }
        response.extensions_mut().insert(self);
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use netrun_auth::Setting;

    #[test]
    fn engine_kinds_get_the_python_statuses_and_codes() {
        let cases = [
            (EngineError::Expired, 401, "token_expired"),
            (EngineError::Reused, 401, "token_reuse"),
            (EngineError::Forbidden("no".into()), 403, "forbidden"),
            (EngineError::input("user_id", "empty"), 400, "invalid_input"),
            (EngineError::Random, 500, "random_failure"),
            (EngineError::Crypto("sign"), 500, "crypto_failure"),
            (
                EngineError::setting(Setting::Leeway, "too big"),
                500,
                "configuration_error",
            ),
        ];
        for (engine, status, code) in cases {
            let error = AuthError::from(engine);
            assert_eq!((error.status().as_u16(), error.code()), (status, code));
        }
        let error = AuthError::from(EngineError::setting(Setting::Algorithm, "bad"));
        assert_eq!(
            error.message(),
            "jwt_algorithm: bad (NETRUN_AUTH_JWT_ALGORITHM)"
        );
    }
}
