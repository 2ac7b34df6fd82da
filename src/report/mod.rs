//! Manager and reviewer views: the agent table (worst first) for the terminal, a
//! self-contained HTML report (inline CSS and SVG, no scripts, nothing fetched) with each agent's
//! score distribution and daily trend, and the text of `callqa check` and `callqa probe`.

mod check;
mod html;
mod probe;
mod sample;
mod table;
mod verdicts;

use std::path::{Path, PathBuf};

pub use check::render_check;
pub use html::html;
pub use probe::{ProbeReport, render_probe};
pub use sample::{Pick, Reason, SampleOptions, file_url, queue_csv, queue_html, sample};
pub use table::agent_table;
pub use verdicts::{RuleVerdicts, rule_verdicts, verdict_table};

use crate::aggregate::{AgentRow, AggregateConfig, CallStat, aggregate};
use crate::store::{self, StoreError};

/// Which calls a report covers.
#[derive(Debug, Clone, Default)]
pub struct ReportFilter {
    /// Calls on or after this date (YYYY-MM-DD).
    pub since: Option<String>,
    pub team: Option<String>,
}

impl ReportFilter {
    pub fn keep(&self, s: &CallStat) -> bool {
        self.since
            .as_deref()
            .is_none_or(|d| s.call_date.as_str() >= d)
            && self.team.as_deref().is_none_or(|t| s.team == t)
    }
}

/// Worst first: lowest mean score, agents without a scored call last.
pub fn worst_first(rows: &mut [AgentRow]) {
    rows.sort_by(|a, b| {
        let k = |r: &AgentRow| r.mean_score.unwrap_or(f64::INFINITY);
        k(a).total_cmp(&k(b))
            .then_with(|| a.agent_id.cmp(&b.agent_id))
    });
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{}: no calls{} (has a batch written here?)", .out.display(), if *.filtered { " match the filter" } else { "" })]
    NoCalls { out: PathBuf, filtered: bool },
}

/// What a report shows: the agent rows (worst first) and how reviewers judged each rule.
pub struct Report {
    pub rows: Vec<AgentRow>,
    pub verdicts: Vec<RuleVerdicts>,
}

/// The agent rows (worst first) of the calls in `out` that `filter` keeps, one period over
/// all their dates, the reviewers' verdicts on their findings, and the HTML page of them
/// written to `html_path`.
pub fn write_report(
    out: &Path,
    filter: &ReportFilter,
    html_path: &Path,
    cfg: &AggregateConfig,
) -> Result<Report, ReportError> {
    let stats: Vec<CallStat> = store::agents::load_stats(out)?
        .into_iter()
        .filter(|s| filter.keep(s))
        .collect();
    if stats.is_empty() {
        return Err(ReportError::NoCalls {
            out: out.to_path_buf(),
            filtered: filter.since.is_some() || filter.team.is_some(),
        });
    }
    let mut rows = aggregate(&stats, cfg, false);
    worst_first(&mut rows);
    let calls: std::collections::HashSet<&str> = stats.iter().map(|s| s.call_id.as_str()).collect();
    let verdicts = rule_verdicts(out, &calls)?;
    let page = html(&rows, &stats, filter, "callqa agent report");
    let page = page.replacen(
        "</body>",
        &format!("{}</body>", verdicts::verdict_html(&verdicts)),
        1,
    );
    store::write_atomic(html_path, page.as_bytes())?;
    Ok(Report { rows, verdicts })
}
