//! Stage: the scorecard. A call starts at `start` points; findings and acoustic flags deduct
//! points (per occurrence, capped per item); auto-fail rules set the score to 0; items that
//! cannot be judged on this call (talk-over on mono, rules without a transcript) are N/A.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::analysis::{Acoustics, Flag};
use crate::call::Speaker;
use crate::rules::{Finding, Kind, MatchMode, Severity};

/// Points per occurrence and the most one item can cost.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deduction {
    pub points: f64,
    pub cap: f64,
}

const fn d(points: f64, cap: f64) -> Deduction {
    Deduction { points, cap }
}

/// The `[score]` table of the config file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScorecardConfig {
    pub start: f64,
    pub pass_mark: f64,
    /// Rule findings by severity, unless the rule has its own entry in `rules`.
    pub minor: Deduction,
    pub major: Deduction,
    pub critical: Deduction,
    /// Per-rule overrides, by rule id.
    pub rules: BTreeMap<String, Deduction>,
    /// Any finding of these rules fails the call outright (score 0); `acoustic.no_agent_speech`
    /// may be listed too.
    pub auto_fail: Vec<String>,
    /// Under this much agent speech (s; on mono, any speech) there is no agent to judge: a
    /// muted channel, the wrong channel, noise or an empty file. The call gets the item
    /// `acoustic.no_agent_speech` (auto-fail by default, else a critical deduction) instead of
    /// passing on the absence of faults.
    pub min_agent_speech_s: f64,
    /// Acoustic items; the agent's measures only (N/A on mono, where the agent cannot be told apart).
    pub dead_air: Deduction,
    pub talk_over: Deduction,
    pub too_fast: Deduction,
    pub too_slow: Deduction,
    pub too_quiet: Deduction,
    pub too_loud: Deduction,
    pub clipping: Deduction,
}

impl Default for ScorecardConfig {
    fn default() -> Self {
        ScorecardConfig {
            start: 100.0,
            pass_mark: 85.0,
            minor: d(5.0, 10.0),
            major: d(20.0, 40.0),
            critical: d(40.0, 40.0),
            rules: BTreeMap::new(),
            auto_fail: vec![
                "zh.forbidden.profanity".into(),
                "en.forbidden.profanity".into(),
                "pii.readout".into(),
                NO_AGENT_SPEECH.into(),
            ],
            min_agent_speech_s: 1.0,
            dead_air: d(3.0, 9.0),
            talk_over: d(3.0, 9.0),
            too_fast: d(3.0, 3.0),
            too_slow: d(3.0, 3.0),
            too_quiet: d(2.0, 2.0),
            too_loud: d(2.0, 2.0),
            clipping: d(2.0, 2.0),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    Deducted,
    AutoFail,
    /// Cannot be judged on this call.
    NotApplicable,
    /// Words on a mono call that may be the customer's (one voice heard, or the agent's
    /// voice uncertain) under a rule that would fail the call or cost points: a person
    /// decides (confirming the finding makes it count).
    Review,
}

crate::serde_names!(ItemStatus);

/// One line of the scorecard that cost points or could not be judged.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ScoreItem {
    /// A rule id, or `acoustic.dead_air`, `acoustic.talk_over`, `acoustic.too_fast`, …
    pub item: String,
    pub count: usize,
    pub points_lost: f64,
    pub status: ItemStatus,
    pub note: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CallScore {
    pub score: f64,
    pub pass: bool,
    pub auto_fail: bool,
    /// Something only a person can decide: see the items with status `review`.
    #[serde(default)]
    pub needs_review: bool,
    pub items: Vec<ScoreItem>,
}

/// The score item of a call with no agent speech to judge.
pub const NO_AGENT_SPEECH: &str = "acoustic.no_agent_speech";

impl ScorecardConfig {
    /// The agent's acoustic flags that cost points, with their deductions.
    fn agent_flags(&self) -> [(Flag, Deduction); 5] {
        [
            (Flag::TooFast, self.too_fast),
            (Flag::TooSlow, self.too_slow),
            (Flag::TooQuiet, self.too_quiet),
            (Flag::TooLoud, self.too_loud),
            (Flag::Clipping, self.clipping),
        ]
    }

    /// Every score item that is not a rule: `acoustic.dead_air`, `acoustic.too_fast`, …
    pub fn acoustic_items(&self) -> Vec<String> {
        let mut items = vec![
            "acoustic.dead_air".to_string(),
            "acoustic.talk_over".to_string(),
            NO_AGENT_SPEECH.to_string(),
        ];
        items.extend(self.agent_flags().map(|(f, _)| format!("acoustic.{f}")));
        items
    }

    /// Item names must exist (a typo in `auto_fail` would silently never fail a call) and
    /// numbers be finite and not negative (`start = nan` would pass every call).
    pub fn validate(&self, rule_ids: &[&str]) -> Result<(), String> {
        let known = self.acoustic_items();
        let check = |what: &str, id: &str| {
            if rule_ids.contains(&id) || known.iter().any(|k| k == id) {
                Ok(())
            } else {
                Err(format!(
                    "[score] {what}: unknown item {id:?} (not a rule id of the rules in use, nor one of {})",
                    known.join(", ")
                ))
            }
        };
        for id in &self.auto_fail {
            check("auto_fail", id)?;
        }
        for id in self.rules.keys() {
            check("rules", id)?;
        }
        let mut numbers = vec![
            ("start", self.start),
            ("pass_mark", self.pass_mark),
            ("min_agent_speech_s", self.min_agent_speech_s),
        ];
        let deductions = [
            ("minor", self.minor),
            ("major", self.major),
            ("critical", self.critical),
            ("dead_air", self.dead_air),
            ("talk_over", self.talk_over),
            ("too_fast", self.too_fast),
            ("too_slow", self.too_slow),
            ("too_quiet", self.too_quiet),
            ("too_loud", self.too_loud),
            ("clipping", self.clipping),
        ];
        let per_rule = self.rules.iter().map(|(k, d)| (k.as_str(), *d));
        for (name, d) in deductions.into_iter().chain(per_rule) {
            numbers.push((name, d.points));
            numbers.push((name, d.cap));
        }
        match numbers.iter().find(|(_, v)| !v.is_finite() || *v < 0.0) {
            Some((name, v)) => Err(format!("[score] {name}: {v} is not a number ≥ 0")),
            None => Ok(()),
        }
    }

    /// Score a call. `findings` is None when the call was not transcribed (rule items N/A).
    pub fn score(&self, acoustics: &Acoustics, findings: Option<&[Finding]>) -> CallScore {
        self.score_reviewed(acoustics, findings, &[])
    }

    /// [`Self::score`], where `confirmed[i]` says a reviewer confirmed `findings[i]` as the
    /// agent's (missing entries: not confirmed).
    pub fn score_reviewed(
        &self,
        acoustics: &Acoustics,
        findings: Option<&[Finding]>,
        confirmed: &[bool],
    ) -> CallScore {
        let mut items = Vec::new();
        let mut auto_fail = false;
        // a deduction resting on a second choice alone: a person should listen
        let mut unheard = false;
        let role_uncertain = acoustics.separation.is_some_and(|s| s.role_uncertain);
        match findings {
            Some(findings) => {
                // (count, severity, some finding surely the agent's, words said, some
                // finding surely heard)
                let mut by_rule: BTreeMap<&str, (usize, Severity, bool, bool, bool)> =
                    BTreeMap::new();
                for (i, f) in findings.iter().enumerate().filter(|(_, f)| f.kind.scored()) {
                    let e = by_rule
                        .entry(f.rule_id.as_str())
                        .or_insert((0, f.severity, false, false, false));
                    let confirmed = confirmed.get(i).copied().unwrap_or(false);
                    e.0 += 1;
                    e.2 |= (f.speaker == Speaker::Agent && !role_uncertain) || confirmed;
                    // a missing greeting is the agent's whoever spoke; words said may not be
                    e.3 |= matches!(f.kind, Kind::Forbidden | Kind::Pii);
                    e.4 |= f.mode != MatchMode::SecondChoice || confirmed;
                }
                for (rule, (count, severity, surely_agent, said, heard)) in by_rule {
                    let fails = self.auto_fail.iter().any(|r| r == rule);
                    // a runner-up word costs points (as a misheard homophone does) but
                    // does not fail the call unheard
                    if !heard && fails {
                        items.push(ScoreItem {
                            item: rule.into(),
                            count,
                            points_lost: 0.0,
                            status: ItemStatus::Review,
                            note: "auto-fail rule, only in Whisper's second choice for a word: \
                                   listen before failing"
                                .into(),
                        });
                        continue;
                    }
                    unheard |= !heard;
                    if !surely_agent && (fails || said) {
                        items.push(ScoreItem {
                            item: rule.into(),
                            count,
                            points_lost: 0.0,
                            status: ItemStatus::Review,
                            note: format!(
                                "{} on a mono call where the words may be the customer's: \
                                 listen before {}",
                                if fails { "auto-fail rule" } else { "deduction" },
                                if fails { "failing" } else { "deducting" }
                            ),
                        });
                        continue;
                    }
                    if self.auto_fail.iter().any(|r| r == rule) {
                        auto_fail = true;
                        items.push(ScoreItem {
                            item: rule.into(),
                            count,
                            points_lost: 0.0,
                            status: ItemStatus::AutoFail,
                            note: "auto-fail rule".into(),
                        });
                        continue;
                    }
                    let ded = self.rules.get(rule).copied().unwrap_or(match severity {
                        Severity::Minor => self.minor,
                        Severity::Major => self.major,
                        Severity::Critical => self.critical,
                    });
                    let note = if heard {
                        severity.to_string()
                    } else {
                        format!("{severity}, only in Whisper's second choice for a word: listen")
                    };
                    items.extend(deducted(rule, count, ded, &note));
                }
            }
            None => items.push(not_applicable("rules", "not transcribed")),
        }
        let dead = acoustics.dead_air.len();
        items.extend(deducted(
            "acoustic.dead_air",
            dead,
            self.dead_air,
            &format!("{:.1} s", acoustics.dead_air_s),
        ));
        match acoustics
            .speakers
            .iter()
            .find(|s| s.speaker == Speaker::Agent)
        {
            Some(agent) if acoustics.per_speaker => {
                if acoustics.separation.is_some() {
                    items.push(not_applicable(
                        "acoustic.talk_over",
                        "mono recording: overlapping speech is not separated",
                    ));
                } else {
                    let n = acoustics.agent_talk_over_count;
                    items.extend(deducted(
                        "acoustic.talk_over",
                        n,
                        self.talk_over,
                        "agent interrupted",
                    ));
                }
                for (flag, ded) in self.agent_flags() {
                    let n = usize::from(agent.flags.contains(&flag));
                    items.extend(deducted(&format!("acoustic.{flag}"), n, ded, "agent"));
                }
            }
            _ => items.push(not_applicable(
                "acoustic.agent",
                "mono recording: talk-over, rate and level of the agent not available",
            )),
        }
        let agent_talk_s: f64 = acoustics
            .speakers
            .iter()
            .filter(|s| matches!(s.speaker, Speaker::Agent | Speaker::Mixed))
            .fold(0.0, |sum, s| sum + s.talk_s);
        if agent_talk_s < self.min_agent_speech_s {
            let note = format!(
                "{agent_talk_s:.1} s of agent speech: muted or wrong channel, noise, or no call"
            );
            if self.auto_fail.iter().any(|r| r == NO_AGENT_SPEECH) {
                auto_fail = true;
                items.push(ScoreItem {
                    item: NO_AGENT_SPEECH.into(),
                    count: 1,
                    points_lost: 0.0,
                    status: ItemStatus::AutoFail,
                    note,
                });
            } else {
                let ded = self
                    .rules
                    .get(NO_AGENT_SPEECH)
                    .copied()
                    .unwrap_or(self.critical);
                items.extend(deducted(NO_AGENT_SPEECH, 1, ded, &note));
            }
        }
        let lost: f64 = items.iter().map(|i| i.points_lost).sum();
        let score = if auto_fail {
            0.0
        } else {
            (self.start - lost).max(0.0)
        };
        CallScore {
            score,
            pass: !auto_fail && score >= self.pass_mark,
            auto_fail,
            needs_review: unheard || items.iter().any(|i| i.status == ItemStatus::Review),
            items,
        }
    }
}

fn deducted(item: &str, count: usize, ded: Deduction, note: &str) -> Option<ScoreItem> {
    (count > 0).then(|| ScoreItem {
        item: item.into(),
        count,
        points_lost: (ded.points * count as f64).min(ded.cap),
        status: ItemStatus::Deducted,
        note: note.into(),
    })
}

fn not_applicable(item: &str, note: &str) -> ScoreItem {
    ScoreItem {
        item: item.into(),
        count: 0,
        points_lost: 0.0,
        status: ItemStatus::NotApplicable,
        note: note.into(),
    }
}
