use rubato::audioadapter_buffers::direct::SequentialSliceOfVecs;
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
        channels.push(
            resample_planar(&[ch], audio.rate, TARGET_RATE)?
                .pop()
                .unwrap_or_default(),
        );
    }
    Ok(Audio {
        rate: TARGET_RATE,
        channels,
        source: audio.source,
    })
}

/// Resample one channel from `from` Hz to `to` Hz.
pub fn resample_channel(samples: &[f32], from: u32, to: u32) -> Result<Vec<f32>, AudioError> {
    let input = vec![samples.to_vec()];
    Ok(resample_planar(&input, from, to)?.pop().unwrap_or_default())
}

// Rubato's synchronous FFT resampler: call recordings have one fixed rate, and for a fixed ratio
// it is both the fastest rubato resampler and the transparent one (its anti-aliasing filter
// matches the best sinc setting, per rubato's docs; measured here in `make bench`). The async sinc
// resampler pays for ratio changes we never make; the polynomial one has no anti-aliasing filter,
// so 8–22 kHz content of a 44.1 kHz file would fold into the speech band.
fn resample_planar(input: &[Vec<f32>], from: u32, to: u32) -> Result<Vec<Vec<f32>>, AudioError> {
    let err = |detail: String| AudioError::Resample { from, to, detail };
    let n_channels = input.len();
    let frames = input.first().map_or(0, Vec::len);
    if n_channels == 0 || frames == 0 {
        return Ok(vec![Vec::new(); n_channels]);
    }
    let mut resampler = Fft::<f32>::new_custom(
        from as usize,
        to as usize,
        fft_chunk(from, to),
        1,
        n_channels,
        WindowFunction::BlackmanHarris2,
        FixedSync::Both,
    )
    .map_err(|e| err(e.to_string()))?;
    let needed = resampler.process_all_needed_output_len(frames);
    let mut output = vec![vec![0.0f32; needed]; n_channels];
    let (_, written) = {
        let buf_in = SequentialSliceOfVecs::new(input, n_channels, frames)
            .map_err(|e| err(e.to_string()))?;
        let mut buf_out = SequentialSliceOfVecs::new_mut(&mut output, n_channels, needed)
            .map_err(|e| err(e.to_string()))?;
        resampler
            .process_all_into_buffer(&buf_in, &mut buf_out, frames, None)
            .map_err(|e| err(e.to_string()))?
    };
    for ch in &mut output {
        ch.truncate(written);
        ch.shrink_to_fit();
    }
    Ok(output)
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
