//! Seed 001, the "User Management API", under `/auth`: users addressed by locator (their
//! id), roles with a version, the permission catalog, and role and tenant assignments.
//! A thin mapping onto the users, roles, auth and accounts services; the document's
//! security groups are Roster's permissions (`Permission::of_security_group`).

mod roles;
mod users;
mod wire;

use super::problem::Problem;
use super::routes::{self, Route};
use super::{Request, Response};
use crate::context::RequestContext;
use crate::env::Env;
use crate::error::{FieldError, FieldErrors};

/// Every route of seed 001's endpoint index.
pub const ROUTES: &[Route] = &[
    ("POST", "/auth/users"),
    ("GET", "/auth/users/whoami"),
    ("GET", "/auth/users/username/{username}"),
    ("GET", "/auth/users/{locator}"),
    ("GET", "/auth/users/list"),
    ("GET", "/auth/users/basic/list"),
    ("PATCH", "/auth/users/{locator}"),
    ("PATCH", "/auth/users/{locator}/passwordreset"),
    ("DELETE", "/auth/users/{locator}"),
    ("POST", "/auth/roles"),
    ("GET", "/auth/roles/{locator}"),
    ("PATCH", "/auth/roles/{locator}"),
    ("GET", "/auth/roles/list"),
    ("DELETE", "/auth/roles/{locator}"),
    ("GET", "/auth/roles/permissions"),
    ("GET", "/auth/users/{locator}/permissions"),
    ("PATCH", "/auth/users/{locator}/roles"),
    ("PATCH", "/auth/users/{locator}/tenants"),
];

/// Answer a request under `/auth`; `Err(Problem::NoRoute)` when no route of the table has
/// this method and path (so `DELETE /auth/users/list` is a 405, not a delete of "list").
pub fn route(env: &Env, ctx: &RequestContext, request: &Request, segments: &[&str]) -> Result<Response, Problem> {
    if !routes::find(&request.method, segments).is_some_and(|route| ROUTES.contains(&route)) {
        return Err(Problem::NoRoute);
    }
    match (request.method.as_str(), segments) {
        ("POST", ["auth", "users"]) => users::create(env, ctx, request),
        ("GET", ["auth", "users", "whoami"]) => users::whoami(env, ctx),
        ("GET", ["auth", "users", "list"]) => users::list(env, ctx, request, users::Shape::Full),
        ("GET", ["auth", "users", "basic", "list"]) => users::list(env, ctx, request, users::Shape::Basic),
        ("GET", ["auth", "users", "username", name]) => users::by_name(env, ctx, name),
        ("GET", ["auth", "users", locator]) => users::get(env, ctx, locator),
        ("PATCH", ["auth", "users", locator]) => users::update(env, ctx, request, locator),
        ("DELETE", ["auth", "users", locator]) => users::delete(env, ctx, locator),
        ("PATCH", ["auth", "users", locator, "passwordreset"]) => users::reset_password(env, ctx, request, locator),
        ("GET", ["auth", "users", locator, "permissions"]) => users::permissions(env, ctx, locator),
        ("PATCH", ["auth", "users", locator, "roles"]) => users::change_roles(env, ctx, request, locator),
        ("PATCH", ["auth", "users", locator, "tenants"]) => users::change_tenants(env, ctx, request, locator),
        ("POST", ["auth", "roles"]) => roles::create(env, ctx, request),
        ("GET", ["auth", "roles", "list"]) => roles::list(env, ctx, request),
        ("GET", ["auth", "roles", "permissions"]) => super::roles::permissions(env, ctx),
        ("GET", ["auth", "roles", locator]) => roles::get(env, ctx, locator),
        ("PATCH", ["auth", "roles", locator]) => roles::update(env, ctx, request, locator),
        ("DELETE", ["auth", "roles", locator]) => roles::delete(env, ctx, locator),
        _ => Err(Problem::NoRoute),
    }
}

/// The list parameters every seed 001 list takes: `offset` (from 0), `count` (1 to
/// `max_count`, default `default_count`) and `extended`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ListParams {
    offset: u64,
    count: u32,
    extended: bool,
}

fn list_params(request: &Request, default_count: u32, max_count: u32) -> Result<ListParams, Problem> {
    let mut errors = FieldErrors::new();
    let mut params = ListParams { offset: 0, count: default_count, extended: false };
    for (name, value) in request.query_pairs() {
        match name.as_str() {
            "offset" => {
                params.offset = errors
                    .check(
                        value.parse().map_err(|_| FieldError::new("offset", "type", "must be a non-negative integer")),
                    )
                    .unwrap_or(0)
            }
            "count" => match value.parse::<u32>() {
                Ok(count) if (1..=max_count).contains(&count) => params.count = count,
                _ => {
                    errors.push(FieldError::new("count", "range", format!("must be an integer from 1 to {max_count}")))
                }
            },
            "extended" => match value.as_str() {
                "true" => params.extended = true,
                "false" => params.extended = false,
                _ => errors.push(FieldError::new("extended", "type", "must be true or false")),
            },
            _ => errors.push(FieldError::new(name, "unknown", "is not a parameter of this route")),
        }
    }
    Ok(errors.finish(params)?)
}

#[cfg(test)]
mod tests;
