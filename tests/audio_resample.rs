//! Resampling to 16 kHz: length, phase, passband gain and stop-band rejection.

mod common;

use std::f64::consts::PI;

use callqa::audio::{self, TARGET_RATE, resample_channel};
use common::{fixture, rms_dbfs};

const RATES: [u32; 6] = [8000, 11_025, 22_050, 44_100, 48_000, 32_000];

fn sine(rate: u32, freq: f64, amp: f64, frames: usize) -> Vec<f32> {
    (0..frames)
        .map(|i| (amp * (2.0 * PI * freq * i as f64 / f64::from(rate)).sin()) as f32)
        .collect()
}

#[test]
fn output_length_is_input_length_times_ratio() {
    for rate in RATES {
        for frames in [1, 7, 1000, 12_345, rate as usize * 3 + 7] {
            let y = resample_channel(&vec![0.1; frames], rate, TARGET_RATE).unwrap();
            let exact = (frames as f64 * 16_000.0 / f64::from(rate)).round();
            assert!(
                (y.len() as f64 - exact).abs() <= 1.0,
                "{rate} Hz, {frames} frames: got {}, expected {exact} ± 1",
                y.len()
            );
        }
    }
}

#[test]
fn a_sine_keeps_its_phase_and_level() {
    for rate in RATES {
        for freq in [440.0, 1000.0, 3000.0] {
            let x = sine(rate, freq, 0.5, rate as usize * 2);
            let y = resample_channel(&x, rate, TARGET_RATE).unwrap();
            // Skip 0.1 s at each edge, where the signal starts and stops abruptly.
            let edge = 1600;
            let max_err = (edge..y.len() - edge)
                .map(|i| {
                    (f64::from(y[i]) - 0.5 * (2.0 * PI * freq * i as f64 / 16_000.0).sin()).abs()
                })
                .fold(0.0, f64::max);
            // 0.005 of a 0.5 sine is a timing error under 0.3 µs at 3 kHz: phase is kept.
            assert!(
                max_err < 0.005,
                "{rate} Hz, {freq} Hz tone: max error {max_err}"
            );
        }
    }
}

#[test]
fn content_above_8khz_is_removed_not_aliased() {
    // A 10 kHz tone cannot exist at 16 kHz; without an anti-aliasing filter it would fold to
    // 6 kHz, into the speech band. It must come out at least 60 dB down.
    for rate in [22_050, 44_100, 48_000] {
        let x = sine(rate, 10_000.0, 0.5, rate as usize);
        let y = resample_channel(&x, rate, TARGET_RATE).unwrap();
        let out = rms_dbfs(&y[800..y.len() - 800]);
        assert!(
            out < -9.03 - 60.0,
            "{rate} Hz: 10 kHz tone leaks at {out:.1} dBFS"
        );
    }
    // 7 kHz is inside the 16 kHz band (Nyquist 8 kHz) and is kept: Whisper's mel filters reach
    // 8 kHz and fricatives live there. The filter's transition band starts above 7.5 kHz.
    let x = sine(44_100, 7_000.0, 0.5, 44_100);
    let y = resample_channel(&x, 44_100, TARGET_RATE).unwrap();
    let kept = rms_dbfs(&y[800..y.len() - 800]);
    assert!(
        (kept + 9.03).abs() < 0.1,
        "7 kHz in-band tone changed level: {kept:.2} dBFS"
    );
}

#[test]
fn sixteen_khz_passes_through_without_copy() {
    let a = audio::decode(&fixture("pcm_s16_16k_mono.wav")).unwrap();
    let ptr = a.channels[0].as_ptr();
    let r = audio::resample(a).unwrap();
    assert_eq!(r.rate, 16_000);
    assert_eq!(r.channels[0].as_ptr(), ptr, "16 kHz audio was copied");
}

#[test]
fn fixtures_resample_with_channels_separate() {
    for name in [
        "mulaw_8k_stereo.wav",
        "pcm_s24_44k_stereo.wav",
        "vorbis_48k_stereo.ogg",
        "flac_11k_mono.flac",
    ] {
        let a = audio::decode(&fixture(name)).unwrap();
        let frames = a.frames();
        let rate = a.rate;
        let r = audio::resample(a).unwrap();
        assert_eq!(r.rate, 16_000);
        assert_eq!(r.source.sample_rate, rate, "{name}: source rate kept");
        let exact = frames as f64 * 16_000.0 / f64::from(rate);
        assert!((r.frames() as f64 - exact).abs() <= 1.0, "{name}");
        let left = rms_dbfs(&r.channels[0]);
        assert!((left + 9.03).abs() < 0.6, "{name}: left {left:.2}");
        if r.channels.len() == 2 {
            let right = rms_dbfs(&r.channels[1]);
            assert!((right + 15.05).abs() < 0.6, "{name}: right {right:.2}");
        }
    }
}
