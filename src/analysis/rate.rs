//! Speech rate, acoustically (syllable nuclei) and from the transcript.

use crate::call::Interval;

/// Count syllable nuclei inside `speech`, after de Jong & Wempe (2009): peaks of the intensity
/// envelope that stand out from the dips on either side, above a threshold relative to the
/// speech level. The envelope is taken on the 300–2500 Hz band, where vowels (the nuclei) carry
/// their energy and fricatives little, which stands in for the original's voicing check.
pub fn syllable_nuclei(samples: &[f32], rate: u32, speech: &[Interval]) -> usize {
    const HOP_S: f64 = 0.01;
    const WIN_S: f64 = 0.05;
    const DIP_DB: f64 = 2.0;
    const BELOW_PEAK_DB: f64 = 25.0;
    let hop = (HOP_S * f64::from(rate)) as usize;
    let win = (WIN_S * f64::from(rate)) as usize;
    // Window energies from a running sum of squares over the filtered signal, streamed: only
    // the sums at each window's start and end are kept (a 2-hour call's filtered copy and its
    // running sums would be ≈ 2.7 GB).
    let n_frames = samples.len().saturating_sub(win) / hop;
    let (mut at_start, mut at_end) = (vec![0.0f64; n_frames], vec![0.0f64; n_frames]);
    let mut record = |pos: usize, cum: f64| {
        if pos.is_multiple_of(hop) && pos / hop < n_frames {
            at_start[pos / hop] = cum;
        }
        if pos >= win && (pos - win).is_multiple_of(hop) && (pos - win) / hop < n_frames {
            at_end[(pos - win) / hop] = cum;
        }
    };
    let mut cum = 0.0f64;
    for (k, v) in band_pass(samples, rate, 300.0, 2500.0).enumerate() {
        record(k, cum);
        cum += v * v;
    }
    record(samples.len(), cum);
    let env: Vec<f64> = (0..n_frames)
        .map(|i| 10.0 * ((at_end[i] - at_start[i]).max(0.0) / win as f64 + 1e-12).log10())
        .collect();
    let mut speech_mask = vec![false; n_frames];
    for s in speech {
        let first = ((s.start - WIN_S / 2.0) / HOP_S).ceil().max(0.0) as usize;
        let last = (((s.end - WIN_S / 2.0) / HOP_S).ceil().max(0.0) as usize).min(n_frames);
        speech_mask[first.min(n_frames)..last]
            .iter_mut()
            .for_each(|m| *m = true);
    }
    let in_speech = |i: usize| speech_mask[i];
    let mut voiced: Vec<f64> = env
        .iter()
        .enumerate()
        .filter(|(i, _)| in_speech(*i))
        .map(|(_, &d)| d)
        .collect();
    if voiced.is_empty() {
        return 0;
    }
    voiced.sort_by(f64::total_cmp);
    let threshold = voiced[(voiced.len() * 99) / 100] - BELOW_PEAK_DB;

    // Local maxima above threshold; consecutive peaks need a dip of DIP_DB below the lower of the
    // two between them, else they are one nucleus (the higher peak is kept).
    let mut peaks: Vec<usize> = Vec::new();
    for i in 1..env.len().saturating_sub(1) {
        if !(env[i] > env[i - 1] && env[i] >= env[i + 1] && env[i] > threshold && in_speech(i)) {
            continue;
        }
        match peaks.last().copied() {
            Some(p) => {
                let dip = env[p..=i].iter().cloned().fold(f64::INFINITY, f64::min);
                if env[p].min(env[i]) - dip >= DIP_DB {
                    peaks.push(i);
                } else if env[i] > env[p] {
                    *peaks.last_mut().unwrap() = i;
                }
            }
            None => peaks.push(i),
        }
    }
    peaks.len()
}

/// Second-order band-pass as a high-pass then a low-pass (RBJ biquads, Q = 0.707).
fn band_pass(x: &[f32], rate: u32, lo: f64, hi: f64) -> impl Iterator<Item = f64> + '_ {
    let hp = biquad(x.iter().map(|&v| f64::from(v)), rate, lo, true);
    biquad(hp, rate, hi, false)
}

fn biquad(
    x: impl Iterator<Item = f64>,
    rate: u32,
    f0: f64,
    high: bool,
) -> impl Iterator<Item = f64> {
    let w = 2.0 * std::f64::consts::PI * f0 / f64::from(rate);
    let alpha = w.sin() / (2.0 * std::f64::consts::FRAC_1_SQRT_2);
    let c = w.cos();
    let (b0, b1, b2) = if high {
        ((1.0 + c) / 2.0, -(1.0 + c), (1.0 + c) / 2.0)
    } else {
        ((1.0 - c) / 2.0, 1.0 - c, (1.0 - c) / 2.0)
    };
    let (a0, a1, a2) = (1.0 + alpha, -2.0 * c, 1.0 - alpha);
    let (mut x1, mut x2, mut y1, mut y2) = (0.0, 0.0, 0.0, 0.0);
    x.map(move |v| {
        let y = crate::audio::flush_denormal((b0 * v + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2) / a0);
        (x2, x1, y2, y1) = (x1, v, y1, y);
        y
    })
}
