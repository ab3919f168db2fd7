//! Seed 003, "Users (1.0)", end to end under `/users-api/v1`: the document's request
//! samples, its length limits, Spring-style pages with predicates and field selection,
//! recap counts, lost and reset passwords per realm, and the 401 / 403 / 404 paths.

use roster_tests::{Reply, Server, token_in};
use serde_json::{Value, json};

const USERS: &str = "/users-api/v1/users";
const PASSWORD: &str = "tulip marble ocean";

fn text(reply: &Reply) -> String {
    String::from_utf8_lossy(&reply.body).into_owned()
}

/// The fields a 400 problem names, in order.
fn problem_fields(reply: &Reply) -> Vec<String> {
    assert_eq!(reply.status, 400, "{}", text(reply));
    assert_eq!(reply.header("content-type"), Some("application/problem+json"));
    reply.json()["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect()
}

/// Create account `name` (a customer); its id.
fn customer(server: &Server, name: &str) -> String {
    let reply = server.post("/api/v1/accounts", &json!({"name": name, "type": "CUSTOMER"}));
    assert_eq!(reply.status, 201, "{}", text(&reply));
    reply.json()["id"].as_str().unwrap().to_owned()
}

/// The document's "Create a user" request sample. Its placeholders stay where Roster's
/// shared rules take them; the email, the user name and the customer ids are real ones
/// (an email needs an `@`, a customer must exist).
fn document_create_sample(customer: &str, authorized: &str) -> Value {
    json!({
        "id": "string",
        "customerId": customer,
        "createDate": "2019-08-24T14:15:22Z",
        "updateDate": "2019-08-24T14:15:22Z",
        "modelVersion": "string",
        "dbVersion": 0,
        "lastUpdateReason": "string",
        "originalId": "string",
        "status": "ENABLED",
        "email": "jane@example.com",
        "firstName": "string",
        "lastName": "string",
        "userName": "jane",
        "password": "stringst",
        "token": "string",
        "emails": [{}],
        "authorizedCustomers": [{"customerId": authorized, "name": "string"}],
        "preferences": {"property1": {}, "property2": {}},
        "authorizedCustomerIds": [authorized]
    })
}

/// A user of `customer`: `name@example.com`, with `PASSWORD`.
fn user_body(name: &str, customer: &str) -> Value {
    json!({
        "customerId": customer,
        "status": "ENABLED",
        "email": format!("{name}@example.com"),
        "firstName": name,
        "lastName": "Tester",
        "userName": name,
        "password": PASSWORD,
    })
}

fn create(server: &Server, body: &Value) -> Value {
    let reply = server.post(USERS, body);
    assert_eq!(reply.status, 201, "{}", text(&reply));
    reply.json()
}

#[test]
fn the_documents_samples_verbatim_are_refused_for_their_placeholder_email() {
    let server = Server::start();
    let acme = customer(&server, "acme");
    let mut verbatim = document_create_sample("string", "string");
    verbatim["email"] = json!("string");
    verbatim["userName"] = json!("string");
    assert_eq!(problem_fields(&server.post(USERS, &verbatim)), ["email"]);
    let id = create(&server, &user_body("kim", &acme))["id"].as_str().unwrap().to_owned();
    let update = json!({"customerId": "string", "email": "string", "firstName": "string", "lastName": "string",
                        "userName": "string", "status": "ENABLED", "authorizedCustomerIds": ["string"]});
    let reply = server.request_as(server.admin_token(), "PUT", &format!("{USERS}/{id}"), &[], Some(&update));
    assert_eq!(problem_fields(&reply), ["email"]);
    // The lost-password sample goes through (it reveals nothing); the reset sample's
    // password is shorter than the document's own 8-character minimum.
    let lost =
        server.request("POST", "/users-api/v1/realms/acme/password/lost", &[], Some(&json!({"email": "string"})));
    assert_eq!(lost.status, 202);
    let reset = server.request(
        "POST",
        "/users-api/v1/realms/acme/password/reset/string",
        &[],
        Some(&json!({"password": "string"})),
    );
    assert_eq!(problem_fields(&reset), ["password"]);
}

#[test]
fn the_documents_create_sample_makes_a_user_of_a_customer_that_can_log_in() {
    let server = Server::start();
    let acme = customer(&server, "acme");
    let beta = customer(&server, "beta");
    let created = server.post(USERS, &document_create_sample(&acme, &beta));
    assert_eq!(created.status, 201, "{}", text(&created));
    assert_eq!(created.header("content-type"), Some("application/json"));
    let user = created.json();
    let id = user["id"].as_str().unwrap().to_owned();
    assert_ne!(id, "string", "the id is the server's");
    assert_eq!(created.header("location"), Some(format!("/users-api/v1/users/{id}").as_str()));
    assert_eq!(user["customerId"], acme.as_str());
    assert_eq!(user["authorizedCustomerIds"], json!([beta]));
    assert_eq!((user["status"].as_str(), user["inactive"].as_bool()), (Some("ENABLED"), Some(false)));
    assert_eq!((user["userName"].as_str(), user["email"].as_str()), (Some("jane"), Some("jane@example.com")));
    assert_eq!(user["dbVersion"], 1);
    assert_eq!(user["preferences"], json!({"property1": {}, "property2": {}}));
    assert!(user.get("password").is_none() && user.get("token").is_none(), "secrets never come back: {user}");
    server.login("jane", "stringst");

    let read = server.get(&format!("{USERS}/{id}"));
    assert_eq!(read.status, 200);
    assert_eq!(read.json(), user);
    let selected = server.get(&format!("{USERS}/{id}?target=email&target=userName")).json();
    assert_eq!(selected, json!({"email": "jane@example.com", "userName": "jane"}));
    assert_eq!(server.get(&format!("{USERS}/0196a0b0-0000-7000-8000-000000000000")).status, 404);
}

#[test]
fn the_documents_update_sample_replaces_the_user_and_its_customers() {
    let server = Server::start();
    let acme = customer(&server, "acme");
    let beta = customer(&server, "beta");
    let gamma = customer(&server, "gamma");
    let id = create(&server, &document_create_sample(&acme, &beta))["id"].as_str().unwrap().to_owned();
    // The document's "Update a user" sample, with real values for its placeholders.
    let update = json!({
        "customerId": gamma,
        "email": "jane.doe@example.com",
        "firstName": "Jane",
        "lastName": "Doe",
        "userName": "janedoe",
        "status": "DISABLED",
        "authorizedCustomerIds": [acme]
    });
    let path = format!("{USERS}/{id}");
    let reply = server.request_as(server.admin_token(), "PUT", &path, &[], Some(&update));
    assert_eq!(reply.status, 200, "{}", text(&reply));
    let user = reply.json();
    assert_eq!(
        (user["customerId"].as_str(), user["authorizedCustomerIds"].clone()),
        (Some(gamma.as_str()), json!([acme]))
    );
    assert_eq!((user["status"].as_str(), user["inactive"].as_bool()), (Some("DISABLED"), Some(true)));
    assert_eq!((user["firstName"].as_str(), user["userName"].as_str()), (Some("Jane"), Some("janedoe")));
    assert_eq!(user["dbVersion"], 2);
    assert_eq!(server.get(&path).json(), user);

    let unknown = server.request_as(
        server.admin_token(),
        "PUT",
        &format!("{USERS}/0196a0b0-0000-7000-8000-000000000000"),
        &[],
        Some(&update),
    );
    assert_eq!(unknown.status, 404);
    let partial = server.request_as(server.admin_token(), "PUT", &path, &[], Some(&json!({"email": "x@example.com"})));
    assert_eq!(problem_fields(&partial), ["status", "firstName", "lastName", "userName"]);
}

#[test]
fn the_documents_limits_hold_on_this_surface_and_each_broken_field_is_named() {
    let server = Server::start();
    let acme = customer(&server, "acme");
    assert_eq!(
        problem_fields(&server.post(USERS, &json!({}))),
        ["status", "email", "firstName", "lastName", "userName", "password"]
    );
    let mut body = user_body("kim", &acme);
    body["firstName"] = json!("f".repeat(51));
    body["lastName"] = json!("l".repeat(51));
    body["userName"] = json!("u".repeat(51));
    body["email"] = json!(format!("{}@example.com", "e".repeat(139)));
    body["password"] = json!("p".repeat(51));
    body["status"] = json!("enabled");
    body["authorizedCustomerIds"] = json!([acme, acme]);
    let fields = problem_fields(&server.post(USERS, &body));
    assert_eq!(
        fields,
        ["status", "email", "firstName", "lastName", "userName", "password", "authorizedCustomerIds[1]"]
    );
    let mut short = user_body("kim", &acme);
    short["password"] = json!("seven77");
    short["email"] = json!("a@b.c");
    assert_eq!(problem_fields(&server.post(USERS, &short)), ["email", "password"]);
    let mut unknown = user_body("kim", "nowhere");
    unknown["authorizedCustomerIds"] = json!(["elsewhere"]);
    assert_eq!(problem_fields(&server.post(USERS, &unknown)), ["customerId", "authorizedCustomerIds[0]"]);
    assert_eq!(server.get(&format!("{USERS}?userName=kim")).json()["totalItems"], 0, "nothing was written");
}

#[test]
fn lists_page_from_zero_with_predicates_sort_and_targets() {
    let server = Server::start();
    let acme = customer(&server, "acme");
    let beta = customer(&server, "beta");
    for name in ["ann", "bob", "cat"] {
        create(&server, &user_body(name, &acme));
    }
    let mut dan = user_body("dan", &acme);
    dan["status"] = json!("DISABLED");
    create(&server, &dan);
    create(&server, &user_body("eve", &beta));

    let first =
        server.get(&format!("{USERS}?status=ENABLED&customerId={acme}&sort=email,desc&page=0&size=2&target=email"));
    assert_eq!(first.status, 200, "{}", text(&first));
    assert_eq!(
        first.json(),
        json!({
            "items": [{"email": "cat@example.com"}, {"email": "bob@example.com"}],
            "last": false, "totalItems": 3, "totalPages": 2, "size": 2, "number": 0
        })
    );
    let second =
        server.get(&format!("{USERS}?status=ENABLED&customerId=acme&sort=email,desc&page=1&size=2&target=email"));
    assert_eq!(
        second.json(),
        json!({"items": [{"email": "ann@example.com"}], "last": true, "totalItems": 3, "totalPages": 2, "size": 2, "number": 1})
    );
    let disabled = server.get(&format!("{USERS}?status=DISABLED")).json();
    assert_eq!(disabled["items"][0]["userName"], "dan");
    assert_eq!(disabled["items"][0]["customerId"], acme.as_str());
    assert_eq!(
        problem_fields(&server.get(&format!("{USERS}?status=enabled&sort=password&target=password&nickname=x"))),
        ["status", "sort", "nickname", "target"]
    );
}

#[test]
fn recap_counts_the_users_of_a_predicate_by_one_field() {
    let server = Server::start();
    let acme = customer(&server, "acme");
    for name in ["ann", "bob"] {
        create(&server, &user_body(name, &acme));
    }
    let mut dan = user_body("dan", &acme);
    dan["status"] = json!("DISABLED");
    create(&server, &dan);
    let recap = server.get(&format!("{USERS}/recap?target=status&customerId={acme}"));
    assert_eq!(recap.status, 200, "{}", text(&recap));
    assert_eq!(
        recap.json(),
        json!({
            "items": [{"targetValue": "ENABLED", "count": 2}, {"targetValue": "DISABLED", "count": 1}],
            "last": true, "totalItems": 2, "totalPages": 1, "size": 20, "number": 0
        })
    );
    let paged = server.get(&format!("{USERS}/recap?target=lastName&status=ENABLED&size=1")).json();
    assert_eq!(paged["items"], json!([{"targetValue": null, "count": 1}]), "the administrator has no last name");
    assert_eq!((paged["totalItems"].as_u64(), paged["last"].as_bool()), (Some(2), Some(false)));
    assert_eq!(problem_fields(&server.get(&format!("{USERS}/recap"))), ["target"]);
}

#[test]
fn a_lost_password_is_reset_only_inside_the_realm_the_user_belongs_to() {
    let server = Server::start();
    let acme = customer(&server, "acme");
    let beta = customer(&server, "beta");
    create(&server, &user_body("jane", &acme));
    create(&server, &user_body("bob", &beta));
    let public = |path: &str, body: Value| server.request("POST", path, &[], Some(&body));

    // The document's samples: `{email}` and `{password}`, with a member's address.
    let outsider = public("/users-api/v1/realms/acme/password/lost", json!({"email": "bob@example.com"}));
    assert_eq!(outsider.status, 202, "{}", text(&outsider));
    let nowhere = public("/users-api/v1/realms/nowhere/password/lost", json!({"email": "jane@example.com"}));
    assert_eq!((nowhere.status, nowhere.json()), (202, outsider.json()), "an unknown realm answers the same");
    let lost = public("/users-api/v1/realms/acme/password/lost", json!({"email": "jane@example.com"}));
    assert_eq!((lost.status, lost.json()), (202, outsider.json()));
    let mail = server.wait_for_mail(1);
    assert_eq!(mail.len(), 1, "only the realm's member got mail");
    assert!(mail[0].contains("jane@example.com"));
    let token = token_in(&mail[0]);

    let wrong_realm =
        public(&format!("/users-api/v1/realms/beta/password/reset/{token}"), json!({"password": "a new passphrase"}));
    assert_eq!((wrong_realm.status, wrong_realm.json()["errors"][0]["code"].as_str()), (400, Some("invalid_token")));
    let too_long =
        public(&format!("/users-api/v1/realms/acme/password/reset/{token}"), json!({"password": "p".repeat(51)}));
    assert_eq!(problem_fields(&too_long), ["password"]);
    let reset =
        public(&format!("/users-api/v1/realms/acme/password/reset/{token}"), json!({"password": "a new passphrase"}));
    assert_eq!(reset.status, 204, "{}", text(&reset));
    server.login("jane", "a new passphrase");
    let again =
        public(&format!("/users-api/v1/realms/acme/password/reset/{token}"), json!({"password": "another passphrase"}));
    assert_eq!(again.json()["errors"][0]["code"], "invalid_token");
    assert_eq!(
        problem_fields(&public("/users-api/v1/realms/acme/password/lost", json!({"email": "a@b.c"}))),
        ["email"]
    );
}

#[test]
fn credentials_and_permissions_hold_as_on_the_native_api() {
    let server = Server::start();
    let acme = customer(&server, "acme");
    let beta = customer(&server, "beta");
    let kim = create(&server, &user_body("kim", &acme))["id"].as_str().unwrap().to_owned();
    let bob = create(&server, &user_body("bob", &beta))["id"].as_str().unwrap().to_owned();

    let anonymous = server.request("GET", USERS, &[], None);
    assert_eq!(anonymous.status, 401);
    assert_eq!(anonymous.header("content-type"), Some("application/problem+json"));
    assert!(anonymous.header("www-authenticate").is_some_and(|v| v.starts_with("Bearer")));
    assert_eq!(server.request("GET", &format!("{USERS}/{kim}"), &[], None).status, 401);
    assert_eq!(server.request("POST", USERS, &[], Some(&user_body("x", &acme))).status, 401);
    assert_eq!(server.request("GET", &format!("{USERS}/recap?target=status"), &[], None).status, 401);

    // A user without roles: 403 naming the permission, but their own record is theirs.
    let plain = server.login("bob", PASSWORD);
    let forbidden = server.request_as(&plain, "GET", USERS, &[], None);
    assert_eq!((forbidden.status, forbidden.json()["code"].as_str()), (403, Some("forbidden")));
    assert!(forbidden.json()["detail"].as_str().unwrap().contains("users:list"));
    assert_eq!(server.request_as(&plain, "POST", USERS, &[], Some(&user_body("x", &beta))).status, 403);
    assert_eq!(server.request_as(&plain, "GET", &format!("{USERS}/{bob}"), &[], None).status, 200);

    // An administrator of acme reads acme's users, and nothing of beta's.
    let boss = create(&server, &user_body("boss", &acme))["id"].as_str().unwrap().to_owned();
    let put = server.request_as(
        server.admin_token(),
        "PUT",
        &format!("/api/v1/accounts/{acme}/members/{boss}"),
        &[],
        Some(&json!({"roles": ["account-admin"]})),
    );
    assert_eq!(put.status, 200, "{}", text(&put));
    let boss = server.login("boss", PASSWORD);
    assert_eq!(server.request_as(&boss, "GET", &format!("{USERS}/{kim}"), &[], None).status, 200);
    let foreign = server.request_as(&boss, "GET", &format!("{USERS}/{bob}"), &[], None);
    assert_eq!((foreign.status, foreign.json()["code"].as_str()), (404, Some("not_found")));
    // It lists its customer's users, and no other customer's.
    let own =
        server.request_as(&boss, "GET", &format!("{USERS}?customerId={acme}&sort=userName&target=userName"), &[], None);
    assert_eq!(own.status, 200, "{}", text(&own));
    assert_eq!(own.json()["items"], json!([{"userName": "boss"}, {"userName": "kim"}]));
    assert_eq!(server.request_as(&boss, "GET", &format!("{USERS}?customerId={beta}"), &[], None).status, 404);
    assert_eq!(server.request_as(&boss, "GET", USERS, &[], None).status, 403);
}
