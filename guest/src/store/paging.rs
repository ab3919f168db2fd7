//! Pages over a key range: filters applied as rows are read, page numbers or opaque
//! cursors. A cursor holds the last key returned, so any page costs what the first does.

use std::ops::Bound;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::{Direction, Entry, KeyRange, Txn};
use crate::error::Error;

/// Most items in one page.
pub const MAX_LIMIT: u32 = 1000;

/// Where a page starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Start {
    /// A page number from 1: skips `(page - 1) * limit` matches.
    Page(u32),
    /// The `next_cursor` of the previous page.
    Cursor(String),
    /// Skip this many matches, whatever the page size (seed 001's `offset`, seed 002's
    /// `from`).
    Offset(u64),
}

/// A paged read: the range and order, and what identifies the query for its cursors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scan {
    /// Every key the query may return lies in this range.
    pub range: KeyRange,
    /// The order of the rows.
    pub direction: Direction,
    /// Everything else that decides which rows come back (filters, sort), as text: a
    /// cursor only resumes the query it came from.
    pub identity: String,
}

/// One page of rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The rows.
    pub items: Vec<T>,
    /// Present when more rows follow.
    pub next_cursor: Option<String>,
}

/// Read the page of `scan` that starts at `start`, `limit` rows long. `load` turns scanned
/// entries into rows (keyed by their entry), `keep` filters them.
pub fn read<T>(
    txn: &dyn Txn,
    scan: &Scan,
    start: &Start,
    limit: u32,
    load: impl Fn(&dyn Txn, Vec<Entry>) -> Result<Vec<(Vec<u8>, T)>, Error>,
    keep: impl Fn(&T) -> bool,
) -> Result<Page<T>, Error> {
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(Error::invalid("limit", "range", format!("must be between 1 and {MAX_LIMIT}")));
    }
    let fingerprint = fingerprint(scan);
    let mut range = scan.range.clone();
    let mut skip = 0u64;
    match start {
        Start::Page(0) => return Err(Error::invalid("page", "range", "must be 1 or more")),
        Start::Page(page) => skip = u64::from(page - 1) * u64::from(limit),
        Start::Offset(offset) => skip = *offset,
        Start::Cursor(cursor) => {
            let last = decode_cursor(cursor, fingerprint)
                .filter(|key| scan.range.contains(key))
                .ok_or_else(|| Error::invalid("cursor", "format", "is not a cursor of this query"))?;
            resume_after(&mut range, scan.direction, last);
        }
    }

    let wanted = limit as usize + 1;
    // Enough rows to fill a page when most match, a bounded batch when few do.
    let batch = (wanted as u32).clamp(32, MAX_LIMIT);
    let mut rows: Vec<(Vec<u8>, T)> = Vec::with_capacity(wanted);
    loop {
        let entries = txn.scan(&range, batch, scan.direction)?;
        let exhausted = entries.len() < batch as usize;
        let Some(last_key) = entries.last().map(|(key, _)| key.clone()) else { break };
        for (key, row) in load(txn, entries)? {
            if !keep(&row) {
                continue;
            }
            if skip > 0 {
                skip -= 1;
                continue;
            }
            rows.push((key, row));
            if rows.len() == wanted {
                break;
            }
        }
        if rows.len() == wanted || exhausted {
            break;
        }
        resume_after(&mut range, scan.direction, last_key);
    }

    let next_cursor = (rows.len() == wanted).then(|| {
        rows.pop();
        let (key, _) = rows.last().expect("a page with a following item has a last item");
        encode_cursor(fingerprint, key)
    });
    Ok(Page { items: rows.into_iter().map(|(_, row)| row).collect(), next_cursor })
}

/// The rows behind index entries whose keys end with a record's id: `record_key` maps an
/// entry key to its record's key. Entries whose record is missing are skipped (an index
/// fault for `roster check`).
pub fn load_indexed<T>(
    txn: &dyn Txn,
    entries: Vec<Entry>,
    record_key: impl Fn(&[u8]) -> Option<Vec<u8>>,
    decode: impl Fn(&[u8]) -> Result<T, Error>,
) -> Result<Vec<(Vec<u8>, T)>, Error> {
    let (keys, record_keys): (Vec<Vec<u8>>, Vec<Vec<u8>>) =
        entries.into_iter().filter_map(|(key, _)| record_key(&key).map(|record| (key, record))).unzip();
    let values = txn.get_many(&record_keys)?;
    let mut rows = Vec::with_capacity(values.len());
    for (key, value) in keys.into_iter().zip(values) {
        if let Some(value) = value {
            rows.push((key, decode(&value)?));
        }
    }
    Ok(rows)
}

fn resume_after(range: &mut KeyRange, direction: Direction, last: Vec<u8>) {
    match direction {
        Direction::Forward => range.start = Bound::Excluded(last),
        Direction::Reverse => range.end = Bound::Excluded(last),
    }
}

const CURSOR_VERSION: u8 = 1;

/// FNV-1a of the scan: stable across builds, unlike std's hasher.
fn fingerprint(scan: &Scan) -> u64 {
    format!("{:?}|{:?}|{}", scan.range, scan.direction, scan.identity)
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3))
}

fn encode_cursor(fingerprint: u64, key: &[u8]) -> String {
    let mut bytes = Vec::with_capacity(9 + key.len());
    bytes.push(CURSOR_VERSION);
    bytes.extend_from_slice(&fingerprint.to_be_bytes());
    bytes.extend_from_slice(key);
    URL_SAFE_NO_PAD.encode(bytes)
}

fn decode_cursor(cursor: &str, fingerprint: u64) -> Option<Vec<u8>> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    let (head, key) = bytes.split_at_checked(9)?;
    (head[0] == CURSOR_VERSION && head[1..] == fingerprint.to_be_bytes()).then(|| key.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(identity: &str) -> Scan {
        Scan { range: KeyRange::prefix(b"u/"), direction: Direction::Forward, identity: identity.into() }
    }

    #[test]
    fn an_offset_skips_that_many_matches_whatever_the_limit() {
        let store = crate::store::memory::MemoryStore::default();
        let txn = crate::store::Store::begin_write(&store).unwrap();
        for i in 0..7u8 {
            txn.put(&[b"u/".as_slice(), &[i]].concat(), &[i]).unwrap();
        }
        let load = |_: &dyn Txn, entries: Vec<Entry>| Ok(entries.into_iter().map(|(k, v)| (k, v[0])).collect());
        let page = read(&*txn, &scan("a"), &Start::Offset(3), 2, load, |_| true).unwrap();
        assert_eq!(page.items, [3, 4]);
        assert!(page.next_cursor.is_some());
        let last = read(&*txn, &scan("a"), &Start::Offset(5), 5, load, |v| *v != 6).unwrap();
        assert_eq!((last.items, last.next_cursor), (vec![5], None));
    }

    #[test]
    fn a_cursor_of_another_query_is_refused() {
        let cursor = encode_cursor(fingerprint(&scan("a")), b"u/x");
        assert_eq!(decode_cursor(&cursor, fingerprint(&scan("b"))), None);
        assert_eq!(decode_cursor(&cursor, fingerprint(&scan("a"))), Some(b"u/x".to_vec()));
    }
}
