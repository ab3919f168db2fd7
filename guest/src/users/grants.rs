//! What a user holds beyond the profile: roles and direct permissions that apply
//! everywhere, and the accounts the user belongs to (seed 001's tenants). Grants change in
//! the transaction that writes the user, so a create or update with grants is all or
//! nothing, and no one grants a permission they do not hold.

use std::collections::BTreeSet;

use crate::access::{Caller, Permission, Target, authorize};
use crate::accounts::{self, invitations, members};
use crate::audit;
use crate::context::RequestContext;
use crate::env::Env;
use crate::error::{Error, FieldError, FieldErrors};
use crate::model::account::AccountId;
use crate::model::user::User;
use crate::roles;
use crate::store::Txn;
use members::{InvitationStatus, Membership};

/// A change to one list a user holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ListChange {
    /// Leave it.
    #[default]
    Keep,
    /// Replace the whole list (seed 001's `roles`, `permissions`, `tenants`).
    Replace(Vec<String>),
    /// Add some entries, remove others (seed 001's `addRoles`/`removeRoles`, …).
    Edit {
        /// Entries to add; one already held is left as it is.
        add: Vec<String>,
        /// Entries to remove; one not held is ignored.
        remove: Vec<String>,
    },
}

impl ListChange {
    /// Each entry the change names, with the field that named it: `roles[0]` for a
    /// replacement, `addRoles[0]` and `removeRoles[0]` for an edit of `roles`.
    fn named<'a>(&'a self, base: &str) -> Vec<(String, &'a str)> {
        let capitalized = base[..1].to_ascii_uppercase() + &base[1..];
        let each = |field: String, list: &'a [String]| {
            list.iter().enumerate().map(move |(i, v)| (format!("{field}[{i}]"), v.as_str())).collect::<Vec<_>>()
        };
        match self {
            ListChange::Keep => Vec::new(),
            ListChange::Replace(list) => each(base.to_owned(), list),
            ListChange::Edit { add, remove } => {
                [each(format!("add{capitalized}"), add), each(format!("remove{capitalized}"), remove)].concat()
            }
        }
    }

    /// `current` with the change applied: order kept, additions appended, no duplicates.
    pub fn applied(&self, current: &[String]) -> Vec<String> {
        let (mut list, add, remove): (Vec<String>, &[String], &[String]) = match self {
            ListChange::Keep => return current.to_vec(),
            ListChange::Replace(list) => (Vec::new(), list, &[]),
            ListChange::Edit { add, remove } => (current.to_vec(), add, remove),
        };
        list.retain(|entry| !remove.contains(entry));
        for entry in add {
            if !list.contains(entry) {
                list.push(entry.clone());
            }
        }
        list
    }
}

/// Changes to what a user holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grants {
    /// Role ids, granted everywhere.
    pub roles: ListChange,
    /// Permission names, granted everywhere.
    pub permissions: ListChange,
    /// Accounts, by id or name: active memberships without roles of their own.
    pub tenants: ListChange,
    /// Memberships with their own roles and expiry, by account (seed 000's `accountRoles`,
    /// seed 003's `customerId` and `authorizedCustomerIds`).
    pub memberships: Vec<crate::accounts::assignments::Assignment>,
    /// What becomes of the memberships `memberships` does not name.
    pub unlisted: crate::accounts::assignments::Unlisted,
}

/// Every permission `user` holds everywhere: their roles', their own, and `users:custom`,
/// which everyone holds. The one definition behind the caller the policy sees and a
/// user's listed permissions.
pub fn held_everywhere(txn: &dyn Txn, user: &User) -> Result<BTreeSet<Permission>, Error> {
    let mut held = roles::permissions_of(txn, &user.roles)?;
    held.extend(user.permissions.iter().filter_map(|name| Permission::parse(name)));
    held.insert(Permission::UsersCustom);
    Ok(held)
}

/// `user` with the role and permission changes of `grants` applied. Unknown roles and
/// permissions are refused by position. A change needs `users:update` everywhere, and no
/// one grants a permission (directly or through a role) that they do not hold everywhere.
/// A change that changes nothing needs nothing.
pub fn apply_global(txn: &dyn Txn, caller: &Caller, user: &User, grants: &Grants) -> Result<User, Error> {
    let mut errors = FieldErrors::new();
    for (field, role) in grants.roles.named("roles") {
        if roles::read(txn, role)?.is_none() {
            errors.push(FieldError::new(field, "unknown_role", format!("no role has the id {role}")));
        }
    }
    for (field, name) in grants.permissions.named("permissions") {
        if Permission::parse(name).is_none() {
            errors.push(FieldError::new(
                field,
                "unknown_permission",
                format!("{name} is not in the permission catalog"),
            ));
        }
    }
    errors.finish(())?;
    let mut new = user.clone();
    new.roles = grants.roles.applied(&user.roles);
    new.permissions =
        grants.permissions.applied(&user.permissions).into_iter().collect::<BTreeSet<_>>().into_iter().collect();
    if new.roles == user.roles && new.permissions == user.permissions {
        return Ok(new);
    }
    authorize(caller, Permission::UsersUpdate, Target::Any)?;
    let added_roles: Vec<String> = new.roles.iter().filter(|r| !user.roles.contains(r)).cloned().collect();
    let mut granted = roles::permissions_of(txn, &added_roles)?;
    granted
        .extend(new.permissions.iter().filter(|p| !user.permissions.contains(p)).filter_map(|p| Permission::parse(p)));
    match granted.into_iter().find(|p| !caller.holds_globally(*p)) {
        Some(missing) => Err(Error::Forbidden(missing.name().to_owned())),
        None => Ok(new),
    }
}

/// Whether `caller` holds `permission` everywhere or in `account`.
fn holds_in(caller: &Caller, permission: Permission, account: AccountId) -> bool {
    caller.holds_globally(permission) || caller.accounts.get(&account).is_some_and(|held| held.contains(&permission))
}

/// The accounts `user` is an active member of that `caller` may see (`users:read` there or
/// everywhere, or all of their own): seed 001's `tenants`, without leaking other accounts.
pub fn visible_tenants(txn: &dyn Txn, env: &Env, caller: &Caller, user: &User) -> Result<Vec<AccountId>, Error> {
    let accounts = members::active_accounts(txn, user.id, &env.now().date())?;
    let own = user.id == caller.user_id;
    Ok(accounts.into_iter().filter(|a| own || holds_in(caller, Permission::UsersRead, *a)).collect())
}

/// Change the accounts `user` belongs to. Each account added or removed needs
/// `users:update` in it (or everywhere); an added account gets an active membership
/// without roles (an expired or pending one becomes active); a removed one loses the
/// membership. A replacement leaves the accounts the caller may not change as they are.
pub fn apply_tenants(
    txn: &dyn Txn,
    env: &Env,
    ctx: &RequestContext,
    caller: &Caller,
    user: &User,
    change: &ListChange,
) -> Result<(), Error> {
    if *change == ListChange::Keep {
        return Ok(());
    }
    let today = env.now().date();
    let now = env.now().to_rfc3339();
    let mut errors = FieldErrors::new();
    let mut resolved = |named: &[(String, &str)]| -> Result<Vec<AccountId>, Error> {
        let mut ids = Vec::new();
        for (field, text) in named {
            match accounts::resolve(txn, text)? {
                Some(account) => ids.push(account.id),
                None => errors.push(FieldError::new(field.clone(), "unknown_tenant", format!("no account is {text}"))),
            }
        }
        Ok(ids)
    };
    let current = members::active_accounts(txn, user.id, &today)?;
    let (add, remove) = match change {
        ListChange::Keep => (Vec::new(), Vec::new()),
        ListChange::Replace(_) => {
            let wanted = resolved(&change.named("tenants"))?;
            let remove = current
                .iter()
                .filter(|a| !wanted.contains(a) && holds_in(caller, Permission::UsersUpdate, **a))
                .copied()
                .collect();
            (wanted, remove)
        }
        ListChange::Edit { .. } => {
            let named = change.named("tenants");
            let (adds, removes): (Vec<_>, Vec<_>) = named.into_iter().partition(|(field, _)| field.starts_with("add"));
            (resolved(&adds)?, resolved(&removes)?)
        }
    };
    errors.finish(())?;
    let mut after = current.clone();
    for account in add.iter().filter(|a| !current.contains(a)) {
        authorize(caller, Permission::UsersUpdate, Target::Account(*account))?;
        let membership = match members::read(txn, *account, user.id)? {
            Some(old) => Membership {
                invitation_status: InvitationStatus::Accepted,
                expiry_date: None,
                updated_at: now.clone(),
                ..old
            },
            None => Membership {
                account_id: *account,
                user_id: user.id,
                roles: Vec::new(),
                expiry_date: None,
                invitation_status: InvitationStatus::Accepted,
                home: false,
                created_at: now.clone(),
                updated_at: now.clone(),
            },
        };
        members::write(txn, &membership)?;
        invitations::forget(txn, *account, user.id)?;
        after.push(*account);
        audit::Event::new("membership.changed", ctx)
            .by(caller)
            .on("user", user.id)
            .in_account(*account)
            .changing(["tenants"])
            .record(txn, env.now())?;
    }
    for account in remove.iter().filter(|a| current.contains(a)) {
        authorize(caller, Permission::UsersUpdate, Target::Account(*account))?;
        members::remove(txn, *account, user.id)?;
        invitations::forget(txn, *account, user.id)?;
        after.retain(|a| a != account);
        audit::Event::new("membership.removed", ctx)
            .by(caller)
            .on("user", user.id)
            .in_account(*account)
            .record(txn, env.now())?;
    }
    // A member must carry the attributes the account requires.
    crate::attributes::check_against(&crate::attributes::all(txn)?, &user.attributes, &after)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn an_edit_keeps_order_appends_new_entries_and_ignores_unknown_removals() {
        let change = ListChange::Edit { add: strings(&["c", "a"]), remove: strings(&["b", "z"]) };
        assert_eq!(change.applied(&strings(&["a", "b"])), ["a", "c"]);
        assert_eq!(ListChange::Replace(strings(&["x", "x"])).applied(&strings(&["a"])), ["x"]);
        assert_eq!(ListChange::Keep.applied(&strings(&["a"])), ["a"]);
    }

    #[test]
    fn entries_are_named_by_the_field_that_carried_them() {
        let change = ListChange::Edit { add: strings(&["r1"]), remove: strings(&["r2"]) };
        let named: Vec<String> = change.named("roles").into_iter().map(|(f, _)| f).collect();
        assert_eq!(named, ["addRoles[0]", "removeRoles[0]"]);
        let named: Vec<String> =
            ListChange::Replace(strings(&["t"])).named("tenants").into_iter().map(|(f, _)| f).collect();
        assert_eq!(named, ["tenants[0]"]);
    }
}
