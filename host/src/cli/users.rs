//! `roster user …`: users in the data directory, through `roster:iam/users` as the operator.

use std::io::Read;

use anyhow::Context;
use clap::{Args, Subcommand};
use serde_json::{Value, json};

use super::operator::{self, Target, answer, with_runtime};
use super::output::{self, cell};
use super::status::Status;
use crate::runtime::Runtime;
use crate::users::{Error, NewUser, SortField, SortOrder, User, UserPatch, UserQuery, UserStatus};

const EXAMPLES: &str = "\
Examples (with the server stopped):
  roster user list --data-dir /var/lib/roster
  roster user show jane --json
  roster user create --user-name jane --email jane@example.com --first-name Jane
  printf '%s' 'a long passphrase' | roster user create --user-name jo --email jo@example.com --password-stdin
  roster user change jane --status inactive
  roster user delete jane";

/// `roster user …`.
#[derive(Debug, Subcommand)]
#[command(after_help = EXAMPLES)]
pub enum UserCommand {
    /// List users, oldest first.
    #[command(after_help = "Example:\n  roster user list --limit 100 --json")]
    List {
        #[command(flatten)]
        target: Target,
        /// Users per page, 1 to 1000.
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// Start after this cursor (the `nextCursor` of the previous page, in --json output).
        #[arg(long)]
        cursor: Option<String>,
    },
    /// Show one user, by id or user name.
    #[command(after_help = "Example:\n  roster user show jane")]
    Show {
        #[command(flatten)]
        target: Target,
        /// The user's id or user name.
        user: String,
    },
    /// Create a user, with the same rules as POST /api/v1/users.
    #[command(
        after_help = "Example:\n  roster user create --user-name jane --email jane@example.com --display-name 'Jane Doe'"
    )]
    Create {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        fields: UserFields,
        /// Read the password from stdin (never from a flag: flags show in the process list).
        #[arg(long)]
        password_stdin: bool,
    },
    /// Change a user's fields; the others stay as they are.
    #[command(after_help = "Example:\n  roster user change jane --email jane.doe@example.com --status inactive")]
    Change {
        #[command(flatten)]
        target: Target,
        /// The user's id or user name.
        user: String,
        #[command(flatten)]
        fields: UserFields,
        /// Change only if the user is still at this version.
        #[arg(long)]
        expected_version: Option<u64>,
    },
    /// Delete a user and everything that belongs to it only.
    #[command(after_help = "Example:\n  roster user delete jane")]
    Delete {
        #[command(flatten)]
        target: Target,
        /// The user's id or user name.
        user: String,
        /// Delete only if the user is still at this version.
        #[arg(long)]
        expected_version: Option<u64>,
    },
}

/// The fields `create` and `change` set.
#[derive(Debug, Clone, Args)]
pub struct UserFields {
    /// The unique user name (defaults to the email address on creation).
    #[arg(long)]
    user_name: Option<String>,
    /// The unique email address (required on creation).
    #[arg(long)]
    email: Option<String>,
    #[arg(long)]
    first_name: Option<String>,
    #[arg(long)]
    last_name: Option<String>,
    #[arg(long)]
    display_name: Option<String>,
    /// active or inactive.
    #[arg(long, value_enum)]
    status: Option<Status>,
}

impl UserCommand {
    /// Run the command.
    pub fn run(self) -> anyhow::Result<()> {
        let ctx = operator::context();
        match self {
            UserCommand::List { target, limit, cursor } => with_runtime(&target.data_dir, async |runtime| {
                let query = UserQuery {
                    user_name: None,
                    email: None,
                    display_name: None,
                    status: None,
                    sort: SortField::CreatedAt,
                    order: SortOrder::Asc,
                    limit,
                    page: None,
                    cursor,
                };
                let page = answer(runtime.users().list(&ctx, &query).await)?;
                let items: Vec<Value> = page.items.iter().map(to_json).collect();
                let rows: Vec<Vec<String>> =
                    items.iter().map(|u| row(u, &["id", "userName", "email", "status", "createdAt"])).collect();
                let value = json!({ "items": items, "nextCursor": page.next_cursor });
                output::print(target.json, &value, &["ID", "USER NAME", "EMAIL", "STATUS", "CREATED"], &rows)
            }),
            UserCommand::Show { target, user } => with_runtime(&target.data_dir, async |runtime| {
                let user = find(runtime, &ctx, &user).await?;
                output::print_record(target.json, &to_json(&user))
            }),
            UserCommand::Create { target, fields, password_stdin } => {
                let password = password_stdin.then(read_password).transpose()?;
                with_runtime(&target.data_dir, async |runtime| {
                    let input = NewUser {
                        password,
                        first_name: fields.first_name,
                        last_name: fields.last_name,
                        display_name: fields.display_name,
                        status: fields.status.map(Into::into),
                        ..NewUser::named(
                            fields.user_name.or_else(|| fields.email.clone()).unwrap_or_default(),
                            fields.email.unwrap_or_default(),
                        )
                    };
                    let user = answer(runtime.users().create(&ctx, &input).await)?;
                    output::print_record(target.json, &to_json(&user))
                })
            }
            UserCommand::Change { target, user, fields, expected_version } => {
                with_runtime(&target.data_dir, async |runtime| {
                    let id = find(runtime, &ctx, &user).await?.id;
                    let patch = UserPatch {
                        expected_version,
                        user_name: fields.user_name,
                        email: fields.email,
                        first_name: fields.first_name.map(Some),
                        last_name: fields.last_name.map(Some),
                        display_name: fields.display_name.map(Some),
                        status: fields.status.map(Into::into),
                        ..UserPatch::default()
                    };
                    let user = answer(runtime.users().update(&ctx, &id, &patch).await)?;
                    output::print_record(target.json, &to_json(&user))
                })
            }
            UserCommand::Delete { target, user, expected_version } => with_runtime(&target.data_dir, async |runtime| {
                let id = find(runtime, &ctx, &user).await?.id;
                answer(runtime.users().delete(&ctx, &id, expected_version).await)?;
                output::print(target.json, &json!({ "deleted": id }), &["DELETED"], &[vec![id.clone()]])
            }),
        }
    }
}

/// The user with this id, else with this user name.
async fn find(runtime: &Runtime, ctx: &crate::users::RequestContext, user: &str) -> anyhow::Result<User> {
    if uuid::Uuid::parse_str(user).is_ok() {
        match runtime.users().get(ctx, user).await.context("the component failed")? {
            Err(Error::NotFound) => {}
            other => return answer(Ok(other)),
        }
    }
    answer(runtime.users().get_by_user_name(ctx, user).await).with_context(|| format!("user {user}"))
}

fn read_password() -> anyhow::Result<String> {
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text).context("cannot read the password from stdin")?;
    Ok(text.strip_suffix('\n').unwrap_or(&text).to_owned())
}

fn row(value: &Value, fields: &[&str]) -> Vec<String> {
    fields.iter().map(|f| cell(&value[*f])).collect()
}

/// A user as the native API shows it (camelCase), for `--json` and the record view.
pub fn to_json(user: &User) -> Value {
    json!({
        "id": user.id,
        "userName": user.user_name,
        "email": user.email,
        "firstName": user.first_name,
        "lastName": user.last_name,
        "displayName": user.display_name,
        "phone": user.phone,
        "fax": user.fax,
        "street": user.street,
        "city": user.city,
        "state": user.state,
        "zipcode": user.zipcode,
        "country": user.country,
        "locale": user.locale,
        "timezone": user.timezone,
        "status": match user.status { UserStatus::Active => "active", UserStatus::Inactive => "inactive" },
        "canLogin": user.can_login,
        "shared": user.shared,
        "optIn": user.opt_in,
        "attributes": user.attributes.iter().map(|a| json!({ "name": a.name, "value": a.value })).collect::<Vec<_>>(),
        "preferences": user.preferences.as_deref().and_then(|p| serde_json::from_str::<Value>(p).ok()),
        "createdAt": user.created_at,
        "updatedAt": user.updated_at,
        "version": user.version,
    })
}
