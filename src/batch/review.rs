//! `callqa review`: reviewers' verdicts, checked against the dataset (the call and the finding
//! must exist) and appended to its `reviews` table. All or nothing: one bad verdict in a
//! reviewer's CSV records none of it, so a fixed file can simply be given again.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::BatchError;
use crate::call::{CallStatus, Verdict};
use crate::review::Review;
use crate::rules::Finding;
use crate::store;

/// The columns of a verdicts CSV (`call_id`, `verdict` and `reviewer` required); any other
/// column is an error.
pub const REVIEW_COLUMNS: [&str; 6] = [
    "call_id", "rule_id", "start_s", "verdict", "reviewer", "note",
];

/// Verdicts from a CSV a reviewer filled in, stamped `reviewed_at`. Every problem is reported,
/// by row.
pub fn reviews_from_csv(path: &Path, reviewed_at: &str) -> Result<Vec<Review>, BatchError> {
    let whole = |e: &dyn std::fmt::Display| BatchError::Input(format!("{}: {e}", path.display()));
    let (mut reader, headers) = super::open_csv(path, &REVIEW_COLUMNS, &REVIEW_COLUMNS.join(", "))?;
    for required in ["call_id", "verdict", "reviewer"] {
        if !headers.iter().any(|h| h == required) {
            return Err(whole(&format!("no `{required}` column")));
        }
    }
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(format!("row {line}: {e}"));
                continue;
            }
        };
        let cell = |name: &str| {
            headers
                .iter()
                .position(|h| h == name)
                .and_then(|k| record.get(k))
                .unwrap_or("")
                .to_string()
        };
        let given = |name: &str| Some(cell(name)).filter(|v| !v.is_empty());
        if record.len() != headers.len() {
            problems.push(format!(
                "row {line}: {} cells, the header has {}",
                record.len(),
                headers.len()
            ));
            continue;
        }
        match review(
            cell("call_id"),
            given("rule_id"),
            given("start_s").as_deref(),
            &cell("verdict"),
            cell("reviewer"),
            cell("note"),
            reviewed_at,
        ) {
            Ok(r) => out.push(r),
            Err(e) => problems.push(format!("row {line}: {e}")),
        }
    }
    if !problems.is_empty() {
        return Err(whole(&problems.join(&format!("\n{}: ", path.display()))));
    }
    Ok(out)
}

/// One verdict from its parts as typed (command line or CSV cells), checked on its own.
pub fn review(
    call_id: String,
    rule_id: Option<String>,
    start_s: Option<&str>,
    verdict: &str,
    reviewer: String,
    note: String,
    reviewed_at: &str,
) -> Result<Review, String> {
    let verdict: Verdict = verdict
        .trim()
        .to_ascii_lowercase()
        .replace('-', "_")
        .parse()
        .map_err(|e| format!("verdict {e}"))?;
    let start_s = start_s
        .map(|s| {
            s.trim()
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v >= 0.0)
                .ok_or_else(|| format!("start_s {s:?}: not a time in seconds"))
        })
        .transpose()?;
    if call_id.trim().is_empty() {
        return Err("no call_id".into());
    }
    if reviewer.trim().is_empty() {
        return Err("no reviewer: a verdict names who gave it".into());
    }
    if start_s.is_some() && rule_id.is_none() {
        return Err("start_s without rule_id: name the finding's rule".into());
    }
    Ok(Review {
        call_id,
        rule_id,
        start_s,
        verdict,
        // a reviewer may sign with an address or a phone number, and copy what was said (a
        // number read out) into the note
        reviewer: crate::rules::redact(&reviewer),
        note: crate::rules::redact(&note),
        reviewed_at: reviewed_at.to_string(),
    })
}

/// What `record` wrote.
#[derive(Debug)]
pub struct Recorded {
    pub path: PathBuf,
    pub verdicts: usize,
    /// Findings the verdicts cover, as the dataset stands.
    pub findings: usize,
}

/// Check every verdict against the dataset under `out` (a scored call, a finding it covers),
/// then append them all as one part of `reviews`.
pub fn record(out: &Path, reviews: &[Review], stamp: &str) -> Result<Recorded, BatchError> {
    let mut status: HashMap<String, CallStatus> = HashMap::new();
    let mut findings: HashMap<String, Vec<Finding>> = HashMap::new();
    let parts = store::parts(out, "calls")?;
    if parts.is_empty() {
        return Err(BatchError::Input(format!(
            "{}: no calls here (has a batch written here?)",
            out.display()
        )));
    }
    for part in parts {
        for c in store::read_calls(out, &part)? {
            status.insert(c.call_id, c.status);
        }
        for f in store::read_findings(out, &part)? {
            findings
                .entry(f.call_id.clone())
                .or_default()
                .push(f.to_finding());
        }
    }
    let mut problems = Vec::new();
    let mut covered = 0;
    for r in reviews {
        let id = crate::call::printable(&r.call_id);
        match status.get(&r.call_id) {
            None => problems.push(format!("call {id}: not in {}", out.display())),
            Some(CallStatus::Error) => problems.push(format!(
                "call {id}: not scored (an error row): nothing to review"
            )),
            Some(_) => {
                let mine = findings.get(&r.call_id).map_or(&[][..], Vec::as_slice);
                let n = mine.iter().filter(|f| r.covers(f)).count();
                if n == 0 {
                    let mut rules: Vec<&str> = mine.iter().map(|f| f.rule_id.as_str()).collect();
                    rules.dedup();
                    let what = match (&r.rule_id, r.start_s) {
                        (Some(rule), Some(s)) => format!("no {rule} finding starting near {s} s"),
                        (Some(rule), None) => format!("no {rule} finding"),
                        (None, _) => "no scored finding".into(),
                    };
                    problems.push(format!("call {id}: {what} (its findings: {rules:?})"));
                }
                covered += n;
            }
        }
    }
    if !problems.is_empty() {
        return Err(BatchError::Input(format!(
            "{}: nothing recorded:\n{}",
            out.display(),
            problems.join("\n")
        )));
    }
    let path = store::reviews::append_reviews(out, reviews, stamp)?;
    Ok(Recorded {
        path,
        verdicts: reviews.len(),
        findings: covered,
    })
}
