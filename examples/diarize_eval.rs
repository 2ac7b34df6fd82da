//! Speaker separation on mono mixes of labelled stereo calls: each call's two channels summed
//! to one, separated again, and compared frame by frame with the labelled turns. With
//! `--mono-out` (a batch over those mixes) and `--stereo-out` (the same calls in stereo), also
//! the agent's role, the score against the stereo score, and auto-fails from customer speech.
//! Usage: diarize_eval --manifest M --truth DIR [--limit N] [--channel C]
//!        [--mono-out D --stereo-out D] [--report FILE]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use callqa::diarize::{DiarizeConfig, Diarizer};
use callqa::store;

type Turns = Vec<(bool, f64, f64)>; // (agent, start, end) of each labelled speech stretch

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |k: &str| {
        args.iter()
            .position(|a| a == k)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let manifest = PathBuf::from(arg("--manifest").expect("--manifest M"));
    let truth = PathBuf::from(arg("--truth").expect("--truth DIR"));
    let limit: usize = arg("--limit").map_or(usize::MAX, |v| v.parse().unwrap());
    let only: Option<usize> = arg("--channel").map(|c| c.parse().unwrap());
    let d = Diarizer::load(
        Path::new("models/voice-encoder.safetensors"),
        DiarizeConfig::default(),
    )
    .unwrap();
    let base = manifest.parent().unwrap();
    let mut rdr = csv::Reader::from_path(&manifest).unwrap();
    let (mut right, mut speech, mut secs, mut audio_s) = (0usize, 0usize, 0f64, 0f64);
    let (mut calls, mut two_voices) = (0, 0);
    let mut truths: BTreeMap<String, Turns> = BTreeMap::new();
    for rec in rdr.records().take(limit) {
        let rec = rec.unwrap();
        let (path, id) = (base.join(&rec[0]), rec[1].to_string());
        let a = callqa::audio::resample(callqa::audio::decode(&path).unwrap()).unwrap();
        let mono: Vec<f32> = (0..a.frames())
            .map(|i| match only {
                Some(c) => a.channels[c][i],
                None => a.channels.iter().map(|c| c[i]).sum::<f32>(),
            })
            .collect();
        let t0 = Instant::now();
        let dz = d.diarize(&mono);
        secs += t0.elapsed().as_secs_f64();
        audio_s += a.duration_s();
        let t: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(truth.join(format!("{id}.json"))).unwrap(),
        )
        .unwrap();
        let mut turns: Turns = Vec::new();
        for turn in t["turns"].as_array().unwrap() {
            for s in turn["speech"].as_array().unwrap() {
                let (x, y) = (s[0].as_f64().unwrap(), s[1].as_f64().unwrap());
                turns.push((turn["speaker"] == "agent", x, y));
            }
        }
        let n = (a.duration_s() * 100.0) as usize + 1;
        let mut truth_lab = vec![[false; 2]; n];
        for &(agent, x, y) in &turns {
            let (a, b) = ((x * 100.0) as usize, ((y * 100.0) as usize).min(n));
            truth_lab[a.min(b)..b]
                .iter_mut()
                .for_each(|t| t[usize::from(!agent)] = true);
        }
        let mut hyp = vec![None; n];
        for turn in &dz.turns {
            let (a, b) = (
                (turn.start * 100.0) as usize,
                ((turn.end * 100.0) as usize).min(n),
            );
            hyp[a.min(b)..b]
                .iter_mut()
                .for_each(|h| *h = Some(turn.voice));
        }
        let score = |agent_voice: usize| {
            truth_lab
                .iter()
                .zip(&hyp)
                .filter(|(t, _)| t[0] != t[1])
                .filter(|(t, h)| **h == Some(if t[0] { agent_voice } else { 1 - agent_voice }))
                .count()
        };
        let frames = truth_lab.iter().filter(|t| t[0] != t[1]).count();
        let best = score(0).max(score(1));
        right += best;
        speech += frames;
        calls += 1;
        two_voices += usize::from(dz.voices == 2);
        println!(
            "{id}: voices {} similarity {:.3} right {:.1}% turns {}",
            dz.voices,
            dz.voice_similarity,
            100.0 * best as f64 / frames.max(1) as f64,
            dz.turns.len()
        );
        truths.insert(id, turns);
    }
    let mut md = format!(
        "| speech frames given to the right party (best mapping of the two voices) | {:.1} % |\n\
         | calls found to hold two voices | {two_voices} / {calls} |\n\
         | separation time per minute of audio (2 threads) | {:.2} s |\n",
        100.0 * right as f64 / speech.max(1) as f64,
        secs * 60.0 / audio_s,
    );
    if let (Some(mono), Some(stereo)) = (arg("--mono-out"), arg("--stereo-out")) {
        md += &scored(Path::new(&mono), Path::new(&stereo), &truths);
    }
    println!("{md}");
    if let Some(report) = arg("--report") {
        store::write_atomic(Path::new(&report), md.as_bytes()).unwrap();
    }
}

/// Roles, scores and auto-fails of the mono batch against the stereo batch and the labels.
fn scored(mono: &Path, stereo: &Path, truths: &BTreeMap<String, Turns>) -> String {
    let q = |out: &Path, sql: &str| store::query(out, sql).unwrap_or_else(|e| panic!("{e}"));
    let calls = |out: &Path| {
        let df = q(
            out,
            "SELECT call_id, score, auto_fail, acoustics_json FROM calls",
        );
        let ids = store::strings(&df, "call_id");
        let scores = store::floats(&df, "score");
        let fails = store::bools(&df, "auto_fail");
        let ac = store::strings(&df, "acoustics_json");
        let mut m = BTreeMap::new();
        for i in 0..ids.len() {
            let a: Option<serde_json::Value> =
                ac[i].as_deref().and_then(|j| serde_json::from_str(j).ok());
            m.insert(
                ids[i].clone().unwrap_or_default(),
                (scores[i], fails[i].unwrap_or(false), a),
            );
        }
        m
    };
    let (m, s) = (calls(mono), calls(stereo));
    let f = q(
        mono,
        "SELECT call_id, rule_id, speaker, start_s, end_s FROM findings",
    );
    let (fid, frule, fspk) = (
        store::strings(&f, "call_id"),
        store::strings(&f, "rule_id"),
        store::strings(&f, "speaker"),
    );
    let (fs, fe) = (store::floats(&f, "start_s"), store::floats(&f, "end_s"));
    let auto_fail_rules = callqa::score::ScorecardConfig::default().auto_fail;
    let (mut n, mut role_ok, mut close, mut customer_fail, mut review) = (0, 0, 0, 0, 0);
    for (id, turns) in truths {
        let (Some(mono), Some(st)) = (m.get(id), s.get(id)) else {
            continue;
        };
        n += 1;
        let agent_first = turns.first().is_some_and(|t| t.0);
        let sep = mono.2.as_ref().map(|a| a["separation"].clone());
        if let Some(sep) = sep.filter(|s| s.is_object()) {
            role_ok += usize::from((sep["agent_voice"] == 0) == agent_first);
        }
        if let (Some(a), Some(b)) = (mono.0, st.0) {
            close += usize::from((a - b).abs() <= 5.0);
        }
        // an auto-fail finding charged to the agent in the middle of customer speech
        let from_customer = (0..fid.len()).any(|k| {
            fid[k].as_deref() == Some(id.as_str())
                && fspk[k].as_deref() == Some("agent")
                && auto_fail_rules
                    .iter()
                    .any(|r| Some(r.as_str()) == frule[k].as_deref())
                && {
                    let mid = (fs[k].unwrap_or(0.0) + fe[k].unwrap_or(0.0)) / 2.0;
                    turns
                        .iter()
                        .any(|&(agent, x, y)| !agent && x <= mid && mid <= y)
                }
        });
        customer_fail += usize::from(from_customer && mono.1);
        review += usize::from(mono.0.is_some() && !mono.1 && st.1);
    }
    let mut md = String::new();
    let _ = write!(
        md,
        "| agent's role right (the labelled agent's voice chosen) | {role_ok} / {n} |\n\
         | score within ± 5 points of the stereo call's | {close} / {n} |\n\
         | calls auto-failed by customer speech | {customer_fail} / {n} |\n\
         | stereo auto-fails not failed on mono (sent to review or missed) | {review} / {n} |\n"
    );
    md
}
