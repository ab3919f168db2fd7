//! Seed 001's roles: create, get, update with `version`, list and delete.

use super::super::json::Fields;
use super::super::problem::Problem;
use super::super::{Request, Response};
use super::list_params;
use super::wire::{ListResponse, RoleResponse};
use crate::context::RequestContext;
use crate::env::Env;
use crate::roles::{self, NewRole, Role, RolePatch};

/// Most roles one page lists; roles are an operator's vocabulary, few.
const MAX_COUNT: u32 = 1000;

fn respond(status: u16, role: Role) -> Response {
    Response::json(status, &RoleResponse::from(role))
}

/// `POST /auth/roles` with `RoleCreateRequest` `{name, description, permissions}`, all
/// required: 201 with `RoleResponse`.
pub fn create(env: &Env, ctx: &RequestContext, request: &Request) -> Result<Response, Problem> {
    let mut fields = Fields::of(request)?;
    let name = fields.required("name");
    let description = fields.required("description");
    let permissions = fields.strings("permissions");
    let permissions = fields.require("permissions", permissions);
    fields.finish()?;
    let input = NewRole { name, description, permissions: permissions.unwrap_or_default() };
    let role = roles::create(env, ctx, input)?;
    let location = format!("/auth/roles/{}", role.id);
    Ok(respond(201, role).with_header("location", location))
}

/// `GET /auth/roles/{locator}`.
pub fn get(env: &Env, ctx: &RequestContext, locator: &str) -> Result<Response, Problem> {
    Ok(respond(200, roles::get(env, ctx, locator)?))
}

/// `PATCH /auth/roles/{locator}` with `RoleUpdateRequest` `{name, description, version,
/// addPermissions, removePermissions}`, all required; a stale `version` is 409.
pub fn update(env: &Env, ctx: &RequestContext, request: &Request, locator: &str) -> Result<Response, Problem> {
    let mut fields = Fields::of(request)?;
    let name = fields.required("name");
    let description = fields.required("description");
    let version = fields.u64("version");
    let version = fields.require("version", version);
    let add = fields.strings("addPermissions");
    let add = fields.require("addPermissions", add);
    let remove = fields.strings("removePermissions");
    let remove = fields.require("removePermissions", remove);
    fields.finish()?;
    let patch = RolePatch {
        expected_version: version,
        name,
        description,
        permissions: None,
        add_permissions: add.unwrap_or_default(),
        remove_permissions: remove.unwrap_or_default(),
    };
    Ok(respond(200, roles::update(env, ctx, locator, patch)?))
}

/// `GET /auth/roles/list` with `offset`, `count` and `extended` (accepted; a role is always
/// whole): `RoleListResponse`, by name.
pub fn list(env: &Env, ctx: &RequestContext, request: &Request) -> Result<Response, Problem> {
    let params = list_params(request, 100, MAX_COUNT)?;
    let all = roles::list(env, ctx)?;
    let start = usize::try_from(params.offset).unwrap_or(usize::MAX).min(all.len());
    let end = start.saturating_add(params.count as usize).min(all.len());
    let list_completed = end == all.len();
    let items: Vec<RoleResponse> = all.into_iter().skip(start).take(end - start).map(RoleResponse::from).collect();
    Ok(Response::json(200, &ListResponse { list_completed, items }))
}

/// `DELETE /auth/roles/{locator}`: 204; a built-in role is 409.
pub fn delete(env: &Env, ctx: &RequestContext, locator: &str) -> Result<Response, Problem> {
    roles::delete(env, ctx, locator, None)?;
    Ok(Response::empty(204))
}
