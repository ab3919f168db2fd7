//! Seed 001's response bodies, mapped from Roster's records.

use serde::Serialize;

use crate::model::account::AccountId;
use crate::model::user::{User, UserId};
use crate::roles::Role;

/// Who created a built-in role: nobody, written as the nil UUID since `createdBy` is a
/// required UUID.
const NOBODY: &str = "00000000-0000-0000-0000-000000000000";

/// `UserResponse`. `tenants` are account ids; `permissions` are the user's own (not those
/// of roles), and `roles` role ids, so that a read can be sent back as an update.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserResponse {
    pub locator: UserId,
    pub first_name: String,
    pub last_name: String,
    pub user_name: String,
    pub tenants: Vec<AccountId>,
    pub email: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permissions: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<String>>,
}

impl UserResponse {
    /// The user with its tenants; `extended` adds the optional `permissions` and `roles`.
    pub fn of(user: User, tenants: Vec<AccountId>, extended: bool) -> Self {
        UserResponse {
            locator: user.id,
            first_name: user.first_name.unwrap_or_default(),
            last_name: user.last_name.unwrap_or_default(),
            user_name: user.user_name,
            tenants,
            email: user.email,
            permissions: extended.then_some(user.permissions),
            roles: extended.then_some(user.roles),
        }
    }
}

/// `BasicUserResponse`; `extended` adds the optional names.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BasicUserResponse {
    pub locator: UserId,
    pub user_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
}

impl BasicUserResponse {
    /// The user's locator and name; `extended` adds first and last name when set.
    pub fn of(user: User, extended: bool) -> Self {
        BasicUserResponse {
            locator: user.id,
            user_name: user.user_name,
            first_name: user.first_name.filter(|_| extended),
            last_name: user.last_name.filter(|_| extended),
        }
    }
}

/// `RoleResponse`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleResponse {
    pub locator: String,
    pub name: String,
    pub description: String,
    pub version: u64,
    pub created_at: String,
    pub created_by: String,
    pub permissions: Vec<String>,
}

impl From<Role> for RoleResponse {
    fn from(role: Role) -> Self {
        RoleResponse {
            locator: role.id,
            name: role.name,
            description: role.description,
            version: role.version,
            created_at: role.created_at,
            created_by: role.created_by.unwrap_or_else(|| NOBODY.to_owned()),
            permissions: role.permissions,
        }
    }
}

/// `UserListResponse`, `BasicUserListResponse` and `RoleListResponse`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListResponse<T> {
    /// No item follows this page.
    pub list_completed: bool,
    pub items: Vec<T>,
}
