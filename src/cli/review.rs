//! `callqa review`: record a reviewer's verdict on a finding or an agent's appeal of a call.

use std::path::PathBuf;
use std::process::ExitCode;

use super::Outcome;
use super::out::Out;
use crate::batch::review;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The dataset a batch wrote.
    #[arg(long)]
    out: PathBuf,
    /// The call reviewed.
    #[arg(long, required_unless_present = "from")]
    call: Option<String>,
    /// The finding's rule id; without it the verdict covers every scored finding of the call
    /// (an appeal of the whole call).
    #[arg(long)]
    rule: Option<String>,
    /// The finding's start in seconds, when the call has several findings of that rule
    /// (default: all of them).
    #[arg(long, requires = "rule")]
    at: Option<String>,
    /// confirm | reject (a finding), appeal-upheld | appeal-denied (an agent's appeal).
    #[arg(long, required_unless_present = "from")]
    verdict: Option<String>,
    /// Who gives the verdict.
    #[arg(long, required_unless_present = "from")]
    reviewer: Option<String>,
    #[arg(long, default_value = "")]
    note: String,
    /// A CSV of verdicts instead: call_id, rule_id, start_s, verdict, reviewer, note.
    #[arg(long, conflicts_with_all = ["call", "rule", "at", "verdict", "reviewer"])]
    from: Option<PathBuf>,
}

pub fn run(args: Args) -> Outcome {
    // a verdict file that cannot be read is moved aside with a warning, as in every command
    super::dataset::quarantine(&args.out)?;
    let now = chrono::Utc::now();
    let reviewed_at = now.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
    let reviews = match &args.from {
        Some(csv) => review::reviews_from_csv(csv, &reviewed_at)?,
        None => vec![review::review(
            args.call.unwrap_or_default(),
            args.rule,
            args.at.as_deref(),
            args.verdict.as_deref().unwrap_or_default(),
            args.reviewer.unwrap_or_default(),
            args.note,
            &reviewed_at,
        )?],
    };
    let stamp = now.format("%Y%m%dT%H%M%S%3fZ").to_string();
    let r = review::record(&args.out, &reviews, &stamp)?;
    let mut out = Out::lock();
    writeln!(
        out,
        "{}: {} verdict(s) on {} finding(s); `callqa rescore --out {}` applies them to the scores \
         (the next batch applies them too)",
        r.path.display(),
        r.verdicts,
        r.findings,
        args.out.display()
    )?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
