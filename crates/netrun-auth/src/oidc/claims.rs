//! The claims of an outside issuer's access token, parsed strictly.
//!
//! Registered claims reuse the engine's typed readers (a string `exp` is invalid,
//! not absent). Entra's own claims are read when present: `oid` (the user's
//! immutable id), `tid` (the tenant), `roles` (app roles), `scp` (delegated
//! scopes, space-separated), `acct` (0 member, 1 guest) and `idp` (the identity
//! provider that authenticated the user). Other issuers' `scope` (RFC 9068) or a
//! `scp` list are read as scopes too.

use serde_json::{Map, Value};

use crate::claims::{
    audience, numeric_date, optional_string, required_string, string_list, Audience,
};
use crate::error::{Error, Result};

/// Verified claims of an outside token.
#[derive(Debug, Clone, PartialEq)]
pub struct OidcClaims {
    /// `sub`.
    pub subject: String,
    /// `iss`.
    pub issuer: String,
    /// `aud`.
    pub audience: Audience,
    /// `exp`, seconds since the epoch.
    pub expires_at: i64,
    /// `nbf`.
    pub not_before: Option<i64>,
    /// `iat`.
    pub issued_at: Option<i64>,
    /// `oid` (Entra): the object id of the user or service principal.
    pub object_id: Option<String>,
    /// `tid` (Entra): the tenant the token was issued in.
    pub tenant_id: Option<String>,
    /// `roles`: app roles granted to the user or application.
    pub roles: Vec<String>,
    /// `scp` (space-separated, or a list) or `scope`: delegated scopes.
    pub scopes: Vec<String>,
    /// `acct` (Entra): 0 for a member of the tenant, 1 for a guest.
    pub account_type: Option<i64>,
    /// `idp`: the identity provider that authenticated the subject.
    pub identity_provider: Option<String>,
    /// Whether the subject is a guest: `acct == 1`, or an `idp` other than `iss`.
    pub is_guest: bool,
    /// Every other claim.
    pub extra: Map<String, Value>,
}

impl OidcClaims {
    /// Read claims from a verified payload.
    pub fn from_payload(mut payload: Map<String, Value>) -> Result<Self> {
        let subject = required_string(&mut payload, "sub")?;
        let issuer = required_string(&mut payload, "iss")?;
        let audience = audience(&mut payload)?;
        let expires_at = numeric_date(&mut payload, "exp")?.ok_or(Error::MissingClaim("exp"))?;
        let not_before = numeric_date(&mut payload, "nbf")?;
        let issued_at = numeric_date(&mut payload, "iat")?;
        let object_id = optional_string(&mut payload, "oid")?;
        let tenant_id = optional_string(&mut payload, "tid")?;
        let roles = string_list(&mut payload, "roles")?;
        let scopes = scopes(&mut payload)?;
        let account_type = match payload.remove("acct") {
            None => None,
            Some(Value::Number(n)) => Some(n.as_i64().filter(|v| *v == 0 || *v == 1).ok_or(
                Error::InvalidClaim {
                    claim: "acct",
                    reason: "must be 0 or 1",
                },
            )?),
            Some(_) => {
                return Err(Error::InvalidClaim {
                    claim: "acct",
                    reason: "must be 0 or 1",
                })
            }
        };
        let identity_provider = optional_string(&mut payload, "idp")?;
        let is_guest = account_type == Some(1)
            || identity_provider
                .as_deref()
                .is_some_and(|idp| idp != issuer);
        Ok(OidcClaims {
            subject,
            issuer,
            audience,
            expires_at,
            not_before,
            issued_at,
            object_id,
            tenant_id,
            roles,
            scopes,
            account_type,
            identity_provider,
            is_guest,
            extra: payload,
        })
    }
}

fn scopes(payload: &mut Map<String, Value>) -> Result<Vec<String>> {
    let split = |text: &str| {
        text.split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    };
    match payload.get("scp") {
        Some(Value::String(text)) => {
            let scopes = split(text);
            payload.remove("scp");
            Ok(scopes)
        }
        Some(Value::Array(_)) => string_list(payload, "scp"),
        Some(_) => Err(Error::InvalidClaim {
            claim: "scp",
            reason: "must be a space-separated string or a list of strings",
        }),
        None => match payload.get("scope") {
            None => Ok(Vec::new()),
            Some(Value::String(text)) => {
                let scopes = split(text);
                payload.remove("scope");
                Ok(scopes)
            }
            Some(_) => Err(Error::InvalidClaim {
                claim: "scope",
                reason: "must be a space-separated string",
            }),
        },
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn parse(value: Value) -> Result<OidcClaims> {
        OidcClaims::from_payload(value.as_object().unwrap().clone())
    }

    fn base() -> Value {
        json!({"sub": "s", "iss": "https://sts.windows.net/t/", "aud": "api://c", "exp": 2000})
    }

    fn with(name: &str, value: Value) -> Result<OidcClaims> {
        let mut payload = base();
        payload[name] = value;
        parse(payload)
    }

    #[test]
    fn entra_claims() {
        let mut payload = base();
        payload["oid"] = json!("o");
        payload["tid"] = json!("t");
        payload["roles"] = json!(["Admin"]);
        payload["scp"] = json!("User.Read  Files.Read ");
        payload["acct"] = json!(0);
        payload["ver"] = json!("1.0");
        let claims = parse(payload).unwrap();
        assert_eq!(claims.object_id.as_deref(), Some("o"));
        assert_eq!(claims.tenant_id.as_deref(), Some("t"));
        assert_eq!(claims.roles, vec!["Admin"]);
        assert_eq!(claims.scopes, vec!["User.Read", "Files.Read"]);
        assert!(!claims.is_guest);
        assert_eq!(claims.extra.get("ver"), Some(&json!("1.0")));
    }

    #[test]
    fn guests() {
        assert!(with("acct", json!(1)).unwrap().is_guest);
        assert!(
            with("idp", json!("https://sts.windows.net/other/"))
                .unwrap()
                .is_guest
        );
        assert!(with("idp", json!("live.com")).unwrap().is_guest);
        assert!(
            !with("idp", json!("https://sts.windows.net/t/"))
                .unwrap()
                .is_guest
        );
        for bad in [json!(2), json!("1"), json!(true), json!(1.5)] {
            assert!(with("acct", bad.clone()).is_err(), "{bad}");
        }
    }

    #[test]
    fn scopes_of_other_issuers_and_wrong_types() {
        assert_eq!(with("scope", json!("a b")).unwrap().scopes, vec!["a", "b"]);
        assert_eq!(
            with("scp", json!(["a", "b"])).unwrap().scopes,
            vec!["a", "b"]
        );
        assert!(with("scp", json!(1)).is_err());
        assert!(with("scp", json!([1])).is_err());
        assert!(with("scope", json!(["a"])).is_err());
        assert!(with("roles", json!("Admin")).is_err());
        assert!(with("tid", json!(1)).is_err());
        assert!(with("exp", json!("2000")).is_err());
        let mut no_sub = base();
        no_sub.as_object_mut().unwrap().remove("sub");
        assert_eq!(parse(no_sub), Err(Error::MissingClaim("sub")));
    }
}
