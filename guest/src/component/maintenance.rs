//! `roster:iam/maintenance` (exported): index checks and audit retention, mapped onto
//! [`crate::maintenance`].

use super::exports::roster::iam::maintenance as wit;
use super::roster::iam::types;
use super::users::{context, error};
use super::{Component, with_env};
use crate::maintenance;

impl wit::Guest for Component {
    fn check(ctx: types::RequestContext, repair: bool) -> Result<wit::CheckReport, types::Error> {
        let report = with_env(|env| maintenance::check::check(env, &context(ctx), repair)).map_err(error)?;
        Ok(wit::CheckReport {
            records: report.records,
            entries: report.entries,
            problems: report
                .problems
                .into_iter()
                .map(|p| wit::Problem { kind: p.kind.to_owned(), key: p.key })
                .collect(),
            repaired: report.repaired,
        })
    }

    fn purge_audit(ctx: types::RequestContext, retention_days: u32, limit: u32) -> Result<u32, types::Error> {
        with_env(|env| maintenance::purge_audit(env, &context(ctx), retention_days, limit)).map_err(error)
    }
}
