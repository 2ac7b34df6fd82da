//! Mandarin service-call rules against how Whisper base writes 8 kHz phone speech (issue #13's
//! measured misrecognitions): the greeting's company and 工号 matched by sound, telephone
//! digit readings, and rare heteronym readings that must not create hits.

mod common;

use callqa::call::Speaker::{Agent, Customer};
use callqa::rules::{DEFAULT_RULES, MatchMode, RuleSet, normalise, redact};

const GREETING: &str = "zh.required.greeting";
const PROFANITY: &str = "zh.forbidden.profanity";

/// The shipped rules with the company a team would set.
fn bank_rules() -> RuleSet {
    RuleSet::parse(&DEFAULT_RULES.replace("示例银行", "蓝河银行")).unwrap()
}

/// Whether the agent's opening line satisfies the greeting rule.
fn greets(opening: &str) -> bool {
    let t = common::transcript("zh", &[(Agent, 0.5, 6.0, opening)]);
    !bank_rules()
        .scan(&t, 120.0)
        .iter()
        .any(|f| f.rule_id == GREETING)
}

#[rustfmt::skip]
const GREETINGS: &[(&str, bool)] = &[
    // as said, and the forms real centers use
    ("您好，蓝河银行，工号3021，很高兴为您服务。", true),
    ("您好，这里是蓝河银行客服中心，我是5号话务员。", true),
    ("你好，蓝河银行，工号是三零二一，请问有什么可以帮您？", true),
    ("您好，蓝河银行，我的工号是幺零八七。", true),
    // 工号 as Whisper wrote it: 共号/功号/功耗/公号
    ("您好，蓝河银行，共号3021，很高兴为您服务。", true),
    ("您好，蓝河银行，功号3021，很高兴为您服务。", true),
    ("您好，蓝河银行，功耗3021，很高兴为您服务。", true),
    ("您好,藍河銀行,公號3021,很高興為您服務。", true),
    // 话务员 as 化物员, 幺 as 腰
    ("您好，蓝河银行，我是530号化物员。", true),
    ("您好，蓝河银行，工号三零二腰，很高兴为您服务。", true),
    // the company with one syllable swapped for a homophone or a near one (和 for 河, 南 for 蓝)
    ("您好，蓝和银行，工号3021。", true),
    ("您好，南河银行，工号3021。", true),
    ("您好，南和银行，工号3021。", true),
    // near misses: a part is really missing
    ("您好，工号3021，很高兴为您服务。", false),
    ("您好，蓝河银行，很高兴为您服务。", false),
    ("您好，建设银行，工号3021。", false),
    ("蓝河银行，工号3021。", false),
    ("您好，蓝河银行，工号是多少来着。", false),
];

#[test]
fn greeting_survives_whisper_spellings() {
    let wrong: Vec<String> = GREETINGS
        .iter()
        .filter(|(text, ok)| greets(text) != *ok)
        .map(|(text, ok)| format!("{text}: expected greeting {ok}"))
        .collect();
    assert!(GREETINGS.iter().filter(|g| g.1).count() >= 12);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn a_respelled_agent_number_says_so() {
    // the 工号 group is checked on its own: a forbidden rule with the same pattern
    let rules = RuleSet::parse(
        r#"
version = "t"
[[rules]]
id = "agent-number"
kind = "forbidden"
severity = "minor"
match = "homophone"
patterns = ["(工号|编号)(是)?[0-9]{3,8}"]
"#,
    )
    .unwrap();
    let scan = |text: &str| rules.scan(&common::transcript("zh", &[(Agent, 1.0, 3.0, text)]), 60.0);
    let f = scan("我的功耗是3021");
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].mode, MatchMode::Homophone);
    assert_eq!(f[0].matched_text, "功耗是3021");
    assert_eq!(scan("我的工号是3021")[0].mode, MatchMode::Regex);
    assert!(scan("功耗很高").is_empty());
}

#[test]
fn rare_heteronym_readings_raise_nothing() {
    // 以 has a rare reading sì in the pinyin data: 去以 must not sound like 去死
    let rules = bank_rules();
    for text in [
        "理财产频道去以后，本金会自动转回您的账户。",
        "您回去以后再试一下，不行再打过来。",
        "您出去以后记得带上身份证。",
    ] {
        let t = common::transcript("zh", &[(Agent, 1.0, 5.0, text)]);
        let f = rules.scan(&t, 60.0);
        assert!(!f.iter().any(|f| f.rule_id == PROFANITY), "{text}: {f:?}");
    }
    // the real word still counts, as said and as heard
    for text in ["你怎么不去死", "你怎么不去私"] {
        let t = common::transcript("zh", &[(Agent, 1.0, 5.0, text)]);
        let f = rules.scan(&t, 60.0);
        assert!(f.iter().any(|f| f.rule_id == PROFANITY), "{text}: {f:?}");
    }
}

#[test]
fn telephone_digit_readings_are_digits_only_in_numbers() {
    let n = |s: &str| normalise(s).as_string();
    assert_eq!(n("三零二腰"), "3021");
    assert_eq!(n("幺三八洞洞"), "13800");
    assert_eq!(n("腰三八"), "138");
    assert_eq!(n("他弯腰捡东西"), "他弯腰捡东西");
    assert_eq!(n("这个山洞很深"), "这个山洞很深");
    assert_eq!(n("那么3点以后"), "那么3点以后");
    // and read-out numbers spelt so are masked
    assert_eq!(redact("手机一三八腰二三四五六七八"), "手机***********");
    assert_eq!(redact("他弯腰了"), "他弯腰了");
}

#[test]
fn customer_speech_is_not_the_agents_greeting() {
    // on stereo calls only the agent's channel can satisfy the greeting
    let t = common::transcript(
        "zh",
        &[
            (Agent, 0.5, 3.0, "喂，你说。"),
            (Customer, 3.0, 6.0, "您好，蓝河银行，工号3021。"),
        ],
    );
    assert!(
        bank_rules()
            .scan(&t, 120.0)
            .iter()
            .any(|f| f.rule_id == GREETING)
    );
}

/// The kind a `pii.readout` finding names for one agent utterance, if any.
fn pii_kind(text: &str) -> Option<String> {
    let t = common::transcript("zh", &[(Agent, 1.0, 6.0, text)]);
    bank_rules()
        .scan(&t, 60.0)
        .into_iter()
        .find(|f| f.rule_id == "pii.readout")
        .map(|f| f.evidence.split(':').next().unwrap_or_default().to_string())
}

#[test]
fn numbers_whisper_cut_or_stretched_still_count_by_their_context() {
    let mobile = Some("mobile number".to_string());
    let id = Some("ID card number".to_string());
    let card = Some("bank card number".to_string());
    #[rustfmt::skip]
    let table: &[(&str, Option<String>)] = &[
        ("您的手机号是13812345678对吧", mobile.clone()),
        // an 11-digit mobile heard as 10 or 12 digits
        ("您的手机号是1381234567对吧", mobile.clone()),
        ("您留的电话是138123456789", mobile.clone()),
        // an 18-digit ID heard as 16 or 17 digits: an ID, not a bank card
        ("您的身份证号是4201061990010112", id.clone()),
        ("身份证号码是42010619900101123", id.clone()),
        ("您的身份证号是420106199001011234", id.clone()),
        // card numbers with digits dropped
        ("您的卡号是62220212345678", card.clone()),
        ("卡号是6222021234567890123", card.clone()),
        // controls: amounts, order numbers, 工号, a mobile-length number with no context
        ("您的订单号是2026112712345", None),
        ("这笔消费是1380元", None),
        ("我的工号是3021", None),
        ("您的手机尾号是5678", None),
        ("您的身份证后四位是1234", None),
    ];
    let wrong: Vec<String> = table
        .iter()
        .filter(|(text, want)| pii_kind(text) != *want)
        .map(|(text, want)| format!("{text}: expected {want:?}, got {:?}", pii_kind(text)))
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Whisper-style respellings of an agent's sentence: traditional characters, and two sets of
/// homophone slips seen in its Mandarin output (的/得, 在/再, 以/已, 您/你, 号/好, 工号/功耗 …).
fn whisper_variants(sentence: &str) -> Vec<String> {
    const TRADITIONAL: &[(char, char)] = &[
        ('这', '這'),
        ('个', '個'),
        ('说', '說'),
        ('们', '們'),
        ('银', '銀'),
        ('号', '號'),
        ('为', '為'),
        ('务', '務'),
        ('时', '時'),
        ('间', '間'),
        ('会', '會'),
        ('还', '還'),
        ('后', '後'),
        ('请', '請'),
        ('问', '問'),
        ('吗', '嗎'),
        ('帮', '幫'),
        ('电', '電'),
        ('话', '話'),
        ('账', '賬'),
        ('户', '戶'),
        ('费', '費'),
        ('过', '過'),
        ('发', '發'),
        ('单', '單'),
        ('么', '麼'),
        ('没', '沒'),
        ('对', '對'),
        ('经', '經'),
        ('办', '辦'),
    ];
    const SLIPS_A: &[(char, char)] = &[
        ('的', '得'),
        ('在', '再'),
        ('以', '已'),
        ('您', '你'),
        ('号', '好'),
        ('是', '事'),
    ];
    const SLIPS_B: &[(char, char)] = &[
        ('再', '在'),
        ('已', '以'),
        ('那', '拿'),
        ('工', '功'),
        ('后', '候'),
        ('账', '帐'),
        ('里', '理'),
        ('到', '道'),
        ('做', '作'),
        ('元', '原'),
    ];
    let apply = |map: &[(char, char)]| -> String {
        sentence
            .chars()
            .map(|c| map.iter().find(|(a, _)| *a == c).map_or(c, |(_, b)| *b))
            .collect()
    };
    vec![
        sentence.to_string(),
        apply(TRADITIONAL),
        apply(SLIPS_A),
        apply(SLIPS_B),
    ]
}

#[test]
fn ordinary_service_sentences_raise_no_critical_or_major_finding() {
    let text = std::fs::read_to_string(common::repo("datasets/zh-service/sentences.txt")).unwrap();
    let mut corpus: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .flat_map(whisper_variants)
        .collect();
    corpus.sort();
    corpus.dedup();
    assert!(corpus.len() >= 500, "{} sentences", corpus.len());
    let rules = bank_rules();
    let mut raised = Vec::new();
    for s in &corpus {
        let t = common::transcript("zh", &[(Agent, 1.0, 6.0, s)]);
        for f in rules.scan(&t, 60.0) {
            let serious = f.severity >= callqa::rules::Severity::Major;
            if serious && f.kind != callqa::rules::Kind::Required {
                raised.push(format!(
                    "{s}: {} ({}) on {:?}",
                    f.rule_id, f.mode, f.matched_text
                ));
            }
        }
    }
    println!(
        "{} sentences, {} serious findings",
        corpus.len(),
        raised.len()
    );
    assert!(raised.is_empty(), "{}", raised.join("\n"));
}

#[test]
fn a_customers_escalation_is_a_tag_that_costs_nothing() {
    use callqa::rules::Kind;
    let rules = bank_rules();
    let t = common::transcript(
        "zh",
        &[
            (
                Agent,
                0.5,
                4.0,
                "您好，蓝河银行，工号3021，很高兴为您服务。",
            ),
            (
                Customer,
                5.0,
                9.0,
                "你们再不处理我就打12315投诉，我要找你们领导！",
            ),
            (
                Agent,
                10.0,
                14.0,
                "您的投诉我们已经受理了，感谢您的来电，再见。",
            ),
        ],
    );
    let f = rules.scan(&t, 15.0);
    let tags: Vec<_> = f.iter().filter(|f| f.kind == Kind::Tag).collect();
    assert!(!tags.is_empty(), "{f:?}");
    assert!(
        tags.iter()
            .all(|f| f.rule_id == "zh.tag.escalation" && f.speaker == Customer)
    );
    assert!(tags.iter().all(|f| callqa::rules::is_escalation(f)));
    // nothing the customer said costs points or fails the call
    let acoustics: callqa::analysis::Acoustics = serde_json::from_value(serde_json::json!({
        "duration_s": 15.0, "per_speaker": true, "speakers": [], "dead_air": [], "dead_air_s": 0.0,
        "talk_over": [], "agent_talk_over_count": 0, "customer_talk_over_count": 0,
        "agent_first_response_s": 0.5
    }))
    .unwrap();
    let score = callqa::score::ScorecardConfig::default().score(&acoustics, Some(&f));
    assert!(!score.auto_fail, "{score:?}");
    assert!(
        score.items.iter().all(|i| !i.item.contains("tag")),
        "{:?}",
        score.items
    );
}
