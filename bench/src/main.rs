//! `roster-bench`: issue 7's scenarios against the real `roster` release binary, printed as one
//! table and written as JSON.
//!
//! ```text
//! cargo run --release -p roster-bench -- all            # every scenario, full sizes
//! cargo run --release -p roster-bench -- all --quick    # smaller sizes, under two minutes
//! cargo run --release -p roster-bench -- read search    # some scenarios alone
//! ```

mod argon;
mod data;
mod load;
mod report;
mod sandbox;
mod scenarios;
mod server;

use std::path::PathBuf;

use anyhow::{Context, bail};

use crate::scenarios::{Bench, Scenario};

const USAGE: &str = "\
usage: roster-bench [SCENARIO ...] [--quick] [--users N] [--json PATH] [--roster BIN]

scenarios: all (default), sandbox, argon2, import, read, search, writes, logins
  --quick      smaller data set and shorter runs (under two minutes); the table says so
  --users N    users in the data set (default 1,000,000; quick 20,000; over HTTP when
               `roster import` is missing: 20,000, quick 3,000)
  --json PATH  where to write the results (default bench/results/latest.json)
  --roster BIN run this roster binary instead of building the workspace's (to compare builds)";

/// What the command line asked for.
#[derive(Debug)]
pub struct Options {
    /// Scenarios in the order given.
    pub scenarios: Vec<Scenario>,
    /// Smaller sizes and shorter runs.
    pub quick: bool,
    /// Users in the data set, when given.
    pub users: Option<u64>,
    /// Where the JSON goes.
    pub json: PathBuf,
    /// A roster binary to run instead of building one.
    pub roster: Option<PathBuf>,
}

fn parse(args: &[String]) -> anyhow::Result<Options> {
    let mut options = Options {
        scenarios: Vec::new(),
        quick: false,
        users: None,
        json: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("results/latest.json"),
        roster: None,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => options.quick = true,
            "--users" => {
                let n = args.next().context("--users needs a number")?;
                options.users = Some(n.replace(['_', ','], "").parse().context("--users needs a number")?);
            }
            "--json" => options.json = args.next().context("--json needs a path")?.into(),
            "--roster" => options.roster = Some(args.next().context("--roster needs a path")?.into()),
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            "all" => options.scenarios.extend(Scenario::ALL),
            name => match Scenario::ALL.into_iter().find(|s| s.name() == name) {
                Some(scenario) => options.scenarios.push(scenario),
                None => bail!("unknown argument `{name}`\n\n{USAGE}"),
            },
        }
    }
    if options.scenarios.is_empty() {
        options.scenarios.extend(Scenario::ALL);
    }
    Ok(options)
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("serve-bare") {
        let file = args.get(1).context("serve-bare needs a body file")?;
        return server::serve_bare(file.as_ref());
    }
    let options = parse(&args)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let report = runtime.block_on(async {
        let mut bench = Bench::new(options)?;
        bench.run().await?;
        anyhow::Ok(bench)
    })?;
    report.finish()
}
