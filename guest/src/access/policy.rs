//! The access policy: a pure function of (caller, permission, target) to allow or deny.

use std::collections::{BTreeMap, BTreeSet};

use super::Permission;
use crate::error::Error;
use crate::model::account::AccountId;
use crate::model::user::UserId;

/// An authenticated caller, as the policy sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The user behind the credentials (for an API key, its owner).
    pub user_id: UserId,
    /// Every permission the caller holds everywhere, through global roles.
    pub permissions: BTreeSet<Permission>,
    /// The permissions the caller holds only inside an account, through the roles of an
    /// active membership.
    pub accounts: BTreeMap<AccountId, BTreeSet<Permission>>,
    /// The caller's password is temporary and must be changed first.
    pub password_change_required: bool,
    /// The API key whose token the caller presented, if any (for the audit log).
    pub api_key: Option<String>,
    /// The local operator's name (`cli`) when the host itself calls: then `user_id` is the
    /// nil id, which no user has, and the audit log names the actor `operator:<name>`.
    pub operator: Option<String>,
}

impl Caller {
    /// The local operator `name`: every permission, like the `administrator` role, and no
    /// user of its own. Only the host produces its credentials (see [`crate::context`]).
    pub fn operator(name: &str) -> Caller {
        Caller {
            user_id: UserId::NIL,
            permissions: Permission::ALL.into_iter().collect(),
            accounts: BTreeMap::new(),
            password_change_required: false,
            api_key: None,
            operator: Some(name.to_owned()),
        }
    }

    /// The accounts in which the caller holds `permission` (and not globally).
    pub fn accounts_with(&self, permission: Permission) -> impl Iterator<Item = AccountId> + '_ {
        self.accounts.iter().filter(move |(_, held)| held.contains(&permission)).map(|(id, _)| *id)
    }

    /// Whether the caller holds `permission` everywhere.
    pub fn holds_globally(&self, permission: Permission) -> bool {
        self.permissions.contains(&permission)
    }
}

/// What an operation acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target<'a> {
    /// Nothing in particular (a list, a create, the catalog): needs a global permission.
    Any,
    /// One user's record; the accounts the user is an active member of.
    User(UserId, &'a [AccountId]),
    /// One account, or something that belongs only to it.
    Account(AccountId),
    /// A record that does not exist: whoever may see such records somewhere learns only
    /// that it is not found, exactly as for a record outside their accounts.
    Missing,
}

/// Whether `caller` may exercise `permission` on `target`.
///
/// - A caller whose password is temporary may do nothing (changing it is the one route
///   that skips this check).
/// - A permission held globally allows it anywhere.
/// - A permission held in an account allows it on that account and on its active
///   members, and nowhere else (tenant isolation).
/// - On the caller's own record, `users:custom` stands in for reading it and for changing
///   its non-privileged fields (seed 001's `custom`); every user holds `users:custom`.
///
/// A denial is 403 `forbidden` when the caller holds the permission nowhere, and 404
/// `not_found` when they hold it in some account but the target lies outside all of
/// them: a caller learns nothing about another account's records, not even that they exist.
pub fn authorize(caller: &Caller, permission: Permission, target: Target<'_>) -> Result<(), Error> {
    if caller.password_change_required {
        return Err(Error::PasswordChangeRequired);
    }
    if caller.holds_globally(permission) {
        return Ok(());
    }
    let in_account = |account: &AccountId| caller.accounts.get(account).is_some_and(|held| held.contains(&permission));
    let allowed = match target {
        Target::Any | Target::Missing => false,
        Target::Account(account) => in_account(&account),
        Target::User(user, accounts) => {
            let self_service =
                matches!(permission, Permission::UsersRead | Permission::UsersUpdate | Permission::UsersCustom);
            (user == caller.user_id && self_service && caller.holds_globally(Permission::UsersCustom))
                || accounts.iter().any(in_account)
        }
    };
    if allowed {
        Ok(())
    } else if target != Target::Any && caller.accounts_with(permission).next().is_some() {
        Err(Error::NotFound)
    } else {
        Err(Error::Forbidden(permission.name().to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Permission::*;

    fn user(n: u8) -> UserId {
        UserId::from_slice(&[n; 16]).unwrap()
    }

    fn caller(permissions: &[Permission], temporary: bool) -> Caller {
        Caller {
            user_id: user(1),
            permissions: permissions.iter().copied().collect(),
            accounts: BTreeMap::from([(ACCOUNT_10, [UsersRead, UsersList].into_iter().collect())]),
            password_change_required: temporary,
            api_key: None,
            operator: None,
        }
    }

    /// One row: the caller's permissions, a temporary password, the permission asked, the
    /// target, and the verdict.
    type Row = (&'static [Permission], bool, Permission, Target<'static>, Result<(), Error>);

    const ACCOUNT_10: AccountId = AccountId(uuid::Uuid::from_bytes([10; 16]));
    const ACCOUNT_11: AccountId = AccountId(uuid::Uuid::from_bytes([11; 16]));

    #[test]
    fn the_policy_table() {
        let me = Target::User(user(1), &[]);
        let other = Target::User(user(2), &[]);
        let member_of_mine = Target::User(user(3), &[ACCOUNT_10]);
        let member_elsewhere = Target::User(user(4), &[ACCOUNT_11]);
        let table: &[Row] = &[
            (&[UsersRead], false, UsersRead, other, Ok(())),
            (&[UsersRead], false, UsersRead, Target::Any, Ok(())),
            (&[UsersCustom], false, UsersRead, me, Ok(())),
            (&[UsersCustom], false, UsersUpdate, me, Ok(())),
            (&[UsersCustom], false, UsersRead, other, Err(Error::NotFound)),
            (&[UsersCustom], false, UsersRead, member_of_mine, Ok(())),
            (&[UsersCustom], false, UsersRead, member_elsewhere, Err(Error::NotFound)),
            (&[UsersCustom], false, UsersUpdate, member_of_mine, Err(Error::Forbidden("users:update".into()))),
            (&[UsersCustom], false, UsersList, Target::Any, Err(Error::Forbidden("users:list".into()))),
            (&[], false, AccountsRead, Target::Account(ACCOUNT_10), Err(Error::Forbidden("accounts:read".into()))),
            (&[AccountsRead], false, AccountsRead, Target::Account(ACCOUNT_11), Ok(())),
            (&[UsersCustom], false, UsersDelete, me, Err(Error::Forbidden("users:delete".into()))),
            (&[UsersCustom], false, UsersPasswordReset, me, Err(Error::Forbidden("users:password-reset".into()))),
            (&[UsersCustom], false, RolesUpdate, Target::Any, Err(Error::Forbidden("roles:update".into()))),
            (&[], false, UsersDelete, me, Err(Error::Forbidden("users:delete".into()))),
            (&[UsersList], false, UsersCreate, Target::Any, Err(Error::Forbidden("users:create".into()))),
            (&[UsersCreate, UsersCustom], true, UsersCreate, Target::Any, Err(Error::PasswordChangeRequired)),
            (&[UsersCustom], true, UsersRead, me, Err(Error::PasswordChangeRequired)),
            (&Permission::ALL, false, AuditRead, Target::Any, Ok(())),
            (&[], false, UsersRead, Target::Missing, Err(Error::NotFound)),
            (&[], false, AccountsRead, Target::Missing, Err(Error::Forbidden("accounts:read".into()))),
        ];
        for (permissions, temporary, asked, target, expected) in table {
            let got = authorize(&caller(permissions, *temporary), *asked, *target);
            assert_eq!(&got, expected, "{permissions:?} temporary={temporary} asking {asked:?} on {target:?}");
        }
    }

    #[test]
    fn the_operator_may_do_everything_everywhere() {
        let operator = Caller::operator("cli");
        let targets = [Target::Any, Target::Missing, Target::Account(ACCOUNT_11), Target::User(user(4), &[ACCOUNT_11])];
        for permission in Permission::ALL {
            for target in targets {
                assert_eq!(authorize(&operator, permission, target), Ok(()), "{permission:?} on {target:?}");
            }
        }
    }

    #[test]
    fn the_operator_is_no_user() {
        let operator = Caller::operator("cli");
        assert_eq!(operator.user_id, UserId::NIL);
        assert_eq!(operator.operator.as_deref(), Some("cli"));
        assert_eq!(authorize(&operator, UsersRead, Target::User(user(1), &[])), Ok(()));
    }
}
