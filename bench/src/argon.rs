//! Raw argon2id on this machine, the yardstick of the password scenarios: hashes and
//! verifications per second on one thread per core, with the server's parameters.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use argon2::{Algorithm, Argon2, Block, Version};
use password_hash::rand_core::{OsRng, RngCore};
use password_hash::{Output, PasswordHash, PasswordHasher, SaltString};
use roster_host::hashing::Argon2Params;

/// What argon2id is timed doing.
#[derive(Debug, Clone, Copy)]
pub enum Work {
    /// Hash with a fresh salt.
    Hash,
    /// Verify a password against a stored hash.
    Verify,
}

fn argon2() -> Argon2<'static> {
    let params = Argon2Params::default().to_params().expect("the default parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A PHC string of `password` with the server's parameters.
pub fn hash(password: &str) -> String {
    argon2().hash_password(password.as_bytes(), &SaltString::generate(&mut OsRng)).expect("argon2 hashes").to_string()
}

/// Operations per second over `duration` on `threads` threads. Each thread keeps one block
/// array for all its hashes, as the server's hashing threads do: the best this machine does.
pub fn rate(work: Work, threads: usize, duration: Duration) -> f64 {
    let stored = hash("bench password");
    let done = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let done = done.clone();
            let stored = stored.clone();
            scope.spawn(move || {
                let argon2 = argon2();
                let parsed = PasswordHash::new(&stored).expect("a valid hash");
                let expected = parsed.hash.expect("a hash with an output");
                let mut blocks =
                    vec![Block::default(); Argon2Params::default().to_params().expect("valid").block_count()];
                let mut out = vec![0; expected.len()];
                let mut salt = [0; 16];
                while started.elapsed() < duration {
                    match work {
                        Work::Hash => {
                            OsRng.fill_bytes(&mut salt);
                            argon2
                                .hash_password_into_with_memory(b"bench password", &salt, &mut out, &mut blocks)
                                .expect("argon2 hashes");
                        }
                        Work::Verify => {
                            let mut salt_bytes = [0; 64];
                            let salt = parsed.salt.expect("a salt").decode_b64(&mut salt_bytes).expect("a salt");
                            argon2
                                .hash_password_into_with_memory(b"bench password", salt, &mut out, &mut blocks)
                                .expect("argon2 hashes");
                            assert!(Output::new(&out).expect("an output") == expected, "verifies");
                        }
                    }
                    done.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    });
    done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
}
