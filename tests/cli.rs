//! The `callqa` binary as a user meets it: output, JSON, exit codes, one-line errors.

mod common;

use common::{callqa, fixture};

#[test]
fn probe_prints_the_facts_of_a_file() {
    let f = fixture("mulaw_8k_stereo.wav");
    let (code, out, err) = callqa(&["probe", f.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    for want in [
        "pcm_mulaw",
        "8000 Hz",
        "channels  2",
        "0.500 s",
        "ch0 (left)",
        "ch1 (right)",
    ] {
        assert!(out.contains(want), "missing {want:?} in:\n{out}");
    }
}

#[test]
fn probe_json_carries_the_same_numbers() {
    let f = fixture("vorbis_48k_stereo.ogg");
    let (code, out, _) = callqa(&["probe", "--json", f.to_str().unwrap()]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["status"], "ok");
    assert_eq!(v["codec"], "vorbis");
    assert_eq!(v["format"], "ogg");
    assert_eq!(v["sample_rate"], 48000);
    assert_eq!(v["channels"], 2);
    assert_eq!(v["levels"].as_array().unwrap().len(), 2);
    let left_rms = v["levels"][0]["rms_dbfs"].as_f64().unwrap();
    assert!((left_rms + 9.03).abs() < 0.6, "{left_rms}");
}

#[test]
fn every_bad_input_is_one_line_on_stderr_and_a_nonzero_exit() {
    let dir = common::tempdir().unwrap();
    let mut paths: Vec<String> = std::fs::read_dir(fixture("bad"))
        .unwrap()
        .map(|e| e.unwrap().path().to_string_lossy().into_owned())
        .collect();
    paths.push(
        dir.path()
            .join("missing.wav")
            .to_string_lossy()
            .into_owned(),
    );
    paths.push(dir.path().to_string_lossy().into_owned());
    assert!(paths.len() >= 9);
    for p in &paths {
        let (code, out, err) = callqa(&["probe", p]);
        assert_eq!(code, 1, "{p}: exit code");
        assert!(out.is_empty(), "{p}: stdout {out:?}");
        assert_eq!(err.lines().count(), 1, "{p}: stderr is not one line: {err}");
        assert!(err.starts_with("callqa: error: "), "{p}: {err}");
        assert!(
            err.contains(p.as_str()),
            "{p}: error does not name the file: {err}"
        );
        assert!(
            !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
            "{p}: {err}"
        );
    }
}

#[test]
fn a_bad_file_does_not_stop_the_others() {
    let good = fixture("flac_11k_mono.flac");
    let bad = fixture("bad/random.wav");
    let (code, out, err) = callqa(&[
        "probe",
        "--json",
        bad.to_str().unwrap(),
        good.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "any failure makes the exit code non-zero");
    let rows: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["status"], "error");
    assert!(
        rows[0]["error"]
            .as_str()
            .unwrap()
            .contains("not a recognised audio file")
    );
    assert_eq!(rows[1]["status"], "ok");
    assert_eq!(rows[1]["codec"], "flac");
    assert_eq!(err.lines().count(), 1);
}

#[test]
fn check_prints_the_transcript_with_times() {
    let model = common::model_path();
    let f = common::repo("datasets/zh-thchs30/A2_3.wav");
    let (code, out, err) = callqa(&[
        "check",
        "--json",
        "--allow-placeholder",
        "--model",
        model.to_str().unwrap(),
        f.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["channels"], 1);
    let segs = v["transcript"]["segments"].as_array().unwrap();
    assert!(!segs.is_empty());
    let text: String = segs.iter().map(|s| s["text"].as_str().unwrap()).collect();
    assert!(text.contains("番茄炒鸡蛋"), "{text}");
    assert_eq!(segs[0]["speaker"], "mixed");
    assert!(segs[0]["start"].as_f64().unwrap() >= 0.0);
}

#[test]
fn check_errors_name_the_file_or_the_model() {
    let model = common::model_path();
    let bad = fixture("bad/truncated.wav");
    let (code, _, err) = callqa(&[
        "check",
        "--allow-placeholder",
        "--model",
        model.to_str().unwrap(),
        bad.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("truncated.wav") && err.contains("truncated"),
        "{err}"
    );

    let (code, _, err) = callqa(&[
        "check",
        "--allow-placeholder",
        "--model",
        "/no/such/model.bin",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(
        err.contains("/no/such/model.bin") && err.contains("make models"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn check_without_asr_reports_acoustics_per_speaker() {
    // A stereo call: agent (left) speaks A2_0 at 1 s, customer (right) A2_3 at 12 s.
    let dir = common::tempdir().unwrap();
    let path = dir.path().join("call.wav");
    let clip = |i: usize| {
        callqa::audio::decode(&common::repo(&format!("datasets/zh-thchs30/A2_{i}.wav")))
            .unwrap()
            .channels
            .remove(0)
    };
    let (a, c) = (clip(0), clip(3));
    let rate = 16_000;
    let frames = 30 * rate;
    common::write_mulaw_wav(&path, 16_000, 2, frames, |i, ch| match ch {
        0 if (rate..rate + a.len()).contains(&i) => a[i - rate],
        1 if (12 * rate..12 * rate + c.len()).contains(&i) => c[i - 12 * rate],
        _ => 0.0,
    });
    let (code, out, err) = callqa(&["check", "--no-asr", "--json", path.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert!(v["transcript"].is_null());
    let ac = &v["acoustics"];
    assert_eq!(ac["per_speaker"], true);
    assert_eq!(ac["speakers"][0]["speaker"], "agent");
    assert_eq!(ac["speakers"][1]["speaker"], "customer");
    let first = ac["agent_first_response_s"].as_f64().unwrap();
    assert!((1.0..1.9).contains(&first), "agent first speech at {first}");
    let talk = ac["speakers"][0]["talk_s"].as_f64().unwrap();
    assert!((6.0..9.8).contains(&talk), "agent talk {talk}");
    // Silence after the customer's turn (≈ 21.3 s → 30 s) is dead air.
    let dead = ac["dead_air"].as_array().unwrap();
    assert!(
        dead.iter().any(|d| d["end"].as_f64().unwrap() > 29.9),
        "{dead:?}"
    );
    let (code, text, _) = callqa(&["check", "--no-asr", path.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(
        text.contains("agent") && text.contains("LUFS") && text.contains("dead air"),
        "{text}"
    );
}

#[test]
fn the_shipped_placeholder_company_is_refused_before_any_work() {
    let wav = common::repo("datasets/zh-thchs30/A2_0.wav");
    let wav = wav.to_str().unwrap();
    // refused before the model is loaded: no model needed to see it
    let (code, _, err) = callqa(&["check", "--model", "/no/such/model.bin", wav]);
    assert_eq!(code, 1);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("示例银行")
            && err.contains("rules init")
            && err.contains("--allow-placeholder"),
        "{err}"
    );
    // an English call needs only the English company
    let (_, _, err) = callqa(&[
        "check",
        "--lang",
        "en",
        "--model",
        "/no/such/model.bin",
        wav,
    ]);
    assert!(
        err.contains("Example Bank") && !err.contains("示例银行"),
        "{err}"
    );
    // told otherwise, or nothing to judge: it runs (here: on to the missing model)
    let (_, _, err) = callqa(&[
        "check",
        "--allow-placeholder",
        "--model",
        "/no/such/model.bin",
        wav,
    ]);
    assert!(err.contains("make models"), "{err}");
    let (code, _, err) = callqa(&["check", "--no-asr", wav]);
    assert_eq!(code, 0, "{err}");

    // the batch refuses too, writing nothing
    let dir = common::tempdir().unwrap();
    let out = dir.path().join("dataset");
    let (code, _, err) = callqa(&[
        "batch",
        common::repo("datasets/zh-thchs30").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--model",
        "/no/such/model.bin",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("示例银行"), "{err}");
    assert!(!out.exists());
}

#[test]
fn rules_init_writes_a_teams_starter_file() {
    let (code, text, err) = callqa(&[
        "rules",
        "init",
        "--company",
        "蓝河银行",
        "--company-en",
        "Blue River Bank",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        text.contains("company = \"蓝河银行\"")
            && text.contains("company_en = \"Blue River Bank\"")
    );
    let rules = callqa::rules::RuleSet::parse(&text).unwrap();
    for lang in [callqa::call::Language::Zh, callqa::call::Language::En] {
        assert!(rules.shipped_placeholders(lang).is_empty());
    }
    // with it, check goes on to the model
    let dir = common::tempdir().unwrap();
    let file = dir.path().join("rules.toml");
    std::fs::write(&file, &text).unwrap();
    let wav = common::repo("datasets/zh-thchs30/A2_0.wav");
    let (_, _, err) = callqa(&[
        "check",
        "--rules",
        file.to_str().unwrap(),
        "--model",
        "/no/such/model.bin",
        wav.to_str().unwrap(),
    ]);
    assert!(
        err.contains("make models") && !err.contains("placeholder"),
        "{err}"
    );
    // one name serves both greetings when no English name is given
    let (_, text, _) = callqa(&["rules", "init", "--company", "某某银行"]);
    assert!(text.contains("company_en = \"某某银行\""), "{text}");
    let (code, _, err) = callqa(&["rules", "init", "--company", " "]);
    assert_eq!(code, 1);
    assert!(err.contains("--company"), "{err}");
}

/// A shard index the orchestrator set but that is no number is refused: ignored, it would make
/// this worker run every call of every shard.
#[test]
fn a_garbled_shard_index_in_the_environment_is_refused() {
    let d = common::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_callqa"))
        .args(["batch", "--no-asr", "--quiet"])
        .arg(fixture("mulaw_8k_stereo.wav"))
        .arg("--out")
        .arg(d.path().join("ds"))
        .env("SLURM_ARRAY_TASK_ID", "abc")
        .env("SLURM_ARRAY_TASK_COUNT", "4")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("SLURM_ARRAY_TASK_ID") && err.contains("abc"),
        "{err}"
    );
    assert!(!d.path().join("ds").exists(), "nothing written");
}

/// Files that decode but hold no call to judge say so: six channels are refused, and a stereo
/// call with a silent agent channel fails with the reason instead of passing.
#[test]
fn no_call_to_judge_is_said_not_passed() {
    let d = common::tempdir().unwrap();
    let six = d.path().join("six.wav");
    common::write_mulaw_wav(&six, 8000, 6, 8000 * 3, |i, c| {
        0.2 * ((i * (c + 1)) as f32 * 0.05).sin()
    });
    let (code, _, err) = callqa(&["check", "--no-asr", six.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("six.wav") && err.contains("6 channels"),
        "{err}"
    );
    let muted = d.path().join("muted.wav");
    let customer = common::tone_bursts(20.0, &[(1.0, 8.0), (10.0, 18.0)], 0.2);
    common::write_mulaw_wav(&muted, 8000, 2, 8000 * 20, |i, c| {
        if c == 0 { 0.0 } else { customer[i * 2] }
    });
    let (code, out, err) = callqa(&["check", "--no-asr", "--json", muted.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["score"]["pass"], false, "{out}");
    let items = v["score"]["items"].as_array().unwrap();
    assert!(
        items
            .iter()
            .any(|i| i["item"] == "acoustic.no_agent_speech"),
        "{items:?}"
    );
}

/// `callqa ARGS | head -N`: the program's stdout (and its stderr too, with `stderr`: `2>&1`)
/// into a pipe whose reader takes `lines` lines (0: none) and closes. Its exit code and the
/// lines read.
fn into_closed_pipe(args: &[&str], lines: usize, stderr: bool) -> (i32, Vec<String>) {
    use std::io::BufRead;
    let (reader, writer) = std::io::pipe().unwrap();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_callqa"));
    cmd.args(args).stdin(std::process::Stdio::null());
    if stderr {
        cmd.stderr(writer.try_clone().unwrap());
    } else {
        cmd.stderr(std::process::Stdio::null());
    }
    cmd.stdout(writer);
    let mut child = cmd.spawn().unwrap();
    drop(cmd); // its copies of the write end
    let mut reader = std::io::BufReader::new(reader);
    let mut read = Vec::new();
    for _ in 0..lines {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap() == 0 {
            break;
        }
        read.push(line);
    }
    drop(reader);
    (child.wait().unwrap().code().unwrap_or(-1), read)
}

/// A batch whose output is piped into `head -1` (or `2>&1 | head -1`, or a reader that reads
/// nothing) ends quietly with exit 0, and only after every call is written: the reader going
/// away costs the rest of the output, never the data. `report` and `query` the same.
#[test]
fn a_closed_pipe_ends_quietly_and_loses_no_data() {
    let d = common::tempdir().unwrap();
    let input = common::repo("datasets/zh-thchs30");
    let calls = |out: &std::path::Path| {
        let df = callqa::store::query(out, "SELECT call_id FROM calls").unwrap();
        callqa::store::strings(&df, "call_id").len()
    };
    // the progress lines of 7 calls go to stderr one by one: closed after the first
    for (name, lines, stderr) in [("both", 1, true), ("stdout", 1, false), ("none", 0, true)] {
        let out = d.path().join(name);
        let args = [
            "batch",
            "--no-asr",
            "--chunk-calls",
            "2",
            input.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ];
        let (code, read) = into_closed_pipe(&args, lines, stderr);
        assert_eq!(code, 0, "{name}: {read:?}");
        assert_eq!(read.len(), lines, "{name}: {read:?}");
        assert_eq!(calls(&out), 7, "{name}");
    }
    let out = d.path().join("stdout");
    let out = out.to_str().unwrap();
    // nothing to judge in words (batched with --no-asr): the shipped rules are no reason to refuse
    let (code, stdout, err) = callqa(&["rescore", "--out", out]);
    assert_eq!(code, 0, "{err}");
    assert!(stdout.contains("rescored 7 calls"), "{stdout}");
    for lines in [0, 1] {
        let (code, read) = into_closed_pipe(&["report", "--out", out], lines, true);
        assert_eq!(code, 0, "report | head -{lines}: {read:?}");
    }
    assert!(std::path::Path::new(out).join("report.html").is_file());
    // 7⁵ rows, more than a pipe holds: the reader closes while the writer waits on it
    let sql = "SELECT a.call_id FROM calls a CROSS JOIN calls b CROSS JOIN calls c \
               CROSS JOIN calls d CROSS JOIN calls e";
    let (code, read) = into_closed_pipe(&["query", "--out", out, "--csv", sql], 1, true);
    assert_eq!((code, read), (0, vec!["call_id\n".to_string()]));
    for args in [&["config"][..], &["rules", "default"]] {
        assert_eq!(into_closed_pipe(args, 0, true).0, 0, "{args:?}");
    }
}
