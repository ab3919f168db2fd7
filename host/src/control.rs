//! The operator's control socket: `<data-dir>/control.sock`, a Unix socket only the server's
//! own user can use (mode 0600), through which `roster backup` asks the running server for a
//! consistent copy of the database (redb's lock keeps a second process out of the file).
//!
//! The protocol is one line each way: `backup <absolute path>` and `ok <entries>` or
//! `error <reason>`.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::Weak;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
use tokio::net::UnixListener;

use crate::runtime::Runtime;

/// The socket's file name in the data directory.
pub const SOCKET_FILE: &str = "control.sock";

/// Listen on `<data_dir>/control.sock` until the runtime is gone. A stale socket file from
/// an earlier run is replaced.
pub fn listen(data_dir: &Path, runtime: Weak<Runtime>) -> std::io::Result<tokio::task::JoinHandle<()>> {
    let path = data_dir.join(SOCKET_FILE);
    // Bound under another name and renamed once private, so that the socket is never
    // reachable at its real name with the default permissions.
    let staging = data_dir.join(format!("{SOCKET_FILE}.{}", std::process::id()));
    let _ = std::fs::remove_file(&staging);
    let listener = UnixListener::bind(&staging)?;
    std::fs::set_permissions(&staging, std::fs::Permissions::from_mode(0o600))?;
    std::fs::rename(&staging, &path)?;
    Ok(tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { continue };
            tokio::spawn(answer(stream, runtime.clone()));
        }
    }))
}

async fn answer(stream: tokio::net::UnixStream, runtime: Weak<Runtime>) {
    let (read, mut write) = stream.into_split();
    let mut line = String::new();
    if tokio::io::BufReader::new(read).read_line(&mut line).await.is_err() {
        return;
    }
    let reply = match line.trim_end().strip_prefix("backup ") {
        Some(path) if Path::new(path).is_absolute() => match runtime.upgrade() {
            Some(runtime) => {
                let storage = runtime.storage().clone();
                let to = PathBuf::from(path);
                let copy = storage.clone();
                match tokio::task::spawn_blocking(move || copy.copy_to(&to)).await {
                    // The copy may hold commits that were visible but not yet durable.
                    Ok(Ok(count)) => match storage.wait_durable(storage.horizon()).await {
                        Ok(()) => {
                            tracing::info!(path, entries = count, "backup written");
                            format!("ok {count}\n")
                        }
                        Err(error) => format!("error {error}\n"),
                    },
                    Ok(Err(error)) => format!("error {error}\n"),
                    Err(error) => format!("error the backup failed: {error}\n"),
                }
            }
            None => "error the server is shutting down\n".to_owned(),
        },
        _ => "error expected `backup <absolute path>`\n".to_owned(),
    };
    let _ = write.write_all(reply.as_bytes()).await;
}

/// Ask the server running on `data_dir` to back up to `to` (made absolute here): the number
/// of entries copied, or `None` when no server listens there.
pub fn request_backup(data_dir: &Path, to: &Path) -> anyhow::Result<Option<u64>> {
    let mut stream = match UnixStream::connect(data_dir.join(SOCKET_FILE)) {
        Ok(stream) => stream,
        Err(_) => return Ok(None),
    };
    let to = std::path::absolute(to)?;
    writeln!(stream, "backup {}", to.display())?;
    let mut reply = String::new();
    BufReader::new(stream).read_line(&mut reply)?;
    match reply.trim_end().split_once(' ') {
        Some(("ok", count)) => Ok(Some(count.parse()?)),
        Some(("error", reason)) => anyhow::bail!("the server could not back up: {reason}"),
        _ => anyhow::bail!("unexpected answer from the server's control socket: {reply:?}"),
    }
}
