//! Security events (login attempts, lockouts, password changes), recorded in the same
//! transaction as what they describe. The audit issue builds its log on these.

use serde::Serialize;

use crate::error::Error;
use crate::model::time::Millis;
use crate::model::user::UserId;
use crate::store::Txn;

/// The key prefix of every event; ids are UUID v7, so events sort by time.
pub const PREFIX: &[u8] = b"ev/";

/// One security event.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Event<'a> {
    /// What happened: `login.succeeded`, `login.failed`, `user.locked`, …
    pub kind: &'static str,
    /// The user concerned, when known.
    pub user_id: Option<UserId>,
    /// The correlation id of the request.
    pub correlation_id: &'a str,
    /// RFC 3339.
    pub at: String,
}

/// Record `kind` for `user_id` at `now`.
pub fn record(
    txn: &dyn Txn,
    kind: &'static str,
    user_id: Option<UserId>,
    correlation_id: &str,
    now: Millis,
) -> Result<(), Error> {
    let event = Event { kind, user_id, correlation_id, at: now.to_rfc3339() };
    let key = [PREFIX, uuid::Uuid::now_v7().as_bytes()].concat();
    txn.put(&key, &serde_json::to_vec(&event).expect("events serialize"))?;
    Ok(())
}
