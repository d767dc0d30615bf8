//! `RoleRegistry`: the engine's role registry, resolution memo and assignments.

use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use netrun_auth::rbac::{Role, RoleRegistry as Engine, Subject};
use pyo3::prelude::*;

use crate::errors::to_py_err;

/// A role as plain data: (name, permissions, description, inherits).
type RoleTuple = (String, Vec<String>, Option<String>, Vec<String>);

fn role_from(t: RoleTuple) -> Role {
    Role {
        name: t.0,
        permissions: t.1,
        description: t.2,
        inherits: t.3,
    }
}

/// Roles with inheritance and wildcards; memoised resolution; per-organization assignments.
#[pyclass(module = "netrun_auth._core", frozen)]
pub struct RoleRegistry {
    inner: RwLock<Engine>,
}

impl RoleRegistry {
    fn read(&self) -> RwLockReadGuard<'_, Engine> {
        self.inner.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Engine> {
        self.inner.write().unwrap_or_else(|p| p.into_inner())
    }
}

#[pymethods]
impl RoleRegistry {
    #[new]
    fn new() -> Self {
        RoleRegistry {
            inner: RwLock::new(Engine::new()),
        }
    }

    /// Add or replace a role; ConfigurationError for an unknown parent or a cycle.
    #[pyo3(signature = (name, permissions, description=None, inherits=Vec::new()))]
    fn add_role(
        &self,
        name: String,
        permissions: Vec<String>,
        description: Option<String>,
        inherits: Vec<String>,
    ) -> PyResult<()> {
        self.write()
            .add_role(role_from((name, permissions, description, inherits)))
            .map_err(to_py_err)
    }

    /// Add or replace several roles atomically; parents may come in any order.
    fn add_roles(&self, roles: Vec<RoleTuple>) -> PyResult<()> {
        self.write()
            .add_roles(roles.into_iter().map(role_from))
            .map_err(to_py_err)
    }

    /// Remove a role; False if absent, ConfigurationError while others inherit it.
    fn remove_role(&self, name: &str) -> PyResult<bool> {
        self.write().remove_role(name).map_err(to_py_err)
    }

    /// The role as (name, permissions, description, inherits), or None.
    fn get_role(&self, name: &str) -> Option<RoleTuple> {
        self.read().get_role(name).map(|r| {
            (
                r.name.clone(),
                r.permissions.clone(),
                r.description.clone(),
                r.inherits.clone(),
            )
        })
    }

    /// Every role name, sorted.
    fn role_names(&self) -> Vec<String> {
        self.read().roles().map(|r| r.name.clone()).collect()
    }

    fn __len__(&self) -> usize {
        self.read().len()
    }

    fn __contains__(&self, name: &str) -> bool {
        self.read().contains(name)
    }

    /// The permissions `roles` grant through inheritance, sorted.
    fn permissions(&self, roles: Vec<String>) -> Vec<String> {
        self.read().resolve(&roles).permissions().to_sorted_vec()
    }

    /// Whether `roles` grant `permission` (no organization scoping).
    fn has_permission(&self, roles: Vec<String>, permission: &str) -> bool {
        self.read().has_permission(&roles, permission)
    }

    /// Whether the subject may do `permission` on a resource of `resource_organization_id`.
    #[pyo3(signature = (permission, *, roles, permissions=Vec::new(), user_id=None, organization_id=None, resource_organization_id=None))]
    fn check(
        &self,
        permission: &str,
        roles: Vec<String>,
        permissions: Vec<String>,
        user_id: Option<&str>,
        organization_id: Option<&str>,
        resource_organization_id: Option<&str>,
    ) -> bool {
        let subject = Subject {
            user_id,
            organization_id,
            roles: &roles,
            permissions: &permissions,
        };
        self.read()
            .check(&subject, permission, resource_organization_id)
    }

    /// Like `check`, raising AuthorizationError (code "forbidden") when denied.
    #[pyo3(signature = (permission, *, roles, permissions=Vec::new(), user_id=None, organization_id=None, resource_organization_id=None))]
    fn authorize(
        &self,
        permission: &str,
        roles: Vec<String>,
        permissions: Vec<String>,
        user_id: Option<&str>,
        organization_id: Option<&str>,
        resource_organization_id: Option<&str>,
    ) -> PyResult<()> {
        let subject = Subject {
            user_id,
            organization_id,
            roles: &roles,
            permissions: &permissions,
        };
        self.read()
            .authorize(&subject, permission, resource_organization_id)
            .map_err(to_py_err)
    }

    /// Every permission the subject holds in `resource_organization_id` (None: home), sorted.
    #[pyo3(signature = (*, roles, permissions=Vec::new(), user_id=None, organization_id=None, resource_organization_id=None))]
    fn subject_permissions(
        &self,
        roles: Vec<String>,
        permissions: Vec<String>,
        user_id: Option<&str>,
        organization_id: Option<&str>,
        resource_organization_id: Option<&str>,
    ) -> Vec<String> {
        let subject = Subject {
            user_id,
            organization_id,
            roles: &roles,
            permissions: &permissions,
        };
        self.read()
            .subject_permissions(&subject, resource_organization_id)
    }

    /// The subject's roles in `resource_organization_id` (None: home) and every
    /// role they inherit, sorted. Unregistered direct roles are kept.
    #[pyo3(signature = (*, roles, user_id=None, organization_id=None, resource_organization_id=None))]
    fn subject_roles(
        &self,
        roles: Vec<String>,
        user_id: Option<&str>,
        organization_id: Option<&str>,
        resource_organization_id: Option<&str>,
    ) -> Vec<String> {
        let subject = Subject {
            user_id,
            organization_id,
            roles: &roles,
            permissions: &[],
        };
        let registry = self.read();
        let direct = registry.effective_roles(&subject, resource_organization_id);
        let mut out: Vec<String> = registry.resolve(&direct).roles().iter().cloned().collect();
        out.extend(direct);
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Assign a registered role to a user, in one organization or (None) at home.
    #[pyo3(signature = (user_id, role, organization_id=None))]
    fn assign_role(
        &self,
        user_id: &str,
        role: &str,
        organization_id: Option<&str>,
    ) -> PyResult<()> {
        self.write()
            .assign_role(user_id, role, organization_id)
            .map_err(to_py_err)
    }

    /// Take an assignment back; False if there was none.
    #[pyo3(signature = (user_id, role, organization_id=None))]
    fn unassign_role(&self, user_id: &str, role: &str, organization_id: Option<&str>) -> bool {
        self.write().unassign_role(user_id, role, organization_id)
    }

    /// The roles assigned to a user in one organization or (None) at home, sorted.
    #[pyo3(signature = (user_id, organization_id=None))]
    fn assigned_roles(&self, user_id: &str, organization_id: Option<&str>) -> Vec<String> {
        self.read().assigned_roles(user_id, organization_id)
    }

    /// How many role sets the resolution memo holds.
    fn memo_len(&self) -> usize {
        self.read().memo_len()
    }
}
