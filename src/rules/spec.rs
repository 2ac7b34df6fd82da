//! The rules file: its TOML format, validation with line-numbered errors, and compilation of
//! phrases and patterns into matchers.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde::Deserialize;

use super::matcher::{Pattern, Spelling};
use super::normalise::normalise;
use super::{
    Condition, DEFAULT_RULES, Group, Kind, Matcher, Mode, PiiKind, Readback, Rule, RuleLanguage,
    RuleSet, RulesError, Severity, Who, Window,
};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    version: String,
    #[serde(default)]
    placeholders: HashMap<String, String>,
    #[serde(default)]
    rules: Vec<RuleSpec>,
}

/// One group of alternatives: any of its phrases (or regex patterns) satisfies it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupSpec {
    #[serde(default)]
    phrases: Vec<String>,
    #[serde(default)]
    patterns: Vec<String>,
    #[serde(rename = "match")]
    mode: Option<Mode>,
    max_edits: Option<usize>,
    syllables_per_edit: Option<usize>,
    /// What the group stands for (工号): a missing requirement names it, not its patterns.
    name: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleSpec {
    id: String,
    #[serde(default)]
    description: String,
    kind: Kind,
    #[serde(default = "default_speaker")]
    speaker: Who,
    #[serde(default = "default_language")]
    language: RuleLanguage,
    severity: Severity,
    #[serde(default)]
    window: Window,
    #[serde(rename = "match")]
    mode: Option<Mode>,
    max_edits: Option<usize>,
    /// Homophone mode without `max_edits`: a phrase may differ by one syllable per this many of
    /// its own (long sentences survive one misheard syllable; short words must be whole).
    syllables_per_edit: Option<usize>,
    #[serde(default)]
    phrases: Vec<String>,
    #[serde(default)]
    patterns: Vec<String>,
    /// Several groups that must all be found (required: anywhere in the window;
    /// forbidden: within `within_chars` of each other when set).
    #[serde(default)]
    all: Vec<GroupSpec>,
    within_chars: Option<usize>,
    /// A hit is no finding when one of these phrases is in the same utterance (negation
    /// context, e.g. forbidden 不知道 unless 帮您查).
    #[serde(default)]
    unless: Vec<String>,
    /// For kind = "pii": which detectors (default: all).
    #[serde(default)]
    pii: Vec<PiiKind>,
    /// For kind = "pii": numbers read back for verification (核对/确认 … 对吗) are `include`d
    /// (default), `skip`ped, or the `only` ones this rule reports.
    #[serde(default)]
    readback: Readback,
    /// A condition on the call's metadata (`ring_s > 15`): the rule applies only when it holds.
    when: Option<String>,
}

fn default_speaker() -> Who {
    Who::Agent
}
fn default_language() -> RuleLanguage {
    RuleLanguage::Any
}

impl RuleSet {
    pub fn load(path: &Path) -> Result<Self, RulesError> {
        let p = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| RulesError::Read {
            path: p.clone(),
            source,
        })?;
        Self::parse(&text).map_err(|errors| RulesError::Invalid { path: p, errors })
    }

    pub fn default_rules() -> Self {
        Self::parse(DEFAULT_RULES).expect("the shipped rules are valid (tested)")
    }

    /// Parse and validate; errors are "LINE: message", every problem at once.
    pub fn parse(text: &str) -> Result<Self, Vec<String>> {
        let file: RulesFile = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map_or(1, |s| text[..s.start].matches('\n').count() + 1);
            vec![format!("{line}: {}", e.message())]
        })?;
        let rule_lines = rule_lines(text);
        let mut errors = Vec::new();
        let mut rules = Vec::new();
        let mut seen = HashSet::new();
        for (i, spec) in file.rules.into_iter().enumerate() {
            let line = rule_lines.get(i).copied().unwrap_or(1);
            if !seen.insert(spec.id.clone()) {
                errors.push(format!("{line}: rule {}: duplicate id", spec.id));
            }
            let used = placeholders_in(&spec, &file.placeholders);
            match compile(spec, &file.placeholders).map(|r| Rule {
                placeholders: used,
                ..r
            }) {
                Ok(r) => rules.push(r),
                Err(es) => errors.extend(es.into_iter().map(|e| format!("{line}: {e}"))),
            }
        }
        if file.version.trim().is_empty() {
            errors.push("1: version must not be empty".into());
        }
        if errors.is_empty() {
            Ok(RuleSet {
                version: file.version,
                rules,
            })
        } else {
            Err(errors)
        }
    }
}

/// The placeholders a rule's texts name, with their values.
fn placeholders_in(
    spec: &RuleSpec,
    placeholders: &HashMap<String, String>,
) -> Vec<(String, String)> {
    let texts: Vec<&String> = spec
        .phrases
        .iter()
        .chain(&spec.patterns)
        .chain(&spec.unless)
        .chain(
            spec.all
                .iter()
                .flat_map(|g| g.phrases.iter().chain(&g.patterns)),
        )
        .collect();
    let named: Vec<String> = texts.iter().flat_map(|t| placeholder_names(t)).collect();
    let mut used: Vec<(String, String)> = placeholders
        .iter()
        .filter(|(k, _)| named.contains(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    used.sort();
    used
}

/// A `{name}` placeholder, or a regex escape whose braces are not one: a Unicode class
/// (`\p{Han}`, `\P{Greek}`, `\p{Script=Han}`) or a code point (`\x{FF}`, `\u{4E00}`). A name
/// starts with a letter or `_`, so `[0-9]{4}` and `{2,8}` (repetitions) never match.
fn placeholder_or_escape() -> &'static regex::Regex {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        regex::Regex::new(r"\\[pPxuU]\{[^}]*\}|\{([\p{L}_][\p{L}\p{N}_]*)\}").expect("valid regex")
    })
}

/// The placeholder names `s` holds, in order (regex escapes' braces are not placeholders).
fn placeholder_names(s: &str) -> Vec<String> {
    placeholder_or_escape()
        .captures_iter(s)
        .filter_map(|c| c.get(1).map(|m| m.as_str().to_string()))
        .collect()
}

/// `s` with each `{name}` replaced by its value in one pass (a value holding braces is not
/// read again), and the names it holds that `placeholders` lacks (those stay as written).
fn fill_placeholders(s: &str, placeholders: &HashMap<String, String>) -> (String, Vec<String>) {
    let mut undefined = Vec::new();
    let out = placeholder_or_escape().replace_all(s, |c: &regex::Captures| match c.get(1) {
        None => c[0].to_string(),
        Some(name) => placeholders.get(name.as_str()).cloned().unwrap_or_else(|| {
            undefined.push(name.as_str().to_string());
            c[0].to_string()
        }),
    });
    (out.into_owned(), undefined)
}

/// Line of each `[[rules]]` header, for line-numbered errors.
fn rule_lines(text: &str) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.trim_start().starts_with("[[rules]]"))
        .map(|(i, _)| i + 1)
        .collect()
}

fn compile(spec: RuleSpec, placeholders: &HashMap<String, String>) -> Result<Rule, Vec<String>> {
    let id = spec.id.clone();
    let mut errors = Vec::new();
    let fill = |s: &str, errors: &mut Vec<String>| -> String {
        let (out, undefined) = fill_placeholders(s, placeholders);
        for name in undefined {
            errors.push(format!(
                "rule {id}: placeholder {{{name}}} is not defined in [placeholders]"
            ));
        }
        out
    };
    let build_group = |phrases: &[String],
                       patterns: &[String],
                       mode: Option<Mode>,
                       max_edits: Option<usize>,
                       per_edit: Option<usize>,
                       name: Option<String>,
                       errors: &mut Vec<String>| {
        let mode = mode.or(spec.mode).unwrap_or(if patterns.is_empty() {
            Mode::Exact
        } else {
            Mode::Regex
        });
        let per_edit = per_edit.or(spec.syllables_per_edit);
        if let Some(k) = per_edit
            && (mode != Mode::Homophone || k < 2)
        {
            errors.push(format!(
                "rule {id}: syllables_per_edit = {k} needs match = \"homophone\" and 2 or more"
            ));
        }
        let mut matchers = Vec::new();
        for p in phrases {
            let p = fill(p, errors);
            let n = normalise(&p);
            if n.chars.is_empty() {
                errors.push(format!(
                    "rule {id}: phrase {p:?} is empty after normalisation"
                ));
                continue;
            }
            let edits = match mode {
                Mode::Fuzzy => max_edits.or(spec.max_edits).unwrap_or(n.chars.len() / 5),
                Mode::Homophone => max_edits
                    .or(spec.max_edits)
                    .unwrap_or_else(|| per_edit.map_or(0, |k| n.chars.len() / k.max(1))),
                _ => 0,
            };
            matchers.push(Matcher::Phrase(
                Pattern::new(n.chars, edits, mode == Mode::Homophone),
                p,
            ));
        }
        for p in patterns {
            let p = fill(p, errors);
            match regex::Regex::new(&p) {
                Ok(re) => {
                    let spelling = (mode == Mode::Homophone).then(|| Spelling::of_pattern(&p));
                    matchers.push(Matcher::Regex(re, p, spelling))
                }
                Err(e) => errors.push(format!(
                    "rule {id}: invalid regex {p:?}: {}",
                    crate::call::regex_error_text(&e)
                )),
            }
        }
        Group {
            matchers,
            mode,
            name: name.map(|n| fill(&n, errors)),
        }
    };
    let mut groups = Vec::new();
    if !spec.phrases.is_empty() || !spec.patterns.is_empty() {
        groups.push(build_group(
            &spec.phrases,
            &spec.patterns,
            spec.mode,
            spec.max_edits,
            None,
            None,
            &mut errors,
        ));
    }
    for g in &spec.all {
        groups.push(build_group(
            &g.phrases,
            &g.patterns,
            g.mode,
            g.max_edits,
            g.syllables_per_edit,
            g.name.clone(),
            &mut errors,
        ));
    }
    if groups.iter().any(|g| g.matchers.is_empty()) && errors.is_empty() {
        errors.push(format!("rule {id}: a group has no phrases or patterns"));
    }
    match spec.kind {
        Kind::Pii if !groups.is_empty() => errors.push(format!(
            "rule {id}: pii rules use built-in detectors (pii = [...]), not phrases"
        )),
        k if k != Kind::Pii && (spec.readback != Readback::Include || !spec.pii.is_empty()) => {
            errors.push(format!(
                "rule {id}: pii and readback apply to kind = \"pii\" only"
            ))
        }
        Kind::Flag if !groups.is_empty() || spec.when.is_none() => errors.push(format!(
            "rule {id}: kind = \"flag\" needs `when` and no phrases (it reads metadata only)"
        )),
        Kind::Forbidden | Kind::Required | Kind::Tag if groups.is_empty() => {
            errors.push(format!("rule {id}: needs phrases, patterns or all = [...]"))
        }
        _ => {}
    }
    let unless = spec
        .unless
        .iter()
        .map(|p| Pattern::new(normalise(&fill(p, &mut errors)).chars, 0, false))
        .collect();
    let when = spec.when.as_deref().and_then(|w| {
        Condition::parse(w)
            .map_err(|e| errors.push(format!("rule {id}: {e}")))
            .ok()
    });
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Rule {
        id: spec.id,
        description: spec.description,
        kind: spec.kind,
        speaker: spec.speaker,
        language: spec.language,
        severity: spec.severity,
        window: spec.window,
        groups,
        within_chars: spec.within_chars,
        unless,
        pii: if spec.pii.is_empty() {
            PiiKind::ALL.to_vec()
        } else {
            spec.pii
        },
        readback: spec.readback,
        when,
        placeholders: Vec::new(),
    })
}
