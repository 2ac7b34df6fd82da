//! Whisper's second choices: at each text token it wrote, the other text tokens it rated nearly
//! as likely. Greedy decoding keeps only the first choice, and Whisper base on phone speech often
//! puts the said word second ("That's out my problem": `not` was a close second); the rules look
//! at these to find forbidden phrases the first choice missed.

use std::collections::HashMap;
use std::ffi::{c_int, c_void};
use std::sync::Mutex;

use whisper_rs::whisper_rs_sys as sys;

use super::SecondChoice;

/// Text tokens before a step that identify it when the decoded tokens are read back (timestamp
/// tokens are left out: the result's segments do not keep all of them).
const CONTEXT: usize = 4;
/// Candidates kept per step, first choice included.
const KEEP: usize = 3;

/// A step's text-token candidates, most likely first, with their probabilities.
type Candidates = Vec<(i32, f32)>;

/// Collects every decoding step's candidates during one `whisper_full` call.
pub(super) struct Recorder {
    eot: i32,
    n_vocab: usize,
    steps: Mutex<HashMap<u64, Candidates>>,
}

fn key(context: &[i32]) -> u64 {
    // FNV-1a: stable and cheap; a collision only costs a step its second choices
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &id in &context[context.len().saturating_sub(CONTEXT)..] {
        for b in id.to_le_bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

impl Recorder {
    pub(super) fn new(eot: i32, n_vocab: i32) -> Self {
        Recorder {
            eot,
            n_vocab: n_vocab.max(0) as usize,
            steps: Mutex::new(HashMap::new()),
        }
    }

    /// The callback whisper.cpp calls before each token is picked; `user_data` must be a
    /// `*const Recorder` that outlives the `whisper_full` call.
    pub(super) const CALLBACK: sys::whisper_logits_filter_callback = Some(record);

    fn observe(&self, before: &[sys::whisper_token_data], logits: &[f32]) {
        let context: Vec<i32> = before
            .iter()
            .map(|t| t.id)
            .filter(|&id| id < self.eot)
            .collect();
        let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        if !max.is_finite() {
            return;
        }
        // Tokens this far under the best weigh < e^-16 each, under 1 % of the sum however many:
        // skipping them keeps the callback to a compare per token, not an exp (≈ 5 % of a
        // batch's time when every token took one).
        let floor = max - 16.0;
        let text = (self.eot as usize).min(logits.len());
        let mut sum = 0.0f32;
        let mut top: Candidates = Vec::with_capacity(KEEP + 1);
        for (id, &l) in logits.iter().enumerate() {
            if l <= floor {
                continue;
            }
            sum += (l - max).exp();
            if id >= text || (top.len() == KEEP && l <= top[KEEP - 1].1) {
                continue;
            }
            let at = top.partition_point(|c| c.1 >= l);
            top.insert(at, (id as i32, l));
            top.truncate(KEEP);
        }
        for c in &mut top {
            c.1 = (c.1 - max).exp() / sum;
        }
        if let Ok(mut steps) = self.steps.lock() {
            // a later decode of the same window (temperature fallback) is the one kept
            steps.insert(key(&context), top);
        }
    }

    /// The other candidates at the step that wrote text token `id` after the text tokens
    /// `before`, with probability at least `min_p`; empty where the step is not known.
    pub(super) fn others(&self, before: &[i32], id: i32, min_p: f32) -> Vec<(i32, f32)> {
        let Ok(steps) = self.steps.lock() else {
            return Vec::new();
        };
        match steps.get(&key(before)) {
            Some(c) if c.iter().any(|x| x.0 == id) => c
                .iter()
                .filter(|x| x.0 != id && x.1 >= min_p)
                .copied()
                .collect(),
            _ => Vec::new(),
        }
    }
}

unsafe extern "C" fn record(
    _ctx: *mut sys::whisper_context,
    _state: *mut sys::whisper_state,
    tokens: *const sys::whisper_token_data,
    n_tokens: c_int,
    logits: *mut f32,
    user_data: *mut c_void,
) {
    if user_data.is_null() || logits.is_null() {
        return;
    }
    // SAFETY: user_data is the Recorder set with this callback, alive for the whole decode;
    // whisper.cpp passes the tokens decoded so far and the vocabulary's logits.
    let rec = unsafe { &*(user_data as *const Recorder) };
    let before = if tokens.is_null() || n_tokens <= 0 {
        &[][..]
    } else {
        unsafe { std::slice::from_raw_parts(tokens, n_tokens as usize) }
    };
    let logits = unsafe { std::slice::from_raw_parts(logits, rec.n_vocab) };
    rec.observe(before, logits);
}

/// Whisper's second choices for one segment's text tokens `(id, byte start, byte end)` in its
/// text `full`, as chars of `full`. `context` holds the window's text tokens before the segment
/// and is extended by the segment's. Choices that would split a character (a CJK character
/// spread over two tokens) are left out.
pub(super) fn segment_choices(
    rec: &Recorder,
    token_text: impl Fn(i32) -> Option<String>,
    full: &str,
    tokens: &[(i32, usize, usize)],
    context: &mut Vec<i32>,
    min_p: f32,
) -> Vec<SecondChoice> {
    let mut out = Vec::new();
    for &(id, b0, b1) in tokens {
        let others = rec.others(context, id, min_p);
        context.push(id);
        if others.is_empty() || b1 > full.len() {
            continue;
        }
        if !full.is_char_boundary(b0) || !full.is_char_boundary(b1) {
            continue;
        }
        let start = full[..b0].chars().count();
        let end = start + full[b0..b1].chars().count();
        for (other, p) in others {
            if let Some(text) = token_text(other) {
                out.push(SecondChoice {
                    start,
                    end,
                    text,
                    p,
                });
            }
        }
    }
    out
}

/// `choices` (chars of a segment's whole text `chars`) that fall in the part of it that is chars
/// [from, from + len), renumbered from the part's start; a choice reaching into whitespace
/// trimmed before the part loses that whitespace.
pub(super) fn part_choices(
    choices: &[SecondChoice],
    chars: &[char],
    from: usize,
    len: usize,
) -> Vec<SecondChoice> {
    choices
        .iter()
        .filter(|c| c.end > from && c.end <= from + len)
        .filter(|c| c.start >= from || chars[c.start..from].iter().all(|c| c.is_whitespace()))
        .filter_map(|c| {
            let mut c = c.clone();
            if c.start < from {
                c.text = c.text.trim_start().to_string();
                c.start = from;
            }
            c.start -= from;
            c.end -= from;
            (!c.text.is_empty()).then_some(c)
        })
        .collect()
}
