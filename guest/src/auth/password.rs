//! Passwords: the policy a new password must meet, and how its hash is kept.
//!
//! The policy follows OWASP ASVS 5.0 V6.2: a configurable minimum length (8 by default,
//! 15 recommended), at least 64 characters always allowed, no composition rules, no
//! truncation, and no password from the list of the most common ones or containing the
//! user's name or email address.

use serde::{Deserialize, Serialize};

use crate::error::{Error, FieldError};
use crate::model::rules::fold;
use crate::settings::Settings;

/// The longest password accepted, in characters: far past the 64 ASVS requires, short
/// enough that hashing it stays cheap.
pub const MAX_LENGTH: usize = 1024;

/// The 20,000 most common passwords, lower-cased, one a line (from zxcvbn's frequency
/// lists, MIT-licensed, which draw on leaked password corpora).
const COMMON: &str = include_str!("common_passwords.txt");

/// A password hash as stored under the user's password key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordRecord {
    /// The PHC string (argon2id from this host, or an imported foreign hash).
    pub hash: String,
    /// Whether the password was set for the user (bootstrap, reset) and must be changed.
    pub temporary: bool,
}

/// The PHC string prefixes of the hashes an import may carry: argon2id (this host's own),
/// argon2i, bcrypt and PBKDF2-SHA256, the formats Auth0 and Ory import from other systems.
const IMPORTABLE_HASHES: [&str; 6] = ["$argon2id$", "$argon2i$", "$2a$", "$2b$", "$2y$", "$pbkdf2-sha256$"];

/// Refuse an imported password hash that is not a PHC string of a supported scheme.
pub fn check_imported_hash(field: &str, hash: &str) -> Result<(), Error> {
    if IMPORTABLE_HASHES.iter().any(|prefix| hash.starts_with(prefix)) {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            "unsupported_hash",
            "must be a PHC string of argon2id, argon2i, bcrypt ($2b$) or pbkdf2-sha256",
        ))
    }
}

/// Whether a stored hash is this host's scheme. Any other (an imported foreign hash) is
/// replaced by an argon2id hash of the password at the user's next successful login.
pub fn is_current(hash: &str) -> bool {
    hash.starts_with("$argon2id$")
}

/// Check `password` against the policy for a user with this name and email.
pub fn check(field: &str, password: &str, user_name: &str, email: &str, settings: &Settings) -> Result<(), Error> {
    let reject = |code: &'static str, message: String| Err(Error::Invalid(vec![FieldError::new(field, code, message)]));
    let length = password.chars().count();
    let min = settings.password_min_length as usize;
    if length < min {
        return reject("too_short", format!("must be at least {min} characters"));
    }
    if length > MAX_LENGTH {
        return reject("too_long", format!("must be at most {MAX_LENGTH} characters"));
    }
    let folded = fold(password);
    if COMMON.lines().any(|common| common == folded) {
        return reject("common", "is one of the most common passwords; choose another".into());
    }
    let user_name = fold(user_name);
    if user_name.chars().count() >= 3 && folded.contains(&user_name) {
        return reject("contains_user_name", "must not contain the user name".into());
    }
    let email = fold(email);
    let local = email.split('@').next().unwrap_or_default();
    if (!email.is_empty() && folded.contains(&email)) || (local.chars().count() >= 3 && folded.contains(local)) {
        return reject("contains_email", "must not contain the email address".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_default(password: &str) -> Result<(), Error> {
        check("password", password, "jane", "jdoe@example.com", &Settings::default())
    }

    fn code(result: Result<(), Error>) -> &'static str {
        match result {
            Err(Error::Invalid(fields)) => fields[0].code,
            other => panic!("expected a rejection, got {other:?}"),
        }
    }

    #[test]
    fn imported_hashes_of_the_four_schemes_are_accepted_and_others_refused() {
        for hash in ["$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA", "$argon2i$v=19$m=4096,t=3,p=1$c2FsdA$aGFzaA"] {
            assert_eq!(check_imported_hash("passwordHash", hash), Ok(()));
        }
        assert_eq!(check_imported_hash("passwordHash", "$2b$10$abcdefghijklmnopqrstuu"), Ok(()));
        assert_eq!(check_imported_hash("passwordHash", "$pbkdf2-sha256$i=1000$c2FsdA$aGFzaA"), Ok(()));
        for hash in ["plain", "$md5$x", "$1$abc", ""] {
            assert_eq!(code(check_imported_hash("passwordHash", hash).map(|_| ())), "unsupported_hash");
        }
    }

    #[test]
    fn only_argon2id_is_current() {
        assert!(is_current("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA"));
        assert!(!is_current("$argon2i$v=19$m=4096,t=3,p=1$c2FsdA$aGFzaA"));
        assert!(!is_current("$2b$10$abcdefghijklmnopqrstuu"));
    }

    #[test]
    fn ships_at_least_ten_thousand_common_passwords() {
        assert!(COMMON.lines().count() >= 10_000);
    }

    #[test]
    fn accepts_a_long_passphrase_without_composition_rules() {
        assert_eq!(check_default("correct horse battery staple"), Ok(()));
    }

    #[test]
    fn accepts_64_characters_and_more_untruncated() {
        assert_eq!(check_default(&"k".repeat(64)), Ok(()));
        assert_eq!(check_default(&"k".repeat(MAX_LENGTH)), Ok(()));
        assert_eq!(code(check_default(&"k".repeat(MAX_LENGTH + 1))), "too_long");
    }

    #[test]
    fn rejects_a_password_shorter_than_the_minimum() {
        assert_eq!(code(check_default("short")), "too_short");
        let strict = Settings { password_min_length: 15, ..Settings::default() };
        assert!(check("password", "fourteen chars", "jane", "jane@example.com", &strict).is_err());
    }

    #[test]
    fn rejects_common_passwords_in_any_case() {
        assert_eq!(code(check_default("password")), "common");
        assert_eq!(code(check_default("Baseball")), "common");
    }

    #[test]
    fn rejects_passwords_containing_the_user_name_or_email() {
        assert_eq!(code(check_default("my name is JANE!!")), "contains_user_name");
        assert_eq!(code(check_default("jdoe-is-great!")), "contains_email");
    }
}
