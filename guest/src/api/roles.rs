//! Role routes, the permission catalog, and a user's roles and permissions.

use serde_json::json;

use super::json::Fields;
use super::problem::Problem;
use super::{Request, Response};
use crate::access::{Permission, Target, authorize};
use crate::auth;
use crate::context::RequestContext;
use crate::env::Env;
use crate::roles::{self, NewRole, Role, RolePatch};
use crate::users;

fn role_response(status: u16, role: &Role) -> Response {
    Response::json(status, role).with_header("etag", format!("\"{}\"", role.version))
}

/// `GET /api/v1/permissions`: the catalog.
pub fn permissions(env: &Env, ctx: &RequestContext) -> Result<Response, Problem> {
    let caller = auth::caller(env, ctx)?;
    authorize(&caller, Permission::RolesRead, Target::Any)?;
    let names: Vec<&str> = Permission::ALL.iter().map(|p| p.name()).collect();
    Ok(Response::json(200, &names))
}

/// `POST /api/v1/roles` with `{name, description, permissions}`: 201.
pub fn create(env: &Env, ctx: &RequestContext, request: &Request) -> Result<Response, Problem> {
    let mut fields = Fields::of(request)?;
    let input = NewRole {
        name: fields.string("name"),
        description: fields.string("description"),
        permissions: fields.strings("permissions").unwrap_or_default(),
    };
    fields.finish()?;
    let role = roles::create(env, ctx, input)?;
    Ok(role_response(201, &role).with_header("location", format!("/api/v1/roles/{}", role.id)))
}

/// `GET /api/v1/roles`: every role, by name.
pub fn list(env: &Env, ctx: &RequestContext) -> Result<Response, Problem> {
    Ok(Response::json(200, &json!({"items": roles::list(env, ctx)?})))
}

/// `GET /api/v1/roles/{id}`.
pub fn get(env: &Env, ctx: &RequestContext, id: &str) -> Result<Response, Problem> {
    Ok(role_response(200, &roles::get(env, ctx, id)?))
}

/// `PATCH /api/v1/roles/{id}` with any of `name`, `description`, `permissions`,
/// `addPermissions`, `removePermissions`, and the expected `version` (or `If-Match`);
/// a stale version is 409 (412 with `If-Match`).
pub fn update(env: &Env, ctx: &RequestContext, request: &Request, id: &str) -> Result<Response, Problem> {
    let mut fields = Fields::of(request)?;
    let body_version = fields.u64("version");
    let patch = RolePatch {
        expected_version: super::users::if_match(request)?.or(body_version),
        name: fields.string("name"),
        description: fields.string("description"),
        permissions: fields.strings("permissions"),
        add_permissions: fields.strings("addPermissions").unwrap_or_default(),
        remove_permissions: fields.strings("removePermissions").unwrap_or_default(),
    };
    fields.finish()?;
    Ok(role_response(200, &roles::update(env, ctx, id, patch)?))
}

/// `DELETE /api/v1/roles/{id}`: 204; built-in roles are 409.
pub fn delete(env: &Env, ctx: &RequestContext, request: &Request, id: &str) -> Result<Response, Problem> {
    roles::delete(env, ctx, id, super::users::if_match(request)?)?;
    Ok(Response::empty(204))
}

/// `PATCH /api/v1/users/{id}/roles` with `{addRoles, removeRoles}` (role ids): the user.
pub fn change_user_roles(env: &Env, ctx: &RequestContext, request: &Request, id: &str) -> Result<Response, Problem> {
    let mut fields = Fields::of(request)?;
    let add = fields.strings("addRoles").unwrap_or_default();
    let remove = fields.strings("removeRoles").unwrap_or_default();
    fields.finish()?;
    let user = users::change_roles(env, ctx, id, &add, &remove)?;
    Ok(Response::json(200, &user).with_header("etag", format!("\"{}\"", user.version)))
}

/// `GET /api/v1/users/{id}/permissions`: every permission the user holds.
pub fn user_permissions(env: &Env, ctx: &RequestContext, id: &str) -> Result<Response, Problem> {
    Ok(Response::json(200, &users::effective_permissions(env, ctx, id)?))
}
