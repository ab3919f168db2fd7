//! Export and import as JSON Lines: one record a line, `{"type": …}` plus the record's
//! native API JSON (camelCase). Types, in the order an import can replay them:
//! `attributeDefinition`, `role`, `account`, `user` (with `passwordHash`, a PHC string, and
//! `passwordTemporary` when set), `membership`. An account's own `type` is `accountType`
//! and an attribute definition's `valueType` in a line, because `type` names the record type.
//!
//! Only the local operator may export (the lines carry password hashes) or import (which
//! keeps ids and writes hashes). An import batch is one transaction: every line is checked
//! by its module's own rules (`import_in`), the good ones are written, each refused line is
//! reported with its reason, and nothing of a batch is written when the store fails.

mod cursor;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::access::Caller;
use crate::auth::password::{self, PasswordRecord};
use crate::context::RequestContext;
use crate::env::Env;
use crate::error::Error;
use crate::model::user::User;
use crate::store::{Direction, KeyRange, Txn};
use crate::{accounts, attributes, audit, auth, roles, users};

/// What importing one line did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// The record was new.
    Created,
    /// The record existed and differed; it now matches the line.
    Updated,
    /// The record already matched the line; nothing was written.
    Unchanged,
}

impl Applied {
    /// `Updated` when a record was there before, else `Created`.
    pub fn written(existed: bool) -> Applied {
        if existed { Applied::Updated } else { Applied::Created }
    }
}

/// The number of an imported line and what importing it did, or why it was refused.
pub type LineResult = (u64, Result<Applied, Error>);

/// The record types, in export (and replay) order, with the key prefix of their records.
const KINDS: [(&str, &[u8]); 5] = [
    ("attributeDefinition", b"ad/"),
    ("role", b"r/"),
    ("account", b"a/"),
    ("user", users::keys::RECORD_PREFIX),
    ("membership", b"m/"),
];

/// The record types whose native JSON has a `type` field of its own, and the name that
/// field goes by in a line.
const OWN_TYPE_FIELDS: [(&str, &str); 2] = [("account", "accountType"), ("attributeDefinition", "valueType")];

fn own_type_field(kind: &str) -> Option<&'static str> {
    OWN_TYPE_FIELDS.iter().find(|(k, _)| *k == kind).map(|(_, field)| *field)
}

/// One page of exported lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportPage {
    /// JSON objects, one a line, without newlines.
    pub lines: Vec<String>,
    /// Where the next page starts; none at the end.
    pub next_cursor: Option<String>,
}

fn operator_only(txn: &dyn Txn, env: &Env, ctx: &RequestContext) -> Result<Caller, Error> {
    let caller = auth::caller_in(txn, env, ctx)?;
    if caller.operator.is_none() {
        return Err(Error::Forbidden("operator".into()));
    }
    Ok(caller)
}

/// Up to `limit` lines from `cursor` on (the start when none), all read in one snapshot.
pub fn export(env: &Env, ctx: &RequestContext, cursor: Option<&str>, limit: u32) -> Result<ExportPage, Error> {
    let limit = limit.clamp(1, crate::store::paging::MAX_LIMIT);
    env.read(|txn| {
        operator_only(txn, env, ctx)?;
        let (mut kind, mut after) = match cursor {
            Some(text) => cursor::decode(text).ok_or_else(|| Error::invalid("cursor", "format", "is not a cursor"))?,
            None => (0, None),
        };
        let mut lines = Vec::new();
        while kind < KINDS.len() {
            let (name, prefix) = KINDS[kind];
            let mut range = KeyRange::prefix(prefix);
            if let Some(key) = after.take() {
                range.start = std::ops::Bound::Excluded(key);
            }
            let want = limit - lines.len() as u32;
            let entries = txn.scan(&range, want, Direction::Forward)?;
            for (key, value) in &entries {
                lines.push(line(txn, name, value)?);
                after = Some(key.clone());
            }
            if lines.len() as u32 == limit {
                let next = after.map(|key| cursor::encode(kind, &key));
                return Ok(ExportPage { lines, next_cursor: next });
            }
            kind += 1;
            after = None;
        }
        Ok(ExportPage { lines, next_cursor: None })
    })
}

/// The export line of one stored record: its JSON with `type`, and a user's password hash.
fn line(txn: &dyn Txn, kind: &str, stored: &[u8]) -> Result<String, Error> {
    let mut object: Map<String, Value> =
        serde_json::from_slice(stored).map_err(|e| Error::Unavailable(format!("corrupt {kind} record: {e}")))?;
    if kind == "user" {
        let user: User = serde_json::from_value(Value::Object(object.clone()))
            .map_err(|e| Error::Unavailable(format!("corrupt user record: {e}")))?;
        if let Some(record) = auth::read_password(txn, user.id)? {
            object.insert("passwordHash".into(), Value::String(record.hash));
            if record.temporary {
                object.insert("passwordTemporary".into(), Value::Bool(true));
            }
        }
    }
    if let Some(field) = own_type_field(kind)
        && let Some(own) = object.remove("type")
    {
        object.insert(field.into(), own);
    }
    object.insert("type".into(), Value::String(kind.to_owned()));
    Ok(Value::Object(object).to_string())
}

/// Import `lines` (line number, text) in one transaction: the result of each, in order.
/// The whole batch fails, and nothing is written, only when the store does.
pub fn import(env: &Env, ctx: &RequestContext, lines: &[(u64, String)]) -> Result<Vec<LineResult>, Error> {
    let now = env.now();
    env.write(|txn| {
        let caller = operator_only(txn, env, ctx)?;
        roles::ensure_builtin(txn, &now.to_rfc3339())?;
        let mut results = Vec::with_capacity(lines.len());
        for (number, text) in lines {
            let outcome = import_line(txn, text);
            match &outcome {
                Err(Error::Unavailable(reason)) => return Err(Error::Unavailable(reason.clone())),
                Ok((kind, target, Applied::Created | Applied::Updated)) => {
                    audit::Event::new("record.imported", ctx).by(&caller).on(kind, target).record(txn, now)?;
                }
                _ => {}
            }
            results.push((*number, outcome.map(|(_, _, applied)| applied)));
        }
        Ok(results)
    })
}

/// Check and store one line: its type, the record's id for the audit log, and what it did.
fn import_line(txn: &dyn Txn, text: &str) -> Result<(&'static str, String, Applied), Error> {
    let Ok(Value::Object(mut object)) = serde_json::from_str::<Value>(text) else {
        return Err(Error::invalid("line", "malformed", "is not a JSON object"));
    };
    let kind = match object.remove("type") {
        Some(Value::String(kind)) => kind,
        _ => return Err(Error::invalid("type", "required", "must name the record type")),
    };
    if let Some(field) = own_type_field(&kind)
        && let Some(own) = object.remove(field)
    {
        object.insert("type".into(), own);
    }
    match kind.as_str() {
        "attributeDefinition" => {
            let definition: attributes::Definition = decode(object)?;
            let name = definition.name.clone();
            Ok(("attribute-definition", name, attributes::import_in(txn, definition)?))
        }
        "role" => {
            let role: roles::Role = decode(object)?;
            let id = role.id.clone();
            Ok(("role", id, roles::import_in(txn, role)?))
        }
        "account" => {
            let account: crate::model::account::Account = decode(object)?;
            let id = account.id.to_string();
            Ok(("account", id, accounts::import_in(txn, account)?))
        }
        "user" => {
            let hash = match object.remove("passwordHash") {
                None | Some(Value::Null) => None,
                Some(Value::String(hash)) => Some(hash),
                Some(_) => return Err(Error::invalid("passwordHash", "format", "must be a PHC string")),
            };
            let temporary = matches!(object.remove("passwordTemporary"), Some(Value::Bool(true)));
            let user: User = decode(object)?;
            if let Some(hash) = &hash {
                password::check_imported_hash("passwordHash", hash)?;
                if !user.can_login {
                    return Err(Error::invalid("passwordHash", "not_allowed", "a contact cannot have a password"));
                }
            }
            let id = user.id;
            let mut applied = users::import_in(txn, user)?;
            if let Some(hash) = hash {
                let record = PasswordRecord { hash, temporary };
                if auth::read_password(txn, id)?.as_ref() != Some(&record) {
                    auth::write_password(txn, id, &record)?;
                    if applied == Applied::Unchanged {
                        applied = Applied::Updated;
                    }
                }
            }
            Ok(("user", id.to_string(), applied))
        }
        "membership" => {
            let membership: accounts::members::Membership = decode(object)?;
            let target = format!("{}/{}", membership.account_id, membership.user_id);
            Ok(("membership", target, accounts::members::import_in(txn, membership)?))
        }
        other => Err(Error::invalid(
            "type",
            "unknown_type",
            format!("{other} is not attributeDefinition, role, account, user or membership"),
        )),
    }
}

/// The record of a line, or which field is missing or of the wrong type.
fn decode<T: DeserializeOwned>(object: Map<String, Value>) -> Result<T, Error> {
    serde_json::from_value(Value::Object(object)).map_err(|e| Error::invalid("record", "format", e.to_string()))
}

#[cfg(test)]
mod tests;
