//! The `[asr]` settings: what is transcribed, how, and how the encoder is sized.

use serde::{Deserialize, Serialize};

use crate::audio::VadConfig;
use crate::call::{CallFacts, Language};

/// Transcription settings (the `[asr]` table of the config file).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AsrConfig {
    /// `zh`, `en`, or `auto` (Whisper detects it per region): the default for calls whose
    /// manifest row does not say.
    pub language: Language,
    /// Which channel of a stereo file is the agent (0 = left), unless the manifest says.
    pub agent_channel: usize,
    /// Whisper threads per call.
    pub threads: usize,
    /// Send only speech regions to Whisper (off: whole channels).
    pub gate: bool,
    pub gate_config: VadConfig,
    /// Pack a channel's consecutive speech regions into one Whisper call of up to this many
    /// seconds (0: one call per region). whisper.cpp encodes a full 30 s window per call however
    /// short the audio, so packing transcribes Mandarin calls ≈ 4× faster, and the longer context
    /// lowers CER (README, Transcription).
    pub window_s: f64,
    /// The call languages `window_s` packs; the others get one call per region.
    pub window_languages: Vec<Language>,
    /// Mandarin: prime Whisper with the rules' own words (the company, 工号, a greeting and a
    /// closing) so that it spells them as the rules do (README, Evaluation, for its effect).
    pub domain_prompt: bool,
    /// Size Whisper's encoder to the audio sent (plus a margin) instead of a full 30 s window:
    /// the encoder's cost grows with its context, and a channel's last window is seldom full.
    pub audio_ctx: bool,
    /// Keep Whisper's second choice for a token where it gave it at least this probability
    /// (1 or more: keep none). Greedy decoding writes only the first choice; the rules also look
    /// for forbidden phrases in the second choices (README, Rules).
    pub second_choice_p: f32,
    /// Those words, filled in from the rules when `domain_prompt` is on (never from the file).
    #[serde(skip)]
    pub zh_vocabulary: String,
}

/// Rate units a second below which a packed region's text is too thin to be all of it (normal
/// speech: 3–5 Mandarin characters, 2–3 English words a second; a region is speech with pauses
/// under 1 s bridged).
pub(super) fn min_rate(language: Language) -> f64 {
    match language {
        Language::En => 0.8,
        _ => 2.0,
    }
}

/// Encoder frames per second of audio (Whisper: 1500 for 30 s).
const CTX_PER_S: f64 = 50.0;
/// Context beyond the audio's own length: Whisper's last timestamp tokens and end-of-text
/// need room past the final word.
const CTX_MARGIN_S: f64 = 1.0;
/// The smallest context: fitted exactly to 2–5 s regions, Whisper base lost 3 points of CER on
/// the Mandarin service calls (Z001–Z040: 905 edits against 740 with 3 s of margin); with at
/// least 10 s it made 744 (README, Transcription).
const CTX_MIN_S: f64 = 10.0;

/// The encoder context for `len_s` seconds of audio when `[asr] audio_ctx` is on.
pub fn fitted_audio_ctx(len_s: f64) -> i32 {
    (((len_s + CTX_MARGIN_S).max(CTX_MIN_S) * CTX_PER_S).ceil() as i32).min(1500)
}

impl Default for AsrConfig {
    fn default() -> Self {
        AsrConfig {
            language: Language::Zh,
            agent_channel: 0,
            threads: 2,
            gate: true,
            gate_config: asr_gate(),
            window_s: 28.0,
            window_languages: vec![Language::Zh, Language::En],
            domain_prompt: false,
            audio_ctx: true,
            second_choice_p: 0.05,
            zh_vocabulary: String::new(),
        }
    }
}

impl AsrConfig {
    /// Numbers a typo would quietly turn into something else: `window_s = nan` packs nothing,
    /// `second_choice_p = 5` (meant as 5 %) keeps no second choice.
    pub fn validate(&self) -> Result<(), String> {
        if !(0.0..=30.0).contains(&self.window_s) {
            return Err(format!(
                "[asr] window_s = {}: must be in [0, 30] (Whisper's window is 30 s; 0: no packing)",
                self.window_s
            ));
        }
        if !(0.0..=1.0).contains(&self.second_choice_p) {
            return Err(format!(
                "[asr] second_choice_p = {}: must be a probability in [0, 1] (1: keep none)",
                self.second_choice_p
            ));
        }
        self.gate_config.validate("[asr.gate_config]")
    }

    /// The call facts a call has when its manifest row gives none.
    pub fn call_defaults(&self) -> CallFacts {
        CallFacts {
            agent_channel: self.agent_channel,
            language: self.language,
            mono_agent: None,
        }
    }
}

/// The speech gate in front of Whisper: the analysis VAD, with wider margins. A 1 s merge gap
/// keeps a speaker's sentence in one Whisper call (context helps it); 0.25 s padding keeps soft
/// word edges.
pub fn asr_gate() -> VadConfig {
    VadConfig {
        merge_gap_s: 1.0,
        pad_s: 0.25,
        min_speech_s: 0.15,
        ..VadConfig::default()
    }
}
