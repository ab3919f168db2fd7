//! The processes under test: the real `roster` release binary, built by cargo and started on
//! 127.0.0.1 with a data dir, and a bare hyper endpoint that answers fixed bytes from memory.

use std::convert::Infallible;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bytes::Bytes;
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpListener;

use crate::load;

/// The bootstrap administrator on every benchmark server.
pub const ADMIN: &str = "admin";
/// Its password.
pub const ADMIN_PASSWORD: &str = "quartz lantern orbit 91";

/// Build the `roster` release binary with the cargo that runs us, and return its path (beside
/// this benchmark's own executable).
pub fn build_roster() -> anyhow::Result<PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    eprintln!("building roster (cargo build --release -p roster-host) ...");
    let status = Command::new(cargo)
        .args(["build", "--release", "-p", "roster-host", "--bin", "roster"])
        .status()
        .context("cannot run cargo")?;
    if !status.success() {
        bail!("cargo build of roster failed: {status}");
    }
    let exe = std::env::current_exe()?;
    let path = exe.parent().context("the benchmark has a directory")?.join("roster");
    if !path.exists() {
        bail!("{} is missing after the build", path.display());
    }
    Ok(path)
}

/// Whether this `roster` has the `import` subcommand.
pub fn has_import(bin: &Path) -> bool {
    Command::new(bin)
        .args(["import", "--help"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// A running `roster serve`, stopped (SIGTERM, then waited for) when dropped.
pub struct Roster {
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
}

impl Roster {
    /// Start `bin` on 127.0.0.1:0 with `data_dir`, wait until it is ready.
    pub async fn start(bin: &Path, data_dir: &Path) -> anyhow::Result<Roster> {
        let log = std::fs::File::create(data_dir.join("server.log")).context("cannot create the server log")?;
        let mut child = Command::new(bin)
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .env("RUST_LOG", "warn")
            .env("ROSTER_BOOTSTRAP_ADMIN_USER", ADMIN)
            .env("ROSTER_BOOTSTRAP_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .spawn()
            .context("cannot start roster")?;
        let addr = listening_address(&mut child, "roster listening on http://")?;
        let roster = Roster { child, addr };
        let deadline = Instant::now() + Duration::from_secs(120);
        while Instant::now() < deadline {
            if let Ok((StatusCode::OK, _)) = load::send(addr, load::request("GET", "/readyz", None, None)).await {
                return Ok(roster);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        bail!("roster never became ready")
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Peak resident memory of the server so far, in MiB (`VmHWM`).
    pub fn peak_rss_mib(&self) -> f64 {
        peak_rss_kib(self.pid()).map_or(f64::NAN, |kib| kib as f64 / 1024.0)
    }

    /// Log in; the access token.
    pub async fn login(&self, user_name: &str, password: &str) -> anyhow::Result<String> {
        let body = serde_json::to_vec(&json!({"userName": user_name, "password": password}))?;
        let (status, body) =
            load::send(self.addr, load::request("POST", "/api/v1/auth/login", None, Some(body))).await?;
        if status != StatusCode::OK {
            bail!("login of {user_name} failed: {status} {}", String::from_utf8_lossy(&body));
        }
        let reply: Value = serde_json::from_slice(&body)?;
        reply["accessToken"].as_str().map(str::to_owned).context("no accessToken in the login answer")
    }

    /// Stop the server and wait for it.
    pub fn stop(mut self) {
        self.terminate();
    }

    fn terminate(&mut self) {
        let _ = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Roster {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.terminate();
        }
    }
}

/// `VmHWM` of process `pid`, in KiB.
pub fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Read the child's stdout until it prints `prefix` followed by an address.
fn listening_address(child: &mut Child, prefix: &'static str) -> anyhow::Result<SocketAddr> {
    let stdout = child.stdout.take().context("stdout is piped")?;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(addr) = line.strip_prefix(prefix) {
                let _ = tx.send(addr.trim().to_owned());
            }
        }
    });
    let addr = rx.recv_timeout(Duration::from_secs(180)).context("the server did not report its address")?;
    addr.parse().with_context(|| format!("bad address {addr}"))
}

/// The bare endpoint, in a process of its own like roster: `roster-bench serve-bare FILE`.
pub struct Bare {
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
}

impl Bare {
    /// Start this executable as a bare endpoint answering the bytes in `body_file`.
    pub fn start(body_file: &Path) -> anyhow::Result<Bare> {
        let mut child = Command::new(std::env::current_exe()?)
            .arg("serve-bare")
            .arg(body_file)
            .stdout(Stdio::piped())
            .spawn()
            .context("cannot start the bare endpoint")?;
        let addr = listening_address(&mut child, "bare listening on ")?;
        Ok(Bare { child, addr })
    }
}

impl Drop for Bare {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Serve `body` as `application/json` to every request on 127.0.0.1:0, with hyper on a
/// two-worker tokio runtime, as roster's own HTTP front is configured on these machines.
pub fn serve_bare(body_file: &Path) -> anyhow::Result<()> {
    let body = Bytes::from(std::fs::read(body_file)?);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        println!("bare listening on {}", listener.local_addr()?);
        loop {
            let (stream, _) = listener.accept().await?;
            stream.set_nodelay(true)?;
            let body = body.clone();
            tokio::spawn(async move {
                let service = service_fn(move |_request| {
                    let body = body.clone();
                    async move {
                        Ok::<_, Infallible>(
                            Response::builder()
                                .header("content-type", "application/json")
                                .body(Full::new(body))
                                .expect("a valid response"),
                        )
                    }
                });
                let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
            });
        }
    })
}
