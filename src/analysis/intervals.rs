//! Speech intervals combined across speakers: their union, the silences between, talk-over.

use super::{SpeakerMeasures, TalkOver};
use crate::call::Interval;

pub(super) fn union(mut v: Vec<Interval>) -> Vec<Interval> {
    v.sort_by(|a, b| a.start.total_cmp(&b.start));
    let mut out: Vec<Interval> = Vec::new();
    for i in v {
        match out.last_mut() {
            Some(l) if i.start <= l.end => l.end = l.end.max(i.end),
            _ => out.push(i),
        }
    }
    out
}

/// The complement of sorted, disjoint `speech` within [0, duration).
pub(super) fn gaps(speech: &[Interval], duration: f64) -> Vec<Interval> {
    let mut out = Vec::new();
    let mut t = 0.0;
    for s in speech {
        if s.start > t {
            out.push(Interval {
                start: t,
                end: s.start,
            });
        }
        t = t.max(s.end);
    }
    if duration > t {
        out.push(Interval {
            start: t,
            end: duration,
        });
    }
    out
}

pub(super) fn talk_overs(speakers: &[SpeakerMeasures], min_s: f64) -> Vec<TalkOver> {
    let mut out = Vec::new();
    for a in speakers {
        for b in speakers.iter().filter(|b| b.channel != a.channel) {
            for ia in &a.speech {
                // `a` starts while `b` is already talking
                for ib in b
                    .speech
                    .iter()
                    .filter(|ib| ib.start < ia.start && ia.start < ib.end)
                {
                    let end = ia.end.min(ib.end);
                    if end - ia.start >= min_s {
                        out.push(TalkOver {
                            interrupter: a.speaker,
                            start: ia.start,
                            end,
                        });
                    }
                }
            }
        }
    }
    out.sort_by(|x, y| x.start.total_cmp(&y.start));
    out
}
