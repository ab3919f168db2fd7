//! API keys: machine credentials a user owns (seed 003's `clientId` and `secretKeys`).
//! The secret is shown once, at creation; the store keeps only its SHA-256. A key is
//! exchanged for an access token at the OAuth 2.0 client-credentials endpoint.

use serde::{Deserialize, Serialize};

use super::tokens;
use crate::access::{Permission, Target, authorize};
use crate::context::RequestContext;
use crate::env::Env;
use crate::error::{Error, FieldErrors};
use crate::model::rules;
use crate::model::user::UserId;
use crate::store::{Direction, KeyRange, Txn};
use crate::users;

/// An API key as stored and listed; its secret is never part of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKey {
    /// The key's id, which is also its OAuth 2.0 `client_id`.
    pub id: String,
    /// The owner.
    pub user_id: UserId,
    /// What the owner calls it.
    pub name: String,
    /// RFC 3339.
    pub created_at: String,
}

/// A key as stored: the key and the SHA-256 of its secret.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Stored {
    #[serde(flatten)]
    key: ApiKey,
    secret_digest: Vec<u8>,
}

/// A new key with its secret, the one time it is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewApiKey {
    #[serde(flatten)]
    pub key: ApiKey,
    /// The OAuth 2.0 `client_id` (the key's id).
    pub client_id: String,
    /// The OAuth 2.0 `client_secret`; not retrievable later.
    pub client_secret: String,
}

fn key_record(id: &str) -> Vec<u8> {
    [b"k/".as_slice(), id.as_bytes()].concat()
}

fn owner_prefix(user: UserId) -> Vec<u8> {
    [b"ku/".as_slice(), user.as_bytes()].concat()
}

fn decode(bytes: &[u8]) -> Result<Stored, Error> {
    serde_json::from_slice(bytes).map_err(|e| Error::Unavailable(format!("corrupt API key record: {e}")))
}

fn read(txn: &dyn Txn, id: &str) -> Result<Option<Stored>, Error> {
    txn.get(&key_record(id))?.map(|b| decode(&b)).transpose()
}

/// Whether the key `id` still exists.
pub fn exists(txn: &dyn Txn, id: &str) -> Result<bool, Error> {
    Ok(txn.get(&key_record(id))?.is_some())
}

/// The key whose id is `client_id` if `secret` is its secret.
pub fn verify(txn: &dyn Txn, client_id: &str, secret: &str) -> Result<Option<ApiKey>, Error> {
    let stored = read(txn, client_id)?;
    Ok(stored.filter(|s| tokens::digests_match(&s.secret_digest, &tokens::digest(secret))).map(|s| s.key))
}

/// Delete every key of `user`.
pub fn delete_all(txn: &dyn Txn, user: UserId) -> Result<(), Error> {
    let prefix = owner_prefix(user);
    for (key, _) in txn.scan(&KeyRange::prefix(&prefix), 1000, Direction::Forward)? {
        txn.delete(&key_record(&String::from_utf8_lossy(&key[prefix.len()..])))?;
        txn.delete(&key)?;
    }
    Ok(())
}

/// The caller may manage `owner`'s keys: their own, or anyone's with `api-keys:manage`.
fn authorize_owner(txn: &dyn Txn, env: &Env, ctx: &RequestContext, owner: UserId) -> Result<(), Error> {
    let caller = super::caller_in(txn, env, ctx)?;
    let permission = if caller.user_id == owner { Permission::UsersCustom } else { Permission::ApiKeysManage };
    authorize(&caller, permission, Target::User(owner, &[]))?;
    users::read(txn, owner)?.ok_or(Error::NotFound)?;
    Ok(())
}

/// Create a key for `owner`, named `name`.
pub fn create(env: &Env, ctx: &RequestContext, owner: &str, name: Option<&str>) -> Result<NewApiKey, Error> {
    let owner = UserId::parse(owner).ok_or(Error::NotFound)?;
    let mut errors = FieldErrors::new();
    let name = match name {
        Some(raw) => {
            errors.check(rules::text_field(crate::model::user::TextField::DisplayName, raw).map_err(|mut e| {
                e.field = "name".into();
                e
            }))
        }
        None => Some("API key".to_owned()),
    };
    errors.finish(())?;
    let secret = tokens::generate();
    let id = uuid::Uuid::now_v7().to_string();
    let key =
        ApiKey { id: id.clone(), user_id: owner, name: name.unwrap_or_default(), created_at: env.now().to_rfc3339() };
    let stored = Stored { key: key.clone(), secret_digest: tokens::digest(&secret).to_vec() };
    env.write(|txn| {
        authorize_owner(txn, env, ctx, owner)?;
        txn.put(&key_record(&id), &serde_json::to_vec(&stored).expect("keys serialize"))?;
        txn.put(&[owner_prefix(owner), id.as_bytes().to_vec()].concat(), &[])?;
        crate::audit::Event::new("api_key.created", ctx).on("user", owner).record(txn, env.now())?;
        Ok(())
    })?;
    Ok(NewApiKey { client_id: id, client_secret: secret, key })
}

/// `owner`'s keys, without their secrets.
pub fn list(env: &Env, ctx: &RequestContext, owner: &str) -> Result<Vec<ApiKey>, Error> {
    let owner = UserId::parse(owner).ok_or(Error::NotFound)?;
    env.read(|txn| {
        authorize_owner(txn, env, ctx, owner)?;
        let prefix = owner_prefix(owner);
        let listed = txn.scan(&KeyRange::prefix(&prefix), 1000, Direction::Forward)?;
        let keys: Vec<Vec<u8>> =
            listed.iter().map(|(k, _)| key_record(&String::from_utf8_lossy(&k[prefix.len()..]))).collect();
        txn.get_many(&keys)?.into_iter().flatten().map(|b| Ok(decode(&b)?.key)).collect()
    })
}

/// Revoke one of `owner`'s keys; tokens exchanged for it stop working at once.
pub fn revoke(env: &Env, ctx: &RequestContext, owner: &str, id: &str) -> Result<(), Error> {
    let owner = UserId::parse(owner).ok_or(Error::NotFound)?;
    env.write(|txn| {
        authorize_owner(txn, env, ctx, owner)?;
        let key = read(txn, id)?.map(|s| s.key).filter(|k| k.user_id == owner).ok_or(Error::NotFound)?;
        txn.delete(&key_record(&key.id))?;
        txn.delete(&[owner_prefix(owner), key.id.as_bytes().to_vec()].concat())?;
        crate::audit::Event::new("api_key.revoked", ctx).on("user", owner).record(txn, env.now())
    })
}
