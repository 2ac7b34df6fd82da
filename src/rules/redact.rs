//! Personal data masked in text: every output holds transcripts redacted unless raw text is
//! explicitly kept. One redactor: [`masks`] finds what to hide on the text *as written* (before
//! normalisation drops the `@` and `.` of an address), and everything that quotes a segment —
//! the segment itself, a finding's matched text and evidence — is cut from the masked text by
//! span ([`masked`], [`Redaction`]), so no quote can show what its segment hides.

use crate::asr::{Segment, Transcript};
use crate::call::Speaker;

use super::Finding;
use super::normalise::{
    chinese_digit, digit_in_run, english_digit, half_width, normalise, telephone_digit,
};
use super::pii::{self, PiiKind};
use super::stream::Stream;

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
const JOIN: char = '\u{1}';

/// Up to this many separator characters (`……`, ` -- `, `。 `) between two digits of a number
/// (invisible ones, zero-width spaces, not counted)…
const MAX_SEP_CHARS: usize = 16;
/// …and up to this many filler words.
const MAX_FILLERS: usize = 4;

/// Words said between the digit groups of a read-out number.
const EN_FILLERS: [&str; 20] = [
    "uh", "um", "umm", "uhm", "er", "erm", "ah", "eh", "hmm", "and", "dash", "hyphen", "then",
    "space", "ok", "okay", "yes", "yeah", "right", "so",
];
/// 对 and 是: a read-back confirmed group by group (幺三八，对，一二三四，对，…).
const ZH_FILLERS: [&str; 13] = [
    "横杠", "那个", "然后", "就是", "呃", "嗯", "啊", "额", "杠", "哦", "对", "是", "好",
];
/// Numeral idioms that read no number.
const ZH_IDIOMS: [&str; 4] = ["三三两两", "七七八八", "一五一十", "三三五五"];

/// A digit as written: chars [start, end) stand for `count` digits ("double" for one more).
#[derive(Debug, Clone, Copy)]
struct Unit {
    start: usize,
    end: usize,
    count: usize,
    /// A digit only beside another ("o", 洞, "double" before one): not on its own.
    needs_neighbour: bool,
    /// "double"/"triple": counts only before a digit.
    multiplier: bool,
    /// "thirty": the digit word after it ("thirty eight") is its second digit, not a third.
    tens: bool,
}

fn number_masks(chars: &[char]) -> Vec<Mask> {
    let units = digit_units(chars);
    let mut out = Vec::new();
    let mut k = 0;
    while k < units.len() {
        let (first, mut last, mut count) = (k, k, units[k].count);
        while last + 1 < units.len() && bridged(chars, units[last].end, units[last + 1].start) {
            last += 1;
            let (prev, unit) = (units[last - 1], units[last]);
            let second_of_pair = prev.tens
                && unit.count == 1
                && chars[unit.start].is_ascii_alphabetic()
                && chars[prev.end..unit.start]
                    .iter()
                    .all(|&c| c == ' ' || c == '-');
            count += if second_of_pair { 0 } else { unit.count };
        }
        if count >= 7 && !reads_no_one(chars, units[first].start, units[last].end) {
            out.push(Mask {
                start: units[first].start,
                end: units[last].end,
                whole: false,
            });
        }
        k = last + 1;
    }
    out
}

/// Whether a run of digits is a date, a time (range), an amount or idioms, not a person's
/// number: `2024-03-05 10:30`, `10:30-11:45`, `1990-2024`, `¥12,345.67`, `1,250,000元`,
/// 三三两两，七七八八. What the
/// personal-data rules call a number is masked all the same ([`masks`]).
fn reads_no_one(chars: &[char], start: usize, end: usize) -> bool {
    let run = &chars[start..end];
    let (before, after) = (start.checked_sub(1).map(|i| chars[i]), chars.get(end));
    static RE: std::sync::OnceLock<[regex::Regex; 4]> = std::sync::OnceLock::new();
    let [date, time, years, amount] = RE.get_or_init(|| {
        let re = |p: &str| regex::Regex::new(p).expect("valid regex");
        [
            re(r"^(19|20)\d\d\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*[日号]?(\s*\d{1,2}\s*[:点时]\s*\d{1,2}(\s*[:分]\s*\d{1,2})?)?$"),
            re(r"^\d{1,2}[:：]\d{2}(\s*[-–~至到]\s*\d{1,2}[:：]\d{2})?$"),
            re(r"^(19|20)\d\d\s*[-–~至到]\s*(19|20)\d\d$"),
            re(r"^\d{1,3}(,\d{3})+(\.\d{1,2})?$"),
        ]
    });
    let text: String = run.iter().collect();
    let currency = before.is_some_and(|c| matches!(c, '¥' | '$' | '￥'))
        || after.is_some_and(|c| matches!(c, '元' | '块' | '万' | '亿'));
    date.is_match(&text)
        || time.is_match(&text)
        || years.is_match(&text)
        || (currency && amount.is_match(&text))
        || only_idioms(run)
}

/// The digits of `chars`: every candidate, then those that need a neighbour kept only where
/// one is (repeatedly: 洞 beside "o" beside 3 are all digits).
fn digit_units(chars: &[char]) -> Vec<Unit> {
    let mut cands = candidate_units(chars);
    let mut kept: Vec<bool> = cands.iter().map(|u| !u.needs_neighbour).collect();
    // "double o", "triple two": a pair that reads digits wherever it stands
    for k in 1..cands.len() {
        let word = chars[cands[k].start].is_ascii_alphabetic() && !cands[k].multiplier;
        if cands[k - 1].multiplier && word && bridged(chars, cands[k - 1].end, cands[k].start) {
            (kept[k - 1], kept[k]) = (true, true);
        }
    }
    loop {
        let mut changed = false;
        for k in 0..cands.len() {
            if kept[k] {
                continue;
            }
            let next = (k + 1 < cands.len())
                && kept[k + 1]
                && bridged(chars, cands[k].end, cands[k + 1].start);
            let prev = k > 0
                && kept[k - 1]
                && !cands[k - 1].multiplier
                && bridged(chars, cands[k - 1].end, cands[k].start);
            if next || (prev && !cands[k].multiplier) {
                kept[k] = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let mut k = 0;
    cands.retain(|_| {
        k += 1;
        kept[k - 1]
    });
    cands
}

/// Every place a digit may be written, in order.
fn candidate_units(chars: &[char]) -> Vec<Unit> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_alphabetic() {
            let end = (i..chars.len())
                .find(|&k| !chars[k].is_ascii_alphabetic())
                .unwrap_or(chars.len());
            let word: String = chars[i..end].iter().collect::<String>().to_lowercase();
            // glued to digits too: Whisper writes "four２９" and "o9"
            if let Some(u) = word_unit(&word, i, end) {
                out.push(u);
            }
            i = end;
            continue;
        }
        let unit = |needs_neighbour| Unit {
            start: i,
            end: i + 1,
            count: 1,
            needs_neighbour,
            multiplier: false,
            tens: false,
        };

        if is_digit_char(c) || digit_in_run(chars, i).is_some() {
            out.push(unit(false));
        } else if c != '要' && telephone_digit(c).is_some() {
            out.push(unit(true));
        }
        i += 1;
    }
    out
}

/// Whether a run is numeral idioms and nothing else (三三两两，七七八八).
fn only_idioms(run: &[char]) -> bool {
    let letters: Vec<char> = run
        .iter()
        .copied()
        .filter(|c| c.is_alphanumeric())
        .collect();
    letters.len() % 4 == 0
        && letters.chunks(4).all(|w| {
            let w: String = w.iter().collect();
            ZH_IDIOMS.contains(&w.as_str())
        })
}

/// An English word that reads a digit: "four", "oh" and "o" (only beside digits), "double"
/// and "triple" (only before one, counting one or two more).
fn word_unit(word: &str, start: usize, end: usize) -> Option<Unit> {
    const TEENS: [&str; 10] = [
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
    ];
    const TENS: [&str; 8] = [
        "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
    ];
    let (count, needs_neighbour, multiplier) = match word {
        "double" => (1, true, true),
        "triple" => (2, true, true),
        "o" | "oh" => (1, true, false),
        // a number read in pairs ("eleven thirty eight"): only beside other digits
        w if TEENS.contains(&w) || TENS.contains(&w) => (2, true, false),
        w if english_digit(w).is_some() => (1, false, false),
        _ => return None,
    };
    Some(Unit {
        start,
        end,
        count,
        needs_neighbour,
        multiplier,
        tens: TENS.contains(&word),
    })
}

/// A character that is a digit wherever it stands: ASCII and full-width digits, Chinese
/// numerals (零〇一二…九, 幺, 两 and its traditional 兩) and the financial ones (壹贰叁…, 貳參陸).
fn is_digit_char(c: char) -> bool {
    c.is_ascii_digit()
        || ('０'..='９').contains(&c)
        || chinese_digit(c).is_some()
        || matches!(
            c,
            '兩' | '壹'
                | '贰'
                | '貳'
                | '叁'
                | '參'
                | '肆'
                | '伍'
                | '陆'
                | '陸'
                | '柒'
                | '捌'
                | '玖'
        )
}

/// Whether `chars[a..b]`, between two digits, keeps them one number: nothing but a few
/// separator characters (anything not a letter or digit: `。` `—` `/` `_` no-break spaces,
/// segment joins) and a few filler words.
fn bridged(chars: &[char], a: usize, b: usize) -> bool {
    let (mut seps, mut fillers, mut i) = (0, 0, a);
    while i < b {
        let c = chars[i];
        if c == JOIN || !c.is_alphanumeric() {
            seps += usize::from(!is_invisible(c));
            i += 1;
        } else if let Some(len) = filler_at(chars, i, b) {
            fillers += 1;
            i += len;
        } else {
            return false;
        }
        if seps > MAX_SEP_CHARS || fillers > MAX_FILLERS {
            return false;
        }
    }
    true
}

/// Zero-width and other format characters: nothing a reader sees between two digits.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200f}' | '\u{2060}'..='\u{2064}' | '\u{feff}' | '\u{ad}')
}

/// The length of a filler word starting at `chars[i]` and ending by `b`.
fn filler_at(chars: &[char], i: usize, b: usize) -> Option<usize> {
    if chars[i].is_ascii_alphabetic() {
        let end = (i..b)
            .find(|&k| !chars[k].is_ascii_alphabetic())
            .unwrap_or(b);
        let word: String = chars[i..end].iter().collect::<String>().to_lowercase();
        return EN_FILLERS.contains(&word.as_str()).then_some(end - i);
    }
    ZH_FILLERS.iter().find_map(|w| {
        let w: Vec<char> = w.chars().collect();
        (i + w.len() <= b && chars[i..i + w.len()] == w[..]).then_some(w.len())
    })
}

/// E-mail addresses in `chars`, written or spoken, as whole masks.
fn email_masks(chars: &[char]) -> Vec<Mask> {
    // the regexes see a segment join as a space
    let text: String = chars
        .iter()
        .map(|&c| if c == JOIN { ' ' } else { c })
        .collect();
    let byte_to_char: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
    let char_at = |b: usize| byte_to_char.partition_point(|&x| x < b);
    [email_regex(), spoken_email_regex()]
        .iter()
        .flat_map(|re| re.find_iter(&text))
        .map(|m| Mask {
            start: char_at(m.start()),
            end: char_at(m.end()),
            whole: true,
        })
        .collect()
}

/// A written address: a local part (Latin, digits, up to four Chinese characters before them),
/// `@` or `＠`, a dotted Latin domain (`.`, `．` or `。`: Chinese text after it is no label).
pub(super) fn email_regex() -> &'static regex::Regex {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        regex::Regex::new(
            r"(?i)(?:\p{Han}{1,4})?[a-z0-9._%+\-]*\s*[@＠]\s*[a-z0-9\-]+(?:\s*[.．。]\s*[a-z0-9\-]+)+",
        )
        .expect("valid regex")
    })
}

/// A spoken address: name parts joined by "dot"/点/"underscore", then "at" (艾特, 圈a), then a
/// domain ending in a common top-level domain said as "dot com" or 点com.
fn spoken_email_regex() -> &'static regex::Regex {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        let part = r"(?:[a-z0-9]+|\p{Han}{1,3})";
        let join = r"\s*(?:\bdot\b|\bunderscore\b|\bdash\b|点|下划线|[._\-])\s*";
        let at = r"(?:\s+at\s+|\s*(?:艾特|爱特|圈a|[@＠])\s*)";
        let dot = r"\s*(?:\bdot\b|点|[.．。])\s*";
        // a label may be said in words: "one six three dot com"
        let label = r"[a-z0-9\-]+(?:\s+[a-z0-9\-]+){0,3}";
        let tld =
            r"(?:com|cn|net|org|edu|gov|info|biz|io|co|me|hk|tw|uk|us|jp|de|top|vip|xyz|cc)\b";
        regex::Regex::new(&format!(
            r"(?i){part}(?:{join}{part})*{at}{label}(?:{dot}{label})*{dot}{tld}"
        ))
        .expect("valid regex")
    })
}

/// Redact what findings quote that no segment holds (call metadata a `when` rule names); a
/// finding cut from a transcript is quoted from the masked text already
/// ([`super::RuleSet::scan_redacted`]).
pub fn redact_findings(findings: &mut [Finding]) {
    for f in findings {
        f.matched_text = redact(&f.matched_text);
        f.evidence = redact(&f.evidence);
    }
}

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
                candidate_units(&chars).is_empty()
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
