//! The composed `roster-standalone.wasm` as a shell user meets it: its WIT imports only
//! WASI, and its typed exports answer `wasmtime run --invoke` calls written in WAVE.

use std::process::Command;

use roster_tests::standalone::{standalone_wasm, wasm_tools, wasmtime};
use roster_tests::{ADMIN, ADMIN_PASSWORD};

/// The WIT world of the composed component, as `wasm-tools component wit` prints it.
fn standalone_wit() -> String {
    let output = Command::new(wasm_tools()).args(["component", "wit"]).arg(standalone_wasm()).output().unwrap();
    assert!(output.status.success(), "wasm-tools failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("WIT is text")
}

/// The names after `keyword` (`import` or `export`) in the world, without versions.
fn items(wit: &str, keyword: &str) -> Vec<String> {
    let prefix = format!("{keyword} ");
    wit.lines()
        .filter_map(|line| line.trim().strip_prefix(&prefix))
        .map(|item| item.trim_end_matches(';').split('@').next().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn the_standalone_component_imports_only_wasi_and_exports_http_and_the_typed_interfaces() {
    let wit = standalone_wit();
    let imports = items(&wit, "import");
    assert!(!imports.is_empty(), "no imports found in:\n{wit}");
    let foreign: Vec<&String> = imports.iter().filter(|name| !name.starts_with("wasi:")).collect();
    assert!(foreign.is_empty(), "imports beyond WASI: {foreign:?}\n{wit}");
    let exports = items(&wit, "export");
    for export in
        ["wasi:http/incoming-handler", "roster:iam/users", "roster:iam/auth", "roster:iam/roles", "roster:iam/accounts"]
    {
        assert!(exports.iter().any(|name| name == export), "{export} is not exported: {exports:?}\n{wit}");
    }
}

/// `wasmtime run --invoke CALL` on the composed component, with the bootstrap
/// administrator in its environment; what it prints.
fn invoke(call: &str) -> String {
    let output = Command::new(wasmtime())
        .args(["run", "-S", "cli", "-S", "http"])
        .args(["--env", &format!("ROSTER_BOOTSTRAP_ADMIN_USER={ADMIN}")])
        .args(["--env", "ROSTER_BOOTSTRAP_ADMIN_PASSWORD"])
        .env("ROSTER_BOOTSTRAP_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .args(["--invoke", call])
        .arg(standalone_wasm())
        .output()
        .expect("wasmtime runs");
    assert!(
        output.status.success(),
        "wasmtime run --invoke '{call}' failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("WAVE is text").trim().to_owned()
}

const ANONYMOUS: &str = r#"{credentials: none, account: none, correlation-id: "cli"}"#;

#[test]
fn the_bootstrap_administrator_logs_in_through_the_typed_auth_export() {
    let answer = invoke(&format!(r#"login({ANONYMOUS}, "{ADMIN}", "{ADMIN_PASSWORD}")"#));
    assert!(answer.starts_with(r#"ok({access-token: ""#), "{answer}");
    assert!(answer.contains(r#"token-type: "Bearer""#), "{answer}");
}

#[test]
fn a_wrong_password_is_unauthenticated_through_the_typed_auth_export() {
    let answer = invoke(&format!(r#"login({ANONYMOUS}, "{ADMIN}", "not the password")"#));
    assert_eq!(answer, "err(unauthenticated)");
}

#[test]
fn the_typed_users_export_refuses_a_caller_without_credentials() {
    let answer = invoke(&format!(r#"roster:iam/users.get@0.1.0({ANONYMOUS}, "0190a3f0-0000-7000-8000-000000000000")"#));
    assert_eq!(answer, "err(unauthenticated)");
}

#[test]
fn the_plug_answers_the_defaults_of_roster_serve() {
    let (d, r) = (roster_plug::defaults::DEFAULTS, roster_host::config::Rules::DEFAULT);
    assert_eq!(
        (d.password_min_length, d.token_ttl_seconds, d.lockout_threshold, d.lockout_base_seconds),
        (r.password_min_length, r.token_ttl_seconds, r.lockout_threshold, r.lockout_base_seconds)
    );
    assert_eq!(
        (d.lockout_max_seconds, d.reset_token_ttl_seconds, d.invitation_ttl_seconds),
        (r.lockout_max_seconds, r.reset_token_ttl_seconds, r.invitation_ttl_seconds)
    );
}
