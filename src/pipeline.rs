//! One call from file to scored result, through every stage in order:
//! decode → levels → resample → analyse → transcribe → rules → redact → score.
//! `callqa check` prints it; the batch runs it for every call.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::analysis::{self, Acoustics};
use crate::asr::{Transcriber, Transcript};
use crate::audio::{self, SourceInfo};
use crate::config::Config;
use crate::rules::{self, Finding, RuleSet};
use crate::score::CallScore;

/// One call, through every stage: what `callqa check --json` prints, and what a batch stores.
#[derive(Debug, Serialize)]
pub struct CheckReport {
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

/// Decode, resample, analyse and (with a model) transcribe one call: the stages a batch runs.
pub fn check_file(
    path: &Path,
    transcriber: Option<&Transcriber>,
    config: &Config,
    rule_set: &RuleSet,
    keep_raw_text: bool,
) -> Result<CheckReport, String> {
    let (asr_cfg, cfg) = (&config.asr, &config.analysis);
    let decoded = audio::decode(path).map_err(|e| e.to_string())?;
    let duration_s = decoded.duration_s();
    if decoded.channels.len() > 1 && asr_cfg.agent_channel >= decoded.channels.len() {
        return Err(format!(
            "{}: agent channel {} does not exist ({} channels)",
            path.display(),
            asr_cfg.agent_channel,
            decoded.channels.len()
        ));
    }
    let levels = analysis::source_levels(&decoded, cfg);
    let audio = audio::resample(decoded).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut acoustics = analysis::analyze(
        &audio,
        &levels,
        asr_cfg.agent_channel,
        &asr_cfg.language,
        cfg,
    );
    let mut findings = Vec::new();
    let transcript = match transcriber {
        Some(t) => {
            let mut tr = t
                .transcribe(&audio, asr_cfg)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            analysis::apply_transcript(&mut acoustics, &tr, cfg);
            // Rules read the raw digits (to find read-out numbers); outputs get them masked.
            findings = rule_set.scan(&tr, duration_s);
            if !keep_raw_text {
                rules::redact_transcript(&mut tr);
            }
            Some(tr)
        }
        None => None,
    };
    let score = config
        .score
        .score(&acoustics, transcript.as_ref().map(|_| findings.as_slice()));
    Ok(CheckReport {
        path: path.to_path_buf(),
        source: audio.source,
        duration_s,
        acoustics,
        transcript,
        findings,
        rules_version: rule_set.version.clone(),
        score,
    })
}
