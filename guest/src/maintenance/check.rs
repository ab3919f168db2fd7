//! `roster check`: every index entry the records call for exists with the right value, and
//! every entry in an index belongs to a record. The expected entries are computed by the
//! modules that own the key layout (users, accounts, roles, memberships, audit).

use std::collections::BTreeMap;

use crate::context::RequestContext;
use crate::env::Env;
use crate::error::Error;
use crate::store::{Direction, KeyRange, Txn};
use crate::{accounts, audit, roles, users};

/// One disagreement between an index and the records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// `missing` (a record's entry is absent or wrong) or `dangling` (an entry no record has).
    pub kind: &'static str,
    /// The index entry's key, printable (bytes outside ASCII as `\xNN`).
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

/// Rows read per scan.
const CHUNK: u32 = 1000;

/// Check every index against its records; with `repair`, put missing entries and delete
/// dangling ones in the same transaction.
pub fn check(env: &Env, ctx: &RequestContext, repair: bool) -> Result<Report, Error> {
    let work = |txn: &dyn Txn| {
        super::operator_only(env, ctx, txn)?;
        let mut report = Report::default();
        let mut expected: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
        for_each(txn, users::keys::RECORD_PREFIX, |_, value| {
            report.records += 1;
            let user: crate::model::user::User =
                serde_json::from_slice(value).map_err(|e| Error::Unavailable(format!("corrupt user record: {e}")))?;
            expected.extend(users::keys::entries(&user).into_iter().map(|k| (k, Vec::new())));
            Ok(())
        })?;
        for_each(txn, accounts::RECORDS, |_, value| {
            report.records += 1;
            expected
                .extend(accounts::index_entries(&accounts::decode_record(value)?).into_iter().map(|k| (k, Vec::new())));
            Ok(())
        })?;
        for_each(txn, roles::RECORDS, |_, value| {
            report.records += 1;
            let (key, id) = roles::index_entry(&roles::decode_record(value)?);
            expected.insert(key, id);
            Ok(())
        })?;
        for_each(txn, accounts::members::RECORDS, |_, value| {
            report.records += 1;
            expected.insert(accounts::members::index_entry(&accounts::members::decode_record(value)?), Vec::new());
            Ok(())
        })?;
        for_each(txn, audit::PREFIX, |_, value| {
            report.records += 1;
            expected.extend(audit::index_entries(&audit::decode_record(value)?).into_iter().map(|k| (k, Vec::new())));
            Ok(())
        })?;
        let mut dangling = Vec::new();
        for prefix in INDEX_PREFIXES {
            for_each(txn, prefix, |key, value| {
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
        if repair && !report.problems.is_empty() {
            for (key, value) in &expected {
                txn.put(key, value)?;
            }
            for key in &dangling {
                txn.delete(key)?;
            }
            report.repaired = true;
        }
        Ok(report)
    };
    if repair { env.write(work) } else { env.read(work) }
}

/// Call `visit` with every entry under `prefix`, in chunks.
fn for_each(
    txn: &dyn Txn,
    prefix: &[u8],
    mut visit: impl FnMut(&[u8], &[u8]) -> Result<(), Error>,
) -> Result<(), Error> {
    let mut range = KeyRange::prefix(prefix);
    loop {
        let chunk = txn.scan(&range, CHUNK, Direction::Forward)?;
        for (key, value) in &chunk {
            visit(key, value)?;
        }
        match chunk.last() {
            Some((last, _)) if chunk.len() as u32 == CHUNK => range.start = std::ops::Bound::Excluded(last.clone()),
            _ => return Ok(()),
        }
    }
}

/// A key for people: printable ASCII as is, other bytes as `\xNN`.
fn printable(key: &[u8]) -> String {
    key.iter().map(|&b| if b.is_ascii_graphic() { (b as char).to_string() } else { format!("\\x{b:02x}") }).collect()
}
