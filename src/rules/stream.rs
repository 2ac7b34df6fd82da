//! A speaker's segments as one normalised character stream: what the rules scan.

use std::cell::OnceCell;

use super::matcher::Present;
use super::normalise::normalise;
use super::sound::{self, Heard};
use crate::asr::Segment;

/// One speaker's segments as one normalised character stream, so that phrases and numbers
/// split across segment boundaries are still found; each character knows its segment.
pub(super) struct Stream<'a> {
    pub(super) segs: Vec<&'a Segment>,
    pub(super) chars: Vec<char>,
    pub(super) seg_of: Vec<usize>,
    /// Per stream char, the index of its source char in its segment's text.
    pub(super) src: Vec<usize>,
    sounds: OnceCell<Vec<Heard>>,
    present: OnceCell<Present>,
}

impl<'a> Stream<'a> {
    pub(super) fn new(segs: &[&'a Segment]) -> Self {
        let mut s = Stream {
            segs: segs.to_vec(),
            chars: Vec::new(),
            seg_of: Vec::new(),
            src: Vec::new(),
            sounds: Default::default(),
            present: Default::default(),
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

    pub(super) fn sounds(&self) -> &[Heard] {
        self.sounds
            .get_or_init(|| self.chars.iter().map(|&c| sound::heard(c)).collect())
    }

    pub(super) fn present(&self) -> &Present {
        self.present
            .get_or_init(|| Present::of(&self.chars, self.sounds()))
    }

    /// Times and transcribed text of stream characters [start, end): from Whisper's token times
    /// where the segment has them, else the segments' bounds.
    pub(super) fn span(&self, start: usize, end: usize) -> (f64, f64, String) {
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

    pub(super) fn text(&self, start: usize, end: usize) -> String {
        self.chars[start..end].iter().collect()
    }
}
