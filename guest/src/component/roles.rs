//! `roster:iam/roles` (exported): the typed role interface, mapped onto [`crate::roles`].

use super::exports::roster::iam::roles as wit;
use super::roster::iam::types;
use super::users::{context, error};
use super::{Component, with_env};
use crate::roles::{self, NewRole, Role, RolePatch};

impl wit::Guest for Component {
    fn create(ctx: types::RequestContext, role: wit::NewRole) -> Result<wit::Role, types::Error> {
        let input = NewRole { name: Some(role.name), description: role.description, permissions: role.permissions };
        with_env(|env| roles::create(env, &context(ctx), input)).map(to_wit).map_err(error)
    }

    fn get(ctx: types::RequestContext, id: String) -> Result<wit::Role, types::Error> {
        with_env(|env| roles::get(env, &context(ctx), &id)).map(to_wit).map_err(error)
    }

    fn list(ctx: types::RequestContext) -> Result<Vec<wit::Role>, types::Error> {
        with_env(|env| roles::list(env, &context(ctx)))
            .map(|list| list.into_iter().map(to_wit).collect())
            .map_err(error)
    }

    fn update(ctx: types::RequestContext, id: String, patch: wit::RolePatch) -> Result<wit::Role, types::Error> {
        let patch = RolePatch {
            expected_version: patch.expected_version,
            name: patch.name,
            description: patch.description,
            permissions: patch.permissions,
            add_permissions: patch.add_permissions,
            remove_permissions: patch.remove_permissions,
        };
        with_env(|env| roles::update(env, &context(ctx), &id, patch)).map(to_wit).map_err(error)
    }

    fn delete(ctx: types::RequestContext, id: String, expected_version: Option<u64>) -> Result<(), types::Error> {
        with_env(|env| roles::delete(env, &context(ctx), &id, expected_version)).map_err(error)
    }
}

fn to_wit(role: Role) -> wit::Role {
    wit::Role {
        id: role.id,
        name: role.name,
        description: role.description,
        permissions: role.permissions,
        builtin: role.builtin,
        created_by: role.created_by,
        created_at: role.created_at,
        updated_at: role.updated_at,
        version: role.version,
    }
}
