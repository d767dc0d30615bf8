//! Role-based access control: a registry of roles with inheritance and wildcards,
//! per-organization role assignments, and the cross-tenant rule.
//!
//! * [`permission`]: the `resource:action` grammar and wildcard matching
//!   (`resource:*`, `*`); [`CROSS_TENANT_PERMISSION`] is never wildcard-granted.
//! * [`graph`]: roles, inheritance (unknown parents and cycles are refused with
//!   [`crate::Error::Role`] naming the roles), resolution memoised per role set.
//! * [`assignments`]: roles given to a user globally or for one organization.
//! * [`organization`]: which roles and permissions apply on a resource of an
//!   organization, and [`RoleRegistry::can_access_organization`].
//!
//! Role names a subject carries that the registry does not know grant nothing:
//! tokens may carry roles of other systems.

pub mod assignments;
pub mod graph;
pub mod organization;
pub mod permission;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

pub use graph::{Resolved, Role, MEMO_CAPACITY};
pub use organization::Subject;
pub use permission::{
    is_valid_permission, permission_matches, PermissionSet, CROSS_TENANT_PERMISSION,
};

use assignments::Assignments;

/// The role registry, its resolution memo and the users' role assignments.
///
/// Mutation takes `&mut self`; checks take `&self` and may run from many threads.
#[derive(Debug, Default)]
pub struct RoleRegistry {
    roles: BTreeMap<String, Role>,
    assignments: HashMap<String, Assignments>,
    memo: Mutex<HashMap<Vec<u8>, Arc<Resolved>>>,
}

impl RoleRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }
}

#[cfg(test)]
mod tests;
