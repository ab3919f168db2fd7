//! `roster export` and `roster import`: the data directory as JSON Lines, through
//! `roster:iam/transfer` as the operator. An import commits in batches, one transaction
//! each, and reports every refused line by number; on a terminal both show progress.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, IsTerminal, Write};
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

use super::operator::{self, Target, answer, describe, with_runtime};
use crate::transfer::{LineOutcome, NumberedLine};

const EXPORT_EXAMPLES: &str = "\
Examples (with the server stopped):
  roster export --to roster.jsonl --data-dir /var/lib/roster
  roster export | gzip > roster.jsonl.gz

Each line is one JSON object with \"type\": attributeDefinition, role, account, user or
membership (in that order), then the record's fields as the REST API shows them; an
account's own type is \"accountType\", a definition's \"valueType\". User lines carry
\"passwordHash\" (argon2id PHC strings): keep the file as secret as the database.";

const IMPORT_EXAMPLES: &str = "\
Examples (with the server stopped):
  roster import roster.jsonl --data-dir /var/lib/roster
  roster import users-from-auth0.jsonl --batch-size 1000 --json

Lines take the format `roster export` writes; ids are kept, so running it again changes
nothing. A user line may carry \"passwordHash\": a PHC string of argon2id, argon2i, bcrypt
($2b$…) or pbkdf2-sha256 ($pbkdf2-sha256$…); a foreign hash becomes argon2id at the user's
next login. Refused lines are reported by number and the rest are loaded; each batch is
committed whole or not at all.";

/// `roster export`.
#[derive(Debug, Args)]
#[command(after_help = EXPORT_EXAMPLES)]
pub struct ExportArgs {
    #[command(flatten)]
    target: Target,
    /// Write to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    to: Option<PathBuf>,
}

/// `roster import`.
#[derive(Debug, Args)]
#[command(after_help = IMPORT_EXAMPLES)]
pub struct ImportArgs {
    #[command(flatten)]
    target: Target,
    /// The JSON Lines file to read.
    file: PathBuf,
    /// Lines per batch; each batch is one transaction.
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    batch_size: u32,
}

/// Lines asked for per export call.
const EXPORT_PAGE: u32 = 1000;

impl ExportArgs {
    /// Run the export.
    pub fn run(self) -> anyhow::Result<()> {
        let mut out: Box<dyn Write> = match &self.to {
            Some(path) => Box::new(BufWriter::new(
                File::create(path).with_context(|| format!("cannot create {}", path.display()))?,
            )),
            None => Box::new(BufWriter::new(io::stdout().lock())),
        };
        let progress = progress(None, "{spinner} {pos} lines exported ({per_sec})");
        let ctx = operator::context();
        let count = with_runtime(&self.target.data_dir, async |runtime| {
            let mut cursor: Option<String> = None;
            let mut count = 0u64;
            loop {
                let page = answer(runtime.transfer().export_lines(&ctx, cursor.as_deref(), EXPORT_PAGE).await)?;
                for line in &page.lines {
                    writeln!(out, "{line}").context("cannot write the export")?;
                }
                count += page.lines.len() as u64;
                progress.inc(page.lines.len() as u64);
                match page.next_cursor {
                    Some(next) => cursor = Some(next),
                    None => return Ok(count),
                }
            }
        })?;
        out.flush().context("cannot write the export")?;
        progress.finish_and_clear();
        if self.target.json {
            println!("{}", json!({ "exported": count }));
        } else {
            eprintln!("roster: exported {count} records");
        }
        Ok(())
    }
}

/// What an import did, line by line.
#[derive(Debug, Default)]
struct Report {
    created: u64,
    updated: u64,
    unchanged: u64,
    /// Line number and reason.
    rejected: Vec<(u64, String)>,
}

impl ImportArgs {
    /// Run the import.
    pub fn run(self) -> anyhow::Result<()> {
        let file = File::open(&self.file).with_context(|| format!("cannot open {}", self.file.display()))?;
        let size = file.metadata().map(|m| m.len()).ok();
        let progress =
            progress(size, "{bar:30} {binary_bytes}/{binary_total_bytes} ({binary_bytes_per_sec}, ETA {eta})");
        let mut lines = BufReader::new(file).split(b'\n');
        let ctx = operator::context();
        let mut report = Report::default();
        let batch_size = self.batch_size as usize;
        with_runtime(&self.target.data_dir, async |runtime| {
            let mut number = 0u64;
            let mut done = false;
            while !done {
                let mut batch = Vec::with_capacity(batch_size);
                while batch.len() < batch_size {
                    let Some(bytes) = lines.next() else {
                        done = true;
                        break;
                    };
                    let bytes = bytes.with_context(|| format!("cannot read {}", self.file.display()))?;
                    number += 1;
                    progress.inc(bytes.len() as u64 + 1);
                    match String::from_utf8(bytes) {
                        Ok(text) if text.trim().is_empty() => {}
                        Ok(text) => batch.push(NumberedLine { number, text }),
                        Err(_) => report.rejected.push((number, "line: is not UTF-8 text".to_owned())),
                    }
                }
                if batch.is_empty() {
                    continue;
                }
                let results = answer(runtime.transfer().import_lines(&ctx, &batch).await).with_context(|| {
                    format!("the batch of lines {} to {} was not imported", batch[0].number, number)
                })?;
                for result in results {
                    match result.outcome {
                        LineOutcome::Created => report.created += 1,
                        LineOutcome::Updated => report.updated += 1,
                        LineOutcome::Unchanged => report.unchanged += 1,
                        LineOutcome::Rejected(error) => report.rejected.push((result.number, describe(&error))),
                    }
                }
            }
            Ok(())
        })?;
        progress.finish_and_clear();
        report.rejected.sort_by_key(|(number, _)| *number);
        report.print(self.target.json)?;
        if report.rejected.is_empty() {
            Ok(())
        } else {
            anyhow::bail!("{} lines were rejected; the others were imported", report.rejected.len())
        }
    }
}

impl Report {
    fn print(&self, json: bool) -> anyhow::Result<()> {
        if json {
            let rejected: Vec<_> =
                self.rejected.iter().map(|(line, reason)| json!({ "line": line, "reason": reason })).collect();
            let value = json!({
                "created": self.created,
                "updated": self.updated,
                "unchanged": self.unchanged,
                "rejected": rejected,
            });
            println!("{value}");
        } else {
            for (line, reason) in &self.rejected {
                eprintln!("line {line}: {reason}");
            }
            println!(
                "created {}, updated {}, unchanged {}, rejected {}",
                self.created,
                self.updated,
                self.unchanged,
                self.rejected.len()
            );
        }
        Ok(())
    }
}

/// A progress bar on stderr when it is a terminal; a hidden one otherwise.
fn progress(total: Option<u64>, template: &str) -> ProgressBar {
    if !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = match total {
        Some(total) => ProgressBar::new(total),
        None => ProgressBar::new_spinner(),
    };
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    bar
}
