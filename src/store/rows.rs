//! The rows a call becomes in the dataset (`calls`, `findings`, `segments`, and the `agents`
//! aggregate), both directions: a pipeline result → rows → Parquet columns, and stored columns
//! → rows → the domain types a rescore needs. Each table's columns are listed once, in
//! [`table!`], which writes the frame builder and the reader from that one list; enum columns
//! are written and read through their serde names.

use polars::prelude::*;
use serde::Serialize;

use super::columns::Cell;

use crate::aggregate::AgentRow;
use crate::analysis::{Acoustics, SpeakerMeasures};
use crate::call::{CallInput, CallMeta, CallStatus, Speaker};
use crate::pipeline::CallResult;
use crate::rules::{Finding, Kind, MatchMode, Severity, is_escalation};
use crate::score::CallScore;

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
    pub status: CallStatus,
    pub error: Option<String>,
    /// What decoding repaired in a scored call (samples that were not numbers, float samples
    /// beyond full scale, damaged data decoded around, chained streams skipped), `; `-separated;
    /// null when nothing was, on error rows, and in parts written before the column existed.
    pub decode_warnings: Option<String>,
    pub format: Option<String>,
    pub codec: Option<String>,
    pub sample_rate: Option<i64>,
    pub channels: Option<i64>,
    pub duration_s: Option<f64>,
    /// The transcript's language, `none` when the call was not transcribed.
    pub language: Option<String>,
    pub score: Option<f64>,
    pub pass: Option<bool>,
    pub auto_fail: Option<bool>,
    /// The scorecard items that cost points or were N/A, as a JSON array.
    pub score_items: Option<String>,
    /// Rows in `findings` for this call, tags included.
    pub finding_count: Option<i64>,
    /// Comma-separated ids of the tag rules that fired (customer-side notes, never scored).
    pub tags: Option<String>,
    /// A tag rule named `…escalation…` fired: the customer asked for a supervisor, threatened
    /// a complaint or publicity.
    pub escalation: Option<bool>,
    pub agent_talk_s: Option<f64>,
    pub customer_talk_s: Option<f64>,
    pub agent_talk_share: Option<f64>,
    pub dead_air_s: Option<f64>,
    pub dead_air_count: Option<i64>,
    /// Announced holds (请您稍等 then silence): not dead air. Null in parts written before.
    pub hold_s: Option<f64>,
    pub hold_count: Option<i64>,
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
    /// A mono call whose two voices were separated (false: stereo, or one voice).
    pub diarized: Option<bool>,
    /// Separated calls: how alike the two voices are (cosine of speaker embeddings).
    pub voice_similarity: Option<f64>,
    /// Separated calls: how sure the agent's voice is (0.5 a guess … 1.0).
    pub role_confidence: Option<f64>,
    pub role_uncertain: Option<bool>,
    /// An auto-fail finding waits for a person (uncertain agent voice) instead of failing.
    pub needs_review: Option<bool>,
    pub model_id: String,
    pub rules_version: String,
    pub config_hash: String,
    pub asr_config_hash: String,
    pub run_id: String,
    /// UTC, ISO 8601 (`2026-11-27T03:40:49Z`): sorts as text, casts to a timestamp anywhere.
    pub processed_at: String,
    /// The full acoustic measures as JSON, so that a rescore can re-apply thresholds.
    pub acoustics_json: Option<String>,
    // call metadata from the manifest (`call::META_COLUMNS`): null where not given
    pub ring_s: Option<f64>,
    pub reported_hold_s: Option<f64>,
    pub transferred: Option<bool>,
    pub hangup_by: Option<String>,
    pub queue: Option<String>,
    pub csat: Option<i64>,
    pub resolved: Option<bool>,
}

impl CallRow {
    /// The call's metadata as the manifest gave it, for a rescore's `when` conditions.
    pub fn meta(&self) -> CallMeta {
        CallMeta {
            ring_s: self.ring_s,
            reported_hold_s: self.reported_hold_s,
            transferred: self.transferred,
            hangup_by: self.hangup_by.as_deref().and_then(|h| h.parse().ok()),
            queue: self.queue.clone(),
            csat: self.csat,
            resolved: self.resolved,
        }
    }

    fn set_meta(&mut self, m: &CallMeta) {
        self.ring_s = m.ring_s;
        self.reported_hold_s = m.reported_hold_s;
        self.transferred = m.transferred;
        self.hangup_by = m.hangup_by.map(|h| h.to_string());
        self.queue = m.queue.clone();
        self.csat = m.csat;
        self.resolved = m.resolved;
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FindingRow {
    pub call_id: String,
    pub agent_id: String,
    pub rule_id: String,
    pub kind: Kind,
    pub severity: Severity,
    pub speaker: Speaker,
    pub start_s: f64,
    pub end_s: f64,
    pub matched_text: String,
    pub evidence: String,
    pub mode: MatchMode,
    pub confidence: f64,
    /// A reviewer's verdict (`confirm` or `reject`; see `reviews`): a rejected finding costs
    /// no points. Null: not reviewed.
    pub verdict: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SegmentRow {
    pub call_id: String,
    pub agent_id: String,
    pub speaker: Speaker,
    pub start_s: f64,
    pub end_s: f64,
    /// Normalised text; personal data masked unless the run kept raw text.
    pub text: String,
    /// What Whisper wrote, before normalisation (masked likewise).
    pub raw_text: String,
    pub redacted: bool,
    pub avg_token_p: f64,
    pub no_speech_p: f64,
    /// Whisper's second choices, JSON: `[{"start", "end", "text", "p"}]`, chars of `raw_text`.
    pub second_choices: String,
    /// Each character's time in `text`, JSON `[[start, end], …]` in seconds (ms precision;
    /// `[]` where Whisper gave none): `rescore` places findings on the words as `batch` did,
    /// so the verdicts given on them still cover them.
    pub char_times: String,
}

/// A call's rows in all three tables.
#[derive(Debug, Clone)]
pub struct CallRows {
    pub call: CallRow,
    pub findings: Vec<FindingRow>,
    pub segments: Vec<SegmentRow>,
}

/// A table's columns, once: `$frame` builds the Parquet frame from rows, `$read` the rows
/// from a stored frame. Fields after `;` are not columns (they take their defaults on read).
macro_rules! table {
    ($row:ident, $frame:ident, $read:ident, [$($field:ident),* $(,)?] $(; $($rest:ident),*)?) => {
        pub fn $frame(rows: &[$row]) -> PolarsResult<DataFrame> {
            DataFrame::new(vec![$(
                Cell::column(stringify!($field), rows.iter().map(|r| r.$field.clone()).collect()),
            )*])
        }

        pub fn $read(df: &DataFrame) -> Result<Vec<$row>, String> {
            $(let mut $field = Cell::read(df, stringify!($field))?.into_iter();)*
            Ok((0..df.height())
                .map(|_| $row {
                    $($field: $field.next().expect("one value per row"),)*
                    $($($rest: Default::default(),)*)?
                })
                .collect())
        }
    };
}

table! { CallRow, calls_frame, calls_from_frame, [
    call_id, agent_id, team, started_at, path, content_hash, input_key, status, error,
    decode_warnings, format,
    codec, sample_rate, channels, duration_s, language, score, pass, auto_fail, score_items,
    finding_count, tags, escalation, agent_talk_s, customer_talk_s, agent_talk_share,
    dead_air_s, dead_air_count, hold_s, hold_count, agent_talk_over_count, customer_talk_over_count,
    agent_first_response_s, agent_rate_per_min, agent_syllables_per_min, agent_loudness_lufs,
    customer_loudness_lufs, agent_peak_dbfs, agent_clipped_share, agent_flags, transcribed_s,
    diarized, voice_similarity, role_confidence, role_uncertain, needs_review, model_id, rules_version, config_hash, asr_config_hash, run_id, processed_at,
    acoustics_json, ring_s, reported_hold_s, transferred, hangup_by, queue, csat, resolved,
]; call_date }

table! { FindingRow, findings_frame, findings_from_frame, [
    call_id, agent_id, rule_id, kind, severity, speaker, start_s, end_s, matched_text,
    evidence, mode, confidence, verdict,
] }

table! { SegmentRow, segments_frame, segments_from_frame, [
    call_id, agent_id, speaker, start_s, end_s, text, raw_text, redacted, avg_token_p,
    no_speech_p, second_choices, char_times,
] }

table! { AgentRow, agents_frame, agents_from_frame, [
    agent_id, team, period, calls, error_calls, mean_score, median_score, p10_score, sd_score,
    ci95_low, ci95_high, fail_rate, auto_fail_calls, escalated_calls, review_calls, findings_total,
    findings_by_rule, mean_rate_per_min, mean_loudness_lufs, low_evidence, first_call_date,
    last_call_date,
] }

// ---------- result → rows ----------

/// The rows of one call: scored, or an error row carrying the message.
pub fn call_rows(
    input: &CallInput,
    content_hash: &str,
    call_date: &str,
    result: Result<&CallResult, String>,
    run: &RunInfo,
    processed_at: &str,
) -> CallRows {
    let mut call = CallRow {
        call_id: input.call_id.clone(),
        agent_id: input.agent_id.clone(),
        team: input.team.clone(),
        started_at: input.started_at.clone(),
        call_date: call_date.to_string(),
        path: crate::call::os_text(input.path.as_os_str()),
        content_hash: content_hash.to_string(),
        input_key: content_hash.to_string(),
        status: CallStatus::Error,
        model_id: run.model_id.clone(),
        rules_version: run.rules_version.clone(),
        config_hash: run.config_hash.clone(),
        asr_config_hash: run.asr_config_hash.clone(),
        run_id: run.run_id.clone(),
        processed_at: processed_at.to_string(),
        ..Default::default()
    };
    call.set_meta(&input.meta);
    let r = match result {
        Err(e) => {
            call.error = Some(e);
            return CallRows {
                call,
                findings: Vec::new(),
                segments: Vec::new(),
            };
        }
        Ok(r) => r,
    };
    call.status = CallStatus::Ok;
    call.format = Some(r.source.format.clone());
    call.codec = Some(r.source.codec.clone());
    call.decode_warnings =
        (!r.source.decode_warnings.is_empty()).then(|| r.source.decode_warnings.join("; "));
    call.sample_rate = Some(i64::from(r.source.sample_rate));
    call.channels = Some(r.source.channels as i64);
    call.duration_s = Some(r.duration_s);
    call.language = Some(
        r.transcript
            .as_ref()
            .map_or_else(|| NOT_TRANSCRIBED.into(), |t| t.language.to_string()),
    );
    call.transcribed_s = r.transcript.as_ref().map(|t| t.transcribed_s);
    set_findings(&mut call, &r.findings);
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
        .map(|s| segment_row(&call, s, run))
        .collect();
    CallRows {
        call,
        findings,
        segments,
    }
}

/// One transcript segment's row.
fn segment_row(call: &CallRow, s: &crate::asr::Segment, run: &RunInfo) -> SegmentRow {
    SegmentRow {
        call_id: call.call_id.clone(),
        agent_id: call.agent_id.clone(),
        speaker: s.speaker,
        start_s: s.start,
        end_s: s.end,
        text: s.text.clone(),
        raw_text: s.raw_text.clone(),
        redacted: !run.raw_text,
        avg_token_p: f64::from(s.avg_token_p),
        no_speech_p: f64::from(s.no_speech_p),
        second_choices: serde_json::to_string(&s.second_choices).expect("choices serialise"),
        char_times: char_times_json(&s.char_times),
    }
}

/// Character times as stored: milliseconds are what word times mean.
fn char_times_json(times: &[(f64, f64)]) -> String {
    let ms = |t: f64| (t * 1000.0).round() / 1000.0;
    let rounded: Vec<(f64, f64)> = times.iter().map(|&(a, b)| (ms(a), ms(b))).collect();
    serde_json::to_string(&rounded).expect("times serialise")
}

/// `calls.language` of a call scored without transcription.
pub const NOT_TRANSCRIBED: &str = "none";

pub fn finding_row(call_id: &str, agent_id: &str, f: &Finding) -> FindingRow {
    FindingRow {
        call_id: call_id.into(),
        agent_id: agent_id.into(),
        rule_id: f.rule_id.clone(),
        kind: f.kind,
        severity: f.severity,
        speaker: f.speaker,
        start_s: f.start,
        end_s: f.end,
        matched_text: f.matched_text.clone(),
        evidence: f.evidence.clone(),
        mode: f.mode,
        confidence: f64::from(f.confidence),
        verdict: None,
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
    call.hold_s = Some(a.hold_s);
    call.hold_count = Some(a.holds.len() as i64);
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
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(",")
    });
    let sep = a.separation.as_ref();
    call.diarized = Some(sep.is_some());
    call.voice_similarity = sep.map(|s| s.voice_similarity);
    call.role_confidence = sep.map(|s| s.role_confidence);
    call.role_uncertain = sep.map(|s| s.role_uncertain);
    call.acoustics_json = Some(serde_json::to_string(a).expect("acoustics serialise"));
}

/// The `calls` columns derived from the findings (also after a rescore finds them anew).
pub fn set_findings(call: &mut CallRow, findings: &[Finding]) {
    call.finding_count = Some(findings.len() as i64);
    let mut tags: Vec<&str> = findings
        .iter()
        .filter(|f| f.kind == Kind::Tag)
        .map(|f| f.rule_id.as_str())
        .collect();
    tags.sort_unstable();
    tags.dedup();
    call.tags = Some(tags.join(","));
    call.escalation = Some(findings.iter().any(is_escalation));
}

pub fn set_score(call: &mut CallRow, s: &CallScore) {
    call.score = Some(s.score);
    call.pass = Some(s.pass);
    call.auto_fail = Some(s.auto_fail);
    call.needs_review = Some(s.needs_review);
    call.score_items = Some(serde_json::to_string(&s.items).expect("items serialise"));
}

// stored rows → domain types
mod stored;
