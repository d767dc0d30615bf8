//! Tests of the registry as a whole.

use std::sync::Arc;

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

/// Defect: `*` and `organizations:*` granted the cross-tenant permission through
/// `has_permission` and `check` (from roles and from token permissions).
#[test]
fn wildcards_do_not_grant_cross_tenant() {
    let mut r = registry();
    r.add_role(Role::new("org-admin", ["organizations:*"]))
        .unwrap();
    for role in ["root", "org-admin"] {
        assert!(
            !r.has_permission(&[role], CROSS_TENANT_PERMISSION),
            "{role}"
        );
        let roles = strings(&[role]);
        let s = Subject {
            user_id: Some("u"),
            organization_id: Some("org-a"),
            roles: &roles,
            permissions: &[],
        };
        assert!(!r.check(&s, CROSS_TENANT_PERMISSION, None), "{role}");
        assert!(
            !r.can_access_organization::<&str>(&s, "org-b", &[]),
            "{role}"
        );
    }
    for granted in ["*", "organizations:*"] {
        let perms = strings(&[granted]);
        let s = Subject {
            user_id: Some("u"),
            organization_id: Some("org-a"),
            roles: &[],
            permissions: &perms,
        };
        assert!(!r.check(&s, CROSS_TENANT_PERMISSION, None), "{granted}");
        assert!(!r.check(&s, "projects:read", Some("org-b")), "{granted}");
        assert!(
            !r.can_access_organization::<&str>(&s, "org-b", &[]),
            "{granted}"
        );
    }
}

/// Defect: the organization check and the engine disagreed about roles assigned
/// for one organization. Now one rule decides both.
#[test]
fn organization_access() {
    let mut r = registry();
    r.add_role(Role::new("support", [CROSS_TENANT_PERMISSION]))
        .unwrap();
    r.add_role(Role::new("operator", ["ops:read"]).inheriting(["support"]))
        .unwrap();
    let none: [&str; 0] = [];
    let viewer = strings(&["viewer"]);
    let alice = Subject {
        user_id: Some("alice"),
        organization_id: Some("org-a"),
        roles: &viewer,
        permissions: &[],
    };
    assert!(r.can_access_organization(&alice, "org-a", &none));
    assert!(!r.can_access_organization(&alice, "org-b", &none));
    // An assignment in org-b makes alice a member there, as `check` already agreed.
    r.assign_role("alice", "viewer", Some("org-b")).unwrap();
    assert!(r.check(&alice, "projects:read", Some("org-b")));
    assert!(r.can_access_organization(&alice, "org-b", &none));
    assert!(!r.can_access_organization(&alice, "org-c", &none));
    r.unassign_role("alice", "viewer", Some("org-b"));
    assert!(!r.can_access_organization(&alice, "org-b", &none));
    // Bypass roles: direct (even unregistered), assigned or inherited.
    assert!(r.can_access_organization(&alice, "org-b", &["viewer"]));
    let admin = strings(&["admin"]);
    let admin_subject = Subject {
        roles: &admin,
        ..alice
    };
    assert!(r.can_access_organization(&admin_subject, "org-b", &["viewer"]));
    let platform = strings(&["platform"]);
    let platform_subject = Subject {
        roles: &platform,
        ..alice
    };
    assert!(r.can_access_organization(&platform_subject, "org-b", &["platform"]));
    // The literal cross-tenant permission, from a (global or inherited) role or the token.
    r.assign_role("bob", "operator", None).unwrap();
    let bob = Subject {
        user_id: Some("bob"),
        organization_id: Some("org-a"),
        roles: &[],
        permissions: &[],
    };
    assert!(r.can_access_organization(&bob, "org-z", &none));
    let token = strings(&[CROSS_TENANT_PERMISSION]);
    let carol = Subject {
        user_id: Some("carol"),
        organization_id: None,
        roles: &[],
        permissions: &token,
    };
    assert!(r.can_access_organization(&carol, "org-z", &none));
    // No home organization and nothing else: foreign everywhere.
    let homeless = Subject {
        roles: &viewer,
        ..Subject::default()
    };
    assert!(!r.can_access_organization(&homeless, "org-a", &none));
}
