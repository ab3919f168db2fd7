//! Seed 000's users: `/users-accounts-api/v1/users`, addressed by user name.
//!
//! Wire names map onto the user record (`emailAddress` is `email`, `phoneNumber` is
//! `phone`, `faxNumber` is `fax`, `status` is `Active`/`Inactive`, `portalLogin` is
//! `canLogin`), and `accountRoles` onto memberships by account and role name.

use serde_json::{Map, Value, json};

use super::super::json::Fields;
use super::super::problem::Problem;
use super::super::{Request, Response};
use super::{Paging, descending, renamed, status_name};
use crate::accounts::assignments::{Assignment, Unlisted};
use crate::context::RequestContext;
use crate::env::Env;
use crate::error::{Error, FieldError, FieldErrors};
use crate::model::account::AccountType;
use crate::model::user::{Change, NewUser, TextField, UserPatch, UserStatus};
use crate::users::directory::{self, Detailed, MemberOf};
use crate::users::grants::Grants;
use crate::users::query::{Query, SortField, TextMatch};
use crate::users::{self};

/// The wire name of each text field, where this API names it differently.
fn wire_name(field: TextField) -> &'static str {
    match field {
        TextField::Phone => "phoneNumber",
        TextField::Fax => "faxNumber",
        other => other.name(),
    }
}

/// Fields the server sets.
const READ_ONLY: [&str; 3] = ["id", "createdAt", "updatedAt"];

/// A user as this API shows it.
pub fn user_json(detailed: &Detailed) -> Value {
    let user = &detailed.user;
    let mut map = Map::new();
    map.insert("id".into(), json!(user.id));
    map.insert("userName".into(), json!(user.user_name));
    map.insert("emailAddress".into(), json!(user.email));
    for field in TextField::ALL {
        if let Some(value) = field.value(user) {
            map.insert(wire_name(field).into(), json!(value));
        }
    }
    map.insert("status".into(), json!(status_name(user.status == UserStatus::Active)));
    map.insert("canLogin".into(), json!(user.can_login));
    map.insert("portalLogin".into(), json!(user.can_login));
    map.insert("shared".into(), json!(user.shared));
    map.insert("optIn".into(), json!(user.opt_in));
    let roles: Vec<Value> = detailed
        .accounts
        .iter()
        .map(|m| {
            let mut role = json!({"accountName": m.account_name, "roles": m.roles});
            if let Some(expiry) = &m.expiry_date {
                role["expiryDate"] = json!(expiry);
            }
            role
        })
        .collect();
    map.insert("accountRoles".into(), Value::Array(roles));
    map.insert("attributes".into(), json!(user.attributes));
    map.insert("createdAt".into(), json!(user.created_at));
    map.insert("updatedAt".into(), json!(user.updated_at));
    Value::Object(map)
}

/// A service error with the fields named as this API names them. A login user's name is
/// its email address, so an error the address caused in both is reported once, on
/// `emailAddress`.
fn wire_errors(err: Error) -> Error {
    let once = |mut list: Vec<FieldError>| {
        let address_codes: Vec<&'static str> =
            list.iter().filter(|e| e.field == "emailAddress").map(|e| e.code).collect();
        list.retain(|e| !(e.field == "userName" && address_codes.contains(&e.code)));
        list
    };
    match renamed(err, &[("email", "emailAddress"), ("phone", "phoneNumber"), ("fax", "faxNumber")]) {
        Error::Invalid(list) => Error::Invalid(once(list)),
        Error::Duplicate(list) => Error::Duplicate(once(list)),
        other => other,
    }
}

/// `status`: `Active` or `Inactive`, in any case.
fn status(fields: &mut Fields, errors: &mut FieldErrors) -> Option<UserStatus> {
    let text = fields.string("status")?;
    UserStatus::parse(&text).or_else(|| {
        errors.push(FieldError::new("status", "enum", "must be Active or Inactive"));
        None
    })
}

/// `accountRoles`: at least one `{accountName, roles, expiryDate}`, each with at least one
/// role; `expiryDate`, when present, is not null.
fn account_roles(value: Value, errors: &mut FieldErrors) -> Vec<Assignment> {
    let Value::Array(items) = value else {
        errors.push(FieldError::new("accountRoles", "type", "must be a list of {accountName, roles, expiryDate}"));
        return Vec::new();
    };
    if items.is_empty() {
        errors.push(FieldError::new("accountRoles", "too_few", "must name at least one account"));
    }
    let mut grants = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let at = |name: &str| format!("accountRoles[{i}].{name}");
        let Value::Object(mut object) = item else {
            errors.push(FieldError::new(format!("accountRoles[{i}]"), "type", "must be an object"));
            continue;
        };
        let account = match object.remove("accountName") {
            Some(Value::String(name)) if !name.trim().is_empty() => name,
            None | Some(Value::Null) => {
                errors.push(FieldError::new(at("accountName"), "required", "is required"));
                String::new()
            }
            Some(_) => {
                errors.push(FieldError::new(at("accountName"), "type", "must be a non-empty string"));
                String::new()
            }
        };
        let roles = match object.remove("roles") {
            Some(Value::Array(roles)) if roles.iter().all(Value::is_string) => {
                if roles.is_empty() {
                    errors.push(FieldError::new(at("roles"), "too_few", "must name at least one role"));
                }
                roles.into_iter().filter_map(|r| r.as_str().map(str::to_owned)).collect()
            }
            None | Some(Value::Null) => {
                errors.push(FieldError::new(at("roles"), "required", "is required"));
                Vec::new()
            }
            Some(_) => {
                errors.push(FieldError::new(at("roles"), "type", "must be a list of role names"));
                Vec::new()
            }
        };
        let expiry_date = match object.remove("expiryDate") {
            None => None,
            Some(Value::String(date)) => Some(date),
            Some(_) => {
                errors.push(FieldError::new(at("expiryDate"), "type", "must be a date written YYYY-MM-DD, not null"));
                None
            }
        };
        for unknown in object.keys() {
            errors.push(FieldError::new(at(unknown), "unknown", "is not a field of accountRoles"));
        }
        grants.push(Assignment {
            account,
            account_field: at("accountName"),
            roles: Some(roles),
            roles_field: at("roles"),
            expiry_date,
            expiry_field: at("expiryDate"),
            home: false,
        });
    }
    grants
}

/// `canLogin`, with `portalLogin` as its synonym; given both, they must agree.
fn can_login(fields: &mut Fields, errors: &mut FieldErrors) -> Option<bool> {
    let can_login = fields.bool("canLogin");
    let portal_login = fields.bool("portalLogin");
    if let (Some(a), Some(b)) = (can_login, portal_login)
        && a != b
    {
        errors.push(FieldError::new(
            "portalLogin",
            "conflict",
            "must equal canLogin: both say whether the user logs in",
        ));
    }
    can_login.or(portal_login)
}

/// The user name a login user gets: `userName` when it matches `emailAddress`
/// (case-insensitively), else an error naming `userName`.
fn matching_user_name(user_name: Option<String>, email: &str, errors: &mut FieldErrors) -> Option<String> {
    match user_name {
        Some(name) if name.trim().eq_ignore_ascii_case(email.trim()) => Some(name),
        Some(_) => {
            errors.push(FieldError::new("userName", "mismatch", "must match emailAddress"));
            None
        }
        None => Some(email.to_owned()),
    }
}

/// `POST /users-accounts-api/v1/users`: 201 with the user and its `Location`.
pub fn create(env: &Env, ctx: &RequestContext, request: &Request) -> Result<Response, Problem> {
    let mut fields = Fields::of(request)?;
    let mut errors = FieldErrors::new();
    fields.read_only(&READ_ONLY);
    let first_name = fields.required("firstName");
    let last_name = fields.required("lastName");
    let email = fields.required("emailAddress");
    let mut text: Vec<(TextField, String)> = [(TextField::FirstName, first_name), (TextField::LastName, last_name)]
        .into_iter()
        .filter_map(|(f, v)| v.map(|v| (f, v)))
        .collect();
    for field in TextField::ALL.into_iter().filter(|f| !matches!(f, TextField::FirstName | TextField::LastName)) {
        if let Some(value) = fields.string(wire_name(field)) {
            text.push((field, value));
        }
    }
    let can_login = can_login(&mut fields, &mut errors);
    let given_user_name = fields.string("userName");
    let user_name = match (can_login, &email) {
        // A contact's user name is ignored: it is its email address, as Roster needs one.
        (Some(false), _) | (_, None) => None,
        (Some(true), Some(_)) if given_user_name.is_none() => {
            errors.push(FieldError::new("userName", "required", "is required when canLogin is true"));
            None
        }
        (_, Some(email)) => matching_user_name(given_user_name, email, &mut errors),
    };
    let grants = match fields.value("accountRoles") {
        Change::Set(value) => account_roles(value, &mut errors),
        Change::Keep | Change::Clear => {
            errors.push(FieldError::new("accountRoles", "required", "is required"));
            Vec::new()
        }
    };
    let input = NewUser {
        user_name,
        email,
        text,
        status: status(&mut fields, &mut errors),
        can_login,
        shared: fields.bool("shared"),
        opt_in: fields.bool("optIn"),
        attributes: fields.attributes("attributes").unwrap_or_default(),
        ..NewUser::default()
    };
    fields.finish_with(errors)?;
    let grants = Grants { memberships: grants, ..Grants::default() };
    let user = users::create_with(env, ctx, input, &grants).map_err(wire_errors)?;
    let detailed = directory::get_detailed(env, ctx, &user.id.to_string(), false)?;
    let location = format!("/users-accounts-api/v1/users/{}", user.user_name);
    Ok(Response::json(201, &user_json(&detailed)).with_header("location", location))
}

/// `GET /users-accounts-api/v1/users/{userName}`.
pub fn get(env: &Env, ctx: &RequestContext, user_name: &str) -> Result<Response, Problem> {
    Ok(Response::json(200, &user_json(&directory::get_detailed(env, ctx, user_name, true)?)))
}

/// `PUT /users-accounts-api/v1/users/{userName}`: the create body's fields, each optional;
/// those given replace, those absent stay, `null` clears an optional text field.
/// `accountRoles`, when given, is the user's whole list of memberships.
pub fn update(env: &Env, ctx: &RequestContext, request: &Request, user_name: &str) -> Result<Response, Problem> {
    let current = directory::get_detailed(env, ctx, user_name, true)?.user;
    let mut fields = Fields::of(request)?;
    let mut errors = FieldErrors::new();
    fields.read_only(&READ_ONLY);
    let text = TextField::ALL.iter().map(|f| (*f, fields.change(wire_name(*f)))).collect();
    let email = fields.string("emailAddress");
    let can_login_change = can_login(&mut fields, &mut errors);
    let given_user_name = fields.string("userName");
    let will_log_in = can_login_change.unwrap_or(current.can_login);
    let new_email = email.clone().unwrap_or_else(|| current.email.clone());
    // A login user's name must match its email address; a contact's is ignored, and both
    // follow a new address.
    let user_name = if will_log_in && (given_user_name.is_some() || email.is_some()) {
        matching_user_name(given_user_name, &new_email, &mut errors)
    } else {
        email.clone()
    };
    let grants = match fields.value("accountRoles") {
        Change::Set(value) => Some(account_roles(value, &mut errors)),
        Change::Keep => None,
        Change::Clear => {
            errors.push(FieldError::new("accountRoles", "too_few", "must name at least one account"));
            None
        }
    };
    let patch = UserPatch {
        user_name,
        email,
        text,
        status: status(&mut fields, &mut errors),
        can_login: can_login_change,
        shared: fields.bool("shared"),
        opt_in: fields.bool("optIn"),
        attributes: fields.attributes("attributes"),
        ..UserPatch::default()
    };
    fields.finish_with(errors)?;
    let id = current.id.to_string();
    let unlisted = if grants.is_some() { Unlisted::Remove } else { Unlisted::Keep };
    let grants = Grants { memberships: grants.unwrap_or_default(), unlisted, ..Grants::default() };
    users::update_with(env, ctx, &id, patch, &grants).map_err(wire_errors)?;
    Ok(Response::json(200, &user_json(&directory::get_detailed(env, ctx, &id, false)?)))
}

/// `DELETE /users-accounts-api/v1/users/{userName}`: 204.
pub fn delete(env: &Env, ctx: &RequestContext, user_name: &str) -> Result<Response, Problem> {
    let user = directory::get_detailed(env, ctx, user_name, true)?.user;
    users::delete(env, ctx, &user.id.to_string(), None)?;
    Ok(Response::empty(204))
}

/// `GET /users-accounts-api/v1/users`: `{users, page, limit, totalCount}`.
pub fn list(env: &Env, ctx: &RequestContext, request: &Request) -> Result<Response, Problem> {
    let (query, member_of, paging) = parse_list(&request.query_pairs())?;
    let listing = directory::search(env, ctx, &query, &member_of, true)?;
    let users: Vec<Value> = listing.items.iter().map(user_json).collect();
    Ok(Response::json(
        200,
        &json!({"users": users, "page": paging.page, "limit": paging.limit, "totalCount": listing.total}),
    ))
}

/// The query of a list: the document's filters, `sort_by`, `sort_order`, `page`, `limit`.
fn parse_list(pairs: &[(String, String)]) -> Result<(Query, MemberOf, Paging), Error> {
    let mut errors = FieldErrors::new();
    let mut query = Query::default();
    let mut member_of = MemberOf::default();
    let mut paging = Paging::default();
    let mut sort = None;
    let text_match = |value: &str| match value.strip_suffix('*') {
        Some(prefix) => TextMatch::Prefix(prefix.to_owned()),
        None => TextMatch::Exact(value.to_owned()),
    };
    for (name, value) in pairs {
        if paging.take(name, value, &mut errors) {
            continue;
        }
        match name.as_str() {
            "userName" => query.user_name = Some(text_match(value)),
            "displayName" => query.display_name = Some(text_match(value)),
            "email" => query.email = Some(text_match(value)),
            "accountId" => member_of.account_id = Some(value.clone()),
            "accountName" => member_of.account_name = Some(value.clone()),
            "accountType" => {
                member_of.account_type = errors.check(AccountType::parse(value).ok_or_else(|| {
                    FieldError::new(
                        name,
                        "enum",
                        "must be HOME, PUBLISHER, CUSTOMER, SELF_REGISTERED, CHANNEL_PARTNER or UNKNOWN",
                    )
                }))
            }
            "status" => {
                query.status = errors.check(
                    UserStatus::parse(value).ok_or_else(|| FieldError::new(name, "enum", "must be active or inactive")),
                )
            }
            "sort_by" => {
                sort = errors.check(match value.as_str() {
                    "displayName" => Ok(SortField::DisplayName),
                    "email" => Ok(SortField::Email),
                    "status" => Ok(SortField::Status),
                    _ => Err(FieldError::new(name, "enum", "must be displayName, email or status")),
                })
            }
            "sort_order" => query.descending = descending(value, &mut errors),
            _ => errors.push(FieldError::new(name, "unknown", "is not a parameter of this route")),
        }
    }
    query.sort = sort.unwrap_or_else(|| Query::default_sort(&query.user_name, &query.email, &query.display_name));
    query.limit = paging.limit;
    query.start = paging.start();
    errors.finish((query, member_of, paging))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_errors_take_the_wire_names_and_an_address_error_is_reported_once() {
        let err = Error::Invalid(vec![
            FieldError::new("email", "too_long", "must be at most 1000 characters"),
            FieldError::new("userName", "too_long", "must be at most 1000 characters"),
            FieldError::new("phone", "format", "must be a phone number"),
        ]);
        let Error::Invalid(list) = wire_errors(err) else { panic!("still invalid") };
        let fields: Vec<&str> = list.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["emailAddress", "phoneNumber"]);
    }

    fn pairs(query: &str) -> Vec<(String, String)> {
        form_urlencoded::parse(query.as_bytes()).into_owned().collect()
    }

    fn fields_of(result: Result<(Query, MemberOf, Paging), Error>) -> Vec<String> {
        match result {
            Err(Error::Invalid(list)) => list.into_iter().map(|e| e.field).collect(),
            other => panic!("expected invalid, got {other:?}"),
        }
    }

    #[test]
    fn the_documents_placeholder_sample_names_each_parameter_it_breaks() {
        let sample = "userName=string&displayName=string&email=string&accountId=string&accountName=string\
                      &accountType=string&status=string&sort_by=string&sort_order=string&page=0&limit=0";
        assert_eq!(fields_of(parse_list(&pairs(sample))), ["accountType", "status", "sort_by", "sort_order"]);
    }

    #[test]
    fn every_filter_and_sort_maps_onto_the_query_and_membership_filter() {
        let (query, member_of, paging) = parse_list(&pairs(
            "userName=jo*&email=jo@x.com&status=Active&accountName=123456&accountType=customer\
             &sort_by=displayName&sort_order=desc&page=2&limit=10",
        ))
        .unwrap();
        assert_eq!(query.user_name, Some(TextMatch::Prefix("jo".into())));
        assert_eq!(query.status, Some(UserStatus::Active));
        assert_eq!((query.sort, query.descending, query.limit), (SortField::DisplayName, true, 10));
        assert_eq!(member_of.account_name.as_deref(), Some("123456"));
        assert_eq!(member_of.account_type, Some(AccountType::Customer));
        assert_eq!(paging, Paging { page: 2, limit: 10 });
    }

    #[test]
    fn account_roles_name_each_broken_item_by_index() {
        let mut errors = FieldErrors::new();
        let grants = account_roles(
            json!([{"accountName": "a", "roles": []}, {"roles": ["USER"], "expiryDate": null, "extra": 1}]),
            &mut errors,
        );
        assert_eq!(grants.len(), 2);
        let Err(Error::Invalid(list)) = errors.finish(()) else { panic!("expected invalid") };
        let named: Vec<(&str, &str)> = list.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(
            named,
            [
                ("accountRoles[0].roles", "too_few"),
                ("accountRoles[1].accountName", "required"),
                ("accountRoles[1].expiryDate", "type"),
                ("accountRoles[1].extra", "unknown"),
            ]
        );
    }

    #[test]
    fn a_login_user_name_must_match_the_email_address_in_any_case() {
        let mut errors = FieldErrors::new();
        assert_eq!(
            matching_user_name(Some("JohnDoe@xyz.com".into()), "johndoe@xyz.com", &mut errors).as_deref(),
            Some("JohnDoe@xyz.com")
        );
        assert_eq!(matching_user_name(None, "johndoe@xyz.com", &mut errors).as_deref(), Some("johndoe@xyz.com"));
        assert!(errors.is_empty());
        assert_eq!(matching_user_name(Some("john".into()), "johndoe@xyz.com", &mut errors), None);
        assert!(!errors.is_empty());
    }
}
