//! Re-score without re-transcribing: new rules, scorecard or analysis thresholds applied to the
//! stored segments and acoustic measures of every call in the dataset.

use std::path::Path;

use polars::prelude::*;

use super::BatchError;
use super::run::config_hashes;
use crate::analysis::{self, Acoustics};
use crate::asr::{Segment, Speaker, Transcript};
use crate::config::Config;
use crate::rules::{Finding, Kind, RuleSet};
use crate::store::{self, CallRow, FindingRow, bools, floats, strings, tables};

#[derive(Debug, Default, PartialEq)]
pub struct RescoreSummary {
    pub calls: usize,
    pub changed_score: usize,
    pub parts: usize,
}

/// The columns a rescore rewrites; every other column keeps its value.
const RESCORED: [&str; 22] = [
    "score",
    "pass",
    "auto_fail",
    "score_items",
    "finding_count",
    "agent_talk_s",
    "customer_talk_s",
    "agent_talk_share",
    "dead_air_s",
    "dead_air_count",
    "agent_talk_over_count",
    "customer_talk_over_count",
    "agent_first_response_s",
    "agent_rate_per_min",
    "agent_syllables_per_min",
    "agent_loudness_lufs",
    "customer_loudness_lufs",
    "agent_peak_dbfs",
    "agent_clipped_share",
    "agent_flags",
    "config_hash",
    "rules_version",
];

/// Rescore every committed call under `out`. Refuses (changing nothing) when the new
/// configuration changes transcription or VAD settings: those need the audio (`batch --force`).
pub fn rescore(
    out: &Path,
    config: &Config,
    rule_set: &RuleSet,
    rules_text: &str,
) -> Result<RescoreSummary, BatchError> {
    let err = |e: store::StoreError| BatchError::Output(e.to_string());
    let (config_hash, asr_hash) = config_hashes(config, rules_text);
    let parts = store::parts(out, "calls").map_err(err)?;
    if parts.is_empty() {
        return Err(BatchError::Output(format!(
            "{}: no calls to rescore (has a batch written here?)",
            out.display()
        )));
    }
    let frames = parts
        .iter()
        .map(|p| store::read_parquet(&p.path(out, "calls")))
        .collect::<Result<Vec<_>, _>>()
        .map_err(err)?;
    for (p, df) in parts.iter().zip(&frames) {
        let status = strings(df, "status");
        if let Some(i) = strings(df, "asr_config_hash")
            .iter()
            .enumerate()
            .position(|(i, h)| {
                status[i].as_deref() == Some("ok") && h.as_deref() != Some(&asr_hash)
            })
        {
            return Err(BatchError::Input(format!(
                "{}: call {} was transcribed with other [asr] or [analysis.vad] settings than this \
                 configuration's; those need the audio: run `callqa batch --force` instead",
                p.path(out, "calls").display(),
                strings(df, "call_id")[i].clone().unwrap_or_default()
            )));
        }
    }
    let mut summary = RescoreSummary::default();
    for (part, df) in parts.iter().zip(frames) {
        let segs = read_or_empty(&part.path(out, "segments")).map_err(err)?;
        let old_findings = read_or_empty(&part.path(out, "findings")).map_err(err)?;
        let ids = strings(&df, "call_id");
        let agents = strings(&df, "agent_id");
        let status = strings(&df, "status");
        let lang = strings(&df, "language");
        let acoustics_json = strings(&df, "acoustics_json");
        let (old_score, old_rules) = (floats(&df, "score"), strings(&df, "rules_version"));
        let (duration, old_hash) = (floats(&df, "duration_s"), strings(&df, "config_hash"));
        let mut rows = Vec::with_capacity(df.height());
        let mut findings_out: Vec<FindingRow> = Vec::new();
        for i in 0..df.height() {
            let id = ids[i].clone().unwrap_or_default();
            let mut row = blank_row(&id);
            let (Some("ok"), Some(json)) = (status[i].as_deref(), acoustics_json[i].as_deref())
            else {
                // error rows keep their values (and are retried by the next batch)
                row.score = old_score[i];
                row.config_hash = old_hash[i].clone().unwrap_or_default();
                row.rules_version = old_rules[i].clone().unwrap_or_default();
                rows.push(row);
                continue;
            };
            let mut acoustics: Acoustics = serde_json::from_str(json).map_err(|e| {
                BatchError::Output(format!("{}: call {id}: stored acoustics: {e}", part.name))
            })?;
            let language = lang[i].clone().unwrap_or_default();
            analysis::rejudge(&mut acoustics, &language, &config.analysis);
            let findings = if language == "none" {
                None
            } else {
                let (transcript, redacted) = transcript_of(&segs, &id, &language);
                analysis::apply_transcript(&mut acoustics, &transcript, &config.analysis);
                let mut f = rule_set.scan(&transcript, duration[i].unwrap_or(0.0));
                if redacted {
                    // masked digits cannot be re-read: keep the personal-data findings found
                    // on the raw text when the call was transcribed
                    f.retain(|f| f.kind != Kind::Pii);
                    f.extend(stored_findings(&old_findings, &id, Kind::Pii)?);
                    f.sort_by(|a, b| a.start.total_cmp(&b.start));
                }
                Some(f)
            };
            let score = config.score.score(&acoustics, findings.as_deref());
            tables::fill_acoustics(&mut row, &acoustics);
            tables::set_score(&mut row, &score);
            row.finding_count = findings.as_ref().map(|f| f.len() as i64);
            row.config_hash = config_hash.clone();
            row.rules_version = rule_set.version.clone();
            summary.calls += 1;
            summary.changed_score += usize::from(old_score[i] != Some(score.score));
            let agent = agents[i].clone().unwrap_or_default();
            findings_out.extend(
                findings
                    .iter()
                    .flatten()
                    .map(|f| tables::finding_row(&id, &agent, f)),
            );
            rows.push(row);
        }
        let fresh = tables::calls_frame(&rows).map_err(|e| BatchError::Output(e.to_string()))?;
        let mut df = df;
        for name in RESCORED.iter().chain(["acoustics_json"].iter()) {
            let c = fresh.column(name).expect("built above").clone();
            df.with_column(c)
                .map_err(|e| BatchError::Output(e.to_string()))?;
        }
        let mut f =
            tables::findings_frame(&findings_out).map_err(|e| BatchError::Output(e.to_string()))?;
        store::write_parquet(&part.path(out, "findings"), &mut f).map_err(err)?;
        store::write_parquet(&part.path(out, "calls"), &mut df).map_err(err)?;
        summary.parts += 1;
    }
    store::agents::write_agents(out, &config.aggregate).map_err(err)?;
    Ok(summary)
}

fn read_or_empty(path: &Path) -> Result<DataFrame, store::StoreError> {
    if path.exists() {
        store::read_parquet(path)
    } else {
        Ok(DataFrame::empty())
    }
}

fn blank_row(id: &str) -> CallRow {
    CallRow {
        call_id: id.into(),
        ..Default::default()
    }
}

fn speaker(s: &str) -> Speaker {
    match s {
        "agent" => Speaker::Agent,
        "customer" => Speaker::Customer,
        _ => Speaker::Mixed,
    }
}

/// A call's transcript as stored; `true` when its text was redacted.
fn transcript_of(segs: &DataFrame, id: &str, language: &str) -> (Transcript, bool) {
    let ids = strings(segs, "call_id");
    let (who, text, raw) = (
        strings(segs, "speaker"),
        strings(segs, "text"),
        strings(segs, "raw_text"),
    );
    let (start, end) = (floats(segs, "start_s"), floats(segs, "end_s"));
    let (p, nsp, red) = (
        floats(segs, "avg_token_p"),
        floats(segs, "no_speech_p"),
        bools(segs, "redacted"),
    );
    let mut redacted = false;
    let mut segments = Vec::new();
    for i in (0..segs.height()).filter(|&i| ids[i].as_deref() == Some(id)) {
        redacted |= red[i].unwrap_or(true);
        segments.push(Segment {
            speaker: speaker(who[i].as_deref().unwrap_or_default()),
            start: start[i].unwrap_or(0.0),
            end: end[i].unwrap_or(0.0),
            text: text[i].clone().unwrap_or_default(),
            raw_text: raw[i].clone().unwrap_or_default(),
            avg_token_p: p[i].unwrap_or(0.0) as f32,
            no_speech_p: nsp[i].unwrap_or(0.0) as f32,
            char_times: Vec::new(),
        });
    }
    let transcribed_s = segments.iter().map(|s| s.end - s.start).sum();
    let t = Transcript {
        model: String::new(),
        language: language.into(),
        segments,
        transcribed_s,
    };
    (t, redacted)
}

fn stored_findings(df: &DataFrame, id: &str, kind: Kind) -> Result<Vec<Finding>, BatchError> {
    let ids = strings(df, "call_id");
    let s = |n| strings(df, n);
    let (rule, k, sev, who, matched, evidence, mode) = (
        s("rule_id"),
        s("kind"),
        s("severity"),
        s("speaker"),
        s("matched_text"),
        s("evidence"),
        s("mode"),
    );
    let (start, end, conf) = (
        floats(df, "start_s"),
        floats(df, "end_s"),
        floats(df, "confidence"),
    );
    let mut out = Vec::new();
    for i in (0..df.height()).filter(|&i| ids[i].as_deref() == Some(id)) {
        let v = serde_json::json!({
            "rule_id": rule[i], "kind": k[i], "severity": sev[i], "speaker": who[i],
            "start": start[i], "end": end[i], "matched_text": matched[i],
            "evidence": evidence[i], "mode": mode[i], "confidence": conf[i],
        });
        let f: Finding = serde_json::from_value(v)
            .map_err(|e| BatchError::Output(format!("call {id}: stored finding: {e}")))?;
        if f.kind == kind {
            out.push(f);
        }
    }
    Ok(out)
}
