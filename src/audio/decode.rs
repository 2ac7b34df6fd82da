//! Decoding: a recording's bytes to planar f32, one vector per channel, through symphonia (and
//! our GSM 6.10 decoder). Hostile input ends in an [`AudioError`] naming the file, or in audio
//! whose [`SourceInfo::decode_warnings`] say what was repaired on the way — never in a panic,
//! and never with a sample a later stage cannot take (NaN, ±Inf, beyond full scale).

use std::fs::File;
use std::io::ErrorKind;
use std::path::Path;

use symphonia::core::codecs::audio::AudioDecoderOptions;
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, FormatReader, TrackType};
use symphonia::core::io::{MediaSource, MediaSourceStream};
use symphonia::core::meta::MetadataOptions;
use symphonia::core::packet::Packet;

use super::collect::{Collected, SANE_RATES, Track};
use super::identify::{known_undecodable, probe_error, wav_codec_tag};
use super::repair::{self, WavRepair};
use super::{Audio, AudioError, gsm};

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
    let file_len = check_file(path)?;
    let (mut format, start) = match open_format(path, file_len)? {
        Opened::Gsm => return decode_gsm(path, keep),
        Opened::Reader(format, start) => (format, start),
        Opened::DamagedOgg(format) => (format, 0),
    };
    let mut track = open_track(path, &*format)?;
    let mut out = Collected::new(keep, &track, file_len.saturating_sub(start));
    if format.format_info().short_name == "ogg" && out.declared.is_none() {
        // read as a stream, the reader knows no length: the last page's position says it
        out.declared = repair::ogg_last_granule(path, file_len);
        out.damaged_pages = true;
    }
    read_packets(path, &mut *format, &mut track, &mut out)?;
    out.finish(path, format.format_info().short_name, &track)
}

/// The file's length, once it is known to be a non-empty regular file.
fn check_file(path: &Path) -> Result<u64, AudioError> {
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
    Ok(meta.len())
}

/// What the probe found: a reader symphonia made (and the offset its bytes start at, past any
/// ID3v2 tags), or a GSM WAV for our own decoder.
enum Opened {
    Reader(Box<dyn FormatReader>, u64),
    /// An Ogg file with a damaged page, read as a stream (see [`repair::unseekable`]).
    DamagedOgg(Box<dyn FormatReader>),
    Gsm,
}

fn open_format(path: &Path, file_len: u64) -> Result<Opened, AudioError> {
    let open_err = |source| AudioError::Open {
        path: path.to_path_buf(),
        source,
    };
    let (source, start): (Box<dyn MediaSource>, u64) =
        match repair::skip_id3v2(path, file_len).map_err(open_err)? {
            Some((after_tags, start)) => (Box::new(after_tags), start),
            None => (Box::new(File::open(path).map_err(open_err)?), 0),
        };
    let err = match probe(path, source) {
        Ok(format) => return Ok(Opened::Reader(format, start)),
        Err(e) => e,
    };
    let tag = wav_codec_tag(path);
    if matches!(&err, SymError::Unsupported(what) if what.contains("format"))
        && tag == Some(gsm::WAVE_FORMAT_GSM610)
    {
        return Ok(Opened::Gsm);
    }
    if tag.is_none() {
        // a codec symphonia reads, in a WAV file whose chunks it refuses
        match repair::repair_wav(path, file_len).map_err(open_err)? {
            Some(WavRepair::Truncated(detail)) => {
                return Err(AudioError::Truncated {
                    path: path.to_path_buf(),
                    detail,
                });
            }
            Some(WavRepair::Rewritten(tidy)) => {
                if let Ok(format) = probe(path, Box::new(tidy)) {
                    return Ok(Opened::Reader(format, 0));
                }
            }
            None => {}
        }
    }
    if matches!(err, SymError::DecodeError(_)) && starts_with(path, b"OggS") {
        let stream = repair::unseekable(path, file_len).map_err(open_err)?;
        if let Ok(format) = probe(path, Box::new(stream)) {
            return Ok(Opened::DamagedOgg(format));
        }
    }
    Err(probe_error(path, err))
}

fn starts_with(path: &Path, magic: &[u8]) -> bool {
    use std::io::Read;
    let mut head = vec![0u8; magic.len()];
    File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok_and(|()| head == magic)
}

fn probe(path: &Path, source: Box<dyn MediaSource>) -> Result<Box<dyn FormatReader>, SymError> {
    let mss = MediaSourceStream::new(source, Default::default());
    let mut hint = Hint::new();
    if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
        hint.with_extension(ext);
    }
    symphonia::default::get_probe().probe(
        &hint,
        mss,
        FormatOptions::default(),
        MetadataOptions::default(),
    )
}

/// A GSM 6.10 WAV, through our own decoder.
fn decode_gsm(path: &Path, keep: Option<usize>) -> Result<DecodedChannel, AudioError> {
    let audio = gsm::decode_wav(path)?;
    if !SANE_RATES.contains(&audio.rate) {
        return Err(AudioError::Corrupt {
            path: path.to_path_buf(),
            detail: format!("sample rate {} Hz in the header", audio.rate),
        });
    }
    if keep.is_some_and(|k| k > 0) {
        return Err(AudioError::NoSamples {
            path: path.to_path_buf(),
        });
    }
    Ok(DecodedChannel {
        audio,
        identical_channels: false,
    })
}

fn open_track(path: &Path, format: &dyn FormatReader) -> Result<Track, AudioError> {
    let p = || path.to_path_buf();
    let track = format
        .default_track(TrackType::Audio)
        .ok_or_else(|| AudioError::NoAudioTrack { path: p() })?;
    let params = track
        .codec_params
        .as_ref()
        .and_then(|c| c.audio())
        .ok_or_else(|| AudioError::NoAudioTrack { path: p() })?
        .clone();
    let decoder = symphonia::default::get_codecs()
        .make_audio_decoder(&params, &AudioDecoderOptions::default())
        .map_err(|e| AudioError::UnsupportedCodec {
            path: p(),
            detail: known_undecodable(path).map_or_else(|| e.to_string(), str::to_string),
        })?;
    Ok(Track {
        id: track.id,
        decoder,
        params,
        time_base: track.time_base,
        num_frames: track.num_frames,
    })
}

/// Packet by packet into `out`, until the stream ends (or ends early: `out` records why).
fn read_packets(
    path: &Path,
    format: &mut dyn FormatReader,
    track: &mut Track,
    out: &mut Collected,
) -> Result<(), AudioError> {
    loop {
        let packet = match format.next_packet() {
            Ok(Some(packet)) => packet,
            Ok(None) => return Ok(()),
            Err(SymError::IoError(e)) if e.kind() == ErrorKind::UnexpectedEof => {
                out.ended_early = Some("file ends in the middle of the audio data".into());
                return Ok(());
            }
            // a chained Ogg file (`cat a.ogg b.ogg`): its next logical stream starts
            Err(SymError::ResetRequired) => match next_stream(path, format, out)? {
                Some(next) => {
                    *track = next;
                    continue;
                }
                None => return Ok(()),
            },
            // damage the demuxer may resynchronise past, as the decoder does a bad packet
            Err(SymError::DecodeError(_))
                if out.frames > 0 && out.bad_in_a_row < MAX_CONSECUTIVE_BAD_PACKETS =>
            {
                out.bad_in_a_row += 1;
                out.bad_packets += 1;
                continue;
            }
            Err(e) => {
                out.ended_early = Some(e.to_string());
                return Ok(());
            }
        };
        if packet.track_id == track.id && !decode_packet(path, track, &packet, out)? {
            return Ok(());
        }
    }
}

/// The track of a chained stream, when its audio continues the first's (same rate and channel
/// count); None, with a warning saying what was skipped, when it does not.
fn next_stream(
    path: &Path,
    format: &mut dyn FormatReader,
    out: &mut Collected,
) -> Result<Option<Track>, AudioError> {
    out.streams += 1;
    let n = out.streams;
    let next = match open_track(path, format) {
        Ok(track) => track,
        Err(e) => {
            out.skipped = Some(format!("stream {n} of the chained file skipped: {e}"));
            return Ok(None);
        }
    };
    let rate = next.params.sample_rate.unwrap_or(0);
    let channels = next.params.channels.as_ref().map_or(0, |c| c.count());
    if out.frames > 0 && (rate != out.rate || channels != out.n_channels) {
        out.skipped = Some(format!(
            "stream {n} of the chained file ({rate} Hz, {channels} ch) differs from the first \
             ({} Hz, {} ch): it and any after it skipped",
            out.rate, out.n_channels
        ));
        return Ok(None);
    }
    out.start_stream(&next);
    Ok(Some(next))
}

/// One packet decoded into `out`; false when the file ended inside it.
fn decode_packet(
    path: &Path,
    track: &mut Track,
    packet: &Packet,
    out: &mut Collected,
) -> Result<bool, AudioError> {
    let at = track.packet_time(packet);
    let err = match track.decoder.decode(packet) {
        Ok(buf) => {
            out.bad_in_a_row = 0;
            out.good_packets += 1;
            out.good_bytes += packet.data.len() as u64;
            if buf.frames() > 0 {
                out.fill_gap(at, buf.spec().rate());
                out.append(path, &buf)?;
            }
            return Ok(true);
        }
        Err(e) => e,
    };
    // Once audio has come out, the demuxer hands over whole packets: a decoder that fails on
    // one (bad bits, a feature the damage seems to ask for, reading past its end) met damage,
    // which is skipped like a packet that does not parse.
    let damaged = out.frames > 0 || matches!(err, SymError::DecodeError(_));
    match err {
        _ if damaged => {
            out.bad_in_a_row += 1;
            out.bad_packets += 1;
            if out.bad_in_a_row > MAX_CONSECUTIVE_BAD_PACKETS {
                return Err(AudioError::Corrupt {
                    path: path.to_path_buf(),
                    detail: format!("{} undecodable packets in a row ({err})", out.bad_in_a_row),
                });
            }
            Ok(true)
        }
        SymError::IoError(e) if e.kind() == ErrorKind::UnexpectedEof => {
            out.ended_early = Some("file ends in the middle of a packet".into());
            Ok(false)
        }
        e => Err(AudioError::Corrupt {
            path: path.to_path_buf(),
            detail: e.to_string(),
        }),
    }
}
