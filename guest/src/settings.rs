//! The operator's settings for identity and access; the host supplies them per call.

/// Every tunable rule of identity and access, with the defaults the host also uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// Shortest password accepted, in characters.
    pub password_min_length: u32,
    /// How long an access token lives, in seconds.
    pub token_ttl_seconds: u64,
    /// Failed logins in a row that lock a user.
    pub lockout_threshold: u32,
    /// The first lock's length, in seconds; it doubles with each further failure.
    pub lockout_base_seconds: u64,
    /// The longest lock, in seconds.
    pub lockout_max_seconds: u64,
    /// How long a lost-password reset token lives, in seconds.
    pub reset_token_ttl_seconds: u64,
    /// How long an invitation token lives, in seconds.
    pub invitation_ttl_seconds: u64,
}

impl Default for Settings {
    fn default() -> Self {
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
}
