//! How the operator commands reach the data: the data directory opened directly (the server
//! stopped), the component's typed exports called as the local operator, and the
//! component's errors turned into messages for people.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;

use crate::bindings::roster::iam::types::{Credentials, Error, RequestContext};
use crate::config::ServeConfig;
use crate::runtime::{CallError, Runtime, RuntimeError};
use crate::storage::StorageError;

/// The name the command line goes by in the audit log: `operator:cli`.
pub const OPERATOR: &str = "cli";

/// Where the data is and how to print it; every operator command takes these.
#[derive(Debug, Clone, Args)]
pub struct Target {
    /// The server's data directory. The server must be stopped: it holds a lock on the
    /// database while it runs.
    #[arg(long, env = "ROSTER_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
    /// Print JSON (one document) instead of a table, for scripts.
    #[arg(long)]
    pub json: bool,
}

/// The request context of an operator command: the local operator, under a fresh
/// correlation id that the audit records carry.
pub fn context() -> RequestContext {
    RequestContext {
        credentials: Some(Credentials::Operator(OPERATOR.to_owned())),
        account: None,
        correlation_id: format!("cli-{}", uuid::Uuid::new_v4()),
    }
}

/// Open the data directory and run `work` against its component on a small tokio runtime.
pub fn with_runtime<T>(data_dir: &Path, work: impl AsyncFnOnce(&Runtime) -> anyhow::Result<T>) -> anyhow::Result<T> {
    let runtime = open(data_dir)?;
    let result = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the tokio runtime")?
        .block_on(work(&runtime));
    runtime.close().context("cannot close the database")?;
    result
}

/// Open `data_dir` for the operator, naming it (and the running server) when it is in use.
pub fn open(data_dir: &Path) -> anyhow::Result<Runtime> {
    if !data_dir.is_dir() {
        bail!("no data directory at {} (give --data-dir or ROSTER_DATA_DIR)", data_dir.display());
    }
    let config = ServeConfig::new(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), data_dir);
    Runtime::open(&config).map_err(|error| match error {
        RuntimeError::Storage(StorageError::InUse { .. }) => anyhow::anyhow!(
            "the data directory {} is in use: a running roster server holds its database lock; \
             stop the server first (or use the HTTP API)",
            data_dir.display()
        ),
        other => anyhow::Error::new(other).context(format!("cannot open the data directory {}", data_dir.display())),
    })
}

/// The component's answer, or a message naming what went wrong.
pub fn answer<T>(outcome: Result<Result<T, Error>, CallError>) -> anyhow::Result<T> {
    match outcome.context("the component failed")? {
        Ok(value) => Ok(value),
        Err(error) => Err(anyhow::anyhow!(describe(&error))),
    }
}

/// One line for people per field that broke a rule, or the error's meaning.
pub fn describe(error: &Error) -> String {
    let fields = |list: &[crate::bindings::roster::iam::types::FieldError]| {
        list.iter().map(|f| format!("{}: {} ({})", f.field, f.message, f.code)).collect::<Vec<_>>().join("; ")
    };
    match error {
        Error::Invalid(list) => format!("invalid input: {}", fields(list)),
        Error::Duplicate(list) => format!("already taken: {}", fields(list)),
        Error::NotFound => "not found".to_owned(),
        Error::StaleVersion(current) => format!("stale version: the record is at version {current}"),
        Error::Unauthenticated => "not authenticated".to_owned(),
        Error::Forbidden(permission) => format!("forbidden: needs {permission}"),
        Error::PasswordChangeRequired => "the password must be changed first".to_owned(),
        Error::Unavailable => "the store is unavailable".to_owned(),
    }
}
