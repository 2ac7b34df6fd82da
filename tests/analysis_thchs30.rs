//! Voice activity and acoustic speech rate against the THCHS-30 alignments (real Mandarin).

mod common;

use callqa::analysis::{self, AnalysisConfig};
use callqa::audio;
use callqa::call::{CallFacts, Interval};
use common::{repo, textgrid_words};

#[test]
fn vad_and_syllable_rate_match_the_alignments() {
    let cfg = AnalysisConfig::default();
    let (mut agree, mut frames) = (0usize, 0usize);
    let mut rate_errors = Vec::new();
    for i in 0..7 {
        let name = format!("datasets/zh-thchs30/A2_{i}");
        let decoded = audio::decode(&repo(&format!("{name}.wav"))).unwrap();
        let a = audio::resample(decoded.clone()).unwrap();
        let truth: Vec<Interval> = textgrid_words(&repo(&format!("{name}.TextGrid")))
            .iter()
            .map(|(s, e, _)| Interval { start: *s, end: *e })
            .collect();
        let chars = truth.len();
        let true_speech: f64 = truth.iter().map(Interval::len).sum();
        let m = analysis::analyze(
            &a,
            &analysis::source_levels(&decoded, &cfg),
            &CallFacts::default(),
            &cfg,
        );
        let ours = &m.speakers[0].speech;
        // 10 ms frames: speech in truth vs speech in ours
        let n = (a.duration_s() / 0.01) as usize;
        let inside = |ivs: &[Interval], t: f64| ivs.iter().any(|iv| iv.start <= t && t < iv.end);
        let ok = (0..n)
            .filter(|k| {
                let t = *k as f64 * 0.01 + 0.005;
                inside(&truth, t) == inside(ours, t)
            })
            .count();
        agree += ok;
        frames += n;
        let true_rate = chars as f64 * 60.0 / true_speech;
        let rate = m.speakers[0].syllables_per_min.unwrap();
        let err = (rate - true_rate) / true_rate;
        rate_errors.push(err.abs());
        println!(
            "A2_{i}: VAD {:5.1}%  true {true_rate:5.0} chars/min  acoustic {rate:5.0} syll/min ({:+.1}%)",
            100.0 * ok as f64 / n as f64,
            100.0 * err
        );
    }
    let vad = agree as f64 / frames as f64;
    let mean_rate_err = rate_errors.iter().sum::<f64>() / rate_errors.len() as f64;
    println!(
        "VAD frame accuracy {:.1}%; mean |acoustic rate error| {:.1}%",
        100.0 * vad,
        100.0 * mean_rate_err
    );
    assert!(vad >= 0.90, "VAD frame accuracy {:.1}%", 100.0 * vad);
    assert!(
        mean_rate_err <= 0.15,
        "acoustic speech rate off by {:.1}% on average",
        100.0 * mean_rate_err
    );
}
