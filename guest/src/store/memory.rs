//! An in-memory [`Store`]: snapshot reads, rollback on drop, first-committer-wins conflicts.
//!
//! It backs the unit tests of every rule in this crate, and shows the semantics another
//! backend must have.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::ops::Bound;
use std::rc::Rc;

use super::{Direction, Entry, KeyRange, Message, Store, StoreError, Txn};

type Map = BTreeMap<Vec<u8>, Vec<u8>>;

#[derive(Default)]
struct Shared {
    data: Rc<Map>,
    /// Messages of committed transactions, oldest first: the memory store's outbox.
    sent: Vec<Message>,
    /// Bumped by every commit; a write transaction that began at an older generation
    /// conflicts, which is coarse but never lets a lost update through.
    generation: u64,
}

/// An in-memory store. Cloning it gives another handle on the same data.
#[derive(Clone, Default)]
pub struct MemoryStore {
    shared: Rc<RefCell<Shared>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many keys the store holds.
    pub fn len(&self) -> usize {
        self.shared.borrow().data.len()
    }

    /// The messages committed transactions queued, oldest first.
    pub fn sent(&self) -> Vec<Message> {
        self.shared.borrow().sent.clone()
    }

    /// Whether the store holds no keys.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Store for MemoryStore {
    fn begin_read(&self) -> Result<Box<dyn Txn + '_>, StoreError> {
        Ok(Box::new(MemoryTxn::begin(self, false)))
    }

    fn begin_write(&self) -> Result<Box<dyn Txn + '_>, StoreError> {
        Ok(Box::new(MemoryTxn::begin(self, true)))
    }
}

struct MemoryTxn<'a> {
    store: &'a MemoryStore,
    snapshot: RefCell<Rc<Map>>,
    generation: u64,
    writable: bool,
    outbox: RefCell<Vec<Message>>,
}

impl<'a> MemoryTxn<'a> {
    fn begin(store: &'a MemoryStore, writable: bool) -> Self {
        let shared = store.shared.borrow();
        MemoryTxn {
            store,
            snapshot: RefCell::new(Rc::clone(&shared.data)),
            generation: shared.generation,
            writable,
            outbox: RefCell::new(Vec::new()),
        }
    }

    fn write(&self, change: impl FnOnce(&mut Map)) -> Result<(), StoreError> {
        if !self.writable {
            return Err(StoreError::InvalidUse);
        }
        change(Rc::make_mut(&mut self.snapshot.borrow_mut()));
        Ok(())
    }
}

impl Txn for MemoryTxn<'_> {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.snapshot.borrow().get(key).cloned())
    }

    fn get_many(&self, keys: &[Vec<u8>]) -> Result<Vec<Option<Vec<u8>>>, StoreError> {
        let map = self.snapshot.borrow();
        Ok(keys.iter().map(|key| map.get(key).cloned()).collect())
    }

    fn scan(&self, range: &KeyRange, limit: u32, direction: Direction) -> Result<Vec<Entry>, StoreError> {
        let map = self.snapshot.borrow();
        let bounds = (as_slice(&range.start), as_slice(&range.end));
        if is_empty(bounds) {
            // BTreeMap::range panics on an inverted range; a store answers it with nothing.
            return Ok(Vec::new());
        }
        let iter = map.range::<[u8], _>(bounds);
        let take = limit as usize;
        let pick = |(k, v): (&Vec<u8>, &Vec<u8>)| (k.clone(), v.clone());
        Ok(match direction {
            Direction::Forward => iter.take(take).map(pick).collect(),
            Direction::Reverse => iter.rev().take(take).map(pick).collect(),
        })
    }

    fn put(&self, key: &[u8], value: &[u8]) -> Result<(), StoreError> {
        self.write(|map| {
            map.insert(key.to_vec(), value.to_vec());
        })
    }

    fn delete(&self, key: &[u8]) -> Result<(), StoreError> {
        self.write(|map| {
            map.remove(key);
        })
    }

    fn enqueue(&self, message: &Message) -> Result<(), StoreError> {
        if !self.writable {
            return Err(StoreError::InvalidUse);
        }
        self.outbox.borrow_mut().push(message.clone());
        Ok(())
    }

    fn commit(self: Box<Self>) -> Result<(), StoreError> {
        if !self.writable {
            return Ok(());
        }
        let mut shared = self.store.shared.borrow_mut();
        if shared.generation != self.generation {
            return Err(StoreError::Conflict);
        }
        shared.data = self.snapshot.into_inner();
        shared.sent.extend(self.outbox.into_inner());
        shared.generation += 1;
        Ok(())
    }
}

fn is_empty((start, end): (Bound<&[u8]>, Bound<&[u8]>)) -> bool {
    match (start, end) {
        (Bound::Included(s), Bound::Included(e)) => s > e,
        (Bound::Included(s) | Bound::Excluded(s), Bound::Included(e) | Bound::Excluded(e)) => s >= e,
        _ => false,
    }
}

fn as_slice(bound: &Bound<Vec<u8>>) -> Bound<&[u8]> {
    match bound {
        Bound::Included(key) => Bound::Included(key.as_slice()),
        Bound::Excluded(key) => Bound::Excluded(key.as_slice()),
        Bound::Unbounded => Bound::Unbounded,
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

    #[test]
    fn dropping_a_write_transaction_rolls_it_back() {
        let store = store_with(&[]);
        let txn = store.begin_write().unwrap();
        txn.put(b"k", b"v").unwrap();
        drop(txn);
        assert!(store.is_empty());
    }

    #[test]
    fn a_read_transaction_keeps_its_snapshot_across_a_commit() {
        let store = store_with(&["a"]);
        let read = store.begin_read().unwrap();
        let write = store.begin_write().unwrap();
        write.put(b"b", b"v").unwrap();
        write.commit().unwrap();
        assert_eq!(read.get(b"b").unwrap(), None);
        assert_eq!(store.begin_read().unwrap().get(b"b").unwrap(), Some(b"v".to_vec()));
    }

    #[test]
    fn the_second_of_two_overlapping_writers_conflicts() {
        let store = store_with(&[]);
        let first = store.begin_write().unwrap();
        let second = store.begin_write().unwrap();
        first.put(b"a", b"1").unwrap();
        second.put(b"a", b"2").unwrap();
        first.commit().unwrap();
        assert_eq!(second.commit(), Err(StoreError::Conflict));
        assert_eq!(store.begin_read().unwrap().get(b"a").unwrap(), Some(b"1".to_vec()));
    }

    #[test]
    fn mail_goes_out_only_when_its_transaction_commits() {
        let store = store_with(&[]);
        let message = Message { to: "a@example.com".into(), subject: "s".into(), body: "b".into() };
        let rolled_back = store.begin_write().unwrap();
        rolled_back.enqueue(&message).unwrap();
        drop(rolled_back);
        assert!(store.sent().is_empty());
        let committed = store.begin_write().unwrap();
        committed.enqueue(&message).unwrap();
        committed.commit().unwrap();
        assert_eq!(store.sent(), [message]);
    }

    #[test]
    fn writes_on_a_read_transaction_are_refused() {
        let store = store_with(&[]);
        let read = store.begin_read().unwrap();
        assert_eq!(read.put(b"a", b"1"), Err(StoreError::InvalidUse));
    }

    #[test]
    fn scan_honours_bounds_limit_and_direction() {
        let store = store_with(&["a", "b", "c", "d"]);
        let txn = store.begin_read().unwrap();
        let range = KeyRange { start: Bound::Excluded(b"a".to_vec()), end: Bound::Included(b"d".to_vec()) };
        assert_eq!(keys(txn.scan(&range, 2, Direction::Forward).unwrap()), ["b", "c"]);
        assert_eq!(keys(txn.scan(&range, 2, Direction::Reverse).unwrap()), ["d", "c"]);
        let inverted = KeyRange { start: Bound::Included(b"d".to_vec()), end: Bound::Included(b"a".to_vec()) };
        assert!(txn.scan(&inverted, 10, Direction::Forward).unwrap().is_empty());
    }
}
