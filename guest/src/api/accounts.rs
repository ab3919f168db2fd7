//! Account routes: accounts, their members, invitations into them, and the custom
//! attribute definitions their users are checked against.

use serde_json::json;

use super::json::Fields;
use super::problem::Problem;
use super::users::if_match;
use super::{Request, Response};
use crate::accounts::{self, AccountQuery, invitations, members};
use crate::attributes::{self, AttributeType, NewDefinition, Scope};
use crate::context::RequestContext;
use crate::env::Env;
use crate::error::{FieldError, FieldErrors};
use crate::model::account::{Account, AccountId, AccountPatch, AccountStatus, AccountType, NewAccount};
use crate::store::paging::Start;
use crate::users::query::TextMatch;

fn account_response(status: u16, account: &Account) -> Response {
    Response::json(status, account).with_header("etag", format!("\"{}\"", account.version))
}

fn account_type(fields: &mut Fields, errors: &mut FieldErrors) -> Option<AccountType> {
    fields.string("type").and_then(|text| {
        let parsed = AccountType::parse(&text);
        if parsed.is_none() {
            errors.push(FieldError::new(
                "type",
                "enum",
                "must be HOME, PUBLISHER, CUSTOMER, SELF_REGISTERED, CHANNEL_PARTNER or UNKNOWN",
            ));
        }
        parsed
    })
}

fn account_status(fields: &mut Fields, errors: &mut FieldErrors) -> Option<AccountStatus> {
    fields.string("status").and_then(|text| {
        let parsed = AccountStatus::parse(&text);
        if parsed.is_none() {
            errors.push(FieldError::new("status", "enum", "must be active or inactive"));
        }
        parsed
    })
}

/// `POST /api/v1/accounts`: 201 with the account.
pub fn create(env: &Env, ctx: &RequestContext, request: &Request) -> Result<Response, Problem> {
    let mut fields = Fields::of(request)?;
    let mut errors = FieldErrors::new();
    let input = NewAccount {
        name: fields.string("name"),
        display_name: fields.string("displayName"),
        account_type: account_type(&mut fields, &mut errors),
        status: account_status(&mut fields, &mut errors),
        attributes: fields.attributes("attributes").unwrap_or_default(),
    };
    fields.finish()?;
    errors.finish(())?;
    let account = accounts::create(env, ctx, input)?;
    Ok(account_response(201, &account).with_header("location", format!("/api/v1/accounts/{}", account.id)))
}

/// `GET /api/v1/accounts/{id or name}`.
pub fn get(env: &Env, ctx: &RequestContext, id: &str) -> Result<Response, Problem> {
    Ok(account_response(200, &accounts::get(env, ctx, id)?))
}

/// `PATCH /api/v1/accounts/{id}`: a merge patch; the expected version from `If-Match` or
/// `version`.
pub fn update(env: &Env, ctx: &RequestContext, request: &Request, id: &str) -> Result<Response, Problem> {
    let mut fields = Fields::of(request)?;
    let mut errors = FieldErrors::new();
    let body_version = fields.u64("version");
    let patch = AccountPatch {
        expected_version: if_match(request)?.or(body_version),
        name: fields.string("name"),
        display_name: Some(fields.change("displayName")),
        account_type: account_type(&mut fields, &mut errors),
        status: account_status(&mut fields, &mut errors),
        attributes: fields.attributes("attributes"),
    };
    fields.finish()?;
    errors.finish(())?;
    Ok(account_response(200, &accounts::update(env, ctx, id, patch)?))
}

/// `DELETE /api/v1/accounts/{id}[?force=true]`: 204; 409 while it has members unless forced.
pub fn delete(env: &Env, ctx: &RequestContext, request: &Request, id: &str) -> Result<Response, Problem> {
    let force = request.query_pairs().iter().any(|(name, value)| name == "force" && value == "true");
    accounts::delete(env, ctx, id, if_match(request)?, force)?;
    Ok(Response::empty(204))
}

/// The paging parameters every list shares: `limit`, then `page` or `cursor`.
struct Paging {
    limit: u32,
    start: Start,
}

fn paging(name: &str, value: &str, paging: &mut Paging, errors: &mut FieldErrors) -> bool {
    let number =
        |value: &str| value.parse::<u32>().map_err(|_| FieldError::new(name, "type", "must be a non-negative integer"));
    match name {
        "limit" => paging.limit = errors.check(number(value)).unwrap_or(paging.limit),
        "page" => {
            if let Some(page) = errors.check(number(value))
                && !matches!(paging.start, Start::Cursor(_))
            {
                paging.start = Start::Page(page);
            }
        }
        "cursor" => paging.start = Start::Cursor(value.to_owned()),
        _ => return false,
    }
    true
}

/// `GET /api/v1/accounts`: filters `name` (a prefix when it ends with `*`), `type`,
/// `status`; `sort=name|createdAt`, `order`; `limit` with `page` or `cursor`.
pub fn list(env: &Env, ctx: &RequestContext, request: &Request) -> Result<Response, Problem> {
    let mut errors = FieldErrors::new();
    let mut query = AccountQuery::default();
    let mut page = Paging { limit: query.limit, start: Start::Page(1) };
    for (name, value) in request.query_pairs() {
        if paging(&name, &value, &mut page, &mut errors) {
            continue;
        }
        match name.as_str() {
            "name" => {
                query.name = Some(match value.strip_suffix('*') {
                    Some(prefix) => TextMatch::Prefix(prefix.to_owned()),
                    None => TextMatch::Exact(value.clone()),
                })
            }
            "type" => {
                query.account_type = errors.check(
                    AccountType::parse(&value).ok_or_else(|| FieldError::new("type", "enum", "is not an account type")),
                )
            }
            "status" => {
                query.status = errors.check(
                    AccountStatus::parse(&value)
                        .ok_or_else(|| FieldError::new("status", "enum", "must be active or inactive")),
                )
            }
            "sort" => match value.as_str() {
                "name" => query.by_name = true,
                "createdAt" => query.by_name = false,
                _ => errors.push(FieldError::new("sort", "enum", "must be name or createdAt")),
            },
            "order" => match value.as_str() {
                "asc" => query.descending = false,
                "desc" => query.descending = true,
                _ => errors.push(FieldError::new("order", "enum", "must be asc or desc")),
            },
            _ => errors.push(FieldError::new(name, "unknown", "is not a parameter of this route")),
        }
    }
    errors.finish(())?;
    query.limit = page.limit;
    query.start = page.start;
    let result = accounts::list(env, ctx, &query)?;
    Ok(Response::json(200, &json!({"items": result.items, "nextCursor": result.next_cursor, "limit": query.limit})))
}

/// `GET /api/v1/accounts/{id}/members`: `email` (a part of the address), `limit`, `page` or
/// `cursor`; each item is `{user, membership}`.
pub fn list_members(env: &Env, ctx: &RequestContext, request: &Request, account: &str) -> Result<Response, Problem> {
    let mut errors = FieldErrors::new();
    let mut page = Paging { limit: 50, start: Start::Page(1) };
    let mut email = None;
    for (name, value) in request.query_pairs() {
        if paging(&name, &value, &mut page, &mut errors) {
            continue;
        }
        match name.as_str() {
            "email" => email = Some(value),
            _ => errors.push(FieldError::new(name, "unknown", "is not a parameter of this route")),
        }
    }
    errors.finish(())?;
    let result = members::list(env, ctx, account, email.as_deref(), page.limit, &page.start)?;
    Ok(Response::json(200, &json!({"items": result.items, "nextCursor": result.next_cursor, "limit": page.limit})))
}

/// `PUT /api/v1/accounts/{id}/members/{userId}` with `{roles, expiryDate}`: the membership.
pub fn put_member(
    env: &Env,
    ctx: &RequestContext,
    request: &Request,
    account: &str,
    user: &str,
) -> Result<Response, Problem> {
    let mut fields = Fields::of(request)?;
    let roles = fields.strings("roles").unwrap_or_default();
    let expiry = fields.string("expiryDate");
    fields.finish()?;
    Ok(Response::json(200, &members::put(env, ctx, account, user, &roles, expiry.as_deref())?))
}

/// `DELETE /api/v1/accounts/{id}/members/{userId}`: 204.
pub fn delete_member(env: &Env, ctx: &RequestContext, account: &str, user: &str) -> Result<Response, Problem> {
    members::delete(env, ctx, account, user)?;
    Ok(Response::empty(204))
}

/// `POST /api/v1/accounts/{id}/invitations` with `{emailAddress, roles}`: 201.
pub fn invite(env: &Env, ctx: &RequestContext, request: &Request, account: &str) -> Result<Response, Problem> {
    let mut fields = Fields::of(request)?;
    let email = fields.required("emailAddress");
    let roles = fields.strings("roles").unwrap_or_default();
    fields.finish()?;
    let invitation = invitations::invite(env, ctx, account, &email.unwrap_or_default(), &roles)?;
    Ok(Response::json(201, &invitation))
}

/// `POST /api/v1/accounts/{id}/invitations/{userId}/resend`: 201 with the new expiry.
pub fn resend(env: &Env, ctx: &RequestContext, account: &str, user: &str) -> Result<Response, Problem> {
    Ok(Response::json(201, &invitations::resend(env, ctx, account, user)?))
}

/// `DELETE /api/v1/accounts/{id}/invitations/{userId}`: 204; the token stops working.
pub fn revoke(env: &Env, ctx: &RequestContext, account: &str, user: &str) -> Result<Response, Problem> {
    invitations::revoke(env, ctx, account, user)?;
    Ok(Response::empty(204))
}

/// `POST /api/v1/invitations/accept` with `{token, password, firstName, lastName}`: 200 with
/// the membership. Public.
pub fn accept(env: &Env, ctx: &RequestContext, request: &Request) -> Result<Response, Problem> {
    let mut fields = Fields::of(request)?;
    let token = fields.required("token");
    let password = fields.required("password");
    let first = fields.string("firstName");
    let last = fields.string("lastName");
    fields.finish()?;
    let membership = invitations::accept(
        env,
        ctx,
        &token.unwrap_or_default(),
        &password.unwrap_or_default(),
        first.as_deref(),
        last.as_deref(),
    )?;
    Ok(Response::json(200, &membership))
}

/// `POST /api/v1/attribute-definitions` with `{name, type, values, required, accountId}`:
/// 201 with the definition. `type` is `string`, `number`, `boolean`, `date` or `enum`
/// (with `values`); `accountId` scopes it to that account's members.
pub fn define_attribute(env: &Env, ctx: &RequestContext, request: &Request) -> Result<Response, Problem> {
    let mut fields = Fields::of(request)?;
    let mut errors = FieldErrors::new();
    let name = fields.string("name");
    let values = fields.strings("values");
    let value_type = fields.string("type").and_then(|t| match t.as_str() {
        "string" => Some(AttributeType::String),
        "number" => Some(AttributeType::Number),
        "boolean" => Some(AttributeType::Boolean),
        "date" => Some(AttributeType::Date),
        "enum" => Some(AttributeType::Enum(values.clone().unwrap_or_default())),
        _ => {
            errors.push(FieldError::new("type", "enum", "must be string, number, boolean, date or enum"));
            None
        }
    });
    let required = fields.bool("required").unwrap_or(false);
    let scope = fields.string("accountId").map(|id| match AccountId::parse(&id) {
        Some(account) => Scope::Account(account),
        None => {
            errors.push(FieldError::new("accountId", "format", "must be an account id"));
            Scope::AllUsers
        }
    });
    fields.finish()?;
    errors.finish(())?;
    let definition = attributes::create(env, ctx, NewDefinition { name, value_type, required, scope })?;
    Ok(Response::json(201, &definition))
}

/// `GET /api/v1/attribute-definitions`.
pub fn list_attributes(env: &Env, ctx: &RequestContext) -> Result<Response, Problem> {
    Ok(Response::json(200, &json!({"items": attributes::list(env, ctx)?})))
}

/// `DELETE /api/v1/attribute-definitions/{name}`: 204.
pub fn delete_attribute(env: &Env, ctx: &RequestContext, name: &str) -> Result<Response, Problem> {
    attributes::delete(env, ctx, name)?;
    Ok(Response::empty(204))
}
