//! `roster backup` and `roster check`: a consistent copy of the store (from the running
//! server through its control socket, else from the data directory directly), and the
//! component's check of every index against its records.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use serde_json::json;

use super::operator::{self, Target, answer, with_runtime};
use super::output;
use crate::control;

const BACKUP_EXAMPLES: &str = "\
Examples:
  roster backup --to /backups/roster-$(date +%F).redb --data-dir /var/lib/roster
  roster check --data-dir /tmp/restore     (after copying a backup to /tmp/restore/roster.redb)

With the server running, it takes the copy itself (through <data-dir>/control.sock, which
only its user can reach) from one consistent snapshot while requests go on; otherwise the
data directory is opened directly. The copy is a complete roster.redb: to restore, stop
the server and put it in place of <data-dir>/roster.redb.";

const CHECK_EXAMPLES: &str = "\
Examples (with the server stopped):
  roster check --data-dir /var/lib/roster
  roster check --repair --json

Every index entry a record calls for must exist, and every index entry must belong to a
record. Without --repair nothing is written and the exit status is 1 when problems are
found; with it, missing entries are put back and dangling ones deleted in one transaction.";

/// `roster backup`.
#[derive(Debug, Args)]
#[command(after_help = BACKUP_EXAMPLES)]
pub struct BackupArgs {
    #[command(flatten)]
    target: Target,
    /// Where to write the copy; must not exist yet.
    #[arg(long, value_name = "FILE")]
    to: PathBuf,
}

/// `roster check`.
#[derive(Debug, Args)]
#[command(after_help = CHECK_EXAMPLES)]
pub struct CheckArgs {
    #[command(flatten)]
    target: Target,
    /// Fix what disagrees: put missing index entries back, delete dangling ones.
    #[arg(long)]
    repair: bool,
}

impl BackupArgs {
    /// Take the backup.
    pub fn run(self) -> anyhow::Result<()> {
        let (count, by) = match control::request_backup(&self.target.data_dir, &self.to)? {
            Some(count) => (count, "the running server"),
            None => {
                let runtime = operator::open(&self.target.data_dir)?;
                let count = runtime
                    .storage()
                    .copy_to(&self.to)
                    .with_context(|| format!("cannot back up to {}", self.to.display()))?;
                runtime.close().context("cannot close the database")?;
                (count, "the data directory")
            }
        };
        let to = self.to.display().to_string();
        let value = json!({ "backup": to, "entries": count });
        output::print(
            self.target.json,
            &value,
            &["BACKUP", "ENTRIES", "TAKEN BY"],
            &[vec![to.clone(), count.to_string(), by.to_owned()]],
        )
    }
}

impl CheckArgs {
    /// Run the check.
    pub fn run(self) -> anyhow::Result<()> {
        let ctx = operator::context();
        let report = with_runtime(&self.target.data_dir, async |runtime| {
            answer(runtime.maintenance().check(&ctx, self.repair).await)
        })?;
        let problems: Vec<_> = report.problems.iter().map(|p| json!({ "kind": p.kind, "key": p.key })).collect();
        let value = json!({
            "records": report.records,
            "entries": report.entries,
            "problems": problems,
            "repaired": report.repaired,
        });
        let rows: Vec<Vec<String>> = report.problems.iter().map(|p| vec![p.kind.clone(), p.key.clone()]).collect();
        if self.target.json {
            output::print(true, &value, &[], &[])?;
        } else {
            if !rows.is_empty() {
                output::print(false, &value, &["PROBLEM", "INDEX ENTRY"], &rows)?;
            }
            println!(
                "checked {} records and {} index entries: {} problems{}",
                report.records,
                report.entries,
                report.problems.len(),
                if report.repaired { ", repaired" } else { "" }
            );
        }
        if report.problems.is_empty() || report.repaired {
            Ok(())
        } else {
            anyhow::bail!("the indexes disagree with the records; run `roster check --repair` to fix them")
        }
    }
}
