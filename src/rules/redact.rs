//! Personal data masked in text: every output holds transcripts redacted unless raw text is
//! explicitly kept.

use crate::asr::{Segment, Transcript};
use crate::call::Speaker;

use super::normalise::{chinese_digit, digit_in_run};

/// Mask personal data in text: every digit of a number of 7 or more digits (in digits,
/// full-width digits or Chinese numerals, optionally broken by spaces, dashes, dots or commas,
/// as Whisper writes read-out numbers) becomes `*`, and every e-mail address `[REDACTED]`.
/// Shorter numbers (amounts, 工号, the last four digits of a card) stay.
pub fn redact(text: &str) -> String {
    let text = email_regex().replace_all(text, "[REDACTED]");
    let mut chars: Vec<char> = text.chars().collect();
    mask_long_numbers(&mut chars);
    chars.into_iter().collect()
}

/// Segment boundary marker for [`mask_long_numbers`]: counts as a separator inside a number.
const JOIN: char = '\u{1}';

fn mask_long_numbers(chars: &mut [char]) {
    let digit: Vec<bool> = (0..chars.len())
        .map(|i| {
            let c = chars[i];
            c.is_ascii_digit()
                || ('０'..='９').contains(&c)
                || chinese_digit(c).is_some()
                || digit_in_run(chars, i).is_some()
        })
        .collect();
    let is_sep = |c: char| matches!(c, ' ' | '-' | '.' | ',' | '，' | '、' | '　' | '－' | JOIN);
    let mut i = 0;
    while i < chars.len() {
        if !digit[i] {
            i += 1;
            continue;
        }
        // the run: digits, and single separators between digits
        let (start, mut end, mut digits, mut j) = (i, i, 0, i);
        while j < chars.len() {
            if digit[j] {
                digits += 1;
                end = j + 1;
                j += 1;
            } else if is_sep(chars[j]) && digit.get(j + 1).copied().unwrap_or(false) {
                j += 1;
            } else {
                break;
            }
        }
        if digits >= 7 {
            for k in start..end {
                if digit[k] {
                    chars[k] = '*';
                }
            }
        }
        i = end;
    }
}

pub(super) fn email_regex() -> &'static regex::Regex {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        regex::Regex::new(r"(?i)[a-z0-9._%+\-]+\s*(@|＠)\s*[a-z0-9\-]+(\s*\.\s*[a-z0-9\-]+)+")
            .unwrap()
    })
}

/// Redact personal data in every segment's text and raw text (the default for outputs). A
/// speaker's consecutive segments are masked as one text, so a number split between two
/// segments is masked in both.
pub fn redact_transcript(t: &mut Transcript) {
    redact_field(t, |s| &mut s.text);
    redact_field(t, |s| &mut s.raw_text);
}

fn redact_field(t: &mut Transcript, field: fn(&mut Segment) -> &mut String) {
    for speaker in [Speaker::Agent, Speaker::Customer, Speaker::Mixed] {
        let idx: Vec<usize> = (0..t.segments.len())
            .filter(|&i| t.segments[i].speaker == speaker)
            .collect();
        // e-mails first (they change length), then numbers over the joined speaker text
        for &i in &idx {
            let s = field(&mut t.segments[i]);
            *s = email_regex().replace_all(s, "[REDACTED]").into_owned();
        }
        let mut joined: Vec<char> = Vec::new();
        let mut lens = Vec::new();
        for (k, &i) in idx.iter().enumerate() {
            if k > 0 {
                joined.push(JOIN);
            }
            let chars: Vec<char> = field(&mut t.segments[i]).chars().collect();
            lens.push(chars.len());
            joined.extend(chars);
        }
        mask_long_numbers(&mut joined);
        let mut pos = 0;
        for (k, &i) in idx.iter().enumerate() {
            if k > 0 {
                pos += 1;
            }
            *field(&mut t.segments[i]) = joined[pos..pos + lens[k]].iter().collect();
            pos += lens[k];
        }
    }
}
