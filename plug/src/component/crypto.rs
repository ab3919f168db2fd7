//! `roster:iam/crypto` (exported): argon2id compiled to wasm, salted from `wasi:random`.

use std::sync::OnceLock;

use super::Plug;
use super::exports::roster::iam::crypto::{Error, Guest};
use crate::hashing::{HashError, Hasher};

fn hasher() -> &'static Hasher {
    static HASHER: OnceLock<Hasher> = OnceLock::new();
    HASHER.get_or_init(Hasher::default)
}

impl Guest for Plug {
    fn hash_password(password: String) -> Result<String, Error> {
        let bytes = wasip2::random::random::get_random_bytes(16);
        let salt: [u8; 16] = bytes.try_into().map_err(|_| Error::Unavailable)?;
        hasher().hash(&password, &salt).map_err(to_wit)
    }

    fn verify_password(password: String, hash: String) -> Result<bool, Error> {
        hasher().verify(&password, &hash).map_err(to_wit)
    }
}

fn to_wit(error: HashError) -> Error {
    match error {
        HashError::UnsupportedHash => Error::UnsupportedHash,
        HashError::Unavailable => Error::Unavailable,
    }
}
