//! Call facts, the bottom layer: who speaks on which channel, in which language, over which
//! time spans, and what is known of a call before its audio is read. Every stage above uses
//! these types; this module imports nothing from the crate.

mod meta;

use std::path::PathBuf;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

pub use meta::{CallMeta, HangupBy, META_COLUMNS, MetaType, MetaValue, meta_type, parse_meta};

/// Who is talking. On mono recordings both parties share one channel: `Mixed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Speaker {
    Agent,
    Customer,
    /// Mono recording: both parties on one channel.
    Mixed,
}

/// Which party a channel of a `channels`-channel recording holds: the agent's channel is the
/// agent, every other channel the customer; a mono recording is both.
pub fn speaker_for_channel(channels: usize, channel: usize, agent_channel: usize) -> Speaker {
    match (channels, channel == agent_channel) {
        (..=1, _) => Speaker::Mixed,
        (_, true) => Speaker::Agent,
        _ => Speaker::Customer,
    }
}

impl Speaker {
    /// The other party (a mixed channel stays mixed).
    pub fn other(self) -> Speaker {
        match self {
            Speaker::Agent => Speaker::Customer,
            Speaker::Customer => Speaker::Agent,
            Speaker::Mixed => Speaker::Mixed,
        }
    }
}

/// On a mono recording, which of the two voices is the agent (manifest column `mono_agent`):
/// the one heard first or the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MonoAgent {
    First,
    Second,
}

/// A reviewer's verdict (复核/申诉): on a finding, `confirm` or `reject`; on an agent's appeal,
/// `appeal_upheld` (the findings it covers are rejected) or `appeal_denied` (confirmed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Confirm,
    Reject,
    AppealUpheld,
    AppealDenied,
}

impl Verdict {
    /// What the verdict means for the findings it covers: confirmed or rejected.
    pub fn effect(self) -> Verdict {
        match self {
            Verdict::Confirm | Verdict::AppealDenied => Verdict::Confirm,
            Verdict::Reject | Verdict::AppealUpheld => Verdict::Reject,
        }
    }
}

/// What decided which voice of a mono call is the agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoleSource {
    /// The agent's required phrases (greeting, company, 工号, closing) in one voice's words.
    Rules,
    /// Nothing told them apart: the voice heard first (agents open inbound calls).
    FirstSpeaker,
    /// The manifest's `mono_agent`.
    Manifest,
}

/// How the two voices of a mono call were told apart and which is the agent. Absent on stereo
/// calls and on mono calls with one voice.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Separation {
    /// Cosine similarity of the two voices' mean speaker embeddings (lower: surer split).
    pub voice_similarity: f64,
    /// The agent's voice: 0 the one heard first, 1 the other.
    pub agent_voice: usize,
    pub role_by: RoleSource,
    /// 0.5 (a guess) to 1.0.
    pub role_confidence: f64,
    /// The agent's voice is a guess (no required phrase told them apart) or the voices are
    /// close enough to be split wrong: auto-fail rules send the call to review instead of
    /// failing it.
    pub role_uncertain: bool,
}

/// The language a call is transcribed and judged in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// Mandarin (the default: the product is for Chinese call centers first).
    #[default]
    Zh,
    En,
    /// Whisper detects it per speech region; every rule applies.
    Auto,
}

/// Half-open time interval [start, end) in seconds from call start.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    pub start: f64,
    pub end: f64,
}

impl Interval {
    pub fn len(&self) -> f64 {
        self.end - self.start
    }
    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }
}

/// What decides how one call's audio is read: its agent channel and language. Built once per
/// call from the configuration's defaults and the manifest's overrides.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallFacts {
    /// Which channel of a stereo file is the agent (0 = left).
    pub agent_channel: usize,
    pub language: Language,
    /// Which voice of a mono call is the agent, when the manifest says.
    pub mono_agent: Option<MonoAgent>,
}

impl CallFacts {
    pub fn speaker(&self, channels: usize, channel: usize) -> Speaker {
        speaker_for_channel(channels, channel, self.agent_channel)
    }
}

/// One call to process, with what is known about it before decoding.
#[derive(Debug, Clone, PartialEq)]
pub struct CallInput {
    pub path: PathBuf,
    pub call_id: String,
    pub agent_id: String,
    pub team: String,
    /// ISO 8601 date or date-time, as given or rewritten from a form like 2026/11/1 8:05; the call
    /// date (its first ten characters) partitions the outputs.
    pub started_at: Option<String>,
    /// Per-call overrides of the configuration's defaults (from the manifest).
    pub agent_channel: Option<usize>,
    pub language: Option<Language>,
    pub mono_agent: Option<MonoAgent>,
    /// What the phone system recorded about the call (manifest metadata columns).
    pub meta: CallMeta,
    /// Why the call cannot be read, found while listing it (a bad manifest cell, a FIFO): it
    /// becomes the call's error row without the file being opened.
    pub problem: Option<String>,
}

impl CallInput {
    /// A call known only by its file: ids from the file stem.
    pub fn from_path(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        let stem = path.file_stem().map(os_text).unwrap_or_default();
        CallInput {
            call_id: stem,
            agent_id: UNKNOWN.into(),
            team: UNKNOWN.into(),
            started_at: None,
            agent_channel: None,
            language: None,
            mono_agent: None,
            meta: CallMeta::default(),
            problem: None,
            path,
        }
    }

    /// This call's facts: the manifest's values where given, else `defaults`.
    pub fn facts(&self, defaults: CallFacts) -> CallFacts {
        CallFacts {
            agent_channel: self.agent_channel.unwrap_or(defaults.agent_channel),
            language: self.language.unwrap_or(defaults.language),
            mono_agent: self.mono_agent.or(defaults.mono_agent),
        }
    }
}

/// Agent or team id when neither the manifest nor the file name gives one.
pub const UNKNOWN: &str = "unknown";

/// Whether a call went through the pipeline (`ok`) or became an error row (`error`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CallStatus {
    Ok,
    /// Until a call is scored, its row is an error row.
    #[default]
    Error,
}

/// One spelling per enum value in every output (check text, JSON, Parquet, HTML): the serde
/// name. `Display` and `FromStr` of the enums here and in the stages above go through it.
pub fn name_of<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        other => panic!("{other:?}: not a unit enum value"),
    }
}

/// The value whose serde name is `s`; the error lists what was expected.
pub fn parse_name<T: DeserializeOwned>(s: &str) -> Result<T, String> {
    serde_json::from_value(serde_json::Value::String(s.to_string())).map_err(|e| {
        let msg = e.to_string();
        // serde: "unknown variant `x`, expected one of `a`, `b`"
        match msg.split_once("expected") {
            Some((_, expected)) => format!("{s:?}: expected{expected}"),
            None => format!("{s:?}: {msg}"),
        }
    })
}

/// `Display` and `FromStr` through the serde name, for unit enums.
#[macro_export]
macro_rules! serde_names {
    ($($t:ty),* $(,)?) => {$(
        impl ::std::fmt::Display for $t {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.pad(&$crate::call::name_of(self))
            }
        }
        impl ::std::str::FromStr for $t {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                $crate::call::parse_name(s)
            }
        }
    )*};
}

serde_names!(
    Speaker, Language, CallStatus, MonoAgent, RoleSource, HangupBy, Verdict
);

/// Text from outside (ids, file names, error messages quoting them) as shown on a terminal or
/// in a log line: control characters escaped (`\n`, `\u{1b}`), so a crafted name cannot forge
/// log lines or drive the terminal, and every character that shows nothing or moves other text
/// escaped as `\u{…}` — bidi overrides (U+202E turns `exe.txt` round), zero-width and other
/// format characters (Cf), line and paragraph separators, private-use and unassigned code
/// points, default-ignorable ones (Hangul fillers) and spaces other than U+0020 and the
/// ideographic U+3000 — so that two ids that look the same on screen read differently.
pub fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    static HIDDEN: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let hidden = HIDDEN.get_or_init(|| {
        regex::Regex::new(
            r"[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cn}\p{Default_Ignorable_Code_Point}[\p{Zs}--[\x20\x{3000}]]]",
        )
        .expect("valid regex")
    });
    hidden.replace_all(s, |c: &regex::Captures| {
        let c = c[0].chars().next().unwrap_or_default();
        if c.is_control() {
            c.escape_default().to_string()
        } else {
            c.escape_unicode().to_string()
        }
    })
}

/// A regex error as one clause: the regex crate's own text spans lines (the pattern, a caret
/// under the fault, then `error: …`), which a log line or an `error:` prefix would show as
/// `error: … error:`; this is the last line's cause and the fault's column.
pub fn regex_error_text(e: &regex::Error) -> String {
    let regex::Error::Syntax(s) = e else {
        return e.to_string();
    };
    let cause = s
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("error: "))
        .unwrap_or(s);
    // a one-line pattern: "regex parse error:", the pattern and a caret line, both indented
    // 4 spaces, then the cause (a longer pattern is shown with line numbers: no column then)
    let lines: Vec<&str> = s.lines().collect();
    let column = (lines.len() == 4 && lines[2].trim_start().starts_with('^'))
        .then(|| lines[2].find('^'))
        .flatten()
        .and_then(|at| at.checked_sub(4));
    match column {
        Some(c) => format!("{cause} (at character {})", c + 1),
        None => cause.to_string(),
    }
}

/// A file name or path as stored text: UTF-8 as it is, any other byte as `\xNN`, so that two
/// names that differ only in undecodable bytes stay two names (a lossy `�` would merge them).
pub fn os_text(s: &std::ffi::OsStr) -> String {
    let mut out = String::new();
    for chunk in s.as_encoded_bytes().utf8_chunks() {
        out.push_str(chunk.valid());
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02X}"));
        }
    }
    out
}
