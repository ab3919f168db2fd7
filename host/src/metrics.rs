//! Prometheus metrics: the instruments each part of the server records into, and the
//! OpenMetrics text that `GET /metrics` serves.
//!
//! Each part owns its instruments, cheap clones that share one value: [`HttpMetrics`] the HTTP
//! front, [`RuntimeMetrics`] the runtime, [`StoreMetrics`] the storage, [`HashMetrics`] the
//! hashing pool and [`MailMetrics`] the mail relay. [`Metrics`] registers them all under the
//! `roster_` prefix. Every label takes its values from a small set, so the number of series
//! stays bounded: routes are the component's route templates, never request paths.

use std::hash::Hash;
use std::time::{Duration, Instant};

use hyper::{Method, StatusCode};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};

/// The media type of [`Metrics::encode`]'s text, which Prometheus asks for first.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The route template of the login route, whose outcomes `roster_logins_total` counts.
pub const LOGIN_ROUTE: &str = "/api/v1/auth/login";

/// Buckets for request-scale durations, in seconds: 100 µs to 10 s.
const LATENCY_BUCKETS: [f64; 16] =
    [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// Buckets for instantiation, in seconds: 10 µs to 100 ms. The pooling allocator makes an
/// instance in tens of microseconds; the upper buckets catch a pool under pressure.
const INSTANTIATION_BUCKETS: [f64; 13] =
    [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1];

/// A counter family with one series, at 0, for each of `labels`.
fn with_series<S: Clone + Hash + Eq>(labels: impl IntoIterator<Item = S>) -> Family<S, Counter> {
    let family = Family::default();
    for label in labels {
        drop(family.get_or_create(&label));
    }
    family
}

fn latency_histogram() -> Histogram {
    Histogram::new(LATENCY_BUCKETS)
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    method: &'static str,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    kind: &'static str,
}

/// The HTTP front's instruments: requests by route, method and status, their durations by
/// route, and login outcomes.
#[derive(Clone, Debug)]
pub struct HttpMetrics {
    requests: Family<RequestLabels, Counter>,
    durations: Family<RouteLabels, Histogram>,
    logins: Family<OutcomeLabels, Counter>,
}

/// Series with a fixed set of labels exist from the start, at 0, so that a rate or an alert
/// over them works before the first event.
impl Default for HttpMetrics {
    fn default() -> Self {
        let logins = with_series(["succeeded", "failed"].map(|outcome| OutcomeLabels { outcome }));
        HttpMetrics { requests: Family::default(), durations: Family::new_with_constructor(latency_histogram), logins }
    }
}

impl HttpMetrics {
    /// Count one answered request to `route` (a route template, or one of the host's fixed
    /// names), which took `elapsed` to its response head. A 200 or a 401 from the login
    /// route is also a succeeded or failed login.
    pub fn record(&self, route: &str, method: &Method, status: StatusCode, elapsed: Duration) {
        let labels = RequestLabels { route: route.to_owned(), method: method_label(method), status: status.as_u16() };
        self.requests.get_or_create(&labels).inc();
        self.durations.get_or_create(&RouteLabels { route: labels.route }).observe(elapsed.as_secs_f64());
        if route == LOGIN_ROUTE {
            let outcome = match status {
                StatusCode::OK => "succeeded",
                StatusCode::UNAUTHORIZED => "failed",
                _ => return,
            };
            self.logins.get_or_create(&OutcomeLabels { outcome }).inc();
        }
    }
}

/// The method as a label: the standard ones by name, any other as `other`, because a client
/// may send any token as a method.
fn method_label(method: &Method) -> &'static str {
    const KNOWN: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
    KNOWN.into_iter().find(|known| *known == method.as_str()).unwrap_or("other")
}

/// What ended a call into the component early, as `roster_guest_traps_total` counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrapKind {
    /// The guest trapped (a bug or a host failure).
    Trap,
    /// The guest wanted more memory than its cap.
    OutOfMemory,
    /// The call ran past its deadline.
    Deadline,
}

impl TrapKind {
    const ALL: [TrapKind; 3] = [TrapKind::Trap, TrapKind::OutOfMemory, TrapKind::Deadline];

    fn label(self) -> &'static str {
        match self {
            TrapKind::Trap => "trap",
            TrapKind::OutOfMemory => "out_of_memory",
            TrapKind::Deadline => "deadline",
        }
    }
}

/// The runtime's instruments: how long instantiation takes, and calls that trapped.
#[derive(Clone, Debug)]
pub struct RuntimeMetrics {
    instantiation: Histogram,
    traps: Family<KindLabels, Counter>,
}

impl Default for RuntimeMetrics {
    fn default() -> Self {
        let traps = with_series(TrapKind::ALL.map(|kind| KindLabels { kind: kind.label() }));
        RuntimeMetrics { instantiation: Histogram::new(INSTANTIATION_BUCKETS), traps }
    }
}

impl RuntimeMetrics {
    /// One instantiation that took `elapsed`.
    pub fn observe_instantiation(&self, elapsed: Duration) {
        self.instantiation.observe(elapsed.as_secs_f64());
    }

    /// One call that ended in `kind`.
    pub fn count_trap(&self, kind: TrapKind) {
        self.traps.get_or_create(&KindLabels { kind: kind.label() }).inc();
    }

    /// How many calls ended in `kind` so far.
    pub fn traps(&self, kind: TrapKind) -> u64 {
        self.traps.get(&KindLabels { kind: kind.label() }).map_or(0, |counter| counter.get())
    }
}

/// The storage's instrument: how long durable commits take (the fsync is most of it).
#[derive(Clone, Debug)]
pub struct StoreMetrics {
    commits: Histogram,
}

impl Default for StoreMetrics {
    fn default() -> Self {
        StoreMetrics { commits: latency_histogram() }
    }
}

impl StoreMetrics {
    /// Run `commit`, timing it.
    pub fn time_commit<R>(&self, commit: impl FnOnce() -> R) -> R {
        let started = Instant::now();
        let result = commit();
        self.commits.observe(started.elapsed().as_secs_f64());
        result
    }
}

/// The hashing pool's instruments: hashes waiting for a thread, and how long they waited.
#[derive(Clone, Debug)]
pub struct HashMetrics {
    queue: Gauge,
    waits: Histogram,
}

impl Default for HashMetrics {
    fn default() -> Self {
        HashMetrics { queue: Gauge::default(), waits: latency_histogram() }
    }
}

impl HashMetrics {
    /// A hash joins the queue; it leaves when the returned guard is dropped, even when the
    /// wait is cancelled.
    pub fn enqueue(&self) -> Queued {
        self.queue.inc();
        Queued { metrics: self.clone(), since: Instant::now() }
    }

    /// How many hashes wait for a thread now.
    pub fn queue_length(&self) -> i64 {
        self.queue.get()
    }
}

/// A hash waiting in the pool's queue (see [`HashMetrics::enqueue`]).
#[derive(Debug)]
pub struct Queued {
    metrics: HashMetrics,
    since: Instant,
}

impl Drop for Queued {
    fn drop(&mut self) {
        self.metrics.queue.dec();
        self.metrics.waits.observe(self.since.elapsed().as_secs_f64());
    }
}

/// The mail relay's instrument: delivery attempts, by outcome.
#[derive(Clone, Debug)]
pub struct MailMetrics {
    delivered: Family<OutcomeLabels, Counter>,
}

/// The outcomes of a delivery attempt: written to a file, sent by SMTP, refused for good by the
/// SMTP server, impossible to decode (both of these move to the failed folder), or deferred
/// to a retry.
const DELIVERY_OUTCOMES: [&str; 5] = ["written", "sent", "refused", "undeliverable", "deferred"];

impl Default for MailMetrics {
    fn default() -> Self {
        MailMetrics { delivered: with_series(DELIVERY_OUTCOMES.map(|outcome| OutcomeLabels { outcome })) }
    }
}

impl MailMetrics {
    /// One delivery attempt that ended in `outcome`, one of [`DELIVERY_OUTCOMES`].
    pub fn count(&self, outcome: &'static str) {
        self.delivered.get_or_create(&OutcomeLabels { outcome }).inc();
    }

    /// How many attempts ended in `outcome` so far.
    pub fn delivered(&self, outcome: &'static str) -> u64 {
        self.delivered.get(&OutcomeLabels { outcome }).map_or(0, |counter| counter.get())
    }
}

/// Every instrument of a server, registered for exposition.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
}

impl Metrics {
    /// A registry of the instruments of each part of one server.
    pub fn new(
        http: &HttpMetrics,
        runtime: &RuntimeMetrics,
        store: &StoreMetrics,
        hash: &HashMetrics,
        mail: &MailMetrics,
    ) -> Metrics {
        let mut registry = Registry::with_prefix("roster");
        registry.register(
            "http_requests",
            "HTTP requests answered, by route template, method and status",
            http.requests.clone(),
        );
        registry.register_with_unit(
            "http_request_duration",
            "Time from a request's arrival to its response head, by route template",
            Unit::Seconds,
            http.durations.clone(),
        );
        registry.register("logins", "Password logins, by outcome", http.logins.clone());
        registry.register_with_unit(
            "instantiation_duration",
            "Time to instantiate the component for one call",
            Unit::Seconds,
            runtime.instantiation.clone(),
        );
        registry.register(
            "guest_traps",
            "Calls into the component that ended early, by kind: trap, out_of_memory or deadline",
            runtime.traps.clone(),
        );
        registry.register_with_unit(
            "store_commit_duration",
            "Time of one durable commit, fsync included; a group flush covers every commit made while the one before it ran",
            Unit::Seconds,
            store.commits.clone(),
        );
        registry.register("hash_pool_queue_length", "Password hashes waiting for a hashing thread", hash.queue.clone());
        registry.register_with_unit(
            "hash_pool_wait",
            "Time a password hash waited for a hashing thread",
            Unit::Seconds,
            hash.waits.clone(),
        );
        registry.register(
            "outbox_delivered",
            "Mail delivery attempts, by outcome: written, sent, refused, undeliverable or deferred",
            mail.delivered.clone(),
        );
        Metrics { registry }
    }

    /// The OpenMetrics text exposition of every instrument, ending in `# EOF`.
    pub fn encode(&self) -> String {
        let mut text = String::new();
        encode(&mut text, &self.registry).expect("writing into a String cannot fail");
        text
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn metrics() -> (HttpMetrics, RuntimeMetrics, StoreMetrics, HashMetrics, MailMetrics, Metrics) {
        let (http, runtime, store, hash, mail) = Default::default();
        let metrics = Metrics::new(&http, &runtime, &store, &hash, &mail);
        (http, runtime, store, hash, mail, metrics)
    }

    /// `name value` or `name{label="value",...} value`, as the text format requires.
    pub(crate) fn is_sample(line: &str) -> bool {
        let Some((series, value)) = line.rsplit_once(' ') else { return false };
        let name_end = series.find('{').unwrap_or(series.len());
        let (name, labels) = series.split_at(name_end);
        let name_ok = name.starts_with("roster_")
            && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        let labels_ok = labels.is_empty()
            || (labels.starts_with('{')
                && labels.ends_with('}')
                && labels[1..labels.len() - 1].split(',').all(|pair| {
                    pair.split_once('=').is_some_and(|(key, value)| {
                        !key.is_empty()
                            && key.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
                            && value.len() >= 2
                            && value.starts_with('"')
                            && value.ends_with('"')
                    })
                }));
        let value_ok = value.parse::<f64>().is_ok() || value == "+Inf";
        name_ok && labels_ok && value_ok
    }

    #[test]
    fn exposition_lines_are_comments_or_samples_and_end_in_eof() {
        let (http, runtime, store, hash, mail, metrics) = metrics();
        http.record("/api/v1/users/{id}", &Method::GET, StatusCode::OK, Duration::from_millis(3));
        runtime.observe_instantiation(Duration::from_micros(40));
        runtime.count_trap(TrapKind::OutOfMemory);
        store.time_commit(|| ());
        drop(hash.enqueue());
        mail.count("written");
        let text = metrics.encode();
        assert!(text.ends_with("# EOF\n"), "{text}");
        for line in text.lines() {
            assert!(line.starts_with("# ") || is_sample(line), "not a sample: {line:?}\n{text}");
        }
    }

    #[test]
    fn exposition_names_every_family() {
        let (http, _, _, _, _, metrics) = metrics();
        // Request families have a series once a route has been seen; the others from the start.
        http.record("/healthz", &Method::GET, StatusCode::OK, Duration::ZERO);
        let text = metrics.encode();
        for name in [
            "roster_http_requests",
            "roster_http_request_duration_seconds",
            "roster_logins",
            "roster_instantiation_duration_seconds",
            "roster_guest_traps",
            "roster_store_commit_duration_seconds",
            "roster_hash_pool_queue_length",
            "roster_hash_pool_wait_seconds",
            "roster_outbox_delivered",
        ] {
            assert!(text.contains(&format!("# TYPE {name} ")), "{name} missing:\n{text}");
        }
    }

    #[test]
    fn a_request_is_counted_by_route_method_and_status() {
        let (http, _, _, _, _, metrics) = metrics();
        http.record("/api/v1/users", &Method::POST, StatusCode::CREATED, Duration::from_millis(5));
        http.record("/api/v1/users", &Method::POST, StatusCode::CREATED, Duration::from_millis(7));
        let text = metrics.encode();
        assert!(
            text.contains(r#"roster_http_requests_total{route="/api/v1/users",method="POST",status="201"} 2"#),
            "{text}"
        );
        assert!(text.contains(r#"roster_http_request_duration_seconds_count{route="/api/v1/users"} 2"#), "{text}");
    }

    #[test]
    fn login_outcomes_follow_the_login_routes_status() {
        let (http, _, _, _, _, metrics) = metrics();
        let login = |status| http.record(LOGIN_ROUTE, &Method::POST, status, Duration::ZERO);
        login(StatusCode::OK);
        login(StatusCode::UNAUTHORIZED);
        login(StatusCode::UNAUTHORIZED);
        login(StatusCode::BAD_REQUEST);
        http.record("/api/v1/me", &Method::GET, StatusCode::UNAUTHORIZED, Duration::ZERO);
        let text = metrics.encode();
        assert!(text.contains(r#"roster_logins_total{outcome="succeeded"} 1"#), "{text}");
        assert!(text.contains(r#"roster_logins_total{outcome="failed"} 2"#), "{text}");
    }

    #[test]
    fn unknown_methods_share_one_label() {
        let (http, _, _, _, _, metrics) = metrics();
        let odd = Method::from_bytes(b"BREW").expect("a valid token");
        http.record("unmatched", &odd, StatusCode::NOT_FOUND, Duration::ZERO);
        let text = metrics.encode();
        assert!(text.contains(r#"method="other""#) && !text.contains("BREW"), "{text}");
    }

    #[test]
    fn fixed_label_series_start_at_zero() {
        let (_, _, _, _, _, metrics) = metrics();
        let text = metrics.encode();
        for series in [
            r#"roster_guest_traps_total{kind="deadline"} 0"#,
            r#"roster_logins_total{outcome="failed"} 0"#,
            r#"roster_outbox_delivered_total{outcome="deferred"} 0"#,
        ] {
            assert!(text.contains(series), "{series} missing:\n{text}");
        }
    }

    #[test]
    fn hash_queue_length_falls_when_a_wait_ends_or_is_abandoned() {
        let (_, _, _, hash, _, metrics) = metrics();
        let first = hash.enqueue();
        let second = hash.enqueue();
        assert_eq!(hash.queue_length(), 2);
        drop(first);
        drop(second);
        assert_eq!(hash.queue_length(), 0);
        let text = metrics.encode();
        assert!(text.contains("roster_hash_pool_wait_seconds_count 2"), "{text}");
    }
}
