//! The `iss` rule of an outside issuer: an exact issuer, or a multi-tenant
//! template such as Entra's `https://login.microsoftonline.com/{tenantid}/v2.0`.
//!
//! A template is filled from the token's `tid`, which must be a GUID among the
//! allowed tenants (`*` is an explicit opt-in to any tenant); the filled issuer
//! must equal `iss` exactly, so `iss` and `tid` agree. A signing key's own
//! `issuer` property (Entra's JWKS carry one) is filled the same way and must
//! equal `iss` too.

use super::setting_error;
use crate::error::{Error, Result};

/// The placeholder of a multi-tenant issuer template.
pub const TENANT_PLACEHOLDER: &str = "{tenantid}";

/// Which tenants a multi-tenant issuer accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tenants {
    /// `*`: any tenant (an explicit opt-in).
    Any,
    /// These tenant ids (lowercase GUIDs).
    Only(Vec<String>),
}

/// How `iss` (and `tid`) are checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuerRule {
    issuer: String,
    /// For a template: the text before and after the placeholder.
    template: Option<(String, String)>,
    tenants: Tenants,
}

impl IssuerRule {
    /// A rule for `issuer` (exact, or a template with one `{tenantid}`).
    /// `allowed_tenants` is required for a template: GUIDs, or `["*"]` for any tenant.
    /// For an exact issuer it may list the one tenant `tid` must name (or be empty).
    pub fn new(issuer: &str, allowed_tenants: &[String]) -> Result<Self> {
        if issuer.is_empty() {
            return Err(setting_error("issuer", "must be set"));
        }
        let template = match issuer.matches(TENANT_PLACEHOLDER).count() {
            0 => None,
            1 => {
                let (before, after) = issuer
                    .split_once(TENANT_PLACEHOLDER)
                    .expect("counted one placeholder");
                Some((before.to_owned(), after.to_owned()))
            }
            _ => {
                return Err(setting_error(
                    "issuer",
                    "an issuer template has one {tenantid} placeholder",
                ))
            }
        };
        let tenants = if allowed_tenants.iter().any(|t| t == "*") {
            if allowed_tenants.len() > 1 {
                return Err(setting_error(
                    "allowed_tenants",
                    "'*' (any tenant) cannot be combined with tenant ids",
                ));
            }
            Tenants::Any
        } else {
            let mut ids = Vec::with_capacity(allowed_tenants.len());
            for tenant in allowed_tenants {
                if !is_guid(tenant) {
                    return Err(setting_error(
                        "allowed_tenants",
                        "each tenant must be a GUID (or the list exactly ['*'] for any tenant)",
                    ));
                }
                ids.push(tenant.to_ascii_lowercase());
            }
            Tenants::Only(ids)
        };
        if template.is_some() && tenants == Tenants::Only(Vec::new()) {
            return Err(setting_error(
                "allowed_tenants",
                "required for a multi-tenant issuer: list the tenant GUIDs, or ['*'] to accept any tenant",
            ));
        }
        Ok(IssuerRule {
            issuer: issuer.to_owned(),
            template,
            tenants,
        })
    }

    /// The configured issuer (or template).
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Whether this is a multi-tenant template.
    pub fn is_template(&self) -> bool {
        self.template.is_some()
    }

    /// Whether an (unverified) `iss` belongs to this issuer: used only to choose
    /// which issuer's keys and rules verify a token, never as a verification.
    pub fn accepts(&self, iss: &str) -> bool {
        match &self.template {
            None => iss == self.issuer,
            Some((before, after)) => iss
                .strip_prefix(before.as_str())
                .and_then(|rest| rest.strip_suffix(after.as_str()))
                .is_some_and(|tid| self.tenant_allowed(tid)),
        }
    }

    /// Check a verified token's `iss` and `tid`.
    pub fn check(&self, iss: &str, tid: Option<&str>) -> Result<()> {
        let Some((before, after)) = &self.template else {
            if iss != self.issuer {
                return Err(invalid("iss", "unexpected issuer"));
            }
            if let Tenants::Only(ids) = &self.tenants {
                if !ids.is_empty() {
                    // Tenants listed: a token must name one of them.
                    let tid = tid.ok_or(Error::MissingClaim("tid"))?;
                    if !ids.contains(&tid.to_ascii_lowercase()) {
                        return Err(invalid("tid", "tenant is not allowed"));
                    }
                }
            }
            return Ok(());
        };
        let tid = tid.ok_or(Error::MissingClaim("tid"))?;
        if !is_guid(tid) {
            return Err(invalid("tid", "must be a GUID"));
        }
        if !self.tenant_allowed(tid) {
            return Err(invalid("tid", "tenant is not allowed"));
        }
        if format!("{before}{tid}{after}") != iss {
            return Err(invalid("iss", "does not match the token's tenant (tid)"));
        }
        Ok(())
    }

    fn tenant_allowed(&self, tid: &str) -> bool {
        is_guid(tid)
            && match &self.tenants {
                Tenants::Any => true,
                Tenants::Only(ids) => ids.contains(&tid.to_ascii_lowercase()),
            }
    }
}

/// Whether a signing key's `issuer` property, filled with `tid`, equals `iss`.
pub fn key_issuer_matches(key_issuer: &str, iss: &str, tid: Option<&str>) -> bool {
    if key_issuer.contains(TENANT_PLACEHOLDER) {
        tid.is_some_and(|tid| key_issuer.replacen(TENANT_PLACEHOLDER, tid, 1) == iss)
    } else {
        key_issuer == iss
    }
}

/// A GUID in its 8-4-4-4-12 hexadecimal form.
pub fn is_guid(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

fn invalid(claim: &'static str, reason: &'static str) -> Error {
    Error::InvalidClaim { claim, reason }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T1: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    const T2: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";
    const V2: &str = "https://login.microsoftonline.com/{tenantid}/v2.0";

    fn v2(tid: &str) -> String {
        format!("https://login.microsoftonline.com/{tid}/v2.0")
    }

    #[test]
    fn guids() {
        assert!(is_guid(T1));
        assert!(is_guid(&T1.to_uppercase()));
        for bad in [
            "",
            "common",
            "organizations",
            "72f988bf86f141af91ab2d7cd011db47",
            "72f988bf-86f1-41af-91ab-2d7cd011db4",
            "72f988bf-86f1-41af-91ab-2d7cd011db47/",
            "72f988bg-86f1-41af-91ab-2d7cd011db47",
            "72f988bf-86f1-41af-91ab_2d7cd011db47",
        ] {
            assert!(!is_guid(bad), "{bad}");
        }
    }

    #[test]
    fn exact_issuer() {
        let rule = IssuerRule::new(&v2(T1), &[]).unwrap();
        assert!(rule.accepts(&v2(T1)));
        assert!(!rule.accepts(&v2(T2)));
        assert!(rule.check(&v2(T1), Some(T1)).is_ok());
        assert!(rule.check(&v2(T1), None).is_ok());
        assert!(rule.check(&v2(T2), Some(T2)).is_err());
        assert!(rule.check(&format!("{}/", v2(T1)), Some(T1)).is_err());
    }

    #[test]
    fn exact_issuer_with_listed_tenants_needs_a_listed_tid() {
        let rule = IssuerRule::new(&v2(T1), &[T1.to_owned()]).unwrap();
        assert!(rule.check(&v2(T1), Some(T1)).is_ok());
        assert_eq!(
            rule.check(&v2(T1), None).unwrap_err(),
            Error::MissingClaim("tid")
        );
        assert!(rule.check(&v2(T1), Some(T2)).is_err());
    }

    #[test]
    fn template_needs_tenants_explicitly() {
        assert!(IssuerRule::new(V2, &[]).is_err());
        assert!(IssuerRule::new(V2, &["common".into()]).is_err());
        assert!(IssuerRule::new(V2, &["*".into(), T1.into()]).is_err());
        assert!(IssuerRule::new("https://x/{tenantid}/{tenantid}", &["*".into()]).is_err());
        assert!(IssuerRule::new(V2, &["*".into()]).is_ok());
    }

    #[test]
    fn template_is_filled_from_tid() {
        let rule = IssuerRule::new(V2, &[T1.to_uppercase()]).unwrap();
        assert!(rule.is_template());
        assert!(rule.accepts(&v2(T1)));
        assert!(!rule.accepts(&v2(T2)), "tenant not allowed");
        assert!(!rule.accepts(&v2("common")));
        assert!(!rule.accepts("https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/"));
        assert!(rule.check(&v2(T1), Some(T1)).is_ok());
        assert_eq!(rule.check(&v2(T1), None), Err(Error::MissingClaim("tid")));
        assert!(rule.check(&v2(T1), Some("common")).is_err());
        assert!(rule.check(&v2(T2), Some(T2)).is_err(), "not allowed");
        let any = IssuerRule::new(V2, &["*".into()]).unwrap();
        assert!(any.check(&v2(T2), Some(T2)).is_ok());
        assert!(
            any.check(&v2(T1), Some(T2)).is_err(),
            "iss and tid must agree"
        );
        assert!(any.check(&v2(&T2.to_uppercase()), Some(T2)).is_err());
    }

    #[test]
    fn key_issuer_property() {
        assert!(key_issuer_matches(V2, &v2(T1), Some(T1)));
        assert!(!key_issuer_matches(V2, &v2(T1), Some(T2)));
        assert!(!key_issuer_matches(V2, &v2(T1), None));
        assert!(key_issuer_matches(&v2(T1), &v2(T1), None));
        assert!(!key_issuer_matches(
            "https://sts.windows.net/{tenantid}/",
            &v2(T1),
            Some(T1)
        ));
    }
}
