//! The commands over a dataset a batch wrote: rescore, aggregate, report, query.

use std::path::PathBuf;
use std::process::ExitCode;

use super::Outcome;
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
}

/// Move unreadable part files aside before reading the dataset, and say so.
fn quarantine(out: &std::path::Path) -> Result<(), store::StoreError> {
    if out.is_dir() {
        for q in store::quarantine::quarantine_unreadable(out)? {
            eprintln!("callqa: warning: {}", crate::call::printable(&q));
        }
    }
    Ok(())
}

pub fn rescore(args: RescoreArgs) -> Outcome {
    quarantine(&args.out)?;
    let settings = Settings::load(args.config.as_deref(), args.rules.as_deref())?;
    let s = batch::rescore(&args.out, &settings)?;
    println!(
        "{}: rescored {} calls in {} parts with rules {}; {} scores changed",
        args.out.display(),
        s.calls,
        s.parts,
        settings.rules.version,
        s.changed_score
    );
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
    println!(
        "{}: {} agent-month rows",
        args.out.join("agents").join("agents.parquet").display(),
        rows.len()
    );
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
    let rows = report::write_report(&args.out, &filter, &html, &settings.config.aggregate)?;
    print!("{}", report::agent_table(&rows));
    println!("report: {}", html.display());
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
    if args.csv {
        print!("{}", store::to_csv(&df));
    } else {
        println!("{df}");
    }
    Ok(ExitCode::SUCCESS)
}
