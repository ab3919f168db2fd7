//! Authentication routes: login and logout, the caller's own record and password, lost
//! passwords, API keys, locks, and the OAuth 2.0 token endpoint.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;

use super::json::Fields;
use super::problem::Problem;
use super::{Request, Response};
use crate::auth::{self, api_keys};
use crate::context::RequestContext;
use crate::env::Env;
use crate::error::Error;

/// A response that must not be cached: it carries a secret (RFC 6749 §5.1).
fn secret_response(status: u16, value: &impl serde::Serialize) -> Response {
    Response::json(status, value).with_header("cache-control", "no-store").with_header("pragma", "no-cache")
}

/// `POST /api/v1/auth/login` with `{userName, password}`: 200 with a bearer token.
pub fn login(env: &Env, ctx: &RequestContext, request: &Request) -> Result<Response, Problem> {
    let mut fields = Fields::of(request)?;
    let user_name = fields.required("userName");
    let password = fields.required("password");
    fields.finish()?;
    let token = auth::login(env, ctx, &user_name.unwrap_or_default(), &password.unwrap_or_default())?;
    Ok(secret_response(200, &token))
}

/// `POST /api/v1/auth/logout`: 204; the caller's token stops working.
pub fn logout(env: &Env, ctx: &RequestContext) -> Result<Response, Problem> {
    auth::logout(env, ctx)?;
    Ok(Response::empty(204))
}

/// `GET /api/v1/me`: the caller's own record.
pub fn me(env: &Env, ctx: &RequestContext) -> Result<Response, Problem> {
    let user = auth::whoami(env, ctx)?;
    Ok(Response::json(200, &user).with_header("etag", format!("\"{}\"", user.version)))
}

/// `POST /api/v1/me/password` with `{currentPassword, newPassword}`: 204; every session of
/// the caller ends, this one included.
pub fn change_password(env: &Env, ctx: &RequestContext, request: &Request) -> Result<Response, Problem> {
    let mut fields = Fields::of(request)?;
    let current = fields.required("currentPassword");
    let new = fields.required("newPassword");
    fields.finish()?;
    auth::change_password(env, ctx, &current.unwrap_or_default(), &new.unwrap_or_default())?;
    Ok(Response::empty(204))
}

/// `POST /api/v1/users/{id}/password-reset` with `{password}`: 204; the password is
/// temporary and the user's sessions end.
pub fn reset_password(env: &Env, ctx: &RequestContext, request: &Request, id: &str) -> Result<Response, Problem> {
    let mut fields = Fields::of(request)?;
    let password = fields.required("password");
    fields.finish()?;
    auth::reset_password(env, ctx, id, &password.unwrap_or_default())?;
    Ok(Response::empty(204))
}

/// `POST /api/v1/auth/password/lost` with `{email}`: always 202 with the same body.
pub fn password_lost(env: &Env, ctx: &RequestContext, request: &Request) -> Result<Response, Problem> {
    let mut fields = Fields::of(request)?;
    let email = fields.required("email");
    fields.finish()?;
    auth::request_password_reset(env, ctx, &email.unwrap_or_default())?;
    Ok(Response::json(
        202,
        &json!({"status": "accepted", "detail": "If the address belongs to a user, a reset token is on its way."}),
    ))
}

/// `POST /api/v1/auth/password/reset` with `{token, password}`: 204.
pub fn password_reset(env: &Env, ctx: &RequestContext, request: &Request) -> Result<Response, Problem> {
    let mut fields = Fields::of(request)?;
    let token = fields.required("token");
    let password = fields.required("password");
    fields.finish()?;
    auth::reset_password_with_token(env, ctx, &token.unwrap_or_default(), &password.unwrap_or_default())?;
    Ok(Response::empty(204))
}

/// `GET /api/v1/users/{id}/lock`: the user's failed logins and lock.
pub fn lock(env: &Env, ctx: &RequestContext, id: &str) -> Result<Response, Problem> {
    let state = auth::lock_state(env, ctx, id)?;
    let now = env.now().0;
    let locked_until = (state.locked_until > now).then(|| crate::model::time::Millis(state.locked_until).to_rfc3339());
    Ok(Response::json(
        200,
        &json!({"failures": state.failures, "locked": state.is_locked(now), "lockedUntil": locked_until}),
    ))
}

/// `DELETE /api/v1/users/{id}/lock`: 204; the user may log in again.
pub fn unlock(env: &Env, ctx: &RequestContext, id: &str) -> Result<Response, Problem> {
    auth::unlock(env, ctx, id)?;
    Ok(Response::empty(204))
}

/// `POST /api/v1/users/{id}/api-keys` with `{name}`: 201 with the key and, once, its secret.
pub fn create_api_key(env: &Env, ctx: &RequestContext, request: &Request, owner: &str) -> Result<Response, Problem> {
    let mut fields = Fields::of(request)?;
    let name = fields.string("name");
    fields.finish()?;
    let key = api_keys::create(env, ctx, owner, name.as_deref())?;
    Ok(secret_response(201, &key).with_header("location", format!("/api/v1/users/{owner}/api-keys/{}", key.key.id)))
}

/// `GET /api/v1/users/{id}/api-keys`: the user's keys, without secrets.
pub fn list_api_keys(env: &Env, ctx: &RequestContext, owner: &str) -> Result<Response, Problem> {
    Ok(Response::json(200, &json!({"items": api_keys::list(env, ctx, owner)?})))
}

/// `DELETE /api/v1/users/{id}/api-keys/{key}`: 204; its tokens stop working.
pub fn revoke_api_key(env: &Env, ctx: &RequestContext, owner: &str, key: &str) -> Result<Response, Problem> {
    api_keys::revoke(env, ctx, owner, key)?;
    Ok(Response::empty(204))
}

/// `POST /oauth/token`: the OAuth 2.0 client-credentials grant (RFC 6749 §4.4). The client
/// authenticates with HTTP Basic or with `client_id` and `client_secret` in the form.
/// Answers and errors are RFC 6749's own (§5.1, §5.2), not problem documents.
pub fn oauth_token(env: &Env, ctx: &RequestContext, request: &Request) -> Response {
    let oauth_error = |status: u16, error: &str, description: &str| {
        let response = secret_response(status, &json!({"error": error, "error_description": description}));
        if status == 401 { response.with_header("www-authenticate", "Basic realm=\"roster\"") } else { response }
    };
    let media_type =
        request.header("content-type").unwrap_or("").split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if media_type != "application/x-www-form-urlencoded" {
        return oauth_error(400, "invalid_request", "the body must be application/x-www-form-urlencoded");
    }
    let form: Vec<(String, String)> = form_urlencoded::parse(&request.body).into_owned().collect();
    let param = |name: &str| form.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
    match param("grant_type").as_deref() {
        Some("client_credentials") => {}
        Some(_) => return oauth_error(400, "unsupported_grant_type", "only client_credentials is supported"),
        None => return oauth_error(400, "invalid_request", "grant_type is required"),
    }
    let basic = request.header("authorization").and_then(|v| v.strip_prefix("Basic ")).and_then(|encoded| {
        let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
        let (id, secret) = decoded.split_once(':')?;
        // RFC 6749 §2.3.1: both are form-urlencoded before Basic encoding.
        let unescape =
            |s: &str| form_urlencoded::parse(format!("x={s}").as_bytes()).next().map(|(_, v)| v.into_owned());
        Some((unescape(id)?, unescape(secret)?))
    });
    let Some((client_id, secret)) = basic.or_else(|| Some((param("client_id")?, param("client_secret")?))) else {
        return oauth_error(401, "invalid_client", "client authentication is required");
    };
    match auth::exchange_client_credentials(env, ctx, &client_id, &secret) {
        Ok(token) => secret_response(
            200,
            &json!({"access_token": token.access_token, "token_type": token.token_type, "expires_in": token.expires_in}),
        ),
        Err(Error::Unauthenticated) => oauth_error(401, "invalid_client", "unknown client or wrong secret"),
        Err(_) => oauth_error(503, "temporarily_unavailable", "the store is unavailable; retry later"),
    }
}
