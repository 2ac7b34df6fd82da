//! Scanning: a transcript, one speaker at a time, against every rule; what a rule finds
//! becomes a [`Finding`] with the words' own times.

use super::matcher::{Hit, Pattern};
use super::redact::{Mask, Redaction, email_regex, redact};
use super::sound::Heard;
use super::stream::Stream;
use super::{
    Finding, Group, Kind, MatchMode, Matcher, Mode, PiiKind, Readback, Rule, RuleLanguage, RuleSet,
    Who, pii,
};
use crate::asr::{Segment, Transcript};
use crate::call::{CallMeta, Language, Speaker};

impl RuleSet {
    /// Scan a transcript with no call metadata known: rules with a `when` do not apply.
    pub fn scan(&self, transcript: &Transcript, duration_s: f64) -> Vec<Finding> {
        self.scan_call(transcript, duration_s, &CallMeta::default())
    }

    /// Scan a call's transcript, quoting it as written (raw text kept). `duration_s` places
    /// the time windows; `meta` decides which rules with a `when` apply.
    pub fn scan_call(
        &self,
        transcript: &Transcript,
        duration_s: f64,
        meta: &CallMeta,
    ) -> Vec<Finding> {
        self.scan_with(transcript, duration_s, meta, None)
    }

    /// Scan a call's transcript as written (rules read the raw digits, to find read-out
    /// numbers), quoting it as `redaction` masks it: what a finding shows is cut from the
    /// masked segments by span, and the metadata a `when` names is redacted too.
    pub fn scan_redacted(
        &self,
        transcript: &Transcript,
        duration_s: f64,
        meta: &CallMeta,
        redaction: &Redaction,
    ) -> Vec<Finding> {
        self.scan_with(transcript, duration_s, meta, Some(redaction))
    }

    fn scan_with(
        &self,
        transcript: &Transcript,
        duration_s: f64,
        meta: &CallMeta,
        redaction: Option<&Redaction>,
    ) -> Vec<Finding> {
        let mut findings = Vec::new();
        for rule in self
            .rules
            .iter()
            .filter(|r| r.applies_to(transcript.language))
            .filter(|r| r.when.as_ref().is_none_or(|w| w.holds(meta)))
        {
            if rule.kind == Kind::Flag {
                findings.push(rule.flag(meta, duration_s, redaction.is_some()));
                continue;
            }
            let from = findings.len();
            for speaker in [Speaker::Agent, Speaker::Customer, Speaker::Mixed] {
                if rule.speaker_matches(speaker) {
                    let stream = speaker_stream(transcript, speaker, rule, duration_s, redaction);
                    if let Some(stream) = stream {
                        findings.extend(rule.findings(&stream, speaker, duration_s));
                    }
                }
            }
            if let Some(w) = &rule.when {
                // say why the rule applied: `missing: 久等 | 抱歉 (ring_s = 20)`
                let mut why = w.evidence(meta);
                if redaction.is_some() {
                    why = redact(&why);
                }
                findings[from..]
                    .iter_mut()
                    .for_each(|f| f.evidence = format!("{} ({why})", f.evidence));
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

/// A speaker's segments within a rule's window, as one stream quoting them as `redaction`
/// masks them; None when the speaker says nothing in the call.
fn speaker_stream<'a>(
    transcript: &'a Transcript,
    speaker: Speaker,
    rule: &Rule,
    duration_s: f64,
    redaction: Option<&'a Redaction>,
) -> Option<Stream<'a>> {
    if !transcript.segments.iter().any(|s| s.speaker == speaker) {
        return None;
    }
    let (segs, masks): (Vec<&Segment>, Vec<&[Mask]>) = (transcript.segments.iter())
        .enumerate()
        .filter(|(_, s)| s.speaker == speaker && rule.window.contains(s, duration_s))
        .map(|(i, s)| (s, redaction.map_or(&[][..], |r| r.of_segment(i))))
        .unzip();
    Some(Stream::masked(&segs, masks))
}

/// Hits of one rule with no more than a sentence pause between them are one offence, one
/// finding, however Whisper cut the segments (我就是个接电话的我哪知道; "That's not my
/// problem." "You should read the manual.").
pub(super) const JOIN_PAUSE_S: f64 = 2.0;

impl Rule {
    pub(super) fn applies_to(&self, language: Language) -> bool {
        match self.language {
            RuleLanguage::Any => true,
            _ if language == Language::Auto => true,
            RuleLanguage::Zh => language == Language::Zh,
            RuleLanguage::En => language == Language::En,
        }
    }

    /// What this rule finds in one speaker's stream.
    fn findings(&self, stream: &Stream, speaker: Speaker, duration_s: f64) -> Vec<Finding> {
        match self.kind {
            Kind::Forbidden => {
                let found = self.forbidden(stream, speaker);
                let second = self.second_choice_findings(stream, speaker, &found);
                found.into_iter().chain(second).collect()
            }
            Kind::Tag => self.forbidden(stream, speaker),
            Kind::Pii => self.pii(stream, speaker),
            Kind::Required => self
                .required(stream, speaker, duration_s)
                .into_iter()
                .collect(),
            Kind::Flag => Vec::new(),
        }
    }

    fn speaker_matches(&self, s: Speaker) -> bool {
        match self.speaker {
            Who::Any => true,
            // On mono both parties share the channel: agent rules still apply to it.
            Who::Agent => matches!(s, Speaker::Agent | Speaker::Mixed),
            Who::Customer => matches!(s, Speaker::Customer | Speaker::Mixed),
        }
    }

    pub(super) fn group_hits(&self, g: &Group, stream: &Stream) -> Vec<(Hit, MatchMode)> {
        let mut hits = Vec::new();
        for m in &g.matchers {
            match m {
                Matcher::Phrase(p, _) => {
                    if !p.may_occur(stream.present()) {
                        continue;
                    }
                    let sounds: &[Heard] = if p.homophone { stream.sounds() } else { &[] };
                    for h in p.find(&stream.chars, sounds) {
                        if word_bounded(&stream.chars, h) {
                            hits.push((h, mode_name(g.mode, h, p, &stream.chars)));
                        }
                    }
                }
                Matcher::Regex(re, _, spelled) => {
                    // homophone mode: the pattern runs over the text respelled with its own
                    // characters where they sound alike (功耗 → 工号), char for char
                    let chars: Vec<char> = match spelled {
                        Some(by_sound) => by_sound.respell(&stream.chars, stream.sounds()),
                        None => stream.chars.clone(),
                    };
                    let s: String = chars.iter().collect();
                    let byte_to_char: Vec<usize> = s.char_indices().map(|(b, _)| b).collect();
                    for m in re.find_iter(&s) {
                        let start = byte_to_char.partition_point(|&b| b < m.start());
                        let end = byte_to_char.partition_point(|&b| b < m.end());
                        if end > start {
                            let respelled = chars[start..end] != stream.chars[start..end];
                            let edits = 0;
                            let mode = if respelled {
                                MatchMode::Homophone
                            } else {
                                MatchMode::Regex
                            };
                            hits.push((Hit { start, end, edits }, mode));
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
        mode: MatchMode,
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
            mode,
            confidence,
        }
    }

    fn finding(&self, stream: &Stream, speaker: Speaker, h: Hit, mode: MatchMode) -> Finding {
        let (start, end, matched) = stream.span(h.start, h.end);
        let len = (h.end - h.start).max(1) as f32;
        let confidence = match mode {
            MatchMode::Exact | MatchMode::Regex | MatchMode::Pii => 1.0,
            MatchMode::Homophone => 0.85 - 0.5 * h.edits as f32 / len,
            _ => 1.0 - h.edits as f32 / len,
        };
        self.finding_at(
            speaker,
            (start, end),
            matched,
            stream.text(h.start, h.end),
            mode,
            confidence,
        )
    }

    pub(super) fn forbidden(&self, stream: &Stream, speaker: Speaker) -> Vec<Finding> {
        let per_group: Vec<Vec<(Hit, MatchMode)>> = self
            .groups
            .iter()
            .map(|g| self.group_hits(g, stream))
            .collect();
        let mut out = Vec::new();
        if per_group.len() == 1 {
            let mut merged: Vec<(Hit, MatchMode)> = Vec::new();
            for (h, mode) in &per_group[0] {
                if self.suppressed(stream, *h) {
                    continue;
                }
                let joins = |last: &Hit| {
                    stream.span(h.start, h.end).0 - stream.span(last.start, last.end).1
                        <= JOIN_PAUSE_S
                };
                match merged.last_mut() {
                    Some((last, _)) if joins(last) => {
                        last.end = last.end.max(h.end);
                        last.edits = last.edits.max(h.edits);
                    }
                    _ => merged.push((*h, *mode)),
                }
            }
            return merged
                .into_iter()
                .map(|(h, mode)| self.finding(stream, speaker, h, mode))
                .collect();
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
                out.push(self.finding(stream, speaker, span, *mode));
            }
        }
        out
    }

    /// A `kind = "flag"` rule whose `when` holds: one finding over the whole call.
    fn flag(&self, meta: &CallMeta, duration: f64, redacted: bool) -> Finding {
        let speaker = match self.speaker {
            Who::Customer => Speaker::Customer,
            _ => Speaker::Agent,
        };
        let mut evidence = (self.when.as_ref())
            .map(|w| w.evidence(meta))
            .unwrap_or_default();
        if redacted {
            evidence = redact(&evidence);
        }
        self.finding_at(
            speaker,
            (0.0, duration),
            String::new(),
            evidence,
            MatchMode::Metadata,
            1.0,
        )
    }

    fn required(&self, stream: &Stream, speaker: Speaker, duration: f64) -> Option<Finding> {
        let missing: Vec<String> = self
            .groups
            .iter()
            .filter(|g| self.group_hits(g, stream).is_empty())
            .map(|g| {
                if let Some(name) = &g.name {
                    return name.clone();
                }
                g.matchers
                    .iter()
                    .map(|m| match m {
                        Matcher::Phrase(_, p) | Matcher::Regex(_, p, _) => p.clone(),
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
            MatchMode::Required,
            1.0,
        ))
    }

    fn pii(&self, stream: &Stream, speaker: Speaker) -> Vec<Finding> {
        let mut out: Vec<Finding> = pii::detect(&stream.chars, &self.pii)
            .into_iter()
            .filter(|(_, h)| {
                // the checking words belong to the number's own segment, not an earlier one
                let seg = stream.seg_of[h.start];
                let from = stream.seg_of.partition_point(|&s| s < seg);
                self.readback
                    .keeps(pii::is_readback(&stream.chars, *h, from))
            })
            .map(|(kind, h)| {
                let mut f = self.finding(stream, speaker, h, MatchMode::Pii);
                f.evidence = format!("{}: {}", kind.name(), redact(&f.evidence));
                f.matched_text = redact(&f.matched_text);
                f
            })
            .collect();
        // Written addresses lose '@' and '.' in normalisation: look for them in the raw text.
        if self.pii.contains(&PiiKind::Email) && self.readback != Readback::Only {
            for (k, seg) in stream.segs.iter().enumerate() {
                let byte_to_char: Vec<usize> = seg.text.char_indices().map(|(b, _)| b).collect();
                let char_at = |b: usize| byte_to_char.partition_point(|&x| x < b);
                for m in email_regex().find_iter(&seg.text) {
                    let evidence = format!("{}: [REDACTED]", PiiKind::Email.name());
                    let quote = stream.quote(k, char_at(m.start()), char_at(m.end()));
                    out.push(self.finding_at(
                        speaker,
                        (seg.start, seg.end),
                        redact(&quote),
                        evidence,
                        MatchMode::Pii,
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

fn mode_name(mode: Mode, h: Hit, p: &Pattern, text: &[char]) -> MatchMode {
    let exact = h.edits == 0 && text[h.start..h.end] == p.chars[..];
    match mode {
        _ if exact => MatchMode::Exact,
        Mode::Homophone => MatchMode::Homophone,
        Mode::Fuzzy => MatchMode::Fuzzy,
        Mode::Exact => MatchMode::Exact,
        Mode::Regex => MatchMode::Regex,
    }
}
