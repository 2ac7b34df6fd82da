//! Accuracy of callqa on the labelled synthetic calls (`make eval`): per-item precision and
//! recall of findings against the injected violations, English WER, and agreement of scores
//! with the scores the labels imply. Reads the truth files of `make_calls` and the dataset a
//! `callqa batch` wrote over them; prints a Markdown table and writes it to `--report`.
//!
//! usage: cargo run --release --example eval -- --truth datasets/synth/truth --out DATASET
//!        [--report datasets/eval-results.md]

use std::collections::BTreeMap;
use std::path::PathBuf;

use callqa::store;
use serde::Deserialize;

/// Findings may start this much before or end this much after the labelled span.
const TOLERANCE_S: f64 = 2.0;

#[derive(Debug, Deserialize)]
struct Violation {
    kind: String,
    expect: String,
    start: f64,
    end: f64,
}

#[derive(Debug, Deserialize)]
struct Turn {
    speaker: String,
    text: String,
}

#[derive(Debug, Deserialize)]
struct Truth {
    call_id: String,
    agent_id: String,
    language: String,
    turns: Vec<Turn>,
    violations: Vec<Violation>,
}

/// Points the default scorecard deducts for one labelled violation (pii: auto-fail).
fn label_points(kind: &str) -> f64 {
    match kind {
        "forbidden" | "missing_greeting" => 20.0,
        "missing_closing" => 5.0,
        "dead_air" | "talk_over" | "too_fast" => 3.0,
        "too_quiet" | "too_loud" | "clipping" => 2.0,
        _ => 0.0,
    }
}

#[derive(Default)]
struct Counts {
    tp: usize,
    fp: usize,
    fn_: usize,
}

fn words(s: &str) -> Vec<String> {
    s.to_lowercase()
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

fn edit_distance(a: &[String], b: &[String]) -> usize {
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, x) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, y) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(x != y))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |k: &str| {
        args.iter()
            .position(|a| a == k)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let truth_dir = PathBuf::from(arg("--truth").unwrap_or_else(|| "datasets/synth/truth".into()));
    let out = PathBuf::from(arg("--out").expect("--out DATASET"));
    let report = arg("--report").map(PathBuf::from);

    let mut truths: Vec<Truth> = std::fs::read_dir(&truth_dir)
        .unwrap_or_else(|e| panic!("{}: {e} (run `make datasets`)", truth_dir.display()))
        .map(|e| serde_json::from_slice(&std::fs::read(e.unwrap().path()).unwrap()).unwrap())
        .collect();
    truths.sort_by(|a, b| a.call_id.cmp(&b.call_id));

    let q = |sql: &str| store::query(&out, sql).unwrap_or_else(|e| panic!("{e}"));
    let calls = q("SELECT call_id, status, score, pass, score_items FROM calls");
    let findings = q("SELECT call_id, rule_id, start_s, end_s FROM findings");
    let segments =
        q("SELECT call_id, speaker, start_s, text FROM segments ORDER BY call_id, start_s");
    let col = |df: &polars::prelude::DataFrame, n: &str| -> Vec<String> {
        store::strings(df, n)
            .into_iter()
            .map(Option::unwrap_or_default)
            .collect()
    };
    let (c_ids, c_status, c_items) = (
        col(&calls, "call_id"),
        col(&calls, "status"),
        col(&calls, "score_items"),
    );
    let c_score = store::floats(&calls, "score");
    let (f_ids, f_rules) = (col(&findings, "call_id"), col(&findings, "rule_id"));
    let (f_start, f_end) = (
        store::floats(&findings, "start_s"),
        store::floats(&findings, "end_s"),
    );
    let (s_ids, s_who, s_text) = (
        col(&segments, "call_id"),
        col(&segments, "speaker"),
        col(&segments, "text"),
    );

    let mut per_item: BTreeMap<String, Counts> = BTreeMap::new();
    let (mut wer_edits, mut wer_words) = (0usize, 0usize);
    let (mut agree, mut scored, mut abs_diff) = (0usize, 0usize, 0.0f64);
    let mut agent_scores: BTreeMap<String, (Vec<f64>, Vec<f64>)> = BTreeMap::new();
    let mut missing = 0;
    for t in &truths {
        let Some(ci) = c_ids.iter().position(|id| id == &t.call_id) else {
            missing += 1;
            continue;
        };
        if c_status[ci] != "ok" {
            missing += 1;
            continue;
        }
        // what callqa reported for this call: rule findings with times, acoustic items per call
        let mut predicted: Vec<(String, f64, f64, bool)> = (0..f_ids.len())
            .filter(|&i| f_ids[i] == t.call_id)
            .map(|i| {
                (
                    f_rules[i].clone(),
                    f_start[i].unwrap_or(0.0),
                    f_end[i].unwrap_or(0.0),
                    false,
                )
            })
            .collect();
        let items: Vec<serde_json::Value> = serde_json::from_str(&c_items[ci]).unwrap_or_default();
        for it in &items {
            let name = it["item"].as_str().unwrap_or_default();
            if name.starts_with("acoustic.") && it["status"] == "deducted" {
                predicted.push((name.to_string(), f64::NEG_INFINITY, f64::INFINITY, false));
            }
        }
        // the same rule may fire twice on one labelled phrase: one label matches all of them
        let mut labelled: Vec<&Violation> = t.violations.iter().collect();
        labelled.sort_by(|a, b| a.expect.cmp(&b.expect));
        labelled.dedup_by(|a, b| a.expect == b.expect && a.expect.starts_with("acoustic."));
        for v in labelled {
            let c = per_item.entry(v.expect.clone()).or_default();
            let mut hit = false;
            for p in predicted.iter_mut().filter(|p| p.0 == v.expect) {
                if p.1 <= v.end + TOLERANCE_S && p.2 >= v.start - TOLERANCE_S {
                    p.3 = true;
                    hit = true;
                }
            }
            if hit {
                c.tp += 1;
            } else {
                c.fn_ += 1;
            }
        }
        for p in predicted.iter().filter(|p| !p.3) {
            per_item.entry(p.0.clone()).or_default().fp += 1;
        }
        // English WER of the whole call, both speakers
        if t.language == "en" {
            for who in ["agent", "customer"] {
                let reference: Vec<String> = t
                    .turns
                    .iter()
                    .filter(|x| x.speaker == who)
                    .flat_map(|x| words(&x.text))
                    .collect();
                let hyp: Vec<String> = (0..s_ids.len())
                    .filter(|&i| s_ids[i] == t.call_id && s_who[i] == who)
                    .flat_map(|i| words(&s_text[i]))
                    .collect();
                wer_edits += edit_distance(&reference, &hyp);
                wer_words += reference.len();
            }
        }
        // score agreement with the labels
        let auto_fail = t.violations.iter().any(|v| v.kind == "pii_readout");
        let lost: f64 = t.violations.iter().map(|v| label_points(&v.kind)).sum();
        let label = if auto_fail {
            0.0
        } else {
            (100.0 - lost).max(0.0)
        };
        if let Some(s) = c_score[ci] {
            scored += 1;
            abs_diff += (s - label).abs();
            agree += usize::from((s >= 85.0) == (label >= 85.0));
            let e = agent_scores.entry(t.agent_id.clone()).or_default();
            e.0.push(s);
            e.1.push(label);
        }
    }

    let pct = |a: usize, b: usize| {
        if b == 0 {
            "-".to_string()
        } else {
            format!("{:.0}%", 100.0 * a as f64 / b as f64)
        }
    };
    let mut md = String::from("# callqa evaluation\n\n");
    md += &format!(
        "{} labelled synthetic calls ({} scored, {} missing or error) from `make datasets` (seed 7), \
         Whisper base, default rules with the demo company name. Findings match a label when they \
         overlap its span ± {TOLERANCE_S} s; acoustic items and missing greeting/closing are judged per call.\n\n",
        truths.len(),
        scored,
        missing
    );
    md += "| item | labelled | found | precision | recall |\n|---|---|---|---|---|\n";
    for (item, c) in &per_item {
        md += &format!(
            "| `{item}` | {} | {} | {} | {} |\n",
            c.tp + c.fn_,
            c.tp + c.fp,
            pct(c.tp, c.tp + c.fp),
            pct(c.tp, c.tp + c.fn_)
        );
    }
    let means: Vec<(f64, f64)> = agent_scores
        .values()
        .map(|(s, l)| {
            (
                s.iter().sum::<f64>() / s.len() as f64,
                l.iter().sum::<f64>() / l.len() as f64,
            )
        })
        .collect();
    md += &format!(
        "\n| measure | result |\n|---|---|\n\
         | English WER (espeak-ng voices, 8 kHz μ-law, both channels) | {} ({wer_edits} edits / {wer_words} words) |\n\
         | pass/fail agrees with the labels | {} of calls |\n\
         | mean absolute score difference from the labels | {:.1} points |\n\
         | per-agent mean score, rank correlation with the labels (Spearman) | {:.2} |\n",
        pct(wer_edits, wer_words),
        pct(agree, scored),
        abs_diff / scored.max(1) as f64,
        spearman(&means)
    );
    print!("{md}");
    if let Some(path) = report {
        store::write_atomic(&path, md.as_bytes()).unwrap();
        eprintln!("written: {}", path.display());
    }
}

fn ranks(v: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..v.len()).collect();
    idx.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut r = vec![0.0; v.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && v[idx[j + 1]] == v[idx[i]] {
            j += 1;
        }
        for k in i..=j {
            r[idx[k]] = (i + j) as f64 / 2.0 + 1.0;
        }
        i = j + 1;
    }
    r
}

fn spearman(pairs: &[(f64, f64)]) -> f64 {
    let (a, b): (Vec<f64>, Vec<f64>) = pairs.iter().copied().unzip();
    let (ra, rb) = (ranks(&a), ranks(&b));
    let n = ra.len() as f64;
    let (ma, mb) = (ra.iter().sum::<f64>() / n, rb.iter().sum::<f64>() / n);
    let cov: f64 = ra.iter().zip(&rb).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = ra.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = rb.iter().map(|y| (y - mb).powi(2)).sum();
    cov / (va * vb).sqrt()
}
