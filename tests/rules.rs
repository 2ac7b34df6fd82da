//! Rule behaviour beyond single utterances: required rules and their windows, matches across
//! segment boundaries, match modes, line-numbered lint errors, and redaction.

mod common;

use callqa::call::Speaker::{Agent, Customer};
use callqa::rules::{Kind, RuleSet, normalise, redact};
use common::transcript;

fn ids(rules: &RuleSet, t: &callqa::asr::Transcript, dur: f64) -> Vec<String> {
    rules.scan(t, dur).into_iter().map(|f| f.rule_id).collect()
}

#[test]
fn greeting_needs_hello_company_and_agent_number_in_the_first_15_s() {
    let rules = RuleSet::default_rules();
    let closing = (Agent, 55.0, 58.0, "感谢您的来电，再见");
    // complete greeting; company name misheard as a homophone (事例 for 示例), 工号 in words
    let ok = transcript(
        "zh",
        &[
            (
                Agent,
                1.0,
                5.0,
                "您好，欢迎致电事例银行，工号幺二三四为您服务",
            ),
            closing,
        ],
    );
    assert_eq!(ids(&rules, &ok, 60.0), Vec::<String>::new());

    let no_number = transcript(
        "zh",
        &[
            (Agent, 1.0, 5.0, "您好，欢迎致电示例银行，很高兴为您服务"),
            closing,
        ],
    );
    let f = rules.scan(&no_number, 60.0);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(
        (f[0].rule_id.as_str(), f[0].kind),
        ("zh.required.greeting", Kind::Required)
    );
    assert_eq!(f[0].evidence, "missing: 工号");
    assert_eq!((f[0].start, f[0].end), (0.0, 15.0));

    let late = transcript(
        "zh",
        &[(Agent, 20.0, 24.0, "您好，示例银行，工号1234"), closing],
    );
    assert_eq!(ids(&rules, &late, 60.0), vec!["zh.required.greeting"]);

    // said by the customer, not the agent
    let customer = transcript(
        "zh",
        &[
            (Customer, 1.0, 4.0, "您好，示例银行工号1234"),
            (Agent, 5.0, 7.0, "嗯"),
            closing,
        ],
    );
    assert_eq!(ids(&rules, &customer, 60.0), vec!["zh.required.greeting"]);
}

#[test]
fn closing_must_be_in_the_last_30_s() {
    let rules = RuleSet::default_rules();
    let greet = (Agent, 1.0, 4.0, "您好，示例银行，工号1234");
    let early = transcript(
        "zh",
        &[
            greet,
            (Agent, 5.0, 8.0, "感谢您的来电"),
            (Agent, 100.0, 103.0, "好的"),
        ],
    );
    let f = rules.scan(&early, 110.0);
    assert_eq!(
        f.iter().map(|f| f.rule_id.as_str()).collect::<Vec<_>>(),
        vec!["zh.required.closing"]
    );
    assert_eq!((f[0].start, f[0].end), (80.0, 110.0));
    let good = transcript("zh", &[greet, (Agent, 100.0, 103.0, "祝您生活愉快，再见")]);
    assert!(rules.scan(&good, 110.0).is_empty());
    // a 27 s call: the window is its second half; the opening's thanks close nothing
    let short = transcript(
        "en",
        &[
            (
                Agent,
                0.8,
                7.4,
                "Thank you for calling, my name is Michael.",
            ),
            (Agent, 26.2, 27.0, "Okay."),
        ],
    );
    let f = rules.scan(&short, 27.0);
    let closing = f.iter().find(|f| f.rule_id == "en.required.closing");
    assert_eq!(
        closing.map(|f| (f.start, f.end)),
        Some((13.5, 27.0)),
        "{f:#?}"
    );
}

#[test]
fn personal_data_is_found_across_segment_boundaries_and_redacted_in_findings() {
    let rules = RuleSet::default_rules();
    let t = transcript(
        "zh",
        &[
            (Agent, 10.0, 12.0, "您的号码是一三八"),
            (Agent, 12.5, 15.0, "一二三四，五六七八对吧"),
        ],
    );
    let f: Vec<_> = rules
        .scan(&t, 60.0)
        .into_iter()
        .filter(|f| f.kind == Kind::Pii)
        .collect();
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!((f[0].start, f[0].end), (10.0, 15.0));
    assert!(
        f[0].evidence.starts_with("mobile number"),
        "{}",
        f[0].evidence
    );
    assert!(
        !f[0].matched_text.contains("五六七八") && !f[0].evidence.contains("12345678"),
        "{f:?}"
    );
}

/// What any rule quotes is masked for output: a team's broad pattern quoting a whole sentence,
/// and a number read out in English words.
#[test]
fn findings_quote_no_number_once_redacted() {
    let rules = RuleSet::parse(
        r#"
version = "t"
[[rules]]
id = "broad"
kind = "forbidden"
severity = "minor"
match = "regex"
patterns = ["number is.*"]
"#,
    )
    .unwrap();
    let t = transcript(
        "en",
        &[(
            Agent,
            1.0,
            6.0,
            "your number is one three eight, one two three four, five six seven eight",
        )],
    );
    let redaction = callqa::rules::Redaction::of(&t);
    let f = rules.scan_redacted(&t, 60.0, &Default::default(), &redaction);
    assert_eq!(f.len(), 1, "{f:?}");
    for text in [&f[0].matched_text, &f[0].evidence] {
        let digits = normalise(text)
            .chars
            .iter()
            .filter(|c| c.is_ascii_digit())
            .count();
        assert_eq!(digits, 0, "{text}");
    }
}

#[test]
fn fuzzy_proximity_and_unless() {
    let rules = RuleSet::parse(
        r#"
version = "t"
[[rules]]
id = "fuzzy"
kind = "forbidden"
severity = "minor"
match = "fuzzy"
phrases = ["please hold the line for a moment"]

[[rules]]
id = "near"
kind = "forbidden"
severity = "major"
all = [{ phrases = ["投诉"] }, { phrases = ["没用"] }]
within_chars = 6

[[rules]]
id = "dunno"
kind = "forbidden"
severity = "minor"
phrases = ["不知道"]
unless = ["帮您查", "帮您问"]
"#,
    )
    .unwrap();
    let scan = |text: &str| {
        let t = transcript("zh", &[(Agent, 1.0, 2.0, text)]);
        rules
            .scan(&t, 60.0)
            .into_iter()
            .map(|f| (f.rule_id, f.mode.to_string()))
            .collect::<Vec<_>>()
    };
    let fuzzy = |m: &str| vec![("fuzzy".to_string(), m.to_string())];
    assert_eq!(scan("please hold the line for a moment"), fuzzy("exact"));
    assert_eq!(scan("pleas hold the lime for a moment"), fuzzy("fuzzy"));
    assert!(scan("please call us back in a moment").is_empty());
    assert_eq!(
        scan("投诉也没用"),
        vec![("near".to_string(), "exact".to_string())]
    );
    assert!(
        scan("您可以投诉，我们会认真处理，这样做不是没用的").is_empty(),
        "too far apart"
    );
    assert_eq!(
        scan("这个我不知道"),
        vec![("dunno".to_string(), "exact".to_string())]
    );
    assert!(scan("这个我不知道，我帮您查一下").is_empty());
}

#[test]
fn mandarin_clip_matches_its_reference_through_homophones() {
    // A2_3's reference sentence, against what Whisper base wrote for it (see asr tests).
    let rules = RuleSet::parse(
        r#"
version = "t"
[[rules]]
id = "menu"
kind = "forbidden"
severity = "minor"
match = "homophone"
phrases = ["一碗榨菜干子炒肉丝"]
"#,
    )
    .unwrap();
    let heard = transcript(
        "zh",
        &[(
            Agent,
            0.4,
            8.0,
            "菜做好了,一碗清蒸五昌鱼,一碗番茄炒鸡蛋,一碗炸菜干自炒肉丝。",
        )],
    );
    let f = rules.scan(&heard, 9.3);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].mode.to_string(), "homophone");
    assert_eq!(f[0].matched_text, "一碗炸菜干自炒肉丝");
    assert!(f[0].confidence < 1.0);
}

#[test]
fn lint_reports_every_problem_with_its_line() {
    let bad = r#"version = "t"

[[rules]]
id = "a"
kind = "forbidden"
severity = "major"
patterns = ['工号(\d+']

[[rules]]
id = "a"
kind = "required"
severity = "minor"
phrases = ["{nowhere}"]
"#;
    let errors = RuleSet::parse(bad).unwrap_err();
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("3: rule a: invalid regex")),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("9: rule a: duplicate id")),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("9: rule a: placeholder {nowhere}")),
        "{errors:?}"
    );
    // a regex repetition is no placeholder; a second, undefined one after it still is
    let quantifiers = r#"version = "t"
[[rules]]
id = "q"
kind = "forbidden"
severity = "minor"
match = "regex"
patterns = ['卡号[0-9]{4}', '[0-9]{2,8}号']
"#;
    RuleSet::parse(quantifiers).unwrap();
    let errors = RuleSet::parse(&quantifiers.replace("号']", "号{later}']")).unwrap_err();
    assert!(errors.iter().any(|e| e.contains("{later}")), "{errors:?}");
    let typo = RuleSet::parse("version = \"t\"\n[[rules]]\nid = \"x\"\nkind = \"forbiden\"\nseverity = \"major\"\nphrases = [\"a\"]\n").unwrap_err();
    assert!(
        typo[0].starts_with("4:") && typo[0].contains("forbiden"),
        "{typo:?}"
    );
    let unknown = RuleSet::parse("version = \"t\"\n[[rules]]\nid = \"x\"\nkind = \"forbidden\"\nseverity = \"major\"\nphrase = [\"a\"]\n").unwrap_err();
    assert!(
        unknown[0].starts_with("6:") && unknown[0].contains("phrase"),
        "{unknown:?}"
    );
}

#[test]
fn the_shipped_rules_are_valid() {
    let r = RuleSet::default_rules();
    assert!(r.rules.len() >= 10);
    assert!(r.version.starts_with("callqa-default"));
}

#[test]
fn normalisation_folds_scripts_widths_case_and_numerals() {
    assert_eq!(normalise("你聽不懂嗎？").as_string(), "你听不懂吗");
    assert_eq!(normalise("ＡＢＣ　１２３").as_string(), "abc 123");
    assert_eq!(normalise("工号：幺两三四").as_string(), "工号1234");
    assert_eq!(
        normalise("That's NOT my problem!").as_string(),
        "thats not my problem"
    );
    assert_eq!(
        normalise("agent number four five one two").as_string(),
        "agent number 4512"
    );
}

/// No run of 7 or more digits, in any spelling (digits, full-width, Chinese numerals with the
/// telephone readings, English words, mixed as Whisper mixes them) with any separators Whisper
/// writes between groups, survives redaction; short numbers do.
#[test]
fn redaction_leaves_no_long_number() {
    const WORDS: [&str; 10] = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    ];
    const SEPS: [&str; 9] = [" ", "-", ".", ", ", "，", "、", " - ", ". ", ","];
    let zh = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
    let spell = |d: usize, style: u64| -> String {
        match (style, d) {
            (0, _) => d.to_string(),
            (1, _) => zh[d].to_string(),
            (2, 1) => "幺".into(),
            (2, 2) => "两".into(),
            (2, 0) => "洞".into(),
            (2, _) => zh[d].to_string(),
            (3, _) => char::from_u32('０' as u32 + d as u32).unwrap().to_string(),
            (4, 0) => "oh".into(),
            (4, _) => WORDS[d].to_string(),
            _ => WORDS[d].to_uppercase(),
        }
    };
    let mut seed = 12345u64;
    let mut rnd = |n: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    for case in 0..3000 {
        let len = 7 + rnd(13) as usize;
        let style = rnd(6);
        let mixed = rnd(4) == 0; // Whisper switches spelling inside one number
        let mut number = String::new();
        for k in 0..len {
            let style = if mixed { rnd(6) } else { style };
            let word = style >= 4;
            if k > 0 {
                if rnd(4) == 0 {
                    number.push_str(SEPS[rnd(SEPS.len() as u64) as usize]);
                } else if word || number.ends_with(|c: char| c.is_ascii_alphabetic()) {
                    number.push(' ');
                }
            }
            number.push_str(&spell(rnd(10) as usize, style));
        }
        let (before, after) = if case % 2 == 0 {
            ("您的号码是", "，请核对")
        } else {
            ("your number is ", ", please check")
        };
        let text = format!("{before}{number}{after}");
        let red = redact(&text);
        let digits: Vec<char> = normalise(&red)
            .chars
            .into_iter()
            .filter(char::is_ascii_digit)
            .collect();
        assert!(digits.is_empty(), "{text} → {red}");
        assert!(
            red.contains('*') && red.starts_with(before) && red.ends_with(after),
            "{red}"
        );
    }
    assert_eq!(
        redact("my number is one three eight, one two three four, five six seven eight"),
        "my number is *** ***** *****, *** *** ***** ****, **** *** ***** *****"
    );
    assert_eq!(
        redact("press one for two minutes, then four"),
        "press one for two minutes, then four"
    );
    assert_eq!(
        redact("工号1234，尾号5678，金额三百五十元"),
        "工号1234，尾号5678，金额三百五十元"
    );
    assert_eq!(
        redact("mail me at li.lei@example.com"),
        "mail me at [REDACTED]"
    );
    assert_eq!(
        redact("号码是一三八，一二三四，五六七八"),
        "号码是***，****，****"
    );
}

#[test]
fn a_number_split_between_segments_is_masked_in_both() {
    let mut t = transcript(
        "zh",
        &[
            (Agent, 10.0, 12.0, "您的号码是一三八一"),
            (Customer, 11.0, 12.0, "嗯"),
            (Agent, 12.5, 15.0, "二三四五六七八，对吧"),
            (Agent, 20.0, 22.0, "工号1234"),
        ],
    );
    callqa::rules::redact_transcript(&mut t);
    let texts: Vec<&str> = t.segments.iter().map(|s| s.text.as_str()).collect();
    assert_eq!(
        texts,
        vec!["您的号码是****", "嗯", "*******，对吧", "工号1234"]
    );
    assert_eq!(t.segments[0].raw_text, "您的号码是****");
}

#[test]
fn findings_take_their_times_from_the_characters_when_known() {
    let rules = RuleSet::default_rules();
    let mut t = transcript(
        "zh",
        &[(Agent, 10.0, 20.0, "好的好的，你听不懂吗？我再说一遍")],
    );
    // one character every 0.5 s from 10.0 s
    let n = t.segments[0].text.chars().count();
    t.segments[0].char_times = (0..n)
        .map(|i| (10.0 + 0.5 * i as f64, 10.5 + 0.5 * i as f64))
        .collect();
    let f: Vec<_> = rules
        .scan(&t, 60.0)
        .into_iter()
        .filter(|f| f.kind == Kind::Forbidden)
        .collect();
    assert_eq!(f.len(), 1, "{f:?}");
    // 你 is character 5 (12.5 s), 吗 character 9 (ends 15.0 s)
    assert_eq!((f[0].start, f[0].end), (12.5, 15.0));
    assert_eq!(f[0].matched_text, "你听不懂吗");
    // without character times: the segment's bounds
    t.segments[0].char_times.clear();
    let f: Vec<_> = rules
        .scan(&t, 60.0)
        .into_iter()
        .filter(|f| f.kind == Kind::Forbidden)
        .collect();
    assert_eq!((f[0].start, f[0].end), (10.0, 20.0));
}

/// One rude turn is one offence however Whisper cuts it into segments; the same words again
/// after the customer has spoken are a second.
#[test]
fn forbidden_phrases_in_one_turn_are_one_finding() {
    let rules = RuleSet::default_rules();
    let dismissive = |t: &callqa::asr::Transcript| {
        ids(&rules, t, 60.0)
            .into_iter()
            .filter(|id| id == "en.forbidden.dismissive")
            .count()
    };
    let one_turn = transcript(
        "en",
        &[
            (Agent, 14.5, 16.2, "That's not my problem."),
            (Agent, 16.4, 18.0, "You should read the manual."),
        ],
    );
    assert_eq!(dismissive(&one_turn), 1);
    let two_turns = transcript(
        "en",
        &[
            (Agent, 14.5, 16.2, "That's not my problem."),
            (Customer, 16.5, 20.0, "But the card was stolen."),
            (Agent, 20.5, 22.0, "Read the manual."),
        ],
    );
    assert_eq!(dismissive(&two_turns), 2);
}

/// The braces of a regex escape are not a placeholder: a Unicode class (`\p{Han}`, `\P{Han}`,
/// `\p{Script=Han}`), a code point (`\x{4E00}`) and a repetition (`{2,4}`) reach the regex as
/// written, even where a placeholder of that name is defined; a real placeholder beside them
/// is still filled, and an undefined one still refused.
#[test]
fn unicode_classes_and_repetitions_are_not_placeholders() {
    let text = r#"version = "t"
[placeholders]
Han = "NOT A CLASS"
company = "示例银行"

[[rules]]
id = "han"
kind = "forbidden"
severity = "minor"
match = "regex"
patterns = ['{company}\p{Han}{2,4}经理', '[\P{Han}\x{4E00}]\p{Script=Han}号']
"#;
    let rules = RuleSet::parse(text).unwrap_or_else(|e| panic!("{e:?}"));
    let hits = |s: &str| ids(&rules, &transcript("zh", &[(Agent, 1.0, 2.0, s)]), 60.0);
    assert_eq!(hits("我是示例银行客户经理"), ["han"]);
    assert_eq!(hits("一工号"), ["han"], "\\x{{4E00}} is 一");
    assert!(hits("示例银行NOT A CLASS经理").is_empty());
    let errors = RuleSet::parse(&text.replace("经理'", "经理{Hann}'")).unwrap_err();
    assert!(
        errors.iter().any(|e| e.contains("placeholder {Hann}")),
        "{errors:?}"
    );
    assert!(
        !errors.iter().any(|e| e.contains("placeholder {Han}")),
        "{errors:?}"
    );
}
