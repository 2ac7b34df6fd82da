//! Voice activity per channel: an adaptive energy detector that survives telephone noise floors
//! and leaves out the phone system's tones.

use serde::{Deserialize, Serialize};

use super::tones::ToneCheck;
use crate::call::Interval;

/// Frames louder than the channel's noise floor by `margin_db` (and above `min_dbfs`) are speech;
/// gaps shorter than `merge_gap_s` are bridged (hangover); shorter bursts than `min_speech_s`
/// are dropped (clicks); regions are widened by `pad_s` on each side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VadConfig {
    pub frame_s: f64,
    pub margin_db: f64,
    pub min_dbfs: f64,
    pub merge_gap_s: f64,
    pub min_speech_s: f64,
    pub pad_s: f64,
}

impl Default for VadConfig {
    /// For measuring: tight edges, pauses over 0.3 s count as pauses.
    fn default() -> Self {
        VadConfig {
            frame_s: 0.02,
            margin_db: 12.0,
            min_dbfs: -50.0,
            merge_gap_s: 0.3,
            min_speech_s: 0.1,
            pad_s: 0.04,
        }
    }
}

impl VadConfig {
    /// Each value a finite number in its range; `table` names where it was read
    /// (`[analysis.vad]`, `[asr.gate_config]`). A zero frame or a NaN margin would not fail
    /// later: it would quietly turn every call's speech into something else.
    pub fn validate(&self, table: &str) -> Result<(), String> {
        let bad = |k: &str, v: f64, want: &str| Err(format!("{table} {k} = {v}: {want}"));
        if !(self.frame_s > 0.0 && self.frame_s <= 1.0) {
            return bad("frame_s", self.frame_s, "must be in (0, 1] seconds");
        }
        if !(self.margin_db >= 0.0 && self.margin_db.is_finite()) {
            return bad(
                "margin_db",
                self.margin_db,
                "must be a number ≥ 0 (dB above the noise floor)",
            );
        }
        if !(self.min_dbfs <= 0.0 && self.min_dbfs.is_finite()) {
            return bad("min_dbfs", self.min_dbfs, "must be a number ≤ 0 (dBFS)");
        }
        for (k, v) in [
            ("merge_gap_s", self.merge_gap_s),
            ("min_speech_s", self.min_speech_s),
            ("pad_s", self.pad_s),
        ] {
            if !(v >= 0.0 && v.is_finite()) {
                return bad(k, v, "must be a number ≥ 0 (seconds)");
            }
        }
        Ok(())
    }
}

/// Speech intervals (seconds) of one channel.
pub fn speech_intervals(samples: &[f32], rate: u32, cfg: &VadConfig) -> Vec<Interval> {
    let frame = ((cfg.frame_s * f64::from(rate)) as usize).max(1);
    let frame_s = frame as f64 / f64::from(rate);
    let db = frame_db(samples, rate, frame);
    if db.is_empty() {
        return Vec::new();
    }
    let mut sorted = db.clone();
    sorted.sort_by(f64::total_cmp);
    let floor = sorted[sorted.len() / 10];
    let threshold = (floor + cfg.margin_db).max(cfg.min_dbfs);
    let to_frames = |s: f64| (s / frame_s).round() as usize;

    let mut runs: Vec<(usize, usize)> = Vec::new();
    for (i, &d) in db.iter().enumerate() {
        if d <= threshold {
            continue;
        }
        match runs.last_mut() {
            Some(r) if i - r.1 <= to_frames(cfg.merge_gap_s) => r.1 = i + 1,
            _ => runs.push((i, i + 1)),
        }
    }
    let duration = samples.len() as f64 / f64::from(rate);
    let mut tones = ToneCheck::new(rate);
    let mut out: Vec<Interval> = Vec::new();
    for (a, b) in runs
        .into_iter()
        .filter(|r| r.1 - r.0 >= to_frames(cfg.min_speech_s).max(1))
        .filter(|&(a, b)| !tones.is_tone(samples, frame, &db[a..b], threshold, a))
    {
        let iv = Interval {
            start: (a as f64 * frame_s - cfg.pad_s).max(0.0),
            end: (b as f64 * frame_s + cfg.pad_s).min(duration),
        };
        match out.last_mut() {
            Some(last) if iv.start <= last.end => last.end = iv.end, // padding made them touch
            _ => out.push(iv),
        }
    }
    out
}

/// Zero for a filter state decaying towards denormal floats: over digital silence (a muted
/// channel, μ-law's zero) an IIR filter's state sinks into them, and each operation on one costs
/// about a hundred normal ones (the acoustic analysis ran 10× slower on calls with silent
/// stretches). Nothing below 1e-30 matters to an energy in dB.
pub fn flush_denormal(y: f64) -> f64 {
    if y.abs() < 1e-30 { 0.0 } else { y }
}

/// Frame energies in dB of the signal above 100 Hz: recorders and phone lines often carry a DC
/// offset or hum (the THCHS-30 clips sit at -0.0115, i.e. -39 dBFS, which would read as a loud
/// noise floor).
fn frame_db(samples: &[f32], rate: u32, frame: usize) -> Vec<f64> {
    let a = (-2.0 * std::f64::consts::PI * 100.0 / f64::from(rate)).exp();
    let (mut prev_x, mut prev_y) = (0.0f64, 0.0f64);
    samples
        .chunks(frame)
        .map(|c| {
            let mut sum = 0.0;
            for &v in c {
                let v = f64::from(v);
                prev_y = flush_denormal(a * (prev_y + v - prev_x));
                prev_x = v;
                sum += prev_y * prev_y;
            }
            10.0 * (sum / c.len() as f64 + 1e-12).log10()
        })
        .collect()
}
