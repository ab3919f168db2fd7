//! Seed 000, FlexNet Operations' "User and Account API", end to end under
//! `/users-accounts-api`: the document's own request samples, every filter of the user
//! list, user update and delete, account CRUD, and the 401 / 403 / 404 paths.

use roster_tests::{Reply, Server};
use serde_json::{Value, json};

const PASSWORD: &str = "tulip marble ocean";
const USERS: &str = "/users-accounts-api/v1/users";
const ACCOUNTS: &str = "/users-accounts-api/v1/accounts";

/// The document's "Create a user" request sample, verbatim.
fn document_sample() -> Value {
    json!({
        "firstName": "John",
        "lastName": "Doe",
        "displayName": "John Doe",
        "emailAddress": "johndoe@xyz.com",
        "phoneNumber": "989915487",
        "faxNumber": "01154785",
        "street": "High Street",
        "city": "New York",
        "state": "The Empire State",
        "zipcode": "10118",
        "country": "US",
        "locale": "en_US",
        "portalLogin": true,
        "userName": "johndoe@xyz.com",
        "status": "Active",
        "timezone": "GMT-6.0DST0",
        "shared": false,
        "accountRoles": [
            {
                "accountName": "123456",
                "expiryDate": "2025-12-30",
                "roles": ["USER", "ADMIN"]
            }
        ],
        "attributes": [{"name": "REGION", "value": "EMEA"}],
        "optIn": false,
        "canLogin": true
    })
}

/// What the sample needs to exist: account `123456`, roles `USER` and `ADMIN`, attribute
/// `REGION`.
fn prepare(server: &Server) {
    let account = server.post(ACCOUNTS, &json!({"accountName": "123456", "accountType": "CUSTOMER"}));
    assert_eq!(account.status, 201, "{}", text(&account));
    for role in ["USER", "ADMIN"] {
        let reply = server.post("/api/v1/roles", &json!({"name": role, "permissions": ["users:read"]}));
        assert_eq!(reply.status, 201, "{}", text(&reply));
    }
    let reply = server.post("/api/v1/attribute-definitions", &json!({"name": "REGION", "type": "string"}));
    assert_eq!(reply.status, 201, "{}", text(&reply));
}

fn text(reply: &Reply) -> String {
    String::from_utf8_lossy(&reply.body).into_owned()
}

/// The fields a 400 problem names, in order.
fn problem_fields(reply: &Reply) -> Vec<String> {
    assert_eq!(reply.status, 400, "{}", text(reply));
    assert_eq!(reply.header("content-type"), Some("application/problem+json"));
    reply.json()["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect()
}

/// A user of the sample's shape: `name@example.com`, member of `account` with `USER`.
fn user_body(name: &str, account: &str) -> Value {
    json!({
        "firstName": name,
        "lastName": "Tester",
        "displayName": format!("{name} Tester"),
        "emailAddress": format!("{name}@example.com"),
        "accountRoles": [{"accountName": account, "roles": ["USER"]}],
    })
}

#[test]
fn the_documents_create_sample_makes_a_user_whose_time_zone_reads_back_as_a_zone_name() {
    let server = Server::start();
    prepare(&server);
    let created = server.post(USERS, &document_sample());
    assert_eq!(created.status, 201, "{}", text(&created));
    assert_eq!(created.header("content-type"), Some("application/json"));
    assert_eq!(created.header("location"), Some("/users-accounts-api/v1/users/johndoe@xyz.com"));
    let user = created.json();
    assert_eq!(user["userName"], "johndoe@xyz.com");
    assert_eq!(user["emailAddress"], "johndoe@xyz.com");
    assert_eq!(user["phoneNumber"], "989915487");
    assert_eq!(user["faxNumber"], "01154785");
    assert_eq!(user["status"], "Active");
    assert_eq!(user["timezone"], "Etc/GMT+6");
    assert_eq!((user["canLogin"].as_bool(), user["portalLogin"].as_bool()), (Some(true), Some(true)));
    assert_eq!(
        user["accountRoles"],
        json!([{"accountName": "123456", "expiryDate": "2025-12-30", "roles": ["USER", "ADMIN"]}])
    );
    assert_eq!(user["attributes"], json!([{"name": "REGION", "value": "EMEA"}]));

    let read = server.get(&format!("{USERS}/johndoe@xyz.com"));
    assert_eq!(read.status, 200);
    assert_eq!(read.json()["timezone"], "Etc/GMT+6");
    assert_eq!(read.json(), user);
    let escaped = server.get(&format!("{USERS}/johndoe%40xyz.com"));
    assert_eq!((escaped.status, escaped.json()), (200, user));
}

#[test]
fn a_contact_ignores_its_user_name_and_a_login_user_name_must_match_the_email_address() {
    let server = Server::start();
    prepare(&server);
    let mut contact = user_body("carl", "123456");
    contact["canLogin"] = json!(false);
    contact["userName"] = json!("anything at all");
    let created = server.post(USERS, &contact);
    assert_eq!(created.status, 201, "{}", text(&created));
    assert_eq!(
        (created.json()["userName"].as_str(), created.json()["canLogin"].as_bool()),
        (Some("carl@example.com"), Some(false))
    );

    let mut mismatched = user_body("mia", "123456");
    mismatched["canLogin"] = json!(true);
    mismatched["userName"] = json!("mia");
    assert_eq!(problem_fields(&server.post(USERS, &mismatched)), ["userName"]);
    mismatched.as_object_mut().unwrap().remove("userName");
    assert_eq!(problem_fields(&server.post(USERS, &mismatched)), ["userName"], "required when canLogin is true");
}

#[test]
fn a_bad_create_names_every_field_and_writes_nothing() {
    let server = Server::start();
    prepare(&server);
    assert_eq!(
        problem_fields(&server.post(USERS, &json!({}))),
        ["firstName", "lastName", "emailAddress", "accountRoles"]
    );

    let mut body = user_body("eve", "nowhere");
    body["accountRoles"] = json!([{"accountName": "nowhere", "roles": ["GHOST"], "expiryDate": "30/12/2025"}]);
    body["status"] = json!("Gone");
    let fields = problem_fields(&server.post(USERS, &body));
    assert_eq!(fields, ["status"], "the body's own rules are checked before the store is read");
    body["status"] = json!("Inactive");
    let fields = problem_fields(&server.post(USERS, &body));
    assert_eq!(fields, ["accountRoles[0].accountName", "accountRoles[0].roles[0]", "accountRoles[0].expiryDate"]);
    body["accountRoles"] = json!([{"accountName": "123456", "roles": []}]);
    assert_eq!(problem_fields(&server.post(USERS, &body)), ["accountRoles[0].roles"]);
    body["accountRoles"] = json!([{"accountName": "123456", "roles": ["USER"]}]);
    body["attributes"] = json!([{"name": "SHOE_SIZE", "value": "9"}]);
    assert_eq!(problem_fields(&server.post(USERS, &body)), ["attributes[0].name"]);
    assert_eq!(server.get(&format!("{USERS}/eve@example.com")).status, 404, "nothing was written");

    let mut long = user_body("x", "123456");
    let domain = format!("{}{}", format!("{}.", "b".repeat(62)).repeat(14), "c".repeat(53));
    let address = format!("{}@{domain}", "a".repeat(64));
    assert_eq!(address.chars().count(), 1000);
    long["emailAddress"] = json!(address);
    assert_eq!(server.post(USERS, &long).status, 201, "1000 characters are allowed");
    long["emailAddress"] = json!(format!("a{address}"));
    assert_eq!(problem_fields(&server.post(USERS, &long)), ["emailAddress"]);
}

#[test]
fn the_user_list_filters_by_every_documented_parameter_sorts_and_pages() {
    let server = Server::start();
    prepare(&server);
    let other = server.post(ACCOUNTS, &json!({"accountName": "777", "accountType": "PUBLISHER"}));
    assert_eq!(other.status, 201);
    let other_id = other.json()["accountId"].as_str().unwrap().to_owned();
    for name in ["ann", "bob", "cat"] {
        assert_eq!(server.post(USERS, &user_body(name, "123456")).status, 201);
    }
    let mut dan = user_body("dan", "777");
    dan["status"] = json!("Inactive");
    assert_eq!(server.post(USERS, &dan).status, 201);

    // The document's sample carries placeholders; each one that is not a valid value is named.
    let sample = "userName=string&displayName=string&email=string&accountId=string&accountName=string\
                  &accountType=string&status=string&sort_by=string&sort_order=string&page=0&limit=0";
    assert_eq!(
        problem_fields(&server.get(&format!("{USERS}?{sample}"))),
        ["accountType", "status", "sort_by", "sort_order"]
    );

    let names = |query: &str| -> Vec<String> {
        let reply = server.get(&format!("{USERS}?{query}"));
        assert_eq!(reply.status, 200, "{query}: {}", text(&reply));
        reply.json()["users"].as_array().unwrap().iter().map(|u| u["firstName"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(names("accountName=123456&sort_by=email&sort_order=desc"), ["cat", "bob", "ann"]);
    assert_eq!(names(&format!("accountId={other_id}")), ["dan"]);
    assert_eq!(names("accountType=PUBLISHER"), ["dan"]);
    assert_eq!(names("accountType=CUSTOMER&status=inactive"), Vec::<String>::new());
    assert_eq!(names("status=inactive"), ["dan"]);
    assert_eq!(names("userName=bob@example.com"), ["bob"]);
    assert_eq!(names("email=an*"), ["ann"]);
    assert_eq!(names("displayName=cat%20tester"), ["cat"]);
    assert_eq!(names("sort_by=status&sort_order=desc&accountName=777"), ["dan"]);

    let page = server.get(&format!("{USERS}?accountName=123456&sort_by=displayName&page=2&limit=2")).json();
    assert_eq!(page["users"].as_array().unwrap().len(), 1);
    assert_eq!(page["users"][0]["firstName"], "cat");
    assert_eq!(
        (page["page"].as_u64(), page["limit"].as_u64(), page["totalCount"].as_u64()),
        (Some(2), Some(2), Some(3))
    );
}

#[test]
fn a_user_is_updated_by_user_name_with_its_memberships_and_deleted() {
    let server = Server::start();
    prepare(&server);
    assert_eq!(server.post(ACCOUNTS, &json!({"accountName": "777"})).status, 201);
    assert_eq!(server.post(USERS, &user_body("amy", "123456")).status, 201);
    let path = format!("{USERS}/amy@example.com");
    let body = json!({
        "city": "Paris",
        "timezone": "GMT+1.0DST1",
        "status": "Inactive",
        "accountRoles": [{"accountName": "777", "roles": ["ADMIN"], "expiryDate": "2099-01-31"}]
    });
    let updated = server.request_as(server.admin_token(), "PUT", &path, &[], Some(&body));
    assert_eq!(updated.status, 200, "{}", text(&updated));
    let user = updated.json();
    assert_eq!((user["city"].as_str(), user["status"].as_str()), (Some("Paris"), Some("Inactive")));
    assert_eq!(user["accountRoles"], json!([{"accountName": "777", "roles": ["ADMIN"], "expiryDate": "2099-01-31"}]));
    assert_eq!(server.get(&path).json(), user);

    let renamed = server.request_as(
        server.admin_token(),
        "PUT",
        &path,
        &[],
        Some(&json!({"emailAddress": "amy@example.org", "userName": "amy@example.org"})),
    );
    assert_eq!(renamed.status, 200, "{}", text(&renamed));
    assert_eq!(server.get(&path).status, 404);
    let bad = server.request_as(
        server.admin_token(),
        "PUT",
        "/users-accounts-api/v1/users/amy@example.org",
        &[],
        Some(&json!({"userName": "amy"})),
    );
    assert_eq!(problem_fields(&bad), ["userName"]);

    assert_eq!(server.delete("/users-accounts-api/v1/users/amy@example.org").status, 204);
    assert_eq!(server.get("/users-accounts-api/v1/users/amy@example.org").status, 404);
    assert_eq!(server.delete("/users-accounts-api/v1/users/amy@example.org").status, 404);
}

#[test]
fn accounts_are_created_read_updated_listed_and_deleted_by_name() {
    let server = Server::start();
    let created = server.post(
        ACCOUNTS,
        &json!({"accountName": "123456", "displayName": "Acme", "accountType": "CUSTOMER", "status": "Active"}),
    );
    assert_eq!(created.status, 201, "{}", text(&created));
    assert_eq!(created.header("location"), Some("/users-accounts-api/v1/accounts/123456"));
    let account = created.json();
    assert_eq!((account["accountName"].as_str(), account["accountType"].as_str()), (Some("123456"), Some("CUSTOMER")));
    assert_eq!(account["status"], "Active");
    let id = account["accountId"].as_str().unwrap().to_owned();
    assert_eq!(server.get(&format!("{ACCOUNTS}/123456")).json(), account);
    assert_eq!(server.get(&format!("{ACCOUNTS}/{id}")).json(), account);

    let path = format!("{ACCOUNTS}/123456");
    let updated = server.request_as(
        server.admin_token(),
        "PUT",
        &path,
        &[],
        Some(&json!({"displayName": "Acme Inc", "accountType": "PUBLISHER", "status": "Inactive"})),
    );
    assert_eq!(updated.status, 200, "{}", text(&updated));
    assert_eq!(
        (updated.json()["displayName"].as_str(), updated.json()["status"].as_str()),
        (Some("Acme Inc"), Some("Inactive"))
    );
    assert_eq!(server.post(ACCOUNTS, &json!({"accountName": "654321"})).status, 201);
    let listed = server.get(&format!("{ACCOUNTS}?accountType=PUBLISHER")).json();
    assert_eq!(listed["accounts"].as_array().unwrap().len(), 1);
    let all = server.get(&format!("{ACCOUNTS}?sort_by=accountName&sort_order=desc&page=1&limit=10")).json();
    let names: Vec<&str> =
        all["accounts"].as_array().unwrap().iter().map(|a| a["accountName"].as_str().unwrap()).collect();
    assert_eq!(names, ["654321", "123456"]);
    assert_eq!(
        problem_fields(&server.post(ACCOUNTS, &json!({"accountType": "MARTIAN"}))),
        ["accountName", "accountType"]
    );
    let taken = server.post(ACCOUNTS, &json!({"accountName": "123456"}));
    assert_eq!((taken.status, taken.json()["errors"][0]["field"].as_str()), (409, Some("accountName")));

    let member = server.create_user("amy", PASSWORD);
    let put = server.request_as(
        server.admin_token(),
        "PUT",
        &format!("/api/v1/accounts/{id}/members/{member}"),
        &[],
        Some(&json!({"roles": []})),
    );
    assert_eq!(put.status, 200);
    let refused = server.delete(&path);
    assert_eq!((refused.status, refused.json()["code"].as_str()), (409, Some("account_has_members")));
    assert_eq!(server.delete(&format!("{path}?force=true")).status, 204);
    assert_eq!(server.get(&path).status, 404);
}

#[test]
fn credentials_and_permissions_hold_as_on_the_native_api() {
    let server = Server::start();
    prepare(&server);
    assert_eq!(server.post(ACCOUNTS, &json!({"accountName": "777"})).status, 201);
    assert_eq!(server.post(USERS, &user_body("bob", "777")).status, 201);

    let anonymous = server.request("GET", USERS, &[], None);
    assert_eq!(anonymous.status, 401);
    assert_eq!(anonymous.header("content-type"), Some("application/problem+json"));
    assert!(anonymous.header("www-authenticate").is_some_and(|v| v.starts_with("Bearer")));
    assert_eq!(server.request("POST", USERS, &[], Some(&document_sample())).status, 401);
    assert_eq!(server.request("GET", ACCOUNTS, &[], None).status, 401);

    // A plain user holds no permission over others: 403 naming the permission.
    server.create_user("plain", PASSWORD);
    let plain = server.login("plain", PASSWORD);
    let forbidden = server.request_as(&plain, "GET", USERS, &[], None);
    assert_eq!((forbidden.status, forbidden.json()["code"].as_str()), (403, Some("forbidden")));
    assert!(forbidden.json()["detail"].as_str().unwrap().contains("users:list"));
    assert_eq!(server.request_as(&plain, "POST", USERS, &[], Some(&document_sample())).status, 403);
    assert_eq!(server.request_as(&plain, "POST", ACCOUNTS, &[], Some(&json!({"accountName": "x"}))).status, 403);

    // An administrator of account 123456 sees its members, and nothing of account 777.
    let admin_id = server.create_user("boss", PASSWORD);
    let account = server.get(&format!("{ACCOUNTS}/123456")).json()["accountId"].as_str().unwrap().to_owned();
    let put = server.request_as(
        server.admin_token(),
        "PUT",
        &format!("/api/v1/accounts/{account}/members/{admin_id}"),
        &[],
        Some(&json!({"roles": ["account-admin"]})),
    );
    assert_eq!(put.status, 200);
    assert_eq!(server.post(USERS, &user_body("kim", "123456")).status, 201);
    let boss = server.login("boss", PASSWORD);
    assert_eq!(server.request_as(&boss, "GET", &format!("{USERS}/kim@example.com"), &[], None).status, 200);
    let foreign = server.request_as(&boss, "GET", &format!("{USERS}/bob@example.com"), &[], None);
    assert_eq!((foreign.status, foreign.json()["code"].as_str()), (404, Some("not_found")));
    assert_eq!(server.request_as(&boss, "GET", &format!("{USERS}/nobody@example.com"), &[], None).status, 404);
    // It lists its own account's members, as the native member list allows, and no others.
    let own = server.request_as(&boss, "GET", &format!("{USERS}?accountName=123456&sort_by=email"), &[], None);
    assert_eq!(own.status, 200, "{}", text(&own));
    let listed = own.json();
    let emails: Vec<&str> =
        listed["users"].as_array().unwrap().iter().map(|u| u["emailAddress"].as_str().unwrap()).collect();
    assert_eq!(emails, ["boss@example.com", "kim@example.com"]);
    assert_eq!(server.request_as(&boss, "GET", &format!("{USERS}?accountName=777"), &[], None).status, 404);
    assert_eq!(server.request_as(&boss, "GET", USERS, &[], None).status, 403);
    // Nor may it change a profile, which is global: that takes a global users:update.
    let change =
        server.request_as(&boss, "PUT", &format!("{USERS}/kim@example.com"), &[], Some(&json!({"city": "Oslo"})));
    assert_eq!(change.status, 403);
}
