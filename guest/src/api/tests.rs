use serde_json::{Value, json};

use super::*;
use crate::env::testing::TestEnv;

/// A request as the bootstrapped administrator of `t` sends it.
fn request_as_admin(t: &TestEnv, method: &str, target: &str, body: Option<Value>) -> Request {
    let mut req = request(method, target, body);
    let Some(crate::context::Credentials::Bearer(token)) = t.admin().credentials else { unreachable!() };
    req.headers.push(("authorization".to_owned(), format!("Bearer {token}")));
    req
}

fn request(method: &str, target: &str, body: Option<Value>) -> Request {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut headers = vec![("x-correlation-id".to_owned(), "test-1".to_owned())];
    if body.is_some() {
        headers.push(("content-type".to_owned(), "application/json".to_owned()));
    }
    Request {
        method: method.to_owned(),
        path: path.to_owned(),
        query: query.to_owned(),
        headers,
        body: body.map(|b| serde_json::to_vec(&b).unwrap()).unwrap_or_default(),
    }
}

fn header<'a>(response: &'a Response, name: &str) -> Option<&'a str> {
    response.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

fn body(response: &Response) -> Value {
    serde_json::from_slice(&response.body).unwrap()
}

fn create_jane(t: &TestEnv) -> Value {
    let response = handle(
        &t.env(),
        &request_as_admin(t, "POST", "/api/v1/users", Some(json!({"userName": "jane", "email": "jane@example.com"}))),
    );
    assert_eq!(response.status, 201);
    body(&response)
}

#[test]
fn create_answers_201_with_location_etag_and_the_user() {
    let t = TestEnv::new();
    let response = handle(
        &t.env(),
        &request_as_admin(
            &t,
            "POST",
            "/api/v1/users",
            Some(json!({"userName": "jane", "email": "jane@example.com", "password": "correct horse"})),
        ),
    );
    assert_eq!(response.status, 201);
    let user = body(&response);
    assert_eq!(header(&response, "location"), Some(format!("/api/v1/users/{}", user["id"].as_str().unwrap()).as_str()));
    assert_eq!(header(&response, "etag"), Some("\"1\""));
    assert_eq!(user["status"], "active");
    assert!(!String::from_utf8_lossy(&response.body).contains("password"));
}

#[test]
fn invalid_input_is_a_problem_naming_each_field() {
    let t = TestEnv::new();
    let response = handle(
        &t.env(),
        &request_as_admin(&t, "POST", "/api/v1/users", Some(json!({"email": "x", "shared": "yes", "nickname": 1}))),
    );
    assert_eq!(response.status, 400);
    assert_eq!(header(&response, "content-type"), Some("application/problem+json"));
    let problem = body(&response);
    assert_eq!(problem["code"], "invalid_input");
    let fields: Vec<&str> =
        problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["shared", "nickname"]);
    let everyone = body(&handle(&t.env(), &request_as_admin(&t, "GET", "/api/v1/users", None)));
    assert_eq!(everyone["items"].as_array().unwrap().len(), 1, "only the administrator");
}

#[test]
fn a_body_that_is_not_json_is_refused_by_media_type() {
    let t = TestEnv::new();
    let mut req = request_as_admin(&t, "POST", "/api/v1/users", Some(json!({})));
    req.headers.retain(|(n, _)| n != "content-type");
    req.headers.push(("content-type".into(), "text/plain".into()));
    assert_eq!(handle(&t.env(), &req).status, 415);
}

#[test]
fn a_duplicate_user_name_is_409() {
    let t = TestEnv::new();
    create_jane(&t);
    let response = handle(
        &t.env(),
        &request_as_admin(&t, "POST", "/api/v1/users", Some(json!({"userName": "JANE", "email": "j2@example.com"}))),
    );
    assert_eq!(response.status, 409);
    assert_eq!(body(&response)["errors"][0]["field"], "userName");
}

#[test]
fn a_stale_if_match_is_412_and_a_stale_body_version_is_409() {
    let t = TestEnv::new();
    let id = create_jane(&t)["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/users/{id}");
    let mut req = request_as_admin(&t, "PATCH", &path, Some(json!({"city": "Paris"})));
    req.headers.push(("if-match".into(), "\"9\"".into()));
    let response = handle(&t.env(), &req);
    assert_eq!(response.status, 412);
    assert_eq!(body(&response)["currentVersion"], 1);
    let response =
        handle(&t.env(), &request_as_admin(&t, "PATCH", &path, Some(json!({"city": "Paris", "version": 9}))));
    assert_eq!(response.status, 409);
    let response =
        handle(&t.env(), &request_as_admin(&t, "PATCH", &path, Some(json!({"city": "Paris", "version": 1}))));
    assert_eq!((response.status, body(&response)["version"].as_u64()), (200, Some(2)));
}

#[test]
fn missing_users_and_unknown_routes_are_404_and_wrong_methods_405() {
    let t = TestEnv::new();
    let missing =
        handle(&t.env(), &request_as_admin(&t, "GET", "/api/v1/users/0196b7e4-0000-7000-8000-000000000000", None));
    assert_eq!((missing.status, body(&missing)["code"].as_str()), (404, Some("not_found")));
    assert_eq!(handle(&t.env(), &request_as_admin(&t, "GET", "/api/v2/nothing", None)).status, 404);
    let wrong = handle(&t.env(), &request_as_admin(&t, "PUT", "/api/v1/users", None));
    assert_eq!((wrong.status, header(&wrong, "allow")), (405, Some("GET, POST")));
}

#[test]
fn every_response_echoes_the_correlation_id() {
    let t = TestEnv::new();
    let response = handle(&t.env(), &request_as_admin(&t, "GET", "/nowhere", None));
    assert_eq!(header(&response, "x-correlation-id"), Some("test-1"));
    assert_eq!(body(&response)["correlationId"], "test-1");
}

#[test]
fn list_pages_by_cursor_with_a_prefix_filter() {
    let t = TestEnv::new();
    for name in ["ann", "anna", "bob", "andy"] {
        let r = handle(
            &t.env(),
            &request_as_admin(
                &t,
                "POST",
                "/api/v1/users",
                Some(json!({"userName": name, "email": format!("{name}@example.com")})),
            ),
        );
        assert_eq!(r.status, 201);
    }
    let first = body(&handle(&t.env(), &request_as_admin(&t, "GET", "/api/v1/users?userName=an*&limit=2", None)));
    let names: Vec<&str> = first["items"].as_array().unwrap().iter().map(|u| u["userName"].as_str().unwrap()).collect();
    assert_eq!(names, ["andy", "ann"]);
    let cursor = first["nextCursor"].as_str().unwrap();
    let second = body(&handle(
        &t.env(),
        &request_as_admin(&t, "GET", &format!("/api/v1/users?userName=an*&limit=2&cursor={cursor}"), None),
    ));
    let names: Vec<&str> =
        second["items"].as_array().unwrap().iter().map(|u| u["userName"].as_str().unwrap()).collect();
    assert_eq!(names, ["anna"]);
    assert_eq!(second["nextCursor"], Value::Null);
}

#[test]
fn an_unknown_list_parameter_is_named() {
    let t = TestEnv::new();
    let response = handle(&t.env(), &request_as_admin(&t, "GET", "/api/v1/users?colour=red", None));
    assert_eq!((response.status, body(&response)["errors"][0]["field"].as_str()), (400, Some("colour")));
}

#[test]
fn delete_answers_204_then_404() {
    let t = TestEnv::new();
    let id = create_jane(&t)["id"].as_str().unwrap().to_owned();
    assert_eq!(handle(&t.env(), &request_as_admin(&t, "DELETE", &format!("/api/v1/users/{id}"), None)).status, 204);
    assert_eq!(handle(&t.env(), &request_as_admin(&t, "DELETE", &format!("/api/v1/users/{id}"), None)).status, 404);
}

#[test]
fn a_request_without_credentials_is_401_with_www_authenticate() {
    let t = TestEnv::new();
    let response = handle(&t.env(), &request("GET", "/api/v1/users", None));
    assert_eq!(response.status, 401);
    assert_eq!(header(&response, "www-authenticate"), Some("Bearer realm=\"roster\""));
    assert_eq!(body(&response)["code"], "unauthenticated");
}

#[test]
fn login_answers_a_bearer_token_that_must_not_be_cached() {
    let t = TestEnv::new();
    t.admin();
    let body_json = json!({"userName": "admin", "password": crate::env::testing::ADMIN_PASSWORD});
    let response = handle(&t.env(), &request("POST", "/api/v1/auth/login", Some(body_json)));
    assert_eq!(response.status, 200);
    assert_eq!(header(&response, "cache-control"), Some("no-store"));
    let token = body(&response);
    assert_eq!((token["tokenType"].as_str(), token["expiresIn"].as_u64()), (Some("Bearer"), Some(3600)));
    assert_eq!(token["accessToken"].as_str().map(str::len), Some(43));
}

#[test]
fn the_token_endpoint_speaks_rfc_6749() {
    let t = TestEnv::new();
    let mut req = request("POST", "/oauth/token", None);
    req.headers.push(("content-type".into(), "application/x-www-form-urlencoded".into()));
    req.body = b"grant_type=client_credentials&client_id=nobody&client_secret=x".to_vec();
    let response = handle(&t.env(), &req);
    assert_eq!(response.status, 401);
    assert_eq!(body(&response)["error"], "invalid_client");
    req.body = b"grant_type=password".to_vec();
    assert_eq!(body(&handle(&t.env(), &req))["error"], "unsupported_grant_type");
}

#[test]
fn fields_select_what_a_list_returns() {
    let t = TestEnv::new();
    create_jane(&t);
    let reply =
        handle(&t.env(), &request_as_admin(&t, "GET", "/api/v1/users?fields=userName,email&userName=jane", None));
    assert_eq!(body(&reply)["items"], json!([{"userName": "jane", "email": "jane@example.com"}]));
    let unknown = handle(&t.env(), &request_as_admin(&t, "GET", "/api/v1/users?fields=password", None));
    assert_eq!((unknown.status, body(&unknown)["errors"][0]["code"].as_str()), (400, Some("unknown_field")));
}

#[test]
fn recap_answers_counts_by_value() {
    let t = TestEnv::new();
    create_jane(&t);
    let reply = handle(&t.env(), &request_as_admin(&t, "GET", "/api/v1/users/recap?target=status", None));
    assert_eq!(reply.status, 200);
    assert_eq!(body(&reply), json!({"items": [{"targetValue": "active", "count": 2}], "totalItems": 2}));
}

#[test]
fn every_compatible_surface_route_is_in_its_openapi_fragment_and_nothing_else() {
    let surfaces = [
        (include_str!("../../openapi/user-management.json"), user_management::ROUTES, "user-management"),
        (include_str!("../../openapi/account-users.json"), account_users::ROUTES, "account-users"),
        (include_str!("../../openapi/flexnet.json"), flexnet::ROUTES, "flexnet"),
        (include_str!("../../openapi/users-v1.json"), users_v1::ROUTES, "users-v1"),
    ];
    for (text, routes, tag) in surfaces {
        let fragment: Value = serde_json::from_str(text).unwrap();
        let documented: usize =
            fragment["paths"].as_object().unwrap().values().map(|p| p.as_object().unwrap().len()).sum();
        assert_eq!(documented, routes.len(), "{tag}");
        for (method, path) in routes {
            let operation = &fragment["paths"][path][method.to_ascii_lowercase()];
            assert!(operation["operationId"].is_string(), "{method} {path} is documented");
            assert_eq!(operation["tags"], json!([tag]), "{method} {path}");
        }
    }
}

#[test]
fn the_seed_surfaces_are_dispatched_by_prefix_and_report_their_route_templates() {
    let t = TestEnv::new();
    let env = t.env();
    let account = handle(
        &env,
        &request_as_admin(&t, "POST", "/users-accounts-api/v1/accounts", Some(json!({"accountName": "acme"}))),
    );
    assert_eq!(account.status, 201);
    assert_eq!(header(&account, ROUTE_HEADER), Some("/users-accounts-api/v1/accounts"));
    let read = handle(&env, &request_as_admin(&t, "GET", "/users-accounts-api/v1/accounts/acme", None));
    assert_eq!(
        (read.status, header(&read, ROUTE_HEADER)),
        (200, Some("/users-accounts-api/v1/accounts/{accountName}"))
    );
    let recap = handle(&env, &request_as_admin(&t, "GET", "/users-api/v1/users/recap?target=status", None));
    assert_eq!((recap.status, header(&recap, ROUTE_HEADER)), (200, Some("/users-api/v1/users/recap")));
    assert_eq!(body(&recap)["items"], json!([{"targetValue": "ENABLED", "count": 1}]));
}

#[test]
fn a_seed_path_with_another_method_is_405_with_its_allow_header() {
    let t = TestEnv::new();
    let response = handle(&t.env(), &request_as_admin(&t, "PATCH", "/users-accounts-api/v1/users", None));
    assert_eq!((response.status, header(&response, "allow")), (405, Some("GET, POST")));
    let response = handle(&t.env(), &request("GET", "/users-api/v1/realms/acme/password/lost", None));
    assert_eq!((response.status, header(&response, "allow")), (405, Some("POST")));
    assert_eq!(handle(&t.env(), &request("GET", "/users-api/v1/nothing", None)).status, 404);
}

#[test]
fn no_http_header_makes_a_caller_the_operator() {
    let t = TestEnv::new();
    t.admin();
    for value in ["Operator cli", "operator cli", "Bearer operator:cli", "cli"] {
        let mut req = request("GET", "/api/v1/users", None);
        req.headers.push(("authorization".to_owned(), value.to_owned()));
        assert_eq!(handle(&t.env(), &req).status, 401, "authorization: {value}");
    }
    assert!(context(&request("GET", "/", None)).credentials.is_none());
}
