use std::fs::File;
use std::io::ErrorKind;
use std::path::Path;

use symphonia::core::codecs::audio::AudioDecoderOptions;
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, TrackType};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;

use super::{Audio, AudioError, SourceInfo, gsm, riff_chunks};

/// Sample rates a recording can have: telephone 8 kHz down to the 2 kHz a few voice loggers
/// use, up to 384 kHz studio audio.
const SANE_RATES: std::ops::RangeInclusive<u32> = 2_000..=384_000;

/// Consecutive undecodable packets tolerated before a file counts as corrupt: one bad packet in
/// a long MP3 is worth skipping (a click), a stream of them means garbage.
const MAX_CONSECUTIVE_BAD_PACKETS: usize = 16;

/// Decode a whole recording into planar f32, one vector per channel.
///
/// Streams packet by packet: memory is the output plus one packet, whatever the file length.
pub fn decode(path: &Path) -> Result<Audio, AudioError> {
    Ok(catch_panics(path, || decode_file(path, None))?.audio)
}

/// One channel of a recording, decoded on its own: a long call need not hold every channel at
/// once. Reading it also tells whether the file's two channels are one signal saved twice.
pub fn decode_channel(path: &Path, channel: usize) -> Result<DecodedChannel, AudioError> {
    catch_panics(path, || decode_file(path, Some(channel)))
}

/// What [`decode_channel`] returns: `audio` holds the one channel asked for, while
/// `audio.source.channels` counts the file's.
pub struct DecodedChannel {
    pub audio: Audio,
    /// Two channels equal to within rounding (−80 dB of the first's peak): a mono recording
    /// saved as stereo.
    pub identical_channels: bool,
}

fn catch_panics(
    path: &Path,
    f: impl FnOnce() -> Result<DecodedChannel, AudioError> + std::panic::UnwindSafe,
) -> Result<DecodedChannel, AudioError> {
    // The demuxers are third-party parsers of hostile bytes: a panic in one (a WAV channel mask
    // that overflows a shift, found by the header property test) is this file's error, not a
    // crash of `check` or a lost call.
    std::panic::catch_unwind(f).unwrap_or_else(|panic| {
        let msg = panic
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| panic.downcast_ref::<&str>().copied())
            .unwrap_or("unknown panic");
        Err(AudioError::Corrupt {
            path: path.to_path_buf(),
            detail: format!("the decoder failed on this file: {msg}"),
        })
    })
}

/// `keep`: the one channel to keep, or None for all.
fn decode_file(path: &Path, keep: Option<usize>) -> Result<DecodedChannel, AudioError> {
    let p = || path.to_path_buf();
    let meta = std::fs::metadata(path).map_err(|source| AudioError::Open { path: p(), source })?;
    if meta.is_dir() {
        return Err(AudioError::IsDirectory { path: p() });
    }
    if !meta.is_file() {
        // opening a FIFO blocks, a device never ends
        return Err(AudioError::NotAFile { path: p() });
    }
    if meta.len() == 0 {
        return Err(AudioError::Empty { path: p() });
    }
    let file = File::open(path).map_err(|source| AudioError::Open { path: p(), source })?;
    let mss = MediaSourceStream::new(Box::new(file), Default::default());

    let mut hint = Hint::new();
    if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
        hint.with_extension(ext);
    }
    let probed = symphonia::default::get_probe().probe(
        &hint,
        mss,
        FormatOptions::default(),
        MetadataOptions::default(),
    );
    if let Err(SymError::Unsupported(what)) = &probed
        && what.contains("format")
        && wav_codec_tag(path) == Some(gsm::WAVE_FORMAT_GSM610)
    {
        let audio = gsm::decode_wav(path)?;
        if !SANE_RATES.contains(&audio.rate) {
            return Err(AudioError::Corrupt {
                path: p(),
                detail: format!("sample rate {} Hz in the header", audio.rate),
            });
        }
        if keep.is_some_and(|k| k > 0) {
            return Err(AudioError::NoSamples { path: p() });
        }
        return Ok(DecodedChannel {
            audio,
            identical_channels: false,
        });
    }
    let mut format = probed.map_err(|e| match e {
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
    })?;

    let track = format
        .default_track(TrackType::Audio)
        .ok_or_else(|| AudioError::NoAudioTrack { path: p() })?;
    let params = track
        .codec_params
        .as_ref()
        .and_then(|c| c.audio())
        .ok_or_else(|| AudioError::NoAudioTrack { path: p() })?
        .clone();
    let track_id = track.id;
    let declared_frames = track.num_frames;

    let mut decoder = symphonia::default::get_codecs()
        .make_audio_decoder(&params, &AudioDecoderOptions::default())
        .map_err(|e| AudioError::UnsupportedCodec {
            path: p(),
            detail: known_undecodable(path).map_or_else(|| e.to_string(), str::to_string),
        })?;

    let mut n_channels = params.channels.as_ref().map_or(0, |c| c.count());
    let kept = |n: usize| keep.map_or(n, |_| 1);
    let mut channels: Vec<Vec<f32>> = vec![Vec::new(); kept(n_channels)];
    let mut frames = 0usize;
    // first channel's peak and its largest difference from the second, for identical_channels
    let (mut peak, mut max_diff) = (0f32, 0f32);
    if let Some(n) = declared_frames {
        // Cap the reservation: a corrupt header must not make us allocate gigabytes up front.
        let cap = n.min(4 * 3600 * 48_000) as usize;
        channels.iter_mut().for_each(|c| c.reserve_exact(cap));
    }
    let mut rate = params.sample_rate.unwrap_or(0);
    let mut scratch: Vec<Vec<f32>> = Vec::new();
    let mut bad_in_a_row = 0;
    let mut ended_early: Option<String> = None;

    loop {
        let packet = match format.next_packet() {
            Ok(Some(packet)) => packet,
            Ok(None) => break,
            Err(SymError::IoError(e)) if e.kind() == ErrorKind::UnexpectedEof => {
                ended_early = Some("file ends in the middle of the audio data".into());
                break;
            }
            Err(SymError::ResetRequired) => break, // chained Ogg streams: keep the first
            Err(e) => {
                ended_early = Some(e.to_string());
                break;
            }
        };
        if packet.track_id != track_id {
            continue;
        }
        match decoder.decode(&packet) {
            Ok(buf) => {
                bad_in_a_row = 0;
                if buf.frames() == 0 {
                    continue;
                }
                rate = buf.spec().rate();
                let planes = buf.num_planes();
                if n_channels != planes {
                    if frames == 0 {
                        n_channels = planes;
                        channels = vec![Vec::new(); kept(planes)];
                    } else {
                        return Err(AudioError::Corrupt {
                            path: p(),
                            detail: format!(
                                "channel count changed from {n_channels} to {planes} mid-stream"
                            ),
                        });
                    }
                }
                scratch.resize_with(planes, Vec::new);
                for s in scratch.iter_mut() {
                    s.resize(buf.frames(), 0.0);
                }
                buf.copy_to_slice_planar(&mut scratch);
                frames += buf.frames();
                if let [l, r] = &scratch[..] {
                    for (a, b) in l.iter().zip(r) {
                        peak = peak.max(a.abs());
                        max_diff = max_diff.max((a - b).abs());
                    }
                }
                match keep {
                    None => {
                        for (out, s) in channels.iter_mut().zip(&scratch) {
                            out.extend_from_slice(s);
                        }
                    }
                    Some(k) => {
                        if let Some(s) = scratch.get(k) {
                            channels[0].extend_from_slice(s);
                        }
                    }
                }
            }
            Err(SymError::DecodeError(msg)) => {
                bad_in_a_row += 1;
                if bad_in_a_row > MAX_CONSECUTIVE_BAD_PACKETS {
                    return Err(AudioError::Corrupt {
                        path: p(),
                        detail: format!("{bad_in_a_row} undecodable packets in a row ({msg})"),
                    });
                }
            }
            Err(SymError::IoError(e)) if e.kind() == ErrorKind::UnexpectedEof => {
                ended_early = Some("file ends in the middle of a packet".into());
                break;
            }
            Err(e) => {
                return Err(AudioError::Corrupt {
                    path: p(),
                    detail: e.to_string(),
                });
            }
        }
    }

    let frames = frames as u64;
    if keep.is_some_and(|k| k >= n_channels) {
        return Err(AudioError::NoSamples { path: p() });
    }
    if let Some(detail) = ended_early {
        return Err(AudioError::Truncated { path: p(), detail });
    }
    if frames == 0 {
        return Err(AudioError::NoSamples { path: p() });
    }
    // Lossy codecs declare lengths that differ from the decoded one by encoder delay and padding
    // (a few thousand frames at most); a larger shortfall means the data was cut off.
    if let Some(declared) = declared_frames {
        let slack = 4096.max(declared / 100);
        if frames + slack < declared {
            return Err(AudioError::Truncated {
                path: p(),
                detail: format!("header declares {declared} frames, only {frames} present"),
            });
        }
    }
    if rate == 0 {
        return Err(AudioError::Corrupt {
            path: p(),
            detail: "no sample rate".into(),
        });
    }
    // A header's rate is believed only within what recorders write: resampling 1 Hz (or 4 GHz)
    // audio to 16 kHz would allocate tens of gigabytes and abort the whole batch.
    if !SANE_RATES.contains(&rate) {
        return Err(AudioError::Corrupt {
            path: p(),
            detail: format!(
                "sample rate {rate} Hz in the header (recordings are {}–{} Hz)",
                SANE_RATES.start(),
                SANE_RATES.end()
            ),
        });
    }
    let format_name = format.format_info().short_name.to_string();
    let codec = decoder.codec_info().short_name.to_string();
    let audio = Audio {
        rate,
        source: SourceInfo {
            format: format_name,
            codec,
            sample_rate: rate,
            channels: n_channels,
            bits_per_sample: params.bits_per_sample,
        },
        channels,
    };
    Ok(DecodedChannel {
        audio,
        identical_channels: n_channels == 2 && max_diff <= (peak * 1e-4).max(1e-6),
    })
}

/// The format tag of a RIFF/WAVE file's `fmt ` chunk, when it is one symphonia cannot decode.
fn wav_codec_tag(path: &Path) -> Option<u16> {
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
fn known_undecodable(path: &Path) -> Option<&'static str> {
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
