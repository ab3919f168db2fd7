//! Operating the server: one correlation id through the response, the log line and the
//! audit record; secrets never in the log; metrics in Prometheus text.

use roster_tests::{ADMIN_PASSWORD, Server};
use serde_json::json;

#[test]
fn one_correlation_id_is_in_the_response_the_log_line_and_the_audit_record() {
    let server = Server::start();
    let body = json!({"userName": "traced", "email": "traced@example.com"});
    let headers = [("x-correlation-id", "trace-me-123")];
    let reply = server.request_as(server.admin_token(), "POST", "/api/v1/users", &headers, Some(&body));
    assert_eq!(reply.status, 201);
    assert_eq!(reply.header("x-correlation-id"), Some("trace-me-123"));

    let log = server.log_with("trace-me-123");
    let line = log.lines().find(|l| l.contains("trace-me-123")).expect("a log line carries the correlation id");
    let line: serde_json::Value = serde_json::from_str(line).expect("log lines are JSON");
    assert_eq!(line["route"], "/api/v1/users");
    assert_eq!(line["status"], 201);

    let audit = server.get("/api/v1/audit?action=user.created").json();
    assert!(audit["items"].as_array().unwrap().iter().any(|r| r["correlationId"] == "trace-me-123"), "{audit}");
}

#[test]
fn passwords_and_tokens_never_reach_the_log() {
    let server = Server::start();
    let secret_password = "opal-kettle-secret-91";
    let body = json!({"userName": "quiet", "email": "quiet@example.com", "password": secret_password});
    assert_eq!(server.post("/api/v1/users", &body).status, 201);
    let token = server.login("quiet", secret_password);
    let wrong = json!({"userName": "quiet", "password": "wrong-secret-guess-77"});
    assert_eq!(server.request("POST", "/api/v1/auth/login", &[], Some(&wrong)).status, 401);
    assert_eq!(server.request_as(&token, "GET", "/api/v1/me", &[("x-correlation-id", "last-one")], None).status, 200);
    let log = server.log_with("last-one");
    assert!(log.contains("last-one"), "the log was captured");
    for secret in [secret_password, "wrong-secret-guess-77", token.as_str(), ADMIN_PASSWORD, server.admin_token()] {
        assert!(!log.contains(secret), "a secret reached the log");
    }
}

#[test]
fn metrics_are_prometheus_text_with_request_counts() {
    let server = Server::start();
    assert_eq!(server.get("/api/v1/users").status, 200);
    let reply = server.request("GET", "/metrics", &[], None);
    assert_eq!(reply.status, 200);
    let text = String::from_utf8(reply.body.clone()).unwrap();
    for line in text.lines().filter(|l| !l.is_empty() && !l.starts_with('#')) {
        let (series, value) = line.rsplit_once(' ').expect("each sample is `series value`");
        assert!(value.parse::<f64>().is_ok(), "{line}");
        assert!(series.starts_with("roster_"), "{line}");
    }
    assert!(
        text.lines().any(|l| l.starts_with("roster_http_requests_total{") && l.contains("route=\"/api/v1/users\"")),
        "{text}"
    );
}
