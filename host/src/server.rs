//! The HTTP front: hyper on tokio, HTTP/1.1 and cleartext HTTP/2. The host answers the health
//! probes, `/metrics` and oversized bodies itself; every other request goes to the component.
//! Every request gets one correlation id, one log event and its count in the metrics. The mail
//! relay runs while the server serves.

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::Incoming;
use hyper::header::{CONTENT_LENGTH, HOST, HeaderMap, HeaderName, HeaderValue};
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use uuid::Uuid;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

use crate::config::{ConfigError, ServeConfig};
use crate::logging::RequestLog;
use crate::mail::{Mailer, Relay};
use crate::metrics::{self, HttpMetrics, Metrics};
use crate::problem::{self, CORRELATION_ID, Problem, RequestInfo};
use crate::runtime::{Runtime, RuntimeError};

/// How long shutdown waits for in-flight requests beyond one request deadline.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// The fallback source of a correlation id, after `x-correlation-id`.
const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The prefix of the response headers the component addresses to the host alone; the host
/// removes every one of them before the response leaves.
const INTERNAL_PREFIX: &str = "x-roster-";
/// The route template the component matched (`/api/v1/users/{id}`, or `unmatched`).
const ROUTE_HEADER: &str = "x-roster-route";
/// The id of the user the request authenticated as; absent for anonymous requests.
const CALLER_HEADER: &str = "x-roster-caller";

/// The route of a request the component did not answer: refused before it ran, or failed in it.
const UNKNOWN_ROUTE: &str = "unknown";

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// The runtime (configuration, database or component) could not start.
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    /// A setting is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The listening socket could not be opened.
    #[error("cannot listen on {addr}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// The thread that started the runtime panicked.
    #[error("starting the runtime panicked")]
    StartupPanicked(#[source] tokio::task::JoinError),
}

/// A server with its runtime loaded and its socket bound, not yet serving.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    app: Arc<App>,
    mailer: Mailer,
}

#[derive(Debug)]
struct App {
    runtime: Arc<Runtime>,
    local_addr: SocketAddr,
    max_body: usize,
    ready: AtomicBool,
    http_metrics: HttpMetrics,
    metrics: Metrics,
}

impl Server {
    /// Validate `config`, open the database, load the component and bind the socket.
    pub async fn bind(config: ServeConfig) -> Result<Server, ServerError> {
        let max_body = config.max_body;
        let listen = config.listen;
        let (mail, data_dir) = (config.mail.clone(), config.data_dir.clone());
        let runtime = tokio::task::spawn_blocking(move || Runtime::open(&config))
            .await
            .map_err(ServerError::StartupPanicked)??;
        let mailer = Mailer::new(&mail, &data_dir)?;
        let listener = TcpListener::bind(listen).await.map_err(|source| ServerError::Bind { addr: listen, source })?;
        let local_addr = listener.local_addr().map_err(|source| ServerError::Bind { addr: listen, source })?;
        let http_metrics = HttpMetrics::default();
        let metrics = Metrics::new(
            &http_metrics,
            runtime.metrics(),
            runtime.storage().metrics(),
            runtime.hasher().metrics(),
            mailer.metrics(),
        );
        let app = App {
            runtime: Arc::new(runtime),
            local_addr,
            max_body,
            ready: AtomicBool::new(true),
            http_metrics,
            metrics,
        };
        Ok(Server { listener, app: Arc::new(app), mailer })
    }

    /// The address the server listens on, with the real port when port 0 was asked for.
    pub fn local_addr(&self) -> SocketAddr {
        self.app.local_addr
    }

    /// The runtime, for typed calls on the same database (see [`Runtime::users`]).
    pub fn runtime(&self) -> Arc<Runtime> {
        self.app.runtime.clone()
    }

    /// Serve until SIGINT or SIGTERM, then shut down gracefully.
    pub async fn run(self) -> Result<(), ServerError> {
        self.run_until(shutdown_signal()).await
    }

    /// Start the mail relay and serve until `shutdown` completes; then stop accepting, let
    /// in-flight requests finish (for at most one request deadline plus a grace period), stop
    /// the relay and close the database.
    pub async fn run_until(self, shutdown: impl Future<Output = ()>) -> Result<(), ServerError> {
        let Server { listener, app, mailer } = self;
        let relay = Relay::start(app.runtime.storage().clone(), mailer);
        let mut builder = auto::Builder::new(TokioExecutor::new());
        // With a timer, hyper closes connections whose request head takes over 30 s.
        builder.http1().timer(TokioTimer::new());
        builder.http2().timer(TokioTimer::new());
        let graceful = GracefulShutdown::new();
        let mut shutdown = pin!(shutdown);

        loop {
            tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((stream, peer)) => {
                        if let Err(error) = stream.set_nodelay(true) {
                            tracing::debug!(%peer, %error, "cannot set TCP_NODELAY");
                        }
                        let app = app.clone();
                        let service = service_fn(move |request| {
                            let app = app.clone();
                            async move { Ok::<_, Infallible>(app.handle(request).await) }
                        });
                        let connection = builder
                            .serve_connection(TokioIo::new(stream), service)
                            .into_owned();
                        let connection = graceful.watch(connection);
                        tokio::spawn(async move {
                            if let Err(error) = connection.await {
                                tracing::debug!(%peer, %error, "connection ended with an error");
                            }
                        });
                    }
                    Err(error) => {
                        // Usually out of file descriptors; back off instead of spinning.
                        tracing::warn!(%error, "accepting a connection failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                },
                () = &mut shutdown => break,
            }
        }

        drop(listener);
        app.ready.store(false, Ordering::SeqCst);
        tracing::info!("shutting down: waiting for in-flight requests");
        let patience = app.runtime.request_deadline() + SHUTDOWN_GRACE;
        if tokio::time::timeout(patience, graceful.shutdown()).await.is_err() {
            tracing::warn!("in-flight requests did not finish in {patience:?}; closing anyway");
        }
        // After the requests, whose commits may have queued mail; before the database closes.
        relay.stop().await;
        close(app).await;
        tracing::info!("shut down");
        Ok(())
    }
}

/// Close the database once nothing else holds the runtime.
async fn close(app: Arc<App>) {
    let Some(runtime) = Arc::into_inner(app).and_then(|app| Arc::into_inner(app.runtime)) else {
        tracing::debug!("runtime still shared; the database closes with its last user");
        return;
    };
    match tokio::task::spawn_blocking(move || runtime.close()).await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => tracing::error!(%error, "closing the database failed"),
        Err(error) => tracing::error!(%error, "closing the database panicked"),
    }
}

impl App {
    /// Answer one request: give it its correlation id, have the host or the component answer
    /// it, then take the component's internal headers off the response and record the request.
    async fn handle(&self, mut request: Request<Incoming>) -> Response<HyperOutgoingBody> {
        let arrived = Instant::now();
        let correlation_id = correlation_id(request.headers());
        let correlation_header = HeaderValue::from_str(&correlation_id).expect("a correlation id is visible ASCII");
        // The component echoes this header, so its answer carries the id chosen here.
        request.headers_mut().insert(CORRELATION_ID, correlation_header.clone());
        let method = request.method().clone();
        let (own_route, mut response) = match request.uri().path() {
            "/healthz" => (Some("/healthz"), json(StatusCode::OK, r#"{"status":"ok"}"#)),
            "/readyz" => (Some("/readyz"), self.readiness(&request)),
            "/metrics" => {
                (Some("/metrics"), problem::full_response(StatusCode::OK, metrics::CONTENT_TYPE, self.metrics.encode()))
            }
            _ => (None, self.forward(request).await),
        };
        response.headers_mut().insert(CORRELATION_ID, correlation_header);
        let internal = take_internal_headers(response.headers_mut());
        let route = own_route.or(internal.route.as_deref()).unwrap_or(UNKNOWN_ROUTE);
        let (status, latency) = (response.status(), arrived.elapsed());
        self.http_metrics.record(route, &method, status, latency);
        let caller = internal.caller.as_deref();
        RequestLog { method: &method, route, status, latency, caller, correlation_id: &correlation_id }
            .emit(own_route.is_some());
        response
    }

    fn readiness(&self, request: &Request<Incoming>) -> Response<HyperOutgoingBody> {
        if self.ready.load(Ordering::SeqCst) {
            return json(StatusCode::OK, r#"{"status":"ready"}"#);
        }
        Problem {
            status: StatusCode::SERVICE_UNAVAILABLE,
            code: "not_ready",
            detail: "The server is starting or shutting down.",
        }
        .into_response(&RequestInfo::of(request))
    }

    /// Read the whole body (within the size limit and the deadline), then hand the request
    /// to a fresh instance of the component.
    async fn forward(&self, request: Request<Incoming>) -> Response<HyperOutgoingBody> {
        let deadline = Instant::now() + self.runtime.request_deadline();
        let info = RequestInfo::of(&request);
        if declared_length(&request).is_some_and(|len| len > self.max_body as u64) {
            return too_large(&info);
        }
        let (mut parts, body) = request.into_parts();
        let body = Limited::new(body, self.max_body).collect();
        let body = match tokio::time::timeout_at(deadline.into(), body).await {
            Ok(Ok(collected)) => collected.to_bytes(),
            Ok(Err(error)) if error.is::<LengthLimitError>() => return too_large(&info),
            Ok(Err(error)) => {
                tracing::debug!(%error, "reading a request body failed");
                return Problem {
                    status: StatusCode::BAD_REQUEST,
                    // The component's code for a body it cannot read.
                    code: "malformed_body",
                    detail: "The request body could not be read.",
                }
                .into_response(&info);
            }
            Err(_elapsed) => {
                return Problem {
                    status: StatusCode::REQUEST_TIMEOUT,
                    code: "request_timeout",
                    detail: "The request body did not arrive in time.",
                }
                .into_response(&info);
            }
        };
        // wasi:http needs an authority; HTTP/1.0 clients may send neither it nor `Host`.
        if parts.uri.authority().is_none() && !parts.headers.contains_key(HOST) {
            let host =
                HeaderValue::from_str(&self.local_addr.to_string()).expect("a socket address is a valid header value");
            parts.headers.insert(HOST, host);
        }
        let body = Full::new(body).map_err(|never: Infallible| -> wasmtime_wasi_http::Error { match never {} });
        match self.runtime.handle_http(Request::from_parts(parts, body), deadline).await {
            Ok(response) => response,
            Err(error) => {
                let problem = problem::for_call_error(&error);
                tracing::warn!(code = problem.code, error = %error, "request failed");
                problem.into_response(&info)
            }
        }
    }
}

/// The request's correlation id: its `x-correlation-id`, else its `x-request-id`, if that
/// is a plausible id (the component's rule: 1 to 200 visible ASCII characters), else a new
/// UUID v4.
fn correlation_id(headers: &HeaderMap) -> String {
    [CORRELATION_ID, REQUEST_ID]
        .iter()
        .filter_map(|name| headers.get(name)?.to_str().ok())
        .find(|id| is_plausible_id(id))
        .map_or_else(|| Uuid::new_v4().to_string(), str::to_owned)
}

/// 1 to 200 visible ASCII characters: safe in a header, a log line and a metric label.
fn is_plausible_id(value: &str) -> bool {
    (1..=200).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_graphic())
}

/// What the component told the host in its internal headers.
#[derive(Debug, Default, PartialEq, Eq)]
struct Internal {
    route: Option<String>,
    caller: Option<String>,
}

/// Remove every `x-roster-*` header from `headers`, keeping the route and the caller.
fn take_internal_headers(headers: &mut HeaderMap) -> Internal {
    let names: Vec<HeaderName> =
        headers.keys().filter(|name| name.as_str().starts_with(INTERNAL_PREFIX)).cloned().collect();
    let mut internal = Internal::default();
    for name in names {
        let value = headers.remove(&name);
        // Implausible values are dropped rather than let into a metric label.
        let value = value.as_ref().and_then(|v| v.to_str().ok()).filter(|v| is_plausible_id(v)).map(str::to_owned);
        match name.as_str() {
            ROUTE_HEADER => internal.route = value,
            CALLER_HEADER => internal.caller = value,
            _ => {}
        }
    }
    internal
}

fn declared_length(request: &Request<Incoming>) -> Option<u64> {
    request.headers().get(CONTENT_LENGTH)?.to_str().ok()?.parse().ok()
}

fn too_large(request: &RequestInfo) -> Response<HyperOutgoingBody> {
    Problem {
        status: StatusCode::PAYLOAD_TOO_LARGE,
        // The component's code for the same refusal.
        code: "body_too_large",
        detail: "The request body is larger than the server accepts.",
    }
    .into_response(request)
}

fn json(status: StatusCode, body: &'static str) -> Response<HyperOutgoingBody> {
    problem::full_response(status, "application/json", body)
}

/// Resolves on SIGINT (Ctrl-C) or, on Unix, SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => tracing::info!("received SIGINT"),
        () = terminate => tracing::info!("received SIGTERM"),
    }
}

#[cfg(test)]
mod tests {
    use tokio::sync::oneshot;
    use tracing_subscriber::EnvFilter;

    use super::*;
    use crate::hashing::Argon2Params;
    use crate::logging::tests::Captured;
    use crate::logging::{self, LogFormat};
    use crate::metrics::TrapKind;

    /// A server on 127.0.0.1:0 with a temp data dir, serving until the test ends.
    struct Running {
        base: String,
        runtime: Arc<Runtime>,
        agent: ureq::Agent,
        _stop: oneshot::Sender<()>,
        _dir: tempfile::TempDir,
    }

    struct Reply {
        status: u16,
        headers: Vec<(String, String)>,
        body: String,
    }

    impl Reply {
        fn header(&self, name: &str) -> Option<&str> {
            self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
        }

        fn json(&self) -> serde_json::Value {
            serde_json::from_str(&self.body).expect("a JSON body")
        }
    }

    async fn start(adjust: impl FnOnce(&mut ServeConfig)) -> Running {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = ServeConfig::new(([127, 0, 0, 1], 0).into(), dir.path());
        // Cheap hashes keep the tests fast.
        config.argon2 = Argon2Params { memory_kib: 64, iterations: 1, parallelism: 1 };
        adjust(&mut config);
        let server = Server::bind(config).await.expect("the server starts");
        let base = format!("http://{}", server.local_addr());
        let runtime = server.runtime();
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(server.run_until(async {
            let _ = stopped.await;
        }));
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .new_agent();
        Running { base, runtime, agent, _stop: stop, _dir: dir }
    }

    impl Running {
        /// Send a request from a blocking thread, while this thread serves it.
        async fn send(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
            let mut builder = ureq::http::Request::builder().method(method).uri(format!("{}{path}", self.base));
            for (name, value) in headers {
                builder = builder.header(*name, *value);
            }
            let request = builder.body(body.to_vec()).expect("a valid request");
            let agent = self.agent.clone();
            tokio::task::spawn_blocking(move || {
                let mut response = agent.run(request).expect("the server answers");
                let headers = response
                    .headers()
                    .iter()
                    .map(|(n, v)| (n.as_str().to_owned(), v.to_str().expect("ASCII").to_owned()))
                    .collect();
                let body = response.body_mut().read_to_string().expect("a text body");
                Reply { status: response.status().as_u16(), headers, body }
            })
            .await
            .expect("the client thread does not panic")
        }

        async fn get(&self, path: &str) -> Reply {
            self.send("GET", path, &[], &[]).await
        }

        async fn metrics(&self) -> String {
            self.get("/metrics").await.body
        }
    }

    #[tokio::test]
    async fn host_answer_gets_a_generated_uuid_v4_correlation_id() {
        let server = start(|_| {}).await;
        let reply = server.get("/healthz").await;
        assert_eq!(reply.status, 200);
        let id = reply.header("x-correlation-id").expect("a correlation id");
        assert_eq!(Uuid::parse_str(id).expect("a UUID").get_version_num(), 4, "{id}");
    }

    #[tokio::test]
    async fn request_id_is_the_correlation_id_when_none_is_given() {
        let server = start(|_| {}).await;
        let reply = server.send("GET", "/healthz", &[("x-request-id", "req-42")], &[]).await;
        assert_eq!(reply.header("x-correlation-id"), Some("req-42"));
    }

    #[tokio::test]
    async fn component_answer_echoes_the_correlation_id_and_keeps_internal_headers_inside() {
        let server = start(|_| {}).await;
        let reply = server.send("GET", "/api/v1/me", &[("x-correlation-id", "corr-1")], &[]).await;
        assert_eq!(reply.status, 401, "{}", reply.body);
        assert_eq!(reply.header("x-correlation-id"), Some("corr-1"));
        assert_eq!(reply.json()["correlationId"], "corr-1");
        let internal: Vec<_> = reply.headers.iter().filter(|(name, _)| name.starts_with("x-roster-")).collect();
        assert!(internal.is_empty(), "{internal:?}");
    }

    #[tokio::test]
    async fn requests_are_counted_by_the_components_route_template() {
        let server = start(|_| {}).await;
        server.get("/api/v1/users/0196a1b2-0000-7000-8000-000000000001").await;
        server.get("/no/such/route").await;
        let text = server.metrics().await;
        assert!(
            text.contains(r#"roster_http_requests_total{route="/api/v1/users/{id}",method="GET",status="401"} 1"#),
            "{text}"
        );
        assert!(text.contains(r#"route="unmatched""#), "{text}");
        assert!(!text.contains("0196a1b2") && !text.contains("/no/such"), "{text}");
    }

    #[tokio::test]
    async fn failed_login_is_counted_as_failed() {
        let server = start(|_| {}).await;
        let body = br#"{"userName":"nobody","password":"not the password"}"#;
        let reply = server.send("POST", "/api/v1/auth/login", &[("content-type", "application/json")], body).await;
        assert_eq!(reply.status, 401, "{}", reply.body);
        let text = server.metrics().await;
        assert!(text.contains(r#"roster_logins_total{outcome="failed"} 1"#), "{text}");
    }

    #[tokio::test]
    async fn metrics_are_openmetrics_text_with_every_family() {
        let server = start(|_| {}).await;
        server.get("/healthz").await;
        let reply = server.get("/metrics").await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.header("content-type"), Some(metrics::CONTENT_TYPE));
        assert!(reply.header("x-correlation-id").is_some());
        assert!(reply.body.ends_with("# EOF\n"), "{}", reply.body);
        for line in reply.body.lines() {
            assert!(line.starts_with("# ") || metrics::tests::is_sample(line), "not a sample: {line:?}");
        }
        assert!(reply.body.contains(r#"roster_http_requests_total{route="/healthz",method="GET",status="200"} 1"#));
    }

    #[tokio::test]
    async fn body_over_the_limit_is_a_413_with_the_correlation_id() {
        let server = start(|config| config.max_body = 1024).await;
        let headers = [("content-type", "application/json"), ("x-correlation-id", "big-1")];
        let reply = server.send("POST", "/api/v1/users", &headers, &[b' '; 2048]).await;
        assert_eq!(reply.status, 413);
        assert_eq!(reply.header("x-correlation-id"), Some("big-1"));
        assert_eq!(reply.json()["code"], "body_too_large");
        assert_eq!(reply.json()["correlationId"], "big-1");
    }

    #[tokio::test]
    async fn with_every_instance_busy_a_request_gets_503_overloaded_without_waiting_out_its_deadline() {
        let deadline = Duration::from_secs(30);
        let server = start(|config| config.request_deadline = deadline).await;
        let busy = server.runtime.occupy_all_slots();
        let sent = Instant::now();
        let reply = server.get("/api/v1/me").await;
        assert!(sent.elapsed() < deadline / 2, "waited {:?}", sent.elapsed());
        assert_eq!(reply.status, 503, "{}", reply.body);
        assert_eq!(reply.json()["code"], "overloaded");
        assert_eq!(reply.header("retry-after"), Some("1"));
        assert!(reply.header("x-correlation-id").is_some());
        drop(busy);
        assert_eq!(server.get("/api/v1/me").await.status, 401, "a freed slot serves again");
    }

    #[tokio::test]
    async fn guest_out_of_memory_is_a_500_counted_as_out_of_memory() {
        let server = start(|config| config.memory_cap = 3 * 1024 * 1024).await;
        // The component parses a body into a map before it looks at the fields: far more
        // than 3 MiB for these 25,000 entries.
        let body: serde_json::Map<String, serde_json::Value> =
            (0..25_000).map(|i| (format!("k{i:05}"), i.into())).collect();
        let body = serde_json::to_vec(&body).expect("JSON serializes");
        let headers = [("content-type", "application/json")];
        let reply = server.send("POST", "/api/v1/auth/login", &headers, &body).await;
        assert_eq!(reply.status, 500, "{}", reply.body);
        assert_eq!(reply.json()["code"], "out_of_memory");
        assert!(reply.header("x-correlation-id").is_some());
        assert_eq!(server.runtime.metrics().traps(TrapKind::OutOfMemory), 1);
        let text = server.metrics().await;
        assert!(text.contains(r#"roster_http_requests_total{route="unknown",method="POST",status="500"} 1"#), "{text}");
    }

    #[test]
    fn logs_never_show_the_bearer_token_or_the_password_even_at_trace() {
        let captured = Captured::default();
        let subscriber = logging::subscriber(LogFormat::Json, EnvFilter::new("trace"), captured.clone());
        tracing::subscriber::with_default(subscriber, || {
            // One thread runs the server, so every event of the request reaches this subscriber.
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
            runtime.block_on(async {
                let server = start(|_| {}).await;
                let headers = [("authorization", "Bearer SECRET-TOKEN-4f9a1c"), ("content-type", "application/json")];
                let body = br#"{"userName":"nobody","password":"SECRET-PASSWORD-77c1e0"}"#;
                let reply = server.send("POST", "/api/v1/auth/login", &headers, body).await;
                assert_eq!(reply.status, 401, "{}", reply.body);
            });
        });
        let text = captured.text();
        assert!(text.contains(r#""route":"/api/v1/auth/login""#), "no request line in:\n{text}");
        assert!(!text.contains("SECRET-TOKEN") && !text.contains("SECRET-PASSWORD"), "{text}");
    }

    #[test]
    fn internal_headers_are_removed_and_read() {
        let mut headers = HeaderMap::new();
        headers.insert("x-roster-route", HeaderValue::from_static("/api/v1/me"));
        headers.insert("x-roster-caller", HeaderValue::from_static("0196-user"));
        headers.insert("x-roster-future", HeaderValue::from_static("anything"));
        headers.insert("etag", HeaderValue::from_static("\"1\""));
        let internal = take_internal_headers(&mut headers);
        assert_eq!(internal, Internal { route: Some("/api/v1/me".into()), caller: Some("0196-user".into()) });
        assert_eq!(headers.keys().map(HeaderName::as_str).collect::<Vec<_>>(), ["etag"]);
    }

    #[test]
    fn implausible_correlation_ids_are_replaced() {
        let mut headers = HeaderMap::new();
        headers.insert("x-correlation-id", HeaderValue::from_static("has space"));
        headers.insert("x-request-id", HeaderValue::from_static("req-1"));
        assert_eq!(correlation_id(&headers), "req-1");
        headers.insert("x-request-id", HeaderValue::from_str(&"x".repeat(201)).expect("valid"));
        assert!(Uuid::parse_str(&correlation_id(&headers)).is_ok());
    }
}
