//! `roster check`: every index entry the records call for exists with the right value,
//! every entry in an index belongs to a record, and the stored counts of users by status
//! agree with the user records. The expected entries are computed by the modules that own
//! the key layout (users, accounts, roles, memberships, audit).

use std::collections::BTreeMap;

use crate::context::RequestContext;
use crate::env::Env;
use crate::error::Error;
use crate::store::{KeyRange, Txn, for_each};
use crate::{accounts, audit, roles, users};

/// One disagreement between an index and the records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// `missing` (a record's entry, or the counts of users by status, absent or wrong) or
    /// `dangling` (an entry no record has).
    pub kind: &'static str,
    /// The key of the index entry (or of the counts), printable (bytes outside ASCII as `\xNN`).
    pub key: String,
}

/// What a check found, and whether it was repaired.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Records read.
    pub records: u64,
    /// Index entries read.
    pub entries: u64,
    /// Every disagreement.
    pub problems: Vec<Problem>,
    /// Whether the problems were fixed.
    pub repaired: bool,
}

/// The indexes checked, by key prefix: user indexes and the account name index (`i/`), role
/// names, audit indexes and membership listings.
const INDEX_PREFIXES: [&[u8]; 4] = [b"i/", b"rn/", audit::INDEXES, b"mu/"];

/// Check every index, and the counts of users by status, against the records; with
/// `repair`, put missing entries, delete dangling ones and rewrite wrong counts in the same
/// transaction. A store without counts (written before they were kept) has no problem:
/// reads count the users instead.
pub fn check(env: &Env, ctx: &RequestContext, repair: bool) -> Result<Report, Error> {
    let work = |txn: &dyn Txn| {
        super::operator_only(env, ctx, txn)?;
        let mut report = Report::default();
        let mut expected: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
        let mut counts = users::counters::Counts::default();
        for_each(txn, KeyRange::prefix(users::keys::RECORD_PREFIX), |_, value| {
            report.records += 1;
            let user: crate::model::user::User =
                serde_json::from_slice(value).map_err(|e| Error::Unavailable(format!("corrupt user record: {e}")))?;
            expected.extend(users::keys::entries(&user).into_iter().map(|k| (k, Vec::new())));
            counts.add(user.status);
            Ok(())
        })?;
        for_each(txn, KeyRange::prefix(accounts::RECORDS), |_, value| {
            report.records += 1;
            expected
                .extend(accounts::index_entries(&accounts::decode_record(value)?).into_iter().map(|k| (k, Vec::new())));
            Ok(())
        })?;
        for_each(txn, KeyRange::prefix(roles::RECORDS), |_, value| {
            report.records += 1;
            let (key, id) = roles::index_entry(&roles::decode_record(value)?);
            expected.insert(key, id);
            Ok(())
        })?;
        for_each(txn, KeyRange::prefix(accounts::members::RECORDS), |_, value| {
            report.records += 1;
            expected.insert(accounts::members::index_entry(&accounts::members::decode_record(value)?), Vec::new());
            Ok(())
        })?;
        for_each(txn, KeyRange::prefix(audit::PREFIX), |_, value| {
            report.records += 1;
            expected.extend(audit::index_entries(&audit::decode_record(value)?).into_iter().map(|k| (k, Vec::new())));
            Ok(())
        })?;
        let mut dangling = Vec::new();
        for prefix in INDEX_PREFIXES {
            for_each(txn, KeyRange::prefix(prefix), |key, value| {
                report.entries += 1;
                match expected.remove(key) {
                    Some(wanted) if wanted == value => {}
                    // A wrong value is put right below, like a missing entry.
                    Some(wanted) => {
                        expected.insert(key.to_vec(), wanted);
                    }
                    None => dangling.push(key.to_vec()),
                }
                Ok(())
            })?;
        }
        let problem = |kind, key: &[u8]| Problem { kind, key: printable(key) };
        report.problems.extend(expected.keys().map(|k| problem("missing", k)));
        report.problems.extend(dangling.iter().map(|k| problem("dangling", k)));
        let miscounted = users::counters::disagrees(txn, &counts)?;
        if miscounted {
            report.problems.push(problem("missing", users::keys::COUNTS));
        }
        if repair && !report.problems.is_empty() {
            for (key, value) in &expected {
                txn.put(key, value)?;
            }
            for key in &dangling {
                txn.delete(key)?;
            }
            if miscounted {
                users::counters::store(txn, &counts)?;
            }
            report.repaired = true;
        }
        Ok(report)
    };
    if repair { env.write(work) } else { env.read(work) }
}

/// A key for people: printable ASCII as is, other bytes as `\xNN`.
fn printable(key: &[u8]) -> String {
    key.iter().map(|&b| if b.is_ascii_graphic() { (b as char).to_string() } else { format!("\\x{b:02x}") }).collect()
}
