//! `roster:iam/crypto` (imported): the host's native argon2id behind the crate's [`Crypto`].

use super::roster::iam::crypto as wit;
use crate::env::{Crypto, CryptoError};

/// The hashing the host supplies.
pub struct ImportedCrypto;

impl Crypto for ImportedCrypto {
    fn hash_password(&self, password: &str) -> Result<String, CryptoError> {
        wit::hash_password(password).map_err(from_wit)
    }

    fn verify_password(&self, password: &str, hash: &str) -> Result<bool, CryptoError> {
        wit::verify_password(password, hash).map_err(from_wit)
    }
}

fn from_wit(err: wit::Error) -> CryptoError {
    match err {
        wit::Error::UnsupportedHash => CryptoError::UnsupportedHash,
        wit::Error::Unavailable => CryptoError::Unavailable,
    }
}
