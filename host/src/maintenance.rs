//! Typed calls to the component's `roster:iam/maintenance` exports (index checks, audit
//! retention), each on a fresh instance.
//!
//! Every method returns an [`Outcome`]: the outer error is the host's (trap, deadline,
//! overload), the inner one is the component's answer.

pub use crate::bindings::exports::roster::iam::maintenance::{CheckReport, Problem};
pub use crate::bindings::roster::iam::types::{Error, RequestContext};
pub use crate::runtime::Outcome;

use std::time::Duration;

use wasmtime::Store;

use crate::bindings::exports::roster::iam::maintenance::Guest;
use crate::runtime::{CallError, RequestState, Runtime};

/// The `roster:iam/maintenance` exports of a [`Runtime`]; get one with [`Runtime::maintenance`].
#[derive(Debug, Clone, Copy)]
pub struct Maintenance<'a> {
    runtime: &'a Runtime,
}

/// A check reads the whole store: it gets far longer than a request.
const CHECK_DEADLINE: Duration = Duration::from_secs(600);

impl Runtime {
    /// Typed access to the component's `roster:iam/maintenance` exports.
    pub fn maintenance(&self) -> Maintenance<'_> {
        Maintenance { runtime: self }
    }
}

impl Maintenance<'_> {
    async fn call<R>(
        &self,
        deadline: Duration,
        call: impl AsyncFnOnce(&mut Store<RequestState>, &Guest) -> wasmtime::Result<R>,
    ) -> Result<R, CallError> {
        self.runtime
            .call_within(deadline, async |store, instance| {
                let maintenance = self.runtime.exports().maintenance.load(&mut *store, instance)?;
                call(store, &maintenance).await
            })
            .await
    }

    /// Check every index against its records; with `repair`, fix what disagrees.
    pub async fn check(&self, ctx: &RequestContext, repair: bool) -> Outcome<CheckReport> {
        self.call(CHECK_DEADLINE, async |store, m| m.call_check(store, ctx, repair).await).await
    }

    /// Remove up to `limit` audit records older than `retention_days`; how many.
    pub async fn purge_audit(&self, ctx: &RequestContext, retention_days: u32, limit: u32) -> Outcome<u32> {
        let deadline = self.runtime.request_deadline();
        self.call(deadline, async |store, m| m.call_purge_audit(store, ctx, retention_days, limit).await).await
    }
}
