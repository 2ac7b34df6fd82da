//! Forbidden phrases in Whisper's second choices: greedy decoding writes the likeliest word, and
//! on quiet or fast phone speech the word said is often the runner-up ("You shall bring the
//! manual", with `read` second). A phrase that appears only when one second choice replaces
//! the word written becomes a finding of its own mode, which the scorecard sends to review.

use super::scan::JOIN_PAUSE_S;
use super::stream::Stream;
use super::{Finding, MatchMode, Rule};
use crate::asr::{SecondChoice, Segment, normalise_text};
use crate::call::Speaker;

impl Rule {
    /// Findings of this forbidden rule that use one of the stream's second choices and are
    /// not part of an offence in `found` (what the rule found in the words written). A segment
    /// redaction masks has none: its stored copy keeps no choices, so a rescore could not
    /// find them again, and a quote of it would be re-derived from the raw words.
    pub(super) fn second_choice_findings(
        &self,
        stream: &Stream,
        speaker: Speaker,
        found: &[Finding],
    ) -> Vec<Finding> {
        let mut out: Vec<Finding> = Vec::new();
        for (k, seg) in stream.segs.iter().enumerate() {
            if stream.has_masks(k) {
                continue;
            }
            for choice in &seg.second_choices {
                let Some(variant) = with_choice(seg, choice) else {
                    continue;
                };
                // each character's "time" is its index: a finding says which characters it
                // covers, and must cover the second choice's
                let choice_end = choice.start + choice.text.chars().count();
                for f in self.forbidden(&Stream::new(&[&variant.indexed]), speaker) {
                    let (a, b) = (f.start.round() as usize, f.end.round() as usize);
                    if b <= choice.start || a >= choice_end {
                        continue;
                    }
                    let (start, end) = variant.times(a, b);
                    let same_offence =
                        |g: &Finding| g.start < end + JOIN_PAUSE_S && start < g.end + JOIN_PAUSE_S;
                    if found.iter().chain(&out).any(same_offence) {
                        continue;
                    }
                    let written = variant.written(a, b);
                    out.push(Finding {
                        start,
                        end,
                        matched_text: written,
                        evidence: format!(
                            "{} (Whisper's second choice {:?}, p = {:.2})",
                            f.evidence,
                            choice.text.trim(),
                            choice.p
                        ),
                        mode: MatchMode::SecondChoice,
                        confidence: f.confidence * choice.p,
                        ..f
                    });
                }
            }
        }
        out
    }
}

/// A segment with one second choice in place of the word written.
struct Variant<'a> {
    seg: &'a Segment,
    /// The variant, its characters timed by their index (char i: [i, i + 1) s).
    indexed: Segment,
    /// Where the choice sits: chars [at, at + len) of the variant stand for [at, at + was).
    at: usize,
    len: usize,
    was: usize,
}

fn with_choice<'a>(seg: &'a Segment, c: &SecondChoice) -> Option<Variant<'a>> {
    let raw: Vec<char> = seg.raw_text.chars().collect();
    if c.start > c.end || c.end > raw.len() {
        return None;
    }
    let text: String = raw[..c.start]
        .iter()
        .copied()
        .chain(c.text.chars())
        .chain(raw[c.end..].iter().copied())
        .collect();
    let normalised = normalise_text(&text);
    let n = normalised.chars().count();
    // the text and its times must stay char for char with the raw text
    if n != text.chars().count() || seg.text.chars().count() != raw.len() {
        return None;
    }
    let indexed = Segment {
        start: 0.0,
        end: n as f64,
        text: normalised,
        raw_text: text,
        char_times: (0..n).map(|i| (i as f64, i as f64 + 1.0)).collect(),
        second_choices: Vec::new(),
        ..seg.clone()
    };
    Some(Variant {
        seg,
        indexed,
        at: c.start,
        len: c.text.chars().count(),
        was: c.end - c.start,
    })
}

impl Variant<'_> {
    /// The call times of variant chars [a, b): the written word's where it had per-character
    /// times (the choice's chars take the times of the chars it replaces), else the segment's.
    fn times(&self, a: usize, b: usize) -> (f64, f64) {
        let t = &self.seg.char_times;
        if t.is_empty() || t.len() != self.seg.raw_text.chars().count() {
            return (self.seg.start, self.seg.end);
        }
        let (i, j) = self.back(a, b);
        (t[i].0, t[j].1.max(t[i].0))
    }

    /// What Whisper wrote where the variant has chars [a, b).
    fn written(&self, a: usize, b: usize) -> String {
        let (i, j) = self.back(a, b);
        let s: String = self.seg.text.chars().skip(i).take(j + 1 - i).collect();
        s.trim().to_string()
    }

    /// The written chars [i, j] that variant chars [a, b) stand for.
    fn back(&self, a: usize, b: usize) -> (usize, usize) {
        let map = |i: usize, last: bool| {
            if i < self.at {
                i
            } else if i < self.at + self.len {
                if last {
                    self.at + self.was - 1
                } else {
                    self.at
                }
            } else {
                i + self.was - self.len
            }
        };
        let n = self.seg.raw_text.chars().count().max(1);
        let (i, j) = (map(a, false).min(n - 1), map(b - 1, true).min(n - 1));
        (i, j.max(i))
    }
}
