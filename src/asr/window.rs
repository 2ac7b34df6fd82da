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
    /// Which packed region a window time belongs to; a time in the silence between two regions
    /// belongs to the next one (Whisper's start times run early).
    pub(super) fn piece_of(&self, t: f64) -> usize {
        let k = self.0.partition_point(|p| p.window_s <= t).max(1) - 1;
        match self.0.get(k + 1) {
            Some(_) if t > self.0[k].window_s + self.0[k].len_s => k + 1,
            _ => k,
        }
    }
    /// The piece holding call time `t` (the last one starting at or before it).
    pub(super) fn piece_of_call(&self, t: f64) -> usize {
        self.0.partition_point(|p| p.call_s <= t).max(1) - 1
    }
    pub(super) fn start(&self, t: f64) -> f64 {
        let p = self.0[self.piece_of(t)];
        p.call_s + (t - p.window_s).clamp(0.0, p.len_s)
    }
    pub(super) fn end(&self, t: f64) -> f64 {
        let k = self.0.partition_point(|p| p.window_s < t).max(1) - 1;
        let p = self.0[k];
        p.call_s + (t - p.window_s).clamp(0.0, p.len_s)
    }
}

/// Where a packed segment's text changes region: the character ranges of its parts and each
/// part's region, given each character's region (from Whisper's token times, read as never
/// going back). One segment of a packed window can run over several regions and 30 s; cut at
/// the regions, its parts start where the speech did, as they would unpacked, and a rule's
/// window (the greeting's first 15 s) reads the right words.
pub(super) fn region_parts(region: &[usize], chars: &[char]) -> Vec<(usize, usize, usize)> {
    let wordy = |i: usize| chars[i].is_alphanumeric();
    let mut parts: Vec<(usize, usize, usize)> = Vec::new(); // (from, to, region)
    let mut at = 0;
    for (i, &r) in region.iter().enumerate() {
        at = at.max(r);
        match parts.last_mut() {
            Some(p) if p.2 == at => p.1 = i + 1,
            _ => parts.push((i, i + 1, at)),
        }
    }
    // Token times near a gap run a character or two off either way (信息。| timed in the next
    // region, |这不归我管 in the one before, 问题。 at the segment's end in the next), or a word
    // to three in English (Yes, what did| it?), while Whisper ends a sentence where the speech
    // paused: cut at the nearest stop within reach (a full stop, or the segment's end after its
    // stop, before a comma as near), else at the nearest word start, else where the times say.
    let n = chars.len();
    let latin = chars.iter().filter(|c| c.is_ascii_alphabetic()).count() * 2
        > chars.iter().filter(|c| c.is_alphanumeric()).count();
    let reach = if latin { 16 } else { 3 };
    // the stop before a word, over the space English puts after it
    let stop_before = |j: usize| {
        chars[..j]
            .iter()
            .rev()
            .find(|c| !c.is_whitespace())
            .copied()
    };
    let sentence_end = |j: usize| {
        (j == n && n > 0 && !wordy(n - 1))
            || (j < n
                && wordy(j)
                && matches!(stop_before(j), Some('。' | '？' | '！' | '?' | '!' | '.')))
    };
    // a comma too; in English not the space between words, nor an apostrophe (That's)
    let any_stop = |j: usize| {
        sentence_end(j)
            || (j < n
                && wordy(j)
                && if latin {
                    matches!(stop_before(j), Some(',' | ';' | ':' | '…'))
                } else {
                    j > 0 && !wordy(j - 1)
                })
    };
    // a word start inside the segment, for English (each Chinese character starts a word)
    let word_start = |j: usize| latin && j > 0 && j < n && wordy(j) && !wordy(j - 1);
    for k in 1..parts.len() {
        let (lo, hi, cut) = (parts[k - 1].0, parts[k].1, parts[k].0);
        let ok = |j: usize| j >= lo && j <= hi && j != usize::MAX;
        let stop = (0..=reach).find_map(|d| {
            let at = [cut + d, cut.wrapping_sub(d)];
            at.into_iter()
                .find(|&j| ok(j) && sentence_end(j))
                .or_else(|| at.into_iter().find(|&j| ok(j) && any_stop(j)))
        });
        let word = || {
            (0..=reach).find_map(|d| {
                [cut + d, cut.wrapping_sub(d)]
                    .into_iter()
                    .find(|&j| ok(j) && word_start(j))
            })
        };
        let cut = stop.or_else(word).unwrap_or(cut);
        parts[k - 1].1 = cut;
        parts[k].0 = cut;
    }
    // a part emptied, or left with a stop alone, joins its neighbour
    let has_word = |p: &(usize, usize, usize)| (p.0..p.1).any(wordy);
    let mut merged: Vec<(usize, usize, usize)> = Vec::new();
    for p in parts.into_iter().filter(|p| p.0 < p.1) {
        match merged.last_mut() {
            Some(last) if !has_word(&p) => last.1 = p.1,
            Some(last) if !has_word(last) => *last = (last.0, p.1, p.2),
            _ => merged.push(p),
        }
    }
    merged
}

/// A packed region shorter than this that Whisper left without text is let be (a breath, a
/// click); a longer one is transcribed again on its own.
const MIN_RETRY_S: f64 = 1.0;
/// How much of a region a segment must overlap to count as its text.
const COVERED_S: f64 = 0.2;
/// A region of at least this long whose text is thinner than `min_rate` units a second is
/// transcribed again too: Whisper heard the start of it and jumped on (a sentence said twice in
/// one window came back once, its second half given to the repeat).
const MIN_THIN_S: f64 = 2.0;

impl TimeMap {
    /// The packed regions Whisper left without text, or with too little: `heard` is each
    /// segment's call times and rate units. In a packed window Whisper sometimes jumps past
    /// whole regions — three agent turns, 20 s of speech, on a Mandarin service call — so these
    /// get a Whisper call of their own. None for a single region.
    pub(super) fn skipped(&self, heard: &[(f64, f64, usize)], min_rate: f64) -> Vec<Piece> {
        if self.0.len() < 2 {
            return Vec::new();
        }
        self.0
            .iter()
            .filter(|p| p.len_s >= MIN_RETRY_S)
            .filter(|p| {
                let units: Option<usize> = heard
                    .iter()
                    .filter(|h| p.overlap(h.0, h.1) > COVERED_S)
                    .map(|h| h.2)
                    .reduce(|a, b| a + b);
                match units {
                    None => true,
                    Some(u) => p.len_s >= MIN_THIN_S && (u as f64) < min_rate * p.len_s,
                }
            })
            .copied()
            .collect()
    }
}

impl Piece {
    /// Seconds of call time [a, b] inside this region.
    pub(super) fn overlap(&self, a: f64, b: f64) -> f64 {
        b.min(self.call_s + self.len_s) - a.max(self.call_s)
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

    /// 10 s from 3 s and 10 s from 20 s of the call, packed with the 0.5 s gap.
    fn two_regions() -> TimeMap {
        let piece = |window_s, call_s| Piece {
            window_s,
            call_s,
            len_s: 10.0,
        };
        TimeMap(vec![piece(0.0, 3.0), piece(10.5, 20.0)])
    }

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
        let map = two_regions();
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
    fn a_packed_segment_is_cut_where_its_region_changes() {
        let map = two_regions();
        assert_eq!(
            [0.0, 9.9, 10.2, 10.6, 25.0].map(|t| map.piece_of(t)),
            [0, 0, 1, 1, 1]
        );
        let parts =
            |region: &[usize], text: &str| region_parts(region, &text.chars().collect::<Vec<_>>());
        // 信息。|我的 with 信息 timed in the next region; 为你说，|这不归 with 这 in the one before
        assert_eq!(
            parts(&[0, 0, 1, 1, 1, 1, 1], "错了信息。我的"),
            [(0, 5, 0), (5, 7, 1)]
        );
        assert_eq!(
            parts(&[0, 0, 0, 0, 0, 1, 1], "为你说，这不归"),
            [(0, 4, 0), (4, 7, 1)]
        );
        // the segment's end is a sentence end, nearer than the comma: 能怪谁呢？ stays
        assert_eq!(
            parts(&[0, 0, 0, 0, 0, 0, 0, 1, 1], "仔细看，能怪谁呢？"),
            [(0, 9, 0)]
        );
        assert_eq!(
            parts(&[0, 0, 0, 0, 0, 0, 1, 1, 1], "一直问同一个问题。").len(),
            1
        );
        assert_eq!(
            parts(&[0, 0, 1, 1, 1], "好的啊我是"),
            [(0, 2, 0), (2, 5, 1)],
            "no stop near: the times decide"
        );
        // English: the stop is a word or three away, past a space; no stop near: a word start
        let timed_from = |text: &str, from: usize| {
            let region: Vec<usize> = (0..text.len()).map(|i| usize::from(i >= from)).collect();
            parts(&region, text)
        };
        let english = "Yes, what did it? That's not my problem.";
        assert_eq!(timed_from(english, 14), [(0, 18, 0), (18, 40, 1)]);
        assert_eq!(timed_from(english, 25), [(0, 18, 0), (18, 40, 1)]);
        // the f16 model timed `your account.` into the next region
        let closing = "Let me confirm the detail on your account. Okay.";
        assert_eq!(timed_from(closing, 29), [(0, 43, 0), (43, 48, 1)]);
        let run_on = "and then we will look at your account for you";
        let cut = timed_from(run_on, 27)[1].0;
        assert_eq!(&run_on[cut..cut + 4], "your", "{cut}");
        // a token time that runs back a region does not open a third part
        assert_eq!(
            parts(&[0, 0, 1, 0, 1, 1, 1, 1], "您好我是小王请问"),
            [(0, 2, 0), (2, 8, 1)]
        );
        assert!(region_parts(&[], &[]).is_empty());
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
        let heard = [(0.8, 7.1, 30), (33.2, 39.0, 25)];
        let calls: Vec<f64> = map.skipped(&heard, 2.0).iter().map(|p| p.call_s).collect();
        assert_eq!(calls, [10.7, 20.0, 24.9], "the 0.6 s region is let be");
        // a segment's edge 0.1 s into a region is not its text; one region alone is never retried
        assert_eq!(
            map.skipped(&[(0.0, 10.8, 30), (20.0, 40.6, 60)], 2.0).len(),
            1
        );
        assert!(TimeMap(vec![piece(0.0, 5.0)]).skipped(&[], 2.0).is_empty());
        // 8 characters for 5.8 s of speech: Whisper jumped on; 10 for 3.8 s is speech
        let heard = [
            (0.8, 7.0, 30),
            (10.7, 17.2, 30),
            (20.0, 23.8, 10),
            (24.9, 31.4, 30),
            (33.2, 39.0, 8),
        ];
        let calls: Vec<f64> = map.skipped(&heard, 2.0).iter().map(|p| p.call_s).collect();
        assert_eq!(calls, [33.2]);
    }

    #[test]
    fn a_call_time_finds_its_region() {
        let map = two_regions(); // call 3–13 s and 20–30 s
        let at = |t| map.piece_of_call(t);
        assert_eq!([at(3.0), at(12.9), at(20.0), at(29.0)], [0, 0, 1, 1]);
        assert_eq!(at(0.5), 0, "before the first region: the first");
    }
}
