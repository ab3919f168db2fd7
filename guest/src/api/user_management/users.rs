//! Seed 001's users: create, whoami, by name, by locator, lists, update, password reset,
//! delete, permissions, and role and tenant assignments.

use super::super::json::Fields;
use super::super::problem::Problem;
use super::super::{Request, Response};
use super::list_params;
use super::wire::{BasicUserResponse, ListResponse, UserResponse};
use crate::auth;
use crate::context::RequestContext;
use crate::env::Env;
use crate::error::Error;
use crate::model::rules;
use crate::model::user::{Change, NewUser, TextField, User, UserPatch};
use crate::users::grants::{Grants, ListChange};
use crate::users::{self, query};

/// Which list: `fetchMultipleUsers` or the simpler `fetchMultipleBasicUsers`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `UserResponse` items, with tenants: up to 200 a page.
    Full,
    /// `BasicUserResponse` items: up to 1000 a page, the store's page limit.
    Basic,
}

/// Most users one page of the full list holds: each item reads the user's memberships.
pub const MAX_FULL_COUNT: u32 = 200;

/// `UserResponse` for `user`, whole, with the tenants the caller may see.
fn respond(env: &Env, ctx: &RequestContext, status: u16, user: User) -> Result<Response, Problem> {
    let tenants = users::tenants(env, ctx, &[&user])?.pop().unwrap_or_default();
    Ok(Response::json(status, &UserResponse::of(user, tenants, true)))
}

/// `POST /auth/users` with `UserCreateRequest`: `firstName`, `lastName`, `userName` (an
/// email address), `password` and `temporaryPassword` required; `email` (defaults to the
/// user name), `roles` (role ids) and `tenants` (account ids or names) optional. 201.
pub fn create(env: &Env, ctx: &RequestContext, request: &Request) -> Result<Response, Problem> {
    let mut fields = Fields::of(request)?;
    let first_name = fields.required("firstName");
    let last_name = fields.required("lastName");
    let user_name = fields.required("userName");
    if let Some(name) = &user_name {
        fields.check(rules::email("userName", name));
    }
    let password = fields.required("password");
    let temporary = fields.bool("temporaryPassword");
    let temporary = fields.require("temporaryPassword", temporary);
    let email = fields.string("email");
    let roles = fields.strings("roles");
    let tenants = fields.strings("tenants");
    fields.finish()?;
    let input = NewUser {
        email: email.or_else(|| user_name.clone()),
        user_name,
        password,
        temporary_password: temporary.unwrap_or(false),
        text: [(TextField::FirstName, first_name), (TextField::LastName, last_name)]
            .into_iter()
            .filter_map(|(field, value)| value.map(|v| (field, v)))
            .collect(),
        ..NewUser::default()
    };
    let grants = Grants {
        roles: roles.map_or(ListChange::Keep, ListChange::Replace),
        tenants: tenants.map_or(ListChange::Keep, ListChange::Replace),
        ..Grants::default()
    };
    let user = users::create_with(env, ctx, input, &grants)?;
    let location = format!("/auth/users/{}", user.id);
    Ok(respond(env, ctx, 201, user)?.with_header("location", location))
}

/// `GET /auth/users/whoami`: the caller (security group users, permission custom).
pub fn whoami(env: &Env, ctx: &RequestContext) -> Result<Response, Problem> {
    respond(env, ctx, 200, auth::whoami(env, ctx)?)
}

/// `GET /auth/users/username/{username}`: a list of the one user with that name, or
/// empty when no user the caller may see has it.
pub fn by_name(env: &Env, ctx: &RequestContext, name: &str) -> Result<Response, Problem> {
    let found = match users::get_by_user_name(env, ctx, name) {
        Ok(user) => vec![user],
        Err(Error::NotFound) => Vec::new(),
        Err(err) => return Err(err.into()),
    };
    let tenants = users::tenants(env, ctx, &found.iter().collect::<Vec<_>>())?;
    let items: Vec<UserResponse> =
        found.into_iter().zip(tenants).map(|(user, tenants)| UserResponse::of(user, tenants, true)).collect();
    Ok(Response::json(200, &items))
}

/// `GET /auth/users/{locator}`.
pub fn get(env: &Env, ctx: &RequestContext, locator: &str) -> Result<Response, Problem> {
    respond(env, ctx, 200, users::get(env, ctx, locator)?)
}

/// `GET /auth/users/list` and `/auth/users/basic/list` with `offset`, `count` and
/// `extended`, in creation order: `{listCompleted, items}`. `extended` adds the optional
/// fields (`permissions` and `roles`; `firstName` and `lastName` in the basic list).
pub fn list(env: &Env, ctx: &RequestContext, request: &Request, shape: Shape) -> Result<Response, Problem> {
    let params = match shape {
        Shape::Full => list_params(request, 50, MAX_FULL_COUNT)?,
        Shape::Basic => list_params(request, 100, query::MAX_LIMIT)?,
    };
    let query =
        query::Query { limit: params.count, start: query::Start::Offset(params.offset), ..query::Query::default() };
    let page = users::list(env, ctx, &query)?;
    let list_completed = page.next_cursor.is_none();
    Ok(match shape {
        Shape::Full => {
            let tenants = users::tenants(env, ctx, &page.items.iter().collect::<Vec<_>>())?;
            let items: Vec<UserResponse> = page
                .items
                .into_iter()
                .zip(tenants)
                .map(|(user, tenants)| UserResponse::of(user, tenants, params.extended))
                .collect();
            Response::json(200, &ListResponse { list_completed, items })
        }
        Shape::Basic => {
            let items: Vec<BasicUserResponse> =
                page.items.into_iter().map(|user| BasicUserResponse::of(user, params.extended)).collect();
            Response::json(200, &ListResponse { list_completed, items })
        }
    })
}

/// `PATCH /auth/users/{locator}` with `UserUpdateRequest`: `firstName`, `lastName`,
/// `permissions`, `roles` and `tenants` required and replaced; `email` optional. One
/// transaction; a user changing their own record needs nothing more while the grants
/// stay as they are.
pub fn update(env: &Env, ctx: &RequestContext, request: &Request, locator: &str) -> Result<Response, Problem> {
    let mut fields = Fields::of(request)?;
    let first_name = fields.required("firstName");
    let last_name = fields.required("lastName");
    let mut lists = Vec::new();
    for name in ["permissions", "roles", "tenants"] {
        let list = fields.strings(name);
        lists.push(fields.require(name, list).map_or(ListChange::Keep, ListChange::Replace));
    }
    let email = fields.string("email");
    fields.finish()?;
    let [permissions, roles, tenants] = <[ListChange; 3]>::try_from(lists).expect("three lists were read");
    let patch = UserPatch {
        email,
        text: [(TextField::FirstName, first_name), (TextField::LastName, last_name)]
            .into_iter()
            .filter_map(|(field, value)| value.map(|v| (field, Change::Set(v))))
            .collect(),
        ..UserPatch::default()
    };
    let user =
        users::update_with(env, ctx, locator, patch, &Grants { roles, permissions, tenants, ..Grants::default() })?;
    respond(env, ctx, 200, user)
}

/// `PATCH /auth/users/{locator}/passwordreset`: the body is the new password as a JSON
/// string (or `text/plain`). 204; the password is temporary and the user's sessions end.
pub fn reset_password(env: &Env, ctx: &RequestContext, request: &Request, locator: &str) -> Result<Response, Problem> {
    let media_type =
        request.header("content-type").unwrap_or("").split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let password = if media_type == "application/json" || media_type.ends_with("+json") {
        serde_json::from_slice::<String>(&request.body)
            .map_err(|_| Problem::MalformedBody("The body must be a JSON string: the new password.".into()))?
    } else if media_type == "text/plain" {
        String::from_utf8(request.body.clone())
            .map_err(|_| Problem::MalformedBody("The body must be UTF-8 text: the new password.".into()))?
    } else {
        return Err(Problem::UnsupportedMediaType);
    };
    auth::reset_password(env, ctx, locator, &password)?;
    Ok(Response::empty(204))
}

/// `DELETE /auth/users/{locator}`: 204.
pub fn delete(env: &Env, ctx: &RequestContext, locator: &str) -> Result<Response, Problem> {
    users::delete(env, ctx, locator, None)?;
    Ok(Response::empty(204))
}

/// `GET /auth/users/{locator}/permissions`: every permission the user holds everywhere
/// (roles', their own, and `users:custom`).
pub fn permissions(env: &Env, ctx: &RequestContext, locator: &str) -> Result<Response, Problem> {
    Ok(Response::json(200, &users::effective_permissions(env, ctx, locator)?))
}

/// The two lists of an assignment patch, both required.
fn edit(request: &Request, add: &str, remove: &str) -> Result<ListChange, Problem> {
    let mut fields = Fields::of(request)?;
    let added = fields.strings(add);
    let added = fields.require(add, added);
    let removed = fields.strings(remove);
    let removed = fields.require(remove, removed);
    fields.finish()?;
    Ok(ListChange::Edit { add: added.unwrap_or_default(), remove: removed.unwrap_or_default() })
}

/// `PATCH /auth/users/{locator}/roles` with `{addRoles, removeRoles}` (role ids): 200 with
/// the user.
pub fn change_roles(env: &Env, ctx: &RequestContext, request: &Request, locator: &str) -> Result<Response, Problem> {
    let roles = edit(request, "addRoles", "removeRoles")?;
    respond(env, ctx, 200, users::assign(env, ctx, locator, &Grants { roles, ..Grants::default() })?)
}

/// `PATCH /auth/users/{locator}/tenants` with `{addTenants, removeTenants}` (account ids or
/// names): 200 with the user.
pub fn change_tenants(env: &Env, ctx: &RequestContext, request: &Request, locator: &str) -> Result<Response, Problem> {
    let tenants = edit(request, "addTenants", "removeTenants")?;
    respond(env, ctx, 200, users::assign(env, ctx, locator, &Grants { tenants, ..Grants::default() })?)
}
