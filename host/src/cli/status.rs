//! The `--status` value of users and accounts on the command line: active or inactive.

use clap::ValueEnum;

use crate::accounts::AccountStatus;
use crate::users::UserStatus;

/// A user's or an account's status on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Status {
    Active,
    Inactive,
}

impl From<Status> for UserStatus {
    fn from(status: Status) -> Self {
        match status {
            Status::Active => UserStatus::Active,
            Status::Inactive => UserStatus::Inactive,
        }
    }
}

impl From<Status> for AccountStatus {
    fn from(status: Status) -> Self {
        match status {
            Status::Active => AccountStatus::Active,
            Status::Inactive => AccountStatus::Inactive,
        }
    }
}
