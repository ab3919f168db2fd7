//! The table the harness prints and the JSON it writes: one row per measured scenario, one
//! line per ratio with its target and verdict.

use std::path::Path;

use serde::Serialize;

use crate::load::Measured;

/// One measured scenario.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// What ran, with any caveat (`quick`, sizes, how data was loaded).
    pub scenario: String,
    /// Seconds it ran.
    pub duration_s: f64,
    /// Connections (or threads) driving it.
    pub concurrency: usize,
    /// Operations answered per second.
    pub throughput: f64,
    /// Latency percentiles, in milliseconds (NaN, shown as `-`, when not measured).
    pub p50_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// 99.9th percentile.
    pub p999_ms: f64,
    /// Peak RSS of the server after this scenario, in MiB (`VmHWM`).
    pub server_peak_rss_mib: f64,
    /// Requests that failed or got an unexpected status.
    pub errors: u64,
}

impl Row {
    /// A row from a load run.
    pub fn from_load(scenario: impl Into<String>, concurrency: usize, measured: &Measured, rss_mib: f64) -> Row {
        Row {
            scenario: scenario.into(),
            duration_s: measured.elapsed.as_secs_f64(),
            concurrency,
            throughput: measured.throughput(),
            p50_ms: measured.quantile_ms(0.5),
            p99_ms: measured.quantile_ms(0.99),
            p999_ms: measured.quantile_ms(0.999),
            server_peak_rss_mib: rss_mib,
            errors: measured.errors,
        }
    }
}

/// How a ratio is judged against its target.
#[derive(Debug, Clone, Copy, Serialize)]
pub enum Goal {
    /// The measured value must be at least the target.
    AtLeast,
    /// The measured value must be at most the target.
    AtMost,
}

/// A target of issue 7 and what this run measured for it.
#[derive(Debug, Clone, Serialize)]
pub struct Ratio {
    /// What is compared.
    pub name: String,
    /// The measured value (a ratio, or an absolute figure with its unit in `name`).
    pub measured: f64,
    /// The target.
    pub target: f64,
    /// Which side of the target passes.
    pub goal: Goal,
    /// Whether it passed.
    pub pass: bool,
}

/// Everything one run measured.
#[derive(Debug, Default, Serialize)]
pub struct Report {
    /// `quick` or `full`, the scenarios run, and the machine's cores.
    pub mode: String,
    /// Measured rows.
    pub rows: Vec<Row>,
    /// Targets.
    pub ratios: Vec<Ratio>,
    /// Notes: how data was loaded, what was not measured and why.
    pub notes: Vec<String>,
}

impl Report {
    /// Add a row, printing it as it comes so a long run shows progress.
    pub fn row(&mut self, row: Row) {
        eprintln!(
            "  {}: {:.1}/s p50 {} p99 {} ({} errors)",
            row.scenario,
            row.throughput,
            ms(row.p50_ms),
            ms(row.p99_ms),
            row.errors
        );
        self.rows.push(row);
    }

    /// Add a target with its measured value.
    pub fn ratio(&mut self, name: impl Into<String>, measured: f64, goal: Goal, target: f64) {
        let pass = match goal {
            Goal::AtLeast => measured >= target,
            Goal::AtMost => measured <= target,
        };
        let name = name.into();
        eprintln!("  {name}: {measured:.3} (target {target}) {}", if pass { "PASS" } else { "FAIL" });
        self.ratios.push(Ratio { name, measured, target, goal, pass });
    }

    /// Add a note.
    pub fn note(&mut self, note: impl Into<String>) {
        let note = note.into();
        eprintln!("  note: {note}");
        self.notes.push(note);
    }

    /// The table, as Markdown (which also reads well in a terminal).
    pub fn table(&self) -> String {
        let mut out = format!("Roster benchmarks ({})\n\n", self.mode);
        out.push_str("| scenario | duration s | concurrency | throughput /s | p50 ms | p99 ms | p99.9 ms | server peak RSS MiB | errors |\n");
        out.push_str("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for r in &self.rows {
            out.push_str(&format!(
                "| {} | {:.1} | {} | {:.1} | {} | {} | {} | {} | {} |\n",
                r.scenario,
                r.duration_s,
                r.concurrency,
                r.throughput,
                ms(r.p50_ms),
                ms(r.p99_ms),
                ms(r.p999_ms),
                if r.server_peak_rss_mib.is_nan() { "-".into() } else { format!("{:.0}", r.server_peak_rss_mib) },
                r.errors
            ));
        }
        out.push_str("\n| target | measured | goal | result |\n|---|---:|---|---|\n");
        for r in &self.ratios {
            let goal = match r.goal {
                Goal::AtLeast => format!(">= {}", r.target),
                Goal::AtMost => format!("<= {}", r.target),
            };
            out.push_str(&format!(
                "| {} | {:.3} | {} | {} |\n",
                r.name,
                r.measured,
                goal,
                if r.pass { "pass" } else { "FAIL" }
            ));
        }
        if !self.notes.is_empty() {
            out.push('\n');
            for note in &self.notes {
                out.push_str(&format!("- {note}\n"));
            }
        }
        out
    }

    /// Write the report as JSON to `path`, creating its directory.
    pub fn write_json(&self, path: &Path) -> anyhow::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, serde_json::to_vec_pretty(self)?)?;
        Ok(())
    }
}

fn ms(value: f64) -> String {
    if value.is_nan() {
        "-".into()
    } else if value < 1.0 {
        format!("{value:.3}")
    } else {
        format!("{value:.1}")
    }
}
