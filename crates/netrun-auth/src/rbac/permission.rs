//! The permission grammar and wildcard matching, with the one rule wildcards
//! never break: [`CROSS_TENANT_PERMISSION`] is granted only literally.
//!
//! A permission is `resource:action` (more segments are allowed:
//! `projects:tasks:read`). A grant of `resource:*` covers every action on
//! `resource` and on its sub-resources; `*` covers everything. Matching is
//! exact and case-sensitive.

use std::collections::HashSet;

/// The permission that lets a user's home roles act on other organizations' resources.
///
/// It must be granted literally: neither `*` nor `organizations:*` grants it.
pub const CROSS_TENANT_PERMISSION: &str = "organizations:cross_tenant";

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

/// Whether the granted permission `granted` covers `required` (wildcards understood;
/// [`CROSS_TENANT_PERMISSION`] only by itself).
pub fn permission_matches(granted: &str, required: &str) -> bool {
    if granted == required {
        return true;
    }
    if required == CROSS_TENANT_PERMISSION {
        return false;
    }
    if granted == "*" {
        return true;
    }
    match granted.strip_suffix(":*") {
        Some(prefix) => required
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with(':')),
        None => false,
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

    pub(super) fn insert(&mut self, permission: &str) {
        if permission == "*" {
            self.all = true;
        } else if let Some(prefix) = permission.strip_suffix(":*") {
            self.prefixes.insert(prefix.to_owned());
        } else {
            self.exact.insert(permission.to_owned());
        }
    }

    /// Whether `required` is granted, directly or through `resource:*` or `*`
    /// (the same answer as [`permission_matches`] over the set's grants).
    ///
    /// A required wildcard is granted only by an equal or wider wildcard:
    /// `users:*` needs `users:*` or `*`, not merely `users:read`.
    /// [`CROSS_TENANT_PERMISSION`] is granted only literally.
    pub fn grants(&self, required: &str) -> bool {
        if self.exact.contains(required) {
            return true;
        }
        if required == CROSS_TENANT_PERMISSION {
            return false;
        }
        self.all
            || (!self.prefixes.is_empty()
                && required
                    .match_indices(':')
                    .any(|(i, _)| self.prefixes.contains(&required[..i])))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permission_grammar() {
        for ok in ["*", "a:b", "a:*", "a:b:c", "a:b:*", "users:read-all"] {
            assert!(is_valid_permission(ok), "{ok}");
        }
        for bad in ["a", "a:", "*:*", "a*:b", "a:b:"] {
            assert!(!is_valid_permission(bad), "{bad}");
        }
    }

    /// Defect: `*` and `organizations:*` granted the cross-tenant permission.
    #[test]
    fn wildcards_never_grant_cross_tenant() {
        for wildcard in ["*", "organizations:*"] {
            assert!(
                !permission_matches(wildcard, CROSS_TENANT_PERMISSION),
                "{wildcard}"
            );
            let set = PermissionSet::from_permissions([wildcard]);
            assert!(!set.grants(CROSS_TENANT_PERMISSION), "{wildcard}");
            assert!(set.grants("organizations:read"), "{wildcard}");
        }
        assert!(permission_matches(
            CROSS_TENANT_PERMISSION,
            CROSS_TENANT_PERMISSION
        ));
        assert!(
            PermissionSet::from_permissions(["*", CROSS_TENANT_PERMISSION])
                .grants(CROSS_TENANT_PERMISSION)
        );
    }

    #[test]
    fn set_and_pairwise_matching_agree() {
        let grants = [
            "*",
            "users:*",
            "users:read",
            "a:b:*",
            CROSS_TENANT_PERMISSION,
        ];
        let required = [
            "users:read",
            "users:write",
            "users:*",
            "usersx:read",
            "a:b:c",
            "a:b",
            "a:bc:d",
            "x:y",
            CROSS_TENANT_PERMISSION,
            "organizations:read",
        ];
        for g in grants {
            let set = PermissionSet::from_permissions([g]);
            for r in required {
                assert_eq!(set.grants(r), permission_matches(g, r), "{g} / {r}");
            }
        }
    }
}
