//! argon2id, compiled into the plug: the host's algorithm and parameters, so hashes made by
//! either verify in the other. Slower than the host's native hashing, but it needs nothing
//! but WASI (the salt comes from `wasi:random`).

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

/// OWASP's recommendation for argon2id, as the host uses it: m=19456 KiB, t=2, p=1.
pub const MEMORY_KIB: u32 = 19 * 1024;
/// Passes over the memory.
pub const ITERATIONS: u32 = 2;
/// Lanes.
pub const PARALLELISM: u32 = 1;

/// A stored hash costing more than this many times ours is refused unverified, as on the host.
const MAX_VERIFY_COST_FACTOR: u32 = 4;

/// Why hashing or verifying failed; the cases of `roster:iam/crypto`'s error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashError {
    /// The stored hash is not an argon2 PHC string this plug verifies.
    UnsupportedHash,
    /// argon2 itself failed.
    Unavailable,
}

/// Hashes and verifies passwords with fixed parameters.
#[derive(Debug, Clone)]
pub struct Hasher {
    params: Params,
}

impl Default for Hasher {
    fn default() -> Self {
        Self::new(MEMORY_KIB, ITERATIONS, PARALLELISM).expect("the OWASP parameters are valid")
    }
}

impl Hasher {
    /// A hasher with these parameters, or `None` when argon2 refuses them.
    pub fn new(memory_kib: u32, iterations: u32, parallelism: u32) -> Option<Self> {
        Params::new(memory_kib, iterations, parallelism, None).ok().map(|params| Hasher { params })
    }

    /// `password` hashed with argon2id and `salt` (16 random bytes), as a PHC string.
    pub fn hash(&self, password: &str, salt: &[u8; 16]) -> Result<String, HashError> {
        let salt = SaltString::encode_b64(salt).map_err(|_| HashError::Unavailable)?;
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|_| HashError::Unavailable)
    }

    /// Whether `password` matches the PHC string `hash`; the comparison is constant-time.
    pub fn verify(&self, password: &str, hash: &str) -> Result<bool, HashError> {
        let parsed = PasswordHash::new(hash).map_err(|_| HashError::UnsupportedHash)?;
        Algorithm::try_from(parsed.algorithm).map_err(|_| HashError::UnsupportedHash)?;
        let theirs = Params::try_from(&parsed).map_err(|_| HashError::UnsupportedHash)?;
        let ours = &self.params;
        let too_costly = u64::from(theirs.m_cost()) * u64::from(theirs.t_cost())
            > u64::from(ours.m_cost()) * u64::from(ours.t_cost()) * u64::from(MAX_VERIFY_COST_FACTOR);
        if too_costly || theirs.p_cost() > ours.p_cost().max(1) * MAX_VERIFY_COST_FACTOR {
            return Err(HashError::UnsupportedHash);
        }
        // The hash's own algorithm, version and parameters are used; these are fallbacks.
        match Argon2::new(Algorithm::Argon2id, Version::V0x13, ours.clone())
            .verify_password(password.as_bytes(), &parsed)
        {
            Ok(()) => Ok(true),
            Err(argon2::password_hash::Error::Password) => Ok(false),
            Err(_) => Err(HashError::UnsupportedHash),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cheap parameters, so the tests stay fast.
    fn cheap() -> Hasher {
        Hasher::new(64, 1, 1).expect("valid parameters")
    }

    #[test]
    fn the_default_is_the_hosts_argon2id() {
        let hash = Hasher::default().hash("secret", &[7; 16]).unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        assert!(Hasher::default().verify("secret", &hash).unwrap());
    }

    #[test]
    fn a_hash_verifies_its_password_only() {
        let hash = cheap().hash("secret", &[1; 16]).unwrap();
        assert!(cheap().verify("secret", &hash).unwrap());
        assert!(!cheap().verify("Secret", &hash).unwrap());
    }

    #[test]
    fn different_salts_give_different_hashes() {
        assert_ne!(cheap().hash("secret", &[1; 16]).unwrap(), cheap().hash("secret", &[2; 16]).unwrap());
    }

    #[test]
    fn garbage_and_other_algorithms_are_unsupported() {
        assert_eq!(cheap().verify("secret", "not a hash"), Err(HashError::UnsupportedHash));
        let pbkdf2 = "$pbkdf2-sha256$i=1000$c2FsdHNhbHQ$aGFzaA";
        assert_eq!(cheap().verify("secret", pbkdf2), Err(HashError::UnsupportedHash));
    }

    #[test]
    fn a_hash_far_costlier_than_ours_is_refused_unverified() {
        let inflated = cheap().hash("secret", &[1; 16]).unwrap().replace("m=64,", "m=4194304,");
        assert_eq!(cheap().verify("secret", &inflated), Err(HashError::UnsupportedHash));
    }
}
