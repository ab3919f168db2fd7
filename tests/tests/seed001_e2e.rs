//! Seed 001, the "User Management API" under `/auth`, end to end: every operation of its
//! endpoint index with the document's request fields, checked against its response
//! fields; the 401 and 403 paths of every operation; validation errors naming the field.

use roster_tests::{Reply, Server, is_uuid};
use serde_json::{Value, json};

const PASSWORD: &str = "velvet comet 99";

/// The document's `UserCreateRequest`, with every field.
fn create_sample(user_name: &str) -> Value {
    json!({
        "firstName": "Jane",
        "lastName": "Doe",
        "userName": user_name,
        "password": PASSWORD,
        "temporaryPassword": false,
        "email": user_name,
        "roles": [],
        "tenants": []
    })
}

fn body_text(reply: &Reply) -> String {
    String::from_utf8_lossy(&reply.body).into_owned()
}

/// The document's `UserResponse`: required `locator` (a UUID), `firstName`, `lastName`,
/// `userName`, `tenants`; optional `email`, `permissions`, `roles`; nothing else.
fn assert_user_response(user: &Value) {
    let object = user.as_object().unwrap_or_else(|| panic!("a UserResponse is an object: {user}"));
    assert!(is_uuid(user["locator"].as_str().unwrap_or("")), "{user}");
    for field in ["firstName", "lastName", "userName"] {
        assert!(user[field].is_string(), "{field} in {user}");
    }
    assert!(user["tenants"].is_array(), "{user}");
    let known = ["locator", "firstName", "lastName", "userName", "tenants", "email", "permissions", "roles"];
    assert!(object.keys().all(|k| known.contains(&k.as_str())), "only the document's fields: {user}");
}

/// The document's `RoleResponse`.
fn assert_role_response(role: &Value) {
    for field in ["locator", "name", "description", "createdAt"] {
        assert!(role[field].is_string(), "{field} in {role}");
    }
    assert!(role["version"].is_u64() && role["permissions"].is_array(), "{role}");
    assert!(is_uuid(role["createdBy"].as_str().unwrap_or("")), "{role}");
    assert_eq!(role.as_object().unwrap().len(), 7, "only the document's fields: {role}");
}

fn create_user(server: &Server, user_name: &str) -> String {
    let reply = server.post("/auth/users", &create_sample(user_name));
    assert_eq!(reply.status, 201, "{}", body_text(&reply));
    reply.json()["locator"].as_str().unwrap().to_owned()
}

fn create_account(server: &Server, name: &str) -> String {
    let reply = server.post("/api/v1/accounts", &json!({"name": name, "type": "CUSTOMER"}));
    assert_eq!(reply.status, 201, "{}", body_text(&reply));
    reply.json()["id"].as_str().unwrap().to_owned()
}

#[test]
fn create_a_user_then_fetch_it_by_locator_by_name_and_as_whoami() {
    let server = Server::start();
    let reply = server.post("/auth/users", &create_sample("jane@example.com"));
    assert_eq!(reply.status, 201, "{}", body_text(&reply));
    assert_eq!(reply.header("content-type"), Some("application/json"));
    let created = reply.json();
    assert_user_response(&created);
    let locator = created["locator"].as_str().unwrap();
    assert_eq!(reply.header("location"), Some(format!("/auth/users/{locator}").as_str()));
    assert_eq!(
        (&created["firstName"], &created["lastName"], &created["userName"], &created["email"]),
        (&json!("Jane"), &json!("Doe"), &json!("jane@example.com"), &json!("jane@example.com"))
    );
    assert!(!body_text(&reply).contains(PASSWORD), "the password never comes back");

    let by_locator = server.get(&format!("/auth/users/{locator}"));
    assert_eq!(by_locator.status, 200);
    assert_user_response(&by_locator.json());
    assert_eq!(by_locator.json()["locator"], locator);

    let by_name = server.get("/auth/users/username/jane@example.com");
    assert_eq!(by_name.status, 200);
    let list = by_name.json();
    assert_eq!(list.as_array().map(Vec::len), Some(1), "a UserResponse[]: {list}");
    assert_user_response(&list[0]);
    assert_eq!(server.get("/auth/users/username/ghost@example.com").json(), json!([]));

    let token = server.login("jane@example.com", PASSWORD);
    let me = server.request_as(&token, "GET", "/auth/users/whoami", &[], None);
    assert_eq!(me.status, 200);
    assert_user_response(&me.json());
    assert_eq!(me.json()["locator"], locator);
}

#[test]
fn a_temporary_password_must_be_changed_before_anything_else() {
    let server = Server::start();
    let sample = json!({
        "firstName": "Tom", "lastName": "Temp", "userName": "tom@example.com",
        "password": PASSWORD, "temporaryPassword": true
    });
    assert_eq!(server.post("/auth/users", &sample).status, 201);
    let token = server.login("tom@example.com", PASSWORD);
    let me = server.request_as(&token, "GET", "/auth/users/whoami", &[], None);
    assert_eq!((me.status, me.json()["code"].as_str()), (403, Some("password_change_required")));
}

#[test]
fn lists_page_by_offset_and_count_and_the_basic_list_allows_a_larger_count() {
    let server = Server::start();
    for name in ["a", "b", "c", "d"] {
        create_user(&server, &format!("{name}@example.com"));
    }
    // Five users with the administrator, in creation order.
    let page = server.get("/auth/users/list?offset=1&count=2&extended=true");
    assert_eq!(page.status, 200, "{}", body_text(&page));
    let page = page.json();
    assert_eq!(page["listCompleted"], false);
    let items = page["items"].as_array().unwrap();
    let names: Vec<&str> = items.iter().map(|u| u["userName"].as_str().unwrap()).collect();
    assert_eq!(names, ["a@example.com", "b@example.com"]);
    items.iter().for_each(assert_user_response);
    assert!(items[0]["roles"].is_array() && items[0]["permissions"].is_array(), "extended: {page}");
    let last = server.get("/auth/users/list?offset=4&count=2").json();
    assert_eq!((last["listCompleted"].as_bool(), last["items"].as_array().map(Vec::len)), (Some(true), Some(1)));
    assert!(last["items"][0].get("roles").is_none(), "not extended: {last}");

    let basic = server.get("/auth/users/basic/list?offset=0&count=1000&extended=false");
    assert_eq!(basic.status, 200);
    let basic = basic.json();
    assert_eq!(basic["listCompleted"], true);
    assert_eq!(basic["items"].as_array().map(Vec::len), Some(5));
    for item in basic["items"].as_array().unwrap() {
        assert!(is_uuid(item["locator"].as_str().unwrap()) && item["userName"].is_string(), "{item}");
        assert!(item.get("firstName").is_none(), "{item}");
    }
    let extended = server.get("/auth/users/basic/list?offset=1&count=1&extended=true").json();
    assert_eq!(extended["items"][0]["firstName"], "Jane");
    let too_many = server.get("/auth/users/list?count=1000");
    assert_eq!((too_many.status, too_many.json()["errors"][0]["field"].as_str()), (400, Some("count")));
}

#[test]
fn update_replaces_profile_permissions_roles_and_tenants_and_the_user_holds_them() {
    let server = Server::start();
    let locator = create_user(&server, "jane@example.com");
    let account = create_account(&server, "acme");
    let token = server.login("jane@example.com", PASSWORD);
    assert_eq!(server.request_as(&token, "GET", "/api/v1/users", &[], None).status, 403);

    let update = json!({
        "firstName": "Janet",
        "lastName": "Doe",
        "permissions": ["users:list", "users:read"],
        "roles": [],
        "tenants": ["acme"],
        "email": "janet@example.com"
    });
    let reply = server.patch(&format!("/auth/users/{locator}"), &update);
    assert_eq!(reply.status, 200, "{}", body_text(&reply));
    let user = reply.json();
    assert_user_response(&user);
    assert_eq!(
        (&user["firstName"], &user["email"], &user["permissions"], &user["tenants"]),
        (&json!("Janet"), &json!("janet@example.com"), &json!(["users:list", "users:read"]), &json!([account]))
    );
    // A permission held directly counts on every surface, the native one included.
    assert_eq!(server.request_as(&token, "GET", "/api/v1/users", &[], None).status, 200);
    let held = server.get(&format!("/auth/users/{locator}/permissions"));
    assert_eq!(held.status, 200);
    assert_eq!(held.json(), json!(["users:read", "users:list", "users:custom"]));

    // The user may send their own record back unchanged, but not grant themselves more.
    let own = server.request_as(&token, "PATCH", &format!("/auth/users/{locator}"), &[], Some(&user_update(&user)));
    assert_eq!(own.status, 200, "{}", body_text(&own));
    let mut more = user_update(&user);
    more["permissions"] = json!(["users:list", "users:read", "users:delete"]);
    let refused = server.request_as(&token, "PATCH", &format!("/auth/users/{locator}"), &[], Some(&more));
    assert_eq!(refused.status, 403);
}

/// A `UserUpdateRequest` that sends `user` back as it is.
fn user_update(user: &Value) -> Value {
    json!({
        "firstName": user["firstName"], "lastName": user["lastName"], "permissions": user["permissions"],
        "roles": user["roles"], "tenants": user["tenants"], "email": user["email"]
    })
}

#[test]
fn role_and_tenant_assignment_patches_add_and_remove() {
    let server = Server::start();
    let locator = create_user(&server, "jane@example.com");
    let account = create_account(&server, "acme");
    let roles = server
        .patch(&format!("/auth/users/{locator}/roles"), &json!({"addRoles": ["account-admin"], "removeRoles": []}));
    assert_eq!(roles.status, 200, "{}", body_text(&roles));
    assert_user_response(&roles.json());
    assert_eq!(roles.json()["roles"], json!(["account-admin"]));
    let tenants = server.patch(
        &format!("/auth/users/{locator}/tenants"),
        &json!({"addTenants": [account.clone()], "removeTenants": []}),
    );
    assert_eq!(tenants.status, 200, "{}", body_text(&tenants));
    assert_eq!(tenants.json()["tenants"], json!([account]));
    let members = server.get(&format!("/api/v1/accounts/{account}/members")).json();
    assert_eq!(members["items"][0]["user"]["id"], locator.as_str(), "a tenant is a membership: {members}");
    let removed =
        server.patch(&format!("/auth/users/{locator}/tenants"), &json!({"addTenants": [], "removeTenants": ["acme"]}));
    assert_eq!(removed.json()["tenants"], json!([]));
    let back = server
        .patch(&format!("/auth/users/{locator}/roles"), &json!({"addRoles": [], "removeRoles": ["account-admin"]}));
    assert_eq!(back.json()["roles"], json!([]));
    let unknown = server
        .patch(&format!("/auth/users/{locator}/tenants"), &json!({"addTenants": ["nowhere"], "removeTenants": []}));
    assert_eq!((unknown.status, unknown.json()["errors"][0]["field"].as_str()), (400, Some("addTenants[0]")));
}

#[test]
fn a_password_reset_sets_a_temporary_password_and_delete_removes_the_user() {
    let server = Server::start();
    let locator = create_user(&server, "jane@example.com");
    let old_token = server.login("jane@example.com", PASSWORD);
    let reply = server.request_as(
        server.admin_token(),
        "PATCH",
        &format!("/auth/users/{locator}/passwordreset"),
        &[],
        Some(&json!("amber tundra 42")),
    );
    assert_eq!((reply.status, reply.body.len()), (204, 0));
    assert_eq!(server.request_as(&old_token, "GET", "/auth/users/whoami", &[], None).status, 401);
    let token = server.login("jane@example.com", "amber tundra 42");
    let me = server.request_as(&token, "GET", "/auth/users/whoami", &[], None);
    assert_eq!(me.json()["code"], "password_change_required");

    let deleted = server.delete(&format!("/auth/users/{locator}"));
    assert_eq!((deleted.status, deleted.body.len()), (204, 0));
    assert_eq!(server.get(&format!("/auth/users/{locator}")).status, 404);
}

#[test]
fn roles_are_created_fetched_updated_by_version_listed_and_deleted() {
    let server = Server::start();
    let sample = json!({"name": "Auditor", "description": "Reads users", "permissions": ["users:read"]});
    let created = server.post("/auth/roles", &sample);
    assert_eq!(created.status, 201, "{}", body_text(&created));
    let role = created.json();
    assert_role_response(&role);
    assert_eq!(
        (&role["name"], &role["version"], &role["permissions"]),
        (&json!("Auditor"), &json!(1), &json!(["users:read"]))
    );
    let admin_locator = server.get("/auth/users/whoami").json()["locator"].clone();
    assert_eq!(role["createdBy"], admin_locator);
    let path = format!("/auth/roles/{}", role["locator"].as_str().unwrap());
    assert_eq!(created.header("location"), Some(path.as_str()));

    let fetched = server.get(&path);
    assert_eq!(fetched.status, 200);
    assert_role_response(&fetched.json());

    let update = json!({
        "name": "Auditors", "description": "Reads and lists users", "version": 1,
        "addPermissions": ["users:list"], "removePermissions": ["users:read"]
    });
    let updated = server.patch(&path, &update);
    assert_eq!(updated.status, 200, "{}", body_text(&updated));
    assert_role_response(&updated.json());
    assert_eq!(
        (&updated.json()["name"], &updated.json()["version"], &updated.json()["permissions"]),
        (&json!("Auditors"), &json!(2), &json!(["users:list"]))
    );
    let stale = server.patch(&path, &update);
    assert_eq!((stale.status, stale.json()["currentVersion"].as_u64()), (409, Some(2)));

    let list = server.get("/auth/roles/list?offset=0&count=2&extended=true");
    assert_eq!(list.status, 200);
    let list = list.json();
    assert_eq!(list["listCompleted"], false, "three roles, two a page");
    list["items"].as_array().unwrap().iter().for_each(assert_role_response);
    let rest = server.get("/auth/roles/list?offset=2&count=2").json();
    assert_eq!((rest["listCompleted"].as_bool(), rest["items"].as_array().map(Vec::len)), (Some(true), Some(1)));

    let catalog = server.get("/auth/roles/permissions");
    assert_eq!(catalog.status, 200);
    let catalog = catalog.json();
    for name in ["users:read", "users:list", "users:update", "users:delete", "users:custom", "users:password-reset"] {
        assert!(catalog.as_array().unwrap().contains(&json!(name)), "{name} in {catalog}");
    }

    let deleted = server.delete(&path);
    assert_eq!((deleted.status, deleted.body.len()), (204, 0));
    assert_eq!(server.get(&path).status, 404);
    assert_eq!(server.delete("/auth/roles/account-admin").status, 409, "built-in roles stay");
}

#[test]
fn validation_errors_name_each_field() {
    let server = Server::start();
    let bad =
        server.post("/auth/users", &json!({"firstName": "J", "userName": "not-an-email", "temporaryPassword": 1}));
    assert_eq!(bad.status, 400);
    assert_eq!(bad.header("content-type"), Some("application/problem+json"));
    let fields: Vec<String> =
        bad.json()["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect();
    assert_eq!(fields, ["lastName", "userName", "password", "temporaryPassword"]);
    let role = server.post("/auth/roles", &json!({"name": "X", "description": "", "permissions": ["users:fly"]}));
    assert_eq!((role.status, role.json()["errors"][0]["field"].as_str()), (400, Some("permissions[0]")));
    let update = server.patch("/auth/roles/account-admin", &json!({"name": "account-admin"}));
    let fields: Vec<String> =
        update.json()["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect();
    assert_eq!(fields, ["description", "version", "addPermissions", "removePermissions"]);
    let offset = server.get("/auth/users/basic/list?offset=-1");
    assert_eq!((offset.status, offset.json()["errors"][0]["field"].as_str()), (400, Some("offset")));
}

/// One request of every operation, with a valid body, on `locator` (a user) and `role`.
fn every_operation(locator: &str, role: &str) -> Vec<(&'static str, String, Option<Value>)> {
    vec![
        ("POST", "/auth/users".into(), Some(create_sample("new@example.com"))),
        ("GET", "/auth/users/whoami".into(), None),
        ("GET", "/auth/users/username/target@example.com".into(), None),
        ("GET", format!("/auth/users/{locator}"), None),
        ("GET", "/auth/users/list".into(), None),
        ("GET", "/auth/users/basic/list".into(), None),
        (
            "PATCH",
            format!("/auth/users/{locator}"),
            Some(json!({"firstName": "T", "lastName": "T", "permissions": [], "roles": [], "tenants": []})),
        ),
        ("PATCH", format!("/auth/users/{locator}/passwordreset"), Some(json!("amber tundra 42"))),
        ("DELETE", format!("/auth/users/{locator}"), None),
        ("POST", "/auth/roles".into(), Some(json!({"name": "R2", "description": "", "permissions": []}))),
        ("GET", format!("/auth/roles/{role}"), None),
        (
            "PATCH",
            format!("/auth/roles/{role}"),
            Some(json!({"name": "R", "description": "", "version": 1, "addPermissions": [], "removePermissions": []})),
        ),
        ("GET", "/auth/roles/list".into(), None),
        ("DELETE", format!("/auth/roles/{role}"), None),
        ("GET", "/auth/roles/permissions".into(), None),
        ("GET", format!("/auth/users/{locator}/permissions"), None),
        ("PATCH", format!("/auth/users/{locator}/roles"), Some(json!({"addRoles": [], "removeRoles": ["r"]}))),
        ("PATCH", format!("/auth/users/{locator}/tenants"), Some(json!({"addTenants": ["acme"], "removeTenants": []}))),
    ]
}

#[test]
fn every_operation_is_401_without_credentials_and_403_without_its_permission() {
    let server = Server::start();
    let locator = create_user(&server, "target@example.com");
    create_user(&server, "plain@example.com");
    create_account(&server, "acme");
    let role =
        server.post("/auth/roles", &json!({"name": "R", "description": "", "permissions": []})).json()["locator"]
            .as_str()
            .unwrap()
            .to_owned();
    let plain = server.login("plain@example.com", PASSWORD);
    let operations = every_operation(&locator, &role);
    assert_eq!(operations.len(), 18, "the endpoint index has 18 operations");
    for (method, path, body) in &operations {
        let anonymous = server.request(method, path, &[], body.as_ref());
        assert_eq!(anonymous.status, 401, "{method} {path}: {}", body_text(&anonymous));
        assert_eq!(anonymous.header("www-authenticate"), Some("Bearer realm=\"roster\""), "{method} {path}");
        assert_eq!(anonymous.header("content-type"), Some("application/problem+json"), "{method} {path}");
    }
    // A user with no role holds only users:custom: everything but whoami is 403 naming the
    // permission (the security group and permission of the document).
    let expected = [
        "users:create",
        "",
        "users:read",
        "users:read",
        "users:list",
        "users:list",
        "users:update",
        "users:password-reset",
        "users:delete",
        "roles:create",
        "roles:read",
        "roles:update",
        "roles:list",
        "roles:delete",
        "roles:read",
        "users:read",
        "users:update",
        "users:update",
    ];
    for ((method, path, body), permission) in operations.iter().zip(expected) {
        let reply = server.request_as(&plain, method, path, &[], body.as_ref());
        if permission.is_empty() {
            assert_eq!(reply.status, 200, "{method} {path}: users:custom suffices");
            continue;
        }
        assert_eq!(reply.status, 403, "{method} {path}: {}", body_text(&reply));
        let problem = reply.json();
        assert_eq!(problem["code"], "forbidden", "{method} {path}");
        assert!(problem["detail"].as_str().unwrap().contains(permission), "{method} {path}: {problem}");
    }
    // whoami's 403: a caller whose password is temporary.
    let reset = server.request_as(
        server.admin_token(),
        "PATCH",
        &format!("/auth/users/{locator}/passwordreset"),
        &[],
        Some(&json!("amber tundra 42")),
    );
    assert_eq!(reset.status, 204);
    let temporary = server.login("target@example.com", "amber tundra 42");
    for (method, path, body) in &operations {
        let reply = server.request_as(&temporary, method, path, &[], body.as_ref());
        assert_eq!(
            (reply.status, reply.json()["code"].as_str()),
            (403, Some("password_change_required")),
            "{method} {path}"
        );
    }
}
