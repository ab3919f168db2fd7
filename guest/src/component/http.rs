//! `wasi:http/incoming-handler` (exported): reads the request, answers it with [`crate::api`].

use std::io::{Read, Write};

use wasip2::exports::http::incoming_handler::Guest;
use wasip2::http::types::{Fields, IncomingRequest, Method, OutgoingBody, OutgoingResponse, ResponseOutparam};

use super::{Component, with_env};
use crate::api::{self, MAX_BODY_BYTES, Request, Response, problem::Problem};

impl Guest for Component {
    fn handle(incoming: IncomingRequest, out: ResponseOutparam) {
        let response = match read_request(&incoming) {
            Ok(request) => with_env(|env| api::handle(env, &request)),
            Err((request, problem)) => {
                let id = api::correlation_id(&request);
                api::problem::respond(&problem, &request, &id).with_header("x-correlation-id", id)
            }
        };
        write_response(out, response);
    }
}

/// The request with its body, or the request without it and why the body was refused.
fn read_request(incoming: &IncomingRequest) -> Result<Request, (Request, Problem)> {
    let method = match incoming.method() {
        Method::Get => "GET".to_owned(),
        Method::Head => "HEAD".to_owned(),
        Method::Post => "POST".to_owned(),
        Method::Put => "PUT".to_owned(),
        Method::Delete => "DELETE".to_owned(),
        Method::Connect => "CONNECT".to_owned(),
        Method::Options => "OPTIONS".to_owned(),
        Method::Trace => "TRACE".to_owned(),
        Method::Patch => "PATCH".to_owned(),
        Method::Other(other) => other.to_ascii_uppercase(),
    };
    let target = incoming.path_with_query().unwrap_or_else(|| "/".to_owned());
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let headers = incoming
        .headers()
        .entries()
        .into_iter()
        .filter_map(|(name, value)| Some((name.to_ascii_lowercase(), String::from_utf8(value).ok()?)))
        .collect();
    let mut request = Request { method, path: path.to_owned(), query: query.to_owned(), headers, body: Vec::new() };
    match read_body(incoming) {
        Ok(body) => {
            request.body = body;
            Ok(request)
        }
        Err(problem) => Err((request, problem)),
    }
}

fn read_body(incoming: &IncomingRequest) -> Result<Vec<u8>, Problem> {
    let broken = || Problem::MalformedBody("The body could not be read.".into());
    let body = incoming.consume().map_err(|()| broken())?;
    let mut stream = body.stream().map_err(|()| broken())?;
    let mut bytes = Vec::new();
    // One byte past the limit tells a body at the limit from one over it.
    if let Err(err) = (&mut stream).take(MAX_BODY_BYTES as u64 + 1).read_to_end(&mut bytes) {
        // `read_to_end` reports a failed allocation instead of aborting; it is still the
        // instance's memory cap, which the host reports as out-of-memory once this traps.
        if err.kind() == std::io::ErrorKind::OutOfMemory {
            panic!("out of memory reading the request body");
        }
        return Err(broken());
    }
    if bytes.len() > MAX_BODY_BYTES {
        return Err(Problem::BodyTooLarge);
    }
    Ok(bytes)
}

fn write_response(out: ResponseOutparam, response: Response) {
    let headers: Vec<(String, Vec<u8>)> =
        response.headers.into_iter().map(|(name, value)| (name, value.into_bytes())).collect();
    let fields = Fields::from_list(&headers).expect("the API only sends valid header names and values");
    let outgoing = OutgoingResponse::new(fields);
    outgoing.set_status_code(response.status).expect("the API only sends valid status codes");
    let body = outgoing.body().expect("a new response's body is taken once");
    ResponseOutparam::set(out, Ok(outgoing));
    if !response.body.is_empty() {
        let mut stream = body.write().expect("a body's stream is taken once");
        // A client that went away leaves nothing to tell; the response is simply lost.
        let _ = Write::write_all(&mut stream, &response.body).and_then(|()| Write::flush(&mut stream));
    }
    let _ = OutgoingBody::finish(body, None);
}
