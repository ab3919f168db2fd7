//! The one error type every service returns, and the field errors it carries.

use serde::Serialize;

use crate::store::StoreError;

/// One input field that broke a rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The field as the caller spelled it, in camelCase (`email`, `attributes[2].name`).
    pub field: String,
    /// A stable rule name: `required`, `too-short`, `too-long`, `format`, `taken`, …
    pub code: &'static str,
    /// A sentence for people that names the rule.
    pub message: String,
}

impl FieldError {
    /// A field error from its parts.
    pub fn new(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        FieldError { field: field.into(), code, message: message.into() }
    }
}

/// Why a service call failed. Each variant maps to one HTTP status and one WIT error case.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The input broke one or more rules; nothing was written.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    /// A unique value is already taken; nothing was written.
    #[error("a unique value is already taken")]
    Duplicate(Vec<FieldError>),
    /// No record has that identifier.
    #[error("not found")]
    NotFound,
    /// The caller named a version that is no longer current.
    #[error("stale version; the current version is {current}")]
    StaleVersion {
        /// The version now stored.
        current: u64,
    },
    /// No valid credentials.
    #[error("unauthenticated")]
    Unauthenticated,
    /// The caller lacks the named permission.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// A built-in role cannot be deleted.
    #[error("built-in roles cannot be deleted")]
    BuiltinRole,
    /// An account with members cannot be deleted unless forced.
    #[error("the account has members")]
    AccountHasMembers,
    /// The caller's password is temporary; only changing it is allowed.
    #[error("password change required")]
    PasswordChangeRequired,
    /// The store failed or stayed busy; nothing was written. The text is for logs.
    #[error("store unavailable: {0}")]
    Unavailable(String),
}

impl Error {
    /// `StaleVersion` unless `expected` is absent or equal to `current`: the one check
    /// behind every `If-Match` and `version` field.
    pub fn check_version(current: u64, expected: Option<u64>) -> Result<(), Error> {
        match expected {
            Some(version) if version != current => Err(Error::StaleVersion { current }),
            _ => Ok(()),
        }
    }

    /// An `Invalid` error with one field error.
    pub fn invalid(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Error::Invalid(vec![FieldError::new(field, code, message)])
    }
}

impl From<StoreError> for Error {
    fn from(err: StoreError) -> Self {
        Error::Unavailable(err.to_string())
    }
}

/// Collects field errors so that one answer names every bad field, not just the first.
#[derive(Debug, Default)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    /// No errors yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Record one error.
    pub fn push(&mut self, error: FieldError) {
        self.0.push(error);
    }

    /// Record the error of `result`, if any, and pass its value on.
    pub fn check<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        result.map_err(|e| self.push(e)).ok()
    }

    /// `Ok(value)` when nothing was recorded, else `Error::Invalid` with every error.
    pub fn finish<T>(self, value: T) -> Result<T, Error> {
        if self.0.is_empty() { Ok(value) } else { Err(Error::Invalid(self.0)) }
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether an error names `field`.
    pub fn names(&self, field: &str) -> bool {
        self.0.iter().any(|e| e.field == field)
    }
}
