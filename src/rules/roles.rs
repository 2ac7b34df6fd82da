//! Which voice of a separated mono call is the agent: the one whose words meet the agent's
//! required phrases (greeting, company name, 工号, closing — each phrase group counts once),
//! as Alibaba's single-track role separation picks the agent by greeting keywords. Without
//! such evidence, the voice heard first (agents open inbound calls), flagged uncertain.

use super::stream::Stream;
use super::{Kind, RuleSet, Who};
use crate::asr::{Segment, Transcript};
use crate::call::{MonoAgent, RoleSource, Speaker};

/// The decision: the agent's voice (0 = heard first), what decided it, how sure it is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Role {
    pub agent_voice: usize,
    pub by: RoleSource,
    pub confidence: f64,
    pub uncertain: bool,
}

impl RuleSet {
    /// `transcript` has voice 0 labelled agent and voice 1 customer; `forced` is the
    /// manifest's word.
    pub fn agent_voice(
        &self,
        transcript: &Transcript,
        duration_s: f64,
        forced: Option<MonoAgent>,
    ) -> Role {
        if let Some(m) = forced {
            return Role {
                agent_voice: usize::from(m == MonoAgent::Second),
                by: RoleSource::Manifest,
                confidence: 1.0,
                uncertain: false,
            };
        }
        let evidence = |voice: Speaker| -> usize {
            self.rules
                .iter()
                .filter(|r| {
                    // a conditional rule (a late answer's apology) is no sign of who greets
                    r.kind == Kind::Required
                        && r.when.is_none()
                        && r.speaker == Who::Agent
                        && r.applies_to(transcript.language)
                })
                .map(|r| {
                    let segs: Vec<&Segment> = transcript
                        .segments
                        .iter()
                        .filter(|s| s.speaker == voice && r.window.contains(s, duration_s))
                        .collect();
                    let stream = Stream::new(&segs);
                    r.groups
                        .iter()
                        .filter(|g| !r.group_hits(g, &stream).is_empty())
                        .count()
                })
                .sum()
        };
        let (first, second) = (evidence(Speaker::Agent), evidence(Speaker::Customer));
        let lead = first.abs_diff(second);
        if lead == 0 {
            return Role {
                agent_voice: 0,
                by: RoleSource::FirstSpeaker,
                confidence: 0.5,
                uncertain: true,
            };
        }
        Role {
            agent_voice: usize::from(second > first),
            by: RoleSource::Rules,
            confidence: (0.5 + 0.25 * lead as f64).min(1.0),
            uncertain: false,
        }
    }
}
