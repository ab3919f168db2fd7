//! The REST API, served by the component itself: plain requests in, plain responses out.
//!
//! `component::http` turns `wasi:http` into a [`Request`] and a [`Response`] back; routing is
//! one `match` on method and path, with a small function per route.

pub mod account_users;
pub mod accounts;
pub mod audit;
pub mod auth;
pub mod flexnet;
pub mod json;
pub mod openapi;
pub mod problem;
pub mod roles;
pub mod routes;
pub mod user_management;
pub mod users;
pub mod users_v1;

use crate::context::{Credentials, RequestContext};
use crate::env::Env;
use problem::Problem;

/// Largest request body the API reads, in bytes.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// An HTTP request, as the API sees it.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// Upper-case method.
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The raw query string, without `?`.
    pub query: String,
    /// Headers with lower-case names.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Request {
    /// The first value of header `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// The decoded query parameters.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        form_urlencoded::parse(self.query.as_bytes()).into_owned().collect()
    }
}

/// An HTTP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Headers with lower-case names.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    /// A JSON response with `status`.
    pub fn json(status: u16, value: &impl serde::Serialize) -> Self {
        let body = serde_json::to_vec(value).expect("API values always serialize to JSON");
        Response { status, headers: vec![("content-type".into(), "application/json".into())], body }
    }

    /// An empty response with `status`.
    pub fn empty(status: u16) -> Self {
        Response { status, headers: Vec::new(), body: Vec::new() }
    }

    /// This response with one more header.
    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }
}

/// The correlation id of a request: `x-correlation-id`, else `x-request-id`, else a new one.
pub fn correlation_id(request: &Request) -> String {
    request
        .header("x-correlation-id")
        .or_else(|| request.header("x-request-id"))
        .filter(|id| !id.is_empty() && id.len() <= 200 && id.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

/// The request context of an HTTP request.
fn context(request: &Request) -> RequestContext {
    RequestContext {
        credentials: request
            .header("authorization")
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(|token| Credentials::Bearer(token.trim().to_owned())),
        account: request.header("x-account-id").map(str::to_owned),
        correlation_id: correlation_id(request),
    }
}

/// Answer one request. Every response carries the request's correlation id.
pub fn handle(env: &Env, request: &Request) -> Response {
    let ctx = context(request);
    let segments: Vec<&str> = request.path.trim_matches('/').split('/').collect();
    let result = match surface(env, &ctx, request, &segments) {
        Err(Problem::NoRoute) => Err(routes::allowed(&segments).map_or(Problem::NoRoute, Problem::MethodNotAllowed)),
        served => {
            debug_assert!(
                routes::find(&request.method, &segments).is_some(),
                "{} {} is served but missing from api::routes",
                request.method,
                request.path
            );
            served
        }
    };
    let response = result
        .unwrap_or_else(|problem| problem::respond(&problem, request, &ctx.correlation_id))
        .with_header("x-correlation-id", ctx.correlation_id)
        .with_header(ROUTE_HEADER, routes::template(&segments).unwrap_or("unmatched"));
    match env.authenticated.get() {
        Some(user) => response.with_header(CALLER_HEADER, user.to_string()),
        None => response,
    }
}

/// Hand the request to the surface whose prefix its path has; each answers
/// `Err(Problem::NoRoute)` when none of its routes has this method and path.
fn surface(env: &Env, ctx: &RequestContext, request: &Request, segments: &[&str]) -> Result<Response, Problem> {
    match segments {
        ["auth", ..] => user_management::route(env, ctx, request, segments),
        ["v1", "account", ..] => account_users::route(env, ctx, request, segments),
        ["users-accounts-api", ..] => flexnet::route(env, ctx, request, segments),
        ["users-api", "v1", ..] => users_v1::route(env, ctx, request, segments),
        _ => native(env, ctx, request, segments),
    }
}

/// The native API: `Err(Problem::NoRoute)` when no route has this method and path.
fn native(env: &Env, ctx: &RequestContext, request: &Request, segments: &[&str]) -> Result<Response, Problem> {
    match (request.method.as_str(), segments) {
        ("GET", ["openapi.json"]) => Ok(openapi::serve()),
        ("POST", ["oauth", "token"]) => Ok(auth::oauth_token(env, ctx, request)),
        ("POST", ["api", "v1", "auth", "login"]) => auth::login(env, ctx, request),
        ("POST", ["api", "v1", "auth", "logout"]) => auth::logout(env, ctx),
        ("POST", ["api", "v1", "auth", "password", "lost"]) => auth::password_lost(env, ctx, request),
        ("POST", ["api", "v1", "auth", "password", "reset"]) => auth::password_reset(env, ctx, request),
        ("GET", ["api", "v1", "me"]) => auth::me(env, ctx),
        ("POST", ["api", "v1", "me", "password"]) => auth::change_password(env, ctx, request),
        ("GET", ["api", "v1", "permissions"]) => roles::permissions(env, ctx),
        ("GET", ["api", "v1", "audit"]) => audit::list(env, ctx, request),
        ("POST", ["api", "v1", "roles"]) => roles::create(env, ctx, request),
        ("GET", ["api", "v1", "roles"]) => roles::list(env, ctx),
        ("GET", ["api", "v1", "roles", id]) => roles::get(env, ctx, id),
        ("PATCH", ["api", "v1", "roles", id]) => roles::update(env, ctx, request, id),
        ("DELETE", ["api", "v1", "roles", id]) => roles::delete(env, ctx, request, id),
        ("POST", ["api", "v1", "invitations", "accept"]) => accounts::accept(env, ctx, request),
        ("POST", ["api", "v1", "attribute-definitions"]) => accounts::define_attribute(env, ctx, request),
        ("GET", ["api", "v1", "attribute-definitions"]) => accounts::list_attributes(env, ctx),
        ("DELETE", ["api", "v1", "attribute-definitions", name]) => accounts::delete_attribute(env, ctx, name),
        ("POST", ["api", "v1", "accounts"]) => accounts::create(env, ctx, request),
        ("GET", ["api", "v1", "accounts"]) => accounts::list(env, ctx, request),
        ("GET", ["api", "v1", "accounts", id]) => accounts::get(env, ctx, id),
        ("PATCH", ["api", "v1", "accounts", id]) => accounts::update(env, ctx, request, id),
        ("DELETE", ["api", "v1", "accounts", id]) => accounts::delete(env, ctx, request, id),
        ("GET", ["api", "v1", "accounts", id, "members"]) => accounts::list_members(env, ctx, request, id),
        ("PUT", ["api", "v1", "accounts", id, "members", user]) => accounts::put_member(env, ctx, request, id, user),
        ("DELETE", ["api", "v1", "accounts", id, "members", user]) => accounts::delete_member(env, ctx, id, user),
        ("POST", ["api", "v1", "accounts", id, "invitations"]) => accounts::invite(env, ctx, request, id),
        ("POST", ["api", "v1", "accounts", id, "invitations", user, "resend"]) => accounts::resend(env, ctx, id, user),
        ("DELETE", ["api", "v1", "accounts", id, "invitations", user]) => accounts::revoke(env, ctx, id, user),
        ("POST", ["api", "v1", "users"]) => users::create(env, ctx, request),
        ("GET", ["api", "v1", "users"]) => users::list(env, ctx, request),
        ("GET", ["api", "v1", "users", "recap"]) => users::recap(env, ctx, request),
        ("GET", ["api", "v1", "users", id]) => users::get(env, ctx, id),
        ("PATCH", ["api", "v1", "users", id]) => users::update(env, ctx, request, id),
        ("DELETE", ["api", "v1", "users", id]) => users::delete(env, ctx, request, id),
        ("PATCH", ["api", "v1", "users", id, "roles"]) => roles::change_user_roles(env, ctx, request, id),
        ("GET", ["api", "v1", "users", id, "permissions"]) => roles::user_permissions(env, ctx, id),
        ("POST", ["api", "v1", "users", id, "password-reset"]) => auth::reset_password(env, ctx, request, id),
        ("GET", ["api", "v1", "users", id, "lock"]) => auth::lock(env, ctx, id),
        ("DELETE", ["api", "v1", "users", id, "lock"]) => auth::unlock(env, ctx, id),
        ("POST", ["api", "v1", "users", id, "api-keys"]) => auth::create_api_key(env, ctx, request, id),
        ("GET", ["api", "v1", "users", id, "api-keys"]) => auth::list_api_keys(env, ctx, id),
        ("DELETE", ["api", "v1", "users", id, "api-keys", key]) => auth::revoke_api_key(env, ctx, id, key),
        _ => Err(Problem::NoRoute),
    }
}

/// The route a request matched, as a template (`/api/v1/users/{id}`), for the host's
/// request log and metrics; the host removes it before the response leaves.
pub const ROUTE_HEADER: &str = "x-roster-route";
/// The id of the user the request authenticated as, for the host's request log; the host
/// removes it before the response leaves.
pub const CALLER_HEADER: &str = "x-roster-caller";

#[cfg(test)]
mod native_openapi_tests;
#[cfg(test)]
mod tests;
