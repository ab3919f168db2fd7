//! Invitations into an account (seed 002): a pending membership and a single-use token
//! mailed to the address. Accepting with the token, a password and names activates the
//! user and starts the membership. An expired token and an unknown or used one get
//! different errors, so whoever holds an expired link knows to ask for a new one.

use serde::{Deserialize, Serialize};

use super::members::{self, InvitationStatus, Membership};
use crate::access::{Permission, Target, authorize};
use crate::auth::{self, password::PasswordRecord, tokens};
use crate::context::RequestContext;
use crate::env::Env;
use crate::error::{Error, FieldErrors};
use crate::model::account::AccountId;
use crate::model::rules;
use crate::model::time::Millis;
use crate::model::user::{NewUser, TextField, User, UserId, UserStatus};
use crate::store::{Message, Txn};
use crate::users;

/// What an invitation looks like to seed 002's clients.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Invitation {
    pub user_id: UserId,
    pub email_address: String,
    /// RFC 3339: when the token stops working.
    pub expiry_date: String,
    /// `Pending` until accepted.
    pub invitation_status: InvitationStatus,
    /// Role ids granted in the account.
    pub roles: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Token {
    account_id: AccountId,
    user_id: UserId,
    expires_at: i64,
}

fn token_key(digest: &[u8]) -> Vec<u8> {
    [b"iv/".as_slice(), digest].concat()
}

fn pending_key(account: AccountId, user: UserId) -> Vec<u8> {
    [b"ivp/".as_slice(), account.as_bytes(), user.as_bytes()].concat()
}

/// Forget the outstanding token of `user`'s invitation into `account`, if any.
pub fn forget(txn: &dyn Txn, account: AccountId, user: UserId) -> Result<(), Error> {
    if let Some(digest) = txn.get(&pending_key(account, user))? {
        txn.delete(&token_key(&digest))?;
        txn.delete(&pending_key(account, user))?;
    }
    Ok(())
}

/// Issue a fresh token for a pending invitation (replacing any earlier one) and mail it.
fn issue(txn: &dyn Txn, env: &Env, account_name: &str, membership: &Membership, user: &User) -> Result<String, Error> {
    forget(txn, membership.account_id, user.id)?;
    let token = tokens::generate();
    let digest = tokens::digest(&token);
    let ttl = env.settings.invitation_ttl_seconds;
    let expires_at = env.now().0.saturating_add(i64::try_from(ttl * 1000).unwrap_or(i64::MAX));
    let record = Token { account_id: membership.account_id, user_id: user.id, expires_at };
    txn.put(&token_key(&digest), &serde_json::to_vec(&record).expect("tokens serialize"))?;
    txn.put(&pending_key(membership.account_id, user.id), &digest)?;
    txn.enqueue(&Message {
        to: user.email.clone(),
        subject: format!("You are invited to the account {account_name}"),
        body: format!(
            "You have been invited to join the account {account_name} on Roster.\n\n\
             To accept, use this invitation token within {} days, with a password of your choice:\n\n{token}\n\n\
             If you did not expect this, ignore this message.\n",
            ttl / 86_400
        ),
    })?;
    Ok(Millis(expires_at).to_rfc3339())
}

/// Invite `email` into `account` with `role_ids`: a pending user is created, or an
/// existing one is linked, and a token goes out by mail.
pub fn invite(
    env: &Env,
    ctx: &RequestContext,
    account: &str,
    email: &str,
    role_ids: &[String],
) -> Result<Invitation, Error> {
    let account = AccountId::parse(account).ok_or(Error::NotFound)?;
    let email = rules::email("emailAddress", email).map_err(|e| Error::Invalid(vec![e]))?;
    let now = env.now().to_rfc3339();
    let pending_user = users::validate_new(
        NewUser { email: Some(email.clone()), status: Some(UserStatus::Inactive), ..NewUser::default() },
        UserId::generate(),
        now.clone(),
    )?
    .0;
    env.write(|txn| {
        let caller = auth::caller_in(txn, env, ctx)?;
        authorize(&caller, Permission::InvitationsCreate, Target::Account(account))?;
        let target = super::read(txn, account)?.ok_or(Error::NotFound)?;
        members::check_grant(txn, &caller, account, role_ids, None)?;
        let user = match users::find_by_email(txn, &email)? {
            Some(user) => user,
            None => {
                users::insert(txn, &pending_user)?;
                pending_user.clone()
            }
        };
        if members::read(txn, account, user.id)?.is_some_and(|m| m.invitation_status == InvitationStatus::Accepted) {
            return Err(Error::invalid("emailAddress", "already_member", "is already a member of the account"));
        }
        let membership = Membership {
            account_id: account,
            user_id: user.id,
            roles: role_ids.to_vec(),
            expiry_date: None,
            invitation_status: InvitationStatus::Pending,
            home: false,
            created_at: now.clone(),
            updated_at: now.clone(),
        };
        members::write(txn, &membership)?;
        let expiry_date = issue(txn, env, &target.name, &membership, &user)?;
        crate::audit::Event::new("invitation.sent", ctx)
            .by(&caller)
            .on("user", user.id)
            .in_account(account)
            .record(txn, env.now())?;
        Ok(Invitation {
            user_id: user.id,
            email_address: user.email,
            expiry_date,
            invitation_status: InvitationStatus::Pending,
            roles: role_ids.to_vec(),
        })
    })
}

/// Send a pending invitation again with a new token and expiry; the old token stops working.
pub fn resend(env: &Env, ctx: &RequestContext, account: &str, user: &str) -> Result<Invitation, Error> {
    let account = AccountId::parse(account).ok_or(Error::NotFound)?;
    let user = UserId::parse(user).ok_or_else(|| Error::invalid("userId", "format", "must be a UUID"))?;
    env.write(|txn| {
        let caller = auth::caller_in(txn, env, ctx)?;
        authorize(&caller, Permission::InvitationsUpdate, Target::Account(account))?;
        let target = super::read(txn, account)?.ok_or(Error::NotFound)?;
        let membership = members::read(txn, account, user)?
            .filter(|m| m.invitation_status == InvitationStatus::Pending)
            .ok_or(Error::NotFound)?;
        let invited = users::read(txn, user)?.ok_or(Error::NotFound)?;
        let expiry_date = issue(txn, env, &target.name, &membership, &invited)?;
        crate::audit::Event::new("invitation.resent", ctx)
            .by(&caller)
            .on("user", user)
            .in_account(account)
            .record(txn, env.now())?;
        Ok(Invitation {
            user_id: user,
            email_address: invited.email,
            expiry_date,
            invitation_status: InvitationStatus::Pending,
            roles: membership.roles,
        })
    })
}

/// Withdraw a pending invitation: the membership and its token go.
pub fn revoke(env: &Env, ctx: &RequestContext, account: &str, user: &str) -> Result<(), Error> {
    let account = AccountId::parse(account).ok_or(Error::NotFound)?;
    let user = UserId::parse(user).ok_or(Error::NotFound)?;
    env.write(|txn| {
        let caller = auth::caller_in(txn, env, ctx)?;
        authorize(&caller, Permission::InvitationsDelete, Target::Account(account))?;
        members::read(txn, account, user)?
            .filter(|m| m.invitation_status == InvitationStatus::Pending)
            .ok_or(Error::NotFound)?;
        forget(txn, account, user)?;
        members::remove(txn, account, user)?;
        crate::audit::Event::new("invitation.revoked", ctx)
            .by(&caller)
            .on("user", user)
            .in_account(account)
            .record(txn, env.now())
    })
}

/// Accept an invitation: set the password and names, activate the user, start the
/// membership. Public: the token is the credential.
pub fn accept(
    env: &Env,
    ctx: &RequestContext,
    token: &str,
    password: &str,
    first_name: Option<&str>,
    last_name: Option<&str>,
) -> Result<Membership, Error> {
    let digest = tokens::digest(token);
    let (record, user) = env.read(|txn| {
        let record: Token = txn
            .get(&token_key(&digest))?
            .map(|b| serde_json::from_slice(&b).map_err(|e| Error::Unavailable(format!("corrupt invitation: {e}"))))
            .transpose()?
            .ok_or_else(|| Error::invalid("token", "invalid_token", "is unknown or was already used"))?;
        if record.expires_at <= env.now().0 {
            return Err(Error::invalid(
                "token",
                "expired_token",
                "has expired; ask for the invitation to be sent again",
            ));
        }
        let user = users::read(txn, record.user_id)?
            .ok_or_else(|| Error::invalid("token", "invalid_token", "is unknown or was already used"))?;
        Ok((record, user))
    })?;
    let mut errors = FieldErrors::new();
    let first = first_name.and_then(|n| errors.check(rules::text_field(TextField::FirstName, n)));
    let last = last_name.and_then(|n| errors.check(rules::text_field(TextField::LastName, n)));
    errors.finish(())?;
    auth::password::check("password", password, &user.user_name, &user.email, &env.settings)?;
    let hash = env.crypto.hash_password(password).map_err(|e| Error::Unavailable(e.to_string()))?;
    let now = env.now().to_rfc3339();
    env.write(|txn| {
        // Read again inside the write: a token used meanwhile is gone.
        txn.get(&token_key(&digest))?
            .ok_or_else(|| Error::invalid("token", "invalid_token", "is unknown or was already used"))?;
        let old = users::read(txn, record.user_id)?.ok_or(Error::NotFound)?;
        let mut activated = old.clone();
        activated.status = UserStatus::Active;
        activated.can_login = true;
        activated.first_name = first.clone().or(activated.first_name);
        activated.last_name = last.clone().or(activated.last_name);
        users::replace_in(txn, &old, activated, &now)?;
        auth::write_password(txn, record.user_id, &PasswordRecord { hash: hash.clone(), temporary: false })?;
        let mut membership = members::read(txn, record.account_id, record.user_id)?.ok_or(Error::NotFound)?;
        membership.invitation_status = InvitationStatus::Accepted;
        membership.updated_at = now.clone();
        members::write(txn, &membership)?;
        forget(txn, record.account_id, record.user_id)?;
        crate::audit::Event::new("invitation.accepted", ctx)
            .by_user(record.user_id)
            .on("user", record.user_id)
            .in_account(record.account_id)
            .record(txn, env.now())?;
        Ok(membership)
    })
}
