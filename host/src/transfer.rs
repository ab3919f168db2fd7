//! Typed calls to the component's `roster:iam/transfer` exports (JSON Lines export and
//! import), each on a fresh instance.
//!
//! Every method returns an [`Outcome`]: the outer error is the host's (trap, deadline,
//! overload), the inner one is the component's answer.

pub use crate::bindings::exports::roster::iam::transfer::{LineOutcome, LinePage, LineResult, NumberedLine};
pub use crate::bindings::roster::iam::types::{Error, RequestContext};
pub use crate::runtime::Outcome;

use std::time::Duration;

use wasmtime::Store;

use crate::bindings::exports::roster::iam::transfer::Guest;
use crate::runtime::{CallError, RequestState, Runtime};

/// The `roster:iam/transfer` exports of a [`Runtime`]; get one with [`Runtime::transfer`].
#[derive(Debug, Clone, Copy)]
pub struct Transfer<'a> {
    runtime: &'a Runtime,
    deadline: Duration,
}

/// The least time one batch gets: a batch is no request, and the request deadline may be
/// a few milliseconds.
const MIN_DEADLINE: Duration = Duration::from_secs(60);

impl Runtime {
    /// Typed access to the component's `roster:iam/transfer` exports.
    pub fn transfer(&self) -> Transfer<'_> {
        Transfer { runtime: self, deadline: self.request_deadline().max(MIN_DEADLINE) }
    }
}

impl Transfer<'_> {
    async fn call<R>(
        &self,
        call: impl AsyncFnOnce(&mut Store<RequestState>, &Guest) -> wasmtime::Result<R>,
    ) -> Result<R, CallError> {
        self.runtime
            .call_within(self.deadline, async |store, instance| {
                let transfer = self.runtime.exports().transfer.load(&mut *store, instance)?;
                call(store, &transfer).await
            })
            .await
    }

    /// Up to `limit` export lines from `cursor` on.
    pub async fn export_lines(&self, ctx: &RequestContext, cursor: Option<&str>, limit: u32) -> Outcome<LinePage> {
        self.call(async |store, transfer| transfer.call_export_lines(store, ctx, cursor, limit).await).await
    }

    /// Import one batch of lines in one transaction.
    pub async fn import_lines(&self, ctx: &RequestContext, lines: &[NumberedLine]) -> Outcome<Vec<LineResult>> {
        self.call(async |store, transfer| transfer.call_import_lines(store, ctx, lines).await).await
    }
}
