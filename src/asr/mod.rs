//! Stage: transcription. Each channel of a call is transcribed on its own (stereo recorders put
//! agent and customer on separate channels) with whisper.cpp via whisper-rs; only the speech
//! regions found by the voice activity detector reach Whisper, since it hallucinates on silence and pays a
//! full 30 s window per call.
//! The gate is the front end's VAD ([`speech_intervals`]) with wider margins ([`asr_gate`]).

use std::path::Path;

use whisper_rs::{FullParams, SamplingStrategy, WhisperContext, WhisperContextParameters};

use crate::audio::{Audio, TARGET_RATE, speech_intervals};
use crate::call::{CallFacts, Language, Speaker};

mod nonspeech;
mod second;
mod window;
use nonspeech::is_non_speech;
use second::Recorder;
use window::{PACK_GAP_S, Piece, TimeMap, pack, region_parts};

mod settings;
mod transcript;
mod units;
use settings::min_rate;
pub use settings::{AsrConfig, asr_gate, fitted_audio_ctx};
pub use transcript::{SecondChoice, Segment, Transcript};
pub use units::transcript_units;

#[derive(Debug, thiserror::Error)]
pub enum AsrError {
    #[error(
        "{path}: cannot load Whisper model: {detail} (build one with `make models`, or pass --model PATH to any ggml Whisper model)"
    )]
    ModelLoad { path: String, detail: String },
    #[error("audio must be {TARGET_RATE} Hz for Whisper, got {0} Hz")]
    Rate(u32),
    #[error("whisper failed: {0}")]
    Whisper(String),
}

/// What every Whisper call over one channel shares.
#[derive(Clone, Copy)]
struct Channel<'a> {
    speaker: Speaker,
    language: Language,
    cfg: &'a AsrConfig,
}

/// A loaded Whisper model, shared by all calls and threads (each call makes its own state).
pub struct Transcriber {
    ctx: WhisperContext,
    model_id: String,
}

impl Transcriber {
    pub fn load(path: &Path) -> Result<Self, AsrError> {
        whisper_rs::install_logging_hooks(); // whisper.cpp's chatter stays off stderr
        let err = |detail: String| AsrError::ModelLoad {
            path: path.display().to_string(),
            detail,
        };
        if !path.is_file() {
            return Err(err("no such file".into()));
        }
        let p = path
            .to_str()
            .ok_or_else(|| err("path is not UTF-8".into()))?;
        let ctx = WhisperContext::new_with_params(p, WhisperContextParameters::default())
            .map_err(|e| err(format!("{e:?}")))?;
        let model_id = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(Transcriber { ctx, model_id })
    }

    pub fn model_id(&self) -> &str {
        &self.model_id
    }

    /// Transcribe every channel of a 16 kHz call; segments come back sorted by start time.
    pub fn transcribe(
        &self,
        audio: &Audio,
        facts: &CallFacts,
        cfg: &AsrConfig,
    ) -> Result<Transcript, AsrError> {
        if audio.rate != TARGET_RATE {
            return Err(AsrError::Rate(audio.rate));
        }
        let mut tr = self.start(facts.language);
        for (ch, samples) in audio.channels.iter().enumerate() {
            let speaker = facts.speaker(audio.channels.len(), ch);
            self.transcribe_channel(samples, speaker, cfg, &mut tr)?;
        }
        tr.sort();
        Ok(tr)
    }

    /// An empty transcript for [`Transcriber::transcribe_channel`] to fill, one channel at a
    /// time (a long call need not hold all its channels at 16 kHz at once); sort its segments
    /// by start when done.
    pub fn start(&self, language: Language) -> Transcript {
        Transcript {
            model: self.model_id.clone(),
            ..Transcript::empty(language)
        }
    }

    /// Transcribe one 16 kHz channel spoken by `speaker`, adding its segments to `tr`.
    pub fn transcribe_channel(
        &self,
        samples: &[f32],
        speaker: Speaker,
        cfg: &AsrConfig,
        tr: &mut Transcript,
    ) -> Result<(), AsrError> {
        let rate = f64::from(TARGET_RATE);
        let regions: Vec<(usize, usize)> = if cfg.gate {
            speech_intervals(samples, TARGET_RATE, &cfg.gate_config)
                .iter()
                .map(|i| {
                    (
                        (i.start * rate) as usize,
                        ((i.end * rate) as usize).min(samples.len()),
                    )
                })
                .collect()
        } else {
            vec![(0, samples.len())]
        };
        let gap = vec![0.0f32; (PACK_GAP_S * rate) as usize];
        let window_s = if cfg.window_languages.contains(&tr.language) {
            cfg.window_s
        } else {
            0.0
        };
        let channel = Channel {
            speaker,
            language: tr.language,
            cfg,
        };
        for group in pack(&regions, TARGET_RATE, window_s) {
            let mut window: Vec<f32> = Vec::new();
            let mut pieces = Vec::new();
            for (a, b) in group {
                if !window.is_empty() {
                    window.extend_from_slice(&gap);
                }
                pieces.push(Piece {
                    window_s: window.len() as f64 / rate,
                    call_s: a as f64 / rate,
                    len_s: (b - a) as f64 / rate,
                });
                window.extend_from_slice(&samples[a..b]);
                tr.transcribed_s += (b - a) as f64 / rate;
            }
            let map = TimeMap(pieces);
            let mut packed = Vec::new();
            let origin = self.transcribe_window(&window, &map, channel, &mut packed)?;
            self.retry_thin(samples, &map, channel, packed, origin, tr)?;
        }
        Ok(())
    }

    /// Gives the regions of a packed window that Whisper left (nearly) without text a Whisper
    /// call of their own, and adds the window's segments to `tr`. `origin` is the Whisper
    /// segment each of `packed`'s parts was cut from.
    fn retry_thin(
        &self,
        samples: &[f32],
        map: &TimeMap,
        channel: Channel,
        packed: Vec<Segment>,
        origin: Vec<usize>,
        tr: &mut Transcript,
    ) -> Result<(), AsrError> {
        let rate = f64::from(TARGET_RATE);
        let language = channel.language;
        let units = |s: &Segment| transcript_units(&s.text, language);
        let heard: Vec<(f64, f64, usize)> =
            packed.iter().map(|s| (s.start, s.end, units(s))).collect();
        // each part with its Whisper segment in the window; None: from a region's own call
        let mut parts: Vec<(Segment, Option<usize>)> = packed
            .into_iter()
            .zip(origin.into_iter().map(Some))
            .collect();
        // (region, whether its packed text goes even when the solo text is not longer)
        let mut todo: Vec<(Piece, bool)> = map
            .skipped(&heard, min_rate(language))
            .into_iter()
            .map(|p| (p, false))
            .collect();
        let mut done: Vec<Piece> = Vec::new();
        while let Some((p, forced)) = todo.pop() {
            if done.contains(&p) {
                continue;
            }
            done.push(p);
            let a = (p.call_s * rate) as usize;
            let b = (a + (p.len_s * rate) as usize).min(samples.len());
            let alone = TimeMap(vec![Piece { window_s: 0.0, ..p }]);
            let mut solo = Vec::new();
            self.transcribe_window(&samples[a..b], &alone, channel, &mut solo)?;
            let in_region = |s: &Segment| p.overlap(s.start, s.end) > 0.0;
            let said: usize = parts
                .iter()
                .filter(|s| in_region(&s.0))
                .map(|s| units(&s.0))
                .sum();
            let solo_said: usize = solo.iter().map(units).sum();
            // the region's own transcription replaces the packed text if it says far more
            if solo_said <= if forced { said } else { 2 * said } {
                continue;
            }
            // Whisper may have heard this region as the end of the sentence before it (two
            // identical sentences in one window come back as one, its token times spread over
            // both): the other regions that sentence's text lies in are transcribed alone too.
            let sentences: Vec<usize> = parts
                .iter()
                .filter(|s| in_region(&s.0))
                .filter_map(|s| s.1)
                .collect();
            for (s, o) in &parts {
                if o.is_some_and(|o| sentences.contains(&o)) && !in_region(s) {
                    todo.push((map.0[map.piece_of_call(s.start)], true));
                }
            }
            parts.retain(|s| !in_region(&s.0));
            parts.extend(solo.into_iter().map(|s| (s, None)));
        }
        tr.segments.extend(parts.into_iter().map(|s| s.0));
        Ok(())
    }

    /// One Whisper call over `samples`; times come back through `map` to the call's clock.
    /// Returns, for each segment added to `out`, the Whisper segment it was cut from.
    fn transcribe_window(
        &self,
        samples: &[f32],
        map: &TimeMap,
        channel: Channel,
        out: &mut Vec<Segment>,
    ) -> Result<Vec<usize>, AsrError> {
        let Channel {
            speaker,
            language,
            cfg,
        } = channel;
        let werr = |e: whisper_rs::WhisperError| AsrError::Whisper(format!("{e:?}"));
        let mut state = self.ctx.create_state().map_err(werr)?;
        let mut params = FullParams::new(SamplingStrategy::Greedy { best_of: 1 });
        params.set_n_threads(cfg.threads.max(1) as i32);
        params.set_print_progress(false);
        params.set_print_realtime(false);
        params.set_print_special(false);
        params.set_print_timestamps(false);
        params.set_suppress_blank(true);
        params.set_token_timestamps(true);
        match language {
            Language::Auto => params.set_language(None),
            Language::Zh => params.set_language(Some("zh")),
            Language::En => params.set_language(Some("en")),
        }
        // Steers Whisper toward simplified characters and punctuation, and the rules' words.
        let prompt = format!("以下是普通话的句子。{}", cfg.zh_vocabulary);
        if language == Language::Zh {
            params.set_initial_prompt(&prompt);
        }
        // Whisper needs at least 1 s; shorter regions are padded with silence at the end.
        let padded;
        let input = if samples.len() < TARGET_RATE as usize {
            padded = [
                samples,
                &vec![0.0; TARGET_RATE as usize + 1600 - samples.len()],
            ]
            .concat();
            &padded[..]
        } else {
            samples
        };
        if cfg.audio_ctx {
            params.set_audio_ctx(fitted_audio_ctx(
                input.len() as f64 / f64::from(TARGET_RATE),
            ));
        }
        let eot = self.ctx.token_eot();
        let recorder = Recorder::new(eot, self.ctx.n_vocab());
        if cfg.second_choice_p < 1.0 {
            // SAFETY: `recorder` outlives `state.full`, the only call that uses the callback.
            unsafe {
                params.set_filter_logits_callback(Recorder::CALLBACK);
                params.set_filter_logits_callback_user_data(
                    std::ptr::from_ref(&recorder).cast_mut().cast(),
                );
            }
        }
        state.full(params, input).map_err(werr)?;
        let token_text = |id| {
            let b = self.ctx.token_to_bytes(id).ok()?;
            String::from_utf8(b.to_vec()).ok()
        };
        let mut context = Vec::new(); // the window's text tokens so far
        let mut origin = Vec::new();
        for (n, seg) in state.as_iter().enumerate() {
            let full = seg.to_str_lossy().map_err(werr)?.into_owned();
            // Text tokens: their bytes make up the segment text, each with its times.
            let mut pieces: Vec<(usize, f64, f64)> = Vec::new(); // (byte end, t0, t1) window s
            let mut probs = Vec::new();
            let mut tokens = Vec::new(); // (id, byte start, byte end)
            let mut bytes = 0;
            for t in (0..seg.n_tokens())
                .filter_map(|i| seg.get_token(i))
                .filter(|t| t.token_id() < eot)
            {
                let data = t.token_data();
                let from = bytes;
                bytes += t.to_bytes().map_or(0, <[u8]>::len);
                pieces.push((bytes, data.t0 as f64 / 100.0, data.t1 as f64 / 100.0));
                probs.push(t.token_probability());
                tokens.push((t.token_id(), from, bytes));
            }
            let choices = if bytes == full.len() {
                let min_p = cfg.second_choice_p;
                second::segment_choices(&recorder, token_text, &full, &tokens, &mut context, min_p)
            } else {
                context.extend(tokens.iter().map(|t| t.0));
                Vec::new()
            };
            let raw = full.trim().to_string();
            if raw.is_empty() || is_non_speech(&raw) {
                continue;
            }
            let avg_token_p = if probs.is_empty() {
                0.0
            } else {
                probs.iter().sum::<f32>() / probs.len() as f32
            };
            // whisper timestamps are centiseconds from the window start
            let start = map.start(seg.start_timestamp() as f64 / 100.0);
            let end = map.end(seg.end_timestamp() as f64 / 100.0).max(start);
            let no_speech_p = seg.no_speech_probability();
            let chars: Vec<char> = raw.chars().collect();
            let full_chars: Vec<char> = full.chars().collect();
            let full_lead = full_chars.len() - full.trim_start().chars().count();
            // each character's token times, in the window
            let window_times: Vec<(f64, f64)> = if bytes == full.len() {
                let lead = full.len() - full.trim_start().len();
                raw.char_indices()
                    .map(|(b, _)| {
                        let k = pieces
                            .partition_point(|p| p.0 <= lead + b)
                            .min(pieces.len() - 1);
                        (pieces[k].1, pieces[k].2)
                    })
                    .collect()
            } else {
                Vec::new() // token bytes do not add up to the text: no per-character times
            };
            let parts = if window_times.is_empty() || map.0.len() < 2 {
                vec![(0, chars.len(), None)]
            } else {
                let region: Vec<usize> = window_times.iter().map(|t| map.piece_of(t.0)).collect();
                region_parts(&region, &chars)
                    .into_iter()
                    .map(|(a, b, r)| (a, b, Some(map.0[r])))
                    .collect()
            };
            for (a, b, region) in parts {
                // a part is its region's share of the segment
                let (start, end) = match region {
                    Some(p) => (start.max(p.call_s), end.min(p.call_s + p.len_s)),
                    None => (start, end),
                };
                let end = end.max(start);
                let raw: String = chars[a..b].iter().collect::<String>();
                let lead = raw.chars().take_while(|c| c.is_whitespace()).count();
                let raw = raw.trim().to_string();
                if raw.is_empty() {
                    continue;
                }
                let char_times = if window_times.is_empty() {
                    Vec::new()
                } else {
                    window_times[a + lead..a + lead + raw.chars().count()]
                        .iter()
                        .map(|&(t0, t1)| {
                            (
                                map.start(t0).clamp(start, end),
                                map.end(t1).clamp(start, end),
                            )
                        })
                        .collect()
                };
                let second_choices = second::part_choices(
                    &choices,
                    &full_chars,
                    full_lead + a + lead,
                    raw.chars().count(),
                );
                origin.push(n);
                out.push(Segment {
                    speaker,
                    start,
                    end,
                    text: normalise_text(&raw),
                    raw_text: raw,
                    avg_token_p,
                    no_speech_p,
                    char_times,
                    second_choices,
                });
            }
        }
        Ok(origin)
    }
}

/// Traditional → simplified Chinese (Whisper often answers in traditional); other text as is.
pub fn normalise_text(raw: &str) -> String {
    fast2s::convert(raw)
}
