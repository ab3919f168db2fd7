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
    let mut command = Command::new(env!("CARGO_BIN_EXE_roster"));
    command
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
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
    let started = stdout.lines().map_while(Result::ok).any(|line| line.starts_with("roster listening on "));
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
        "--listen",
        "--data-dir",
        "--component",
        "--guest-memory-mib",
        "--request-deadline-ms",
        "--password-min-length",
        "--token-ttl-seconds",
        "--lockout-threshold",
        "--lockout-base-seconds",
        "--lockout-max-seconds",
        "--reset-token-ttl-seconds",
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
    assert!(text.contains("memory_cap"), "{text}");
}

#[test]
fn the_component_applies_the_configured_password_min_length() {
    let dir = tempfile::tempdir().expect("temp dir");
    let env = [("ROSTER_PASSWORD_MIN_LENGTH", "20"), ("ROSTER_BOOTSTRAP_ADMIN_PASSWORD", "quiet harbour 7")];
    let (started, stderr) = serve_once(dir.path(), &env);
    assert!(!started, "{stderr}");
    assert!(stderr.contains("at least 20 characters"), "{stderr}");
}
