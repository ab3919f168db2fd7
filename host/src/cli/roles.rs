//! `roster role …`: roles in the data directory, through `roster:iam/roles` as the operator.

use anyhow::Context;
use clap::Subcommand;
use serde_json::{Value, json};

use super::operator::{self, Target, answer, with_runtime};
use super::output::{self, cell};
use crate::roles::{Error, NewRole, RequestContext, Role, RolePatch};
use crate::runtime::Runtime;

const EXAMPLES: &str = "\
Examples (with the server stopped):
  roster role list
  roster role create auditor --description 'Reads the audit log' --permission audit:read
  roster role change auditor --add-permission users:read --remove-permission audit:read
  roster role show auditor --json
  roster role delete auditor";

/// `roster role …`.
#[derive(Debug, Subcommand)]
#[command(after_help = EXAMPLES)]
pub enum RoleCommand {
    /// List every role, by name.
    #[command(after_help = "Example:\n  roster role list --json")]
    List {
        #[command(flatten)]
        target: Target,
    },
    /// Show one role, by id or name.
    #[command(after_help = "Example:\n  roster role show administrator")]
    Show {
        #[command(flatten)]
        target: Target,
        /// The role's id or name.
        role: String,
    },
    /// Create a role, with the same rules as POST /api/v1/roles.
    #[command(after_help = "Example:\n  roster role create support --permission users:read --permission users:list")]
    Create {
        #[command(flatten)]
        target: Target,
        /// The unique name.
        name: String,
        #[arg(long)]
        description: Option<String>,
        /// A permission the role grants (`users:read`, …); repeat for more.
        #[arg(long = "permission", value_name = "PERMISSION")]
        permissions: Vec<String>,
    },
    /// Change a role's name, description or permissions.
    #[command(after_help = "Example:\n  roster role change support --add-permission users:unlock")]
    Change {
        #[command(flatten)]
        target: Target,
        /// The role's id or name.
        role: String,
        /// A new name.
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        description: Option<String>,
        /// Grant this permission too; repeat for more.
        #[arg(long = "add-permission", value_name = "PERMISSION")]
        add: Vec<String>,
        /// Stop granting this permission; repeat for more.
        #[arg(long = "remove-permission", value_name = "PERMISSION")]
        remove: Vec<String>,
        /// Change only if the role is still at this version.
        #[arg(long)]
        expected_version: Option<u64>,
    },
    /// Delete a role and take it from every user who holds it.
    #[command(after_help = "Example:\n  roster role delete support")]
    Delete {
        #[command(flatten)]
        target: Target,
        /// The role's id or name.
        role: String,
        /// Delete only if the role is still at this version.
        #[arg(long)]
        expected_version: Option<u64>,
    },
}

impl RoleCommand {
    /// Run the command.
    pub fn run(self) -> anyhow::Result<()> {
        let ctx = operator::context();
        match self {
            RoleCommand::List { target } => with_runtime(&target.data_dir, async |runtime| {
                let roles = answer(runtime.roles().list(&ctx).await)?;
                let items: Vec<Value> = roles.iter().map(to_json).collect();
                let rows: Vec<Vec<String>> = items
                    .iter()
                    .map(|r| ["id", "name", "builtin", "permissions"].iter().map(|f| cell(&r[*f])).collect())
                    .collect();
                output::print(target.json, &Value::Array(items), &["ID", "NAME", "BUILT-IN", "PERMISSIONS"], &rows)
            }),
            RoleCommand::Show { target, role } => with_runtime(&target.data_dir, async |runtime| {
                output::print_record(target.json, &to_json(&find(runtime, &ctx, &role).await?))
            }),
            RoleCommand::Create { target, name, description, permissions } => {
                with_runtime(&target.data_dir, async |runtime| {
                    let input = NewRole { name, description, permissions };
                    let role = answer(runtime.roles().create(&ctx, &input).await)?;
                    output::print_record(target.json, &to_json(&role))
                })
            }
            RoleCommand::Change { target, role, name, description, add, remove, expected_version } => {
                with_runtime(&target.data_dir, async |runtime| {
                    let id = find(runtime, &ctx, &role).await?.id;
                    let patch = RolePatch {
                        expected_version,
                        name,
                        description,
                        permissions: None,
                        add_permissions: add,
                        remove_permissions: remove,
                    };
                    let role = answer(runtime.roles().update(&ctx, &id, &patch).await)?;
                    output::print_record(target.json, &to_json(&role))
                })
            }
            RoleCommand::Delete { target, role, expected_version } => with_runtime(&target.data_dir, async |runtime| {
                let id = find(runtime, &ctx, &role).await?.id;
                answer(runtime.roles().delete(&ctx, &id, expected_version).await)?;
                output::print(target.json, &json!({ "deleted": id }), &["DELETED"], &[vec![id.clone()]])
            }),
        }
    }
}

/// The role with this id, else the one with this name (case-insensitively).
async fn find(runtime: &Runtime, ctx: &RequestContext, role: &str) -> anyhow::Result<Role> {
    match runtime.roles().get(ctx, role).await.context("the component failed")? {
        Ok(found) => return Ok(found),
        Err(Error::NotFound) => {}
        Err(other) => return answer(Ok(Err(other))),
    }
    let roles = answer(runtime.roles().list(ctx).await)?;
    roles
        .into_iter()
        .find(|r| r.name.to_lowercase() == role.to_lowercase())
        .ok_or_else(|| anyhow::anyhow!("role {role}: not found"))
}

/// A role as the native API shows it (camelCase).
pub fn to_json(role: &Role) -> Value {
    json!({
        "id": role.id,
        "name": role.name,
        "description": role.description,
        "permissions": role.permissions,
        "builtin": role.builtin,
        "version": role.version,
        "createdAt": role.created_at,
        "createdBy": role.created_by,
        "updatedAt": role.updated_at,
    })
}
