//! Typed calls to the component's `roster:iam/roles` exports, each on a fresh instance.
//!
//! Every method returns an [`Outcome`]: the outer error is the host's (trap, deadline,
//! overload), the inner one is the component's answer (`not_found`, …).

pub use crate::bindings::exports::roster::iam::roles::{NewRole, Role, RolePatch};
pub use crate::bindings::roster::iam::types::{Error, RequestContext};
pub use crate::runtime::Outcome;

use wasmtime::Store;

use crate::bindings::exports::roster::iam::roles::Guest;
use crate::runtime::{CallError, RequestState, Runtime};

/// The `roster:iam/roles` exports of a [`Runtime`]; get one with [`Runtime::roles`].
#[derive(Debug, Clone, Copy)]
pub struct Roles<'a> {
    runtime: &'a Runtime,
}

impl Runtime {
    /// Typed access to the component's `roster:iam/roles` exports.
    pub fn roles(&self) -> Roles<'_> {
        Roles { runtime: self }
    }
}

impl Roles<'_> {
    async fn call<R>(
        &self,
        call: impl AsyncFnOnce(&mut Store<RequestState>, &Guest) -> wasmtime::Result<R>,
    ) -> Result<R, CallError> {
        self.runtime
            .call(async |store, instance| {
                let roles = self.runtime.exports().roles.load(&mut *store, instance)?;
                call(store, &roles).await
            })
            .await
    }

    /// Create a role.
    pub async fn create(&self, ctx: &RequestContext, role: &NewRole) -> Outcome<Role> {
        self.call(async |store, roles| roles.call_create(store, ctx, role).await).await
    }

    /// The role with this id.
    pub async fn get(&self, ctx: &RequestContext, id: &str) -> Outcome<Role> {
        self.call(async |store, roles| roles.call_get(store, ctx, id).await).await
    }

    /// Every role, by name.
    pub async fn list(&self, ctx: &RequestContext) -> Outcome<Vec<Role>> {
        self.call(async |store, roles| roles.call_list(store, ctx).await).await
    }

    /// Apply a change; the result is the role as stored afterwards.
    pub async fn update(&self, ctx: &RequestContext, id: &str, patch: &RolePatch) -> Outcome<Role> {
        self.call(async |store, roles| roles.call_update(store, ctx, id, patch).await).await
    }

    /// Delete a role, if it is still at `expected_version` when one is given.
    pub async fn delete(&self, ctx: &RequestContext, id: &str, expected_version: Option<u64>) -> Outcome<()> {
        self.call(async |store, roles| roles.call_delete(store, ctx, id, expected_version).await).await
    }
}
