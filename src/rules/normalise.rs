//! Text normalisation before matching, applied alike to transcripts and to rule phrases:
//! traditional → simplified, full-width → half-width, lowercase, punctuation and spaces
//! dropped (one space kept between Latin words), Chinese numerals and English digit words →
//! digits (numbers are read out digit by digit on calls: 幺三八 → 138, "four five" → 45).

/// Normalised text with, for each of its characters, the index of the source character.
#[derive(Debug, Clone, Default)]
pub struct Normalised {
    pub chars: Vec<char>,
    pub source: Vec<usize>,
}

impl Normalised {
    pub fn as_string(&self) -> String {
        self.chars.iter().collect()
    }
}

pub fn normalise(text: &str) -> Normalised {
    // fast2s maps char for char, so indices stay indices into `text`; if it ever did not,
    // matching on the unconverted text beats mapping evidence to the wrong characters.
    let simplified = fast2s::convert(text);
    let base = if simplified.chars().count() == text.chars().count() {
        simplified.as_str()
    } else {
        text
    };
    let raw: Vec<char> = base
        .chars()
        .map(half_width)
        .map(|c| c.to_lowercase().next().unwrap_or(c)) // one char per char keeps indices
        .collect();
    let mut out = Normalised::default();
    let mut i = 0;
    while i < raw.len() {
        let c = raw[i];
        if c.is_ascii_alphabetic() {
            // a Latin word: English digit words become digits
            // Apostrophes inside a word go ("that's" = "thats").
            let start = i;
            let mut word: Vec<(char, usize)> = Vec::new();
            while i < raw.len() {
                if raw[i].is_ascii_alphanumeric() {
                    word.push((raw[i], i));
                } else if !(is_apostrophe(raw[i])
                    && raw.get(i + 1).is_some_and(char::is_ascii_alphabetic))
                {
                    break;
                }
                i += 1;
            }
            let text: String = word.iter().map(|(c, _)| c).collect();
            let digit = english_digit(&text);
            let last = out.chars.last().copied();
            // Spoken digits join into one number ("four one one" = 411), words stay apart.
            let joins_number = digit.is_some() && last.is_some_and(|p| p.is_ascii_digit());
            if last.is_some_and(|p| p.is_ascii_alphanumeric()) && !joins_number {
                out.chars.push(' ');
                out.source.push(start);
            }
            match digit {
                Some(d) => {
                    out.chars.push(d);
                    out.source.push(start);
                }
                None => {
                    for (ch, k) in word {
                        out.chars.push(ch);
                        out.source.push(k);
                    }
                }
            }
            continue;
        }
        if let Some(d) = chinese_digit(c) {
            out.chars.push(d);
            out.source.push(i);
        } else if c.is_alphanumeric() {
            if c.is_ascii_digit() && out.chars.last().is_some_and(|p| p.is_ascii_alphabetic()) {
                out.chars.push(' ');
                out.source.push(i);
            }
            out.chars.push(c);
            out.source.push(i);
        }
        i += 1;
    }
    out
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | '`')
}

fn half_width(c: char) -> char {
    match c as u32 {
        0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        0x3000 => ' ',
        _ => c,
    }
}

/// 零〇一二三四五六七八九 and the telephone readings 幺 (1) and 两 (2).
pub fn chinese_digit(c: char) -> Option<char> {
    Some(match c {
        '零' | '〇' => '0',
        '一' | '幺' => '1',
        '二' | '两' => '2',
        '三' => '3',
        '四' => '4',
        '五' => '5',
        '六' => '6',
        '七' => '7',
        '八' => '8',
        '九' => '9',
        _ => return None,
    })
}

fn english_digit(w: &str) -> Option<char> {
    Some(match w {
        "zero" | "oh" => '0',
        "one" => '1',
        "two" => '2',
        "three" => '3',
        "four" => '4',
        "five" => '5',
        "six" => '6',
        "seven" => '7',
        "eight" => '8',
        "nine" => '9',
        _ => return None,
    })
}

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
pub(crate) const JOIN: char = '\u{1}';

pub(crate) fn mask_long_numbers(chars: &mut [char]) {
    let is_digit =
        |c: char| c.is_ascii_digit() || ('０'..='９').contains(&c) || chinese_digit(c).is_some();
    let is_sep = |c: char| matches!(c, ' ' | '-' | '.' | ',' | '，' | '、' | '　' | '－' | JOIN);
    let mut i = 0;
    while i < chars.len() {
        if !is_digit(chars[i]) {
            i += 1;
            continue;
        }
        // the run: digits, and single separators between digits
        let (start, mut end, mut digits, mut j) = (i, i, 0, i);
        while j < chars.len() {
            if is_digit(chars[j]) {
                digits += 1;
                end = j + 1;
                j += 1;
            } else if is_sep(chars[j]) && chars.get(j + 1).is_some_and(|&c| is_digit(c)) {
                j += 1;
            } else {
                break;
            }
        }
        if digits >= 7 {
            chars[start..end]
                .iter_mut()
                .filter(|c| is_digit(**c))
                .for_each(|c| *c = '*');
        }
        i = end;
    }
}

pub(crate) fn email_regex() -> &'static regex::Regex {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        regex::Regex::new(r"(?i)[a-z0-9._%+\-]+\s*(@|＠)\s*[a-z0-9\-]+(\s*\.\s*[a-z0-9\-]+)+")
            .unwrap()
    })
}
