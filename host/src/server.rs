//! The HTTP front: hyper on tokio, HTTP/1.1 and cleartext HTTP/2. The host answers the health
//! probes and oversized bodies itself; every other request goes to the component. The mail
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
use hyper::header::{CONTENT_LENGTH, HOST, HeaderValue};
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

use crate::config::{ConfigError, ServeConfig};
use crate::mail::{Mailer, Relay};
use crate::problem::{self, Problem, RequestInfo};
use crate::runtime::{Runtime, RuntimeError};

/// How long shutdown waits for in-flight requests beyond one request deadline.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

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
        Ok(Server {
            listener,
            app: Arc::new(App { runtime: Arc::new(runtime), local_addr, max_body, ready: AtomicBool::new(true) }),
            mailer,
        })
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
    async fn handle(&self, request: Request<Incoming>) -> Response<HyperOutgoingBody> {
        match request.uri().path() {
            "/healthz" => json(StatusCode::OK, r#"{"status":"ok"}"#),
            "/readyz" if self.ready.load(Ordering::SeqCst) => json(StatusCode::OK, r#"{"status":"ready"}"#),
            "/readyz" => Problem {
                status: StatusCode::SERVICE_UNAVAILABLE,
                code: "not_ready",
                detail: "The server is starting or shutting down.",
            }
            .into_response(&RequestInfo::of(&request)),
            _ => self.forward(request).await,
        }
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
