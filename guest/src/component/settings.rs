//! `roster:iam/settings` (imported): the operator's settings, read once per call.

use super::roster::iam::settings as wit;
use crate::auth::first_call::Administrator;
use crate::settings::Settings;

/// The settings the host supplies.
pub fn current() -> Settings {
    let s = wit::current();
    Settings {
        password_min_length: s.password_min_length,
        token_ttl_seconds: s.token_ttl_seconds,
        lockout_threshold: s.lockout_threshold,
        lockout_base_seconds: s.lockout_base_seconds,
        lockout_max_seconds: s.lockout_max_seconds,
        reset_token_ttl_seconds: s.reset_token_ttl_seconds,
        invitation_ttl_seconds: s.invitation_ttl_seconds,
    }
}

/// The administrator the runtime asks to be created on the first call, if any.
pub fn bootstrap_admin() -> Option<Administrator> {
    wit::bootstrap_admin().map(|admin| Administrator { user_name: admin.user_name, password: admin.password })
}
