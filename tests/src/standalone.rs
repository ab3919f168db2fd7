//! The runtimes the conformance suite runs in: the bundled `roster` server, and the
//! composed `roster-standalone.wasm` (Roster's component plugged with the store plug)
//! under `wasmtime serve` and under Node.js with jco. A missing tool or component fails
//! with how to get it; nothing is skipped.

use std::fmt;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::{ADMIN, ADMIN_PASSWORD, Server};

/// The `wasmtime-cli` version CI installs and the README names.
pub const WASMTIME_VERSION: &str = "48.0.8";
/// The `@bytecodealliance/jco` version CI installs and the README names.
pub const JCO_VERSION: &str = "1.35.0";
/// The `wasm-tools` version CI installs.
pub const WASM_TOOLS_VERSION: &str = "1.263.0";

/// Enough requests for any run to be served by the one instance, whose memory is the store.
pub const INSTANCE_REUSE_COUNT: &str = "1000000000";
/// How long `wasmtime serve` keeps an idle instance, and so its data: a year, in seconds.
pub const IDLE_INSTANCE_TIMEOUT: &str = "31536000s";

/// How long a runtime may take to compile the component and listen.
const START_TIMEOUT: Duration = Duration::from_secs(180);

/// A runtime that serves Roster's REST API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runtime {
    /// The bundled `roster` server: wasmtime embedded, redb, native argon2id.
    Roster,
    /// `roster-standalone.wasm` under `wasmtime serve`.
    WasmtimeServe,
    /// `roster-standalone.wasm` under Node.js, by `jco serve`.
    Jco,
}

impl fmt::Display for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Runtime::Roster => "roster serve",
            Runtime::WasmtimeServe => "wasmtime serve",
            Runtime::Jco => "jco serve (Node.js)",
        })
    }
}

impl Runtime {
    /// Start a server of this runtime whose bootstrap administrator is [`ADMIN`] with
    /// [`ADMIN_PASSWORD`].
    pub fn start(self) -> Server {
        match self {
            Runtime::Roster => Server::start(),
            Runtime::WasmtimeServe => start_wasmtime_serve(),
            Runtime::Jco => start_jco(),
        }
    }
}

/// The composed component: `ROSTER_STANDALONE_WASM`, else `roster-standalone.wasm` in the
/// target directory, where `.ci/run` composes it.
pub fn standalone_wasm() -> PathBuf {
    let path = match std::env::var_os("ROSTER_STANDALONE_WASM") {
        Some(path) => PathBuf::from(path),
        None => {
            let exe = std::env::current_exe().expect("the test binary knows its path");
            // target/<profile>/deps/<test> -> target/roster-standalone.wasm
            exe.ancestors().nth(3).expect("tests run from target/<profile>/deps").join("roster-standalone.wasm")
        }
    };
    assert!(
        path.exists(),
        "{} is missing: compose it (as .ci/run does) with\n\n    \
         cargo build --release --target wasm32-wasip2 -p roster-guest -p roster-plug\n    \
         wac compose plug/standalone.wac -d roster:guest=<target>/wasm32-wasip2/release/roster_guest.wasm \
         -d roster:plug=<target>/wasm32-wasip2/release/roster_plug.wasm -o {}\n\n\
         or point ROSTER_STANDALONE_WASM at a composed component",
        path.display(),
        path.display()
    );
    path
}

/// The `wasmtime` CLI: `WASMTIME`, else `wasmtime` on the PATH.
pub fn wasmtime() -> PathBuf {
    tool(
        "wasmtime",
        "WASMTIME",
        &format!(
            "cargo install wasmtime-cli@{WASMTIME_VERSION} --locked --no-default-features \
             --features run,serve,cranelift,component-model,component-model-async,wasi-http,parallel-compilation,pooling-allocator,cache,wat"
        ),
    )
}

/// The `wasm-tools` CLI: `WASM_TOOLS`, else `wasm-tools` on the PATH.
pub fn wasm_tools() -> PathBuf {
    tool(
        "wasm-tools",
        "WASM_TOOLS",
        &format!(
            "cargo install wasm-tools@{WASM_TOOLS_VERSION} --locked --no-default-features \
             --features component,validate,print,parse"
        ),
    )
}

/// The `jco` CLI: `JCO`, else `jco` on the PATH.
pub fn jco() -> PathBuf {
    tool("jco", "JCO", &format!("npm install --global @bytecodealliance/jco@{JCO_VERSION}"))
}

fn tool(name: &str, variable: &str, install: &str) -> PathBuf {
    if let Some(path) = std::env::var_os(variable) {
        return PathBuf::from(path);
    }
    let found = std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|dir| dir.join(name)).find(|path| path.is_file()));
    found.unwrap_or_else(|| {
        panic!(
            "`{name}` is not installed, so the conformance suite cannot run in it. Install it with\n\n    \
             {install}\n\n(.ci/run does), or set {variable} to its path"
        )
    })
}

/// `wasmtime serve` with one instance for every request, so that its memory, the plug's
/// store, lasts the whole run; the administrator comes from the environment through
/// `wasi:cli/environment` (`-S cli`).
fn start_wasmtime_serve() -> Server {
    let wasm = standalone_wasm();
    let mut command = Command::new(wasmtime());
    command
        .arg("serve")
        .args(["-S", "cli", "--addr", "127.0.0.1:0"])
        .args(["--env", "ROSTER_BOOTSTRAP_ADMIN_USER", "--env", "ROSTER_BOOTSTRAP_ADMIN_PASSWORD"])
        .args(["--max-instance-reuse-count", INSTANCE_REUSE_COUNT])
        .args(["--idle-instance-timeout", IDLE_INSTANCE_TIMEOUT])
        .args(["--max-concurrent-requests", "1"])
        .arg(&wasm);
    start(command, tempfile::tempdir().expect("a temp dir can be made"), |line| {
        let rest = line.strip_prefix("Serving HTTP on ")?;
        Some(rest.trim().trim_end_matches('/').to_owned())
    })
}

/// `jco serve`: the component transpiled to JavaScript and core wasm, run by Node.js with
/// one instance for every request; the administrator comes from Node's environment.
fn start_jco() -> Server {
    let wasm = standalone_wasm();
    let port = free_port();
    let temp = tempfile::tempdir().expect("a temp dir can be made");
    let mut command = Command::new(jco());
    command
        .arg("serve")
        .args(["--host", "127.0.0.1", "--port", &port.to_string()])
        // The transpiled JavaScript goes with the temp dir, however jco ends.
        .arg("--jco-dir")
        .arg(temp.path().join("jco"))
        .arg(&wasm);
    let base = format!("http://127.0.0.1:{port}");
    start(command, temp, move |line| line.starts_with("Server listening @").then(|| base.clone()))
}

/// A port nobody listens on now.
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a local port can be bound");
    listener.local_addr().expect("a bound socket has an address").port()
}

/// Run `command` with the administrator in its environment, in a process group of its own;
/// its stdout and stderr go to `server.log` in `temp`, and `listening` picks the base URL
/// out of the line that says it listens.
fn start(
    mut command: Command,
    temp: tempfile::TempDir,
    listening: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
) -> Server {
    let log_path = temp.path().join("server.log");
    let program = command.get_program().to_string_lossy().into_owned();
    let mut child: Child = command
        .env("ROSTER_BOOTSTRAP_ADMIN_USER", ADMIN)
        .env("ROSTER_BOOTSTRAP_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("{program} cannot be started: {e}"));
    let (tx, rx) = mpsc::channel();
    let listening = std::sync::Arc::new(listening);
    for stream in [
        Box::new(child.stdout.take().expect("stdout is piped")) as Box<dyn std::io::Read + Send>,
        Box::new(child.stderr.take().expect("stderr is piped")),
    ] {
        let (tx, listening, log_path) = (tx.clone(), listening.clone(), log_path.clone());
        std::thread::spawn(move || copy_lines(stream, &log_path, |line| listening(line).map(|base| tx.send(base))));
    }
    let base = match rx.recv_timeout(START_TIMEOUT) {
        Ok(base) => base,
        Err(_) => {
            let _ = Command::new("kill").args(["-KILL", "--", &format!("-{}", child.id())]).status();
            let status = child.wait();
            let log = std::fs::read_to_string(&log_path).unwrap_or_default();
            panic!("{program} did not start listening ({status:?}); its output:\n{log}");
        }
    };
    let data_dir = temp.path().to_owned();
    Server::attach(child, base, &data_dir, Some(temp), true)
}

/// Append each line of `stream` to the log at `path`, and hand it to `on_line`.
fn copy_lines<T>(stream: impl std::io::Read, path: &Path, on_line: impl Fn(&str) -> Option<T>) {
    let mut log = std::fs::OpenOptions::new().create(true).append(true).open(path).expect("the log can be opened");
    for line in BufReader::new(stream).lines().map_while(Result::ok) {
        let _ = writeln!(log, "{line}");
        on_line(&line);
    }
}
