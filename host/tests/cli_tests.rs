//! The `roster` binary's command line, run as a user runs it. (Having an integration test
//! here also makes `cargo test` build the binary that `tests/` starts.)

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};

fn roster(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_roster")).args(args).output().expect("roster runs")
}

/// Start `roster serve` on `data_dir` and port 0 with `env`, wait until it listens (or
/// exits), stop it, and return whether it started and what it wrote to stderr.
fn serve_once(data_dir: &Path, env: &[(&str, &str)]) -> (bool, String) {
    serve_while(data_dir, &[], env, |_| {})
}

/// [`serve_once`] with extra `args`, calling `use_it` with the base URL (`http://…`) while the
/// server runs.
fn serve_while(data_dir: &Path, args: &[&str], env: &[(&str, &str)], use_it: impl FnOnce(&str)) -> (bool, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_roster"));
    command
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
        .args(args)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child: Child = command.spawn().expect("roster starts");
    // Drained on a thread of its own: a full stderr pipe would stop the server.
    let mut stderr = child.stderr.take().expect("piped");
    let stderr = std::thread::spawn(move || {
        let mut text = String::new();
        stderr.read_to_string(&mut text).expect("stderr is text");
        text
    });
    let stdout = BufReader::new(child.stdout.take().expect("piped"));
    // Ends at the listening line, or at EOF when start-up failed.
    let base = stdout
        .lines()
        .map_while(Result::ok)
        .find_map(|line| line.strip_prefix("roster listening on ").map(str::to_owned));
    let started = base.is_some();
    if let Some(base) = base {
        use_it(&base);
    }
    let _ = child.kill();
    child.wait().expect("roster exits");
    (started, stderr.join().expect("the stderr reader ends with the process"))
}

const TEMPORARY: &str = "with a temporary password: ";

#[test]
fn help_lists_serve_and_shows_an_example() {
    let output = roster(&["--help"]);
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("serve"), "{text}");
    assert!(text.contains("Examples:"), "{text}");
}

#[test]
fn serve_help_names_every_flag_with_its_environment_variable() {
    let output = roster(&["serve", "--help"]);
    let text = String::from_utf8_lossy(&output.stdout);
    for flag in [
        "--config",
        "--listen",
        "--data-dir",
        "--component",
        "--guest-memory-mib",
        "--request-deadline-ms",
        "--max-instances",
        "--log-format",
        "--password-min-length",
        "--token-ttl-seconds",
        "--lockout-threshold",
        "--lockout-base-seconds",
        "--lockout-max-seconds",
        "--reset-token-ttl-seconds",
        "--invitation-ttl-seconds",
        "--mail-from",
        "--smtp-url",
        "--bootstrap-admin-user",
        "--bootstrap-admin-password",
    ] {
        assert!(text.contains(flag), "{flag} missing from:\n{text}");
        let env = format!("ROSTER_{}", flag.trim_start_matches("--").replace('-', "_").to_uppercase());
        assert!(text.contains(&env), "{env} missing from:\n{text}");
    }
}

#[test]
fn help_never_shows_the_bootstrap_password_from_the_environment() {
    let output = Command::new(env!("CARGO_BIN_EXE_roster"))
        .args(["serve", "--help"])
        .env("ROSTER_BOOTSTRAP_ADMIN_PASSWORD", "visible-in-help-42")
        .output()
        .expect("roster runs");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(!text.contains("visible-in-help-42"), "{text}");
}

#[test]
fn a_rule_out_of_range_stops_start_up_naming_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().to_str().expect("utf-8 path");
    let output = roster(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--data-dir",
        data,
        "--lockout-base-seconds",
        "600",
        "--lockout-max-seconds",
        "60",
    ]);
    assert!(!output.status.success());
    let text = String::from_utf8_lossy(&output.stderr);
    assert!(text.contains("lockout_max_seconds"), "{text}");
}

#[test]
fn first_start_prints_a_generated_temporary_password_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (started, stderr) = serve_once(dir.path(), &[]);
    assert!(started, "{stderr}");
    let line =
        stderr.lines().find(|line| line.contains(TEMPORARY)).unwrap_or_else(|| panic!("no password in:\n{stderr}"));
    assert!(line.starts_with("roster: created administrator \"admin\" "), "{line}");
    let password = line.split(TEMPORARY).nth(1).expect("the password follows");
    assert!(password.len() >= 20 && password.bytes().all(|b| b.is_ascii_alphanumeric()), "{password:?}");
    assert!(stderr.contains("must be changed at the first login"), "{stderr}");

    let (started, stderr) = serve_once(dir.path(), &[]);
    assert!(started, "{stderr}");
    assert!(!stderr.contains(TEMPORARY), "a second start printed a password:\n{stderr}");
}

#[test]
fn a_given_bootstrap_password_is_never_printed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let password = "quiet harbour lantern 7";
    let (started, stderr) = serve_once(
        dir.path(),
        &[
            ("ROSTER_BOOTSTRAP_ADMIN_USER", "root"),
            ("ROSTER_BOOTSTRAP_ADMIN_PASSWORD", password),
            ("RUST_LOG", "debug"),
        ],
    );
    assert!(started, "{stderr}");
    assert!(!stderr.contains(password) && !stderr.contains(TEMPORARY), "{stderr}");
}

#[test]
fn a_bootstrap_password_against_the_policy_stops_start_up_with_the_reason() {
    let dir = tempfile::tempdir().expect("temp dir");
    let password = "short-7";
    let (started, stderr) = serve_once(dir.path(), &[("ROSTER_BOOTSTRAP_ADMIN_PASSWORD", password)]);
    assert!(!started, "{stderr}");
    assert!(stderr.contains("cannot create the first administrator"), "{stderr}");
    assert!(stderr.contains("at least 8 characters"), "{stderr}");
    assert!(!stderr.contains(password), "{stderr}");
}

#[test]
fn a_bad_setting_stops_start_up_naming_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().to_str().expect("utf-8 path");
    let output = roster(&["serve", "--listen", "127.0.0.1:0", "--data-dir", data, "--guest-memory-mib", "0"]);
    assert!(!output.status.success());
    let text = String::from_utf8_lossy(&output.stderr);
    assert!(text.contains("invalid setting `guest_memory_mib` (from --guest-memory-mib)"), "{text}");
}

#[test]
fn a_config_file_setting_applies() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("roster.toml");
    std::fs::write(&file, "password_min_length = 20\n").expect("write the file");
    let env =
        [("ROSTER_CONFIG", file.to_str().expect("utf-8 path")), ("ROSTER_BOOTSTRAP_ADMIN_PASSWORD", "quiet harbour 7")];
    let (started, stderr) = serve_once(&dir.path().join("data"), &env);
    assert!(!started, "{stderr}");
    assert!(stderr.contains("at least 20 characters"), "{stderr}");
}

#[test]
fn the_environment_wins_over_the_config_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("roster.toml");
    std::fs::write(&file, "guest_memory_mib = 0\n").expect("write the file");
    let file = file.to_str().expect("utf-8 path");
    let (started, stderr) = serve_once(&dir.path().join("data"), &[("ROSTER_CONFIG", file)]);
    assert!(!started && stderr.contains("invalid setting `guest_memory_mib` (from "), "{stderr}");
    let env = [("ROSTER_CONFIG", file), ("ROSTER_GUEST_MEMORY_MIB", "64")];
    let (started, stderr) = serve_once(&dir.path().join("data"), &env);
    assert!(started, "{stderr}");
}

#[test]
fn an_unknown_key_in_the_config_file_stops_start_up_naming_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("roster.toml");
    std::fs::write(&file, "listen = \"127.0.0.1:0\"\nmax_instance = 8\n").expect("write the file");
    let output = roster(&["serve", "--config", file.to_str().expect("utf-8 path")]);
    assert!(!output.status.success());
    let text = String::from_utf8_lossy(&output.stderr);
    assert!(text.contains("unknown setting `max_instance`"), "{text}");
}

#[test]
fn json_logs_have_one_line_per_request_and_never_its_credentials() {
    let dir = tempfile::tempdir().expect("temp dir");
    let env = [("RUST_LOG", "debug"), ("ROSTER_BOOTSTRAP_ADMIN_PASSWORD", "quiet harbour lantern 7")];
    let (started, stderr) = serve_while(dir.path(), &["--log-format", "json"], &env, |base| {
        let agent = ureq::Agent::config_builder().http_status_as_error(false).build().new_agent();
        let reply = agent
            .post(format!("{base}/api/v1/auth/login"))
            .header("authorization", "Bearer SECRET-TOKEN-19bd")
            .header("x-correlation-id", "cli-log-1")
            .content_type("application/json")
            .send(r#"{"userName":"admin","password":"SECRET-PASSWORD-5e2a"}"#)
            .expect("the server answers");
        assert_eq!(reply.status(), 401);
    });
    assert!(started, "{stderr}");
    assert!(!stderr.contains("SECRET-") && !stderr.contains("quiet harbour"), "{stderr}");
    let requests: Vec<serde_json::Value> = stderr
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .filter(|line: &serde_json::Value| line["target"] == "roster::request")
        .collect();
    let login = requests.iter().find(|line| line["correlation_id"] == "cli-log-1").expect("the login is logged");
    assert_eq!((login["method"].as_str(), login["route"].as_str()), (Some("POST"), Some("/api/v1/auth/login")));
    assert_eq!(login["status"], 401);
    assert!(login["latency_ms"].is_number(), "{login}");
}

#[test]
fn the_component_applies_the_configured_password_min_length() {
    let dir = tempfile::tempdir().expect("temp dir");
    let env = [("ROSTER_PASSWORD_MIN_LENGTH", "20"), ("ROSTER_BOOTSTRAP_ADMIN_PASSWORD", "quiet harbour 7")];
    let (started, stderr) = serve_once(dir.path(), &env);
    assert!(!started, "{stderr}");
    assert!(stderr.contains("at least 20 characters"), "{stderr}");
}
