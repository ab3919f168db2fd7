//! Logs: the subscriber that writes them to stderr, as text for people or JSON lines for
//! machines, and the one event the server records per HTTP request.
//!
//! What is logged is chosen field by field, never dumped: no request or response body, no
//! header value but the correlation id, no query string. Passwords, tokens and secrets
//! travel in exactly those, and mail bodies never reach the HTTP front at all.

use std::io::{self, IsTerminal};
use std::time::Duration;

use hyper::{Method, StatusCode};
use tracing::Subscriber;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::util::SubscriberInitExt;

/// The target of the request events, so that `RUST_LOG=roster::request=off` silences them.
pub const REQUEST_TARGET: &str = "roster::request";

/// How log lines look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One line of text per event, for a terminal.
    #[default]
    Human,
    /// One JSON object per line, with the event's fields at the top level, for a log shipper.
    Json,
}

/// Send the process's logs (and those of libraries that use `log`) to stderr in `format`,
/// filtered by `RUST_LOG` (default `info`).
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    subscriber(format, filter, io::stderr).init();
}

/// The subscriber [`init`] installs, writing to `writer`.
pub fn subscriber<W>(format: LogFormat, filter: EnvFilter, writer: W) -> Box<dyn Subscriber + Send + Sync>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(writer);
    match format {
        LogFormat::Human => Box::new(builder.with_ansi(io::stderr().is_terminal()).finish()),
        LogFormat::Json => Box::new(builder.json().flatten_event(true).with_current_span(false).finish()),
    }
}

/// One answered HTTP request, as the request log records it.
#[derive(Debug, Clone, Copy)]
pub struct RequestLog<'a> {
    /// The request's method.
    pub method: &'a Method,
    /// The route template the component matched (`/api/v1/users/{id}`), or the host's name
    /// for a request it answered itself.
    pub route: &'a str,
    /// The response's status.
    pub status: StatusCode,
    /// Time from the request's arrival to its response head.
    pub latency: Duration,
    /// The id of the user the request authenticated as, if any.
    pub caller: Option<&'a str>,
    /// The request's correlation id, as its response carries it.
    pub correlation_id: &'a str,
}

impl RequestLog<'_> {
    /// Record the request's event: at `info`, or at `debug` when `routine` (health probes
    /// and scrapes, which would otherwise drown the rest).
    pub fn emit(&self, routine: bool) {
        let RequestLog { method, route, status, latency, caller, correlation_id } = *self;
        // Milliseconds with microsecond precision.
        let latency_ms = (latency.as_secs_f64() * 1e6).round() / 1e3;
        let status = status.as_u16();
        // Displayed, not debugged: text lines show `route=/api/v1/me`, not `route="/api/v1/me"`.
        let caller = caller.map(tracing::field::display);
        if routine {
            tracing::debug!(
                target: REQUEST_TARGET, %method, %route, status, latency_ms, caller, %correlation_id, "request"
            );
        } else {
            tracing::info!(
                target: REQUEST_TARGET, %method, %route, status, latency_ms, caller, %correlation_id, "request"
            );
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    /// A log destination that keeps everything written to it, for tests to read.
    #[derive(Clone, Default)]
    pub(crate) struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Captured {
        /// Everything written so far.
        pub(crate) fn text(&self) -> String {
            String::from_utf8(self.0.lock().expect("not poisoned").clone()).expect("logs are UTF-8")
        }
    }

    impl io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.0.lock().expect("not poisoned").extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl<'w> MakeWriter<'w> for Captured {
        type Writer = Captured;

        fn make_writer(&'w self) -> Captured {
            self.clone()
        }
    }

    fn request<'a>(caller: Option<&'a str>) -> RequestLog<'a> {
        RequestLog {
            method: &Method::PATCH,
            route: "/api/v1/users/{id}",
            status: StatusCode::OK,
            latency: Duration::from_micros(1_234_567),
            caller,
            correlation_id: "corr-7",
        }
    }

    fn capture(format: LogFormat, filter: &str, emit: impl FnOnce()) -> String {
        let captured = Captured::default();
        let subscriber = subscriber(format, EnvFilter::new(filter), captured.clone());
        tracing::subscriber::with_default(subscriber, emit);
        captured.text()
    }

    #[test]
    fn json_request_line_has_every_field_at_the_top_level() {
        let text = capture(LogFormat::Json, "info", || request(Some("0196-user")).emit(false));
        let line: serde_json::Value = serde_json::from_str(text.trim()).expect("one JSON object");
        assert_eq!(line["target"], REQUEST_TARGET);
        assert_eq!(line["level"], "INFO");
        assert_eq!(line["message"], "request");
        assert_eq!(line["method"], "PATCH");
        assert_eq!(line["route"], "/api/v1/users/{id}");
        assert_eq!(line["status"], 200);
        assert_eq!(line["latency_ms"], 1234.567);
        assert_eq!(line["caller"], "0196-user");
        assert_eq!(line["correlation_id"], "corr-7");
    }

    #[test]
    fn anonymous_request_has_no_caller_field() {
        let text = capture(LogFormat::Json, "info", || request(None).emit(false));
        let line: serde_json::Value = serde_json::from_str(text.trim()).expect("one JSON object");
        assert!(line.get("caller").is_none(), "{line}");
    }

    #[test]
    fn human_request_line_is_one_line_of_key_value_pairs() {
        let text = capture(LogFormat::Human, "info", || request(None).emit(false));
        assert_eq!(text.lines().count(), 1, "{text}");
        for pair in
            ["method=PATCH", "route=/api/v1/users/{id}", "status=200", "latency_ms=1234.567", "correlation_id=corr-7"]
        {
            assert!(text.contains(pair), "{pair} missing from {text}");
        }
    }

    #[test]
    fn routine_requests_log_only_at_debug() {
        assert_eq!(capture(LogFormat::Json, "info", || request(None).emit(true)), "");
        assert!(capture(LogFormat::Json, "debug", || request(None).emit(true)).contains("\"DEBUG\""));
    }
}
