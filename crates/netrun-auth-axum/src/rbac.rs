//! [`Rbac`]: the engine's role registry (`netrun_auth::rbac`, the Python
//! `RBACManager`'s rules) shared by the layer and the [guards](crate::guard).
//!
//! Roles grant permissions, inherit other roles, and may use wildcards (`invoices:*`,
//! `*`); users may be assigned roles globally or in one organization. Given to the
//! layer ([`AuthLayer::rbac`](crate::AuthLayer::rbac)) or to one guard
//! ([`Guard::rbac`](crate::guard::Guard::rbac)), it makes
//! [`require_permissions`](crate::guard::require_permissions) count the permissions a
//! user holds through its roles, and
//! [`require_organization`](crate::guard::require_organization) count roles assigned in
//! the requested organization. Without one, only the token's own permissions count (as
//! on the Python side without an `RBACManager`).
//!
//! ```
//! use netrun_auth::rbac::{Role, RoleRegistry};
//! use netrun_auth_axum::rbac::Rbac;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut registry = RoleRegistry::new();
//! registry.add_role(Role::new("viewer", ["invoices:read"]))?;
//! registry.add_role(Role::new("accountant", ["invoices:*"]).inheriting(["viewer"]))?;
//! let rbac = Rbac::new(registry);
//! assert!(rbac.roles_grant(&["accountant"], "invoices:approve"));
//! rbac.update(|registry| registry.assign_role("alice", "viewer", Some("acme")))?;
//! # Ok(()) }
//! ```

use std::fmt;
use std::sync::{Arc, LazyLock, RwLock, RwLockReadGuard};

use netrun_auth::rbac::{RoleRegistry, Subject};

use crate::user::User;

/// A shared, updatable [`RoleRegistry`]. Cheap to clone (one registry).
#[derive(Clone, Default)]
pub struct Rbac {
    registry: Arc<RwLock<RoleRegistry>>,
}

impl fmt::Debug for Rbac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rbac")
            .field("roles", &self.read().len())
            .finish_non_exhaustive()
    }
}

/// The registry used when none is given: no roles, no assignments (the engine's rules
/// then count only what the token carries).
static EMPTY: LazyLock<RoleRegistry> = LazyLock::new(RoleRegistry::new);

impl Rbac {
    /// Share `registry`.
    pub fn new(registry: RoleRegistry) -> Self {
        Rbac {
            registry: Arc::new(RwLock::new(registry)),
        }
    }

    /// Change the registry (add roles, assign roles); checks see the change at once.
    pub fn update<T>(&self, change: impl FnOnce(&mut RoleRegistry) -> T) -> T {
        let mut registry = self.registry.write().unwrap_or_else(|e| e.into_inner());
        change(&mut registry)
    }

    /// Read the registry.
    pub fn read(&self) -> RwLockReadGuard<'_, RoleRegistry> {
        self.registry.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether `roles` grant `permission` (inheritance and wildcards; no organization).
    pub fn roles_grant<S: AsRef<str>>(&self, roles: &[S], permission: &str) -> bool {
        self.read().has_permission(roles, permission)
    }

    /// Whether `user` holds `permission` on a resource of `organization_id` (`None`: its
    /// home organization): its token's permissions and roles, its assigned roles,
    /// inheritance, wildcards, the cross-tenant rule (Python's `RBACManager.has_permission`).
    pub fn has_permission(
        &self,
        user: &User,
        permission: &str,
        organization_id: Option<&str>,
    ) -> bool {
        self.read()
            .check(&subject(user), permission, organization_id)
    }
}

/// The engine's view of `user`.
fn subject(user: &User) -> Subject<'_> {
    Subject {
        user_id: Some(&user.user_id),
        organization_id: user.organization_id.as_deref(),
        roles: &user.roles,
        permissions: &user.permissions,
    }
}

/// Whether `user` may enter `organization_id` (the engine's rule: home organization, a
/// role assigned there, one of `bypass_roles` held or inherited, or the literal
/// cross-tenant permission), with `rbac`'s registry or, without one, an empty one.
pub(crate) fn can_access_organization(
    rbac: Option<&Rbac>,
    user: &User,
    organization_id: &str,
    bypass_roles: &[String],
) -> bool {
    let subject = subject(user);
    match rbac {
        Some(rbac) => rbac
            .read()
            .can_access_organization(&subject, organization_id, bypass_roles),
        None => EMPTY.can_access_organization(&subject, organization_id, bypass_roles),
    }
}
