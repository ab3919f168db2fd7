//! The account service: create, read, update, delete and list accounts, each in one
//! transaction that keeps the record and its name index in step.
//!
//! Deleting an account that still has members is refused (409 `account_has_members`)
//! unless the caller forces it, which removes its memberships and pending invitations in
//! the same transaction.

pub mod assignments;
pub mod invitations;
pub mod members;

use crate::access::{Caller, Permission, Target, authorize};
use crate::context::RequestContext;
use crate::env::Env;
use crate::error::{Error, FieldError, FieldErrors};
use crate::model::account::{Account, AccountId, AccountPatch, AccountStatus, AccountType, NewAccount};
use crate::model::rules::{self, fold};
use crate::model::user::Change;
use crate::store::paging::{self, Page, Scan, Start};
use crate::store::{Direction, Entry, KeyRange, Txn};
use crate::{audit, auth};

const RECORD_PREFIX: &[u8] = b"a/";
const NAME_INDEX: &[u8] = b"i/an/";

fn record_key(id: AccountId) -> Vec<u8> {
    [RECORD_PREFIX, id.as_bytes()].concat()
}

/// The prefix of every account record.
pub const RECORDS: &[u8] = RECORD_PREFIX;

/// The index entries an account has (its name), for `roster check`.
pub fn index_entries(account: &Account) -> Vec<Vec<u8>> {
    vec![name_entry(account)]
}

/// Decode a stored account.
pub fn decode_record(bytes: &[u8]) -> Result<Account, Error> {
    decode(bytes)
}

fn name_entry(account: &Account) -> Vec<u8> {
    [NAME_INDEX, fold(&account.name).as_bytes(), b"\0", account.id.as_bytes()].concat()
}

fn decode(bytes: &[u8]) -> Result<Account, Error> {
    serde_json::from_slice(bytes).map_err(|e| Error::Unavailable(format!("corrupt account record: {e}")))
}

/// Read one account.
pub fn read(txn: &dyn Txn, id: AccountId) -> Result<Option<Account>, Error> {
    txn.get(&record_key(id))?.map(|b| decode(&b)).transpose()
}

/// The account named `name`, case-insensitively.
pub fn find_by_name(txn: &dyn Txn, name: &str) -> Result<Option<Account>, Error> {
    let prefix = [NAME_INDEX, fold(name.trim()).as_bytes(), b"\0"].concat();
    let found = txn.scan(&KeyRange::prefix(&prefix), 1, Direction::Forward)?;
    match found.first().and_then(|(key, _)| AccountId::from_slice(&key[key.len() - 16..])) {
        Some(id) => read(txn, id),
        None => Ok(None),
    }
}

fn ensure_name_free(txn: &dyn Txn, account: &Account) -> Result<(), Error> {
    match find_by_name(txn, &account.name)? {
        Some(holder) if holder.id != account.id => {
            Err(Error::Duplicate(vec![FieldError::new("name", "taken", format!("{} is already taken", account.name))]))
        }
        _ => Ok(()),
    }
}

fn write(txn: &dyn Txn, old: Option<&Account>, new: &Account) -> Result<(), Error> {
    if let Some(old) = old
        && name_entry(old) != name_entry(new)
    {
        txn.delete(&name_entry(old))?;
    }
    txn.put(&name_entry(new), &[])?;
    txn.put(&record_key(new.id), &serde_json::to_vec(new).expect("accounts serialize"))?;
    Ok(())
}

/// Create an account.
pub fn create(env: &Env, ctx: &RequestContext, input: NewAccount) -> Result<Account, Error> {
    let now = env.now().to_rfc3339();
    let mut errors = FieldErrors::new();
    let name = match &input.name {
        Some(raw) => errors.check(rules::short_name("name", raw)),
        None => {
            errors.push(FieldError::new("name", "required", "is required"));
            None
        }
    };
    let display_name =
        input.display_name.as_deref().and_then(|raw| errors.check(rules::display_name("displayName", raw)));
    let attributes = rules::attributes("attributes", &input.attributes).unwrap_or_else(|list| {
        list.into_iter().for_each(|e| errors.push(e));
        Vec::new()
    });
    let account = errors.finish(Account {
        id: AccountId::generate(),
        name: name.unwrap_or_default(),
        display_name,
        account_type: input.account_type.unwrap_or(AccountType::Unknown),
        status: input.status.unwrap_or(AccountStatus::Active),
        attributes,
        created_at: now.clone(),
        updated_at: now,
        version: 1,
    })?;
    env.write(|txn| {
        let caller = auth::caller_in(txn, env, ctx)?;
        authorize(&caller, Permission::AccountsCreate, Target::Any)?;
        ensure_name_free(txn, &account)?;
        write(txn, None, &account)?;
        audit::Event::new("account.created", ctx)
            .by(&caller)
            .on("account", account.id)
            .in_account(account.id)
            .record(txn, env.now())?;
        Ok(account.clone())
    })
}

/// The account with id `id`, or, when `id` is not a UUID, the one named `id`.
pub fn get(env: &Env, ctx: &RequestContext, id_or_name: &str) -> Result<Account, Error> {
    env.read(|txn| {
        let caller = auth::caller_in(txn, env, ctx)?;
        let account = resolve(txn, id_or_name)?;
        authorize(
            &caller,
            Permission::AccountsRead,
            account.as_ref().map_or(Target::Missing, |a| Target::Account(a.id)),
        )?;
        account.ok_or(Error::NotFound)
    })
}

/// Every account of type `account_type`, read a page at a time; only the matches are kept
/// (accounts have no type index: they are an operator's customers, thousands, not millions).
pub fn of_type(txn: &dyn Txn, account_type: AccountType) -> Result<Vec<Account>, Error> {
    let mut range = KeyRange::prefix(RECORD_PREFIX);
    let mut found = Vec::new();
    loop {
        let batch = txn.scan(&range, paging::MAX_LIMIT, Direction::Forward)?;
        for (_, value) in &batch {
            let account = decode(value)?;
            if account.account_type == account_type {
                found.push(account);
            }
        }
        match batch.last() {
            Some((key, _)) if batch.len() == paging::MAX_LIMIT as usize => {
                range.start = std::ops::Bound::Excluded(key.clone())
            }
            _ => return Ok(found),
        }
    }
}

/// The account with id `id_or_name`, or, when it is not a UUID, the one so named.
pub fn resolve(txn: &dyn Txn, id_or_name: &str) -> Result<Option<Account>, Error> {
    match AccountId::parse(id_or_name) {
        Some(id) => read(txn, id),
        None => find_by_name(txn, id_or_name),
    }
}

/// How accounts are listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountQuery {
    /// The name, exactly or as a prefix (case-insensitive).
    pub name: Option<crate::users::query::TextMatch>,
    pub account_type: Option<AccountType>,
    pub status: Option<AccountStatus>,
    /// By name (true) or by creation (false).
    pub by_name: bool,
    pub descending: bool,
    pub limit: u32,
    pub start: Start,
}

impl Default for AccountQuery {
    /// Every account, by name, the first page of 50.
    fn default() -> Self {
        AccountQuery {
            name: None,
            account_type: None,
            status: None,
            by_name: true,
            descending: false,
            limit: 50,
            start: Start::Page(1),
        }
    }
}

/// A page of the accounts the caller may see that match `query`.
pub fn list(env: &Env, ctx: &RequestContext, query: &AccountQuery) -> Result<Page<Account>, Error> {
    env.read(|txn| {
        let caller = auth::caller_in(txn, env, ctx)?;
        let visible = scope(&caller, Permission::AccountsList)?;
        let direction = if query.descending { Direction::Reverse } else { Direction::Forward };
        let (range, by_index) = match (&query.name, query.by_name) {
            (Some(name), true) => {
                let (text, exact) = match name {
                    crate::users::query::TextMatch::Exact(t) => (t, true),
                    crate::users::query::TextMatch::Prefix(t) => (t, false),
                };
                let mut prefix = [NAME_INDEX, fold(text).as_bytes()].concat();
                if exact {
                    prefix.push(0);
                }
                (KeyRange::prefix(&prefix), true)
            }
            (None, true) => (KeyRange::prefix(NAME_INDEX), true),
            (_, false) => (KeyRange::prefix(RECORD_PREFIX), false),
        };
        let scan = Scan {
            range,
            direction,
            identity: format!("{:?}|{:?}|{:?}", query.name, query.account_type, query.status),
        };
        let load = |txn: &dyn Txn, entries: Vec<Entry>| {
            if by_index {
                paging::load_indexed(txn, entries, |key| Some([RECORD_PREFIX, &key[key.len() - 16..]].concat()), decode)
            } else {
                entries.into_iter().map(|(key, value)| Ok((key, decode(&value)?))).collect()
            }
        };
        let keep = |account: &Account| {
            visible.as_ref().is_none_or(|ids| ids.contains(&account.id))
                && query.name.as_ref().is_none_or(|m| m.matches(&account.name))
                && query.account_type.is_none_or(|t| t == account.account_type)
                && query.status.is_none_or(|s| s == account.status)
        };
        paging::read(txn, &scan, &query.start, query.limit, load, keep)
    })
}

/// Where `permission` lets `caller` list: `None` everywhere, else the accounts where it is
/// held. The policy decides first, so a temporary password or no grant at all still refuses.
pub fn scope(caller: &Caller, permission: Permission) -> Result<Option<Vec<AccountId>>, Error> {
    match authorize(caller, permission, Target::Any) {
        Ok(()) => Ok(None),
        Err(Error::Forbidden(_)) if caller.accounts_with(permission).next().is_some() => {
            Ok(Some(caller.accounts_with(permission).collect()))
        }
        Err(err) => Err(err),
    }
}

/// Change an account.
pub fn update(env: &Env, ctx: &RequestContext, id_or_name: &str, patch: AccountPatch) -> Result<Account, Error> {
    let now = env.now().to_rfc3339();
    let mut errors = FieldErrors::new();
    let name = patch.name.as_deref().and_then(|raw| errors.check(rules::short_name("name", raw)));
    let display_name = match &patch.display_name {
        None | Some(Change::Keep) => None,
        Some(Change::Clear) => Some(None),
        Some(Change::Set(raw)) => errors.check(rules::display_name("displayName", raw)).map(Some),
    };
    let attributes = patch.attributes.as_ref().map(|list| {
        rules::attributes("attributes", list).unwrap_or_else(|errs| {
            errs.into_iter().for_each(|e| errors.push(e));
            Vec::new()
        })
    });
    errors.finish(())?;
    env.write(|txn| {
        let caller = auth::caller_in(txn, env, ctx)?;
        let old = resolve(txn, id_or_name)?;
        authorize(
            &caller,
            Permission::AccountsUpdate,
            old.as_ref().map_or(Target::Missing, |a| Target::Account(a.id)),
        )?;
        let old = old.ok_or(Error::NotFound)?;
        Error::check_version(old.version, patch.expected_version)?;
        let mut new = old.clone();
        if let Some(name) = &name {
            new.name = name.clone();
        }
        if let Some(display_name) = &display_name {
            new.display_name = display_name.clone();
        }
        new.account_type = patch.account_type.unwrap_or(new.account_type);
        new.status = patch.status.unwrap_or(new.status);
        if let Some(attributes) = &attributes {
            new.attributes = attributes.clone();
        }
        if new == old {
            return Ok(old);
        }
        new.version = old.version + 1;
        new.updated_at = now.clone();
        ensure_name_free(txn, &new)?;
        write(txn, Some(&old), &new)?;
        audit::Event::new("account.updated", ctx)
            .by(&caller)
            .on("account", new.id)
            .in_account(new.id)
            .changing(audit::changed_fields(&old, &new))
            .record(txn, env.now())?;
        Ok(new)
    })
}

/// Delete an account. With members it is refused unless `force`, which removes every
/// membership and pending invitation of the account in the same transaction.
pub fn delete(
    env: &Env,
    ctx: &RequestContext,
    id_or_name: &str,
    expected_version: Option<u64>,
    force: bool,
) -> Result<(), Error> {
    env.write(|txn| {
        let caller = auth::caller_in(txn, env, ctx)?;
        let account = resolve(txn, id_or_name)?;
        authorize(
            &caller,
            Permission::AccountsDelete,
            account.as_ref().map_or(Target::Missing, |a| Target::Account(a.id)),
        )?;
        let account = account.ok_or(Error::NotFound)?;
        Error::check_version(account.version, expected_version)?;
        if members::any(txn, account.id)? && !force {
            return Err(Error::AccountHasMembers);
        }
        members::remove_all(txn, account.id)?;
        txn.delete(&name_entry(&account))?;
        txn.delete(&record_key(account.id))?;
        audit::Event::new("account.deleted", ctx)
            .by(&caller)
            .on("account", account.id)
            .in_account(account.id)
            .record(txn, env.now())
    })
}

/// Store an exported account as it is (id, versions and dates kept), checked by the same
/// rules as a created one. Nothing is written when it is refused.
pub fn import_in(txn: &dyn Txn, account: Account) -> Result<crate::transfer::Applied, Error> {
    let mut errors = FieldErrors::new();
    let name = errors.check(rules::short_name("name", &account.name));
    let display_name = match &account.display_name {
        Some(raw) => errors.check(rules::display_name("displayName", raw)),
        None => None,
    };
    let attributes = rules::attributes("attributes", &account.attributes).unwrap_or_else(|list| {
        list.into_iter().for_each(|e| errors.push(e));
        Vec::new()
    });
    let account = errors.finish(Account { name: name.unwrap_or_default(), display_name, attributes, ..account })?;
    let old = read(txn, account.id)?;
    if old.as_ref() == Some(&account) {
        return Ok(crate::transfer::Applied::Unchanged);
    }
    ensure_name_free(txn, &account)?;
    write(txn, old.as_ref(), &account)?;
    Ok(crate::transfer::Applied::written(old.is_some()))
}

#[cfg(test)]
mod tests;
