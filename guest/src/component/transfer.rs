//! `roster:iam/transfer` (exported): JSON Lines export and import, mapped onto [`crate::transfer`].

use super::exports::roster::iam::transfer as wit;
use super::roster::iam::types;
use super::users::{context, error};
use super::{Component, with_env};
use crate::transfer::{self, Applied};

impl wit::Guest for Component {
    fn export_lines(
        ctx: types::RequestContext,
        cursor: Option<String>,
        limit: u32,
    ) -> Result<wit::LinePage, types::Error> {
        let page = with_env(|env| transfer::export(env, &context(ctx), cursor.as_deref(), limit)).map_err(error)?;
        Ok(wit::LinePage { lines: page.lines, next_cursor: page.next_cursor })
    }

    fn import_lines(
        ctx: types::RequestContext,
        lines: Vec<wit::NumberedLine>,
    ) -> Result<Vec<wit::LineResult>, types::Error> {
        let lines: Vec<(u64, String)> = lines.into_iter().map(|l| (l.number, l.text)).collect();
        let results = with_env(|env| transfer::import(env, &context(ctx), &lines)).map_err(error)?;
        Ok(results
            .into_iter()
            .map(|(number, outcome)| wit::LineResult {
                number,
                outcome: match outcome {
                    Ok(Applied::Created) => wit::LineOutcome::Created,
                    Ok(Applied::Updated) => wit::LineOutcome::Updated,
                    Ok(Applied::Unchanged) => wit::LineOutcome::Unchanged,
                    Err(err) => wit::LineOutcome::Rejected(error(err)),
                },
            })
            .collect())
    }
}
