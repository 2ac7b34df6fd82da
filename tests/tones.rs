//! Call-progress and keypad tones (ringback, busy, dial, DTMF, fax) on a recording are not
//! speech: the voice activity detector leaves them out, so they cost no talk time, and Whisper
//! never hears them (it wrote the customer's later words into a ringback).

mod common;

use std::f32::consts::TAU;

use callqa::audio::{self, VadConfig, speech_intervals};
use callqa::call::Interval;

/// One tone plan: (frequencies, seconds on, seconds off, repeats).
type Plan = (&'static [f32], f32, f32, usize);

/// The tones phone systems play, by their standards (China's 450 Hz ringback 1 s on, 4 s off;
/// busy 0.35/0.35; a North American ringback 440+480 Hz 2/4; dial tone 350+440; DTMF digits
/// 100 ms apart; a fax's CNG 1100 Hz 0.5/3).
const PLANS: &[(&str, &[Plan])] = &[
    ("ringback (China)", &[(&[450.0], 1.0, 4.0, 2)]),
    ("busy (China)", &[(&[450.0], 0.35, 0.35, 6)]),
    (
        "ringback (North America)",
        &[(&[440.0, 480.0], 2.0, 4.0, 2)],
    ),
    ("dial tone", &[(&[350.0, 440.0], 3.0, 1.0, 1)]),
    (
        "DTMF 1 3 5 9 #",
        &[
            (&[697.0, 1209.0], 0.1, 0.1, 1),
            (&[697.0, 1477.0], 0.1, 0.1, 1),
            (&[770.0, 1336.0], 0.1, 0.1, 1),
            (&[852.0, 1477.0], 0.1, 0.1, 1),
            (&[941.0, 1477.0], 0.1, 0.1, 1),
        ],
    ),
    ("fax CNG", &[(&[1100.0], 0.5, 3.0, 2)]),
];

/// The plan as samples at `rate`, each tone at −20 dBFS, with a quiet line hiss throughout.
fn render(plan: &[Plan], rate: u32, lead_s: f32) -> Vec<f32> {
    let mut out = vec![0.0f32; (lead_s * rate as f32) as usize];
    for &(freqs, on, off, repeats) in plan {
        for _ in 0..repeats {
            let n_on = (on * rate as f32) as usize;
            for i in 0..n_on {
                let t = i as f32 / rate as f32;
                let v: f32 = freqs.iter().map(|f| (TAU * f * t).sin()).sum();
                out.push(0.1 * v / freqs.len() as f32);
            }
            out.extend(std::iter::repeat_n(0.0, (off * rate as f32) as usize));
        }
    }
    out.extend(std::iter::repeat_n(0.0, rate as usize));
    hiss(&mut out);
    out
}

/// Line noise at about −60 dBFS, the same every run.
fn hiss(x: &mut [f32]) {
    let mut state = 0x2545_f491_u32;
    for v in x {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        *v += (state as f32 / u32::MAX as f32 - 0.5) * 0.003;
    }
}

#[test]
fn call_progress_and_keypad_tones_are_not_speech() {
    for rate in [8000, 16000] {
        for (name, plan) in PLANS {
            let x = render(plan, rate, 1.0);
            let found = speech_intervals(&x, rate, &VadConfig::default());
            assert!(
                found.is_empty(),
                "{name} at {rate} Hz read as speech: {found:?}"
            );
        }
    }
}

#[test]
fn tones_before_real_speech_leave_the_speech_as_it_was() {
    // a real Mandarin recording (THCHS-30, 16 kHz) and the same after 14 s of tones
    let speech = audio::decode(&common::repo("datasets/zh-thchs30/A2_0.wav")).unwrap();
    let speech = &speech.channels[0];
    for (name, plan) in PLANS {
        let rate = 16000;
        let mut x = render(plan, rate, 0.5);
        x.resize((14 * rate) as usize, 0.0);
        let lead = x.len() as f64 / f64::from(rate);
        x.extend_from_slice(speech);
        let cfg = VadConfig::default();
        let alone = speech_intervals(speech, rate, &cfg);
        let after: Vec<Interval> = speech_intervals(&x, rate, &cfg)
            .into_iter()
            .map(|iv| Interval {
                start: iv.start - lead,
                end: iv.end - lead,
            })
            .collect();
        assert!(!alone.is_empty());
        assert_eq!(
            after.len(),
            alone.len(),
            "{name}: {after:?} against {alone:?}"
        );
        for (a, b) in after.iter().zip(&alone) {
            assert!(
                (a.start - b.start).abs() < 0.05 && (a.end - b.end).abs() < 0.05,
                "{name}: {a:?} against {b:?}"
            );
        }
    }
}

/// A stereo service call recorded from the first ring: 10 s of ringback with the caller's
/// keypad presses on the customer channel, line hiss on the agent's. Whisper used to write the
/// customer's first sentence into the ringback; now nothing is heard before the agent answers.
#[test]
fn a_call_recorded_from_the_first_ring_has_no_words_in_the_ringback() {
    let dir = common::tempdir().unwrap();
    let call = audio::decode(&common::repo("tests/fixtures/speech/call_zh_service.wav")).unwrap();
    assert_eq!((call.rate, call.channels.len()), (8000, 2));
    let rate = call.rate;
    let lead = 10 * rate as usize;
    let mut ring = render(PLANS[0].1, rate, 0.0);
    let dtmf = render(PLANS[4].1, rate, 0.0);
    for (i, v) in dtmf.iter().enumerate() {
        ring[(rate as usize) * 5 / 2 + i] += v;
    }
    ring.resize(lead, 0.0);
    let mut quiet = vec![0.0; lead];
    hiss(&mut quiet);
    let path = dir.path().join("from_the_ring.wav");
    let frames = lead + call.channels[0].len();
    common::write_mulaw_wav(&path, rate, 2, frames, |i, c| {
        let head = if c == 0 { &quiet } else { &ring };
        if i < lead {
            head[i]
        } else {
            call.channels[c][i - lead]
        }
    });
    let rules = common::bank_rules_file(dir.path());
    let (code, v, err) = common::check_json(&rules, &path);
    assert_eq!(code, 0, "{err}");
    let segments = v["transcript"]["segments"].as_array().unwrap();
    assert!(!segments.is_empty());
    for s in segments {
        let start = s["start"].as_f64().unwrap();
        // the gate pads speech by 0.25 s; Whisper's first time may run a little early
        assert!(start >= 9.5, "words in the ringback: {s}");
    }
}

/// A rate too low to hold the telephone band (a garbled header's) is no crash: before the
/// check knew such rates, its spectrum band was an inverted range and the detector panicked.
#[test]
fn a_rate_below_the_telephone_band_is_not_a_crash() {
    for rate in [150u32, 190, 400, 1000] {
        // a loud tone at half the rate, from 2 s to 6 s: it passes the detector's high-pass
        let mut x: Vec<f32> = (0..10 * rate as usize)
            .map(|i| {
                let on = (2 * rate as usize..6 * rate as usize).contains(&i);
                if on && i % 2 == 0 {
                    0.9
                } else if on {
                    -0.9
                } else {
                    0.0
                }
            })
            .collect();
        hiss(&mut x);
        let found = speech_intervals(&x, rate, &VadConfig::default());
        assert!(
            found.iter().all(|iv| iv.start <= iv.end),
            "{rate} Hz: {found:?}"
        );
    }
}
