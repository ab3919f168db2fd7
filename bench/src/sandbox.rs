//! The cost of the sandbox, in process: a fresh Store and instance from the `InstancePre`
//! with the pooling allocator, as the server makes for every request, timed call by call;
//! and the guest's hot path (validate and encode a user) in the component against the same
//! code compiled natively.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use roster_host::config::ServeConfig;
use roster_host::runtime::Runtime;
use roster_host::users::{NewUser, RequestContext};

use crate::load::quantile_ms;

/// Users in one batch of the hot-path comparison.
const BATCH: usize = 1000;

/// Latencies, sorted, in microseconds, and the hot-path figures.
pub struct Timings {
    /// A fresh Store and instance, no call.
    pub instantiate_us: Vec<u64>,
    /// A fresh Store and instance plus `users.validate` of an empty list: a call that
    /// crosses the boundary and touches neither the store nor the settings.
    pub trivial_call_us: Vec<u64>,
    /// A fresh Store and instance plus `users.get` without credentials, which the component
    /// answers `unauthenticated` after one read transaction.
    pub read_call_us: Vec<u64>,
    /// Nanoseconds per user to validate and encode a batch of [`BATCH`] users in the
    /// component (`users.validate`, one call per batch, instantiation included), best of
    /// the rounds.
    pub wasm_ns_per_user: f64,
    /// The same batch through the same guest code compiled natively, best of the rounds.
    pub native_ns_per_user: f64,
}

impl Timings {
    /// p50 of instantiation alone, in milliseconds.
    pub fn instantiate_p50_ms(&self) -> f64 {
        quantile_ms(&self.instantiate_us, 0.5)
    }

    /// The batch size of the hot-path comparison.
    pub fn batch(&self) -> usize {
        BATCH
    }
}

/// Time `duration` of each: sequential instantiations, trivial calls, read calls, and then
/// alternating rounds of the hot path in wasm and natively.
pub async fn measure(duration: Duration) -> anyhow::Result<Timings> {
    let dir = tempfile::tempdir()?;
    let config = ServeConfig::new(SocketAddr::from(([127, 0, 0, 1], 0)), dir.path());
    let runtime = tokio::task::spawn_blocking(move || Runtime::open(&config)).await??;
    let ctx = RequestContext { credentials: None, account: None, correlation_id: "bench".into() };
    // Warm up: the first instances fault in the pool's pages.
    for _ in 0..200 {
        runtime.call(async |_, _| Ok(())).await?;
    }
    let instantiate_us = timed(duration, async || {
        runtime.call(async |_, _| Ok(())).await?;
        Ok(())
    })
    .await?;
    let trivial_call_us = timed(duration, async || {
        let answers = runtime.users().validate(&[]).await?;
        anyhow::ensure!(answers.is_empty(), "an empty batch was answered with {} results", answers.len());
        Ok(())
    })
    .await?;
    let read_call_us = timed(duration, async || {
        let outcome = runtime.users().get(&ctx, "00000000-0000-7000-8000-000000000000").await?;
        anyhow::ensure!(outcome.is_err(), "an anonymous get was answered");
        Ok(())
    })
    .await?;

    let wit_batch: Vec<NewUser> = (0..BATCH).map(wit_user).collect();
    let native_batch: Vec<roster_guest::model::user::NewUser> = (0..BATCH).map(native_user).collect();
    let (mut wasm_best, mut native_best) = (Duration::MAX, Duration::MAX);
    let started = Instant::now();
    // Alternate, so that both sides see the same machine; at least three rounds each.
    let mut rounds = 0;
    while rounds < 3 || started.elapsed() < duration {
        let t = Instant::now();
        let answers = runtime.users().validate(&wit_batch).await?;
        wasm_best = wasm_best.min(t.elapsed());
        anyhow::ensure!(answers.iter().all(Result::is_ok), "the component refused a benchmark user");

        let now = "2026-01-01T00:00:00.000Z";
        let t = Instant::now();
        for user in native_batch.iter().cloned() {
            let record = roster_guest::users::preview(user, now);
            anyhow::ensure!(record.is_ok(), "the native guest refused a benchmark user: {record:?}");
        }
        native_best = native_best.min(t.elapsed());
        rounds += 1;
    }
    drop(runtime);
    Ok(Timings {
        instantiate_us,
        trivial_call_us,
        read_call_us,
        wasm_ns_per_user: wasm_best.as_nanos() as f64 / BATCH as f64,
        native_ns_per_user: native_best.as_nanos() as f64 / BATCH as f64,
    })
}

/// Run `op` back to back for `duration`; its latencies in microseconds, sorted.
async fn timed(duration: Duration, mut op: impl AsyncFnMut() -> anyhow::Result<()>) -> anyhow::Result<Vec<u64>> {
    let mut us = Vec::new();
    let started = Instant::now();
    while started.elapsed() < duration {
        let t = Instant::now();
        op().await?;
        us.push(t.elapsed().as_micros() as u64);
    }
    us.sort_unstable();
    Ok(us)
}

/// The profile fields the hot path checks, for the `n`th user of a batch.
fn fields(n: usize) -> (String, String, [(&'static str, String); 4]) {
    let name = format!("bench.user{n}");
    let profile = [
        ("first", format!("Ann{n}")),
        ("last", "Lovelace".to_owned()),
        ("country", "GB".to_owned()),
        ("timezone", "Europe/London".to_owned()),
    ];
    (name.clone(), format!("{name}@example.com"), profile)
}

fn wit_user(n: usize) -> NewUser {
    let (name, email, [first, last, country, timezone]) = fields(n);
    let mut user = NewUser::named(name, email);
    user.first_name = Some(first.1);
    user.last_name = Some(last.1);
    user.country = Some(country.1);
    user.timezone = Some(timezone.1);
    user
}

fn native_user(n: usize) -> roster_guest::model::user::NewUser {
    use roster_guest::model::user::{NewUser, TextField};
    let (name, email, [first, last, country, timezone]) = fields(n);
    NewUser {
        user_name: Some(name),
        email: Some(email),
        text: vec![
            (TextField::FirstName, first.1),
            (TextField::LastName, last.1),
            (TextField::Country, country.1),
            (TextField::Timezone, timezone.1),
        ],
        ..NewUser::default()
    }
}
