//! The configuration file: defaults round-trip, partial files override only what they name,
//! and mistakes are errors with a line number, never silent defaults.

mod common;

use callqa::config::Config;

/// Settings from a config file's text with the shipped rules: Ok, or the error as printed.
fn settings(toml: &str) -> Result<(), String> {
    callqa::config::Settings::with_rules(callqa::config::Config::parse(toml).unwrap(), None)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

#[test]
fn printed_defaults_parse_back_to_the_defaults() {
    let text = Config::default().to_toml();
    let back = Config::parse(&text).unwrap();
    assert_eq!(back.to_toml(), text);
    assert_eq!(back.analysis, callqa::analysis::AnalysisConfig::default());
}

#[test]
fn a_partial_file_overrides_only_its_keys() {
    let c = Config::parse("[analysis]\ndead_air_s = 8.0\n\n[asr]\nlanguage = \"en\"\n").unwrap();
    assert_eq!(c.analysis.dead_air_s, 8.0);
    assert_eq!(c.analysis.talk_over_s, 1.0);
    assert_eq!(c.asr.language, callqa::call::Language::En);
    assert_eq!(c.asr.threads, 2);
}

#[test]
fn typos_and_wrong_types_are_line_numbered_errors() {
    let e = Config::parse("[analysis]\ndead_air_s = 8.0\ntalk_ovr_s = 2.0\n").unwrap_err();
    assert!(e.starts_with("line 3"), "{e}");
    assert!(e.contains("talk_ovr_s"), "{e}");
    let e = Config::parse("[analysis]\n\ndead_air_s = \"long\"\n").unwrap_err();
    assert!(e.starts_with("line 3"), "{e}");
}

#[test]
fn check_reads_the_config_file_and_reports_bad_ones() {
    let dir = common::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[analysis]\nfoo = 1\n").unwrap();
    let wav = common::repo("datasets/zh-thchs30/A2_0.wav");
    let (code, _, err) = common::callqa(&[
        "check",
        "--no-asr",
        "--config",
        bad.to_str().unwrap(),
        wav.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(
        err.contains("bad.toml") && err.contains("line 2") && err.contains("foo"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");

    // dead_air_s = 0.5 turns the 0.85 s opening silence of A2_0 into dead air
    let good = dir.path().join("good.toml");
    std::fs::write(&good, "[analysis]\ndead_air_s = 0.5\n").unwrap();
    let (code, out, err) = common::callqa(&[
        "check",
        "--no-asr",
        "--json",
        "--config",
        good.to_str().unwrap(),
        wav.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(
        !v["acoustics"]["dead_air"].as_array().unwrap().is_empty(),
        "{v}"
    );
}

/// Scorecard values that would silently do nothing or everything are refused before any call:
/// an auto-fail or per-rule entry naming no rule (a typo), NaN or negative numbers.
#[test]
fn scorecard_typos_and_non_numbers_are_errors() {
    let err = settings("[score]\nauto_fail = [\"pii.redout\"]\n").unwrap_err();
    assert!(
        err.contains("\"pii.redout\"") && err.contains("auto_fail"),
        "{err}"
    );
    let err =
        settings("[score.rules.\"zh.forbidden.blamin\"]\npoints = 5.0\ncap = 5.0\n").unwrap_err();
    assert!(err.contains("zh.forbidden.blamin"), "{err}");
    for bad in [
        "start = nan",
        "pass_mark = -1.0",
        "major = { points = inf, cap = 40.0 }",
    ] {
        assert!(settings(&format!("[score]\n{bad}\n")).is_err(), "{bad}");
    }
    settings("[score]\nauto_fail = [\"pii.readout\", \"acoustic.no_agent_speech\", \"acoustic.clipping\"]\n")
        .unwrap();
    settings("[score.rules.\"zh.forbidden.blaming\"]\npoints = 5.0\ncap = 5.0\n").unwrap();
}

/// Speaker separation settings out of range are refused before any call.
#[test]
fn diarize_settings_out_of_range_are_errors() {
    for bad in [
        "hop_s = 0.0",
        "hop_s = nan",
        "min_voice_share = 0.7",
        "min_turn_s = -1.0",
        "distinct_voice_similarity = 0.99",
        "same_voice_similarity = 2.0",
    ] {
        let err = settings(&format!("[diarize]\n{bad}\n")).unwrap_err();
        assert!(err.contains("[diarize]"), "{bad}: {err}");
    }
    settings("[diarize]\nenabled = false\nhop_s = 0.8\n").unwrap();
    assert!(
        Config::parse("[diarize]\nhop = 0.8\n").is_err(),
        "unknown key"
    );
}

/// Transcription numbers a typo would quietly change are refused before any call.
#[test]
fn asr_settings_out_of_range_are_errors() {
    for bad in [
        "window_s = nan",
        "window_s = -1.0",
        "window_s = 45.0",
        "second_choice_p = 5.0",
        "second_choice_p = -0.1",
        "second_choice_p = nan",
    ] {
        let err = settings(&format!("[asr]\n{bad}\n")).unwrap_err();
        let key = bad.split(' ').next().unwrap();
        assert!(err.contains("[asr]") && err.contains(key), "{bad}: {err}");
    }
    for good in [
        "window_s = 0.0",
        "second_choice_p = 1.0",
        "second_choice_p = 0.0",
    ] {
        settings(&format!("[asr]\n{good}\n")).unwrap();
    }
}
