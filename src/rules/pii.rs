//! Personal data read out by an agent: mobile numbers, ID card numbers, bank card numbers,
//! e-mail addresses. Numbers are found in the normalised stream, where spoken numerals are
//! already digits and segment boundaries and spaces are gone.

use serde::{Deserialize, Serialize};

use super::matcher::Hit;
use super::sound::{heard, sounds};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PiiKind {
    Mobile,
    IdCard,
    BankCard,
    Email,
}

impl PiiKind {
    pub const ALL: [PiiKind; 4] = [
        PiiKind::Mobile,
        PiiKind::IdCard,
        PiiKind::BankCard,
        PiiKind::Email,
    ];

    pub fn name(self) -> &'static str {
        match self {
            PiiKind::Mobile => "mobile number",
            PiiKind::IdCard => "ID card number",
            PiiKind::BankCard => "bank card number",
            PiiKind::Email => "e-mail address",
        }
    }
}

/// Whether a rule reports numbers the agent reads back to the customer for verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Readback {
    #[default]
    Include,
    Skip,
    Only,
}

impl Readback {
    pub fn keeps(self, readback: bool) -> bool {
        match self {
            Readback::Include => true,
            Readback::Skip => !readback,
            Readback::Only => readback,
        }
    }
}

/// A number read back for verification: a checking word shortly before it, from `from` on
/// (跟您核对一下，您的手机号是…; "let me confirm your card number, …"), or a question right
/// after it (…，对吗; "…, is that correct?"). The Chinese words are matched by sound (Whisper
/// writes 核实 as 何时), and a 对 after the number is enough (对吗 heard as 对某, 对零).
pub fn is_readback(chars: &[char], hit: Hit, from: usize) -> bool {
    // ？: any one character (核对一下 heard as 合作一下/何备以下, 核实身份 as 何习身份); the
    // text is normalised, so 一 is 1 there
    const BY_SOUND: [&str; 8] = [
        "核对",
        "核实",
        "确认",
        "对1下",
        "验证",
        "校验",
        "核？1下",
        "核？身份",
    ];
    const WORDS: [&str; 4] = ["confirm", "verify", "check", "read back"];
    const AFTER: [&str; 6] = ["对", "是吗", "是吧", "是不是", "right", "correct"];
    let before = &chars[hit.start.saturating_sub(32).max(from)..hit.start];
    // English takes about three letters for each Chinese character's time: a wider window
    // ("let me confirm your card number, it is 7 …" puts 33 letters before the digits)
    let before_text: String = chars[hit.start.saturating_sub(64).max(from)..hit.start]
        .iter()
        .collect();
    let after: String = chars[hit.end..(hit.end + 16).min(chars.len())]
        .iter()
        .collect();
    BY_SOUND.iter().any(|w| sounds_in(before, w))
        || WORDS.iter().any(|w| before_text.contains(w))
        || AFTER.iter().any(|w| after.contains(w))
}

/// Whether `word` is in `text`, character by character by toneless sound.
fn sounds_in(text: &[char], word: &str) -> bool {
    last_by_sound(text, word).is_some()
}

/// Where `word` last starts in `text`, character by character by toneless sound (`？`: any
/// one character).
fn last_by_sound(text: &[char], word: &str) -> Option<usize> {
    let want: Vec<Option<_>> = word
        .chars()
        .map(|c| (c != '？').then(|| sounds(c)))
        .collect();
    let got: Vec<_> = text.iter().map(|&c| heard(c)).collect();
    got.windows(want.len()).rposition(|w| {
        w.iter()
            .zip(&want)
            .all(|(g, s)| s.as_ref().is_none_or(|s| g.iter().any(|g| s.contains(&g))))
    })
}

/// Numbers in `chars` (normalised text) that are personal data of the wanted kinds.
pub fn detect(chars: &[char], kinds: &[PiiKind]) -> Vec<(PiiKind, Hit)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        // ID numbers may end in X (normalised to " x" after digits)
        let mut end = i;
        if i - start == 17 {
            if chars.get(i) == Some(&'x') {
                end = i + 1;
            } else if chars.get(i) == Some(&' ') && chars.get(i + 1) == Some(&'x') {
                end = i + 2;
            }
        }
        let digits: String = chars[start..i].iter().collect();
        // a few words back: "the account number on file is " is 26 characters
        let before: String = chars[start.saturating_sub(32)..start].iter().collect();
        let near: String = chars[start.saturating_sub(8)..start].iter().collect();
        let kind = if NOT_PERSONAL.iter().any(|w| near.contains(w)) {
            None
        } else if let Some((k, bridged_end)) = bridged(chars, i, &digits, &before) {
            // Whisper slipped a word into the number (卡号16案5527753976): one number
            end = bridged_end;
            i = bridged_end;
            Some(k)
        } else {
            by_context(&digits, &before).or_else(|| classify(&digits, end > i))
        };
        if let Some(k) = kind.filter(|k| kinds.contains(k)) {
            out.push((
                k,
                Hit {
                    start,
                    end,
                    edits: 0,
                },
            ));
        }
        i = end.max(i);
    }
    if kinds.contains(&PiiKind::Email) {
        let text: String = chars.iter().collect();
        let byte_to_char: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
        for m in spoken_email().find_iter(&text) {
            let start = byte_to_char.partition_point(|&b| b < m.start());
            let end = byte_to_char.partition_point(|&b| b < m.end());
            out.push((
                PiiKind::Email,
                Hit {
                    start,
                    end,
                    edits: 0,
                },
            ));
        }
    }
    out.sort_by_key(|(_, h)| h.start);
    out
}

/// A number its context names (卡号, 身份证, 手机) that Whisper broke with one or two stray
/// characters (座爱, 案): the runs joined, if the joined digits fit the kind and the run alone
/// does not. Returns the kind and where the joined number ends.
fn bridged(chars: &[char], run_end: usize, digits: &str, before: &str) -> Option<(PiiKind, usize)> {
    if by_context(digits, before).is_some() {
        return None;
    }
    let mut joined = digits.to_string();
    let mut at = run_end;
    let mut found = None;
    loop {
        let Some(gap) = (at..(at + 3).min(chars.len())).find(|&k| chars[k].is_ascii_digit()) else {
            return found;
        };
        if gap == at
            || chars[at..gap]
                .iter()
                .any(|c| c.is_ascii_alphabetic() || *c == ' ')
        {
            return found;
        }
        let mut end = gap;
        while end < chars.len() && chars[end].is_ascii_digit() {
            end += 1;
        }
        joined.extend(&chars[gap..end]);
        if joined.len() > 21 {
            return found;
        }
        if let Some(k) = by_context(&joined, before) {
            found = Some((k, end));
        }
        at = end;
    }
}

/// Numbers these words name are not a person's: order and tracking numbers are often 16–19
/// digits long, like a card. 定单 is 订单's other spelling, and Whisper's for it on the service
/// calls (您的定单好是2026…).
const NOT_PERSONAL: [&str; 13] = [
    "订单", "定单", "单号", "运单", "快递", "物流", "流水", "工单", "合同", "工号", "编号",
    "order", "tracking",
];

/// What the words just before a number say it is, nearest word first (Chinese ones by sound);
/// `before` is normalised text (lowercase, no spaces between CJK). Whisper drops and repeats digits of long read-out
/// numbers, so a run a few digits off the kind's length still counts here (an ID 15–20); an ID
/// heard as 16 digits is an ID, not a card, when the agent said 身份证.
fn by_context(digits: &str, before: &str) -> Option<PiiKind> {
    const WORDS: [(PiiKind, &[&str]); 3] = [
        (
            PiiKind::IdCard,
            &[
                "身份证",
                "证件",
                "idcard",
                "id card",
                "id number",
                "identity",
            ],
        ),
        (
            PiiKind::Mobile,
            // 机号: 手机号/座机号 with the first syllable misheard (预留手机号 as 一楼楼记号)
            &[
                "手机",
                "机号",
                "电话",
                "联系方式",
                "mobile",
                "phone",
                "cell",
            ],
        ),
        (
            PiiKind::BankCard,
            &["卡", "账号", "帐号", "card", "account"],
        ),
    ];
    // Chinese words by sound: Whisper writes 身份证 as 身份正
    let chars: Vec<char> = before.chars().collect();
    let last = |w: &&str| {
        if w.is_ascii() {
            before.rfind(w).map(|b| before[..b].chars().count())
        } else {
            last_by_sound(&chars, w)
        }
    };
    let (kind, _) = WORDS
        .iter()
        .filter_map(|(k, words)| {
            let at = words.iter().filter_map(last).max()?;
            Some((*k, at))
        })
        .max_by_key(|(_, at)| *at)?;
    let n = digits.len();
    let fits = match kind {
        // 15: a first-generation ID, or an 18-digit one heard three short
        PiiKind::IdCard => (15..=20).contains(&n),
        PiiKind::Mobile => (9..=13).contains(&n) && digits.starts_with('1'),
        PiiKind::BankCard => (12..=21).contains(&n),
        PiiKind::Email => false,
    };
    fits.then_some(kind)
}

fn classify(d: &str, x_suffix: bool) -> Option<PiiKind> {
    let b = d.as_bytes();
    let mobile = |s: &[u8]| s.len() == 11 && s[0] == b'1' && (b'3'..=b'9').contains(&s[1]);
    if mobile(b) || (b.len() == 13 && b.starts_with(b"86") && mobile(&b[2..])) {
        return Some(PiiKind::Mobile);
    }
    if (b.len() == 17 && x_suffix) || (b.len() == 18 && looks_like_id(b)) {
        return Some(PiiKind::IdCard);
    }
    // an ID Whisper heard with a digit or two too many or too few: its region and birth year
    // and month still lead it (宣传证号是51010719831062060333, 20 digits, for 身份证号)
    if (16..=20).contains(&b.len()) && id_prefix(b) {
        return Some(PiiKind::IdCard);
    }
    if (16..=19).contains(&b.len()) {
        return Some(PiiKind::BankCard);
    }
    None
}

/// The value of a run of ASCII digits (0 if it is none).
fn num(s: &[u8]) -> u32 {
    std::str::from_utf8(s)
        .ok()
        .and_then(|s| s.parse::<u32>().ok())
        .unwrap_or(0)
}

/// The first 12 digits of a resident ID: a region (its first digit, the province group, 1–8),
/// then a birth year 1900–2029 and a month.
fn id_prefix(b: &[u8]) -> bool {
    b.len() >= 12
        && (b'1'..=b'8').contains(&b[0])
        && (1900..=2029).contains(&num(&b[6..10]))
        && (1..=12).contains(&num(&b[10..12]))
}

/// Resident ID: 6-digit region, then a birth date YYYYMMDD with a plausible year and month.
fn looks_like_id(b: &[u8]) -> bool {
    let (year, month, day) = (num(&b[6..10]), num(&b[10..12]), num(&b[12..14]));
    (1900..=2099).contains(&year) && (1..=12).contains(&month) && (1..=31).contains(&day)
}

/// An e-mail address as it survives normalisation: "name at example dot com", or with the
/// symbols dropped ("zhangsan qq com") is too vague; only the spoken "at … dot" form and the
/// written form (caught on the raw text by the redactor) count.
fn spoken_email() -> &'static regex::Regex {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| regex::Regex::new(r"[a-z0-9]+ at [a-z0-9]+( dot [a-z]{2,})+").unwrap())
}
