//! Roles: named sets of permissions, assigned to users. Two are built in and cannot be
//! deleted: `administrator` (every permission, always) and `account-admin` (seed 002).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::access::{Permission, Target, authorize};
use crate::context::RequestContext;
use crate::env::Env;
use crate::error::{Error, FieldError, FieldErrors};
use crate::model::rules::fold;
use crate::store::{Direction, KeyRange, Txn};
use crate::{audit, auth};

/// The id (and name) of the built-in role that holds every permission.
pub const ADMINISTRATOR: &str = "administrator";
/// The id (and name) of seed 002's built-in account administrator role.
pub const ACCOUNT_ADMIN: &str = "account-admin";

/// A role as stored and returned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Role {
    /// A UUID, or the name of a built-in role.
    pub id: String,
    /// Unique, case-insensitively.
    pub name: String,
    pub description: String,
    /// Permission names, sorted.
    pub permissions: Vec<String>,
    /// Built-in roles cannot be deleted.
    pub builtin: bool,
    pub version: u64,
    /// RFC 3339.
    pub created_at: String,
    /// The id of the user who created it; none for built-in roles.
    pub created_by: Option<String>,
    /// RFC 3339.
    pub updated_at: String,
}

/// What a caller gives to create a role.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewRole {
    pub name: Option<String>,
    pub description: Option<String>,
    pub permissions: Vec<String>,
}

/// A change to a role.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RolePatch {
    pub expected_version: Option<u64>,
    pub name: Option<String>,
    pub description: Option<String>,
    /// Replace the permissions.
    pub permissions: Option<Vec<String>>,
    /// Add these (seed 001's `addPermissions`).
    pub add_permissions: Vec<String>,
    /// Remove these (seed 001's `removePermissions`).
    pub remove_permissions: Vec<String>,
}

fn record_key(id: &str) -> Vec<u8> {
    [b"r/".as_slice(), id.as_bytes()].concat()
}

fn name_key(name: &str) -> Vec<u8> {
    [b"rn/".as_slice(), fold(name).as_bytes()].concat()
}

/// The prefix of every role record.
pub const RECORDS: &[u8] = b"r/";

/// The index entry a role has (its name, whose value is the role's id), for `roster check`.
pub fn index_entry(role: &Role) -> (Vec<u8>, Vec<u8>) {
    (name_key(&role.name), role.id.as_bytes().to_vec())
}

/// Decode a stored role.
pub fn decode_record(bytes: &[u8]) -> Result<Role, Error> {
    decode(bytes)
}

/// Read one role.
pub fn read(txn: &dyn Txn, id: &str) -> Result<Option<Role>, Error> {
    txn.get(&record_key(id))?.map(|bytes| decode(&bytes)).transpose()
}

/// The role named `name` (case-insensitively), or with id `name`: seed 000 names roles
/// (`USER`, `ADMIN`) where the native API gives ids.
pub fn find(txn: &dyn Txn, id_or_name: &str) -> Result<Option<Role>, Error> {
    if let Some(role) = read(txn, id_or_name)? {
        return Ok(Some(role));
    }
    match txn.get(&name_key(id_or_name.trim()))? {
        Some(id) => read(txn, &String::from_utf8_lossy(&id)),
        None => Ok(None),
    }
}

fn decode(bytes: &[u8]) -> Result<Role, Error> {
    serde_json::from_slice(bytes).map_err(|e| Error::Unavailable(format!("corrupt role record: {e}")))
}

fn write(txn: &dyn Txn, role: &Role) -> Result<(), Error> {
    txn.put(&record_key(&role.id), &serde_json::to_vec(role).expect("roles serialize"))?;
    Ok(())
}

/// The permissions that the roles `role_ids` grant together. Unknown ids grant nothing.
pub fn permissions_of(txn: &dyn Txn, role_ids: &[String]) -> Result<BTreeSet<Permission>, Error> {
    if role_ids.iter().any(|id| id == ADMINISTRATOR) {
        return Ok(Permission::ALL.into_iter().collect());
    }
    let keys: Vec<Vec<u8>> = role_ids.iter().map(|id| record_key(id)).collect();
    let mut granted = BTreeSet::new();
    for bytes in txn.get_many(&keys)?.into_iter().flatten() {
        granted.extend(decode(&bytes)?.permissions.iter().filter_map(|p| Permission::parse(p)));
    }
    Ok(granted)
}

/// Store the built-in roles if they are missing.
pub fn ensure_builtin(txn: &dyn Txn, now: &str) -> Result<(), Error> {
    let builtins: [(&str, &str, Vec<Permission>); 2] = [
        (ADMINISTRATOR, "Every permission, everywhere.", Permission::ALL.to_vec()),
        (
            ACCOUNT_ADMIN,
            "Manages an account's users and invitations (seed 002).",
            vec![
                Permission::UsersRead,
                Permission::UsersList,
                Permission::UsersUpdate,
                Permission::InvitationsRead,
                Permission::InvitationsList,
                Permission::InvitationsCreate,
                Permission::InvitationsUpdate,
                Permission::InvitationsDelete,
                Permission::AuditRead,
            ],
        ),
    ];
    for (id, description, permissions) in builtins {
        if read(txn, id)?.is_none() {
            let role = Role {
                id: id.to_owned(),
                name: id.to_owned(),
                description: description.to_owned(),
                permissions: permissions.iter().map(|p| p.name().to_owned()).collect(),
                builtin: true,
                version: 1,
                created_at: now.to_owned(),
                created_by: None,
                updated_at: now.to_owned(),
            };
            txn.put(&name_key(id), id.as_bytes())?;
            write(txn, &role)?;
        }
    }
    Ok(())
}

/// Check a list of permission names against the catalog; returns them sorted and unique.
fn checked_permissions(field: &str, names: &[String], errors: &mut FieldErrors) -> Vec<String> {
    let mut clean = BTreeSet::new();
    for (i, name) in names.iter().enumerate() {
        match Permission::parse(name.trim()) {
            Some(p) => {
                clean.insert(p.name().to_owned());
            }
            None => errors.push(FieldError::new(
                format!("{field}[{i}]"),
                "unknown_permission",
                format!("{name} is not in the permission catalog"),
            )),
        }
    }
    clean.into_iter().collect()
}

fn checked_name(raw: &str, errors: &mut FieldErrors) -> String {
    let name = raw.trim().to_owned();
    let length = name.chars().count();
    if length == 0 {
        errors.push(FieldError::new("name", "required", "must not be empty"));
    } else if length > 100 {
        errors.push(FieldError::new("name", "too_long", "must be at most 100 characters"));
    } else if !name.chars().all(|c| c.is_alphanumeric() || " _.-".contains(c)) {
        errors.push(FieldError::new("name", "format", "must hold only letters, digits, spaces and _ . -"));
    }
    name
}

fn checked_description(raw: &str, errors: &mut FieldErrors) -> String {
    let description = raw.trim().to_owned();
    if description.chars().count() > 1000 {
        errors.push(FieldError::new("description", "too_long", "must be at most 1000 characters"));
    }
    if description.chars().any(char::is_control) {
        errors.push(FieldError::new("description", "format", "must not contain control characters"));
    }
    description
}

fn ensure_name_free(txn: &dyn Txn, name: &str, id: &str) -> Result<(), Error> {
    match txn.get(&name_key(name))? {
        Some(holder) if holder != id.as_bytes() => {
            Err(Error::Duplicate(vec![FieldError::new("name", "taken", format!("{name} is already taken"))]))
        }
        _ => Ok(()),
    }
}

/// Create a role.
pub fn create(env: &Env, ctx: &RequestContext, input: NewRole) -> Result<Role, Error> {
    let mut errors = FieldErrors::new();
    let name = checked_name(input.name.as_deref().unwrap_or(""), &mut errors);
    let description = checked_description(input.description.as_deref().unwrap_or(""), &mut errors);
    let permissions = checked_permissions("permissions", &input.permissions, &mut errors);
    errors.finish(())?;
    let now = env.now().to_rfc3339();
    let role = Role {
        id: uuid::Uuid::now_v7().to_string(),
        name,
        description,
        permissions,
        builtin: false,
        version: 1,
        created_at: now.clone(),
        created_by: None,
        updated_at: now,
    };
    env.write(|txn| {
        let caller = auth::caller_in(txn, env, ctx)?;
        authorize(&caller, Permission::RolesCreate, Target::Any)?;
        let role = Role { created_by: Some(audit::Actor::of(&caller).to_string()), ..role.clone() };
        ensure_name_free(txn, &role.name, &role.id)?;
        txn.put(&name_key(&role.name), role.id.as_bytes())?;
        write(txn, &role)?;
        audit::Event::new("role.created", ctx).by(&caller).on("role", &role.id).record(txn, env.now())?;
        Ok(role)
    })
}

/// One role.
pub fn get(env: &Env, ctx: &RequestContext, id: &str) -> Result<Role, Error> {
    env.read(|txn| {
        authorize(&auth::caller_in(txn, env, ctx)?, Permission::RolesRead, Target::Any)?;
        read(txn, id)?.ok_or(Error::NotFound)
    })
}

/// Every role, sorted by name.
pub fn list(env: &Env, ctx: &RequestContext) -> Result<Vec<Role>, Error> {
    env.read(|txn| {
        authorize(&auth::caller_in(txn, env, ctx)?, Permission::RolesList, Target::Any)?;
        // Roles are few (an operator's vocabulary), so one bounded scan of the name index
        // lists them all.
        let names = txn.scan(&KeyRange::prefix(b"rn/"), 10_000, Direction::Forward)?;
        let keys: Vec<Vec<u8>> = names.iter().map(|(_, id)| record_key(&String::from_utf8_lossy(id))).collect();
        txn.get_many(&keys)?.into_iter().flatten().map(|bytes| decode(&bytes)).collect()
    })
}

/// Change a role. The administrator role's permissions cannot change: it always has all.
pub fn update(env: &Env, ctx: &RequestContext, id: &str, patch: RolePatch) -> Result<Role, Error> {
    let mut errors = FieldErrors::new();
    let name = patch.name.as_deref().map(|n| checked_name(n, &mut errors));
    let description = patch.description.as_deref().map(|d| checked_description(d, &mut errors));
    let replace = patch.permissions.as_deref().map(|p| checked_permissions("permissions", p, &mut errors));
    let add = checked_permissions("addPermissions", &patch.add_permissions, &mut errors);
    let remove = checked_permissions("removePermissions", &patch.remove_permissions, &mut errors);
    errors.finish(())?;
    let now = env.now().to_rfc3339();
    env.write(|txn| {
        let caller = auth::caller_in(txn, env, ctx)?;
        authorize(&caller, Permission::RolesUpdate, Target::Any)?;
        let old = read(txn, id)?.ok_or(Error::NotFound)?;
        Error::check_version(old.version, patch.expected_version)?;
        let mut role = old.clone();
        if let Some(name) = &name {
            role.name = name.clone();
        }
        if let Some(description) = &description {
            role.description = description.clone();
        }
        let mut permissions: BTreeSet<String> =
            replace.clone().unwrap_or(role.permissions.clone()).into_iter().collect();
        permissions.extend(add.iter().cloned());
        permissions.retain(|p| !remove.contains(p));
        role.permissions = permissions.into_iter().collect();
        if role.id == ADMINISTRATOR && role.permissions != old.permissions {
            return Err(Error::invalid(
                "permissions",
                "builtin_role",
                "the administrator role always holds every permission",
            ));
        }
        if role == old {
            return Ok(old);
        }
        if fold(&role.name) != fold(&old.name) {
            if old.builtin {
                return Err(Error::invalid("name", "builtin_role", "a built-in role keeps its name"));
            }
            ensure_name_free(txn, &role.name, &role.id)?;
            txn.delete(&name_key(&old.name))?;
            txn.put(&name_key(&role.name), role.id.as_bytes())?;
        }
        role.version = old.version + 1;
        role.updated_at = now.clone();
        write(txn, &role)?;
        audit::Event::new("role.updated", ctx)
            .by(&caller)
            .on("role", &role.id)
            .changing(audit::changed_fields(&old, &role))
            .record(txn, env.now())?;
        Ok(role)
    })
}

/// Delete a role and take it away from every user who holds it.
pub fn delete(env: &Env, ctx: &RequestContext, id: &str, expected_version: Option<u64>) -> Result<(), Error> {
    env.write(|txn| {
        let caller = auth::caller_in(txn, env, ctx)?;
        authorize(&caller, Permission::RolesDelete, Target::Any)?;
        let role = read(txn, id)?.ok_or(Error::NotFound)?;
        if role.builtin {
            return Err(Error::BuiltinRole);
        }
        Error::check_version(role.version, expected_version)?;
        crate::users::remove_role_everywhere(txn, id, &env.now().to_rfc3339())?;
        txn.delete(&name_key(&role.name))?;
        txn.delete(&record_key(id))?;
        audit::Event::new("role.deleted", ctx).by(&caller).on("role", id).record(txn, env.now())
    })
}

/// Store an exported role as it is (id, versions and dates kept), checked by the same
/// rules as a created one. Nothing is written when it is refused.
pub fn import_in(txn: &dyn Txn, role: Role) -> Result<crate::transfer::Applied, Error> {
    let mut errors = FieldErrors::new();
    let name = checked_name(&role.name, &mut errors);
    let description = checked_description(&role.description, &mut errors);
    let permissions = checked_permissions("permissions", &role.permissions, &mut errors);
    errors.finish(())?;
    if role.id.trim().is_empty() {
        return Err(Error::invalid("id", "required", "must not be empty"));
    }
    // Built-in roles keep the catalog's order; a set equal to the checked one is kept as given.
    let permissions = if role.permissions.len() == permissions.len()
        && role.permissions.iter().collect::<BTreeSet<_>>() == permissions.iter().collect::<BTreeSet<_>>()
    {
        role.permissions.clone()
    } else {
        permissions
    };
    let role = Role { name, description, permissions, ..role };
    let old = read(txn, &role.id)?;
    if old.as_ref() == Some(&role) {
        return Ok(crate::transfer::Applied::Unchanged);
    }
    ensure_name_free(txn, &role.name, &role.id)?;
    if let Some(old) = &old {
        txn.delete(&name_key(&old.name))?;
    }
    txn.put(&name_key(&role.name), role.id.as_bytes())?;
    write(txn, &role)?;
    Ok(crate::transfer::Applied::written(old.is_some()))
}

#[cfg(test)]
mod tests;
