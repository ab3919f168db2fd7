//! The command line: `roster [serve]`, whose flags also read `ROSTER_*` environment variables
//! and a configuration file (see [`crate::config_file`]), and the operator's commands
//! (`roster user|role|account …`), each in a module of its own under `cli/`.

mod accounts;
mod maintenance;
mod operator;
mod output;
mod roles;
mod status;
mod transfer;
mod users;

use std::io::{self, Write};
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::parser::ValueSource;
use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::bootstrap::{Bootstrapped, bootstrap_admin};
use crate::config::{ComponentSource, ConfigError, Rules, Secret, ServeConfig};
use crate::config_file::FileSettings;
use crate::logging::{self, LogFormat};
use crate::server::Server;

const ROOT_EXAMPLES: &str = "\
Examples:
  roster                                   serve on 127.0.0.1:8080 with data in ./data
  roster serve --listen 0.0.0.0:8080 --data-dir /var/lib/roster
  roster serve --config /etc/roster/roster.toml
  RUST_LOG=debug roster --log-format json  serve with debug logging, as JSON lines
  roster user list --data-dir /var/lib/roster  list users (the server stopped)
  roster export --to roster.jsonl          all data as JSON Lines (the server stopped)
  roster backup --to /backups/roster.redb  a consistent copy, also while serving
  roster check --repair                    verify and fix the indexes (the server stopped)";

const SERVE_EXAMPLES: &str = "\
Examples:
  roster serve --listen 127.0.0.1:0 --data-dir /tmp/roster
  ROSTER_LISTEN=0.0.0.0:8080 ROSTER_DATA_DIR=/var/lib/roster roster serve
  roster serve --component target/roster_guest.wasm
  roster serve --smtp-url smtp://127.0.0.1:2525 --mail-from 'Roster <roster@example.com>'
  ROSTER_BOOTSTRAP_ADMIN_PASSWORD='a long passphrase' roster serve";

/// Roster: users, roles and accounts, served by a WebAssembly component.
#[derive(Debug, Parser)]
#[command(
    name = "roster",
    version,
    args_conflicts_with_subcommands = true,
    after_help = ROOT_EXAMPLES
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// `roster` without a subcommand serves, with these flags.
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the REST API over HTTP (the default command).
    #[command(after_help = SERVE_EXAMPLES)]
    Serve(ServeArgs),
    /// Manage users in the data directory (the server stopped).
    #[command(subcommand)]
    User(users::UserCommand),
    /// Manage roles in the data directory (the server stopped).
    #[command(subcommand)]
    Role(roles::RoleCommand),
    /// Manage accounts in the data directory (the server stopped).
    #[command(subcommand)]
    Account(accounts::AccountCommand),
    /// Write the data directory as JSON Lines (the server stopped).
    Export(transfer::ExportArgs),
    /// Load JSON Lines into the data directory, in batches (the server stopped).
    Import(transfer::ImportArgs),
    /// Copy the store consistently, also while the server runs.
    Backup(maintenance::BackupArgs),
    /// Check that every index agrees with its records; --repair fixes them (server stopped).
    Check(maintenance::CheckArgs),
}

/// The flags of `roster serve`. Each also reads the environment variable `ROSTER_<NAME>`, and
/// each but `--config` the configuration file's key `<name>`; a flag wins over its variable,
/// which wins over the file.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Read settings from this TOML file: each key is a flag's name with `_` for `-`
    /// (`guest_memory_mib = 128`). Flags and environment variables win over it.
    #[arg(long, env = "ROSTER_CONFIG", value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// The address to listen on; port 0 picks a free port.
    #[arg(long, env = "ROSTER_LISTEN", default_value = "127.0.0.1:8080")]
    pub(crate) listen: SocketAddr,
    /// Where the database and the compilation cache live; created if missing.
    #[arg(long, env = "ROSTER_DATA_DIR", default_value = "./data")]
    pub(crate) data_dir: PathBuf,
    /// Run this component file instead of the one built into the binary.
    #[arg(long, env = "ROSTER_COMPONENT", value_name = "PATH")]
    pub(crate) component: Option<PathBuf>,
    /// The most linear memory one instance of the component may use, in MiB; a request
    /// that needs more fails alone with a 500.
    #[arg(long, env = "ROSTER_GUEST_MEMORY_MIB", default_value_t = 64, value_name = "MIB")]
    pub(crate) guest_memory_mib: usize,
    /// How long one request may run in the component, in milliseconds, before it is
    /// stopped with a 503.
    #[arg(long, env = "ROSTER_REQUEST_DEADLINE_MS", default_value_t = 10_000, value_name = "MS")]
    pub(crate) request_deadline_ms: u64,
    /// The most component instances alive at once; a request that finds none free within
    /// 100 ms gets a 503 with Retry-After.
    #[arg(long, env = "ROSTER_MAX_INSTANCES", default_value_t = 256)]
    pub(crate) max_instances: u32,
    /// The database's own page cache, in MiB (1 to 65536). Pages beyond it are read through
    /// the operating system's page cache, which the server's memory does not count.
    #[arg(long, env = "ROSTER_STORE_CACHE_MIB", default_value_t = 64, value_name = "MIB")]
    pub(crate) store_cache_mib: usize,
    /// How log lines on stderr look: human (text) or json (one object per line). `RUST_LOG`
    /// filters them (default info).
    #[arg(long, env = "ROSTER_LOG_FORMAT", value_enum, default_value_t = LogFormat::Human, value_name = "FORMAT")]
    pub(crate) log_format: LogFormat,

    /// The shortest password accepted, in characters: 8 to 64 (15 is recommended).
    #[arg(
        long,
        env = "ROSTER_PASSWORD_MIN_LENGTH",
        default_value_t = Rules::DEFAULT.password_min_length,
        value_name = "CHARS",
        help_heading = "Identity rules"
    )]
    pub(crate) password_min_length: u32,
    /// How long an access token lives, in seconds: 60 to 2592000 (30 days).
    #[arg(
        long,
        env = "ROSTER_TOKEN_TTL_SECONDS",
        default_value_t = Rules::DEFAULT.token_ttl_seconds,
        value_name = "SECONDS",
        help_heading = "Identity rules"
    )]
    pub(crate) token_ttl_seconds: u64,
    /// Failed logins in a row that lock a user: 1 to 1000.
    #[arg(
        long,
        env = "ROSTER_LOCKOUT_THRESHOLD",
        default_value_t = Rules::DEFAULT.lockout_threshold,
        value_name = "FAILURES",
        help_heading = "Identity rules"
    )]
    pub(crate) lockout_threshold: u32,
    /// How long the first lock lasts, in seconds (1 to 86400); each further failure doubles it.
    #[arg(
        long,
        env = "ROSTER_LOCKOUT_BASE_SECONDS",
        default_value_t = Rules::DEFAULT.lockout_base_seconds,
        value_name = "SECONDS",
        help_heading = "Identity rules"
    )]
    pub(crate) lockout_base_seconds: u64,
    /// The longest a lock lasts, in seconds: from --lockout-base-seconds to 2592000 (30 days).
    #[arg(
        long,
        env = "ROSTER_LOCKOUT_MAX_SECONDS",
        default_value_t = Rules::DEFAULT.lockout_max_seconds,
        value_name = "SECONDS",
        help_heading = "Identity rules"
    )]
    pub(crate) lockout_max_seconds: u64,
    /// How long a lost-password reset token lives, in seconds: 60 to 86400.
    #[arg(
        long,
        env = "ROSTER_RESET_TOKEN_TTL_SECONDS",
        default_value_t = Rules::DEFAULT.reset_token_ttl_seconds,
        value_name = "SECONDS",
        help_heading = "Identity rules"
    )]
    pub(crate) reset_token_ttl_seconds: u64,
    /// How long an invitation lives, in seconds: 3600 to 2592000 (30 days).
    #[arg(
        long,
        env = "ROSTER_INVITATION_TTL_SECONDS",
        default_value_t = Rules::DEFAULT.invitation_ttl_seconds,
        value_name = "SECONDS",
        help_heading = "Identity rules"
    )]
    pub(crate) invitation_ttl_seconds: u64,

    /// The From: of the mail Roster sends, optionally with a name: 'Roster <roster@example.com>'.
    #[arg(
        long,
        env = "ROSTER_MAIL_FROM",
        default_value = "roster@localhost",
        value_name = "MAILBOX",
        help_heading = "Mail"
    )]
    pub(crate) mail_from: String,
    /// Send mail to this SMTP server (plain smtp://HOST:PORT). Without it, each message is
    /// written to <DATA_DIR>/outbox/<ID>.eml, and IDs sort in the order mail was queued.
    #[arg(long, env = "ROSTER_SMTP_URL", value_name = "URL", help_heading = "Mail")]
    pub(crate) smtp_url: Option<String>,

    /// The user name of the administrator created when the store has no user yet.
    #[arg(
        long,
        env = "ROSTER_BOOTSTRAP_ADMIN_USER",
        default_value = "admin",
        value_name = "NAME",
        help_heading = "First administrator"
    )]
    pub(crate) bootstrap_admin_user: String,
    /// That administrator's password. Without it a random one is made, printed once on stderr,
    /// and must be changed at the first login. Prefer the environment variable: a flag shows
    /// in the process list.
    #[arg(
        long,
        env = "ROSTER_BOOTSTRAP_ADMIN_PASSWORD",
        value_name = "PASSWORD",
        hide_env_values = true,
        help_heading = "First administrator"
    )]
    pub(crate) bootstrap_admin_password: Option<Secret>,

    /// Run the component's wall clock this many seconds ahead (negative: behind), to see
    /// expiry without waiting. For tests and drills; leave it at 0 in production.
    #[arg(
        long,
        env = "ROSTER_CLOCK_OFFSET_SECONDS",
        default_value_t = 0,
        allow_negative_numbers = true,
        value_name = "SECONDS",
        help_heading = "Testing"
    )]
    pub(crate) clock_offset_seconds: i64,

    /// Keep audit records this many days (1 to 36500); older ones are removed in the
    /// background, a small batch at a time. Without it they are kept forever.
    #[arg(long, env = "ROSTER_AUDIT_RETENTION_DAYS", value_name = "DAYS", help_heading = "Audit log")]
    pub(crate) audit_retention_days: Option<u32>,
}

impl ServeArgs {
    fn into_config(self) -> ServeConfig {
        let mut config = ServeConfig::new(self.listen, self.data_dir);
        config.memory_cap = self.guest_memory_mib.saturating_mul(1024 * 1024);
        config.request_deadline = std::time::Duration::from_millis(self.request_deadline_ms);
        config.max_instances = self.max_instances;
        config.store_cache = self.store_cache_mib.saturating_mul(1024 * 1024);
        config.clock_offset_seconds = self.clock_offset_seconds;
        config.audit_retention_days = self.audit_retention_days;
        if let Some(path) = self.component {
            config.component = ComponentSource::File(path);
        }
        config.rules = Rules {
            password_min_length: self.password_min_length,
            token_ttl_seconds: self.token_ttl_seconds,
            lockout_threshold: self.lockout_threshold,
            lockout_base_seconds: self.lockout_base_seconds,
            lockout_max_seconds: self.lockout_max_seconds,
            reset_token_ttl_seconds: self.reset_token_ttl_seconds,
            invitation_ttl_seconds: self.invitation_ttl_seconds,
        };
        config.mail.from = self.mail_from;
        config.mail.smtp_url = self.smtp_url;
        config.bootstrap.admin_user = self.bootstrap_admin_user;
        config.bootstrap.admin_password = self.bootstrap_admin_password;
        config
    }
}

/// Parse the command line and run the command.
pub fn run() -> anyhow::Result<()> {
    let matches = Cli::command().get_matches();
    match Cli::from_arg_matches(&matches).unwrap_or_else(|error| error.exit()).command {
        Some(Command::User(command)) => return command.run(),
        Some(Command::Role(command)) => return command.run(),
        Some(Command::Account(command)) => return command.run(),
        Some(Command::Export(command)) => return command.run(),
        Some(Command::Import(command)) => return command.run(),
        Some(Command::Backup(command)) => return command.run(),
        Some(Command::Check(command)) => return command.run(),
        Some(Command::Serve(_)) | None => {}
    }
    let (args, matches) = serve_args(matches).unwrap_or_else(|error| error.exit());
    let settings = Settings::resolve(args, matches)?;
    let config = settings.config()?;
    logging::init(settings.args.log_format);
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the tokio runtime")?
        .block_on(serve(config))
}

/// The flags of `roster serve`, with or without the subcommand, and the matches they came from.
fn serve_args(matches: ArgMatches) -> Result<(ServeArgs, ArgMatches), clap::Error> {
    let cli = Cli::from_arg_matches(&matches)?;
    Ok(match cli.command {
        Some(Command::Serve(args)) => {
            (args, matches.subcommand_matches("serve").expect("clap parsed the serve subcommand").clone())
        }
        None => (cli.serve, matches),
        Some(_) => {
            return Err(clap::Error::raw(clap::error::ErrorKind::InvalidSubcommand, "not a serve command"));
        }
    })
}

/// The flags of `roster serve` with the configuration file layered under them, and what set
/// each, to name it when its value is bad.
#[derive(Debug)]
struct Settings {
    args: ServeArgs,
    matches: ArgMatches,
    /// The configuration file and the keys whose values came from it.
    file: Option<(PathBuf, Vec<&'static str>)>,
}

impl Settings {
    /// Layer the configuration file named by `args` (if any) under the flags and environment
    /// variables that `matches` say were given.
    fn resolve(mut args: ServeArgs, matches: ArgMatches) -> anyhow::Result<Settings> {
        let file = match args.config.clone() {
            Some(path) => {
                let from_file = FileSettings::load(&path)?.layer_under(&mut args, &matches);
                Some((path, from_file))
            }
            None => None,
        };
        Ok(Settings { args, matches, file })
    }

    /// The server's configuration, checked; a bad value is named by its flag's key and where
    /// it came from.
    fn config(&self) -> anyhow::Result<ServeConfig> {
        let config = self.args.clone().into_config();
        config.validate().map_err(|error| self.explain(error))?;
        Ok(config)
    }

    fn explain(&self, error: ConfigError) -> anyhow::Error {
        let key = match error.setting {
            "memory_cap" => "guest_memory_mib",
            "store_cache" => "store_cache_mib",
            "request_deadline" => "request_deadline_ms",
            setting => setting,
        };
        // Some settings (`max_body`, `argon2`) have no flag.
        let source = self.matches.try_contains_id(key).is_ok().then(|| self.matches.value_source(key)).flatten();
        let origin = match source {
            Some(ValueSource::CommandLine) => format!("--{}", key.replace('_', "-")),
            Some(ValueSource::EnvVariable) => format!("ROSTER_{}", key.to_uppercase()),
            _ => match &self.file {
                Some((path, from_file)) if from_file.contains(&key) => path.display().to_string(),
                _ => "the default".to_owned(),
            },
        };
        anyhow::anyhow!("invalid setting `{key}` (from {origin}): {}", error.reason)
    }
}

async fn serve(config: ServeConfig) -> anyhow::Result<()> {
    let (bootstrap, rules) = (config.bootstrap.clone(), config.rules);
    let (data_dir, audit_retention_days) = (config.data_dir.clone(), config.audit_retention_days);
    let server = Server::bind(config).await.context("cannot start the server")?;
    let admin = bootstrap_admin(&server.runtime(), &bootstrap, &rules)
        .await
        .context("cannot create the first administrator")?;
    if let Bootstrapped::CreatedWithTemporaryPassword(password) = admin {
        // The only place the generated password ever appears.
        eprintln!(
            "roster: created administrator {:?} with a temporary password: {}\n\
             roster: it must be changed at the first login",
            bootstrap.admin_user,
            password.expose()
        );
    }
    // Both hold the runtime weakly, so that shutting down still closes the database.
    let runtime = std::sync::Arc::downgrade(&server.runtime());
    let control = crate::control::listen(&data_dir, runtime.clone())
        .with_context(|| format!("cannot open the control socket in {}", data_dir.display()))?;
    let retention = audit_retention_days.map(|days| crate::retention::spawn(runtime, days));
    let addr = server.local_addr();
    tracing::info!(%addr, "listening on http://{addr}");
    // Tests and scripts read the real port from this exact line.
    let mut stdout = io::stdout().lock();
    writeln!(stdout, "roster listening on http://{addr}").context("cannot write to stdout")?;
    stdout.flush().context("cannot write to stdout")?;
    drop(stdout);
    let served = server.run().await.context("the server failed");
    control.abort();
    let _ = std::fs::remove_file(data_dir.join(crate::control::SOCKET_FILE));
    if let Some(retention) = retention {
        retention.abort();
    }
    served
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// `argv` as `roster` parses it, with `file` as its configuration file when given.
    fn settings(argv: &[&str], file: Option<&str>) -> anyhow::Result<Settings> {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("roster.toml");
        let mut argv: Vec<String> = argv.iter().map(|arg| (*arg).to_owned()).collect();
        if let Some(text) = file {
            std::fs::write(&path, text).expect("write the file");
            argv.extend(["--config".to_owned(), path.display().to_string()]);
        }
        let (args, matches) = serve_args(Cli::command().try_get_matches_from(argv)?)?;
        Settings::resolve(args, matches)
    }

    #[test]
    fn file_values_apply_where_no_flag_is_given() {
        let settings = settings(&["roster"], Some("guest_memory_mib = 128\nlog_format = \"json\"")).expect("valid");
        assert_eq!(settings.args.guest_memory_mib, 128);
        assert_eq!(settings.args.log_format, LogFormat::Json);
        assert_eq!(settings.config().expect("valid").memory_cap, 128 * 1024 * 1024);
    }

    #[test]
    fn store_cache_comes_from_the_file_or_the_flag_and_is_checked_by_name() {
        let from_file = settings(&["roster"], Some("store_cache_mib = 16")).expect("valid");
        assert_eq!(from_file.config().expect("valid").store_cache, 16 * 1024 * 1024);
        let from_flag = settings(&["roster", "serve", "--store-cache-mib", "8"], None).expect("valid");
        assert_eq!(from_flag.config().expect("valid").store_cache, 8 * 1024 * 1024);
        let none = settings(&["roster", "serve", "--store-cache-mib", "0"], None).expect("parses");
        let error = none.config().expect_err("no cache").to_string();
        assert!(error.starts_with("invalid setting `store_cache_mib` (from "), "{error}");
    }

    #[test]
    fn flag_wins_over_the_file() {
        let file = Some("guest_memory_mib = 128");
        let settings = settings(&["roster", "serve", "--guest-memory-mib", "32"], file).expect("valid");
        assert_eq!(settings.args.guest_memory_mib, 32);
    }

    #[test]
    fn flag_given_with_its_default_value_still_wins_over_the_file() {
        let settings = settings(&["roster", "--listen", "127.0.0.1:8080"], Some("listen = \"0.0.0.0:9000\""));
        assert_eq!(settings.expect("valid").args.listen, "127.0.0.1:8080".parse().expect("address"));
    }

    #[test]
    fn file_secret_becomes_the_bootstrap_password() {
        let settings =
            settings(&["roster"], Some("bootstrap_admin_password = \"quiet harbour lantern\"")).expect("valid");
        let config = settings.config().expect("valid");
        assert_eq!(config.bootstrap.admin_password, Some(Secret::new("quiet harbour lantern")));
    }

    #[test]
    fn bad_value_from_the_file_is_named_by_its_key_and_the_file() {
        let settings = settings(&["roster"], Some("guest_memory_mib = 0")).expect("parses");
        let error = settings.config().expect_err("0 MiB").to_string();
        assert!(error.starts_with("invalid setting `guest_memory_mib` (from "), "{error}");
        assert!(error.contains("roster.toml)"), "{error}");
    }

    #[test]
    fn bad_flag_is_named_by_its_flag() {
        let error =
            settings(&["roster", "--request-deadline-ms", "0"], None).expect("parses").config().expect_err("0 ms");
        assert!(
            error.to_string().starts_with("invalid setting `request_deadline_ms` (from --request-deadline-ms)"),
            "{error}"
        );
    }

    #[test]
    fn unknown_key_in_the_file_stops_start_up() {
        let error = settings(&["roster"], Some("listen_port = 8080")).expect_err("unknown key");
        assert!(error.to_string().contains("unknown setting `listen_port`"), "{error}");
    }

    #[test]
    fn missing_file_stops_start_up_naming_it() {
        let error = settings(&["roster", "--config", "/nonexistent/roster.toml"], None).expect_err("no file");
        assert!(error.to_string().contains("/nonexistent/roster.toml"), "{error}");
    }

    #[test]
    fn every_flag_but_config_is_a_file_key_and_every_file_key_a_flag() {
        let command = Cli::command();
        let mut flags: Vec<&str> = command
            .get_arguments()
            .map(|arg| arg.get_id().as_str())
            .filter(|id| !["config", "help", "version"].contains(id))
            .collect();
        let mut keys = FileSettings::KEYS.to_vec();
        flags.sort_unstable();
        keys.sort_unstable();
        assert_eq!(flags, keys);
    }

    #[test]
    fn command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn no_subcommand_means_serve_with_the_defaults() {
        let cli = Cli::try_parse_from(["roster"]).expect("parses");
        assert!(cli.command.is_none());
        assert_eq!(cli.serve.listen, "127.0.0.1:8080".parse().expect("address"));
        assert_eq!(cli.serve.data_dir, PathBuf::from("./data"));
    }

    #[test]
    fn serve_subcommand_takes_the_flags() {
        let cli = Cli::try_parse_from(["roster", "serve", "--listen", "127.0.0.1:0", "--component", "x.wasm"])
            .expect("parses");
        let Some(Command::Serve(args)) = cli.command else {
            panic!("expected serve");
        };
        let config = args.into_config();
        assert_eq!(config.listen.port(), 0);
        assert_eq!(config.component, ComponentSource::File("x.wasm".into()));
    }

    #[test]
    fn defaults_give_the_default_rules_mail_and_administrator() {
        let config = Cli::try_parse_from(["roster"]).expect("parses").serve.into_config();
        let defaults = ServeConfig::new(config.listen, &config.data_dir);
        assert_eq!(config.rules, Rules::DEFAULT);
        assert_eq!(config.mail, defaults.mail);
        assert_eq!(config.bootstrap, defaults.bootstrap);
        config.validate().expect("the defaults are valid");
    }

    #[test]
    fn rule_mail_and_administrator_flags_reach_the_configuration() {
        let cli = Cli::try_parse_from([
            "roster",
            "--password-min-length=15",
            "--token-ttl-seconds=600",
            "--lockout-threshold=5",
            "--lockout-base-seconds=30",
            "--lockout-max-seconds=900",
            "--reset-token-ttl-seconds=300",
            "--mail-from=Roster <roster@example.com>",
            "--smtp-url=smtp://127.0.0.1:2525",
            "--bootstrap-admin-user=root",
            "--bootstrap-admin-password=correct horse battery staple",
        ])
        .expect("parses");
        let config = cli.serve.into_config();
        let expected = Rules {
            password_min_length: 15,
            token_ttl_seconds: 600,
            lockout_threshold: 5,
            lockout_base_seconds: 30,
            lockout_max_seconds: 900,
            reset_token_ttl_seconds: 300,
            invitation_ttl_seconds: Rules::DEFAULT.invitation_ttl_seconds,
        };
        assert_eq!(config.rules, expected);
        assert_eq!(config.mail.from, "Roster <roster@example.com>");
        assert_eq!(config.mail.smtp_url.as_deref(), Some("smtp://127.0.0.1:2525"));
        assert_eq!(config.bootstrap.admin_user, "root");
        assert_eq!(config.bootstrap.admin_password, Some(Secret::new("correct horse battery staple")));
        config.validate().expect("valid");
    }
}
