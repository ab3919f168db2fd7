//! Typed calls to the component's `roster:iam/auth` exports, each on a fresh instance.
//!
//! Every method returns an [`Outcome`]: the outer error is the host's (trap, deadline,
//! overload), the inner one is the component's answer (`unauthenticated`, …).

pub use crate::bindings::exports::roster::iam::auth::AccessToken;
pub use crate::bindings::roster::iam::types::{Credentials, Error, FieldError, RequestContext};
pub use crate::runtime::Outcome;

use std::time::Duration;

use wasmtime::Store;

use crate::bindings::exports::roster::iam::auth::Guest;
use crate::runtime::{CallError, RequestState, Runtime};

/// The `roster:iam/auth` exports of a [`Runtime`]; get one with [`Runtime::auth`].
#[derive(Debug, Clone, Copy)]
pub struct Auth<'a> {
    runtime: &'a Runtime,
    deadline: Duration,
}

impl Runtime {
    /// Typed access to the component's `roster:iam/auth` exports, each call within the
    /// request deadline.
    pub fn auth(&self) -> Auth<'_> {
        Auth { runtime: self, deadline: self.request_deadline() }
    }
}

impl<'a> Auth<'a> {
    /// The same exports with calls that may take up to `deadline` each.
    pub fn with_deadline(self, deadline: Duration) -> Auth<'a> {
        Auth { deadline, ..self }
    }

    async fn call<R>(
        &self,
        call: impl AsyncFnOnce(&mut Store<RequestState>, &Guest) -> wasmtime::Result<R>,
    ) -> Result<R, CallError> {
        self.runtime
            .call_within(self.deadline, async |store, instance| {
                let auth = self.runtime.exports().auth.load(&mut *store, instance)?;
                call(store, &auth).await
            })
            .await
    }

    /// Exchange a user name and password for a bearer token.
    pub async fn login(&self, ctx: &RequestContext, user_name: &str, password: &str) -> Outcome<AccessToken> {
        self.call(async |store, auth| auth.call_login(store, ctx, user_name, password).await).await
    }

    /// Revoke the token `ctx` carries.
    pub async fn logout(&self, ctx: &RequestContext) -> Outcome<()> {
        self.call(async |store, auth| auth.call_logout(store, ctx).await).await
    }

    /// Exchange an API key's client id and secret for a bearer token.
    pub async fn exchange_client_credentials(
        &self,
        ctx: &RequestContext,
        client_id: &str,
        client_secret: &str,
    ) -> Outcome<AccessToken> {
        self.call(async |store, auth| auth.call_exchange_client_credentials(store, ctx, client_id, client_secret).await)
            .await
    }

    /// Create the first administrator if the store has no user yet; `Ok(true)` if it did. A
    /// `temporary` password must be changed before anything else is allowed.
    pub async fn bootstrap(
        &self,
        ctx: &RequestContext,
        user_name: &str,
        password: &str,
        temporary: bool,
    ) -> Outcome<bool> {
        self.call(async |store, auth| auth.call_bootstrap(store, ctx, user_name, password, temporary).await).await
    }
}
