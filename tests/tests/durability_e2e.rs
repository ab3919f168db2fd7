//! Crashes and shutdowns: an acknowledged write survives `kill -9`; SIGTERM exits cleanly.

use roster_tests::Server;
use serde_json::json;

#[test]
fn an_acknowledged_create_survives_kill_9() {
    let data = tempfile::tempdir().unwrap();
    let mut server = Server::start_in(data.path(), &[]);
    let created = server.post("/api/v1/users", &json!({"userName": "durable", "email": "durable@example.com"}));
    assert_eq!(created.status, 201);
    let id = created.json()["id"].as_str().unwrap().to_owned();
    server.kill9();

    let server = Server::start_in(data.path(), &[]);
    let read = server.get(&format!("/api/v1/users/{id}"));
    assert_eq!(read.status, 200);
    assert_eq!(read.json()["userName"], "durable");
}

#[test]
fn sigterm_stops_the_server_cleanly_and_keeps_the_data() {
    let data = tempfile::tempdir().unwrap();
    let mut server = Server::start_in(data.path(), &[]);
    assert_eq!(server.post("/api/v1/users", &json!({"userName": "kept", "email": "kept@example.com"})).status, 201);
    let status = server.terminate();
    assert!(status.success(), "{status:?}");

    let server = Server::start_in(data.path(), &[]);
    assert_eq!(server.get("/api/v1/users?userName=kept").json()["items"][0]["userName"], "kept");
}
