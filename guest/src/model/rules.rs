//! The rules every user field obeys, written once and applied on every surface.
//!
//! Limits cover the union of the seed APIs: seed 003's (email 6..150, names 1..50) are
//! the floor, and seed 000 allows email addresses (and so user names) of 1000 characters.
//! Text is trimmed; control characters are refused everywhere, which also keeps the
//! `0x00` byte free for the index key layout.

use serde_json::{Map, Value};

use super::country;
use super::timezone;
use super::user::{Attribute, TextField};
use crate::error::FieldError;

/// Longest user name and email address, in characters (seed 000's `emailAddress` limit).
pub const EMAIL_MAX: usize = 1000;
/// Shortest email address (seed 003).
pub const EMAIL_MIN: usize = 6;
/// Most attributes one user may have.
pub const ATTRIBUTES_MAX: usize = 100;
/// Largest preferences object, in bytes of JSON.
pub const PREFERENCES_MAX_BYTES: usize = 16 * 1024;

/// The key under which case-insensitive values are compared and indexed.
pub fn fold(text: &str) -> String {
    text.to_lowercase()
}

/// A user name: 1 to 1000 characters, no white space or control characters.
pub fn user_name(field: &str, raw: &str) -> Result<String, FieldError> {
    let value = bounded(field, raw, 1, EMAIL_MAX)?;
    if value.chars().any(char::is_whitespace) {
        return Err(FieldError::new(field, "format", "must not contain white space"));
    }
    Ok(value)
}

/// An email address: 6 to 1000 characters, `local@domain` with a dotted domain.
pub fn email(field: &str, raw: &str) -> Result<String, FieldError> {
    let value = bounded(field, raw, EMAIL_MIN, EMAIL_MAX)?;
    let well_formed = value.split_once('@').is_some_and(|(local, domain)| {
        let label_ok = |l: &str| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        };
        !local.is_empty()
            && local.len() <= 64
            && !local.contains(char::is_whitespace)
            && domain.contains('.')
            && domain.split('.').all(label_ok)
    });
    if well_formed {
        Ok(value)
    } else {
        Err(FieldError::new(field, "format", "must be an email address such as jane@example.com"))
    }
}

/// One of the optional text fields, normalized: country codes upper-cased, seed 000's
/// `GMT#.#DST#` time zones converted to IANA names.
pub fn text_field(field: TextField, raw: &str) -> Result<String, FieldError> {
    let name = field.name();
    match field {
        TextField::FirstName | TextField::LastName => bounded(name, raw, 1, 100),
        TextField::DisplayName => bounded(name, raw, 1, 200),
        TextField::Street => bounded(name, raw, 1, 200),
        TextField::City | TextField::State => bounded(name, raw, 1, 100),
        TextField::Phone | TextField::Fax => {
            let value = bounded(name, raw, 1, 50)?;
            let allowed = |c: char| c.is_ascii_digit() || " +-().x/#*".contains(c);
            if value.chars().all(allowed) && value.chars().any(|c| c.is_ascii_digit()) {
                Ok(value)
            } else {
                Err(FieldError::new(name, "format", "must be a phone number: digits, spaces and + - ( ) . x / # *"))
            }
        }
        TextField::Zipcode => {
            let value = bounded(name, raw, 1, 20)?;
            if value.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-') {
                Ok(value)
            } else {
                Err(FieldError::new(name, "format", "must hold only letters, digits, spaces and hyphens"))
            }
        }
        TextField::Country => {
            let value = bounded(name, raw, 2, 2)?.to_ascii_uppercase();
            if country::is_assigned(&value) {
                Ok(value)
            } else {
                Err(FieldError::new(name, "format", "must be an ISO 3166-1 alpha-2 country code such as US"))
            }
        }
        TextField::Locale => {
            let value = bounded(name, raw, 2, 35)?;
            let mut parts = value.split(['_', '-']);
            let language = parts.next().unwrap_or_default();
            let language_ok = (2..=3).contains(&language.len()) && language.chars().all(|c| c.is_ascii_alphabetic());
            let rest_ok = parts.all(|p| (2..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()));
            if language_ok && rest_ok {
                Ok(value)
            } else {
                Err(FieldError::new(name, "format", "must be a locale such as en_US or de-CH"))
            }
        }
        TextField::Timezone => timezone::normalize(name, &bounded(name, raw, 1, 64)?),
    }
}

/// A short name (an account's, an attribute's): 1 to 100 letters, digits, `_`, `.` and `-`.
pub fn short_name(field: &str, raw: &str) -> Result<String, FieldError> {
    let value = bounded(field, raw, 1, 100)?;
    if value.chars().all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c)) {
        Ok(value)
    } else {
        Err(FieldError::new(field, "format", "must hold only letters, digits, _ . and -"))
    }
}

/// A display name: 1 to 200 characters.
pub fn display_name(field: &str, raw: &str) -> Result<String, FieldError> {
    bounded(field, raw, 1, 200)
}

/// Custom attributes: at most 100, names unique (case-insensitively), 1 to 100 characters
/// of letters, digits, `_`, `.` and `-`; values up to 1000 characters.
pub fn attributes(field: &str, list: &[Attribute]) -> Result<Vec<Attribute>, Vec<FieldError>> {
    if list.len() > ATTRIBUTES_MAX {
        return Err(vec![FieldError::new(field, "too_many", format!("must hold at most {ATTRIBUTES_MAX} attributes"))]);
    }
    let mut errors = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut clean = Vec::with_capacity(list.len());
    for (i, attribute) in list.iter().enumerate() {
        let name_field = format!("{field}[{i}].name");
        let name = short_name(&name_field, &attribute.name).and_then(|name| {
            if !seen.insert(fold(&name)) {
                Err(FieldError::new(&name_field, "duplicate", format!("names the attribute {name} twice")))
            } else {
                Ok(name)
            }
        });
        let value = bounded_allow_empty(&format!("{field}[{i}].value"), &attribute.value, 1000);
        match (name, value) {
            (Ok(name), Ok(value)) => clean.push(Attribute { name, value }),
            (name, value) => errors.extend(name.err().into_iter().chain(value.err())),
        }
    }
    if errors.is_empty() { Ok(clean) } else { Err(errors) }
}

/// Preferences: a JSON object of at most 16 KiB.
pub fn preferences(field: &str, value: Value) -> Result<Map<String, Value>, FieldError> {
    let Value::Object(map) = value else {
        return Err(FieldError::new(field, "type", "must be a JSON object"));
    };
    let size = serde_json::to_vec(&map).map(|b| b.len()).unwrap_or(usize::MAX);
    if size > PREFERENCES_MAX_BYTES {
        return Err(FieldError::new(
            field,
            "too_long",
            format!("must be at most {PREFERENCES_MAX_BYTES} bytes of JSON"),
        ));
    }
    Ok(map)
}

/// Trimmed text of `min..=max` characters without control characters.
fn bounded(field: &str, raw: &str, min: usize, max: usize) -> Result<String, FieldError> {
    let value = bounded_allow_empty(field, raw, max)?;
    if value.chars().count() < min {
        let code = if value.is_empty() { "required" } else { "too_short" };
        let message =
            if min == 1 { "must not be empty".to_owned() } else { format!("must be at least {min} characters") };
        return Err(FieldError::new(field, code, message));
    }
    Ok(value)
}

fn bounded_allow_empty(field: &str, raw: &str, max: usize) -> Result<String, FieldError> {
    let value = raw.trim();
    if value.chars().count() > max {
        return Err(FieldError::new(field, "too_long", format!("must be at most {max} characters")));
    }
    if value.chars().any(char::is_control) {
        return Err(FieldError::new(field, "format", "must not contain control characters"));
    }
    Ok(value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_accepts_a_plain_email() {
        assert_eq!(email("email", "  jane@example.com ").unwrap(), "jane@example.com");
    }

    #[test]
    fn rejects_email_without_at_sign() {
        assert_eq!(email("email", "jane.example.com").unwrap_err().code, "format");
    }

    #[test]
    fn rejects_email_with_undotted_domain() {
        assert_eq!(email("email", "jane@localhost").unwrap_err().code, "format");
    }

    #[test]
    fn rejects_email_shorter_than_six_characters() {
        assert_eq!(email("email", "a@b.c").unwrap_err().code, "too_short");
    }

    #[test]
    fn accepts_email_of_a_thousand_characters_and_not_more() {
        let domain = format!("{}{}", format!("{}.", "b".repeat(62)).repeat(14), "c".repeat(53));
        let long = format!("{}@{domain}", "a".repeat(64));
        assert_eq!(long.chars().count(), 1000);
        assert!(email("email", &long).is_ok(), "{long}");
        assert_eq!(email("email", &format!("a{long}")).unwrap_err().code, "too_long");
    }

    #[test]
    fn rejects_user_name_with_spaces() {
        assert_eq!(user_name("userName", "jane doe").unwrap_err().code, "format");
    }

    #[test]
    fn rejects_control_characters() {
        assert_eq!(text_field(TextField::City, "Par\u{0}is").unwrap_err().code, "format");
    }

    #[test]
    fn reports_a_missing_value_as_required() {
        assert_eq!(text_field(TextField::FirstName, "   ").unwrap_err().code, "required");
    }

    #[test]
    fn upper_cases_assigned_country_codes() {
        assert_eq!(text_field(TextField::Country, "us").unwrap(), "US");
        assert_eq!(text_field(TextField::Country, "XX").unwrap_err().code, "format");
    }

    #[test]
    fn accepts_locales_with_underscore_or_hyphen() {
        assert!(text_field(TextField::Locale, "en_US").is_ok());
        assert!(text_field(TextField::Locale, "de-CH").is_ok());
        assert!(text_field(TextField::Locale, "english").is_err());
    }

    #[test]
    fn converts_gmt_offsets_to_zone_names() {
        assert_eq!(text_field(TextField::Timezone, "GMT-6.0DST0").unwrap(), "Etc/GMT+6");
    }

    #[test]
    fn rejects_phone_numbers_with_letters() {
        assert_eq!(text_field(TextField::Phone, "call me").unwrap_err().code, "format");
        assert!(text_field(TextField::Phone, "+1 (555) 010-9999").is_ok());
    }

    #[test]
    fn rejects_first_name_over_a_hundred_characters() {
        assert_eq!(text_field(TextField::FirstName, &"x".repeat(101)).unwrap_err().code, "too_long");
        assert!(text_field(TextField::FirstName, &"x".repeat(50)).is_ok());
    }

    #[test]
    fn rejects_duplicate_attribute_names_case_insensitively() {
        let list = vec![
            Attribute { name: "Region".into(), value: "EMEA".into() },
            Attribute { name: "region".into(), value: "APAC".into() },
        ];
        let errors = attributes("attributes", &list).unwrap_err();
        assert_eq!(errors[0].field, "attributes[1].name");
        assert_eq!(errors[0].code, "duplicate");
    }

    #[test]
    fn refuses_preferences_that_are_not_objects() {
        assert_eq!(preferences("preferences", Value::from(3)).unwrap_err().code, "type");
    }
}
