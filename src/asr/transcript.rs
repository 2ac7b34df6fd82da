//! What transcription produces: a call's segments, each with its words' times and Whisper's
//! second choices.

use serde::{Deserialize, Serialize};

use crate::call::{Language, Speaker};

/// One stretch of recognised speech. Times are seconds from call start.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Segment {
    pub speaker: Speaker,
    pub start: f64,
    pub end: f64,
    /// Normalised text (Mandarin in simplified characters).
    pub text: String,
    /// What Whisper wrote, before normalisation.
    pub raw_text: String,
    /// Mean probability of the segment's text tokens.
    pub avg_token_p: f32,
    pub no_speech_p: f32,
    /// Start and end (s from call start) of each character of `raw_text`, from Whisper's token
    /// timestamps; lets findings point at the words, not the whole segment. Empty if unknown.
    #[serde(skip)]
    pub char_times: Vec<(f64, f64)>,
    /// Words Whisper rated nearly as likely as the ones it wrote (see [`SecondChoice`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub second_choices: Vec<SecondChoice>,
}

/// Chars [start, end) of a segment's `raw_text` may have been `text`: Whisper's second choice
/// for the token there, with the probability it gave it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SecondChoice {
    pub start: usize,
    pub end: usize,
    pub text: String,
    pub p: f32,
}

#[derive(Debug, Clone, Serialize)]
pub struct Transcript {
    pub model: String,
    pub language: Language,
    pub segments: Vec<Segment>,
    /// Seconds of audio sent to Whisper after speech gating, all channels together.
    pub transcribed_s: f64,
}

impl Transcript {
    /// No speech heard (a call run without transcription).
    pub fn empty(language: Language) -> Self {
        Transcript {
            model: String::new(),
            language,
            segments: Vec::new(),
            transcribed_s: 0.0,
        }
    }

    /// Segments in time order, channels interleaved.
    pub fn sort(&mut self) {
        self.segments.sort_by(|a, b| a.start.total_cmp(&b.start));
    }
}
