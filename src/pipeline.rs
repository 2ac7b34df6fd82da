//! One call from file to scored result, through every stage in order:
//! decode → levels → resample → analyse → transcribe → rules → redact → score.
//! [`Pipeline::build`] loads what a run needs once (settings, Whisper model); [`Pipeline::run`]
//! takes one call through it. `callqa check` prints the result; the batch stores it.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::analysis::{self, Acoustics};
use crate::asr::{AsrError, Transcriber, Transcript};
use crate::audio::{self, AudioError, SourceInfo};
use crate::call::{CallFacts, CallInput};
use crate::config::{Config, Settings};
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

/// The stages of a run, built once and shared by every call (and thread) of it.
pub struct Pipeline {
    settings: Settings,
    /// None: acoustic measures and acoustic score items only.
    transcriber: Option<Transcriber>,
    keep_raw_text: bool,
}

impl Pipeline {
    /// `model`: the ggml Whisper model, or None to run without transcription.
    pub fn build(
        settings: Settings,
        model: Option<&Path>,
        keep_raw_text: bool,
    ) -> Result<Self, AsrError> {
        let transcriber = model.map(Transcriber::load).transpose()?;
        Ok(Pipeline {
            settings,
            transcriber,
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

    /// Decode, resample, analyse and (with a model) transcribe one call, then find, redact
    /// and score.
    pub fn run(&self, call: &CallInput) -> Result<CallResult, PipelineError> {
        let config = &self.settings.config;
        let facts: CallFacts = call.facts(config.asr.call_defaults());
        let path = &call.path;
        let decoded = audio::decode(path)?;
        let duration_s = decoded.duration_s();
        let channels = decoded.channels.len();
        if channels > 2 {
            // a surround or multi-track file is not one call: its extra channels are not all
            // "the customer"
            return Err(PipelineError::Channels {
                path: path.clone(),
                channels,
            });
        }
        if channels > 1 && facts.agent_channel >= channels {
            return Err(PipelineError::AgentChannel {
                path: path.clone(),
                channel: facts.agent_channel,
                channels,
            });
        }
        let levels = analysis::source_levels(&decoded, &config.analysis);
        let audio = audio::resample(decoded).map_err(|source| PipelineError::Resample {
            path: path.clone(),
            source,
        })?;
        let mut acoustics = analysis::analyze(&audio, &levels, &facts, &config.analysis);
        let mut findings = Vec::new();
        let transcript = match &self.transcriber {
            Some(t) => {
                let mut tr = t
                    .transcribe(&audio, &facts, &config.asr)
                    .map_err(|source| PipelineError::Transcribe {
                        path: path.clone(),
                        source,
                    })?;
                analysis::apply_transcript(&mut acoustics, &tr, &config.analysis);
                // Rules read the raw digits (to find read-out numbers); outputs get them masked.
                findings = self.settings.rules.scan(&tr, duration_s);
                if !self.keep_raw_text {
                    rules::redact_transcript(&mut tr);
                    rules::redact_findings(&mut findings);
                }
                Some(tr)
            }
            None => None,
        };
        let score = config
            .score
            .score(&acoustics, transcript.as_ref().map(|_| findings.as_slice()));
        Ok(CallResult {
            path: path.clone(),
            source: audio.source,
            duration_s,
            acoustics,
            transcript,
            findings,
            rules_version: self.settings.rules.version.clone(),
            score,
        })
    }
}
