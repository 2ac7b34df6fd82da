//! Stage: the audio front end. Turns any recording a phone system exports into planar f32
//! samples per channel, resamples to the 16 kHz that Whisper and the analysis stage work at,
//! and finds where each channel has speech (both transcription and analysis use that).

mod collect;
mod decode;
mod gsm;
mod identify;
mod levels;
mod repair;
mod resample;
mod tones;
pub mod vad;

use std::path::PathBuf;

use serde::Serialize;

pub use decode::{DecodedChannel, decode, decode_channel};
pub use levels::{ChannelLevels, channel_levels};
pub use resample::{TARGET_RATE, resample, resample_channel, resample_i16, to_i16, to_target_rate};
pub use vad::{VadConfig, flush_denormal, speech_intervals};

/// Decoded audio: one `Vec<f32>` per channel, samples in [-1, 1], channels never mixed,
/// because call recorders put agent and customer on separate channels.
#[derive(Debug, Clone)]
pub struct Audio {
    pub rate: u32,
    pub channels: Vec<Vec<f32>>,
    pub source: SourceInfo,
}

impl Audio {
    pub fn frames(&self) -> usize {
        self.channels.first().map_or(0, Vec::len)
    }

    pub fn duration_s(&self) -> f64 {
        self.frames() as f64 / f64::from(self.rate)
    }

    /// Audio made in memory (generated calls, tests): its source is 32-bit float PCM.
    pub fn from_channels(rate: u32, channels: Vec<Vec<f32>>) -> Self {
        let source = SourceInfo {
            format: "memory".into(),
            codec: "pcm_f32".into(),
            sample_rate: rate,
            channels: channels.len(),
            bits_per_sample: Some(32),
            decode_warnings: Vec::new(),
        };
        Audio {
            rate,
            channels,
            source,
        }
    }
}

/// What the file said about itself, kept after resampling for reports.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SourceInfo {
    /// Container, e.g. `wave`, `flac`, `mp3`, `ogg`, `isomp4`.
    pub format: String,
    /// Codec short name, e.g. `pcm_mulaw`, `pcm_s16le`, `flac`, `mp3`, `vorbis`, `aac`.
    pub codec: String,
    pub sample_rate: u32,
    pub channels: usize,
    pub bits_per_sample: Option<u32>,
    /// What decoding repaired and the call's measures rest on: samples that were not numbers
    /// (set to silence), float samples beyond full scale (clipped), damaged data decoded around,
    /// streams skipped. Empty for a clean file.
    pub decode_warnings: Vec<String>,
}

/// Why a file could not be turned into audio. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum AudioError {
    #[error("{path}: cannot open: {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: is a directory, not an audio file")]
    IsDirectory { path: PathBuf },
    #[error("{path}: not a regular file (a FIFO or device): not read")]
    NotAFile { path: PathBuf },
    #[error("{path}: empty file (0 bytes)")]
    Empty { path: PathBuf },
    #[error("{path}: not a recognised audio file (no WAV, FLAC, MP3, Ogg or MP4 header found)")]
    UnknownFormat { path: PathBuf },
    #[error("{path}: unsupported codec: {detail}")]
    UnsupportedCodec { path: PathBuf, detail: String },
    #[error("{path}: no audio track")]
    NoAudioTrack { path: PathBuf },
    #[error("{path}: no audio samples (the file's audio data is empty)")]
    NoSamples { path: PathBuf },
    #[error("{path}: truncated: {detail}")]
    Truncated { path: PathBuf, detail: String },
    #[error("{path}: corrupt audio: {detail}")]
    Corrupt { path: PathBuf, detail: String },
    #[error(
        "{path}: longer than {hours} hours: not one call (a logger's dump?); split it, e.g. \
         ffmpeg -i FILE -f segment -segment_time 3600 -c copy part%03d.wav"
    )]
    TooLong { path: PathBuf, hours: u32 },
    #[error("cannot resample {from} Hz to {to} Hz: {detail}")]
    Resample { from: u32, to: u32, detail: String },
}

/// One chunk of a RIFF file: its id, where its body starts and the length its header gives.
pub(super) struct RiffChunk {
    pub id: [u8; 4],
    pub start: usize,
    pub len: u64,
}

/// The chunks of a RIFF/WAVE file's first `bytes`, in order. A chunk of odd length is followed
/// by a pad byte, unless the writer left it out: then the next chunk's id starts right after
/// the body, and that is where it is read (as ffmpeg does).
pub(super) fn riff_layout(bytes: &[u8]) -> Vec<RiffChunk> {
    let looks_like_id = |at: usize| {
        bytes
            .get(at..at.saturating_add(4))
            .is_some_and(|id| id.iter().all(|b| (0x20..0x7F).contains(b)))
    };
    let mut out = Vec::new();
    let mut pos = 12;
    while pos + 8 <= bytes.len() {
        let id: [u8; 4] = bytes[pos..pos + 4].try_into().expect("4 bytes");
        let len = u32::from_le_bytes(bytes[pos + 4..pos + 8].try_into().expect("4 bytes"));
        let start = pos + 8;
        let end = start.saturating_add(len as usize);
        out.push(RiffChunk {
            id,
            start,
            len: u64::from(len),
        });
        pos = if len & 1 == 1 && !looks_like_id(end + 1) && looks_like_id(end) {
            end
        } else {
            end.saturating_add(len as usize & 1)
        };
    }
    out
}

/// A RIFF/WAVE file's chunks: id, body, and whether the file ends before the body does.
fn riff_chunks(bytes: &[u8]) -> Vec<(&[u8], &[u8], bool)> {
    riff_layout(bytes)
        .into_iter()
        .map(|c| {
            let start = c.start.min(bytes.len());
            let end = c.start.saturating_add(c.len as usize);
            let id = &bytes[start - 8..start - 4];
            (id, &bytes[start..end.min(bytes.len())], end > bytes.len())
        })
        .collect()
}
