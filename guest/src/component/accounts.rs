//! `roster:iam/accounts` (exported): the typed account interface, mapped onto [`crate::accounts`].

use super::exports::roster::iam::accounts as wit;
use super::exports::roster::iam::users as wit_users;
use super::roster::iam::types;
use super::users::{context, error};
use super::{Component, with_env};
use crate::accounts::{self, AccountQuery};
use crate::model::account::{Account, AccountPatch, AccountStatus, AccountType, NewAccount};
use crate::model::user::{Attribute, Change};
use crate::store::paging::Start;
use crate::users::query::TextMatch;

impl wit::Guest for Component {
    fn create(ctx: types::RequestContext, account: wit::NewAccount) -> Result<wit::Account, types::Error> {
        let input = NewAccount {
            name: Some(account.name),
            display_name: account.display_name,
            account_type: account.account_type.map(type_from_wit),
            status: account.status.map(status_from_wit),
            attributes: attributes_from_wit(account.attributes),
        };
        with_env(|env| accounts::create(env, &context(ctx), input)).map(to_wit).map_err(error)
    }

    fn get(ctx: types::RequestContext, id_or_name: String) -> Result<wit::Account, types::Error> {
        with_env(|env| accounts::get(env, &context(ctx), &id_or_name)).map(to_wit).map_err(error)
    }

    fn list(ctx: types::RequestContext, q: wit::AccountQuery) -> Result<wit::AccountPage, types::Error> {
        let query = AccountQuery {
            name: q.name.map(|m| match m {
                wit_users::TextMatch::Exact(t) => TextMatch::Exact(t),
                wit_users::TextMatch::Prefix(t) => TextMatch::Prefix(t),
            }),
            account_type: q.account_type.map(type_from_wit),
            status: q.status.map(status_from_wit),
            by_name: q.by_name,
            descending: matches!(q.order, wit_users::SortOrder::Desc),
            limit: q.limit,
            start: match q.cursor {
                Some(cursor) => Start::Cursor(cursor),
                None => Start::Page(q.page.unwrap_or(1)),
            },
        };
        let page = with_env(|env| accounts::list(env, &context(ctx), &query)).map_err(error)?;
        Ok(wit::AccountPage { items: page.items.into_iter().map(to_wit).collect(), next_cursor: page.next_cursor })
    }

    fn update(
        ctx: types::RequestContext,
        id_or_name: String,
        patch: wit::AccountPatch,
    ) -> Result<wit::Account, types::Error> {
        let patch = AccountPatch {
            expected_version: patch.expected_version,
            name: patch.name,
            display_name: patch.display_name.map(|change| match change {
                Some(text) => Change::Set(text),
                None => Change::Clear,
            }),
            account_type: patch.account_type.map(type_from_wit),
            status: patch.status.map(status_from_wit),
            attributes: patch.attributes.map(attributes_from_wit),
        };
        with_env(|env| accounts::update(env, &context(ctx), &id_or_name, patch)).map(to_wit).map_err(error)
    }

    fn delete(
        ctx: types::RequestContext,
        id_or_name: String,
        expected_version: Option<u64>,
        force: bool,
    ) -> Result<(), types::Error> {
        with_env(|env| accounts::delete(env, &context(ctx), &id_or_name, expected_version, force)).map_err(error)
    }
}

fn attributes_from_wit(list: Vec<wit::Attribute>) -> Vec<Attribute> {
    list.into_iter().map(|a| Attribute { name: a.name, value: a.value }).collect()
}

fn type_from_wit(t: wit::AccountType) -> AccountType {
    match t {
        wit::AccountType::Home => AccountType::Home,
        wit::AccountType::Publisher => AccountType::Publisher,
        wit::AccountType::Customer => AccountType::Customer,
        wit::AccountType::SelfRegistered => AccountType::SelfRegistered,
        wit::AccountType::ChannelPartner => AccountType::ChannelPartner,
        wit::AccountType::Unknown => AccountType::Unknown,
    }
}

fn status_from_wit(status: wit::AccountStatus) -> AccountStatus {
    match status {
        wit::AccountStatus::Active => AccountStatus::Active,
        wit::AccountStatus::Inactive => AccountStatus::Inactive,
    }
}

fn to_wit(account: Account) -> wit::Account {
    wit::Account {
        id: account.id.to_string(),
        name: account.name,
        display_name: account.display_name,
        account_type: match account.account_type {
            AccountType::Home => wit::AccountType::Home,
            AccountType::Publisher => wit::AccountType::Publisher,
            AccountType::Customer => wit::AccountType::Customer,
            AccountType::SelfRegistered => wit::AccountType::SelfRegistered,
            AccountType::ChannelPartner => wit::AccountType::ChannelPartner,
            AccountType::Unknown => wit::AccountType::Unknown,
        },
        status: match account.status {
            AccountStatus::Active => wit::AccountStatus::Active,
            AccountStatus::Inactive => wit::AccountStatus::Inactive,
        },
        attributes: account.attributes.into_iter().map(|a| wit::Attribute { name: a.name, value: a.value }).collect(),
        created_at: account.created_at,
        updated_at: account.updated_at,
        version: account.version,
    }
}
