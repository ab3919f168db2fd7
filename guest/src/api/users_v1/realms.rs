//! Seed 003's lost-password pair, per realm: a realm is an account, named by its name, and
//! only its active members get (and can use) a reset token. Public routes: the mailed
//! token is the credential.

use serde_json::json;

use super::super::json::Fields;
use super::super::problem::Problem;
use super::super::{Request, Response};
use super::limits;
use crate::auth;
use crate::context::RequestContext;
use crate::env::Env;
use crate::error::FieldErrors;

/// `POST /users-api/v1/realms/{realm}/password/lost` with `{email}`: always 202 with the
/// same body, whether or not the address belongs to a member of the realm.
pub fn lost(env: &Env, ctx: &RequestContext, request: &Request, realm: &str) -> Result<Response, Problem> {
    let mut fields = Fields::of(request)?;
    let email = fields.required("email");
    let mut errors = FieldErrors::new();
    if let Some(email) = &email {
        limits::check("email", email, &mut errors);
    }
    fields.finish_with(errors)?;
    let email = email.unwrap_or_default();
    auth::request_password_reset_in(env, ctx, &email, Some(realm))?;
    Ok(Response::json(
        202,
        &json!({"status": "accepted", "detail": "If the address belongs to a user, a reset token is on its way."}),
    ))
}

/// `POST /users-api/v1/realms/{realm}/password/reset/{token}` with `{password}`: 204.
pub fn reset(
    env: &Env,
    ctx: &RequestContext,
    request: &Request,
    realm: &str,
    token: &str,
) -> Result<Response, Problem> {
    let mut fields = Fields::of(request)?;
    let password = fields.required("password");
    let mut errors = FieldErrors::new();
    if let Some(password) = &password {
        limits::check("password", password, &mut errors);
    }
    fields.finish_with(errors)?;
    let password = password.unwrap_or_default();
    auth::reset_password_with_token_in(env, ctx, token, &password, Some(realm))?;
    Ok(Response::empty(204))
}
