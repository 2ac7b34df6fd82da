//! Reviewers' verdicts applied to findings: which of a call's findings a person confirmed or
//! rejected (复核), or an appeal (申诉) decided. A rejected finding stays in `findings` with its
//! verdict but costs no points; the verdicts themselves live in the dataset's `reviews` table.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::call::Verdict;
use crate::rules::Finding;

/// How far a finding's start may move and still be the one reviewed: a re-transcription
/// (`batch --force`, a new model) shifts word times by a few tenths of a second.
pub const START_TOLERANCE_S: f64 = 1.0;

/// One verdict, as a reviewer gave it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Review {
    pub call_id: String,
    /// The finding's rule; None: every scored finding of the call (an appeal of the call).
    pub rule_id: Option<String>,
    /// The finding's start; None: every finding of that rule in the call.
    pub start_s: Option<f64>,
    pub verdict: Verdict,
    pub reviewer: String,
    pub note: String,
    /// UTC, ISO 8601; the latest verdict on a finding wins.
    pub reviewed_at: String,
}

impl Review {
    pub fn covers(&self, f: &Finding) -> bool {
        match &self.rule_id {
            None => f.kind.scored(),
            Some(rule) => {
                *rule == f.rule_id
                    && self
                        .start_s
                        .is_none_or(|s| (s - f.start).abs() <= START_TOLERANCE_S)
            }
        }
    }
}

/// Every verdict of a dataset, by call.
#[derive(Debug, Default)]
pub struct Reviews(HashMap<String, Vec<Review>>);

impl Reviews {
    pub fn new(mut all: Vec<Review>) -> Self {
        all.sort_by(|a, b| a.reviewed_at.cmp(&b.reviewed_at));
        let mut by_call: HashMap<String, Vec<Review>> = HashMap::new();
        for r in all {
            by_call.entry(r.call_id.clone()).or_default().push(r);
        }
        Reviews(by_call)
    }

    /// Each finding's verdict (confirm or reject: the latest review covering it), None where
    /// no one reviewed it.
    pub fn verdicts(&self, call_id: &str, findings: &[Finding]) -> Vec<Option<Verdict>> {
        let mine = self.0.get(call_id).map_or(&[][..], Vec::as_slice);
        findings
            .iter()
            .map(|f| {
                mine.iter()
                    .rev()
                    .find(|r| r.covers(f))
                    .map(|r| r.verdict.effect())
            })
            .collect()
    }
}

/// The findings that still count (all but the rejected ones), and which of them a reviewer
/// confirmed.
pub fn kept(findings: &[Finding], verdicts: &[Option<Verdict>]) -> (Vec<Finding>, Vec<bool>) {
    findings
        .iter()
        .zip(verdicts)
        .filter(|(_, v)| **v != Some(Verdict::Reject))
        .map(|(f, v)| (f.clone(), *v == Some(Verdict::Confirm)))
        .unzip()
}
