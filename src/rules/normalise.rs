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
        if let Some(d) = chinese_digit(c).or_else(|| digit_in_run(&raw, i)) {
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

pub(super) fn half_width(c: char) -> char {
    match c as u32 {
        0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        0x3000 => ' ',
        _ => c,
    }
}

/// Whisper's spellings of digits read one by one on the phone: yāo (1) as 腰/妖/夭/吆, dòng (0)
/// as 洞, jiǔ (9) as its homophones 久/酒/玖, wǔ (5) as 午, and èr (2), heard through the line,
/// as 案 (公号案539 for 工号二五三九, 卡号6案5… for 六二二五 on the Mandarin service calls). Each
/// is a digit only next to a digit (三零二腰 is 3021, 久久五四二 is 99542; 弯腰, 山洞, 好久 and
/// 酒店 stay); 要 and 午 (common words: 需要3天, 下午3点) only between two digits or before six.
pub fn telephone_digit(c: char) -> Option<char> {
    match c {
        '腰' | '妖' | '夭' | '吆' | '要' => Some('1'),
        '洞' => Some('0'),
        '久' | '酒' | '玖' => Some('9'),
        '午' => Some('5'),
        '案' => Some('2'),
        _ => None,
    }
}

/// `chars[i]` as a digit where it is a telephone spelling of one inside a read-out number
/// (`telephone_digit`): 六要七 is 617, 要398-536-5271 is 13985365271, 要午九,四四七五 is
/// 1594475, 我要3个 and 下午3点 stay. 么 is left out: 那么3点 is common speech.
pub fn digit_in_run(chars: &[char], i: usize) -> Option<char> {
    let variant = telephone_digit;
    let d = variant(chars[i])?;
    let digit = |c: Option<&char>| {
        c.is_some_and(|&c| {
            c.is_ascii_digit() || ('０'..='９').contains(&c) || chinese_digit(c).is_some()
        })
    };
    let before = chars[..i].iter().rev().find(|c| variant(**c).is_none());
    let after = chars[i + 1..].iter().find(|c| variant(**c).is_none());
    if matches!(chars[i], '要' | '午') {
        let inside = digit(chars[..i].last()) && digit(chars.get(i + 1));
        // six digits follow, read in groups (要39,5837, 要398-536) or with more spellings
        // among them (要午九,四四七五)
        let digitish = |c: Option<&char>| digit(c) || c.is_some_and(|&c| variant(c).is_some());
        let next: Vec<&char> = chars[i + 1..]
            .iter()
            .filter(|c| !matches!(c, ',' | '，' | ' ' | '、' | '-'))
            .take(6)
            .collect();
        let long_after = digitish(chars.get(i + 1))
            && next.len() == 6
            && next.iter().all(|&&c| digitish(Some(&c)));
        return (inside || long_after).then_some(d);
    }
    (digit(before) || digit(after)).then_some(d)
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

pub fn english_digit(w: &str) -> Option<char> {
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
