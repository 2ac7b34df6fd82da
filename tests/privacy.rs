//! Personal data never survives redaction (issue #37): numbers read out over the whole grammar
//! the redactor knows — every numeral system (ASCII, full-width, Chinese, telephone, financial,
//! traditional, English words with "o"/"oh" and "double"/"triple"), every separator class,
//! filler words, mixed spellings, split between segments — and e-mail addresses written and
//! spoken. Checked on the redactor itself (exact output), on what findings quote, and in every
//! output of a dataset: each Parquet text column after the batch's judging and after
//! `rescore`, reviewer notes, `query --csv`, the HTML report and the review queue.

mod common;

use callqa::call::Speaker::{Agent, Customer};
use callqa::rules::{RuleSet, normalise, redact};
use common::transcript;

/// A small deterministic generator (no dependency, the same cases on every machine).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const EN: [&str; 10] = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
];
const ZH: [char; 10] = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
const FINANCIAL: [char; 10] = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'];
const TRADITIONAL: [char; 10] = ['〇', '壹', '兩', '參', '肆', '伍', '陸', '柒', '捌', '玖'];
/// Every class of separator Whisper or a typist puts between digit groups.
const SEPS: [&str; 24] = [
    " ", "-", ".", ",", "，", "、", "。", "．", "—", "–", "/", "_", ":", "；", "……", "\u{a0}",
    "...", " -- ", ". ", "... ", "; ", ", ", "·", " / ",
];
const FILLERS: [&str; 8] = [" uh ", " um ", "呃", "嗯", "那个", " dash ", "杠", " and "];
const STYLES: usize = 9;

/// Digit `d` in spelling `style`.
fn spell(d: usize, style: usize, rng: &mut Rng) -> String {
    match style {
        0 => d.to_string(),
        1 => char::from_u32('０' as u32 + d as u32).unwrap().to_string(),
        2 => ZH[d].to_string(),
        // the telephone readings: 幺 or 腰 for 1, 两 for 2, 洞 for 0, 久 for 9
        3 => match d {
            0 => "洞".into(),
            1 => rng.pick(&["幺", "腰", "幺"]).into(),
            2 => "两".into(),
            9 => rng.pick(&["九", "久"]).into(),
            _ => ZH[d].to_string(),
        },
        4 => FINANCIAL[d].to_string(),
        5 => TRADITIONAL[d].to_string(),
        6 if d == 0 => rng.pick(&["zero", "o", "oh"]).into(),
        6 => EN[d].into(),
        7 => {
            let w = if d == 0 {
                rng.pick(&["zero", "oh"])
            } else {
                EN[d]
            };
            w[..1].to_uppercase() + &w[1..]
        }
        _ => EN[d].to_uppercase(),
    }
}

fn is_word_style(style: usize) -> bool {
    style >= 6
}

/// A number of 7–19 digits read out in one spelling or switching between them, grouped with
/// separators and filler words as said and written.
fn read_out(rng: &mut Rng) -> String {
    read_out_pieces(rng).concat()
}

/// [`read_out`] as its pieces: digit tokens and what stands between them.
fn read_out_pieces(rng: &mut Rng) -> Vec<String> {
    let len = 7 + rng.below(13);
    let style = rng.below(STYLES);
    let mixed = rng.below(4) == 0;
    let mut out: Vec<String> = Vec::new();
    let mut k = 0;
    while k < len {
        let style = if mixed { rng.below(STYLES) } else { style };
        let d = rng.below(10);
        let mut token = spell(d, style, rng);
        // "double two", "triple oh": a repeated digit said once
        if is_word_style(style) && k + 2 <= len && rng.below(5) == 0 {
            let times = if k + 3 <= len && rng.below(3) == 0 {
                3
            } else {
                2
            };
            let word = if times == 2 { "double" } else { "triple" };
            let word = if style == 8 {
                word.to_uppercase()
            } else {
                word.into()
            };
            token = format!("{word} {token}");
            k += times;
        } else {
            k += 1;
        }
        if !out.is_empty() {
            match rng.below(8) {
                0 | 1 => out.push(rng.pick(&SEPS).into()),
                2 => out.push(rng.pick(&FILLERS).into()),
                _ => {}
            }
        }
        let glued = |a: Option<char>, b: Option<char>| {
            let latin = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphabetic());
            let alnum = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
            (latin(a) && alnum(b)) || (alnum(a) && latin(b))
        };
        let last = out.last().and_then(|p| p.chars().last());
        if glued(last, token.chars().next()) {
            out.push(" ".into());
        }
        out.push(token);
    }
    out
}

/// An e-mail address written (`@`, Chinese local parts, spaces around the symbols) or spoken
/// ("zhang dot san at example dot com", 艾特 … 点com).
fn address(rng: &mut Rng) -> String {
    let written_local = [
        "zhang.san",
        "li_lei",
        "wang-wu88",
        "张三",
        "小明",
        "13800138000",
        "j.smith",
    ];
    let domain = [
        "qq.com",
        "163.com",
        "example.com.cn",
        "gmail.com",
        "corp-mail.net",
    ];
    let spoken_local = [
        "zhang dot san",
        "li underscore lei",
        "wangwu",
        "j dot smith",
        "张三",
    ];
    let spoken_domain = [
        "example dot com",
        "qq dot com",
        "gmail dot com",
        "one six three dot com",
    ];
    let local = rng.pick(&written_local);
    let dom = rng.pick(&domain);
    match rng.below(6) {
        0 => format!("{local}@{dom}"),
        1 => format!("{local} @ {}", dom.replace('.', " . ")),
        2 => format!("{local}＠{dom}"),
        3 => format!(
            "{} at {}",
            rng.pick(&spoken_local),
            rng.pick(&spoken_domain)
        ),
        4 => format!("{}艾特{}", rng.pick(&spoken_local), dom.replace('.', "点")),
        _ => format!(
            "{} 艾特 {}",
            rng.pick(&spoken_local),
            dom.replace('.', " 点 ")
        ),
    }
}

/// Sentences around a read-out: none holds a digit in any spelling.
const BEFORE: [&str; 4] = [
    "您的号码是",
    "your number is ",
    "卡号：",
    "my card number is ",
];
const AFTER: [&str; 4] = ["，请核对", ", please check", "。", " right?"];

/// What the redactor must make of a read-out: every letter and digit of it a `*`.
fn starred(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_alphanumeric() { '*' } else { c })
        .collect()
}

#[test]
fn every_spelling_of_a_number_is_masked_whole() {
    let mut rng = Rng(37);
    for case in 0..6000 {
        let number = read_out(&mut rng);
        let (before, after) = (BEFORE[case % 4], AFTER[case % 4]);
        let text = format!("{before}{number}{after}");
        let want = format!("{before}{}{after}", starred(&number));
        assert_eq!(redact(&text), want, "case {case}: {text}");
    }
}

#[test]
fn a_number_split_between_segments_in_any_spelling_is_masked_in_both() {
    let mut rng = Rng(38);
    for case in 0..2000 {
        // Whisper cuts segments between words, never inside one
        let pieces = read_out_pieces(&mut rng);
        let cut = 1 + rng.below(pieces.len() - 1);
        let (a, b) = (pieces[..cut].concat(), pieces[cut..].concat());
        let (first, second) = (format!("号码是{a}"), format!("{b}，对吗"));
        let mut t = transcript(
            "zh",
            &[
                (Agent, 1.0, 2.0, first.as_str()),
                (Customer, 1.5, 2.0, "嗯"),
                (Agent, 2.5, 4.0, second.as_str()),
            ],
        );
        callqa::rules::redact_transcript(&mut t);
        let got: Vec<&str> = t.segments.iter().map(|s| s.text.as_str()).collect();
        let (wa, wb) = (
            format!("号码是{}", starred(&a)),
            format!("{}，对吗", starred(&b)),
        );
        assert_eq!(
            got,
            vec![wa.as_str(), "嗯", wb.as_str()],
            "case {case}: {first} | {second}"
        );
        assert_eq!(t.segments[2].raw_text, wb, "case {case}");
    }
}

#[test]
fn every_form_of_an_address_is_masked() {
    let mut rng = Rng(39);
    for case in 0..2000 {
        let addr = address(&mut rng);
        let (before, after) = if case % 2 == 0 {
            ("邮箱是：", "，谢谢")
        } else {
            ("my email is ", ", thanks")
        };
        let text = format!("{before}{addr}{after}");
        assert_eq!(
            redact(&text),
            format!("{before}[REDACTED]{after}"),
            "case {case}: {text}"
        );
    }
}

#[test]
fn ordinary_speech_and_short_numbers_stay() {
    for text in [
        "press one for two minutes, then four",
        "工号1234，尾号5678，金额三百五十元",
        "一会儿一定给您回电话，一共两个问题",
        "I'll double check and call you at three",
        "Oh, one more thing",
        "等了好久，3天了",
        "他弯腰了",
        "meet at the office. Communication is key",
    ] {
        assert_eq!(redact(text), text);
    }
}

/// A finding quotes its segment as redaction leaves it (S2): a broad team pattern over an
/// address or a number, and a quote that ends inside a masked number.
#[test]
fn findings_quote_the_masked_segment_by_span() {
    let rules = RuleSet::parse(
        r#"
version = "t"
[[rules]]
id = "broad"
kind = "forbidden"
severity = "minor"
match = "regex"
patterns = ["(number|card|email|号码|邮箱).{0,60}"]
[[rules]]
id = "short"
kind = "forbidden"
severity = "minor"
match = "regex"
patterns = ["phone number is.{0,2}"]
"#,
    )
    .unwrap();
    let mut rng = Rng(40);
    for case in 0..500 {
        let said = if case % 3 == 0 {
            format!("your email is {}", address(&mut rng))
        } else {
            format!("{}{}", BEFORE[case % 4], read_out(&mut rng))
        };
        let lines = [
            (Agent, 1.0, 6.0, said.as_str()),
            (Agent, 7.0, 9.0, "my phone number is 138 0013 8000"),
        ];
        let t = transcript(if case % 2 == 0 { "en" } else { "zh" }, &lines);
        let redaction = callqa::rules::Redaction::of(&t);
        let f = rules.scan_redacted(&t, 60.0, &Default::default(), &redaction);
        assert!(f.iter().any(|f| f.rule_id == "short"), "{f:?}");
        for f in &f {
            for text in [&f.matched_text, &f.evidence] {
                let digits = normalise(text)
                    .chars
                    .iter()
                    .filter(|c| c.is_ascii_digit())
                    .count();
                assert_eq!(digits, 0, "case {case}: {said} → {text}");
                assert!(
                    !text.contains('@') && !text.contains(" at "),
                    "case {case}: {text}"
                );
            }
        }
    }
}
