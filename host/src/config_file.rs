//! The configuration file (`--config FILE`): TOML with the settings of `roster serve`'s flags,
//! layered under the command line and the environment.
//!
//! Each key is a flag's name without its dashes, with `_` for `-` (`guest_memory_mib = 128`
//! for `--guest-memory-mib 128`), at the top level of the file. A value in the file applies
//! only when neither the flag nor its environment variable is given: flag, then environment,
//! then file, then default. A key the server does not know, or a value of the wrong type,
//! stops start-up naming the key.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use clap::ArgMatches;
use clap::parser::ValueSource;

use crate::cli::ServeArgs;
use crate::config::Secret;
use crate::logging::LogFormat;

/// Why a configuration file cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigFileError {
    /// The file could not be read.
    #[error("cannot read the configuration file {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not TOML.
    #[error("the configuration file {path} is not valid TOML at line {line}: {message}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// Where the parser stopped, from 1.
        line: usize,
        /// The parser's message. It never quotes the line, which may hold a password.
        message: String,
    },
    /// The file holds a key that is no setting.
    #[error("unknown setting `{key}` in {path}; the settings are {known}")]
    UnknownKey {
        /// The file.
        path: PathBuf,
        /// The key.
        key: String,
        /// Every key the file may hold.
        known: String,
    },
    /// A value has the wrong type or form for its setting.
    #[error("invalid setting `{key}` in {path}: {reason}")]
    InvalidValue {
        /// The file.
        path: PathBuf,
        /// The key.
        key: String,
        /// What is wrong with the value.
        reason: String,
    },
}

/// Declares [`FileSettings`] from the list of keys and their types, which are the types of the
/// fields of [`ServeArgs`] of the same names, so that the two cannot drift apart.
macro_rules! file_settings {
    ($($key:ident: $ty:ty,)*) => {
        /// The settings one configuration file holds; `None` for each key it leaves out.
        #[derive(Debug, Default)]
        pub struct FileSettings {
            $(
                #[allow(missing_docs, reason = "each is documented by its flag")]
                pub $key: Option<$ty>,
            )*
        }

        impl FileSettings {
            /// Every key a configuration file may hold.
            pub const KEYS: &[&str] = &[$(stringify!($key)),*];

            fn set(&mut self, key: &str, value: toml::Value) -> Result<(), SetError> {
                match key {
                    $(stringify!($key) => {
                        self.$key = Some(value.try_into().map_err(|e: toml::de::Error| {
                            SetError::Invalid(e.message().to_owned())
                        })?);
                    })*
                    _ => return Err(SetError::Unknown),
                }
                Ok(())
            }

            /// Give each field of `args` that the file holds the file's value, unless
            /// `matches` say the command line or the environment set it. Returns the keys
            /// whose values came from the file.
            pub(crate) fn layer_under(self, args: &mut ServeArgs, matches: &ArgMatches) -> Vec<&'static str> {
                let mut applied = Vec::new();
                $(
                    if let Some(value) = self.$key
                        && !given_by_user(matches, stringify!($key))
                    {
                        args.$key = value;
                        applied.push(stringify!($key));
                    }
                )*
                applied
            }
        }
    };
}

file_settings! {
    listen: SocketAddr,
    data_dir: PathBuf,
    component: Option<PathBuf>,
    guest_memory_mib: usize,
    request_deadline_ms: u64,
    max_instances: u32,
    store_cache_mib: usize,
    log_format: LogFormat,
    password_min_length: u32,
    token_ttl_seconds: u64,
    lockout_threshold: u32,
    lockout_base_seconds: u64,
    lockout_max_seconds: u64,
    reset_token_ttl_seconds: u64,
    invitation_ttl_seconds: u64,
    mail_from: String,
    smtp_url: Option<String>,
    bootstrap_admin_user: String,
    bootstrap_admin_password: Option<Secret>,
    clock_offset_seconds: i64,
    audit_retention_days: Option<u32>,
}

/// The keys whose values are never shown, not even in an error.
const SECRET_KEYS: &[&str] = &["bootstrap_admin_password"];

enum SetError {
    Unknown,
    Invalid(String),
}

/// Whether the setting `id` came from the command line or the environment.
fn given_by_user(matches: &ArgMatches, id: &str) -> bool {
    matches!(matches.value_source(id), Some(ValueSource::CommandLine | ValueSource::EnvVariable))
}

impl FileSettings {
    /// Read and check the configuration file at `path`.
    pub fn load(path: &Path) -> Result<FileSettings, ConfigFileError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| ConfigFileError::Read { path: path.to_owned(), source })?;
        FileSettings::parse(&text, path)
    }

    /// Check the TOML `text` of the file at `path`.
    pub fn parse(text: &str, path: &Path) -> Result<FileSettings, ConfigFileError> {
        let table: toml::Table = toml::from_str(text).map_err(|e| {
            let offset = e.span().map_or(0, |span| span.start);
            let line = text.get(..offset).map_or(1, |before| before.matches('\n').count() + 1);
            ConfigFileError::Syntax { path: path.to_owned(), line, message: e.message().trim().to_owned() }
        })?;
        let mut settings = FileSettings::default();
        for (key, value) in table {
            match settings.set(&key, value) {
                Ok(()) => {}
                Err(SetError::Unknown) => {
                    let known = FileSettings::KEYS.join(", ");
                    return Err(ConfigFileError::UnknownKey { path: path.to_owned(), key, known });
                }
                Err(SetError::Invalid(reason)) => {
                    // Type errors quote the value, which for a secret must not be shown.
                    let reason = if SECRET_KEYS.contains(&key.as_str()) { "must be a string".into() } else { reason };
                    return Err(ConfigFileError::InvalidValue { path: path.to_owned(), key, reason });
                }
            }
        }
        Ok(settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<FileSettings, ConfigFileError> {
        FileSettings::parse(text, Path::new("roster.toml"))
    }

    #[test]
    fn every_setting_can_be_given() {
        let settings = parse(
            r#"
            listen = "0.0.0.0:8080"
            data_dir = "/var/lib/roster"
            component = "roster.wasm"
            guest_memory_mib = 128
            request_deadline_ms = 5000
            max_instances = 64
            log_format = "json"
            password_min_length = 15
            token_ttl_seconds = 600
            lockout_threshold = 5
            lockout_base_seconds = 30
            lockout_max_seconds = 900
            reset_token_ttl_seconds = 300
            invitation_ttl_seconds = 86400
            mail_from = "Roster <roster@example.com>"
            smtp_url = "smtp://127.0.0.1:2525"
            bootstrap_admin_user = "root"
            bootstrap_admin_password = "correct horse battery staple"
            clock_offset_seconds = -60
            "#,
        )
        .expect("valid");
        assert_eq!(settings.listen, Some("0.0.0.0:8080".parse().expect("address")));
        assert_eq!(settings.component, Some(Some(PathBuf::from("roster.wasm"))));
        assert_eq!(settings.guest_memory_mib, Some(128));
        assert_eq!(settings.log_format, Some(LogFormat::Json));
        assert_eq!(settings.bootstrap_admin_password, Some(Some(Secret::new("correct horse battery staple"))));
        assert_eq!(settings.clock_offset_seconds, Some(-60));
    }

    #[test]
    fn unknown_key_is_rejected_by_name_with_the_known_ones() {
        let error = parse("listen = \"127.0.0.1:1\"\nguest_memory = 128\n").expect_err("unknown key");
        let text = error.to_string();
        assert!(matches!(&error, ConfigFileError::UnknownKey { key, .. } if key == "guest_memory"), "{text}");
        assert!(text.contains("roster.toml") && text.contains("guest_memory_mib"), "{text}");
    }

    #[test]
    fn the_config_file_cannot_name_another_config_file() {
        let error = parse("config = \"other.toml\"").expect_err("unknown key");
        assert!(matches!(error, ConfigFileError::UnknownKey { key, .. } if key == "config"));
    }

    #[test]
    fn value_of_the_wrong_type_is_rejected_by_name() {
        let error = parse("guest_memory_mib = \"lots\"").expect_err("a string for a number");
        let text = error.to_string();
        assert!(matches!(&error, ConfigFileError::InvalidValue { key, .. } if key == "guest_memory_mib"), "{text}");
        assert!(text.contains("invalid setting `guest_memory_mib` in roster.toml: "), "{text}");
    }

    #[test]
    fn bad_values_are_rejected_by_name() {
        for (text, key) in [
            ("listen = \"not an address\"", "listen"),
            ("max_instances = -1", "max_instances"),
            ("log_format = \"xml\"", "log_format"),
            ("[mail]\nsmtp_url = \"smtp://x\"", "mail"),
        ] {
            let error = parse(text).expect_err(text);
            assert!(error.to_string().contains(&format!("`{key}`")), "{error}");
        }
    }

    #[test]
    fn toml_syntax_error_names_its_line_without_quoting_it() {
        let error =
            parse("listen = \"127.0.0.1:1\"\nbootstrap_admin_password = hunter2-hunter2\n").expect_err("unquoted");
        let text = error.to_string();
        assert!(matches!(&error, ConfigFileError::Syntax { line: 2, .. }), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
    }

    #[test]
    fn a_password_of_the_wrong_type_is_rejected_by_name_without_quoting_it() {
        let error = parse("bootstrap_admin_password = 123456789").expect_err("a number for a password");
        let text = error.to_string();
        assert!(text.contains("bootstrap_admin_password") && !text.contains("123456789"), "{text}");
    }
}
