//! The native user routes under `/api/v1/users`.

use serde::Serialize;

use super::json::Fields;
use super::problem::Problem;
use super::{Request, Response};
use crate::context::RequestContext;
use crate::env::Env;
use crate::error::{Error, FieldError, FieldErrors};
use crate::model::user::{Change, NewUser, TextField, User, UserPatch, UserStatus};
use crate::users::{self, query};
use query::{Query, SortField, Start, TextMatch};

/// Fields the server sets; a request may not.
const READ_ONLY: [&str; 3] = ["id", "createdAt", "updatedAt"];

/// `POST /api/v1/users`: 201 with the user, its `Location` and `ETag`.
pub fn create(env: &Env, ctx: &RequestContext, request: &Request) -> Result<Response, Problem> {
    let mut fields = Fields::of(request)?;
    fields.read_only(&READ_ONLY);
    fields.read_only(&["version"]);
    let input = NewUser {
        user_name: fields.string("userName"),
        email: fields.string("email"),
        password: fields.string("password"),
        temporary_password: fields.bool("temporaryPassword").unwrap_or(false),
        text: TextField::ALL.iter().filter_map(|f| fields.string(f.name()).map(|v| (*f, v))).collect(),
        status: fields.status("status"),
        can_login: fields.bool("canLogin"),
        shared: fields.bool("shared"),
        opt_in: fields.bool("optIn"),
        attributes: fields.attributes("attributes").unwrap_or_default(),
        preferences: match fields.value("preferences") {
            Change::Set(value) => Some(value),
            Change::Keep | Change::Clear => None,
        },
    };
    fields.finish()?;
    let user = users::create(env, ctx, input)?;
    Ok(user_response(201, &user).with_header("location", format!("/api/v1/users/{}", user.id)))
}

/// `GET /api/v1/users/{id}`.
pub fn get(env: &Env, ctx: &RequestContext, id: &str) -> Result<Response, Problem> {
    Ok(user_response(200, &users::get(env, ctx, id)?))
}

/// `PATCH /api/v1/users/{id}`: a JSON merge patch (RFC 7396). The expected version comes
/// from `If-Match` or a `version` field.
pub fn update(env: &Env, ctx: &RequestContext, request: &Request, id: &str) -> Result<Response, Problem> {
    let mut fields = Fields::of(request)?;
    fields.read_only(&READ_ONLY);
    let body_version = fields.u64("version");
    let patch = UserPatch {
        expected_version: if_match(request)?.or(body_version),
        user_name: fields.string("userName"),
        email: fields.string("email"),
        text: TextField::ALL.iter().map(|f| (*f, fields.change(f.name()))).collect(),
        status: fields.status("status"),
        can_login: fields.bool("canLogin"),
        shared: fields.bool("shared"),
        opt_in: fields.bool("optIn"),
        attributes: fields.attributes("attributes"),
        preferences: fields.value("preferences"),
    };
    fields.finish()?;
    Ok(user_response(200, &users::update(env, ctx, id, patch)?))
}

/// `DELETE /api/v1/users/{id}`: 204; honours `If-Match`.
pub fn delete(env: &Env, ctx: &RequestContext, request: &Request, id: &str) -> Result<Response, Problem> {
    users::delete(env, ctx, id, if_match(request)?)?;
    Ok(Response::empty(204))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PageBody<'a> {
    items: &'a [serde_json::Value],
    next_cursor: Option<&'a str>,
    limit: u32,
}

/// `GET /api/v1/users/recap?target=FIELD` with the list's filters: `{items: [{targetValue,
/// count}], totalItems}`, counts of the matching users by the value of one field.
pub fn recap(env: &Env, ctx: &RequestContext, request: &Request) -> Result<Response, Problem> {
    let mut pairs = request.query_pairs();
    let target = pairs.iter().position(|(name, _)| name == "target").map(|i| pairs.remove(i).1);
    let Some(target) = target else {
        return Err(Error::invalid("target", "required", "names the field to count by").into());
    };
    let query = parse_query(&pairs)?;
    let counts = users::recap(env, ctx, &query, &target)?;
    let total: u64 = counts.iter().map(|(_, n)| n).sum();
    let items: Vec<serde_json::Value> =
        counts.into_iter().map(|(value, count)| serde_json::json!({"targetValue": value, "count": count})).collect();
    Ok(Response::json(200, &serde_json::json!({"items": items, "totalItems": total})))
}

/// `GET /api/v1/users`: filters `userName`, `email`, `displayName` (exact, or a prefix when
/// the value ends with `*`) and `status`; `sort` and `order`; `limit` with `page` or `cursor`.
pub fn list(env: &Env, ctx: &RequestContext, request: &Request) -> Result<Response, Problem> {
    let mut pairs = request.query_pairs();
    let fields = select_fields(&mut pairs)?;
    let query = parse_query(&pairs)?;
    let page = users::list(env, ctx, &query)?;
    let items = project(&page.items, &fields);
    let body = PageBody { items: &items, next_cursor: page.next_cursor.as_deref(), limit: query.limit };
    Ok(Response::json(200, &body))
}

/// Take the `fields` parameters (comma-separated or repeated; seed 003's `target`) out of
/// `pairs`: the user fields to return, or none for all.
fn select_fields(pairs: &mut Vec<(String, String)>) -> Result<Vec<String>, Error> {
    let mut fields = Vec::new();
    pairs.retain(|(name, value)| {
        let selecting = name == "fields";
        if selecting {
            fields.extend(value.split(',').map(str::trim).filter(|f| !f.is_empty()).map(str::to_owned));
        }
        !selecting
    });
    let known = serde_json::to_value(sample()).expect("users serialize");
    let mut errors = FieldErrors::new();
    for field in &fields {
        if known.get(field).is_none() {
            errors.push(FieldError::new("fields", "unknown_field", format!("{field} is not a user field")));
        }
    }
    errors.finish(fields)
}

fn sample() -> User {
    users::validate_new(
        NewUser { email: Some("sample@example.com".into()), ..NewUser::default() },
        crate::model::user::UserId::generate(),
        String::new(),
    )
    .expect("the sample user is valid")
    .0
}

/// The users as JSON, with only `fields` when any are named.
fn project(items: &[User], fields: &[String]) -> Vec<serde_json::Value> {
    items
        .iter()
        .map(|user| {
            let full = serde_json::to_value(user).expect("users serialize");
            if fields.is_empty() {
                return full;
            }
            let serde_json::Value::Object(map) = full else { unreachable!("a user is a JSON object") };
            serde_json::Value::Object(map.into_iter().filter(|(k, _)| fields.contains(k)).collect())
        })
        .collect()
}

fn parse_query(pairs: &[(String, String)]) -> Result<Query, Error> {
    let mut errors = FieldErrors::new();
    let mut user_name = None;
    let mut email = None;
    let mut display_name = None;
    let mut status = None;
    let mut sort = None;
    let mut descending = false;
    let mut limit = Query::default().limit;
    let mut start = Start::Page(1);
    let number = |name: &str, value: &str| {
        value.parse::<u32>().map_err(|_| FieldError::new(name, "type", "must be a non-negative integer"))
    };
    for (name, value) in pairs {
        match name.as_str() {
            "userName" => user_name = Some(text_match(value)),
            "email" => email = Some(text_match(value)),
            "displayName" => display_name = Some(text_match(value)),
            "status" => {
                status = errors.check(
                    UserStatus::parse(value).ok_or_else(|| FieldError::new(name, "enum", "must be active or inactive")),
                )
            }
            "sort" => sort = errors.check(sort_field(value)),
            "order" => match value.as_str() {
                "asc" => descending = false,
                "desc" => descending = true,
                _ => errors.push(FieldError::new(name, "enum", "must be asc or desc")),
            },
            "limit" => limit = errors.check(number(name, value)).unwrap_or(limit),
            "page" => {
                if let Some(page) = errors.check(number(name, value))
                    && !matches!(start, Start::Cursor(_))
                {
                    start = Start::Page(page);
                }
            }
            "cursor" => start = Start::Cursor(value.clone()),
            _ => errors.push(FieldError::new(name, "unknown", "is not a parameter of this route")),
        }
    }
    let sort = sort.unwrap_or_else(|| Query::default_sort(&user_name, &email, &display_name));
    errors.finish(Query { user_name, email, display_name, status, sort, descending, limit, start })
}

fn text_match(value: &str) -> TextMatch {
    match value.strip_suffix('*') {
        Some(prefix) => TextMatch::Prefix(prefix.to_owned()),
        None => TextMatch::Exact(value.to_owned()),
    }
}

fn sort_field(value: &str) -> Result<SortField, FieldError> {
    Ok(match value {
        "createdAt" => SortField::CreatedAt,
        "userName" => SortField::UserName,
        "email" => SortField::Email,
        "displayName" => SortField::DisplayName,
        "status" => SortField::Status,
        _ => return Err(FieldError::new("sort", "enum", "must be createdAt, userName, email, displayName or status")),
    })
}

/// The version named by `If-Match` (`"3"`, `W/"3"` or `3`); `*` names none.
pub fn if_match(request: &Request) -> Result<Option<u64>, Error> {
    let Some(value) = request.header("if-match") else { return Ok(None) };
    let value = value.trim();
    if value == "*" {
        return Ok(None);
    }
    let tag = value.strip_prefix("W/").unwrap_or(value).trim_matches('"');
    tag.parse()
        .map(Some)
        .map_err(|_| Error::invalid("If-Match", "format", "must be an ETag this server sent, such as \"3\""))
}

fn user_response(status: u16, user: &User) -> Response {
    Response::json(status, user).with_header("etag", format!("\"{}\"", user.version))
}
