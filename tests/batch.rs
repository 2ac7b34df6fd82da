//! The nightly batch end to end: real recordings, the real Whisper model, Parquet read back.
//! One clean run over a labelled manifest is shared by the tests that compare against it.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use callqa::store;
use common::{callqa, fixture, model_path, repo};
use polars::prelude::*;

const AGENTS: [&str; 4] = ["A01", "A02", "B07", "B09"];

/// 10 Mandarin calls (the 7 THCHS-30 clips, 3 of them twice, under different ids) over two days and two
/// teams, plus the English stereo call with a dismissive phrase.
fn manifest(dir: &Path) -> PathBuf {
    let mut csv = String::from("path,call_id,agent_id,team,started_at,language\n");
    for k in 0..10 {
        let clip = repo(&format!("datasets/zh-thchs30/A2_{}.wav", k % 7));
        let agent = AGENTS[k % 4];
        let team = if agent.starts_with('A') {
            "north"
        } else {
            "south"
        };
        let day = 25 + (k / 7);
        csv += &format!(
            "{},zh{k:02},{agent},{team},2026-11-{day}T09:{k:02}:00+08:00,zh\n",
            clip.display()
        );
    }
    csv += &format!(
        "{},en01,A01,north,2026-11-26T10:00:00Z,en\n",
        fixture("speech/call_en_dismissive.wav").display()
    );
    let path = dir.join("manifest.csv");
    std::fs::write(&path, csv).unwrap();
    path
}

struct Clean {
    _dir: common::TempDir,
    manifest: PathBuf,
    out: PathBuf,
    stdout: String,
}

/// The reference: one unsharded, uninterrupted run.
fn clean() -> &'static Clean {
    static CLEAN: OnceLock<Clean> = OnceLock::new();
    CLEAN.get_or_init(|| {
        let dir = common::tempdir().unwrap();
        let manifest = manifest(dir.path());
        let out = dir.path().join("clean");
        let (code, stdout, stderr) = batch(&manifest, &out, &[]);
        assert_eq!(code, 0, "{stderr}");
        Clean {
            _dir: dir,
            manifest,
            out,
            stdout,
        }
    })
}

fn batch(input: &Path, out: &Path, extra: &[&str]) -> (i32, String, String) {
    let model = model_path();
    let mut args = vec![
        "batch",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--model",
        model.to_str().unwrap(),
        "--quiet",
        // tests run two at a time on two cores: one Whisper thread each, no oversubscription
        "--threads",
        "1",
        // the shipped rules: these calls' agents greet no real company
        "--allow-placeholder",
    ];
    args.extend_from_slice(extra);
    callqa(&args)
}

/// `callqa batch` as a child process, for tests that kill it or run two at once.
fn batch_command(input: &Path, out: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_callqa"));
    cmd.arg("batch").arg(input).arg("--out").arg(out);
    cmd.arg("--model").arg(model_path());
    cmd.args(["--quiet", "--threads", "1", "--allow-placeholder"]);
    cmd
}

fn sql(out: &Path, q: &str) -> DataFrame {
    store::query(out, q).unwrap_or_else(|e| panic!("{q}: {e}"))
}

fn str_col(df: &DataFrame, name: &str) -> Vec<String> {
    store::strings(df, name)
        .into_iter()
        .map(|v| v.unwrap_or_default())
        .collect()
}

fn f64_col(df: &DataFrame, name: &str) -> Vec<Option<f64>> {
    store::floats(df, name)
}

/// Everything a call produced, as sortable text: its calls row's results, findings, segments.
fn dataset_fingerprint(out: &Path) -> Vec<String> {
    let calls = sql(
        out,
        "SELECT call_id, status, score, finding_count, agent_id, call_date FROM calls ORDER BY call_id",
    );
    let mut rows: Vec<String> = (0..calls.height())
        .map(|i| {
            format!(
                "call {} {} {:?} {:?} {} {:?}",
                str_col(&calls, "call_id")[i],
                str_col(&calls, "status")[i],
                f64_col(&calls, "score")[i],
                f64_col(&calls, "finding_count")[i],
                str_col(&calls, "agent_id")[i],
                calls
                    .column("call_date")
                    .unwrap()
                    .get(i)
                    .unwrap()
                    .to_string(),
            )
        })
        .collect();
    let f = sql(out, "SELECT call_id, rule_id, start_s FROM findings");
    for i in 0..f.height() {
        rows.push(format!(
            "finding {} {} {:.2}",
            str_col(&f, "call_id")[i],
            str_col(&f, "rule_id")[i],
            f64_col(&f, "start_s")[i].unwrap()
        ));
    }
    let s = sql(out, "SELECT call_id, speaker, start_s, text FROM segments");
    for i in 0..s.height() {
        rows.push(format!(
            "segment {} {} {:.2} {}",
            str_col(&s, "call_id")[i],
            str_col(&s, "speaker")[i],
            f64_col(&s, "start_s")[i].unwrap(),
            str_col(&s, "text")[i]
        ));
    }
    rows.sort();
    rows
}

#[test]
fn a_clean_run_scores_every_call_and_writes_all_tables() {
    let c = clean();
    let calls = sql(&c.out, "SELECT * FROM calls ORDER BY call_id");
    assert_eq!(calls.height(), 11);
    assert!(str_col(&calls, "status").iter().all(|s| s == "ok"));
    assert!(f64_col(&calls, "score").iter().all(|s| s.is_some()));
    // Hive partitions by call date, typed as a date by the reader
    assert_eq!(calls.column("call_date").unwrap().dtype(), &DataType::Date);
    let dates = sql(&c.out, "SELECT DISTINCT call_date FROM calls");
    assert_eq!(dates.height(), 2);
    for d in ["2026-11-25", "2026-11-26"] {
        assert!(c.out.join(format!("calls/call_date={d}")).is_dir());
    }
    // the English call: the dismissive phrase and the missing closing, at their times
    let f = sql(
        &c.out,
        "SELECT rule_id, start_s, speaker FROM findings WHERE call_id = 'en01' ORDER BY start_s",
    );
    let rules = str_col(&f, "rule_id");
    assert!(
        rules.iter().any(|r| r.starts_with("en.forbidden")),
        "{rules:?}"
    );
    assert!(rules.iter().any(|r| r.contains("closing")), "{rules:?}");
    // every Mandarin call has transcript segments, redacted by default
    let s = sql(
        &c.out,
        "SELECT call_id, count(*) AS n, min(CAST(redacted AS INT)) AS r FROM segments GROUP BY call_id",
    );
    assert_eq!(s.height(), 11);
    assert!(f64_col(&s, "r").iter().all(|r| *r == Some(1.0)));
    // the agent table is printed, one line per agent plus the header
    assert_eq!(
        c.stdout
            .lines()
            .filter(|l| l.starts_with(['A', 'B']))
            .count(),
        4
    );
}

#[test]
fn bad_files_become_error_rows_and_every_good_call_is_still_scored() {
    let d = common::tempdir().unwrap();
    let input = d.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    let bad: Vec<String> = std::fs::read_dir(fixture("bad"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    for name in &bad {
        std::fs::copy(fixture("bad").join(name), input.join(format!("bad_{name}"))).unwrap();
    }
    for k in [0, 3] {
        std::fs::copy(
            repo(&format!("datasets/zh-thchs30/A2_{k}.wav")),
            input.join(format!("good_{k}.wav")),
        )
        .unwrap();
    }
    std::fs::copy(fixture("mulaw_8k_stereo.wav"), input.join("good_tones.wav")).unwrap();
    let out = d.path().join("out");
    let (code, stdout, stderr) = batch(&input, &out, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("3 scored"), "{stdout}");
    assert!(
        stdout.contains(&format!("{} errors", bad.len())),
        "{stdout}"
    );
    let calls = sql(
        &out,
        "SELECT call_id, path, status, error, score FROM calls ORDER BY call_id",
    );
    assert_eq!(calls.height(), bad.len() + 3);
    let (ids, paths, status, errors) = (
        str_col(&calls, "call_id"),
        str_col(&calls, "path"),
        str_col(&calls, "status"),
        str_col(&calls, "error"),
    );
    for i in 0..calls.height() {
        if ids[i].starts_with("bad_") {
            assert_eq!(status[i], "error", "{}", ids[i]);
            // the message names the file and says what is wrong
            let cause = errors[i].strip_prefix(&format!("{}: ", paths[i]));
            assert!(
                cause.is_some_and(|c| c.len() > 5),
                "{}: {}",
                ids[i],
                errors[i]
            );
        } else {
            assert_eq!(status[i], "ok", "{}: {}", ids[i], errors[i]);
            assert!(f64_col(&calls, "score")[i].is_some());
        }
    }
    // a rerun finds everything done: nothing processed, nothing duplicated
    let (code, stdout, _) = batch(&input, &out, &[]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains(&format!("{} already done", bad.len() + 3)),
        "{stdout}"
    );
    assert_eq!(sql(&out, "SELECT * FROM calls").height(), bad.len() + 3);
}

#[test]
fn a_killed_batch_resumes_without_lost_or_duplicated_rows() {
    let c = clean();
    let d = common::tempdir().unwrap();
    let out = d.path().join("out");
    let mut child = batch_command(&c.manifest, &out)
        .args(["--chunk-calls", "2"])
        .spawn()
        .unwrap();
    // kill -9 once some chunks are committed and before the run can finish
    let t0 = Instant::now();
    loop {
        let n = store::parts(&out, "calls").map_or(0, |p| p.len());
        if n >= 2 || t0.elapsed() > Duration::from_secs(600) {
            break;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("batch ended before it could be killed: {status}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let partial = sql(&out, "SELECT call_id FROM calls").height();
    assert!(partial > 0 && partial < 11, "killed after {partial} calls");

    let (code, stdout, stderr) = batch(&c.manifest, &out, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains(&format!("{partial} already done")),
        "{stdout}"
    );
    assert_eq!(dataset_fingerprint(&out), dataset_fingerprint(&c.out));
}

#[test]
fn two_shards_together_equal_one_unsharded_run() {
    let c = clean();
    let d = common::tempdir().unwrap();
    let out = d.path().join("out");
    // run both shards at once into one dataset, as a Kubernetes Indexed Job would
    let spawn = |index: &str| {
        batch_command(&c.manifest, &out)
            .args(["--shards", "2"])
            .env("JOB_COMPLETION_INDEX", index)
            .output()
            .unwrap()
    };
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| spawn("0"));
        let b = s.spawn(|| spawn("1"));
        (a.join().unwrap(), b.join().unwrap())
    });
    assert!(a.status.success() && b.status.success());
    let said = |o: &std::process::Output| String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(said(&a).contains("(shard 0/2)") && said(&b).contains("(shard 1/2)"));
    assert_eq!(dataset_fingerprint(&out), dataset_fingerprint(&c.out));
    // both shards wrote their own part files
    let parts = store::parts(&out, "calls").unwrap();
    assert!(parts.iter().any(|p| p.name.contains("s0of2")));
    assert!(parts.iter().any(|p| p.name.contains("s1of2")));
}

#[test]
fn the_agents_table_agrees_with_an_independent_recompute_from_calls() {
    let c = clean();
    // polars' own group-by over the calls table, against callqa's aggregation
    let calls = store::scan(&c.out, "calls").unwrap();
    let expected = calls
        .filter(col("status").eq(lit("ok")))
        .with_column(
            col("call_date")
                .cast(DataType::String)
                .str()
                .slice(lit(0), lit(7))
                .alias("period"),
        )
        .group_by([col("agent_id"), col("team"), col("period")])
        .agg([
            len().alias("calls"),
            col("score").mean().alias("mean"),
            col("score").median().alias("median"),
            col("score")
                .quantile(lit(0.1), QuantileMethod::Linear)
                .alias("p10"),
            col("score").std(1).alias("sd"),
            col("pass")
                .not()
                .cast(DataType::Float64)
                .mean()
                .alias("fail_rate"),
            col("finding_count").sum().alias("findings"),
        ])
        .sort(["agent_id", "team", "period"], Default::default())
        .collect()
        .unwrap();
    let agents = store::read_parquet(&c.out.join("agents/agents.parquet")).unwrap();
    assert_eq!(agents.height(), expected.height());
    assert_eq!(str_col(&agents, "agent_id"), str_col(&expected, "agent_id"));
    assert_eq!(str_col(&agents, "period"), str_col(&expected, "period"));
    let close = |a: &[Option<f64>], b: &[Option<f64>], what: &str| {
        for (x, y) in a.iter().zip(b) {
            match (x, y) {
                (Some(x), Some(y)) => assert!((x - y).abs() < 1e-9, "{what}: {x} vs {y}"),
                _ => assert_eq!(x, y, "{what}"),
            }
        }
    };
    for (ours, theirs) in [
        ("calls", "calls"),
        ("mean_score", "mean"),
        ("median_score", "median"),
        ("p10_score", "p10"),
        ("sd_score", "sd"),
        ("fail_rate", "fail_rate"),
        ("findings_total", "findings"),
    ] {
        close(&f64_col(&agents, ours), &f64_col(&expected, theirs), ours);
    }
    // the 95% interval: mean ± t(0.975, n−1)·sd/√n, t from a printed table
    let t = |df: usize| [12.706, 4.303, 3.182, 2.776, 2.571][df - 1];
    let (n, m, sd) = (
        f64_col(&agents, "calls"),
        f64_col(&agents, "mean_score"),
        f64_col(&agents, "sd_score"),
    );
    for i in 0..agents.height() {
        let n = n[i].unwrap() as usize;
        let hi = f64_col(&agents, "ci95_high")[i];
        if n >= 2 {
            let h = t(n - 1) * sd[i].unwrap() / (n as f64).sqrt();
            let expected = (m[i].unwrap() + h).min(100.0);
            assert!((hi.unwrap() - expected).abs() < 1e-9);
        } else {
            assert_eq!(hi, None);
        }
        // under the default minimum of 10 calls, every row is low evidence
        assert_eq!(
            agents
                .column("low_evidence")
                .unwrap()
                .bool()
                .unwrap()
                .get(i),
            Some(true)
        );
    }
    // findings by rule add up to the total
    let by_rule = str_col(&agents, "findings_by_rule");
    let totals = f64_col(&agents, "findings_total");
    for (j, t) in by_rule.iter().zip(totals) {
        let m: BTreeMap<String, f64> = serde_json::from_str(j).unwrap();
        assert_eq!(Some(m.values().sum::<f64>()), t);
    }
}

#[test]
fn check_prints_what_the_batch_stored_for_that_call() {
    let c = clean();
    let model = model_path();
    let (code, json, err) = callqa(&[
        "check",
        fixture("speech/call_en_dismissive.wav").to_str().unwrap(),
        "--allow-placeholder",
        "--lang",
        "en",
        "--json",
        "--threads",
        "1",
        "--model",
        model.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let row = sql(
        &c.out,
        "SELECT score, pass, finding_count FROM calls WHERE call_id = 'en01'",
    );
    assert_eq!(v["score"]["score"].as_f64(), f64_col(&row, "score")[0]);
    assert_eq!(
        v["findings"].as_array().unwrap().len() as f64,
        f64_col(&row, "finding_count")[0].unwrap()
    );
    let f = sql(
        &c.out,
        "SELECT rule_id, start_s, end_s FROM findings WHERE call_id = 'en01' ORDER BY start_s, rule_id",
    );
    let mut from_check: Vec<(String, f64, f64)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["start"].as_f64().unwrap(),
                f["end"].as_f64().unwrap(),
            )
        })
        .collect();
    from_check.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    let stored: Vec<(String, f64, f64)> = (0..f.height())
        .map(|i| {
            (
                str_col(&f, "rule_id")[i].clone(),
                f64_col(&f, "start_s")[i].unwrap(),
                f64_col(&f, "end_s")[i].unwrap(),
            )
        })
        .collect();
    assert_eq!(from_check, stored);
    let s = sql(
        &c.out,
        "SELECT text FROM segments WHERE call_id = 'en01' ORDER BY start_s, speaker",
    );
    let texts: Vec<&str> = v["transcript"]["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, str_col(&s, "text"));
}

#[test]
fn customer_tags_are_stored_and_reported_but_cost_nothing() {
    let c = clean();
    let d = common::tempdir().unwrap();
    let out = d.path().join("out");
    copy_dir(&c.out, &out);
    // a tag rule on what these English customers say: noted, never scored
    let rules = d.path().join("rules.toml");
    let text = callqa(&["rules", "default"]).1
        + "\n[[rules]]\nid = \"en.tag.escalation\"\nkind = \"tag\"\nlanguage = \"en\"\n\
         severity = \"minor\"\nspeaker = \"customer\"\nphrases = [\"waiting\", \"manager\"]\n";
    std::fs::write(&rules, text).unwrap();
    let before = sql(&out, "SELECT call_id, score FROM calls ORDER BY call_id");
    let (code, _, err) = callqa(&[
        "rescore",
        "--out",
        out.to_str().unwrap(),
        "--rules",
        rules.to_str().unwrap(),
        "--allow-placeholder",
    ]);
    assert_eq!(code, 0, "{err}");
    let said = sql(
        &out,
        "SELECT DISTINCT call_id FROM segments WHERE speaker = 'customer' \
         AND (lower(text) LIKE '%waiting%' OR lower(text) LIKE '%manager%') ORDER BY call_id",
    );
    let tagged = sql(
        &out,
        "SELECT call_id FROM calls WHERE escalation ORDER BY call_id",
    );
    assert!(
        tagged.height() > 0,
        "no stored customer says it: the test would prove nothing"
    );
    assert_eq!(str_col(&said, "call_id"), str_col(&tagged, "call_id"));
    let tags = sql(&out, "SELECT tags FROM calls WHERE escalation");
    assert!(
        str_col(&tags, "tags")
            .iter()
            .all(|t| t == "en.tag.escalation")
    );
    let findings = sql(
        &out,
        "SELECT kind, speaker FROM findings WHERE rule_id = 'en.tag.escalation'",
    );
    assert!(str_col(&findings, "kind").iter().all(|k| k == "tag"));
    assert!(
        str_col(&findings, "speaker")
            .iter()
            .all(|k| k == "customer")
    );
    // the scores are those of the rules without the tag
    let after = sql(&out, "SELECT call_id, score FROM calls ORDER BY call_id");
    assert_eq!(f64_col(&before, "score"), f64_col(&after, "score"));
    // per agent in the agents table and the report
    let agents = sql(&out, "SELECT sum(escalated_calls) AS n FROM agents");
    assert_eq!(f64_col(&agents, "n")[0].unwrap() as usize, tagged.height());
    let (code, _, err) = callqa(&["report", "--out", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("<th>escalated</th>"), "{html}");
}

#[test]
fn rescore_applies_new_rules_and_scorecard_without_the_audio() {
    let c = clean();
    let d = common::tempdir().unwrap();
    let out = d.path().join("out");
    copy_dir(&c.out, &out);
    // a stricter scorecard and a rule that one stored English call breaks
    let rules = d.path().join("rules.toml");
    let text = callqa(&["rules", "default"])
        .1
        .replace("version = \"", "version = \"stricter-")
        + "\n[[rules]]\nid = \"en.forbidden.test_phrase\"\nkind = \"forbidden\"\nlanguage = \"en\"\n\
         severity = \"major\"\nspeaker = \"agent\"\nmatch = \"exact\"\nphrases = [\"thank you\"]\n";
    std::fs::write(&rules, text).unwrap();
    let config = d.path().join("config.toml");
    std::fs::write(
        &config,
        "[score]\npass_mark = 99\n[score.dead_air]\npoints = 50\ncap = 50\n",
    )
    .unwrap();
    let before = sql(
        &out,
        "SELECT call_id, score, pass FROM calls ORDER BY call_id",
    );
    let placed = "SELECT call_id, rule_id, start_s, end_s FROM findings \
                  WHERE rule_id <> 'en.forbidden.test_phrase' ORDER BY call_id, rule_id, start_s";
    let findings_before = sql(&out, placed);
    // the shipped placeholder company, in the rules given or the shipped ones: refused for the
    // languages of the stored calls, as `batch` refuses, and nothing changes
    let fingerprint = dataset_fingerprint(&out);
    for rules in [&["--rules", rules.to_str().unwrap()][..], &[]] {
        let (code, _, stderr) =
            callqa(&[&["rescore", "--out", out.to_str().unwrap()], rules].concat());
        assert_eq!(code, 1, "{stderr}");
        assert!(
            stderr.contains("示例银行")
                && stderr.contains("Example Bank")
                && stderr.contains("--allow-placeholder"),
            "{stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
    assert_eq!(dataset_fingerprint(&out), fingerprint);
    let (code, stdout, stderr) = callqa(&[
        "rescore",
        "--out",
        out.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
        "--rules",
        rules.to_str().unwrap(),
        "--allow-placeholder",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("rescored 11 calls"), "{stdout}");
    // the same findings on the same words (stored character times), so that verdicts given
    // on them still cover them
    let findings_after = sql(&out, placed);
    assert!(findings_before.height() > 5, "{findings_before}");
    assert!(
        findings_after.equals_missing(&findings_before),
        "{findings_before}\n{findings_after}"
    );
    let after = sql(
        &out,
        "SELECT call_id, score, pass, rules_version FROM calls ORDER BY call_id",
    );
    assert_eq!(after.height(), 11);
    assert!(
        str_col(&after, "rules_version")
            .iter()
            .all(|v| v.starts_with("stricter-"))
    );
    // pass mark 99: a call that passed at 95 fails now
    let passed_before = store::bools(&before, "pass")
        .iter()
        .filter(|p| **p == Some(true))
        .count();
    let passed_after = store::bools(&after, "pass")
        .iter()
        .filter(|p| **p == Some(true))
        .count();
    assert!(passed_after <= passed_before);
    let hits = sql(
        &out,
        "SELECT call_id FROM findings WHERE rule_id = 'en.forbidden.test_phrase'",
    );
    let en_text = sql(
        &out,
        "SELECT text FROM segments WHERE call_id = 'en01' AND speaker = 'agent'",
    );
    let says_thanks = str_col(&en_text, "text")
        .iter()
        .any(|t| t.to_lowercase().contains("thank you"));
    assert_eq!(
        hits.height() > 0,
        says_thanks,
        "the new rule is applied to stored text"
    );
    // the same rows, and a batch under the new settings finds them done
    assert_eq!(str_col(&before, "call_id"), str_col(&after, "call_id"));
    let model = model_path();
    let (code, stdout, _) = callqa(&[
        "batch",
        c.manifest.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--model",
        model.to_str().unwrap(),
        "--quiet",
        "--threads",
        "1",
        "--allow-placeholder",
        "--config",
        config.to_str().unwrap(),
        "--rules",
        rules.to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    assert!(stdout.contains("11 already done"), "{stdout}");
    // transcription settings cannot be changed by a rescore
    std::fs::write(
        &config,
        "[asr]\nthreads = 1\n[asr.gate_config]\nmargin_db = 3.0\n",
    )
    .unwrap();
    let (code, _, stderr) = callqa(&[
        "rescore",
        "--out",
        out.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(stderr.contains("batch --force"), "{stderr}");
}

#[test]
fn report_prints_worst_first_and_writes_a_self_contained_html_page() {
    let c = clean();
    let d = common::tempdir().unwrap();
    let html = d.path().join("r.html");
    let (code, stdout, stderr) = callqa(&[
        "report",
        "--out",
        c.out.to_str().unwrap(),
        "--html",
        html.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let means: Vec<f64> = stdout
        .lines()
        .filter(|l| l.starts_with(['A', 'B']))
        .map(|l| l.split_whitespace().nth(4).unwrap().parse().unwrap())
        .collect();
    assert_eq!(means.len(), 4);
    assert!(means.windows(2).all(|w| w[0] <= w[1]), "{stdout}");
    let page = std::fs::read_to_string(&html).unwrap();
    for a in AGENTS {
        assert!(page.contains(&format!(">{a}<")), "{a}");
    }
    assert_eq!(page.matches("<svg class=\"dist\"").count(), 4);
    assert_eq!(page.matches("<svg class=\"trend\"").count(), 4);
    assert!(!page.contains("http://") && !page.contains("https://") && !page.contains("<script"));
    // team filter
    let (_, stdout, _) = callqa(&[
        "report",
        "--out",
        c.out.to_str().unwrap(),
        "--team",
        "south",
        "--html",
        html.to_str().unwrap(),
    ]);
    assert!(
        stdout.contains("B07") && !stdout.contains("A01"),
        "{stdout}"
    );
    let (code, _, stderr) = callqa(&[
        "report",
        "--out",
        c.out.to_str().unwrap(),
        "--since",
        "2027-01-01",
    ]);
    assert_eq!(code, 1);
    assert!(stderr.contains("no calls match"), "{stderr}");
}

#[test]
fn query_runs_sql_and_a_second_reader_sees_the_same_data() {
    let c = clean();
    let (code, stdout, stderr) = callqa(&[
        "query",
        "--out",
        c.out.to_str().unwrap(),
        "--csv",
        "SELECT agent_id, count(*) AS n FROM calls GROUP BY agent_id ORDER BY agent_id",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.trim(), "agent_id,n\nA01,4\nA02,3\nB07,2\nB09,2");
    // DuckDB reads the dataset with its own Parquet reader
    let py = format!(
        "import duckdb\n\
         c = duckdb.sql(\"SELECT count(*), count(DISTINCT call_id), typeof(any_value(call_date)), sum(finding_count) FROM read_parquet('{0}/calls/**/*.parquet', hive_partitioning=true)\").fetchall()[0]\n\
         f = duckdb.sql(\"SELECT count(*) FROM read_parquet('{0}/findings/**/*.parquet', hive_partitioning=true)\").fetchall()[0]\n\
         a = duckdb.sql(\"SELECT sum(calls) FROM read_parquet('{0}/agents/agents.parquet')\").fetchall()[0]\n\
         print(c[0], c[1], c[2], c[3], f[0], a[0])\n",
        c.out.display()
    );
    let o = Command::new("python3").args(["-c", &py]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // CSV for spreadsheets: a text cell that would run as a formula is neutralised, a text
    // aggregate is not quoted twice, numbers stay numbers
    let (code, stdout, stderr) = callqa(&[
        "query",
        "--out",
        c.out.to_str().unwrap(),
        "--csv",
        "SELECT '=HYPERLINK(\"http://x\")' AS f, '@SUM(A1)' AS g, min(agent_id) AS a, -1.5 AS n FROM calls",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stdout.trim(),
        "f,g,a,n\n\"'=HYPERLINK(\"\"http://x\"\")\",'@SUM(A1),A01,-1.5"
    );
    // the SQL sees the dataset's tables, not the disk
    for sql in [
        "SELECT * FROM read_parquet('/etc/x.parquet')",
        "SELECT * FROM \"read_parquet\"('/etc/x.parquet')",
        "SELECT * FROM read_parquet/**/('/etc/x.parquet')",
        "SELECT * FROM READ_CSV ('/etc/passwd')",
    ] {
        let (code, _, stderr) = callqa(&["query", "--out", c.out.to_str().unwrap(), sql]);
        assert_eq!(code, 1, "{sql}");
        assert!(
            stderr.to_lowercase().contains("read_") && stderr.contains("refused"),
            "{stderr}"
        );
    }
    // COUNT(*) with no grouping is one row (polars 0.46 gave one per row, none for no match)
    let n = sql(&c.out, "SELECT COUNT(*) AS n FROM calls");
    assert_eq!(
        (
            n.height(),
            n.column("n")
                .unwrap()
                .cast(&polars::prelude::DataType::Int64)
                .unwrap()
                .i64()
                .unwrap()
                .get(0)
        ),
        (1, Some(11)),
        "{n}"
    );
    let none = sql(
        &c.out,
        "SELECT count(*) AS n FROM calls WHERE call_id = 'no such call'",
    );
    assert_eq!(none.height(), 1, "{none}");
    let findings = sql(&c.out, "SELECT * FROM findings").height();
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        format!("11 11 DATE {findings} {findings} 11")
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// One writer per shard, and no rescore or aggregate under a running batch: a second run of
/// the same shard would do all the work again and repair the first one's files away.
#[test]
fn a_second_writer_of_the_same_shard_is_refused() {
    let d = common::tempdir().unwrap();
    let out = d.path().join("ds");
    let held = store::lock::shard(&out, "s0of1").unwrap();
    let f = fixture("mulaw_8k_stereo.wav");
    let (code, _, err) = callqa(&[
        "batch",
        "--no-asr",
        "--quiet",
        f.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("another batch of shard s0of1"), "{err}");
    // another shard may run beside it; a whole-dataset job may not
    let (code, _, err) = callqa(&[
        "batch",
        "--no-asr",
        "--quiet",
        "--shard",
        "1/2",
        f.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = callqa(&["aggregate", "--out", out.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("is writing this dataset"), "{err}");
    drop(held);
    let (code, _, err) = callqa(&["aggregate", "--out", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
}

/// A part file cut short (a disk error) neither blocks the dataset nor is half-read: its chunk
/// moves to quarantine/ with a warning, the rest still reports, and the next batch processes
/// the calls it held again.
#[test]
fn an_unreadable_part_is_quarantined_and_its_calls_run_again() {
    let d = common::tempdir().unwrap();
    let out = d.path().join("ds");
    let files = [
        fixture("mulaw_8k_stereo.wav"),
        fixture("flac_11k_mono.flac"),
    ];
    let run = || {
        let mut args = vec!["batch", "--no-asr", "--quiet", "--chunk-calls", "1"];
        let names: Vec<&str> = files.iter().map(|f| f.to_str().unwrap()).collect();
        let m = d.path().join("m.csv");
        let csv: String = std::iter::once("path,started_at".to_string())
            .chain(names.iter().map(|n| format!("{n},2026-11-20")))
            .collect::<Vec<_>>()
            .join("\n");
        std::fs::write(&m, csv + "\n").unwrap();
        let m = m.to_str().unwrap().to_string();
        args.push(&m);
        args.extend(["--out", out.to_str().unwrap()]);
        callqa(&args)
    };
    let (code, stdout, err) = run();
    assert_eq!(code, 0, "{err}");
    assert!(stdout.contains("2 calls: 2 scored"), "{stdout}");
    let parts = store::parts(&out, "calls").unwrap();
    assert_eq!(parts.len(), 2);
    let victim = parts[0].path(&out, "calls");
    let bytes = std::fs::read(&victim).unwrap();
    std::fs::write(&victim, &bytes[..bytes.len() / 2]).unwrap();
    let (code, _, err) = callqa(&["report", "--out", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("unreadable Parquet") && err.contains("quarantine"),
        "{err}"
    );
    assert!(!victim.exists());
    assert!(parts[0].path(&out.join("quarantine"), "calls").exists());
    let (code, stdout, err) = run();
    assert_eq!(code, 0, "{err}");
    assert!(
        stdout.contains("1 scored") && stdout.contains("1 already done"),
        "{stdout}"
    );
}

/// The review queue: every auto-failed call, a random share per agent, the same calls for the
/// same seed, and a page a reviewer can open.
#[test]
fn sample_picks_every_auto_fail_and_each_agent_the_same_way_for_a_seed() {
    let c = clean();
    let d = common::tempdir().unwrap();
    let out = d.path().join("out");
    copy_dir(&c.out, &out);
    // the English call's dismissive phrase made an auto-fail: a positive to find
    let config = d.path().join("config.toml");
    std::fs::write(
        &config,
        "[score]\nauto_fail = [\"en.forbidden.dismissive\", \"pii.readout\"]\n",
    )
    .unwrap();
    let (code, _, err) = callqa(&[
        "rescore",
        "--out",
        out.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
        "--allow-placeholder",
    ]);
    assert_eq!(code, 0, "{err}");
    let failed = str_col(
        &sql(
            &out,
            "SELECT call_id FROM calls WHERE auto_fail ORDER BY call_id",
        ),
        "call_id",
    );
    assert_eq!(failed, ["en01"]);
    let run = |seed: &str, queue: &Path| {
        let (code, stdout, err) = callqa(&[
            "sample",
            "--out",
            out.to_str().unwrap(),
            "--per-agent",
            "1",
            "--seed",
            seed,
            "--queue",
            queue.to_str().unwrap(),
            "--config",
            config.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{err}");
        assert!(stdout.contains("calls to hear"), "{stdout}");
        let mut rdr = csv::Reader::from_path(queue).unwrap();
        rdr.records()
            .map(|r| {
                let r = r.unwrap();
                (r[0].to_string(), r[1].to_string(), r[6].to_string())
            })
            .collect::<Vec<_>>()
    };
    let a = run("7", &d.path().join("a.csv"));
    let b = run("7", &d.path().join("b.csv"));
    assert_eq!(a, b, "same seed, same queue");
    assert_eq!(
        std::fs::read(d.path().join("a.html")).unwrap(),
        std::fs::read(d.path().join("b.html")).unwrap()
    );
    assert_eq!(a[0].0, "en01", "auto-fails first: {a:?}");
    assert!(a[0].2.starts_with("auto_fail"), "{a:?}");
    for agent in AGENTS {
        assert!(a.iter().any(|p| p.1 == agent), "{agent} is heard: {a:?}");
    }
    let ids: std::collections::BTreeSet<&String> = a.iter().map(|p| &p.0).collect();
    assert_eq!(ids.len(), a.len(), "a call is queued once");
    let page = std::fs::read_to_string(d.path().join("a.html")).unwrap();
    assert!(page.contains("en01") && page.contains("en.forbidden.dismissive"));
    assert!(!page.contains("<script") && !page.contains("http"));
}
