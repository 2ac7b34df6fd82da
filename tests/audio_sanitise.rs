//! Samples no stage can take (issue #37): a float WAV may hold NaN, +Inf and −Inf, and values
//! far beyond full scale. Whatever the rate (resampled or not), the channel, `check` or
//! `batch`: no panic, a warning naming the channel, and measures exactly those of the same
//! file with those samples made silence (or full scale) — the other channel's untouched.

mod common;

use std::path::{Path, PathBuf};

use common::{callqa, two_voices, write_f32_wav};

const RATES: [u32; 3] = [8_000, 16_000, 44_100];
const SECONDS: f32 = 6.0;

/// Where the bad samples go: every 97th sample of 1.0–3.5 s (agent and customer speech and
/// the silence between), plus one in the agent's last burst.
fn is_bad_position(rate: u32, i: usize) -> bool {
    let t = i as f32 / rate as f32;
    ((1.0..3.5).contains(&t) && i.is_multiple_of(97)) || i == (4.5 * rate as f32) as usize
}

/// The channels given bad samples: channel 0, channel 1, or both.
const WHERE: [(&str, &[usize]); 3] = [("ch0", &[0]), ("ch1", &[1]), ("both", &[0, 1])];
const BAD: [(&str, f32); 3] = [
    ("nan", f32::NAN),
    ("posinf", f32::INFINITY),
    ("neginf", f32::NEG_INFINITY),
];

/// Every variant and, for each (where, rate), its twin with those samples zeroed:
/// (variant path, twin path, channels with bad samples).
fn write_variants(dir: &Path) -> Vec<(PathBuf, PathBuf, &'static [usize])> {
    let mut out = Vec::new();
    for rate in RATES {
        let frames = (SECONDS * rate as f32) as usize;
        for (w, chans) in WHERE {
            let twin = dir.join(format!("zero_{w}_{rate}.wav"));
            write_f32_wav(&twin, rate, 2, frames, |i, c| {
                if chans.contains(&c) && is_bad_position(rate, i) {
                    0.0
                } else {
                    two_voices(rate, i, c)
                }
            });
            for (b, value) in BAD {
                let path = dir.join(format!("{b}_{w}_{rate}.wav"));
                write_f32_wav(&path, rate, 2, frames, |i, c| {
                    if chans.contains(&c) && is_bad_position(rate, i) {
                        value
                    } else {
                        two_voices(rate, i, c)
                    }
                });
                out.push((path, twin.clone(), chans));
            }
        }
    }
    out
}

fn check_json(path: &Path) -> serde_json::Value {
    let (code, out, err) = callqa(&["check", "--no-asr", "--json", path.to_str().unwrap()]);
    assert_eq!(code, 0, "{}: {err}", path.display());
    assert!(!err.contains("panicked"), "{err}");
    serde_json::from_str(&out).unwrap()
}

fn warnings(v: &serde_json::Value) -> Vec<String> {
    v["decode_warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn non_finite_samples_are_silence_with_a_warning_in_check() {
    let d = common::tempdir().unwrap();
    for (path, twin, chans) in write_variants(d.path()) {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let (got, want) = (check_json(&path), check_json(&twin));
        assert!(warnings(&want).is_empty(), "{:?}", warnings(&want));
        let w = warnings(&got);
        for ch in 0..2 {
            let named = w
                .iter()
                .any(|w| w.starts_with(&format!("channel {ch}:")) && w.contains("not a number"));
            assert_eq!(named, chans.contains(&ch), "{name}: {w:?}");
        }
        // a stereo call stays stereo (one Inf once made the channels "identical"), and every
        // measure and the score are the zeroed file's: the finite channel's untouched
        assert_eq!(got["acoustics"], want["acoustics"], "{name}");
        assert_eq!(got["score"], want["score"], "{name}");
        assert_eq!(got["acoustics"]["speakers"].as_array().unwrap().len(), 2);
        // and the text output shows the warning before the measures
        let (_, text, _) = callqa(&["check", "--no-asr", path.to_str().unwrap()]);
        assert!(
            text.lines().nth(1).unwrap().contains("warning: channel"),
            "{name}: {text}"
        );
    }
}

#[test]
fn non_finite_samples_are_silence_with_a_warning_in_batch() {
    let d = common::tempdir().unwrap();
    let input = d.path().join("in");
    std::fs::create_dir(&input).unwrap();
    let variants = write_variants(&input);
    let out = d.path().join("ds");
    let (code, _, err) = callqa(&[
        "batch",
        "--no-asr",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let df = callqa::store::query(
        &out,
        "SELECT call_id, status, error, decode_warnings, acoustics_json, CAST(score AS VARCHAR) \
         AS score FROM calls",
    )
    .unwrap();
    let col = |n: &str| -> Vec<Option<String>> {
        let c = df.column(n).unwrap().str().unwrap();
        c.into_iter().map(|v| v.map(str::to_string)).collect()
    };
    let ids = col("call_id");
    let row = |id: &str| {
        let i = ids.iter().position(|v| v.as_deref() == Some(id)).unwrap();
        let get = |n: &str| col(n)[i].clone();
        (
            get("status"),
            get("error"),
            get("decode_warnings"),
            get("acoustics_json"),
            get("score"),
        )
    };
    assert_eq!(df.height(), variants.len() + 9, "{df}");
    for (path, twin, _) in variants {
        let stem = |p: &Path| p.file_stem().unwrap().to_string_lossy().to_string();
        let (status, error, warn, acoustics, score) = row(&stem(&path));
        let (_, _, twin_warn, twin_acoustics, twin_score) = row(&stem(&twin));
        assert_eq!(status.as_deref(), Some("ok"), "{}: {error:?}", stem(&path));
        assert!(
            warn.as_deref().is_some_and(|w| w.contains("not a number")),
            "{warn:?}"
        );
        assert_eq!(twin_warn, None);
        assert_eq!(acoustics, twin_acoustics, "{}", stem(&path));
        assert_eq!(score, twin_score, "{}", stem(&path));
    }
}

#[test]
fn float_samples_beyond_full_scale_are_clipped_full_scale() {
    let d = common::tempdir().unwrap();
    for rate in RATES {
        let frames = (SECONDS * rate as f32) as usize;
        let (huge, clamped) = (
            d.path().join(format!("huge_{rate}.wav")),
            d.path().join(format!("clamped_{rate}.wav")),
        );
        write_f32_wav(&huge, rate, 2, frames, |i, c| two_voices(rate, i, c) * 1e30);
        write_f32_wav(&clamped, rate, 2, frames, |i, c| {
            (two_voices(rate, i, c) * 1e30).clamp(-1.0, 1.0)
        });
        let (got, want) = (check_json(&huge), check_json(&clamped));
        let w = warnings(&got);
        assert!(
            w.iter().any(|w| w.contains("beyond full scale")),
            "{rate}: {w:?}"
        );
        assert_eq!(got["acoustics"], want["acoustics"], "{rate}");
        for s in got["acoustics"]["speakers"].as_array().unwrap() {
            // levels stay sane (once +594 dBFS), and the squared-off speech counts as clipped
            assert!(s["peak_dbfs"].as_f64().unwrap() <= 0.0, "{rate}: {s}");
            assert!(s["clipped_share"].as_f64().unwrap() > 0.05, "{rate}: {s}");
        }
    }
}
