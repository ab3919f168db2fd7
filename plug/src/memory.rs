//! The plug's store: an ordered map in the instance's memory, with the transaction
//! semantics of the host's redb store.
//!
//! A read transaction sees the snapshot it began on. A write transaction sees the snapshot
//! plus its own pending writes; `commit` applies them atomically, and dropping it
//! uncommitted discards them. One write transaction is open at a time (a second one is
//! `InvalidUse`, as on the host); a commit whose snapshot is no longer the newest is a
//! `Conflict`. Keys and values have the host's size limits. Nothing survives the instance.

use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::ops::Bound;
use std::rc::Rc;

/// The longest key accepted, in bytes: the host's limit.
pub const MAX_KEY_LEN: usize = 4 * 1024;
/// The longest value accepted, in bytes: the host's limit.
pub const MAX_VALUE_LEN: usize = 1024 * 1024;

/// Why a store call failed; the cases of `roster:iam/store`'s error this store produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreError {
    /// Another transaction committed since this one began; nothing was written.
    Conflict,
    /// A key or value is over the size limit; nothing was written.
    TooLarge,
    /// A write on a read transaction, a second open write transaction, or a call after
    /// `commit`.
    InvalidUse,
}

/// The order of a scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Ascending key order.
    Forward,
    /// Descending key order.
    Reverse,
}

/// A key and its value.
pub type Entry = (Vec<u8>, Vec<u8>);

/// A mail message queued by a write transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The recipient's address.
    pub to: String,
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub body: String,
}

type Map = BTreeMap<Vec<u8>, Vec<u8>>;

#[derive(Default)]
struct Shared {
    data: Rc<Map>,
    /// Bumped by every commit.
    generation: u64,
    /// Whether a write transaction is open.
    writer_open: bool,
}

/// The store. Cloning gives another handle on the same data.
#[derive(Clone, Default)]
pub struct MemoryStore {
    shared: Rc<RefCell<Shared>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Begin a read transaction on the current snapshot.
    pub fn begin_read(&self) -> Transaction {
        let shared = self.shared.borrow();
        Transaction { store: self.clone(), state: RefCell::new(State::Read(Rc::clone(&shared.data))) }
    }

    /// Begin the write transaction; `InvalidUse` while another is open.
    pub fn begin_write(&self) -> Result<Transaction, StoreError> {
        let mut shared = self.shared.borrow_mut();
        if shared.writer_open {
            return Err(StoreError::InvalidUse);
        }
        shared.writer_open = true;
        let state = State::Write {
            base: Rc::clone(&shared.data),
            generation: shared.generation,
            pending: BTreeMap::new(),
            outbox: Vec::new(),
        };
        Ok(Transaction { store: self.clone(), state: RefCell::new(state) })
    }
}

enum State {
    Read(Rc<Map>),
    Write {
        base: Rc<Map>,
        generation: u64,
        /// Pending writes: a value, or `None` for a deletion.
        pending: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
        outbox: Vec<Message>,
    },
    Spent,
}

/// A transaction. Dropping it uncommitted rolls it back.
pub struct Transaction {
    store: MemoryStore,
    state: RefCell<State>,
}

impl Transaction {
    /// The value under `key`, if any.
    pub fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        match &*self.state.borrow() {
            State::Read(base) => Ok(base.get(key).cloned()),
            State::Write { base, pending, .. } => match pending.get(key) {
                Some(value) => Ok(value.clone()),
                None => Ok(base.get(key).cloned()),
            },
            State::Spent => Err(StoreError::InvalidUse),
        }
    }

    /// The values under each key, in the order given.
    pub fn get_many(&self, keys: &[Vec<u8>]) -> Result<Vec<Option<Vec<u8>>>, StoreError> {
        keys.iter().map(|key| self.get(key)).collect()
    }

    /// Up to `limit` entries between `start` and `end`, in `direction` order.
    pub fn scan(
        &self,
        start: Bound<&[u8]>,
        end: Bound<&[u8]>,
        limit: u32,
        direction: Direction,
    ) -> Result<Vec<Entry>, StoreError> {
        let state = self.state.borrow();
        let empty = BTreeMap::new();
        let (base, pending) = match &*state {
            State::Read(base) => (base, &empty),
            State::Write { base, pending, .. } => (base, pending),
            State::Spent => return Err(StoreError::InvalidUse),
        };
        if is_inverted(start, end) {
            // BTreeMap::range panics on an inverted range; a store answers it with nothing.
            return Ok(Vec::new());
        }
        let reverse = direction == Direction::Reverse;
        let mut committed = ordered(base.range::<[u8], _>((start, end)), reverse).peekable();
        let mut own = ordered(pending.range::<[u8], _>((start, end)), reverse).peekable();
        let mut entries = Vec::new();
        while entries.len() < limit as usize {
            // Which side holds the next key; on a tie the pending write shadows the snapshot.
            let take_own = match (committed.peek(), own.peek()) {
                (None, None) => break,
                (Some(_), None) => false,
                (None, Some(_)) => true,
                (Some((a, _)), Some((b, _))) => {
                    let order = if reverse { b.cmp(a) } else { a.cmp(b) };
                    if order == Ordering::Equal {
                        committed.next();
                    }
                    order != Ordering::Less
                }
            };
            if take_own {
                if let Some((key, Some(value))) = own.next() {
                    entries.push((key.clone(), value.clone()));
                }
            } else if let Some((key, value)) = committed.next() {
                entries.push((key.clone(), value.clone()));
            }
        }
        Ok(entries)
    }

    /// Store `value` under `key`.
    pub fn put(&self, key: &[u8], value: &[u8]) -> Result<(), StoreError> {
        if value.len() > MAX_VALUE_LEN {
            return Err(StoreError::TooLarge);
        }
        self.pending(key, Some(value.to_vec()))
    }

    /// Remove `key`; removing a missing key is no error.
    pub fn delete(&self, key: &[u8]) -> Result<(), StoreError> {
        self.pending(key, None)
    }

    /// Queue `message`, to be handed back by `commit` and discarded by a rollback.
    pub fn enqueue(&self, message: Message) -> Result<(), StoreError> {
        match &mut *self.state.borrow_mut() {
            State::Write { outbox, .. } => {
                outbox.push(message);
                Ok(())
            }
            State::Read(_) | State::Spent => Err(StoreError::InvalidUse),
        }
    }

    /// Apply every pending write atomically; the messages queued, to deliver now. The
    /// transaction is spent afterwards, whatever the outcome.
    pub fn commit(&self) -> Result<Vec<Message>, StoreError> {
        let state = std::mem::replace(&mut *self.state.borrow_mut(), State::Spent);
        let State::Write { base, generation, pending, outbox } = state else {
            return match state {
                State::Read(_) => Ok(Vec::new()),
                _ => Err(StoreError::InvalidUse),
            };
        };
        // The snapshot goes first, so that applying the writes clones the map only if a
        // reader still holds it.
        drop(base);
        let mut shared = self.store.shared.borrow_mut();
        shared.writer_open = false;
        if shared.generation != generation {
            return Err(StoreError::Conflict);
        }
        let data = Rc::make_mut(&mut shared.data);
        for (key, value) in pending {
            match value {
                Some(value) => data.insert(key, value),
                None => data.remove(&key),
            };
        }
        shared.generation += 1;
        Ok(outbox)
    }

    fn pending(&self, key: &[u8], value: Option<Vec<u8>>) -> Result<(), StoreError> {
        if key.len() > MAX_KEY_LEN {
            return Err(StoreError::TooLarge);
        }
        match &mut *self.state.borrow_mut() {
            State::Write { pending, .. } => {
                pending.insert(key.to_vec(), value);
                Ok(())
            }
            State::Read(_) | State::Spent => Err(StoreError::InvalidUse),
        }
    }
}

impl Drop for Transaction {
    fn drop(&mut self) {
        if matches!(*self.state.borrow(), State::Write { .. }) {
            // A rollback: the pending writes go with the transaction.
            self.store.shared.borrow_mut().writer_open = false;
        }
    }
}

/// A range iterator in ascending or descending order.
fn ordered<'a, K: 'a, V: 'a>(
    range: impl DoubleEndedIterator<Item = (&'a K, &'a V)> + 'a,
    reverse: bool,
) -> Box<dyn Iterator<Item = (&'a K, &'a V)> + 'a> {
    if reverse { Box::new(range.rev()) } else { Box::new(range) }
}

fn is_inverted(start: Bound<&[u8]>, end: Bound<&[u8]>) -> bool {
    match (start, end) {
        (Bound::Included(s), Bound::Included(e)) => s > e,
        (Bound::Included(s) | Bound::Excluded(s), Bound::Included(e) | Bound::Excluded(e)) => s >= e,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store_with(keys: &[&str]) -> MemoryStore {
        let store = MemoryStore::new();
        let txn = store.begin_write().unwrap();
        for key in keys {
            txn.put(key.as_bytes(), b"v").unwrap();
        }
        txn.commit().unwrap();
        store
    }

    fn keys(entries: Vec<Entry>) -> Vec<String> {
        entries.into_iter().map(|(k, _)| String::from_utf8(k).unwrap()).collect()
    }

    fn all(txn: &Transaction, direction: Direction) -> Vec<String> {
        keys(txn.scan(Bound::Unbounded, Bound::Unbounded, 100, direction).unwrap())
    }

    fn message() -> Message {
        Message { to: "a@example.com".into(), subject: "s".into(), body: "b".into() }
    }

    #[test]
    fn dropping_a_write_transaction_rolls_it_back_and_frees_the_writer() {
        let store = store_with(&[]);
        let txn = store.begin_write().unwrap();
        txn.put(b"k", b"v").unwrap();
        drop(txn);
        assert_eq!(store.begin_read().get(b"k").unwrap(), None);
        assert!(store.begin_write().is_ok());
    }

    #[test]
    fn a_read_transaction_keeps_its_snapshot_across_a_commit() {
        let store = store_with(&["a"]);
        let read = store.begin_read();
        let write = store.begin_write().unwrap();
        write.put(b"b", b"v").unwrap();
        write.commit().unwrap();
        assert_eq!(read.get(b"b").unwrap(), None);
        assert_eq!(all(&read, Direction::Forward), ["a"]);
        assert_eq!(store.begin_read().get(b"b").unwrap(), Some(b"v".to_vec()));
    }

    #[test]
    fn a_write_transaction_sees_its_own_writes_and_deletes() {
        let store = store_with(&["a", "c"]);
        let txn = store.begin_write().unwrap();
        txn.put(b"b", b"new").unwrap();
        txn.delete(b"c").unwrap();
        assert_eq!(txn.get(b"b").unwrap(), Some(b"new".to_vec()));
        assert_eq!(txn.get(b"c").unwrap(), None);
        assert_eq!(txn.get_many(&[b"a".to_vec(), b"c".to_vec()]).unwrap(), [Some(b"v".to_vec()), None]);
        assert_eq!(all(&txn, Direction::Forward), ["a", "b"]);
        assert_eq!(all(&store.begin_read(), Direction::Forward), ["a", "c"], "nothing visible before commit");
        txn.commit().unwrap();
        assert_eq!(all(&store.begin_read(), Direction::Forward), ["a", "b"]);
    }

    #[test]
    fn scan_merges_pending_writes_in_both_directions_with_bounds_and_limit() {
        let store = store_with(&["a", "c", "e"]);
        let txn = store.begin_write().unwrap();
        txn.put(b"b", b"1").unwrap();
        txn.put(b"c", b"2").unwrap();
        txn.delete(b"e").unwrap();
        txn.put(b"f", b"3").unwrap();
        assert_eq!(all(&txn, Direction::Forward), ["a", "b", "c", "f"]);
        assert_eq!(all(&txn, Direction::Reverse), ["f", "c", "b", "a"]);
        let scan = |start, end, limit, direction| keys(txn.scan(start, end, limit, direction).unwrap());
        let (b, e): (&[u8], &[u8]) = (b"b", b"e");
        assert_eq!(scan(Bound::Excluded(b), Bound::Included(e), 10, Direction::Forward), ["c"]);
        assert_eq!(scan(Bound::Included(b), Bound::Unbounded, 2, Direction::Forward), ["b", "c"]);
        assert_eq!(scan(Bound::Unbounded, Bound::Excluded(e), 2, Direction::Reverse), ["c", "b"]);
        assert_eq!(txn.scan(Bound::Unbounded, Bound::Unbounded, 10, Direction::Forward).unwrap()[2].1, b"2");
        assert!(scan(Bound::Included(e), Bound::Included(b), 10, Direction::Forward).is_empty());
        assert!(scan(Bound::Excluded(b), Bound::Excluded(b), 10, Direction::Forward).is_empty());
    }

    #[test]
    fn a_second_open_writer_is_invalid_use() {
        let store = store_with(&[]);
        let _first = store.begin_write().unwrap();
        assert_eq!(store.begin_write().err(), Some(StoreError::InvalidUse));
    }

    #[test]
    fn writes_on_a_read_transaction_and_calls_after_commit_are_invalid_use() {
        let store = store_with(&["a"]);
        let read = store.begin_read();
        assert_eq!(read.put(b"a", b"1"), Err(StoreError::InvalidUse));
        assert_eq!(read.delete(b"a"), Err(StoreError::InvalidUse));
        assert_eq!(read.enqueue(message()), Err(StoreError::InvalidUse));
        let write = store.begin_write().unwrap();
        write.commit().unwrap();
        assert_eq!(write.get(b"a"), Err(StoreError::InvalidUse));
        assert_eq!(write.put(b"a", b"1"), Err(StoreError::InvalidUse));
        assert_eq!(write.commit(), Err(StoreError::InvalidUse));
    }

    #[test]
    fn a_commit_on_a_stale_snapshot_conflicts_and_writes_nothing() {
        let store = store_with(&[]);
        let first = store.begin_write().unwrap();
        first.put(b"a", b"1").unwrap();
        // Another handle committing in between: as if a second instance shared the data.
        store.shared.borrow_mut().generation += 1;
        assert_eq!(first.commit(), Err(StoreError::Conflict));
        assert_eq!(store.begin_read().get(b"a").unwrap(), None);
        assert!(store.begin_write().is_ok(), "a conflict frees the writer");
    }

    #[test]
    fn oversized_keys_and_values_are_too_large() {
        let store = store_with(&[]);
        let txn = store.begin_write().unwrap();
        assert_eq!(txn.put(&vec![0; MAX_KEY_LEN + 1], b"v"), Err(StoreError::TooLarge));
        assert_eq!(txn.put(b"k", &vec![0; MAX_VALUE_LEN + 1]), Err(StoreError::TooLarge));
        assert_eq!(txn.put(&vec![0; MAX_KEY_LEN], &vec![0; MAX_VALUE_LEN]), Ok(()));
    }

    #[test]
    fn mail_comes_back_only_from_a_commit() {
        let store = store_with(&[]);
        let rolled_back = store.begin_write().unwrap();
        rolled_back.enqueue(message()).unwrap();
        drop(rolled_back);
        let committed = store.begin_write().unwrap();
        committed.enqueue(message()).unwrap();
        assert_eq!(committed.commit().unwrap(), [message()]);
    }
}
