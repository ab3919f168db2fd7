//! Reading a JSON request body field by field, so that one answer names every field of the
//! wrong type, every unknown field, and every read-only one.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::Request;
use super::problem::Problem;
use crate::error::{Error, FieldError, FieldErrors};
use crate::model::user::{Attribute, Change, UserStatus};

/// The fields of a JSON object body, taken one by one.
pub struct Fields {
    map: Map<String, Value>,
    taken: BTreeSet<String>,
    errors: FieldErrors,
}

impl Fields {
    /// The body of `request` as a JSON object. The media type must be JSON.
    pub fn of(request: &Request) -> Result<Self, Problem> {
        let media_type =
            request.header("content-type").unwrap_or("").split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        if !(media_type == "application/json" || media_type.ends_with("+json")) {
            return Err(Problem::UnsupportedMediaType);
        }
        match serde_json::from_slice(&request.body) {
            Ok(Value::Object(map)) => Ok(Fields { map, taken: BTreeSet::new(), errors: FieldErrors::new() }),
            Ok(_) => Err(Problem::MalformedBody("The body must be a JSON object.".into())),
            Err(err) => Err(Problem::MalformedBody(format!("The body is not valid JSON: {err}."))),
        }
    }

    fn take(&mut self, name: &str) -> Option<Value> {
        self.taken.insert(name.to_owned());
        self.map.get(name).cloned()
    }

    fn wrong_type(&mut self, name: &str, expected: &str) {
        self.errors.push(FieldError::new(name, "type", format!("must be {expected}")));
    }

    /// A string field; absent and null are both `None`.
    pub fn string(&mut self, name: &str) -> Option<String> {
        match self.take(name)? {
            Value::String(text) => Some(text),
            Value::Null => None,
            _ => {
                self.wrong_type(name, "a string");
                None
            }
        }
    }

    /// A string field of an update: absent keeps it, null clears it.
    pub fn change(&mut self, name: &str) -> Change<String> {
        match self.take(name) {
            None => Change::Keep,
            Some(Value::Null) => Change::Clear,
            Some(Value::String(text)) => Change::Set(text),
            Some(_) => {
                self.wrong_type(name, "a string or null");
                Change::Keep
            }
        }
    }

    /// A list of strings.
    pub fn strings(&mut self, name: &str) -> Option<Vec<String>> {
        match self.take(name)? {
            Value::Null => None,
            Value::Array(items) if items.iter().all(Value::is_string) => {
                Some(items.into_iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
            }
            _ => {
                self.wrong_type(name, "a list of strings");
                None
            }
        }
    }

    /// A string field that must be present; a missing one is recorded as `required`.
    pub fn required(&mut self, name: &str) -> Option<String> {
        let value = self.string(name);
        self.require(name, value)
    }

    /// `value` read from field `name`, which must be present: absent (or null, or of the
    /// wrong type) is recorded as `required` unless its type was already named.
    pub fn require<T>(&mut self, name: &str, value: Option<T>) -> Option<T> {
        if value.is_none() && !self.errors_name(name) {
            self.errors.push(FieldError::new(name, "required", "is required"));
        }
        value
    }

    /// Record the error of `result`, if any (a rule a surface adds), and pass its value on.
    pub fn check<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        self.errors.check(result)
    }

    fn errors_name(&self, name: &str) -> bool {
        self.errors.names(name)
    }

    /// A boolean field.
    pub fn bool(&mut self, name: &str) -> Option<bool> {
        match self.take(name)? {
            Value::Bool(value) => Some(value),
            Value::Null => None,
            _ => {
                self.wrong_type(name, "true or false");
                None
            }
        }
    }

    /// A non-negative integer field.
    pub fn u64(&mut self, name: &str) -> Option<u64> {
        match self.take(name)? {
            Value::Null => None,
            value => value.as_u64().or_else(|| {
                self.wrong_type(name, "a non-negative integer");
                None
            }),
        }
    }

    /// A user status: `active` or `inactive`, in any case.
    pub fn status(&mut self, name: &str) -> Option<UserStatus> {
        let text = self.string(name)?;
        UserStatus::parse(&text).or_else(|| {
            self.errors.push(FieldError::new(name, "enum", "must be active or inactive"));
            None
        })
    }

    /// A list of `{name, value}` attributes.
    pub fn attributes(&mut self, name: &str) -> Option<Vec<Attribute>> {
        let items = match self.take(name)? {
            Value::Array(items) => items,
            Value::Null => return None,
            _ => {
                self.wrong_type(name, "a list of {name, value} objects");
                return None;
            }
        };
        let mut list = Vec::with_capacity(items.len());
        for (i, item) in items.into_iter().enumerate() {
            let pair = item.as_object().and_then(|o| {
                let text = |key: &str| o.get(key).and_then(Value::as_str).map(str::to_owned);
                Some(Attribute { name: text("name")?, value: text("value").unwrap_or_default() })
            });
            match pair {
                Some(attribute) => list.push(attribute),
                None => self.wrong_type(&format!("{name}[{i}]"), "an object with a string name and value"),
            }
        }
        Some(list)
    }

    /// Any JSON value, for an update: absent keeps, null clears.
    pub fn value(&mut self, name: &str) -> Change<Value> {
        match self.take(name) {
            None => Change::Keep,
            Some(Value::Null) => Change::Clear,
            Some(value) => Change::Set(value),
        }
    }

    /// Refuse fields the server sets, if present.
    pub fn read_only(&mut self, names: &[&str]) {
        for name in names {
            if self.take(name).is_some() {
                self.errors.push(FieldError::new(*name, "read_only", "is set by the server"));
            }
        }
    }

    /// [`Fields::finish`], with the errors a surface found in the same body after these:
    /// one answer names every broken field.
    pub fn finish_with(self, more: FieldErrors) -> Result<(), Error> {
        match (self.finish(), more.finish(())) {
            (Err(Error::Invalid(mut first)), Err(Error::Invalid(then))) => {
                first.extend(then);
                Err(Error::Invalid(first))
            }
            (Err(err), _) | (Ok(()), Err(err)) => Err(err),
            (Ok(()), Ok(())) => Ok(()),
        }
    }

    /// Done: every field of the wrong type, and every field no one took, as one error.
    pub fn finish(mut self) -> Result<(), Error> {
        let unknown: Vec<String> = self.map.keys().filter(|k| !self.taken.contains(*k)).cloned().collect();
        for name in unknown {
            self.errors.push(FieldError::new(name, "unknown", "is not a field of this request"));
        }
        self.errors.finish(())
    }
}
