//! `roster:iam/store`: the component's transactions, on the redb [`Storage`] backend.
//!
//! Every redb call blocks (disk I/O, fsync on commit, or waiting for redb's one writer), so
//! each runs on tokio's blocking pool through `spawn_blocking`. `block_in_place` would avoid
//! moving the transaction between threads, but it panics on a current-thread runtime (the
//! default of `#[tokio::test]`) and stalls every other task of its worker meanwhile.

use std::ops::Bound;

use wasmtime::component::{HasData, Resource, ResourceTable};

use crate::bindings::roster::iam::store::{
    self as wit, Bound as WitBound, Direction as WitDirection, Entry as WitEntry, Error,
};
use crate::storage::{self, Direction, Storage, StorageError};

/// The per-Store state behind `roster:iam/store`.
#[derive(Debug)]
pub struct StoreCtx {
    storage: Storage,
    /// The resource id of this instance's open write transaction. redb has one writer per
    /// database, so a second `begin-write` in the same instance would wait for itself forever;
    /// it gets `invalid-use` instead.
    writer: Option<u32>,
}

impl StoreCtx {
    /// State for one instance, on `storage`.
    pub fn new(storage: Storage) -> Self {
        StoreCtx { storage, writer: None }
    }
}

/// What `roster:iam/store` needs of the Store: its own state and the resource table.
pub struct StoreView<'a> {
    /// The store state of this instance.
    pub ctx: &'a mut StoreCtx,
    /// The instance's resource table, shared with WASI.
    pub table: &'a mut ResourceTable,
}

/// [`HasData`] marker that hands [`StoreView`] to the generated `add_to_linker`.
pub struct StoreImports;

impl HasData for StoreImports {
    type Data<'a> = StoreView<'a>;
}

/// A transaction resource as the host keeps it in the resource table.
///
/// `txn` is `None` only while a call on it runs on the blocking pool.
pub struct Transaction {
    txn: Option<storage::Transaction>,
}

impl Drop for Transaction {
    fn drop(&mut self) {
        // Rolling back an open write touches redb's allocator and file; keep it off the
        // async workers when there are any (a trapped Store is dropped on one).
        if let Some(txn) = self.txn.take().filter(|txn| txn.is_open_write())
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            runtime.spawn_blocking(move || drop(txn));
        }
    }
}

impl StoreView<'_> {
    /// Run `op` on the transaction `resource` on the blocking pool, and put it back after.
    pub(crate) async fn with_txn<R: Send + 'static>(
        &mut self,
        resource: &Resource<Transaction>,
        op: impl FnOnce(&mut storage::Transaction) -> storage::Result<R> + Send + 'static,
    ) -> wasmtime::Result<Result<R, Error>> {
        let Some(mut txn) = self.table.get_mut(resource)?.txn.take() else {
            // Calls on one instance are sequential, so this is a host bug.
            wasmtime::bail!("transaction {} is already in use", resource.rep());
        };
        let (txn, result) = tokio::task::spawn_blocking(move || {
            let result = op(&mut txn);
            (txn, result)
        })
        .await?;
        let spent_writer = !txn.is_open_write() && self.ctx.writer == Some(resource.rep());
        if spent_writer {
            self.ctx.writer = None;
        }
        self.table.get_mut(resource)?.txn = Some(txn);
        Ok(result.map_err(to_wit_error))
    }

    async fn begin(&mut self, write: bool) -> wasmtime::Result<Result<Resource<Transaction>, Error>> {
        if write && self.ctx.writer.is_some() {
            return Ok(Err(Error::InvalidUse));
        }
        let storage = self.ctx.storage.clone();
        let begun =
            tokio::task::spawn_blocking(move || if write { storage.begin_write() } else { storage.begin_read() })
                .await?;
        let txn = match begun {
            Ok(txn) => txn,
            Err(error) => return Ok(Err(to_wit_error(error))),
        };
        let resource = self.table.push(Transaction { txn: Some(txn) })?;
        if write {
            self.ctx.writer = Some(resource.rep());
        }
        Ok(Ok(resource))
    }
}

impl wit::Host for StoreView<'_> {
    async fn begin_read(&mut self) -> wasmtime::Result<Result<Resource<Transaction>, Error>> {
        self.begin(false).await
    }

    async fn begin_write(&mut self) -> wasmtime::Result<Result<Resource<Transaction>, Error>> {
        self.begin(true).await
    }
}

impl wit::HostTransaction for StoreView<'_> {
    async fn get(
        &mut self,
        txn: Resource<Transaction>,
        key: Vec<u8>,
    ) -> wasmtime::Result<Result<Option<Vec<u8>>, Error>> {
        self.with_txn(&txn, move |txn| txn.get(&key)).await
    }

    async fn get_many(
        &mut self,
        txn: Resource<Transaction>,
        keys: Vec<Vec<u8>>,
    ) -> wasmtime::Result<Result<Vec<Option<Vec<u8>>>, Error>> {
        self.with_txn(&txn, move |txn| txn.get_many(&keys)).await
    }

    async fn scan(
        &mut self,
        txn: Resource<Transaction>,
        start: WitBound,
        end: WitBound,
        limit: u32,
        direction: WitDirection,
    ) -> wasmtime::Result<Result<Vec<WitEntry>, Error>> {
        let direction = match direction {
            WitDirection::Forward => Direction::Forward,
            WitDirection::Reverse => Direction::Reverse,
        };
        self.with_txn(&txn, move |txn| {
            let entries = txn.scan(bound(&start), bound(&end), limit, direction)?;
            Ok(entries.into_iter().map(|entry| WitEntry { key: entry.key, value: entry.value }).collect())
        })
        .await
    }

    async fn put(
        &mut self,
        txn: Resource<Transaction>,
        key: Vec<u8>,
        value: Vec<u8>,
    ) -> wasmtime::Result<Result<(), Error>> {
        self.with_txn(&txn, move |txn| txn.put(&key, &value)).await
    }

    async fn delete(&mut self, txn: Resource<Transaction>, key: Vec<u8>) -> wasmtime::Result<Result<(), Error>> {
        self.with_txn(&txn, move |txn| txn.delete(&key)).await
    }

    async fn commit(&mut self, txn: Resource<Transaction>) -> wasmtime::Result<Result<(), Error>> {
        self.with_txn(&txn, storage::Transaction::commit).await
    }

    async fn drop(&mut self, txn: Resource<Transaction>) -> wasmtime::Result<()> {
        if self.ctx.writer == Some(txn.rep()) {
            self.ctx.writer = None;
        }
        // `Transaction`'s own `Drop` rolls an open write back on the blocking pool.
        self.table.delete(txn)?;
        Ok(())
    }
}

fn bound(bound: &WitBound) -> Bound<&[u8]> {
    match bound {
        WitBound::Unbounded => Bound::Unbounded,
        WitBound::Included(key) => Bound::Included(key),
        WitBound::Excluded(key) => Bound::Excluded(key),
    }
}

fn to_wit_error(error: StorageError) -> Error {
    match error {
        StorageError::TooLarge { .. } => Error::TooLarge,
        StorageError::ReadOnly | StorageError::Spent => Error::InvalidUse,
        // The text is for the guest's logs; the guest never sends it to clients.
        other => {
            tracing::warn!(error = %other, "store call failed");
            Error::Unavailable(other.to_string())
        }
    }
}
