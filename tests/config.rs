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

/// One bad value for every numeric or list key of `[analysis]`, its VAD tables and
/// `[diarize]`: each refused before any call, naming its table and key. A key added to these
/// tables without a row here fails the test (the defaults name every key).
#[test]
fn every_analysis_vad_and_diarize_value_is_range_checked() {
    let vad = [
        ("frame_s", "0.0"),
        ("frame_s", "nan"),
        ("frame_s", "2.0"),
        ("margin_db", "nan"),
        ("margin_db", "-1.0"),
        ("min_dbfs", "5.0"),
        ("min_dbfs", "-inf"),
        ("merge_gap_s", "-1.0"),
        ("min_speech_s", "nan"),
        ("pad_s", "-0.1"),
    ];
    let mut bad: Vec<(&str, &str, &str)> = vec![
        ("analysis", "dead_air_s", "-1.0"),
        ("analysis", "dead_air_s", "nan"),
        ("analysis", "talk_over_s", "-0.5"),
        ("analysis", "too_quiet_lufs", "nan"),
        // above the default too_loud_lufs (-14): inverted bounds
        ("analysis", "too_quiet_lufs", "-10.0"),
        ("analysis", "too_loud_lufs", "inf"),
        ("analysis", "clip_run_samples", "0"),
        ("analysis", "clip_share", "-0.5"),
        ("analysis", "clip_share", "1.5"),
        ("analysis", "clip_share", "nan"),
        ("analysis", "zh_min_cpm", "-1.0"),
        ("analysis", "zh_max_cpm", "100.0"),
        ("analysis", "en_min_wpm", "200.0"),
        ("analysis", "en_max_wpm", "nan"),
        ("analysis", "rate_disagreement", "-0.1"),
        ("analysis", "hold_phrases", "[\"稍等\", \" \"]"),
        ("analysis", "hold_window_s", "-3.0"),
        ("diarize", "hop_s", "-1.0"),
        ("diarize", "distinct_voice_similarity", "nan"),
        ("diarize", "same_voice_similarity", "0.5"),
        ("diarize", "min_voice_share", "-0.1"),
        ("diarize", "min_voice_s", "nan"),
        ("diarize", "min_turn_s", "-1.0"),
    ];
    for table in ["analysis.vad", "asr.gate_config"] {
        bad.extend(vad.iter().map(|&(k, v)| (table, k, v)));
    }
    for &(table, key, value) in &bad {
        let err = settings(&format!("[{table}]\n{key} = {value}\n"))
            .err()
            .unwrap_or_else(|| panic!("[{table}] {key} = {value} accepted"));
        assert!(
            err.contains(&format!("[{table}]")) && err.contains(key),
            "[{table}] {key} = {value}: {err}"
        );
    }
    let defaults: toml::Table = toml::from_str(&Config::default().to_toml()).unwrap();
    for table in ["analysis", "analysis.vad", "asr.gate_config", "diarize"] {
        let keys = table
            .split('.')
            .fold(&defaults, |t, k| t[k].as_table().unwrap());
        for (key, value) in keys {
            if value.is_float() || value.is_integer() || value.is_array() {
                assert!(
                    bad.iter().any(|b| (b.0, b.1) == (table, key.as_str())),
                    "[{table}] {key}: no bad value tried"
                );
            }
        }
    }
    settings(&Config::default().to_toml()).unwrap();
    // the edges of the ranges are values
    settings("[analysis]\nclip_share = 0.0\nzh_min_cpm = 200.0\nzh_max_cpm = 200.0\n").unwrap();
    settings("[analysis.vad]\nframe_s = 1.0\nmin_dbfs = 0.0\npad_s = 0.0\n").unwrap();
}

/// A bad value stops a batch before any call is read: the file and the key named, nothing
/// written.
#[test]
fn a_batch_with_a_bad_analysis_value_writes_nothing() {
    let dir = common::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[analysis]\nclip_share = -0.5\n").unwrap();
    let out = dir.path().join("out");
    let (code, _, err) = common::callqa(&[
        "batch",
        "--no-asr",
        "--quiet",
        common::repo("datasets/zh-thchs30").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--config",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("bad.toml") && err.contains("[analysis] clip_share"),
        "{err}"
    );
    assert!(!out.exists());
}
