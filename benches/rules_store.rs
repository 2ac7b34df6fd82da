//! Rules and Parquet, one core, median of 5 runs, each beside a baseline in the same run:
//! - rules: the shipped rule set (normalisation, exact/fuzzy/homophone phrases, windows, PII)
//!   over 1,000 calls of real transcript text (THCHS-30 sentences for Mandarin, call sentences
//!   for English), beside one `regex::RegexSet` of the same rules' phrases over the same text;
//! - store: one chunk of 1,000 calls (calls, findings, segments; zstd Parquet, fsync, rename)
//!   beside the same rows as JSON Lines (serde_json, fsync).

use std::io::Write;
use std::path::Path;

use callqa::asr::{Segment, Transcript};
use callqa::call::{CallStatus, Speaker};
use callqa::rules::{DEFAULT_RULES, RuleSet};
use callqa::rules::{Kind, MatchMode, Severity};
use callqa::store::{self, CallRow, CallRows, FindingRow, SegmentRow};

#[allow(dead_code)]
#[path = "../examples/common/reference.rs"]
mod reference;
use reference::textgrid_words;

mod common;
use common::median_secs;

const CALLS: usize = 1_000;

const EN: [&str; 8] = [
    "Thank you for calling Example Bank, my name is Sarah, agent number 1037.",
    "Hi, my card was declined at the supermarket this morning and I do not know why.",
    "I am sorry to hear that. Let me check your account for you right now.",
    "Okay. The card ends in four four two one, if that helps.",
    "Let me confirm the details on your account.",
    "That's not my problem. You should read the manual.",
    "Alright, thank you.",
    "Is there anything else I can help you with? Thank you for calling, have a nice day.",
];

fn transcripts(root: &Path) -> Vec<Transcript> {
    let zh: Vec<String> = (0..7)
        .map(|i| {
            textgrid_words(&root.join(format!("datasets/zh-thchs30/A2_{i}.TextGrid")))
                .into_iter()
                .map(|w| w.2)
                .collect()
        })
        .collect();
    (0..CALLS)
        .map(|c| {
            let (language, lines): (&str, Vec<String>) = if c % 2 == 0 {
                ("zh", (0..8).map(|k| zh[(c + k) % 7].clone()).collect())
            } else {
                ("en", EN.iter().map(|s| s.to_string()).collect())
            };
            let segments = lines
                .into_iter()
                .enumerate()
                .map(|(k, text)| Segment {
                    speaker: if k % 2 == 0 {
                        Speaker::Agent
                    } else {
                        Speaker::Customer
                    },
                    start: k as f64 * 6.0,
                    end: k as f64 * 6.0 + 5.0,
                    raw_text: text.clone(),
                    text,
                    avg_token_p: 0.9,
                    no_speech_p: 0.01,
                    char_times: Vec::new(),
                    second_choices: Vec::new(),
                })
                .collect();
            Transcript {
                model: "bench".into(),
                language: language.parse().unwrap(),
                segments,
                transcribed_s: 40.0,
            }
        })
        .collect()
}

fn phrases_of_the_rules() -> Vec<String> {
    let doc: toml::Value = toml::from_str(DEFAULT_RULES).unwrap();
    let mut out = Vec::new();
    let mut walk = vec![&doc];
    while let Some(v) = walk.pop() {
        match v {
            toml::Value::Table(t) => {
                if let Some(toml::Value::Array(p)) = t.get("phrases") {
                    out.extend(p.iter().filter_map(|s| s.as_str()).map(regex::escape));
                }
                walk.extend(t.values());
            }
            toml::Value::Array(a) => walk.extend(a.iter()),
            _ => {}
        }
    }
    out
}

fn rows(t: &[Transcript]) -> Vec<CallRows> {
    t.iter()
        .enumerate()
        .map(|(i, tr)| {
            let id = format!("call-{i:05}");
            let call = CallRow {
                call_id: id.clone(),
                agent_id: format!("A{:03}", i % 40),
                team: "care".into(),
                started_at: Some("2026-11-27T09:00:00Z".into()),
                call_date: "2026-11-27".into(),
                status: CallStatus::Ok,
                score: Some(80.0 + (i % 20) as f64),
                score_items: Some(r#"[{"item":"rules.forbidden","status":"ok"}]"#.into()),
                acoustics_json: Some("{}".repeat(200)),
                ..CallRow::default()
            };
            let findings = (0..3)
                .map(|k| FindingRow {
                    call_id: id.clone(),
                    agent_id: call.agent_id.clone(),
                    rule_id: "en.forbidden.dismissive".into(),
                    kind: Kind::Forbidden,
                    severity: Severity::Major,
                    speaker: Speaker::Agent,
                    start_s: k as f64,
                    end_s: k as f64 + 2.0,
                    matched_text: "that's not my problem".into(),
                    evidence: "thats not my problem".into(),
                    mode: MatchMode::Exact,
                    confidence: 1.0,
                    verdict: None,
                })
                .collect();
            let segments = tr
                .segments
                .iter()
                .map(|s| SegmentRow {
                    call_id: id.clone(),
                    agent_id: call.agent_id.clone(),
                    speaker: s.speaker,
                    start_s: s.start,
                    end_s: s.end,
                    text: s.text.clone(),
                    raw_text: s.raw_text.clone(),
                    redacted: true,
                    avg_token_p: 0.9,
                    no_speech_p: 0.01,
                    // about what the Mandarin service calls store: one choice per three chars
                    second_choices: r#"[{"start":3,"end":4,"text":"在","p":0.4},{"start":8,"end":9,"text":"，","p":0.2}]"#.into(),
                    // each character timed, as Whisper's token times give them
                    char_times: serde_json::to_string(
                        &(0..s.text.chars().count())
                            .map(|i| (s.start + 0.2 * i as f64, s.start + 0.2 * i as f64 + 0.2))
                            .collect::<Vec<_>>(),
                    )
                    .unwrap(),
                })
                .collect();
            CallRows {
                call,
                findings,
                segments,
            }
        })
        .collect()
}

fn dir_bytes(d: &Path) -> u64 {
    walk(d).iter().map(|p| p.metadata().unwrap().len()).sum()
}

fn walk(d: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(d).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let t = transcripts(root);
    let rules = RuleSet::default_rules();
    let set = regex::RegexSet::new(phrases_of_the_rules()).unwrap();
    let mut findings = 0;
    let ours = median_secs(5, || {
        findings = t.iter().map(|tr| rules.scan(tr, 48.0).len()).sum::<usize>();
    });
    let baseline = median_secs(5, || {
        let hits: usize = t
            .iter()
            .flat_map(|tr| &tr.segments)
            .map(|s| set.matches(&s.raw_text).iter().count())
            .sum();
        std::hint::black_box(hits);
    });
    let audio_s = CALLS as f64 * 48.0;
    println!("\n| rules, {CALLS} calls × 8 utterances, one core | wall s | calls / s |");
    println!("|---|---|---|");
    println!(
        "| callqa rules: {} shipped rules ({findings} findings) | {ours:.3} | {:.0} |",
        rules.rules.len(),
        CALLS as f64 / ours
    );
    println!(
        "| baseline: one RegexSet of their {} exact phrases | {baseline:.3} | {:.0} |",
        set.len(),
        CALLS as f64 / baseline
    );
    println!(
        "\nrules cost {:.1}× a plain phrase search; {:.0} hours of calls' text per second",
        ours / baseline,
        audio_s / ours / 3600.0
    );

    let r = rows(&t);
    let work = root.join("target/bench-data/store");
    let _ = std::fs::remove_dir_all(&work);
    let mut n = 0;
    let mut pq_bytes = 0;
    let pq = median_secs(5, || {
        n += 1;
        let out = work.join(format!("pq{n}"));
        store::write_chunk(&out, "2026-11-27", "bench", &r).unwrap();
        pq_bytes = dir_bytes(&out);
    });
    let mut js_bytes = 0;
    let js = median_secs(5, || {
        n += 1;
        let out = work.join(format!("js{n}"));
        std::fs::create_dir_all(&out).unwrap();
        for (name, lines) in [
            (
                "calls",
                r.iter()
                    .map(|x| serde_json::to_string(&x.call).unwrap())
                    .collect::<Vec<_>>(),
            ),
            (
                "findings",
                r.iter()
                    .flat_map(|x| &x.findings)
                    .map(|f| serde_json::to_string(f).unwrap())
                    .collect(),
            ),
            (
                "segments",
                r.iter()
                    .flat_map(|x| &x.segments)
                    .map(|s| serde_json::to_string(s).unwrap())
                    .collect(),
            ),
        ] {
            let mut f = std::fs::File::create(out.join(format!("{name}.jsonl"))).unwrap();
            f.write_all(lines.join("\n").as_bytes()).unwrap();
            f.sync_all().unwrap();
        }
        js_bytes = dir_bytes(&out);
    });
    let _ = std::fs::remove_dir_all(&work);
    println!(
        "\n| store, one chunk of {CALLS} calls (3,000 findings, 8,000 segments) | wall s | size |"
    );
    println!("|---|---|---|");
    println!(
        "| callqa: Parquet (zstd), three tables, temp + fsync + rename | {pq:.3} | {:.0} KiB |",
        pq_bytes as f64 / 1024.0
    );
    println!(
        "| baseline: the same rows as JSON Lines (serde_json), fsync | {js:.3} | {:.0} KiB |",
        js_bytes as f64 / 1024.0
    );
    println!(
        "\nParquet writing costs {:.2}× JSON Lines and takes {:.3}× the space (the bench's text \
         repeats, so it compresses better than real calls)",
        pq / js,
        pq_bytes as f64 / js_bytes as f64
    );
}
