//! Seed 003, "Users (1.0)", under `/users-api/v1`: users of a customer (an account) with
//! `ENABLED`/`DISABLED`, Spring-style pageable lists with predicates and field selection,
//! recap counts, and lost-password flows per realm. The document gives no paths; these are
//! Roster's. A thin mapping onto the user, membership and authentication services, plus
//! this surface's stricter length limits ([`limits`]).

mod limits;
mod realms;
mod users;

use super::problem::Problem;
use super::routes::Route;
use super::{Request, Response};
use crate::context::RequestContext;
use crate::env::Env;

/// Every route of this surface.
pub const ROUTES: &[Route] = &[
    ("GET", "/users-api/v1/users"),
    ("POST", "/users-api/v1/users"),
    ("GET", "/users-api/v1/users/recap"),
    ("GET", "/users-api/v1/users/{id}"),
    ("PUT", "/users-api/v1/users/{id}"),
    ("POST", "/users-api/v1/realms/{realm}/password/lost"),
    ("POST", "/users-api/v1/realms/{realm}/password/reset/{token}"),
];

/// Serve a request under `/users-api/v1`; `Err(Problem::NoRoute)` when no route has it.
pub fn route(env: &Env, ctx: &RequestContext, request: &Request, segments: &[&str]) -> Result<Response, Problem> {
    match (request.method.as_str(), segments) {
        ("GET", ["users-api", "v1", "users"]) => users::list(env, ctx, request),
        ("POST", ["users-api", "v1", "users"]) => users::create(env, ctx, request),
        ("GET", ["users-api", "v1", "users", "recap"]) => users::recap(env, ctx, request),
        ("GET", ["users-api", "v1", "users", id]) => users::get(env, ctx, request, id),
        ("PUT", ["users-api", "v1", "users", id]) => users::update(env, ctx, request, id),
        ("POST", ["users-api", "v1", "realms", realm, "password", "lost"]) => realms::lost(env, ctx, request, realm),
        ("POST", ["users-api", "v1", "realms", realm, "password", "reset", token]) => {
            realms::reset(env, ctx, request, realm, token)
        }
        _ => Err(Problem::NoRoute),
    }
}
