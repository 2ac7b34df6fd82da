//! Whisper's second choices: the forbidden phrases they make are found, placed on the words
//! Whisper wrote, kept apart from what the first choices say, masked with personal data, and
//! scored as the house decides.

mod common;

use callqa::asr::{SecondChoice, Transcript};
use callqa::call::Speaker::Agent;
use callqa::rules::{Finding, Kind, MatchMode, RuleSet};
use common::transcript;

/// What Whisper base wrote for E03-05's agent ("That's not my problem. You should read the
/// manual."), with `read` its second choice for `bring`, one character every 0.1 s from 5 s.
fn misheard(choices: &[(usize, usize, &str, f32)]) -> Transcript {
    let mut t = transcript(
        "en",
        &[(
            Agent,
            5.0,
            10.0,
            "That's out my problem. You shall bring the manual.",
        )],
    );
    let s = &mut t.segments[0];
    s.char_times = (0..s.raw_text.chars().count())
        .map(|i| (5.0 + 0.1 * i as f64, 5.1 + 0.1 * i as f64))
        .collect();
    s.second_choices = choices
        .iter()
        .map(|&(start, end, text, p)| SecondChoice {
            start,
            end,
            text: text.into(),
            p,
        })
        .collect();
    t
}

fn forbidden(t: &Transcript) -> Vec<Finding> {
    RuleSet::default_rules()
        .scan(t, 30.0)
        .into_iter()
        .filter(|f| f.kind == Kind::Forbidden)
        .collect()
}

#[test]
fn a_phrase_made_by_a_second_choice_is_found_on_the_written_words() {
    assert!(forbidden(&misheard(&[])).is_empty());
    let f = forbidden(&misheard(&[(32, 38, " read", 0.12)]));
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].rule_id, "en.forbidden.dismissive");
    assert_eq!(f[0].mode, MatchMode::SecondChoice);
    // " bring" is chars 32..38 (the space at 8.2 s), "manual" ends at char 48 (9.9 s)
    assert!(
        (f[0].start - 8.2).abs() < 1e-9 && (f[0].end - 9.9).abs() < 1e-9,
        "{f:?}"
    );
    assert_eq!(f[0].matched_text, "bring the manual");
    assert!(f[0].evidence.contains("\"read\""), "{f:?}");
    assert!((f[0].confidence - 0.12).abs() < 1e-6);
}

#[test]
fn second_choices_that_make_no_phrase_find_nothing() {
    // `not` for `out` makes "that's not my problem"; `in` for `out` and `a` for `my` make none
    let f = forbidden(&misheard(&[(6, 10, " in", 0.3), (10, 13, " a", 0.2)]));
    assert!(f.is_empty(), "{f:?}");
    let f = forbidden(&misheard(&[(6, 10, " not", 0.3)]));
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(
        f[0].matched_text.starts_with("That's out my problem"),
        "{f:?}"
    );
}

#[test]
fn a_second_choice_in_an_offence_already_found_adds_nothing() {
    let mut t = misheard(&[(32, 38, " read", 0.2)]);
    t.segments[0].raw_text = "That's not my problem. You shall bring the manual.".into();
    t.segments[0].text = t.segments[0].raw_text.clone();
    let f = forbidden(&t);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].mode, MatchMode::Exact);
}

/// A second choice that only breaks the rule's `unless` words is no finding: the phrase must
/// use the choice.
#[test]
fn a_second_choice_must_be_part_of_the_phrase() {
    let mut t = transcript(
        "en",
        &[(
            Agent,
            5.0,
            9.0,
            "Is there anything else I can't help you with?",
        )],
    );
    t.segments[0].second_choices = vec![SecondChoice {
        start: 17,
        end: 22,
        text: " elf".into(),
        p: 0.3,
    }];
    let f = forbidden(&t);
    assert!(f.is_empty(), "{f:?}");
}

#[test]
fn mandarin_second_choices_find_by_sound_too() {
    // 你听不懂吗 written as 你听不明吗, 懂 Whisper's second choice
    let mut t = transcript("zh", &[(Agent, 3.0, 6.0, "这个你听不明吗")]);
    assert!(forbidden(&t).is_empty());
    t.segments[0].second_choices = vec![SecondChoice {
        start: 5,
        end: 6,
        text: "懂".into(),
        p: 0.2,
    }];
    let f = forbidden(&t);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].rule_id, "zh.forbidden.dismissive");
    assert_eq!(f[0].mode, MatchMode::SecondChoice);
    assert_eq!(f[0].matched_text, "你听不明吗");
}

#[test]
fn redaction_drops_second_choices_near_personal_data() {
    let mut t = transcript(
        "en",
        &[
            (
                Agent,
                0.0,
                5.0,
                "My number is 13812345678, you should bring it.",
            ),
            (Agent, 6.0, 9.0, "Card ends in 4, right?"),
        ],
    );
    let choice = |start, end, text: &str| SecondChoice {
        start,
        end,
        text: text.into(),
        p: 0.3,
    };
    t.segments[0].second_choices = vec![choice(36, 42, " read")];
    t.segments[1].second_choices = vec![choice(12, 14, " 44"), choice(0, 4, "Cart")];
    callqa::rules::redact_transcript(&mut t);
    // the masked segment loses its choices; a digit is never kept as a choice
    assert!(t.segments[0].second_choices.is_empty());
    let kept: Vec<&str> = (t.segments[1].second_choices.iter())
        .map(|c| c.text.as_str())
        .collect();
    assert_eq!(kept, vec!["Cart"]);
}
