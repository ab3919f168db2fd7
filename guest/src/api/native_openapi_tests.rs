//! The native API's part of the OpenAPI document (`guest/openapi/native.json`) against the
//! code: the catalogs it lists as enums are the code's, and every property a native route
//! emits is documented for that route and status (the e2e checker validates types and
//! required properties; the schemas leave `additionalProperties` open, so only this catches
//! a new field the document does not name).

use serde_json::{Value, json};

use super::*;
use crate::access::Permission;
use crate::env::testing::TestEnv;
use crate::model::account::AccountType;

const NATIVE: &str = include_str!("../../openapi/native.json");

fn document() -> Value {
    serde_json::from_str(NATIVE).expect("native.json is JSON")
}

/// `schema` with a local `$ref` followed (refs into the shared base resolve to nothing).
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => doc.pointer(reference.trim_start_matches('#')).map_or(&Value::Null, |s| resolve(doc, s)),
        None => schema,
    }
}

/// The properties `schema` documents, through `allOf`, and whether it documents any.
fn properties(doc: &Value, schema: &Value) -> Option<serde_json::Map<String, Value>> {
    let schema = resolve(doc, schema);
    let mut found = schema.get("properties").and_then(Value::as_object).cloned();
    for part in schema.get("allOf").and_then(Value::as_array).into_iter().flatten() {
        if let Some(more) = properties(doc, part) {
            found.get_or_insert_with(Default::default).extend(more);
        }
    }
    found
}

/// Every property of `value` (at `at`) that `schema` does not document, recursively.
fn undocumented(doc: &Value, schema: &Value, value: &Value, at: &str) -> Vec<String> {
    let schema = resolve(doc, schema);
    if let Some(choices) = schema.get("oneOf").and_then(Value::as_array) {
        let results: Vec<Vec<String>> = choices.iter().map(|c| undocumented(doc, c, value, at)).collect();
        return results.iter().find(|r| r.is_empty()).cloned().unwrap_or_else(|| results.concat());
    }
    match value {
        Value::Object(map) => match properties(doc, schema) {
            Some(documented) => map
                .iter()
                .flat_map(|(key, item)| match documented.get(key) {
                    Some(inner) => undocumented(doc, inner, item, &format!("{at}.{key}")),
                    None => vec![format!("{at}.{key}")],
                })
                .collect(),
            None => Vec::new(),
        },
        Value::Array(items) => match schema.get("items") {
            Some(inner) => items.iter().flat_map(|item| undocumented(doc, inner, item, &format!("{at}[]"))).collect(),
            None => Vec::new(),
        },
        _ => Vec::new(),
    }
}

struct Session {
    t: TestEnv,
    doc: Value,
    token: String,
    checked: Vec<String>,
}

impl Session {
    fn new() -> Self {
        let t = TestEnv::new();
        let Some(crate::context::Credentials::Bearer(token)) = t.admin().credentials else { unreachable!() };
        Session { t, doc: document(), token, checked: Vec::new() }
    }

    /// Send a request as the administrator (or without credentials when `token` is empty)
    /// and check its body against the document; the body.
    fn call(&mut self, method: &str, target: &str, body: Option<Value>) -> Value {
        let token = self.token.clone();
        self.call_as(&token, method, target, body)
    }

    fn call_as(&mut self, token: &str, method: &str, target: &str, body: Option<Value>) -> Value {
        let mut headers = Vec::new();
        if !token.is_empty() {
            headers.push(("authorization".to_owned(), format!("Bearer {token}")));
        }
        if body.is_some() {
            headers.push(("content-type".to_owned(), "application/json".to_owned()));
        }
        let body = body.map(|b| serde_json::to_vec(&b).unwrap()).unwrap_or_default();
        self.send(method, target, headers, body)
    }

    fn send(&mut self, method: &str, target: &str, headers: Vec<(String, String)>, body: Vec<u8>) -> Value {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let request =
            Request { method: method.to_owned(), path: path.to_owned(), query: query.to_owned(), headers, body };
        let response = handle(&self.t.env(), &request);
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        let template = routes::template(&segments).expect("a native route");
        let operation = &self.doc["paths"][template][method.to_ascii_lowercase()];
        assert!(operation.is_object(), "{method} {template} is not in native.json");
        let status = response.status.to_string();
        let documented = &operation["responses"][&status];
        assert!(!documented.is_null(), "{method} {template} answered {status}, which native.json does not list");
        let value: Value =
            if response.body.is_empty() { Value::Null } else { serde_json::from_slice(&response.body).unwrap() };
        if let Some(content) = documented.get("content").and_then(Value::as_object) {
            let (_, media) = content.iter().next().expect("a media type");
            let missing = undocumented(&self.doc, &media["schema"], &value, "body");
            assert!(missing.is_empty(), "{method} {template} {status} emits undocumented {missing:?}");
        }
        self.checked.push(format!("{method} {template}"));
        value
    }

    /// The token in the last mail the component queued.
    fn mailed_token(&self) -> String {
        let mail = self.t.store.sent().pop().expect("a mail was queued");
        let token = mail.body.lines().map(str::trim).find(|line| line.len() == 43 && !line.contains(' '));
        token.expect("the mail holds a token").to_owned()
    }
}

#[test]
fn every_property_a_native_route_emits_is_in_the_document() {
    let mut s = Session::new();
    s.call("GET", "/api/v1/me", None);
    s.call("GET", "/api/v1/permissions", None);
    let user = s.call(
        "POST",
        "/api/v1/users",
        Some(json!({"userName": "jane", "email": "jane@example.com", "password": "correct horse battery",
                    "country": "us", "preferences": {"theme": "dark"}, "attributes": []})),
    );
    let id = user["id"].as_str().unwrap().to_owned();
    s.call("GET", &format!("/api/v1/users/{id}"), None);
    s.call("PATCH", &format!("/api/v1/users/{id}"), Some(json!({"city": "Paris"})));
    s.call("GET", "/api/v1/users?limit=1", None);
    s.call("GET", "/api/v1/users?fields=userName,country", None);
    s.call("GET", "/api/v1/users/recap?target=country", None);
    s.call("GET", &format!("/api/v1/users/{id}/permissions"), None);
    s.call("GET", &format!("/api/v1/users/{id}/lock"), None);
    let key = s.call("POST", &format!("/api/v1/users/{id}/api-keys"), Some(json!({"name": "ci"})));
    s.call("GET", &format!("/api/v1/users/{id}/api-keys"), None);
    let form = format!(
        "grant_type=client_credentials&client_id={}&client_secret={}",
        key["clientId"].as_str().unwrap(),
        key["clientSecret"].as_str().unwrap()
    );
    let form_type = vec![("content-type".to_owned(), "application/x-www-form-urlencoded".to_owned())];
    s.send("POST", "/oauth/token", form_type.clone(), form.into_bytes());
    s.send("POST", "/oauth/token", form_type, b"grant_type=password".to_vec());
    s.call("DELETE", &format!("/api/v1/users/{id}/api-keys/{}", key["id"].as_str().unwrap()), None);
    let role = s.call("POST", "/api/v1/roles", Some(json!({"name": "helpdesk", "permissions": ["users:read"]})));
    let role_id = role["id"].as_str().unwrap().to_owned();
    s.call("GET", "/api/v1/roles", None);
    s.call("PATCH", &format!("/api/v1/roles/{role_id}"), Some(json!({"addPermissions": ["users:list"]})));
    s.call("PATCH", &format!("/api/v1/users/{id}/roles"), Some(json!({"addRoles": [role_id]})));
    let account = s.call("POST", "/api/v1/accounts", Some(json!({"name": "123456", "type": "CUSTOMER"})));
    let account_id = account["id"].as_str().unwrap().to_owned();
    s.call("GET", "/api/v1/accounts", None);
    s.call("GET", &format!("/api/v1/accounts/{account_id}"), None);
    s.call("GET", &format!("/api/v1/roles/{role_id}"), None);
    s.call("PATCH", &format!("/api/v1/accounts/{account_id}"), Some(json!({"displayName": "Acme"})));
    s.call("PUT", &format!("/api/v1/accounts/{account_id}/members/{id}"), Some(json!({"roles": ["account-admin"]})));
    let invited = s.call(
        "POST",
        &format!("/api/v1/accounts/{account_id}/invitations"),
        Some(json!({"emailAddress": "new.hire@example.com"})),
    );
    let invited_id = invited["userId"].as_str().unwrap().to_owned();
    s.call("POST", &format!("/api/v1/accounts/{account_id}/invitations/{invited_id}/resend"), None);
    s.call("GET", &format!("/api/v1/accounts/{account_id}/members"), None);
    let invitation_token = s.mailed_token();
    s.call_as(
        "",
        "POST",
        "/api/v1/invitations/accept",
        Some(json!({"token": invitation_token, "password": "a much longer passphrase", "firstName": "Nora"})),
    );
    s.call("POST", "/api/v1/attribute-definitions", Some(json!({"name": "tier", "type": "enum", "values": ["gold"]})));
    s.call(
        "POST",
        "/api/v1/attribute-definitions",
        Some(json!({"name": "dept", "type": "string", "accountId": account_id})),
    );
    s.call("GET", "/api/v1/attribute-definitions", None);
    s.call("GET", "/api/v1/audit?limit=5", None);
    s.call_as("", "POST", "/api/v1/auth/password/lost", Some(json!({"email": "jane@example.com"})));
    s.call_as("", "POST", "/api/v1/auth/login", Some(json!({"userName": "jane", "password": "correct horse battery"})));
    // Problems, whose schema is the shared base's: the status must be listed.
    s.call("GET", "/api/v1/users/not-a-user", None);
    s.call("POST", "/api/v1/users", Some(json!({"email": "jane@example.com"})));
    s.call("PATCH", &format!("/api/v1/roles/{role_id}"), Some(json!({"name": "x", "version": 99})));
    s.call("DELETE", "/api/v1/roles/administrator", None);
    s.call("DELETE", &format!("/api/v1/accounts/{account_id}"), None);
    s.call_as("", "GET", "/api/v1/users", None);
    // Every operation that answers a body was called (the document itself is the integrator's).
    for (path, item) in s.doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let answers_a_body = operation["responses"]
                .as_object()
                .unwrap()
                .iter()
                .any(|(status, response)| status.starts_with('2') && response.get("content").is_some());
            let name = format!("{} {path}", method.to_ascii_uppercase());
            if answers_a_body && path != "/openapi.json" {
                assert!(s.checked.contains(&name), "{name} was not called");
            }
        }
    }
}

fn enum_of(doc: &Value, schema: &str) -> Vec<String> {
    let values = doc["components"]["schemas"][schema]["enum"].as_array().expect("an enum");
    values.iter().map(|v| v.as_str().unwrap().to_owned()).collect()
}

#[test]
fn the_documents_catalogs_are_the_codes() {
    let doc = document();
    let permissions: Vec<String> = Permission::ALL.iter().map(|p| p.name().to_owned()).collect();
    assert_eq!(enum_of(&doc, "Permission"), permissions);
    let types: Vec<String> = AccountType::ALL.iter().map(|t| t.as_str().to_owned()).collect();
    assert_eq!(enum_of(&doc, "AccountType"), types);
}
