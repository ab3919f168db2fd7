//! Seed 003's users: `/users-api/v1/users`. `status` is `ENABLED`/`DISABLED` (Roster's
//! active/inactive), `customerId` the user's home account, `authorizedCustomerIds` the
//! other accounts the user is an active member of, `dbVersion` the record's version.

use serde_json::{Map, Value, json};

use super::super::json::Fields;
use super::super::problem::Problem;
use super::super::{Request, Response};
use super::limits;
use crate::accounts::assignments::{Assignment, Unlisted};
use crate::context::RequestContext;
use crate::env::Env;
use crate::error::{Error, FieldError, FieldErrors};
use crate::model::user::{Change, NewUser, TextField, UserPatch, UserStatus};
use crate::store::paging::MAX_LIMIT;
use crate::users::directory::{self, Detailed, MemberOf};
use crate::users::grants::Grants;
use crate::users::query::{Query, SortField, Start, TextMatch};
use crate::users::{self};

/// Fields a client may send that the server sets or does not keep (the document marks most
/// deprecated); they are accepted and ignored, so its own sample goes through.
const IGNORED: [&str; 9] = [
    "id",
    "createDate",
    "updateDate",
    "modelVersion",
    "dbVersion",
    "lastUpdateReason",
    "originalId",
    "token",
    "emails",
];

/// The fields of a user as this API shows it, in order; `target` selects among them.
const FIELDS: [&str; 15] = [
    "id",
    "customerId",
    "createDate",
    "updateDate",
    "dbVersion",
    "email",
    "firstName",
    "lastName",
    "locale",
    "inactive",
    "status",
    "userName",
    "roleIds",
    "authorizedCustomerIds",
    "preferences",
];

/// `ENABLED` or `DISABLED`.
fn status_name(status: UserStatus) -> &'static str {
    match status {
        UserStatus::Active => "ENABLED",
        UserStatus::Inactive => "DISABLED",
    }
}

fn parse_status(field: &str, value: &str) -> Result<UserStatus, FieldError> {
    match value {
        "ENABLED" => Ok(UserStatus::Active),
        "DISABLED" => Ok(UserStatus::Inactive),
        _ => Err(FieldError::new(field, "enum", "must be ENABLED or DISABLED")),
    }
}

/// A user as this API shows it. Secrets (`password`, `token`, `secretKeys`) are never
/// returned.
fn user_json(detailed: &Detailed) -> Map<String, Value> {
    let user = &detailed.user;
    let home = detailed.accounts.iter().find(|m| m.home).map(|m| m.account_id);
    let authorized: Vec<_> = detailed.accounts.iter().filter(|m| !m.home && m.active).map(|m| m.account_id).collect();
    let json = json!({
        "id": user.id,
        "customerId": home,
        "createDate": user.created_at,
        "updateDate": user.updated_at,
        "dbVersion": user.version,
        "email": user.email,
        "firstName": user.first_name,
        "lastName": user.last_name,
        "locale": user.locale,
        "inactive": user.status == UserStatus::Inactive,
        "status": status_name(user.status),
        "userName": user.user_name,
        "roleIds": user.roles,
        "authorizedCustomerIds": authorized,
        "preferences": user.preferences.clone().unwrap_or_default(),
    });
    let Value::Object(map) = json else { unreachable!("a user is a JSON object") };
    map
}

/// Only the `targets`' fields of `user`, or all of them when none is named.
fn select(mut user: Map<String, Value>, targets: &[String]) -> Value {
    if !targets.is_empty() {
        user.retain(|key, _| targets.iter().any(|t| t == key));
    }
    Value::Object(user)
}

/// `GET /users-api/v1/users/{id}`, with optional `target`s.
pub fn get(env: &Env, ctx: &RequestContext, request: &Request, id: &str) -> Result<Response, Problem> {
    let mut targets = Vec::new();
    let mut errors = FieldErrors::new();
    for (name, value) in request.query_pairs() {
        match name.as_str() {
            "target" => targets.push(value),
            _ => errors.push(FieldError::new(name, "unknown", "is not a parameter of this route")),
        }
    }
    check_targets(&targets, &mut errors);
    errors.finish(())?;
    let detailed = directory::get_detailed(env, ctx, id, false)?;
    Ok(Response::json(200, &select(user_json(&detailed), &targets)))
}

fn check_targets(targets: &[String], errors: &mut FieldErrors) {
    for target in targets {
        if !FIELDS.contains(&target.as_str()) {
            errors.push(FieldError::new("target", "unknown_field", format!("{target} is not a user field")));
        }
    }
}

/// The memberships a body names: `customerId` (the home account) and the unique
/// `authorizedCustomerIds` (with `authorizedCustomers[].customerId`); `None` for a list
/// the body does not carry.
fn customer_grants(
    customer: Option<String>,
    authorized: Option<Vec<String>>,
    errors: &mut FieldErrors,
) -> (Vec<Assignment>, bool) {
    let mut grants = Vec::new();
    if let Some(customer) = &customer {
        grants.push(Assignment {
            account: customer.clone(),
            account_field: "customerId".into(),
            roles: None,
            home: true,
            ..Assignment::default()
        });
    }
    let listed = authorized.is_some();
    let mut seen: Vec<String> = Vec::new();
    for (i, id) in authorized.unwrap_or_default().into_iter().enumerate() {
        let field = format!("authorizedCustomerIds[{i}]");
        if seen.contains(&id) {
            errors.push(FieldError::new(field, "duplicate", "must be unique"));
            continue;
        }
        seen.push(id.clone());
        // The home account is a right already: listing it again adds nothing.
        if customer.as_deref() != Some(id.as_str()) {
            grants.push(Assignment { account: id, account_field: field, roles: None, ..Assignment::default() });
        }
    }
    (grants, listed)
}

/// Read `authorizedCustomerIds` and the document's `authorizedCustomers[].customerId`.
fn authorized_ids(fields: &mut Fields, errors: &mut FieldErrors) -> Option<Vec<String>> {
    let mut ids = fields.strings("authorizedCustomerIds");
    if let Change::Set(value) = fields.value("authorizedCustomers") {
        let items = value.as_array().cloned().unwrap_or_default();
        if !value.is_array() {
            errors.push(FieldError::new("authorizedCustomers", "type", "must be a list of {customerId, name}"));
        }
        for (i, item) in items.iter().enumerate() {
            // The same customer in both lists is one right, not a duplicate.
            match item.get("customerId").and_then(Value::as_str) {
                Some(id) if ids.as_ref().is_some_and(|ids| ids.iter().any(|known| known == id)) => {}
                Some(id) => ids.get_or_insert_with(Vec::new).push(id.to_owned()),
                None => errors.push(FieldError::new(
                    format!("authorizedCustomers[{i}].customerId"),
                    "required",
                    "is required",
                )),
            }
        }
    }
    ids
}

/// The required text fields of a create or update, each checked against this surface's
/// limits.
fn required_texts(fields: &mut Fields, names: &[&str], errors: &mut FieldErrors) -> Vec<Option<String>> {
    names
        .iter()
        .map(|name| {
            let value = fields.required(name);
            if let Some(value) = &value {
                limits::check(name, value, errors);
            }
            value
        })
        .collect()
}

fn required_status(fields: &mut Fields, errors: &mut FieldErrors) -> Option<UserStatus> {
    let value = fields.required("status")?;
    errors.check(parse_status("status", &value))
}

/// `POST /users-api/v1/users`: 201 with the user and its `Location`.
pub fn create(env: &Env, ctx: &RequestContext, request: &Request) -> Result<Response, Problem> {
    let mut fields = Fields::of(request)?;
    let mut errors = FieldErrors::new();
    for name in IGNORED {
        let _ = fields.value(name);
    }
    let status = required_status(&mut fields, &mut errors);
    let [email, first, last, user_name, password]: [Option<String>; 5] =
        required_texts(&mut fields, &["email", "firstName", "lastName", "userName", "password"], &mut errors)
            .try_into()
            .expect("five names give five values");
    let customer = fields.string("customerId");
    let authorized = authorized_ids(&mut fields, &mut errors);
    let preferences = match fields.value("preferences") {
        Change::Set(value) => Some(value),
        Change::Keep | Change::Clear => None,
    };
    let (grants, _) = customer_grants(customer, authorized, &mut errors);
    fields.finish_with(errors)?;
    let text = [(TextField::FirstName, first), (TextField::LastName, last)]
        .into_iter()
        .filter_map(|(field, value)| value.map(|v| (field, v)))
        .collect();
    let input = NewUser { user_name, email, password, text, status, preferences, ..NewUser::default() };
    let grants = Grants { memberships: grants, ..Grants::default() };
    let user = users::create_with(env, ctx, input, &grants)?;
    let detailed = directory::get_detailed(env, ctx, &user.id.to_string(), false)?;
    Ok(Response::json(201, &Value::Object(user_json(&detailed)))
        .with_header("location", format!("/users-api/v1/users/{}", user.id)))
}

/// `PUT /users-api/v1/users/{id}` with `{customerId, email, firstName, lastName, userName,
/// status, authorizedCustomerIds}`: 200 with the user. `customerId` given moves the home
/// account; `authorizedCustomerIds` given is the whole list of the other accounts.
pub fn update(env: &Env, ctx: &RequestContext, request: &Request, id: &str) -> Result<Response, Problem> {
    let mut fields = Fields::of(request)?;
    let mut errors = FieldErrors::new();
    let status = required_status(&mut fields, &mut errors);
    let [email, first, last, user_name]: [Option<String>; 4] =
        required_texts(&mut fields, &["email", "firstName", "lastName", "userName"], &mut errors)
            .try_into()
            .expect("four names give four values");
    let customer = fields.string("customerId");
    let authorized = authorized_ids(&mut fields, &mut errors);
    let (grants, listed) = customer_grants(customer, authorized, &mut errors);
    fields.finish_with(errors)?;
    let text = [(TextField::FirstName, first), (TextField::LastName, last)]
        .into_iter()
        .filter_map(|(field, value)| value.map(|v| (field, Change::Set(v))))
        .collect();
    let patch = UserPatch { user_name, email, text, status, ..UserPatch::default() };
    let unlisted = if listed { Unlisted::RemoveExceptHome } else { Unlisted::Keep };
    users::update_with(env, ctx, id, patch, &Grants { memberships: grants, unlisted, ..Grants::default() })?;
    Ok(Response::json(200, &Value::Object(user_json(&directory::get_detailed(env, ctx, id, false)?))))
}

/// Spring's pageable: `page` from 0, `size` (default 20), `sort=field[,asc|desc]`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Pageable {
    page: u32,
    size: u32,
}

/// A list's query: predicates, pageable and `target`s.
#[derive(Debug)]
struct ListRequest {
    query: Query,
    member_of: MemberOf,
    pageable: Pageable,
    /// The fields to return; on the recap route, the one field to count by.
    targets: Vec<String>,
}

fn parse_list(pairs: &[(String, String)], recap: bool) -> Result<ListRequest, Error> {
    let mut errors = FieldErrors::new();
    let mut query = Query::default();
    let mut member_of = MemberOf::default();
    let mut pageable = Pageable { page: 0, size: 20 };
    let mut sort = None;
    let mut targets = Vec::new();
    let number = |name: &str, value: &str| {
        value.parse::<u32>().map_err(|_| FieldError::new(name, "type", "must be a non-negative integer"))
    };
    for (name, value) in pairs {
        let text_match = || match value.strip_suffix('*') {
            Some(prefix) => TextMatch::Prefix(prefix.to_owned()),
            None => TextMatch::Exact(value.clone()),
        };
        match name.as_str() {
            "page" => pageable.page = errors.check(number(name, value)).unwrap_or(0),
            "size" => match errors.check(number(name, value)) {
                Some(size) if (1..=MAX_LIMIT).contains(&size) => pageable.size = size,
                Some(_) => errors.push(FieldError::new(name, "range", format!("must be between 1 and {MAX_LIMIT}"))),
                None => {}
            },
            "sort" => {
                if sort.is_some() {
                    errors.push(FieldError::new(name, "too_many", "takes one field"));
                }
                sort = errors.check(parse_sort(value));
            }
            "target" => targets.push(value.clone()),
            "status" => query.status = errors.check(parse_status(name, value)),
            "email" => query.email = Some(text_match()),
            "userName" => query.user_name = Some(text_match()),
            "customerId" => match crate::model::account::AccountId::parse(value) {
                Some(_) => member_of.account_id = Some(value.clone()),
                None => member_of.account_name = Some(value.clone()),
            },
            _ => errors.push(FieldError::new(name, "unknown", "is not a predicate this route takes")),
        }
    }
    if recap {
        match targets.as_slice() {
            [one] if recap_field(one).is_some() => {}
            [one] => errors.push(FieldError::new("target", "unknown_field", format!("{one} cannot be counted by"))),
            _ => errors.push(FieldError::new("target", "required", "names the one field to count by")),
        }
    } else {
        check_targets(&targets, &mut errors);
    }
    let (field, descending) =
        sort.unwrap_or((Query::default_sort(&query.user_name, &query.email, &query.display_name), false));
    query.sort = field;
    query.descending = descending;
    query.limit = pageable.size;
    query.start = Start::Page(pageable.page.saturating_add(1));
    errors.finish(ListRequest { query, member_of, pageable, targets })
}

/// `sort=field` or `sort=field,asc|desc`.
fn parse_sort(value: &str) -> Result<(SortField, bool), FieldError> {
    let (field, direction) = value.split_once(',').unwrap_or((value, "asc"));
    let field = match field.trim() {
        "userName" => SortField::UserName,
        "email" => SortField::Email,
        "status" => SortField::Status,
        "createDate" => SortField::CreatedAt,
        _ => return Err(FieldError::new("sort", "enum", "sorts by userName, email, status or createDate")),
    };
    match direction.trim().to_ascii_lowercase().as_str() {
        "asc" => Ok((field, false)),
        "desc" => Ok((field, true)),
        _ => Err(FieldError::new("sort", "enum", "orders asc or desc")),
    }
}

/// The user field a recap counts by, for a field of this API.
fn recap_field(target: &str) -> Option<&'static str> {
    Some(match target {
        "status" => "status",
        "email" => "email",
        "firstName" => "firstName",
        "lastName" => "lastName",
        "userName" => "userName",
        "locale" => "locale",
        _ => return None,
    })
}

/// The page envelope: `{items, last, totalItems, totalPages, size, number}`.
fn page_body(items: Vec<Value>, total: u64, pageable: &Pageable) -> Value {
    let size = u64::from(pageable.size);
    let total_pages = total.div_ceil(size);
    let number = u64::from(pageable.page);
    json!({
        "items": items,
        "last": number + 1 >= total_pages,
        "totalItems": total,
        "totalPages": total_pages,
        "size": pageable.size,
        "number": pageable.page,
    })
}

/// `GET /users-api/v1/users`: predicates as query parameters, `page`, `size`, `sort`,
/// `target`s.
pub fn list(env: &Env, ctx: &RequestContext, request: &Request) -> Result<Response, Problem> {
    let list = parse_list(&request.query_pairs(), false)?;
    let listing = directory::search(env, ctx, &list.query, &list.member_of, true)?;
    let items = listing.items.iter().map(|d| select(user_json(d), &list.targets)).collect();
    Ok(Response::json(200, &page_body(items, listing.total.unwrap_or_default(), &list.pageable)))
}

/// `GET /users-api/v1/users/recap?target=FIELD` with the list's predicates: `{items:
/// [{targetValue, count}], …}`, one item per value, paged like the list.
pub fn recap(env: &Env, ctx: &RequestContext, request: &Request) -> Result<Response, Problem> {
    let list = parse_list(&request.query_pairs(), true)?;
    let target = list.targets.first().and_then(|t| recap_field(t)).expect("parse_list checked the target");
    let counts = users::recap_in(env, ctx, &list.query, &list.member_of, target)?;
    let total = counts.len() as u64;
    let size = list.pageable.size as usize;
    let items = counts
        .into_iter()
        .skip((list.pageable.page as usize).saturating_mul(size))
        .take(size)
        .map(|(value, count)| {
            let value = match (target, value.as_deref()) {
                ("status", Some(status)) => UserStatus::parse(status).map(|s| status_name(s).to_owned()),
                _ => value,
            };
            json!({"targetValue": value, "count": count})
        })
        .collect();
    Ok(Response::json(200, &page_body(items, total, &list.pageable)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(query: &str) -> Vec<(String, String)> {
        form_urlencoded::parse(query.as_bytes()).into_owned().collect()
    }

    fn invalid_fields(result: Result<ListRequest, Error>) -> Vec<String> {
        match result {
            Err(Error::Invalid(list)) => list.into_iter().map(|e| e.field).collect(),
            other => panic!("expected invalid, got {other:?}"),
        }
    }

    #[test]
    fn spring_pages_count_from_zero_onto_pages_from_one() {
        let list = parse_list(&pairs("page=2&size=5&sort=email,desc&status=ENABLED"), false).unwrap();
        assert_eq!(list.query.start, Start::Page(3));
        assert_eq!((list.query.limit, list.query.sort, list.query.descending), (5, SortField::Email, true));
        assert_eq!(list.query.status, Some(UserStatus::Active));
    }

    #[test]
    fn unknown_predicates_targets_and_statuses_are_named() {
        let fields = invalid_fields(parse_list(&pairs("status=enabled&nickname=x&target=password"), false));
        assert_eq!(fields, ["status", "nickname", "target"]);
    }

    #[test]
    fn a_recap_needs_exactly_one_countable_target() {
        assert_eq!(invalid_fields(parse_list(&pairs(""), true)), ["target"]);
        assert_eq!(invalid_fields(parse_list(&pairs("target=id"), true)), ["target"]);
        assert!(parse_list(&pairs("target=status"), true).is_ok());
    }

    #[test]
    fn the_envelope_marks_the_last_page() {
        let pageable = Pageable { page: 1, size: 2 };
        let body = page_body(Vec::new(), 3, &pageable);
        assert_eq!((body["totalPages"].as_u64(), body["last"].as_bool()), (Some(2), Some(true)));
        let first = page_body(Vec::new(), 3, &Pageable { page: 0, size: 2 });
        assert_eq!(first["last"], false);
        assert_eq!(page_body(Vec::new(), 0, &pageable)["last"], true);
    }

    #[test]
    fn customer_ids_must_be_unique_and_the_home_account_is_not_repeated() {
        let mut errors = FieldErrors::new();
        let (grants, listed) =
            customer_grants(Some("a".into()), Some(vec!["a".into(), "b".into(), "b".into()]), &mut errors);
        assert!(listed);
        let accounts: Vec<(&str, bool)> = grants.iter().map(|g| (g.account.as_str(), g.home)).collect();
        assert_eq!(accounts, [("a", true), ("b", false)]);
        let Err(Error::Invalid(list)) = errors.finish(()) else { panic!("expected invalid") };
        assert_eq!(list[0].field, "authorizedCustomerIds[2]");
    }

    #[test]
    fn target_keeps_only_the_named_fields() {
        let mut user = Map::new();
        user.insert("email".into(), json!("a@b.cd"));
        user.insert("userName".into(), json!("a"));
        assert_eq!(select(user, &["email".to_owned()]), json!({"email": "a@b.cd"}));
    }
}
