//! Personal data masked in text: every output holds transcripts redacted unless raw text is
//! explicitly kept. One redactor: [`masks`] finds what to hide on the text *as written* (before
//! normalisation drops the `@` and `.` of an address), and everything that quotes a segment —
//! the segment itself, a finding's matched text and evidence — is cut from the masked text by
//! span ([`masked`], [`Redaction`]), so no quote can show what its segment hides.

use crate::asr::{Segment, Transcript};
use crate::call::Speaker;

use super::normalise::{half_width, normalise};
use super::pii::{self, PiiKind};

/// A stretch of a text to hide, in char indices: a number (each letter or digit becomes `*`,
/// separators stay) or an e-mail address (the whole becomes `[REDACTED]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mask {
    pub start: usize,
    pub end: usize,
    pub whole: bool,
}

/// What an e-mail address becomes.
pub const EMAIL_MARK: &str = "[REDACTED]";

/// Mask personal data in text: every number of 7 or more digits in any spelling (ASCII or
/// full-width digits, Chinese and financial numerals, 幺 两 兩, the telephone spellings, English
/// digit words with "o"/"oh", "double"/"triple"), its digits joined by any short run of
/// punctuation, spaces or filler words (呃, "uh", 杠, "dash"), and every e-mail address, written
/// (`@`, Chinese local parts) or spoken ("zhang dot san at example dot com", 艾特 … 点com).
/// Shorter numbers (amounts, 工号, the last four digits of a card) stay.
pub fn redact(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    masked(&chars, &masks(&chars), 0, chars.len())
}

/// Where personal data stands in `chars` (text as written), sorted by start: what the
/// redactor's grammar finds, and whatever the personal-data rules would report there.
pub fn masks(chars: &[char]) -> Vec<Mask> {
    let mut out = grammar_masks(chars);
    let text: String = chars.iter().collect();
    let n = normalise(&text);
    for (kind, hit) in pii::detect(&n.chars, &PiiKind::ALL) {
        let (a, b) = (n.source[hit.start], n.source[hit.end - 1] + 1);
        out.push(Mask {
            start: a,
            end: b,
            whole: kind == PiiKind::Email,
        });
    }
    out.sort_by_key(|m| (m.start, m.end));
    out
}

/// What the redactor's own grammar finds: numbers and addresses. Full-width letters and
/// symbols are read as their ASCII selves (ｏｎｅ, ＠, ．), char for char.
fn grammar_masks(chars: &[char]) -> Vec<Mask> {
    let chars: Vec<char> = chars.iter().map(|&c| half_width(c)).collect();
    let mut out = email_masks(&chars);
    out.extend(number_masks(&chars));
    out
}

/// `chars[from..to]` with `masks` applied: a number's letters and digits as `*`, an e-mail
/// address (or any part of one) as one [`EMAIL_MARK`].
pub fn masked(chars: &[char], masks: &[Mask], from: usize, to: usize) -> String {
    let mut out = String::new();
    let mut i = from;
    while i < to.min(chars.len()) {
        match mask_at(masks, i) {
            Some(m) if m.whole => {
                out.push_str(EMAIL_MARK);
                i = m.end;
            }
            Some(_) if chars[i].is_alphanumeric() => {
                out.push('*');
                i += 1;
            }
            _ => {
                out.push(chars[i]);
                i += 1;
            }
        }
    }
    out
}

/// The mask covering char `i`, an e-mail's before a number's.
pub(super) fn mask_at(masks: &[Mask], i: usize) -> Option<&Mask> {
    let mut covering = masks.iter().filter(|m| m.start <= i && i < m.end);
    let first = covering.next()?;
    Some(if first.whole {
        first
    } else {
        covering.find(|m| m.whole).unwrap_or(first)
    })
}

/// Segment boundary marker inside a speaker's joined text: counts as a separator inside a
/// number and as a space inside an address.
pub(super) const JOIN: char = '\u{1}';

mod email;
mod numbers;

use email::email_masks;
pub(super) use email::email_regex;
use numbers::{number_masks, reads_a_digit};

/// The masks of every segment of a transcript, text as written. A speaker's consecutive
/// segments are read as one text, so a number split between two segments is masked in both.
#[derive(Debug, Clone, Default)]
pub struct Redaction {
    pub(super) text: Vec<Vec<Mask>>,
}

impl Redaction {
    pub fn of(t: &Transcript) -> Self {
        Redaction {
            text: speaker_masks(t, |s| &s.text),
        }
    }

    /// The masks of segment `i`'s text.
    pub(super) fn of_segment(&self, i: usize) -> &[Mask] {
        self.text.get(i).map_or(&[], Vec::as_slice)
    }

    /// Mask the transcript's text and raw text; a masked segment keeps no second choices (one
    /// may be a digit of the number, or sit where the mask moved the text), nor does any
    /// choice that reads a digit.
    pub fn apply(&self, t: &mut Transcript) {
        let raw = speaker_masks(t, |s| &s.raw_text);
        for (i, s) in t.segments.iter_mut().enumerate() {
            let (text_masks, raw_masks) = (self.of_segment(i), &raw[i]);
            if !text_masks.is_empty() || !raw_masks.is_empty() {
                s.second_choices.clear();
            }
            s.char_times = masked_times(&s.text, &s.char_times, text_masks);
            s.text = mask_all(&s.text, text_masks);
            s.raw_text = mask_all(&s.raw_text, raw_masks);
            s.second_choices.retain(|c| {
                let chars: Vec<char> = c.text.chars().collect();
                !reads_a_digit(&chars)
            });
        }
    }
}

/// The character times of `text` once masked: an e-mail's mark spans the times of what it
/// hides, so the masked text stays timed character for character (a rescore places findings
/// on it as the batch did).
fn masked_times(text: &str, times: &[(f64, f64)], masks: &[Mask]) -> Vec<(f64, f64)> {
    let n = text.chars().count();
    if times.len() != n || !masks.iter().any(|m| m.whole) {
        return times.to_vec();
    }
    let mut out = Vec::with_capacity(n);
    let mut i = 0;
    while i < n {
        match mask_at(masks, i) {
            Some(m) if m.whole => {
                let span = (times[m.start].0, times[m.end.min(n) - 1].1);
                out.extend(std::iter::repeat_n(span, EMAIL_MARK.chars().count()));
                i = m.end;
            }
            _ => {
                out.push(times[i]);
                i += 1;
            }
        }
    }
    out
}

fn mask_all(text: &str, masks: &[Mask]) -> String {
    if masks.is_empty() {
        return text.to_string();
    }
    let chars: Vec<char> = text.chars().collect();
    masked(&chars, masks, 0, chars.len())
}

/// Redact personal data in every segment's text and raw text (the default for outputs).
pub fn redact_transcript(t: &mut Transcript) {
    Redaction::of(t).apply(t);
}

/// Per segment, the masks of `field`, found over each speaker's segments joined.
fn speaker_masks(t: &Transcript, field: fn(&Segment) -> &String) -> Vec<Vec<Mask>> {
    let mut out = vec![Vec::new(); t.segments.len()];
    for speaker in [Speaker::Agent, Speaker::Customer, Speaker::Mixed] {
        let idx: Vec<usize> = (0..t.segments.len())
            .filter(|&i| t.segments[i].speaker == speaker)
            .collect();
        let mut joined: Vec<char> = Vec::new();
        let mut starts = Vec::new();
        for (k, &i) in idx.iter().enumerate() {
            if k > 0 {
                joined.push(JOIN);
            }
            starts.push(joined.len());
            joined.extend(field(&t.segments[i]).chars());
        }
        for m in masks(&joined) {
            for (k, &i) in idx.iter().enumerate() {
                let (a, b) = (starts[k], starts[k] + field(&t.segments[i]).chars().count());
                if m.start < b && a < m.end {
                    out[i].push(Mask {
                        start: m.start.max(a) - a,
                        end: m.end.min(b) - a,
                        whole: m.whole,
                    });
                }
            }
        }
    }
    out
}
