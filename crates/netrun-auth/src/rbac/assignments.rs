//! Role assignments: roles given to a user globally (valid in the user's home
//! organization) or for one organization only.

use std::collections::{BTreeSet, HashMap};

use super::RoleRegistry;
use crate::error::{Error, Result};

/// The roles assigned to one user.
#[derive(Debug, Default, Clone)]
pub(super) struct Assignments {
    /// Valid in the user's home organization.
    pub(super) global: BTreeSet<String>,
    /// Valid in that organization only.
    pub(super) per_org: HashMap<String, BTreeSet<String>>,
}

impl Assignments {
    /// The roles assigned for `organization_id`, if any.
    pub(super) fn in_org(&self, organization_id: &str) -> Option<&BTreeSet<String>> {
        self.per_org.get(organization_id).filter(|s| !s.is_empty())
    }

    /// Forget `role` everywhere (it was removed from the registry).
    pub(super) fn drop_role(&mut self, role: &str) {
        self.global.remove(role);
        for set in self.per_org.values_mut() {
            set.remove(role);
        }
    }
}

impl RoleRegistry {
    /// Give `user_id` the role `role`, in `organization_id` or (`None`) in its home organization.
    pub fn assign_role(
        &mut self,
        user_id: &str,
        role: &str,
        organization_id: Option<&str>,
    ) -> Result<()> {
        if !self.roles.contains_key(role) {
            return Err(Error::role(
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
}
