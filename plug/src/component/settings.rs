//! `roster:iam/settings` (exported): the host's defaults, and the first administrator from
//! the environment the runtime passes.

use super::Plug;
use super::exports::roster::iam::settings::{Administrator, Guest, Settings};
use crate::{bootstrap, defaults};

impl Guest for Plug {
    fn current() -> Settings {
        let d = defaults::DEFAULTS;
        Settings {
            password_min_length: d.password_min_length,
            token_ttl_seconds: d.token_ttl_seconds,
            lockout_threshold: d.lockout_threshold,
            lockout_base_seconds: d.lockout_base_seconds,
            lockout_max_seconds: d.lockout_max_seconds,
            reset_token_ttl_seconds: d.reset_token_ttl_seconds,
            invitation_ttl_seconds: d.invitation_ttl_seconds,
        }
    }

    fn bootstrap_admin() -> Option<Administrator> {
        bootstrap::from_env(|name| std::env::var(name).ok())
            .map(|admin| Administrator { user_name: admin.user_name, password: admin.password })
    }
}
