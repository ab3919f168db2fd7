//! The access policy: a pure function of (caller, permission, target) to allow or deny.

use std::collections::BTreeSet;

use super::Permission;
use crate::error::Error;
use crate::model::user::UserId;

/// An authenticated caller, as the policy sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The user behind the credentials (for an API key, its owner).
    pub user_id: UserId,
    /// Every permission the caller holds, through roles or directly.
    pub permissions: BTreeSet<Permission>,
    /// The caller's password is temporary and must be changed first.
    pub password_change_required: bool,
}

/// What an operation acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Nothing in particular (a list, a create, the catalog).
    Any,
    /// One user's record.
    User(UserId),
}

/// Whether `caller` may exercise `permission` on `target`.
///
/// - A caller whose password is temporary may do nothing (changing it is the one route
///   that skips this check).
/// - Holding the permission allows it anywhere.
/// - On the caller's own record, `users:custom` stands in for reading it and for changing
///   its non-privileged fields (seed 001's `custom`); every user holds `users:custom`.
pub fn authorize(caller: &Caller, permission: Permission, target: Target) -> Result<(), Error> {
    if caller.password_change_required {
        return Err(Error::PasswordChangeRequired);
    }
    if caller.permissions.contains(&permission) {
        return Ok(());
    }
    let own_record = target == Target::User(caller.user_id);
    let self_service = matches!(permission, Permission::UsersRead | Permission::UsersUpdate | Permission::UsersCustom);
    if own_record && self_service && caller.permissions.contains(&Permission::UsersCustom) {
        return Ok(());
    }
    Err(Error::Forbidden(permission.name().to_owned()))
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
            password_change_required: temporary,
        }
    }

    /// One row: the caller's permissions, a temporary password, the permission asked, the
    /// target, and the verdict.
    type Row = (&'static [Permission], bool, Permission, Target, Result<(), Error>);

    #[test]
    fn the_policy_table() {
        let me = Target::User(user(1));
        let other = Target::User(user(2));
        let table: &[Row] = &[
            (&[UsersRead], false, UsersRead, other, Ok(())),
            (&[UsersRead], false, UsersRead, Target::Any, Ok(())),
            (&[UsersCustom], false, UsersRead, me, Ok(())),
            (&[UsersCustom], false, UsersUpdate, me, Ok(())),
            (&[UsersCustom], false, UsersRead, other, Err(Error::Forbidden("users:read".into()))),
            (&[UsersCustom], false, UsersDelete, me, Err(Error::Forbidden("users:delete".into()))),
            (&[UsersCustom], false, UsersPasswordReset, me, Err(Error::Forbidden("users:password-reset".into()))),
            (&[UsersCustom], false, RolesUpdate, Target::Any, Err(Error::Forbidden("roles:update".into()))),
            (&[], false, UsersRead, me, Err(Error::Forbidden("users:read".into()))),
            (&[UsersList], false, UsersCreate, Target::Any, Err(Error::Forbidden("users:create".into()))),
            (&[UsersCreate, UsersCustom], true, UsersCreate, Target::Any, Err(Error::PasswordChangeRequired)),
            (&[UsersCustom], true, UsersRead, me, Err(Error::PasswordChangeRequired)),
            (&Permission::ALL, false, AuditRead, Target::Any, Ok(())),
        ];
        for (permissions, temporary, asked, target, expected) in table {
            let got = authorize(&caller(permissions, *temporary), *asked, *target);
            assert_eq!(&got, expected, "{permissions:?} temporary={temporary} asking {asked:?} on {target:?}");
        }
    }
}
