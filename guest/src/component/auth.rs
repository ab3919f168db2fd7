//! `roster:iam/auth` (exported): logins, tokens and the first administrator.

use super::exports::roster::iam::auth as wit;
use super::roster::iam::types;
use super::users::{context, error};
use super::{Component, with_env};
use crate::auth;

impl wit::Guest for Component {
    fn login(
        ctx: types::RequestContext,
        user_name: String,
        password: String,
    ) -> Result<wit::AccessToken, types::Error> {
        with_env(|env| auth::login(env, &context(ctx), &user_name, &password)).map(token).map_err(error)
    }

    fn logout(ctx: types::RequestContext) -> Result<(), types::Error> {
        with_env(|env| auth::logout(env, &context(ctx))).map_err(error)
    }

    fn exchange_client_credentials(
        ctx: types::RequestContext,
        client_id: String,
        client_secret: String,
    ) -> Result<wit::AccessToken, types::Error> {
        with_env(|env| auth::exchange_client_credentials(env, &context(ctx), &client_id, &client_secret))
            .map(token)
            .map_err(error)
    }

    fn bootstrap(
        ctx: types::RequestContext,
        user_name: String,
        password: String,
        temporary: bool,
    ) -> Result<bool, types::Error> {
        with_env(|env| auth::bootstrap(env, &context(ctx), &user_name, &password, temporary)).map_err(error)
    }
}

fn token(token: auth::AccessToken) -> wit::AccessToken {
    wit::AccessToken {
        access_token: token.access_token,
        token_type: token.token_type.to_owned(),
        expires_in: token.expires_in,
    }
}
