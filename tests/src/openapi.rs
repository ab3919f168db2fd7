//! Responses checked against the OpenAPI document: the one `GET /openapi.json` serves, built
//! by the same code (`roster_guest::api::openapi`). The harness checks every response it
//! receives, so each end-to-end test is also a test of the document.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use jsonschema::Validator;
use serde_json::Value;

use roster_guest::api::{openapi, routes};

fn document() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT.get_or_init(openapi::document)
}

/// `~` and `/` escaped for a JSON pointer segment (RFC 6901).
fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// A validator for the schema at `pointer` in the document, compiled once.
fn validator(pointer: &str) -> &'static Validator {
    static VALIDATORS: OnceLock<Mutex<HashMap<String, &'static Validator>>> = OnceLock::new();
    // A test that panicked while compiling leaves the cache as it was: keep using it.
    let mut cache = VALIDATORS.get_or_init(Default::default).lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    cache.entry(pointer.to_owned()).or_insert_with(|| {
        // The whole document is the root resource, so `#/components/...` references resolve;
        // its other members are not schema keywords and are ignored.
        let mut root = document().clone();
        // In a URI fragment the pointer's braces (`{id}`) are percent-encoded (RFC 3986).
        root["$ref"] = Value::String(format!("#{}", pointer.replace('{', "%7B").replace('}', "%7D")));
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .build(&root)
            .unwrap_or_else(|e| panic!("the schema at {pointer} does not compile: {e}"));
        Box::leak(Box::new(validator))
    })
}

/// Panic unless `body` is what the document says `method path_template` answers with
/// `status`: the status is documented (or, for an error, a `default` is), and a JSON body matches the
/// schema of its media type; a response documented without content has no body.
pub fn assert_conforms(method: &str, path_template: &str, status: u16, content_type: Option<&str>, body: &[u8]) {
    let operation = format!("/paths/{}/{}", escape(path_template), method.to_lowercase());
    let Some(responses) = document().pointer(&format!("{operation}/responses")) else {
        panic!("{method} {path_template} is not in the OpenAPI document");
    };
    // `default` stands for error answers only: every success a route gives is listed.
    let key = match responses.get(status.to_string()) {
        Some(_) => status.to_string(),
        None if status >= 400 => "default".to_owned(),
        None => panic!("{method} {path_template} answered {status}, which the OpenAPI document does not list"),
    };
    let Some(mut response) = responses.get(&key) else {
        panic!("{method} {path_template} answered {status}, which the OpenAPI document does not list");
    };
    let mut response_pointer = format!("{operation}/responses/{key}");
    if let Some(Value::String(target)) = response.get("$ref") {
        response_pointer = target.trim_start_matches('#').to_owned();
        response = document().pointer(&response_pointer).expect("the drift test checks that references resolve");
    }
    let media = content_type.map(|c| c.split(';').next().unwrap_or_default().trim()).unwrap_or_default();
    match response.get("content").and_then(Value::as_object) {
        None => assert!(
            body.is_empty(),
            "{method} {path_template} {status}: the document says no content, the server sent {}",
            String::from_utf8_lossy(body)
        ),
        Some(content) => {
            assert!(
                content.contains_key(media),
                "{method} {path_template} {status}: content type {media:?} is not among the documented {:?}",
                content.keys().collect::<Vec<_>>()
            );
            if !media.ends_with("json") {
                return;
            }
            let instance: Value = serde_json::from_slice(body).unwrap_or_else(|e| {
                panic!(
                    "{method} {path_template} {status}: the body is not JSON ({e}): {}",
                    String::from_utf8_lossy(body)
                )
            });
            let pointer = format!("{response_pointer}/content/{}/schema", escape(media));
            if document().pointer(&pointer).is_none() {
                return;
            }
            let errors: Vec<String> =
                validator(&pointer).iter_errors(&instance).map(|e| format!("{} at {}", e, e.instance_path())).collect();
            assert!(
                errors.is_empty(),
                "{method} {path_template} {status}: the body does not match the OpenAPI document:\n  {}\nbody: {instance}",
                errors.join("\n  ")
            );
        }
    }
}

/// Check a response the harness received, when the document covers it: a request that no
/// route serves (a 404 `no_route` or a 405) is not an operation, and 5xx answers, like 413
/// for an oversized body, come from the host's limits on any route. An operation missing from
/// the document is the guest's drift test's to report.
pub(crate) fn check_reply(method: &str, path: &str, status: u16, content_type: Option<&str>, body: &[u8]) {
    if status >= 500 || status == 413 {
        return;
    }
    let path = path.split('?').next().unwrap_or_default();
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let Some((method, template)) = routes::find(method, &segments) else { return };
    let operation = format!("/paths/{}/{}", escape(template), method.to_lowercase());
    if document().pointer(&operation).is_some() {
        assert_conforms(method, template, status, content_type, body);
    }
}

#[cfg(test)]
mod tests {
    use super::assert_conforms;

    #[test]
    #[should_panic(expected = "does not match the OpenAPI document")]
    fn a_user_without_its_required_fields_is_refused() {
        assert_conforms("GET", "/api/v1/users/{id}", 200, Some("application/json"), br#"{"id":"x"}"#);
    }

    #[test]
    #[should_panic(expected = "does not list")]
    fn an_undocumented_success_is_refused() {
        assert_conforms("GET", "/api/v1/me", 201, Some("application/json"), b"{}");
    }

    #[test]
    #[should_panic(expected = "is not among the documented")]
    fn an_undocumented_media_type_is_refused() {
        assert_conforms("GET", "/api/v1/me", 200, Some("text/html"), b"<p>");
    }

    #[test]
    fn a_documented_problem_passes() {
        let problem = br#"{"type":"urn:roster:problem:not_found","title":"Not found","status":404,
            "detail":"No such user.","code":"not_found","instance":"/api/v1/users/x","correlationId":"c"}"#;
        assert_conforms("GET", "/api/v1/users/{id}", 404, Some("application/problem+json"), problem);
    }
}
