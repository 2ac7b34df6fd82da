//! The `[analysis]` table: every acoustic threshold, its default, and the ranges a
//! configuration file's values must keep.

use serde::{Deserialize, Serialize};

use crate::audio::VadConfig;

/// All analysis thresholds (the `[analysis]` table of the config file). Defaults and why: README.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AnalysisConfig {
    pub vad: VadConfig,
    /// Silence on all channels at least this long is dead air.
    pub dead_air_s: f64,
    /// Overlap at least this long, started by one speaker while the other talks, is talk-over.
    pub talk_over_s: f64,
    /// Integrated loudness of a speaker's speech below this is too quiet.
    pub too_quiet_lufs: f64,
    /// … and above this, too loud.
    pub too_loud_lufs: f64,
    /// Consecutive samples at the channel's full-scale level that count as a clipped run.
    pub clip_run_samples: usize,
    /// Share of a speaker's samples in clipped runs above which the speaker is flagged.
    pub clip_share: f64,
    /// Mandarin characters (≈ syllables) per minute of speech.
    pub zh_min_cpm: f64,
    pub zh_max_cpm: f64,
    /// English words per minute of speech.
    pub en_min_wpm: f64,
    pub en_max_wpm: f64,
    /// Relative gap between transcript and acoustic Mandarin rate flagged as disagreement.
    pub rate_disagreement: f64,
    /// Dead air that starts right after the agent said one of these (within `hold_window_s`)
    /// is a hold the customer was told about, not dead air. Matched in the transcript's
    /// simplified text, punctuation and spaces ignored, Latin letters in lower case.
    pub hold_phrases: Vec<String>,
    /// How close before the silence (or after its start: Whisper's end times run late) the
    /// announcing segment must end.
    pub hold_window_s: f64,
}

impl Default for AnalysisConfig {
    fn default() -> Self {
        AnalysisConfig {
            vad: VadConfig::default(),
            dead_air_s: 5.0,
            talk_over_s: 1.0,
            too_quiet_lufs: -38.0,
            too_loud_lufs: -14.0,
            clip_run_samples: 3,
            clip_share: 0.001,
            zh_min_cpm: 150.0,
            zh_max_cpm: 300.0,
            en_min_wpm: 110.0,
            en_max_wpm: 180.0,
            rate_disagreement: 0.35,
            hold_phrases: [
                "稍等",
                "稍候",
                "少等",
                "等一下",
                "等一等",
                "等一会",
                "holdon",
                "onemoment",
                "pleasehold",
                "bearwithme",
            ]
            .map(String::from)
            .to_vec(),
            hold_window_s: 3.0,
        }
    }
}

impl AnalysisConfig {
    /// Every threshold a finite number in its range, every min not above its max, every hold
    /// phrase with a letter in it (an empty one is in every text: all dead air would be holds).
    /// Each of these would otherwise change every score without an error.
    pub fn validate(&self) -> Result<(), String> {
        let c = self;
        self.vad.validate("[analysis.vad]")?;
        let bad = |k: &str, v: f64, want: &str| Err(format!("[analysis] {k} = {v}: {want}"));
        for (k, v) in [
            ("dead_air_s", c.dead_air_s),
            ("talk_over_s", c.talk_over_s),
            ("hold_window_s", c.hold_window_s),
            ("rate_disagreement", c.rate_disagreement),
        ] {
            if !(v >= 0.0 && v.is_finite()) {
                return bad(k, v, "must be a number ≥ 0");
            }
        }
        if !(0.0..=1.0).contains(&c.clip_share) {
            return bad("clip_share", c.clip_share, "must be a share in [0, 1]");
        }
        if c.clip_run_samples == 0 {
            return Err("[analysis] clip_run_samples = 0: must be at least 1 sample".into());
        }
        // loudness is negative; rates are counts a minute
        for (lo, hi, counts) in [
            (
                ("too_quiet_lufs", c.too_quiet_lufs),
                ("too_loud_lufs", c.too_loud_lufs),
                false,
            ),
            (
                ("zh_min_cpm", c.zh_min_cpm),
                ("zh_max_cpm", c.zh_max_cpm),
                true,
            ),
            (
                ("en_min_wpm", c.en_min_wpm),
                ("en_max_wpm", c.en_max_wpm),
                true,
            ),
        ] {
            bounds(lo, hi, counts)?;
        }
        if let Some(p) = c
            .hold_phrases
            .iter()
            .find(|p| !p.chars().any(char::is_alphanumeric))
        {
            return Err(format!(
                "[analysis] hold_phrases: {p:?} has no letter or digit (it would match every text)"
            ));
        }
        Ok(())
    }
}

/// A (min, max) pair of `[analysis]`: both finite (and ≥ 0 for `counts`), the min not above
/// the max (inverted, every call would be both too fast and too slow).
fn bounds((lo_k, lo): (&str, f64), (hi_k, hi): (&str, f64), counts: bool) -> Result<(), String> {
    for (k, v) in [(lo_k, lo), (hi_k, hi)] {
        if !(v.is_finite() && (v >= 0.0 || !counts)) {
            let want = if counts {
                "a number ≥ 0"
            } else {
                "a finite number"
            };
            return Err(format!("[analysis] {k} = {v}: must be {want}"));
        }
    }
    if lo > hi {
        return Err(format!(
            "[analysis] {lo_k} = {lo}, {hi_k} = {hi}: the first must not be above the second"
        ));
    }
    Ok(())
}
