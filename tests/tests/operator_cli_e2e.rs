//! The operator's command line (`roster user|role|account …`) on a temp data dir, run as an
//! operator runs it: the same rules as over HTTP, audited as `operator:cli`.

use std::path::Path;
use std::process::{Command, Output};

use roster_tests::{Server, roster_bin};
use serde_json::Value;

/// Run `roster ARGS --data-dir DIR`.
fn roster(data: &Path, args: &[&str]) -> Output {
    Command::new(roster_bin()).args(args).arg("--data-dir").arg(data).output().expect("roster runs")
}

/// Run `roster ARGS --data-dir DIR --json`, which must succeed; its JSON.
fn roster_json(data: &Path, args: &[&str]) -> Value {
    let output = roster(data, &[args, &["--json"]].concat());
    assert!(output.status.success(), "roster {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("--json prints JSON")
}

/// Run `roster ARGS --password-stdin --json` with `password` on stdin; the new record's id.
fn with_password(data: &Path, password: &str, args: &[&str]) -> String {
    use std::io::Write;
    let mut child = Command::new(roster_bin())
        .args(args)
        .args(["--password-stdin", "--json", "--data-dir"])
        .arg(data)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("roster runs");
    child.stdin.take().expect("piped").write_all(password.as_bytes()).expect("stdin takes the password");
    let output = child.wait_with_output().expect("roster exits");
    assert!(output.status.success(), "roster {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    let created: Value = serde_json::from_slice(&output.stdout).expect("--json prints JSON");
    created["id"].as_str().expect("an id").to_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn user_commands_create_list_show_change_and_delete() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path();
    let created = roster_json(dir, &["user", "create", "--user-name", "jane", "--email", "jane@example.com"]);
    assert_eq!((created["userName"].as_str(), created["version"].as_u64()), (Some("jane"), Some(1)));
    let id = created["id"].as_str().unwrap().to_owned();

    let listed = roster_json(dir, &["user", "list"]);
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    assert_eq!(roster_json(dir, &["user", "show", "JANE"])["id"], id.as_str());
    assert_eq!(roster_json(dir, &["user", "show", &id])["email"], "jane@example.com");

    let changed = roster_json(dir, &["user", "change", "jane", "--status", "inactive", "--first-name", "Jane"]);
    assert_eq!((changed["status"].as_str(), changed["firstName"].as_str()), (Some("inactive"), Some("Jane")));
    assert_eq!(changed["version"], 2);

    let table = roster(dir, &["user", "list"]);
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.starts_with("ID ") && text.contains("USER NAME") && text.contains("jane@example.com"), "{text}");

    assert_eq!(roster_json(dir, &["user", "delete", "jane"])["deleted"], id.as_str());
    let gone = roster(dir, &["user", "show", "jane"]);
    assert!(!gone.status.success());
    assert!(stderr(&gone).contains("not found"), "{}", stderr(&gone));
}

#[test]
fn invalid_input_is_refused_naming_the_field_and_rule() {
    let data = tempfile::tempdir().unwrap();
    let output = roster(data.path(), &["user", "create", "--user-name", "x", "--email", "nope"]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("email:"), "{}", stderr(&output));
    assert_eq!(roster_json(data.path(), &["user", "list"])["items"], Value::Array(vec![]));
}

#[test]
fn role_commands_create_list_show_change_and_delete() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path();
    let created = roster_json(dir, &["role", "create", "auditor", "--permission", "audit:read"]);
    assert_eq!(created["permissions"], serde_json::json!(["audit:read"]));
    assert_eq!(created["createdBy"], "operator:cli");
    let changed = roster_json(
        dir,
        &["role", "change", "Auditor", "--add-permission", "users:read", "--remove-permission", "audit:read"],
    );
    assert_eq!(changed["permissions"], serde_json::json!(["users:read"]));
    assert_eq!(roster_json(dir, &["role", "show", "auditor"])["version"], 2);
    let names: Vec<Value> =
        roster_json(dir, &["role", "list"]).as_array().unwrap().iter().map(|r| r["name"].clone()).collect();
    assert!(names.contains(&Value::from("auditor")), "{names:?}");

    let unknown = roster(dir, &["role", "create", "bad", "--permission", "users:fly"]);
    assert!(!unknown.status.success());
    assert!(stderr(&unknown).contains("permissions"), "{}", stderr(&unknown));

    roster_json(dir, &["role", "delete", "auditor"]);
    assert!(!roster(dir, &["role", "show", "auditor"]).status.success());
}

#[test]
fn account_commands_create_list_show_change_and_delete() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path();
    let created = roster_json(dir, &["account", "create", "123456", "--type", "customer", "--display-name", "Acme"]);
    assert_eq!((created["type"].as_str(), created["displayName"].as_str()), (Some("CUSTOMER"), Some("Acme")));
    let changed = roster_json(dir, &["account", "change", "123456", "--status", "inactive"]);
    assert_eq!(changed["status"], "inactive");
    assert_eq!(roster_json(dir, &["account", "show", "123456"])["version"], 2);
    assert_eq!(roster_json(dir, &["account", "list"])["items"][0]["name"], "123456");
    let taken = roster(dir, &["account", "create", "123456"]);
    assert!(stderr(&taken).contains("already taken: name"), "{}", stderr(&taken));
    roster_json(dir, &["account", "delete", "123456"]);
    assert_eq!(roster_json(dir, &["account", "list"])["items"], Value::Array(vec![]));
}

#[test]
fn commands_refuse_a_data_dir_the_running_server_holds_naming_it() {
    let data = tempfile::tempdir().unwrap();
    let _server = Server::start_in(data.path(), &[]);
    let output = roster(data.path(), &["user", "list"]);
    assert!(!output.status.success());
    let text = stderr(&output);
    assert!(text.contains("is in use") && text.contains(&data.path().display().to_string()), "{text}");
    assert!(text.contains("stop the server"), "{text}");
}

#[test]
fn operator_changes_are_audited_as_the_operator_and_visible_over_http() {
    let data = tempfile::tempdir().unwrap();
    let mut server = Server::start_in(data.path(), &[]);
    server.admin_token();
    server.terminate();

    let id = with_password(data.path(), "a long passphrase", &["user", "create", "--email", "jo@example.com"]);

    let server = Server::start_in(data.path(), &[]);
    assert_eq!(server.get(&format!("/api/v1/users/{id}")).json()["userName"], "jo@example.com");
    let audit = server.get(&format!("/api/v1/audit?target=user:{id}")).json();
    assert_eq!(audit["items"][0]["action"], "user.created");
    assert_eq!(audit["items"][0]["actor"], "operator:cli");
    assert!(audit["items"][0]["correlationId"].as_str().unwrap().starts_with("cli-"));
    let by_operator = server.get("/api/v1/audit?actor=operator:cli").json();
    assert_eq!(by_operator["items"].as_array().unwrap().len(), 1, "{by_operator}");
    assert_eq!(server.get("/api/v1/audit?actor=operator:").status, 400);
    // The password read from stdin was hashed and logs in.
    server.login("jo@example.com", "a long passphrase");
}

#[test]
fn every_operator_command_has_help_with_an_example() {
    for resource in ["user", "role", "account"] {
        for command in ["list", "show", "create", "change", "delete"] {
            let output = Command::new(roster_bin()).args([resource, command, "--help"]).output().unwrap();
            let text = String::from_utf8_lossy(&output.stdout);
            assert!(output.status.success() && text.contains("Example"), "{resource} {command}: {text}");
            assert!(text.contains("--data-dir") && text.contains("--json"), "{resource} {command}: {text}");
        }
        let text =
            String::from_utf8_lossy(&Command::new(roster_bin()).args([resource, "--help"]).output().unwrap().stdout)
                .into_owned();
        assert!(text.contains("Examples"), "{resource}: {text}");
    }
    for command in ["export", "import", "backup", "check"] {
        let output = Command::new(roster_bin()).args([command, "--help"]).output().unwrap();
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success() && text.contains("Examples"), "{command}: {text}");
        assert!(text.contains("--data-dir") && text.contains("--json"), "{command}: {text}");
    }
}
