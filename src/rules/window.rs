//! A rule's time window: which segments it reads, and where a missing phrase is reported.

use super::Window;
use crate::asr::Segment;

impl Window {
    /// The window's limits in seconds: (look only before `first`, look only after `last`).
    pub(super) fn limits(&self, duration: f64) -> (Option<f64>, Option<f64>) {
        let first = self
            .first_s
            .or(self.first_pct.map(|p| duration * p / 100.0));
        // A closing window in seconds keeps to the call's second half: on a call shorter than
        // twice the window, the opening's "thank you for calling" is not its closing.
        let last = match (self.last_s, self.last_pct) {
            (Some(s), _) => Some((duration - s).max(duration / 2.0)),
            (None, Some(p)) => Some(duration - duration * p / 100.0),
            (None, None) => None,
        };
        (first, last.map(|l| l.max(0.0)))
    }

    pub(super) fn contains(&self, s: &Segment, duration: f64) -> bool {
        let (first, last) = self.limits(duration);
        first.is_none_or(|f| s.start < f) && last.is_none_or(|l| s.end > l)
    }

    /// [start, end) of the window, for a finding about something missing in it.
    pub(super) fn bounds(&self, duration: f64) -> (f64, f64) {
        let (first, last) = self.limits(duration);
        (
            last.unwrap_or(0.0),
            first.map_or(duration, |f| f.min(duration)),
        )
    }
}
