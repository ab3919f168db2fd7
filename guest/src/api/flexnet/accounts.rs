//! Seed 000's accounts: `/users-accounts-api/v1/accounts`, addressed by `accountName` (the
//! unique short name the document's `accountRoles[].accountName` uses) or by `accountId`.
//! The document names these operations without detail; they take and give the same names
//! as its user filters: `accountId`, `accountName`, `accountType`, and `status`.

use serde_json::{Value, json};

use super::super::json::Fields;
use super::super::problem::Problem;
use super::super::{Request, Response};
use super::{Paging, descending, renamed, status_name};
use crate::accounts::{self, AccountQuery};
use crate::context::RequestContext;
use crate::env::Env;
use crate::error::{FieldError, FieldErrors};
use crate::model::account::{Account, AccountPatch, AccountStatus, AccountType, NewAccount};
use crate::model::user::Change;
use crate::users::query::TextMatch;

/// Fields the server sets.
const READ_ONLY: [&str; 3] = ["accountId", "createdAt", "updatedAt"];

/// An account as this API shows it.
fn account_json(account: &Account) -> Value {
    json!({
        "accountId": account.id,
        "accountName": account.name,
        "displayName": account.display_name,
        "accountType": account.account_type,
        "status": status_name(account.status == AccountStatus::Active),
        "attributes": account.attributes,
        "createdAt": account.created_at,
        "updatedAt": account.updated_at,
    })
}

/// A service error with the account's fields named as this API names them.
fn wire_errors(err: crate::error::Error) -> crate::error::Error {
    renamed(err, &[("name", "accountName")])
}

fn account_type(fields: &mut Fields, errors: &mut FieldErrors) -> Option<AccountType> {
    let text = fields.string("accountType")?;
    AccountType::parse(&text).or_else(|| {
        errors.push(FieldError::new(
            "accountType",
            "enum",
            "must be HOME, PUBLISHER, CUSTOMER, SELF_REGISTERED, CHANNEL_PARTNER or UNKNOWN",
        ));
        None
    })
}

fn status(fields: &mut Fields, errors: &mut FieldErrors) -> Option<AccountStatus> {
    let text = fields.string("status")?;
    AccountStatus::parse(&text).or_else(|| {
        errors.push(FieldError::new("status", "enum", "must be Active or Inactive"));
        None
    })
}

/// `POST /users-accounts-api/v1/accounts` with `{accountName, displayName, accountType,
/// status, attributes}`: 201 with the account and its `Location`.
pub fn create(env: &Env, ctx: &RequestContext, request: &Request) -> Result<Response, Problem> {
    let mut fields = Fields::of(request)?;
    let mut errors = FieldErrors::new();
    fields.read_only(&READ_ONLY);
    let input = NewAccount {
        name: fields.required("accountName"),
        display_name: fields.string("displayName"),
        account_type: account_type(&mut fields, &mut errors),
        status: status(&mut fields, &mut errors),
        attributes: fields.attributes("attributes").unwrap_or_default(),
    };
    fields.finish_with(errors)?;
    let account = accounts::create(env, ctx, input).map_err(wire_errors)?;
    let location = format!("/users-accounts-api/v1/accounts/{}", account.name);
    Ok(Response::json(201, &account_json(&account)).with_header("location", location))
}

/// `GET /users-accounts-api/v1/accounts/{accountName}` (or its `accountId`).
pub fn get(env: &Env, ctx: &RequestContext, name: &str) -> Result<Response, Problem> {
    Ok(Response::json(200, &account_json(&accounts::get(env, ctx, name)?)))
}

/// `PUT /users-accounts-api/v1/accounts/{accountName}`: the fields given replace, the others
/// stay; `displayName: null` clears it.
pub fn update(env: &Env, ctx: &RequestContext, request: &Request, name: &str) -> Result<Response, Problem> {
    let mut fields = Fields::of(request)?;
    let mut errors = FieldErrors::new();
    fields.read_only(&READ_ONLY);
    let patch = AccountPatch {
        expected_version: None,
        name: fields.string("accountName"),
        display_name: Some(fields.change("displayName")).filter(|c| *c != Change::Keep),
        account_type: account_type(&mut fields, &mut errors),
        status: status(&mut fields, &mut errors),
        attributes: fields.attributes("attributes"),
    };
    fields.finish_with(errors)?;
    let account = accounts::update(env, ctx, name, patch).map_err(wire_errors)?;
    Ok(Response::json(200, &account_json(&account)))
}

/// `DELETE /users-accounts-api/v1/accounts/{accountName}[?force=true]`: 204; while the
/// account has members, 409 `account_has_members` unless forced.
pub fn delete(env: &Env, ctx: &RequestContext, request: &Request, name: &str) -> Result<Response, Problem> {
    let force = request.query_pairs().iter().any(|(n, v)| n == "force" && v == "true");
    accounts::delete(env, ctx, name, None, force)?;
    Ok(Response::empty(204))
}

/// `GET /users-accounts-api/v1/accounts`: filters `accountName` (a prefix when it ends with
/// `*`), `accountType`, `status`; `sort_by=accountName|createdAt`, `sort_order`, `page`,
/// `limit`. Answers `{accounts, page, limit}`.
pub fn list(env: &Env, ctx: &RequestContext, request: &Request) -> Result<Response, Problem> {
    let mut errors = FieldErrors::new();
    let mut query = AccountQuery::default();
    let mut paging = Paging::default();
    for (name, value) in request.query_pairs() {
        if paging.take(&name, &value, &mut errors) {
            continue;
        }
        match name.as_str() {
            "accountName" => {
                query.name = Some(match value.strip_suffix('*') {
                    Some(prefix) => TextMatch::Prefix(prefix.to_owned()),
                    None => TextMatch::Exact(value.clone()),
                })
            }
            "accountType" => {
                query.account_type = errors.check(
                    AccountType::parse(&value).ok_or_else(|| FieldError::new(&name, "enum", "is not an account type")),
                )
            }
            "status" => {
                query.status = errors.check(
                    AccountStatus::parse(&value)
                        .ok_or_else(|| FieldError::new(&name, "enum", "must be active or inactive")),
                )
            }
            "sort_by" => match value.as_str() {
                "accountName" => query.by_name = true,
                "createdAt" => query.by_name = false,
                _ => errors.push(FieldError::new(&name, "enum", "must be accountName or createdAt")),
            },
            "sort_order" => query.descending = descending(&value, &mut errors),
            _ => errors.push(FieldError::new(&name, "unknown", "is not a parameter of this route")),
        }
    }
    errors.finish(())?;
    query.limit = paging.limit;
    query.start = paging.start();
    let page = accounts::list(env, ctx, &query)?;
    let items: Vec<Value> = page.items.iter().map(account_json).collect();
    Ok(Response::json(200, &json!({"accounts": items, "page": paging.page, "limit": paging.limit})))
}
