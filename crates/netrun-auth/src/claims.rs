//! Token claims: the typed set netrun-auth issues, parsed strictly and checked.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// Whether a token grants access or only the right to refresh.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenType {
    /// A short-lived token presented to APIs.
    Access,
    /// A long-lived token exchanged for a new pair; spent on use.
    Refresh,
}

impl TokenType {
    /// The `typ` claim value.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenType::Access => "access",
            TokenType::Refresh => "refresh",
        }
    }

    /// Parse a `typ` claim value.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "access" => Some(TokenType::Access),
            "refresh" => Some(TokenType::Refresh),
            _ => None,
        }
    }

    /// A token type named by a caller (`"access"` or `"refresh"`), as an argument
    /// called `argument`; [`Error::InvalidInput`] otherwise.
    pub fn from_argument(value: &str, argument: &'static str) -> Result<Self> {
        Self::parse(value).ok_or_else(|| Error::input(argument, "must be 'access' or 'refresh'"))
    }
}

/// Custom claims given as JSON text: an object with unique keys, or
/// [`Error::InvalidInput`] naming the argument `extra`.
pub fn extra_from_json(text: &[u8]) -> Result<Map<String, Value>> {
    crate::json::parse_object(text)
        .ok_or_else(|| Error::input("extra", "must be a JSON object with unique keys"))
}

/// `aud`: one audience or several.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    One(String),
    Many(Vec<String>),
}

impl Audience {
    /// Whether `expected` is among the audiences.
    pub fn contains(&self, expected: &str) -> bool {
        match self {
            Audience::One(aud) => aud == expected,
            Audience::Many(auds) => auds.iter().any(|aud| aud == expected),
        }
    }
}

/// Names of the claims netrun-auth reads; custom claims may not reuse them.
pub const REGISTERED: [&str; 12] = [
    "iss",
    "aud",
    "sub",
    "exp",
    "nbf",
    "iat",
    "jti",
    "typ",
    "sid",
    "org",
    "roles",
    "permissions",
];

/// Largest NumericDate accepted (9999-12-31T23:59:59Z).
const MAX_NUMERIC_DATE: i64 = 253_402_300_799;

/// The registered claims every verifier reads (RFC 7519 section 4.1): `sub`, `iss`,
/// `aud` and `exp` required, `nbf` and `iat` optional, each strictly typed. Our own
/// [`Claims`] and an outside issuer's [`crate::oidc::OidcClaims`] both start here.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Registered {
    pub subject: String,
    pub issuer: String,
    pub audience: Audience,
    pub expires_at: i64,
    pub not_before: Option<i64>,
    pub issued_at: Option<i64>,
}

impl Registered {
    /// Take the registered claims out of `payload`.
    pub fn read(payload: &mut Map<String, Value>) -> Result<Self> {
        Ok(Registered {
            subject: required_string(payload, "sub")?,
            issuer: required_string(payload, "iss")?,
            audience: audience(payload)?,
            expires_at: numeric_date(payload, "exp")?.ok_or(Error::MissingClaim("exp"))?,
            not_before: numeric_date(payload, "nbf")?,
            issued_at: numeric_date(payload, "iat")?,
        })
    }
}

/// The time rule of every verifier at `now`, with `leeway` seconds of clock skew:
/// expired after `exp`, not yet valid before `nbf`, refused when issued (`iat`) in
/// the future. Also rerun on verified-cache hits.
pub fn check_times(
    expires_at: i64,
    not_before: Option<i64>,
    issued_at: Option<i64>,
    now: i64,
    leeway: i64,
) -> Result<()> {
    let late = now.saturating_add(leeway);
    if now > expires_at.saturating_add(leeway) {
        return Err(Error::Expired);
    }
    if not_before.is_some_and(|nbf| nbf > late) {
        return Err(Error::NotYetValid);
    }
    if issued_at.is_some_and(|iat| iat > late) {
        return Err(Error::InvalidClaim {
            claim: "iat",
            reason: "issued in the future",
        });
    }
    Ok(())
}

/// The claims of a verified token.
#[derive(Debug, Clone, PartialEq)]
pub struct Claims {
    /// `sub`: the user id.
    pub subject: String,
    /// `iss`.
    pub issuer: String,
    /// `aud`.
    pub audience: Audience,
    /// `exp`, seconds since the epoch.
    pub expires_at: i64,
    /// `nbf`, seconds since the epoch.
    pub not_before: Option<i64>,
    /// `iat`, seconds since the epoch.
    pub issued_at: Option<i64>,
    /// `jti`: the token's unique id.
    pub jti: String,
    /// `typ`.
    pub token_type: TokenType,
    /// `sid`: the session (refresh family) the token belongs to.
    pub session_id: Option<String>,
    /// `org`: the user's organization (tenant).
    pub organization_id: Option<String>,
    /// `roles`.
    pub roles: Vec<String>,
    /// `permissions`.
    pub permissions: Vec<String>,
    /// Every other claim.
    pub extra: Map<String, Value>,
    /// A binding's own view of these claims (Python's `TokenClaims`), built once;
    /// not a claim, never compared or copied (see [`crate::memo`]).
    pub memo: crate::memo::Memo,
}

impl Claims {
    /// Read claims from a parsed payload, refusing wrong types (a string `exp` is invalid, not absent).
    pub fn from_payload(mut payload: Map<String, Value>) -> Result<Self> {
        let Registered {
            subject,
            issuer,
            audience,
            expires_at,
            not_before,
            issued_at,
        } = Registered::read(&mut payload)?;
        let claims = Claims {
            subject,
            issuer,
            audience,
            expires_at,
            not_before,
            issued_at,
            jti: required_string(&mut payload, "jti")?,
            token_type: {
                let typ = required_string(&mut payload, "typ")?;
                TokenType::parse(&typ).ok_or(Error::InvalidClaim {
                    claim: "typ",
                    reason: "must be 'access' or 'refresh'",
                })?
            },
            session_id: optional_string(&mut payload, "sid")?,
            organization_id: optional_string(&mut payload, "org")?,
            roles: string_list(&mut payload, "roles")?,
            permissions: string_list(&mut payload, "permissions")?,
            extra: payload,
            memo: Default::default(),
        };
        Ok(claims)
    }

    /// The payload to sign.
    pub fn to_payload(&self) -> Map<String, Value> {
        let mut payload = self.extra.clone();
        let mut put = |name: &str, value: Value| {
            payload.insert(name.to_owned(), value);
        };
        put("iss", self.issuer.clone().into());
        put(
            "aud",
            match &self.audience {
                Audience::One(aud) => aud.clone().into(),
                Audience::Many(auds) => auds.clone().into(),
            },
        );
        put("sub", self.subject.clone().into());
        put("exp", self.expires_at.into());
        if let Some(nbf) = self.not_before {
            put("nbf", nbf.into());
        }
        if let Some(iat) = self.issued_at {
            put("iat", iat.into());
        }
        put("jti", self.jti.clone().into());
        put("typ", self.token_type.as_str().into());
        if let Some(sid) = &self.session_id {
            put("sid", sid.clone().into());
        }
        if let Some(org) = &self.organization_id {
            put("org", org.clone().into());
        }
        put("roles", self.roles.clone().into());
        put("permissions", self.permissions.clone().into());
        payload
    }
}

/// How claims are checked. Every field documents its default.
#[derive(Debug, Clone)]
pub struct ClaimRules {
    /// Required `iss`. No default: must be configured.
    pub issuer: String,
    /// Required member of `aud`. No default: must be configured.
    pub audience: String,
    /// Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds. Default
    /// [`crate::defaults::LEEWAY_SECONDS`], at most [`crate::defaults::MAX_LEEWAY_SECONDS`]
    /// (checked by [`crate::TokenEngine::new`]).
    pub leeway_seconds: i64,
}

impl ClaimRules {
    /// Check time, issuer and audience at `now` (seconds since the epoch).
    pub fn check(&self, claims: &Claims, now: i64) -> Result<()> {
        self.check_time(claims, now)?;
        if claims.issuer != self.issuer {
            return Err(Error::InvalidClaim {
                claim: "iss",
                reason: "unexpected issuer",
            });
        }
        if !claims.audience.contains(&self.audience) {
            return Err(Error::InvalidClaim {
                claim: "aud",
                reason: "unexpected audience",
            });
        }
        Ok(())
    }

    /// The time checks alone (also rerun on verified-cache hits).
    pub fn check_time(&self, claims: &Claims, now: i64) -> Result<()> {
        check_times(
            claims.expires_at,
            claims.not_before,
            claims.issued_at,
            now,
            self.leeway_seconds,
        )
    }
}

/// Seconds since the epoch.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn wrong(claim: &'static str, reason: &'static str) -> Error {
    Error::InvalidClaim { claim, reason }
}

pub(crate) fn required_string(
    payload: &mut Map<String, Value>,
    claim: &'static str,
) -> Result<String> {
    optional_string(payload, claim)?.ok_or(Error::MissingClaim(claim))
}

pub(crate) fn optional_string(
    payload: &mut Map<String, Value>,
    claim: &'static str,
) -> Result<Option<String>> {
    match payload.remove(claim) {
        None => Ok(None),
        Some(Value::String(s)) if !s.is_empty() => Ok(Some(s)),
        Some(Value::String(_)) => Err(wrong(claim, "must not be empty")),
        Some(_) => Err(wrong(claim, "must be a string")),
    }
}

pub(crate) fn string_list(
    payload: &mut Map<String, Value>,
    claim: &'static str,
) -> Result<Vec<String>> {
    match payload.remove(claim) {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .into_iter()
            .map(|item| match item {
                Value::String(s) => Ok(s),
                _ => Err(wrong(claim, "must be a list of strings")),
            })
            .collect(),
        Some(_) => Err(wrong(claim, "must be a list of strings")),
    }
}

pub(crate) fn audience(payload: &mut Map<String, Value>) -> Result<Audience> {
    match payload.remove("aud") {
        None => Err(Error::MissingClaim("aud")),
        Some(Value::String(aud)) => Ok(Audience::One(aud)),
        Some(Value::Array(items)) if !items.is_empty() => items
            .into_iter()
            .map(|item| match item {
                Value::String(s) => Ok(s),
                _ => Err(wrong("aud", "must be a string or a list of strings")),
            })
            .collect::<Result<_>>()
            .map(Audience::Many),
        Some(_) => Err(wrong(
            "aud",
            "must be a string or a non-empty list of strings",
        )),
    }
}

/// A NumericDate: an integer, or a finite number whose fraction is dropped. Never a string.
pub(crate) fn numeric_date(
    payload: &mut Map<String, Value>,
    claim: &'static str,
) -> Result<Option<i64>> {
    let value = match payload.remove(claim) {
        None => return Ok(None),
        Some(Value::Number(n)) => n,
        Some(_) => return Err(wrong(claim, "must be a number")),
    };
    let seconds = match (value.as_i64(), value.as_f64()) {
        (Some(i), _) => i,
        (None, Some(f)) if f.is_finite() && f.abs() <= MAX_NUMERIC_DATE as f64 => f.floor() as i64,
        _ => return Err(wrong(claim, "is out of range")),
    };
    if !(0..=MAX_NUMERIC_DATE).contains(&seconds) {
        return Err(wrong(claim, "is out of range"));
    }
    Ok(Some(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn payload(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    fn base() -> Value {
        json!({"sub": "u1", "iss": "i", "aud": "a", "exp": 2000, "jti": "j", "typ": "access"})
    }

    fn with(name: &str, value: Value) -> Map<String, Value> {
        let mut p = payload(base());
        p.insert(name.into(), value);
        p
    }

    #[test]
    fn wrong_types_are_invalid_not_absent() {
        for (claim, value) in [
            ("exp", json!("2000")),
            ("exp", json!(null)),
            ("exp", json!(true)),
            ("exp", json!([2000])),
            ("exp", json!(1e300)),
            ("exp", json!(-1)),
            ("nbf", json!("0")),
            ("iat", json!({})),
            ("sub", json!(1)),
            ("sub", json!("")),
            ("roles", json!("admin")),
            ("roles", json!([1])),
            ("aud", json!([])),
            ("aud", json!([1])),
            ("org", json!(5)),
            ("typ", json!("id")),
        ] {
            let err = Claims::from_payload(with(claim, value.clone())).unwrap_err();
            assert!(
                matches!(err, Error::InvalidClaim { .. }),
                "{claim}={value}: {err:?}"
            );
        }
    }

    #[test]
    fn missing_required_claims() {
        for claim in ["sub", "iss", "aud", "exp", "jti", "typ"] {
            let mut p = payload(base());
            p.remove(claim);
            assert_eq!(
                Claims::from_payload(p).unwrap_err(),
                Error::MissingClaim(claim)
            );
        }
    }

    #[test]
    fn time_checks_honour_leeway() {
        let rules = ClaimRules {
            issuer: "i".into(),
            audience: "a".into(),
            leeway_seconds: 10,
        };
        let mut claims = Claims::from_payload(with("exp", json!(1000.9))).unwrap();
        assert_eq!(claims.expires_at, 1000);
        assert!(rules.check(&claims, 1010).is_ok());
        assert_eq!(rules.check(&claims, 1011), Err(Error::Expired));
        claims.not_before = Some(900);
        assert!(rules.check(&claims, 890).is_ok());
        assert_eq!(rules.check(&claims, 889), Err(Error::NotYetValid));
        claims.audience = Audience::Many(vec!["x".into(), "a".into()]);
        assert!(rules.check(&claims, 950).is_ok());
        claims.audience = Audience::Many(vec!["x".into()]);
        assert!(matches!(
            rules.check(&claims, 950),
            Err(Error::InvalidClaim { claim: "aud", .. })
        ));
    }

    #[test]
    fn payload_round_trip() {
        let mut p = payload(base());
        p.insert("roles".into(), json!(["admin"]));
        p.insert("custom".into(), json!({"k": 1}));
        let claims = Claims::from_payload(p).unwrap();
        assert_eq!(Claims::from_payload(claims.to_payload()).unwrap(), claims);
        assert_eq!(claims.extra["custom"], json!({"k": 1}));
    }
}
