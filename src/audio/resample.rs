use rubato::audioadapter::Adapter;
use rubato::audioadapter_buffers::direct::{SequentialSlice, SequentialSliceOfVecs};
use rubato::audioadapter_buffers::number_to_float::SequentialNumbers;
use rubato::{Fft, FixedSync, Resampler, WindowFunction};

use super::{Audio, AudioError};

/// The rate Whisper and the analysis stage work at.
pub const TARGET_RATE: u32 = 16_000;

/// Resample every channel to [`TARGET_RATE`]. A 16 kHz input is returned as is, with no copy.
///
/// Output length is ceil(frames × 16000 / rate) (within one sample of the exact ratio), with
/// the resampler's delay trimmed so that events keep their time and a sine keeps its phase.
pub fn resample(audio: Audio) -> Result<Audio, AudioError> {
    if audio.rate == TARGET_RATE {
        return Ok(audio);
    }
    // one channel at a time, each source channel freed once resampled: a long stereo call
    // never holds all of its source and all of its output at once
    let mut channels = Vec::with_capacity(audio.channels.len());
    for ch in audio.channels {
        channels.push(to_target_rate(ch, audio.rate)?);
    }
    Ok(Audio {
        rate: TARGET_RATE,
        channels,
        source: audio.source,
    })
}

/// One channel at `rate` to [`TARGET_RATE`], its source freed once resampled (returned as is
/// at 16 kHz).
pub fn to_target_rate(samples: Vec<f32>, rate: u32) -> Result<Vec<f32>, AudioError> {
    if rate == TARGET_RATE {
        return Ok(samples);
    }
    resample_channel(&samples, rate, TARGET_RATE)
}

/// Resample one channel from `from` Hz to `to` Hz.
pub fn resample_channel(samples: &[f32], from: u32, to: u32) -> Result<Vec<f32>, AudioError> {
    if from == to {
        return Ok(samples.to_vec());
    }
    let input =
        SequentialSlice::new(samples, 1, samples.len()).map_err(|e| AudioError::Resample {
            from,
            to,
            detail: e.to_string(),
        })?;
    resample_one(&input, samples.len(), from, to)
}

/// A channel as 16-bit samples: half the memory of f32 for a source that must wait (a
/// separated mono call resamples its mix once per voice), and transparent for telephone audio.
pub fn to_i16(samples: &[f32]) -> Vec<i16> {
    samples
        .iter()
        .map(|v| (v.clamp(-1.0, 1.0) * 32767.0).round() as i16)
        .collect()
}

/// [`resample_channel`] for a channel kept by [`to_i16`].
pub fn resample_i16(samples: &[i16], from: u32, to: u32) -> Result<Vec<f32>, AudioError> {
    let input = SequentialNumbers::<&[i16], f32>::new(samples, 1, samples.len()).map_err(|e| {
        AudioError::Resample {
            from,
            to,
            detail: e.to_string(),
        }
    })?;
    if from == to {
        return Ok((0..samples.len())
            .map(|i| input.read_sample(0, i).unwrap_or(0.0))
            .collect());
    }
    resample_one(&input, samples.len(), from, to)
}

// Rubato's synchronous FFT resampler: call recordings have one fixed rate, and for a fixed ratio
// it is both the fastest rubato resampler and the transparent one (its anti-aliasing filter
// matches the best sinc setting, per rubato's docs; measured here in `make bench`). The async sinc
// resampler pays for ratio changes we never make; the polynomial one has no anti-aliasing filter,
// so 8–22 kHz content of a 44.1 kHz file would fold into the speech band.
fn resample_one(
    input: &dyn Adapter<f32>,
    frames: usize,
    from: u32,
    to: u32,
) -> Result<Vec<f32>, AudioError> {
    let err = |detail: String| AudioError::Resample { from, to, detail };
    if frames == 0 {
        return Ok(Vec::new());
    }
    let mut resampler = Fft::<f32>::new_custom(
        from as usize,
        to as usize,
        fft_chunk(from, to),
        1,
        1,
        WindowFunction::BlackmanHarris2,
        FixedSync::Both,
    )
    .map_err(|e| err(e.to_string()))?;
    let needed = resampler.process_all_needed_output_len(frames);
    let mut output = vec![vec![0.0f32; needed]];
    let (_, written) = {
        let mut buf_out = SequentialSliceOfVecs::new_mut(&mut output, 1, needed)
            .map_err(|e| err(e.to_string()))?;
        resampler
            .process_all_into_buffer(input, &mut buf_out, frames, None)
            .map_err(|e| err(e.to_string()))?
    };
    let mut out = output.pop().unwrap_or_default();
    out.truncate(written);
    out.shrink_to_fit();
    Ok(out)
}

/// Input block for the FFT resampler: about 1024 frames, a whole number of the ratio's smallest
/// block, and even. With an odd block rubato trims its delay half an input sample short (a sine
/// comes out leading by 0.5 input samples: 45 µs at 11.025 kHz); an even block keeps phase exact.
fn fft_chunk(from: u32, to: u32) -> usize {
    let g = gcd(from, to);
    let min_in = (from / g) as usize;
    let mut k = 1024usize.div_ceil(min_in).max(1);
    if min_in % 2 == 1 && k % 2 == 1 {
        k += 1;
    }
    min_in * k
}

fn gcd(a: u32, b: u32) -> u32 {
    if b == 0 { a } else { gcd(b, a % b) }
}
