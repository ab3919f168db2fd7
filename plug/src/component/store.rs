//! `roster:iam/store` and `roster:iam/outbox` (exported): the in-memory store of this
//! instance. Committed mail has no transport here: each message is noted on stderr by
//! recipient and subject (never its body, which may carry a token) and dropped.

use std::cell::OnceCell;
use std::ops::Bound;

use super::Plug;
use super::exports::roster::iam::outbox;
use super::exports::roster::iam::store::{self as wit, Error};
use crate::memory::{self, Direction, MemoryStore, Message, StoreError};

thread_local! {
    /// The instance's data: it lives as long as the instance.
    static STORE: OnceCell<MemoryStore> = const { OnceCell::new() };
}

fn store() -> MemoryStore {
    STORE.with(|cell| cell.get_or_init(MemoryStore::new).clone())
}

impl wit::Guest for Plug {
    type Transaction = memory::Transaction;

    fn begin_read() -> Result<wit::Transaction, Error> {
        Ok(wit::Transaction::new(store().begin_read()))
    }

    fn begin_write() -> Result<wit::Transaction, Error> {
        store().begin_write().map(wit::Transaction::new).map_err(to_wit)
    }
}

impl wit::GuestTransaction for memory::Transaction {
    fn get(&self, key: Vec<u8>) -> Result<Option<Vec<u8>>, Error> {
        memory::Transaction::get(self, &key).map_err(to_wit)
    }

    fn get_many(&self, keys: Vec<Vec<u8>>) -> Result<Vec<Option<Vec<u8>>>, Error> {
        memory::Transaction::get_many(self, &keys).map_err(to_wit)
    }

    fn scan(
        &self,
        start: wit::Bound,
        end: wit::Bound,
        limit: u32,
        direction: wit::Direction,
    ) -> Result<Vec<wit::Entry>, Error> {
        let direction = match direction {
            wit::Direction::Forward => Direction::Forward,
            wit::Direction::Reverse => Direction::Reverse,
        };
        let entries = memory::Transaction::scan(self, bound(&start), bound(&end), limit, direction).map_err(to_wit)?;
        Ok(entries.into_iter().map(|(key, value)| wit::Entry { key, value }).collect())
    }

    fn put(&self, key: Vec<u8>, value: Vec<u8>) -> Result<(), Error> {
        memory::Transaction::put(self, &key, &value).map_err(to_wit)
    }

    fn delete(&self, key: Vec<u8>) -> Result<(), Error> {
        memory::Transaction::delete(self, &key).map_err(to_wit)
    }

    fn commit(&self) -> Result<(), Error> {
        for message in memory::Transaction::commit(self).map_err(to_wit)? {
            eprintln!(
                "roster-plug: mail to {} ({:?}) not delivered: the standalone component has no mail transport",
                message.to, message.subject
            );
        }
        Ok(())
    }
}

impl outbox::Guest for Plug {
    fn enqueue(txn: wit::TransactionBorrow<'_>, message: outbox::Message) -> Result<(), Error> {
        let message = Message { to: message.to, subject: message.subject, body: message.body };
        txn.get::<memory::Transaction>().enqueue(message).map_err(to_wit)
    }
}

fn bound(bound: &wit::Bound) -> Bound<&[u8]> {
    match bound {
        wit::Bound::Unbounded => Bound::Unbounded,
        wit::Bound::Included(key) => Bound::Included(key),
        wit::Bound::Excluded(key) => Bound::Excluded(key),
    }
}

fn to_wit(error: StoreError) -> Error {
    match error {
        StoreError::Conflict => Error::Conflict,
        StoreError::TooLarge => Error::TooLarge,
        StoreError::InvalidUse => Error::InvalidUse,
    }
}
