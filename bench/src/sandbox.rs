//! The cost of the sandbox, in process: a fresh Store and instance from the `InstancePre`
//! with the pooling allocator, as the server makes for every request, timed call by call.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use roster_host::config::ServeConfig;
use roster_host::runtime::Runtime;
use roster_host::users::RequestContext;

use crate::load::quantile_ms;

/// Latencies, sorted, in microseconds.
pub struct Timings {
    /// A fresh Store and instance, no call.
    pub instantiate_us: Vec<u64>,
    /// A fresh Store and instance plus `users.get` without credentials, which the component
    /// answers `unauthenticated` after one read transaction.
    pub trivial_call_us: Vec<u64>,
}

impl Timings {
    /// p50 of instantiation alone, in milliseconds.
    pub fn instantiate_p50_ms(&self) -> f64 {
        quantile_ms(&self.instantiate_us, 0.5)
    }
}

/// Time `duration` of sequential instantiations, then as long of trivial calls.
pub async fn measure(duration: Duration) -> anyhow::Result<Timings> {
    let dir = tempfile::tempdir()?;
    let config = ServeConfig::new(SocketAddr::from(([127, 0, 0, 1], 0)), dir.path());
    let runtime = tokio::task::spawn_blocking(move || Runtime::open(&config)).await??;
    let ctx = RequestContext { credentials: None, account: None, correlation_id: "bench".into() };
    // Warm up: the first instances fault in the pool's pages.
    for _ in 0..200 {
        runtime.call(async |_, _| Ok(())).await?;
    }
    let mut instantiate_us = Vec::new();
    let started = Instant::now();
    while started.elapsed() < duration {
        let t = Instant::now();
        runtime.call(async |_, _| Ok(())).await?;
        instantiate_us.push(t.elapsed().as_micros() as u64);
    }
    let mut trivial_call_us = Vec::new();
    let started = Instant::now();
    while started.elapsed() < duration {
        let t = Instant::now();
        let outcome = runtime.users().get(&ctx, "00000000-0000-7000-8000-000000000000").await?;
        trivial_call_us.push(t.elapsed().as_micros() as u64);
        anyhow::ensure!(outcome.is_err(), "an anonymous get was answered");
    }
    instantiate_us.sort_unstable();
    trivial_call_us.sort_unstable();
    drop(runtime);
    Ok(Timings { instantiate_us, trivial_call_us })
}
