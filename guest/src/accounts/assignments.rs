//! Memberships written together with a user (seed 000's `accountRoles`, seed 003's
//! `customerId` and `authorizedCustomerIds`): accounts and roles named by id or by name,
//! resolved and checked inside the user's own write transaction, so that a user and its
//! memberships commit together or not at all. Also the read side: a user's memberships
//! with account and role names, as those surfaces show them.

use super::members::{self, InvitationStatus, Membership};
use crate::access::{Caller, Permission, Target, authorize};
use crate::context::RequestContext;
use crate::env::Env;
use crate::error::{Error, FieldError, FieldErrors};
use crate::model::account::AccountId;
use crate::model::time::is_date;
use crate::model::user::UserId;
use crate::store::Txn;
use crate::{audit, roles};

/// One membership to give a user, as a surface names it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Assignment {
    /// The account, by id or by name.
    pub account: String,
    /// The request field that named the account, for errors (`accountRoles[0].accountName`).
    pub account_field: String,
    /// Role ids or names; `None` keeps an existing membership's roles (none for a new one).
    pub roles: Option<Vec<String>>,
    /// The request field that listed the roles; its items are `{roles_field}[i]`.
    pub roles_field: String,
    /// `YYYY-MM-DD`: from this date on the membership grants nothing.
    pub expiry_date: Option<String>,
    /// The request field of the expiry date.
    pub expiry_field: String,
    /// This is the user's home account; any other home membership stops being one.
    pub home: bool,
}

/// What becomes of the user's memberships that the assignments do not name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Unlisted {
    /// They stay.
    #[default]
    Keep,
    /// They are removed (the grants are the whole list).
    Remove,
    /// They are removed, except the home membership when no grant names a new home.
    RemoveExceptHome,
}

/// A grant resolved to stored ids.
struct Resolved {
    account: AccountId,
    roles: Option<Vec<String>>,
    expiry_date: Option<String>,
    home: bool,
}

/// Resolve every grant, naming each unknown account or role and each malformed date by
/// its request field.
fn resolve(txn: &dyn Txn, grants: &[Assignment]) -> Result<Vec<Resolved>, Error> {
    let mut errors = FieldErrors::new();
    let mut resolved = Vec::with_capacity(grants.len());
    for grant in grants {
        let account = super::resolve(txn, &grant.account)?;
        if account.is_none() {
            errors.push(FieldError::new(
                &grant.account_field,
                "unknown_account",
                format!("no account is named {}", grant.account),
            ));
        }
        let mut role_ids = Vec::new();
        for (i, role) in grant.roles.iter().flatten().enumerate() {
            match roles::find(txn, role)? {
                Some(found) if !role_ids.contains(&found.id) => role_ids.push(found.id),
                Some(_) => {}
                None => errors.push(FieldError::new(
                    format!("{}[{i}]", grant.roles_field),
                    "unknown_role",
                    format!("no role is named {role}"),
                )),
            }
        }
        if let Some(date) = &grant.expiry_date
            && !is_date(date)
        {
            errors.push(FieldError::new(&grant.expiry_field, "format", "must be a date written YYYY-MM-DD"));
        }
        if let Some(account) = account {
            if resolved.iter().any(|r: &Resolved| r.account == account.id) {
                errors.push(FieldError::new(&grant.account_field, "duplicate", "names an account already listed"));
            }
            resolved.push(Resolved {
                account: account.id,
                roles: grant.roles.as_ref().map(|_| role_ids),
                expiry_date: grant.expiry_date.clone(),
                home: grant.home,
            });
        }
    }
    errors.finish(resolved)
}

/// Give `user` the memberships `grants` name, inside `txn`; `unlisted` says what becomes of
/// the others. The caller needs `users:update` in every account touched, and may grant no
/// permission they do not hold there. Returns the accounts the user is now a member of.
pub fn apply(
    txn: &dyn Txn,
    env: &Env,
    ctx: &RequestContext,
    caller: &Caller,
    user: UserId,
    grants: &[Assignment],
    unlisted: Unlisted,
) -> Result<Vec<AccountId>, Error> {
    let resolved = resolve(txn, grants)?;
    let now = env.now().to_rfc3339();
    let new_home = resolved.iter().any(|r| r.home);
    for old in members::of_user(txn, user)? {
        if resolved.iter().any(|r| r.account == old.account_id) || old.invitation_status == InvitationStatus::Pending {
            continue;
        }
        let remove = match unlisted {
            Unlisted::Keep => false,
            Unlisted::Remove => true,
            Unlisted::RemoveExceptHome => !old.home || new_home,
        };
        if remove {
            authorize(caller, Permission::UsersUpdate, Target::Account(old.account_id))?;
            members::remove(txn, old.account_id, user)?;
            audit::Event::new("membership.removed", ctx)
                .by(caller)
                .on("user", user)
                .in_account(old.account_id)
                .record(txn, env.now())?;
        } else if old.home && new_home {
            members::write(txn, &Membership { home: false, updated_at: now.clone(), ..old })?;
        }
    }
    for grant in &resolved {
        authorize(caller, Permission::UsersUpdate, Target::Account(grant.account))?;
        let old = members::read(txn, grant.account, user)?;
        let roles = match (&grant.roles, &old) {
            (Some(roles), _) => roles.clone(),
            (None, Some(old)) => old.roles.clone(),
            (None, None) => Vec::new(),
        };
        members::check_grant(txn, caller, grant.account, &roles, grant.expiry_date.as_deref())?;
        let membership = match old {
            Some(old) => Membership {
                roles,
                expiry_date: grant.expiry_date.clone(),
                invitation_status: InvitationStatus::Accepted,
                home: grant.home || (old.home && !new_home),
                updated_at: now.clone(),
                ..old
            },
            None => Membership {
                account_id: grant.account,
                user_id: user,
                roles,
                expiry_date: grant.expiry_date.clone(),
                invitation_status: InvitationStatus::Accepted,
                home: grant.home,
                created_at: now.clone(),
                updated_at: now.clone(),
            },
        };
        members::write(txn, &membership)?;
        audit::Event::new("membership.changed", ctx)
            .by(caller)
            .on("user", user)
            .in_account(grant.account)
            .changing(["roles", "expiryDate"])
            .record(txn, env.now())?;
    }
    members::active_accounts(txn, user, &env.now().date())
}

/// A user's membership as seed surfaces show it: account and role names beside the ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRoles {
    pub account_id: AccountId,
    /// The account's short name.
    pub account_name: String,
    /// Role names.
    pub roles: Vec<String>,
    /// `YYYY-MM-DD`, if it expires.
    pub expiry_date: Option<String>,
    /// The user's home account.
    pub home: bool,
    /// Whether it grants anything today (not expired).
    pub active: bool,
}

/// The accepted memberships of `user`, expired ones included, by account name.
pub fn named(txn: &dyn Txn, user: UserId, today: &str) -> Result<Vec<AccountRoles>, Error> {
    let mut list = Vec::new();
    for membership in members::of_user(txn, user)? {
        if membership.invitation_status != InvitationStatus::Accepted {
            continue;
        }
        let Some(account) = super::read(txn, membership.account_id)? else { continue };
        let mut role_names = Vec::with_capacity(membership.roles.len());
        for id in &membership.roles {
            role_names.push(roles::read(txn, id)?.map_or_else(|| id.clone(), |role| role.name));
        }
        list.push(AccountRoles {
            account_id: account.id,
            account_name: account.name,
            roles: role_names,
            expiry_date: membership.expiry_date.clone(),
            home: membership.home,
            active: membership.is_active(today),
        });
    }
    list.sort_by(|a, b| a.account_name.cmp(&b.account_name));
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts;
    use crate::env::testing::TestEnv;
    use crate::model::account::NewAccount;
    use crate::model::user::NewUser;

    fn grant(account: &str, roles: &[&str]) -> Assignment {
        Assignment {
            account: account.into(),
            account_field: "accountRoles[0].accountName".into(),
            roles: Some(roles.iter().map(|r| r.to_string()).collect()),
            roles_field: "accountRoles[0].roles".into(),
            expiry_date: None,
            expiry_field: "accountRoles[0].expiryDate".into(),
            home: false,
        }
    }

    fn setup(t: &TestEnv) -> UserId {
        let env = t.env();
        let admin = t.admin();
        for name in ["acme", "beta"] {
            accounts::create(&env, &admin, NewAccount { name: Some(name.into()), ..NewAccount::default() }).unwrap();
        }
        let input = NewUser { email: Some("jane@example.com".into()), ..NewUser::default() };
        crate::users::create(&env, &admin, input).unwrap().id
    }

    fn apply_as_admin(t: &TestEnv, user: UserId, grants: &[Assignment], unlisted: Unlisted) -> Result<(), Error> {
        let env = t.env();
        let admin = t.admin();
        env.write(|txn| {
            let caller = crate::auth::caller_in(txn, &env, &admin)?;
            apply(txn, &env, &admin, &caller, user, grants, unlisted).map(|_| ())
        })
    }

    fn names(t: &TestEnv, user: UserId) -> Vec<(String, Vec<String>, bool)> {
        let env = t.env();
        env.read(|txn| named(txn, user, "2024-01-01"))
            .unwrap()
            .into_iter()
            .map(|m| (m.account_name, m.roles, m.home))
            .collect()
    }

    #[test]
    fn grants_name_accounts_and_roles_by_name_and_read_back_by_name() {
        let t = TestEnv::new();
        let user = setup(&t);
        apply_as_admin(&t, user, &[grant("ACME", &["account-admin"])], Unlisted::Keep).unwrap();
        assert_eq!(names(&t, user), [("acme".to_owned(), vec!["account-admin".to_owned()], false)]);
    }

    #[test]
    fn an_unknown_account_and_role_are_named_by_their_fields_and_nothing_is_written() {
        let t = TestEnv::new();
        let user = setup(&t);
        let Err(Error::Invalid(errors)) = apply_as_admin(&t, user, &[grant("nowhere", &["GHOST"])], Unlisted::Keep)
        else {
            panic!("expected invalid")
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["accountRoles[0].accountName", "accountRoles[0].roles[0]"]);
        assert!(names(&t, user).is_empty());
    }

    #[test]
    fn removing_unlisted_keeps_the_home_membership_unless_a_new_home_is_named() {
        let t = TestEnv::new();
        let user = setup(&t);
        let home = Assignment { home: true, roles: None, ..grant("acme", &[]) };
        apply_as_admin(&t, user, &[home, grant("beta", &[])], Unlisted::Keep).unwrap();
        apply_as_admin(&t, user, &[], Unlisted::RemoveExceptHome).unwrap();
        assert_eq!(names(&t, user), [("acme".to_owned(), vec![], true)]);
        let new_home = Assignment { home: true, roles: None, ..grant("beta", &[]) };
        apply_as_admin(&t, user, &[new_home], Unlisted::RemoveExceptHome).unwrap();
        assert_eq!(names(&t, user), [("beta".to_owned(), vec![], true)]);
    }
}
