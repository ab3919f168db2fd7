//! `roster:iam/store` (imported): the host's store behind the crate's [`Store`] trait.

use std::ops::Bound;

use super::roster::iam::outbox;
use super::roster::iam::store as wit;
use crate::store::{Direction, Entry, KeyRange, Message, Store, StoreError, Txn};

/// The store the host supplies.
pub struct ImportedStore;

impl Store for ImportedStore {
    fn begin_read(&self) -> Result<Box<dyn Txn + '_>, StoreError> {
        Ok(Box::new(ImportedTxn(wit::begin_read().map_err(from_wit)?)))
    }

    fn begin_write(&self) -> Result<Box<dyn Txn + '_>, StoreError> {
        Ok(Box::new(ImportedTxn(wit::begin_write().map_err(from_wit)?)))
    }
}

struct ImportedTxn(wit::Transaction);

impl Txn for ImportedTxn {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        self.0.get(key).map_err(from_wit)
    }

    fn get_many(&self, keys: &[Vec<u8>]) -> Result<Vec<Option<Vec<u8>>>, StoreError> {
        self.0.get_many(keys).map_err(from_wit)
    }

    fn scan(&self, range: &KeyRange, limit: u32, direction: Direction) -> Result<Vec<Entry>, StoreError> {
        let direction = match direction {
            Direction::Forward => wit::Direction::Forward,
            Direction::Reverse => wit::Direction::Reverse,
        };
        let entries = self.0.scan(&to_wit(&range.start), &to_wit(&range.end), limit, direction).map_err(from_wit)?;
        Ok(entries.into_iter().map(|e| (e.key, e.value)).collect())
    }

    fn put(&self, key: &[u8], value: &[u8]) -> Result<(), StoreError> {
        self.0.put(key, value).map_err(from_wit)
    }

    fn delete(&self, key: &[u8]) -> Result<(), StoreError> {
        self.0.delete(key).map_err(from_wit)
    }

    fn enqueue(&self, message: &Message) -> Result<(), StoreError> {
        let message =
            outbox::Message { to: message.to.clone(), subject: message.subject.clone(), body: message.body.clone() };
        outbox::enqueue(&self.0, &message).map_err(from_wit)
    }

    fn commit(self: Box<Self>) -> Result<(), StoreError> {
        self.0.commit().map_err(from_wit)
    }
}

fn to_wit(bound: &Bound<Vec<u8>>) -> wit::Bound {
    match bound {
        Bound::Unbounded => wit::Bound::Unbounded,
        Bound::Included(key) => wit::Bound::Included(key.clone()),
        Bound::Excluded(key) => wit::Bound::Excluded(key.clone()),
    }
}

fn from_wit(err: wit::Error) -> StoreError {
    match err {
        wit::Error::Conflict => StoreError::Conflict,
        wit::Error::TooLarge => StoreError::TooLarge,
        wit::Error::InvalidUse => StoreError::InvalidUse,
        wit::Error::Unavailable(text) => StoreError::Unavailable(text),
    }
}
