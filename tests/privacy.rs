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

/// Whether `s` still holds a digit in any spelling, or an address.
fn leaks(s: &str) -> bool {
    const DIGITS: &str =
        "0123456789０１２３４５６７８９零〇一二三四五六七八九幺两兩壹贰貳叁參肆伍陆陸柒捌玖洞腰久";
    let words = s
        .split(|c: char| !c.is_ascii_alphabetic())
        .map(str::to_lowercase);
    s.chars().any(|c| DIGITS.contains(c))
        || s.contains('@')
        || s.contains("艾特")
        || words
            .into_iter()
            .any(|w| EN.contains(&w.as_str()) || w == "oh" || w == "o" || w == "at")
}

/// A call's transcript: read-outs and addresses, some split between two segments, between
/// the agent's and the customer's turns. Every line is wrapped in 《》, so that HTML pages can
/// be searched for what they quote of it.
fn call_transcript(rng: &mut Rng, lines: usize) -> callqa::asr::Transcript {
    let mut texts: Vec<(callqa::call::Speaker, String)> = Vec::new();
    while texts.len() < lines {
        let speaker = if rng.below(3) == 0 { Customer } else { Agent };
        let said = if rng.below(5) == 0 {
            let (b, a) = [("邮箱是：", "，谢谢"), ("my email is ", ", thanks")][rng.below(2)];
            format!("{b}{}{a}", address(rng))
        } else {
            let k = rng.below(4);
            let pieces = read_out_pieces(rng);
            if rng.below(4) == 0 {
                let cut = 1 + rng.below(pieces.len() - 1);
                texts.push((
                    speaker,
                    format!("《{}{}", BEFORE[k], pieces[..cut].concat()),
                ));
                texts.push((speaker, format!("{}{}》", pieces[cut..].concat(), AFTER[k])));
                continue;
            }
            format!("{}{}{}", BEFORE[k], pieces.concat(), AFTER[k])
        };
        texts.push((speaker, format!("《{said}》")));
    }
    let lines: Vec<_> = (texts.iter().enumerate())
        .map(|(i, (who, text))| (*who, 2.0 * i as f64, 2.0 * i as f64 + 1.8, text.as_str()))
        .collect();
    transcript("auto", &lines)
}

/// Every string a dataset table holds in `columns` (SQL over the dataset).
fn column_values(out: &std::path::Path, table: &str, columns: &[&str]) -> Vec<String> {
    let df =
        callqa::store::query(out, &format!("SELECT {} FROM {table}", columns.join(", "))).unwrap();
    let mut values = Vec::new();
    for c in columns {
        let col = df.column(c).unwrap().str().unwrap().clone();
        values.extend(col.into_iter().flatten().map(str::to_string));
    }
    values
}

/// The text of each HTML text node that quotes a transcript line (holds 《 or 》).
fn quoted_in_html(html: &str) -> Vec<String> {
    let mut nodes = Vec::new();
    for piece in html.split('<') {
        let text = piece.split_once('>').map_or(piece, |(_, t)| t);
        if text.contains('《') || text.contains('》') {
            nodes.push(text.to_string());
        }
    }
    nodes
}

/// The batch's judging (`Pipeline::judge`, as `batch` runs it after Whisper) over calls that
/// read out 5,200 numbers and addresses, stored as `batch` stores them; then `review` with a
/// note quoting a number, `rescore`, `query --csv`, `report` and `sample`: no digit of a
/// read-out and no address is left in any column or page.
#[test]
fn no_personal_data_survives_in_any_output() {
    const CALLS: usize = 40;
    const LINES: usize = 130;
    let d = common::tempdir().unwrap();
    let input = d.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    for i in 0..CALLS {
        let f = 0.03 + 0.001 * i as f32;
        common::write_mulaw_wav(
            &input.join(format!("c{i:02}.wav")),
            8000,
            2,
            8000 * 4,
            |k, c| 0.2 * (k as f32 * f * (c + 1) as f32).sin(),
        );
    }
    let rules = common::bank_rules_file(d.path());
    let broad = "\n[[rules]]\nid = \"broad\"\nkind = \"forbidden\"\nseverity = \"minor\"\n\
                 match = \"regex\"\npatterns = [\"(number|card|email|号码|邮箱).{0,60}\"]\n";
    let text = std::fs::read_to_string(&rules).unwrap() + broad;
    std::fs::write(&rules, text).unwrap();
    let settings = callqa::config::Settings::load(None, Some(&rules)).unwrap();
    let pipeline =
        callqa::pipeline::Pipeline::build(settings, None, &common::encoder_path(), false).unwrap();
    let (config_hash, asr_config_hash) = pipeline.settings().hashes();
    let run = callqa::store::RunInfo {
        run_id: "privacy".into(),
        model_id: "generated".into(),
        config_hash,
        asr_config_hash,
        rules_version: pipeline.rules().version.clone(),
        raw_text: false,
    };
    let mut rng = Rng(41);
    let mut rows = Vec::new();
    for call in callqa::batch::list_calls(&input, None).unwrap().calls {
        let mut result = pipeline.run(&call).unwrap();
        let mut tr = call_transcript(&mut rng, LINES);
        result.findings = pipeline.judge(&mut tr, 2.0 * LINES as f64, &call.meta);
        result.score = (pipeline.config().score).score(&result.acoustics, Some(&result.findings));
        result.transcript = Some(tr);
        let hash = callqa::batch::content_hash(&call.path).unwrap();
        let at = "2026-12-01T08:00:00.000Z";
        rows.push(callqa::store::rows::call_rows(
            &call,
            &hash,
            "2026-12-01",
            Ok(&result),
            &run,
            at,
        ));
    }
    let out = d.path().join("ds");
    callqa::store::write_chunk(&out, "2026-12-01", "part-privacy-s0of1-00000", &rows).unwrap();
    let o = out.to_str().unwrap();
    let note = "客户说号码是幺三八 洞洞幺三 八洞洞洞，邮箱 li.lei@example.com";
    let (code, _, err) = common::callqa(&[
        "review",
        "--out",
        o,
        "--call",
        "c00",
        "--rule",
        "broad",
        "--verdict",
        "reject",
        "--reviewer",
        "zhang.san@bank.com",
        "--note",
        note,
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) =
        common::callqa(&["rescore", "--out", o, "--rules", rules.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");

    let mut texts = column_values(&out, "segments", &["text", "raw_text", "second_choices"]);
    texts.extend(column_values(&out, "reviews", &["note", "reviewer"]));
    let quoting = "FROM findings WHERE kind <> 'required'";
    let df =
        callqa::store::query(&out, &format!("SELECT matched_text, evidence {quoting}")).unwrap();
    for c in ["matched_text", "evidence"] {
        let col = df.column(c).unwrap().str().unwrap().clone();
        texts.extend(col.into_iter().flatten().map(str::to_string));
    }
    let findings = df.height();
    assert!(
        texts.len() >= CALLS * LINES && findings >= CALLS * 10,
        "{findings}"
    );
    let (code, csv, err) = common::callqa(&[
        "query",
        "--out",
        o,
        "--csv",
        "SELECT s.text, s.raw_text, f.matched_text, f.evidence FROM segments s \
         JOIN findings f ON s.call_id = f.call_id WHERE f.kind <> 'required' LIMIT 2000",
    ]);
    assert_eq!(code, 0, "{err}");
    texts.extend(csv.lines().skip(1).map(str::to_string));
    for cmd in [
        vec!["report", "--out", o],
        vec!["sample", "--out", o, "--per-agent", "40"],
    ] {
        let (code, _, err) = common::callqa(&cmd);
        assert_eq!(code, 0, "{err}");
    }
    for page in ["report.html", "review-queue.html", "review-queue.csv"] {
        let html = std::fs::read_to_string(out.join(page)).unwrap();
        let quoted = quoted_in_html(&html);
        // the report and the CSV show agents and calls; the queue page quotes what was flagged
        assert!(
            page != "review-queue.html" || !quoted.is_empty(),
            "{page} quotes nothing"
        );
        texts.extend(quoted);
    }
    let survivors: Vec<&String> = texts.iter().filter(|t| leaks(t)).collect();
    assert!(
        survivors.is_empty(),
        "{} survivors, e.g. {:?}",
        survivors.len(),
        &survivors[..survivors.len().min(5)]
    );
}

/// An adversarial pass's readings (issue #37): long separator runs, fillers and confirmations
/// between groups, invisible separators, full-width letters, an address at any top-level
/// domain, numbers read in pairs — and what must stay (dates, times, amounts, idioms).
#[test]
fn what_an_adversary_tried_is_masked_and_ordinary_numbers_stay() {
    let zw = "\u{200b}".repeat(9);
    for text in [
        "您的手机号是138——————————1234——————————5678".to_string(),
        "您的卡号是6222。。。。。。。。。0212。。。。。。。。。3456。。。。。。。。。7890".into(),
        "您的手机号是幺三八，对，一二三四，对，五六七八".into(),
        "your phone number is ｏｎｅ ｔｈｒｅｅ ｅｉｇｈｔ ｏｎｅ ｔｗｏ ｔｈｒｅｅ ｆｏｕｒ ｆｉｖｅ".into(),
        "138呃呃呃1234呃呃呃5678".into(),
        "138 uh um er 1234 uh um er 5678".into(),
        "一三八 嗯嗯嗯 一二三四 嗯嗯嗯 五六七八".into(),
        "138 dash dash dash 1234 5678".into(),
        format!("138{zw}1234{zw}5678"),
        "eleven thirty eight, twelve thirty four, fifty six seventy eight".into(),
        "号码①③⑧①②③④⑤⑥⑦⑧".into(),
        "رقمي ١٣٨٠٠١٣٨٠٠٠".into(),
        "one three eight nought nought one three".into(),
    ] {
        let red = redact(&text);
        assert!(!leaks(&red), "{text} → {red}");
        let digits = normalise(&red).chars.iter().filter(|c| c.is_ascii_digit()).count();
        assert_eq!(digits, 0, "{text} → {red}");
    }
    for text in [
        "your email is zhangsan at company dot ai",
        "ｌｉｌｅｉ＠ｑｑ．ｃｏｍ",
        "zhangsan＠ｇｍａｉｌ。ｃｏｍ",
        "zhangsan [at] example [dot] com",
        "zhangsan (at) example period com",
    ] {
        assert!(
            redact(text).contains("[REDACTED]") && !redact(text).contains("zhangsan"),
            "{text} → {}",
            redact(text)
        );
    }
    for text in [
        "2024-03-05 10:30",
        "营业时间10:30-11:45",
        "1990-2024年",
        "¥12,345.67",
        "一共1,250,000元",
        "三三两两，七七八八",
    ] {
        assert_eq!(redact(text), text);
    }
}
