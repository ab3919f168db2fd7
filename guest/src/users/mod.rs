//! The user service: create, read, update, delete and list, each in one transaction that
//! keeps the record, its unique names, its index entries and the counts by status in step.

pub mod counters;
pub mod directory;
pub mod grants;
pub mod keys;
pub mod query;

use crate::access::{Permission, Target, authorize};
use crate::accounts::assignments::{self, Unlisted};
use crate::accounts::members;
use crate::audit;
use crate::auth::{self, password::PasswordRecord};
use crate::context::RequestContext;
use crate::env::{CryptoError, Env};
use crate::error::{Error, FieldError, FieldErrors};
use crate::model::account::AccountId;
use crate::model::rules;
use crate::model::user::{Change, NewUser, TextField, User, UserId, UserPatch, UserStatus};
use crate::store::{Direction, KeyRange, Txn};
pub use directory::MemberOf;
use grants::{Grants, ListChange};
use keys::Index;
use query::{Page, Query};

/// Create a user. A password, if given, is checked against the policy and hashed before
/// the transaction begins.
pub fn create(env: &Env, ctx: &RequestContext, input: NewUser) -> Result<User, Error> {
    create_with(env, ctx, input, &Grants::default())
}

/// Create a user holding `grants` (seed 001's `roles` and `tenants`), all in one
/// transaction: a grant the caller may not give leaves nothing written.
pub fn create_with(env: &Env, ctx: &RequestContext, input: NewUser, grants: &Grants) -> Result<User, Error> {
    let caller = auth::caller(env, ctx)?;
    authorize(&caller, Permission::UsersCreate, Target::Any)?;
    let now = env.now().to_rfc3339();
    let temporary = input.temporary_password;
    let (user, password) = validate_new(input, UserId::generate(), now)?;
    if let Some(password) = &password {
        auth::password::check("password", password, &user.user_name, &user.email, &env.settings)?;
    }
    let hash = password.map(|p| env.crypto.hash_password(&p)).transpose().map_err(crypto_error)?;
    env.write(|txn| {
        let user = grants::apply_global(txn, &caller, &user, grants)?;
        insert(txn, &user)?;
        grants::apply_tenants(txn, env, ctx, &caller, &user, &grants.tenants)?;
        if !grants.memberships.is_empty() {
            let accounts = assignments::apply(txn, env, ctx, &caller, user.id, &grants.memberships, Unlisted::Keep)?;
            crate::attributes::check_against(&crate::attributes::all(txn)?, &user.attributes, &accounts)?;
        }
        if let Some(hash) = &hash {
            auth::write_password(txn, user.id, &PasswordRecord { hash: hash.clone(), temporary })?;
        }
        audit::Event::new("user.created", ctx).by(&caller).on("user", user.id).record(txn, env.now())?;
        Ok(user.clone())
    })
}

/// The user with `id`; an id that is not a UUID is simply not found.
pub fn get(env: &Env, ctx: &RequestContext, id: &str) -> Result<User, Error> {
    let id = UserId::parse(id).ok_or(Error::NotFound)?;
    env.read(|txn| {
        let caller = auth::caller_in(txn, env, ctx)?;
        members::authorize_user(txn, env, &caller, Permission::UsersRead, id)?;
        read(txn, id)?.ok_or(Error::NotFound)
    })
}

/// The user whose user name is `user_name`, matched case-insensitively.
pub fn get_by_user_name(env: &Env, ctx: &RequestContext, user_name: &str) -> Result<User, Error> {
    env.read(|txn| {
        let caller = auth::caller_in(txn, env, ctx)?;
        let user = find_by_user_name(txn, user_name)?;
        match &user {
            Some(user) => members::authorize_user(txn, env, &caller, Permission::UsersRead, user.id)?,
            None => authorize(&caller, Permission::UsersRead, Target::Missing)?,
        }
        user.ok_or(Error::NotFound)
    })
}

/// A page of the users matching `query`.
pub fn list(env: &Env, ctx: &RequestContext, query: &Query) -> Result<Page, Error> {
    env.read(|txn| {
        let caller = auth::caller_in(txn, env, ctx)?;
        authorize(&caller, Permission::UsersList, Target::Any)?;
        query::run(txn, query)
    })
}

/// Counts of the users matching `query`, grouped by the value of `field` (seed 003's
/// recap), sorted by value; users without a value count under `null`, and a value no user
/// has is left out. Everyone by status is answered by the stored counts; any other recap
/// is read in pages of one snapshot, so memory holds one page and the counts, never every
/// user.
pub fn recap(env: &Env, ctx: &RequestContext, query: &Query, field: &str) -> Result<Vec<(Option<String>, u64)>, Error> {
    recap_in(env, ctx, query, &MemberOf::default(), field)
}

/// [`recap`] over the users that are also members as `member_of` says.
pub fn recap_in(
    env: &Env,
    ctx: &RequestContext,
    query: &Query,
    member_of: &MemberOf,
    field: &str,
) -> Result<Vec<(Option<String>, u64)>, Error> {
    if !is_recap_field(field) {
        return Err(Error::invalid("target", "unknown_field", format!("{field} cannot be counted by")));
    }
    env.read(|txn| {
        let caller = auth::caller_in(txn, env, ctx)?;
        let members = member_of.resolve(txn, &env.now().date())?;
        members.authorize_list(&caller)?;
        let mut counts = std::collections::BTreeMap::<Option<String>, u64>::new();
        if field == "status"
            && let Some(stored) = counters::for_everyone(txn, query, &members)?
        {
            counts.extend(stored.by_status().map(|(status, count)| (Some(status.as_str().to_owned()), count)));
            return Ok(counts.into_iter().collect());
        }
        let mut page_query = Query { limit: query::MAX_LIMIT, start: query::Start::Page(1), ..query.clone() };
        loop {
            let page = members.run(txn, &page_query)?;
            for user in &page.items {
                *counts.entry(recap_value(user, field)).or_default() += 1;
            }
            match page.next_cursor {
                Some(cursor) => page_query.start = query::Start::Cursor(cursor),
                None => return Ok(counts.into_iter().collect()),
            }
        }
    })
}

/// The value of `field` (a camelCase field a recap counts by) as text; `None` when unset.
fn recap_value(user: &User, field: &str) -> Option<String> {
    if let Some(text) = TextField::ALL.iter().find(|f| f.name() == field) {
        return text.value(user).map(str::to_owned);
    }
    Some(match field {
        "status" => user.status.as_str().to_owned(),
        "canLogin" => user.can_login.to_string(),
        "shared" => user.shared.to_string(),
        "optIn" => user.opt_in.to_string(),
        _ => return None,
    })
}

/// Whether a recap can count by `field`.
fn is_recap_field(field: &str) -> bool {
    TextField::ALL.iter().any(|f| f.name() == field) || ["status", "canLogin", "shared", "optIn"].contains(&field)
}

/// Apply `patch` to the user with `id`. A patch that changes nothing leaves the version.
/// On their own record, users without `users:update` may change everything but their
/// status and whether they can log in. Disabling a user ends their sessions.
pub fn update(env: &Env, ctx: &RequestContext, id: &str, patch: UserPatch) -> Result<User, Error> {
    update_with(env, ctx, id, patch, &Grants::default())
}

/// Apply `patch` and `grants` to the user with `id` in one transaction (seed 001's update,
/// which carries the profile, roles, permissions and tenants together).
pub fn update_with(
    env: &Env,
    ctx: &RequestContext,
    id: &str,
    patch: UserPatch,
    grants: &Grants,
) -> Result<User, Error> {
    let id = UserId::parse(id).ok_or(Error::NotFound)?;
    let now = env.now().to_rfc3339();
    env.write(|txn| {
        let caller = auth::caller_in(txn, env, ctx)?;
        // A profile is global: only a global users:update, or the user, edits it; an
        // account's administrator manages memberships, not profiles.
        let target = if id == caller.user_id { Target::User(id, &[]) } else { Target::Any };
        authorize(&caller, Permission::UsersUpdate, target)?;
        let privileged = patch.status.is_some() || patch.can_login.is_some();
        if privileged {
            authorize(&caller, Permission::UsersUpdate, Target::Any)?;
        }
        let old = read(txn, id)?.ok_or(Error::NotFound)?;
        Error::check_version(old.version, patch.expected_version)?;
        let patched = grants::apply_global(txn, &caller, &apply_patch(&old, patch.clone())?, grants)?;
        let new = replace_in(txn, &old, patched, &now)?;
        grants::apply_tenants(txn, env, ctx, &caller, &new, &grants.tenants)?;
        if !grants.memberships.is_empty() || grants.unlisted != Unlisted::Keep {
            assignments::apply(txn, env, ctx, &caller, id, &grants.memberships, grants.unlisted)?;
            crate::attributes::check(txn, &new, &env.now().date())?;
        }
        if new.version != old.version {
            audit::Event::new("user.updated", ctx)
                .by(&caller)
                .on("user", id)
                .changing(audit::changed_fields(&old, &new))
                .record(txn, env.now())?;
        }
        Ok(new)
    })
}

/// Store `new` in place of `old` with the next version, unless nothing changed. Ends the
/// user's sessions when the change disables the user.
pub fn replace_in(txn: &dyn Txn, old: &User, mut new: User, now: &str) -> Result<User, Error> {
    if &new == old {
        return Ok(new);
    }
    new.version = old.version + 1;
    new.updated_at = now.to_owned();
    if new.attributes != old.attributes {
        crate::attributes::check(txn, &new, &now[..10])?;
    }
    ensure_unique(txn, &new)?;
    write_user(txn, Some(old), Some(&new))?;
    if new.status != UserStatus::Active || !new.can_login {
        auth::end_sessions(txn, new.id)?;
    }
    Ok(new)
}

/// Delete the user with `id`, with its password, sessions, keys and index entries.
pub fn delete(env: &Env, ctx: &RequestContext, id: &str, expected_version: Option<u64>) -> Result<(), Error> {
    let id = UserId::parse(id).ok_or(Error::NotFound)?;
    env.write(|txn| {
        let caller = auth::caller_in(txn, env, ctx)?;
        authorize(&caller, Permission::UsersDelete, Target::Any)?;
        let old = read(txn, id)?.ok_or(Error::NotFound)?;
        Error::check_version(old.version, expected_version)?;
        auth::forget_user(txn, id)?;
        members::forget_user(txn, id)?;
        write_user(txn, Some(&old), None)?;
        audit::Event::new("user.deleted", ctx).by(&caller).on("user", id).record(txn, env.now())
    })
}

/// Give and take roles (seed 001's `addRoles`/`removeRoles`). Unknown roles are refused by
/// position. No one grants a role whose permissions they do not hold themselves.
pub fn change_roles(
    env: &Env,
    ctx: &RequestContext,
    id: &str,
    add: &[String],
    remove: &[String],
) -> Result<User, Error> {
    let roles = ListChange::Edit { add: add.to_vec(), remove: remove.to_vec() };
    assign(env, ctx, id, &Grants { roles, ..Grants::default() })
}

/// Change what user `id` holds — roles, direct permissions, tenants — and nothing else.
/// The caller must be able to change the user at all (`users:update` everywhere, or in an
/// account the user is a member of); each grant then needs what [`grants`] says.
pub fn assign(env: &Env, ctx: &RequestContext, id: &str, grants: &Grants) -> Result<User, Error> {
    let id = UserId::parse(id).ok_or(Error::NotFound)?;
    let now = env.now().to_rfc3339();
    env.write(|txn| {
        let caller = auth::caller_in(txn, env, ctx)?;
        members::authorize_user(txn, env, &caller, Permission::UsersUpdate, id)?;
        let old = read(txn, id)?.ok_or(Error::NotFound)?;
        let new = replace_in(txn, &old, grants::apply_global(txn, &caller, &old, grants)?, &now)?;
        grants::apply_tenants(txn, env, ctx, &caller, &new, &grants.tenants)?;
        if new.version != old.version {
            audit::Event::new("user.roles_changed", ctx)
                .by(&caller)
                .on("user", id)
                .changing(audit::changed_fields(&old, &new))
                .record(txn, env.now())?;
        }
        Ok(new)
    })
}

/// Every permission a user holds everywhere, by name and sorted.
pub fn effective_permissions(env: &Env, ctx: &RequestContext, id: &str) -> Result<Vec<&'static str>, Error> {
    let id = UserId::parse(id).ok_or(Error::NotFound)?;
    env.read(|txn| {
        let caller = auth::caller_in(txn, env, ctx)?;
        members::authorize_user(txn, env, &caller, Permission::UsersRead, id)?;
        let user = read(txn, id)?.ok_or(Error::NotFound)?;
        Ok(grants::held_everywhere(txn, &user)?.into_iter().map(Permission::name).collect())
    })
}

/// The accounts each of `users` is an active member of (seed 001's `tenants`), limited to
/// those the caller may see; each user needs `users:read`.
pub fn tenants(env: &Env, ctx: &RequestContext, users: &[&User]) -> Result<Vec<Vec<AccountId>>, Error> {
    env.read(|txn| {
        let caller = auth::caller_in(txn, env, ctx)?;
        users
            .iter()
            .map(|user| {
                members::authorize_user(txn, env, &caller, Permission::UsersRead, user.id)?;
                grants::visible_tenants(txn, env, &caller, user)
            })
            .collect()
    })
}

/// Take role `role_id` from every user who holds it (the role is being deleted).
pub fn remove_role_everywhere(txn: &dyn Txn, role_id: &str, now: &str) -> Result<(), Error> {
    let prefix = keys::role_holders(role_id);
    loop {
        let batch = txn.scan(&KeyRange::prefix(&prefix), 500, Direction::Forward)?;
        for (key, _) in &batch {
            let Some(user) = keys::id_of(key).map(|id| read(txn, id)).transpose()?.flatten() else {
                txn.delete(key)?;
                continue;
            };
            let mut new = user.clone();
            new.roles.retain(|r| r != role_id);
            replace_in(txn, &user, new, now)?;
        }
        if batch.len() < 500 {
            return Ok(());
        }
    }
}

/// Whether the store holds any user.
pub fn any(txn: &dyn Txn) -> Result<bool, Error> {
    Ok(!txn.scan(&KeyRange::prefix(keys::RECORD_PREFIX), 1, Direction::Forward)?.is_empty())
}

/// Store a new user, refusing a taken user name or email and attributes the definitions
/// do not allow.
pub fn insert(txn: &dyn Txn, user: &User) -> Result<(), Error> {
    crate::attributes::check_against(&crate::attributes::all(txn)?, &user.attributes, &[])?;
    ensure_unique(txn, user)?;
    write_user(txn, None, Some(user))
}

/// The user with this user name, matched case-insensitively.
pub fn find_by_user_name(txn: &dyn Txn, user_name: &str) -> Result<Option<User>, Error> {
    find_unique(txn, Index::UserName, user_name)?.map(|id| read(txn, id)).transpose().map(Option::flatten)
}

/// The user with this email address, matched case-insensitively.
pub fn find_by_email(txn: &dyn Txn, email: &str) -> Result<Option<User>, Error> {
    find_unique(txn, Index::Email, email)?.map(|id| read(txn, id)).transpose().map(Option::flatten)
}

fn crypto_error(err: CryptoError) -> Error {
    Error::Unavailable(err.to_string())
}

/// Read and decode one user record.
pub fn read(txn: &dyn Txn, id: UserId) -> Result<Option<User>, Error> {
    txn.get(&keys::record(id))?
        .map(|bytes| {
            serde_json::from_slice(&bytes).map_err(|e| Error::Unavailable(format!("corrupt user record {id}: {e}")))
        })
        .transpose()
}

/// The id holding `value` in a unique index, if any.
fn find_unique(txn: &dyn Txn, index: Index, value: &str) -> Result<Option<UserId>, Error> {
    let entries = txn.scan(&index.range(None, Some((value, false))), 1, Direction::Forward)?;
    Ok(entries.first().and_then(|(key, _)| keys::id_of(key)))
}

/// Refuse a user name or email that another user holds; both are checked so that one
/// answer names every taken field. Runs in the writing transaction, so no race slips by.
fn ensure_unique(txn: &dyn Txn, user: &User) -> Result<(), Error> {
    let mut taken = Vec::new();
    for (index, field, value) in [(Index::UserName, "userName", &user.user_name), (Index::Email, "email", &user.email)]
    {
        if find_unique(txn, index, value)?.is_some_and(|holder| holder != user.id) {
            taken.push(FieldError::new(field, "taken", format!("{value} is already taken")));
        }
    }
    if taken.is_empty() { Ok(()) } else { Err(Error::Duplicate(taken)) }
}

/// Store `new` in place of `old`, either of them none for an insert or a delete: the one
/// place a user record is written or removed. Only the index entries that changed are
/// touched, and the counts by status follow in the same transaction.
fn write_user(txn: &dyn Txn, old: Option<&User>, new: Option<&User>) -> Result<(), Error> {
    counters::shift(txn, old.map(|u| u.status), new.map(|u| u.status))?;
    let old_entries = old.map(keys::entries).unwrap_or_default();
    let new_entries = new.map(keys::entries).unwrap_or_default();
    for entry in old_entries.iter().filter(|e| !new_entries.contains(e)) {
        txn.delete(entry)?;
    }
    for entry in new_entries.iter().filter(|e| !old_entries.contains(e)) {
        txn.put(entry, &[])?;
    }
    match (old, new) {
        (_, Some(new)) => {
            let record = serde_json::to_vec(new).expect("a user always serializes to JSON");
            txn.put(&keys::record(new.id), &record)?;
        }
        (Some(old), None) => txn.delete(&keys::record(old.id))?,
        (None, None) => {}
    }
    Ok(())
}

/// Check `input` against the rules of a valid user without storing or reading anything: the
/// user's record as [`create`] would store it, with a fresh id and `now` (RFC 3339), or every
/// field that is wrong. The password policy is left to [`create`]: it runs against the store's
/// settings.
pub fn preview(input: NewUser, now: &str) -> Result<String, Error> {
    let (user, _password) = validate_new(input, UserId::generate(), now.to_owned())?;
    Ok(serde_json::to_string(&user).expect("a user always serializes to JSON"))
}

/// Check every field of a new user, naming each one that is wrong. The password is
/// returned unchecked: the policy needs the user's name and email, checked here first.
pub fn validate_new(input: NewUser, id: UserId, now: String) -> Result<(User, Option<String>), Error> {
    let mut errors = FieldErrors::new();
    let email = match &input.email {
        Some(raw) => errors.check(rules::email("email", raw)),
        None => {
            errors.push(FieldError::new("email", "required", "is required"));
            None
        }
    };
    // A user name defaults to the email address, as seed 000 requires them to match.
    let user_name = match input.user_name.as_deref().or(input.email.as_deref()) {
        Some(raw) => errors.check(rules::user_name("userName", raw)),
        None => None,
    };
    let can_login = input.can_login.unwrap_or(true);
    let password = input.password.filter(|_| {
        if !can_login {
            errors.push(FieldError::new(
                "password",
                "not_allowed",
                "a contact (canLogin false) cannot have a password",
            ));
        }
        can_login
    });
    let mut user = User {
        id,
        user_name: user_name.unwrap_or_default(),
        email: email.unwrap_or_default(),
        first_name: None,
        last_name: None,
        display_name: None,
        phone: None,
        fax: None,
        street: None,
        city: None,
        state: None,
        zipcode: None,
        country: None,
        locale: None,
        timezone: None,
        status: input.status.unwrap_or(UserStatus::Active),
        can_login,
        shared: input.shared.unwrap_or(false),
        opt_in: input.opt_in.unwrap_or(false),
        attributes: Vec::new(),
        preferences: None,
        roles: Vec::new(),
        permissions: Vec::new(),
        created_at: now.clone(),
        updated_at: now,
        version: 1,
    };
    for (field, raw) in input.text {
        *field.slot(&mut user) = errors.check(rules::text_field(field, &raw));
    }
    match rules::attributes("attributes", &input.attributes) {
        Ok(list) => user.attributes = list,
        Err(list) => list.into_iter().for_each(|e| errors.push(e)),
    }
    if let Some(value) = input.preferences {
        user.preferences = errors.check(rules::preferences("preferences", value));
    }
    errors.finish((user, password))
}

/// Store an exported user as it is (id, roles, versions and dates kept), each field checked
/// by the same rules as on creation, its user name and email unique, its roles known.
/// Nothing is written when it is refused.
pub fn import_in(txn: &dyn Txn, user: User) -> Result<crate::transfer::Applied, Error> {
    let mut fields = user.clone();
    let input = NewUser {
        user_name: Some(user.user_name.clone()),
        email: Some(user.email.clone()),
        password: None,
        temporary_password: false,
        text: TextField::ALL
            .into_iter()
            .filter_map(|field| field.slot(&mut fields).take().map(|value| (field, value)))
            .collect(),
        status: Some(user.status),
        can_login: Some(user.can_login),
        shared: Some(user.shared),
        opt_in: Some(user.opt_in),
        attributes: user.attributes.clone(),
        preferences: user.preferences.clone().map(serde_json::Value::Object),
    };
    let (checked, _) = validate_new(input, user.id, user.created_at.clone())?;
    for role in &user.roles {
        if crate::roles::read(txn, role)?.is_none() {
            return Err(Error::invalid("roles", "unknown_role", format!("{role} names no role")));
        }
    }
    let new = User { roles: user.roles, updated_at: user.updated_at, version: user.version, ..checked };
    let old = read(txn, new.id)?;
    match &old {
        Some(old) if old == &new => return Ok(crate::transfer::Applied::Unchanged),
        Some(old) => {
            crate::attributes::check_against(&crate::attributes::all(txn)?, &new.attributes, &[])?;
            ensure_unique(txn, &new)?;
            write_user(txn, Some(old), Some(&new))?;
        }
        None => insert(txn, &new)?,
    }
    Ok(crate::transfer::Applied::written(old.is_some()))
}

/// `old` with `patch` applied, every changed field checked by the same rules as creation.
fn apply_patch(old: &User, patch: UserPatch) -> Result<User, Error> {
    let mut errors = FieldErrors::new();
    let mut user = old.clone();
    if let Some(raw) = &patch.user_name {
        user.user_name = errors.check(rules::user_name("userName", raw)).unwrap_or_default();
    }
    if let Some(raw) = &patch.email {
        user.email = errors.check(rules::email("email", raw)).unwrap_or_default();
    }
    for (field, change) in patch.text {
        let value = match change {
            Change::Keep => continue,
            Change::Clear => None,
            Change::Set(raw) => errors.check(rules::text_field(field, &raw)),
        };
        *TextField::slot(field, &mut user) = value;
    }
    user.status = patch.status.unwrap_or(user.status);
    user.can_login = patch.can_login.unwrap_or(user.can_login);
    user.shared = patch.shared.unwrap_or(user.shared);
    user.opt_in = patch.opt_in.unwrap_or(user.opt_in);
    if let Some(list) = &patch.attributes {
        match rules::attributes("attributes", list) {
            Ok(list) => user.attributes = list,
            Err(list) => list.into_iter().for_each(|e| errors.push(e)),
        }
    }
    match patch.preferences {
        Change::Keep => {}
        Change::Clear => user.preferences = None,
        Change::Set(value) => user.preferences = errors.check(rules::preferences("preferences", value)),
    }
    errors.finish(user)
}

#[cfg(test)]
mod tests;
