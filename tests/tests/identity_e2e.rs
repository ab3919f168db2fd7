//! Identity and access end to end: logins, the route × caller matrix, lockout under a
//! parallel attack, temporary passwords, lost passwords through the outbox, roles, and
//! API keys exchanged for tokens.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use roster_tests::{ADMIN, Server, roster_bin, token_in};
use serde_json::{Value, json};

const PASSWORD: &str = "tulip marble ocean";

#[test]
fn login_whoami_and_logout() {
    let server = Server::start();
    let id = server.create_user("jane", PASSWORD);
    let token = server.login("jane", PASSWORD);
    let me = server.request_as(&token, "GET", "/api/v1/me", &[], None);
    assert_eq!(me.status, 200);
    assert_eq!(me.json()["id"], id.as_str());
    assert_eq!(server.request_as(&token, "POST", "/api/v1/auth/logout", &[], None).status, 204);
    let after = server.request_as(&token, "GET", "/api/v1/me", &[], None);
    assert_eq!(after.status, 401);
    assert_eq!(after.header("www-authenticate"), Some("Bearer realm=\"roster\""));
}

#[test]
fn an_expired_token_is_refused_with_401() {
    let data = tempfile::tempdir().unwrap();
    let mut server = Server::start_in(data.path(), &[]);
    let token = server.admin_token().to_owned();
    assert_eq!(server.request_as(&token, "GET", "/api/v1/me", &[], None).status, 200);
    server.terminate();

    // The same store an hour and a second later: the token (one hour by default) is dead.
    let later = Server::start_in(data.path(), &["--clock-offset-seconds", "3601"]);
    let reply = later.request_as(&token, "GET", "/api/v1/me", &[], None);
    assert_eq!(reply.status, 401);
    assert_eq!(reply.header("www-authenticate"), Some("Bearer realm=\"roster\""));
    assert_eq!(later.request_as(later.admin_token(), "GET", "/api/v1/me", &[], None).status, 200);
}

#[test]
fn wrong_passwords_and_unknown_users_get_the_same_answer() {
    let server = Server::start();
    server.create_user("jane", PASSWORD);
    let wrong =
        server.request("POST", "/api/v1/auth/login", &[], Some(&json!({"userName": "jane", "password": "nope"})));
    let unknown =
        server.request("POST", "/api/v1/auth/login", &[], Some(&json!({"userName": "ghost", "password": "nope"})));
    assert_eq!((wrong.status, unknown.status), (401, 401));
    assert_eq!(wrong.json()["detail"], unknown.json()["detail"]);
}

struct Route {
    method: &'static str,
    path: String,
    body: Option<Value>,
    /// Allowed to every authenticated user (their own record), so no 403 for a plain user.
    self_service: bool,
}

fn route(method: &'static str, path: String, body: Option<Value>) -> Route {
    Route { method, path, body, self_service: false }
}

#[test]
fn every_protected_route_answers_401_without_or_with_a_bad_token_and_403_without_the_permission() {
    // A token from an hour ago: the store is reopened with the clock an hour ahead.
    let data = tempfile::tempdir().unwrap();
    let mut earlier = Server::start_in(data.path(), &[]);
    let plain_id = earlier.create_user("plain", PASSWORD);
    let expired = earlier.login("plain", PASSWORD);
    earlier.terminate();
    let server = Server::start_in(data.path(), &["--clock-offset-seconds", "3601"]);
    let victim = server.create_user("victim", PASSWORD);
    let plain = server.login("plain", PASSWORD);
    let dead = server.login("plain", PASSWORD);
    assert_eq!(server.request_as(&dead, "POST", "/api/v1/auth/logout", &[], None).status, 204);
    let role = server.post("/api/v1/roles", &json!({"name": "Matrix", "permissions": ["users:read"]})).json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let users = "/api/v1/users".to_owned();
    let routes = [
        route("POST", users.clone(), Some(json!({"userName": "new", "email": "new@example.com"}))),
        route("GET", users.clone(), None),
        route("GET", format!("{users}/{victim}"), None),
        route("PATCH", format!("{users}/{victim}"), Some(json!({"city": "Oslo"}))),
        route("GET", format!("{users}/{victim}/permissions"), None),
        route("PATCH", format!("{users}/{victim}/roles"), Some(json!({"addRoles": [], "removeRoles": []}))),
        route("POST", format!("{users}/{victim}/password-reset"), Some(json!({"password": "river candle 12"}))),
        route("GET", format!("{users}/{victim}/lock"), None),
        route("DELETE", format!("{users}/{victim}/lock"), None),
        route("POST", format!("{users}/{victim}/api-keys"), Some(json!({"name": "k"}))),
        route("GET", format!("{users}/{victim}/api-keys"), None),
        route("DELETE", format!("{users}/{victim}/api-keys/0196b7e4-0000-7000-8000-000000000000"), None),
        route("GET", "/api/v1/permissions".into(), None),
        route("POST", "/api/v1/roles".into(), Some(json!({"name": "Other", "permissions": []}))),
        route("GET", "/api/v1/roles".into(), None),
        route("GET", format!("/api/v1/roles/{role}"), None),
        route("PATCH", format!("/api/v1/roles/{role}"), Some(json!({"description": "changed"}))),
        route("DELETE", format!("/api/v1/roles/{role}"), None),
        route("DELETE", format!("{users}/{victim}"), None),
        Route { self_service: true, ..route("GET", "/api/v1/me".into(), None) },
        Route { self_service: true, ..route("GET", format!("{users}/{plain_id}"), None) },
        Route { self_service: true, ..route("GET", format!("{users}/{plain_id}/api-keys"), None) },
        Route {
            self_service: true,
            ..route("POST", "/api/v1/me/password".into(), Some(json!({"currentPassword": "x", "newPassword": "y"})))
        },
        Route { self_service: true, ..route("POST", "/api/v1/auth/logout".into(), None) },
    ];
    for r in &routes {
        let what = format!("{} {}", r.method, r.path);
        let anonymous = server.request(r.method, &r.path, &[], r.body.as_ref());
        assert_eq!(anonymous.status, 401, "{what} without a token");
        assert!(anonymous.header("www-authenticate").is_some(), "{what} without WWW-Authenticate");
        let revoked = server.request_as(&dead, r.method, &r.path, &[], r.body.as_ref());
        assert_eq!(revoked.status, 401, "{what} with a revoked token");
        let stale = server.request_as(&expired, r.method, &r.path, &[], r.body.as_ref());
        assert_eq!(stale.status, 401, "{what} with an expired token");
        let forged = server.request_as("forged-token", r.method, &r.path, &[], r.body.as_ref());
        assert_eq!(forged.status, 401, "{what} with a forged token");
        let as_plain = server.request_as(&plain, r.method, &r.path, &[], r.body.as_ref());
        if r.self_service {
            assert!(![401, 403].contains(&as_plain.status), "{what} as its own user: {}", as_plain.status);
        } else {
            assert_eq!(as_plain.status, 403, "{what} without the permission");
            assert_eq!(as_plain.json()["code"], "forbidden");
        }
    }
    for r in &routes {
        let status = server.request_as(server.admin_token(), r.method, &r.path, &[], r.body.as_ref()).status;
        assert!(![401, 403].contains(&status), "{} {} as administrator: {status}", r.method, r.path);
    }
}

#[test]
fn fifty_parallel_wrong_passwords_lock_the_account_and_none_gets_through() {
    let server = Server::start();
    let id = server.create_user("target", PASSWORD);
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let guesses: Vec<_> = (0..50)
            .map(|i| {
                let server = &server;
                scope.spawn(move || {
                    let body = json!({"userName": "target", "password": format!("guess number {i}")});
                    server.request("POST", "/api/v1/auth/login", &[], Some(&body)).status
                })
            })
            .collect();
        guesses.into_iter().map(|g| g.join().unwrap()).collect()
    });
    assert!(statuses.iter().all(|s| *s == 401), "{statuses:?}");
    let lock = server.get(&format!("/api/v1/users/{id}/lock")).json();
    assert_eq!(lock["locked"], true);
    // Attempts are counted before the password is checked: no more than the threshold got to it.
    assert_eq!(lock["failures"], 10);
    let right =
        server.request("POST", "/api/v1/auth/login", &[], Some(&json!({"userName": "target", "password": PASSWORD})));
    assert_eq!(right.status, 401, "a locked account does not log in, even with the right password");
    assert_eq!(server.delete(&format!("/api/v1/users/{id}/lock")).status, 204);
    server.login("target", PASSWORD);
}

#[test]
fn a_temporary_password_must_be_changed_before_anything_else() {
    let server = Server::start();
    let id = server.create_user("temp", PASSWORD);
    let reset = server.post(&format!("/api/v1/users/{id}/password-reset"), &json!({"password": "granite willow 42"}));
    assert_eq!(reset.status, 204);
    let token = server.login("temp", "granite willow 42");
    let blocked = server.request_as(&token, "GET", "/api/v1/me", &[], None);
    assert_eq!(blocked.status, 403);
    assert_eq!(blocked.json()["code"], "password_change_required");
    let change = json!({"currentPassword": "granite willow 42", "newPassword": "harbour lantern 7"});
    assert_eq!(server.request_as(&token, "POST", "/api/v1/me/password", &[], Some(&change)).status, 204);
    let token = server.login("temp", "harbour lantern 7");
    assert_eq!(server.request_as(&token, "GET", "/api/v1/me", &[], None).status, 200);
}

#[test]
fn a_rejected_password_names_the_rule_it_broke() {
    let server = Server::start();
    let body = json!({"userName": "weak", "email": "weak@example.com", "password": "baseball1"});
    let reply = server.post("/api/v1/users", &body);
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["errors"][0]["field"], "password");
    assert_eq!(reply.json()["errors"][0]["code"], "common");
}

#[test]
fn the_lost_password_flow_goes_through_the_outbox() {
    let server = Server::start();
    server.create_user("lost", PASSWORD);
    let old = server.login("lost", PASSWORD);
    let unknown =
        server.request("POST", "/api/v1/auth/password/lost", &[], Some(&json!({"email": "nobody@example.com"})));
    let known = server.request("POST", "/api/v1/auth/password/lost", &[], Some(&json!({"email": "lost@example.com"})));
    assert_eq!((unknown.status, known.status), (202, 202));
    assert_eq!(unknown.body, known.body, "the answer does not tell whether the address exists");
    let mail = server.wait_for_mail(1);
    assert_eq!(mail.len(), 1, "exactly one message, for the known address");
    assert!(mail[0].contains("To: lost@example.com"), "{}", mail[0]);
    let token = token_in(&mail[0]);
    let reset = json!({"token": token, "password": "harbour lantern 7"});
    assert_eq!(server.request("POST", "/api/v1/auth/password/reset", &[], Some(&reset)).status, 204);
    server.login("lost", "harbour lantern 7");
    assert_eq!(server.request_as(&old, "GET", "/api/v1/me", &[], None).status, 401, "old sessions ended");
    let again = server.request("POST", "/api/v1/auth/password/reset", &[], Some(&reset));
    assert_eq!(again.status, 400);
    assert_eq!(again.json()["errors"][0]["code"], "invalid_token");
}

#[test]
fn roles_are_created_read_updated_with_versions_and_deleted() {
    let server = Server::start();
    let created = server
        .post("/api/v1/roles", &json!({"name": "Auditor", "description": "reads", "permissions": ["users:read"]}));
    assert_eq!(created.status, 201);
    let role = created.json();
    let path = format!("/api/v1/roles/{}", role["id"].as_str().unwrap());
    assert_eq!(role["version"], 1);
    let update = json!({"version": 1, "addPermissions": ["users:list"], "removePermissions": ["users:read"]});
    let updated = server.patch(&path, &update);
    assert_eq!(updated.status, 200);
    assert_eq!(updated.json()["permissions"], json!(["users:list"]));
    let stale = server.patch(&path, &update);
    assert_eq!(stale.status, 409);
    assert_eq!(stale.json()["code"], "stale_version");
    let builtin = server.delete("/api/v1/roles/administrator");
    assert_eq!((builtin.status, builtin.json()["code"].as_str()), (409, Some("builtin_role")));
    assert_eq!(server.delete(&path).status, 204);
    assert_eq!(server.get(&path).status, 404);
    let catalog = server.get("/api/v1/permissions").json();
    assert!(catalog.as_array().unwrap().iter().any(|p| p == "users:password-reset"));
}

#[test]
fn an_api_key_is_exchanged_for_a_token_with_client_credentials() {
    let server = Server::start();
    let id = server.create_user("robot", PASSWORD);
    let token = server.login("robot", PASSWORD);
    let key =
        server.request_as(&token, "POST", &format!("/api/v1/users/{id}/api-keys"), &[], Some(&json!({"name": "ci"})));
    assert_eq!(key.status, 201);
    let key = key.json();
    let (client_id, secret) = (key["clientId"].as_str().unwrap(), key["clientSecret"].as_str().unwrap());
    let listed = server.request_as(&token, "GET", &format!("/api/v1/users/{id}/api-keys"), &[], None);
    assert!(!String::from_utf8_lossy(&listed.body).contains(secret), "the secret is shown once");

    let basic = format!("Basic {}", STANDARD.encode(format!("{client_id}:{secret}")));
    let form = [("authorization", basic.as_str()), ("content-type", "application/x-www-form-urlencoded")];
    let granted = server.request_raw("POST", "/oauth/token", &form, b"grant_type=client_credentials");
    assert_eq!(granted.status, 200, "{}", String::from_utf8_lossy(&granted.body));
    assert_eq!(granted.header("cache-control"), Some("no-store"));
    let access = granted.json();
    assert_eq!(access["token_type"], "Bearer");
    let machine = access["access_token"].as_str().unwrap();
    assert_eq!(server.request_as(machine, "GET", "/api/v1/me", &[], None).json()["id"], id.as_str());

    let wrong = [("content-type", "application/x-www-form-urlencoded")];
    let body = format!("grant_type=client_credentials&client_id={client_id}&client_secret=wrong");
    let refused = server.request_raw("POST", "/oauth/token", &wrong, body.as_bytes());
    assert_eq!((refused.status, refused.json()["error"].as_str()), (401, Some("invalid_client")));
}

#[test]
fn without_a_configured_password_the_first_start_prints_a_temporary_one_once() {
    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new(roster_bin())
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data.path())
        .env_remove("ROSTER_BOOTSTRAP_ADMIN_PASSWORD")
        .env_remove("ROSTER_BOOTSTRAP_ADMIN_USER")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let line = stderr.lines().map_while(Result::ok).find(|l| l.contains("temporary password: ")).expect("printed");
    child.kill().unwrap();
    child.wait().unwrap();
    let password = line.rsplit(' ').next().unwrap().to_owned();
    assert!(password.len() >= 20, "{line}");

    let server = Server::start_in(data.path(), &[]);
    let token = server.login(ADMIN, &password);
    let me = server.request_as(&token, "GET", "/api/v1/me", &[], None);
    assert_eq!((me.status, me.json()["code"].as_str()), (403, Some("password_change_required")));
}
