//! Call-progress and keypad tones (ringback, busy and dial tones, DTMF, fax) told from speech,
//! for the voice activity detector.

use realfft::{RealFftPlanner, RealToComplex};

/// A frame whose strongest narrow peak holds at least this share of its in-band energy is a
/// pure tone's; a voice spreads its energy over several harmonics and formants.
const ONE_TONE_SHARE: f64 = 0.9;
/// Two peaks holding this share together, neither under `SECOND_TONE_SHARE`, at frequencies no
/// voice makes (not harmonics of one another), are a dual tone (DTMF, dial tones).
const TWO_TONE_SHARE: f64 = 0.9;
const SECOND_TONE_SHARE: f64 = 0.2;
/// Call-progress and keypad tones are all above this (the lowest, North America's dial tone,
/// 350 Hz; ringback 400–480 Hz; DTMF from 697 Hz); a voice's fundamental, often its strongest
/// peak, is mostly below.
const MIN_TONE_HZ: f64 = 340.0;
/// How close a frequency ratio must come to a whole number to be a voice's harmonics.
const HARMONIC_SLACK: f64 = 0.04;
/// A run whose loud frames are this often tone frames is a tone, not speech.
const TONE_RUN_SHARE: f64 = 0.8;
/// Half-width of a peak in bins: a Hann window's main lobe.
const PEAK_BINS: usize = 2;

/// Call-progress and keypad tones (ringback, busy and dial tones, DTMF, fax) are one or two
/// steady pure frequencies: loud enough for the energy detector, nobody's speech, and Whisper
/// writes words into them.
pub(super) struct ToneCheck {
    fft: std::sync::Arc<dyn RealToComplex<f64>>,
    window: Vec<f64>,
    input: Vec<f64>,
    spectrum: Vec<realfft::num_complex::Complex<f64>>,
    power: Vec<f64>,
    bin_hz: f64,
    /// bins from 100 Hz to 3.8 kHz (the telephone band)
    band: (usize, usize),
}

/// One frame's spectrum: a pure tone (its frequency), a dual tone, or anything else.
#[derive(Debug, Clone, Copy)]
enum Frame {
    OneTone(f64),
    TwoTones,
    Other,
}

impl ToneCheck {
    pub(super) fn new(rate: u32) -> Self {
        // ≈ 32 ms: 31 Hz bins, fine enough to tell a tone from a voice's harmonics
        let n = ((0.032 * f64::from(rate)) as usize)
            .next_power_of_two()
            .max(64);
        let fft = RealFftPlanner::<f64>::new().plan_fft_forward(n);
        let window = (0..n)
            .map(|i| 0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / n as f64).cos())
            .collect();
        let bin_hz = f64::from(rate) / n as f64;
        let top = (3800.0f64.min(f64::from(rate) / 2.0) / bin_hz) as usize;
        ToneCheck {
            input: fft.make_input_vec(),
            spectrum: fft.make_output_vec(),
            power: vec![0.0; n / 2 + 1],
            fft,
            window,
            bin_hz,
            band: ((100.0 / bin_hz).ceil() as usize, top.min(n / 2)),
        }
    }

    /// Whether the run of frames starting at frame `first` (energies `db`) is a tone: most of
    /// its loud frames a dual tone, or one pure tone that stays put (a voice's pitch moves).
    pub(super) fn is_tone(
        &mut self,
        samples: &[f32],
        frame: usize,
        db: &[f64],
        threshold: f64,
        first: usize,
    ) -> bool {
        let n = self.input.len();
        let frames: Vec<Frame> = db
            .iter()
            .enumerate()
            .filter(|(_, d)| **d > threshold)
            .map(|(k, _)| (first + k) * frame)
            .filter(|&start| start + n <= samples.len())
            .map(|start| self.frame(&samples[start..start + n]))
            .collect();
        let ones: Vec<f64> = frames
            .iter()
            .filter_map(|f| match f {
                Frame::OneTone(hz) => Some(*hz),
                _ => None,
            })
            .collect();
        let twos = frames
            .iter()
            .filter(|f| matches!(f, Frame::TwoTones))
            .count();
        let steady = match (
            ones.iter().copied().reduce(f64::min),
            ones.iter().copied().reduce(f64::max),
        ) {
            (Some(lo), Some(hi)) => hi - lo <= 2.0 * self.bin_hz,
            _ => true,
        };
        let enough =
            |k: usize| !frames.is_empty() && k as f64 >= TONE_RUN_SHARE * frames.len() as f64;
        (steady && enough(ones.len() + twos)) || enough(twos)
    }

    /// What one FFT-long frame holds.
    fn frame(&mut self, x: &[f32]) -> Frame {
        for ((d, &v), w) in self.input.iter_mut().zip(x).zip(&self.window) {
            *d = f64::from(v) * w;
        }
        if self
            .fft
            .process(&mut self.input, &mut self.spectrum)
            .is_err()
        {
            return Frame::Other;
        }
        let (lo, hi) = self.band;
        if lo + 2 * PEAK_BINS >= hi {
            return Frame::Other; // a rate too low to hold the telephone band
        }
        for (p, c) in self.power.iter_mut().zip(&self.spectrum) {
            *p = c.norm_sqr();
        }
        let band = &mut self.power[lo..=hi];
        let total: f64 = band.iter().sum();
        if total <= 0.0 {
            return Frame::Other;
        }
        let mut peaks = [(0.0, 0.0); 2];
        for peak in &mut peaks {
            let Some(top) = (0..band.len()).max_by(|&a, &b| band[a].total_cmp(&band[b])) else {
                return Frame::Other;
            };
            let lobe = top.saturating_sub(PEAK_BINS)..(top + PEAK_BINS + 1).min(band.len());
            let energy: f64 = band[lobe.clone()].iter().sum();
            // the lobe's centre of mass: the tone's frequency between bins
            let centre: f64 =
                lobe.clone().map(|b| b as f64 * band[b]).sum::<f64>() / energy.max(1e-30);
            *peak = ((centre + lo as f64) * self.bin_hz, energy / total);
            band[lobe].fill(0.0);
        }
        let [(f1, s1), (f2, s2)] = peaks;
        let harmonic = {
            let r = f1.max(f2) / f1.min(f2).max(1.0);
            (r - r.round()).abs() <= HARMONIC_SLACK * r
        };
        if s1 >= ONE_TONE_SHARE && f1 >= MIN_TONE_HZ {
            Frame::OneTone(f1)
        } else if s1 + s2 >= TWO_TONE_SHARE
            && s2 >= SECOND_TONE_SHARE
            && f1.min(f2) >= MIN_TONE_HZ
            && !harmonic
        {
            Frame::TwoTones
        } else {
            Frame::Other
        }
    }
}
