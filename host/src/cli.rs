//! The command line: `roster [serve]`, whose flags also read `ROSTER_*` environment variables.

use std::io::{self, Write};
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use tracing_subscriber::EnvFilter;

use crate::bootstrap::{Bootstrapped, bootstrap_admin};
use crate::config::{ComponentSource, Rules, Secret, ServeConfig};
use crate::server::Server;

const ROOT_EXAMPLES: &str = "\
Examples:
  roster                                   serve on 127.0.0.1:8080 with data in ./data
  roster serve --listen 0.0.0.0:8080 --data-dir /var/lib/roster
  RUST_LOG=debug roster                    serve with debug logging";

const SERVE_EXAMPLES: &str = "\
Examples:
  roster serve --listen 127.0.0.1:0 --data-dir /tmp/roster
  ROSTER_LISTEN=0.0.0.0:8080 ROSTER_DATA_DIR=/var/lib/roster roster serve
  roster serve --component target/guest/wasm32-wasip2/release/roster_guest.wasm
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
}

/// The flags of `roster serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The address to listen on; port 0 picks a free port.
    #[arg(long, env = "ROSTER_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Where the database and the compilation cache live; created if missing.
    #[arg(long, env = "ROSTER_DATA_DIR", default_value = "./data")]
    data_dir: PathBuf,
    /// Run this component file instead of the one built into the binary.
    #[arg(long, env = "ROSTER_COMPONENT", value_name = "PATH")]
    component: Option<PathBuf>,
    /// The most linear memory one instance of the component may use, in MiB; a request
    /// that needs more fails alone with a 500.
    #[arg(long, env = "ROSTER_GUEST_MEMORY_MIB", default_value_t = 64, value_name = "MIB")]
    guest_memory_mib: usize,
    /// How long one request may run in the component, in milliseconds, before it is
    /// stopped with a 503.
    #[arg(long, env = "ROSTER_REQUEST_DEADLINE_MS", default_value_t = 10_000, value_name = "MS")]
    request_deadline_ms: u64,
    /// The most component instances alive at once; further requests wait for a free one.
    #[arg(long, env = "ROSTER_MAX_INSTANCES", default_value_t = 256)]
    max_instances: u32,

    /// The shortest password accepted, in characters: 8 to 64 (15 is recommended).
    #[arg(
        long,
        env = "ROSTER_PASSWORD_MIN_LENGTH",
        default_value_t = Rules::DEFAULT.password_min_length,
        value_name = "CHARS",
        help_heading = "Identity rules"
    )]
    password_min_length: u32,
    /// How long an access token lives, in seconds: 60 to 2592000 (30 days).
    #[arg(
        long,
        env = "ROSTER_TOKEN_TTL_SECONDS",
        default_value_t = Rules::DEFAULT.token_ttl_seconds,
        value_name = "SECONDS",
        help_heading = "Identity rules"
    )]
    token_ttl_seconds: u64,
    /// Failed logins in a row that lock a user: 1 to 1000.
    #[arg(
        long,
        env = "ROSTER_LOCKOUT_THRESHOLD",
        default_value_t = Rules::DEFAULT.lockout_threshold,
        value_name = "FAILURES",
        help_heading = "Identity rules"
    )]
    lockout_threshold: u32,
    /// How long the first lock lasts, in seconds (1 to 86400); each further failure doubles it.
    #[arg(
        long,
        env = "ROSTER_LOCKOUT_BASE_SECONDS",
        default_value_t = Rules::DEFAULT.lockout_base_seconds,
        value_name = "SECONDS",
        help_heading = "Identity rules"
    )]
    lockout_base_seconds: u64,
    /// The longest a lock lasts, in seconds: from --lockout-base-seconds to 2592000 (30 days).
    #[arg(
        long,
        env = "ROSTER_LOCKOUT_MAX_SECONDS",
        default_value_t = Rules::DEFAULT.lockout_max_seconds,
        value_name = "SECONDS",
        help_heading = "Identity rules"
    )]
    lockout_max_seconds: u64,
    /// How long a lost-password reset token lives, in seconds: 60 to 86400.
    #[arg(
        long,
        env = "ROSTER_RESET_TOKEN_TTL_SECONDS",
        default_value_t = Rules::DEFAULT.reset_token_ttl_seconds,
        value_name = "SECONDS",
        help_heading = "Identity rules"
    )]
    reset_token_ttl_seconds: u64,

    /// The From: of the mail Roster sends, optionally with a name: 'Roster <roster@example.com>'.
    #[arg(
        long,
        env = "ROSTER_MAIL_FROM",
        default_value = "roster@localhost",
        value_name = "MAILBOX",
        help_heading = "Mail"
    )]
    mail_from: String,
    /// Send mail to this SMTP server (plain smtp://HOST:PORT). Without it, each message is
    /// written to <DATA_DIR>/outbox/<ID>.eml, and IDs sort in the order mail was queued.
    #[arg(long, env = "ROSTER_SMTP_URL", value_name = "URL", help_heading = "Mail")]
    smtp_url: Option<String>,

    /// The user name of the administrator created when the store has no user yet.
    #[arg(
        long,
        env = "ROSTER_BOOTSTRAP_ADMIN_USER",
        default_value = "admin",
        value_name = "NAME",
        help_heading = "First administrator"
    )]
    bootstrap_admin_user: String,
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
    bootstrap_admin_password: Option<Secret>,

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
    clock_offset_seconds: i64,
}

impl ServeArgs {
    fn into_config(self) -> ServeConfig {
        let mut config = ServeConfig::new(self.listen, self.data_dir);
        config.memory_cap = self.guest_memory_mib.saturating_mul(1024 * 1024);
        config.request_deadline = std::time::Duration::from_millis(self.request_deadline_ms);
        config.max_instances = self.max_instances;
        config.clock_offset_seconds = self.clock_offset_seconds;
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
    let cli = Cli::parse();
    init_tracing();
    let args = match cli.command {
        Some(Command::Serve(args)) => args,
        None => cli.serve,
    };
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the tokio runtime")?
        .block_on(serve(args))
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let config = args.into_config();
    let (bootstrap, rules) = (config.bootstrap.clone(), config.rules);
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
    let addr = server.local_addr();
    tracing::info!(%addr, "listening on http://{addr}");
    // Tests and scripts read the real port from this exact line.
    let mut stdout = io::stdout().lock();
    writeln!(stdout, "roster listening on http://{addr}").context("cannot write to stdout")?;
    stdout.flush().context("cannot write to stdout")?;
    drop(stdout);
    server.run().await.context("the server failed")?;
    Ok(())
}

/// Logs go to stderr, filtered by `RUST_LOG` (default `info`).
fn init_tracing() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(io::stderr).init();
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

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
        };
        assert_eq!(config.rules, expected);
        assert_eq!(config.mail.from, "Roster <roster@example.com>");
        assert_eq!(config.mail.smtp_url.as_deref(), Some("smtp://127.0.0.1:2525"));
        assert_eq!(config.bootstrap.admin_user, "root");
        assert_eq!(config.bootstrap.admin_password, Some(Secret::new("correct horse battery staple")));
        config.validate().expect("valid");
    }
}
