//! Helpers for Roster's end-to-end tests: start the real `roster` binary on `127.0.0.1:0`
//! with a temp data dir, speak HTTP to it, and stop it in `Drop`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{OnceLock, mpsc};
use std::time::{Duration, Instant};

use serde_json::Value;

pub mod openapi;

/// The bootstrap administrator's user name on every test server.
pub const ADMIN: &str = "admin";
/// The bootstrap administrator's password on every test server.
pub const ADMIN_PASSWORD: &str = "correct horse battery staple";

/// The `roster` binary under test: `ROSTER_BIN`, else the one cargo built beside the tests.
pub fn roster_bin() -> PathBuf {
    if let Some(path) = std::env::var_os("ROSTER_BIN") {
        return PathBuf::from(path);
    }
    let exe = std::env::current_exe().expect("the test binary knows its path");
    // target/<profile>/deps/<test> -> target/<profile>/roster
    let path = exe.parent().and_then(Path::parent).expect("tests run from target/<profile>/deps").join("roster");
    assert!(
        path.exists(),
        "{} is missing: run `cargo test --workspace` or `cargo build -p roster-host`",
        path.display()
    );
    path
}

/// A running `roster serve`, killed when dropped.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The data directory (kept until the last holder of the temp dir drops it).
    pub data_dir: PathBuf,
    _temp: Option<tempfile::TempDir>,
    agent: ureq::Agent,
    admin_token: OnceLock<String>,
}

impl Server {
    /// Start a server on a fresh temp data dir.
    pub fn start() -> Server {
        Self::start_with(&[])
    }

    /// Start a server on a fresh temp data dir with extra command-line arguments.
    pub fn start_with(args: &[&str]) -> Server {
        let temp = tempfile::tempdir().expect("a temp dir can be made");
        let mut server = Self::start_in(temp.path(), args);
        server._temp = Some(temp);
        server
    }

    /// Start a server on `data_dir`, which the caller keeps.
    pub fn start_in(data_dir: &Path, args: &[&str]) -> Server {
        // The server's log, as JSON lines, beside its data: tests read it back.
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(data_dir.join("server.log"))
            .expect("the log file can be created");
        let mut child = Command::new(roster_bin())
            .arg("serve")
            .arg("--listen")
            .arg("127.0.0.1:0")
            .arg("--data-dir")
            .arg(data_dir)
            .args(args)
            .env("RUST_LOG", "info")
            .env("ROSTER_LOG_FORMAT", "json")
            .env("ROSTER_BOOTSTRAP_ADMIN_USER", ADMIN)
            .env("ROSTER_BOOTSTRAP_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .spawn()
            .expect("the roster binary starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(base) = line.strip_prefix("roster listening on ") {
                    let _ = tx.send(base.trim().to_owned());
                }
            }
        });
        let base = match rx.recv_timeout(Duration::from_secs(120)) {
            Ok(base) => base,
            Err(_) => {
                let _ = child.kill();
                panic!("roster did not report its address: {:?}", child.wait());
            }
        };
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .new_agent();
        let server =
            Server { child, base, data_dir: data_dir.to_owned(), _temp: None, agent, admin_token: OnceLock::new() };
        server.wait_ready();
        server
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(120);
        while Instant::now() < deadline {
            if self.request("GET", "/readyz", &[], None).status == 200 {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("roster at {} never became ready", self.base);
    }

    /// Log in as `user_name`; the access token.
    pub fn login(&self, user_name: &str, password: &str) -> String {
        let reply = self.request(
            "POST",
            "/api/v1/auth/login",
            &[],
            Some(&serde_json::json!({"userName": user_name, "password": password})),
        );
        assert_eq!(reply.status, 200, "login of {user_name} failed: {}", String::from_utf8_lossy(&reply.body));
        reply.json()["accessToken"].as_str().expect("a token").to_owned()
    }

    /// Create user `name` (email `<name>@example.com`) with `password`, as the
    /// administrator; its id.
    pub fn create_user(&self, name: &str, password: &str) -> String {
        let body = serde_json::json!({"userName": name, "email": format!("{name}@example.com"), "password": password});
        let reply = self.post("/api/v1/users", &body);
        assert_eq!(reply.status, 201, "creating {name}: {}", String::from_utf8_lossy(&reply.body));
        reply.json()["id"].as_str().expect("an id").to_owned()
    }

    /// The bootstrap administrator's token, logged in once.
    pub fn admin_token(&self) -> &str {
        self.admin_token.get_or_init(|| self.login(ADMIN, ADMIN_PASSWORD))
    }

    /// Send a request with `token` as its bearer, an optional JSON body and extra headers.
    pub fn request_as(
        &self,
        token: &str,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Reply {
        let bearer = format!("Bearer {token}");
        let mut all = vec![("authorization", bearer.as_str())];
        all.extend_from_slice(headers);
        self.request(method, path, &all, body)
    }

    /// Send a request, without credentials unless `headers` carry them.
    pub fn request(&self, method: &str, path: &str, headers: &[(&str, &str)], body: Option<&Value>) -> Reply {
        match body {
            Some(json) => {
                let mut all = vec![("content-type", "application/json")];
                all.extend_from_slice(headers);
                self.request_raw(method, path, &all, &serde_json::to_vec(json).expect("JSON serializes"))
            }
            None => self.request_raw(method, path, headers, &[]),
        }
    }

    /// Send a request with exactly these headers and body bytes.
    pub fn request_raw(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
        let uri = format!("{}{}", self.base, path);
        let mut builder = ureq::http::Request::builder().method(method).uri(uri);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let request = builder.body(body.to_vec()).expect("a valid request");
        let mut response = self.agent.run(request).expect("the server answers");
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap_or_default().to_owned()))
            .collect();
        let body = response.body_mut().read_to_vec().expect("the body can be read");
        let reply = Reply { status, headers, body };
        openapi::check_reply(method, path, status, reply.header("content-type"), &reply.body);
        reply
    }

    /// `GET path` as the administrator.
    pub fn get(&self, path: &str) -> Reply {
        self.request_as(self.admin_token(), "GET", path, &[], None)
    }

    /// `POST path` with a JSON body, as the administrator.
    pub fn post(&self, path: &str, body: &Value) -> Reply {
        self.request_as(self.admin_token(), "POST", path, &[], Some(body))
    }

    /// `PATCH path` with a JSON body, as the administrator.
    pub fn patch(&self, path: &str, body: &Value) -> Reply {
        self.request_as(self.admin_token(), "PATCH", path, &[], Some(body))
    }

    /// `DELETE path`, as the administrator.
    pub fn delete(&self, path: &str) -> Reply {
        self.request_as(self.admin_token(), "DELETE", path, &[], None)
    }

    /// Everything the server has logged so far (JSON lines).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.data_dir.join("server.log")).unwrap_or_default()
    }

    /// The server's log once `needle` appears in it (or after 10 s, as it is then).
    pub fn log_with(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let log = self.log();
            if log.contains(needle) || Instant::now() > deadline {
                return log;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The outbox once it holds at least `count` messages (or after 30 s, as it is then).
    pub fn wait_for_mail(&self, count: usize) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let mail = self.outbox();
            if mail.len() >= count || Instant::now() > deadline {
                return mail;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The mail the server has written to `<data-dir>/outbox/`, oldest first.
    pub fn outbox(&self) -> Vec<String> {
        let Ok(dir) = std::fs::read_dir(self.data_dir.join("outbox")) else { return Vec::new() };
        let mut files: Vec<PathBuf> = dir
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        files.sort();
        files.iter().map(|p| std::fs::read_to_string(p).expect("mail is text")).collect()
    }

    /// Send SIGKILL, as `kill -9` does, and wait for the process to go.
    pub fn kill9(&mut self) {
        self.child.kill().expect("the server can be killed");
        self.child.wait().expect("the killed server is reaped");
    }

    /// Send SIGTERM and wait for a clean exit; the exit status.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let status = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status().expect("kill runs");
        assert!(status.success());
        self.child.wait().expect("the server exits")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP response.
#[derive(Debug)]
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// Headers, names lower case.
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl Reply {
    /// The body as JSON; panics with the body text when it is not.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    /// The first value of header `name`.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// Whether `text` is a UUID in its hyphenated form.
pub fn is_uuid(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.iter().map(|p| p.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
        && parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The token a mail carries: the one line that is 43 characters of base64url.
pub fn token_in(mail: &str) -> String {
    let is_token =
        |line: &&str| line.len() == 43 && line.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    mail.lines().map(str::trim).find(is_token).expect("the mail carries a token").to_owned()
}
