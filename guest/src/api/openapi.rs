//! `GET /openapi.json`: one OpenAPI 3.1 document for every surface, assembled from
//! `guest/openapi/`: `base.json` (info, security, the shared problem responses) and one
//! fragment per surface with its `paths` and `components.schemas`.

use serde_json::{Map, Value};

use super::Response;

/// Each surface's fragment, by file name.
const FRAGMENTS: &[(&str, &str)] = &[
    ("native.json", include_str!("../../openapi/native.json")),
    ("user-management.json", include_str!("../../openapi/user-management.json")),
    ("account-users.json", include_str!("../../openapi/account-users.json")),
    ("flexnet.json", include_str!("../../openapi/flexnet.json")),
    ("users-v1.json", include_str!("../../openapi/users-v1.json")),
];

const BASE: &str = include_str!("../../openapi/base.json");

/// The whole document.
pub fn document() -> Value {
    let mut document: Value = serde_json::from_str(BASE).expect("openapi/base.json is JSON");
    for (name, text) in FRAGMENTS {
        let fragment: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("openapi/{name} is not JSON: {e}"));
        merge(&mut document, "paths", &fragment["paths"]);
        merge(&mut document["components"], "schemas", &fragment["components"]["schemas"]);
    }
    document
}

/// Copy the members of `from` into `into[key]`; a name two fragments both define keeps the
/// first (the drift test reports it).
fn merge(into: &mut Value, key: &str, from: &Value) {
    let Some(from) = from.as_object() else { return };
    let target = into.as_object_mut().expect("documents are objects").entry(key).or_insert(Value::Object(Map::new()));
    let target = target.as_object_mut().expect("paths and schemas are objects");
    for (name, value) in from {
        target.entry(name.clone()).or_insert_with(|| value.clone());
    }
}

/// The response of `GET /openapi.json`.
pub fn serve() -> Response {
    Response::json(200, &document())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::api::{Request, handle, routes};
    use crate::env::testing::TestEnv;

    const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

    fn documented() -> BTreeSet<(String, String)> {
        let document = document();
        let paths = document["paths"].as_object().expect("the document has paths");
        let mut routes = BTreeSet::new();
        for (path, item) in paths {
            for method in METHODS.iter().filter(|m| item.get(**m).is_some()) {
                routes.insert((method.to_uppercase(), path.clone()));
            }
        }
        routes
    }

    #[test]
    fn the_document_names_every_served_route_and_no_other() {
        let served: BTreeSet<(String, String)> =
            routes::all().map(|(method, path)| (method.to_owned(), path.to_owned())).collect();
        let documented = documented();
        let undocumented: Vec<_> = served.difference(&documented).collect();
        let unserved: Vec<_> = documented.difference(&served).collect();
        assert!(undocumented.is_empty(), "served but missing from the OpenAPI document: {undocumented:?}");
        assert!(unserved.is_empty(), "in the OpenAPI document but not served: {unserved:?}");
    }

    #[test]
    fn every_route_in_the_table_is_dispatched() {
        let t = TestEnv::new();
        for (method, path) in routes::all() {
            let concrete: Vec<&str> = path
                .split('/')
                .map(|s| if s.starts_with('{') { "0196b7e4-0000-7000-8000-000000000000" } else { s })
                .collect();
            let request = Request { method: method.to_owned(), path: concrete.join("/"), ..Request::default() };
            let response = handle(&t.env(), &request);
            let body: Value = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
            assert!(
                response.status != 405 && body["code"] != "no_route",
                "{method} {path} is in api::routes but no surface dispatches it"
            );
        }
    }

    #[test]
    fn fragments_do_not_define_a_name_twice() {
        let mut seen = BTreeSet::new();
        for (name, text) in FRAGMENTS {
            let fragment: Value = serde_json::from_str(text).expect("fragments are JSON");
            for kind in ["paths", "schemas"] {
                let members = if kind == "paths" { &fragment["paths"] } else { &fragment["components"]["schemas"] };
                for key in members.as_object().into_iter().flat_map(|m| m.keys()) {
                    assert!(seen.insert((kind, key.clone())), "{name} defines {kind} {key} again");
                }
            }
        }
    }

    #[test]
    fn every_reference_resolves() {
        fn walk(document: &Value, value: &Value, broken: &mut Vec<String>) {
            match value {
                Value::Object(map) => {
                    if let Some(Value::String(target)) = map.get("$ref") {
                        let pointer = target.strip_prefix('#').unwrap_or(target);
                        if document.pointer(pointer).is_none() {
                            broken.push(target.clone());
                        }
                    }
                    map.values().for_each(|v| walk(document, v, broken));
                }
                Value::Array(items) => items.iter().for_each(|v| walk(document, v, broken)),
                _ => {}
            }
        }
        let document = document();
        let mut broken = Vec::new();
        walk(&document, &document, &mut broken);
        assert!(broken.is_empty(), "references to nothing: {broken:?}");
    }

    #[test]
    fn every_operation_has_an_id_a_summary_and_responses() {
        let document = document();
        let mut ids = BTreeSet::new();
        for (path, item) in document["paths"].as_object().expect("paths") {
            for method in METHODS.iter().filter(|m| item.get(**m).is_some()) {
                let operation = &item[*method];
                let id =
                    operation["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path} has no operationId"));
                assert!(ids.insert(id.to_owned()), "operationId {id} is used twice");
                assert!(operation["summary"].is_string(), "{method} {path} has no summary");
                assert!(
                    operation["responses"].as_object().is_some_and(|r| !r.is_empty()),
                    "{method} {path} has no responses"
                );
            }
        }
    }

    #[test]
    fn the_document_is_served_without_credentials() {
        let t = TestEnv::new();
        let request = Request { method: "GET".into(), path: "/openapi.json".into(), ..Request::default() };
        let response = handle(&t.env(), &request);
        assert_eq!(response.status, 200);
        let body: Value = serde_json::from_slice(&response.body).expect("JSON");
        assert_eq!(body["openapi"], "3.1.0");
    }
}
