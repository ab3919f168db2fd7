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

#[test]
fn concurrent_acknowledged_creates_sharing_fsyncs_all_survive_kill_9() {
    let data = tempfile::tempdir().unwrap();
    let mut server = Server::start_in(data.path(), &[]);
    server.admin_token();
    // Sixteen writers at once: their commits share fsyncs (group commit), and each is
    // answered only once its own commit is durable.
    let ids: Vec<String> = std::thread::scope(|scope| {
        let writers: Vec<_> = (0..16)
            .map(|t| {
                let server = &server;
                scope.spawn(move || {
                    (0..5)
                        .map(|i| {
                            let name = format!("c{t}x{i}");
                            let body = json!({"userName": name, "email": format!("{name}@example.com")});
                            let reply = server.post("/api/v1/users", &body);
                            assert_eq!(reply.status, 201, "{}", String::from_utf8_lossy(&reply.body));
                            reply.json()["id"].as_str().unwrap().to_owned()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        writers.into_iter().flat_map(|writer| writer.join().unwrap()).collect()
    });
    server.kill9();

    let server = Server::start_in(data.path(), &[]);
    for id in &ids {
        assert_eq!(server.get(&format!("/api/v1/users/{id}")).status, 200, "user {id} was acknowledged, then lost");
    }
    assert_eq!(ids.len(), 80);
}
