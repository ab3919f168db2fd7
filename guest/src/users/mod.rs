//! The user service: create, read, update, delete and list, each in one transaction that
//! keeps the record, its unique names and its index entries in step.

pub mod keys;
pub mod query;

use crate::context::RequestContext;
use crate::env::{CryptoError, Env};
use crate::error::{Error, FieldError, FieldErrors};
use crate::model::rules;
use crate::model::user::{Change, NewUser, TextField, User, UserId, UserPatch, UserStatus};
use crate::store::{Direction, Txn};
use keys::Index;
use query::{Page, Query};

/// Create a user. A password, if given, is hashed before the transaction begins.
pub fn create(env: &Env, _ctx: &RequestContext, input: NewUser) -> Result<User, Error> {
    let now = (env.now)().to_rfc3339();
    let (user, password) = validate_new(input, UserId::generate(), now)?;
    let hash = password.map(|p| env.crypto.hash_password(&p)).transpose().map_err(crypto_error)?;
    env.write(|txn| {
        ensure_unique(txn, &user)?;
        write_user(txn, None, &user)?;
        if let Some(hash) = &hash {
            txn.put(&keys::password(user.id), hash.as_bytes())?;
        }
        Ok(user.clone())
    })
}

/// The user with `id`; an id that is not a UUID is simply not found.
pub fn get(env: &Env, _ctx: &RequestContext, id: &str) -> Result<User, Error> {
    let id = UserId::parse(id).ok_or(Error::NotFound)?;
    env.read(|txn| read_user(txn, id)?.ok_or(Error::NotFound))
}

/// The user whose user name is `user_name`, matched case-insensitively.
pub fn get_by_user_name(env: &Env, _ctx: &RequestContext, user_name: &str) -> Result<User, Error> {
    env.read(|txn| {
        let id = find_unique(txn, Index::UserName, user_name)?.ok_or(Error::NotFound)?;
        read_user(txn, id)?.ok_or(Error::NotFound)
    })
}

/// A page of the users matching `query`.
pub fn list(env: &Env, _ctx: &RequestContext, query: &Query) -> Result<Page, Error> {
    env.read(|txn| query::run(txn, query))
}

/// Apply `patch` to the user with `id`. A patch that changes nothing leaves the version.
pub fn update(env: &Env, _ctx: &RequestContext, id: &str, patch: UserPatch) -> Result<User, Error> {
    let id = UserId::parse(id).ok_or(Error::NotFound)?;
    let now = (env.now)().to_rfc3339();
    env.write(|txn| {
        let old = read_user(txn, id)?.ok_or(Error::NotFound)?;
        check_version(&old, patch.expected_version)?;
        let mut new = apply_patch(&old, patch.clone())?;
        if new == old {
            return Ok(old);
        }
        new.version = old.version + 1;
        new.updated_at = now.clone();
        ensure_unique(txn, &new)?;
        write_user(txn, Some(&old), &new)?;
        Ok(new)
    })
}

/// Delete the user with `id`, its password and its index entries.
pub fn delete(env: &Env, _ctx: &RequestContext, id: &str, expected_version: Option<u64>) -> Result<(), Error> {
    let id = UserId::parse(id).ok_or(Error::NotFound)?;
    env.write(|txn| {
        let old = read_user(txn, id)?.ok_or(Error::NotFound)?;
        check_version(&old, expected_version)?;
        for entry in keys::entries(&old) {
            txn.delete(&entry)?;
        }
        txn.delete(&keys::password(id))?;
        txn.delete(&keys::record(id))?;
        Ok(())
    })
}

fn check_version(user: &User, expected: Option<u64>) -> Result<(), Error> {
    match expected {
        Some(version) if version != user.version => Err(Error::StaleVersion { current: user.version }),
        _ => Ok(()),
    }
}

fn crypto_error(err: CryptoError) -> Error {
    Error::Unavailable(err.to_string())
}

/// Read and decode one user record.
fn read_user(txn: &dyn Txn, id: UserId) -> Result<Option<User>, Error> {
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

/// Store `new`, replacing `old`: only the index entries that changed are touched.
fn write_user(txn: &dyn Txn, old: Option<&User>, new: &User) -> Result<(), Error> {
    let new_entries = keys::entries(new);
    if let Some(old) = old {
        for entry in keys::entries(old).into_iter().filter(|e| !new_entries.contains(e)) {
            txn.delete(&entry)?;
        }
    }
    let old_entries = old.map(keys::entries).unwrap_or_default();
    for entry in new_entries.iter().filter(|e| !old_entries.contains(e)) {
        txn.put(entry, &[])?;
    }
    let record = serde_json::to_vec(new).expect("a user always serializes to JSON");
    txn.put(&keys::record(new.id), &record)?;
    Ok(())
}

/// Check every field of a new user, naming each one that is wrong.
fn validate_new(input: NewUser, id: UserId, now: String) -> Result<(User, Option<String>), Error> {
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
    let password = input.password.as_deref().and_then(|raw| {
        if can_login {
            errors.check(rules::password("password", raw))
        } else {
            errors.push(FieldError::new(
                "password",
                "not-allowed",
                "a contact (canLogin false) cannot have a password",
            ));
            None
        }
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
