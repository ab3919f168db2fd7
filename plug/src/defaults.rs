//! The settings the plug answers: the defaults of `roster serve` (`Rules::DEFAULT` in the
//! host), which a test in `tests/tests/standalone_cli.rs` holds these equal to.

/// Every rule of `roster:iam/settings`, as plain numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Defaults {
    pub password_min_length: u32,
    pub token_ttl_seconds: u64,
    pub lockout_threshold: u32,
    pub lockout_base_seconds: u64,
    pub lockout_max_seconds: u64,
    pub reset_token_ttl_seconds: u64,
    pub invitation_ttl_seconds: u64,
}

/// The settings of every standalone run.
pub const DEFAULTS: Defaults = Defaults {
    password_min_length: 8,
    token_ttl_seconds: 3600,
    lockout_threshold: 10,
    lockout_base_seconds: 60,
    lockout_max_seconds: 3600,
    reset_token_ttl_seconds: 1800,
    invitation_ttl_seconds: 7 * 86_400,
};
