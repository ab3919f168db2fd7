//! `roster:iam/users` (exported): the typed user interface, mapped onto [`crate::users`].

use super::exports::roster::iam::users as wit;
use super::roster::iam::types;
use super::{Component, with_env};
use crate::context::{Credentials, RequestContext};
use crate::env::{Clock, SystemClock};
use crate::error::Error;
use crate::model::user::{Attribute, Change, NewUser, TextField, User, UserPatch, UserStatus};
use crate::users::{self, query};

impl wit::Guest for Component {
    fn create(ctx: types::RequestContext, user: wit::NewUser) -> Result<wit::User, types::Error> {
        with_env(|env| users::create(env, &context(ctx), new_user(user))).map(to_wit).map_err(error)
    }

    fn get(ctx: types::RequestContext, id: String) -> Result<wit::User, types::Error> {
        with_env(|env| users::get(env, &context(ctx), &id)).map(to_wit).map_err(error)
    }

    fn get_by_user_name(ctx: types::RequestContext, user_name: String) -> Result<wit::User, types::Error> {
        with_env(|env| users::get_by_user_name(env, &context(ctx), &user_name)).map(to_wit).map_err(error)
    }

    fn list(ctx: types::RequestContext, q: wit::UserQuery) -> Result<wit::UserPage, types::Error> {
        let page = with_env(|env| users::list(env, &context(ctx), &user_query(q))).map_err(error)?;
        Ok(wit::UserPage { items: page.items.into_iter().map(to_wit).collect(), next_cursor: page.next_cursor })
    }

    fn update(ctx: types::RequestContext, id: String, patch: wit::UserPatch) -> Result<wit::User, types::Error> {
        with_env(|env| users::update(env, &context(ctx), &id, user_patch(patch))).map(to_wit).map_err(error)
    }

    fn delete(ctx: types::RequestContext, id: String, expected_version: Option<u64>) -> Result<(), types::Error> {
        with_env(|env| users::delete(env, &context(ctx), &id, expected_version)).map_err(error)
    }

    fn validate(users: Vec<wit::NewUser>) -> Vec<Result<String, types::Error>> {
        // No store, no settings: only the clock, read once for the whole batch.
        let now = SystemClock.now().to_rfc3339();
        users.into_iter().map(|user| users::preview(new_user(user), &now).map_err(error)).collect()
    }
}

/// The plain request context of a WIT one.
pub fn context(ctx: types::RequestContext) -> RequestContext {
    RequestContext {
        credentials: ctx.credentials.map(|credentials| match credentials {
            types::Credentials::Bearer(token) => Credentials::Bearer(token),
            types::Credentials::Operator(name) => Credentials::Operator(name),
        }),
        account: ctx.account,
        correlation_id: ctx.correlation_id,
    }
}

/// The WIT error of a service error.
pub fn error(err: Error) -> types::Error {
    let fields = |list: Vec<crate::error::FieldError>| {
        list.into_iter()
            .map(|f| types::FieldError { field: f.field, code: f.code.to_owned(), message: f.message })
            .collect()
    };
    match err {
        Error::Invalid(list) => types::Error::Invalid(fields(list)),
        Error::Duplicate(list) => types::Error::Duplicate(fields(list)),
        Error::NotFound => types::Error::NotFound,
        Error::StaleVersion { current } => types::Error::StaleVersion(current),
        Error::Unauthenticated => types::Error::Unauthenticated,
        Error::Forbidden(permission) => types::Error::Forbidden(permission),
        Error::PasswordChangeRequired => types::Error::PasswordChangeRequired,
        Error::BuiltinRole => types::Error::Invalid(vec![types::FieldError {
            field: "id".into(),
            code: "builtin_role".into(),
            message: "built-in roles cannot be deleted".into(),
        }]),
        Error::AccountHasMembers => types::Error::Invalid(vec![types::FieldError {
            field: "force".into(),
            code: "account_has_members".into(),
            message: "the account has members; delete it with force to remove them too".into(),
        }]),
        Error::Unavailable(_) => types::Error::Unavailable,
    }
}

fn status_from_wit(status: wit::UserStatus) -> UserStatus {
    match status {
        wit::UserStatus::Active => UserStatus::Active,
        wit::UserStatus::Inactive => UserStatus::Inactive,
    }
}

fn attributes_from_wit(list: Vec<wit::Attribute>) -> Vec<Attribute> {
    list.into_iter().map(|a| Attribute { name: a.name, value: a.value }).collect()
}

/// Preferences arrive as JSON text; text that is not JSON is passed on as a string, which
/// validation then refuses as "must be a JSON object".
fn preferences_from_wit(text: String) -> serde_json::Value {
    serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text))
}

/// The optional text fields of a WIT record, in [`TextField::ALL`] order.
macro_rules! text_fields {
    ($record:expr) => {
        [
            $record.first_name,
            $record.last_name,
            $record.display_name,
            $record.phone,
            $record.fax,
            $record.street,
            $record.city,
            $record.state,
            $record.zipcode,
            $record.country,
            $record.locale,
            $record.timezone,
        ]
    };
}

fn new_user(user: wit::NewUser) -> NewUser {
    let text = TextField::ALL.into_iter().zip(text_fields!(user)).filter_map(|(f, v)| Some((f, v?))).collect();
    NewUser {
        user_name: Some(user.user_name),
        email: Some(user.email),
        password: user.password,
        temporary_password: false,
        text,
        status: user.status.map(status_from_wit),
        can_login: user.can_login,
        shared: user.shared,
        opt_in: user.opt_in,
        attributes: attributes_from_wit(user.attributes),
        preferences: user.preferences.map(preferences_from_wit),
    }
}

fn change<T>(value: Option<Option<T>>) -> Change<T> {
    match value {
        None => Change::Keep,
        Some(None) => Change::Clear,
        Some(Some(value)) => Change::Set(value),
    }
}

fn user_patch(patch: wit::UserPatch) -> UserPatch {
    let text = TextField::ALL.into_iter().zip(text_fields!(patch)).map(|(f, v)| (f, change(v))).collect();
    UserPatch {
        expected_version: patch.expected_version,
        user_name: patch.user_name,
        email: patch.email,
        text,
        status: patch.status.map(status_from_wit),
        can_login: patch.can_login,
        shared: patch.shared,
        opt_in: patch.opt_in,
        attributes: patch.attributes.map(attributes_from_wit),
        preferences: match change(patch.preferences) {
            Change::Keep => Change::Keep,
            Change::Clear => Change::Clear,
            Change::Set(text) => Change::Set(preferences_from_wit(text)),
        },
    }
}

fn user_query(q: wit::UserQuery) -> query::Query {
    let text = |m: Option<wit::TextMatch>| {
        m.map(|m| match m {
            wit::TextMatch::Exact(t) => query::TextMatch::Exact(t),
            wit::TextMatch::Prefix(t) => query::TextMatch::Prefix(t),
        })
    };
    query::Query {
        user_name: text(q.user_name),
        email: text(q.email),
        display_name: text(q.display_name),
        status: q.status.map(status_from_wit),
        sort: match q.sort {
            wit::SortField::CreatedAt => query::SortField::CreatedAt,
            wit::SortField::UserName => query::SortField::UserName,
            wit::SortField::Email => query::SortField::Email,
            wit::SortField::DisplayName => query::SortField::DisplayName,
            wit::SortField::Status => query::SortField::Status,
        },
        descending: matches!(q.order, wit::SortOrder::Desc),
        limit: q.limit,
        start: match q.cursor {
            Some(cursor) => query::Start::Cursor(cursor),
            None => query::Start::Page(q.page.unwrap_or(1)),
        },
    }
}

fn to_wit(user: User) -> wit::User {
    wit::User {
        id: user.id.to_string(),
        user_name: user.user_name,
        email: user.email,
        first_name: user.first_name,
        last_name: user.last_name,
        display_name: user.display_name,
        phone: user.phone,
        fax: user.fax,
        street: user.street,
        city: user.city,
        state: user.state,
        zipcode: user.zipcode,
        country: user.country,
        locale: user.locale,
        timezone: user.timezone,
        status: match user.status {
            UserStatus::Active => wit::UserStatus::Active,
            UserStatus::Inactive => wit::UserStatus::Inactive,
        },
        can_login: user.can_login,
        shared: user.shared,
        opt_in: user.opt_in,
        attributes: user.attributes.into_iter().map(|a| wit::Attribute { name: a.name, value: a.value }).collect(),
        preferences: user.preferences.map(|p| serde_json::Value::Object(p).to_string()),
        created_at: user.created_at,
        updated_at: user.updated_at,
        version: user.version,
    }
}
