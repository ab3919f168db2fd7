//! The `roster` binary's command line, run as a user runs it. (Having an integration test
//! here also makes `cargo test` build the binary that `tests/` starts.)

use std::process::Command;

fn roster(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_roster")).args(args).output().expect("roster runs")
}

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
    for flag in ["--listen", "--data-dir", "--component", "--guest-memory-mib", "--request-deadline-ms"] {
        assert!(text.contains(flag), "{flag} missing from:\n{text}");
    }
    assert!(text.contains("ROSTER_LISTEN") && text.contains("ROSTER_DATA_DIR"), "{text}");
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
