//! Packing a channel's speech regions into Whisper windows, and mapping window times back to
//! the call's clock.

/// Silence put between packed regions, so that Whisper hears where one ends.
pub(super) const PACK_GAP_S: f64 = 0.5;

/// Where each packed region sits in a Whisper window and where it came from in the channel.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Piece {
    pub(super) window_s: f64,
    pub(super) call_s: f64,
    pub(super) len_s: f64,
}

/// Window time → call time, for the regions packed into one Whisper call. A time in the silence
/// between two regions is where something starts (Whisper's start times run early) or ends: a
/// start maps to the next region's start, an end to the previous region's end.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct TimeMap(pub(super) Vec<Piece>);

impl TimeMap {
    pub(super) fn start(&self, t: f64) -> f64 {
        let k = self.0.partition_point(|p| p.window_s <= t).max(1) - 1;
        let p = self.0[k];
        match self.0.get(k + 1) {
            Some(next) if t > p.window_s + p.len_s => next.call_s,
            _ => p.call_s + (t - p.window_s).clamp(0.0, p.len_s),
        }
    }
    pub(super) fn end(&self, t: f64) -> f64 {
        let k = self.0.partition_point(|p| p.window_s < t).max(1) - 1;
        let p = self.0[k];
        p.call_s + (t - p.window_s).clamp(0.0, p.len_s)
    }
}

/// A packed region shorter than this that Whisper left without text is let be (a breath, a
/// click); a longer one is transcribed again on its own.
const MIN_RETRY_S: f64 = 1.0;
/// How much of a region a segment must overlap to count as its text.
const COVERED_S: f64 = 0.2;

impl TimeMap {
    /// The packed regions no segment (call times) speaks for. In a packed window Whisper
    /// sometimes jumps past whole regions — three agent turns, 20 s of speech, on a Mandarin
    /// service call — so these get a Whisper call of their own. None for a single region.
    pub(super) fn skipped(&self, heard: &[(f64, f64)]) -> Vec<Piece> {
        if self.0.len() < 2 {
            return Vec::new();
        }
        self.0
            .iter()
            .filter(|p| p.len_s >= MIN_RETRY_S)
            .filter(|p| {
                !heard
                    .iter()
                    .any(|&(a, b)| b.min(p.call_s + p.len_s) - a.max(p.call_s) > COVERED_S)
            })
            .copied()
            .collect()
    }
}

/// Group consecutive regions (sample ranges) so that each group, with PACK_GAP_S between its
/// regions, lasts at most `window_s`; a longer region is a group of its own.
pub(super) fn pack(
    regions: &[(usize, usize)],
    rate: u32,
    window_s: f64,
) -> Vec<Vec<(usize, usize)>> {
    let max = (window_s * f64::from(rate)) as usize;
    let gap = (PACK_GAP_S * f64::from(rate)) as usize;
    let mut groups: Vec<Vec<(usize, usize)>> = Vec::new();
    let mut len = 0;
    for &(a, b) in regions {
        match groups.last_mut() {
            Some(g) if len + gap + (b - a) <= max => {
                g.push((a, b));
                len += gap + (b - a);
            }
            _ => {
                groups.push(vec![(a, b)]);
                len = b - a;
            }
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_pack_into_windows_and_times_map_back() {
        let r = 16_000;
        // 10 s, 10 s, 10 s, 40 s regions: the first two fit 28 s with the gap, the third does
        // not, the long one stands alone; 0 packs nothing
        let regions = [
            (0, 10 * r),
            (20 * r, 30 * r),
            (40 * r, 50 * r),
            (60 * r, 100 * r),
        ];
        let groups = pack(&regions, 16_000, 28.0);
        assert_eq!(groups.iter().map(Vec::len).collect::<Vec<_>>(), [2, 1, 1]);
        assert_eq!(pack(&regions, 16_000, 0.0).len(), 4);
        let map = TimeMap(vec![
            Piece {
                window_s: 0.0,
                call_s: 3.0,
                len_s: 10.0,
            },
            Piece {
                window_s: 10.5,
                call_s: 20.0,
                len_s: 10.0,
            },
        ]);
        assert_eq!((map.start(0.0), map.end(0.0)), (3.0, 3.0));
        assert_eq!((map.start(4.0), map.end(4.0)), (7.0, 7.0));
        assert_eq!(map.end(10.0), 13.0);
        assert_eq!(
            map.start(10.2),
            20.0,
            "a start in the gap: the next region's start"
        );
        assert_eq!(
            map.end(10.2),
            13.0,
            "an end in the gap: the region before's end"
        );
        assert_eq!(
            map.end(10.5),
            13.0,
            "an end at the next start belongs before"
        );
        assert_eq!((map.start(11.5), map.end(11.5)), (21.0, 21.0));
        assert_eq!(map.end(25.0), 30.0, "past the end: the last region's end");
    }

    #[test]
    fn regions_whisper_jumped_past_are_found() {
        // Z004's agent channel packed into one window: Whisper gave the greeting and the
        // closing, nothing for the three turns between (call times, s)
        let piece = |call_s: f64, len_s: f64| Piece {
            window_s: 0.0,
            call_s,
            len_s,
        };
        let map = TimeMap(vec![
            piece(0.8, 6.2),
            piece(10.7, 6.5),
            piece(20.0, 3.8),
            piece(24.9, 6.5),
            piece(33.2, 5.8),
            piece(40.0, 0.6),
        ]);
        let heard = [(0.8, 7.1), (33.2, 39.0)];
        let calls: Vec<f64> = map.skipped(&heard).iter().map(|p| p.call_s).collect();
        assert_eq!(calls, [10.7, 20.0, 24.9], "the 0.6 s region is let be");
        // a segment's edge 0.1 s into a region is not its text; one region alone is never retried
        assert_eq!(map.skipped(&[(0.0, 10.8), (20.0, 40.6)]).len(), 1);
        assert!(TimeMap(vec![piece(0.0, 5.0)]).skipped(&[]).is_empty());
    }
}
