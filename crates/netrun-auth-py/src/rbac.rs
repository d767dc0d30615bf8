//! `RoleRegistry` (`netrun_auth::rbac`): roles, resolution memo, assignments and
//! the organization rules. A role and a subject (a `User`) cross as typed objects.

use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use netrun_auth::rbac::{Role, RoleRegistry as Engine, Subject};
use pyo3::prelude::*;
use pyo3::types::PyString;
use pyo3::{intern, Borrowed};

use crate::errors::to_py_err;
use crate::text::{string, strings, Text};

/// A role from Python: any object with `name`, `permissions`, `description` and
/// `inherits` attributes (a `netrun_auth.types.Role`).
///
/// Extracted by hand rather than derived: a derived extraction turns a field's
/// `InvalidInputError` into a `TypeError`.
pub struct RoleIn {
    name: Text,
    permissions: Vec<Text>,
    description: Option<Text>,
    inherits: Vec<Text>,
}

impl FromPyObject<'_, '_> for RoleIn {
    type Error = PyErr;

    fn extract(obj: Borrowed<'_, '_, PyAny>) -> PyResult<Self> {
        let py = obj.py();
        Ok(RoleIn {
            name: obj.getattr(intern!(py, "name"))?.extract()?,
            permissions: obj.getattr(intern!(py, "permissions"))?.extract()?,
            description: obj.getattr(intern!(py, "description"))?.extract()?,
            inherits: obj.getattr(intern!(py, "inherits"))?.extract()?,
        })
    }
}

impl From<RoleIn> for Role {
    fn from(r: RoleIn) -> Role {
        Role {
            name: r.name.into_string(),
            permissions: strings(r.permissions),
            description: string(r.description),
            inherits: strings(r.inherits),
        }
    }
}

/// A role as the registry holds it.
#[pyclass(frozen, get_all, module = "netrun_auth._core", name = "RoleDefinition")]
pub struct RoleOut {
    name: String,
    permissions: Vec<String>,
    description: Option<String>,
    inherits: Vec<String>,
}

impl From<&Role> for RoleOut {
    fn from(r: &Role) -> RoleOut {
        RoleOut {
            name: r.name.clone(),
            permissions: r.permissions.clone(),
            description: r.description.clone(),
            inherits: r.inherits.clone(),
        }
    }
}

/// Who is asking, from Python: an object with `roles` (and optionally
/// `permissions`, `user_id`, `organization_id`: a `User` or `TokenClaims`), one
/// role name, or an iterable of role names.
#[derive(Default)]
pub struct SubjectIn {
    user_id: Option<String>,
    organization_id: Option<String>,
    roles: Vec<String>,
    permissions: Vec<String>,
}

impl FromPyObject<'_, '_> for SubjectIn {
    type Error = PyErr;

    fn extract(obj: Borrowed<'_, '_, PyAny>) -> PyResult<Self> {
        let py = obj.py();
        if obj.is_instance_of::<PyString>() {
            return Ok(SubjectIn {
                roles: vec![obj.extract::<Text>()?.into_string()],
                ..SubjectIn::default()
            });
        }
        let roles = obj.getattr_opt(intern!(py, "roles"))?;
        let Some(roles) = roles.filter(|r| !r.is_none()) else {
            let names = obj
                .try_iter()?
                .map(|item| item?.extract::<Text>().map(Text::into_string))
                .collect::<PyResult<_>>()?;
            return Ok(SubjectIn {
                roles: names,
                ..SubjectIn::default()
            });
        };
        let optional = |name: &Bound<'_, PyString>| -> PyResult<Option<String>> {
            match obj.getattr_opt(name)? {
                Some(v) if !v.is_none() => Ok(Some(v.extract::<Text>()?.into_string())),
                _ => Ok(None),
            }
        };
        let permissions = match obj.getattr_opt(intern!(py, "permissions"))? {
            Some(p) if !p.is_none() => strings(p.extract()?),
            _ => Vec::new(),
        };
        Ok(SubjectIn {
            user_id: optional(intern!(py, "user_id"))?,
            organization_id: optional(intern!(py, "organization_id"))?,
            roles: strings(roles.extract()?),
            permissions,
        })
    }
}

impl SubjectIn {
    fn subject(&self) -> Subject<'_> {
        Subject {
            user_id: self.user_id.as_deref(),
            organization_id: self.organization_id.as_deref(),
            roles: &self.roles,
            permissions: &self.permissions,
        }
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
    fn add_role(&self, role: RoleIn) -> PyResult<()> {
        self.write().add_role(role.into()).map_err(to_py_err)
    }

    /// Add or replace several roles atomically; parents may come in any order.
    fn add_roles(&self, roles: Vec<RoleIn>) -> PyResult<()> {
        self.write()
            .add_roles(roles.into_iter().map(Role::from))
            .map_err(to_py_err)
    }

    /// Remove a role; False if absent, ConfigurationError while others inherit it.
    fn remove_role(&self, name: Text) -> PyResult<bool> {
        self.write().remove_role(&name.0).map_err(to_py_err)
    }

    /// The role called `name`, or None.
    fn get_role(&self, name: Text) -> Option<RoleOut> {
        self.read().get_role(&name.0).map(RoleOut::from)
    }

    /// Every role, sorted by name.
    fn roles(&self) -> Vec<RoleOut> {
        self.read().roles().map(RoleOut::from).collect()
    }

    /// Every role name, sorted.
    fn role_names(&self) -> Vec<String> {
        self.read().roles().map(|r| r.name.clone()).collect()
    }

    fn __len__(&self) -> usize {
        self.read().len()
    }

    fn __contains__(&self, name: Text) -> bool {
        self.read().contains(&name.0)
    }

    /// Whether the subject may do `permission` on a resource of `resource_organization_id`
    /// (None: its home organization).
    #[pyo3(signature = (subject, permission, resource_organization_id=None))]
    fn check(
        &self,
        subject: SubjectIn,
        permission: Text,
        resource_organization_id: Option<Text>,
    ) -> bool {
        let org = string(resource_organization_id);
        self.read()
            .check(&subject.subject(), &permission.0, org.as_deref())
    }

    /// Like `check`, raising AuthorizationError (code "forbidden") when denied.
    #[pyo3(signature = (subject, permission, resource_organization_id=None))]
    fn authorize(
        &self,
        subject: SubjectIn,
        permission: Text,
        resource_organization_id: Option<Text>,
    ) -> PyResult<()> {
        let org = string(resource_organization_id);
        self.read()
            .authorize(&subject.subject(), &permission.0, org.as_deref())
            .map_err(to_py_err)
    }

    /// Every permission the subject holds in `resource_organization_id` (None: home), sorted.
    #[pyo3(signature = (subject, resource_organization_id=None))]
    fn subject_permissions(
        &self,
        subject: SubjectIn,
        resource_organization_id: Option<Text>,
    ) -> Vec<String> {
        let org = string(resource_organization_id);
        self.read()
            .subject_permissions(&subject.subject(), org.as_deref())
    }

    /// The subject's roles in `resource_organization_id` (None: home) and every
    /// role they inherit, sorted. Unregistered direct roles are kept.
    #[pyo3(signature = (subject, resource_organization_id=None))]
    fn subject_roles(
        &self,
        subject: SubjectIn,
        resource_organization_id: Option<Text>,
    ) -> Vec<String> {
        let org = string(resource_organization_id);
        self.read()
            .subject_roles(&subject.subject(), org.as_deref())
    }

    /// Whether the subject may enter `organization_id`: its home, an organization
    /// where it has an assigned role, a bypass role, or the literal cross-tenant permission.
    #[pyo3(signature = (subject, organization_id, bypass_roles=Vec::new()))]
    fn can_access_organization(
        &self,
        subject: SubjectIn,
        organization_id: Text,
        bypass_roles: Vec<Text>,
    ) -> bool {
        self.read().can_access_organization(
            &subject.subject(),
            &organization_id.0,
            &strings(bypass_roles),
        )
    }

    /// Assign a registered role to a user, in one organization or (None) at home.
    #[pyo3(signature = (user_id, role, organization_id=None))]
    fn assign_role(
        &self,
        user_id: Text,
        role: Text,
        organization_id: Option<Text>,
    ) -> PyResult<()> {
        let org = string(organization_id);
        self.write()
            .assign_role(&user_id.0, &role.0, org.as_deref())
            .map_err(to_py_err)
    }

    /// Take an assignment back; False if there was none.
    #[pyo3(signature = (user_id, role, organization_id=None))]
    fn unassign_role(&self, user_id: Text, role: Text, organization_id: Option<Text>) -> bool {
        let org = string(organization_id);
        self.write()
            .unassign_role(&user_id.0, &role.0, org.as_deref())
    }

    /// The roles assigned to a user in one organization or (None) at home, sorted.
    #[pyo3(signature = (user_id, organization_id=None))]
    fn assigned_roles(&self, user_id: Text, organization_id: Option<Text>) -> Vec<String> {
        let org = string(organization_id);
        self.read().assigned_roles(&user_id.0, org.as_deref())
    }

    /// How many role sets the resolution memo holds.
    fn memo_len(&self) -> usize {
        self.read().memo_len()
    }
}
