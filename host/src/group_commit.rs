//! Group commit for [`crate::storage`]: concurrent write transactions share one fsync, and no
//! caller hears of a commit, or reads data, before that data is durable.
//!
//! Each write transaction commits with redb's `Durability::None` (visible, not yet on disk),
//! then waits here until a durable (`Durability::Immediate`) commit that follows it has made
//! it, and everything before it, durable. Whoever waits first while no flush is running
//! becomes the leader and runs that durable commit, an empty one; commits that arrive while it
//! runs wait for the next flush, which one of them leads. Under load one fsync covers every
//! commit that queued during the previous one.
//!
//! Readers must not see data that a crash could still take back: a read transaction settles
//! (waits until every commit begun before its snapshot was taken is durable) before it is used.
//!
//! redb orders write transactions by its single writer lock, so commits are counted in that
//! order: `started` when a commit begins (under the writer lock), `completed` when it has
//! returned. A flush holds the writer lock while it reads `completed`, so every commit counted
//! there is in the flush.

use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use redb::Database;

use crate::storage::{Result, StorageError};

/// The commits counted so far, and how many of them are durable.
#[derive(Debug, Default)]
struct Counters {
    /// Non-durable commits begun.
    started: u64,
    /// Non-durable commits that have returned, successfully or not.
    completed: u64,
    /// Commits known durable: the `completed` a finished flush read.
    durable: u64,
    /// Whether a flush is running.
    flushing: bool,
    /// Flushes run so far.
    flushes: u64,
}

/// The shared group-commit state of one database.
#[derive(Debug)]
pub(crate) struct GroupCommit {
    db: Arc<Database>,
    counters: Mutex<Counters>,
    flushed: Condvar,
}

impl GroupCommit {
    /// Group commits on `db`.
    pub(crate) fn new(db: Arc<Database>) -> Self {
        GroupCommit { db, counters: Mutex::new(Counters::default()), flushed: Condvar::new() }
    }

    fn counters(&self) -> MutexGuard<'_, Counters> {
        // The counters stay consistent whatever panicked while holding them.
        self.counters.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Commit `txn` without waiting for the disk, and return its place in the commit order, to
    /// pass to [`GroupCommit::wait_durable`]. Call with redb's writer lock held (that is, on an
    /// open write transaction).
    pub(crate) fn commit(&self, mut txn: redb::WriteTransaction) -> (u64, Result<(), redb::CommitError>) {
        // Only a transaction with persistent savepoints refuses; it then commits durably on
        // its own, which is as safe.
        let _ = txn.set_durability(redb::Durability::None);
        self.counters().started += 1;
        let result = txn.commit();
        let mut counters = self.counters();
        counters.completed += 1;
        (counters.completed, result)
    }

    /// Block until the first `count` commits are durable, leading a flush if none is running.
    pub(crate) fn wait_durable(&self, count: u64) -> Result<()> {
        let mut counters = self.counters();
        loop {
            if counters.durable >= count {
                return Ok(());
            }
            if counters.flushing {
                counters = self.flushed.wait(counters).unwrap_or_else(|poisoned| poisoned.into_inner());
                continue;
            }
            counters.flushing = true;
            drop(counters);
            let flushed = self.flush();
            counters = self.counters();
            counters.flushing = false;
            self.flushed.notify_all();
            counters.durable = counters.durable.max(flushed?);
        }
    }

    /// Block until every commit begun so far is durable: for a read, after its snapshot is
    /// taken, so that nothing it sees can be lost in a crash.
    pub(crate) fn settle(&self) -> Result<()> {
        let started = self.counters().started;
        self.wait_durable(started)
    }

    /// A durable empty commit, which makes every commit before it durable; how many commits
    /// it covers.
    fn flush(&self) -> Result<u64> {
        let backend = |operation: &'static str| {
            move |error: redb::Error| StorageError::Backend { operation, message: error.to_string() }
        };
        let mut txn = self.db.begin_write().map_err(|e| backend("begin a flush")(e.into()))?;
        txn.set_durability(redb::Durability::Immediate).map_err(|e| backend("set durability")(e.into()))?;
        // The writer lock is ours: every commit counted as completed is in this snapshot.
        let covered = self.counters().completed;
        txn.commit().map_err(|e| backend("flush")(e.into()))?;
        self.counters().flushes += 1;
        Ok(covered)
    }
}

#[cfg(test)]
mod tests {
    use redb::{ReadableDatabase, ReadableTableMetadata, TableDefinition};

    use super::*;

    const TABLE: TableDefinition<&str, u64> = TableDefinition::new("t");

    fn open() -> (tempfile::TempDir, Arc<Database>, GroupCommit) {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = Arc::new(Database::create(dir.path().join("db.redb")).expect("create"));
        let group = GroupCommit::new(db.clone());
        (dir, db, group)
    }

    /// Commit `key = value` without waiting for the disk; its place in the commit order.
    fn put(db: &Database, group: &GroupCommit, key: &str, value: u64) -> u64 {
        let txn = db.begin_write().expect("begin write");
        txn.open_table(TABLE).expect("table").insert(key, value).expect("insert");
        let (place, result) = group.commit(txn);
        result.expect("commit");
        place
    }

    fn snapshot(group: &GroupCommit) -> (u64, u64, u64, u64) {
        let c = group.counters();
        (c.started, c.completed, c.durable, c.flushes)
    }

    #[test]
    fn a_commit_is_visible_at_once_and_durable_only_after_a_flush() {
        let (_dir, db, group) = open();
        let place = put(&db, &group, "k", 1);
        assert_eq!(place, 1);
        let read = db.begin_read().expect("begin read");
        assert_eq!(read.open_table(TABLE).expect("table").get("k").expect("get").map(|v| v.value()), Some(1));
        assert_eq!(snapshot(&group), (1, 1, 0, 0));
        group.wait_durable(place).expect("durable");
        assert_eq!(snapshot(&group), (1, 1, 1, 1));
    }

    #[test]
    fn one_flush_covers_every_commit_before_it() {
        let (_dir, db, group) = open();
        let places: Vec<u64> = (0..5).map(|i| put(&db, &group, &format!("k{i}"), i)).collect();
        group.wait_durable(places[4]).expect("durable");
        for place in places {
            group.wait_durable(place).expect("already durable");
        }
        assert_eq!(snapshot(&group), (5, 5, 5, 1), "one flush for five commits");
    }

    #[test]
    fn settle_waits_for_commits_begun_before_it_and_not_after() {
        let (_dir, db, group) = open();
        group.settle().expect("nothing to settle");
        assert_eq!(snapshot(&group).3, 0, "settling with nothing pending flushes nothing");
        put(&db, &group, "k", 1);
        group.settle().expect("settle");
        assert_eq!(snapshot(&group), (1, 1, 1, 1));
        group.settle().expect("settle again");
        assert_eq!(snapshot(&group).3, 1, "a settled store is not flushed again");
    }

    #[test]
    fn concurrent_commits_waited_for_are_all_there_after_reopening() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("db.redb");
        {
            let db = Arc::new(Database::create(&path).expect("create"));
            let group = Arc::new(GroupCommit::new(db.clone()));
            std::thread::scope(|scope| {
                for t in 0..4 {
                    let (db, group) = (db.clone(), group.clone());
                    scope.spawn(move || {
                        for i in 0..10 {
                            let place = put(&db, &group, &format!("t{t}-{i}"), i);
                            group.wait_durable(place).expect("durable");
                        }
                    });
                }
            });
            let (started, completed, durable, flushes) = snapshot(&group);
            assert_eq!((started, completed, durable), (40, 40, 40));
            assert!((1..=40).contains(&flushes), "{flushes} flushes");
        }
        let db = Database::create(&path).expect("reopen");
        let read = db.begin_read().expect("begin read");
        let table = read.open_table(TABLE).expect("table");
        assert_eq!(table.len().expect("len"), 40);
    }
}
