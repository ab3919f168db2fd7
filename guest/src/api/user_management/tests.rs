use serde_json::{Value, json};

use crate::api::{Request, Response, handle};
use crate::env::testing::TestEnv;

fn send(t: &TestEnv, method: &str, target: &str, body: Option<Value>) -> Response {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let Some(crate::context::Credentials::Bearer(token)) = t.admin().credentials else { unreachable!() };
    let mut headers = vec![("authorization".to_owned(), format!("Bearer {token}"))];
    if body.is_some() {
        headers.push(("content-type".to_owned(), "application/json".to_owned()));
    }
    let body = body.map(|b| serde_json::to_vec(&b).unwrap()).unwrap_or_default();
    let request = Request { method: method.into(), path: path.into(), query: query.into(), headers, body };
    handle(&t.env(), &request)
}

fn body(response: &Response) -> Value {
    serde_json::from_slice(&response.body).unwrap()
}

fn error_fields(response: &Response) -> Vec<String> {
    body(response)["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect()
}

fn create(t: &TestEnv, name: &str) -> Value {
    let sample = json!({
        "firstName": "Jane", "lastName": "Doe", "userName": format!("{name}@example.com"),
        "password": "velvet comet 99", "temporaryPassword": false
    });
    let response = send(t, "POST", "/auth/users", Some(sample));
    assert_eq!(response.status, 201, "{}", String::from_utf8_lossy(&response.body));
    body(&response)
}

#[test]
fn create_answers_a_user_response_with_the_locator_and_no_secret() {
    let t = TestEnv::new();
    let user = create(&t, "jane");
    assert_eq!(user["userName"], "jane@example.com");
    assert_eq!(user["email"], "jane@example.com", "the email defaults to the user name");
    assert_eq!(user["tenants"], json!([]));
    assert_eq!(user["permissions"], json!([]));
    assert!(uuid::Uuid::parse_str(user["locator"].as_str().unwrap()).is_ok());
    assert!(user.get("password").is_none() && user.get("id").is_none());
}

#[test]
fn create_names_every_missing_field_and_a_user_name_that_is_not_an_email() {
    let t = TestEnv::new();
    let response = send(&t, "POST", "/auth/users", Some(json!({"userName": "jane", "temporaryPassword": "no"})));
    assert_eq!(response.status, 400);
    assert_eq!(error_fields(&response), ["firstName", "lastName", "userName", "password", "temporaryPassword"]);
}

#[test]
fn update_replaces_permissions_roles_and_tenants_and_the_user_holds_them() {
    let t = TestEnv::new();
    let locator = create(&t, "jane")["locator"].as_str().unwrap().to_owned();
    let account = send(&t, "POST", "/api/v1/accounts", Some(json!({"name": "acme"})));
    let account_id = body(&account)["id"].as_str().unwrap().to_owned();
    let update = json!({
        "firstName": "Janet", "lastName": "Doe", "permissions": ["users:list"],
        "roles": ["account-admin"], "tenants": ["acme"]
    });
    let response = send(&t, "PATCH", &format!("/auth/users/{locator}"), Some(update));
    assert_eq!(response.status, 200, "{}", String::from_utf8_lossy(&response.body));
    let user = body(&response);
    assert_eq!(
        (&user["firstName"], &user["permissions"], &user["roles"], &user["tenants"]),
        (&json!("Janet"), &json!(["users:list"]), &json!(["account-admin"]), &json!([account_id]))
    );
    let held = body(&send(&t, "GET", &format!("/auth/users/{locator}/permissions"), None));
    assert!(held.as_array().unwrap().contains(&json!("users:list")), "{held}");
    assert!(held.as_array().unwrap().contains(&json!("invitations:create")), "{held}");
    let missing = send(&t, "PATCH", &format!("/auth/users/{locator}"), Some(json!({"firstName": "J"})));
    assert_eq!(error_fields(&missing), ["lastName", "permissions", "roles", "tenants"]);
}

#[test]
fn by_name_answers_a_list_that_is_empty_when_no_one_has_the_name() {
    let t = TestEnv::new();
    create(&t, "jane");
    let found = body(&send(&t, "GET", "/auth/users/username/jane@example.com", None));
    assert_eq!(found.as_array().unwrap().len(), 1);
    let none = send(&t, "GET", "/auth/users/username/nobody@example.com", None);
    assert_eq!((none.status, body(&none)), (200, json!([])));
}

#[test]
fn the_basic_list_allows_a_larger_count_than_the_full_one() {
    let t = TestEnv::new();
    create(&t, "jane");
    let basic = send(&t, "GET", "/auth/users/basic/list?count=1000", None);
    assert_eq!(basic.status, 200);
    assert_eq!(body(&basic)["listCompleted"], true);
    let full = send(&t, "GET", "/auth/users/list?count=1000", None);
    assert_eq!((full.status, error_fields(&full)), (400, vec!["count".to_owned()]));
}

#[test]
fn offsets_page_the_list_and_list_completed_says_when_it_ends() {
    let t = TestEnv::new();
    for name in ["a", "b", "c"] {
        create(&t, name);
    }
    let first = body(&send(&t, "GET", "/auth/users/basic/list?offset=1&count=2", None));
    assert_eq!(first["listCompleted"], false);
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    assert!(first["items"][0].get("firstName").is_none(), "not extended");
    let last = body(&send(&t, "GET", "/auth/users/basic/list?offset=3&count=2&extended=true", None));
    assert_eq!((last["listCompleted"].as_bool(), last["items"][0]["firstName"].as_str()), (Some(true), Some("Jane")));
}

#[test]
fn a_role_update_needs_the_current_version() {
    let t = TestEnv::new();
    let sample = json!({"name": "Auditor", "description": "Reads users", "permissions": ["users:read"]});
    let role = body(&send(&t, "POST", "/auth/roles", Some(sample)));
    assert_eq!(role["version"], 1);
    let path = format!("/auth/roles/{}", role["locator"].as_str().unwrap());
    let update = |version: u64| {
        json!({"name": "Auditor", "description": "Reads", "version": version,
               "addPermissions": ["users:list"], "removePermissions": []})
    };
    assert_eq!(send(&t, "PATCH", &path, Some(update(7))).status, 409);
    let updated = body(&send(&t, "PATCH", &path, Some(update(1))));
    assert_eq!((updated["version"].as_u64(), &updated["permissions"]), (Some(2), &json!(["users:list", "users:read"])));
    let builtin = body(&send(&t, "GET", "/auth/roles/account-admin", None));
    assert_eq!(builtin["createdBy"], "00000000-0000-0000-0000-000000000000");
}

#[test]
fn a_literal_path_with_another_method_is_405_not_a_locator() {
    let t = TestEnv::new();
    let response = send(&t, "DELETE", "/auth/users/list", None);
    assert_eq!(
        (response.status, response.headers.iter().find(|(n, _)| n == "allow").map(|(_, v)| v.as_str())),
        (405, Some("GET"))
    );
}

#[test]
fn a_password_reset_takes_a_json_string() {
    let t = TestEnv::new();
    let locator = create(&t, "jane")["locator"].as_str().unwrap().to_owned();
    let path = format!("/auth/users/{locator}/passwordreset");
    assert_eq!(send(&t, "PATCH", &path, Some(json!("amber tundra 42"))).status, 204);
    assert_eq!(send(&t, "PATCH", &path, Some(json!({"password": "x"}))).status, 400);
}
