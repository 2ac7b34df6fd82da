//! The one configuration file (TOML): every stage's settings in its own table. Missing keys take
//! their defaults, unknown keys are an error (a typo must not silently become a default).
//! `callqa config` prints the defaults as a ready-to-edit file.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::analysis::AnalysisConfig;
use crate::asr::AsrConfig;
use crate::score::ScorecardConfig;
use crate::store::agents::AggregateConfig;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub asr: AsrConfig,
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
    #[error("{path}: cannot read: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {detail}")]
    Parse { path: String, detail: String },
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
