//! Decoding: a recording's bytes to planar f32, one vector per channel, through symphonia (and
//! our GSM 6.10 decoder). Hostile input ends in an [`AudioError`] naming the file, or in audio
//! whose [`SourceInfo::decode_warnings`] say what was repaired on the way — never in a panic,
//! and never with a sample a later stage cannot take (NaN, ±Inf, beyond full scale).

use std::fs::File;
use std::io::ErrorKind;
use std::path::Path;

use symphonia::core::audio::GenericAudioBufferRef;
use symphonia::core::codecs::audio::{AudioCodecParameters, AudioDecoder, AudioDecoderOptions};
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, FormatReader, TrackType};
use symphonia::core::io::{MediaSource, MediaSourceStream};
use symphonia::core::meta::MetadataOptions;
use symphonia::core::packet::Packet;
use symphonia::core::units::TimeBase;

use super::repair::{self, WavRepair};
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

/// A probe's refusal as the user's error: the codec named where users can convert it.
fn probe_error(path: &Path, e: SymError) -> AudioError {
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

/// The audio track being decoded, and its decoder.
struct Track {
    id: u32,
    decoder: Box<dyn AudioDecoder>,
    params: AudioCodecParameters,
    time_base: Option<TimeBase>,
    num_frames: Option<u64>,
}

impl Track {
    /// A packet's presentation time in seconds, where the container gives one.
    fn packet_time(&self, packet: &Packet) -> Option<f64> {
        Some(self.time_base?.calc_time(packet.pts)?.as_secs_f64())
    }
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

/// The samples decoded so far, and what was repaired on the way.
struct Collected {
    /// The one channel kept, or None for all.
    keep: Option<usize>,
    n_channels: usize,
    channels: Vec<Vec<f32>>,
    frames: u64,
    rate: u32,
    /// Frames the headers declare, summed over chained streams; None if any stream declares none.
    declared: Option<u64>,
    scratch: Vec<Vec<f32>>,
    /// First channel's peak and its largest difference from the second, for identical_channels.
    peak: f32,
    max_diff: f32,
    bad_in_a_row: usize,
    bad_packets: usize,
    /// The Ogg reader refused a damaged page: what is missing was lost to it.
    damaged_pages: bool,
    /// Bytes after any leading tags, and the packets that decoded from them: what the demuxer
    /// skipped (damage it resynchronised past) or could not decode is the difference.
    source_bytes: u64,
    good_bytes: u64,
    good_packets: u64,
    /// The current stream's first packet: frames decoded before it, and its time.
    origin: Option<(u64, f64)>,
    /// Logical streams started (chained Ogg), the first included.
    streams: usize,
    /// Gaps in the packets' times filled with silence: count, frames, where the first began.
    gaps: (usize, u64, f64),
    /// Per channel: samples that were NaN or infinite, beyond full scale, and the largest.
    non_finite: Vec<u64>,
    over_range: Vec<u64>,
    over_peak: Vec<f32>,
    skipped: Option<String>,
    ended_early: Option<String>,
}

impl Collected {
    fn new(keep: Option<usize>, track: &Track, source_bytes: u64) -> Self {
        let n_channels = track.params.channels.as_ref().map_or(0, |c| c.count());
        let mut channels = vec![Vec::new(); keep.map_or(n_channels, |_| 1)];
        if let Some(n) = track.num_frames {
            // Cap the reservation: a corrupt header must not make us allocate gigabytes up front.
            let cap = n.min(4 * 3600 * 48_000) as usize;
            channels.iter_mut().for_each(|c| c.reserve_exact(cap));
        }
        Collected {
            keep,
            n_channels,
            channels,
            frames: 0,
            rate: track.params.sample_rate.unwrap_or(0),
            declared: track.num_frames,
            scratch: Vec::new(),
            peak: 0.0,
            max_diff: 0.0,
            bad_in_a_row: 0,
            bad_packets: 0,
            damaged_pages: false,
            source_bytes,
            good_bytes: 0,
            good_packets: 0,
            origin: None,
            streams: 1,
            gaps: (0, 0, 0.0),
            non_finite: Vec::new(),
            over_range: Vec::new(),
            over_peak: Vec::new(),
            skipped: None,
            ended_early: None,
        }
    }

    /// A chained stream continues the audio: its times start again from zero.
    fn start_stream(&mut self, track: &Track) {
        self.origin = None;
        self.declared = self.declared.zip(track.num_frames).map(|(a, b)| a + b);
    }

    /// Silence where the packets' times jump past the audio decoded so far: the packets
    /// between were damaged and dropped by the demuxer, and later events keep their time.
    /// A jump beyond what the header declares (or a minute, undeclared) is a damaged time,
    /// not a gap, and is left alone.
    fn fill_gap(&mut self, at: Option<f64>, rate: u32) {
        let Some(at) = at.filter(|t| t.is_finite()) else {
            return;
        };
        let (before, t0) = *self.origin.get_or_insert((self.frames, at));
        let expected = before as f64 + (at - t0) * f64::from(rate);
        let gap = expected - self.frames as f64;
        // jitter of a packet or so between times and decoded lengths is normal
        let tolerance = f64::from(rate) / 20.0;
        let room = self
            .declared
            .map_or(60 * u64::from(rate), |d| d.saturating_sub(self.frames));
        if gap <= tolerance || gap > room as f64 || self.n_channels == 0 {
            return;
        }
        let gap = gap.round() as u64;
        if self.gaps.0 == 0 {
            self.gaps.2 = self.frames as f64 / f64::from(rate.max(1));
        }
        self.gaps.0 += 1;
        self.gaps.1 += gap;
        self.frames += gap;
        for c in &mut self.channels {
            c.resize(c.len() + gap as usize, 0.0);
        }
    }

    /// One decoded buffer: sanitised, compared channel to channel, and kept.
    fn append(&mut self, path: &Path, buf: &GenericAudioBufferRef<'_>) -> Result<(), AudioError> {
        self.rate = buf.spec().rate();
        let planes = buf.num_planes();
        if self.n_channels != planes {
            if self.frames > 0 {
                return Err(AudioError::Corrupt {
                    path: path.to_path_buf(),
                    detail: format!(
                        "channel count changed from {} to {planes} mid-stream",
                        self.n_channels
                    ),
                });
            }
            self.n_channels = planes;
            self.channels = vec![Vec::new(); self.keep.map_or(planes, |_| 1)];
        }
        self.scratch.resize_with(planes, Vec::new);
        for s in self.scratch.iter_mut() {
            s.resize(buf.frames(), 0.0);
        }
        buf.copy_to_slice_planar(&mut self.scratch);
        self.sanitise();
        self.frames += buf.frames() as u64;
        if let [l, r] = &self.scratch[..] {
            for (a, b) in l.iter().zip(r) {
                self.peak = self.peak.max(a.abs());
                self.max_diff = self.max_diff.max((a - b).abs());
            }
        }
        match self.keep {
            None => {
                for (out, s) in self.channels.iter_mut().zip(&self.scratch) {
                    out.extend_from_slice(s);
                }
            }
            Some(k) => {
                if let Some(s) = self.scratch.get(k) {
                    self.channels[0].extend_from_slice(s);
                }
            }
        }
        Ok(())
    }

    /// Before any stage sees them: a sample that is not a number (NaN, ±Inf, which float WAV
    /// files can hold) becomes silence, as it would poison every sum over the channel and
    /// panics the resampler; a float sample beyond full scale becomes full scale, where any
    /// converter clips it. Each channel on its own, so one channel's bad samples leave the
    /// other's measures exactly as they are.
    fn sanitise(&mut self) {
        let n = self.scratch.len();
        for v in [&mut self.non_finite, &mut self.over_range] {
            v.resize(n, 0);
        }
        self.over_peak.resize(n, 0.0);
        for (ch, plane) in self.scratch.iter_mut().enumerate() {
            for v in plane.iter_mut() {
                if !v.is_finite() {
                    *v = 0.0;
                    self.non_finite[ch] += 1;
                } else if v.abs() > 1.0 {
                    self.over_peak[ch] = self.over_peak[ch].max(v.abs());
                    *v = v.clamp(-1.0, 1.0);
                    self.over_range[ch] += 1;
                }
            }
        }
    }

    /// What was repaired, one line each, for the call's `decode_warnings`.
    fn warnings(&self, damaged_shortfall: Option<u64>) -> Vec<String> {
        let mut w = Vec::new();
        for (ch, &n) in self.non_finite.iter().enumerate().filter(|c| *c.1 > 0) {
            w.push(format!(
                "channel {ch}: {n} sample(s) not a number (NaN or infinite), set to silence"
            ));
        }
        for (ch, &n) in self.over_range.iter().enumerate().filter(|c| *c.1 > 0) {
            let db = 20.0 * f64::from(self.over_peak[ch]).log10();
            w.push(format!(
                "channel {ch}: {n} float sample(s) beyond full scale (peak {db:+.1} dBFS), \
                 clipped to full scale"
            ));
        }
        let secs = |frames: u64| frames as f64 / f64::from(self.rate.max(1));
        let (gaps, gap_frames, first) = self.gaps;
        if gaps > 0 {
            w.push(format!(
                "damaged data: {gaps} gap(s), {:.2} s in all (the first at {first:.1} s), \
                 could not be decoded and are silence",
                secs(gap_frames)
            ));
        }
        if let Some(missing) = damaged_shortfall {
            let what = match self.skipped_bytes() {
                _ if self.damaged_pages => "Ogg pages damaged (bad checksums)".to_string(),
                Some(bytes) => format!("{bytes} bytes could not be decoded and were skipped"),
                None => format!("{} undecodable packet(s) skipped", self.bad_packets),
            };
            w.push(format!(
                "damaged data: {what}; the audio is {:.2} s shorter than the header says, and \
                 times after the damage are early by up to that",
                secs(missing)
            ));
        } else if self.bad_packets > 0 && gaps == 0 {
            w.push(format!(
                "damaged data: {} undecodable packet(s) skipped",
                self.bad_packets
            ));
        }
        w.extend(self.skipped.clone());
        w
    }

    /// The decoded audio, once it passes the checks a whole recording must.
    fn finish(
        self,
        path: &Path,
        format_name: &str,
        track: &Track,
    ) -> Result<DecodedChannel, AudioError> {
        let p = || path.to_path_buf();
        if self.keep.is_some_and(|k| k >= self.n_channels) {
            return Err(AudioError::NoSamples { path: p() });
        }
        if let Some(detail) = self.ended_early.clone() {
            return Err(AudioError::Truncated { path: p(), detail });
        }
        if self.frames == 0 {
            return Err(AudioError::NoSamples { path: p() });
        }
        let shortfall = self.shortfall(path)?;
        check_rate(path, self.rate)?;
        let warnings = self.warnings(shortfall);
        let identical = self.n_channels == 2 && self.max_diff <= (self.peak * 1e-4).max(1e-6);
        let audio = Audio {
            rate: self.rate,
            source: SourceInfo {
                format: format_name.to_string(),
                codec: track.decoder.codec_info().short_name.to_string(),
                sample_rate: self.rate,
                channels: self.n_channels,
                bits_per_sample: track.params.bits_per_sample,
                decode_warnings: warnings,
            },
            channels: self.channels,
        };
        Ok(DecodedChannel {
            audio,
            identical_channels: identical,
        })
    }

    /// Bytes that gave no audio, when more than headers, trailing tags and a cut-off last
    /// packet account for (a few packets' worth): damage inside the file, which a file that
    /// was only cut short does not have.
    fn skipped_bytes(&self) -> Option<u64> {
        let skipped = self.source_bytes.saturating_sub(self.good_bytes);
        let packet = self.good_bytes / self.good_packets.max(1);
        (skipped > 4 * packet + 1024).then_some(skipped)
    }

    /// Frames missing against the header's count: none, a cut-off file (an error), or — when
    /// packets were seen to be damaged — audio decoded around the damage (Some, for a warning).
    fn shortfall(&self, path: &Path) -> Result<Option<u64>, AudioError> {
        // Lossy codecs declare lengths that differ from the decoded one by encoder delay and
        // padding (a few thousand frames at most); a larger shortfall means data is missing.
        let Some(declared) = self.declared else {
            return Ok(None);
        };
        let slack = 4096.max(declared / 100);
        if self.frames + slack >= declared {
            return Ok(None);
        }
        let damaged = self.bad_packets > 0 || self.damaged_pages || self.skipped_bytes().is_some();
        if self.streams == 1 && damaged {
            return Ok(Some(declared - self.frames));
        }
        Err(AudioError::Truncated {
            path: path.to_path_buf(),
            detail: format!(
                "header declares {declared} frames, only {} present",
                self.frames
            ),
        })
    }
}

/// A header's rate is believed only within what recorders write: resampling 1 Hz (or 4 GHz)
/// audio to 16 kHz would allocate tens of gigabytes and abort the whole batch.
fn check_rate(path: &Path, rate: u32) -> Result<(), AudioError> {
    if rate == 0 {
        return Err(AudioError::Corrupt {
            path: path.to_path_buf(),
            detail: "no sample rate".into(),
        });
    }
    if !SANE_RATES.contains(&rate) {
        return Err(AudioError::Corrupt {
            path: path.to_path_buf(),
            detail: format!(
                "sample rate {rate} Hz in the header (recordings are {}–{} Hz)",
                SANE_RATES.start(),
                SANE_RATES.end()
            ),
        });
    }
    Ok(())
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
