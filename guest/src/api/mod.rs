//! The REST API, served by the component itself: plain requests in, plain responses out.
//!
//! `component::http` turns `wasi:http` into a [`Request`] and a [`Response`] back; routing is
//! one `match` on method and path, with a small function per route.

pub mod json;
pub mod problem;
pub mod users;

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
    let result = match (request.method.as_str(), segments.as_slice()) {
        ("POST", ["api", "v1", "users"]) => users::create(env, &ctx, request),
        ("GET", ["api", "v1", "users"]) => users::list(env, &ctx, request),
        ("GET", ["api", "v1", "users", id]) => users::get(env, &ctx, id),
        ("PATCH", ["api", "v1", "users", id]) => users::update(env, &ctx, request, id),
        ("DELETE", ["api", "v1", "users", id]) => users::delete(env, &ctx, request, id),
        (_, ["api", "v1", "users"]) => Err(Problem::MethodNotAllowed("GET, POST")),
        (_, ["api", "v1", "users", _]) => Err(Problem::MethodNotAllowed("GET, PATCH, DELETE")),
        _ => Err(Problem::NoRoute),
    };
    result
        .unwrap_or_else(|problem| problem::respond(&problem, request, &ctx.correlation_id))
        .with_header("x-correlation-id", ctx.correlation_id)
}

#[cfg(test)]
mod tests;
