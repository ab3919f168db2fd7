//! Seed 003's own limits, stricter than the shared rules and checked on this surface only,
//! before the shared rules run: email 6..150, first name, last name and user name 1..50,
//! password 8..50 characters (counted after trimming, as the shared rules count).

use crate::error::{FieldError, FieldErrors};

/// `(field, shortest, longest)` for each limited field.
pub const LIMITS: [(&str, usize, usize); 5] =
    [("email", 6, 150), ("firstName", 1, 50), ("lastName", 1, 50), ("userName", 1, 50), ("password", 8, 50)];

/// Check `value` of `field` against its limit, if it has one.
pub fn check(field: &str, value: &str, errors: &mut FieldErrors) {
    let Some((_, min, max)) = LIMITS.iter().find(|(name, ..)| *name == field) else { return };
    // Passwords are never trimmed; everything else is, as the shared rules do.
    let counted = if field == "password" { value } else { value.trim() };
    let length = counted.chars().count();
    if length > *max {
        errors.push(FieldError::new(field, "too_long", format!("must be at most {max} characters")));
    } else if length < *min {
        let code = if length == 0 { "required" } else { "too_short" };
        errors.push(FieldError::new(field, code, format!("must be at least {min} characters")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(field: &str, value: &str) -> Vec<&'static str> {
        let mut errors = FieldErrors::new();
        check(field, value, &mut errors);
        match errors.finish(()) {
            Ok(()) => Vec::new(),
            Err(crate::error::Error::Invalid(list)) => list.into_iter().map(|e| e.code).collect(),
            Err(other) => panic!("{other:?}"),
        }
    }

    #[test]
    fn email_takes_six_to_a_hundred_and_fifty_characters() {
        assert_eq!(codes("email", "a@b.c"), ["too_short"]);
        assert!(codes("email", &format!("{}@example.com", "a".repeat(138))).is_empty());
        assert_eq!(codes("email", &format!("{}@example.com", "a".repeat(139))), ["too_long"]);
    }

    #[test]
    fn names_take_one_to_fifty_characters() {
        assert_eq!(codes("firstName", &"x".repeat(51)), ["too_long"]);
        assert_eq!(codes("userName", "  "), ["required"]);
        assert!(codes("lastName", &"x".repeat(50)).is_empty());
    }

    #[test]
    fn passwords_take_eight_to_fifty_characters() {
        assert_eq!(codes("password", "short"), ["too_short"]);
        assert_eq!(codes("password", &"p".repeat(51)), ["too_long"]);
        assert!(codes("password", "stringst").is_empty());
    }

    #[test]
    fn other_fields_have_no_limit_here() {
        assert!(codes("locale", &"x".repeat(500)).is_empty());
    }
}
