//! Speaker separation on mono mixes of the labelled stereo calls: each call's two channels
//! summed to one, separated again, and compared frame by frame with the labelled turns.
//! Usage: diarize_eval --manifest M --truth DIR [--limit N]

use std::path::{Path, PathBuf};
use std::time::Instant;

use callqa::diarize::{DiarizeConfig, Diarizer};

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
    let d = Diarizer::load(
        Path::new("models/voice-encoder.safetensors"),
        DiarizeConfig::default(),
    )
    .unwrap();
    let base = manifest.parent().unwrap();
    let mut rdr = csv::Reader::from_path(&manifest).unwrap();
    let (mut right, mut speech, mut secs, mut audio_s) = (0usize, 0usize, 0f64, 0f64);
    for rec in rdr.records().take(limit) {
        let rec = rec.unwrap();
        let (path, id) = (base.join(&rec[0]), rec[1].to_string());
        let a = callqa::audio::resample(callqa::audio::decode(&path).unwrap()).unwrap();
        let only: Option<usize> = arg("--channel").map(|c| c.parse().unwrap());
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
        let n = (a.duration_s() * 100.0) as usize + 1;
        let mut truth_lab = vec![[false; 2]; n];
        for turn in t["turns"].as_array().unwrap() {
            let k = usize::from(turn["speaker"] != "agent");
            for s in turn["speech"].as_array().unwrap() {
                let (x, y) = (s[0].as_f64().unwrap(), s[1].as_f64().unwrap());
                let (a, b) = ((x * 100.0) as usize, ((y * 100.0) as usize).min(n));
                truth_lab[a.min(b)..b].iter_mut().for_each(|t| t[k] = true);
            }
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
        println!(
            "{id}: voices {} sim {:.3} right {:.1}% turns {}",
            dz.voices,
            dz.voice_similarity,
            100.0 * best as f64 / frames.max(1) as f64,
            dz.turns.len()
        );
    }
    println!(
        "speech frames right {:.1}%; separation {:.1} s for {:.0} s of audio ({:.3} s per minute)",
        100.0 * right as f64 / speech.max(1) as f64,
        secs,
        audio_s,
        secs * 60.0 / audio_s
    );
}
