//! Audit retention: a background task that removes audit records older than the configured
//! number of days through `roster:iam/maintenance.purge-audit`, a small batch per
//! transaction, so writers never wait long for the store's one writer lock.

use std::sync::Weak;
use std::time::Duration;

use crate::bindings::roster::iam::types::{Credentials, RequestContext};
use crate::runtime::Runtime;

/// Records removed per transaction.
const BATCH: u32 = 200;
/// The pause between batches, leaving the writer lock to requests.
const BETWEEN_BATCHES: Duration = Duration::from_millis(50);
/// How often a sweep runs; the first runs at start-up.
const EVERY: Duration = Duration::from_secs(3600);

/// Sweep expired audit records now and every hour, until the runtime is gone.
pub fn spawn(runtime: Weak<Runtime>, retention_days: u32) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if !sweep(&runtime, retention_days).await {
                return;
            }
            tokio::time::sleep(EVERY).await;
        }
    })
}

/// One sweep; false once the runtime is gone.
async fn sweep(runtime: &Weak<Runtime>, retention_days: u32) -> bool {
    let ctx = RequestContext {
        credentials: Some(Credentials::Operator("retention".into())),
        account: None,
        correlation_id: "audit-retention".into(),
    };
    let mut total = 0u64;
    loop {
        let Some(runtime) = runtime.upgrade() else { return false };
        match runtime.maintenance().purge_audit(&ctx, retention_days, BATCH).await {
            Ok(Ok(removed)) => {
                total += u64::from(removed);
                if removed < BATCH {
                    break;
                }
            }
            Ok(Err(error)) => {
                tracing::warn!(?error, "audit retention: the component refused the purge");
                break;
            }
            Err(error) => {
                tracing::warn!(%error, "audit retention: the purge failed");
                break;
            }
        }
        drop(runtime);
        tokio::time::sleep(BETWEEN_BATCHES).await;
    }
    if total > 0 {
        tracing::info!(removed = total, retention_days, "expired audit records removed");
    }
    true
}
