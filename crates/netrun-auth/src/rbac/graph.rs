//! The role graph: role definitions, inheritance (unknown parents and cycles
//! refused) and memoised resolution of a role set to its permissions.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, MutexGuard};

use super::permission::{is_valid_permission, PermissionSet};
use super::RoleRegistry;
use crate::error::{Error, Result};

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

/// A role set resolved through inheritance.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resolved {
    pub(super) roles: BTreeSet<String>,
    pub(super) permissions: PermissionSet,
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

fn validate_name(name: &str, what: &str) -> Result<()> {
    if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::role(
            format!("{what} {name:?}"),
            "a role name must be non-empty, without whitespace or control characters",
        ));
    }
    Ok(())
}

fn validate_role(role: &Role) -> Result<()> {
    validate_name(&role.name, "role")?;
    for p in &role.permissions {
        if !is_valid_permission(p) {
            return Err(Error::role(
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
            return Err(Error::role(
                format!("role '{name}'"),
                format!(
                    "cannot be removed: inherited by {}",
                    quote_list(&dependents)
                ),
            ));
        }
        self.roles.remove(name);
        for a in self.assignments.values_mut() {
            a.drop_role(name);
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
                return Err(Error::role(
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
                            return Err(Error::role(
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

pub(super) fn quote_list(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(", ")
}
