//! A one-hour 8 kHz stereo μ-law call (the size a call recorder exports) decodes and resamples
//! with memory bounded by the output buffers, not by the file or codec state.

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
    let dir = tempfile::tempdir().unwrap();
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

    // Decoded f32 at 8 kHz (230 MB) and resampled at 16 kHz (461 MB) are alive together at the
    // peak; anything far beyond that means a buffer grew with the file.
    let peak = peak_rss_mb();
    assert!(peak < 900.0, "peak RSS {peak:.0} MB for a 1 h call");
}
