//! The redb storage backend: one file, one ordered table of bytes, snapshot reads and durable writes,
//! and beside it the outbox of mail queued by those writes.
//!
//! Reads, puts, deletes and the commits of the group commit touch redb's page cache and at
//! most read a page from disk, so `imports::store` runs them where the component runs. Two
//! things block for longer and stay off the async workers: waiting for redb's one writer,
//! which async callers do in the queue of [`Storage::begin_write_async`] instead, and the
//! fsync of a durable commit, which [`Storage::wait_durable`] runs on tokio's blocking pool.
//! The synchronous [`Storage::begin_write`] commits durably in place, for callers off the
//! async runtime. redb's errors are converted into [`StorageError`] here and go no further.

mod group_commit;

use std::fmt;
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use redb::{Database, Durability, ReadableDatabase, ReadableTable, TableDefinition};
use tokio::sync::{Mutex, Notify, OwnedMutexGuard};
use uuid::Uuid;

use crate::metrics::StoreMetrics;
pub use group_commit::GroupCommit;

/// Every key and value the component stores. Keys sort bytewise.
const ENTRIES: TableDefinition<&[u8], &[u8]> = TableDefinition::new("entries");

/// Messages queued by write transactions and not yet delivered, keyed by [`OutboxId`] so that
/// they sort in the order they were queued. The component cannot reach this table through
/// `roster:iam/store`; only `roster:iam/outbox` writes to it, and the relay empties it.
const OUTBOX: TableDefinition<u128, &[u8]> = TableDefinition::new("outbox");

/// The name of the database file inside the data directory.
pub const DATABASE_FILE: &str = "roster.redb";

/// The longest key a transaction accepts, in bytes.
pub const MAX_KEY_LEN: usize = 4 * 1024;

/// The longest value a transaction accepts, in bytes.
pub const MAX_VALUE_LEN: usize = 1024 * 1024;

/// The most entries one scan returns.
///
/// The limit comes from the guest, so it is clamped: an unbounded scan would copy the whole
/// table into host memory and then into a guest with a capped memory.
pub const MAX_SCAN_LIMIT: u32 = 1000;

/// Why a storage call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    /// A key is longer than [`MAX_KEY_LEN`] or a value longer than [`MAX_VALUE_LEN`].
    #[error("key or value too large ({len} bytes, at most {max})")]
    TooLarge {
        /// The size the caller gave.
        len: usize,
        /// The size the backend accepts.
        max: usize,
    },
    /// A write was attempted on a read transaction.
    #[error("write on a read-only transaction")]
    ReadOnly,
    /// The transaction was already committed (or its commit failed).
    #[error("transaction already committed")]
    Spent,
    /// Another process (a running server) has the database open: redb locks the file.
    #[error("{path} is in use by another process (is the server running?)")]
    InUse {
        /// The database file.
        path: PathBuf,
    },
    /// The backend failed; the text is for logs.
    #[error("storage failed to {operation}: {message}")]
    Backend {
        /// What the backend was doing.
        operation: &'static str,
        /// redb's description of the failure.
        message: String,
    },
}

/// Converts any redb error into [`StorageError::Backend`], keeping only its text.
fn backend<E: Into<redb::Error>>(operation: &'static str) -> impl FnOnce(E) -> StorageError {
    move |error| StorageError::Backend { operation, message: error.into().to_string() }
}

/// `Result` with a [`StorageError`].
pub type Result<T, E = StorageError> = std::result::Result<T, E>;

/// The order in which a scan returns entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Ascending key order.
    Forward,
    /// Descending key order.
    Reverse,
}

/// The id of a queued message: a UUIDv7, so that ids sort in the order messages were queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OutboxId(u128);

impl OutboxId {
    /// The id whose UUID is `uuid`, such as one read back from an outbox file name.
    pub fn from_uuid(uuid: Uuid) -> Self {
        OutboxId(uuid.as_u128())
    }

    /// The id as a UUID.
    pub fn as_uuid(self) -> Uuid {
        Uuid::from_u128(self.0)
    }
}

/// Lower-case hyphenated UUID, which sorts as the id does.
impl fmt::Display for OutboxId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.as_uuid().hyphenated().fmt(f)
    }
}

/// A message waiting in the outbox, in the encoding its producer chose.
#[derive(Clone, PartialEq, Eq)]
pub struct Queued {
    /// Its place in the queue.
    pub id: OutboxId,
    /// The encoded message.
    pub message: Vec<u8>,
}

/// Only the id: the message may hold secrets (reset tokens).
impl fmt::Debug for Queued {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Queued").field("id", &self.id).field("len", &self.message.len()).finish_non_exhaustive()
    }
}

/// One stored key and its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The key.
    pub key: Vec<u8>,
    /// The value stored under it.
    pub value: Vec<u8>,
}

/// The default size of redb's page cache, in bytes. Pages beyond it are read through the
/// operating system's page cache, which does not count against the server's memory.
pub const DEFAULT_CACHE_BYTES: usize = 64 * 1024 * 1024;

/// An open database. Cheap to clone; every clone shares one redb `Database`.
#[derive(Clone)]
pub struct Storage {
    db: Arc<Database>,
    path: PathBuf,
    /// The queue of async writers: held for a write transaction's whole life, so that redb's
    /// own writer lock is free by the time a holder asks for it.
    writer: Arc<Mutex<()>>,
    /// Which commits are visible and which durable; see [`group_commit`].
    group: Arc<GroupCommit>,
    /// Woken after each commit that queued mail.
    outbox_signal: Arc<Notify>,
    metrics: StoreMetrics,
}

impl fmt::Debug for Storage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Storage").field("path", &self.path).finish_non_exhaustive()
    }
}

impl Storage {
    /// Open (or create) `<data_dir>/roster.redb` with the default page cache and make sure its
    /// tables exist. Blocks.
    pub fn open(data_dir: &Path) -> Result<Self> {
        Storage::open_with_cache(data_dir, DEFAULT_CACHE_BYTES)
    }

    /// [`Storage::open`] with a page cache of `cache_bytes`. Blocks.
    pub fn open_with_cache(data_dir: &Path, cache_bytes: usize) -> Result<Self> {
        let path = data_dir.join(DATABASE_FILE);
        let db = Database::builder().set_cache_size(cache_bytes).create(&path).map_err(|error| match error {
            redb::DatabaseError::DatabaseAlreadyOpen => StorageError::InUse { path: path.clone() },
            other => backend("open")(other),
        })?;
        // A read transaction cannot open a table that was never created.
        let txn = db.begin_write().map_err(backend("begin a write"))?;
        txn.open_table(ENTRIES).map_err(backend("create the table"))?;
        txn.open_table(OUTBOX).map_err(backend("create the outbox table"))?;
        txn.commit().map_err(backend("commit"))?;
        Ok(Storage {
            db: Arc::new(db),
            path,
            writer: Arc::new(Mutex::new(())),
            group: Arc::new(GroupCommit::default()),
            outbox_signal: Arc::new(Notify::new()),
            metrics: StoreMetrics::default(),
        })
    }

    /// The storage's instruments: the time each commit takes.
    pub fn metrics(&self) -> &StoreMetrics {
        &self.metrics
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Begin a read transaction on the latest committed snapshot. Blocks briefly.
    pub fn begin_read(&self) -> Result<Transaction> {
        let txn = self.db.begin_read().map_err(backend("begin a read"))?;
        Ok(Transaction {
            state: State::Read(txn),
            outbox_signal: None,
            metrics: self.metrics.clone(),
            group: self.group.clone(),
            deferred: None,
            queued: false,
            _turn: None,
        })
    }

    /// Begin a write transaction for the group commit, waiting asynchronously while another
    /// is open; writers are served in the order they asked. Its commit is visible at once
    /// and durable only after [`Storage::wait_durable`] of its [`Transaction::sequence`].
    /// Only a writer on [`Storage::begin_write`] (the outbox relay's removals) can make this
    /// block, and then for one commit.
    pub async fn begin_write_async(&self) -> Result<Transaction> {
        let turn = self.writer.clone().lock_owned().await;
        self.write(Some(turn))
    }

    /// Begin a write transaction whose commit is durable when it returns. Blocks while
    /// another write transaction is open: redb has one writer at a time. On an async
    /// runtime use [`Storage::begin_write_async`].
    pub fn begin_write(&self) -> Result<Transaction> {
        self.write(None)
    }

    /// A write transaction: of the group commit when it holds a `turn` of the writer queue,
    /// durable on its own otherwise.
    fn write(&self, turn: Option<OwnedMutexGuard<()>>) -> Result<Transaction> {
        let mut txn = self.db.begin_write().map_err(backend("begin a write"))?;
        // Immediate is redb's default; set it anyway, because an acknowledged write must
        // survive a crash and that must not depend on a library default. A group-commit
        // write is made durable by the flush its commit waits for.
        let durability = if turn.is_some() { Durability::None } else { Durability::Immediate };
        txn.set_durability(durability).map_err(backend("set durability"))?;
        Ok(Transaction {
            state: State::Write(Box::new(txn)),
            outbox_signal: Some(self.outbox_signal.clone()),
            metrics: self.metrics.clone(),
            group: self.group.clone(),
            deferred: turn.is_some().then_some(0),
            queued: false,
            _turn: turn,
        })
    }

    /// The sequence number of the last commit visible to a transaction begun now. Whoever
    /// answers after reading the store waits for [`Storage::wait_durable`] of it.
    pub fn horizon(&self) -> u64 {
        self.group.visible()
    }

    /// Whether every commit up to `sequence` is durable.
    pub fn is_durable(&self, sequence: u64) -> bool {
        self.group.is_durable(sequence)
    }

    /// Wait until every commit up to `sequence` is durable, leading the flush that makes it
    /// so when no other caller is already doing that.
    pub async fn wait_durable(&self, sequence: u64) -> Result<()> {
        if self.group.is_durable(sequence) {
            return Ok(());
        }
        let _flushing = self.group.flushing.lock().await;
        if self.group.is_durable(sequence) {
            return Ok(());
        }
        // Behind every writer already waiting: their commits are in this flush too.
        let turn = self.writer.clone().lock_owned().await;
        let storage = self.clone();
        tokio::task::spawn_blocking(move || {
            let _turn = turn;
            storage.flush()
        })
        .await
        .map_err(|join| StorageError::Backend { operation: "flush", message: join.to_string() })?
    }

    /// Make every visible commit durable with an empty durable commit. Blocks.
    fn flush(&self) -> Result<()> {
        let mut txn = self.db.begin_write().map_err(backend("begin a write"))?;
        txn.set_durability(Durability::Immediate).map_err(backend("set durability"))?;
        durable_commit(txn, &self.group, &self.metrics)
    }

    /// Up to `limit` queued messages, oldest first. Blocks briefly.
    pub fn outbox_oldest(&self, limit: usize) -> Result<Vec<Queued>> {
        let txn = self.db.begin_read().map_err(backend("begin a read"))?;
        let table = txn.open_table(OUTBOX).map_err(backend("open the outbox table"))?;
        let entries = table.iter().map_err(backend("read the outbox"))?;
        entries
            .take(limit)
            .map(|entry| {
                let (id, message) = entry.map_err(backend("read the outbox"))?;
                Ok(Queued { id: OutboxId(id.value()), message: message.value().to_vec() })
            })
            .collect()
    }

    /// Remove the delivered message `id` from the outbox, durably. Removing a missing one is
    /// not an error. Blocks while another write transaction is open.
    pub fn outbox_remove(&self, id: OutboxId) -> Result<()> {
        let mut txn = self.db.begin_write().map_err(backend("begin a write"))?;
        // Undone, a removal would deliver the message twice after a crash.
        txn.set_durability(Durability::Immediate).map_err(backend("set durability"))?;
        txn.open_table(OUTBOX).map_err(backend("open the outbox table"))?.remove(id.0).map_err(backend("delete"))?;
        durable_commit(txn, &self.group, &self.metrics)
    }

    /// What the relay waits on: notified after every commit that queued a message. A
    /// notification that comes while nobody waits is kept for the next waiter.
    pub fn outbox_signal(&self) -> Arc<Notify> {
        self.outbox_signal.clone()
    }

    /// Copy the whole database, as of one read snapshot, into a new database file at `to`,
    /// which must not exist yet; writers go on meanwhile. The copy is written beside `to`
    /// and renamed into place once durable, so `to` is complete or absent. The number of
    /// entries copied. Blocks.
    pub fn copy_to(&self, to: &Path) -> Result<u64> {
        let fail = |operation: &'static str| {
            move |e: std::io::Error| StorageError::Backend { operation, message: e.to_string() }
        };
        if to.exists() {
            return Err(StorageError::Backend { operation: "back up", message: format!("{} exists", to.display()) });
        }
        let partial = to.with_extension("partial");
        let _ = std::fs::remove_file(&partial);
        let snapshot = self.db.begin_read().map_err(backend("begin a read"))?;
        let copy = Database::create(&partial).map_err(backend("create the backup"))?;
        let mut txn = copy.begin_write().map_err(backend("begin a write"))?;
        txn.set_durability(Durability::Immediate).map_err(backend("set durability"))?;
        let mut count = 0;
        {
            let source = snapshot.open_table(ENTRIES).map_err(backend("open the table"))?;
            let mut target = txn.open_table(ENTRIES).map_err(backend("create the table"))?;
            for entry in source.iter().map_err(backend("read"))? {
                let (key, value) = entry.map_err(backend("read"))?;
                target.insert(key.value(), value.value()).map_err(backend("write the backup"))?;
                count += 1;
            }
            let source = snapshot.open_table(OUTBOX).map_err(backend("open the outbox table"))?;
            let mut target = txn.open_table(OUTBOX).map_err(backend("create the outbox table"))?;
            for entry in source.iter().map_err(backend("read the outbox"))? {
                let (id, message) = entry.map_err(backend("read the outbox"))?;
                target.insert(id.value(), message.value()).map_err(backend("write the backup"))?;
            }
        }
        txn.commit().map_err(backend("commit the backup"))?;
        drop(copy);
        std::fs::rename(&partial, to).map_err(fail("move the backup into place"))?;
        Ok(count)
    }

    /// Close the database if this is the last handle; otherwise it closes when the last
    /// clone (or transaction) is dropped. Blocks.
    pub fn close(self) -> Result<()> {
        // redb's close would flush pending commits too; flushing here reports a failure.
        if !self.group.is_durable(self.group.visible()) {
            self.flush()?;
        }
        match Arc::try_unwrap(self.db) {
            Ok(db) => db.close().map_err(backend("close")),
            Err(_still_shared) => Ok(()),
        }
    }
}

enum State {
    Read(redb::ReadTransaction),
    // Boxed: a write transaction is several times the size of a read one.
    Write(Box<redb::WriteTransaction>),
    Spent,
}

/// A read or write transaction. Dropping an uncommitted write transaction rolls it back
/// (queued messages included) and releases the writer lock.
pub struct Transaction {
    state: State,
    /// The storage's outbox signal, for write transactions.
    outbox_signal: Option<Arc<Notify>>,
    /// The storage's instruments.
    metrics: StoreMetrics,
    /// The storage's commit sequence.
    group: Arc<GroupCommit>,
    /// For a write of the group commit, its sequence number once committed (0 before).
    deferred: Option<u64>,
    /// Whether [`Transaction::enqueue`] queued a message.
    queued: bool,
    /// The writer queue's turn of a write begun by [`Storage::begin_write_async`]. Declared
    /// after `state`, so that redb's writer lock is released first.
    _turn: Option<OwnedMutexGuard<()>>,
}

impl fmt::Debug for Transaction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.state {
            State::Read(_) => "read",
            State::Write(_) => "write",
            State::Spent => "spent",
        };
        f.debug_struct("Transaction").field("state", &state).finish()
    }
}

impl Transaction {
    /// The sequence number of a committed write begun by [`Storage::begin_write_async`]:
    /// the commit is visible, and durable once [`Storage::wait_durable`] of it returns.
    pub fn sequence(&self) -> Option<u64> {
        self.deferred.filter(|_| matches!(self.state, State::Spent))
    }

    /// Whether this is a write transaction that has not been committed yet.
    pub fn is_open_write(&self) -> bool {
        matches!(self.state, State::Write(_))
    }

    /// The value stored under `key`, if any.
    pub fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        let mut values = self.get_many(&[key])?;
        Ok(values.pop().flatten())
    }

    /// The values stored under each key, in the order given.
    pub fn get_many<K: AsRef<[u8]>>(&self, keys: &[K]) -> Result<Vec<Option<Vec<u8>>>> {
        fn read<T: ReadableTable<&'static [u8], &'static [u8]>, K: AsRef<[u8]>>(
            table: &T,
            keys: &[K],
        ) -> Result<Vec<Option<Vec<u8>>>> {
            keys.iter()
                .map(|key| {
                    let value = table.get(key.as_ref()).map_err(backend("read"))?;
                    Ok(value.map(|guard| guard.value().to_vec()))
                })
                .collect()
        }
        match &self.state {
            State::Read(txn) => read(&open_read(txn)?, keys),
            State::Write(txn) => read(&open_write(txn)?, keys),
            State::Spent => Err(StorageError::Spent),
        }
    }

    /// Up to `limit` (at most [`MAX_SCAN_LIMIT`]) entries between `start` and `end`, in
    /// `direction` order. An empty or inverted range gives no entries.
    pub fn scan(&self, start: Bound<&[u8]>, end: Bound<&[u8]>, limit: u32, direction: Direction) -> Result<Vec<Entry>> {
        fn read<T: ReadableTable<&'static [u8], &'static [u8]>>(
            table: &T,
            range: (Bound<&[u8]>, Bound<&[u8]>),
            limit: usize,
            direction: Direction,
        ) -> Result<Vec<Entry>> {
            let range = table.range::<&[u8]>(range).map_err(backend("scan"))?;
            let entries: Box<dyn Iterator<Item = _>> = match direction {
                Direction::Forward => Box::new(range),
                Direction::Reverse => Box::new(range.rev()),
            };
            entries
                .take(limit)
                .map(|entry| {
                    let (key, value) = entry.map_err(backend("scan"))?;
                    Ok(Entry { key: key.value().to_vec(), value: value.value().to_vec() })
                })
                .collect()
        }
        let limit = limit.min(MAX_SCAN_LIMIT) as usize;
        if limit == 0 || is_empty_range(start, end) {
            // Also keeps inverted bounds away from redb, which does not promise to accept them.
            return match self.state {
                State::Spent => Err(StorageError::Spent),
                _ => Ok(Vec::new()),
            };
        }
        match &self.state {
            State::Read(txn) => read(&open_read(txn)?, (start, end), limit, direction),
            State::Write(txn) => read(&open_write(txn)?, (start, end), limit, direction),
            State::Spent => Err(StorageError::Spent),
        }
    }

    /// Store `value` under `key`, replacing what was there.
    pub fn put(&mut self, key: &[u8], value: &[u8]) -> Result<()> {
        check_len(key.len(), MAX_KEY_LEN)?;
        check_len(value.len(), MAX_VALUE_LEN)?;
        let txn = self.writable()?;
        open_write(txn)?.insert(key, value).map_err(backend("write"))?;
        Ok(())
    }

    /// Remove `key`; removing a missing key is not an error.
    pub fn delete(&mut self, key: &[u8]) -> Result<()> {
        check_len(key.len(), MAX_KEY_LEN)?;
        let txn = self.writable()?;
        open_write(txn)?.remove(key).map_err(backend("delete"))?;
        Ok(())
    }

    /// Make every write durable and visible, atomically; for a read transaction, end it.
    /// The transaction is spent afterwards, whatever the outcome.
    pub fn commit(&mut self) -> Result<()> {
        match std::mem::replace(&mut self.state, State::Spent) {
            State::Read(txn) => {
                drop(txn);
                Ok(())
            }
            State::Write(txn) => {
                let committed = match &mut self.deferred {
                    Some(sequence) => {
                        *sequence = self.group.next();
                        txn.commit().map_err(backend("commit"))
                    }
                    None => durable_commit(*txn, &self.group, &self.metrics),
                };
                // The next writer's turn, whatever the outcome: redb's lock is free again.
                self._turn = None;
                committed?;
                if let Some(signal) = self.outbox_signal.take().filter(|_| self.queued) {
                    signal.notify_one();
                }
                Ok(())
            }
            State::Spent => Err(StorageError::Spent),
        }
    }

    /// Queue `message` in the outbox as part of this write transaction: it is there if and
    /// only if the transaction commits, and the commit wakes [`Storage::outbox_signal`].
    pub fn enqueue(&mut self, message: &[u8]) -> Result<OutboxId> {
        check_len(message.len(), MAX_VALUE_LEN)?;
        let txn = self.writable()?;
        let mut table = txn.open_table(OUTBOX).map_err(backend("open the outbox table"))?;
        // UUIDv7s from one process only grow; after a restart with a clock that went back,
        // this keeps the queue in order anyway.
        let last = table.last().map_err(backend("read the outbox"))?.map(|(id, _)| id.value());
        let id = Uuid::now_v7().as_u128().max(last.map_or(0, |last| last.saturating_add(1)));
        table.insert(id, message).map_err(backend("write the outbox"))?;
        drop(table);
        self.queued = true;
        Ok(OutboxId(id))
    }

    fn writable(&mut self) -> Result<&mut redb::WriteTransaction> {
        match &mut self.state {
            State::Write(txn) => Ok(txn),
            State::Read(_) => Err(StorageError::ReadOnly),
            State::Spent => Err(StorageError::Spent),
        }
    }
}

/// Commit `txn`, which has `Durability::Immediate`, timed; it makes every commit before it
/// durable too.
fn durable_commit(txn: redb::WriteTransaction, group: &GroupCommit, metrics: &StoreMetrics) -> Result<()> {
    // Taken with the writer lock held: every commit up to here has finished.
    let covered = group.visible();
    metrics.time_commit(|| txn.commit()).map_err(backend("commit"))?;
    group.flushed(covered);
    Ok(())
}

fn open_read(txn: &redb::ReadTransaction) -> Result<redb::ReadOnlyTable<&'static [u8], &'static [u8]>> {
    txn.open_table(ENTRIES).map_err(backend("open the table"))
}

fn open_write(txn: &redb::WriteTransaction) -> Result<redb::Table<'_, &'static [u8], &'static [u8]>> {
    txn.open_table(ENTRIES).map_err(backend("open the table"))
}

fn check_len(len: usize, max: usize) -> Result<()> {
    if len > max {
        return Err(StorageError::TooLarge { len, max });
    }
    Ok(())
}

/// Whether no key can lie between `start` and `end`.
fn is_empty_range(start: Bound<&[u8]>, end: Bound<&[u8]>) -> bool {
    match (start, end) {
        (Bound::Included(s), Bound::Included(e)) => s > e,
        (Bound::Included(s) | Bound::Excluded(s), Bound::Excluded(e)) | (Bound::Excluded(s), Bound::Included(e)) => {
            s >= e
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open_temp() -> (tempfile::TempDir, Storage) {
        let dir = tempfile::tempdir().expect("temp dir");
        let storage = Storage::open(dir.path()).expect("open storage");
        (dir, storage)
    }

    fn fill(storage: &Storage, keys: &[&[u8]]) {
        let mut txn = storage.begin_write().expect("begin write");
        for key in keys {
            txn.put(key, key).expect("put");
        }
        txn.commit().expect("commit");
    }

    fn keys(entries: &[Entry]) -> Vec<&[u8]> {
        entries.iter().map(|e| e.key.as_slice()).collect()
    }

    #[test]
    fn write_commits_are_timed_and_read_commits_are_not() {
        let (_dir, storage) = open_temp();
        let (http, runtime, hash, mail) = Default::default();
        let metrics = crate::metrics::Metrics::new(&http, &runtime, storage.metrics(), &hash, &mail);
        fill(&storage, &[b"a"]);
        storage.begin_read().expect("begin read").commit().expect("end the read");
        let text = metrics.encode();
        assert!(text.contains("roster_store_commit_duration_seconds_count 1\n"), "{text}");
    }

    #[test]
    fn committed_put_is_visible_to_a_later_read() {
        let (_dir, storage) = open_temp();
        fill(&storage, &[b"a"]);
        let txn = storage.begin_read().expect("begin read");
        assert_eq!(txn.get(b"a").expect("get"), Some(b"a".to_vec()));
        assert_eq!(txn.get(b"missing").expect("get"), None);
    }

    #[test]
    fn write_transaction_sees_its_own_uncommitted_writes() {
        let (_dir, storage) = open_temp();
        let mut txn = storage.begin_write().expect("begin write");
        txn.put(b"k", b"v").expect("put");
        assert_eq!(txn.get(b"k").expect("get"), Some(b"v".to_vec()));
    }

    #[test]
    fn read_transaction_keeps_its_snapshot_while_a_write_commits() {
        let (_dir, storage) = open_temp();
        fill(&storage, &[b"a"]);
        let read = storage.begin_read().expect("begin read");
        let mut write = storage.begin_write().expect("begin write");
        write.delete(b"a").expect("delete");
        write.put(b"b", b"b").expect("put");
        write.commit().expect("commit");
        assert_eq!(read.get(b"a").expect("get"), Some(b"a".to_vec()));
        assert_eq!(read.get(b"b").expect("get"), None);
    }

    #[test]
    fn get_many_returns_values_in_the_order_asked() {
        let (_dir, storage) = open_temp();
        fill(&storage, &[b"a", b"c"]);
        let txn = storage.begin_read().expect("begin read");
        let values = txn.get_many(&[b"c".as_slice(), b"b", b"a"]).expect("get many");
        assert_eq!(values, vec![Some(b"c".to_vec()), None, Some(b"a".to_vec())]);
    }

    #[test]
    fn scan_forward_respects_included_and_excluded_bounds() {
        let (_dir, storage) = open_temp();
        fill(&storage, &[b"a", b"b", b"c", b"d", b"e"]);
        let txn = storage.begin_read().expect("begin read");
        let entries = txn.scan(Bound::Included(b"b"), Bound::Excluded(b"e"), 100, Direction::Forward).expect("scan");
        assert_eq!(keys(&entries), vec![b"b", b"c", b"d"]);
        let entries = txn.scan(Bound::Excluded(b"b"), Bound::Included(b"e"), 100, Direction::Forward).expect("scan");
        assert_eq!(keys(&entries), vec![b"c", b"d", b"e"]);
    }

    #[test]
    fn scan_reverse_starts_from_the_end_and_stops_at_the_limit() {
        let (_dir, storage) = open_temp();
        fill(&storage, &[b"a", b"b", b"c", b"d", b"e"]);
        let txn = storage.begin_read().expect("begin read");
        let entries = txn.scan(Bound::Unbounded, Bound::Unbounded, 2, Direction::Reverse).expect("scan");
        assert_eq!(keys(&entries), vec![b"e", b"d"]);
        let entries = txn.scan(Bound::Included(b"b"), Bound::Excluded(b"d"), 10, Direction::Reverse).expect("scan");
        assert_eq!(keys(&entries), vec![b"c", b"b"]);
    }

    #[test]
    fn scan_returns_values_with_their_keys() {
        let (_dir, storage) = open_temp();
        let mut txn = storage.begin_write().expect("begin write");
        txn.put(b"k", b"value").expect("put");
        let entries = txn.scan(Bound::Unbounded, Bound::Unbounded, 10, Direction::Forward).expect("scan");
        assert_eq!(entries, vec![Entry { key: b"k".to_vec(), value: b"value".to_vec() }]);
    }

    #[test]
    fn scan_with_inverted_bounds_returns_nothing() {
        let (_dir, storage) = open_temp();
        fill(&storage, &[b"a", b"b", b"c"]);
        let txn = storage.begin_read().expect("begin read");
        for (start, end) in [
            (Bound::Included(b"c".as_slice()), Bound::Included(b"a".as_slice())),
            (Bound::Included(b"b"), Bound::Excluded(b"b")),
            (Bound::Excluded(b"b"), Bound::Included(b"b")),
        ] {
            let entries = txn.scan(start, end, 10, Direction::Forward).expect("scan");
            assert!(entries.is_empty(), "{start:?}..{end:?} gave {entries:?}");
        }
    }

    #[test]
    fn scan_limit_is_clamped_to_the_maximum() {
        let (_dir, storage) = open_temp();
        let mut txn = storage.begin_write().expect("begin write");
        for i in 0..(MAX_SCAN_LIMIT + 5) {
            txn.put(&i.to_be_bytes(), b"").expect("put");
        }
        let entries = txn.scan(Bound::Unbounded, Bound::Unbounded, u32::MAX, Direction::Forward).expect("scan");
        assert_eq!(entries.len(), MAX_SCAN_LIMIT as usize);
    }

    #[test]
    fn dropping_an_uncommitted_write_rolls_it_back_and_frees_the_writer() {
        let (_dir, storage) = open_temp();
        let mut txn = storage.begin_write().expect("begin write");
        txn.put(b"k", b"v").expect("put");
        drop(txn);
        // A second writer would block forever if the first still held the lock.
        let txn = storage.begin_write().expect("begin write again");
        assert_eq!(txn.get(b"k").expect("get"), None);
    }

    #[test]
    fn committed_write_survives_reopening_the_database() {
        let dir = tempfile::tempdir().expect("temp dir");
        let storage = Storage::open(dir.path()).expect("open storage");
        fill(&storage, &[b"durable"]);
        storage.close().expect("close");
        let storage = Storage::open(dir.path()).expect("reopen storage");
        let txn = storage.begin_read().expect("begin read");
        assert_eq!(txn.get(b"durable").expect("get"), Some(b"durable".to_vec()));
    }

    #[test]
    fn write_transactions_commit_with_immediate_durability() {
        let (_dir, storage) = open_temp();
        let mut txn = storage.begin_write().expect("begin write");
        let State::Write(inner) = &mut txn.state else {
            panic!("begin_write gave {txn:?}");
        };
        // redb makes persistent savepoints only in Immediate transactions, so one succeeding
        // proves the setting took.
        inner.persistent_savepoint().expect("persistent savepoints need immediate durability");
    }

    #[test]
    fn oversized_key_or_value_is_too_large_and_writes_nothing() {
        let (_dir, storage) = open_temp();
        let mut txn = storage.begin_write().expect("begin write");
        let big_key = vec![0; MAX_KEY_LEN + 1];
        let big_value = vec![0; MAX_VALUE_LEN + 1];
        assert!(matches!(txn.put(&big_key, b"v"), Err(StorageError::TooLarge { .. })));
        assert!(matches!(txn.put(b"k", &big_value), Err(StorageError::TooLarge { .. })));
        assert!(matches!(txn.delete(&big_key), Err(StorageError::TooLarge { .. })));
        txn.put(&vec![0; MAX_KEY_LEN], &vec![0; MAX_VALUE_LEN]).expect("the maximum sizes fit");
        assert_eq!(txn.get(b"k").expect("get"), None);
    }

    #[test]
    fn writes_on_a_read_transaction_are_refused() {
        let (_dir, storage) = open_temp();
        let mut txn = storage.begin_read().expect("begin read");
        assert!(matches!(txn.put(b"k", b"v"), Err(StorageError::ReadOnly)));
        assert!(matches!(txn.delete(b"k"), Err(StorageError::ReadOnly)));
    }

    fn outbox(storage: &Storage) -> Vec<Vec<u8>> {
        storage.outbox_oldest(100).expect("read the outbox").into_iter().map(|queued| queued.message).collect()
    }

    #[test]
    fn queued_message_is_in_the_outbox_once_its_transaction_commits() {
        let (_dir, storage) = open_temp();
        let mut txn = storage.begin_write().expect("begin write");
        txn.put(b"k", b"v").expect("put");
        txn.enqueue(b"hello").expect("enqueue");
        assert!(outbox(&storage).is_empty(), "visible before the commit");
        txn.commit().expect("commit");
        assert_eq!(outbox(&storage), vec![b"hello".to_vec()]);
    }

    #[test]
    fn rolled_back_transaction_leaves_the_outbox_empty() {
        let (_dir, storage) = open_temp();
        let mut txn = storage.begin_write().expect("begin write");
        txn.enqueue(b"never sent").expect("enqueue");
        drop(txn);
        assert!(outbox(&storage).is_empty());
        assert_eq!(storage.begin_read().expect("begin read").get(b"k").expect("get"), None);
    }

    #[test]
    fn outbox_keeps_messages_in_the_order_they_were_queued() {
        let (_dir, storage) = open_temp();
        let mut ids = Vec::new();
        for message in [b"1", b"2", b"3"] {
            let mut txn = storage.begin_write().expect("begin write");
            ids.push(txn.enqueue(message).expect("enqueue"));
            txn.enqueue(b"+").expect("a second message in the same transaction");
            txn.commit().expect("commit");
        }
        assert_eq!(outbox(&storage), [b"1", b"+", b"2", b"+", b"3", b"+"].map(|m| m.to_vec()));
        assert!(ids.is_sorted());
        let names: Vec<String> = ids.iter().map(OutboxId::to_string).collect();
        assert!(names.is_sorted(), "{names:?}");
    }

    #[test]
    fn outbox_remove_deletes_only_that_message_durably() {
        let dir = tempfile::tempdir().expect("temp dir");
        let storage = Storage::open(dir.path()).expect("open storage");
        let mut txn = storage.begin_write().expect("begin write");
        let first = txn.enqueue(b"first").expect("enqueue");
        txn.enqueue(b"second").expect("enqueue");
        txn.commit().expect("commit");
        storage.outbox_remove(first).expect("remove");
        storage.outbox_remove(first).expect("removing twice is not an error");
        storage.close().expect("close");
        let storage = Storage::open(dir.path()).expect("reopen storage");
        assert_eq!(outbox(&storage), vec![b"second".to_vec()]);
    }

    #[test]
    fn enqueue_on_a_read_or_spent_transaction_is_refused() {
        let (_dir, storage) = open_temp();
        let mut read = storage.begin_read().expect("begin read");
        assert!(matches!(read.enqueue(b"m"), Err(StorageError::ReadOnly)));
        let mut write = storage.begin_write().expect("begin write");
        write.commit().expect("commit");
        assert!(matches!(write.enqueue(b"m"), Err(StorageError::Spent)));
        assert!(outbox(&storage).is_empty());
    }

    #[test]
    fn oversized_message_is_too_large() {
        let (_dir, storage) = open_temp();
        let mut txn = storage.begin_write().expect("begin write");
        assert!(matches!(txn.enqueue(&vec![0; MAX_VALUE_LEN + 1]), Err(StorageError::TooLarge { .. })));
    }

    #[tokio::test]
    async fn only_a_commit_that_queued_mail_wakes_the_outbox_signal() {
        let (_dir, storage) = open_temp();
        let signal = storage.outbox_signal();
        let woken =
            || async { tokio::time::timeout(std::time::Duration::from_millis(50), signal.notified()).await.is_ok() };
        fill(&storage, &[b"no mail"]);
        assert!(!woken().await, "a commit without mail woke the relay");
        let mut txn = storage.begin_write().expect("begin write");
        txn.enqueue(b"mail").expect("enqueue");
        drop(txn);
        assert!(!woken().await, "a rollback woke the relay");
        let mut txn = storage.begin_write().expect("begin write");
        txn.enqueue(b"mail").expect("enqueue");
        txn.commit().expect("commit");
        assert!(woken().await, "the commit did not wake the relay");
    }

    /// Durable commits timed since `storage` opened (the one that created the tables is
    /// not: it precedes the instruments).
    fn durable_commits(storage: &Storage) -> u64 {
        let (http, runtime, hash, mail) = Default::default();
        let text = crate::metrics::Metrics::new(&http, &runtime, storage.metrics(), &hash, &mail).encode();
        let line = text.lines().find_map(|line| line.strip_prefix("roster_store_commit_duration_seconds_count "));
        line.expect("the commit histogram is exposed").parse().expect("a count")
    }

    /// A write of the group commit: `key` put and committed, visible; its sequence number.
    async fn deferred_put(storage: &Storage, key: &[u8]) -> u64 {
        let mut txn = storage.begin_write_async().await.expect("begin write");
        txn.put(key, key).expect("put");
        txn.commit().expect("commit");
        txn.sequence().expect("a group-commit write has a sequence number once committed")
    }

    #[tokio::test]
    async fn a_deferred_commit_is_visible_at_once_and_durable_after_its_wait() {
        let dir = tempfile::tempdir().expect("temp dir");
        let storage = Storage::open(dir.path()).expect("open storage");
        let sequence = deferred_put(&storage, b"k").await;
        assert_eq!(storage.horizon(), sequence);
        assert!(!storage.is_durable(sequence), "no flush ran yet");
        let read = storage.begin_read().expect("begin read");
        assert_eq!(read.get(b"k").expect("get"), Some(b"k".to_vec()), "visible before it is durable");
        storage.wait_durable(sequence).await.expect("flush");
        assert!(storage.is_durable(sequence));
        // Nothing but the flush made it durable: the flush is the one durable commit timed.
        assert_eq!(durable_commits(&storage), 1);
    }

    #[tokio::test]
    async fn one_flush_covers_the_commits_queued_behind_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let storage = Storage::open(dir.path()).expect("open storage");
        let writers: Vec<_> = (0..20u8)
            .map(|i| {
                let storage = storage.clone();
                tokio::spawn(async move {
                    let sequence = deferred_put(&storage, &[i]).await;
                    storage.wait_durable(sequence).await.expect("flush");
                })
            })
            .collect();
        for writer in writers {
            writer.await.expect("writer");
        }
        let flushes = durable_commits(&storage);
        assert!((1..=3).contains(&flushes), "20 commits took {flushes} flushes");
        storage.close().expect("close");
        let storage = Storage::open(dir.path()).expect("reopen");
        let txn = storage.begin_read().expect("begin read");
        let entries = txn.scan(Bound::Unbounded, Bound::Unbounded, 100, Direction::Forward).expect("scan");
        assert_eq!(entries.len(), 20);
    }

    #[tokio::test]
    async fn a_durable_commit_makes_the_deferred_ones_before_it_durable() {
        let (_dir, storage) = open_temp();
        let sequence = deferred_put(&storage, b"deferred").await;
        fill(&storage, &[b"immediate"]);
        assert!(storage.is_durable(sequence));
    }

    #[tokio::test]
    async fn close_flushes_deferred_commits() {
        let dir = tempfile::tempdir().expect("temp dir");
        let storage = Storage::open(dir.path()).expect("open storage");
        deferred_put(&storage, b"unflushed").await;
        storage.close().expect("close");
        let storage = Storage::open(dir.path()).expect("reopen");
        assert_eq!(storage.begin_read().unwrap().get(b"unflushed").expect("get"), Some(b"unflushed".to_vec()));
    }

    #[tokio::test]
    async fn async_writers_take_turns_and_a_rollback_frees_the_turn() {
        let (_dir, storage) = open_temp();
        let mut first = storage.begin_write_async().await.expect("begin write");
        first.put(b"k", b"rolled back").expect("put");
        let waiting = tokio::spawn({
            let storage = storage.clone();
            async move { storage.begin_write_async().await.map(|txn| txn.get(b"k").expect("get")) }
        });
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished(), "a second writer began while the first was open");
        drop(first);
        assert_eq!(waiting.await.expect("second writer").expect("begin write"), None);
    }

    #[test]
    fn calls_after_commit_are_refused() {
        let (_dir, storage) = open_temp();
        let mut txn = storage.begin_write().expect("begin write");
        txn.commit().expect("commit");
        assert!(matches!(txn.get(b"k"), Err(StorageError::Spent)));
        assert!(matches!(txn.put(b"k", b"v"), Err(StorageError::Spent)));
        assert!(matches!(txn.commit(), Err(StorageError::Spent)));
        assert!(!txn.is_open_write());
    }
}
