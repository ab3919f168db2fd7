//! `roster:iam/settings`: the operator's [`Rules`], from the server's configuration.

use wasmtime::component::HasData;

use crate::bindings::roster::iam::settings::{self as wit, Administrator, Settings};
use crate::config::Rules;

/// What `roster:iam/settings` needs of the Store: the rules in force.
pub struct SettingsView<'a> {
    /// The validated rules of this server.
    pub rules: &'a Rules,
}

/// [`HasData`] marker that hands [`SettingsView`] to the generated `add_to_linker`.
pub struct SettingsImports;

impl HasData for SettingsImports {
    type Data<'a> = SettingsView<'a>;
}

impl wit::Host for SettingsView<'_> {
    async fn current(&mut self) -> wasmtime::Result<Settings> {
        Ok(to_wit(self.rules))
    }

    /// None: this host creates the first administrator at start-up (`bootstrap.rs`).
    async fn bootstrap_admin(&mut self) -> wasmtime::Result<Option<Administrator>> {
        Ok(None)
    }
}

fn to_wit(rules: &Rules) -> Settings {
    let Rules {
        password_min_length,
        token_ttl_seconds,
        lockout_threshold,
        lockout_base_seconds,
        lockout_max_seconds,
        reset_token_ttl_seconds,
        invitation_ttl_seconds,
    } = *rules;
    Settings {
        password_min_length,
        token_ttl_seconds,
        lockout_threshold,
        lockout_base_seconds,
        lockout_max_seconds,
        reset_token_ttl_seconds,
        invitation_ttl_seconds,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bindings::roster::iam::settings::Host;

    #[tokio::test]
    async fn current_hands_every_rule_over_unchanged() {
        let rules = Rules {
            password_min_length: 15,
            token_ttl_seconds: 600,
            lockout_threshold: 5,
            lockout_base_seconds: 30,
            lockout_max_seconds: 7200,
            reset_token_ttl_seconds: 900,
            invitation_ttl_seconds: 86_400,
        };
        let settings = SettingsView { rules: &rules }.current().await.expect("never traps");
        assert_eq!(
            (
                settings.password_min_length,
                settings.token_ttl_seconds,
                settings.lockout_threshold,
                settings.lockout_base_seconds,
                settings.lockout_max_seconds,
                settings.reset_token_ttl_seconds,
                settings.invitation_ttl_seconds,
            ),
            (15, 600, 5, 30, 7200, 900, 86_400)
        );
    }
}
