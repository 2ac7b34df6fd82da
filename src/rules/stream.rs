//! A speaker's segments as one normalised character stream: what the rules scan.

use std::cell::OnceCell;

use super::matcher::Present;
use super::normalise::normalise;
use super::redact::{EMAIL_MARK, Mask, mask_at, masked};
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
    /// Per segment, what redaction hides of its text (empty: nothing, or raw text kept).
    masks: Vec<&'a [Mask]>,
    sounds: OnceCell<Vec<Heard>>,
    present: OnceCell<Present>,
}

impl<'a> Stream<'a> {
    pub(super) fn new(segs: &[&'a Segment]) -> Self {
        Self::masked(segs, vec![&[]; segs.len()])
    }

    /// A stream whose quotes ([`Stream::span`], [`Stream::text`]) are cut from the segments'
    /// masked text: `masks[k]` is what redaction hides of segment k.
    pub(super) fn masked(segs: &[&'a Segment], masks: Vec<&'a [Mask]>) -> Self {
        let mut s = Stream {
            segs: segs.to_vec(),
            chars: Vec::new(),
            seg_of: Vec::new(),
            src: Vec::new(),
            masks,
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
            let len = self.segs[k].text.chars().count();
            let from = if k == a { self.src[start] } else { 0 };
            let to = if k == b { self.src[end - 1] + 1 } else { len };
            text += &self.quote(k, from.min(len), to.min(len));
        }
        (t_start, t_end, text)
    }

    /// Segment k's text, chars [from, to), as redaction leaves it.
    pub(super) fn quote(&self, k: usize, from: usize, to: usize) -> String {
        let chars: Vec<char> = self.segs[k].text.chars().collect();
        masked(&chars, self.masks[k], from, to)
    }

    /// Whether segment k has anything masked.
    pub(super) fn has_masks(&self, k: usize) -> bool {
        !self.masks[k].is_empty()
    }

    /// The normalised stream chars [start, end), with what redaction hides of their source
    /// characters as `*` (an e-mail address as one mark).
    pub(super) fn text(&self, start: usize, end: usize) -> String {
        let mut out = String::new();
        let mut last_email = None;
        for i in start..end {
            let k = self.seg_of[i];
            match mask_at(self.masks[k], self.src[i]) {
                Some(m) if m.whole => {
                    if last_email != Some((k, m.start)) {
                        out.push_str(EMAIL_MARK);
                    }
                    last_email = Some((k, m.start));
                }
                Some(_) if self.chars[i].is_alphanumeric() => out.push('*'),
                _ => out.push(self.chars[i]),
            }
        }
        out
    }
}
