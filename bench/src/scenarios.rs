//! Issue 7's scenarios, each measured against its yardstick in the same run.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use hyper::StatusCode;
use serde_json::json;

use crate::Options;
use crate::argon::{self, Work};
use crate::data;
use crate::load::{self, Measured, Stop};
use crate::report::{Goal, Report, Row};
use crate::sandbox;
use crate::server::{self, ADMIN, ADMIN_PASSWORD, Bare, Roster};

/// One scenario of issue 7.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// 2: instantiate plus a trivial call.
    Sandbox,
    /// Raw argon2id on this machine (scenarios 4 and 5 time their own yardstick around them).
    Argon2,
    /// 6: import of the data set.
    Import,
    /// 1: read by id against a bare hyper endpoint.
    Read,
    /// 3: search and recap.
    Search,
    /// 4: writes without and with passwords.
    Writes,
    /// 5: logins, and reads while logins saturate the hash pool.
    Logins,
}

impl Scenario {
    /// Every scenario, in the order `all` runs them.
    pub const ALL: [Scenario; 7] = [
        Scenario::Sandbox,
        Scenario::Argon2,
        Scenario::Import,
        Scenario::Read,
        Scenario::Search,
        Scenario::Writes,
        Scenario::Logins,
    ];

    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Sandbox => "sandbox",
            Scenario::Argon2 => "argon2",
            Scenario::Import => "import",
            Scenario::Read => "read",
            Scenario::Search => "search",
            Scenario::Writes => "writes",
            Scenario::Logins => "logins",
        }
    }
}

/// The password of every user the benchmarks log in as.
const PASSWORD: &str = "Bench-passphrase-7f3k";

/// The read-by-id and search concurrency.
const READ_CONCURRENCY: usize = 16;
/// Issue 7's write concurrency.
const WRITE_CONCURRENCY: usize = 64;
/// Connections creating users with passwords, and logging in: enough to keep every hashing
/// slot busy with requests queued behind.
const HASH_CONCURRENCY: usize = 16;
/// Connections reading while logins saturate the hash pool.
const READS_BESIDE_LOGINS: usize = 4;
/// Users who log in, in turn.
const LOGIN_USERS: u64 = 32;

/// The data set and the server that holds it.
struct Loaded {
    roster: Roster,
    _dir: tempfile::TempDir,
    token: String,
    users: u64,
    ids: Arc<Vec<String>>,
}

/// A benchmark run: options, the binary, the data set once loaded, and the report.
pub struct Bench {
    options: Options,
    bin: PathBuf,
    cores: usize,
    loaded: Option<Loaded>,
    report: Report,
}

impl Bench {
    /// Build roster and prepare a run.
    pub fn new(options: Options) -> anyhow::Result<Bench> {
        let bin = match &options.roster {
            Some(bin) => bin.clone(),
            None => server::build_roster()?,
        };
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let names: Vec<&str> = options.scenarios.iter().map(|s| s.name()).collect();
        let report = Report {
            mode: format!(
                "{}, {cores} cores, scenarios: {}, server {}",
                if options.quick { "QUICK: smaller sizes, shorter runs" } else { "full" },
                names.join(" "),
                bin.display()
            ),
            ..Report::default()
        };
        Ok(Bench { options, bin, cores, loaded: None, report })
    }

    fn duration(&self) -> Duration {
        Duration::from_secs(if self.options.quick { 4 } else { 20 })
    }

    /// Run every scenario asked for.
    pub async fn run(&mut self) -> anyhow::Result<()> {
        for scenario in self.options.scenarios.clone() {
            eprintln!("== {}", scenario.name());
            match scenario {
                Scenario::Sandbox => self.sandbox().await?,
                Scenario::Argon2 => self.argon2().await,
                Scenario::Import => {
                    self.loaded().await?;
                }
                Scenario::Read => self.read().await?,
                Scenario::Search => self.search().await?,
                Scenario::Writes => self.writes().await?,
                Scenario::Logins => self.logins().await?,
            }
        }
        if let Some(loaded) = &self.loaded {
            let rss = loaded.roster.peak_rss_mib();
            let users = loaded.users;
            self.report.ratio(
                format!("server peak RSS MiB through the scenarios run, {users} users (7)"),
                rss,
                Goal::AtMost,
                200.0,
            );
        }
        Ok(())
    }

    /// Print the table and write the JSON.
    pub fn finish(self) -> anyhow::Result<()> {
        println!("\n{}", self.report.table());
        self.report.write_json(&self.options.json)?;
        println!("JSON: {}", self.options.json.display());
        Ok(())
    }

    async fn sandbox(&mut self) -> anyhow::Result<()> {
        let duration = self.duration() / 2;
        let timings = sandbox::measure(duration).await?;
        let row = |name: &str, us: &[u64]| {
            let measured = Measured {
                ok: us.len() as u64,
                errors: 0,
                first_error: None,
                elapsed: duration,
                latencies_us: us.to_vec(),
            };
            Row::from_load(name, 1, &measured, f64::NAN)
        };
        self.report.row(row(
            "sandbox: fresh Store + instance from InstancePre (pooling), in process",
            &timings.instantiate_us,
        ));
        self.report.row(row(
            "sandbox: fresh instance + users.validate of no users (the trivial export), in process",
            &timings.trivial_call_us,
        ));
        self.report.row(row(
            "sandbox: fresh instance + users.get, anonymous (one read transaction), in process",
            &timings.read_call_us,
        ));
        self.report.ratio(
            "instantiate + trivial call p50, µs (2)",
            load::quantile_ms(&timings.trivial_call_us, 0.5) * 1000.0,
            Goal::AtMost,
            20.0,
        );
        self.report.ratio("instantiate alone p50, µs (2)", timings.instantiate_p50_ms() * 1000.0, Goal::AtMost, 20.0);
        self.report.ratio(
            format!(
                "hot path (validate + encode {} users) wasm / native: {:.0} vs {:.0} ns per user (2)",
                timings.batch(),
                timings.wasm_ns_per_user,
                timings.native_ns_per_user
            ),
            timings.wasm_ns_per_user / timings.native_ns_per_user,
            Goal::AtMost,
            2.0,
        );
        Ok(())
    }

    /// Raw argon2id `work` per second on one bench thread per core, for a quarter of a
    /// scenario's duration, with the server idle: the yardstick of a password scenario, timed
    /// just before it and just after, so that both sides of the ratio see the same machine.
    async fn yardstick(&self, work: Work) -> f64 {
        let (threads, duration) = (self.cores, self.duration() / 4);
        tokio::task::spawn_blocking(move || argon::rate(work, threads, duration))
            .await
            .expect("the argon2 threads do not panic")
    }

    async fn argon2(&mut self) {
        let duration = self.duration() / 2;
        let threads = self.cores;
        for work in [Work::Hash, Work::Verify] {
            let started = Instant::now();
            let rate = tokio::task::spawn_blocking(move || argon::rate(work, threads, duration))
                .await
                .expect("the argon2 threads do not panic");
            let name = match work {
                Work::Hash => "raw argon2id hashes (m=19456 KiB, t=2, p=1), one thread per core, in the bench process",
                Work::Verify => "raw argon2id verifications, one thread per core, in the bench process",
            };
            self.report.row(Row {
                scenario: name.into(),
                duration_s: started.elapsed().as_secs_f64(),
                concurrency: threads,
                throughput: rate,
                p50_ms: f64::NAN,
                p99_ms: f64::NAN,
                p999_ms: f64::NAN,
                server_peak_rss_mib: f64::NAN,
                errors: 0,
            });
        }
    }

    /// The server with the data set, loaded on first use.
    async fn loaded(&mut self) -> anyhow::Result<&Loaded> {
        if self.loaded.is_none() {
            let loaded = self.load().await?;
            self.loaded = Some(loaded);
        }
        Ok(self.loaded.as_ref().expect("loaded above"))
    }

    async fn load(&mut self) -> anyhow::Result<Loaded> {
        let quick = self.options.quick;
        let dir = tempfile::Builder::new().prefix("roster-bench-").tempdir()?;
        let data_dir = dir.path().join("data");
        std::fs::create_dir_all(&data_dir)?;
        // The first start creates the administrator, which the import file does not hold.
        let mut roster = Roster::start(&self.bin, &data_dir).await?;
        let users;
        if server::has_import(&self.bin) {
            users = self.options.users.unwrap_or(if quick { 20_000 } else { 1_000_000 });
            roster.stop();
            let file = dir.path().join("users.jsonl");
            let hash = argon::hash(PASSWORD);
            eprintln!("writing {users} users to {}", file.display());
            tokio::task::spawn_blocking({
                let file = file.clone();
                move || data::write_import_file(&file, users, &hash)
            })
            .await??;
            eprintln!("importing ...");
            let started = Instant::now();
            let mut child = std::process::Command::new(&self.bin)
                .arg("import")
                .arg("--data-dir")
                .arg(&data_dir)
                .arg(&file)
                .stdout(std::process::Stdio::null())
                .spawn()?;
            let pid = child.id();
            let status = tokio::task::spawn_blocking(move || child.wait()).await??;
            let seconds = started.elapsed().as_secs_f64();
            anyhow::ensure!(status.success(), "roster import failed: {status}");
            let rss = server::peak_rss_kib(pid).map_or(f64::NAN, |kib| kib as f64 / 1024.0);
            self.report.row(Row {
                scenario: format!("import {users} users with pre-hashed passwords (roster import, JSON Lines)"),
                duration_s: seconds,
                concurrency: 1,
                throughput: users as f64 / seconds,
                p50_ms: f64::NAN,
                p99_ms: f64::NAN,
                p999_ms: f64::NAN,
                server_peak_rss_mib: rss,
                errors: 0,
            });
            let per_million = seconds * 1_000_000.0 / users as f64;
            let scaled = if users == 1_000_000 { "" } else { ", scaled linearly from this size" };
            self.report.ratio(format!("import of 1M users, s (6){scaled}"), per_million, Goal::AtMost, 60.0);
            std::fs::remove_file(&file)?;
            roster = Roster::start(&self.bin, &data_dir).await?;
        } else {
            users = self.options.users.unwrap_or(if quick { 3_000 } else { 20_000 });
            let token = roster.login(ADMIN, ADMIN_PASSWORD).await?;
            eprintln!("loading {users} users over HTTP (roster import is not available) ...");
            let started = Instant::now();
            let seconds = data::load_over_http(roster.addr, &token, users, WRITE_CONCURRENCY).await?;
            self.report.row(Row {
                scenario: format!("load {users} users over HTTP, no passwords: import not available"),
                duration_s: seconds,
                concurrency: WRITE_CONCURRENCY,
                throughput: users as f64 / started.elapsed().as_secs_f64(),
                p50_ms: f64::NAN,
                p99_ms: f64::NAN,
                p999_ms: f64::NAN,
                server_peak_rss_mib: roster.peak_rss_mib(),
                errors: 0,
            });
            self.report.note(format!(
                "data loaded over HTTP (`roster import` not in this binary): {users} users instead of 1,000,000; \
                 import (6) not measured"
            ));
        }
        let token = roster.login(ADMIN, ADMIN_PASSWORD).await?;
        let ids = data::user_ids(roster.addr, &token, users.min(20_000) as usize).await?;
        anyhow::ensure!(!ids.is_empty(), "the data set has no users");
        Ok(Loaded { roster, _dir: dir, token, users, ids: Arc::new(ids) })
    }

    async fn read(&mut self) -> anyhow::Result<()> {
        let duration = self.duration();
        let loaded = self.loaded().await?;
        let (addr, token, ids, users) = (loaded.roster.addr, loaded.token.clone(), loaded.ids.clone(), loaded.users);
        let path = format!("/api/v1/users/{}", ids[0]);
        let (status, body) = load::send(addr, load::request("GET", &path, Some(&token), None)).await?;
        anyhow::ensure!(status == StatusCode::OK, "reading a user: {status}");
        let body_file = tempfile::NamedTempFile::new()?;
        std::fs::write(body_file.path(), &body)?;
        let bare = Bare::start(body_file.path())?;

        let make_read = read_requests(token, ids);
        let roster_run =
            load::run(addr, READ_CONCURRENCY, Stop::After(duration), StatusCode::OK, make_read.clone()).await;
        let rss = self.loaded.as_ref().expect("loaded").roster.peak_rss_mib();
        let bare_run = load::run(bare.addr, READ_CONCURRENCY, Stop::After(duration), StatusCode::OK, make_read).await;
        drop(bare);
        self.report.row(Row::from_load(
            format!("read by id: GET /api/v1/users/{{id}}, bearer token, {users} users"),
            READ_CONCURRENCY,
            &roster_run,
            rss,
        ));
        self.report.row(Row::from_load(
            format!("bare hyper endpoint, the same {} bytes from memory", body.len()),
            READ_CONCURRENCY,
            &bare_run,
            f64::NAN,
        ));
        self.report.ratio(
            "read by id throughput / bare hyper (1)",
            roster_run.throughput() / bare_run.throughput(),
            Goal::AtLeast,
            0.5,
        );
        Ok(())
    }

    async fn search(&mut self) -> anyhow::Result<()> {
        let duration = self.duration() / 2;
        let loaded = self.loaded().await?;
        let (addr, token, users) = (loaded.roster.addr, loaded.token.clone(), loaded.users);
        let first = format!("/api/v1/users?status=active&email={}*&sort=email&limit=50", data::SEARCH_PREFIX);
        let matches = data::search_matches(users);
        let page = (matches / 50).clamp(1, 1000);
        let mut cursor = String::new();
        for _ in 1..page {
            let path = if cursor.is_empty() { first.clone() } else { format!("{first}&cursor={cursor}") };
            let (status, body) = load::send(addr, load::request("GET", &path, Some(&token), None)).await?;
            anyhow::ensure!(status == StatusCode::OK, "paging: {status} {}", String::from_utf8_lossy(&body));
            let reply: serde_json::Value = serde_json::from_slice(&body)?;
            cursor = reply["nextCursor"].as_str().context("a next cursor while paging")?.to_owned();
        }
        let paged = if cursor.is_empty() { first.clone() } else { format!("{first}&cursor={cursor}") };

        let fixed = |path: String, token: String| -> load::MakeRequest {
            Arc::new(move |_| load::request("GET", &path, Some(&token), None))
        };
        let first_run = load::run(addr, 1, Stop::After(duration), StatusCode::OK, fixed(first, token.clone())).await;
        let paged_run = load::run(addr, 1, Stop::After(duration), StatusCode::OK, fixed(paged, token.clone())).await;
        let recap = "/api/v1/users/recap?target=status".to_owned();
        let recap_run = load::run(addr, 1, Stop::Count(3), StatusCode::OK, fixed(recap, token)).await;
        let rss = self.loaded.as_ref().expect("loaded").roster.peak_rss_mib();
        let of = format!("{users} users, {matches} match");
        self.report.row(Row::from_load(
            format!("search first page: status=active, email={}*, sort=email, 50 ({of})", data::SEARCH_PREFIX),
            1,
            &first_run,
            rss,
        ));
        self.report.row(Row::from_load(format!("search page {page} by cursor ({of})"), 1, &paged_run, rss));
        self.report.row(Row::from_load(format!("recap by status over {users} users"), 1, &recap_run, rss));
        let full = if users >= 1_000_000 { "" } else { ", NOT at 1M users" };
        self.report.ratio(
            format!("search first page p99, ms (3){full}"),
            first_run.quantile_ms(0.99),
            Goal::AtMost,
            10.0,
        );
        self.report.ratio(
            format!("search page {page} by cursor p99 / first page p99 (3){full}"),
            paged_run.quantile_ms(0.99) / first_run.quantile_ms(0.99),
            Goal::AtMost,
            2.0,
        );
        self.report.ratio(
            format!("recap by status, slowest of 3, ms (3){full}"),
            recap_run.quantile_ms(1.0),
            Goal::AtMost,
            1000.0,
        );
        Ok(())
    }

    async fn writes(&mut self) -> anyhow::Result<()> {
        let duration = self.duration();
        let loaded = self.loaded().await?;
        let (addr, token) = (loaded.roster.addr, Arc::<str>::from(loaded.token.as_str()));
        let stamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_millis();

        let plain: load::MakeRequest = {
            let token = token.clone();
            Arc::new(move |n| {
                let name = format!("w{stamp}x{n}");
                let body = json!({"userName": name, "email": format!("{name}@example.org"), "firstName": "W"});
                load::request("POST", "/api/v1/users", Some(&token), Some(body.to_string().into_bytes()))
            })
        };
        let plain_run = load::run(addr, WRITE_CONCURRENCY, Stop::After(duration), StatusCode::CREATED, plain).await;
        let rss = self.loaded.as_ref().expect("loaded").roster.peak_rss_mib();
        self.report.row(Row::from_load("create user, no password, durable commit", WRITE_CONCURRENCY, &plain_run, rss));
        self.report.ratio(
            "creates/s without password at concurrency 64 (4)",
            plain_run.throughput(),
            Goal::AtLeast,
            2000.0,
        );

        let hashed: load::MakeRequest = Arc::new(move |n| {
            let name = format!("p{stamp}x{n}");
            let body = json!({"userName": name, "email": format!("{name}@example.org"), "password": PASSWORD});
            load::request("POST", "/api/v1/users", Some(&token), Some(body.to_string().into_bytes()))
        });
        let before = self.yardstick(Work::Hash).await;
        let hashed_run = load::run(addr, HASH_CONCURRENCY, Stop::After(duration), StatusCode::CREATED, hashed).await;
        let hash_rate = (before + self.yardstick(Work::Hash).await) / 2.0;
        let rss = self.loaded.as_ref().expect("loaded").roster.peak_rss_mib();
        self.report.row(Row::from_load("create user with password (argon2id)", HASH_CONCURRENCY, &hashed_run, rss));
        self.report.ratio(
            format!("creates/s with password / raw argon2id hashes/s timed around it, {hash_rate:.1}/s (4)"),
            hashed_run.throughput() / hash_rate,
            Goal::AtLeast,
            0.9,
        );
        Ok(())
    }

    async fn logins(&mut self) -> anyhow::Result<()> {
        let duration = self.duration();
        let loaded = self.loaded().await?;
        let (addr, token, ids) = (loaded.roster.addr, loaded.token.clone(), loaded.ids.clone());
        let stamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_millis();
        let name = Arc::new(move |k: u64| format!("l{stamp}x{k}"));
        let create: load::MakeRequest = {
            let (name, token) = (name.clone(), token.clone());
            Arc::new(move |k| {
                let name = name(k);
                let body = json!({"userName": name, "email": format!("{name}@example.org"), "password": PASSWORD});
                load::request("POST", "/api/v1/users", Some(&token), Some(body.to_string().into_bytes()))
            })
        };
        let created = load::run(addr, 4, Stop::Count(LOGIN_USERS), StatusCode::CREATED, create).await;
        anyhow::ensure!(created.errors == 0, "creating login users: {:?}", created.first_error);
        let login: load::MakeRequest = Arc::new(move |n| {
            let body = json!({"userName": name(n % LOGIN_USERS), "password": PASSWORD});
            load::request("POST", "/api/v1/auth/login", None, Some(body.to_string().into_bytes()))
        });

        let before = self.yardstick(Work::Verify).await;
        let login_run = load::run(addr, HASH_CONCURRENCY, Stop::After(duration), StatusCode::OK, login.clone()).await;
        let verify_rate = (before + self.yardstick(Work::Verify).await) / 2.0;
        let rss = self.loaded.as_ref().expect("loaded").roster.peak_rss_mib();
        self.report.row(Row::from_load("login (argon2id verify + token)", HASH_CONCURRENCY, &login_run, rss));
        self.report.ratio(
            format!("logins/s / raw argon2id verifications/s timed around it, {verify_rate:.1}/s (5)"),
            login_run.throughput() / verify_rate,
            Goal::AtLeast,
            0.9,
        );

        let (logins, reads) = tokio::join!(
            load::run(addr, HASH_CONCURRENCY, Stop::After(duration), StatusCode::OK, login),
            load::run(addr, READS_BESIDE_LOGINS, Stop::After(duration), StatusCode::OK, read_requests(token, ids)),
        );
        let rss = self.loaded.as_ref().expect("loaded").roster.peak_rss_mib();
        self.report.row(Row::from_load("login, while reads run beside", HASH_CONCURRENCY, &logins, rss));
        self.report.row(Row::from_load(
            "read by id while logins saturate the hash pool",
            READS_BESIDE_LOGINS,
            &reads,
            rss,
        ));
        self.report.ratio("read by id p99 while logins saturate, ms (5)", reads.quantile_ms(0.99), Goal::AtMost, 20.0);
        Ok(())
    }
}

/// `GET /api/v1/users/{id}` over `ids` in turn.
fn read_requests(token: String, ids: Arc<Vec<String>>) -> load::MakeRequest {
    Arc::new(move |n| {
        let id = &ids[(n % ids.len() as u64) as usize];
        load::request("GET", &format!("/api/v1/users/{id}"), Some(&token), None)
    })
}
