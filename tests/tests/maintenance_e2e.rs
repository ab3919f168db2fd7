//! `roster backup`, `roster check` and audit retention against real data directories.

use std::ops::Bound;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use roster_host::storage::{Direction, Storage};
use roster_tests::{Server, roster_bin};
use serde_json::{Value, json};

fn roster(args: &[&str], data: &Path) -> Output {
    Command::new(roster_bin()).args(args).arg("--data-dir").arg(data).output().expect("roster runs")
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

#[test]
fn a_backup_taken_under_concurrent_writes_opens_and_passes_check() {
    let server = Arc::new(Server::start());
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (server, stop) = (server.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) {
                let body = json!({"userName": format!("w{n}"), "email": format!("w{n}@example.com")});
                assert_eq!(server.post("/api/v1/users", &body).status, 201);
                n += 1;
            }
            n
        })
    };
    // Let some writes land first (the administrator plus four), so the copy is taken in the
    // middle of them.
    while server.get("/api/v1/users?limit=5").json()["items"].as_array().unwrap().len() < 5 {
        std::thread::sleep(Duration::from_millis(20));
    }
    let restore = tempfile::tempdir().unwrap();
    let output = roster(&["backup", "--to", restore.path().join("roster.redb").to_str().unwrap()], &server.data_dir);
    stop.store(true, Ordering::SeqCst);
    let written = writer.join().unwrap();
    assert!(output.status.success(), "{}", text(&output));
    assert!(text(&output).contains("the running server"), "{}", text(&output));

    let check = roster(&["check"], restore.path());
    assert!(check.status.success(), "{}", text(&check));
    assert!(text(&check).contains(": 0 problems"), "{}", text(&check));
    let listed = roster(&["user", "list", "--json", "--limit", "1000"], restore.path());
    let users = serde_json::from_slice::<Value>(&listed.stdout).unwrap()["items"].as_array().unwrap().len();
    // The administrator plus the writes committed when the snapshot was taken.
    assert!(users >= 5 && users <= written + 1, "{users} users in the backup, {written} written");
}

#[test]
fn a_backup_without_a_running_server_copies_the_data_dir() {
    let data = tempfile::tempdir().unwrap();
    assert!(roster(&["user", "create", "--email", "solo@example.com"], data.path()).status.success());
    let restore = tempfile::tempdir().unwrap();
    let to = restore.path().join("roster.redb");
    let output = roster(&["backup", "--to", to.to_str().unwrap()], data.path());
    assert!(output.status.success() && text(&output).contains("the data directory"), "{}", text(&output));
    let again = roster(&["backup", "--to", to.to_str().unwrap()], data.path());
    assert!(!again.status.success() && text(&again).contains("exists"), "{}", text(&again));
    let listed = roster(&["user", "show", "solo@example.com", "--json"], restore.path());
    assert!(listed.status.success(), "{}", text(&listed));
}

/// Delete the first user-name index entry and add an email entry that no user has.
fn corrupt(data: &Path) {
    let storage = Storage::open(data).unwrap();
    let mut txn = storage.begin_write().unwrap();
    let entries = txn.scan(Bound::Included(b"i/n/"), Bound::Excluded(b"i/n0"), 1, Direction::Forward).unwrap();
    txn.delete(&entries[0].key).unwrap();
    txn.put(b"i/e/ghost@example.com\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10", &[]).unwrap();
    txn.commit().unwrap();
    drop(txn);
    storage.close().unwrap();
}

#[test]
fn a_corrupted_index_is_reported_and_repaired() {
    let data = tempfile::tempdir().unwrap();
    for name in ["ann", "bob"] {
        let created =
            roster(&["user", "create", "--user-name", name, "--email", &format!("{name}@example.com")], data.path());
        assert!(created.status.success(), "{}", text(&created));
    }
    assert!(roster(&["check"], data.path()).status.success());
    corrupt(data.path());

    let found = roster(&["check", "--json"], data.path());
    assert!(!found.status.success());
    let report: Value = serde_json::from_slice(&found.stdout).unwrap();
    let kinds: Vec<&str> = report["problems"].as_array().unwrap().iter().map(|p| p["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["missing", "dangling"], "{report}");
    assert!(report["problems"][1]["key"].as_str().unwrap().starts_with("i/e/ghost@example.com"), "{report}");

    let repaired = roster(&["check", "--repair"], data.path());
    assert!(repaired.status.success() && text(&repaired).contains("repaired"), "{}", text(&repaired));
    let clean = roster(&["check"], data.path());
    assert!(clean.status.success(), "{}", text(&clean));
    // The repaired user-name index finds the user again.
    assert!(roster(&["user", "show", "ann"], data.path()).status.success());
}

#[test]
fn audit_records_past_retention_are_removed_in_the_background() {
    let data = tempfile::tempdir().unwrap();
    let mut server = Server::start_in(data.path(), &["--audit-retention-days", "1"]);
    let old = server.create_user("old", "a long passphrase");
    let target = format!("/api/v1/audit?target=user:{old}");
    assert_eq!(server.get(&target).json()["items"].as_array().unwrap().len(), 1);
    assert!(server.terminate().success());

    // Two days later by the component's clock, the record is past one day of retention.
    let server = Server::start_in(data.path(), &["--audit-retention-days", "1", "--clock-offset-seconds", "172800"]);
    let deadline = Instant::now() + Duration::from_secs(60);
    while !server.get(&target).json()["items"].as_array().unwrap().is_empty() {
        assert!(Instant::now() < deadline, "the expired record was never removed");
        std::thread::sleep(Duration::from_millis(100));
    }
    // Records of the new day stay: the administrator's login just now.
    let recent = server.get("/api/v1/audit?action=login.succeeded").json();
    assert!(!recent["items"].as_array().unwrap().is_empty(), "{recent}");
    assert_eq!(server.get(&format!("/api/v1/users/{old}")).status, 200, "only audit records expire");
}

#[test]
fn a_retention_out_of_range_stops_start_up_naming_it() {
    let data = tempfile::tempdir().unwrap();
    let output = Command::new(roster_bin())
        .args(["serve", "--listen", "127.0.0.1:0", "--audit-retention-days", "0", "--data-dir"])
        .arg(data.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(text(&output).contains("audit_retention_days"), "{}", text(&output));
}
