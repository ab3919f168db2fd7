//! The load generator: closed-loop HTTP/1.1 clients on keep-alive connections, one request in
//! flight per connection, each request's latency recorded so that percentiles are exact.
//!
//! The same generator drives every side of every ratio (roster and the bare endpoint), so the
//! generator's own cost, which shares the machine's cores with the server, is the same on both.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// Builds the `n`th request of a run.
pub type MakeRequest = Arc<dyn Fn(u64) -> Request<Full<Bytes>> + Send + Sync>;

/// When a run stops.
#[derive(Debug, Clone, Copy)]
pub enum Stop {
    /// After this long.
    After(Duration),
    /// After this many requests have been sent.
    Count(u64),
}

/// What a run measured.
#[derive(Debug, Clone, Default)]
pub struct Measured {
    /// Requests answered with the expected status.
    pub ok: u64,
    /// Requests answered otherwise, or failed.
    pub errors: u64,
    /// The first unexpected answer, for the report.
    pub first_error: Option<String>,
    /// Wall time of the run.
    pub elapsed: Duration,
    /// Latency of every answered request, in microseconds, sorted.
    pub latencies_us: Vec<u64>,
}

impl Measured {
    /// Answered requests per second.
    pub fn throughput(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64()
    }

    /// The latency at quantile `q` (0 to 1) in milliseconds: the smallest recorded latency
    /// that at least `q` of all requests did not exceed.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        quantile_ms(&self.latencies_us, q)
    }
}

/// The quantile `q` of sorted microsecond latencies, in milliseconds.
pub fn quantile_ms(sorted_us: &[u64], q: f64) -> f64 {
    if sorted_us.is_empty() {
        return f64::NAN;
    }
    let rank = ((q * sorted_us.len() as f64).ceil() as usize).clamp(1, sorted_us.len());
    sorted_us[rank - 1] as f64 / 1000.0
}

/// Drive `addr` with `concurrency` connections until `stop`, each sending `make(n)` for the
/// next `n`; an answer with another status than `expect` counts as an error.
pub async fn run(addr: SocketAddr, concurrency: usize, stop: Stop, expect: StatusCode, make: MakeRequest) -> Measured {
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let next = next.clone();
            let make = make.clone();
            tokio::spawn(async move { worker(addr, started, stop, expect, next, make).await })
        })
        .collect();
    let mut total = Measured::default();
    for worker in workers {
        let part = worker.await.expect("a load worker panicked");
        total.ok += part.ok;
        total.errors += part.errors;
        total.first_error = total.first_error.or(part.first_error);
        total.latencies_us.extend(part.latencies_us);
    }
    total.elapsed = started.elapsed();
    total.latencies_us.sort_unstable();
    total
}

async fn worker(
    addr: SocketAddr,
    started: Instant,
    stop: Stop,
    expect: StatusCode,
    next: Arc<AtomicU64>,
    make: MakeRequest,
) -> Measured {
    let mut measured = Measured::default();
    let mut sender: Option<http1::SendRequest<Full<Bytes>>> = None;
    loop {
        let n = match stop {
            Stop::After(duration) if started.elapsed() >= duration => break,
            Stop::After(_) => next.fetch_add(1, Ordering::Relaxed),
            Stop::Count(count) => match next.fetch_add(1, Ordering::Relaxed) {
                n if n >= count => break,
                n => n,
            },
        };
        let request = make(n);
        let sent = Instant::now();
        let result = async {
            if sender.as_ref().is_none_or(|s| s.is_closed()) {
                sender = Some(connect(addr).await?);
            }
            let s = sender.as_mut().expect("connected above");
            s.ready().await?;
            let response = s.send_request(request).await?;
            let status = response.status();
            let body = response.into_body().collect().await?.to_bytes();
            anyhow::Ok((status, body))
        }
        .await;
        let latency = sent.elapsed().as_micros() as u64;
        match result {
            Ok((status, _)) if status == expect => {
                measured.ok += 1;
                measured.latencies_us.push(latency);
            }
            Ok((status, body)) => {
                measured.errors += 1;
                measured.first_error.get_or_insert_with(|| {
                    format!("{status}: {}", String::from_utf8_lossy(&body[..body.len().min(300)]))
                });
            }
            Err(error) => {
                sender = None;
                measured.errors += 1;
                measured.first_error.get_or_insert_with(|| format!("{error:#}"));
            }
        }
    }
    measured
}

async fn connect(addr: SocketAddr) -> anyhow::Result<http1::SendRequest<Full<Bytes>>> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (sender, connection) = http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(sender)
}

/// One request on a fresh connection: its status and body. For setting up, not measuring.
pub async fn send(addr: SocketAddr, request: Request<Full<Bytes>>) -> anyhow::Result<(StatusCode, Bytes)> {
    let mut sender = connect(addr).await?;
    let response = sender.send_request(request).await?;
    let status = response.status();
    let body = response.into_body().collect().await?.to_bytes();
    Ok((status, body))
}

/// A request to `path` with an optional bearer token and JSON body.
pub fn request(method: &str, path: &str, token: Option<&str>, json: Option<Vec<u8>>) -> Request<Full<Bytes>> {
    let mut builder = Request::builder().method(method).uri(path).header("host", "127.0.0.1");
    if let Some(token) = token {
        builder = builder.header("authorization", format!("Bearer {token}"));
    }
    let body = match json {
        Some(json) => {
            builder = builder.header("content-type", "application/json");
            Bytes::from(json)
        }
        None => Bytes::new(),
    };
    builder.body(Full::new(body)).expect("a valid request")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_exact_ranks() {
        let us: Vec<u64> = (1..=1000).map(|i| i * 1000).collect();
        assert_eq!(quantile_ms(&us, 0.5), 500.0);
        assert_eq!(quantile_ms(&us, 0.99), 990.0);
        assert_eq!(quantile_ms(&us, 0.999), 999.0);
        assert_eq!(quantile_ms(&us, 1.0), 1000.0);
        assert!(quantile_ms(&[], 0.5).is_nan());
    }
}
