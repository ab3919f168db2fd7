//! The first administrator, created at start-up through `roster:iam/auth.bootstrap` when the
//! store has no user yet.

use std::time::Duration;

use password_hash::rand_core::{OsRng, RngCore};

use crate::auth::{Error, RequestContext};
use crate::config::{BootstrapConfig, Rules, Secret};
use crate::runtime::{CallError, Runtime};

/// The correlation id of the bootstrap call, in the component's logs and audit records.
const CORRELATION_ID: &str = "bootstrap";

/// The least time the bootstrap call gets. It is no request, so the request deadline,
/// which may be set to a few milliseconds, must not stop the server from starting.
const MIN_DEADLINE: Duration = Duration::from_secs(30);

/// Length of a generated password unless the rules ask for more: 24 characters of 62
/// symbols carry 142 bits of entropy.
const GENERATED_LENGTH: usize = 24;

/// The symbols of a generated password: letters and digits survive any terminal, shell or
/// copy and paste.
const ALPHABET: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// Why the first administrator could not be created. The text never holds the password.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BootstrapError {
    /// The component refused the user name or password; the text lists its reasons.
    #[error("the component refused the administrator: {0}")]
    Refused(String),
    /// The component answered with another error.
    #[error("the component could not create the administrator: {0}")]
    Failed(String),
    /// The call itself failed (trap, deadline, overload).
    #[error(transparent)]
    Call(#[from] CallError),
}

/// What bootstrapping did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bootstrapped {
    /// The store already had users; nothing changed.
    AlreadyDone,
    /// The administrator was created with the configured password.
    Created,
    /// The administrator was created with this generated password, which must be changed at
    /// the first login. It is shown nowhere else: the caller shows it once.
    CreatedWithTemporaryPassword(Secret),
}

/// Create the administrator `config` describes if the store has no user yet. Without a
/// configured password a random temporary one is made, long enough for `rules`.
pub async fn bootstrap_admin(
    runtime: &Runtime,
    config: &BootstrapConfig,
    rules: &Rules,
) -> Result<Bootstrapped, BootstrapError> {
    let ctx = RequestContext { credentials: None, account: None, correlation_id: CORRELATION_ID.into() };
    let user = config.admin_user.as_str();
    let (password, temporary) = match &config.admin_password {
        Some(password) => (password.clone(), false),
        None => (generate_password(user, rules.password_min_length as usize), true),
    };
    let auth = runtime.auth().with_deadline(runtime.request_deadline().max(MIN_DEADLINE));
    match auth.bootstrap(&ctx, user, password.expose(), temporary).await? {
        Ok(false) => {
            tracing::debug!("the store already has users; no administrator created");
            Ok(Bootstrapped::AlreadyDone)
        }
        Ok(true) if temporary => {
            // Worded unlike the line that shows the password, which scripts look for.
            tracing::info!(user, "created the first administrator; the generated password must be changed");
            Ok(Bootstrapped::CreatedWithTemporaryPassword(password))
        }
        Ok(true) => {
            tracing::info!(user, "created the first administrator with the configured password");
            Ok(Bootstrapped::Created)
        }
        Err(Error::Invalid(fields) | Error::Duplicate(fields)) => {
            let reasons: Vec<String> =
                fields.iter().map(|field| format!("{} {} ({})", field.field, field.message, field.code)).collect();
            Err(BootstrapError::Refused(reasons.join("; ")))
        }
        Err(other) => Err(BootstrapError::Failed(format!("{other:?}"))),
    }
}

/// A random password of at least `min_length` (and [`GENERATED_LENGTH`]) letters and digits
/// from the OS's generator, which does not contain `user_name`.
fn generate_password(user_name: &str, min_length: usize) -> Secret {
    let length = min_length.max(GENERATED_LENGTH);
    let user_name = user_name.to_lowercase();
    loop {
        let mut password = String::with_capacity(length);
        let mut bytes = [0u8; 64];
        while password.len() < length {
            OsRng.fill_bytes(&mut bytes);
            // Rejection sampling: 248 = 4 × 62, so the accepted bytes map evenly onto the
            // alphabet.
            for &byte in bytes.iter().filter(|&&byte| byte < 248).take(length - password.len()) {
                password.push(char::from(ALPHABET[usize::from(byte) % ALPHABET.len()]));
            }
        }
        // The component refuses a password containing the user name; a random one does
        // that about once in a hundred million, so retrying costs nothing.
        if user_name.chars().count() < 3 || !password.to_lowercase().contains(&user_name) {
            return Secret::new(password);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn generated_password_is_24_letters_and_digits() {
        let password = generate_password("admin", 8);
        assert_eq!(password.expose().len(), 24);
        assert!(password.expose().bytes().all(|byte| byte.is_ascii_alphanumeric()), "{password:?}");
    }

    #[test]
    fn generated_password_meets_a_longer_minimum_length() {
        assert_eq!(generate_password("admin", 64).expose().len(), 64);
    }

    #[test]
    fn generated_password_carries_at_least_128_bits() {
        let bits = GENERATED_LENGTH as f64 * (ALPHABET.len() as f64).log2();
        assert!(bits >= 128.0, "{bits}");
    }

    #[test]
    fn generated_passwords_differ_and_use_the_whole_alphabet() {
        let passwords: Vec<Secret> = (0..200).map(|_| generate_password("admin", 8)).collect();
        let distinct: HashSet<&str> = passwords.iter().map(Secret::expose).collect();
        assert_eq!(distinct.len(), passwords.len());
        let symbols: HashSet<u8> = passwords.iter().flat_map(|password| password.expose().bytes()).collect();
        assert_eq!(symbols.len(), ALPHABET.len(), "4800 draws from 62 symbols miss none in practice");
    }
}
