//! A speaker's level over their speech only, read in place (a long call's speech is hundreds
//! of megabytes: never copied).

use crate::call::Interval;

/// The samples inside `speech`, as slices of the channel (not a copy: a long call's speech is
/// hundreds of megabytes).
pub(super) fn voiced_slices<'a>(
    samples: &'a [f32],
    rate: u32,
    speech: &[Interval],
) -> Vec<&'a [f32]> {
    let idx = |t: f64| ((t * f64::from(rate)) as usize).min(samples.len());
    speech
        .iter()
        .map(|i| &samples[idx(i.start)..idx(i.end).max(idx(i.start))])
        .collect()
}

/// EBU R128 integrated loudness of the speech, fed slice after slice (as if concatenated).
pub(super) fn loudness_lufs(speech: &[&[f32]], rate: u32) -> Option<f64> {
    let len: usize = speech.iter().map(|s| s.len()).sum();
    if len < (rate as usize * 2) / 5 {
        return None; // R128 integrates 400 ms blocks: less cannot be measured
    }
    let mut m = ebur128::EbuR128::new(1, rate, ebur128::Mode::I).ok()?;
    for s in speech {
        m.add_frames_f32(s).ok()?;
    }
    m.loudness_global().ok().filter(|l| l.is_finite())
}

pub(super) fn rms_dbfs(speech: &[&[f32]]) -> Option<f64> {
    let len: usize = speech.iter().map(|s| s.len()).sum();
    if len == 0 {
        return None;
    }
    let sum: f64 = speech
        .iter()
        .flat_map(|s| s.iter())
        .map(|&v| f64::from(v) * f64::from(v))
        .sum();
    let ms = sum / len as f64;
    (ms > 0.0).then(|| 10.0 * ms.log10())
}
