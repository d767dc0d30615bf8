//! Organization scope: which roles and permissions apply to a subject on a
//! resource of a given organization, and whether it may enter that organization.
//!
//! The roles and permissions a token carries, and global assignments, apply in
//! the subject's home organization. Another organization's resource is reached
//! through roles assigned in that organization, or when the home roles (or the
//! token) hold, literally, [`CROSS_TENANT_PERMISSION`]. A subject without a home
//! organization is foreign to every organization.

use super::graph::Resolved;
use super::permission::{permission_matches, CROSS_TENANT_PERMISSION};
use super::RoleRegistry;
use crate::error::{Error, Result};

/// Who is asking: the claims a check needs.
#[derive(Debug, Clone, Copy, Default)]
pub struct Subject<'a> {
    /// Used to look up role assignments; `None` means no assignments apply.
    pub user_id: Option<&'a str>,
    /// The user's home organization (the token's `org`).
    pub organization_id: Option<&'a str>,
    /// Roles carried by the token; they apply in the home organization.
    pub roles: &'a [String],
    /// Permissions carried by the token; they apply in the home organization.
    pub permissions: &'a [String],
}

impl RoleRegistry {
    /// The roles that apply to `subject` in `organization_id` (`None`: its home
    /// organization), before inheritance.
    ///
    /// In the home organization: the token's roles, the global assignments and
    /// the assignments for the home organization. In another organization: only
    /// the assignments for that organization.
    pub fn effective_roles(
        &self,
        subject: &Subject<'_>,
        organization_id: Option<&str>,
    ) -> Vec<String> {
        self.effective_roles_ref(subject, organization_id)
            .into_iter()
            .map(str::to_owned)
            .collect()
    }

    fn effective_roles_ref<'s>(
        &'s self,
        subject: &Subject<'s>,
        organization_id: Option<&str>,
    ) -> Vec<&'s str> {
        let home = subject.organization_id;
        let target = organization_id.or(home);
        let assigned = subject.user_id.and_then(|u| self.assignments.get(u));
        let mut out: Vec<&str> = Vec::new();
        if target == home {
            out.extend(subject.roles.iter().map(String::as_str));
            if let Some(a) = assigned {
                out.extend(a.global.iter().map(String::as_str));
            }
        }
        if let (Some(a), Some(org)) = (assigned, target) {
            if let Some(set) = a.per_org.get(org) {
                out.extend(set.iter().map(String::as_str));
            }
        }
        out
    }

    /// Every permission `subject` holds in `organization_id` (`None`: home), sorted.
    ///
    /// Token permissions count only in the home organization.
    pub fn subject_permissions(
        &self,
        subject: &Subject<'_>,
        organization_id: Option<&str>,
    ) -> Vec<String> {
        let roles = self.effective_roles(subject, organization_id);
        let mut set = self.resolve(&roles).permissions.clone();
        if organization_id.is_none() || organization_id == subject.organization_id {
            for p in subject.permissions {
                set.insert(p);
            }
        }
        set.to_sorted_vec()
    }

    /// Whether `subject` may do `permission` on a resource of `resource_org`
    /// (`None`: a resource of its home organization, or unscoped).
    ///
    /// Another organization's resource is allowed when roles assigned to the
    /// user in that organization grant `permission`, or when the home roles and
    /// token permissions grant both `permission` and, literally,
    /// [`CROSS_TENANT_PERMISSION`]. A subject without a home organization is
    /// treated as foreign to every organization.
    pub fn check(
        &self,
        subject: &Subject<'_>,
        permission: &str,
        resource_org: Option<&str>,
    ) -> bool {
        let home = || {
            let roles = self.effective_roles_ref(subject, None);
            (self.resolve(&roles), subject.permissions)
        };
        match resource_org {
            Some(org) if Some(org) != subject.organization_id => {
                let scoped = self.effective_roles_ref(subject, Some(org));
                if !scoped.is_empty() && self.resolve(&scoped).permissions.grants(permission) {
                    return true;
                }
                let (resolved, token) = home();
                holds_cross_tenant(&resolved, subject)
                    && (resolved.permissions.grants(permission)
                        || token.iter().any(|g| permission_matches(g, permission)))
            }
            _ => {
                let (resolved, token) = home();
                resolved.permissions.grants(permission)
                    || token.iter().any(|g| permission_matches(g, permission))
            }
        }
    }

    /// Like [`RoleRegistry::check`], as a `Result`: [`Error::Forbidden`] naming the permission.
    pub fn authorize(
        &self,
        subject: &Subject<'_>,
        permission: &str,
        resource_org: Option<&str>,
    ) -> Result<()> {
        if self.check(subject, permission, resource_org) {
            Ok(())
        } else {
            Err(Error::Forbidden(format!(
                "missing permission '{permission}'"
            )))
        }
    }

    /// The roles that apply to `subject` in `organization_id` (`None`: home) and
    /// every role they inherit, sorted; unregistered direct roles are kept.
    pub fn subject_roles(
        &self,
        subject: &Subject<'_>,
        organization_id: Option<&str>,
    ) -> Vec<String> {
        let direct = self.effective_roles_ref(subject, organization_id);
        let mut out: Vec<String> = self.resolve(&direct).roles().iter().cloned().collect();
        out.extend(direct.into_iter().map(str::to_owned));
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Whether `subject` may enter `organization_id` at all (a multi-tenant
    /// route's organization check).
    ///
    /// Yes for its home organization; for an organization where the user has
    /// an assigned role; when its home roles (direct, assigned or inherited)
    /// include one of `bypass_roles`; or when its home roles or token permissions
    /// hold, literally, [`CROSS_TENANT_PERMISSION`]. Never through a wildcard.
    pub fn can_access_organization<S: AsRef<str>>(
        &self,
        subject: &Subject<'_>,
        organization_id: &str,
        bypass_roles: &[S],
    ) -> bool {
        if subject.organization_id == Some(organization_id) {
            return true;
        }
        let assigned = subject.user_id.and_then(|u| self.assignments.get(u));
        if assigned.is_some_and(|a| a.in_org(organization_id).is_some()) {
            return true;
        }
        let home = self.effective_roles_ref(subject, None);
        let resolved = self.resolve(&home);
        let bypass = bypass_roles
            .iter()
            .map(AsRef::as_ref)
            .any(|b| home.contains(&b) || resolved.roles().contains(b));
        bypass || holds_cross_tenant(&resolved, subject)
    }
}

/// The cross-tenant rule: the literal permission, from the home roles or the token.
fn holds_cross_tenant(home: &Resolved, subject: &Subject<'_>) -> bool {
    home.permissions().contains_exact(CROSS_TENANT_PERMISSION)
        || subject
            .permissions
            .iter()
            .any(|p| p == CROSS_TENANT_PERMISSION)
}
