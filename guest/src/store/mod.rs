//! The ordered, transactional key-value store that holds all of Roster's state.
//!
//! The component reaches its store through the `roster:iam/store` import; tests and other
//! native callers use [`memory::MemoryStore`]. Both sit behind [`Store`] and [`Txn`], so every
//! rule in this crate runs the same against either.

pub mod memory;
pub mod paging;

use std::ops::Bound;

/// A key and its value, as a range scan returns them.
pub type Entry = (Vec<u8>, Vec<u8>);

/// Why a store call failed; mirrors the `roster:iam/store` error variant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// A concurrent transaction committed a conflicting change; redo the work.
    #[error("the transaction conflicted with a concurrent one")]
    Conflict,
    /// A key or value is over the backend's size limit.
    #[error("a key or value is larger than the store accepts")]
    TooLarge,
    /// A call that does not fit the transaction (a guest bug).
    #[error("invalid use of a transaction")]
    InvalidUse,
    /// The backend failed; the text is for logs only.
    #[error("the store is unavailable: {0}")]
    Unavailable(String),
}

/// The order of a range scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Ascending key order.
    Forward,
    /// Descending key order.
    Reverse,
}

/// A range of keys: a start and an end bound.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRange {
    /// Where the range starts.
    pub start: Bound<Vec<u8>>,
    /// Where the range ends.
    pub end: Bound<Vec<u8>>,
}

impl KeyRange {
    /// Every key that starts with `prefix`.
    pub fn prefix(prefix: &[u8]) -> Self {
        KeyRange {
            start: Bound::Included(prefix.to_vec()),
            end: match prefix_successor(prefix) {
                Some(next) => Bound::Excluded(next),
                None => Bound::Unbounded,
            },
        }
    }

    /// Whether `key` lies inside the range.
    pub fn contains(&self, key: &[u8]) -> bool {
        let after_start = match &self.start {
            Bound::Unbounded => true,
            Bound::Included(s) => key >= s.as_slice(),
            Bound::Excluded(s) => key > s.as_slice(),
        };
        let before_end = match &self.end {
            Bound::Unbounded => true,
            Bound::Included(e) => key <= e.as_slice(),
            Bound::Excluded(e) => key < e.as_slice(),
        };
        after_start && before_end
    }
}

/// The smallest key greater than every key that starts with `prefix`, if there is one.
pub fn prefix_successor(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut next = prefix.to_vec();
    while let Some(last) = next.pop() {
        if last < u8::MAX {
            next.push(last + 1);
            return Some(next);
        }
    }
    None
}

/// Entries [`for_each`] reads per scan.
const CHUNK: u32 = 1000;

/// Call `visit` with every entry in `range`, in key order, a chunk at a time: memory holds
/// one chunk, never the whole range.
pub fn for_each(
    txn: &dyn Txn,
    mut range: KeyRange,
    mut visit: impl FnMut(&[u8], &[u8]) -> Result<(), crate::error::Error>,
) -> Result<(), crate::error::Error> {
    loop {
        let chunk = txn.scan(&range, CHUNK, Direction::Forward)?;
        for (key, value) in &chunk {
            visit(key, value)?;
        }
        match chunk.last() {
            Some((last, _)) if chunk.len() as u32 == CHUNK => range.start = Bound::Excluded(last.clone()),
            _ => return Ok(()),
        }
    }
}

/// A source of transactions.
pub trait Store {
    /// Begin a read-only transaction on a consistent snapshot.
    fn begin_read(&self) -> Result<Box<dyn Txn + '_>, StoreError>;
    /// Begin a read-write transaction.
    fn begin_write(&self) -> Result<Box<dyn Txn + '_>, StoreError>;
}

/// A plain-text mail message, delivered once the transaction that queued it commits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The recipient's address.
    pub to: String,
    /// The subject line.
    pub subject: String,
    /// The body.
    pub body: String,
}

/// One transaction. Dropping it without [`Txn::commit`] rolls it back.
pub trait Txn {
    /// The value under `key`.
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError>;
    /// The values under each of `keys`, in order, in one call.
    fn get_many(&self, keys: &[Vec<u8>]) -> Result<Vec<Option<Vec<u8>>>, StoreError>;
    /// Up to `limit` entries of `range`, in `direction` order.
    fn scan(&self, range: &KeyRange, limit: u32, direction: Direction) -> Result<Vec<Entry>, StoreError>;
    /// Store `value` under `key`.
    fn put(&self, key: &[u8], value: &[u8]) -> Result<(), StoreError>;
    /// Remove `key`.
    fn delete(&self, key: &[u8]) -> Result<(), StoreError>;
    /// Queue `message` to go out if and only if this (write) transaction commits.
    fn enqueue(&self, message: &Message) -> Result<(), StoreError>;
    /// Make the writes durable and visible, atomically.
    fn commit(self: Box<Self>) -> Result<(), StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_range_covers_exactly_the_keys_with_that_prefix() {
        let range = KeyRange::prefix(b"ab");
        assert!(range.contains(b"ab"));
        assert!(range.contains(b"ab\xff\xff"));
        assert!(!range.contains(b"ac"));
        assert!(!range.contains(b"aa\xff"));
    }

    #[test]
    fn prefix_successor_carries_past_ff_bytes() {
        assert_eq!(prefix_successor(b"a\xff"), Some(b"b".to_vec()));
        assert_eq!(prefix_successor(b"\xff\xff"), None);
    }
}
