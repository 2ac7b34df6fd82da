//! Stage: the house rules. A rules file (TOML) lists what agents must never say (forbidden),
//! must say (required: greeting with company and 工号, closing) and must never read out (pii).
//! `spec` reads and compiles the file, `scan` turns a transcript into findings, `redact` masks
//! personal data in text.

mod matcher;
mod normalise;
mod pii;
mod redact;
mod roles;
mod scan;
mod second;
mod sound;
mod spec;
mod stream;
mod when;
mod window;

use serde::{Deserialize, Serialize};

use crate::call::{Language, Speaker};
use matcher::{Pattern, Spelling};
pub use normalise::{Normalised, normalise};
pub use pii::{PiiKind, Readback};
pub use redact::{EMAIL_MARK, Mask, Redaction, masked, masks, redact, redact_transcript};
pub use roles::Role;
pub use when::Condition;

/// The rule set shipped with callqa (Mandarin and English); `callqa rules default` prints it.
pub const DEFAULT_RULES: &str = include_str!("default.toml");

/// The shipped `[placeholders]`: stand-ins a team must replace with its own company, or every
/// greeting is "missing" (`check` and `batch` refuse to run with them).
pub const SHIPPED_PLACEHOLDERS: [(&str, &str); 2] =
    [("company", "示例银行"), ("company_en", "Example Bank")];

/// The shipped rules with a team's company names (`callqa rules init`).
pub fn starter_rules(company: &str, company_en: &str) -> String {
    let mut text = DEFAULT_RULES.to_string();
    for ((name, shipped), value) in SHIPPED_PLACEHOLDERS.iter().zip([company, company_en]) {
        let quoted = toml::Value::String(value.to_string()).to_string();
        text = text.replacen(
            &format!("{name} = \"{shipped}\""),
            &format!("{name} = {quoted}"),
            1,
        );
    }
    text
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Forbidden,
    Required,
    Pii,
    /// Noted, never scored: what the call was about (a customer asking for a supervisor,
    /// threatening a complaint). A tag rule whose id contains `escalation` marks the call
    /// escalated.
    Tag,
    /// A finding whenever the rule's `when` holds: metadata alone (`hangup_by = agent`).
    Flag,
}

impl Kind {
    /// Whether findings of this kind cost the agent points.
    pub fn scored(self) -> bool {
        self != Kind::Tag
    }
}

/// Whether a finding marks its call as escalated (a tag rule named so).
pub fn is_escalation(f: &Finding) -> bool {
    f.kind == Kind::Tag && f.rule_id.contains("escalation")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Who {
    Agent,
    Customer,
    Any,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Minor,
    Major,
    Critical,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Exact,
    Regex,
    Fuzzy,
    Homophone,
}

/// Where in the call a rule looks; none: the whole call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Window {
    pub first_s: Option<f64>,
    pub last_s: Option<f64>,
    pub first_pct: Option<f64>,
    pub last_pct: Option<f64>,
}

crate::serde_names!(Kind, Who, Severity, Mode);

/// How a finding was matched, as stored in `findings.mode`: a phrase mode, a pattern, a
/// missing requirement or a personal-data detector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MatchMode {
    Exact,
    Regex,
    Fuzzy,
    Homophone,
    Required,
    Pii,
    /// A `kind = "flag"` rule: the call's metadata, not its words.
    Metadata,
    /// A forbidden phrase that Whisper's second choice for a word makes (README, Rules): the
    /// scorecard sends it to review instead of deducting.
    #[serde(rename = "second_choice")]
    SecondChoice,
}

crate::serde_names!(MatchMode);

/// Which calls a rule applies to; `any`: every language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleLanguage {
    Zh,
    En,
    Any,
}

crate::serde_names!(RuleLanguage);

// ---------- compiled rules ----------

#[derive(Debug, Clone)]
enum Matcher {
    Phrase(Pattern, String),
    /// The regex, its source, and in homophone mode its characters by sound.
    Regex(regex::Regex, String, Option<Spelling>),
}

#[derive(Debug, Clone)]
struct Group {
    matchers: Vec<Matcher>,
    mode: Mode,
    /// What the group stands for, shown when it is missing instead of its phrases.
    name: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub description: String,
    pub kind: Kind,
    pub speaker: Who,
    pub language: RuleLanguage,
    pub severity: Severity,
    pub window: Window,
    groups: Vec<Group>,
    within_chars: Option<usize>,
    unless: Vec<Pattern>,
    pii: Vec<PiiKind>,
    readback: Readback,
    /// Applies only to calls whose metadata satisfy this.
    pub when: Option<Condition>,
    /// The `[placeholders]` this rule's phrases and patterns use, with their values.
    pub placeholders: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct RuleSet {
    pub version: String,
    pub rules: Vec<Rule>,
}

impl RuleSet {
    /// Words for Whisper's Mandarin prompt: the service phrases the rules look for, with this
    /// rule set's company name.
    pub fn zh_vocabulary(&self) -> String {
        let company = self
            .rules
            .iter()
            .filter(|r| r.applies_to(Language::Zh))
            .flat_map(|r| &r.placeholders)
            .find(|(k, _)| k == "company")
            .map_or("", |(_, v)| v.as_str());
        format!(
            "您好，{company}，工号幺二三四，很高兴为您服务。请问还有什么可以帮您？感谢您的来电，再见。"
        )
    }

    /// Placeholders still at their shipped value in the rules that judge calls in `language`.
    pub fn shipped_placeholders(&self, language: Language) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self
            .rules
            .iter()
            .filter(|r| r.applies_to(language))
            .flat_map(|r| &r.placeholders)
            .filter(|p| SHIPPED_PLACEHOLDERS.contains(&(p.0.as_str(), p.1.as_str())))
            .cloned()
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    #[error("{path}: cannot read: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{}", .errors.iter().map(|e| format!("{path}:{e}")).collect::<Vec<_>>().join("\n"))]
    Invalid { path: String, errors: Vec<String> },
}

/// What a rule found: a violation (forbidden, pii) or a missing requirement (required).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Finding {
    pub rule_id: String,
    pub kind: Kind,
    pub severity: Severity,
    pub speaker: Speaker,
    pub start: f64,
    pub end: f64,
    /// The words as transcribed (redacted for PII unless raw text is kept).
    pub matched_text: String,
    /// The normalised form that matched, or for a missing requirement what was missing.
    pub evidence: String,
    pub mode: MatchMode,
    pub confidence: f32,
}
