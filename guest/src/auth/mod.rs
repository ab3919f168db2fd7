//! Authentication: who a caller is, and every way of proving it (passwords, access tokens,
//! API keys) or of recovering it (temporary passwords, lost-password tokens).

pub mod api_keys;
pub mod first_call;
pub mod lockout;
pub mod password;
pub mod tokens;

use serde::{Deserialize, Serialize};

use crate::access::{Caller, Permission, Target, authorize};
use crate::context::{Credentials, RequestContext};
use crate::env::Env;
use crate::error::Error;
use crate::model::user::{NewUser, User, UserId, UserStatus};
use crate::roles;
use crate::store::{KeyRange, Message, Txn};
use crate::users;
use lockout::LockState;
use password::PasswordRecord;

/// An OAuth 2.0 bearer token response (RFC 6749 §5.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessToken {
    /// The token itself; shown once, stored only as its SHA-256.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until it expires.
    pub expires_in: u64,
}

/// What a token is a session of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Session {
    user_id: UserId,
    /// Unix milliseconds.
    expires_at: i64,
    /// The API key the token was exchanged for, if any; revoking the key ends it.
    api_key: Option<String>,
}

/// A lost-password reset token's record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ResetToken {
    user_id: UserId,
    expires_at: i64,
}

/// Where the dummy hash lives that unknown users are verified against, so that they cost
/// the same time as known ones.
const DUMMY_HASH_KEY: &[u8] = b"meta/dummy-hash";

fn session_key(digest: &[u8]) -> Vec<u8> {
    [b"s/".as_slice(), digest].concat()
}

fn user_sessions_prefix(user: UserId) -> Vec<u8> {
    [b"su/".as_slice(), user.as_bytes()].concat()
}

fn reset_key(digest: &[u8]) -> Vec<u8> {
    [b"rt/".as_slice(), digest].concat()
}

fn user_resets_prefix(user: UserId) -> Vec<u8> {
    [b"rtu/".as_slice(), user.as_bytes()].concat()
}

fn lock_key(user: UserId) -> Vec<u8> {
    [b"lk/".as_slice(), user.as_bytes()].concat()
}

fn decode<T: for<'de> Deserialize<'de>>(bytes: &[u8], what: &str) -> Result<T, Error> {
    serde_json::from_slice(bytes).map_err(|e| Error::Unavailable(format!("corrupt {what} record: {e}")))
}

fn put_json(txn: &dyn Txn, key: &[u8], value: &impl Serialize) -> Result<(), Error> {
    txn.put(key, &serde_json::to_vec(value).expect("records serialize"))?;
    Ok(())
}

/// The password record of a user, if the user has a password.
pub fn read_password(txn: &dyn Txn, user: UserId) -> Result<Option<PasswordRecord>, Error> {
    txn.get(&users::keys::password(user))?.map(|b| decode(&b, "password")).transpose()
}

/// Store a user's password hash.
pub fn write_password(txn: &dyn Txn, user: UserId, record: &PasswordRecord) -> Result<(), Error> {
    put_json(txn, &users::keys::password(user), record)
}

/// A user's lock state.
pub fn read_lock(txn: &dyn Txn, user: UserId) -> Result<LockState, Error> {
    Ok(txn.get(&lock_key(user))?.map(|b| decode(&b, "lock")).transpose()?.unwrap_or_default())
}

/// End every session of `user` (a password change, a disable, a delete).
pub fn end_sessions(txn: &dyn Txn, user: UserId) -> Result<(), Error> {
    delete_indexed(txn, &user_sessions_prefix(user), session_key)
}

/// Delete every record listed under `prefix` (whose keys end with the record's digest),
/// and the listing itself.
fn delete_indexed(txn: &dyn Txn, prefix: &[u8], record: fn(&[u8]) -> Vec<u8>) -> Result<(), Error> {
    loop {
        let batch = txn.scan(&KeyRange::prefix(prefix), 1000, crate::store::Direction::Forward)?;
        for (key, _) in &batch {
            txn.delete(&record(&key[prefix.len()..]))?;
            txn.delete(key)?;
        }
        if batch.len() < 1000 {
            return Ok(());
        }
    }
}

/// Forget everything authentication keeps about a deleted user.
pub fn forget_user(txn: &dyn Txn, user: UserId) -> Result<(), Error> {
    end_sessions(txn, user)?;
    delete_indexed(txn, &user_resets_prefix(user), reset_key)?;
    api_keys::delete_all(txn, user)?;
    txn.delete(&lock_key(user))?;
    txn.delete(&users::keys::password(user))?;
    Ok(())
}

/// Open a session for `user` and return its token.
fn open_session(txn: &dyn Txn, env: &Env, user: UserId, api_key: Option<String>) -> Result<AccessToken, Error> {
    let token = tokens::generate();
    let digest = tokens::digest(&token);
    let ttl = env.settings.token_ttl_seconds;
    let expires_at = env.now().0.saturating_add(i64::try_from(ttl * 1000).unwrap_or(i64::MAX));
    put_json(txn, &session_key(&digest), &Session { user_id: user, expires_at, api_key })?;
    txn.put(&[user_sessions_prefix(user), digest.to_vec()].concat(), &[])?;
    Ok(AccessToken { access_token: token, token_type: "Bearer", expires_in: ttl })
}

/// The session behind the context's token, with its user and password record.
fn session(
    txn: &dyn Txn,
    env: &Env,
    ctx: &RequestContext,
) -> Result<(Session, [u8; 32], User, Option<PasswordRecord>), Error> {
    let Some(Credentials::Bearer(token)) = &ctx.credentials else { return Err(Error::Unauthenticated) };
    let digest = tokens::digest(token);
    let session: Session =
        txn.get(&session_key(&digest))?.map(|b| decode(&b, "session")).transpose()?.ok_or(Error::Unauthenticated)?;
    if session.expires_at <= env.now().0 {
        return Err(Error::Unauthenticated);
    }
    if let Some(key) = &session.api_key
        && !api_keys::exists(txn, key)?
    {
        return Err(Error::Unauthenticated);
    }
    let user = users::read(txn, session.user_id)?.ok_or(Error::Unauthenticated)?;
    if user.status != UserStatus::Active || !user.can_login {
        return Err(Error::Unauthenticated);
    }
    let record = read_password(txn, user.id)?;
    Ok((session, digest, user, record))
}

/// The authenticated caller of a request, in a read of its own.
pub fn caller(env: &Env, ctx: &RequestContext) -> Result<Caller, Error> {
    env.read(|txn| caller_in(txn, env, ctx))
}

/// The authenticated caller, read inside `txn`.
/// The local operator (credentials only the host produces) needs no session.
pub fn caller_in(txn: &dyn Txn, env: &Env, ctx: &RequestContext) -> Result<Caller, Error> {
    if let Some(Credentials::Operator(name)) = &ctx.credentials {
        return Ok(Caller::operator(name));
    }
    let (session, _, user, record) = session(txn, env, ctx)?;
    let permissions = users::grants::held_everywhere(txn, &user)?;
    env.authenticated.set(Some(user.id));
    Ok(Caller {
        user_id: user.id,
        permissions,
        accounts: crate::accounts::members::permissions_by_account(txn, user.id, &env.now().date())?,
        api_key: session.api_key.clone(),
        operator: None,
        // A token from an API key is a machine's: it never had the temporary password.
        password_change_required: session.api_key.is_none() && record.is_some_and(|r| r.temporary),
    })
}

/// How a login attempt was counted.
enum Attempt {
    /// No such user, or one who cannot log in: verify against the dummy hash.
    Unknown,
    /// Locked: refused without checking the password (after the dummy, for timing).
    Locked(UserId),
    /// Counted: check the password against this hash.
    Counted(UserId, String),
}

/// Exchange a user name and password for a token. Unknown users, locked users and wrong
/// passwords get the same answer, after the same work.
pub fn login(env: &Env, ctx: &RequestContext, user_name: &str, password: &str) -> Result<AccessToken, Error> {
    let now = env.now();
    let attempt = env.write(|txn| {
        crate::audit::Event::new("login.attempted", ctx).record(txn, now)?;
        let Some(user) = users::find_by_user_name(txn, user_name)? else { return Ok(Attempt::Unknown) };
        let Some(record) = read_password(txn, user.id)?.filter(|_| user.can_login && user.status == UserStatus::Active)
        else {
            return Ok(Attempt::Unknown);
        };
        let Some(next) = read_lock(txn, user.id)?.count_attempt(now.0, &env.settings) else {
            return Ok(Attempt::Locked(user.id));
        };
        put_json(txn, &lock_key(user.id), &next)?;
        if next.is_locked(now.0) {
            crate::audit::Event::new("user.locked", ctx).on("user", user.id).record(txn, now)?;
        }
        Ok(Attempt::Counted(user.id, record.hash))
    })?;
    let verified = match &attempt {
        Attempt::Counted(_, hash) => env.crypto.verify_password(password, hash).unwrap_or(false),
        Attempt::Unknown | Attempt::Locked(_) => {
            if let Some(dummy) = env.read(|txn| Ok(txn.get(DUMMY_HASH_KEY)?))? {
                let _ = env.crypto.verify_password(password, &String::from_utf8_lossy(&dummy));
            }
            false
        }
    };
    // A foreign hash (imported from another system) is replaced now that the password is known.
    let rehashed = match &attempt {
        Attempt::Counted(_, hash) if verified && !password::is_current(hash) => {
            env.crypto.hash_password(password).ok().map(|new| (hash.clone(), new))
        }
        _ => None,
    };
    let token = env.write(|txn| match &attempt {
        Attempt::Counted(user, _) if verified => {
            txn.delete(&lock_key(*user))?;
            if let Some((old, new)) = &rehashed
                && let Some(record) = read_password(txn, *user)?.filter(|r| &r.hash == old)
            {
                write_password(txn, *user, &PasswordRecord { hash: new.clone(), ..record })?;
                crate::audit::Event::new("password.rehashed", ctx).on("user", *user).record(txn, now)?;
            }
            crate::audit::Event::new("login.succeeded", ctx).by_user(*user).on("user", *user).record(txn, now)?;
            open_session(txn, env, *user, None).map(Some)
        }
        Attempt::Counted(user, _) | Attempt::Locked(user) => {
            crate::audit::Event::new("login.failed", ctx).on("user", *user).record(txn, now)?;
            Ok(None)
        }
        Attempt::Unknown => {
            crate::audit::Event::new("login.failed", ctx).record(txn, now)?;
            Ok(None)
        }
    })?;
    token.ok_or(Error::Unauthenticated)
}

/// Revoke the token the request carries.
pub fn logout(env: &Env, ctx: &RequestContext) -> Result<(), Error> {
    env.write(|txn| {
        let (session, digest, ..) = session(txn, env, ctx)?;
        txn.delete(&session_key(&digest))?;
        txn.delete(&[user_sessions_prefix(session.user_id), digest.to_vec()].concat())?;
        Ok(())
    })
}

/// The caller's own user record (seed 001's `whoami`).
pub fn whoami(env: &Env, ctx: &RequestContext) -> Result<User, Error> {
    env.read(|txn| {
        let caller = caller_in(txn, env, ctx)?;
        authorize(&caller, Permission::UsersCustom, Target::User(caller.user_id, &[]))?;
        users::read(txn, caller.user_id)?.ok_or(Error::NotFound)
    })
}

/// Change the caller's own password, proving the current one. Allowed with a temporary
/// password (it is how one gets rid of it). Ends every session of the user.
pub fn change_password(env: &Env, ctx: &RequestContext, current: &str, new: &str) -> Result<(), Error> {
    let (user, record) = env.read(|txn| {
        let (_, _, user, record) = session(txn, env, ctx)?;
        Ok((user, record))
    })?;
    let matches = match &record {
        Some(record) => env.crypto.verify_password(current, &record.hash).map_err(crypto_error)?,
        None => false,
    };
    if !matches {
        return Err(Error::invalid("currentPassword", "incorrect", "is not the current password"));
    }
    set_password(env, ctx, &user, "newPassword", new, false, "password.changed")
}

/// Set a temporary password for another user (seed 001's password reset). Ends the user's
/// sessions; the user must change it at the next login.
pub fn reset_password(env: &Env, ctx: &RequestContext, id: &str, new: &str) -> Result<(), Error> {
    let target = UserId::parse(id).ok_or(Error::NotFound)?;
    let user = env.read(|txn| {
        let caller = caller_in(txn, env, ctx)?;
        crate::accounts::members::authorize_user(txn, env, &caller, Permission::UsersPasswordReset, target)?;
        users::read(txn, target)?.ok_or(Error::NotFound)
    })?;
    if !user.can_login {
        return Err(Error::invalid("password", "not_allowed", "a contact (canLogin false) cannot have a password"));
    }
    set_password(env, ctx, &user, "password", new, true, "password.reset")
}

/// Check `new` against the policy, hash it, store it and end the user's sessions.
fn set_password(
    env: &Env,
    ctx: &RequestContext,
    user: &User,
    field: &str,
    new: &str,
    temporary: bool,
    event: &'static str,
) -> Result<(), Error> {
    password::check(field, new, &user.user_name, &user.email, &env.settings)?;
    let hash = env.crypto.hash_password(new).map_err(crypto_error)?;
    let now = env.now();
    env.write(|txn| {
        users::read(txn, user.id)?.ok_or(Error::NotFound)?;
        write_password(txn, user.id, &PasswordRecord { hash: hash.clone(), temporary })?;
        end_sessions(txn, user.id)?;
        delete_indexed(txn, &user_resets_prefix(user.id), reset_key)?;
        txn.delete(&lock_key(user.id))?;
        crate::audit::Event::new(event, ctx).on("user", user.id).changing(["password"]).record(txn, now)
    })
}

/// Start the lost-password flow for `email`. Always succeeds, whether or not the address
/// belongs to anyone; if it does, a single-use reset token goes out by mail.
pub fn request_password_reset(env: &Env, ctx: &RequestContext, email: &str) -> Result<(), Error> {
    request_password_reset_in(env, ctx, email, None)
}

/// Whether `user` belongs to `realm` (seed 003's realm: an account, by name): an active
/// member of it. Without a realm, everyone does.
fn in_realm(txn: &dyn Txn, env: &Env, user: UserId, realm: Option<&str>) -> Result<bool, Error> {
    let Some(realm) = realm else { return Ok(true) };
    let Some(account) = crate::accounts::find_by_name(txn, realm)? else { return Ok(false) };
    Ok(crate::accounts::members::read(txn, account.id, user)?.is_some_and(|m| m.is_active(&env.now().date())))
}

/// [`request_password_reset`] inside `realm`: only a member of that account gets a token.
/// The answer is the same for an unknown realm, so it reveals nothing either.
pub fn request_password_reset_in(
    env: &Env,
    ctx: &RequestContext,
    email: &str,
    realm: Option<&str>,
) -> Result<(), Error> {
    let now = env.now();
    let token = tokens::generate();
    env.write(|txn| {
        let user = users::find_by_email(txn, email.trim())?.filter(|u| u.can_login && u.status == UserStatus::Active);
        let user = match user {
            Some(user) if in_realm(txn, env, user.id, realm)? => Some(user),
            _ => None,
        };
        let Some(user) = user else {
            return crate::audit::Event::new("password.reset_requested", ctx).record(txn, now);
        };
        let digest = tokens::digest(&token);
        let ttl = env.settings.reset_token_ttl_seconds;
        let expires_at = now.0.saturating_add(i64::try_from(ttl * 1000).unwrap_or(i64::MAX));
        put_json(txn, &reset_key(&digest), &ResetToken { user_id: user.id, expires_at })?;
        txn.put(&[user_resets_prefix(user.id), digest.to_vec()].concat(), &[])?;
        txn.enqueue(&Message {
            to: user.email.clone(),
            subject: "Reset your Roster password".into(),
            body: format!(
                "Someone asked to reset the password of the Roster user {}.\n\n\
                 To choose a new password, use this reset token within {} minutes:\n\n{token}\n\n\
                 If it was not you, ignore this message; your password stays as it is.\n",
                user.user_name,
                ttl / 60
            ),
        })?;
        crate::audit::Event::new("password.reset_requested", ctx).on("user", user.id).record(txn, now)
    })
}

/// Set a new password with a lost-password token. An expired token and an unknown (or
/// used) one get different errors, so the holder of an expired link knows to ask again.
pub fn reset_password_with_token(env: &Env, ctx: &RequestContext, token: &str, new: &str) -> Result<(), Error> {
    reset_password_with_token_in(env, ctx, token, new, None)
}

/// [`reset_password_with_token`] inside `realm`: a token of a user outside that account is
/// as unknown as one never issued.
pub fn reset_password_with_token_in(
    env: &Env,
    ctx: &RequestContext,
    token: &str,
    new: &str,
    realm: Option<&str>,
) -> Result<(), Error> {
    let digest = tokens::digest(token);
    let user = env.read(|txn| {
        let reset: ResetToken = txn
            .get(&reset_key(&digest))?
            .map(|b| decode(&b, "reset token"))
            .transpose()?
            .ok_or_else(|| Error::invalid("token", "invalid_token", "is unknown or was already used"))?;
        if reset.expires_at <= env.now().0 {
            return Err(Error::invalid("token", "expired_token", "has expired; request a new one"));
        }
        match users::read(txn, reset.user_id)? {
            Some(user) if in_realm(txn, env, user.id, realm)? => Ok(user),
            _ => Err(Error::invalid("token", "invalid_token", "is unknown or was already used")),
        }
    })?;
    // Setting the password deletes every reset token of the user, this one included.
    set_password(env, ctx, &user, "password", new, false, "password.reset_by_token")
}

/// Exchange an API key's client id and secret for a token (RFC 6749 §4.4).
pub fn exchange_client_credentials(
    env: &Env,
    ctx: &RequestContext,
    client_id: &str,
    secret: &str,
) -> Result<AccessToken, Error> {
    let now = env.now();
    env.write(|txn| {
        let key = api_keys::verify(txn, client_id, secret)?.ok_or(Error::Unauthenticated)?;
        let owner = users::read(txn, key.user_id)?.ok_or(Error::Unauthenticated)?;
        if owner.status != UserStatus::Active || !owner.can_login {
            return Err(Error::Unauthenticated);
        }
        crate::audit::Event::new("client_credentials.exchanged", ctx).on("user", owner.id).record(txn, now)?;
        open_session(txn, env, owner.id, Some(key.id))
    })
}

/// Create the first administrator if the store holds no user yet; `Ok(false)` if it does.
pub fn bootstrap(
    env: &Env,
    ctx: &RequestContext,
    user_name: &str,
    password: &str,
    temporary: bool,
) -> Result<bool, Error> {
    let email = if user_name.contains('@') { user_name.to_owned() } else { format!("{user_name}@roster.invalid") };
    password::check("password", password, user_name, &email, &env.settings)?;
    let input = NewUser { user_name: Some(user_name.to_owned()), email: Some(email), ..NewUser::default() };
    let mut admin = users::validate_new(input, UserId::generate(), env.now().to_rfc3339())?.0;
    admin.roles = vec![roles::ADMINISTRATOR.to_owned()];
    let hash = env.crypto.hash_password(password).map_err(crypto_error)?;
    let dummy = env.crypto.hash_password(&tokens::generate()).map_err(crypto_error)?;
    let now = env.now();
    env.write(|txn| {
        roles::ensure_builtin(txn, &now.to_rfc3339())?;
        if users::any(txn)? {
            return Ok(false);
        }
        users::insert(txn, &admin)?;
        write_password(txn, admin.id, &PasswordRecord { hash: hash.clone(), temporary })?;
        txn.put(DUMMY_HASH_KEY, dummy.as_bytes())?;
        crate::audit::Event::new("user.bootstrapped", ctx).on("user", admin.id).record(txn, now)?;
        Ok(true)
    })
}

/// A user's lock state, for an administrator.
pub fn lock_state(env: &Env, ctx: &RequestContext, id: &str) -> Result<LockState, Error> {
    let target = UserId::parse(id).ok_or(Error::NotFound)?;
    env.read(|txn| {
        let caller = caller_in(txn, env, ctx)?;
        crate::accounts::members::authorize_user(txn, env, &caller, Permission::UsersRead, target)?;
        users::read(txn, target)?.ok_or(Error::NotFound)?;
        read_lock(txn, target)
    })
}

/// Clear a user's failed logins and lock.
pub fn unlock(env: &Env, ctx: &RequestContext, id: &str) -> Result<(), Error> {
    let target = UserId::parse(id).ok_or(Error::NotFound)?;
    let now = env.now();
    env.write(|txn| {
        let caller = caller_in(txn, env, ctx)?;
        crate::accounts::members::authorize_user(txn, env, &caller, Permission::UsersUnlock, target)?;
        users::read(txn, target)?.ok_or(Error::NotFound)?;
        txn.delete(&lock_key(target))?;
        crate::audit::Event::new("user.unlocked", ctx).by(&caller).on("user", target).record(txn, now)
    })
}

fn crypto_error(err: crate::env::CryptoError) -> Error {
    Error::Unavailable(err.to_string())
}

#[cfg(test)]
mod tests;
