//! The agent table as fixed-width text, and the number formats the report pages share.

use std::fmt::Write;

use unicode_width::UnicodeWidthStr;

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

/// `s` padded to `width` terminal columns: 张三 takes four, so `{:<12}` would misalign it.
fn pad(s: &str, width: usize) -> String {
    format!("{s}{}", " ".repeat(width.saturating_sub(s.width())))
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
            "{} {} {:>5} {:>4} {:>6} {:>13} {:>6} {:>5} {:>5} {:>8}  {}",
            pad(&printable(&r.agent_id), 12),
            pad(&printable(&r.team), 10),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn row(agent_id: &str, team: &str) -> AgentRow {
        AgentRow {
            agent_id: agent_id.into(),
            team: team.into(),
            period: "all".into(),
            calls: 3,
            error_calls: 0,
            mean_score: Some(90.0),
            median_score: Some(90.0),
            p10_score: Some(80.0),
            sd_score: None,
            ci95_low: None,
            ci95_high: None,
            fail_rate: Some(0.0),
            auto_fail_calls: 0,
            escalated_calls: 0,
            review_calls: 0,
            findings_total: 1,
            findings_by_rule: "{}".into(),
            mean_rate_per_min: None,
            mean_loudness_lufs: None,
            low_evidence: false,
            first_call_date: String::new(),
            last_call_date: String::new(),
        }
    }

    #[test]
    fn chinese_names_keep_the_columns_aligned() {
        let table = agent_table(&[row("A017", "care-zh"), row("张三", "一组")]);
        let widths: Vec<usize> = table.lines().skip(1).map(|l| l.width()).collect();
        assert_eq!(widths[0], widths[1], "{table}");
    }
}
