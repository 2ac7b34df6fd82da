//! One call from file to scored result, through every stage in order:
//! decode → levels → resample → (mono: separate the voices) → transcribe → (mono: which voice
//! is the agent) → analyse → rules → redact → score.
//! [`Pipeline::build`] loads what a run needs once (settings, Whisper model); [`Pipeline::run`]
//! takes one call through it. `callqa check` prints the result; the batch stores it.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::analysis::{self, Acoustics};
use crate::asr::{AsrError, Transcriber, Transcript};
use crate::audio::{self, AudioError, DecodedChannel, SourceInfo, TARGET_RATE};
use crate::call::{CallFacts, CallInput, CallMeta, RoleSource, Separation};
use crate::config::{Config, Settings};
use crate::diarize::{Diarizer, EncoderError};
use crate::rules::{self, Finding, RuleSet};
use crate::score::CallScore;

/// One call, through every stage: what `callqa check --json` prints, and what a batch stores.
#[derive(Debug, Serialize)]
pub struct CallResult {
    pub path: PathBuf,
    #[serde(flatten)]
    pub source: SourceInfo,
    pub duration_s: f64,
    pub acoustics: Acoustics,
    /// None when run without transcription.
    pub transcript: Option<Transcript>,
    /// Rule findings (empty without a transcript).
    pub findings: Vec<Finding>,
    pub rules_version: String,
    pub score: CallScore,
}

/// Why one call could not be scored. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// Decoding errors name the file themselves.
    #[error(transparent)]
    Decode(#[from] AudioError),
    #[error("{}: {source}", path.display())]
    Resample {
        path: PathBuf,
        #[source]
        source: AudioError,
    },
    #[error(
        "{}: {channels} channels: a call recording is mono or stereo (agent and customer)",
        path.display()
    )]
    Channels { path: PathBuf, channels: usize },
    #[error("{}: agent channel {channel} does not exist ({channels} channels)", path.display())]
    AgentChannel {
        path: PathBuf,
        channel: usize,
        channels: usize,
    },
    #[error("{}: {source}", path.display())]
    Transcribe {
        path: PathBuf,
        #[source]
        source: AsrError,
    },
}

/// Why a run cannot start: a model that does not load.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Asr(#[from] AsrError),
    #[error("{0}; or set `enabled = false` under [diarize] to score mono calls as one speaker")]
    Encoder(#[from] EncoderError),
}

/// The stages of a run, built once and shared by every call (and thread) of it.
pub struct Pipeline {
    settings: Settings,
    /// None: acoustic measures and acoustic score items only.
    transcriber: Option<Transcriber>,
    /// None: separation is off (`[diarize] enabled = false`).
    diarizer: Option<Diarizer>,
    keep_raw_text: bool,
}

impl Pipeline {
    /// `model`: the ggml Whisper model, or None to run without transcription; `encoder`: the
    /// speaker encoder, loaded when separation is on.
    pub fn build(
        settings: Settings,
        model: Option<&Path>,
        encoder: &Path,
        keep_raw_text: bool,
    ) -> Result<Self, BuildError> {
        let transcriber = model.map(Transcriber::load).transpose()?;
        let cfg = &settings.config.diarize;
        let diarizer = cfg
            .enabled
            .then(|| Diarizer::load(encoder, cfg.clone()))
            .transpose()?;
        Ok(Pipeline {
            settings,
            transcriber,
            diarizer,
            keep_raw_text,
        })
    }

    pub fn config(&self) -> &Config {
        &self.settings.config
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn rules(&self) -> &RuleSet {
        &self.settings.rules
    }

    /// The Whisper model's id, `none` without transcription.
    pub fn model_id(&self) -> &str {
        self.transcriber.as_ref().map_or("none", |t| t.model_id())
    }

    pub fn keeps_raw_text(&self) -> bool {
        self.keep_raw_text
    }

    /// The rules over a call's transcript, then redaction: rules read the raw digits (to find
    /// read-out numbers); the transcript and every quote of it in the findings come out
    /// masked, unless raw text is kept.
    pub fn judge(&self, tr: &mut Transcript, duration_s: f64, meta: &CallMeta) -> Vec<Finding> {
        let rules = &self.settings.rules;
        if self.keep_raw_text {
            return rules.scan_call(tr, duration_s, meta);
        }
        let redaction = rules::Redaction::of(tr);
        let found = rules.scan_redacted(tr, duration_s, meta, &redaction);
        redaction.apply(tr);
        found
    }

    /// Decode, resample, separate (mono), transcribe (with a model), analyse, then find,
    /// redact and score.
    pub fn run(&self, call: &CallInput) -> Result<CallResult, PipelineError> {
        let config = &self.settings.config;
        let mut facts: CallFacts = call.facts(config.asr.call_defaults());
        let path = &call.path;
        // Channel 0 first; the other, if any, is decoded when its turn comes.
        let DecodedChannel {
            audio: first,
            identical_channels,
        } = audio::decode_channel(path, 0)?;
        let duration_s = first.duration_s();
        let channels = first.source.channels;
        if channels > 2 {
            // a surround or multi-track file is not one call: its extra channels are not all
            // "the customer"
            return Err(PipelineError::Channels {
                path: path.clone(),
                channels,
            });
        }
        // a mono recording saved as stereo is mono
        let n_in = if channels == 2 && !identical_channels {
            2
        } else {
            1
        };
        if n_in > 1 && facts.agent_channel >= channels {
            return Err(PipelineError::AgentChannel {
                path: path.clone(),
                channel: facts.agent_channel,
                channels,
            });
        }
        let level_of = |a: &audio::Audio| {
            analysis::source_levels(a, &config.analysis)
                .first()
                .copied()
                .unwrap_or_default()
        };
        let level0 = level_of(&first);
        let resample_err = |source| PipelineError::Resample {
            path: path.clone(),
            source,
        };
        let (rate, source) = (first.rate, first.source);
        let mut ch0 = first.channels.into_iter().next().unwrap_or_default();
        // Mono: one channel per voice, voice 0 (heard first) as the agent until the words
        // say otherwise. Peak and clipping stay the mix's.
        let mut separation = None;
        let mut voices = None;
        if let (1, Some(d)) = (n_in, &self.diarizer) {
            let mono = audio::resample_channel(&ch0, rate, TARGET_RATE).map_err(resample_err)?;
            let dz = d.diarize(&mono);
            if dz.voices == 2 {
                facts.agent_channel = 0;
                separation = Some(Separation {
                    voice_similarity: f64::from(dz.voice_similarity),
                    agent_voice: 0,
                    role_by: RoleSource::FirstSpeaker,
                    role_confidence: 0.5,
                    role_uncertain: true,
                });
                voices = Some(dz);
            }
        }
        // One channel (or voice) at a time at 16 kHz, transcribed and measured, then freed: a
        // two-hour stereo call holds one channel, not both at both rates.
        let n = voices.as_ref().map_or(n_in, |dz| dz.voices);
        let voice_source = match voices {
            Some(_) => audio::to_i16(&std::mem::take(&mut ch0)),
            None => Vec::new(),
        };
        let mut transcript = self.transcriber.as_ref().map(|t| t.start(facts.language));
        let mut measures = Vec::with_capacity(n);
        for ch in 0..n {
            let (samples, level) = match &voices {
                Some(dz) => {
                    let mut v = audio::resample_i16(&voice_source, rate, TARGET_RATE)
                        .map_err(resample_err)?;
                    dz.keep_voice(&mut v, ch, TARGET_RATE);
                    (v, level0)
                }
                None if ch == 0 => (
                    audio::to_target_rate(std::mem::take(&mut ch0), rate).map_err(resample_err)?,
                    level0,
                ),
                None => {
                    let mut other = audio::decode_channel(path, ch)?.audio;
                    let level = level_of(&other);
                    let samples = other.channels.pop().unwrap_or_default();
                    drop(other);
                    (
                        audio::to_target_rate(samples, rate).map_err(resample_err)?,
                        level,
                    )
                }
            };
            let speaker = facts.speaker(n, ch);
            if let (Some(t), Some(tr)) = (&self.transcriber, &mut transcript) {
                t.transcribe_channel(&samples, speaker, &config.asr, tr)
                    .map_err(|source| PipelineError::Transcribe {
                        path: path.clone(),
                        source,
                    })?;
            }
            let mut m = analysis::measure_channel(
                &samples,
                TARGET_RATE,
                level,
                facts.language,
                &config.analysis,
            );
            (m.speaker, m.channel) = (speaker, ch);
            measures.push(m);
        }
        drop(ch0);
        if let Some(tr) = &mut transcript {
            tr.sort();
        }
        if let Some(sep) = &mut separation {
            let role = match &transcript {
                Some(tr) => self
                    .settings
                    .rules
                    .agent_voice(tr, duration_s, facts.mono_agent),
                None => self.settings.rules.agent_voice(
                    &Transcript::empty(facts.language),
                    duration_s,
                    facts.mono_agent,
                ),
            };
            (sep.agent_voice, sep.role_by) = (role.agent_voice, role.by);
            // close voices may be split wrong: their words may be the other party's
            let close = sep.voice_similarity >= f64::from(config.diarize.distinct_voice_similarity);
            sep.role_confidence = role.confidence;
            sep.role_uncertain = role.uncertain || (close && role.by != RoleSource::Manifest);
            if role.agent_voice == 1 {
                measures
                    .iter_mut()
                    .for_each(|m| m.speaker = m.speaker.other());
                if let Some(tr) = &mut transcript {
                    tr.segments
                        .iter_mut()
                        .for_each(|s| s.speaker = s.speaker.other());
                }
            }
        }
        let mut acoustics = analysis::combine(measures, duration_s, &config.analysis);
        if let Some(sep) = separation {
            analysis::set_separation(&mut acoustics, sep, &config.analysis);
        }
        let mut findings = Vec::new();
        if let Some(tr) = &mut transcript {
            analysis::apply_transcript(&mut acoustics, tr, &config.analysis);
            findings = self.judge(tr, duration_s, &call.meta);
        }
        let score = config
            .score
            .score(&acoustics, transcript.as_ref().map(|_| findings.as_slice()));
        Ok(CallResult {
            path: path.clone(),
            source,
            duration_s,
            acoustics,
            transcript,
            findings,
            rules_version: self.settings.rules.version.clone(),
            score,
        })
    }
}
