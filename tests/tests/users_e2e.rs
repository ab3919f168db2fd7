//! The native user API end to end, through the real server.

use roster_tests::Server;
use serde_json::{Value, json};

fn jane() -> Value {
    json!({
        "userName": "jane",
        "email": "jane@example.com",
        "firstName": "Jane",
        "lastName": "Doe",
        "displayName": "Jane Doe",
        "country": "us",
        "timezone": "GMT-6.0DST0",
        "password": "correct horse battery",
        "preferences": {"theme": "dark"}
    })
}

#[test]
fn a_user_with_an_undefined_or_mistyped_attribute_is_refused_naming_it() {
    let server = Server::start();
    let undefined = server.post("/api/v1/users", &jane_with_region());
    assert_eq!(undefined.status, 400);
    assert_eq!(undefined.json()["errors"][0]["field"], "attributes[0].name");
    assert_eq!(undefined.json()["errors"][0]["code"], "unknown_attribute");
    define_region(&server);
    let mut wrong = jane();
    wrong["attributes"] = json!([{"name": "REGION", "value": "MARS"}]);
    let mistyped = server.post("/api/v1/users", &wrong);
    assert_eq!(mistyped.status, 400);
    assert_eq!(mistyped.json()["errors"][0]["field"], "attributes[0].value");
    let required = json!({"name": "COSTCENTER", "type": "number", "required": true});
    assert_eq!(server.post("/api/v1/attribute-definitions", &required).status, 201);
    let missing = server.post("/api/v1/users", &jane_with_region());
    assert_eq!(missing.status, 400);
    assert_eq!(missing.json()["errors"][0]["code"], "required_attribute");
    let mut complete = jane();
    complete["attributes"] = json!([{"name": "REGION", "value": "EMEA"}, {"name": "COSTCENTER", "value": "4711"}]);
    assert_eq!(server.post("/api/v1/users", &complete).status, 201);
}

/// Jane, with the custom attribute REGION.
fn jane_with_region() -> Value {
    let mut jane = jane();
    jane["attributes"] = json!([{"name": "REGION", "value": "EMEA"}]);
    jane
}

/// Define the custom attribute REGION.
fn define_region(server: &Server) {
    let definition = json!({"name": "REGION", "type": "enum", "values": ["EMEA", "APAC", "AMER"]});
    assert_eq!(server.post("/api/v1/attribute-definitions", &definition).status, 201);
}

#[test]
fn creates_reads_updates_and_deletes_a_user() {
    let server = Server::start();
    define_region(&server);
    let created = server.post("/api/v1/users", &jane_with_region());
    assert_eq!(created.status, 201, "{}", String::from_utf8_lossy(&created.body));
    let user = created.json();
    let id = user["id"].as_str().unwrap();
    assert_eq!(created.header("location"), Some(format!("/api/v1/users/{id}").as_str()));
    assert_eq!(user["country"], "US");
    assert_eq!(user["timezone"], "Etc/GMT+6");
    assert_eq!(user["version"], 1);

    let read = server.get(&format!("/api/v1/users/{id}"));
    assert_eq!(read.status, 200);
    assert_eq!(read.json(), user);
    assert_eq!(read.header("etag"), Some("\"1\""));

    let updated = server.request_as(
        server.admin_token(),
        "PATCH",
        &format!("/api/v1/users/{id}"),
        &[("if-match", "\"1\"")],
        Some(&json!({"city": "Paris", "country": null})),
    );
    assert_eq!(updated.status, 200);
    let updated = updated.json();
    assert_eq!(
        (updated["city"].as_str(), updated["country"].as_str(), updated["version"].as_u64()),
        (Some("Paris"), None, Some(2))
    );

    assert_eq!(server.delete(&format!("/api/v1/users/{id}")).status, 204);
    assert_eq!(server.get(&format!("/api/v1/users/{id}")).status, 404);
}

#[test]
fn never_returns_the_password() {
    let server = Server::start();
    let created = server.post("/api/v1/users", &jane());
    assert_eq!(created.status, 201);
    assert!(!String::from_utf8_lossy(&created.body).contains("correct horse"));
    let list = server.get("/api/v1/users");
    assert!(!String::from_utf8_lossy(&list.body).contains("correct horse"));
    assert!(!String::from_utf8_lossy(&list.body).contains("argon2"));
}

#[test]
fn bad_input_is_a_problem_naming_each_field_and_writes_nothing() {
    let server = Server::start();
    let reply = server.post("/api/v1/users", &json!({"userName": "has space", "email": "nope", "country": "XX"}));
    assert_eq!(reply.status, 400);
    assert_eq!(reply.header("content-type"), Some("application/problem+json"));
    let problem = reply.json();
    assert_eq!(problem["status"], 400);
    let mut fields: Vec<&str> =
        problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    fields.sort();
    assert_eq!(fields, ["country", "email", "userName"]);
    let items = server.get("/api/v1/users").json()["items"].clone();
    assert_eq!(items.as_array().map(Vec::len), Some(1), "only the administrator: {items}");
}

#[test]
fn duplicate_user_names_and_emails_are_409_case_insensitively() {
    let server = Server::start();
    assert_eq!(server.post("/api/v1/users", &jane()).status, 201);
    let reply = server.post("/api/v1/users", &json!({"userName": "JANE", "email": "Jane@Example.com"}));
    assert_eq!(reply.status, 409);
    let problem = reply.json();
    let fields: Vec<&str> =
        problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["userName", "email"]);
}

#[test]
fn concurrent_creates_of_one_user_name_let_exactly_one_through() {
    let server = Server::start();
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|i| {
                let server = &server;
                scope.spawn(move || {
                    server
                        .post("/api/v1/users", &json!({"userName": "race", "email": format!("race{i}@example.com")}))
                        .status
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 7, "{statuses:?}");
}

#[test]
fn stale_versions_are_412_with_if_match_and_409_in_the_body() {
    let server = Server::start();
    let id = server.post("/api/v1/users", &jane()).json()["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/users/{id}");
    let reply = server.request_as(
        server.admin_token(),
        "PATCH",
        &path,
        &[("if-match", "\"5\"")],
        Some(&json!({"city": "Oslo"})),
    );
    assert_eq!(reply.status, 412);
    assert_eq!(reply.json()["currentVersion"], 1);
    assert_eq!(server.patch(&path, &json!({"city": "Oslo", "version": 5})).status, 409);
    assert_eq!(server.get(&path).json()["city"], Value::Null);
}

#[test]
fn lists_filter_sort_and_page_by_cursor() {
    let server = Server::start();
    for (name, status) in
        [("amy", "active"), ("abe", "inactive"), ("ada", "active"), ("bob", "active"), ("al", "active")]
    {
        let body = json!({"userName": name, "email": format!("{name}@example.com"), "status": status});
        assert_eq!(server.post("/api/v1/users", &body).status, 201);
    }
    let mut names = Vec::new();
    let mut path = "/api/v1/users?status=active&email=a*&sort=email&order=desc&limit=2".to_owned();
    loop {
        let page = server.get(&path).json();
        names.extend(page["items"].as_array().unwrap().iter().map(|u| u["userName"].as_str().unwrap().to_owned()));
        match page["nextCursor"].as_str() {
            Some(cursor) => {
                path = format!("/api/v1/users?status=active&email=a*&sort=email&order=desc&limit=2&cursor={cursor}")
            }
            None => break,
        }
    }
    assert_eq!(names, ["amy", "al", "admin", "ada"]);
    let second = server.get("/api/v1/users?sort=userName&limit=2&page=2").json();
    let names: Vec<&str> =
        second["items"].as_array().unwrap().iter().map(|u| u["userName"].as_str().unwrap()).collect();
    assert_eq!(names, ["admin", "al"]);
}

#[test]
fn missing_users_are_404_problems() {
    let server = Server::start();
    let reply = server.get("/api/v1/users/0196b7e4-0000-7000-8000-000000000000");
    assert_eq!(reply.status, 404);
    assert_eq!(reply.json()["code"], "not_found");
}

#[test]
fn echoes_or_generates_a_correlation_id() {
    let server = Server::start();
    let echoed =
        server.request_as(server.admin_token(), "GET", "/api/v1/users", &[("x-correlation-id", "abc-123")], None);
    assert_eq!(echoed.header("x-correlation-id"), Some("abc-123"));
    let generated = server.get("/api/v1/users");
    assert_eq!(generated.header("x-correlation-id").map(str::len), Some(36));
}

#[test]
fn health_and_readiness_are_answered() {
    let server = Server::start();
    assert_eq!(server.request("GET", "/healthz", &[], None).status, 200);
    assert_eq!(server.request("GET", "/readyz", &[], None).status, 200);
}

#[test]
fn recap_counts_match_a_direct_count_and_fields_select_what_comes_back() {
    let server = Server::start();
    for (i, status) in ["active", "inactive", "active", "active", "inactive"].iter().enumerate() {
        let body = json!({"userName": format!("r{i}"), "email": format!("r{i}@example.com"), "status": status, "country": if i % 2 == 0 { "US" } else { "DE" }});
        assert_eq!(server.post("/api/v1/users", &body).status, 201);
    }
    let recap = server.get("/api/v1/users/recap?target=status&email=r*").json();
    let listed = server.get("/api/v1/users?email=r*&limit=1000").json();
    let direct = |status: &str| listed["items"].as_array().unwrap().iter().filter(|u| u["status"] == status).count();
    assert_eq!(
        recap,
        json!({"items": [{"targetValue": "active", "count": direct("active")}, {"targetValue": "inactive", "count": direct("inactive")}], "totalItems": 5})
    );
    let by_country = server.get("/api/v1/users/recap?target=country&status=active&email=r*").json();
    assert_eq!(by_country["items"], json!([{"targetValue": "DE", "count": 1}, {"targetValue": "US", "count": 2}]));
    let selected = server.get("/api/v1/users?email=r0*&fields=userName,country").json();
    assert_eq!(selected["items"], json!([{"userName": "r0", "country": "US"}]));
}
