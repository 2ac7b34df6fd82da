//! What a file is when it cannot be decoded: the codec in a WAV header symphonia refuses, the
//! recorder formats no reader here knows (AMR, WMA, Opus, headerless PCM), each named with the
//! conversion that makes it readable, and a probe's refusal as the user's error.

use std::fs::File;
use std::io::ErrorKind;
use std::path::Path;

use symphonia::core::errors::Error as SymError;

use super::{AudioError, riff_chunks};

/// A probe's refusal as the user's error: the codec named where users can convert it.
pub(super) fn probe_error(path: &Path, e: SymError) -> AudioError {
    let p = || path.to_path_buf();
    match e {
        SymError::Unsupported(what) if what.contains("format") => match wav_codec_tag(path) {
            // Symphonia rejects the whole file; say which codec, since users can convert it.
            Some(tag) => AudioError::UnsupportedCodec {
                path: p(),
                detail: format!(
                    "WAV format tag {tag:#06x} ({}); convert it first, e.g. \
                         `ffmpeg -i FILE -c:a pcm_s16le out.wav`",
                    wav_codec_name(tag)
                ),
            },
            None => match known_undecodable(path) {
                Some(what) => AudioError::UnsupportedCodec {
                    path: p(),
                    detail: what.to_string(),
                },
                None => AudioError::UnknownFormat { path: p() },
            },
        },
        // MP4 recorders write the index (`moov`) last: a file without one was cut short.
        SymError::Unsupported(what) if what.contains("moov") => AudioError::Truncated {
            path: p(),
            detail: "no moov atom (the MP4 index, written when recording ends): the file was \
                     cut short"
                .into(),
        },
        // A recognised container whose codec the reader rejects.
        SymError::Unsupported(what) => AudioError::UnsupportedCodec {
            path: p(),
            detail: known_undecodable(path).map_or_else(|| what.to_string(), str::to_string),
        },
        SymError::IoError(e) if e.kind() == ErrorKind::UnexpectedEof => AudioError::Truncated {
            path: p(),
            detail: "file ends inside its header".into(),
        },
        other => AudioError::Corrupt {
            path: p(),
            detail: other.to_string(),
        },
    }
}

/// The format tag of a RIFF/WAVE file's `fmt ` chunk, when it is one symphonia cannot decode.
pub(super) fn wav_codec_tag(path: &Path) -> Option<u16> {
    use std::io::Read;
    let mut head = Vec::with_capacity(4096);
    File::open(path)
        .ok()?
        .take(4096)
        .read_to_end(&mut head)
        .ok()?;
    if head.len() < 12 || &head[0..4] != b"RIFF" || &head[8..12] != b"WAVE" {
        return None;
    }
    let (_, fmt, _) = riff_chunks(&head).into_iter().find(|c| c.0 == b"fmt ")?;
    let tag = u16::from_le_bytes(fmt.get(..2)?.try_into().ok()?);
    // PCM, MS ADPCM, IEEE float, A-law, μ-law, IMA ADPCM, extensible: decodable.
    (![0x0001, 0x0002, 0x0003, 0x0006, 0x0007, 0x0011, 0xFFFE].contains(&tag)).then_some(tag)
}

/// What a file no reader recognises is, where recorders and phones write it and users can
/// convert it: named with the conversion rather than "not a recognised audio file".
pub(super) fn known_undecodable(path: &Path) -> Option<&'static str> {
    use std::io::Read;
    let mut head = [0u8; 64];
    let n = File::open(path).ok()?.read(&mut head).ok()?;
    let head = &head[..n];
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    if head.starts_with(b"#!AMR-WB\n") {
        Some("AMR-WB (a phone's recording format); convert it first, e.g. `ffmpeg -i FILE out.wav`")
    } else if head.starts_with(b"#!AMR\n") {
        Some("AMR-NB (a phone's recording format); convert it first, e.g. `ffmpeg -i FILE out.wav`")
    } else if head.starts_with(&[0x30, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11]) {
        Some("WMA (ASF); convert it first, e.g. `ffmpeg -i FILE out.wav`")
    } else if head.starts_with(b"OggS") && head.windows(8).any(|w| w == b"OpusHead") {
        Some("Opus (in Ogg); convert it first, e.g. `ffmpeg -i FILE out.wav`")
    } else if matches!(ext.as_deref(), Some("pcm" | "raw" | "vox")) {
        Some(
            "headerless audio (.pcm, .raw, .vox): the file does not say its rate or encoding; \
             convert it with what the recorder writes, e.g. `sox -t raw -r 8000 -e signed -b 16 \
             -c 1 FILE out.wav`, or for Dialogic VOX `sox -t vox -r 8000 FILE out.wav`",
        )
    } else {
        None
    }
}

fn wav_codec_name(tag: u16) -> &'static str {
    match tag {
        0x0031 => "GSM 6.10",
        0x0022 => "DSP Group TrueSpeech",
        0x0040 | 0x0045 => "G.721/G.726 ADPCM",
        0x0064 => "G.726 ADPCM",
        0x0065 | 0x028F => "G.722 ADPCM",
        0x0067 | 0x0133 | 0xA100 => "G.722.1/G.729",
        0x0055 => "MPEG layer 3 in WAV",
        _ => "unknown codec",
    }
}
