//! The account: Roster's one concept of an organization a user belongs to (seed 000's
//! accounts, seed 001's tenants, seed 002's account, seed 003's customers).

use serde::{Deserialize, Serialize};

use super::user::Attribute;

uuid_id!(
    /// An account's identifier.
    AccountId
);

/// What kind of organization an account is (seed 000).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AccountType {
    Home,
    Publisher,
    Customer,
    SelfRegistered,
    ChannelPartner,
    Unknown,
}

impl AccountType {
    /// Every type, as seed 000 lists them.
    pub const ALL: [AccountType; 6] = [
        AccountType::Home,
        AccountType::Publisher,
        AccountType::Customer,
        AccountType::SelfRegistered,
        AccountType::ChannelPartner,
        AccountType::Unknown,
    ];

    /// The wire name (`HOME`, `SELF_REGISTERED`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            AccountType::Home => "HOME",
            AccountType::Publisher => "PUBLISHER",
            AccountType::Customer => "CUSTOMER",
            AccountType::SelfRegistered => "SELF_REGISTERED",
            AccountType::ChannelPartner => "CHANNEL_PARTNER",
            AccountType::Unknown => "UNKNOWN",
        }
    }

    /// Parse the wire name, case-insensitively.
    pub fn parse(text: &str) -> Option<Self> {
        AccountType::ALL.into_iter().find(|t| t.as_str().eq_ignore_ascii_case(text))
    }
}

/// Whether an account is in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AccountStatus {
    Active,
    Inactive,
}

impl AccountStatus {
    /// Parse `active` or `inactive`, case-insensitively.
    pub fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_lowercase().as_str() {
            "active" => Some(AccountStatus::Active),
            "inactive" => Some(AccountStatus::Inactive),
            _ => None,
        }
    }
}

/// An account as stored and returned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    pub id: AccountId,
    /// The unique short name (seed 000's `accountName`, e.g. "123456").
    pub name: String,
    pub display_name: Option<String>,
    #[serde(rename = "type")]
    pub account_type: AccountType,
    pub status: AccountStatus,
    pub attributes: Vec<Attribute>,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
    pub version: u64,
}

/// What a caller gives to create an account; unvalidated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewAccount {
    pub name: Option<String>,
    pub display_name: Option<String>,
    pub account_type: Option<AccountType>,
    pub status: Option<AccountStatus>,
    pub attributes: Vec<Attribute>,
}

/// A change to an account; unvalidated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountPatch {
    pub expected_version: Option<u64>,
    pub name: Option<String>,
    pub display_name: Option<super::user::Change<String>>,
    pub account_type: Option<AccountType>,
    pub status: Option<AccountStatus>,
    pub attributes: Option<Vec<Attribute>>,
}
