//! Seed 002, "Account User Management" under `/v1/account`, end to end: every operation
//! with the document's request samples, as an account's `account-admin`; the
//! `x-account-id` header; the correlation id through response, log line and audit record;
//! the 401 and 403 paths of every operation.

use roster_tests::{Reply, Server, is_uuid};
use serde_json::{Value, json};

const PASSWORD: &str = "tulip marble ocean";
/// The user id of the document's samples.
const SAMPLE_USER_ID: &str = "2c4a230c-5085-4924-a3e1-25fb4fc5965b";

fn body_text(reply: &Reply) -> String {
    String::from_utf8_lossy(&reply.body).into_owned()
}

/// An account, and a token of its `account-admin` (not a global administrator).
fn administered_account(server: &Server, name: &str) -> (String, String) {
    let reply = server.post("/api/v1/accounts", &json!({"name": name, "type": "CUSTOMER"}));
    assert_eq!(reply.status, 201, "{}", body_text(&reply));
    let account = reply.json()["id"].as_str().unwrap().to_owned();
    let admin_name = format!("{name}-admin");
    let user = server.create_user(&admin_name, PASSWORD);
    let member = server.request_as(
        server.admin_token(),
        "PUT",
        &format!("/api/v1/accounts/{account}/members/{user}"),
        &[],
        Some(&json!({"roles": ["account-admin"]})),
    );
    assert_eq!(member.status, 200, "{}", body_text(&member));
    (account, server.login(&admin_name, PASSWORD))
}

/// Send as `token` in `account`, with correlation id `correlation`.
fn send(
    server: &Server,
    token: &str,
    account: &str,
    correlation: &str,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> Reply {
    let headers = [("x-account-id", account), ("x-correlation-id", correlation)];
    let reply = server.request_as(token, method, path, &headers, body);
    assert_eq!(reply.header("x-correlation-id"), Some(correlation), "{method} {path} echoes the correlation id");
    reply
}

/// The document's account user: exactly its six fields.
fn assert_account_user(user: &Value) {
    assert!(user["identity"].is_string() && user["emailAddress"].is_string(), "{user}");
    assert!(is_uuid(user["userId"].as_str().unwrap_or("")), "{user}");
    assert!(user["roles"].is_array() && user["invitationStatus"].is_string(), "{user}");
    assert_eq!(user["isSsoUser"], false, "{user}");
    assert_eq!(user.as_object().unwrap().len(), 6, "only the document's fields: {user}");
}

/// The JSON log line of the request with correlation id `id`.
fn log_line(server: &Server, id: &str) -> Value {
    let log = server.log_with(id);
    log.lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|l| l["correlation_id"] == id)
        .unwrap_or_else(|| panic!("no log line carries {id}"))
}

/// Whether the audit log holds a record of `action` with correlation id `id`.
fn audited(server: &Server, action: &str, id: &str) -> bool {
    let audit = server.get(&format!("/api/v1/audit?action={action}")).json();
    audit["items"].as_array().unwrap().iter().any(|r| r["correlationId"] == id)
}

#[test]
fn an_account_admin_invites_resends_lists_reads_updates_and_deletes_account_users() {
    let server = Server::start();
    let (account, admin) = administered_account(&server, "acme");

    // The document's invite sample, with a real address and role in place of "string".
    let sample = json!({"emailAddress": "new.user@example.com", "roles": ["account-admin"]});
    let invited = send(&server, &admin, &account, "c-invite", "POST", "/v1/account/invitation/invite", Some(&sample));
    assert_eq!(invited.status, 201, "{}", body_text(&invited));
    assert_eq!(invited.header("content-type"), Some("application/json"));
    let invitation = invited.json();
    assert_eq!(invitation.as_object().unwrap().len(), 5, "{invitation}");
    assert!(is_uuid(invitation["userId"].as_str().unwrap()));
    assert_eq!(
        (&invitation["emailAddress"], &invitation["invitationStatus"], &invitation["roles"]),
        (&json!("new.user@example.com"), &json!("Pending"), &json!(["account-admin"]))
    );
    let expiry = invitation["expiryDate"].as_str().unwrap();
    assert!(expiry.len() >= 20 && expiry.ends_with('Z') && &expiry[10..11] == "T", "RFC 3339: {expiry}");
    let user_id = invitation["userId"].as_str().unwrap().to_owned();

    // The document's resend sample names a user the account never invited: 404; then ours.
    let unknown = json!({"userId": SAMPLE_USER_ID});
    let missing =
        send(&server, &admin, &account, "c-resend-0", "POST", "/v1/account/invitation/resend", Some(&unknown));
    assert_eq!(missing.status, 404);
    let resend = json!({"userId": user_id});
    let resent = send(&server, &admin, &account, "c-resend", "POST", "/v1/account/invitation/resend", Some(&resend));
    assert_eq!(resent.status, 201, "{}", body_text(&resent));
    assert_eq!(server.wait_for_mail(2).len(), 2, "the invitation and its replacement went out");

    let listed = send(&server, &admin, &account, "c-list", "GET", "/v1/account/users?from=0&take=20", None);
    assert_eq!(listed.status, 200, "{}", body_text(&listed));
    let page = listed.json();
    assert_eq!(
        (&page["currentPage"], &page["pageCount"], &page["pageSize"], &page["rowCount"]),
        (&json!(0), &json!(1), &json!(20), &json!(2)),
        "the account's admin and the invitee: {page}"
    );
    page["results"].as_array().unwrap().iter().for_each(assert_account_user);
    let filtered = send(&server, &admin, &account, "c-list-2", "GET", "/v1/account/users?email=new.user", None).json();
    assert_eq!(
        (filtered["rowCount"].as_u64(), filtered["results"][0]["userId"].as_str()),
        (Some(1), Some(user_id.as_str()))
    );
    let second = send(&server, &admin, &account, "c-list-3", "GET", "/v1/account/users?from=1&take=1", None).json();
    assert_eq!((&second["currentPage"], &second["pageCount"]), (&json!(1), &json!(2)));

    let path = format!("/v1/account/users/{user_id}");
    let fetched = send(&server, &admin, &account, "c-get", "GET", &path, None);
    assert_eq!(fetched.status, 200);
    let user = fetched.json();
    assert_account_user(&user);
    assert_eq!((&user["emailAddress"], &user["invitationStatus"]), (&json!("new.user@example.com"), &json!("Pending")));

    let updated = send(&server, &admin, &account, "c-put", "PUT", &path, Some(&json!({"roles": []})));
    assert_eq!((updated.status, updated.body.len()), (202, 0), "{}", body_text(&updated));
    assert_eq!(send(&server, &admin, &account, "c-get-2", "GET", &path, None).json()["roles"], json!([]));
    // The document's update sample names a role that does not exist.
    let placeholder = send(&server, &admin, &account, "c-put-0", "PUT", &path, Some(&json!({"roles": ["string"]})));
    assert_eq!((placeholder.status, placeholder.json()["errors"][0]["field"].as_str()), (400, Some("roles[0]")));

    let deleted = send(&server, &admin, &account, "c-delete", "DELETE", &path, None);
    assert_eq!((deleted.status, deleted.body.len()), (204, 0));
    assert_eq!(send(&server, &admin, &account, "c-get-3", "GET", &path, None).status, 404);
}

#[test]
fn the_document_samples_placeholders_are_named_as_invalid() {
    let server = Server::start();
    let (account, admin) = administered_account(&server, "acme");
    let sample = json!({"emailAddress": "string", "roles": ["string"]});
    let reply = send(&server, &admin, &account, "c-1", "POST", "/v1/account/invitation/invite", Some(&sample));
    assert_eq!(reply.status, 400);
    assert_eq!(reply.header("content-type"), Some("application/problem+json"));
    assert_eq!(reply.json()["errors"][0]["field"], "emailAddress");
    let not_uuid =
        send(&server, &admin, &account, "c-2", "POST", "/v1/account/invitation/resend", Some(&json!({"userId": "x"})));
    assert_eq!((not_uuid.status, not_uuid.json()["errors"][0]["field"].as_str()), (400, Some("userId")));
    let take = send(&server, &admin, &account, "c-3", "GET", "/v1/account/users?take=0", None);
    assert_eq!((take.status, take.json()["errors"][0]["field"].as_str()), (400, Some("take")));
}

#[test]
fn the_correlation_id_is_in_the_response_the_log_line_and_the_audit_record() {
    let server = Server::start();
    let (account, admin) = administered_account(&server, "acme");
    let sample = json!({"emailAddress": "traced@example.com", "roles": []});
    let invited =
        send(&server, &admin, &account, "trace-002-a", "POST", "/v1/account/invitation/invite", Some(&sample));
    assert_eq!(invited.status, 201);
    let user_id = invited.json()["userId"].as_str().unwrap().to_owned();
    let resend = json!({"userId": user_id});
    assert_eq!(
        send(&server, &admin, &account, "trace-002-b", "POST", "/v1/account/invitation/resend", Some(&resend)).status,
        201
    );
    let path = format!("/v1/account/users/{user_id}");
    assert_eq!(send(&server, &admin, &account, "trace-002-c", "PUT", &path, Some(&json!({"roles": []}))).status, 202);
    assert_eq!(send(&server, &admin, &account, "trace-002-d", "DELETE", &path, None).status, 204);

    for (id, route, status, action) in [
        ("trace-002-a", "/v1/account/invitation/invite", 201, "invitation.sent"),
        ("trace-002-b", "/v1/account/invitation/resend", 201, "invitation.resent"),
        ("trace-002-c", "/v1/account/users/{userId}", 202, "membership.changed"),
        ("trace-002-d", "/v1/account/users/{userId}", 204, "membership.removed"),
    ] {
        let line = log_line(&server, id);
        assert_eq!((&line["route"], &line["status"]), (&json!(route), &json!(status)), "{line}");
        assert!(audited(&server, action, id), "{action} carries {id}");
    }

    // Without one, the response carries a generated id, and so do its log line and record.
    let headers = [("x-account-id", account.as_str())];
    let sample = json!({"emailAddress": "untraced@example.com", "roles": []});
    let reply = server.request_as(&admin, "POST", "/v1/account/invitation/invite", &headers, Some(&sample));
    assert_eq!(reply.status, 201);
    let generated = reply.header("x-correlation-id").expect("a generated correlation id").to_owned();
    assert!(is_uuid(&generated), "{generated}");
    assert_eq!(log_line(&server, &generated)["route"], "/v1/account/invitation/invite");
    assert!(audited(&server, "invitation.sent", &generated));
}

/// One request of every operation, with a valid body, about `user`.
fn every_operation(user: &str) -> Vec<(&'static str, String, Option<Value>)> {
    vec![
        ("POST", "/v1/account/invitation/invite".into(), Some(json!({"emailAddress": "x@example.com", "roles": []}))),
        ("POST", "/v1/account/invitation/resend".into(), Some(json!({"userId": user}))),
        ("GET", "/v1/account/users".into(), None),
        ("GET", format!("/v1/account/users/{user}"), None),
        ("PUT", format!("/v1/account/users/{user}"), Some(json!({"roles": []}))),
        ("DELETE", format!("/v1/account/users/{user}"), None),
    ]
}

#[test]
fn every_operation_needs_credentials_the_account_header_and_rights_in_that_account() {
    let server = Server::start();
    let (account, _) = administered_account(&server, "acme");
    let (_, other_admin) = administered_account(&server, "globex");
    server.create_user("plain", PASSWORD);
    let plain = server.login("plain", PASSWORD);
    let invited = server.request_as(
        server.admin_token(),
        "POST",
        "/v1/account/invitation/invite",
        &[("x-account-id", &account)],
        Some(&json!({"emailAddress": "pending@example.com", "roles": []})),
    );
    assert_eq!(invited.status, 201, "a global administrator may act in any account");
    let user = invited.json()["userId"].as_str().unwrap().to_owned();
    let operations = every_operation(&user);
    assert_eq!(operations.len(), 6);

    for (method, path, body) in &operations {
        let anonymous = server.request(method, path, &[("x-account-id", &account)], body.as_ref());
        assert_eq!(anonymous.status, 401, "{method} {path}");
        assert_eq!(anonymous.header("www-authenticate"), Some("Bearer realm=\"roster\""), "{method} {path}");

        let no_header = server.request_as(server.admin_token(), method, path, &[], body.as_ref());
        assert_eq!(no_header.status, 400, "{method} {path}");
        assert_eq!(no_header.header("content-type"), Some("application/problem+json"));
        assert_eq!(no_header.json()["errors"][0]["field"], "x-account-id", "{method} {path}");

        for (who, token) in [("a user without roles", &plain), ("another account's admin", &other_admin)] {
            let reply = server.request_as(token, method, path, &[("x-account-id", &account)], body.as_ref());
            assert_eq!(reply.status, 403, "{method} {path} as {who}: {}", body_text(&reply));
            assert_eq!(reply.json()["code"], "forbidden", "{method} {path} as {who}");
        }
    }
    // Nothing was changed by the refused requests: the invitee is still there.
    let still = server.request_as(
        server.admin_token(),
        "GET",
        &format!("/v1/account/users/{user}"),
        &[("x-account-id", &account)],
        None,
    );
    assert_eq!(still.status, 200);
}

#[test]
fn another_accounts_user_is_not_found_from_this_account() {
    let server = Server::start();
    let (account, admin) = administered_account(&server, "acme");
    let (other, other_admin) = administered_account(&server, "globex");
    let sample = json!({"emailAddress": "theirs@example.com", "roles": []});
    let theirs = send(&server, &other_admin, &other, "c-1", "POST", "/v1/account/invitation/invite", Some(&sample));
    let user = theirs.json()["userId"].as_str().unwrap().to_owned();
    let path = format!("/v1/account/users/{user}");
    assert_eq!(send(&server, &admin, &account, "c-2", "GET", &path, None).status, 404);
    assert_eq!(send(&server, &admin, &account, "c-3", "PUT", &path, Some(&json!({"roles": []}))).status, 404);
    assert_eq!(send(&server, &admin, &account, "c-4", "DELETE", &path, None).status, 404);
    assert_eq!(send(&server, &other_admin, &other, "c-5", "GET", &path, None).status, 200);
}
