//! The rows a call becomes in the dataset (`calls`, `findings`, `segments`), built from the
//! same `CheckReport` that `callqa check --json` prints, and their Parquet column layout.

use polars::prelude::*;
use serde::Serialize;

use crate::analysis::{Acoustics, SpeakerMeasures};
use crate::asr::Speaker;
use crate::batch::CallInput;
use crate::pipeline::CheckReport;
use crate::rules::Finding;

/// What every row of one run shares.
#[derive(Debug, Clone)]
pub struct RunInfo {
    pub run_id: String,
    pub model_id: String,
    /// blake3 of the whole configuration and the rules text.
    pub config_hash: String,
    /// blake3 of the settings that shape the transcript and VAD (`[asr]`, `[analysis.vad]`):
    /// a rescore may change anything else.
    pub asr_config_hash: String,
    pub rules_version: String,
    pub raw_text: bool,
}

/// One `calls` row. Per-speaker columns are None on mono calls and on error rows.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct CallRow {
    pub call_id: String,
    pub agent_id: String,
    pub team: String,
    pub started_at: Option<String>,
    /// Hive partition value (YYYY-MM-DD); stored in the directory name, not in the file.
    #[serde(skip)]
    pub call_date: String,
    pub path: String,
    pub content_hash: String,
    /// The content hash, combined with the manifest's per-call overrides when there are any:
    /// the input half of the resume key.
    pub input_key: String,
    pub status: String,
    pub error: Option<String>,
    pub format: Option<String>,
    pub codec: Option<String>,
    pub sample_rate: Option<i64>,
    pub channels: Option<i64>,
    pub duration_s: Option<f64>,
    pub language: Option<String>,
    pub score: Option<f64>,
    pub pass: Option<bool>,
    pub auto_fail: Option<bool>,
    /// The scorecard items that cost points or were N/A, as a JSON array.
    pub score_items: Option<String>,
    pub finding_count: Option<i64>,
    pub agent_talk_s: Option<f64>,
    pub customer_talk_s: Option<f64>,
    pub agent_talk_share: Option<f64>,
    pub dead_air_s: Option<f64>,
    pub dead_air_count: Option<i64>,
    pub agent_talk_over_count: Option<i64>,
    pub customer_talk_over_count: Option<i64>,
    pub agent_first_response_s: Option<f64>,
    /// Transcript rate: Mandarin characters or English words per minute of the agent's speech.
    pub agent_rate_per_min: Option<f64>,
    pub agent_syllables_per_min: Option<f64>,
    pub agent_loudness_lufs: Option<f64>,
    pub customer_loudness_lufs: Option<f64>,
    pub agent_peak_dbfs: Option<f64>,
    pub agent_clipped_share: Option<f64>,
    /// Comma-separated acoustic flags of the agent (or the mixed channel on mono).
    pub agent_flags: Option<String>,
    pub transcribed_s: Option<f64>,
    pub model_id: String,
    pub rules_version: String,
    pub config_hash: String,
    pub asr_config_hash: String,
    pub run_id: String,
    /// UTC, ISO 8601 (`2026-11-27T03:40:49Z`): sorts as text, casts to a timestamp anywhere.
    pub processed_at: String,
    /// The full acoustic measures as JSON, so that a rescore can re-apply thresholds.
    pub acoustics_json: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FindingRow {
    pub call_id: String,
    pub agent_id: String,
    pub rule_id: String,
    pub kind: String,
    pub severity: String,
    pub speaker: String,
    pub start_s: f64,
    pub end_s: f64,
    pub matched_text: String,
    pub evidence: String,
    pub mode: String,
    pub confidence: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SegmentRow {
    pub call_id: String,
    pub agent_id: String,
    pub speaker: String,
    pub start_s: f64,
    pub end_s: f64,
    /// Normalised text; personal data masked unless the run kept raw text.
    pub text: String,
    /// What Whisper wrote, before normalisation (masked likewise).
    pub raw_text: String,
    pub redacted: bool,
    pub avg_token_p: f64,
    pub no_speech_p: f64,
}

/// A call's rows in all three tables.
#[derive(Debug, Clone)]
pub struct CallRows {
    pub call: CallRow,
    pub findings: Vec<FindingRow>,
    pub segments: Vec<SegmentRow>,
}

pub fn speaker_name(s: Speaker) -> &'static str {
    match s {
        Speaker::Agent => "agent",
        Speaker::Customer => "customer",
        Speaker::Mixed => "mixed",
    }
}

fn lower<T: std::fmt::Debug>(v: T) -> String {
    format!("{v:?}").to_lowercase()
}

/// The rows of one call: scored, or an error row carrying the message.
pub fn call_rows(
    input: &CallInput,
    content_hash: &str,
    call_date: &str,
    result: &Result<CheckReport, String>,
    run: &RunInfo,
    processed_at: &str,
) -> CallRows {
    let mut call = CallRow {
        call_id: input.call_id.clone(),
        agent_id: input.agent_id.clone(),
        team: input.team.clone(),
        started_at: input.started_at.clone(),
        call_date: call_date.to_string(),
        path: input.path.display().to_string(),
        content_hash: content_hash.to_string(),
        input_key: content_hash.to_string(),
        status: "error".into(),
        model_id: run.model_id.clone(),
        rules_version: run.rules_version.clone(),
        config_hash: run.config_hash.clone(),
        asr_config_hash: run.asr_config_hash.clone(),
        run_id: run.run_id.clone(),
        processed_at: processed_at.to_string(),
        ..Default::default()
    };
    let r = match result {
        Err(e) => {
            call.error = Some(e.clone());
            return CallRows {
                call,
                findings: Vec::new(),
                segments: Vec::new(),
            };
        }
        Ok(r) => r,
    };
    call.status = "ok".into();
    call.format = Some(r.source.format.clone());
    call.codec = Some(r.source.codec.clone());
    call.sample_rate = Some(i64::from(r.source.sample_rate));
    call.channels = Some(r.source.channels as i64);
    call.duration_s = Some(r.duration_s);
    call.language = Some(
        r.transcript
            .as_ref()
            .map_or_else(|| "none".into(), |t| t.language.clone()),
    );
    call.transcribed_s = r.transcript.as_ref().map(|t| t.transcribed_s);
    call.finding_count = Some(r.findings.len() as i64);
    fill_acoustics(&mut call, &r.acoustics);
    set_score(&mut call, &r.score);
    let findings = r
        .findings
        .iter()
        .map(|f| finding_row(&call.call_id, &call.agent_id, f))
        .collect();
    let segments = r
        .transcript
        .iter()
        .flat_map(|t| &t.segments)
        .map(|s| SegmentRow {
            call_id: call.call_id.clone(),
            agent_id: call.agent_id.clone(),
            speaker: speaker_name(s.speaker).into(),
            start_s: s.start,
            end_s: s.end,
            text: s.text.clone(),
            raw_text: s.raw_text.clone(),
            redacted: !run.raw_text,
            avg_token_p: f64::from(s.avg_token_p),
            no_speech_p: f64::from(s.no_speech_p),
        })
        .collect();
    CallRows {
        call,
        findings,
        segments,
    }
}

pub fn finding_row(call_id: &str, agent_id: &str, f: &Finding) -> FindingRow {
    FindingRow {
        call_id: call_id.into(),
        agent_id: agent_id.into(),
        rule_id: f.rule_id.clone(),
        kind: lower(f.kind),
        severity: lower(f.severity),
        speaker: speaker_name(f.speaker).into(),
        start_s: f.start,
        end_s: f.end,
        matched_text: f.matched_text.clone(),
        evidence: f.evidence.clone(),
        mode: f.mode.clone(),
        confidence: f64::from(f.confidence),
    }
}

/// The `calls` columns derived from acoustics (also after a rescore re-judges them).
pub fn fill_acoustics(call: &mut CallRow, a: &Acoustics) {
    let who = |s: Speaker| a.speakers.iter().find(|m| m.speaker == s);
    let agent: Option<&SpeakerMeasures> = who(Speaker::Agent).or_else(|| who(Speaker::Mixed));
    let customer = who(Speaker::Customer);
    call.agent_talk_s = who(Speaker::Agent).map(|m| m.talk_s);
    call.customer_talk_s = customer.map(|m| m.talk_s);
    call.agent_talk_share = who(Speaker::Agent).map(|m| m.talk_share);
    call.dead_air_s = Some(a.dead_air_s);
    call.dead_air_count = Some(a.dead_air.len() as i64);
    call.agent_talk_over_count = a.per_speaker.then_some(a.agent_talk_over_count as i64);
    call.customer_talk_over_count = a.per_speaker.then_some(a.customer_talk_over_count as i64);
    call.agent_first_response_s = a.agent_first_response_s;
    call.agent_rate_per_min = agent.and_then(|m| m.transcript_rate_per_min);
    call.agent_syllables_per_min = agent.and_then(|m| m.syllables_per_min);
    call.agent_loudness_lufs = agent.and_then(|m| m.loudness_lufs);
    call.customer_loudness_lufs = customer.and_then(|m| m.loudness_lufs);
    call.agent_peak_dbfs = agent.and_then(|m| m.peak_dbfs);
    call.agent_clipped_share = agent.map(|m| m.clipped_share);
    call.agent_flags = agent.map(|m| {
        m.flags
            .iter()
            .map(|f| lower_snake(&format!("{f:?}")))
            .collect::<Vec<_>>()
            .join(",")
    });
    call.acoustics_json = Some(serde_json::to_string(a).expect("acoustics serialise"));
}

pub fn set_score(call: &mut CallRow, s: &crate::score::CallScore) {
    call.score = Some(s.score);
    call.pass = Some(s.pass);
    call.auto_fail = Some(s.auto_fail);
    call.score_items = Some(serde_json::to_string(&s.items).expect("items serialise"));
}

fn lower_snake(camel: &str) -> String {
    let mut out = String::new();
    for (i, c) in camel.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.extend(c.to_lowercase());
    }
    out
}

pub(crate) fn col<T, V>(rows: &[T], name: &str, f: impl Fn(&T) -> V) -> Column
where
    Series: NamedFrom<Vec<V>, [V]>,
{
    Column::new(name.into(), rows.iter().map(f).collect::<Vec<V>>())
}

pub fn calls_frame(rows: &[CallRow]) -> PolarsResult<DataFrame> {
    DataFrame::new(vec![
        col(rows, "call_id", |r| r.call_id.clone()),
        col(rows, "agent_id", |r| r.agent_id.clone()),
        col(rows, "team", |r| r.team.clone()),
        col(rows, "started_at", |r| r.started_at.clone()),
        col(rows, "path", |r| r.path.clone()),
        col(rows, "content_hash", |r| r.content_hash.clone()),
        col(rows, "input_key", |r| r.input_key.clone()),
        col(rows, "status", |r| r.status.clone()),
        col(rows, "error", |r| r.error.clone()),
        col(rows, "format", |r| r.format.clone()),
        col(rows, "codec", |r| r.codec.clone()),
        col(rows, "sample_rate", |r| r.sample_rate),
        col(rows, "channels", |r| r.channels),
        col(rows, "duration_s", |r| r.duration_s),
        col(rows, "language", |r| r.language.clone()),
        col(rows, "score", |r| r.score),
        col(rows, "pass", |r| r.pass),
        col(rows, "auto_fail", |r| r.auto_fail),
        col(rows, "score_items", |r| r.score_items.clone()),
        col(rows, "finding_count", |r| r.finding_count),
        col(rows, "agent_talk_s", |r| r.agent_talk_s),
        col(rows, "customer_talk_s", |r| r.customer_talk_s),
        col(rows, "agent_talk_share", |r| r.agent_talk_share),
        col(rows, "dead_air_s", |r| r.dead_air_s),
        col(rows, "dead_air_count", |r| r.dead_air_count),
        col(rows, "agent_talk_over_count", |r| r.agent_talk_over_count),
        col(rows, "customer_talk_over_count", |r| {
            r.customer_talk_over_count
        }),
        col(rows, "agent_first_response_s", |r| r.agent_first_response_s),
        col(rows, "agent_rate_per_min", |r| r.agent_rate_per_min),
        col(rows, "agent_syllables_per_min", |r| {
            r.agent_syllables_per_min
        }),
        col(rows, "agent_loudness_lufs", |r| r.agent_loudness_lufs),
        col(rows, "customer_loudness_lufs", |r| r.customer_loudness_lufs),
        col(rows, "agent_peak_dbfs", |r| r.agent_peak_dbfs),
        col(rows, "agent_clipped_share", |r| r.agent_clipped_share),
        col(rows, "agent_flags", |r| r.agent_flags.clone()),
        col(rows, "transcribed_s", |r| r.transcribed_s),
        col(rows, "model_id", |r| r.model_id.clone()),
        col(rows, "rules_version", |r| r.rules_version.clone()),
        col(rows, "config_hash", |r| r.config_hash.clone()),
        col(rows, "asr_config_hash", |r| r.asr_config_hash.clone()),
        col(rows, "run_id", |r| r.run_id.clone()),
        col(rows, "processed_at", |r| r.processed_at.clone()),
        col(rows, "acoustics_json", |r| r.acoustics_json.clone()),
    ])
}

pub fn findings_frame(rows: &[FindingRow]) -> PolarsResult<DataFrame> {
    DataFrame::new(vec![
        col(rows, "call_id", |r| r.call_id.clone()),
        col(rows, "agent_id", |r| r.agent_id.clone()),
        col(rows, "rule_id", |r| r.rule_id.clone()),
        col(rows, "kind", |r| r.kind.clone()),
        col(rows, "severity", |r| r.severity.clone()),
        col(rows, "speaker", |r| r.speaker.clone()),
        col(rows, "start_s", |r| r.start_s),
        col(rows, "end_s", |r| r.end_s),
        col(rows, "matched_text", |r| r.matched_text.clone()),
        col(rows, "evidence", |r| r.evidence.clone()),
        col(rows, "mode", |r| r.mode.clone()),
        col(rows, "confidence", |r| r.confidence),
    ])
}

pub fn segments_frame(rows: &[SegmentRow]) -> PolarsResult<DataFrame> {
    DataFrame::new(vec![
        col(rows, "call_id", |r| r.call_id.clone()),
        col(rows, "agent_id", |r| r.agent_id.clone()),
        col(rows, "speaker", |r| r.speaker.clone()),
        col(rows, "start_s", |r| r.start_s),
        col(rows, "end_s", |r| r.end_s),
        col(rows, "text", |r| r.text.clone()),
        col(rows, "raw_text", |r| r.raw_text.clone()),
        col(rows, "redacted", |r| r.redacted),
        col(rows, "avg_token_p", |r| r.avg_token_p),
        col(rows, "no_speech_p", |r| r.no_speech_p),
    ])
}
