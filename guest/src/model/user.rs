//! The user record, and the inputs that create and change one.

use serde::{Deserialize, Serialize};

uuid_id!(
    /// A user's identifier.
    UserId
);

/// Whether a user is in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UserStatus {
    /// In use.
    Active,
    /// Kept, but not in use.
    Inactive,
}

impl UserStatus {
    /// Every status.
    pub const ALL: [UserStatus; 2] = [UserStatus::Active, UserStatus::Inactive];

    /// The wire name: `active` or `inactive`.
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Active => "active",
            UserStatus::Inactive => "inactive",
        }
    }

    /// Parse the wire name, case-insensitively.
    pub fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_lowercase().as_str() {
            "active" => Some(UserStatus::Active),
            "inactive" => Some(UserStatus::Inactive),
            _ => None,
        }
    }
}

/// A named custom value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attribute {
    /// The attribute's name.
    pub name: String,
    /// Its value.
    pub value: String,
}

/// A user as stored, and as every surface returns it. It never holds a secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: UserId,
    pub user_name: String,
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub display_name: Option<String>,
    pub phone: Option<String>,
    pub fax: Option<String>,
    pub street: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub zipcode: Option<String>,
    pub country: Option<String>,
    pub locale: Option<String>,
    pub timezone: Option<String>,
    pub status: UserStatus,
    pub can_login: bool,
    pub shared: bool,
    pub opt_in: bool,
    pub attributes: Vec<Attribute>,
    pub preferences: Option<serde_json::Map<String, serde_json::Value>>,
    /// The ids of the roles the user holds everywhere.
    #[serde(default)]
    pub roles: Vec<String>,
    /// Permission names the user holds everywhere directly, beside those of their roles
    /// (seed 001's `permissions`); sorted.
    #[serde(default)]
    pub permissions: Vec<String>,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// RFC 3339, UTC.
    pub updated_at: String,
    /// 1 on creation, one more with each change.
    pub version: u64,
}

/// The optional text fields of a user, each with its camelCase name: the one list that
/// creation, update, validation and every surface's mapping walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextField {
    FirstName,
    LastName,
    DisplayName,
    Phone,
    Fax,
    Street,
    City,
    State,
    Zipcode,
    Country,
    Locale,
    Timezone,
}

impl TextField {
    /// Every optional text field.
    pub const ALL: [TextField; 12] = [
        TextField::FirstName,
        TextField::LastName,
        TextField::DisplayName,
        TextField::Phone,
        TextField::Fax,
        TextField::Street,
        TextField::City,
        TextField::State,
        TextField::Zipcode,
        TextField::Country,
        TextField::Locale,
        TextField::Timezone,
    ];

    /// The field's name on the wire.
    pub fn name(self) -> &'static str {
        match self {
            TextField::FirstName => "firstName",
            TextField::LastName => "lastName",
            TextField::DisplayName => "displayName",
            TextField::Phone => "phone",
            TextField::Fax => "fax",
            TextField::Street => "street",
            TextField::City => "city",
            TextField::State => "state",
            TextField::Zipcode => "zipcode",
            TextField::Country => "country",
            TextField::Locale => "locale",
            TextField::Timezone => "timezone",
        }
    }

    /// The field's value in a user.
    pub fn value(self, user: &User) -> Option<&str> {
        match self {
            TextField::FirstName => user.first_name.as_deref(),
            TextField::LastName => user.last_name.as_deref(),
            TextField::DisplayName => user.display_name.as_deref(),
            TextField::Phone => user.phone.as_deref(),
            TextField::Fax => user.fax.as_deref(),
            TextField::Street => user.street.as_deref(),
            TextField::City => user.city.as_deref(),
            TextField::State => user.state.as_deref(),
            TextField::Zipcode => user.zipcode.as_deref(),
            TextField::Country => user.country.as_deref(),
            TextField::Locale => user.locale.as_deref(),
            TextField::Timezone => user.timezone.as_deref(),
        }
    }

    /// The field's slot in a user.
    pub fn slot(self, user: &mut User) -> &mut Option<String> {
        match self {
            TextField::FirstName => &mut user.first_name,
            TextField::LastName => &mut user.last_name,
            TextField::DisplayName => &mut user.display_name,
            TextField::Phone => &mut user.phone,
            TextField::Fax => &mut user.fax,
            TextField::Street => &mut user.street,
            TextField::City => &mut user.city,
            TextField::State => &mut user.state,
            TextField::Zipcode => &mut user.zipcode,
            TextField::Country => &mut user.country,
            TextField::Locale => &mut user.locale,
            TextField::Timezone => &mut user.timezone,
        }
    }
}

/// A change to one field of an update: leave it, clear it, or set it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Change<T> {
    /// Leave the field as it is.
    #[default]
    Keep,
    /// Clear an optional field.
    Clear,
    /// Set the field.
    Set(T),
}

/// What a caller gives to create a user; unvalidated.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NewUser {
    pub user_name: Option<String>,
    pub email: Option<String>,
    /// Hashed before it is stored; never stored or returned in the clear.
    pub password: Option<String>,
    /// The password must be changed at the first login (seed 001's `temporaryPassword`).
    pub temporary_password: bool,
    /// The optional text fields that were given, in any order.
    pub text: Vec<(TextField, String)>,
    pub status: Option<UserStatus>,
    pub can_login: Option<bool>,
    pub shared: Option<bool>,
    pub opt_in: Option<bool>,
    pub attributes: Vec<Attribute>,
    pub preferences: Option<serde_json::Value>,
}

/// A partial update of a user; unvalidated.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UserPatch {
    /// Apply only if the stored version is this one.
    pub expected_version: Option<u64>,
    pub user_name: Option<String>,
    pub email: Option<String>,
    /// Changes to optional text fields; a field not listed is kept.
    pub text: Vec<(TextField, Change<String>)>,
    pub status: Option<UserStatus>,
    pub can_login: Option<bool>,
    pub shared: Option<bool>,
    pub opt_in: Option<bool>,
    pub attributes: Option<Vec<Attribute>>,
    pub preferences: Change<serde_json::Value>,
}
