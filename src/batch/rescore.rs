//! Re-score without re-transcribing: new rules, scorecard or analysis thresholds applied to the
//! stored segments and acoustic measures of every call in the dataset.

use std::path::Path;

use super::BatchError;
use crate::analysis::{self, Acoustics};
use crate::asr::Transcript;
use crate::call::{CallStatus, Language};
use crate::config::Settings;
use crate::review::{self, Reviews};
use crate::rules::{Finding, Kind, Redaction};
use crate::store::{self, CallRow, FindingRow, SegmentRow, rows};

#[derive(Debug, Default, PartialEq)]
pub struct RescoreSummary {
    pub calls: usize,
    pub changed_score: usize,
    pub parts: usize,
}

/// Rescore every committed call under `out`. Refuses (changing nothing) when the new
/// configuration changes transcription or VAD settings: those need the audio (`batch --force`);
/// and, unless `allow_placeholder`, when the rules still name the shipped placeholder company
/// for a language of the transcribed calls, as `batch` does: every greeting would be "missing".
pub fn rescore(
    out: &Path,
    settings: &Settings,
    allow_placeholder: bool,
) -> Result<RescoreSummary, BatchError> {
    let _lock = store::lock::dataset(out)?;
    let (config_hash, asr_hash) = settings.hashes();
    let parts = store::parts(out, "calls")?;
    if parts.is_empty() {
        return Err(BatchError::Input(format!(
            "{}: no calls to rescore (has a batch written here?)",
            out.display()
        )));
    }
    let calls = parts
        .iter()
        .map(|p| store::read_calls(out, p))
        .collect::<Result<Vec<_>, _>>()?;
    for (p, rows) in parts.iter().zip(&calls) {
        if let Some(c) = rows
            .iter()
            .find(|c| c.status == CallStatus::Ok && c.asr_config_hash != asr_hash)
        {
            return Err(BatchError::Input(format!(
                "{}: call {} was transcribed with other [asr] or [analysis.vad] settings than this \
                 configuration's; those need the audio: run `callqa batch --force` instead",
                p.path(out, "calls").display(),
                c.call_id
            )));
        }
    }
    if !allow_placeholder {
        settings.refuse_placeholders(&judged_languages(&calls))?;
    }
    let reviews = Reviews::new(store::reviews::read_reviews(out)?);
    let mut summary = RescoreSummary::default();
    for (part, mut rows) in parts.iter().zip(calls) {
        let segments = store::read_segments(out, part)?;
        let old_findings = store::read_findings(out, part)?;
        let mut findings_out: Vec<FindingRow> = Vec::new();
        for row in rows.iter_mut().filter(|r| r.status == CallStatus::Ok) {
            // error rows keep their values (and are retried by the next batch)
            let old_score = row.score;
            let Some(findings) = rescore_call(row, &segments, &old_findings, settings, &reviews)?
            else {
                continue;
            };
            summary.changed_score += usize::from(old_score != row.score);
            row.config_hash.clone_from(&config_hash);
            row.rules_version.clone_from(&settings.rules.version);
            summary.calls += 1;
            let findings = findings.unwrap_or_default();
            let verdicts = reviews.verdicts(&row.call_id, &findings);
            findings_out.extend(findings.iter().zip(verdicts).map(|(f, v)| FindingRow {
                verdict: v.map(|v| v.to_string()),
                ..rows::finding_row(&row.call_id, &row.agent_id, f)
            }));
        }
        let frame_err = |e| store::StoreError::Parquet {
            path: part.name.clone(),
            detail: format!("{e}"),
        };
        let mut f = rows::findings_frame(&findings_out).map_err(frame_err)?;
        store::write_parquet(&part.path(out, "findings"), &mut f)?;
        let mut c = rows::calls_frame(&rows).map_err(frame_err)?;
        store::write_parquet(&part.path(out, "calls"), &mut c)?;
        summary.parts += 1;
    }
    store::agents::write_agents(out, &settings.config.aggregate)?;
    Ok(summary)
}

/// The languages of the stored calls the rules judge again: transcribed and not error rows
/// (a call batched with `--no-asr` has no words to judge, and `batch --no-asr` does not refuse).
fn judged_languages(calls: &[Vec<CallRow>]) -> Vec<Language> {
    let mut languages: Vec<Language> = calls
        .iter()
        .flatten()
        .filter(|c| c.status == CallStatus::Ok)
        .filter_map(|c| c.language.as_deref())
        .filter(|l| *l != rows::NOT_TRANSCRIBED)
        .filter_map(|l| l.parse().ok())
        .collect();
    languages.sort_by_key(Language::to_string);
    languages.dedup();
    languages
}

/// Re-judge one stored call in place; its findings (None: not transcribed, rule items N/A).
/// Returns None for a row without stored acoustics (left as it is).
#[allow(clippy::type_complexity)]
fn rescore_call(
    row: &mut CallRow,
    segments: &[SegmentRow],
    old_findings: &[FindingRow],
    settings: &Settings,
    reviews: &Reviews,
) -> Result<Option<Option<Vec<Finding>>>, BatchError> {
    let Some(json) = row.acoustics_json.as_deref() else {
        return Ok(None);
    };
    let id = row.call_id.clone();
    let mut acoustics: Acoustics = serde_json::from_str(json)
        .map_err(|e| BatchError::Stored(format!("call {id}: stored acoustics: {e}")))?;
    let cfg = &settings.config;
    let language = row.language.clone().unwrap_or_default();
    // a call scored without transcription judges its rate as Mandarin, as analysis did
    let lang: Language = language.parse().unwrap_or(Language::Zh);
    analysis::rejudge(&mut acoustics, lang, &cfg.analysis);
    let findings = if language == rows::NOT_TRANSCRIBED {
        None
    } else {
        let (transcript, redacted) = transcript_of(segments, &id, lang);
        let counted: Vec<Option<f64>> = acoustics
            .speakers
            .iter()
            .map(|m| m.transcript_rate_per_min)
            .collect();
        analysis::apply_transcript(&mut acoustics, &transcript, &cfg.analysis);
        if redacted {
            // masked numbers are not the words said: keep the rates counted on the raw text
            analysis::restore_rates(&mut acoustics, &counted, lang, &cfg.analysis);
        }
        let duration_s = row.duration_s.unwrap_or(0.0);
        let mut f = if redacted {
            // stored masked: what an older redactor let through is masked in the quotes too
            let redaction = Redaction::of(&transcript);
            (settings.rules).scan_redacted(&transcript, duration_s, &row.meta(), &redaction)
        } else {
            (settings.rules).scan_call(&transcript, duration_s, &row.meta())
        };
        if redacted {
            // masked digits cannot be re-read: keep the personal-data findings found
            // on the raw text when the call was transcribed
            f.retain(|f| f.kind != Kind::Pii);
            f.extend(
                old_findings
                    .iter()
                    .filter(|o| o.call_id == id && o.kind == Kind::Pii)
                    .map(FindingRow::to_finding),
            );
            f.sort_by(|a, b| a.start.total_cmp(&b.start));
        }
        Some(f)
    };
    // what reviewers rejected costs nothing
    let (kept, confirmed) = match &findings {
        Some(f) => {
            let (k, c) = review::kept(f, &reviews.verdicts(&id, f));
            (Some(k), c)
        }
        None => (None, Vec::new()),
    };
    let score = cfg
        .score
        .score_reviewed(&acoustics, kept.as_deref(), &confirmed);
    rows::fill_acoustics(row, &acoustics);
    rows::set_score(row, &score);
    match &findings {
        Some(f) => rows::set_findings(row, f),
        None => row.finding_count = None,
    }
    Ok(Some(findings))
}

/// A call's transcript as stored; `true` when its text was redacted.
fn transcript_of(segments: &[SegmentRow], id: &str, language: Language) -> (Transcript, bool) {
    let mine: Vec<&SegmentRow> = segments.iter().filter(|s| s.call_id == id).collect();
    let segments: Vec<_> = mine.iter().map(|s| s.to_segment()).collect();
    let transcribed_s = segments.iter().map(|s| s.end - s.start).sum();
    let t = Transcript {
        model: String::new(),
        language,
        segments,
        transcribed_s,
    };
    (t, mine.iter().any(|s| s.redacted))
}
