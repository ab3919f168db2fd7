//! `roster account …`: accounts in the data directory, through `roster:iam/accounts` as the
//! operator.

use clap::{Subcommand, ValueEnum};
use serde_json::{Value, json};

use super::operator::{self, Target, answer, with_runtime};
use super::output::{self, cell};
use super::status::Status;
use crate::accounts::{Account, AccountPatch, AccountQuery, AccountStatus, AccountType, NewAccount};
use crate::users::SortOrder;

const EXAMPLES: &str = "\
Examples (with the server stopped):
  roster account list
  roster account create 123456 --display-name 'Acme Corp' --type customer
  roster account change 123456 --status inactive
  roster account show 123456 --json
  roster account delete 123456 --force";

/// `roster account …`.
#[derive(Debug, Subcommand)]
#[command(after_help = EXAMPLES)]
pub enum AccountCommand {
    /// List accounts by name.
    #[command(after_help = "Example:\n  roster account list --limit 100 --json")]
    List {
        #[command(flatten)]
        target: Target,
        /// Accounts per page, 1 to 1000.
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// Start after this cursor (the `nextCursor` of the previous page, in --json output).
        #[arg(long)]
        cursor: Option<String>,
    },
    /// Show one account, by id or name.
    #[command(after_help = "Example:\n  roster account show 123456")]
    Show {
        #[command(flatten)]
        target: Target,
        /// The account's id or name.
        account: String,
    },
    /// Create an account, with the same rules as POST /api/v1/accounts.
    #[command(after_help = "Example:\n  roster account create 123456 --display-name 'Acme Corp' --type customer")]
    Create {
        #[command(flatten)]
        target: Target,
        /// The unique short name.
        name: String,
        #[arg(long)]
        display_name: Option<String>,
        #[arg(long = "type", value_enum)]
        account_type: Option<Type>,
        #[arg(long, value_enum)]
        status: Option<Status>,
    },
    /// Change an account's fields; the others stay as they are.
    #[command(after_help = "Example:\n  roster account change 123456 --display-name 'Acme Inc' --status inactive")]
    Change {
        #[command(flatten)]
        target: Target,
        /// The account's id or name.
        account: String,
        /// A new short name.
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        display_name: Option<String>,
        #[arg(long = "type", value_enum)]
        account_type: Option<Type>,
        #[arg(long, value_enum)]
        status: Option<Status>,
        /// Change only if the account is still at this version.
        #[arg(long)]
        expected_version: Option<u64>,
    },
    /// Delete an account; one with members only with --force, which removes them too.
    #[command(after_help = "Example:\n  roster account delete 123456 --force")]
    Delete {
        #[command(flatten)]
        target: Target,
        /// The account's id or name.
        account: String,
        /// Also remove its memberships and pending invitations.
        #[arg(long)]
        force: bool,
        /// Delete only if the account is still at this version.
        #[arg(long)]
        expected_version: Option<u64>,
    },
}

/// An account type on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Type {
    Home,
    Publisher,
    Customer,
    SelfRegistered,
    ChannelPartner,
    Unknown,
}

impl From<Type> for AccountType {
    fn from(t: Type) -> Self {
        match t {
            Type::Home => AccountType::Home,
            Type::Publisher => AccountType::Publisher,
            Type::Customer => AccountType::Customer,
            Type::SelfRegistered => AccountType::SelfRegistered,
            Type::ChannelPartner => AccountType::ChannelPartner,
            Type::Unknown => AccountType::Unknown,
        }
    }
}

impl AccountCommand {
    /// Run the command.
    pub fn run(self) -> anyhow::Result<()> {
        let ctx = operator::context();
        match self {
            AccountCommand::List { target, limit, cursor } => with_runtime(&target.data_dir, async |runtime| {
                let query = AccountQuery {
                    name: None,
                    account_type: None,
                    status: None,
                    by_name: true,
                    order: SortOrder::Asc,
                    limit,
                    page: None,
                    cursor,
                };
                let page = answer(runtime.accounts().list(&ctx, &query).await)?;
                let items: Vec<Value> = page.items.iter().map(to_json).collect();
                let rows = items
                    .iter()
                    .map(|a| ["id", "name", "displayName", "type", "status"].iter().map(|f| cell(&a[*f])).collect())
                    .collect::<Vec<_>>();
                let value = json!({ "items": items, "nextCursor": page.next_cursor });
                output::print(target.json, &value, &["ID", "NAME", "DISPLAY NAME", "TYPE", "STATUS"], &rows)
            }),
            AccountCommand::Show { target, account } => with_runtime(&target.data_dir, async |runtime| {
                let account = answer(runtime.accounts().get(&ctx, &account).await)?;
                output::print_record(target.json, &to_json(&account))
            }),
            AccountCommand::Create { target, name, display_name, account_type, status } => {
                with_runtime(&target.data_dir, async |runtime| {
                    let input = NewAccount {
                        name,
                        display_name,
                        account_type: account_type.map(Into::into),
                        status: status.map(Into::into),
                        attributes: Vec::new(),
                    };
                    let account = answer(runtime.accounts().create(&ctx, &input).await)?;
                    output::print_record(target.json, &to_json(&account))
                })
            }
            AccountCommand::Change { target, account, name, display_name, account_type, status, expected_version } => {
                with_runtime(&target.data_dir, async |runtime| {
                    let patch = AccountPatch {
                        expected_version,
                        name,
                        display_name: display_name.map(Some),
                        account_type: account_type.map(Into::into),
                        status: status.map(Into::into),
                        attributes: None,
                    };
                    let account = answer(runtime.accounts().update(&ctx, &account, &patch).await)?;
                    output::print_record(target.json, &to_json(&account))
                })
            }
            AccountCommand::Delete { target, account, force, expected_version } => {
                with_runtime(&target.data_dir, async |runtime| {
                    let id = answer(runtime.accounts().get(&ctx, &account).await)?.id;
                    answer(runtime.accounts().delete(&ctx, &id, expected_version, force).await)?;
                    output::print(target.json, &json!({ "deleted": id }), &["DELETED"], &[vec![id.clone()]])
                })
            }
        }
    }
}

/// An account as the native API shows it (camelCase).
pub fn to_json(account: &Account) -> Value {
    let account_type = match account.account_type {
        AccountType::Home => "HOME",
        AccountType::Publisher => "PUBLISHER",
        AccountType::Customer => "CUSTOMER",
        AccountType::SelfRegistered => "SELF_REGISTERED",
        AccountType::ChannelPartner => "CHANNEL_PARTNER",
        AccountType::Unknown => "UNKNOWN",
    };
    json!({
        "id": account.id,
        "name": account.name,
        "displayName": account.display_name,
        "type": account_type,
        "status": match account.status { AccountStatus::Active => "active", AccountStatus::Inactive => "inactive" },
        "attributes": account.attributes.iter().map(|a| json!({ "name": a.name, "value": a.value })).collect::<Vec<_>>(),
        "createdAt": account.created_at,
        "updatedAt": account.updated_at,
        "version": account.version,
    })
}
