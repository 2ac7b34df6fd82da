//! The review queue (抽检): which calls a listener should hear. Every auto-failed call and every
//! call waiting for review, calls just either side of the pass mark, calls whose transcript
//! Whisper was unsure of, and a seeded random share per agent of the rest, so that each agent
//! is heard. The same dataset and seed give the same queue.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use super::ReportError;
use super::html::esc;
use crate::call::CallStatus;
use crate::store::{self, CallRow, FindingRow, SegmentRow};

/// What `callqa sample` picks.
#[derive(Debug, Clone)]
pub struct SampleOptions {
    /// Random calls per agent, on top of the calls picked for a reason.
    pub per_agent: usize,
    pub seed: u64,
    /// Calls on or after this date (YYYY-MM-DD).
    pub since: Option<String>,
    /// The scorecard's pass mark; calls within `near_pass` points of it are picked.
    pub pass_mark: f64,
    pub near_pass: f64,
    /// Calls whose agent segments' mean token probability is under this.
    pub low_asr_p: f64,
}

/// Why a call is in the queue, in the order a reviewer should take them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reason {
    AutoFail,
    NeedsReview,
    NearPassMark,
    LowAsrConfidence,
    Random,
}

impl Reason {
    pub fn name(self) -> &'static str {
        match self {
            Reason::AutoFail => "auto_fail",
            Reason::NeedsReview => "needs_review",
            Reason::NearPassMark => "near_pass_mark",
            Reason::LowAsrConfidence => "low_asr_confidence",
            Reason::Random => "random",
        }
    }
}

/// One call of the queue with what a reviewer needs to judge it.
#[derive(Debug, Clone)]
pub struct Pick {
    pub call: CallRow,
    pub reasons: Vec<Reason>,
    pub findings: Vec<FindingRow>,
    pub segments: Vec<SegmentRow>,
}

/// The queue: picked calls, first reason first, then by agent and call id.
pub fn sample(out: &Path, opts: &SampleOptions) -> Result<Vec<Pick>, ReportError> {
    let mut picks = Vec::new();
    let mut rest: BTreeMap<String, Vec<Pick>> = BTreeMap::new();
    let mut any = false;
    for part in store::parts(out, "calls")? {
        let mut findings: BTreeMap<String, Vec<FindingRow>> = BTreeMap::new();
        for f in store::read_findings(out, &part)? {
            findings.entry(f.call_id.clone()).or_default().push(f);
        }
        let mut segments: BTreeMap<String, Vec<SegmentRow>> = BTreeMap::new();
        for s in store::read_segments(out, &part)? {
            segments.entry(s.call_id.clone()).or_default().push(s);
        }
        for call in store::read_calls(out, &part)? {
            if call.status != CallStatus::Ok
                || opts
                    .since
                    .as_deref()
                    .is_some_and(|d| call.call_date.as_str() < d)
            {
                continue;
            }
            any = true;
            let segs = segments.remove(&call.call_id).unwrap_or_default();
            let agent: Vec<f64> = segs
                .iter()
                .filter(|s| s.speaker != crate::call::Speaker::Customer)
                .map(|s| s.avg_token_p)
                .collect();
            let mut reasons = Vec::new();
            if call.auto_fail == Some(true) {
                reasons.push(Reason::AutoFail);
            }
            if call.needs_review == Some(true) {
                reasons.push(Reason::NeedsReview);
            }
            if call
                .score
                .is_some_and(|s| (s - opts.pass_mark).abs() <= opts.near_pass)
            {
                reasons.push(Reason::NearPassMark);
            }
            if !agent.is_empty()
                && agent.iter().sum::<f64>() / (agent.len() as f64) < opts.low_asr_p
            {
                reasons.push(Reason::LowAsrConfidence);
            }
            let pick = Pick {
                findings: findings.remove(&call.call_id).unwrap_or_default(),
                segments: segs,
                reasons,
                call,
            };
            if pick.reasons.is_empty() {
                rest.entry(pick.call.agent_id.clone())
                    .or_default()
                    .push(pick);
            } else {
                picks.push(pick);
            }
        }
    }
    if !any {
        return Err(ReportError::NoCalls {
            out: out.to_path_buf(),
            filtered: opts.since.is_some(),
        });
    }
    // a seeded shuffle per agent: the order of a keyed hash, not of the files
    for (_, mut calls) in rest {
        calls.sort_by_key(|p| {
            let key = format!("{}\0{}\0{}", opts.seed, p.call.call_id, p.call.path);
            *blake3::hash(key.as_bytes()).as_bytes()
        });
        for mut p in calls.into_iter().take(opts.per_agent) {
            p.reasons.push(Reason::Random);
            picks.push(p);
        }
    }
    picks.sort_by(|a, b| {
        (a.reasons[0], &a.call.agent_id, &a.call.call_id).cmp(&(
            b.reasons[0],
            &b.call.agent_id,
            &b.call.call_id,
        ))
    });
    Ok(picks)
}

/// The queue as CSV: one row per call, for a spreadsheet or the next tool.
pub fn queue_csv(picks: &[Pick]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "call_id",
        "agent_id",
        "team",
        "call_date",
        "path",
        "score",
        "reasons",
        "findings",
    ]);
    for p in picks {
        let rules: Vec<&str> = p
            .findings
            .iter()
            .filter(|f| f.kind.scored())
            .map(|f| f.rule_id.as_str())
            .collect();
        let reasons: Vec<&str> = p.reasons.iter().map(|r| r.name()).collect();
        let cells = [
            p.call.call_id.clone(),
            p.call.agent_id.clone(),
            p.call.team.clone(),
            p.call.call_date.clone(),
            p.call.path.clone(),
            p.call.score.map_or(String::new(), |s| format!("{s:.0}")),
            reasons.join(","),
            rules.join(","),
        ];
        let _ = w.write_record(cells.iter().map(|c| store::spreadsheet_safe(c)));
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// A `file://` URL of an absolute path: every byte of it but the unreserved ones (RFC 3986:
/// letters, digits, `-._~`) and the `/` between components percent-encoded, so that `#`, `?`,
/// `%` and spaces in a recording's name stay part of the path (a raw `#` starts a fragment)
/// and a name that is not UTF-8 keeps its bytes.
pub fn file_url(abs: &Path) -> String {
    let mut url = String::from("file://");
    for &b in abs.as_os_str().as_encoded_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            url.push(char::from(b));
        } else {
            url.push_str(&format!("%{b:02X}"));
        }
    }
    url
}

/// The queue as a page: per call, why it was picked, its findings and its transcript, and a
/// link to the recording.
pub fn queue_html(picks: &[Pick], title: &str) -> String {
    let mmss = |t: f64| format!("{:02}:{:04.1}", (t / 60.0) as u64, t % 60.0);
    let mut s = format!(
        "<!doctype html><html lang=\"zh\"><head><meta charset=\"utf-8\"><title>{t}</title><style>\
         body{{font:14px system-ui,sans-serif;margin:2em;max-width:70em}}\
         .call{{border:1px solid #ccc;border-radius:6px;padding:.6em 1em;margin:1em 0}}\
         .why{{color:#fff;background:#2c7fb8;border-radius:3px;padding:0 .4em;margin-right:.3em}}\
         .auto_fail,.needs_review{{background:#c0392b}} td{{padding:0 .6em;vertical-align:top}}\
         .customer{{color:#666}}</style></head><body><h1>{t}</h1><p>{n} calls. Listen to each, \
         then confirm or reject its findings.</p>",
        t = esc(title),
        n = picks.len()
    );
    for p in picks {
        let c = &p.call;
        let _ = write!(
            s,
            "<div class=\"call\"><h2>{} <small>agent {} · {} · {} · score {}</small></h2><p>",
            esc(&c.call_id),
            esc(&c.agent_id),
            esc(&c.team),
            esc(&c.call_date),
            c.score.map_or("-".into(), |v| format!("{v:.0}"))
        );
        for r in &p.reasons {
            let _ = write!(s, "<span class=\"why {0}\">{0}</span>", r.name());
        }
        // a link only where the file is found from here: stored paths may be relative
        match std::fs::canonicalize(&c.path) {
            Ok(abs) => {
                let _ = write!(
                    s,
                    " <a href=\"{}\">{}</a></p>",
                    esc(&file_url(&abs)),
                    esc(&c.path)
                );
            }
            Err(_) => {
                let _ = write!(s, " {}</p>", esc(&c.path));
            }
        }
        if !p.findings.is_empty() {
            s += "<table><tr><th>time</th><th>rule</th><th>speaker</th><th>words</th></tr>";
            for f in &p.findings {
                let _ = write!(
                    s,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    mmss(f.start_s),
                    esc(&f.rule_id),
                    f.speaker,
                    esc(if f.matched_text.is_empty() {
                        &f.evidence
                    } else {
                        &f.matched_text
                    })
                );
            }
            s += "</table>";
        }
        s += "<details><summary>transcript</summary><table>";
        for seg in &p.segments {
            let _ = write!(
                s,
                "<tr class=\"{0}\"><td>{1}</td><td>{0}</td><td>{2}</td></tr>",
                seg.speaker,
                mmss(seg.start_s),
                esc(&seg.text)
            );
        }
        s += "</table></details></div>";
    }
    s + "</body></html>\n"
}
