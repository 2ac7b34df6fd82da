//! The default rules over a table of utterances: positives, near misses, homophone and
//! traditional-character variants, numbers in words. Negatives must give no finding at all.

mod common;

use callqa::call::Speaker;
use callqa::rules::{Kind, RuleSet};

const A: Speaker = Speaker::Agent;
const C: Speaker = Speaker::Customer;

const DISMISSIVE: &str = "zh.forbidden.dismissive";
const BLAMING: &str = "zh.forbidden.blaming";
const PROFANITY: &str = "zh.forbidden.profanity";
const PII: &str = "pii.readout";
/// A number read back to the customer to verify it (核对/确认 … 对吗).
const READBACK: &str = "pii.readback";
const EN_DISMISSIVE: &str = "en.forbidden.dismissive";
const EN_PROFANITY: &str = "en.forbidden.profanity";

#[rustfmt::skip]
const ZH: &[(Speaker, &str, &[&str])] = &[
    // forbidden: dismissive
    (A, "你听不懂吗？我都说了三遍了", &[DISMISSIVE]),
    (A, "我不是跟你说了吗，要先登录", &[DISMISSIVE]),
    (A, "这不归我管，你打别的电话", &[DISMISSIVE]),
    (A, "你问我我问谁啊", &[DISMISSIVE]),
    (A, "有完没完啊你", &[DISMISSIVE]),
    (A, "你烦不烦啊", &[DISMISSIVE]),
    (A, "你自己去查吧", &[DISMISSIVE]),
    (A, "你去投诉吧", &[DISMISSIVE]),
    (A, "这事不关我的事", &[DISMISSIVE]),
    (A, "你到底想怎么样", &[DISMISSIVE]),
    (A, "急什么急，排队去", &[DISMISSIVE]),
    (A, "规定就是这样的", &[DISMISSIVE]),
    (A, "没看我正忙着吗", &[DISMISSIVE]),
    (A, "你找别人去吧", &[DISMISSIVE]),
    (A, "我已经说过很多遍了", &[DISMISSIVE]),
    // homophone variants (how Whisper mishears them)
    (A, "你挺不懂吗", &[DISMISSIVE]),
    (A, "你停不懂吗", &[DISMISSIVE]),
    (A, "这不规我管", &[DISMISSIVE]),
    (A, "有完没玩", &[DISMISSIVE]),
    (A, "你是不是啥", &[PROFANITY]),
    // traditional characters
    (A, "你聽不懂嗎", &[DISMISSIVE]),
    (A, "這不歸我管", &[DISMISSIVE]),
    (A, "你有病吧，神經病", &[PROFANITY]),
    // forbidden: blaming
    (A, "这是你自己的问题", &[BLAMING]),
    (A, "怪你自己没看清楚", &[BLAMING]),
    (A, "是你操作错了", &[BLAMING]),
    (A, "谁让你不看清楚呢", &[BLAMING]),
    // forbidden: profanity
    (A, "你有病吧", &[PROFANITY]),
    (A, "你是不是傻", &[PROFANITY]),
    (A, "滚蛋", &[PROFANITY]),
    (A, "他妈的又掉线了", &[PROFANITY]),
    (A, "白痴", &[PROFANITY]),
    // … as Whisper base wrote the TTS agents' profanity on 8 kHz calls: one near sound in three
    // syllables, and 神经病's hissing first syllable heard as another
    (A, "唐妈的系统又出问题了", &[PROFANITY]),
    (A, "前京病说了半天还不懂", &[PROFANITY]),
    (A, "玄金病说了半天还不懂", &[PROFANITY]),
    (A, "閒經病說了半天還不", &[PROFANITY]),
    (A, "反部法案一直问同一个问题", &[DISMISSIVE]),
    // … and what must stay clear: 已 is no hissing sound; sh is not s in two syllables
    (A, "他已经病了一个月了，家属来办的", &[]),
    (A, "最近的趋势是利率下调", &[]),
    (A, "持卡人去世以后，需要办理继承", &[]),
    // personal data read out by the agent, in digits and in words
    (A, "您的手机号是13812345678对吧", &[READBACK]),
    (A, "您的手机号是幺三八幺二三四五六七八", &[PII]),
    (A, "一三八一二三四五六七八，对吗", &[READBACK]),
    (A, "手机号是十三八，不对，是138 1234 5678", &[PII]),
    (A, "身份证号110105199003071234", &[PII]),
    (A, "身份证号码是11010519900307123X", &[PII]),
    (A, "卡号6222021234567890123", &[PII]),
    (A, "卡号是六二二二 零二一二 三四五六 七八九零", &[PII]),
    (A, "邮箱是zhangsan@qq.com", &[PII]),
    (A, "您的手机号是八六一三八一二三四五六七八", &[PII]),
    (A, "卡号是6222 0212 3456 7，对吗", &[READBACK]),
    (A, "您的账号是六二二二零二一二三四五六七", &[PII]),
    // negatives: polite service language
    (A, "您好，很高兴为您服务", &[]),
    (A, "请问还有什么可以帮您", &[]),
    (A, "您说的我听懂了，马上帮您处理", &[]),
    (A, "不好意思让您久等了", &[]),
    (A, "这个问题我帮您转到相关部门", &[]),
    (A, "好的，我帮您查一下", &[]),
    (A, "请您稍等", &[]),
    (A, "您放心，我们会尽快处理", &[]),
    (A, "抱歉给您带来不便", &[]),
    (A, "这是您的问题对应的解决办法", &[]),
    (A, "我明白您的意思", &[]),
    (A, "滚动条往下拉就能看到", &[]),
    (A, "他说没问题", &[]),
    // negatives: numbers that are not personal data
    (A, "您的尾号是1234的卡", &[]),
    (A, "金额是三百五十元", &[]),
    (A, "工号1234为您服务", &[]),
    (A, "您可以拨打95588咨询", &[]),
    (A, "订单号是20231115", &[]),
    (A, "订单号是1234567890123", &[]),
    // near misses
    (A, "你听得懂吗", &[]),
    (A, "我跟你说过了", &[]),
    (A, "这归我管，我来处理", &[]),
    (A, "有完善的流程", &[]),
    (A, "请不要急，慢慢说", &[]),
    (A, "这是规定，我给您解释一下", &[]),
    // customers may say anything, and read out their own numbers
    (C, "你是不是傻", &[]),
    (C, "你有病吧", &[]),
    (C, "我的手机号是13812345678", &[]),
];

#[rustfmt::skip]
const EN: &[(Speaker, &str, &[&str])] = &[
    (A, "That's not my problem, sir.", &[EN_DISMISSIVE]),
    (A, "thats not my problem", &[EN_DISMISSIVE]),
    (A, "That is not my job.", &[EN_DISMISSIVE]),
    (A, "I already told you twice.", &[EN_DISMISSIVE]),
    (A, "Calm down, please.", &[EN_DISMISSIVE]),
    (A, "Just read the manual.", &[EN_DISMISSIVE]),
    (A, "I can't help you with that.", &[EN_DISMISSIVE]),
    (A, "Deal with it.", &[EN_DISMISSIVE]),
    (A, "Shut up.", &[EN_PROFANITY]),
    (A, "That's stupid.", &[EN_PROFANITY]),
    (A, "What the hell is this?", &[EN_PROFANITY]),
    (A, "Your card number is 4111 1111 1111 1111.", &[PII]),
    (A, "Your email is john.smith@example.com, right?", &[PII]),
    (A, "Card number four one one one one one one one one one one one one one one one.", &[PII]),
    // Whisper drops digits of a long read-out: 15 left, "card" a few words before them
    (A, "Let me confirm, your card number is 42188321234-0688.", &[READBACK]),
    // as Whisper wrote the eval's read-back: "confirm" 33 letters before the digits
    (A, "Let me confirm your card number in 7 to 9084 3202 0082 08.", &[READBACK]),
    (A, "The account number on file is 4,278,832,1234,568.", &[PII]),
    (A, "Your order number is 4,278,832,1234,568.", &[]),
    (A, "Hello, how can I help you today?", &[]),
    (A, "Hello there, good morning.", &[]),
    (A, "I understand your problem.", &[]),
    (A, "That is not a problem at all.", &[]),
    (A, "I can help you with that.", &[]),
    (A, "Let me check your account.", &[]),
    (A, "The last four digits are 1234.", &[]),
    (A, "Stupendous service, thank you.", &[]),
    (A, "No one will call you back late, don't worry.", &[]),
    (C, "Shut up and give me a refund.", &[]),
    // the closing question as Whisper sometimes hears it (synthetic call E03-01, packed)
    (A, "If there anything else I can't help you with.", &[]),
    (A, "Is there anything else I can help you with?", &[]),
    (A, "I already told you, I can't help you with that.", &[EN_DISMISSIVE]),
];

fn check_table(language: &str, table: &[(Speaker, &str, &[&str])]) {
    let rules = RuleSet::default_rules();
    let mut failures = Vec::new();
    for (speaker, text, expected) in table {
        let t = common::transcript(language, &[(*speaker, 1.0, 3.0, text)]);
        let mut got: Vec<String> = rules
            .scan(&t, 60.0)
            .into_iter()
            .filter(|f| f.kind != Kind::Required)
            .map(|f| f.rule_id)
            .collect();
        got.dedup();
        if got != *expected {
            failures.push(format!(
                "{speaker:?} {text:?}: expected {expected:?}, got {got:?}"
            ));
        }
    }
    let positives = table.iter().filter(|c| !c.2.is_empty()).count();
    println!(
        "{language}: {} utterances ({positives} positive, {} negative)",
        table.len(),
        table.len() - positives
    );
    assert!(
        failures.is_empty(),
        "{} of {}:\n{}",
        failures.len(),
        table.len(),
        failures.join("\n")
    );
}

#[test]
fn mandarin_table() {
    assert!(ZH.len() >= 60);
    check_table("zh", ZH);
}

#[test]
fn english_table() {
    assert!(EN.len() >= 20);
    check_table("en", EN);
}

/// The English greeting as Whisper base writes espeak's "Thank you for calling Blue River Bank.
/// My name is Emily, agent number 1174." (synthetic calls, packed windows), and openings that
/// lack a part.
#[test]
fn english_greeting_survives_whisper_spellings() {
    let rules =
        RuleSet::parse(&callqa::rules::starter_rules("蓝河银行", "Blue River Bank")).unwrap();
    let greets = |text: &str| {
        let t = common::transcript("en", &[(A, 0.8, 9.0, text)]);
        !rules
            .scan(&t, 60.0)
            .iter()
            .any(|f| f.rule_id == "en.required.greeting")
    };
    for (text, expected) in [
        (
            "Thank you for calling Blue River Bank. My name is Emily, agent number 1174.",
            true,
        ),
        (
            "Thank you for calling Blue Riverbank. My name is Emily, Agent Number 1774.",
            true,
        ),
        // a word of the company lost, the space moved: the name is fuzzy, spaces cost nothing
        (
            "Thank you for calling the riverbank. My name is David. Agent number 1,111.",
            true,
        ),
        // "agent number" heard as "age"
        (
            "Thank you for calling Blue Riverbank. My name is Emily, age 1,174.",
            true,
        ),
        (
            "Thank you for calling Blue River Bank. My name is Laura, age 1-1148.",
            true,
        ),
        // "agent number" heard as the letter of a staff ID
        (
            "Thank you for calling Blue River Bank. My name is Laura, A14148.",
            true,
        ),
        // a price is no agent number
        (
            "Thank you for calling Blue River Bank. Your visa 1148 was declined.",
            false,
        ),
        // a part missing, or another company
        ("Yes? What is it?", false),
        (
            "Thank you for calling Blue River Bank. How can I help you today?",
            false,
        ),
        (
            "Thank you for calling. My name is Emily, agent number 1174.",
            false,
        ),
        (
            "Thank you for calling Green Valley Bank. My name is Emily, agent number 1174.",
            false,
        ),
        (
            "Thank you for calling Blue Sky Insurance. My name is Emily, agent number 1174.",
            false,
        ),
    ] {
        assert_eq!(greets(text), expected, "{text}");
    }
}
