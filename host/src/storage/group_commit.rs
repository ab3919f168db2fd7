//! Group commit: the bookkeeping that lets one fsync make many commits durable.
//!
//! A write transaction of the server commits without waiting for the disk (redb's
//! `Durability::None`: visible to later transactions, not yet durable), then waits until an
//! empty durable commit made after it has reached the disk. One such flush runs at a time;
//! every commit made while it runs is covered by the next one, so under load one fsync
//! serves a whole queue of writers. Each commit takes a sequence number; the tracker knows
//! the last one made visible and the last one known durable.
//!
//! Nothing may be answered on the strength of a commit that is not durable yet, because a
//! crash would take it back. So whoever begins a transaction notes the last visible
//! sequence number (its horizon), and an answer waits until the horizon is durable: a
//! write's own commit waits for itself, and the host waits for a request's horizon before
//! its response leaves (a read, or a write that rolled back after reading another's commit).

use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::Mutex;

/// Sequence numbers of commits: the last made visible and the last known durable.
#[derive(Debug, Default)]
pub struct GroupCommit {
    visible: AtomicU64,
    durable: AtomicU64,
    /// Held by the one flush that runs; the others wait in line and usually find, once it
    /// is their turn, that their commit was flushed meanwhile.
    pub(super) flushing: Mutex<()>,
}

impl GroupCommit {
    /// The sequence number of the commit about to be made. Taken with redb's writer lock
    /// held and before the commit, so that any transaction that sees the commit also sees a
    /// horizon that covers it.
    pub fn next(&self) -> u64 {
        self.visible.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// The sequence number of the last commit made visible: a horizon that covers every
    /// commit a transaction begun now can see.
    pub fn visible(&self) -> u64 {
        self.visible.load(Ordering::SeqCst)
    }

    /// Whether every commit up to `sequence` is durable.
    pub fn is_durable(&self, sequence: u64) -> bool {
        self.durable.load(Ordering::SeqCst) >= sequence
    }

    /// Record that every commit up to `sequence` is durable.
    pub fn flushed(&self, sequence: u64) {
        self.durable.fetch_max(sequence, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flush_covers_every_commit_made_before_it() {
        let group = GroupCommit::default();
        let sequences: Vec<u64> = (0..5).map(|_| group.next()).collect();
        assert_eq!(sequences, [1, 2, 3, 4, 5]);
        assert!(group.is_durable(0), "nothing committed is trivially durable");
        assert!(!group.is_durable(1));
        group.flushed(group.visible());
        assert!(sequences.iter().all(|&s| group.is_durable(s)));
        assert!(!group.is_durable(group.next()), "a commit after the flush waits for the next one");
    }

    #[test]
    fn a_late_report_of_an_older_flush_does_not_move_durability_back() {
        let group = GroupCommit::default();
        for _ in 0..3 {
            group.next();
        }
        group.flushed(3);
        group.flushed(1);
        assert!(group.is_durable(3));
    }
}
