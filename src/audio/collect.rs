//! What decoding collects, packet by packet: the kept channels, each buffer sanitised (no NaN,
//! no infinity, nothing beyond full scale) before any stage sees it, silence where damage left
//! a gap in the packets' times, and the warnings and checks a whole recording ends with.

use std::path::Path;

use symphonia::core::audio::GenericAudioBufferRef;
use symphonia::core::codecs::audio::{AudioCodecParameters, AudioDecoder};
use symphonia::core::packet::Packet;
use symphonia::core::units::TimeBase;

use super::decode::DecodedChannel;
use super::{Audio, AudioError, SourceInfo};

/// No call lasts this long: a longer file is a logger's dump of many, and decoding it whole
/// would hold gigabytes (a 12-hour file ≈ 4 GB) that a failed allocation cannot give back as
/// an error row: the whole batch would abort.
const MAX_CALL_HOURS: u32 = 8;

/// Sample rates a recording can have: telephone 8 kHz down to the 2 kHz a few voice loggers
/// use, up to 384 kHz studio audio.
pub(super) const SANE_RATES: std::ops::RangeInclusive<u32> = 2_000..=384_000;

/// The audio track being decoded, and its decoder.
pub(super) struct Track {
    pub(super) id: u32,
    pub(super) decoder: Box<dyn AudioDecoder>,
    pub(super) params: AudioCodecParameters,
    pub(super) time_base: Option<TimeBase>,
    pub(super) num_frames: Option<u64>,
}

impl Track {
    /// A packet's presentation time in seconds, where the container gives one.
    pub(super) fn packet_time(&self, packet: &Packet) -> Option<f64> {
        Some(self.time_base?.calc_time(packet.pts)?.as_secs_f64())
    }
}

/// The samples decoded so far, and what was repaired on the way.
pub(super) struct Collected {
    /// The one channel kept, or None for all.
    pub(super) keep: Option<usize>,
    pub(super) n_channels: usize,
    pub(super) channels: Vec<Vec<f32>>,
    pub(super) frames: u64,
    pub(super) rate: u32,
    /// Frames the headers declare, summed over chained streams; None if any stream declares none.
    pub(super) declared: Option<u64>,
    pub(super) scratch: Vec<Vec<f32>>,
    /// First channel's peak and its largest difference from the second, for identical_channels.
    pub(super) peak: f32,
    pub(super) max_diff: f32,
    pub(super) bad_in_a_row: usize,
    pub(super) bad_packets: usize,
    /// The Ogg reader refused a damaged page: what is missing was lost to it.
    pub(super) damaged_pages: bool,
    /// Bytes after any leading tags, and the packets that decoded from them: what the demuxer
    /// skipped (damage it resynchronised past) or could not decode is the difference.
    pub(super) source_bytes: u64,
    pub(super) good_bytes: u64,
    pub(super) good_packets: u64,
    /// The current stream's first packet: frames decoded before it, and its time.
    pub(super) origin: Option<(u64, f64)>,
    /// Logical streams started (chained Ogg), the first included.
    pub(super) streams: usize,
    /// Gaps in the packets' times filled with silence: count, frames, where the first began.
    pub(super) gaps: (usize, u64, f64),
    /// Per channel: samples that were NaN or infinite, beyond full scale, and the largest.
    pub(super) non_finite: Vec<u64>,
    pub(super) over_range: Vec<u64>,
    pub(super) over_peak: Vec<f32>,
    pub(super) skipped: Option<String>,
    pub(super) ended_early: Option<String>,
}

impl Collected {
    pub(super) fn new(keep: Option<usize>, track: &Track, source_bytes: u64) -> Self {
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
    pub(super) fn start_stream(&mut self, track: &Track) {
        self.origin = None;
        self.declared = self.declared.zip(track.num_frames).map(|(a, b)| a + b);
    }

    /// Silence where the packets' times jump past the audio decoded so far: the packets
    /// between were damaged and dropped by the demuxer, and later events keep their time.
    /// A jump beyond what the header declares (or a minute, undeclared) is a damaged time,
    /// not a gap, and is left alone.
    pub(super) fn fill_gap(&mut self, at: Option<f64>, rate: u32) {
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
    pub(super) fn append(
        &mut self,
        path: &Path,
        buf: &GenericAudioBufferRef<'_>,
    ) -> Result<(), AudioError> {
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
        if self.frames > u64::from(MAX_CALL_HOURS) * 3600 * u64::from(self.rate.max(1)) {
            return Err(AudioError::TooLong {
                path: path.to_path_buf(),
                hours: MAX_CALL_HOURS,
            });
        }
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
    pub(super) fn finish(
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
pub(super) fn check_rate(path: &Path, rate: u32) -> Result<(), AudioError> {
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
