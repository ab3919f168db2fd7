//! Seed 002, "Account User Management", under `/v1/account`: invitations into the account
//! named by `x-account-id`, and that account's users paged with `from` and `take`. A thin
//! mapping onto the accounts services (members, invitations).
//!
//! The caller must hold the operation's permission in that account (the built-in
//! `account-admin` role holds them all) or everywhere. A caller without it gets 403 whether
//! the account is another one or none at all: the header names the account, and the answer
//! is the same for both, so nothing about other accounts leaks.

use serde::Serialize;
use serde_json::json;

use super::json::Fields;
use super::problem::Problem;
use super::routes::Route;
use super::{Request, Response};
use crate::access::{Permission, Target, authorize};
use crate::accounts::invitations;
use crate::accounts::members::{self, InvitationStatus, Member};
use crate::auth;
use crate::context::RequestContext;
use crate::env::Env;
use crate::error::{Error, FieldError, FieldErrors};
use crate::model::account::AccountId;
use crate::model::user::UserId;
use crate::store::paging::{MAX_LIMIT, Start};

/// Every route of seed 002.
pub const ROUTES: &[Route] = &[
    ("POST", "/v1/account/invitation/invite"),
    ("POST", "/v1/account/invitation/resend"),
    ("GET", "/v1/account/users"),
    ("GET", "/v1/account/users/{userId}"),
    ("PUT", "/v1/account/users/{userId}"),
    ("DELETE", "/v1/account/users/{userId}"),
];

/// The header that names the account.
pub const ACCOUNT_HEADER: &str = "x-account-id";

/// Answer a request under `/v1/account`; `Err(Problem::NoRoute)` when no route matches.
pub fn route(env: &Env, ctx: &RequestContext, request: &Request, segments: &[&str]) -> Result<Response, Problem> {
    match (request.method.as_str(), segments) {
        ("POST", ["v1", "account", "invitation", "invite"]) => invite(env, ctx, request),
        ("POST", ["v1", "account", "invitation", "resend"]) => resend(env, ctx, request),
        ("GET", ["v1", "account", "users"]) => list(env, ctx, request),
        ("GET", ["v1", "account", "users", user]) => get(env, ctx, user),
        ("PUT", ["v1", "account", "users", user]) => update(env, ctx, request, user),
        ("DELETE", ["v1", "account", "users", user]) => delete(env, ctx, user),
        _ => Err(Problem::NoRoute),
    }
}

/// The account of the request, once the caller is authenticated (401 first), the header
/// present and an account id (400 naming it), and the caller holds `permission` there
/// (403 otherwise).
fn account(env: &Env, ctx: &RequestContext, permission: Permission) -> Result<String, Problem> {
    let caller = auth::caller(env, ctx)?;
    let Some(header) = ctx.account.as_deref().map(str::trim).filter(|h| !h.is_empty()) else {
        return Err(Error::invalid(ACCOUNT_HEADER, "required", "is required: the id of the account").into());
    };
    let account = AccountId::parse(header)
        .ok_or_else(|| Error::invalid(ACCOUNT_HEADER, "format", "must be an account id (a UUID)"))?;
    match authorize(&caller, permission, Target::Account(account)) {
        Ok(()) => Ok(account.to_string()),
        Err(Error::NotFound) => Err(Error::Forbidden(permission.name().to_owned()).into()),
        Err(err) => Err(err.into()),
    }
}

/// An account user as seed 002 shows one. `identity` is the user name; Roster has no
/// single sign-on, so `isSsoUser` is always false.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct AccountUser {
    identity: String,
    user_id: UserId,
    email_address: String,
    roles: Vec<String>,
    invitation_status: InvitationStatus,
    is_sso_user: bool,
}

impl From<Member> for AccountUser {
    fn from(member: Member) -> Self {
        AccountUser {
            identity: member.user.user_name,
            user_id: member.user.id,
            email_address: member.user.email,
            roles: member.membership.roles,
            invitation_status: member.membership.invitation_status,
            is_sso_user: false,
        }
    }
}

/// `POST /v1/account/invitation/invite` with `{emailAddress, roles}`: 201 with `{userId,
/// emailAddress, expiryDate, invitationStatus, roles}`.
fn invite(env: &Env, ctx: &RequestContext, request: &Request) -> Result<Response, Problem> {
    let account = account(env, ctx, Permission::InvitationsCreate)?;
    let mut fields = Fields::of(request)?;
    let email = fields.required("emailAddress");
    let roles = fields.strings("roles").unwrap_or_default();
    fields.finish()?;
    let invitation = invitations::invite(env, ctx, &account, &email.unwrap_or_default(), &roles)?;
    Ok(Response::json(201, &invitation))
}

/// `POST /v1/account/invitation/resend` with `{userId}`: 201 with the renewed invitation;
/// the old token stops working.
fn resend(env: &Env, ctx: &RequestContext, request: &Request) -> Result<Response, Problem> {
    let account = account(env, ctx, Permission::InvitationsUpdate)?;
    let mut fields = Fields::of(request)?;
    let user = fields.required("userId");
    if let Some(user) = &user {
        fields.check(UserId::parse(user).ok_or_else(|| FieldError::new("userId", "format", "must be a UUID")));
    }
    fields.finish()?;
    Ok(Response::json(201, &invitations::resend(env, ctx, &account, &user.unwrap_or_default())?))
}

/// `GET /v1/account/users` with `from` (default 0), `take` (1 to 1000, default 20) and
/// `email` (a part of the address): `{currentPage, pageCount, pageSize, rowCount, results}`,
/// pages counted from 0.
fn list(env: &Env, ctx: &RequestContext, request: &Request) -> Result<Response, Problem> {
    let account = account(env, ctx, Permission::UsersList)?;
    let mut errors = FieldErrors::new();
    let (mut from, mut take, mut email) = (0u64, 20u32, None);
    for (name, value) in request.query_pairs() {
        match name.as_str() {
            "from" => {
                from = errors
                    .check(value.parse().map_err(|_| FieldError::new("from", "type", "must be a non-negative integer")))
                    .unwrap_or(0)
            }
            "take" => match value.parse::<u32>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => take = n,
                _ => errors.push(FieldError::new("take", "range", format!("must be an integer from 1 to {MAX_LIMIT}"))),
            },
            "email" => email = Some(value),
            _ => errors.push(FieldError::new(name, "unknown", "is not a parameter of this route")),
        }
    }
    errors.finish(())?;
    let page = members::list(env, ctx, &account, email.as_deref(), take, &Start::Offset(from))?;
    let row_count = members::count(env, ctx, &account, email.as_deref())?;
    let results: Vec<AccountUser> = page.items.into_iter().map(AccountUser::from).collect();
    Ok(Response::json(
        200,
        &json!({
            "currentPage": from / u64::from(take),
            "pageCount": row_count.div_ceil(u64::from(take)),
            "pageSize": take,
            "rowCount": row_count,
            "results": results,
        }),
    ))
}

/// `GET /v1/account/users/{userId}`: a member or invitee of the account.
fn get(env: &Env, ctx: &RequestContext, user: &str) -> Result<Response, Problem> {
    let account = account(env, ctx, Permission::UsersRead)?;
    Ok(Response::json(200, &AccountUser::from(members::get(env, ctx, &account, user)?)))
}

/// `PUT /v1/account/users/{userId}` with `{roles}`: the user's roles in the account are
/// replaced; 202 without a body.
fn update(env: &Env, ctx: &RequestContext, request: &Request, user: &str) -> Result<Response, Problem> {
    let account = account(env, ctx, Permission::UsersUpdate)?;
    let mut fields = Fields::of(request)?;
    let roles = fields.strings("roles").unwrap_or_default();
    fields.finish()?;
    members::set_roles(env, ctx, &account, user, &roles)?;
    Ok(Response::empty(202))
}

/// `DELETE /v1/account/users/{userId}`: the user leaves the account (a pending invitation
/// is withdrawn); 204.
fn delete(env: &Env, ctx: &RequestContext, user: &str) -> Result<Response, Problem> {
    let account = account(env, ctx, Permission::UsersUpdate)?;
    members::delete(env, ctx, &account, user)?;
    Ok(Response::empty(204))
}

#[cfg(test)]
mod tests;
