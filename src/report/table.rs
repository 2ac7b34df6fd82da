//! The agent table as fixed-width text, and the number formats the report pages share.

use std::fmt::Write;

use crate::aggregate::AgentRow;
use crate::call::printable;

pub(super) fn num(v: Option<f64>, digits: usize) -> String {
    v.map_or("-".into(), |v| format!("{v:.digits$}"))
}

pub(super) fn ci_text(r: &AgentRow) -> String {
    match (r.ci95_low, r.ci95_high) {
        (Some(l), Some(h)) => format!("{l:.1}–{h:.1}"),
        _ => "-".into(),
    }
}

pub(super) fn percent(v: Option<f64>) -> String {
    v.map_or("-".into(), |f| format!("{:.0}%", 100.0 * f))
}

/// The agent table as fixed-width text.
pub fn agent_table(rows: &[AgentRow]) -> String {
    let mut s = format!(
        "{:<12} {:<10} {:>5} {:>4} {:>6} {:>13} {:>6} {:>5} {:>5} {:>8}  {}\n",
        "agent",
        "team",
        "calls",
        "err",
        "mean",
        "95% CI",
        "median",
        "p10",
        "fail",
        "findings",
        "note"
    );
    for r in rows {
        let ci = ci_text(r);
        let _ = writeln!(
            s,
            "{:<12} {:<10} {:>5} {:>4} {:>6} {:>13} {:>6} {:>5} {:>5} {:>8}  {}",
            printable(&r.agent_id),
            printable(&r.team),
            r.calls,
            r.error_calls,
            num(r.mean_score, 1),
            ci,
            num(r.median_score, 1),
            num(r.p10_score, 1),
            percent(r.fail_rate),
            r.findings_total,
            if r.low_evidence { "low evidence" } else { "" }
        );
    }
    s
}
