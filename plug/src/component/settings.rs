//! `roster:iam/settings` (exported): the host's defaults, and the first administrator from
//! the environment the runtime passes.

use super::Plug;
use super::exports::roster::iam::settings::{Administrator, Guest, Settings};
use crate::bootstrap;

impl Guest for Plug {
    fn current() -> Settings {
        // The defaults of `roster serve`.
        Settings {
            password_min_length: 8,
            token_ttl_seconds: 3600,
            lockout_threshold: 10,
            lockout_base_seconds: 60,
            lockout_max_seconds: 3600,
            reset_token_ttl_seconds: 1800,
            invitation_ttl_seconds: 7 * 86_400,
        }
    }

    fn bootstrap_admin() -> Option<Administrator> {
        bootstrap::from_env(|name| std::env::var(name).ok())
            .map(|admin| Administrator { user_name: admin.user_name, password: admin.password })
    }
}
