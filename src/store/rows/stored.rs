//! Stored rows back to the domain types a rescore needs.

use super::{FindingRow, SegmentRow};
use crate::asr::Segment;
use crate::rules::Finding;

impl SegmentRow {
    /// The segment as stored (a part written before character times were kept has none: its
    /// findings fall back to the segment's bounds).
    pub fn to_segment(&self) -> Segment {
        Segment {
            speaker: self.speaker,
            start: self.start_s,
            end: self.end_s,
            text: self.text.clone(),
            raw_text: self.raw_text.clone(),
            avg_token_p: self.avg_token_p as f32,
            no_speech_p: self.no_speech_p as f32,
            char_times: serde_json::from_str(&self.char_times).unwrap_or_default(),
            // stored before second choices were: none
            second_choices: serde_json::from_str(&self.second_choices).unwrap_or_default(),
        }
    }
}

impl FindingRow {
    pub fn to_finding(&self) -> Finding {
        Finding {
            rule_id: self.rule_id.clone(),
            kind: self.kind,
            severity: self.severity,
            speaker: self.speaker,
            start: self.start_s,
            end: self.end_s,
            matched_text: self.matched_text.clone(),
            evidence: self.evidence.clone(),
            mode: self.mode,
            confidence: self.confidence as f32,
        }
    }
}
