//! The command line: `roster [serve]`, whose flags also read `ROSTER_*` environment variables.

use std::io::{self, Write};
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use tracing_subscriber::EnvFilter;

use crate::config::{ComponentSource, ServeConfig};
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
  roster serve --component target/guest/wasm32-wasip2/release/roster_guest.wasm";

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
}

impl ServeArgs {
    fn into_config(self) -> ServeConfig {
        let mut config = ServeConfig::new(self.listen, self.data_dir);
        config.memory_cap = self.guest_memory_mib.saturating_mul(1024 * 1024);
        config.request_deadline = std::time::Duration::from_millis(self.request_deadline_ms);
        config.max_instances = self.max_instances;
        if let Some(path) = self.component {
            config.component = ComponentSource::File(path);
        }
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
    let server = Server::bind(args.into_config()).await.context("cannot start the server")?;
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
}
