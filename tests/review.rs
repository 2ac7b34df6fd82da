//! Review verdicts (复核) and appeals (申诉) end to end on a real Mandarin call: a rejected
//! finding stops costing points after `rescore`, the agent row follows, the verdict survives
//! `batch --force`, DuckDB reads the `reviews` table, and bad verdicts record nothing.

mod common;

use std::path::Path;

use callqa::store;
use common::{callqa, model_path, repo};

fn score_and_findings(out: &Path) -> (f64, Vec<(String, Option<String>)>) {
    let calls = store::query(out, "SELECT score FROM calls").unwrap();
    let f = store::query(
        out,
        "SELECT rule_id, verdict FROM findings ORDER BY rule_id",
    )
    .unwrap();
    let rules = store::strings(&f, "rule_id");
    let verdicts = store::strings(&f, "verdict");
    (
        store::floats(&calls, "score")[0].unwrap(),
        rules
            .into_iter()
            .map(Option::unwrap_or_default)
            .zip(verdicts)
            .collect(),
    )
}

fn agent_mean(out: &Path) -> f64 {
    let a = store::query(out, "SELECT mean_score FROM agents").unwrap();
    store::floats(&a, "mean_score")[0].unwrap()
}

#[test]
fn a_rejected_finding_stops_costing_points_and_survives_a_rerun() {
    let dir = common::tempdir().unwrap();
    let d = dir.path();
    let input = d.join("in");
    std::fs::create_dir(&input).unwrap();
    // the agent says 我不是跟你说了吗 (dismissive, major) and reads back a number
    std::fs::copy(
        repo("tests/fixtures/speech/call_zh_service.wav"),
        input.join("C1.wav"),
    )
    .unwrap();
    let rules = common::bank_rules_file(d);
    let out = d.join("out");
    let (model, rules, out_s) = (
        model_path(),
        rules.to_str().unwrap().to_string(),
        out.to_str().unwrap().to_string(),
    );
    let batch = |extra: &[&str]| {
        let args = [
            "batch",
            input.to_str().unwrap(),
            "--out",
            &out_s,
            "--model",
            model.to_str().unwrap(),
            "--rules",
            &rules,
            "--quiet",
        ];
        let (code, _, err) = callqa(&[&args[..], extra].concat());
        assert_eq!(code, 0, "{err}");
    };
    batch(&[]);
    let (before, findings) = score_and_findings(&out);
    let dismissive = "zh.forbidden.dismissive";
    assert!(
        findings.iter().any(|(r, v)| r == dismissive && v.is_none()),
        "{findings:?}"
    );
    let mean_before = agent_mean(&out);

    // bad verdicts: an unknown call, a rule the call has no finding of, a CSV with a stray
    // column, a CSV with one bad row — each refused, nothing recorded
    let review = |args: &[&str]| callqa(&[&["review", "--out", &out_s][..], args].concat());
    let refused = [
        review(&["--call", "C9", "--verdict", "reject", "--reviewer", "li"]),
        review(&[
            "--call",
            "C1",
            "--rule",
            "zh.required.closing",
            "--verdict",
            "reject",
            "--reviewer",
            "li",
        ]),
        review(&["--call", "C1", "--verdict", "maybe", "--reviewer", "li"]),
    ];
    let csv = d.join("verdicts.csv");
    std::fs::write(&csv, "call_id,verdict,reviewer,score\nC1,reject,li,80\n").unwrap();
    let stray = review(&["--from", csv.to_str().unwrap()]);
    std::fs::write(
        &csv,
        format!("call_id,rule_id,verdict,reviewer\nC1,{dismissive},reject,li\nC1,,maybe,li\n"),
    )
    .unwrap();
    let one_bad = review(&["--from", csv.to_str().unwrap()]);
    for (what, (code, _, err)) in ["C9", "closing", "maybe", "stray", "one bad"]
        .iter()
        .zip(refused.iter().chain([&stray, &one_bad]))
    {
        assert_eq!(*code, 1, "{what}: {err}");
        assert!(!err.contains("panicked"), "{what}: {err}");
    }
    assert!(refused[0].2.contains("C9"), "{}", refused[0].2);
    assert!(stray.2.contains("score"), "{}", stray.2);
    assert!(one_bad.2.contains("row 3"), "{}", one_bad.2);
    assert!(
        !out.join("reviews").exists(),
        "a refused verdict wrote something"
    );

    // the reviewer rejects the dismissive finding (from a filled-in CSV)
    std::fs::write(
        &csv,
        format!(
            "call_id,rule_id,verdict,reviewer,note\nC1,{dismissive},reject,li,\"polite, in context\"\n"
        ),
    )
    .unwrap();
    let (code, _, err) = review(&["--from", csv.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = callqa(&["rescore", "--out", &out_s, "--rules", &rules]);
    assert_eq!(code, 0, "{err}");
    let (after, findings) = score_and_findings(&out);
    assert!(after > before, "score {before} → {after}");
    assert!(
        findings
            .iter()
            .any(|(r, v)| r == dismissive && v.as_deref() == Some("reject")),
        "{findings:?}"
    );
    assert!(agent_mean(&out) > mean_before, "the agents table follows");

    // reprocessing the audio keeps the verdict
    batch(&["--force"]);
    let (forced, findings) = score_and_findings(&out);
    assert_eq!(forced, after, "{findings:?}");

    // an appeal on the whole call, denied later than the rejection: the finding counts again
    let (code, _, err) = review(&[
        "--call",
        "C1",
        "--verdict",
        "appeal-denied",
        "--reviewer",
        "wang",
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = callqa(&["rescore", "--out", &out_s, "--rules", &rules]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(score_and_findings(&out).0, before);

    // a second reader sees the verdicts, and the report counts them per rule
    let reviews = out.join("reviews").join("*.parquet");
    let py = format!(
        "import duckdb; print(duckdb.sql(\"SELECT count(*), count(DISTINCT verdict) FROM \
         read_parquet('{}')\").fetchall())",
        reviews.display()
    );
    let o = std::process::Command::new("python3")
        .args(["-c", &py])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        "[(2, 2)]",
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let (code, stdout, err) = callqa(&["report", "--out", &out_s]);
    assert_eq!(code, 0, "{err}");
    assert!(
        stdout.contains("confirmed") && stdout.contains(dismissive),
        "{stdout}"
    );

    // the review queue and the report render in a real browser (headless Chromium, which
    // `make test` installs): a page with the findings is far from a blank one
    let (code, _, err) = callqa(&["sample", "--out", &out_s, "--per-agent", "1", "--seed", "1"]);
    assert_eq!(code, 0, "{err}");
    for page in ["review-queue.html", "report.html"] {
        let png = d.join(format!("{page}.png"));
        let browser = std::env::var("CHROMIUM").unwrap_or_else(|_| "chromium".into());
        let o = std::process::Command::new(&browser)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
            ])
            .arg(format!("--screenshot={}", png.display()))
            .arg("--window-size=1200,1400")
            .arg(format!("file://{}", out.join(page).display()))
            .output()
            .unwrap_or_else(|e| panic!("{browser}: {e} (`make test` installs chromium)"));
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let bytes = std::fs::read(&png).unwrap();
        assert_eq!(&bytes[1..4], b"PNG");
        let dim = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
        assert_eq!((dim(16), dim(20)), (1200, 1400), "{page}");
        assert!(
            bytes.len() > 20_000,
            "{page}: a {} byte screenshot is a blank page",
            bytes.len()
        );
    }
}
