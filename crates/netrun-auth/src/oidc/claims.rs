//! The claims of an outside issuer's access token, parsed strictly, and the user
//! they describe.
//!
//! Registered claims are read by the engine's one reader ([`Registered`]: a string
//! `exp` is invalid, not absent). Entra's own claims are read when present: `oid`
//! (the user's immutable id), `tid` (the tenant), `roles` (app roles), `scp`
//! (delegated scopes, space-separated), `acct` (0 member, 1 guest) and `idp` (the
//! identity provider that authenticated the user). Other issuers' `scope` (RFC 9068)
//! or a `scp` list are read as scopes too. [`UserFields`] maps them to a user once,
//! for every front end (Python's `User`, the axum user).

use serde_json::{Map, Value};

use crate::claims::{optional_string, string_list, Audience, Registered};
use crate::error::{Error, Result};
use crate::memo::Memo;

/// Which claims give a user's id and organization. Defaults: `sub`, none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserMapping {
    /// The claim giving the user id (`sub`, `oid`, or any string claim); `sub` when
    /// that claim is absent or not a string.
    pub user_id_claim: String,
    /// The claim giving the organization id (e.g. `tid`), if any.
    pub organization_claim: Option<String>,
}

impl Default for UserMapping {
    fn default() -> Self {
        UserMapping {
            user_id_claim: "sub".into(),
            organization_claim: None,
        }
    }
}

/// The user an outside token describes, read once when the token is verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserFields {
    /// From [`UserMapping::user_id_claim`], else `sub`.
    pub user_id: String,
    /// From [`UserMapping::organization_claim`].
    pub organization_id: Option<String>,
    /// The first non-empty string of `email`, `preferred_username`, `upn`.
    pub email: Option<String>,
    /// `name`, when a non-empty string.
    pub display_name: Option<String>,
    /// The first non-empty string of `jti`, `uti` (Entra's token id).
    pub token_id: Option<String>,
}

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
    /// The user these claims describe.
    pub user: UserFields,
    /// Every other claim.
    pub extra: Map<String, Value>,
    /// What a front end built from these claims, kept with the cache entry: not a
    /// claim, never compared or copied (see [`crate::memo`]).
    pub memo: Memo,
}

impl OidcClaims {
    /// Read claims from a verified payload, the user's fields as `mapping` says.
    pub fn from_payload(mut payload: Map<String, Value>, mapping: &UserMapping) -> Result<Self> {
        let Registered {
            subject,
            issuer,
            audience,
            expires_at,
            not_before,
            issued_at,
        } = Registered::read(&mut payload)?;
        let object_id = optional_string(&mut payload, "oid")?;
        let tenant_id = optional_string(&mut payload, "tid")?;
        let roles = string_list(&mut payload, "roles")?;
        let scopes = scopes(&mut payload)?;
        let account_type = account_type(&mut payload)?;
        let identity_provider = optional_string(&mut payload, "idp")?;
        let is_guest = account_type == Some(1)
            || identity_provider
                .as_deref()
                .is_some_and(|idp| idp != issuer);
        let mut claims = OidcClaims {
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
            user: UserFields {
                user_id: String::new(),
                organization_id: None,
                email: None,
                display_name: None,
                token_id: None,
            },
            extra: payload,
            memo: Memo::default(),
        };
        claims.user = UserFields {
            user_id: claims
                .string_claim(&mapping.user_id_claim)
                .unwrap_or(&claims.subject)
                .to_owned(),
            organization_id: mapping
                .organization_claim
                .as_deref()
                .and_then(|name| claims.string_claim(name))
                .map(str::to_owned),
            email: claims.first_string(&["email", "preferred_username", "upn"]),
            display_name: claims.first_string(&["name"]),
            token_id: claims.first_string(&["jti", "uti"]),
        };
        Ok(claims)
    }

    /// The string claim `name`, wherever it was read to (`sub`, `oid`, `tid`, `idp`, `iss`, or
    /// a claim kept in [`extra`](Self::extra)); `None` when absent or not a non-empty string.
    pub fn string_claim(&self, name: &str) -> Option<&str> {
        match name {
            "sub" => Some(&self.subject),
            "iss" => Some(&self.issuer),
            "oid" => self.object_id.as_deref(),
            "tid" => self.tenant_id.as_deref(),
            "idp" => self.identity_provider.as_deref(),
            _ => match self.extra.get(name) {
                Some(Value::String(text)) if !text.is_empty() => Some(text),
                _ => None,
            },
        }
    }

    fn first_string(&self, names: &[&str]) -> Option<String> {
        names
            .iter()
            .find_map(|name| self.string_claim(name))
            .map(str::to_owned)
    }
}

fn account_type(payload: &mut Map<String, Value>) -> Result<Option<i64>> {
    let wrong = Error::InvalidClaim {
        claim: "acct",
        reason: "must be 0 or 1",
    };
    match payload.remove("acct") {
        None => Ok(None),
        Some(Value::Number(n)) => Ok(Some(
            n.as_i64().filter(|v| *v == 0 || *v == 1).ok_or(wrong)?,
        )),
        Some(_) => Err(wrong),
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
        OidcClaims::from_payload(value.as_object().unwrap().clone(), &UserMapping::default())
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

    #[test]
    fn user_fields_follow_the_mapping() {
        let mut payload = base();
        payload["oid"] = json!("o");
        payload["tid"] = json!("t");
        payload["email"] = json!("");
        payload["preferred_username"] = json!("abe@contoso.com");
        payload["upn"] = json!("upn@contoso.com");
        payload["name"] = json!("Abe");
        payload["uti"] = json!("u1");
        let by_sub = parse(payload.clone()).unwrap().user;
        assert_eq!(
            by_sub,
            UserFields {
                user_id: "s".into(),
                organization_id: None,
                email: Some("abe@contoso.com".into()),
                display_name: Some("Abe".into()),
                token_id: Some("u1".into()),
            }
        );
        let entra = UserMapping {
            user_id_claim: "oid".into(),
            organization_claim: Some("tid".into()),
        };
        let read = |payload: &Value| {
            OidcClaims::from_payload(payload.as_object().unwrap().clone(), &entra)
                .unwrap()
                .user
        };
        let user = read(&payload);
        assert_eq!(user.user_id, "o");
        assert_eq!(user.organization_id.as_deref(), Some("t"));
        // an absent id claim falls back to `sub`; a non-string one is not used
        payload.as_object_mut().unwrap().remove("oid");
        payload["jti"] = json!(5);
        let user = read(&payload);
        assert_eq!(user.user_id, "s");
        assert_eq!(user.token_id.as_deref(), Some("u1"));
        let custom = UserMapping {
            user_id_claim: "employee".into(),
            organization_claim: Some("org".into()),
        };
        payload["employee"] = json!("e7");
        payload["org"] = json!(["not", "a", "string"]);
        let claims =
            OidcClaims::from_payload(payload.as_object().unwrap().clone(), &custom).unwrap();
        assert_eq!(claims.user.user_id, "e7");
        assert_eq!(claims.user.organization_id, None);
        assert_eq!(claims.extra.get("employee"), Some(&json!("e7")));
    }
}
