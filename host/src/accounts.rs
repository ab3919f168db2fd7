//! Typed calls to the component's `roster:iam/accounts` exports, each on a fresh instance.
//!
//! Every method returns an [`Outcome`]: the outer error is the host's (trap, deadline,
//! overload), the inner one is the component's answer (`not_found`, …).

pub use crate::bindings::exports::roster::iam::accounts::{
    Account, AccountPage, AccountPatch, AccountQuery, AccountStatus, AccountType, NewAccount,
};
pub use crate::bindings::roster::iam::types::{Error, RequestContext};
pub use crate::runtime::Outcome;

use wasmtime::Store;

use crate::bindings::exports::roster::iam::accounts::Guest;
use crate::runtime::{CallError, RequestState, Runtime};

/// The `roster:iam/accounts` exports of a [`Runtime`]; get one with [`Runtime::accounts`].
#[derive(Debug, Clone, Copy)]
pub struct Accounts<'a> {
    runtime: &'a Runtime,
}

impl Runtime {
    /// Typed access to the component's `roster:iam/accounts` exports.
    pub fn accounts(&self) -> Accounts<'_> {
        Accounts { runtime: self }
    }
}

impl Accounts<'_> {
    async fn call<R>(
        &self,
        call: impl AsyncFnOnce(&mut Store<RequestState>, &Guest) -> wasmtime::Result<R>,
    ) -> Result<R, CallError> {
        self.runtime
            .call(async |store, instance| {
                let accounts = self.runtime.exports().accounts.load(&mut *store, instance)?;
                call(store, &accounts).await
            })
            .await
    }

    /// Create an account.
    pub async fn create(&self, ctx: &RequestContext, account: &NewAccount) -> Outcome<Account> {
        self.call(async |store, accounts| accounts.call_create(store, ctx, account).await).await
    }

    /// The account with this id, or, when it is not a UUID, this name.
    pub async fn get(&self, ctx: &RequestContext, id_or_name: &str) -> Outcome<Account> {
        self.call(async |store, accounts| accounts.call_get(store, ctx, id_or_name).await).await
    }

    /// A page of accounts matching the query.
    pub async fn list(&self, ctx: &RequestContext, query: &AccountQuery) -> Outcome<AccountPage> {
        self.call(async |store, accounts| accounts.call_list(store, ctx, query).await).await
    }

    /// Apply a change; the result is the account as stored afterwards.
    pub async fn update(&self, ctx: &RequestContext, id_or_name: &str, patch: &AccountPatch) -> Outcome<Account> {
        self.call(async |store, accounts| accounts.call_update(store, ctx, id_or_name, patch).await).await
    }

    /// Delete an account; with members only when `force`.
    pub async fn delete(
        &self,
        ctx: &RequestContext,
        id_or_name: &str,
        expected_version: Option<u64>,
        force: bool,
    ) -> Outcome<()> {
        self.call(async |store, accounts| accounts.call_delete(store, ctx, id_or_name, expected_version, force).await)
            .await
    }
}
