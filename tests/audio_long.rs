//! A one-hour 8 kHz stereo μ-law call (the size a call recorder exports) decodes, resamples and
//! goes through the acoustic pass with memory bounded by the audio itself, not by the file,
//! codec state or analysis buffers.

mod common;

use callqa::audio;

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace()
        .nth(1)
        .unwrap()
        .parse::<f64>()
        .unwrap()
        / 1024.0
}

#[test]
fn one_hour_stereo_mulaw_decodes_and_resamples() {
    let dir = common::tempdir().unwrap();
    let path = dir.path().join("hour.wav");
    let frames = 3600 * 8000;
    // Agent tone on the left for the first half hour, customer tone on the right for the second.
    common::write_mulaw_wav(&path, 8000, 2, frames, |i, c| {
        let t = i as f32 / 8000.0;
        let active = (c == 0) == (i < frames / 2);
        if active {
            0.3 * (2.0 * std::f32::consts::PI * 300.0 * t).sin()
        } else {
            0.0
        }
    });

    let a = audio::decode(&path).unwrap();
    assert_eq!((a.rate, a.channels.len(), a.frames()), (8000, 2, frames));
    assert!((a.duration_s() - 3600.0).abs() < 1e-9);
    let r = audio::resample(a).unwrap();
    assert_eq!(r.frames(), frames * 2);
    // Left is speech-like in the first half only, right in the second half only.
    let half = r.frames() / 2;
    let energy = |x: &[f32]| x.iter().map(|v| v * v).sum::<f32>() / x.len() as f32;
    assert!(energy(&r.channels[0][..half - 160]) > 0.01);
    assert!(energy(&r.channels[0][half + 160..]) < 1e-6);
    assert!(energy(&r.channels[1][..half - 160]) < 1e-6);
    assert!(energy(&r.channels[1][half + 160..]) > 0.01);

    // The acoustic pass over the 16 kHz audio streams: no filtered copy, no per-sample sums
    // (they made a 2-hour call peak at 2.7 GB).
    let cfg = callqa::analysis::AnalysisConfig::default();
    let levels = vec![callqa::analysis::SourceLevels::default(); 2];
    let ac = callqa::analysis::analyze(&r, &levels, &callqa::call::CallFacts::default(), &cfg);
    let talk: Vec<f64> = ac.speakers.iter().map(|s| s.talk_s).collect();
    assert!(talk.iter().all(|t| (t - 1800.0).abs() < 5.0), "{talk:?}");
    assert!(ac.speakers.iter().all(|s| s.loudness_lufs.is_some()));

    // Decoded f32 at 8 kHz (230 MB), resampled one channel at a time to 16 kHz (461 MB): the
    // peak is the output and one source channel; anything far beyond means a buffer grew with
    // the file.
    let peak = peak_rss_mb();
    assert!(peak < 800.0, "peak RSS {peak:.0} MB for a 1 h call");
}
