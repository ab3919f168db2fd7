//! What a service call runs against: the store, password hashing, and the clock.

use crate::error::Error;
use crate::model::time::Millis;
use crate::settings::Settings;
use crate::store::{Store, StoreError, Txn};

/// Why a hashing call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// The stored hash is not a PHC string the host can verify.
    #[error("unsupported password hash")]
    UnsupportedHash,
    /// The hashing pool is unavailable.
    #[error("password hashing is unavailable")]
    Unavailable,
}

/// Password hashing (argon2id in PHC strings), done natively by the host.
pub trait Crypto {
    /// Hash `password` with a fresh salt.
    fn hash_password(&self, password: &str) -> Result<String, CryptoError>;
    /// Whether `password` matches `hash`.
    fn verify_password(&self, password: &str, hash: &str) -> Result<bool, CryptoError>;
}

/// A source of the current time.
pub trait Clock {
    /// Now.
    fn now(&self) -> Millis;
}

/// The wall clock (in the component, the host's `wasi:clocks/wall-clock`).
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Millis {
        Millis::now()
    }
}

/// The services' view of the outside world.
pub struct Env<'a> {
    /// Where records live.
    pub store: &'a dyn Store,
    /// Password hashing.
    pub crypto: &'a dyn Crypto,
    /// The current time: the host's wall clock in the component, a movable one in tests.
    pub clock: &'a dyn Clock,
    /// The operator's settings.
    pub settings: Settings,
    /// The user the call authenticated as, once it has; for the host's request log.
    pub authenticated: std::cell::Cell<Option<crate::model::user::UserId>>,
}

/// How many times a write transaction that conflicted is redone before giving up.
const WRITE_ATTEMPTS: usize = 3;

impl Env<'_> {
    /// The current time.
    pub fn now(&self) -> Millis {
        self.clock.now()
    }

    /// Run `work` in a write transaction and commit it, redoing it when a concurrent
    /// transaction conflicted. An error from `work` rolls everything back.
    pub fn write<T>(&self, mut work: impl FnMut(&dyn Txn) -> Result<T, Error>) -> Result<T, Error> {
        let mut attempt = 1;
        loop {
            let txn = self.store.begin_write()?;
            let value = work(&*txn)?;
            match txn.commit() {
                Ok(()) => return Ok(value),
                Err(StoreError::Conflict) if attempt < WRITE_ATTEMPTS => attempt += 1,
                Err(err) => return Err(err.into()),
            }
        }
    }

    /// Run `work` in a read transaction.
    pub fn read<T>(&self, work: impl FnOnce(&dyn Txn) -> Result<T, Error>) -> Result<T, Error> {
        let txn = self.store.begin_read()?;
        work(&*txn)
    }
}

/// Test doubles for the services' unit tests.
#[cfg(test)]
pub mod testing {
    use super::*;
    use crate::store::memory::MemoryStore;

    /// A stand-in for argon2id that is obviously not a hash; for unit tests only. It
    /// "hashes" to `$argon2id$fake$<password reversed>`, and verifies any scheme's prefix
    /// before `$fake$`, so a test can store a "foreign" hash (`$2b$fake$…`).
    pub struct FakeCrypto;

    impl Crypto for FakeCrypto {
        fn hash_password(&self, password: &str) -> Result<String, CryptoError> {
            Ok(format!("$argon2id$fake${}", password.chars().rev().collect::<String>()))
        }

        fn verify_password(&self, password: &str, hash: &str) -> Result<bool, CryptoError> {
            Ok(hash.ends_with(&format!("$fake${}", password.chars().rev().collect::<String>())))
        }
    }

    /// A memory store, fake hashing, a clock tests can move, and default settings.
    #[derive(Default)]
    pub struct TestEnv {
        /// The store; clone it to inspect what was written.
        pub store: MemoryStore,
        /// Milliseconds added to the fixed start time.
        pub elapsed: std::cell::Cell<i64>,
        /// The settings services see.
        pub settings: Settings,
        admin: std::cell::OnceCell<crate::context::RequestContext>,
    }

    impl TestEnv {
        /// A fresh, empty environment.
        pub fn new() -> Self {
            Self::default()
        }

        /// The environment as services take it.
        pub fn env(&self) -> Env<'_> {
            Env {
                store: &self.store,
                crypto: &FakeCrypto,
                clock: self,
                settings: self.settings,
                authenticated: Default::default(),
            }
        }

        /// Move the clock forward.
        pub fn advance(&self, seconds: i64) {
            self.elapsed.set(self.elapsed.get() + seconds * 1000);
        }
    }

    impl Clock for TestEnv {
        fn now(&self) -> Millis {
            Millis(1_700_000_000_000 + self.elapsed.get())
        }
    }

    /// The password of the administrator [`TestEnv::admin`] bootstraps.
    pub const ADMIN_PASSWORD: &str = "correct horse battery staple";

    impl TestEnv {
        /// A context carrying the token of a freshly bootstrapped administrator; made once
        /// per environment.
        pub fn admin(&self) -> crate::context::RequestContext {
            self.admin
                .get_or_init(|| {
                    let env = self.env();
                    let ctx = crate::context::RequestContext::default();
                    crate::auth::bootstrap(&env, &ctx, "admin", ADMIN_PASSWORD, false).expect("bootstrap succeeds");
                    let token = crate::auth::login(&env, &ctx, "admin", ADMIN_PASSWORD).expect("the admin logs in");
                    with_token(&token.access_token)
                })
                .clone()
        }
    }

    /// A context carrying `token`.
    pub fn with_token(token: &str) -> crate::context::RequestContext {
        crate::context::RequestContext {
            credentials: Some(crate::context::Credentials::Bearer(token.to_owned())),
            account: None,
            correlation_id: "test".into(),
        }
    }
}
