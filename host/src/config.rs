//! The configuration of a Roster server, and the checks that make it valid.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::hashing::Argon2Params;
use crate::mail;

/// Which build of the component to run.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ComponentSource {
    /// The component built with this host and embedded in its binary.
    #[default]
    Embedded,
    /// A component file, for example another build of the guest.
    File(PathBuf),
}

/// Everything `roster serve` needs. Build one with [`ServeConfig::new`], adjust the public
/// fields, and the server checks it with [`ServeConfig::validate`] before starting.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// The address to listen on; port 0 picks a free port.
    pub listen: SocketAddr,
    /// Where the database (`roster.redb`) and the compilation cache (`cache/`) live.
    pub data_dir: PathBuf,
    /// The component to run.
    pub component: ComponentSource,
    /// How long one request may take, from its body being read to its response head.
    pub request_deadline: Duration,
    /// The most linear memory one instance of the component may grow to, in bytes.
    pub memory_cap: usize,
    /// The most instances alive at once; more requests wait for one to finish.
    pub max_instances: u32,
    /// The size of the database's own page cache, in bytes; pages beyond it are read
    /// through the operating system's page cache.
    pub store_cache: usize,
    /// The largest request body accepted, in bytes.
    pub max_body: usize,
    /// argon2id cost parameters for password hashes.
    pub argon2: Argon2Params,
    /// The rules of identity and access the component reads through `roster:iam/settings`.
    pub rules: Rules,
    /// How queued mail leaves the server.
    pub mail: MailConfig,
    /// The administrator created when the store has no user yet.
    pub bootstrap: BootstrapConfig,
    /// Seconds the component's wall clock runs ahead of the host's (negative: behind);
    /// for tests and drills, 0 in production.
    pub clock_offset_seconds: i64,
    /// Days audit records are kept; none keeps them forever. Older ones are removed in the
    /// background, in small batches.
    pub audit_retention_days: Option<u32>,
}

/// The operator's rules for identity and access, handed to the component by
/// `roster:iam/settings`. [`Rules::DEFAULT`] holds the defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// Shortest password accepted, in characters: 8 to 64, since ASVS requires at least 8
    /// and that passwords of 64 characters are always allowed.
    pub password_min_length: u32,
    /// How long an access token lives, in seconds: a minute to 30 days.
    pub token_ttl_seconds: u64,
    /// Failed logins in a row that lock a user: 1 to 1000.
    pub lockout_threshold: u32,
    /// How long the first lock lasts, in seconds: a second to a day.
    pub lockout_base_seconds: u64,
    /// The longest a lock lasts, in seconds: from `lockout_base_seconds` to 30 days.
    pub lockout_max_seconds: u64,
    /// How long a lost-password reset token lives, in seconds: a minute to a day.
    pub reset_token_ttl_seconds: u64,
    /// How long an invitation lives, in seconds: an hour to 30 days.
    pub invitation_ttl_seconds: u64,
}

const DAY_SECONDS: u64 = 86_400;

impl Rules {
    /// The defaults: 8-character passwords, one-hour tokens, a lock after 10 failures that
    /// starts at a minute and grows to an hour, 30-minute reset tokens, week-long invitations.
    pub const DEFAULT: Rules = Rules {
        password_min_length: 8,
        token_ttl_seconds: 3600,
        lockout_threshold: 10,
        lockout_base_seconds: 60,
        lockout_max_seconds: 3600,
        reset_token_ttl_seconds: 1800,
        invitation_ttl_seconds: 7 * DAY_SECONDS,
    };

    /// Check every rule against its range; the error names the first bad one.
    pub fn validate(&self) -> Result<(), ConfigError> {
        check_range("password_min_length", self.password_min_length.into(), 8, 64)?;
        check_range("token_ttl_seconds", self.token_ttl_seconds, 60, 30 * DAY_SECONDS)?;
        check_range("lockout_threshold", self.lockout_threshold.into(), 1, 1000)?;
        check_range("lockout_base_seconds", self.lockout_base_seconds, 1, DAY_SECONDS)?;
        check_range("lockout_max_seconds", self.lockout_max_seconds, self.lockout_base_seconds, 30 * DAY_SECONDS)?;
        check_range("reset_token_ttl_seconds", self.reset_token_ttl_seconds, 60, DAY_SECONDS)?;
        check_range("invitation_ttl_seconds", self.invitation_ttl_seconds, 3600, 30 * DAY_SECONDS)?;
        Ok(())
    }
}

impl Default for Rules {
    fn default() -> Self {
        Rules::DEFAULT
    }
}

fn check_range(setting: &'static str, value: u64, min: u64, max: u64) -> Result<(), ConfigError> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(ConfigError::new(setting, format!("{value} is not between {min} and {max}")))
    }
}

/// How queued mail leaves the server (see [`crate::mail`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailConfig {
    /// The `From:` of every message: an address, optionally with a display name
    /// (`Roster <roster@example.com>`).
    pub from: String,
    /// Send to this SMTP server (`smtp://host:port`, plain SMTP). `None` writes each message
    /// as a file into `<data-dir>/outbox` instead.
    pub smtp_url: Option<String>,
}

impl Default for MailConfig {
    fn default() -> Self {
        MailConfig { from: "roster@localhost".into(), smtp_url: None }
    }
}

/// The administrator created at start-up when the store has no user yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BootstrapConfig {
    /// Their user name.
    pub admin_user: String,
    /// Their password. `None` makes a random temporary one, shown once on stderr, that must
    /// be changed at the first login.
    pub admin_password: Option<Secret>,
}

impl Default for BootstrapConfig {
    fn default() -> Self {
        BootstrapConfig { admin_user: "admin".into(), admin_password: None }
    }
}

/// A value that must never reach a log or a terminal by accident, such as a password:
/// its `Debug` shows `<redacted>`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wrap `value`.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value itself, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

/// A secret read from a configuration file.
impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret)
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// A setting with a value the server cannot run with.
#[derive(Debug, thiserror::Error)]
#[error("invalid setting `{setting}`: {reason}")]
pub struct ConfigError {
    /// The setting's name, as in [`ServeConfig`].
    pub setting: &'static str,
    /// What is wrong with its value.
    pub reason: String,
}

impl ConfigError {
    pub(crate) fn new(setting: &'static str, reason: impl Into<String>) -> Self {
        ConfigError { setting, reason: reason.into() }
    }
}

const MIB: usize = 1024 * 1024;

/// Bounds on the settings. The pooling allocator reserves address space for every instance
/// up front, so `max_instances` is what bounds the server's virtual memory.
const MAX_INSTANCES: u32 = 4096;
const MIN_MEMORY_CAP: usize = MIB;
const MAX_MEMORY_CAP: usize = 4096 * MIB;
const MIN_STORE_CACHE: usize = MIB;
const MAX_STORE_CACHE: usize = 65536 * MIB;
const MAX_CLOCK_OFFSET_SECONDS: u64 = 10 * 366 * 86_400;
const MAX_DEADLINE: Duration = Duration::from_secs(600);

impl ServeConfig {
    /// The defaults: embedded component, 10 s per request, 64 MiB per instance, 256
    /// instances, 1 MiB bodies, OWASP's argon2id parameters, [`Rules::DEFAULT`], mail as
    /// files from `roster@localhost`, and a bootstrap administrator `admin` with a temporary
    /// password.
    pub fn new(listen: SocketAddr, data_dir: impl Into<PathBuf>) -> Self {
        ServeConfig {
            listen,
            data_dir: data_dir.into(),
            component: ComponentSource::Embedded,
            request_deadline: Duration::from_secs(10),
            memory_cap: 64 * MIB,
            max_instances: 256,
            store_cache: crate::storage::DEFAULT_CACHE_BYTES,
            max_body: MIB,
            argon2: Argon2Params::default(),
            rules: Rules::DEFAULT,
            mail: MailConfig::default(),
            bootstrap: BootstrapConfig::default(),
            clock_offset_seconds: 0,
            audit_retention_days: None,
        }
    }

    /// Check every setting; the error names the first bad one.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if let Some(days) = self.audit_retention_days
            && !(1..=36_500).contains(&days)
        {
            return Err(ConfigError::new("audit_retention_days", format!("{days} is not from 1 to 36500 days")));
        }
        if self.clock_offset_seconds.unsigned_abs() > MAX_CLOCK_OFFSET_SECONDS {
            return Err(ConfigError::new(
                "clock_offset_seconds",
                format!(
                    "{} is more than {MAX_CLOCK_OFFSET_SECONDS} seconds (ten years) away",
                    self.clock_offset_seconds
                ),
            ));
        }
        if self.data_dir.as_os_str().is_empty() {
            return Err(ConfigError::new("data_dir", "must not be empty"));
        }
        if let ComponentSource::File(path) = &self.component
            && path.as_os_str().is_empty()
        {
            return Err(ConfigError::new("component", "the path must not be empty"));
        }
        if self.request_deadline.is_zero() || self.request_deadline > MAX_DEADLINE {
            return Err(ConfigError::new(
                "request_deadline",
                format!("{:?} is not between 1 ms and {MAX_DEADLINE:?}", self.request_deadline),
            ));
        }
        if !(MIN_MEMORY_CAP..=MAX_MEMORY_CAP).contains(&self.memory_cap) {
            return Err(ConfigError::new(
                "memory_cap",
                format!("{} bytes is not between 1 MiB and 4 GiB", self.memory_cap),
            ));
        }
        if !(1..=MAX_INSTANCES).contains(&self.max_instances) {
            return Err(ConfigError::new(
                "max_instances",
                format!("{} is not between 1 and {MAX_INSTANCES}", self.max_instances),
            ));
        }
        if !(MIN_STORE_CACHE..=MAX_STORE_CACHE).contains(&self.store_cache) {
            return Err(ConfigError::new(
                "store_cache",
                format!("{} bytes is not between 1 MiB and 64 GiB", self.store_cache),
            ));
        }
        // The body is copied into the guest's memory, so it must fit well inside it.
        if self.max_body == 0 || self.max_body > self.memory_cap / 2 {
            return Err(ConfigError::new(
                "max_body",
                format!("{} bytes is not between 1 and half of memory_cap", self.max_body),
            ));
        }
        self.argon2.to_params().map_err(|e| ConfigError::new("argon2", e.to_string()))?;
        self.rules.validate()?;
        mail::parse_from(&self.mail.from).map_err(|reason| ConfigError::new("mail_from", reason))?;
        if let Some(url) = &self.mail.smtp_url {
            mail::smtp_transport(url).map_err(|reason| ConfigError::new("smtp_url", reason))?;
        }
        if self.bootstrap.admin_user.trim().is_empty() {
            return Err(ConfigError::new("bootstrap_admin_user", "must not be empty"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> ServeConfig {
        ServeConfig::new(([127, 0, 0, 1], 0).into(), "data")
    }

    #[test]
    fn defaults_are_valid() {
        config().validate().expect("defaults are valid");
    }

    #[test]
    fn zero_deadline_is_rejected_by_name() {
        let mut config = config();
        config.request_deadline = Duration::ZERO;
        let error = config.validate().expect_err("zero deadline");
        assert_eq!(error.setting, "request_deadline");
    }

    #[test]
    fn body_limit_larger_than_half_the_memory_cap_is_rejected_by_name() {
        let mut config = config();
        config.max_body = config.memory_cap;
        assert_eq!(config.validate().expect_err("body").setting, "max_body");
    }

    #[test]
    fn store_cache_outside_its_bounds_is_rejected_by_name() {
        let mut config = config();
        config.store_cache = 1024;
        assert_eq!(config.validate().expect_err("tiny cache").setting, "store_cache");
        config.store_cache = 128 * 1024 * MIB;
        assert_eq!(config.validate().expect_err("huge cache").setting, "store_cache");
    }

    #[test]
    fn too_many_instances_are_rejected_by_name() {
        let mut config = config();
        config.max_instances = 0;
        assert_eq!(config.validate().expect_err("instances").setting, "max_instances");
    }

    #[test]
    fn every_rule_out_of_range_is_rejected_by_name() {
        type BreakIt = fn(&mut Rules);
        let cases: [(&str, BreakIt); 13] = [
            ("password_min_length", |r| r.password_min_length = 7),
            ("password_min_length", |r| r.password_min_length = 65),
            ("token_ttl_seconds", |r| r.token_ttl_seconds = 59),
            ("token_ttl_seconds", |r| r.token_ttl_seconds = 30 * 86_400 + 1),
            ("lockout_threshold", |r| r.lockout_threshold = 0),
            ("lockout_threshold", |r| r.lockout_threshold = 1001),
            ("lockout_base_seconds", |r| r.lockout_base_seconds = 0),
            ("lockout_max_seconds", |r| r.lockout_max_seconds = 30 * 86_400 + 1),
            ("reset_token_ttl_seconds", |r| r.reset_token_ttl_seconds = 59),
            ("reset_token_ttl_seconds", |r| r.reset_token_ttl_seconds = 86_401),
            ("lockout_base_seconds", |r| r.lockout_base_seconds = 86_401),
            ("invitation_ttl_seconds", |r| r.invitation_ttl_seconds = 3599),
            ("invitation_ttl_seconds", |r| r.invitation_ttl_seconds = 30 * 86_400 + 1),
        ];
        for (setting, break_it) in cases {
            let mut config = config();
            break_it(&mut config.rules);
            let error = config.validate().expect_err(setting);
            assert_eq!(error.setting, setting, "{error}");
        }
    }

    #[test]
    fn rule_bounds_themselves_are_accepted() {
        let mut config = config();
        config.rules = Rules {
            password_min_length: 64,
            token_ttl_seconds: 60,
            lockout_threshold: 1000,
            lockout_base_seconds: 86_400,
            lockout_max_seconds: 86_400,
            reset_token_ttl_seconds: 60,
            invitation_ttl_seconds: 3600,
        };
        config.validate().expect("the bounds are valid");
        config.rules.password_min_length = 8;
        config.rules.token_ttl_seconds = 30 * 86_400;
        config.rules.invitation_ttl_seconds = 30 * 86_400;
        config.validate().expect("the bounds are valid");
    }

    #[test]
    fn lockout_max_shorter_than_lockout_base_is_rejected_by_name() {
        let mut config = config();
        config.rules.lockout_base_seconds = 600;
        config.rules.lockout_max_seconds = 599;
        let error = config.validate().expect_err("max below base");
        assert_eq!(error.setting, "lockout_max_seconds");
        assert!(error.to_string().contains("between 600 and"), "{error}");
    }

    #[test]
    fn mail_from_that_is_not_an_address_is_rejected_by_name() {
        let mut config = config();
        config.mail.from = "not an address".into();
        assert_eq!(config.validate().expect_err("from").setting, "mail_from");
    }

    #[test]
    fn mail_from_may_carry_a_display_name() {
        let mut config = config();
        config.mail.from = "Roster <roster@example.com>".into();
        config.validate().expect("a mailbox with a name is valid");
    }

    #[test]
    fn smtp_url_with_an_unknown_scheme_is_rejected_by_name() {
        let mut config = config();
        config.mail.smtp_url = Some("http://127.0.0.1:2525".into());
        assert_eq!(config.validate().expect_err("scheme").setting, "smtp_url");
        config.mail.smtp_url = Some("smtp://127.0.0.1:2525".into());
        config.validate().expect("plain smtp is valid");
    }

    #[test]
    fn empty_bootstrap_user_is_rejected_by_name() {
        let mut config = config();
        config.bootstrap.admin_user = " ".into();
        assert_eq!(config.validate().expect_err("user").setting, "bootstrap_admin_user");
    }

    #[test]
    fn secrets_are_redacted_in_debug_output() {
        let mut config = config();
        config.bootstrap.admin_password = Some(Secret::new("hunter2-hunter2"));
        let shown = format!("{config:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("<redacted>"), "{shown}");
    }

    #[test]
    fn invalid_argon2_parameters_are_rejected_by_name() {
        let mut config = config();
        config.argon2.iterations = 0;
        assert_eq!(config.validate().expect_err("argon2").setting, "argon2");
    }
}
