//! argon2 on memory that each hashing thread keeps between hashes.
//!
//! The argon2 crate's `hash_password` allocates and zeroes a fresh 19 MiB block array per
//! hash, which the kernel then faults in page by page. A pool thread instead keeps one array,
//! grown to the largest hash it has run, and lends it to every hash: argon2 overwrites every
//! block before reading it, so nothing of one hash reaches the next.

use std::cell::RefCell;

use argon2::{Algorithm, Argon2, Block, Params, Version};
use password_hash::{Output, PasswordHash, SaltString};

thread_local! {
    static BLOCKS: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// Run argon2 with `algorithm`, `version` and `params` into `out`, on this thread's blocks.
fn hash_into(
    algorithm: Algorithm,
    version: Version,
    params: Params,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> Result<(), argon2::Error> {
    let count = params.block_count();
    BLOCKS.with_borrow_mut(|blocks| {
        if blocks.len() < count {
            blocks.resize(count, Block::default());
        }
        Argon2::new(algorithm, version, params).hash_password_into_with_memory(
            password,
            salt,
            out,
            &mut blocks[..count],
        )
    })
}

/// An argon2id PHC string of `password` with `params` and `salt`.
pub fn hash(params: &Params, password: &[u8], salt: &SaltString) -> Result<String, password_hash::Error> {
    let mut salt_bytes = [0; 64];
    let salt_raw = salt.decode_b64(&mut salt_bytes)?;
    let mut out = vec![0; params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN)];
    hash_into(Algorithm::Argon2id, Version::V0x13, params.clone(), password, salt_raw, &mut out)?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: params.try_into()?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out)?),
    };
    Ok(phc.to_string())
}

/// Whether `password` matches the argon2 (id, i or d) PHC hash `parsed`, with the hash's own
/// algorithm, version and parameters. The comparison is constant-time.
pub fn verify(parsed: &PasswordHash<'_>, password: &[u8]) -> Result<bool, password_hash::Error> {
    let algorithm = Algorithm::try_from(parsed.algorithm)?;
    let version = parsed.version.map(Version::try_from).transpose()?.unwrap_or_default();
    let params = Params::try_from(parsed)?;
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return Err(password_hash::Error::PhcStringField);
    };
    let mut salt_bytes = [0; 64];
    let salt_raw = salt.decode_b64(&mut salt_bytes)?;
    let mut out = vec![0; expected.len()];
    hash_into(algorithm, version, params, password, salt_raw, &mut out)?;
    // `Output`'s equality is constant-time.
    Ok(Output::new(&out)? == expected)
}

#[cfg(test)]
mod tests {
    use argon2::PasswordVerifier;
    use password_hash::rand_core::OsRng;

    use super::*;

    fn cheap() -> Params {
        Params::new(64, 1, 1, None).expect("valid parameters")
    }

    #[test]
    fn a_hash_on_reused_blocks_is_the_one_the_argon2_crate_verifies() {
        let phc = hash(&cheap(), b"secret", &SaltString::generate(&mut OsRng)).expect("hash");
        let parsed = PasswordHash::new(&phc).expect("a PHC string");
        assert_eq!(parsed.algorithm, Algorithm::Argon2id.ident());
        Argon2::default().verify_password(b"secret", &parsed).expect("the crate verifies it");
        assert!(verify(&parsed, b"secret").expect("verify"));
        assert!(!verify(&parsed, b"Secret").expect("verify"));
    }

    #[test]
    fn blocks_left_by_a_larger_hash_do_not_change_a_smaller_one() {
        let salt = SaltString::generate(&mut OsRng);
        let small = hash(&cheap(), b"secret", &salt).expect("hash");
        hash(&Params::new(256, 2, 1, None).expect("valid"), b"other", &salt).expect("a larger hash");
        assert_eq!(hash(&cheap(), b"secret", &salt).expect("hash"), small);
    }

    #[test]
    fn an_argon2i_hash_from_elsewhere_verifies_with_its_own_algorithm() {
        let argon2i = Argon2::new(Algorithm::Argon2i, Version::V0x13, cheap());
        let phc =
            password_hash::PasswordHasher::hash_password(&argon2i, b"imported", &SaltString::generate(&mut OsRng))
                .expect("hash")
                .to_string();
        let parsed = PasswordHash::new(&phc).expect("a PHC string");
        assert!(verify(&parsed, b"imported").expect("verify"));
        assert!(!verify(&parsed, b"imported!").expect("verify"));
    }
}
