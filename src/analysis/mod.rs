//! Stage: acoustic analytics per speaker — talk time, dead air, talk-over, loudness, clipping,
//! speech rate. Runs without a transcript (cheap enough for every call) and adds transcript-based
//! speech rate where one exists.

mod config;
mod hold;
mod intervals;
mod loudness;
mod rate;

use intervals::{gaps, talk_overs, union};

use serde::{Deserialize, Serialize};

use crate::asr::Transcript;
pub use crate::asr::transcript_units;
use crate::audio::{Audio, speech_intervals};
use crate::call::{CallFacts, Interval, Language, Separation, Speaker};
pub use config::AnalysisConfig;
pub use rate::syllable_nuclei;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    TooQuiet,
    TooLoud,
    Clipping,
    TooFast,
    TooSlow,
    /// Transcript and acoustic rates disagree: often an ASR failure on this speaker.
    RateDisagreement,
}

crate::serde_names!(Flag);

/// Measures of one channel's speaker.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SpeakerMeasures {
    pub speaker: Speaker,
    pub channel: usize,
    pub speech: Vec<Interval>,
    pub talk_s: f64,
    pub talk_share: f64,
    /// EBU R128 integrated loudness of this speaker's speech only (None: under 0.4 s of speech).
    pub loudness_lufs: Option<f64>,
    pub speech_rms_dbfs: Option<f64>,
    /// Sample peak of the channel as decoded (before resampling).
    pub peak_dbfs: Option<f64>,
    pub clipped_runs: usize,
    pub clipped_share: f64,
    /// Acoustic rate: syllable nuclei per minute of speech.
    pub syllables_per_min: Option<f64>,
    /// From the transcript: Mandarin characters or English words per minute of speech.
    pub transcript_rate_per_min: Option<f64>,
    pub flags: Vec<Flag>,
}

/// One speaker starting to talk while the other already is, for at least `talk_over_s`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct TalkOver {
    pub interrupter: Speaker,
    pub start: f64,
    pub end: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Acoustics {
    pub duration_s: f64,
    /// False on mono calls whose voices were not separated: one channel holds both parties.
    pub per_speaker: bool,
    /// A mono call whose two voices were separated: how, and which is the agent.
    #[serde(default)]
    pub separation: Option<Separation>,
    pub speakers: Vec<SpeakerMeasures>,
    pub dead_air: Vec<Interval>,
    pub dead_air_s: f64,
    /// Silences the agent announced (请您稍等): holds, not dead air. Found from the transcript.
    #[serde(default)]
    pub holds: Vec<Interval>,
    #[serde(default)]
    pub hold_s: f64,
    pub talk_over: Vec<TalkOver>,
    pub agent_talk_over_count: usize,
    pub customer_talk_over_count: usize,
    /// Call start → first agent speech (stereo only).
    pub agent_first_response_s: Option<f64>,
}

/// Peak and clipping of one channel as decoded: measured before resampling, which smooths them.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SourceLevels {
    pub peak_dbfs: Option<f64>,
    pub clipped_runs: usize,
    pub clipped_share: f64,
}

pub fn source_levels(decoded: &Audio, cfg: &AnalysisConfig) -> Vec<SourceLevels> {
    decoded
        .channels
        .iter()
        .map(|c| {
            let (runs, samples) = clip_runs(c, cfg.clip_run_samples);
            SourceLevels {
                peak_dbfs: crate::audio::channel_levels(c).peak_dbfs,
                clipped_runs: runs,
                clipped_share: samples as f64 / c.len().max(1) as f64,
            }
        })
        .collect()
}

/// Analyse a call: `audio` at 16 kHz, `levels` from [`source_levels`] on the decoded audio.
pub fn analyze(
    audio: &Audio,
    levels: &[SourceLevels],
    facts: &CallFacts,
    cfg: &AnalysisConfig,
) -> Acoustics {
    let n = audio.channels.len();
    let speakers = audio
        .channels
        .iter()
        .enumerate()
        .map(|(ch, samples)| {
            let level = levels.get(ch).copied().unwrap_or_default();
            let mut m = measure_channel(samples, audio.rate, level, facts.language, cfg);
            (m.speaker, m.channel) = (facts.speaker(n, ch), ch);
            m
        })
        .collect();
    combine(speakers, audio.duration_s(), cfg)
}

/// One channel's measures, from its samples at `rate` and its [`SourceLevels`]. `speaker`
/// and `channel` are left as agent / 0 for the caller to set (a separated mono call learns
/// which voice is the agent after transcription).
pub fn measure_channel(
    samples: &[f32],
    rate: u32,
    level: SourceLevels,
    language: Language,
    cfg: &AnalysisConfig,
) -> SpeakerMeasures {
    let duration_s = samples.len() as f64 / f64::from(rate);
    let speech = speech_intervals(samples, rate, &cfg.vad);
    let talk_s = total(&speech);
    let voiced = loudness::voiced_slices(samples, rate, &speech);
    let nuclei = syllable_nuclei(samples, rate, &speech);
    let mut m = SpeakerMeasures {
        speaker: Speaker::Agent,
        channel: 0,
        talk_s,
        talk_share: if duration_s > 0.0 {
            talk_s / duration_s
        } else {
            0.0
        },
        loudness_lufs: loudness::loudness_lufs(&voiced, rate),
        speech_rms_dbfs: loudness::rms_dbfs(&voiced),
        peak_dbfs: level.peak_dbfs,
        clipped_runs: level.clipped_runs,
        clipped_share: level.clipped_share,
        syllables_per_min: (talk_s >= 1.0).then(|| nuclei as f64 * 60.0 / talk_s),
        transcript_rate_per_min: None,
        speech,
        flags: Vec::new(),
    };
    m.flags = flags(&m, language, cfg);
    m
}

/// A call's acoustics from its channels' measures (speaker and channel set): agent first,
/// then dead air, talk-over (two or more channels) and first response.
pub fn combine(
    mut speakers: Vec<SpeakerMeasures>,
    duration_s: f64,
    cfg: &AnalysisConfig,
) -> Acoustics {
    let per_speaker = speakers.len() >= 2;
    speakers.sort_by_key(|s| s.speaker != Speaker::Agent);
    let mut acoustics = Acoustics {
        duration_s,
        per_speaker,
        separation: None,
        speakers,
        dead_air: Vec::new(),
        dead_air_s: 0.0,
        holds: Vec::new(),
        hold_s: 0.0,
        talk_over: Vec::new(),
        agent_talk_over_count: 0,
        customer_talk_over_count: 0,
        agent_first_response_s: None,
    };
    judge_intervals(&mut acoustics, cfg);
    acoustics
}

/// Dead air, talk-over and first response from the speakers' speech intervals and the
/// thresholds; separate from VAD so that a rescore can re-apply new thresholds to stored speech.
fn judge_intervals(a: &mut Acoustics, cfg: &AnalysisConfig) {
    let (speakers, duration_s, stereo) = (&a.speakers, a.duration_s, a.per_speaker);
    let all_speech: Vec<Interval> = union(
        speakers
            .iter()
            .flat_map(|s| s.speech.iter().copied())
            .collect(),
    );
    let dead_air: Vec<Interval> = gaps(&all_speech, duration_s)
        .into_iter()
        .filter(|g| g.len() >= cfg.dead_air_s)
        .collect();
    // separated voices never overlap: each moment went to one of them
    let talk_over = if stereo && a.separation.is_none() {
        talk_overs(speakers, cfg.talk_over_s)
    } else {
        Vec::new()
    };
    let count = |who: Speaker| talk_over.iter().filter(|t| t.interrupter == who).count();
    let agent_first_response_s = speakers
        .iter()
        .find(|s| s.speaker == Speaker::Agent)
        .and_then(|s| s.speech.first().map(|i| i.start));
    a.dead_air_s = total(&dead_air);
    a.dead_air = dead_air;
    a.holds.clear(); // found again from the transcript
    a.hold_s = 0.0;
    a.agent_talk_over_count = count(Speaker::Agent);
    a.customer_talk_over_count = count(Speaker::Customer);
    a.talk_over = talk_over;
    a.agent_first_response_s = agent_first_response_s;
}

/// Mark a call's two channels as the separated voices of a mono recording (they never overlap,
/// so talk-over is not judged).
pub fn set_separation(acoustics: &mut Acoustics, separation: Separation, cfg: &AnalysisConfig) {
    acoustics.separation = Some(separation);
    judge_intervals(acoustics, cfg);
}

/// Re-apply the thresholds of `cfg` to stored measures (a rescore): dead air, talk-over and
/// every flag. VAD settings cannot be re-applied: they need the audio.
pub fn rejudge(acoustics: &mut Acoustics, language: Language, cfg: &AnalysisConfig) {
    judge_intervals(acoustics, cfg);
    for m in &mut acoustics.speakers {
        m.flags = flags(m, language, cfg);
    }
}

/// Put back transcript rates counted earlier (a rescore of text since masked: 13812345678 was
/// eleven syllables, ***** is none) and judge them again.
pub fn restore_rates(
    acoustics: &mut Acoustics,
    rates: &[Option<f64>],
    language: Language,
    cfg: &AnalysisConfig,
) {
    for (m, r) in acoustics.speakers.iter_mut().zip(rates) {
        m.transcript_rate_per_min = *r;
        m.flags = flags(m, language, cfg);
    }
}

/// Add transcript-based speech rates and the flags that depend on them.
pub fn apply_transcript(acoustics: &mut Acoustics, transcript: &Transcript, cfg: &AnalysisConfig) {
    for m in &mut acoustics.speakers {
        let units: usize = transcript
            .segments
            .iter()
            .filter(|s| s.speaker == m.speaker)
            .map(|s| transcript_units(&s.text, transcript.language))
            .sum();
        m.transcript_rate_per_min = (m.talk_s >= 1.0).then(|| units as f64 * 60.0 / m.talk_s);
        m.flags = flags(m, transcript.language, cfg);
    }
    hold::separate_holds(acoustics, transcript, cfg);
}

fn flags(m: &SpeakerMeasures, language: Language, cfg: &AnalysisConfig) -> Vec<Flag> {
    let mut f = Vec::new();
    if let Some(l) = m.loudness_lufs {
        if l < cfg.too_quiet_lufs {
            f.push(Flag::TooQuiet);
        }
        if l > cfg.too_loud_lufs {
            f.push(Flag::TooLoud);
        }
    }
    if m.clipped_share > cfg.clip_share {
        f.push(Flag::Clipping);
    }
    // Mandarin: characters are syllables, so the acoustic rate stands in when there is no
    // transcript. English: words per minute need the transcript.
    let (rate, lo, hi) = match language {
        Language::En => (m.transcript_rate_per_min, cfg.en_min_wpm, cfg.en_max_wpm),
        _ => (
            m.transcript_rate_per_min.or(m.syllables_per_min),
            cfg.zh_min_cpm,
            cfg.zh_max_cpm,
        ),
    };
    if let Some(r) = rate {
        if r > hi {
            f.push(Flag::TooFast);
        }
        if r < lo {
            f.push(Flag::TooSlow);
        }
    }
    if let (false, Some(t), Some(a)) = (
        language == Language::En,
        m.transcript_rate_per_min,
        m.syllables_per_min,
    ) && a > 0.0
        && (t - a).abs() / a > cfg.rate_disagreement
    {
        f.push(Flag::RateDisagreement);
    }
    f
}

/// Total length of intervals; +0.0 when empty (an empty f64 `sum` is -0.0, shown as "-0.0 s").
fn total(v: &[Interval]) -> f64 {
    v.iter().fold(0.0, |a, i| a + i.len())
}

/// Runs of at least `min_run` consecutive samples at the channel's full-scale level. Full scale
/// is the channel's own maximum when that is near 0 dBFS: G.711 tops out at 0.98, not 1.0.
/// Returns (runs, samples in runs).
pub fn clip_runs(x: &[f32], min_run: usize) -> (usize, usize) {
    let max = x.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    if max < 0.89 {
        return (0, 0); // peaks more than 1 dB under full scale: not clipped
    }
    let level = max * 0.999;
    let (mut runs, mut samples, mut run) = (0, 0, 0usize);
    for v in x.iter().chain(std::iter::once(&0.0)) {
        if v.abs() >= level {
            run += 1;
        } else {
            if run >= min_run {
                runs += 1;
                samples += run;
            }
            run = 0;
        }
    }
    (runs, samples)
}
