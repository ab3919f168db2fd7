//! The permission catalog: one `resource:action` string for every operation Roster has.
//!
//! Seed 001's security groups map onto it directly: group `users` with permissions read,
//! list, create, update, delete, custom and password-reset are `users:<permission>`; group
//! `roles` likewise. `users:custom` is the caller's own record, and every user holds it.

use serde::{Serialize, Serializer};

/// One permission of the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Permission {
    UsersRead,
    UsersList,
    UsersCreate,
    UsersUpdate,
    UsersDelete,
    UsersPasswordReset,
    UsersCustom,
    UsersUnlock,
    RolesRead,
    RolesList,
    RolesCreate,
    RolesUpdate,
    RolesDelete,
    ApiKeysManage,
    AccountsRead,
    AccountsList,
    AccountsCreate,
    AccountsUpdate,
    AccountsDelete,
    InvitationsRead,
    InvitationsList,
    InvitationsCreate,
    InvitationsUpdate,
    InvitationsDelete,
    AuditRead,
    AttributesRead,
    AttributesManage,
}

impl Permission {
    /// The whole catalog, in the order `GET /api/v1/permissions` lists it.
    pub const ALL: [Permission; 27] = [
        Permission::UsersRead,
        Permission::UsersList,
        Permission::UsersCreate,
        Permission::UsersUpdate,
        Permission::UsersDelete,
        Permission::UsersPasswordReset,
        Permission::UsersCustom,
        Permission::UsersUnlock,
        Permission::RolesRead,
        Permission::RolesList,
        Permission::RolesCreate,
        Permission::RolesUpdate,
        Permission::RolesDelete,
        Permission::ApiKeysManage,
        Permission::AccountsRead,
        Permission::AccountsList,
        Permission::AccountsCreate,
        Permission::AccountsUpdate,
        Permission::AccountsDelete,
        Permission::InvitationsRead,
        Permission::InvitationsList,
        Permission::InvitationsCreate,
        Permission::InvitationsUpdate,
        Permission::InvitationsDelete,
        Permission::AuditRead,
        Permission::AttributesRead,
        Permission::AttributesManage,
    ];

    /// The `resource:action` name.
    pub fn name(self) -> &'static str {
        match self {
            Permission::UsersRead => "users:read",
            Permission::UsersList => "users:list",
            Permission::UsersCreate => "users:create",
            Permission::UsersUpdate => "users:update",
            Permission::UsersDelete => "users:delete",
            Permission::UsersPasswordReset => "users:password-reset",
            Permission::UsersCustom => "users:custom",
            Permission::UsersUnlock => "users:unlock",
            Permission::RolesRead => "roles:read",
            Permission::RolesList => "roles:list",
            Permission::RolesCreate => "roles:create",
            Permission::RolesUpdate => "roles:update",
            Permission::RolesDelete => "roles:delete",
            Permission::ApiKeysManage => "api-keys:manage",
            Permission::AccountsRead => "accounts:read",
            Permission::AccountsList => "accounts:list",
            Permission::AccountsCreate => "accounts:create",
            Permission::AccountsUpdate => "accounts:update",
            Permission::AccountsDelete => "accounts:delete",
            Permission::InvitationsRead => "invitations:read",
            Permission::InvitationsList => "invitations:list",
            Permission::InvitationsCreate => "invitations:create",
            Permission::InvitationsUpdate => "invitations:update",
            Permission::InvitationsDelete => "invitations:delete",
            Permission::AuditRead => "audit:read",
            Permission::AttributesRead => "attributes:read",
            Permission::AttributesManage => "attributes:manage",
        }
    }

    /// The permission with this name.
    pub fn parse(name: &str) -> Option<Permission> {
        Permission::ALL.into_iter().find(|p| p.name() == name)
    }

    /// Seed 001's security group and permission as Roster's permission: group `users` with
    /// permission `read` is `users:read`, and so for every pair the document names (see
    /// [`SEED_001_SECURITY`]). The one place that mapping is written.
    pub fn of_security_group(group: &str, permission: &str) -> Option<Permission> {
        Permission::parse(&format!("{group}:{permission}"))
    }
}

/// Every (security group, permission) pair seed 001's document names, in its order.
pub const SEED_001_SECURITY: [(&str, &str); 10] = [
    ("users", "custom"),
    ("users", "read"),
    ("users", "list"),
    ("users", "update"),
    ("users", "password-reset"),
    ("users", "delete"),
    ("roles", "read"),
    ("roles", "update"),
    ("roles", "list"),
    ("roles", "delete"),
];

impl Serialize for Permission {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_permission_parses_back_from_its_name() {
        for permission in Permission::ALL {
            assert_eq!(Permission::parse(permission.name()), Some(permission));
        }
    }

    #[test]
    fn every_seed_001_security_group_and_permission_is_in_the_catalog() {
        for (group, permission) in SEED_001_SECURITY {
            let mapped = Permission::of_security_group(group, permission);
            assert_eq!(mapped.map(Permission::name), Some(format!("{group}:{permission}").as_str()));
        }
        assert_eq!(Permission::of_security_group("users", "password-reset"), Some(Permission::UsersPasswordReset));
        assert_eq!(Permission::of_security_group("groups", "read"), None);
    }

    #[test]
    fn names_are_unique_resource_action_pairs() {
        let mut names: Vec<&str> = Permission::ALL.iter().map(|p| p.name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), Permission::ALL.len());
        assert!(names.iter().all(|n| n.split_once(':').is_some_and(|(r, a)| !r.is_empty() && !a.is_empty())));
    }
}
