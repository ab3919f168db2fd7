//! The sandbox: a request that blows the component's memory cap costs that one request,
//! and the server keeps serving.

use roster_tests::Server;
use serde_json::{Map, Value, json};

/// A valid request whose body, once parsed, needs far more than 3 MiB in the guest.
fn memory_hungry_user() -> Value {
    let preferences: Map<String, Value> = (0..25_000).map(|i| (format!("k{i:05}"), Value::from(i))).collect();
    json!({"userName": "hungry", "email": "hungry@example.com", "preferences": preferences})
}

#[test]
fn a_guest_out_of_memory_fails_one_request_and_the_server_keeps_serving() {
    let server = Server::start_with(&["--guest-memory-mib", "3"]);
    let small = json!({"userName": "small", "email": "small@example.com"});
    assert_eq!(server.post("/api/v1/users", &small).status, 201);

    let reply = server.post("/api/v1/users", &memory_hungry_user());
    assert_eq!(reply.status, 500, "{}", String::from_utf8_lossy(&reply.body));
    assert_eq!(reply.header("content-type"), Some("application/problem+json"));
    assert_eq!(reply.json()["code"], "out_of_memory");

    // Nothing was half-written, and the next requests are served as usual.
    let list = server.get("/api/v1/users").json();
    let names: Vec<&str> = list["items"].as_array().unwrap().iter().map(|u| u["userName"].as_str().unwrap()).collect();
    assert_eq!(names, ["admin", "small"]);
    for i in 0..5 {
        let body = json!({"userName": format!("after{i}"), "email": format!("after{i}@example.com")});
        assert_eq!(server.post("/api/v1/users", &body).status, 201);
    }
}

#[test]
fn a_request_over_the_deadline_gets_503_writes_nothing_and_the_server_keeps_serving() {
    let data = tempfile::tempdir().unwrap();
    let mut server = Server::start_in(data.path(), &[]);
    let token = server.admin_token().to_owned();
    server.terminate();

    // Hashing a password with argon2id takes tens of milliseconds: longer than this deadline.
    let server = Server::start_in(data.path(), &["--request-deadline-ms", "20"]);
    let body = json!({"userName": "slow", "email": "slow@example.com", "password": "correct horse battery"});
    let reply = server.request_as(&token, "POST", "/api/v1/users", &[], Some(&body));
    assert_eq!(reply.status, 503, "{}", String::from_utf8_lossy(&reply.body));
    assert_eq!(reply.json()["code"], "deadline_exceeded");
    assert_eq!(server.request("GET", "/healthz", &[], None).status, 200);
    drop(server);

    let server = Server::start_in(data.path(), &[]);
    let found = server.request_as(&token, "GET", "/api/v1/users?userName=slow", &[], None);
    assert_eq!(found.json()["items"], json!([]));
    assert_eq!(server.request_as(&token, "POST", "/api/v1/users", &[], Some(&body)).status, 201);
}
