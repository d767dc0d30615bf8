//! Role-based access control: a registry of roles with inheritance and wildcards.
//!
//! * A permission is a `resource:action` string (more segments are allowed:
//!   `projects:tasks:read`). A role may grant `resource:*` (every action on
//!   `resource` and on its sub-resources) or `*` (everything but the
//!   cross-tenant permission, see below). Matching is exact and case-sensitive.
//! * A role may inherit other roles. Unknown parents and inheritance cycles are
//!   rejected with [`Error::Config`] naming the roles, when the role is added.
//! * Resolution (role set -> permission set) is memoised per role set, so a check
//!   costs a sort of the role names and a few hash lookups; the memo is cleared
//!   whenever a role is added, replaced or removed.
//! * Organization scoping: roles can be assigned to a user globally (valid in the
//!   user's home organization) or for one organization. A check against a
//!   resource of another organization passes only through roles assigned in that
//!   organization, or when the user's home roles grant both the permission and,
//!   literally, [`CROSS_TENANT_PERMISSION`]. Wildcards never grant it.
//!
//! Role names a subject carries that the registry does not know grant nothing:
//! tokens may carry roles of other systems.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::error::{Error, Result};

/// The permission that lets a user's home roles act on other organizations' resources.
///
/// It must be granted literally: neither `*` nor `organizations:*` grants it.
pub const CROSS_TENANT_PERMISSION: &str = "organizations:cross_tenant";

/// How many distinct role sets the resolution memo keeps before it starts over.
pub const MEMO_CAPACITY: usize = 4096;

/// A named set of permissions, possibly inheriting other roles' permissions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    /// Unique name; no whitespace or control characters.
    pub name: String,
    /// `resource:action`, `resource:*` or `*`.
    pub permissions: Vec<String>,
    /// Free text for people.
    pub description: Option<String>,
    /// Names of roles whose permissions this role also grants.
    pub inherits: Vec<String>,
}

impl Role {
    /// A role with `permissions`, no description and no parents.
    pub fn new<S: Into<String>>(
        name: impl Into<String>,
        permissions: impl IntoIterator<Item = S>,
    ) -> Self {
        Role {
            name: name.into(),
            permissions: permissions.into_iter().map(Into::into).collect(),
            description: None,
            inherits: Vec::new(),
        }
    }

    /// The same role, inheriting `parents`.
    pub fn inheriting<S: Into<String>>(mut self, parents: impl IntoIterator<Item = S>) -> Self {
        self.inherits = parents.into_iter().map(Into::into).collect();
        self
    }

    /// The same role, described.
    pub fn described(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
}

/// A resolved set of permissions, answering "is `p` granted?" with hash lookups.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PermissionSet {
    all: bool,
    exact: HashSet<String>,
    /// `r` for every granted `r:*`.
    prefixes: HashSet<String>,
}

impl PermissionSet {
    /// A set of the given permissions, taken as they are (wildcards understood).
    pub fn from_permissions<S: AsRef<str>>(permissions: impl IntoIterator<Item = S>) -> Self {
        let mut set = PermissionSet::default();
        for p in permissions {
            set.insert(p.as_ref());
        }
        set
    }

    fn insert(&mut self, permission: &str) {
        if permission == "*" {
            self.all = true;
        } else if let Some(prefix) = permission.strip_suffix(":*") {
            self.prefixes.insert(prefix.to_owned());
        } else {
            self.exact.insert(permission.to_owned());
        }
    }

    /// Whether `required` is granted, directly or through `resource:*` or `*`.
    ///
    /// A required wildcard is granted only by an equal or wider wildcard:
    /// `users:*` needs `users:*` or `*`, not merely `users:read`.
    pub fn grants(&self, required: &str) -> bool {
        if self.all || self.exact.contains(required) {
            return true;
        }
        !self.prefixes.is_empty()
            && required
                .match_indices(':')
                .any(|(i, _)| self.prefixes.contains(&required[..i]))
    }

    /// Whether `permission` was granted literally (no wildcard).
    pub fn contains_exact(&self, permission: &str) -> bool {
        self.exact.contains(permission)
    }

    /// No permission at all.
    pub fn is_empty(&self) -> bool {
        !self.all && self.exact.is_empty() && self.prefixes.is_empty()
    }

    /// The permissions as strings, sorted (`*` and `resource:*` included as such).
    pub fn to_sorted_vec(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .exact
            .iter()
            .cloned()
            .chain(self.prefixes.iter().map(|p| format!("{p}:*")))
            .collect();
        if self.all {
            out.push("*".to_owned());
        }
        out.sort_unstable();
        out
    }
}

/// A role set resolved through inheritance.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resolved {
    roles: BTreeSet<String>,
    permissions: PermissionSet,
}

impl Resolved {
    /// The known roles of the set and every role they inherit, transitively.
    pub fn roles(&self) -> &BTreeSet<String> {
        &self.roles
    }

    /// The permissions those roles grant.
    pub fn permissions(&self) -> &PermissionSet {
        &self.permissions
    }
}

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

#[derive(Debug, Default, Clone)]
struct Assignments {
    global: BTreeSet<String>,
    per_org: HashMap<String, BTreeSet<String>>,
}

/// The role registry, its resolution memo and the users' role assignments.
///
/// Mutation takes `&mut self`; checks take `&self` and may run from many threads.
#[derive(Debug, Default)]
pub struct RoleRegistry {
    roles: BTreeMap<String, Role>,
    assignments: HashMap<String, Assignments>,
    memo: Mutex<HashMap<Vec<u8>, Arc<Resolved>>>,
}

fn validate_name(name: &str, what: &str) -> Result<()> {
    if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::config(
            format!("{what} {name:?}"),
            "a role name must be non-empty, without whitespace or control characters",
        ));
    }
    Ok(())
}

/// Whether `permission` is well formed: `*`, or two or more non-empty segments
/// separated by `:`, where only the last one may be `*`.
pub fn is_valid_permission(permission: &str) -> bool {
    if permission == "*" {
        return true;
    }
    let segments: Vec<&str> = permission.split(':').collect();
    let last = segments.len() - 1;
    segments.len() >= 2
        && segments.iter().enumerate().all(|(i, s)| {
            !s.is_empty()
                && !s.chars().any(|c| c.is_whitespace() || c.is_control())
                && (!s.contains('*') || (i == last && *s == "*"))
        })
}

fn validate_role(role: &Role) -> Result<()> {
    validate_name(&role.name, "role")?;
    for p in &role.permissions {
        if !is_valid_permission(p) {
            return Err(Error::config(
                format!("role '{}'", role.name),
                format!("permission {p:?} is not 'resource:action', 'resource:*' or '*'"),
            ));
        }
    }
    for parent in &role.inherits {
        validate_name(parent, "parent role")?;
    }
    Ok(())
}

impl RoleRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add `role`, or replace the role of the same name.
    ///
    /// Its parents must already be registered; a cycle is refused. On error the
    /// registry is unchanged.
    pub fn add_role(&mut self, role: Role) -> Result<()> {
        self.add_roles([role])
    }

    /// Add or replace several roles at once; parents may come in any order.
    ///
    /// Atomic: on error (bad name or permission, unknown parent, cycle) nothing changes.
    pub fn add_roles(&mut self, roles: impl IntoIterator<Item = Role>) -> Result<()> {
        let roles: Vec<Role> = roles.into_iter().collect();
        for role in &roles {
            validate_role(role)?;
        }
        let mut previous: Vec<(String, Option<Role>)> = Vec::with_capacity(roles.len());
        let mut changed: Vec<String> = Vec::with_capacity(roles.len());
        for role in roles {
            let name = role.name.clone();
            let old = self.roles.insert(name.clone(), role);
            previous.push((name.clone(), old));
            changed.push(name);
        }
        if let Err(e) = self.check_graph(&changed) {
            // Undo in reverse order so a name given twice gets its original back.
            for (name, old) in previous.into_iter().rev() {
                match old {
                    Some(role) => self.roles.insert(name, role),
                    None => self.roles.remove(&name),
                };
            }
            return Err(e);
        }
        self.clear_memo();
        Ok(())
    }

    /// Remove the role `name`; false if there was none.
    ///
    /// Refused while other roles inherit it (the error names them). Its
    /// assignments are dropped with it.
    pub fn remove_role(&mut self, name: &str) -> Result<bool> {
        if !self.roles.contains_key(name) {
            return Ok(false);
        }
        let dependents: Vec<&str> = self
            .roles
            .values()
            .filter(|r| r.inherits.iter().any(|p| p == name))
            .map(|r| r.name.as_str())
            .collect();
        if !dependents.is_empty() {
            return Err(Error::config(
                format!("role '{name}'"),
                format!(
                    "cannot be removed: inherited by {}",
                    quote_list(&dependents)
                ),
            ));
        }
        self.roles.remove(name);
        for a in self.assignments.values_mut() {
            a.global.remove(name);
            for set in a.per_org.values_mut() {
                set.remove(name);
            }
        }
        self.clear_memo();
        Ok(true)
    }

    /// The role `name`, if registered.
    pub fn get_role(&self, name: &str) -> Option<&Role> {
        self.roles.get(name)
    }

    /// Every role, by name.
    pub fn roles(&self) -> impl Iterator<Item = &Role> {
        self.roles.values()
    }

    /// Whether a role `name` is registered.
    pub fn contains(&self, name: &str) -> bool {
        self.roles.contains_key(name)
    }

    /// How many roles are registered.
    pub fn len(&self) -> usize {
        self.roles.len()
    }

    /// No role registered.
    pub fn is_empty(&self) -> bool {
        self.roles.is_empty()
    }

    /// How many role sets the memo holds now.
    pub fn memo_len(&self) -> usize {
        self.memo().len()
    }

    /// `roles` resolved through inheritance (memoised). Unknown names grant nothing.
    pub fn resolve<S: AsRef<str>>(&self, roles: &[S]) -> Arc<Resolved> {
        let mut names: Vec<&str> = roles.iter().map(AsRef::as_ref).collect();
        names.sort_unstable();
        names.dedup();
        // Length-prefixed, so no two role sets share a key whatever the names hold.
        let mut key = Vec::with_capacity(names.iter().map(|n| n.len() + 4).sum());
        for n in &names {
            key.extend_from_slice(&(n.len() as u32).to_le_bytes());
            key.extend_from_slice(n.as_bytes());
        }
        if let Some(hit) = self.memo().get(&key) {
            return Arc::clone(hit);
        }
        let resolved = Arc::new(self.resolve_uncached(&names));
        let mut memo = self.memo();
        if memo.len() >= MEMO_CAPACITY {
            memo.clear();
        }
        memo.insert(key, Arc::clone(&resolved));
        resolved
    }

    /// Whether `roles` grant `permission` (no organization scoping).
    pub fn has_permission<S: AsRef<str>>(&self, roles: &[S], permission: &str) -> bool {
        self.resolve(roles).permissions.grants(permission)
    }

    /// Give `user_id` the role `role`, in `organization_id` or (`None`) in its home organization.
    pub fn assign_role(
        &mut self,
        user_id: &str,
        role: &str,
        organization_id: Option<&str>,
    ) -> Result<()> {
        if !self.roles.contains_key(role) {
            return Err(Error::config(
                format!("role '{role}'"),
                "cannot be assigned: no such role",
            ));
        }
        let a = self.assignments.entry(user_id.to_owned()).or_default();
        match organization_id {
            None => a.global.insert(role.to_owned()),
            Some(org) => a
                .per_org
                .entry(org.to_owned())
                .or_default()
                .insert(role.to_owned()),
        };
        Ok(())
    }

    /// Take an assigned role back; false if it was not assigned there.
    pub fn unassign_role(
        &mut self,
        user_id: &str,
        role: &str,
        organization_id: Option<&str>,
    ) -> bool {
        let Some(a) = self.assignments.get_mut(user_id) else {
            return false;
        };
        let removed = match organization_id {
            None => a.global.remove(role),
            Some(org) => {
                let removed = a.per_org.get_mut(org).is_some_and(|s| s.remove(role));
                if a.per_org.get(org).is_some_and(BTreeSet::is_empty) {
                    a.per_org.remove(org);
                }
                removed
            }
        };
        if a.global.is_empty() && a.per_org.is_empty() {
            self.assignments.remove(user_id);
        }
        removed
    }

    /// The roles assigned to `user_id` in `organization_id`, or globally (`None`), sorted.
    pub fn assigned_roles(&self, user_id: &str, organization_id: Option<&str>) -> Vec<String> {
        let Some(a) = self.assignments.get(user_id) else {
            return Vec::new();
        };
        let set = match organization_id {
            None => Some(&a.global),
            Some(org) => a.per_org.get(org),
        };
        set.map(|s| s.iter().cloned().collect()).unwrap_or_default()
    }

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
                let cross = resolved.permissions.contains_exact(CROSS_TENANT_PERMISSION)
                    || token.iter().any(|p| p == CROSS_TENANT_PERMISSION);
                cross
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

    fn memo(&self) -> MutexGuard<'_, HashMap<Vec<u8>, Arc<Resolved>>> {
        self.memo
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn clear_memo(&mut self) {
        self.memo
            .get_mut()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clear();
    }

    fn resolve_uncached(&self, names: &[&str]) -> Resolved {
        let mut out = Resolved::default();
        let mut stack: Vec<&str> = names.to_vec();
        while let Some(name) = stack.pop() {
            let Some(role) = self.roles.get(name) else {
                continue;
            };
            if !out.roles.insert(role.name.clone()) {
                continue;
            }
            for p in &role.permissions {
                out.permissions.insert(p);
            }
            stack.extend(role.inherits.iter().map(String::as_str));
        }
        out
    }

    /// Unknown parents and cycles reachable from `start`.
    fn check_graph(&self, start: &[String]) -> Result<()> {
        for name in start {
            let role = &self.roles[name];
            let unknown: Vec<&str> = role
                .inherits
                .iter()
                .filter(|p| !self.roles.contains_key(p.as_str()))
                .map(String::as_str)
                .collect();
            if !unknown.is_empty() {
                return Err(Error::config(
                    format!("role '{name}'"),
                    format!("inherits unknown role {}", quote_list(&unknown)),
                ));
            }
        }
        // Iterative depth-first search; `on_path` holds the current chain.
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            OnPath,
            Done,
        }
        let mut marks: HashMap<&str, Mark> = HashMap::new();
        for root in start {
            if marks.contains_key(root.as_str()) {
                continue;
            }
            let mut path: Vec<(&str, usize)> = vec![(root.as_str(), 0)];
            marks.insert(root.as_str(), Mark::OnPath);
            while let Some(&mut (name, ref mut next)) = path.last_mut() {
                let parents = &self.roles[name].inherits;
                if *next < parents.len() {
                    let parent = parents[*next].as_str();
                    *next += 1;
                    match marks.get(parent) {
                        Some(Mark::OnPath) => {
                            let from = path.iter().position(|(n, _)| *n == parent).unwrap_or(0);
                            let mut cycle: Vec<&str> =
                                path[from..].iter().map(|(n, _)| *n).collect();
                            cycle.push(parent);
                            return Err(Error::config(
                                "roles",
                                format!("inheritance cycle: {}", cycle.join(" -> ")),
                            ));
                        }
                        Some(Mark::Done) => {}
                        None => {
                            marks.insert(parent, Mark::OnPath);
                            path.push((parent, 0));
                        }
                    }
                } else {
                    marks.insert(name, Mark::Done);
                    path.pop();
                }
            }
        }
        Ok(())
    }
}

/// Whether the granted permission `granted` covers `required` (wildcards understood).
pub fn permission_matches(granted: &str, required: &str) -> bool {
    if granted == "*" || granted == required {
        return true;
    }
    match granted.strip_suffix(":*") {
        Some(prefix) => required
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with(':')),
        None => false,
    }
}

fn quote_list(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    fn registry() -> RoleRegistry {
        let mut r = RoleRegistry::new();
        r.add_role(Role::new("viewer", ["projects:read", "users:read"]))
            .unwrap();
        r.add_role(Role::new("editor", ["projects:update"]).inheriting(["viewer"]))
            .unwrap();
        r.add_role(Role::new("admin", ["users:*"]).inheriting(["editor"]))
            .unwrap();
        r.add_role(Role::new("root", ["*"])).unwrap();
        r
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn inheritance_and_wildcards() {
        let r = registry();
        assert!(r.has_permission(&["editor"], "projects:read"));
        assert!(r.has_permission(&["editor"], "projects:update"));
        assert!(!r.has_permission(&["editor"], "projects:delete"));
        assert!(r.has_permission(&["admin"], "users:delete"));
        assert!(r.has_permission(&["admin"], "users:sessions:revoke"));
        assert!(r.has_permission(&["admin"], "users:*"));
        assert!(!r.has_permission(&["viewer"], "users:*"));
        assert!(!r.has_permission(&["admin"], "usersx:read"));
        assert!(r.has_permission(&["root"], "anything:at_all"));
        assert!(!r.has_permission(&["nobody"], "projects:read"));
        assert!(!r.has_permission::<&str>(&[], "projects:read"));
        let roles = r.resolve(&["admin"]).roles().clone();
        assert_eq!(
            roles.into_iter().collect::<Vec<_>>(),
            strings(&["admin", "editor", "viewer"])
        );
        assert_eq!(
            r.resolve(&["editor"]).permissions().to_sorted_vec(),
            strings(&["projects:read", "projects:update", "users:read"])
        );
    }

    #[test]
    fn unknown_parent_and_cycles_are_refused_and_named() {
        let mut r = registry();
        let e = r
            .add_role(Role::new("x", ["a:b"]).inheriting(["ghost"]))
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Configuration);
        assert!(e.to_string().contains("'x'") && e.to_string().contains("'ghost'"));
        assert!(!r.contains("x"));

        // Replacing viewer so that it inherits admin closes a cycle.
        let e = r
            .add_role(Role::new("viewer", ["projects:read"]).inheriting(["admin"]))
            .unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("cycle"), "{msg}");
        for name in ["viewer", "admin", "editor"] {
            assert!(msg.contains(name), "{msg}");
        }
        // Unchanged on error.
        assert!(r.get_role("viewer").unwrap().inherits.is_empty());

        let e = r
            .add_role(Role::new("me", ["a:b"]).inheriting(["me"]))
            .unwrap_err();
        assert!(e.to_string().contains("me -> me"), "{e}");
    }

    #[test]
    fn batch_is_order_free_and_atomic() {
        let mut r = RoleRegistry::new();
        r.add_roles([
            Role::new("child", ["c:read"]).inheriting(["parent"]),
            Role::new("parent", ["p:read"]),
        ])
        .unwrap();
        assert!(r.has_permission(&["child"], "p:read"));
        let e = r
            .add_roles([
                Role::new("a", ["x:y"]).inheriting(["b"]),
                Role::new("b", ["x:z"]).inheriting(["a"]),
            ])
            .unwrap_err();
        assert!(e.to_string().contains("a -> b -> a") || e.to_string().contains("b -> a -> b"));
        assert!(!r.contains("a") && !r.contains("b"));
    }

    #[test]
    fn bad_permissions_and_names_are_refused() {
        let mut r = RoleRegistry::new();
        for p in ["read", "", "a:", ":b", "*:read", "a:*:b", "a: b", "a:b*"] {
            assert!(r.add_role(Role::new("r", [p])).is_err(), "{p:?}");
        }
        for n in ["", "a b", "a\nb"] {
            assert!(r.add_role(Role::new(n, ["a:b"])).is_err(), "{n:?}");
        }
        assert!(r.is_empty());
    }

    #[test]
    fn memo_is_used_and_invalidated() {
        let mut r = registry();
        assert!(!r.has_permission(&["viewer"], "reports:read"));
        assert_eq!(r.memo_len(), 1);
        let a = r.resolve(&["viewer", "editor"]);
        let b = r.resolve(&["editor", "viewer", "editor"]);
        assert!(Arc::ptr_eq(&a, &b));
        r.add_role(Role::new("viewer", ["projects:read", "reports:read"]))
            .unwrap();
        assert_eq!(r.memo_len(), 0);
        assert!(r.has_permission(&["viewer"], "reports:read"));
        assert!(r.has_permission(&["admin"], "reports:read"));
    }

    #[test]
    fn memo_keys_do_not_collide() {
        let mut r = RoleRegistry::new();
        r.add_roles([Role::new("a", ["x:read"]), Role::new("b", ["y:read"])])
            .unwrap();
        assert!(r.has_permission(&["a", "b"], "y:read"));
        assert!(!r.has_permission(&["a\u{0}\u{0}\u{0}\u{1}b"], "y:read"));
        assert!(!r.has_permission(&["a\nb"], "y:read"));
    }

    #[test]
    fn removal() {
        let mut r = registry();
        let e = r.remove_role("viewer").unwrap_err();
        assert!(e.to_string().contains("'editor'"), "{e}");
        assert!(r.remove_role("admin").unwrap());
        assert!(!r.remove_role("admin").unwrap());
        assert!(r.remove_role("editor").unwrap());
        assert!(r.remove_role("viewer").unwrap());
        assert!(!r.has_permission(&["viewer"], "projects:read"));
    }

    #[test]
    fn organization_scoping() {
        let mut r = registry();
        r.add_role(Role::new("support", [CROSS_TENANT_PERMISSION]).inheriting(["viewer"]))
            .unwrap();
        let roles = strings(&["admin"]);
        let alice = Subject {
            user_id: Some("alice"),
            organization_id: Some("org-a"),
            roles: &roles,
            permissions: &[],
        };
        assert!(r.check(&alice, "users:delete", None));
        assert!(r.check(&alice, "users:delete", Some("org-a")));
        assert!(!r.check(&alice, "users:delete", Some("org-b")));
        assert!(!r.check(&alice, "projects:read", Some("org-b")));
        let e = r
            .authorize(&alice, "users:delete", Some("org-b"))
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Forbidden);

        // A role assigned in org-b applies there and only there.
        r.assign_role("alice", "viewer", Some("org-b")).unwrap();
        assert!(r.check(&alice, "projects:read", Some("org-b")));
        assert!(!r.check(&alice, "users:delete", Some("org-b")));
        assert!(!r.check(&alice, "projects:read", Some("org-c")));
        assert_eq!(
            r.assigned_roles("alice", Some("org-b")),
            strings(&["viewer"])
        );

        // `*` does not grant the cross-tenant permission; the literal one does.
        let root_roles = strings(&["root"]);
        let root = Subject {
            user_id: Some("rooty"),
            organization_id: Some("org-a"),
            roles: &root_roles,
            permissions: &[],
        };
        assert!(!r.check(&root, "projects:read", Some("org-b")));
        let support_roles = strings(&["support"]);
        let support = Subject {
            roles: &support_roles,
            ..root
        };
        assert!(r.check(&support, "projects:read", Some("org-b")));
        assert!(!r.check(&support, "projects:update", Some("org-b")));

        // Global assignments apply in the home organization.
        r.assign_role("bob", "editor", None).unwrap();
        let bob = Subject {
            user_id: Some("bob"),
            organization_id: Some("org-a"),
            roles: &[],
            permissions: &[],
        };
        assert!(r.check(&bob, "projects:update", None));
        assert!(!r.check(&bob, "projects:update", Some("org-b")));
        assert!(r.unassign_role("bob", "editor", None));
        assert!(!r.check(&bob, "projects:update", None));
        assert!(r.assign_role("bob", "ghost", None).is_err());

        // No home organization: foreign everywhere.
        let homeless = Subject {
            roles: &roles,
            ..Subject::default()
        };
        assert!(r.check(&homeless, "users:read", None));
        assert!(!r.check(&homeless, "users:read", Some("org-a")));
    }

    #[test]
    fn token_permissions_count_at_home_only() {
        let r = registry();
        let perms = strings(&["reports:*"]);
        let s = Subject {
            user_id: Some("u"),
            organization_id: Some("org-a"),
            roles: &[],
            permissions: &perms,
        };
        assert!(r.check(&s, "reports:export", None));
        assert!(!r.check(&s, "reports:export", Some("org-b")));
        assert_eq!(r.subject_permissions(&s, None), strings(&["reports:*"]));
        assert!(r.subject_permissions(&s, Some("org-b")).is_empty());
    }

    #[test]
    fn permission_grammar() {
        for ok in ["*", "a:b", "a:*", "a:b:c", "a:b:*", "users:read-all"] {
            assert!(is_valid_permission(ok), "{ok}");
        }
        for bad in ["a", "a:", "*:*", "a*:b", "a:b:"] {
            assert!(!is_valid_permission(bad), "{bad}");
        }
    }
}
