//! RFC 9457 problem details for the responses the host makes itself, and the one mapping
//! from host-side failures to them.
//!
//! The component answers every domain error itself; the host only speaks for requests the
//! component never saw or could not finish. Internal error text is logged, never sent.

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::header::{CONTENT_TYPE, HeaderName, HeaderValue, RETRY_AFTER};
use hyper::{Request, Response, StatusCode};
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

use crate::runtime::CallError;

/// The media type of a problem body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// The header that carries a request's correlation id, as the component reads it.
pub const CORRELATION_ID: HeaderName = HeaderName::from_static("x-correlation-id");

/// What a problem response repeats of the request it answers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestInfo {
    /// The request's path: the problem's `instance`.
    pub path: String,
    /// The client's `x-correlation-id`, echoed when it sent one.
    pub correlation_id: Option<String>,
}

impl RequestInfo {
    /// The facts of `request` a problem repeats.
    pub fn of<B>(request: &Request<B>) -> Self {
        RequestInfo {
            path: request.uri().path().to_owned(),
            correlation_id: request
                .headers()
                .get(CORRELATION_ID)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned),
        }
    }
}

/// One problem: a status, a stable machine-readable `code`, and a sentence for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The HTTP status.
    pub status: StatusCode,
    /// A stable, machine-readable name for the problem in snake_case (`deadline_exceeded`, …).
    pub code: &'static str,
    /// A sentence for people; never internal error text.
    pub detail: &'static str,
}

impl Problem {
    /// The response carrying this problem, as JSON with `type`, `title`, `status`,
    /// `detail`, `code`, `instance` and, when the client sent one, `correlationId`: the
    /// shape of the component's own problems.
    pub fn into_response(self, request: &RequestInfo) -> Response<HyperOutgoingBody> {
        let mut body = serde_json::json!({
            "type": format!("urn:roster:problem:{}", self.code),
            "title": self.status.canonical_reason().unwrap_or("Error"),
            "status": self.status.as_u16(),
            "detail": self.detail,
            "code": self.code,
            "instance": request.path,
        });
        if let Some(id) = &request.correlation_id {
            body["correlationId"] = id.as_str().into();
        }
        let mut response = full_response(self.status, PROBLEM_JSON, body.to_string());
        if let Some(id) = request.correlation_id.as_deref().and_then(|id| HeaderValue::from_str(id).ok()) {
            response.headers_mut().insert(CORRELATION_ID, id);
        }
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

/// The problem a client sees for a failed call into the component.
pub fn for_call_error(error: &CallError) -> Problem {
    let (status, code, detail) = match error {
        CallError::DeadlineExceeded => (
            StatusCode::SERVICE_UNAVAILABLE,
            "deadline_exceeded",
            "The request took longer than the server allows. Retry later.",
        ),
        CallError::Overloaded => {
            (StatusCode::SERVICE_UNAVAILABLE, "overloaded", "The server is too busy to take the request. Retry later.")
        }
        CallError::OutOfMemory(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "out_of_memory",
            "The request needed more memory than the server allows.",
        ),
        CallError::Storage(_) => {
            (StatusCode::SERVICE_UNAVAILABLE, "unavailable", "The server's storage is failing. Retry later.")
        }
        CallError::Trap(_) | CallError::NoResponse | CallError::ErrorResponse(_) => {
            (StatusCode::INTERNAL_SERVER_ERROR, "internal_error", "The server failed while handling the request.")
        }
    };
    Problem { status, code, detail }
}

/// A response with a complete body, in the body type the component's responses use.
pub fn full_response(
    status: StatusCode,
    content_type: &'static str,
    body: impl Into<Bytes>,
) -> Response<HyperOutgoingBody> {
    let body = Full::new(body.into()).map_err(|never| match never {}).boxed_unsync();
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body_json(response: Response<HyperOutgoingBody>) -> serde_json::Value {
        let bytes = response.into_body().collect().await.expect("a full body never fails").to_bytes();
        serde_json::from_slice(&bytes).expect("problem bodies are JSON")
    }

    #[tokio::test]
    async fn deadline_is_a_503_problem_with_its_code() {
        let request = RequestInfo { path: "/users".into(), correlation_id: None };
        let response = for_call_error(&CallError::DeadlineExceeded).into_response(&request);
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[CONTENT_TYPE], PROBLEM_JSON);
        let body = body_json(response).await;
        assert_eq!(body["status"], 503);
        assert_eq!(body["code"], "deadline_exceeded");
        assert_eq!(body["type"], "urn:roster:problem:deadline_exceeded");
        assert_eq!(body["title"], "Service Unavailable");
        assert_eq!(body["instance"], "/users");
        assert!(body.get("correlationId").is_none());
    }

    #[tokio::test]
    async fn problem_echoes_the_clients_correlation_id() {
        let request = Request::get("/users").header("x-correlation-id", "abc-1").body(()).expect("a valid request");
        let response = for_call_error(&CallError::Overloaded).into_response(&RequestInfo::of(&request));
        assert_eq!(response.headers()["x-correlation-id"], "abc-1");
        assert_eq!(body_json(response).await["correlationId"], "abc-1");
    }

    #[tokio::test]
    async fn trap_text_is_not_sent_to_the_client() {
        let error = CallError::Trap("secret internal detail".into());
        let response = for_call_error(&error).into_response(&RequestInfo::default());
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = body_json(response).await.to_string();
        assert!(!body.contains("secret"), "{body}");
    }

    #[tokio::test]
    async fn every_host_problem_code_is_snake_case_and_names_its_type() {
        let errors = [
            CallError::DeadlineExceeded,
            CallError::Overloaded,
            CallError::OutOfMemory("x".into()),
            CallError::Trap("x".into()),
            CallError::NoResponse,
        ];
        for error in &errors {
            let problem = for_call_error(error);
            assert!(problem.code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "{}", problem.code);
            let body = body_json(problem.clone().into_response(&RequestInfo::default())).await;
            assert_eq!(body["type"], format!("urn:roster:problem:{}", problem.code));
        }
        assert_eq!(for_call_error(&CallError::OutOfMemory("x".into())).code, "out_of_memory");
        assert_eq!(for_call_error(&CallError::Trap("x".into())).code, "internal_error");
    }
}
