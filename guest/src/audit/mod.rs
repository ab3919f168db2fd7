//! The audit log: every change and every security event, written in the same transaction
//! as what it describes, so the log has a record exactly when the change happened. Records
//! name who (a user, through a password session or an API key), what, which target, the
//! account, the correlation id and which fields changed — never their values, never secrets.

use serde::{Deserialize, Serialize};

use crate::access::{Caller, Permission, Target, authorize};
use crate::auth;
use crate::context::RequestContext;
use crate::env::Env;
use crate::error::Error;
use crate::model::account::AccountId;
use crate::model::time::Millis;
use crate::model::user::UserId;
use crate::store::paging::{self, Page, Scan, Start};
use crate::store::{Direction, Entry, KeyRange, Txn};

/// The key prefix of every record; ids are UUID v7, so records sort by time.
pub const PREFIX: &[u8] = b"au/";
/// The prefix of every audit index entry.
pub const INDEXES: &[u8] = b"ia/";
const BY_ACTOR: &[u8] = b"ia/a/";
const BY_TARGET: &[u8] = b"ia/t/";
const BY_ACCOUNT: &[u8] = b"ia/c/";

/// Who did something: a user (through a password session or an API key), or the local
/// operator on the host. In JSON, a user id or `operator:<name>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A user.
    User(UserId),
    /// The local operator (`cli`), acting through the host's typed calls.
    Operator(String),
}

impl Actor {
    /// The actor behind `caller`.
    pub fn of(caller: &Caller) -> Actor {
        match &caller.operator {
            Some(name) => Actor::Operator(name.clone()),
            None => Actor::User(caller.user_id),
        }
    }
}

impl Actor {
    /// Parse a user id or `operator:<name>`.
    pub fn parse(text: &str) -> Option<Actor> {
        match text.strip_prefix(OPERATOR_PREFIX) {
            Some(name) if !name.is_empty() => Some(Actor::Operator(name.to_owned())),
            Some(_) => None,
            None => UserId::parse(text).map(Actor::User),
        }
    }
}

impl std::fmt::Display for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Actor::User(id) => id.fmt(f),
            Actor::Operator(name) => write!(f, "{OPERATOR_PREFIX}{name}"),
        }
    }
}

const OPERATOR_PREFIX: &str = "operator:";

impl Serialize for Actor {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Actor {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Actor::parse(&text).ok_or_else(|| serde::de::Error::custom("not an actor"))
    }
}

/// One audit record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Record {
    /// A UUID v7.
    pub id: String,
    /// RFC 3339.
    pub at: String,
    /// What happened: `user.created`, `login.failed`, `membership.removed`, …
    pub action: String,
    /// Who did it, when known.
    pub actor: Option<Actor>,
    /// The API key the actor used, if any.
    pub api_key: Option<String>,
    /// What it was done to: `user:<id>`, `role:<id>`, `account:<id>`, …
    pub target: Option<String>,
    /// The account it happened in, if any.
    pub account: Option<AccountId>,
    /// The request's correlation id.
    pub correlation_id: String,
    /// The names of the fields that changed.
    pub changes: Vec<String>,
}

/// An audit record being written.
pub struct Event<'a> {
    action: &'static str,
    ctx: &'a RequestContext,
    actor: Option<Actor>,
    api_key: Option<String>,
    target: Option<String>,
    account: Option<AccountId>,
    changes: Vec<String>,
}

impl<'a> Event<'a> {
    /// An event `action` of the request `ctx`.
    pub fn new(action: &'static str, ctx: &'a RequestContext) -> Self {
        Event { action, ctx, actor: None, api_key: None, target: None, account: None, changes: Vec::new() }
    }

    /// Done by `caller`.
    pub fn by(mut self, caller: &Caller) -> Self {
        self.actor = Some(Actor::of(caller));
        self.api_key = caller.api_key.clone();
        self
    }

    /// Done by (or, for logins, about) the user `user`.
    pub fn by_user(mut self, user: UserId) -> Self {
        self.actor = Some(Actor::User(user));
        self
    }

    /// Done to `kind` `id` (`user`, `role`, `account`, `api-key`, …).
    pub fn on(mut self, kind: &str, id: impl std::fmt::Display) -> Self {
        self.target = Some(format!("{kind}:{id}"));
        self
    }

    /// In `account`.
    pub fn in_account(mut self, account: AccountId) -> Self {
        self.account = Some(account);
        self
    }

    /// Changing these fields.
    pub fn changing(mut self, fields: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.changes = fields.into_iter().map(Into::into).collect();
        self
    }

    /// Write the record in `txn`, at `now`.
    pub fn record(self, txn: &dyn Txn, now: Millis) -> Result<(), Error> {
        let id = uuid::Uuid::now_v7();
        let record = Record {
            id: id.to_string(),
            at: now.to_rfc3339(),
            action: self.action.to_owned(),
            actor: self.actor,
            api_key: self.api_key,
            target: self.target,
            account: self.account,
            correlation_id: self.ctx.correlation_id.clone(),
            changes: self.changes,
        };
        txn.put(&[PREFIX, id.as_bytes()].concat(), &serde_json::to_vec(&record).expect("audit records serialize"))?;
        for entry in index_entries(&record) {
            txn.put(&entry, &[])?;
        }
        Ok(())
    }
}

/// The index entries of a record: by actor, target and account.
pub fn index_entries(record: &Record) -> Vec<Vec<u8>> {
    let Some(id) = uuid::Uuid::parse_str(&record.id).ok() else { return Vec::new() };
    let id = id.as_bytes();
    let mut entries = Vec::new();
    // The operator is no user: its records are found by time, action or target.
    if let Some(Actor::User(actor)) = &record.actor {
        entries.push([BY_ACTOR, actor.as_bytes(), id].concat());
    }
    if let Some(target) = &record.target {
        entries.push([BY_TARGET, target.as_bytes(), b"\0", id].concat());
    }
    if let Some(account) = record.account {
        entries.push([BY_ACCOUNT, account.as_bytes(), id].concat());
    }
    entries
}

/// Decode a stored audit record.
pub fn decode_record(bytes: &[u8]) -> Result<Record, Error> {
    serde_json::from_slice(bytes).map_err(|e| Error::Unavailable(format!("corrupt audit record: {e}")))
}

/// Remove up to `limit` of the oldest records from before `cutoff` (RFC 3339), with their
/// index entries; how many were removed. Records are keyed by UUID v7, so the oldest come
/// first and the scan stops at the first one that is kept.
pub fn purge_before(txn: &dyn Txn, cutoff: &str, limit: u32) -> Result<u32, Error> {
    let mut removed = 0;
    for (key, value) in txn.scan(&KeyRange::prefix(PREFIX), limit, Direction::Forward)? {
        let record = decode_record(&value)?;
        if record.at.as_str() >= cutoff {
            break;
        }
        for entry in index_entries(&record) {
            txn.delete(&entry)?;
        }
        txn.delete(&key)?;
        removed += 1;
    }
    Ok(removed)
}

/// The names of the top-level JSON fields that differ between `old` and `new`.
pub fn changed_fields(old: &impl Serialize, new: &impl Serialize) -> Vec<String> {
    let (Ok(serde_json::Value::Object(old)), Ok(serde_json::Value::Object(new))) =
        (serde_json::to_value(old), serde_json::to_value(new))
    else {
        return Vec::new();
    };
    let ignored = ["version", "updatedAt"];
    new.iter()
        .filter(|(k, v)| !ignored.contains(&k.as_str()) && old.get(*k) != Some(*v))
        .map(|(k, _)| k.clone())
        .collect()
}

/// What to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// A user (found through the actor index) or the operator (found by scanning).
    pub actor: Option<Actor>,
    pub target: Option<String>,
    pub action: Option<String>,
    pub account: Option<AccountId>,
    /// RFC 3339 or a date: records at or after.
    pub from: Option<String>,
    /// RFC 3339 or a date: records before.
    pub to: Option<String>,
    pub limit: u32,
    pub start: Option<Start>,
}

/// A page of audit records, newest first. With `audit:read` only inside some accounts, a
/// caller sees only records of those accounts.
pub fn list(env: &Env, ctx: &RequestContext, query: &AuditQuery) -> Result<Page<Record>, Error> {
    env.read(|txn| {
        let caller = auth::caller_in(txn, env, ctx)?;
        let mine = match query.account {
            Some(account) => authorize(&caller, Permission::AuditRead, Target::Account(account)).map(|()| None)?,
            None => crate::accounts::scope(&caller, Permission::AuditRead)?,
        };
        let (prefix, indexed) = if let Some(account) = query.account {
            ([BY_ACCOUNT, account.as_bytes().as_slice()].concat(), true)
        } else if let Some(Actor::User(actor)) = query.actor {
            ([BY_ACTOR, actor.as_bytes().as_slice()].concat(), true)
        } else if let Some(target) = &query.target {
            ([BY_TARGET, target.as_bytes(), b"\0"].concat(), true)
        } else {
            (PREFIX.to_vec(), false)
        };
        let scan =
            Scan { range: KeyRange::prefix(&prefix), direction: Direction::Reverse, identity: format!("{query:?}") };
        let decode = decode_record;
        let load = |txn: &dyn Txn, entries: Vec<Entry>| {
            if indexed {
                paging::load_indexed(txn, entries, |key| Some([PREFIX, &key[key.len() - 16..]].concat()), decode)
            } else {
                entries.into_iter().map(|(key, value)| Ok((key, decode(&value)?))).collect()
            }
        };
        let keep = |r: &Record| {
            mine.as_ref().is_none_or(|accounts| r.account.is_some_and(|a| accounts.contains(&a)))
                && query.actor.as_ref().is_none_or(|a| r.actor.as_ref() == Some(a))
                && query.target.as_ref().is_none_or(|t| r.target.as_ref() == Some(t))
                && query.action.as_ref().is_none_or(|a| &r.action == a)
                && query.account.is_none_or(|a| r.account == Some(a))
                && query.from.as_ref().is_none_or(|from| r.at.as_str() >= from.as_str())
                && query.to.as_ref().is_none_or(|to| r.at.as_str() < to.as_str())
        };
        let start = query.start.clone().unwrap_or(Start::Page(1));
        paging::read(txn, &scan, &start, query.limit, load, keep)
    })
}
