//! Numbers as they are read out: the digit units of every spelling, and the runs of them that
//! separators and filler words keep one number.

use super::{JOIN, Mask};
use crate::rules::normalise::{chinese_digit, digit_in_run, english_digit, telephone_digit};

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

pub(super) fn number_masks(chars: &[char]) -> Vec<Mask> {
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
    letters.len().is_multiple_of(4)
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
        "o" | "oh" | "nought" => (1, true, false),
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
        // other scripts' digits and number forms: ٣, ①, ⑴
        || (c.is_numeric() && !c.is_ascii())
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

/// Whether `chars` (a second choice, one token) holds a digit in any spelling.
pub(super) fn reads_a_digit(chars: &[char]) -> bool {
    !candidate_units(chars).is_empty()
}
