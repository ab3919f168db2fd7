//! Custom attribute definitions (seed 000's attributes): which attributes users may carry,
//! of what type, and which are required — of every user, or of one account's members.
//! A user's attributes are checked against them on every write: an unknown attribute, a
//! value of the wrong type or a missing required one is a 400 naming the attribute.

use serde::{Deserialize, Serialize};

use crate::access::{Permission, Target, authorize};
use crate::accounts::members;
use crate::auth;
use crate::context::RequestContext;
use crate::env::Env;
use crate::error::{Error, FieldError, FieldErrors};
use crate::model::account::AccountId;
use crate::model::rules::{self, fold};
use crate::model::time::is_date;
use crate::model::user::{Attribute, User};
use crate::store::{Direction, KeyRange, Txn};

/// The type of an attribute's value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "values", rename_all = "lowercase")]
pub enum AttributeType {
    String,
    /// A decimal number.
    Number,
    /// `true` or `false`.
    Boolean,
    /// `YYYY-MM-DD`.
    Date,
    /// One of a list of values.
    Enum(Vec<String>),
}

/// Whom a definition applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Scope {
    /// Every user.
    AllUsers,
    /// The active members of one account.
    Account(AccountId),
}

/// One attribute definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Definition {
    /// Unique, case-insensitively.
    pub name: String,
    #[serde(flatten)]
    pub value_type: AttributeType,
    pub required: bool,
    pub scope: Scope,
    /// RFC 3339.
    pub created_at: String,
}

const PREFIX: &[u8] = b"ad/";

fn key(name: &str) -> Vec<u8> {
    [PREFIX, fold(name).as_bytes()].concat()
}

fn decode(bytes: &[u8]) -> Result<Definition, Error> {
    serde_json::from_slice(bytes).map_err(|e| Error::Unavailable(format!("corrupt attribute definition: {e}")))
}

/// Every definition, by name.
pub fn all(txn: &dyn Txn) -> Result<Vec<Definition>, Error> {
    // Definitions are an operator's vocabulary: a few hundred at most.
    txn.scan(&KeyRange::prefix(PREFIX), 10_000, Direction::Forward)?.into_iter().map(|(_, v)| decode(&v)).collect()
}

/// Check `user`'s attributes against the definitions: each must be defined and of its
/// type, and every required one that applies to the user (all users, or the accounts the
/// user is an active member of on `today`) must be present.
pub fn check(txn: &dyn Txn, user: &User, today: &str) -> Result<(), Error> {
    let definitions = all(txn)?;
    let accounts = members::active_accounts(txn, user.id, today)?;
    check_against(&definitions, &user.attributes, &accounts)
}

/// The pure check behind [`check`].
pub fn check_against(
    definitions: &[Definition],
    attributes: &[Attribute],
    accounts: &[AccountId],
) -> Result<(), Error> {
    let mut errors = FieldErrors::new();
    for (i, attribute) in attributes.iter().enumerate() {
        let field = format!("attributes[{i}]");
        let Some(definition) = definitions.iter().find(|d| fold(&d.name) == fold(&attribute.name)) else {
            errors.push(FieldError::new(
                format!("{field}.name"),
                "unknown_attribute",
                format!("{} is not a defined attribute", attribute.name),
            ));
            continue;
        };
        let value = attribute.value.as_str();
        let fits = match &definition.value_type {
            AttributeType::String => true,
            AttributeType::Number => value.parse::<f64>().is_ok_and(f64::is_finite),
            AttributeType::Boolean => matches!(value, "true" | "false"),
            AttributeType::Date => is_date(value),
            AttributeType::Enum(values) => values.iter().any(|v| v == value),
        };
        if !fits {
            let expected = match &definition.value_type {
                AttributeType::String => "a string".to_owned(),
                AttributeType::Number => "a number".to_owned(),
                AttributeType::Boolean => "true or false".to_owned(),
                AttributeType::Date => "a date written YYYY-MM-DD".to_owned(),
                AttributeType::Enum(values) => format!("one of {}", values.join(", ")),
            };
            errors.push(FieldError::new(
                format!("{field}.value"),
                "type",
                format!("{} must be {expected}", definition.name),
            ));
        }
    }
    for definition in definitions.iter().filter(|d| d.required) {
        let applies = match definition.scope {
            Scope::AllUsers => true,
            Scope::Account(account) => accounts.contains(&account),
        };
        if applies && !attributes.iter().any(|a| fold(&a.name) == fold(&definition.name)) {
            errors.push(FieldError::new(
                "attributes",
                "required_attribute",
                format!("{} is required", definition.name),
            ));
        }
    }
    errors.finish(())
}

/// What a caller gives to define an attribute.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewDefinition {
    pub name: Option<String>,
    pub value_type: Option<AttributeType>,
    pub required: bool,
    pub scope: Option<Scope>,
}

/// Define an attribute.
pub fn create(env: &Env, ctx: &RequestContext, input: NewDefinition) -> Result<Definition, Error> {
    let mut errors = FieldErrors::new();
    let name = match &input.name {
        Some(raw) => errors.check(rules::short_name("name", raw)),
        None => {
            errors.push(FieldError::new("name", "required", "is required"));
            None
        }
    };
    if let Some(AttributeType::Enum(values)) = &input.value_type
        && values.is_empty()
    {
        errors.push(FieldError::new("values", "required", "an enum attribute needs at least one value"));
    }
    if input.value_type.is_none() {
        errors.push(FieldError::new("type", "required", "must be string, number, boolean, date or enum"));
    }
    errors.finish(())?;
    let definition = Definition {
        name: name.unwrap_or_default(),
        value_type: input.value_type.unwrap_or(AttributeType::String),
        required: input.required,
        scope: input.scope.unwrap_or(Scope::AllUsers),
        created_at: env.now().to_rfc3339(),
    };
    env.write(|txn| {
        let caller = auth::caller_in(txn, env, ctx)?;
        let target = match definition.scope {
            Scope::AllUsers => Target::Any,
            Scope::Account(account) => Target::Account(account),
        };
        authorize(&caller, Permission::AttributesManage, target)?;
        if let Scope::Account(account) = definition.scope {
            crate::accounts::read(txn, account)?
                .ok_or_else(|| Error::invalid("scope", "unknown_account", "names no account"))?;
        }
        if txn.get(&key(&definition.name))?.is_some() {
            return Err(Error::Duplicate(vec![FieldError::new(
                "name",
                "taken",
                format!("{} is already defined", definition.name),
            )]));
        }
        txn.put(&key(&definition.name), &serde_json::to_vec(&definition).expect("definitions serialize"))?;
        Ok(definition.clone())
    })
}

/// Every definition.
pub fn list(env: &Env, ctx: &RequestContext) -> Result<Vec<Definition>, Error> {
    env.read(|txn| {
        let caller = auth::caller_in(txn, env, ctx)?;
        authorize(&caller, Permission::AttributesRead, Target::Any)?;
        all(txn)
    })
}

/// Remove a definition; users keep the values they have, which then no longer validate
/// until removed or the attribute is defined again.
pub fn delete(env: &Env, ctx: &RequestContext, name: &str) -> Result<(), Error> {
    env.write(|txn| {
        let caller = auth::caller_in(txn, env, ctx)?;
        let definition = txn.get(&key(name))?.map(|b| decode(&b)).transpose()?;
        let target = match definition.as_ref().map(|d| d.scope) {
            Some(Scope::Account(account)) => Target::Account(account),
            _ => Target::Any,
        };
        authorize(&caller, Permission::AttributesManage, target)?;
        definition.ok_or(Error::NotFound)?;
        txn.delete(&key(name))?;
        Ok(())
    })
}

/// Store an exported definition as it is, checked by the same rules as a new one. Nothing
/// is written when it is refused.
pub fn import_in(txn: &dyn Txn, definition: Definition) -> Result<crate::transfer::Applied, Error> {
    let mut errors = FieldErrors::new();
    let name = errors.check(rules::short_name("name", &definition.name));
    if let AttributeType::Enum(values) = &definition.value_type
        && values.is_empty()
    {
        errors.push(FieldError::new("values", "required", "an enum attribute needs at least one value"));
    }
    if let Scope::Account(account) = definition.scope
        && crate::accounts::read(txn, account)?.is_none()
    {
        errors.push(FieldError::new("scope", "unknown_account", "names no account"));
    }
    let definition = errors.finish(Definition { name: name.unwrap_or_default(), ..definition })?;
    let old = txn.get(&key(&definition.name))?.map(|b| decode(&b)).transpose()?;
    if old.as_ref() == Some(&definition) {
        return Ok(crate::transfer::Applied::Unchanged);
    }
    txn.put(&key(&definition.name), &serde_json::to_vec(&definition).expect("definitions serialize"))?;
    Ok(crate::transfer::Applied::written(old.is_some()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn definition(name: &str, value_type: AttributeType, required: bool, scope: Scope) -> Definition {
        Definition { name: name.into(), value_type, required, scope, created_at: String::new() }
    }

    fn attribute(name: &str, value: &str) -> Attribute {
        Attribute { name: name.into(), value: value.into() }
    }

    fn codes(result: Result<(), Error>) -> Vec<(String, &'static str)> {
        match result {
            Err(Error::Invalid(fields)) => fields.into_iter().map(|f| (f.field, f.code)).collect(),
            other => panic!("expected invalid, got {other:?}"),
        }
    }

    #[test]
    fn values_are_checked_by_type() {
        let defs = [
            definition("age", AttributeType::Number, false, Scope::AllUsers),
            definition("vip", AttributeType::Boolean, false, Scope::AllUsers),
            definition("since", AttributeType::Date, false, Scope::AllUsers),
            definition("region", AttributeType::Enum(vec!["EMEA".into(), "APAC".into()]), false, Scope::AllUsers),
        ];
        let good = [
            attribute("age", "42.5"),
            attribute("VIP", "true"),
            attribute("since", "2024-02-29"),
            attribute("region", "EMEA"),
        ];
        assert_eq!(check_against(&defs, &good, &[]), Ok(()));
        let bad = [
            attribute("age", "old"),
            attribute("vip", "yes"),
            attribute("since", "2025-02-30"),
            attribute("region", "MARS"),
        ];
        let found = codes(check_against(&defs, &bad, &[]));
        assert_eq!(found.len(), 4);
        assert!(found.iter().all(|(field, code)| field.ends_with(".value") && *code == "type"));
    }

    #[test]
    fn an_undefined_attribute_is_named() {
        assert_eq!(
            codes(check_against(&[], &[attribute("colour", "red")], &[])),
            [("attributes[0].name".to_owned(), "unknown_attribute")]
        );
    }

    #[test]
    fn required_attributes_apply_to_everyone_or_to_members_of_their_account() {
        let account = AccountId::from_slice(&[7; 16]).unwrap();
        let defs = [
            definition("region", AttributeType::String, true, Scope::AllUsers),
            definition("badge", AttributeType::String, true, Scope::Account(account)),
        ];
        assert_eq!(codes(check_against(&defs, &[], &[])), [("attributes".to_owned(), "required_attribute")]);
        assert_eq!(check_against(&defs, &[attribute("region", "x")], &[]), Ok(()));
        assert_eq!(
            codes(check_against(&defs, &[attribute("region", "x")], &[account])),
            [("attributes".to_owned(), "required_attribute")]
        );
    }
}
