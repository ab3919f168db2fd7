//! Store maintenance for the local operator: checking that every index agrees with its
//! records (and repairing what does not), and removing expired audit records.

pub mod check;

use crate::context::RequestContext;
use crate::env::Env;
use crate::error::Error;

/// The local operator, or `forbidden("operator")`: maintenance is not an API.
fn operator_only(env: &Env, ctx: &RequestContext, txn: &dyn crate::store::Txn) -> Result<(), Error> {
    match crate::auth::caller_in(txn, env, ctx)?.operator {
        Some(_) => Ok(()),
        None => Err(Error::Forbidden("operator".into())),
    }
}

/// Remove up to `limit` audit records older than `retention_days` by the component's clock,
/// in one short transaction; how many were removed. Call again while it returns `limit`.
pub fn purge_audit(env: &Env, ctx: &RequestContext, retention_days: u32, limit: u32) -> Result<u32, Error> {
    let limit = limit.clamp(1, crate::store::paging::MAX_LIMIT);
    let cutoff = crate::model::time::Millis(env.now().0 - i64::from(retention_days) * 86_400_000).to_rfc3339();
    env.write(|txn| {
        operator_only(env, ctx, txn)?;
        crate::audit::purge_before(txn, &cutoff, limit)
    })
}

#[cfg(test)]
mod tests;
