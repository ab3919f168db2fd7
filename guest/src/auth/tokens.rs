//! Secrets Roster hands out (access tokens, reset tokens, API key secrets): 256 random bits
//! in base64url. The store keeps only their SHA-256, so a copy of it grants nothing.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// A fresh secret: 32 bytes from the platform's CSPRNG (`wasi:random` in the component).
pub fn generate() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the platform always provides random bytes");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The SHA-256 of a secret, under which its record is stored.
pub fn digest(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// Whether two digests are equal, in time independent of where they differ.
pub fn digests_match(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_carry_256_bits_and_differ() {
        let (a, b) = (generate(), generate());
        assert_eq!(URL_SAFE_NO_PAD.decode(&a).unwrap().len(), 32);
        assert_ne!(a, b);
    }

    #[test]
    fn digests_compare_by_value() {
        assert!(digests_match(&digest("x"), &digest("x")));
        assert!(!digests_match(&digest("x"), &digest("y")));
        assert!(!digests_match(&digest("x"), &digest("x")[..31]));
    }
}
