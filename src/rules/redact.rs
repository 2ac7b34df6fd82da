//! Personal data masked in text: every output holds transcripts redacted unless raw text is
//! explicitly kept.

use crate::asr::{Segment, Transcript};
use crate::call::Speaker;

use super::Finding;
use super::normalise::{chinese_digit, digit_in_run, english_digit, telephone_digit};

/// Mask personal data in text: every digit of a number of 7 or more digits (in digits,
/// full-width digits, Chinese numerals or English digit words, broken by up to three spaces,
/// dashes, dots or commas between digits, as Whisper writes read-out numbers) becomes `*` (a
/// digit word one `*` per letter), and every e-mail address `[REDACTED]`.
/// Shorter numbers (amounts, 工号, the last four digits of a card) stay.
pub fn redact(text: &str) -> String {
    let text = email_regex().replace_all(text, "[REDACTED]");
    let mut chars: Vec<char> = text.chars().collect();
    mask_long_numbers(&mut chars);
    chars.into_iter().collect()
}

/// Segment boundary marker for [`mask_long_numbers`]: counts as a separator inside a number.
const JOIN: char = '\u{1}';

/// Where each digit starting at a position ends: one character, or a whole English digit word
/// ("four", "Oh"); 0 where no digit starts.
fn digit_units(chars: &[char]) -> Vec<usize> {
    let mut ends = vec![0; chars.len()];
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_alphabetic() {
            let end = (i..chars.len())
                .find(|&k| !chars[k].is_ascii_alphabetic())
                .unwrap_or(chars.len());
            let word: String = chars[i..end].iter().collect::<String>().to_lowercase();
            let glued = i > 0 && chars[i - 1].is_ascii_digit()
                || chars.get(end).is_some_and(char::is_ascii_digit);
            if english_digit(&word).is_some() && !glued {
                ends[i] = end;
            }
            i = end;
            continue;
        }
        if c.is_ascii_digit()
            || ('０'..='９').contains(&c)
            || chinese_digit(c).is_some()
            || digit_in_run(chars, i).is_some()
        {
            ends[i] = i + 1;
        }
        i += 1;
    }
    // a telephone spelling of a digit (not 要) next to a digit across a separator or a digit
    // word ("two, 洞")
    let mut covered = vec![false; chars.len()];
    for (i, &end) in ends.iter().enumerate().filter(|(_, e)| **e > 0) {
        covered[i..end].fill(true);
    }
    let next_to_digit = |covered: &[bool], i: usize, step: isize| {
        let mut k = i;
        for _ in 0..=MAX_SEP {
            match k.checked_add_signed(step).filter(|&k| k < chars.len()) {
                Some(n) if covered[n] => return true,
                Some(n) if is_sep(chars[n]) => k = n,
                _ => return false,
            }
        }
        false
    };
    loop {
        let mut changed = false;
        for i in 0..chars.len() {
            if !covered[i]
                && chars[i] != '要'
                && telephone_digit(chars[i]).is_some()
                && (next_to_digit(&covered, i, -1) || next_to_digit(&covered, i, 1))
            {
                ends[i] = i + 1;
                covered[i] = true;
                changed = true;
            }
        }
        if !changed {
            return ends;
        }
    }
}

/// Between two digits of one read-out number.
fn is_sep(c: char) -> bool {
    matches!(c, ' ' | '-' | '.' | ',' | '，' | '、' | '　' | '－' | JOIN)
}

/// Whisper writes read-out digits with ", " or " - " between groups: up to three separator
/// characters may stand between two digits of one number.
const MAX_SEP: usize = 3;

fn mask_long_numbers(chars: &mut [char]) {
    let units = digit_units(chars);
    let mut i = 0;
    while i < chars.len() {
        if units[i] == 0 {
            i += 1;
            continue;
        }
        // the run: digits, and short separator stretches between digits
        let (start, mut end, mut digits, mut j) = (i, i, 0, i);
        while j < chars.len() && units[j] > 0 {
            digits += 1;
            end = units[j];
            j = end;
            let seps = chars[j..]
                .iter()
                .take(MAX_SEP + 1)
                .take_while(|c| is_sep(**c))
                .count();
            if seps <= MAX_SEP && units.get(j + seps).is_some_and(|&u| u > 0) {
                j += seps;
            } else {
                break;
            }
        }
        if digits >= 7 {
            for c in chars[start..end].iter_mut().filter(|c| c.is_alphanumeric()) {
                *c = '*';
            }
        }
        i = end.max(i + 1);
    }
}

pub(super) fn email_regex() -> &'static regex::Regex {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        regex::Regex::new(r"(?i)[a-z0-9._%+\-]+\s*(@|＠)\s*[a-z0-9\-]+(\s*\.\s*[a-z0-9\-]+)+")
            .unwrap()
    })
}

/// Redact personal data in what findings quote: any rule's matched text (a broad pattern may
/// quote a whole sentence) and evidence.
pub fn redact_findings(findings: &mut [Finding]) {
    for f in findings {
        f.matched_text = redact(&f.matched_text);
        f.evidence = redact(&f.evidence);
    }
}

/// Redact personal data in every segment's text and raw text (the default for outputs). A
/// speaker's consecutive segments are masked as one text, so a number split between two
/// segments is masked in both.
pub fn redact_transcript(t: &mut Transcript) {
    let before: Vec<(String, String)> = (t.segments.iter())
        .map(|s| (s.text.clone(), s.raw_text.clone()))
        .collect();
    redact_field(t, |s| &mut s.text);
    redact_field(t, |s| &mut s.raw_text);
    // a second choice may be a digit of a masked number, or sit where masking moved the text
    for (s, (text, raw)) in t.segments.iter_mut().zip(before) {
        if s.text != text || s.raw_text != raw {
            s.second_choices.clear();
        }
        s.second_choices.retain(|c| {
            let chars: Vec<char> = c.text.chars().collect();
            digit_units(&chars).iter().all(|&end| end == 0)
        });
    }
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
