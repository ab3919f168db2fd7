//! The number of users of each status, in one record ([`keys::COUNTS`]) that every write of
//! a user keeps in step in its own transaction, so that a total or a recap by status of
//! everyone reads one key instead of every user.
//!
//! A store written before the record was kept has none. Reads then count the users
//! themselves, so they never answer wrong; the first write that changes a count counts the
//! status index once, inside its transaction, and stores the result.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::directory::Members;
use super::keys::{self, Index};
use super::query::Query;
use crate::error::Error;
use crate::model::user::UserStatus;
use crate::store::{Txn, for_each};

/// How many users have each status; a status no user has is left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Counts(BTreeMap<UserStatus, u64>);

impl Counts {
    /// Count one more user with `status`.
    pub fn add(&mut self, status: UserStatus) {
        *self.0.entry(status).or_default() += 1;
    }

    /// Count one fewer user with `status`. Counts that were already wrong stay at zero
    /// rather than fail the write: `roster check` finds and repairs them.
    fn remove(&mut self, status: UserStatus) {
        if let Some(count) = self.0.get_mut(&status) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                self.0.remove(&status);
            }
        }
    }

    /// Each status some user has, with how many have it, in status order.
    pub fn by_status(&self) -> impl Iterator<Item = (UserStatus, u64)> + '_ {
        self.0.iter().map(|(status, count)| (*status, *count))
    }

    /// Every user, whatever the status.
    pub fn total(&self) -> u64 {
        self.0.values().sum()
    }
}

/// The stored counts, or none in a store written before they were kept.
pub fn stored(txn: &dyn Txn) -> Result<Option<Counts>, Error> {
    txn.get(keys::COUNTS)?.map(|bytes| decode(&bytes)).transpose()
}

/// The stored counts when they answer for `query` among `members`: the query filters
/// nothing and the members are everyone. None otherwise, or when no counts are stored yet;
/// the caller then counts the matches themselves.
pub fn for_everyone(txn: &dyn Txn, query: &Query, members: &Members) -> Result<Option<Counts>, Error> {
    if query.is_unfiltered() && members.is_everyone() { stored(txn) } else { Ok(None) }
}

/// Whether stored counts disagree with `counted`; counts that do not decode do, and no
/// stored counts do not (reads then count the users themselves).
pub fn disagrees(txn: &dyn Txn, counted: &Counts) -> Result<bool, Error> {
    Ok(txn.get(keys::COUNTS)?.is_some_and(|bytes| decode(&bytes).ok().as_ref() != Some(counted)))
}

/// Store `counts` as the counts of users by status.
pub fn store(txn: &dyn Txn, counts: &Counts) -> Result<(), Error> {
    let bytes = serde_json::to_vec(counts).expect("counts always serialize to JSON");
    Ok(txn.put(keys::COUNTS, &bytes)?)
}

/// Move one user from status `from` to status `to`, where `None` is no user (an insert
/// comes from none, a delete goes to none). Call it before the user's index entries change:
/// a store without counts first counts the status index as it stands.
pub(super) fn shift(txn: &dyn Txn, from: Option<UserStatus>, to: Option<UserStatus>) -> Result<(), Error> {
    if from == to {
        return Ok(());
    }
    let mut counts = match stored(txn)? {
        Some(counts) => counts,
        None => counted(txn)?,
    };
    if let Some(status) = from {
        counts.remove(status);
    }
    if let Some(status) = to {
        counts.add(status);
    }
    store(txn, &counts)
}

/// The counts as the status index has them: one entry a user, read a chunk at a time.
fn counted(txn: &dyn Txn) -> Result<Counts, Error> {
    let mut counts = Counts::default();
    for status in UserStatus::ALL {
        for_each(txn, Index::Status.range(Some(status), None), |_, _| {
            counts.add(status);
            Ok(())
        })?;
    }
    Ok(counts)
}

/// Decode stored counts; bytes that do not decode are a corrupt record.
fn decode(bytes: &[u8]) -> Result<Counts, Error> {
    let Counts(mut counts) =
        serde_json::from_slice(bytes).map_err(|e| Error::Unavailable(format!("corrupt user counts: {e}")))?;
    counts.retain(|_, count| *count > 0);
    Ok(Counts(counts))
}

/// Helpers for the tests of the modules that write users.
#[cfg(test)]
pub mod testing {
    use super::*;
    use crate::store::Store;

    /// The stored counts, status by status; none when the store keeps none.
    pub fn stored_in(store: &dyn Store) -> Option<Vec<(UserStatus, u64)>> {
        let txn = store.begin_read().expect("a memory store always begins a read");
        stored(&*txn).expect("the counts decode").map(|counts| counts.by_status().collect())
    }

    /// Store `bytes` as the counts, or remove them (as in a store written before they were
    /// kept), behind the services' back.
    pub fn put_in(store: &dyn Store, bytes: Option<&[u8]>) {
        let txn = store.begin_write().expect("a memory store always begins a write");
        match bytes {
            Some(bytes) => txn.put(keys::COUNTS, bytes),
            None => txn.delete(keys::COUNTS),
        }
        .expect("a memory store always writes");
        txn.commit().expect("nothing else writes meanwhile");
    }
}
