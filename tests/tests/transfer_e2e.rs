//! `roster export` and `roster import` against real data directories: a round trip gives
//! the same data, a second import changes nothing, bad lines are named and the good ones
//! loaded, and users imported with foreign password hashes log in over HTTP and are rehashed.

use std::path::Path;
use std::process::{Command, Output};

use roster_tests::{ADMIN_PASSWORD, Server, roster_bin};
use serde_json::{Value, json};

fn roster(args: &[&str], data: &Path) -> Output {
    Command::new(roster_bin()).args(args).arg("--data-dir").arg(data).output().expect("roster runs")
}

fn export(data: &Path) -> String {
    let output = roster(&["export"], data);
    assert!(output.status.success(), "export: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("JSON Lines are UTF-8")
}

fn import_json(file: &Path, data: &Path) -> (bool, Value) {
    let output = roster(&["import", file.to_str().unwrap(), "--json", "--batch-size", "3"], data);
    (output.status.success(), serde_json::from_slice(&output.stdout).expect("--json prints JSON"))
}

/// A data dir with an administrator, a role, an account, a member and a definition.
fn seeded(data: &Path) {
    let mut server = Server::start_in(data, &[]);
    let role = server.post("/api/v1/roles", &json!({"name": "support", "permissions": ["users:read"]})).json();
    let account = server.post("/api/v1/accounts", &json!({"name": "acme", "type": "CUSTOMER"})).json();
    let jane = server.create_user("jane", "a long passphrase");
    let member = json!({"roles": [role["id"]]});
    let put = server.request_as(
        server.admin_token(),
        "PUT",
        &format!("/api/v1/accounts/{}/members/{jane}", account["id"].as_str().unwrap()),
        &[],
        Some(&member),
    );
    assert_eq!(put.status, 200, "{}", String::from_utf8_lossy(&put.body));
    let definition = json!({"name": "costCenter", "type": "string"});
    assert_eq!(server.post("/api/v1/attribute-definitions", &definition).status, 201);
    assert!(server.terminate().success());
}

#[test]
fn export_then_import_into_an_empty_dir_gives_the_same_data_and_a_second_import_changes_nothing() {
    let (source, target) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    seeded(source.path());
    let exported = export(source.path());
    let kinds: Vec<String> = exported
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["type"].as_str().unwrap().to_owned())
        .collect();
    for kind in ["attributeDefinition", "role", "account", "user", "membership"] {
        assert!(kinds.iter().any(|k| k == kind), "{kind} missing: {kinds:?}");
    }
    let file = source.path().join("export.jsonl");
    std::fs::write(&file, &exported).unwrap();

    let (ok, first) = import_json(&file, target.path());
    assert!(ok, "{first}");
    assert_eq!(first["rejected"], json!([]));
    assert_eq!(export(target.path()), exported);

    let (ok, second) = import_json(&file, target.path());
    assert!(ok, "{second}");
    assert_eq!((second["created"].as_u64(), second["updated"].as_u64()), (Some(0), Some(0)), "{second}");
    assert_eq!(second["unchanged"].as_u64(), Some(kinds.len() as u64));

    // The imported directory serves: the administrator's password hash came along.
    let server = Server::start_in(target.path(), &[]);
    assert_eq!(server.get("/api/v1/users?userName=jane").json()["items"][0]["email"], "jane@example.com");
    server.login("jane", "a long passphrase");
}

#[test]
fn a_file_with_bad_lines_loads_the_good_ones_and_names_the_bad_ones() {
    let data = tempfile::tempdir().unwrap();
    let good = |n: u32| {
        json!({"type": "account", "id": format!("01900000-0000-7000-8000-00000000000{n}"), "name": format!("acct{n}"),
               "displayName": null, "accountType": "HOME", "status": "active", "attributes": [],
               "createdAt": "2024-01-01T00:00:00.000Z", "updatedAt": "2024-01-01T00:00:00.000Z", "version": 1})
        .to_string()
    };
    let lines = [
        good(1),
        "{broken".to_owned(),
        good(2),
        json!({"type": "user", "userName": "nobody"}).to_string(),
        json!({"type": "membership", "accountId": "01900000-0000-7000-8000-000000000001",
               "userId": "01900000-0000-7000-8000-0000000000ff", "roles": [], "expiryDate": null,
               "invitationStatus": "Accepted", "createdAt": "x", "updatedAt": "x"})
        .to_string(),
        good(3),
    ];
    let file = data.path().join("in.jsonl");
    std::fs::write(&file, lines.join("\n")).unwrap();
    let output = roster(&["import", file.to_str().unwrap()], data.path());
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("line 2: invalid input: line:"), "{stderr}");
    assert!(stderr.contains("line 4: invalid input: record:"), "{stderr}");
    assert!(stderr.contains("line 5: invalid input: userId: names no user"), "{stderr}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("created 3, updated 0, unchanged 0, rejected 3"));
    let listed = roster(&["account", "list", "--json"], data.path());
    let names: Vec<Value> = serde_json::from_slice::<Value>(&listed.stdout).unwrap()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].clone())
        .collect();
    assert_eq!(names, [json!("acct1"), json!("acct2"), json!("acct3")]);
}

fn user_line(n: u32, name: &str, hash: &str) -> String {
    json!({"type": "user", "id": format!("01900000-0000-7000-8000-0000000001{n:02}"), "userName": name,
           "email": format!("{name}@example.com"), "status": "active", "canLogin": true, "shared": false,
           "optIn": false, "attributes": [], "createdAt": "2024-01-01T00:00:00.000Z",
           "updatedAt": "2024-01-01T00:00:00.000Z", "version": 1, "passwordHash": hash})
    .to_string()
}

#[test]
fn users_imported_with_bcrypt_and_argon2_hashes_log_in_over_http_and_are_rehashed_to_argon2id() {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let data = tempfile::tempdir().unwrap();
    // Bootstrap the administrator first; the import then adds to the store.
    let mut server = Server::start_in(data.path(), &[]);
    server.admin_token();
    assert!(server.terminate().success());

    let bcrypt_hash = bcrypt::hash(ADMIN_PASSWORD, 4).unwrap();
    let salt = SaltString::from_b64("c29tZXNhbHRzb21lc2FsdA").unwrap();
    let params = argon2::Params::new(1024, 1, 1, None).unwrap();
    let argon2i_hash = argon2::Argon2::new(argon2::Algorithm::Argon2i, argon2::Version::V0x13, params)
        .hash_password(ADMIN_PASSWORD.as_bytes(), &salt)
        .unwrap()
        .to_string();
    let file = data.path().join("foreign.jsonl");
    let lines = [user_line(1, "from-bcrypt", &bcrypt_hash), user_line(2, "from-argon2i", &argon2i_hash)];
    std::fs::write(&file, lines.join("\n")).unwrap();
    let (ok, report) = import_json(&file, data.path());
    assert!(ok && report["created"] == 2, "{report}");

    let mut server = Server::start_in(data.path(), &[]);
    for name in ["from-bcrypt", "from-argon2i"] {
        server.login(name, ADMIN_PASSWORD);
        let wrong = server.request(
            "POST",
            "/api/v1/auth/login",
            &[],
            Some(&json!({"userName": name, "password": "not the password at all"})),
        );
        assert_eq!(wrong.status, 401);
    }
    let rehashed = server.get("/api/v1/audit?action=password.rehashed").json();
    assert_eq!(rehashed["items"].as_array().unwrap().len(), 2, "{rehashed}");
    assert!(server.terminate().success());

    let exported = export(data.path());
    for name in ["from-bcrypt", "from-argon2i"] {
        let line = exported.lines().find(|l| l.contains(&format!("\"userName\":\"{name}\""))).unwrap();
        let hash = serde_json::from_str::<Value>(line).unwrap()["passwordHash"].as_str().unwrap().to_owned();
        assert!(hash.starts_with("$argon2id$"), "{name}: {hash}");
    }
    // And the new hash still logs in.
    let server = Server::start_in(data.path(), &[]);
    server.login("from-bcrypt", ADMIN_PASSWORD);
}
