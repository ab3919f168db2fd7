//! `roster:iam/crypto`: argon2id password hashing, run natively by the [`Hasher`].

use wasmtime::component::HasData;

use crate::bindings::roster::iam::crypto::{self as wit, Error};
use crate::hashing::{HashError, Hasher};

/// What `roster:iam/crypto` needs of the Store: the shared hasher.
pub struct CryptoView<'a> {
    /// The process-wide hashing pool.
    pub hasher: &'a Hasher,
}

/// [`HasData`] marker that hands [`CryptoView`] to the generated `add_to_linker`.
pub struct CryptoImports;

impl HasData for CryptoImports {
    type Data<'a> = CryptoView<'a>;
}

impl wit::Host for CryptoView<'_> {
    async fn hash_password(&mut self, password: String) -> wasmtime::Result<Result<String, Error>> {
        Ok(self.hasher.hash(password).await.map_err(to_wit_error))
    }

    async fn verify_password(&mut self, password: String, hash: String) -> wasmtime::Result<Result<bool, Error>> {
        Ok(self.hasher.verify(password, hash).await.map_err(to_wit_error))
    }
}

fn to_wit_error(error: HashError) -> Error {
    match error {
        HashError::UnsupportedHash(reason) => {
            tracing::debug!(%reason, "refused to verify a password hash");
            Error::UnsupportedHash
        }
        other => {
            tracing::warn!(error = %other, "password hashing failed");
            Error::Unavailable
        }
    }
}
