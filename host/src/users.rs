//! Typed calls to the component's `roster:iam/users` exports, each on a fresh instance.
//!
//! Every method returns an [`Outcome`], `Result<Result<T, Error>, CallError>`: the outer error
//! is the host's (trap, deadline, overload), the inner one is the component's answer
//! (`not_found`, …).

pub use crate::bindings::exports::roster::iam::users::{
    Attribute, NewUser, SortField, SortOrder, TextMatch, User, UserPage, UserPatch, UserQuery, UserStatus,
};
pub use crate::bindings::roster::iam::types::{Credentials, Error, FieldError, RequestContext};

pub use crate::runtime::Outcome;

use wasmtime::Store;

use crate::bindings::exports::roster::iam::users::Guest;
use crate::runtime::{CallError, RequestState, Runtime};

impl NewUser {
    /// A user with only a user name and an email; set the other fields on the result.
    pub fn named(user_name: impl Into<String>, email: impl Into<String>) -> NewUser {
        NewUser {
            user_name: user_name.into(),
            email: email.into(),
            password: None,
            first_name: None,
            last_name: None,
            display_name: None,
            phone: None,
            fax: None,
            street: None,
            city: None,
            state: None,
            zipcode: None,
            country: None,
            locale: None,
            timezone: None,
            status: None,
            can_login: None,
            shared: None,
            opt_in: None,
            attributes: Vec::new(),
            preferences: None,
        }
    }
}

/// A patch that changes nothing; set the fields to change on it.
impl Default for UserPatch {
    fn default() -> UserPatch {
        UserPatch {
            expected_version: None,
            user_name: None,
            email: None,
            first_name: None,
            last_name: None,
            display_name: None,
            phone: None,
            fax: None,
            street: None,
            city: None,
            state: None,
            zipcode: None,
            country: None,
            locale: None,
            timezone: None,
            status: None,
            can_login: None,
            shared: None,
            opt_in: None,
            attributes: None,
            preferences: None,
        }
    }
}

/// The `roster:iam/users` exports of a [`Runtime`]; get one with [`Runtime::users`].
#[derive(Debug, Clone, Copy)]
pub struct Users<'a> {
    runtime: &'a Runtime,
}

impl Runtime {
    /// Typed access to the component's `roster:iam/users` exports.
    pub fn users(&self) -> Users<'_> {
        Users { runtime: self }
    }
}

impl Users<'_> {
    async fn call<R>(
        &self,
        call: impl AsyncFnOnce(&mut Store<RequestState>, &Guest) -> wasmtime::Result<R>,
    ) -> Result<R, CallError> {
        self.runtime
            .call(async |store, instance| {
                let users = self.runtime.exports().users.load(&mut *store, instance)?;
                call(store, &users).await
            })
            .await
    }

    /// Create a user.
    pub async fn create(&self, ctx: &RequestContext, user: &NewUser) -> Outcome<User> {
        self.call(async |store, users| users.call_create(store, ctx, user).await).await
    }

    /// The user with this id.
    pub async fn get(&self, ctx: &RequestContext, id: &str) -> Outcome<User> {
        self.call(async |store, users| users.call_get(store, ctx, id).await).await
    }

    /// The user with this user name, matched case-insensitively.
    pub async fn get_by_user_name(&self, ctx: &RequestContext, user_name: &str) -> Outcome<User> {
        self.call(async |store, users| users.call_get_by_user_name(store, ctx, user_name).await).await
    }

    /// A page of users matching the query.
    pub async fn list(&self, ctx: &RequestContext, query: &UserQuery) -> Outcome<UserPage> {
        self.call(async |store, users| users.call_list(store, ctx, query).await).await
    }

    /// Apply a partial update; the result is the user as stored afterwards.
    pub async fn update(&self, ctx: &RequestContext, id: &str, patch: &UserPatch) -> Outcome<User> {
        self.call(async |store, users| users.call_update(store, ctx, id, patch).await).await
    }

    /// Delete a user, if it is still at `expected_version` when one is given.
    pub async fn delete(&self, ctx: &RequestContext, id: &str, expected_version: Option<u64>) -> Outcome<()> {
        self.call(async |store, users| users.call_delete(store, ctx, id, expected_version).await).await
    }

    /// Check each user against the rules without storing anything: the JSON record each
    /// would be stored as, or its field errors.
    pub async fn validate(&self, users: &[NewUser]) -> Result<Vec<Result<String, Error>>, CallError> {
        self.call(async |store, exports| exports.call_validate(store, users).await).await
    }
}
