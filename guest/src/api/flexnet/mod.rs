//! Seed 000, the FlexNet Operations "User and Account API", under `/users-accounts-api`:
//! users addressed by user name, with per-account roles and expiry dates, custom
//! attributes and contacts; accounts addressed by their short name. A thin mapping of wire
//! names onto the user, account and membership services; every rule is theirs.

mod accounts;
mod users;

use super::problem::Problem;
use super::routes::Route;
use super::{Request, Response};
use crate::context::RequestContext;
use crate::env::Env;
use crate::error::{Error, FieldError, FieldErrors};
use crate::store::paging::{MAX_LIMIT, Start};

/// Every route of this surface.
pub const ROUTES: &[Route] = &[
    ("GET", "/users-accounts-api/v1/users"),
    ("POST", "/users-accounts-api/v1/users"),
    ("GET", "/users-accounts-api/v1/users/{userName}"),
    ("PUT", "/users-accounts-api/v1/users/{userName}"),
    ("DELETE", "/users-accounts-api/v1/users/{userName}"),
    ("GET", "/users-accounts-api/v1/accounts"),
    ("POST", "/users-accounts-api/v1/accounts"),
    ("GET", "/users-accounts-api/v1/accounts/{accountName}"),
    ("PUT", "/users-accounts-api/v1/accounts/{accountName}"),
    ("DELETE", "/users-accounts-api/v1/accounts/{accountName}"),
];

/// Serve a request under `/users-accounts-api`; `Err(Problem::NoRoute)` when no route has it.
pub fn route(env: &Env, ctx: &RequestContext, request: &Request, segments: &[&str]) -> Result<Response, Problem> {
    match (request.method.as_str(), segments) {
        ("GET", ["users-accounts-api", "v1", "users"]) => users::list(env, ctx, request),
        ("POST", ["users-accounts-api", "v1", "users"]) => users::create(env, ctx, request),
        ("GET", ["users-accounts-api", "v1", "users", name]) => users::get(env, ctx, &decoded(name)),
        ("PUT", ["users-accounts-api", "v1", "users", name]) => users::update(env, ctx, request, &decoded(name)),
        ("DELETE", ["users-accounts-api", "v1", "users", name]) => users::delete(env, ctx, &decoded(name)),
        ("GET", ["users-accounts-api", "v1", "accounts"]) => accounts::list(env, ctx, request),
        ("POST", ["users-accounts-api", "v1", "accounts"]) => accounts::create(env, ctx, request),
        ("GET", ["users-accounts-api", "v1", "accounts", name]) => accounts::get(env, ctx, name),
        ("PUT", ["users-accounts-api", "v1", "accounts", name]) => accounts::update(env, ctx, request, name),
        ("DELETE", ["users-accounts-api", "v1", "accounts", name]) => accounts::delete(env, ctx, request, name),
        _ => Err(Problem::NoRoute),
    }
}

/// A path segment with its percent-escapes decoded: user names are email addresses, which
/// clients send as `johndoe@xyz.com` or `johndoe%40xyz.com`. `+` stays a plus.
fn decoded(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Most rows a page holds when `limit` is absent or 0.
const DEFAULT_LIMIT: u32 = 50;

/// The `page` (from 1) and `limit` of a list. The document types both as int32 and its own
/// sample sends `page=0&limit=0`, so 0 means "not given": the first page, 50 rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Paging {
    page: u32,
    limit: u32,
}

impl Default for Paging {
    fn default() -> Self {
        Paging { page: 1, limit: DEFAULT_LIMIT }
    }
}

impl Paging {
    /// Take `page` or `limit`; false for any other parameter.
    fn take(&mut self, name: &str, value: &str, errors: &mut FieldErrors) -> bool {
        let number = |value: &str| {
            value.parse::<u32>().map_err(|_| FieldError::new(name, "type", "must be a non-negative integer"))
        };
        match name {
            "page" => {
                if let Some(page) = errors.check(number(value)) {
                    self.page = page.max(1);
                }
            }
            "limit" => match errors.check(number(value)) {
                Some(0) | None => {}
                Some(limit) if limit > MAX_LIMIT => {
                    errors.push(FieldError::new(name, "range", format!("must be at most {MAX_LIMIT}")))
                }
                Some(limit) => self.limit = limit,
            },
            _ => return false,
        }
        true
    }

    fn start(self) -> Start {
        Start::Page(self.page)
    }
}

/// `sort_order`: `asc` or `desc`, in any case; true for descending.
fn descending(value: &str, errors: &mut FieldErrors) -> bool {
    match value.to_ascii_lowercase().as_str() {
        "asc" => false,
        "desc" => true,
        _ => {
            errors.push(FieldError::new("sort_order", "enum", "must be asc or desc"));
            false
        }
    }
}

/// A service error with its fields named as this API names them: each `(service, wire)`
/// pair renames a field.
fn renamed(err: Error, names: &[(&str, &str)]) -> Error {
    let rename = |list: Vec<FieldError>| -> Vec<FieldError> {
        list.into_iter()
            .map(|mut e| {
                if let Some((_, wire)) = names.iter().find(|(service, _)| *service == e.field) {
                    e.field = (*wire).to_owned();
                }
                e
            })
            .collect()
    };
    match err {
        Error::Invalid(list) => Error::Invalid(rename(list)),
        Error::Duplicate(list) => Error::Duplicate(rename(list)),
        other => other,
    }
}

/// A status as this API writes it: `Active` or `Inactive`.
fn status_name(active: bool) -> &'static str {
    if active { "Active" } else { "Inactive" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_and_limit_zero_mean_the_first_page_of_the_default_size() {
        let mut paging = Paging::default();
        let mut errors = FieldErrors::new();
        assert!(paging.take("page", "0", &mut errors));
        assert!(paging.take("limit", "0", &mut errors));
        assert!(errors.is_empty());
        assert_eq!(paging, Paging { page: 1, limit: DEFAULT_LIMIT });
    }

    #[test]
    fn a_limit_over_the_maximum_is_refused_by_name() {
        let mut errors = FieldErrors::new();
        Paging::default().take("limit", "5000", &mut errors);
        let Err(Error::Invalid(list)) = errors.finish(()) else { panic!("expected invalid") };
        assert_eq!((list[0].field.as_str(), list[0].code), ("limit", "range"));
    }

    #[test]
    fn path_segments_are_percent_decoded_and_plus_stays() {
        assert_eq!(decoded("johndoe%40xyz.com"), "johndoe@xyz.com");
        assert_eq!(decoded("jo+doe@xyz.com"), "jo+doe@xyz.com");
        assert_eq!(decoded("100%"), "100%");
    }

    #[test]
    fn sort_order_takes_either_case() {
        let mut errors = FieldErrors::new();
        assert!(descending("DESC", &mut errors));
        assert!(!descending("asc", &mut errors));
        assert!(errors.is_empty());
    }
}
