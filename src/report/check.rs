//! The text of `callqa check`: one call's measures, transcript, findings and scorecard.

use crate::call::Language;
use crate::pipeline::CallResult;
use crate::rules::Kind;
use crate::score::ItemStatus;

/// `callqa check` as text: the call, each speaker's measures, the transcript, the findings
/// and the scorecard.
pub fn render_check(r: &CallResult) -> String {
    let mmss = |t: f64| format!("{:02}:{:05.2}", (t / 60.0) as u64, t % 60.0);
    let opt = |v: Option<f64>, unit: &str| v.map_or("-".to_string(), |v| format!("{v:.1} {unit}"));
    let a = &r.acoustics;
    let mut s = format!(
        "{}  ({} ch, {:.1} s, {} {} Hz)\n",
        crate::call::printable(&r.path.display().to_string()),
        r.source.channels,
        r.duration_s,
        r.source.codec,
        r.source.sample_rate
    );
    // repairs the measures rest on: shown before them
    for w in &r.source.decode_warnings {
        s += &format!("  warning: {w}\n");
    }
    for m in &a.speakers {
        let flags: Vec<String> = m.flags.iter().map(ToString::to_string).collect();
        s += &format!(
            "  {:<8} talk {:.1} s ({:.0}%)  loudness {}  peak {}  clipped {:.2}%  rate {} / {}{}\n",
            m.speaker,
            m.talk_s,
            100.0 * m.talk_share,
            opt(m.loudness_lufs, "LUFS"),
            opt(m.peak_dbfs, "dBFS"),
            100.0 * m.clipped_share,
            opt(m.syllables_per_min, "syll/min"),
            opt(
                m.transcript_rate_per_min,
                if r.transcript
                    .as_ref()
                    .is_some_and(|t| t.language == Language::En)
                {
                    "words/min"
                } else {
                    "chars/min"
                }
            ),
            if flags.is_empty() {
                String::new()
            } else {
                format!("  flags: {}", flags.join(", "))
            }
        );
    }
    let spans = |v: Vec<(f64, f64)>| {
        v.iter()
            .map(|(a, b)| format!("{}–{}", mmss(*a), mmss(*b)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    s += &format!(
        "  dead air {:.1} s ({} × ≥ 5 s{}{})\n",
        a.dead_air_s,
        a.dead_air.len(),
        if a.dead_air.is_empty() { "" } else { ": " },
        spans(a.dead_air.iter().map(|i| (i.start, i.end)).collect())
    );
    if !a.holds.is_empty() {
        s += &format!(
            "  announced holds {:.1} s ({}: {}; not dead air)\n",
            a.hold_s,
            a.holds.len(),
            spans(a.holds.iter().map(|i| (i.start, i.end)).collect())
        );
    }
    if let Some(sep) = &a.separation {
        s += &format!(
            "  mono recording, two voices separated (similarity {:.2}): agent = the voice heard {} \
             (by {}, confidence {:.2}{})\n",
            sep.voice_similarity,
            if sep.agent_voice == 0 {
                "first"
            } else {
                "second"
            },
            sep.role_by,
            sep.role_confidence,
            if sep.role_uncertain {
                ", UNCERTAIN: auto-fail rules go to review"
            } else {
                ""
            }
        );
    }
    if a.separation.is_some() {
        s += &format!(
            "  talk-over not judged (separated voices never overlap); agent first response {}\n",
            opt(a.agent_first_response_s, "s")
        );
    } else if a.per_speaker {
        s += &format!(
            "  talk-over: agent {}, customer {}{}{}; agent first response {}\n",
            a.agent_talk_over_count,
            a.customer_talk_over_count,
            if a.talk_over.is_empty() { "" } else { " at " },
            spans(a.talk_over.iter().map(|t| (t.start, t.end)).collect()),
            opt(a.agent_first_response_s, "s")
        );
    } else {
        s += "  mono recording: per-speaker talk-over and response time not available\n";
    }
    if let Some(t) = &r.transcript {
        s += &format!(
            "transcript (model {}, {:.1} s of speech transcribed):\n",
            t.model, t.transcribed_s
        );
        for seg in &t.segments {
            s += &format!(
                "[{} → {}] {:<8} {}\n",
                mmss(seg.start),
                mmss(seg.end),
                seg.speaker,
                seg.text
            );
        }
        if t.segments.is_empty() {
            s += "(no speech recognised)\n";
        }
        s += &format!("findings (rules {}):\n", r.rules_version);
        for f in &r.findings {
            s += &format!(
                "[{} → {}] {:<8} {:<8} {} ({}, {}, {:.2}): {}\n",
                mmss(f.start),
                mmss(f.end),
                f.speaker,
                f.severity,
                f.rule_id,
                f.kind,
                f.mode,
                f.confidence,
                // personal data: the masked number alone does not say what it was
                if f.matched_text.is_empty() || f.kind == Kind::Pii {
                    &f.evidence
                } else {
                    &f.matched_text
                }
            );
        }
        if r.findings.is_empty() {
            s += "(none)\n";
        }
    }
    let sc = &r.score;
    s += &format!(
        "score {:.0} — {}\n",
        sc.score,
        if sc.auto_fail {
            "FAIL (auto-fail)"
        } else if sc.needs_review {
            "NEEDS REVIEW"
        } else if sc.pass {
            "pass"
        } else {
            "FAIL"
        }
    );
    for i in &sc.items {
        s += &match i.status {
            ItemStatus::Deducted => format!(
                "  -{:<4} {} ×{} ({})\n",
                i.points_lost, i.item, i.count, i.note
            ),
            ItemStatus::AutoFail => format!("  FAIL  {} ×{} ({})\n", i.item, i.count, i.note),
            ItemStatus::NotApplicable => format!("  n/a   {} ({})\n", i.item, i.note),
            ItemStatus::Review => format!("  REVIEW {} ×{} ({})\n", i.item, i.count, i.note),
        };
    }
    s
}
