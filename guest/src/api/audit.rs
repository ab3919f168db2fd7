//! `GET /api/v1/audit`: the audit log, newest first.

use serde_json::json;

use super::problem::Problem;
use super::{Request, Response};
use crate::audit::{self, AuditQuery};
use crate::context::RequestContext;
use crate::env::Env;
use crate::error::{FieldError, FieldErrors};
use crate::model::account::AccountId;
use crate::store::paging::Start;

/// Filters `actor` (a user id, or `operator:<name>`), `target` (`user:<id>`, `role:<id>`, …), `action`,
/// `account`, `from` and `to` (RFC 3339 or dates; `to` exclusive); `limit` with `page` or
/// `cursor`.
pub fn list(env: &Env, ctx: &RequestContext, request: &Request) -> Result<Response, Problem> {
    let mut errors = FieldErrors::new();
    let mut query = AuditQuery { limit: 50, ..AuditQuery::default() };
    let number = |name: &str, value: &str| {
        value.parse::<u32>().map_err(|_| FieldError::new(name, "type", "must be a non-negative integer"))
    };
    for (name, value) in request.query_pairs() {
        match name.as_str() {
            "actor" => {
                query.actor = errors.check(
                    crate::audit::Actor::parse(&value)
                        .ok_or_else(|| FieldError::new("actor", "format", "must be a user id or operator:<name>")),
                )
            }
            "account" => {
                query.account = errors.check(
                    AccountId::parse(&value)
                        .ok_or_else(|| FieldError::new("account", "format", "must be an account id")),
                )
            }
            "target" => query.target = Some(value),
            "action" => query.action = Some(value),
            "from" => query.from = Some(value),
            "to" => query.to = Some(value),
            "limit" => query.limit = errors.check(number("limit", &value)).unwrap_or(query.limit),
            "page" => query.start = errors.check(number("page", &value)).map(Start::Page).or(query.start.take()),
            "cursor" => query.start = Some(Start::Cursor(value)),
            _ => errors.push(FieldError::new(name, "unknown", "is not a parameter of this route")),
        }
    }
    errors.finish(())?;
    let page = audit::list(env, ctx, &query)?;
    Ok(Response::json(200, &json!({"items": page.items, "nextCursor": page.next_cursor, "limit": query.limit})))
}
