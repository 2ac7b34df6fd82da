//! The commands over a dataset a batch wrote: rescore, aggregate, report, sample, query.

use std::path::PathBuf;
use std::process::ExitCode;

use super::Outcome;
use super::out::{Out, warn};
use crate::batch;
use crate::config::Settings;
use crate::report::{self, ReportFilter};
use crate::store;

#[derive(Debug, clap::Args)]
pub struct RescoreArgs {
    #[arg(long)]
    out: PathBuf,
    #[arg(long)]
    config: Option<PathBuf>,
    #[arg(long)]
    rules: Option<PathBuf>,
    /// Rescore with rules that still name the shipped placeholder company (示例银行 / Example
    /// Bank); without it the rescore refuses, since every greeting would be "missing".
    #[arg(long)]
    allow_placeholder: bool,
}

/// Move part files that cannot be read as their table aside before reading the dataset, and
/// say so (and, while verdicts lie in quarantine, that they are not applied).
pub(super) fn quarantine(out: &std::path::Path) -> Result<(), store::StoreError> {
    if out.is_dir() {
        for q in store::quarantine::quarantine_unreadable(out)? {
            warn(&q);
        }
    }
    Ok(())
}

pub fn rescore(args: RescoreArgs) -> Outcome {
    quarantine(&args.out)?;
    let settings = Settings::load(args.config.as_deref(), args.rules.as_deref())?;
    let s = batch::rescore(&args.out, &settings, args.allow_placeholder)?;
    let mut out = Out::lock();
    writeln!(
        out,
        "{}: rescored {} calls in {} parts with rules {}; {} scores changed",
        args.out.display(),
        s.calls,
        s.parts,
        settings.rules.version,
        s.changed_score
    )?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, clap::Args)]
pub struct AggregateArgs {
    #[arg(long)]
    out: PathBuf,
    #[arg(long)]
    config: Option<PathBuf>,
}

pub fn aggregate(args: AggregateArgs) -> Outcome {
    quarantine(&args.out)?;
    let settings = Settings::load(args.config.as_deref(), None)?;
    let rows = batch::aggregate(&args.out, &settings.config.aggregate)?;
    let mut out = Out::lock();
    writeln!(
        out,
        "{}: {} agent-month rows",
        args.out.join("agents").join("agents.parquet").display(),
        rows.len()
    )?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    #[arg(long)]
    out: PathBuf,
    /// Only calls on or after this date (YYYY-MM-DD).
    #[arg(long)]
    since: Option<chrono::NaiveDate>,
    #[arg(long)]
    team: Option<String>,
    /// Where to write the HTML report (default: OUT/report.html).
    #[arg(long)]
    html: Option<PathBuf>,
    #[arg(long)]
    config: Option<PathBuf>,
}

pub fn report(args: ReportArgs) -> Outcome {
    quarantine(&args.out)?;
    let settings = Settings::load(args.config.as_deref(), None)?;
    let filter = ReportFilter {
        since: args.since.map(|d| d.format("%Y-%m-%d").to_string()),
        team: args.team,
    };
    let html = args.html.unwrap_or_else(|| args.out.join("report.html"));
    let r = report::write_report(&args.out, &filter, &html, &settings.config.aggregate)?;
    let mut out = Out::lock();
    write!(out, "{}", report::agent_table(&r.rows))?;
    write!(out, "{}", report::verdict_table(&r.verdicts))?;
    writeln!(out, "report: {}", html.display())?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, clap::Args)]
pub struct SampleArgs {
    #[arg(long)]
    out: PathBuf,
    /// Random calls per agent, besides those picked for a reason.
    #[arg(long, default_value_t = 2)]
    per_agent: usize,
    /// The same seed picks the same calls.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Only calls on or after this date (YYYY-MM-DD).
    #[arg(long)]
    since: Option<chrono::NaiveDate>,
    /// Where to write the queue (default: OUT/review-queue.csv, and .html beside it).
    #[arg(long)]
    queue: Option<PathBuf>,
    /// The pass mark comes from the scorecard.
    #[arg(long)]
    config: Option<PathBuf>,
}

pub fn sample(args: SampleArgs) -> Outcome {
    quarantine(&args.out)?;
    let settings = Settings::load(args.config.as_deref(), None)?;
    let opts = report::SampleOptions {
        per_agent: args.per_agent,
        seed: args.seed,
        since: args.since.map(|d| d.format("%Y-%m-%d").to_string()),
        pass_mark: settings.config.score.pass_mark,
        near_pass: 5.0,
        low_asr_p: 0.5,
    };
    let picks = report::sample(&args.out, &opts)?;
    let csv = args
        .queue
        .unwrap_or_else(|| args.out.join("review-queue.csv"));
    let html = csv.with_extension("html");
    store::write_atomic(&csv, report::queue_csv(&picks).as_bytes())?;
    let title = format!("callqa review queue (seed {})", args.seed);
    store::write_atomic(&html, report::queue_html(&picks, &title).as_bytes())?;
    let mut by_reason: std::collections::BTreeMap<&str, usize> = Default::default();
    for p in &picks {
        *by_reason.entry(p.reasons[0].name()).or_default() += 1;
    }
    let counts: Vec<String> = by_reason.iter().map(|(r, n)| format!("{n} {r}")).collect();
    let mut out = Out::lock();
    writeln!(
        out,
        "{}: {} calls to hear ({}); {}",
        csv.display(),
        picks.len(),
        counts.join(", "),
        html.display()
    )?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, clap::Args)]
pub struct QueryArgs {
    #[arg(long)]
    out: PathBuf,
    sql: String,
    /// CSV instead of a table.
    #[arg(long)]
    csv: bool,
}

pub fn query(args: QueryArgs) -> Outcome {
    quarantine(&args.out)?;
    let df = store::query(&args.out, &args.sql)?;
    let mut out = Out::lock();
    if args.csv {
        write!(out, "{}", store::to_csv(&df))?;
    } else {
        writeln!(out, "{}", printable_frame(df))?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Text cells as `printable` shows them: the table is for a terminal, and ids and file names
/// come from outside. (`--csv` keeps the data as stored.)
fn printable_frame(df: polars::prelude::DataFrame) -> polars::prelude::DataFrame {
    use polars::prelude::{Column, DataFrame};
    let columns: Vec<Column> = df
        .get_columns()
        .iter()
        .map(|c| match c.str() {
            Ok(s) => Column::new(
                c.name().clone(),
                s.into_iter()
                    .map(|v| v.map(|v| crate::call::printable(v).into_owned()))
                    .collect::<Vec<Option<String>>>(),
            ),
            Err(_) => c.clone(),
        })
        .collect();
    DataFrame::new(columns).unwrap_or(df)
}
