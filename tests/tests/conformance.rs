//! One conformance suite, three runtimes: the same calls and expectations against the
//! bundled `roster` server, and against `roster-standalone.wasm` (Roster's component
//! composed with the store plug) under `wasmtime serve` and under Node.js with jco. Each
//! runtime is its own test, and every failure message starts with the runtime's name.
//!
//! A seed API's surface gets its call in [`SEED_CALLS`], the one place to add it.

use roster_tests::standalone::Runtime;
use roster_tests::{ADMIN, ADMIN_PASSWORD, Reply, Server};
use serde_json::{Value, json};

#[test]
fn roster_serve_passes_the_conformance_suite() {
    suite(Runtime::Roster);
}

#[test]
fn wasmtime_serve_passes_the_conformance_suite() {
    suite(Runtime::WasmtimeServe);
}

#[test]
fn jco_passes_the_conformance_suite() {
    suite(Runtime::Jco);
}

/// One call per seed API surface, run as the administrator after the rest of the suite:
/// `(method, path, JSON body, expected status)`. Seed 002's call leaves out its required
/// `x-account-id`, so the answer is its 400 naming the header.
const SEED_CALLS: &[(&str, &str, Option<&str>, u16)] = &[
    ("GET", "/users-accounts-api/v1/users?limit=10", None, 200),
    ("GET", "/auth/users/whoami", None, 200),
    ("GET", "/v1/account/users", None, 400),
    ("GET", "/users-api/v1/users?page=0&size=10&sort=email,asc", None, 200),
];

/// A runtime's server, and assertions that name the runtime.
struct Conformance {
    runtime: Runtime,
    server: Server,
}

impl Conformance {
    /// `reply` has `status`; else fail naming the runtime, what was done, and the body.
    fn expect(&self, reply: Reply, status: u16, what: &str) -> Reply {
        assert_eq!(
            reply.status,
            status,
            "[{}] {what}: expected {status}, got {}: {}",
            self.runtime,
            reply.status,
            String::from_utf8_lossy(&reply.body)
        );
        reply
    }

    /// `actual` equals `expected`; else fail naming the runtime and what was checked.
    fn check<T: PartialEq + std::fmt::Debug>(&self, actual: T, expected: T, what: &str) {
        assert_eq!(actual, expected, "[{}] {what}", self.runtime);
    }

    fn login(&self, user_name: &str, password: &str) -> String {
        let body = json!({"userName": user_name, "password": password});
        let reply = self.server.request("POST", "/api/v1/auth/login", &[], Some(&body));
        let reply = self.expect(reply, 200, &format!("logging in as {user_name}"));
        reply.json()["accessToken"]
            .as_str()
            .unwrap_or_else(|| panic!("[{}] a login answers a token", self.runtime))
            .to_owned()
    }

    fn call(&self, token: &str, method: &str, path: &str, headers: &[(&str, &str)], body: Option<&Value>) -> Reply {
        self.server.request_as(token, method, path, headers, body)
    }
}

fn suite(runtime: Runtime) {
    let run = Conformance { runtime, server: runtime.start() };

    // The bootstrap administrator, from the runtime's configuration, logs in.
    let admin = run.login(ADMIN, ADMIN_PASSWORD);
    let me = run.expect(run.call(&admin, "GET", "/api/v1/me", &[], None), 200, "reading the administrator's record");
    run.check(me.json()["userName"].as_str(), Some(ADMIN), "the caller is the administrator");
    let wrong = json!({"userName": ADMIN, "password": "not the password at all"});
    let wrong = run.server.request("POST", "/api/v1/auth/login", &[], Some(&wrong));
    run.check(
        run.expect(wrong, 401, "logging in with a wrong password").json()["code"].clone(),
        json!("unauthenticated"),
        "a wrong password's code",
    );
    let anonymous =
        run.expect(run.server.request("GET", "/api/v1/users", &[], None), 401, "listing users without a token");
    run.check(
        anonymous.header("www-authenticate").map(|v| v.starts_with("Bearer")),
        Some(true),
        "401 carries WWW-Authenticate: Bearer",
    );

    // Users: create, read, change, list, delete.
    let jane = json!({"userName": "jane", "email": "jane@example.com", "password": "a long secret of her own", "country": "us"});
    let created = run.expect(run.call(&admin, "POST", "/api/v1/users", &[], Some(&jane)), 201, "creating a user");
    let user = created.json();
    let id = user["id"].as_str().expect("a created user has an id").to_owned();
    run.check(created.header("location"), Some(format!("/api/v1/users/{id}").as_str()), "Location of a new user");
    run.check(user["country"].as_str(), Some("US"), "country is normalised");
    run.check(user.get("password"), None, "no password in the answer");
    let read = run.expect(run.call(&admin, "GET", &format!("/api/v1/users/{id}"), &[], None), 200, "reading the user");
    run.check(read.header("etag"), Some("\"1\""), "ETag of a new user");
    let patch = json!({"city": "Paris"});
    let changed = run.call(&admin, "PATCH", &format!("/api/v1/users/{id}"), &[("if-match", "\"1\"")], Some(&patch));
    let changed = run.expect(changed, 200, "changing the user at version 1").json();
    run.check(
        (changed["city"].as_str(), changed["version"].as_u64()),
        (Some("Paris"), Some(2)),
        "the change and its version",
    );
    let stale = run.call(&admin, "PATCH", &format!("/api/v1/users/{id}"), &[("if-match", "\"1\"")], Some(&patch));
    run.expect(stale, 412, "changing the user at a stale version");
    let listed =
        run.expect(run.call(&admin, "GET", "/api/v1/users?userName=ja*", &[], None), 200, "listing users by prefix");
    let names: Vec<Value> =
        listed.json()["items"].as_array().expect("a page has items").iter().map(|u| u["userName"].clone()).collect();
    run.check(names, vec![json!("jane")], "the users whose name starts with ja");
    let duplicate = json!({"userName": "JANE", "email": "other@example.com"});
    let duplicate = run.expect(
        run.call(&admin, "POST", "/api/v1/users", &[], Some(&duplicate)),
        409,
        "creating a duplicate user name",
    );
    run.check(duplicate.json()["code"].clone(), json!("duplicate"), "a duplicate's code");

    // A validation error: problem+json naming each field and rule; nothing written.
    let invalid = json!({"email": "nope"});
    let invalid =
        run.expect(run.call(&admin, "POST", "/api/v1/users", &[], Some(&invalid)), 400, "creating an invalid user");
    run.check(invalid.header("content-type"), Some("application/problem+json"), "an error's media type");
    let problem = invalid.json();
    run.check(problem["code"].clone(), json!("invalid_input"), "an invalid input's code");
    let fields: Vec<Value> =
        problem["errors"].as_array().expect("errors are listed").iter().map(|e| e["field"].clone()).collect();
    run.check(fields.contains(&json!("email")), true, "the email field is named");

    // A permission denial: jane holds only her own record.
    let jane_token = run.login("jane", "a long secret of her own");
    let denied = run.expect(run.call(&jane_token, "GET", "/api/v1/users", &[], None), 403, "jane listing every user");
    run.check(denied.json()["code"].clone(), json!("forbidden"), "a denial's code");
    run.check(
        denied.json()["detail"].as_str().is_some_and(|d| d.contains("users:list")),
        true,
        "the denial names users:list",
    );
    run.expect(
        run.call(&jane_token, "GET", &format!("/api/v1/users/{id}"), &[], None),
        200,
        "jane reading her own record",
    );

    // Roles: create, read, change, grant, delete.
    let auditor = json!({"name": "auditor", "description": "Reads users", "permissions": ["users:read", "users:list"]});
    let role =
        run.expect(run.call(&admin, "POST", "/api/v1/roles", &[], Some(&auditor)), 201, "creating a role").json();
    let role_id = role["id"].as_str().expect("a role has an id").to_owned();
    run.expect(run.call(&admin, "GET", &format!("/api/v1/roles/{role_id}"), &[], None), 200, "reading the role");
    let add = json!({"addPermissions": ["roles:read"], "version": role["version"]});
    let role = run
        .expect(
            run.call(&admin, "PATCH", &format!("/api/v1/roles/{role_id}"), &[], Some(&add)),
            200,
            "changing the role",
        )
        .json();
    run.check(
        role["permissions"].as_array().is_some_and(|p| p.contains(&json!("roles:read"))),
        true,
        "the added permission",
    );
    let roles = run.expect(run.call(&admin, "GET", "/api/v1/roles", &[], None), 200, "listing roles").json();
    let role_names: Vec<Value> =
        roles["items"].as_array().expect("roles are listed").iter().map(|r| r["name"].clone()).collect();
    run.check(
        role_names.contains(&json!("auditor")) && role_names.contains(&json!("administrator")),
        true,
        "auditor and administrator are listed",
    );
    let grant = json!({"addRoles": [role_id]});
    run.expect(
        run.call(&admin, "PATCH", &format!("/api/v1/users/{id}/roles"), &[], Some(&grant)),
        200,
        "granting jane the role",
    );
    run.expect(run.call(&jane_token, "GET", "/api/v1/users", &[], None), 200, "jane listing users with the role");
    run.expect(run.call(&admin, "DELETE", &format!("/api/v1/roles/{role_id}"), &[], None), 204, "deleting the role");
    run.expect(
        run.call(&admin, "GET", &format!("/api/v1/roles/{role_id}"), &[], None),
        404,
        "reading the deleted role",
    );

    for (method, path, body, status) in SEED_CALLS {
        let body: Option<Value> = body.map(|text| serde_json::from_str(text).expect("a seed call's body is JSON"));
        run.expect(run.call(&admin, method, path, &[], body.as_ref()), *status, &format!("{method} {path}"));
    }

    // Deleting the user ends her sessions and her record.
    run.expect(run.call(&admin, "DELETE", &format!("/api/v1/users/{id}"), &[], None), 204, "deleting the user");
    run.expect(run.call(&admin, "GET", &format!("/api/v1/users/{id}"), &[], None), 404, "reading the deleted user");
    run.expect(run.call(&jane_token, "GET", "/api/v1/me", &[], None), 401, "the deleted user's token");
}
