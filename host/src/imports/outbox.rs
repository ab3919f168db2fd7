//! `roster:iam/outbox`: mail queued in the guest's own write transaction, so that it exists
//! if and only if that transaction commits; [`crate::mail::Relay`] delivers it afterwards.

use std::time::SystemTime;

use wasmtime::component::Resource;

use crate::bindings::roster::iam::outbox::{self as wit, Error, Message};
use crate::imports::store::{StoreView, Transaction};
use crate::mail::QueuedMessage;

/// The outbox shares the store's view: it writes through the guest's open transaction.
impl wit::Host for StoreView<'_> {
    async fn enqueue(&mut self, txn: Resource<Transaction>, message: Message) -> wasmtime::Result<Result<(), Error>> {
        let Message { to, subject, body } = message;
        let queued = match QueuedMessage::new(to, subject, body, SystemTime::now()) {
            Ok(queued) => queued,
            Err(error) => {
                // A message that could never be delivered is a guest bug; refusing it here
                // keeps it out of the queue, where it would block the messages behind it.
                tracing::warn!(%error, "refused to queue a message");
                return Ok(Err(Error::InvalidUse));
            }
        };
        let encoded = queued.encode();
        self.with_txn(&txn, |txn| txn.enqueue(&encoded).map(drop))
    }
}

#[cfg(test)]
mod tests {
    use wasmtime::component::ResourceTable;

    use super::*;
    use crate::bindings::roster::iam::outbox::Host as _;
    use crate::bindings::roster::iam::store::{Host as _, HostTransaction};
    use crate::imports::store::StoreCtx;
    use crate::storage::Storage;

    struct Fixture {
        _dir: tempfile::TempDir,
        storage: Storage,
        ctx: StoreCtx,
        table: ResourceTable,
    }

    impl Fixture {
        fn new() -> Fixture {
            let dir = tempfile::tempdir().expect("temp dir");
            let storage = Storage::open(dir.path()).expect("open storage");
            Fixture { ctx: StoreCtx::new(storage.clone()), storage, _dir: dir, table: ResourceTable::new() }
        }

        fn view(&mut self) -> StoreView<'_> {
            StoreView { ctx: &mut self.ctx, table: &mut self.table }
        }

        fn queued(&self) -> usize {
            self.storage.outbox_oldest(100).expect("read the outbox").len()
        }
    }

    fn mail() -> Message {
        Message { to: "jane@example.com".into(), subject: "Reset".into(), body: "token".into() }
    }

    fn borrow(txn: &Resource<Transaction>) -> Resource<Transaction> {
        Resource::new_borrow(txn.rep())
    }

    #[tokio::test]
    async fn message_is_queued_when_the_transaction_commits() {
        let mut fixture = Fixture::new();
        let mut view = fixture.view();
        let txn = view.begin_write().await.expect("no trap").expect("begin write");
        view.enqueue(borrow(&txn), mail()).await.expect("no trap").expect("enqueue");
        view.commit(borrow(&txn)).await.expect("no trap").expect("commit");
        assert_eq!(fixture.queued(), 1);
    }

    #[tokio::test]
    async fn rolled_back_transaction_queues_nothing() {
        let mut fixture = Fixture::new();
        let mut view = fixture.view();
        let txn = view.begin_write().await.expect("no trap").expect("begin write");
        view.enqueue(borrow(&txn), mail()).await.expect("no trap").expect("enqueue");
        HostTransaction::drop(&mut view, txn).await.expect("no trap");
        // The rollback runs on the blocking pool; the next writer waits for it.
        let txn = view.begin_write().await.expect("no trap").expect("begin write");
        view.commit(borrow(&txn)).await.expect("no trap").expect("commit");
        assert_eq!(fixture.queued(), 0);
    }

    #[tokio::test]
    async fn enqueue_on_a_read_transaction_is_invalid_use() {
        let mut fixture = Fixture::new();
        let mut view = fixture.view();
        let txn = view.begin_read().await.expect("no trap").expect("begin read");
        let result = view.enqueue(borrow(&txn), mail()).await.expect("no trap");
        assert!(matches!(result, Err(Error::InvalidUse)), "{result:?}");
    }

    #[tokio::test]
    async fn enqueue_after_commit_is_invalid_use() {
        let mut fixture = Fixture::new();
        let mut view = fixture.view();
        let txn = view.begin_write().await.expect("no trap").expect("begin write");
        view.commit(borrow(&txn)).await.expect("no trap").expect("commit");
        let result = view.enqueue(borrow(&txn), mail()).await.expect("no trap");
        assert!(matches!(result, Err(Error::InvalidUse)), "{result:?}");
        assert_eq!(fixture.queued(), 0);
    }

    #[tokio::test]
    async fn undeliverable_message_is_invalid_use_and_not_queued() {
        let mut fixture = Fixture::new();
        let mut view = fixture.view();
        let txn = view.begin_write().await.expect("no trap").expect("begin write");
        let bad = Message { to: "not an address".into(), ..mail() };
        let result = view.enqueue(borrow(&txn), bad).await.expect("no trap");
        assert!(matches!(result, Err(Error::InvalidUse)), "{result:?}");
        view.commit(borrow(&txn)).await.expect("no trap").expect("commit");
        assert_eq!(fixture.queued(), 0);
    }
}
