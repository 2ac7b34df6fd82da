//! The one configuration file (TOML): every stage's settings in its own table. Missing keys take
//! their defaults, unknown keys are an error (a typo must not silently become a default).
//! `callqa config` prints the defaults as a ready-to-edit file.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::aggregate::AggregateConfig;
use crate::analysis::AnalysisConfig;
use crate::asr::AsrConfig;
use crate::call::Language;
use crate::diarize::DiarizeConfig;
use crate::rules::{self, RuleSet, RulesError};
use crate::score::ScorecardConfig;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub asr: AsrConfig,
    pub diarize: DiarizeConfig,
    pub analysis: AnalysisConfig,
    pub rules: RulesConfig,
    pub score: ScorecardConfig,
    pub aggregate: AggregateConfig,
}

/// `[rules]`: which rules file to use (none: the shipped default rules).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RulesConfig {
    pub file: Option<std::path::PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(transparent)]
    Rules(#[from] RulesError),
    #[error(
        "the rules still name the shipped placeholder {}: set your own in [placeholders] of a rules \
         file (`callqa rules init --company NAME > rules.toml` writes one) and pass it with --rules, \
         or pass --allow-placeholder",
        .0.iter().map(|(k, v)| format!("{k} = {v:?}")).collect::<Vec<_>>().join(", ")
    )]
    Placeholder(Vec<(String, String)>),
    #[error("{path}: cannot read: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {detail}")]
    Parse { path: String, detail: String },
    #[error("configuration: {0}")]
    Invalid(String),
}

impl ConfigError {
    /// A value found invalid after parsing, named with the file it came from.
    pub fn in_file(self, path: Option<&Path>) -> Self {
        match (self, path) {
            (ConfigError::Invalid(detail), Some(path)) => ConfigError::Parse {
                path: path.display().to_string(),
                detail,
            },
            (e, _) => e,
        }
    }
}

impl Config {
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let p = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: p.clone(),
            source,
        })?;
        Self::parse(&text).map_err(|detail| ConfigError::Parse { path: p, detail })
    }

    /// Errors name the line and column, on one line.
    pub fn parse(text: &str) -> Result<Self, String> {
        toml::from_str(text).map_err(|e| {
            let msg = e.message().to_string();
            match e.span() {
                Some(span) => {
                    let line = text[..span.start].matches('\n').count() + 1;
                    let col = span.start - text[..span.start].rfind('\n').map_or(0, |i| i + 1) + 1;
                    format!("line {line}, column {col}: {msg}")
                }
                None => msg,
            }
        })
    }

    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).expect("config serialises")
    }
}

/// What a run is configured with: the configuration, the rules, and the rules text (part of
/// the configuration hash). Loaded once, before any call.
#[derive(Debug, Clone)]
pub struct Settings {
    pub config: Config,
    pub rules: RuleSet,
    pub rules_text: String,
}

impl Settings {
    /// The configuration file (None: defaults) and the rules file (None: the config's
    /// `[rules] file`, else the shipped rules).
    pub fn load(config: Option<&Path>, rules: Option<&Path>) -> Result<Self, ConfigError> {
        let loaded = config.map(Config::load).transpose()?.unwrap_or_default();
        Self::with_rules(loaded, rules).map_err(|e| e.in_file(config))
    }

    /// `config` as given, with the rules from `rules` or from its `[rules] file`.
    pub fn with_rules(mut config: Config, rules: Option<&Path>) -> Result<Self, ConfigError> {
        let (rules, rules_text) = match rules.map(Path::to_path_buf).or(config.rules.file.clone()) {
            None => (RuleSet::default_rules(), rules::DEFAULT_RULES.to_string()),
            Some(path) => {
                let set = RuleSet::load(&path)?;
                let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
                    path: path.display().to_string(),
                    source,
                })?;
                (set, text)
            }
        };
        let ids: Vec<&str> = rules.rules.iter().map(|r| r.id.as_str()).collect();
        config.score.validate(&ids).map_err(ConfigError::Invalid)?;
        config.diarize.validate().map_err(ConfigError::Invalid)?;
        config.asr.validate().map_err(ConfigError::Invalid)?;
        config.analysis.validate().map_err(ConfigError::Invalid)?;
        if config.asr.domain_prompt {
            config.asr.zh_vocabulary = rules.zh_vocabulary();
        }
        Ok(Settings {
            config,
            rules,
            rules_text,
        })
    }

    /// Refuse rules whose company is still the shipped stand-in, for calls in `languages`:
    /// every real greeting would be "missing" and every call fail, silently.
    pub fn refuse_placeholders(&self, languages: &[Language]) -> Result<(), ConfigError> {
        let mut found: Vec<(String, String)> = languages
            .iter()
            .flat_map(|&l| self.rules.shipped_placeholders(l))
            .collect();
        found.sort();
        found.dedup();
        if found.is_empty() {
            Ok(())
        } else {
            Err(ConfigError::Placeholder(found))
        }
    }

    /// Hashes of what decides a call's result, for the resume key and the rows: (everything,
    /// what shapes the transcript and VAD).
    pub fn hashes(&self) -> (String, String) {
        let h = |parts: &[&str]| {
            let mut h = blake3::Hasher::new();
            for p in parts {
                h.update(p.as_bytes());
                h.update(b"\0");
            }
            h.finalize().to_hex()[..16].to_string()
        };
        let t = |v: &dyn erased::Toml| v.toml();
        let c = &self.config;
        // thread counts change speed, not results
        let mut asr_cfg = c.asr.clone();
        asr_cfg.threads = 0;
        // Datasets batched before `domain_prompt`, `audio_ctx` and `window_languages` existed stay
        // resumable while they are set as they were then (off, off, Mandarin); the
        // prompt words come from the rules, not the file, so they are hashed here.
        let asr_toml = t(&asr_cfg)
            .replace("domain_prompt = false\n", "")
            .replace("audio_ctx = false\n", "")
            .replace("window_languages = [\"zh\"]\n", "");
        let mut parts = vec![asr_toml, t(&c.analysis.vad)];
        if !asr_cfg.zh_vocabulary.is_empty() {
            parts.push(asr_cfg.zh_vocabulary.clone());
        }
        // likewise datasets batched before speaker separation, while its settings are default
        if c.diarize != DiarizeConfig::default() {
            parts.push(t(&c.diarize));
        }
        let asr = h(&parts.iter().map(String::as_str).collect::<Vec<_>>());
        let all = h(&[&asr, &t(&c.analysis), &t(&c.score), &self.rules_text]);
        (all, asr)
    }
}

mod erased {
    pub trait Toml {
        fn toml(&self) -> String;
    }
    impl<T: serde::Serialize> Toml for T {
        fn toml(&self) -> String {
            toml::to_string(self).expect("config serialises")
        }
    }
}
