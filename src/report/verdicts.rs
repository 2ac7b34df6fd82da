//! How often each rule is right, from reviewers' verdicts: per rule, the findings confirmed
//! and rejected, and the precision they give (confirmed / reviewed).

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write;
use std::path::Path;

use super::html::esc;
use crate::call::{Verdict, printable};
use crate::store::{self, StoreError};

#[derive(Debug, Clone, PartialEq)]
pub struct RuleVerdicts {
    pub rule_id: String,
    pub confirmed: usize,
    pub rejected: usize,
}

impl RuleVerdicts {
    pub fn precision(&self) -> f64 {
        self.confirmed as f64 / (self.confirmed + self.rejected).max(1) as f64
    }
}

/// Verdict counts per rule over the findings of `calls`, as the last batch or rescore stored
/// them; rules nobody reviewed are left out.
pub fn rule_verdicts(out: &Path, calls: &HashSet<&str>) -> Result<Vec<RuleVerdicts>, StoreError> {
    let mut by_rule: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for part in store::parts(out, "calls")? {
        for f in store::read_findings(out, &part)? {
            let verdict = f.verdict.as_deref().and_then(|v| v.parse::<Verdict>().ok());
            if !calls.contains(f.call_id.as_str()) {
                continue;
            }
            let e = by_rule.entry(f.rule_id).or_default();
            match verdict {
                Some(Verdict::Confirm) => e.0 += 1,
                Some(Verdict::Reject) => e.1 += 1,
                _ => {}
            }
        }
    }
    Ok(by_rule
        .into_iter()
        .filter(|(_, (c, r))| c + r > 0)
        .map(|(rule_id, (confirmed, rejected))| RuleVerdicts {
            rule_id,
            confirmed,
            rejected,
        })
        .collect())
}

/// The verdict counts as fixed-width text (empty when nothing was reviewed).
pub fn verdict_table(v: &[RuleVerdicts]) -> String {
    if v.is_empty() {
        return String::new();
    }
    let mut s = format!(
        "\n{:<36} {:>9} {:>8} {:>9}\n",
        "rule (reviewed findings)", "confirmed", "rejected", "precision"
    );
    for r in v {
        let _ = writeln!(
            s,
            "{:<36} {:>9} {:>8} {:>8.0}%",
            printable(&r.rule_id),
            r.confirmed,
            r.rejected,
            100.0 * r.precision()
        );
    }
    s
}

/// The verdict counts as an HTML section (empty when nothing was reviewed).
pub(super) fn verdict_html(v: &[RuleVerdicts]) -> String {
    if v.is_empty() {
        return String::new();
    }
    let mut s = String::from(
        "<h2>Reviewed findings</h2><table><thead><tr><th class=\"l\">rule</th>\
         <th>confirmed</th><th>rejected</th><th>precision</th></tr></thead><tbody>",
    );
    for r in v {
        let _ = write!(
            s,
            "<tr><td class=\"l\">{}</td><td>{}</td><td>{}</td><td>{:.0}%</td></tr>",
            esc(&r.rule_id),
            r.confirmed,
            r.rejected,
            100.0 * r.precision()
        );
    }
    s + "</tbody></table>"
}
