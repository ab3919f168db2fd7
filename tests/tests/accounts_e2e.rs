//! Accounts end to end: CRUD, memberships that expire (with a shifted clock, not by
//! waiting), tenant isolation across every account route, and invitations through the
//! outbox.

use roster_tests::{Server, token_in};
use serde_json::{Value, json};

const PASSWORD: &str = "tulip marble ocean";

fn create_account(server: &Server, name: &str) -> String {
    let reply = server.post("/api/v1/accounts", &json!({"name": name, "type": "CUSTOMER"}));
    assert_eq!(reply.status, 201, "{}", String::from_utf8_lossy(&reply.body));
    reply.json()["id"].as_str().unwrap().to_owned()
}

/// Make `user` a member of `account` with `roles` until `expiry` (as the administrator).
fn add_member(server: &Server, account: &str, user: &str, roles: &[&str], expiry: Option<&str>) {
    let body = json!({"roles": roles, "expiryDate": expiry});
    let reply = server.request_as(
        server.admin_token(),
        "PUT",
        &format!("/api/v1/accounts/{account}/members/{user}"),
        &[],
        Some(&body),
    );
    assert_eq!(reply.status, 200, "{}", String::from_utf8_lossy(&reply.body));
}

#[test]
fn accounts_are_created_read_by_id_and_name_updated_listed_and_deleted() {
    let server = Server::start();
    let id = create_account(&server, "123456");
    assert_eq!(server.get(&format!("/api/v1/accounts/{id}")).json()["name"], "123456");
    let by_name = server.get("/api/v1/accounts/123456");
    assert_eq!((by_name.status, by_name.json()["type"].as_str()), (200, Some("CUSTOMER")));
    let updated = server.request_as(
        server.admin_token(),
        "PATCH",
        &format!("/api/v1/accounts/{id}"),
        &[("if-match", "\"1\"")],
        Some(&json!({"displayName": "Acme", "type": "PUBLISHER"})),
    );
    assert_eq!(updated.status, 200);
    assert_eq!(updated.json()["version"], 2);
    let stale = server.patch(&format!("/api/v1/accounts/{id}"), &json!({"version": 1, "status": "inactive"}));
    assert_eq!(stale.status, 409);
    create_account(&server, "654321");
    let listed = server.get("/api/v1/accounts?type=PUBLISHER").json();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    let bad = server.post("/api/v1/accounts", &json!({"name": "has space", "type": "MARTIAN"}));
    assert_eq!(bad.status, 400);
    let problem = bad.json();
    let fields: Vec<&str> =
        problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["type"], "the type fails first, as it is read from the body");
    assert_eq!(server.delete(&format!("/api/v1/accounts/{id}")).status, 204);
    assert_eq!(server.get(&format!("/api/v1/accounts/{id}")).status, 404);
}

#[test]
fn an_account_with_members_is_deleted_only_when_forced() {
    let server = Server::start();
    let account = create_account(&server, "acme");
    let user = server.create_user("amy", PASSWORD);
    add_member(&server, &account, &user, &[], None);
    let refused = server.delete(&format!("/api/v1/accounts/{account}"));
    assert_eq!((refused.status, refused.json()["code"].as_str()), (409, Some("account_has_members")));
    assert_eq!(server.delete(&format!("/api/v1/accounts/{account}?force=true")).status, 204);
}

#[test]
fn a_membership_that_expired_yesterday_grants_nothing_today() {
    let data = tempfile::tempdir().unwrap();
    let mut server = Server::start_in(data.path(), &[]);
    let account = create_account(&server, "acme");
    let user = server.create_user("temp", PASSWORD);
    // Expires tomorrow, as the server sees the date today.
    let tomorrow = server.get("/api/v1/me").json()["createdAt"].as_str().unwrap()[..10].to_owned();
    let tomorrow = next_day(&tomorrow);
    add_member(&server, &account, &user, &["account-admin"], Some(&tomorrow));
    let token = server.login("temp", PASSWORD);
    assert_eq!(server.request_as(&token, "GET", &format!("/api/v1/accounts/{account}/members"), &[], None).status, 200);
    server.terminate();

    // Two days on, the membership has expired: it grants nothing and lists no one.
    let later = Server::start_in(data.path(), &["--clock-offset-seconds", "172800"]);
    let token = later.login("temp", PASSWORD);
    let denied = later.request_as(&token, "GET", &format!("/api/v1/accounts/{account}/members"), &[], None);
    assert_eq!(denied.status, 403);
    let members = later.get(&format!("/api/v1/accounts/{account}/members")).json();
    assert_eq!(members["items"], json!([]));
}

fn next_day(date: &str) -> String {
    let (y, m, d): (u32, u32, u32) =
        (date[..4].parse().unwrap(), date[5..7].parse().unwrap(), date[8..].parse().unwrap());
    let days_in_month = match m {
        2 if y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    let (y, m, d) = if d < days_in_month {
        (y, m, d + 1)
    } else if m < 12 {
        (y, m + 1, 1)
    } else {
        (y + 1, 1, 1)
    };
    format!("{y:04}-{m:02}-{d:02}")
}

#[test]
fn an_account_admin_of_a_reads_and_changes_nothing_of_b_through_any_route() {
    let server = Server::start();
    let a = create_account(&server, "account-a");
    let b = create_account(&server, "account-b");
    let admin_a = server.create_user("admin-a", PASSWORD);
    let in_b = server.create_user("member-b", PASSWORD);
    add_member(&server, &a, &admin_a, &["account-admin"], None);
    add_member(&server, &b, &in_b, &[], None);
    let token = server.login("admin-a", PASSWORD);
    let pending = server
        .post(
            &format!("/api/v1/accounts/{b}/invitations"),
            &json!({"emailAddress": "pending-b@example.com", "roles": []}),
        )
        .json()["userId"]
        .as_str()
        .unwrap()
        .to_owned();
    let routes: [(&str, String, Option<Value>); 11] = [
        ("GET", format!("/api/v1/users/{in_b}"), None),
        ("GET", format!("/api/v1/users/{in_b}/permissions"), None),
        ("GET", format!("/api/v1/users/{in_b}/lock"), None),
        ("GET", format!("/api/v1/accounts/{b}/members"), None),
        ("GET", format!("/api/v1/accounts/{b}/members?email=member"), None),
        ("PUT", format!("/api/v1/accounts/{b}/members/{in_b}"), Some(json!({"roles": []}))),
        ("DELETE", format!("/api/v1/accounts/{b}/members/{in_b}"), None),
        (
            "POST",
            format!("/api/v1/accounts/{b}/invitations"),
            Some(json!({"emailAddress": "x@example.com", "roles": []})),
        ),
        ("DELETE", format!("/api/v1/accounts/{b}/invitations/{in_b}"), None),
        ("POST", format!("/api/v1/accounts/{b}/invitations/{pending}/resend"), Some(json!({}))),
        ("DELETE", format!("/api/v1/accounts/{b}/invitations/{pending}"), None),
    ];
    for (method, path, body) in &routes {
        let reply = server.request_as(&token, method, path, &[], body.as_ref());
        assert_eq!(reply.status, 404, "{method} {path} from account A: {}", String::from_utf8_lossy(&reply.body));
    }
    // What the account administrator holds nowhere is a plain 403.
    let held_nowhere: [(&str, String, Option<Value>); 10] = [
        ("GET", format!("/api/v1/accounts/{b}"), None),
        ("PATCH", format!("/api/v1/accounts/{b}"), Some(json!({"displayName": "taken over"}))),
        ("DELETE", format!("/api/v1/accounts/{b}"), None),
        ("GET", "/api/v1/accounts".to_owned(), None),
        ("GET", "/api/v1/users".to_owned(), None),
        ("GET", "/api/v1/users/recap?target=status".to_owned(), None),
        ("PATCH", format!("/api/v1/users/{in_b}"), Some(json!({"city": "Oslo"}))),
        ("DELETE", format!("/api/v1/users/{in_b}"), None),
        ("POST", format!("/api/v1/users/{in_b}/password-reset"), Some(json!({"password": "river candle 12"}))),
        ("GET", format!("/api/v1/users/{in_b}/api-keys"), None),
    ];
    for (method, path, body) in &held_nowhere {
        let reply = server.request_as(&token, method, path, &[], body.as_ref());
        assert_eq!(reply.status, 403, "{method} {path}: {}", String::from_utf8_lossy(&reply.body));
    }
    // Account B's member and pending invitation are untouched, and account A's own routes work.
    assert_eq!(server.get(&format!("/api/v1/accounts/{b}/members")).json()["items"].as_array().unwrap().len(), 2);
    assert_eq!(server.request_as(&token, "GET", &format!("/api/v1/accounts/{a}/members"), &[], None).status, 200);
}

#[test]
fn invitations_are_sent_resent_accepted_and_expire() {
    let data = tempfile::tempdir().unwrap();
    let mut server = Server::start_in(data.path(), &[]);
    let account = create_account(&server, "acme");
    let invite = |email: &str| {
        server.post(&format!("/api/v1/accounts/{account}/invitations"), &json!({"emailAddress": email, "roles": []}))
    };
    let invited = invite("new@example.com");
    assert_eq!(invited.status, 201, "{}", String::from_utf8_lossy(&invited.body));
    let invited = invited.json();
    assert_eq!(invited["invitationStatus"], "Pending");
    assert_eq!(invited["emailAddress"], "new@example.com");
    let user = invited["userId"].as_str().unwrap().to_owned();
    let first = token_in(&server.wait_for_mail(1)[0]);
    let resent = server.post(&format!("/api/v1/accounts/{account}/invitations/{user}/resend"), &json!({}));
    assert_eq!(resent.status, 201);
    let second = token_in(&server.wait_for_mail(2)[1]);
    let accept = |token: &str| {
        let body = json!({"token": token, "password": PASSWORD, "firstName": "Nia", "lastName": "Lee"});
        server.request("POST", "/api/v1/invitations/accept", &[], Some(&body))
    };
    let old = accept(&first);
    assert_eq!((old.status, old.json()["errors"][0]["code"].as_str()), (400, Some("invalid_token")));
    let accepted = accept(&second);
    assert_eq!(accepted.status, 200, "{}", String::from_utf8_lossy(&accepted.body));
    let token = server.login("new@example.com", PASSWORD);
    assert_eq!(server.request_as(&token, "GET", "/api/v1/me", &[], None).json()["firstName"], "Nia");

    assert_eq!(invite("late@example.com").status, 201);
    let late = token_in(&server.wait_for_mail(3)[2]);
    server.terminate();
    let later = Server::start_in(data.path(), &["--clock-offset-seconds", "691200"]);
    let body = json!({"token": late, "password": PASSWORD});
    let expired = later.request("POST", "/api/v1/invitations/accept", &[], Some(&body));
    assert_eq!((expired.status, expired.json()["errors"][0]["code"].as_str()), (400, Some("expired_token")));
}

#[test]
fn the_audit_log_records_changes_with_the_correlation_id_and_scopes_account_admins() {
    let server = Server::start();
    let a = create_account(&server, "audited-a");
    let b = create_account(&server, "audited-b");
    let body = json!({"userName": "traced", "email": "traced@example.com", "password": PASSWORD});
    let created = server.request_as(
        server.admin_token(),
        "POST",
        "/api/v1/users",
        &[("x-correlation-id", "corr-42")],
        Some(&body),
    );
    assert_eq!(created.header("x-correlation-id"), Some("corr-42"));
    let id = created.json()["id"].as_str().unwrap().to_owned();
    let log = server.get(&format!("/api/v1/audit?target=user:{id}&action=user.created")).json();
    assert_eq!(log["items"][0]["correlationId"], "corr-42");
    assert!(!String::from_utf8_lossy(&server.get("/api/v1/audit?limit=1000").body).contains(PASSWORD));

    let admin_a = server.create_user("auditor-a", PASSWORD);
    add_member(&server, &a, &admin_a, &["account-admin"], None);
    add_member(&server, &b, &id, &[], None);
    let token = server.login("auditor-a", PASSWORD);
    let seen = server.request_as(&token, "GET", "/api/v1/audit?limit=1000", &[], None).json();
    let accounts: Vec<&str> =
        seen["items"].as_array().unwrap().iter().map(|r| r["account"].as_str().unwrap()).collect();
    assert!(!accounts.is_empty() && accounts.iter().all(|acc| *acc == a), "{accounts:?}");
    let other = server.request_as(&token, "GET", &format!("/api/v1/audit?account={b}"), &[], None);
    assert_eq!(other.status, 404);
}
