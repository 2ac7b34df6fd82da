//! Stage: the house rules. A rules file (TOML) lists what agents must never say (forbidden),
//! must say (required: greeting with company and 工号, closing) and must never read out (pii).
//! `RuleSet::scan` turns a transcript into findings; `redact` masks personal data in text.

mod matcher;
mod normalise;
mod pii;

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::asr::{Segment, Speaker, Transcript};
use matcher::{Hit, Pattern};
pub use normalise::{Normalised, normalise, redact};
pub use pii::PiiKind;

/// The rule set shipped with callqa (Mandarin and English); `callqa rules default` prints it.
pub const DEFAULT_RULES: &str = include_str!("default.toml");

// ---------- the file format ----------

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    version: String,
    #[serde(default)]
    placeholders: HashMap<String, String>,
    #[serde(default)]
    rules: Vec<RuleSpec>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Forbidden,
    Required,
    Pii,
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
    language: String,
    severity: Severity,
    #[serde(default)]
    window: Window,
    #[serde(rename = "match")]
    mode: Option<Mode>,
    max_edits: Option<usize>,
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
}

fn default_speaker() -> Who {
    Who::Agent
}
fn default_language() -> String {
    "any".into()
}

// ---------- compiled rules ----------

#[derive(Debug, Clone)]
enum Matcher {
    Phrase(Pattern, String),
    Regex(regex::Regex, String),
}

#[derive(Debug, Clone)]
struct Group {
    matchers: Vec<Matcher>,
    mode: Mode,
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub description: String,
    pub kind: Kind,
    pub speaker: Who,
    pub language: String,
    pub severity: Severity,
    pub window: Window,
    groups: Vec<Group>,
    within_chars: Option<usize>,
    unless: Vec<Pattern>,
    pii: Vec<PiiKind>,
}

#[derive(Debug, Clone)]
pub struct RuleSet {
    pub version: String,
    pub rules: Vec<Rule>,
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
    pub mode: String,
    pub confidence: f32,
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
            match compile(spec, &file.placeholders) {
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

    /// Scan a call's transcript. `duration_s` places the time windows.
    pub fn scan(&self, transcript: &Transcript, duration_s: f64) -> Vec<Finding> {
        let mut findings = Vec::new();
        for rule in self
            .rules
            .iter()
            .filter(|r| r.applies_to(&transcript.language))
        {
            for speaker in [Speaker::Agent, Speaker::Customer, Speaker::Mixed] {
                if !rule.speaker_matches(speaker) {
                    continue;
                }
                let segs: Vec<&Segment> = transcript
                    .segments
                    .iter()
                    .filter(|s| s.speaker == speaker && rule.window.contains(s, duration_s))
                    .collect();
                let has_speaker = transcript.segments.iter().any(|s| s.speaker == speaker);
                if !has_speaker {
                    continue;
                }
                let stream = Stream::new(&segs);
                match rule.kind {
                    Kind::Forbidden => findings.extend(rule.forbidden(&stream, speaker)),
                    Kind::Pii => findings.extend(rule.pii(&stream, speaker)),
                    Kind::Required => findings.extend(rule.required(&stream, speaker, duration_s)),
                }
            }
        }
        findings.sort_by(|a, b| {
            a.start
                .total_cmp(&b.start)
                .then_with(|| a.rule_id.cmp(&b.rule_id))
        });
        findings
    }
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
        let mut out = s.to_string();
        for (k, v) in placeholders {
            out = out.replace(&format!("{{{k}}}"), v);
        }
        if let Some(start) = out.find('{').filter(|_| out.contains('}')) {
            let name: String = out[start + 1..].chars().take_while(|&c| c != '}').collect();
            if !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                errors.push(format!(
                    "rule {id}: placeholder {{{name}}} is not defined in [placeholders]"
                ));
            }
        }
        out
    };
    let build_group = |phrases: &[String],
                       patterns: &[String],
                       mode: Option<Mode>,
                       max_edits: Option<usize>,
                       errors: &mut Vec<String>| {
        let mode = mode.or(spec.mode).unwrap_or(if patterns.is_empty() {
            Mode::Exact
        } else {
            Mode::Regex
        });
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
                Mode::Homophone => max_edits.or(spec.max_edits).unwrap_or(0),
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
                Ok(re) => matchers.push(Matcher::Regex(re, p)),
                Err(e) => errors.push(format!(
                    "rule {id}: invalid regex {p:?}: {}",
                    e.to_string().replace('\n', " ")
                )),
            }
        }
        Group { matchers, mode }
    };
    let mut groups = Vec::new();
    if !spec.phrases.is_empty() || !spec.patterns.is_empty() {
        groups.push(build_group(
            &spec.phrases,
            &spec.patterns,
            spec.mode,
            spec.max_edits,
            &mut errors,
        ));
    }
    for g in &spec.all {
        groups.push(build_group(
            &g.phrases,
            &g.patterns,
            g.mode,
            g.max_edits,
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
        Kind::Forbidden | Kind::Required if groups.is_empty() => {
            errors.push(format!("rule {id}: needs phrases, patterns or all = [...]"))
        }
        _ => {}
    }
    if !["zh", "en", "any"].contains(&spec.language.as_str()) {
        errors.push(format!(
            "rule {id}: language {:?}: expected zh, en or any",
            spec.language
        ));
    }
    let unless = spec
        .unless
        .iter()
        .map(|p| Pattern::new(normalise(&fill(p, &mut errors)).chars, 0, false))
        .collect();
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
    })
}

// ---------- scanning ----------

impl Window {
    /// The window's limits in seconds: (look only before `first`, look only after `last`).
    fn limits(&self, duration: f64) -> (Option<f64>, Option<f64>) {
        let first = self
            .first_s
            .or(self.first_pct.map(|p| duration * p / 100.0));
        let last = self.last_s.or(self.last_pct.map(|p| duration * p / 100.0));
        (first, last.map(|l| (duration - l).max(0.0)))
    }

    fn contains(&self, s: &Segment, duration: f64) -> bool {
        let (first, last) = self.limits(duration);
        first.is_none_or(|f| s.start < f) && last.is_none_or(|l| s.end > l)
    }

    /// [start, end) of the window, for a finding about something missing in it.
    fn bounds(&self, duration: f64) -> (f64, f64) {
        let (first, last) = self.limits(duration);
        (
            last.unwrap_or(0.0),
            first.map_or(duration, |f| f.min(duration)),
        )
    }
}

/// One speaker's segments as one normalised character stream, so that phrases and numbers
/// split across segment boundaries are still found; each character knows its segment.
struct Stream<'a> {
    segs: Vec<&'a Segment>,
    chars: Vec<char>,
    seg_of: Vec<usize>,
    /// Per stream char, the index of its source char in its segment's text.
    src: Vec<usize>,
    sounds: std::cell::OnceCell<Vec<HashSet<String>>>,
}

impl<'a> Stream<'a> {
    fn new(segs: &[&'a Segment]) -> Self {
        let mut s = Stream {
            segs: segs.to_vec(),
            chars: Vec::new(),
            seg_of: Vec::new(),
            src: Vec::new(),
            sounds: Default::default(),
        };
        for (k, seg) in segs.iter().enumerate() {
            let n = normalise(&seg.text);
            // Latin words in two segments stay two words; digits join (a number read out
            // across two segments is one number), and CJK has no spaces.
            let latin = |c: Option<&char>| c.is_some_and(char::is_ascii_alphabetic);
            if (latin(s.chars.last()) && n.chars.first().is_some_and(char::is_ascii_alphanumeric))
                || (latin(n.chars.first())
                    && s.chars.last().is_some_and(char::is_ascii_alphanumeric))
            {
                s.chars.push(' ');
                s.seg_of.push(k - 1);
                s.src
                    .push(s.segs[k - 1].text.chars().count().saturating_sub(1));
            }
            s.chars.extend(&n.chars);
            s.seg_of.extend(std::iter::repeat_n(k, n.chars.len()));
            s.src.extend(&n.source);
        }
        s
    }

    fn sounds(&self) -> &[HashSet<String>] {
        self.sounds
            .get_or_init(|| self.chars.iter().map(|&c| matcher::sounds(c)).collect())
    }

    /// Times and transcribed text of stream characters [start, end): from Whisper's token times
    /// where the segment has them, else the segments' bounds.
    fn span(&self, start: usize, end: usize) -> (f64, f64, String) {
        let (a, b) = (self.seg_of[start], self.seg_of[end - 1]);
        let char_time = |k: usize, i: usize| {
            let seg = self.segs[k];
            (seg.char_times.len() == seg.text.chars().count())
                .then(|| seg.char_times.get(i))
                .flatten()
        };
        let t_start = char_time(a, self.src[start]).map_or(self.segs[a].start, |t| t.0);
        let t_end = char_time(b, self.src[end - 1]).map_or(self.segs[b].end, |t| t.1);
        let (t_start, t_end) = (t_start, t_end.max(t_start));
        let mut text = String::new();
        for k in a..=b {
            let chars: Vec<char> = self.segs[k].text.chars().collect();
            let from = if k == a { self.src[start] } else { 0 };
            let to = if k == b {
                self.src[end - 1] + 1
            } else {
                chars.len()
            };
            text.extend(&chars[from.min(chars.len())..to.min(chars.len())]);
        }
        (t_start, t_end, text)
    }

    fn text(&self, start: usize, end: usize) -> String {
        self.chars[start..end].iter().collect()
    }
}

impl Rule {
    fn applies_to(&self, language: &str) -> bool {
        self.language == "any" || language == "auto" || self.language == language
    }

    fn speaker_matches(&self, s: Speaker) -> bool {
        match self.speaker {
            Who::Any => true,
            // On mono both parties share the channel: agent rules still apply to it.
            Who::Agent => matches!(s, Speaker::Agent | Speaker::Mixed),
            Who::Customer => matches!(s, Speaker::Customer | Speaker::Mixed),
        }
    }

    fn group_hits(&self, g: &Group, stream: &Stream) -> Vec<(Hit, String)> {
        let mut hits = Vec::new();
        for m in &g.matchers {
            match m {
                Matcher::Phrase(p, _) => {
                    let sounds: &[HashSet<String>] =
                        if p.homophone { stream.sounds() } else { &[] };
                    for h in p.find(&stream.chars, sounds) {
                        if word_bounded(&stream.chars, h) {
                            hits.push((h, mode_name(g.mode, h, p, &stream.chars)));
                        }
                    }
                }
                Matcher::Regex(re, _) => {
                    let s: String = stream.chars.iter().collect();
                    let byte_to_char: Vec<usize> = s.char_indices().map(|(b, _)| b).collect();
                    for m in re.find_iter(&s) {
                        let start = byte_to_char.partition_point(|&b| b < m.start());
                        let end = byte_to_char.partition_point(|&b| b < m.end());
                        if end > start {
                            hits.push((
                                Hit {
                                    start,
                                    end,
                                    edits: 0,
                                },
                                "regex".into(),
                            ));
                        }
                    }
                }
            }
        }
        hits.sort_by_key(|(h, _)| (h.start, h.edits));
        hits
    }

    fn suppressed(&self, stream: &Stream, h: Hit) -> bool {
        if self.unless.is_empty() {
            return false;
        }
        let (a, b) = (stream.seg_of[h.start], stream.seg_of[h.end - 1]);
        let (from, to) = (
            stream.seg_of.iter().position(|&k| k == a).unwrap_or(0),
            stream
                .seg_of
                .iter()
                .rposition(|&k| k == b)
                .map_or(stream.chars.len(), |p| p + 1),
        );
        self.unless
            .iter()
            .any(|u| !u.find(&stream.chars[from..to], &[]).is_empty())
    }

    #[allow(clippy::too_many_arguments)]
    fn finding_at(
        &self,
        speaker: Speaker,
        (start, end): (f64, f64),
        matched_text: String,
        evidence: String,
        mode: &str,
        confidence: f32,
    ) -> Finding {
        Finding {
            rule_id: self.id.clone(),
            kind: self.kind,
            severity: self.severity,
            speaker,
            start,
            end,
            matched_text,
            evidence,
            mode: mode.into(),
            confidence,
        }
    }

    fn finding(&self, stream: &Stream, speaker: Speaker, h: Hit, mode: String) -> Finding {
        let (start, end, matched) = stream.span(h.start, h.end);
        let len = (h.end - h.start).max(1) as f32;
        let confidence = match mode.as_str() {
            "exact" | "regex" | "pii" => 1.0,
            "homophone" => 0.85 - 0.5 * h.edits as f32 / len,
            _ => 1.0 - h.edits as f32 / len,
        };
        self.finding_at(
            speaker,
            (start, end),
            matched,
            stream.text(h.start, h.end),
            &mode,
            confidence,
        )
    }

    fn forbidden(&self, stream: &Stream, speaker: Speaker) -> Vec<Finding> {
        let per_group: Vec<Vec<(Hit, String)>> = self
            .groups
            .iter()
            .map(|g| self.group_hits(g, stream))
            .collect();
        let mut out = Vec::new();
        if per_group.len() == 1 {
            let mut last_end = 0;
            for (h, mode) in &per_group[0] {
                if h.start < last_end || self.suppressed(stream, *h) {
                    continue; // overlapping phrase of the same rule: one finding
                }
                last_end = h.end;
                out.push(self.finding(stream, speaker, *h, mode.clone()));
            }
            return out;
        }
        // Several groups: each hit of the first group with a hit of every other group nearby.
        let within = self.within_chars.unwrap_or(usize::MAX / 2);
        for (h0, mode) in &per_group[0] {
            let mut span = *h0;
            let all = per_group[1..].iter().all(|hits| {
                hits.iter()
                    .filter(|(h, _)| h.start <= h0.end + within && h0.start <= h.end + within)
                    .min_by_key(|(h, _)| h.start.abs_diff(h0.start))
                    .map(|(h, _)| {
                        span.start = span.start.min(h.start);
                        span.end = span.end.max(h.end);
                    })
                    .is_some()
            });
            if all
                && !self.suppressed(stream, span)
                && out
                    .last()
                    .is_none_or(|f: &Finding| f.end <= stream.span(span.start, span.end).0)
            {
                out.push(self.finding(stream, speaker, span, mode.clone()));
            }
        }
        out
    }

    fn required(&self, stream: &Stream, speaker: Speaker, duration: f64) -> Option<Finding> {
        let missing: Vec<String> = self
            .groups
            .iter()
            .filter(|g| self.group_hits(g, stream).is_empty())
            .map(|g| {
                g.matchers
                    .iter()
                    .map(|m| match m {
                        Matcher::Phrase(_, p) | Matcher::Regex(_, p) => p.clone(),
                    })
                    .collect::<Vec<_>>()
                    .join(" | ")
            })
            .collect();
        if missing.is_empty() {
            return None;
        }
        let (start, end) = self.window.bounds(duration);
        Some(self.finding_at(
            speaker,
            (start, end),
            String::new(),
            format!("missing: {}", missing.join("; ")),
            "required",
            1.0,
        ))
    }

    fn pii(&self, stream: &Stream, speaker: Speaker) -> Vec<Finding> {
        let mut out: Vec<Finding> = pii::detect(&stream.chars, &self.pii)
            .into_iter()
            .map(|(kind, h)| {
                let mut f = self.finding(stream, speaker, h, "pii".into());
                f.evidence = format!("{}: {}", kind.name(), redact(&f.evidence));
                f.matched_text = redact(&f.matched_text);
                f
            })
            .collect();
        // Written addresses lose '@' and '.' in normalisation: look for them in the raw text.
        if self.pii.contains(&PiiKind::Email) {
            for seg in &stream.segs {
                for m in normalise::email_regex().find_iter(&seg.text) {
                    let evidence = format!("{}: [REDACTED]", PiiKind::Email.name());
                    out.push(self.finding_at(
                        speaker,
                        (seg.start, seg.end),
                        redact(m.as_str()),
                        evidence,
                        "pii",
                        1.0,
                    ));
                }
            }
        }
        out
    }
}

/// Latin-script phrases match whole words only ("hell" is not in "hello"); CJK has no spaces.
fn word_bounded(text: &[char], h: Hit) -> bool {
    let alnum = |i: Option<usize>| {
        i.and_then(|i| text.get(i))
            .is_some_and(|c| c.is_ascii_alphanumeric())
    };
    let first_latin = text[h.start].is_ascii_alphanumeric();
    let last_latin = text[h.end - 1].is_ascii_alphanumeric();
    let glued_before = first_latin && alnum(h.start.checked_sub(1));
    let glued_after = last_latin && alnum(Some(h.end));
    !(glued_before || glued_after)
}

fn mode_name(mode: Mode, h: Hit, p: &Pattern, text: &[char]) -> String {
    let exact = h.edits == 0 && text[h.start..h.end] == p.chars[..];
    match mode {
        _ if exact => "exact",
        Mode::Homophone => "homophone",
        Mode::Fuzzy => "fuzzy",
        Mode::Exact => "exact",
        Mode::Regex => "regex",
    }
    .into()
}

/// Redact personal data in every segment's text and raw text (the default for outputs). A
/// speaker's consecutive segments are masked as one text, so a number split between two
/// segments is masked in both.
pub fn redact_transcript(t: &mut Transcript) {
    redact_field(t, |s| &mut s.text);
    redact_field(t, |s| &mut s.raw_text);
}

fn redact_field(t: &mut Transcript, field: fn(&mut Segment) -> &mut String) {
    for speaker in [Speaker::Agent, Speaker::Customer, Speaker::Mixed] {
        let idx: Vec<usize> = (0..t.segments.len())
            .filter(|&i| t.segments[i].speaker == speaker)
            .collect();
        // e-mails first (they change length), then numbers over the joined speaker text
        for &i in &idx {
            let s = field(&mut t.segments[i]);
            *s = normalise::email_regex()
                .replace_all(s, "[REDACTED]")
                .into_owned();
        }
        let mut joined: Vec<char> = Vec::new();
        let mut lens = Vec::new();
        for (k, &i) in idx.iter().enumerate() {
            if k > 0 {
                joined.push(normalise::JOIN);
            }
            let chars: Vec<char> = field(&mut t.segments[i]).chars().collect();
            lens.push(chars.len());
            joined.extend(chars);
        }
        normalise::mask_long_numbers(&mut joined);
        let mut pos = 0;
        for (k, &i) in idx.iter().enumerate() {
            if k > 0 {
                pos += 1;
            }
            *field(&mut t.segments[i]) = joined[pos..pos + lens[k]].iter().collect();
            pos += lens[k];
        }
    }
}
