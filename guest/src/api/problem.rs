//! The one place errors become HTTP responses: RFC 9457 `application/problem+json` with a
//! stable `code` and, for invalid input, one entry per field.

use serde::Serialize;

use super::{Request, Response};
use crate::error::{Error, FieldError};

/// Why a request failed: a service error, or something about the HTTP request itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// A service error.
    Service(Error),
    /// The body is not the JSON the route takes; the text says where it broke.
    MalformedBody(String),
    /// The body's media type is not one the route takes.
    UnsupportedMediaType,
    /// The body is larger than [`super::MAX_BODY_BYTES`].
    BodyTooLarge,
    /// The path exists but not with this method; the text is the `Allow` header.
    MethodNotAllowed(String),
    /// No route has this path.
    NoRoute,
}

impl From<Error> for Problem {
    fn from(err: Error) -> Self {
        Problem::Service(err)
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Body<'a> {
    #[serde(rename = "type")]
    kind: String,
    title: &'static str,
    status: u16,
    detail: String,
    code: &'static str,
    instance: &'a str,
    correlation_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    errors: Option<&'a [FieldError]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    current_version: Option<u64>,
}

/// The response for `problem`. A stale version is 412 when the client used `If-Match`
/// (RFC 9110's precondition) and 409 when it named the version in the body.
pub fn respond(problem: &Problem, request: &Request, correlation_id: &str) -> Response {
    let mut errors = None;
    let mut current_version = None;
    let mut headers = Vec::new();
    let (status, code, title, detail) = match problem {
        Problem::Service(Error::Invalid(fields)) => {
            errors = Some(fields.as_slice());
            (400, "invalid_input", "Invalid input", describe(fields))
        }
        Problem::Service(Error::Duplicate(fields)) => {
            errors = Some(fields.as_slice());
            (409, "duplicate", "Already taken", describe(fields))
        }
        Problem::Service(Error::NotFound) => (404, "not_found", "Not found", "No record has that identifier.".into()),
        Problem::Service(Error::StaleVersion { current }) => {
            current_version = Some(*current);
            let status = if request.header("if-match").is_some() { 412 } else { 409 };
            let detail =
                format!("The record changed; its current version is {current}. Read it again and reapply the change.");
            (status, "stale_version", "Stale version", detail)
        }
        Problem::Service(Error::Unauthenticated) => {
            headers.push(("www-authenticate".to_owned(), "Bearer realm=\"roster\"".to_owned()));
            (401, "unauthenticated", "Unauthenticated", "The request needs valid credentials.".into())
        }
        Problem::Service(Error::PasswordChangeRequired) => (
            403,
            "password_change_required",
            "Password change required",
            "The password is temporary: change it with POST /api/v1/me/password before anything else.".into(),
        ),
        Problem::Service(Error::AccountHasMembers) => (
            409,
            "account_has_members",
            "Account has members",
            "The account still has members or pending invitations; delete it with force=true to remove them too."
                .into(),
        ),
        Problem::Service(Error::BuiltinRole) => {
            (409, "builtin_role", "Built-in role", "Built-in roles cannot be deleted.".into())
        }
        Problem::Service(Error::Forbidden(permission)) => {
            (403, "forbidden", "Forbidden", format!("The caller lacks the permission {permission}."))
        }
        Problem::Service(Error::Unavailable(_)) => {
            headers.push(("retry-after".to_owned(), "1".to_owned()));
            (
                503,
                "unavailable",
                "Service unavailable",
                "The store is unavailable; nothing was written. Retry later.".into(),
            )
        }
        Problem::MalformedBody(why) => (400, "malformed_body", "Malformed body", why.clone()),
        Problem::UnsupportedMediaType => {
            (415, "unsupported_media_type", "Unsupported media type", "The body must be application/json.".into())
        }
        Problem::BodyTooLarge => (
            413,
            "body_too_large",
            "Body too large",
            format!("The body must be at most {} bytes.", super::MAX_BODY_BYTES),
        ),
        Problem::MethodNotAllowed(allow) => {
            headers.push(("allow".to_owned(), allow.clone()));
            (405, "method_not_allowed", "Method not allowed", format!("This path takes {allow}."))
        }
        Problem::NoRoute => (404, "no_route", "Not found", "No route has this path.".into()),
    };
    let body = Body {
        kind: format!("urn:roster:problem:{code}"),
        title,
        status,
        detail,
        code,
        instance: &request.path,
        correlation_id,
        errors,
        current_version,
    };
    let mut response = Response::json(status, &body);
    response.headers = vec![("content-type".to_owned(), "application/problem+json".to_owned())];
    response.headers.extend(headers);
    response
}

fn describe(fields: &[FieldError]) -> String {
    fields.iter().map(|f| format!("{} {}", f.field, f.message)).collect::<Vec<_>>().join("; ")
}
