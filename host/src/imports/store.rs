//! `roster:iam/store`: the component's transactions, on the redb [`Storage`] backend.
//!
//! Reads, puts, deletes and commits run where the component runs: they touch redb's page
//! cache and at most read one page, which costs less than a hop to another thread and back.
//! Two calls can wait for long, and neither holds an async worker while it does:
//! `begin-write` waits for redb's one writer in an async queue, and `commit`, which makes
//! the transaction visible at once, then waits for a group flush to make it durable (see
//! [`crate::storage::GroupCommit`]) before it returns.
//!
//! Every transaction raises the instance's horizon to the last commit it could see; the
//! runtime waits for the horizon to be durable before an answer leaves the host.

use std::ops::Bound;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

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
    /// The last commit any transaction of this instance could see.
    horizon: Arc<AtomicU64>,
}

impl StoreCtx {
    /// State for one instance, on `storage`.
    pub fn new(storage: Storage) -> Self {
        StoreCtx { storage, writer: None, horizon: Arc::default() }
    }

    /// The sequence number of the last commit this instance could see: nothing it answers
    /// may leave the host before [`Storage::wait_durable`] of it. Shared, so that it can be
    /// read after the instance has moved to a task of its own.
    pub fn horizon(&self) -> Arc<AtomicU64> {
        self.horizon.clone()
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
/// `txn` is `None` only once [`Drop`] has taken it.
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
    /// Run `op` on the transaction `resource`, here and now.
    pub(crate) fn with_txn<R>(
        &mut self,
        resource: &Resource<Transaction>,
        op: impl FnOnce(&mut storage::Transaction) -> storage::Result<R>,
    ) -> wasmtime::Result<Result<R, Error>> {
        let Some(txn) = self.table.get_mut(resource)?.txn.as_mut() else {
            wasmtime::bail!("transaction {} was dropped", resource.rep());
        };
        Ok(op(txn).map_err(to_wit_error))
    }

    async fn begin(&mut self, write: bool) -> wasmtime::Result<Result<Resource<Transaction>, Error>> {
        if write && self.ctx.writer.is_some() {
            return Ok(Err(Error::InvalidUse));
        }
        let begun = if write { self.ctx.storage.begin_write_async().await } else { self.ctx.storage.begin_read() };
        let txn = match begun {
            Ok(txn) => txn,
            Err(error) => return Ok(Err(to_wit_error(error))),
        };
        // After the begin: every commit this transaction can see is at or below it.
        self.ctx.horizon.fetch_max(self.ctx.storage.horizon(), Ordering::SeqCst);
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
        self.with_txn(&txn, |txn| txn.get(&key))
    }

    async fn get_many(
        &mut self,
        txn: Resource<Transaction>,
        keys: Vec<Vec<u8>>,
    ) -> wasmtime::Result<Result<Vec<Option<Vec<u8>>>, Error>> {
        self.with_txn(&txn, |txn| txn.get_many(&keys))
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
        self.with_txn(&txn, |txn| {
            let entries = txn.scan(bound(&start), bound(&end), limit, direction)?;
            Ok(entries.into_iter().map(|entry| WitEntry { key: entry.key, value: entry.value }).collect())
        })
    }

    async fn put(
        &mut self,
        txn: Resource<Transaction>,
        key: Vec<u8>,
        value: Vec<u8>,
    ) -> wasmtime::Result<Result<(), Error>> {
        self.with_txn(&txn, |txn| txn.put(&key, &value))
    }

    async fn delete(&mut self, txn: Resource<Transaction>, key: Vec<u8>) -> wasmtime::Result<Result<(), Error>> {
        self.with_txn(&txn, |txn| txn.delete(&key))
    }

    async fn commit(&mut self, txn: Resource<Transaction>) -> wasmtime::Result<Result<(), Error>> {
        let committed = self.with_txn(&txn, |txn| {
            txn.commit()?;
            Ok(txn.sequence())
        })?;
        if self.ctx.writer == Some(txn.rep()) {
            self.ctx.writer = None;
        }
        Ok(match committed {
            // The WIT promise: when commit returns ok, the data survives a crash.
            Ok(Some(sequence)) => self.ctx.storage.wait_durable(sequence).await.map_err(to_wit_error),
            Ok(None) => Ok(()),
            Err(error) => Err(error),
        })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bindings::roster::iam::store::{Host as _, HostTransaction as _};

    fn instance(storage: &Storage) -> (StoreCtx, ResourceTable) {
        (StoreCtx::new(storage.clone()), ResourceTable::new())
    }

    #[tokio::test]
    async fn a_read_raises_the_horizon_to_a_commit_it_can_see_before_that_is_durable() {
        let dir = tempfile::tempdir().expect("temp dir");
        let storage = Storage::open(dir.path()).expect("open storage");
        // Another request's write: visible, not yet flushed.
        let mut other = storage.begin_write_async().await.expect("begin write");
        other.put(b"k", b"v").expect("put");
        other.commit().expect("commit");
        let sequence = other.sequence().expect("a sequence number");

        let (mut ctx, mut table) = instance(&storage);
        let horizon = ctx.horizon();
        let mut view = StoreView { ctx: &mut ctx, table: &mut table };
        let txn = view.begin_read().await.expect("no trap").expect("begin read");
        let seen = view.get(Resource::new_borrow(txn.rep()), b"k".to_vec()).await.expect("no trap").expect("get");
        assert_eq!(seen, Some(b"v".to_vec()));
        assert_eq!(horizon.load(Ordering::SeqCst), sequence, "the read saw the commit, so its answer waits for it");
    }

    #[tokio::test]
    async fn commit_returns_once_the_write_is_durable() {
        let dir = tempfile::tempdir().expect("temp dir");
        let storage = Storage::open(dir.path()).expect("open storage");
        let (mut ctx, mut table) = instance(&storage);
        let mut view = StoreView { ctx: &mut ctx, table: &mut table };
        let txn = view.begin_write().await.expect("no trap").expect("begin write");
        view.put(Resource::new_borrow(txn.rep()), b"k".to_vec(), b"v".to_vec()).await.expect("no trap").expect("put");
        view.commit(Resource::new_borrow(txn.rep())).await.expect("no trap").expect("commit");
        assert_eq!(storage.horizon(), 1);
        assert!(storage.is_durable(1), "commit returned before its write was durable");
    }
}
