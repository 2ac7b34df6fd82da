//! The scorecard over measured calls: deductions, caps, auto-fail, N/A items, config overrides.

mod common;

use callqa::analysis::{self, AnalysisConfig};
use callqa::audio::Audio;
use callqa::call::CallFacts;
use callqa::call::Speaker::{Agent, Customer, Mixed};
use callqa::config::Config;
use callqa::rules::RuleSet;
use callqa::score::{ItemStatus, ScorecardConfig};

const RATE: u32 = 16_000;

fn tone(dur: f64, bursts: &[(f64, f64)]) -> Vec<f32> {
    common::tone_bursts(dur, bursts, 0.1)
}

/// 60 s stereo: agent talks over the customer once (at 6 s), one dead-air gap (20–40 s).
fn stereo() -> analysis::Acoustics {
    let a = Audio::from_channels(
        RATE,
        vec![
            tone(60.0, &[(1.0, 4.0), (6.0, 9.0), (40.0, 58.0)]),
            tone(60.0, &[(3.5, 8.0), (10.0, 20.0)]),
        ],
    );
    measured(&a)
}

/// A call's acoustics with the rate flags off (see `tones_cfg`).
fn measured(a: &Audio) -> analysis::Acoustics {
    let cfg = tones_cfg();
    analysis::analyze(
        a,
        &analysis::source_levels(a, &cfg),
        &CallFacts::default(),
        &cfg,
    )
}

/// Tones are not speech: one "syllable" per burst reads as very slow. Rate flags are tested in
/// the analysis tests; here they are off.
fn tones_cfg() -> AnalysisConfig {
    AnalysisConfig {
        zh_min_cpm: 0.0,
        ..AnalysisConfig::default()
    }
}

/// Findings of a call where the agent greets properly, then reads out a mobile number.
fn pii_call_findings() -> Vec<callqa::rules::Finding> {
    let t = common::transcript(
        "zh",
        &[
            (Agent, 1.0, 4.0, "您好，示例银行，工号1234"),
            (Agent, 6.0, 9.0, "您的手机号是13812345678"),
            (Agent, 50.0, 58.0, "再见"),
        ],
    );
    RuleSet::default_rules().scan(&t, 60.0)
}

fn lost(s: &callqa::score::CallScore, item: &str) -> f64 {
    s.items
        .iter()
        .find(|i| i.item == item)
        .map_or(0.0, |i| i.points_lost)
}

#[test]
fn clean_call_scores_full_marks() {
    let rules = RuleSet::default_rules();
    let t = common::transcript(
        "zh",
        &[
            (
                Agent,
                1.0,
                4.0,
                "您好，示例银行，工号1234，请问有什么可以帮您",
            ),
            (Customer, 10.0, 20.0, "我想查一下余额"),
            (Agent, 50.0, 58.0, "感谢您的来电，再见"),
        ],
    );
    let f = rules.scan(&t, 60.0);
    assert!(f.is_empty(), "{f:?}");
    let a = Audio::from_channels(
        RATE,
        vec![
            tone(
                60.0,
                &[
                    (1.0, 4.0),
                    (5.0, 9.0),
                    (12.0, 16.0),
                    (18.0, 22.0),
                    (25.0, 29.0),
                    (31.0, 35.0),
                    (37.0, 41.0),
                    (43.0, 47.0),
                    (50.0, 58.0),
                ],
            ),
            tone(60.0, &[(10.0, 11.5)]),
        ],
    );
    let ac = measured(&a);
    let s = ScorecardConfig::default().score(&ac, Some(&f));
    assert_eq!(s.score, 100.0, "{s:#?}");
    assert!(s.pass && !s.auto_fail);
}

#[test]
fn findings_and_acoustics_deduct_with_caps() {
    let rules = RuleSet::default_rules();
    let t = common::transcript(
        "zh",
        &[
            (Agent, 1.0, 4.0, "您好，示例银行，工号1234"),
            (Agent, 6.0, 9.0, "你听不懂吗？有完没完"), // two phrases, one utterance: one finding
            (Agent, 30.0, 33.0, "我不是说过了吗"),     // a second
            (Agent, 40.0, 45.0, "你烦不烦"),           // a third: 3 × 20 capped at 40
            (Agent, 50.0, 58.0, "好的"),               // no closing: minor
        ],
    );
    let f = rules.scan(&t, 60.0);
    let s = ScorecardConfig::default().score(&stereo(), Some(&f));
    assert_eq!(lost(&s, "zh.forbidden.dismissive"), 40.0, "{s:#?}");
    assert_eq!(lost(&s, "zh.required.closing"), 5.0);
    assert_eq!(lost(&s, "acoustic.dead_air"), 3.0);
    assert_eq!(lost(&s, "acoustic.talk_over"), 3.0);
    assert_eq!(s.score, 100.0 - 40.0 - 5.0 - 3.0 - 3.0);
    assert!(!s.pass);
}

#[test]
fn auto_fail_rules_zero_the_score() {
    let s = ScorecardConfig::default().score(&stereo(), Some(&pii_call_findings()));
    assert_eq!((s.score, s.pass, s.auto_fail), (0.0, false, true));
    assert!(
        s.items
            .iter()
            .any(|i| i.item == "pii.readout" && i.status == ItemStatus::AutoFail)
    );
}

#[test]
fn mono_and_untranscribed_items_are_not_applicable() {
    let a = Audio::from_channels(RATE, vec![tone(30.0, &[(1.0, 20.0)])]);
    let ac = measured(&a);
    let s = ScorecardConfig::default().score(&ac, None);
    let na: Vec<&str> = s
        .items
        .iter()
        .filter(|i| i.status == ItemStatus::NotApplicable)
        .map(|i| i.item.as_str())
        .collect();
    assert_eq!(na, vec!["rules", "acoustic.agent"]);
    assert_eq!(lost(&s, "acoustic.dead_air"), 3.0); // 20–30 s: nobody speaks, mono or not
    assert_eq!(s.score, 97.0);
}

#[test]
fn the_scorecard_is_configured_from_the_config_file() {
    let c = Config::parse("[score]\npass_mark = 70.0\nauto_fail = []\n[score.rules.\"pii.readout\"]\npoints = 50.0\ncap = 50.0\n").unwrap();
    let s = c.score.score(&stereo(), Some(&pii_call_findings()));
    assert!(!s.auto_fail);
    assert_eq!(lost(&s, "pii.readout"), 50.0);
    assert_eq!(s.score, 100.0 - 50.0 - 3.0 - 3.0);
    assert!(!s.pass);
}

/// A muted agent channel is not a faultless call: it fails (auto-fail by default) with an item
/// that says why, or loses a critical deduction when a team takes it off the auto-fail list.
#[test]
fn no_agent_speech_is_an_item_not_a_pass() {
    let a = Audio::from_channels(
        RATE,
        vec![vec![0.0; 20 * RATE as usize], tone(20.0, &[(1.0, 9.0)])],
    );
    let ac = measured(&a);
    let sc = ScorecardConfig::default().score(&ac, Some(&[]));
    assert!(sc.auto_fail && !sc.pass, "{sc:?}");
    let item = sc
        .items
        .iter()
        .find(|i| i.item == callqa::score::NO_AGENT_SPEECH)
        .unwrap();
    assert_eq!(item.status, ItemStatus::AutoFail);
    let mut lenient = ScorecardConfig::default();
    lenient
        .auto_fail
        .retain(|r| r != callqa::score::NO_AGENT_SPEECH);
    let sc = lenient.score(&ac, Some(&[]));
    assert!(!sc.auto_fail);
    assert_eq!(lost(&sc, callqa::score::NO_AGENT_SPEECH), 40.0);
    // the stereo call above has agent speech: no such item
    let sc = ScorecardConfig::default().score(&stereo(), Some(&[]));
    assert_eq!(lost(&sc, callqa::score::NO_AGENT_SPEECH), 0.0);
    assert!(
        !sc.items
            .iter()
            .any(|i| i.item == callqa::score::NO_AGENT_SPEECH)
    );
}

/// A mono call with one voice: words that may be the customer's cost nothing until a reviewer
/// confirms them; what the agent failed to say (the closing) costs points whoever spoke.
#[test]
fn words_that_may_be_the_customers_go_to_review_until_confirmed() {
    let rules = RuleSet::default_rules();
    let t = common::transcript(
        "zh",
        &[
            (
                Mixed,
                1.0,
                4.0,
                "您好，示例银行，工号1234，请问有什么可以帮您",
            ),
            (Mixed, 6.0, 9.0, "这个我也没办法，你自己去网点问吧"),
        ],
    );
    let f = rules.scan(&t, 30.0);
    let dismissive = f
        .iter()
        .position(|f| f.rule_id == "zh.forbidden.dismissive")
        .unwrap_or_else(|| panic!("{f:?}"));
    assert!(
        f.iter().any(|f| f.rule_id == "zh.required.closing"),
        "{f:?}"
    );
    let ac = measured(&Audio::from_channels(
        RATE,
        vec![tone(30.0, &[(1.0, 4.0), (6.0, 9.0)])],
    ));
    let card = ScorecardConfig::default();
    let s = card.score(&ac, Some(&f));
    let item = |s: &callqa::score::CallScore, id: &str| {
        s.items.iter().find(|i| i.item == id).cloned().unwrap()
    };
    assert_eq!(
        item(&s, "zh.forbidden.dismissive").status,
        ItemStatus::Review
    );
    assert_eq!(lost(&s, "zh.forbidden.dismissive"), 0.0);
    assert!(s.needs_review);
    assert!(lost(&s, "zh.required.closing") > 0.0, "{s:?}");
    let mut confirmed = vec![false; f.len()];
    confirmed[dismissive] = true;
    let s2 = card.score_reviewed(&ac, Some(&f), &confirmed);
    assert_eq!(
        item(&s2, "zh.forbidden.dismissive").status,
        ItemStatus::Deducted
    );
    assert!(s2.score < s.score, "{s2:?}");
    // on stereo the agent's channel is the agent's: deducted at once
    let s3 = card.score(&stereo(), Some(&f_as_agent(&f)));
    assert_eq!(
        item(&s3, "zh.forbidden.dismissive").status,
        ItemStatus::Deducted
    );
}

fn f_as_agent(f: &[callqa::rules::Finding]) -> Vec<callqa::rules::Finding> {
    f.iter()
        .cloned()
        .map(|mut f| {
            f.speaker = Agent;
            f
        })
        .collect()
}

/// A forbidden phrase only Whisper's second choice makes costs its points, as a misheard
/// homophone does, but asks for a listen; under an auto-fail rule it does not fail the call
/// unheard. A reviewer's confirmation makes it an ordinary finding.
#[test]
fn second_choice_findings_deduct_and_ask_for_a_listen() {
    let rules = RuleSet::default_rules();
    let mut t = common::transcript(
        "zh",
        &[
            (Agent, 1.0, 4.0, "您好，示例银行，工号1234"),
            (Agent, 6.0, 9.0, "你听不明吗"),
            (Agent, 50.0, 58.0, "感谢您的来电，再见"),
        ],
    );
    t.segments[1].second_choices = vec![callqa::asr::SecondChoice {
        start: 3,
        end: 4,
        text: "懂".into(),
        p: 0.2,
    }];
    let f = rules.scan(&t, 60.0);
    let card = ScorecardConfig::default();
    let s = card.score(&stereo(), Some(&f));
    assert_eq!(lost(&s, "zh.forbidden.dismissive"), 20.0, "{s:#?}");
    let item = s.items.iter().find(|i| i.item == "zh.forbidden.dismissive");
    assert!(item.unwrap().note.contains("second choice"), "{s:#?}");
    assert!(s.needs_review);
    let confirmed: Vec<bool> = f.iter().map(|_| true).collect();
    let s = card.score_reviewed(&stereo(), Some(&f), &confirmed);
    assert_eq!(lost(&s, "zh.forbidden.dismissive"), 20.0);
    assert!(!s.needs_review, "{s:#?}");
    // the same finding under an auto-fail rule
    let mut profane = f.clone();
    for x in profane
        .iter_mut()
        .filter(|x| x.kind == callqa::rules::Kind::Forbidden)
    {
        x.rule_id = "zh.forbidden.profanity".into();
    }
    let s = card.score(&stereo(), Some(&profane));
    assert!(!s.auto_fail && s.needs_review, "{s:#?}");
    let item = s.items.iter().find(|i| i.item == "zh.forbidden.profanity");
    assert_eq!(item.unwrap().status, ItemStatus::Review);
}
