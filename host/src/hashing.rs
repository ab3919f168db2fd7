//! Password hashing with argon2id, on a pool of threads of its own, one per core; verification
//! also of imported argon2i, bcrypt and PBKDF2-SHA256 hashes.
//!
//! One argon2id hash with the OWASP parameters takes tens of milliseconds of CPU and 19 MiB
//! of memory. Hashes run on the pool's threads, at most one per core at a time, so a burst
//! of logins neither starves the async workers that serve requests nor exhausts memory. The
//! threads are few and long-lived, and each lends one block array to all its hashes (see
//! `reused`): run on tokio's blocking pool,
//! whose threads come and go by the dozen, every thread's allocator arena kept its own copy and
//! the server's peak RSS grew past 1 GiB under a burst of logins (measured by `roster-bench`).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;

use argon2::{Algorithm, Params};
use password_hash::rand_core::OsRng;
use password_hash::{PasswordHash, PasswordVerifier, SaltString};
use tokio::sync::{Semaphore, oneshot};

use crate::metrics::HashMetrics;

mod reused;

/// argon2id cost parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Argon2Params {
    /// Memory per hash, in KiB.
    pub memory_kib: u32,
    /// Passes over the memory.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
}

impl Default for Argon2Params {
    /// OWASP's recommendation for argon2id: m=19456 KiB (19 MiB), t=2, p=1.
    fn default() -> Self {
        Argon2Params { memory_kib: 19 * 1024, iterations: 2, parallelism: 1 }
    }
}

impl Argon2Params {
    /// The parameters as the argon2 crate takes them, or why they are invalid.
    pub fn to_params(self) -> Result<Params, argon2::Error> {
        Params::new(self.memory_kib, self.iterations, self.parallelism, None)
    }
}

/// Why hashing or verifying failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HashError {
    /// The stored hash is not an argon2 PHC string this host will verify.
    #[error("unsupported password hash: {0}")]
    UnsupportedHash(String),
    /// The pool is shut down, a hashing thread failed, or argon2 itself failed.
    #[error("hashing unavailable: {0}")]
    Unavailable(String),
}

/// Hashes and verifies passwords. Cheap to clone; clones share one pool.
#[derive(Clone, Debug)]
pub struct Hasher {
    inner: Arc<Inner>,
}

/// One hash or verification, run on a pool thread.
type Job = Box<dyn FnOnce() + Send>;

#[derive(Debug)]
struct Inner {
    params: Params,
    /// One per pool thread, so that a job sent to the pool never waits there.
    permits: Semaphore,
    /// The pool's queue; its threads end when it is dropped.
    jobs: mpsc::Sender<Job>,
    metrics: HashMetrics,
}

/// Verifying a stored hash costs what its own parameters say, and the stored string comes
/// through the guest. Parameters more than this many times the configured ones are refused as
/// unsupported rather than run.
const MAX_VERIFY_COST_FACTOR: u32 = 4;

impl Hasher {
    /// A hasher with `params`, running at most one hash per available core at a time.
    pub fn new(params: Argon2Params) -> Result<Self, HashError> {
        let params =
            params.to_params().map_err(|e| HashError::Unavailable(format!("invalid argon2 parameters: {e}")))?;
        let threads = thread::available_parallelism().map_or(1, |n| n.get());
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..threads {
            let queue = queue.clone();
            thread::Builder::new()
                .name(format!("roster-hash-{n}"))
                .spawn(move || {
                    loop {
                        // The lock is held only while waiting for the next job.
                        let job = queue.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).recv();
                        match job {
                            Ok(job) => job(),
                            Err(mpsc::RecvError) => break,
                        }
                    }
                })
                .map_err(|e| HashError::Unavailable(format!("cannot start a hashing thread: {e}")))?;
        }
        let inner = Inner { params, permits: Semaphore::new(threads), jobs, metrics: HashMetrics::default() };
        Ok(Hasher { inner: Arc::new(inner) })
    }

    /// The pool's instruments: its queue and how long hashes wait in it.
    pub fn metrics(&self) -> &HashMetrics {
        &self.inner.metrics
    }

    /// Hash `password` with argon2id and a fresh random salt, as a PHC string.
    pub async fn hash(&self, password: String) -> Result<String, HashError> {
        let params = self.inner.params.clone();
        self.run(move || {
            let salt = SaltString::generate(&mut OsRng);
            reused::hash(&params, password.as_bytes(), &salt)
                .map_err(|e| HashError::Unavailable(format!("argon2 failed: {e}")))
        })
        .await
    }

    /// Whether `password` matches the PHC string `hash`: argon2id (ours), or an imported
    /// argon2i, bcrypt or PBKDF2-SHA256 hash. The comparison is constant-time.
    pub async fn verify(&self, password: String, hash: String) -> Result<bool, HashError> {
        // Parse before queueing, so garbage never waits for a hashing slot.
        let scheme = check_verifiable(&hash, &self.inner.params)?;
        self.run(move || match scheme {
            Scheme::Bcrypt => bcrypt::verify(password.as_bytes(), &hash)
                .map_err(|e| HashError::UnsupportedHash(format!("bcrypt: {e}"))),
            Scheme::Argon2 | Scheme::Pbkdf2 => {
                let parsed = PasswordHash::new(&hash).map_err(|e| HashError::UnsupportedHash(e.to_string()))?;
                let verified = match scheme {
                    Scheme::Pbkdf2 => match pbkdf2::Pbkdf2.verify_password(password.as_bytes(), &parsed) {
                        Ok(()) => Ok(true),
                        Err(password_hash::Error::Password) => Ok(false),
                        Err(e) => Err(e),
                    },
                    // The hash's own algorithm, version and parameters are used.
                    _ => reused::verify(&parsed, password.as_bytes()),
                };
                verified.map_err(|e| HashError::UnsupportedHash(e.to_string()))
            }
        })
        .await
    }

    async fn run<R: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<R, HashError> + Send + 'static,
    ) -> Result<R, HashError> {
        let queued = self.inner.metrics.enqueue();
        let _permit =
            self.inner.permits.acquire().await.map_err(|_| HashError::Unavailable("hashing pool closed".into()))?;
        drop(queued);
        let (done, result) = oneshot::channel();
        let job: Job = Box::new(move || {
            // A panic drops `done`, which the caller hears as a failure; the thread lives on.
            if let Ok(outcome) = catch_unwind(AssertUnwindSafe(work)) {
                let _ = done.send(outcome);
            }
        });
        self.inner.jobs.send(job).map_err(|_| HashError::Unavailable("hashing pool closed".into()))?;
        result.await.map_err(|_| HashError::Unavailable("hashing thread failed".into()))?
    }
}

/// The password hashing schemes this host verifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    /// argon2id (what this host writes), argon2i or argon2d.
    Argon2,
    /// bcrypt (`$2a$`, `$2b$`, `$2y$`), imported.
    Bcrypt,
    /// PBKDF2-SHA256 (`$pbkdf2-sha256$`), imported.
    Pbkdf2,
}

/// The costliest bcrypt hash verified: cost 14 takes about a second.
const MAX_BCRYPT_COST: u32 = 14;
/// The most PBKDF2-SHA256 rounds verified: OWASP recommends 600,000.
const MAX_PBKDF2_ROUNDS: u32 = 2_000_000;

/// Refuse hashes of unknown schemes, or whose cost is far above what verifying should take.
fn check_verifiable(hash: &str, ours: &Params) -> Result<Scheme, HashError> {
    if let Some(rest) = ["$2a$", "$2b$", "$2y$"].iter().find_map(|prefix| hash.strip_prefix(prefix)) {
        let cost: u32 = rest
            .get(..2)
            .and_then(|c| c.parse().ok())
            .ok_or_else(|| HashError::UnsupportedHash("bcrypt hash without a cost".into()))?;
        if cost > MAX_BCRYPT_COST {
            return Err(HashError::UnsupportedHash(format!("bcrypt cost {cost} exceeds what this host verifies")));
        }
        return Ok(Scheme::Bcrypt);
    }
    let parsed = PasswordHash::new(hash).map_err(|e| HashError::UnsupportedHash(e.to_string()))?;
    if parsed.algorithm == pbkdf2::Algorithm::Pbkdf2Sha256.ident() {
        let rounds = parsed.params.get_decimal("i").unwrap_or(u32::MAX);
        if rounds > MAX_PBKDF2_ROUNDS {
            return Err(HashError::UnsupportedHash(format!("{rounds} PBKDF2 rounds exceed what this host verifies")));
        }
        return Ok(Scheme::Pbkdf2);
    }
    if Algorithm::try_from(parsed.algorithm).is_err() {
        return Err(HashError::UnsupportedHash(format!("algorithm {} is not supported", parsed.algorithm)));
    }
    let theirs = Params::try_from(&parsed).map_err(|e| HashError::UnsupportedHash(e.to_string()))?;
    let too_costly = u64::from(theirs.m_cost()) * u64::from(theirs.t_cost())
        > u64::from(ours.m_cost()) * u64::from(ours.t_cost()) * u64::from(MAX_VERIFY_COST_FACTOR);
    if too_costly || theirs.p_cost() > ours.p_cost().max(1) * MAX_VERIFY_COST_FACTOR {
        return Err(HashError::UnsupportedHash(format!(
            "parameters m={} t={} p={} exceed what this host verifies",
            theirs.m_cost(),
            theirs.t_cost(),
            theirs.p_cost()
        )));
    }
    Ok(Scheme::Argon2)
}

#[cfg(test)]
mod tests {
    use argon2::{Argon2, Version};
    use password_hash::PasswordHasher;

    use super::*;

    /// Cheap parameters, so the tests stay fast.
    fn hasher() -> Hasher {
        Hasher::new(Argon2Params { memory_kib: 64, iterations: 1, parallelism: 1 }).expect("valid parameters")
    }

    #[tokio::test]
    async fn hash_is_an_argon2id_phc_string_that_verifies() {
        let hasher = hasher();
        let hash = hasher.hash("secret".into()).await.expect("hash");
        assert!(hash.starts_with("$argon2id$v=19$m=64,t=1,p=1$"), "{hash}");
        assert!(hasher.verify("secret".into(), hash).await.expect("verify"));
    }

    #[tokio::test]
    async fn wrong_password_does_not_verify() {
        let hasher = hasher();
        let hash = hasher.hash("secret".into()).await.expect("hash");
        assert!(!hasher.verify("Secret".into(), hash).await.expect("verify"));
    }

    #[tokio::test]
    async fn unparsable_hash_is_unsupported() {
        let result = hasher().verify("secret".into(), "not a hash".into()).await;
        assert!(matches!(result, Err(HashError::UnsupportedHash(_))));
    }

    #[tokio::test]
    async fn phc_string_of_an_unknown_scheme_is_unsupported() {
        let result = hasher().verify("secret".into(), "$scrypt$ln=16,r=8,p=1$c2FsdHNhbHQ$aGFzaA".into()).await;
        assert!(matches!(result, Err(HashError::UnsupportedHash(_))));
    }

    #[tokio::test]
    async fn imported_bcrypt_hash_verifies() {
        let hash = bcrypt::hash("secret", 4).expect("bcrypt");
        assert!(hash.starts_with("$2b$04$"), "{hash}");
        assert!(hasher().verify("secret".into(), hash.clone()).await.expect("verify"));
        assert!(!hasher().verify("Secret".into(), hash).await.expect("verify"));
    }

    #[tokio::test]
    async fn imported_pbkdf2_sha256_hash_verifies() {
        let salt = SaltString::generate(&mut OsRng);
        let params = pbkdf2::Params { rounds: 1000, output_length: 32 };
        let hash = pbkdf2::Pbkdf2
            .hash_password_customized(b"secret", Some(pbkdf2::Algorithm::Pbkdf2Sha256.ident()), None, params, &salt)
            .expect("pbkdf2")
            .to_string();
        assert!(hash.starts_with("$pbkdf2-sha256$"), "{hash}");
        assert!(hasher().verify("secret".into(), hash.clone()).await.expect("verify"));
        assert!(!hasher().verify("Secret".into(), hash).await.expect("verify"));
    }

    #[tokio::test]
    async fn imported_argon2i_hash_verifies() {
        let salt = SaltString::generate(&mut OsRng);
        let params = Params::new(64, 1, 1, None).expect("params");
        let hash = Argon2::new(Algorithm::Argon2i, Version::V0x13, params)
            .hash_password(b"secret", &salt)
            .expect("argon2i")
            .to_string();
        assert!(hasher().verify("secret".into(), hash).await.expect("verify"));
    }

    #[tokio::test]
    async fn bcrypt_costlier_than_allowed_is_unsupported() {
        let result = hasher()
            .verify("secret".into(), "$2b$31$abcdefghijklmnopqrstuuabcdefghijklmnopqrstuvwxyz01234".into())
            .await;
        assert!(matches!(result, Err(HashError::UnsupportedHash(_))));
    }

    #[tokio::test]
    async fn hash_far_costlier_than_configured_is_unsupported() {
        let costly = Hasher::new(Argon2Params { memory_kib: 64 * 1024, iterations: 1, parallelism: 1 })
            .expect("valid parameters");
        // Hash with cheap parameters, then claim huge ones: the check must refuse before
        // any work is done.
        let hash = hasher().hash("secret".into()).await.expect("hash");
        let inflated = hash.replace("m=64,", "m=4194304,");
        let result = costly.verify("secret".into(), inflated).await;
        assert!(matches!(result, Err(HashError::UnsupportedHash(_))));
    }

    #[tokio::test]
    async fn hashes_run_on_the_pools_own_threads() {
        let hasher = hasher();
        let name = hasher.run(|| Ok(thread::current().name().map(str::to_owned))).await.expect("run");
        assert!(name.is_some_and(|name| name.starts_with("roster-hash-")));
    }

    #[tokio::test]
    async fn a_panicking_job_fails_alone_and_the_pool_keeps_working() {
        let hasher = hasher();
        let threads = thread::available_parallelism().map_or(1, |n| n.get());
        for _ in 0..threads {
            let result: Result<(), HashError> = hasher.run(|| panic!("boom")).await;
            assert!(matches!(result, Err(HashError::Unavailable(_))));
        }
        let hash = hasher.hash("secret".into()).await.expect("hash after the panics");
        assert!(hasher.verify("secret".into(), hash).await.expect("verify"));
    }

    #[test]
    fn default_parameters_are_owasps() {
        let params = Argon2Params::default().to_params().expect("valid");
        assert_eq!((params.m_cost(), params.t_cost(), params.p_cost()), (19456, 2, 1));
    }
}
