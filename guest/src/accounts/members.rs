//! Memberships: a user belongs to an account with roles that apply only inside it, until
//! an optional expiry date (seed 000's `accountRoles[].expiryDate`). On and after that date
//! the membership grants nothing and the user is no longer listed as a member; the record
//! stays for audit. A pending invitation is a membership that does not count until accepted.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::access::{Caller, Permission, Target, authorize};
use crate::context::RequestContext;
use crate::env::Env;
use crate::error::{Error, FieldError, FieldErrors};
use crate::model::account::AccountId;
use crate::model::time::is_date;
use crate::model::user::{User, UserId};
use crate::store::paging::{self, Page, Scan, Start};
use crate::store::{Direction, Entry, KeyRange, Txn};
use crate::{audit, auth, roles, users};

/// Where an invitation stands (seed 002's `invitationStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum InvitationStatus {
    /// Invited, not yet accepted: the membership grants nothing yet.
    Pending,
    /// Accepted, or a member added directly.
    Accepted,
}

/// A user's membership of an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Membership {
    pub account_id: AccountId,
    pub user_id: UserId,
    /// Role ids; their permissions apply only inside this account.
    pub roles: Vec<String>,
    /// `YYYY-MM-DD`: from this date on the membership grants nothing.
    pub expiry_date: Option<String>,
    pub invitation_status: InvitationStatus,
    /// The user's home account (seed 003's `customerId`); at most one membership per user.
    #[serde(default)]
    pub home: bool,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
}

impl Membership {
    /// Whether the membership counts on `today` (`YYYY-MM-DD`).
    pub fn is_active(&self, today: &str) -> bool {
        self.invitation_status == InvitationStatus::Accepted
            && self.expiry_date.as_deref().is_none_or(|expiry| today < expiry)
    }
}

fn record_key(account: AccountId, user: UserId) -> Vec<u8> {
    [b"m/".as_slice(), account.as_bytes(), user.as_bytes()].concat()
}

fn account_prefix(account: AccountId) -> Vec<u8> {
    [b"m/".as_slice(), account.as_bytes()].concat()
}

fn user_prefix(user: UserId) -> Vec<u8> {
    [b"mu/".as_slice(), user.as_bytes()].concat()
}

/// The prefix of every membership record.
pub const RECORDS: &[u8] = b"m/";

/// The listing of a membership under its user, for `roster check`.
pub fn index_entry(membership: &Membership) -> Vec<u8> {
    [user_prefix(membership.user_id), membership.account_id.as_bytes().to_vec()].concat()
}

/// Decode a stored membership.
pub fn decode_record(bytes: &[u8]) -> Result<Membership, Error> {
    decode(bytes)
}

fn decode(bytes: &[u8]) -> Result<Membership, Error> {
    serde_json::from_slice(bytes).map_err(|e| Error::Unavailable(format!("corrupt membership record: {e}")))
}

/// One membership.
pub fn read(txn: &dyn Txn, account: AccountId, user: UserId) -> Result<Option<Membership>, Error> {
    txn.get(&record_key(account, user))?.map(|b| decode(&b)).transpose()
}

/// Store a membership.
pub fn write(txn: &dyn Txn, membership: &Membership) -> Result<(), Error> {
    let (account, user) = (membership.account_id, membership.user_id);
    txn.put(&record_key(account, user), &serde_json::to_vec(membership).expect("memberships serialize"))?;
    txn.put(&[user_prefix(user), account.as_bytes().to_vec()].concat(), &[])?;
    Ok(())
}

/// Delete one membership and its listing under the user.
pub fn remove(txn: &dyn Txn, account: AccountId, user: UserId) -> Result<(), Error> {
    txn.delete(&record_key(account, user))?;
    txn.delete(&[user_prefix(user), account.as_bytes().to_vec()].concat())?;
    Ok(())
}

/// Every membership of `user`, active or not.
pub fn of_user(txn: &dyn Txn, user: UserId) -> Result<Vec<Membership>, Error> {
    let prefix = user_prefix(user);
    let listed = txn.scan(&KeyRange::prefix(&prefix), paging::MAX_LIMIT, Direction::Forward)?;
    let keys: Vec<Vec<u8>> = listed
        .iter()
        .filter_map(|(key, _)| AccountId::from_slice(&key[prefix.len()..]))
        .map(|account| record_key(account, user))
        .collect();
    txn.get_many(&keys)?.into_iter().flatten().map(|b| decode(&b)).collect()
}

/// The accounts `user` is an active member of on `today`.
pub fn active_accounts(txn: &dyn Txn, user: UserId, today: &str) -> Result<Vec<AccountId>, Error> {
    Ok(of_user(txn, user)?.into_iter().filter(|m| m.is_active(today)).map(|m| m.account_id).collect())
}

/// The permissions `user` holds in each account where the membership is active.
pub fn permissions_by_account(
    txn: &dyn Txn,
    user: UserId,
    today: &str,
) -> Result<BTreeMap<AccountId, BTreeSet<Permission>>, Error> {
    let mut by_account = BTreeMap::new();
    for membership in of_user(txn, user)?.into_iter().filter(|m| m.is_active(today)) {
        by_account.insert(membership.account_id, roles::permissions_of(txn, &membership.roles)?);
    }
    Ok(by_account)
}

/// Authorize `permission` on user `user`'s record, counting the accounts the user is an
/// active member of (loaded only when a global permission does not settle it).
pub fn authorize_user(
    txn: &dyn Txn,
    env: &Env,
    caller: &Caller,
    permission: Permission,
    user: UserId,
) -> Result<(), Error> {
    match authorize(caller, permission, Target::User(user, &[])) {
        Err(Error::NotFound) => {
            let accounts = active_accounts(txn, user, &env.now().date())?;
            authorize(caller, permission, Target::User(user, &accounts))
        }
        verdict => verdict,
    }
}

/// The users who are active members of `account` on `today`.
pub fn active_members(txn: &dyn Txn, account: AccountId, today: &str) -> Result<Vec<UserId>, Error> {
    let prefix = account_prefix(account);
    let mut range = KeyRange::prefix(&prefix);
    let mut found = Vec::new();
    loop {
        let batch = txn.scan(&range, 500, Direction::Forward)?;
        for (_, value) in &batch {
            let membership = decode(value)?;
            if membership.is_active(today) {
                found.push(membership.user_id);
            }
        }
        match batch.last() {
            Some((key, _)) if batch.len() == 500 => range.start = std::ops::Bound::Excluded(key.clone()),
            _ => return Ok(found),
        }
    }
}

/// Whether `account` has any membership, active or not.
pub fn any(txn: &dyn Txn, account: AccountId) -> Result<bool, Error> {
    Ok(!txn.scan(&KeyRange::prefix(&account_prefix(account)), 1, Direction::Forward)?.is_empty())
}

/// Remove every membership of `account` (pending invitations included).
pub fn remove_all(txn: &dyn Txn, account: AccountId) -> Result<(), Error> {
    let prefix = account_prefix(account);
    loop {
        let batch = txn.scan(&KeyRange::prefix(&prefix), 500, Direction::Forward)?;
        for (key, _) in &batch {
            if let Some(user) = UserId::from_slice(&key[prefix.len()..]) {
                remove(txn, account, user)?;
                crate::accounts::invitations::forget(txn, account, user)?;
            }
        }
        if batch.len() < 500 {
            return Ok(());
        }
    }
}

/// Remove every membership of `user` (the user is being deleted).
pub fn forget_user(txn: &dyn Txn, user: UserId) -> Result<(), Error> {
    for membership in of_user(txn, user)? {
        remove(txn, membership.account_id, user)?;
        crate::accounts::invitations::forget(txn, membership.account_id, user)?;
    }
    Ok(())
}

/// Check role ids and an expiry date for a membership; `field` prefixes the field names.
pub fn check_grant(
    txn: &dyn Txn,
    caller: &Caller,
    account: AccountId,
    role_ids: &[String],
    expiry_date: Option<&str>,
) -> Result<(), Error> {
    let mut errors = FieldErrors::new();
    for (i, role) in role_ids.iter().enumerate() {
        if roles::read(txn, role)?.is_none() {
            errors.push(FieldError::new(format!("roles[{i}]"), "unknown_role", format!("no role has the id {role}")));
        }
    }
    if let Some(date) = expiry_date
        && !is_date(date)
    {
        errors.push(FieldError::new("expiryDate", "format", "must be a date written YYYY-MM-DD"));
    }
    errors.finish(())?;
    // No one grants, even inside an account, a permission they do not hold there.
    let held = caller.accounts.get(&account);
    for permission in roles::permissions_of(txn, role_ids)? {
        if !caller.holds_globally(permission) && !held.is_some_and(|h| h.contains(&permission)) {
            return Err(Error::Forbidden(permission.name().to_owned()));
        }
    }
    Ok(())
}

/// Make `user` a member of `account` with `role_ids` until `expiry_date`, or change the
/// roles and expiry of an existing membership.
pub fn put(
    env: &Env,
    ctx: &RequestContext,
    account: &str,
    user: &str,
    role_ids: &[String],
    expiry_date: Option<&str>,
) -> Result<Membership, Error> {
    let account = AccountId::parse(account).ok_or(Error::NotFound)?;
    let user = UserId::parse(user).ok_or(Error::NotFound)?;
    let now = env.now().to_rfc3339();
    env.write(|txn| {
        let caller = auth::caller_in(txn, env, ctx)?;
        authorize(&caller, Permission::UsersUpdate, Target::Account(account))?;
        crate::accounts::read(txn, account)?.ok_or(Error::NotFound)?;
        let member = users::read(txn, user)?.ok_or(Error::NotFound)?;
        check_grant(txn, &caller, account, role_ids, expiry_date)?;
        // A member must carry the attributes the account requires.
        let mut accounts = active_accounts(txn, user, &env.now().date())?;
        accounts.push(account);
        crate::attributes::check_against(&crate::attributes::all(txn)?, &member.attributes, &accounts)?;
        let membership = match read(txn, account, user)? {
            Some(old) => Membership {
                roles: role_ids.to_vec(),
                expiry_date: expiry_date.map(str::to_owned),
                updated_at: now.clone(),
                ..old
            },
            None => Membership {
                account_id: account,
                user_id: user,
                roles: role_ids.to_vec(),
                expiry_date: expiry_date.map(str::to_owned),
                invitation_status: InvitationStatus::Accepted,
                home: false,
                created_at: now.clone(),
                updated_at: now.clone(),
            },
        };
        write(txn, &membership)?;
        audit::Event::new("membership.changed", ctx)
            .by(&caller)
            .on("user", user)
            .in_account(account)
            .changing(["roles", "expiryDate"])
            .record(txn, env.now())?;
        Ok(membership)
    })
}

/// Take `user` out of `account` (a pending invitation included).
pub fn delete(env: &Env, ctx: &RequestContext, account: &str, user: &str) -> Result<(), Error> {
    let account = AccountId::parse(account).ok_or(Error::NotFound)?;
    let user = UserId::parse(user).ok_or(Error::NotFound)?;
    env.write(|txn| {
        let caller = auth::caller_in(txn, env, ctx)?;
        authorize(&caller, Permission::UsersUpdate, Target::Account(account))?;
        read(txn, account, user)?.ok_or(Error::NotFound)?;
        remove(txn, account, user)?;
        crate::accounts::invitations::forget(txn, account, user)?;
        audit::Event::new("membership.removed", ctx)
            .by(&caller)
            .on("user", user)
            .in_account(account)
            .record(txn, env.now())
    })
}

/// Change the roles of `user` in `account` (seed 002's update), keeping the expiry; a
/// pending invitation keeps its status and grants the new roles once accepted. Only a
/// current member (or invitee) can be changed: anyone else is not found.
pub fn set_roles(
    env: &Env,
    ctx: &RequestContext,
    account: &str,
    user: &str,
    role_ids: &[String],
) -> Result<Membership, Error> {
    let account = AccountId::parse(account).ok_or(Error::NotFound)?;
    let user = UserId::parse(user).ok_or(Error::NotFound)?;
    let today = env.now().date();
    env.write(|txn| {
        let caller = auth::caller_in(txn, env, ctx)?;
        authorize(&caller, Permission::UsersUpdate, Target::Account(account))?;
        let old = read(txn, account, user)?.filter(|m| is_listed(m, &today)).ok_or(Error::NotFound)?;
        check_grant(txn, &caller, account, role_ids, None)?;
        let membership = Membership { roles: role_ids.to_vec(), updated_at: env.now().to_rfc3339(), ..old };
        write(txn, &membership)?;
        audit::Event::new("membership.changed", ctx)
            .by(&caller)
            .on("user", user)
            .in_account(account)
            .changing(["roles"])
            .record(txn, env.now())?;
        Ok(membership)
    })
}

/// One member of `account` as [`list`] shows it: an active member or a pending invitee.
pub fn get(env: &Env, ctx: &RequestContext, account: &str, user: &str) -> Result<Member, Error> {
    let account = AccountId::parse(account).ok_or(Error::NotFound)?;
    let user = UserId::parse(user).ok_or(Error::NotFound)?;
    let today = env.now().date();
    env.read(|txn| {
        let caller = auth::caller_in(txn, env, ctx)?;
        authorize(&caller, Permission::UsersRead, Target::Account(account))?;
        let membership = read(txn, account, user)?.filter(|m| is_listed(m, &today)).ok_or(Error::NotFound)?;
        let user = users::read(txn, user)?.ok_or(Error::NotFound)?;
        Ok(Member { user, membership })
    })
}

/// Whether a membership is listed: pending, or active on `today`.
fn is_listed(membership: &Membership, today: &str) -> bool {
    membership.invitation_status == InvitationStatus::Pending || membership.is_active(today)
}

/// A member as listed: the user and the membership.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Member {
    pub user: User,
    pub membership: Membership,
}

/// A page of `account`'s members: active ones and pending invitations, not expired ones;
/// `email` keeps those whose address contains it (case-insensitively).
pub fn list(
    env: &Env,
    ctx: &RequestContext,
    account: &str,
    email: Option<&str>,
    limit: u32,
    start: &Start,
) -> Result<Page<Member>, Error> {
    let account = AccountId::parse(account).ok_or(Error::NotFound)?;
    let today = env.now().date();
    env.read(|txn| {
        let caller = auth::caller_in(txn, env, ctx)?;
        authorize(&caller, Permission::UsersList, Target::Account(account))?;
        crate::accounts::read(txn, account)?.ok_or(Error::NotFound)?;
        let scan = Scan {
            range: KeyRange::prefix(&account_prefix(account)),
            direction: Direction::Forward,
            identity: format!("members|{email:?}"),
        };
        let load = |txn: &dyn Txn, entries: Vec<Entry>| -> Result<Vec<(Vec<u8>, Member)>, Error> {
            let memberships: Vec<(Vec<u8>, Membership)> =
                entries.into_iter().map(|(key, value)| Ok((key, decode(&value)?))).collect::<Result<_, Error>>()?;
            let user_keys: Vec<Vec<u8>> = memberships.iter().map(|(_, m)| users::keys::record(m.user_id)).collect();
            let found = txn.get_many(&user_keys)?;
            let mut rows = Vec::with_capacity(found.len());
            for ((key, membership), user) in memberships.into_iter().zip(found) {
                if let Some(bytes) = user {
                    let user = serde_json::from_slice(&bytes)
                        .map_err(|e| Error::Unavailable(format!("corrupt user record: {e}")))?;
                    rows.push((key, Member { user, membership }));
                }
            }
            Ok(rows)
        };
        let needle = email.map(crate::model::rules::fold);
        let keep = |member: &Member| {
            is_listed(&member.membership, &today)
                && needle.as_ref().is_none_or(|n| crate::model::rules::fold(&member.user.email).contains(n.as_str()))
        };
        paging::read(txn, &scan, start, limit, load, keep)
    })
}

/// How many members `list` would give in all (for seed 002's `rowCount`), counted without
/// keeping them in memory.
pub fn count(env: &Env, ctx: &RequestContext, account: &str, email: Option<&str>) -> Result<u64, Error> {
    let mut total = 0;
    let mut start = Start::Page(1);
    loop {
        let page = list(env, ctx, account, email, paging::MAX_LIMIT, &start)?;
        total += page.items.len() as u64;
        match page.next_cursor {
            Some(cursor) => start = Start::Cursor(cursor),
            None => return Ok(total),
        }
    }
}

/// Store an exported membership as it is, once its account, user and roles exist. Nothing
/// is written when it is refused.
pub fn import_in(txn: &dyn Txn, membership: Membership) -> Result<crate::transfer::Applied, Error> {
    let mut errors = FieldErrors::new();
    if crate::accounts::read(txn, membership.account_id)?.is_none() {
        errors.push(FieldError::new("accountId", "unknown_account", "names no account"));
    }
    if users::read(txn, membership.user_id)?.is_none() {
        errors.push(FieldError::new("userId", "unknown_user", "names no user"));
    }
    for role in &membership.roles {
        if roles::read(txn, role)?.is_none() {
            errors.push(FieldError::new("roles", "unknown_role", format!("{role} names no role")));
        }
    }
    if membership.expiry_date.as_deref().is_some_and(|d| !is_date(d)) {
        errors.push(FieldError::new("expiryDate", "format", "must be a date, YYYY-MM-DD"));
    }
    errors.finish(())?;
    let old = read(txn, membership.account_id, membership.user_id)?;
    if old.as_ref() == Some(&membership) {
        return Ok(crate::transfer::Applied::Unchanged);
    }
    write(txn, &membership)?;
    Ok(crate::transfer::Applied::written(old.is_some()))
}
