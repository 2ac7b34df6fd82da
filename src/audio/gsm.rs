//! GSM 06.10 full-rate speech in WAV (format tag 0x0031, "WAV49"), as Asterisk's `wav49`, many
//! voice loggers and Windows' recorder write it: 8 kHz mono, 65-byte blocks of two 20 ms frames.
//! Symphonia has no GSM decoder, and these recorders are where call-center audio comes from.
//!
//! The decoder is ETSI GSM 06.10's fixed-point RPE-LTP decoder (section 4.3): every sum and
//! product saturates or rounds as the standard says, so the output is bit-exact with the
//! reference decoder (the test compares it with sox's libgsm sample for sample).

use std::path::Path;

use super::{Audio, AudioError, SourceInfo, riff_chunks};

/// WAVE format tag of Microsoft GSM 6.10.
pub(super) const WAVE_FORMAT_GSM610: u16 = 0x0031;
/// Two frames of 260 bits each, packed least significant bit first.
const BLOCK_BYTES: usize = 65;
const FRAME_SAMPLES: usize = 160;

fn add(a: i16, b: i16) -> i16 {
    a.saturating_add(b)
}

fn sub(a: i16, b: i16) -> i16 {
    a.saturating_sub(b)
}

/// Q15 product, rounded (the standard's `mult_r`).
fn mult_r(a: i16, b: i16) -> i16 {
    if a == i16::MIN && b == i16::MIN {
        return i16::MAX;
    }
    ((i32::from(a) * i32::from(b) + 16384) >> 15) as i16
}

/// Arithmetic shift right by `n`, left for negative `n` (the standard's `asr`).
fn asr(a: i16, n: i16) -> i16 {
    if n >= 16 {
        -i16::from(a < 0)
    } else if n <= -16 {
        0
    } else if n < 0 {
        a.wrapping_shl(n.unsigned_abs().into())
    } else {
        a >> n
    }
}

/// Shift left by `n`, right for negative `n` (the standard's `asl`).
fn asl(a: i16, n: i16) -> i16 {
    if n >= 16 {
        0
    } else if n <= -16 {
        -i16::from(a < 0)
    } else if n < 0 {
        asr(a, -n)
    } else {
        a.wrapping_shl(n as u32)
    }
}

/// One frame's parameters: log-area ratios, then per 40-sample subframe the LTP lag and gain,
/// the RPE grid, its block maximum and 13 pulses.
#[derive(Default)]
struct Frame {
    lar: [i16; 8],
    lag: [i16; 4],
    gain: [i16; 4],
    grid: [i16; 4],
    xmax: [i16; 4],
    pulses: [[i16; 13]; 4],
}

/// Bits in the order WAV49 packs them: from the lowest bit of the first byte up.
struct Bits<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Bits<'_> {
    fn take(&mut self, n: usize) -> i16 {
        let mut v = 0i16;
        for i in 0..n {
            let bit = (self.bytes[self.at / 8] >> (self.at % 8)) & 1;
            v |= i16::from(bit) << i;
            self.at += 1;
        }
        v
    }

    fn frame(&mut self) -> Frame {
        let mut f = Frame::default();
        for (lar, bits) in f.lar.iter_mut().zip([6, 6, 5, 5, 4, 4, 3, 3]) {
            *lar = self.take(bits);
        }
        for j in 0..4 {
            f.lag[j] = self.take(7);
            f.gain[j] = self.take(2);
            f.grid[j] = self.take(2);
            f.xmax[j] = self.take(6);
            for p in &mut f.pulses[j] {
                *p = self.take(3);
            }
        }
        f
    }
}

/// Table 4.3b: LTP gain levels.
const QLB: [i16; 4] = [3277, 11469, 21299, 32767];
/// Table 4.6: normalised mantissas of the block maximum.
const FAC: [i16; 8] = [18431, 20479, 22527, 24575, 26623, 28671, 30719, 32767];
/// Tables 4.1 and 4.2 per log-area ratio: 2·B, MIC (restores the sign), 1/A.
const LAR_DECODE: [(i16, i16, i16); 8] = [
    (0, -32, 13107),
    (0, -32, 13107),
    (4096, -16, 13107),
    (-5120, -16, 13107),
    (188, -8, 19223),
    (-3584, -8, 17476),
    (-682, -4, 31454),
    (-2288, -4, 29708),
];

/// The decoder's memory between frames.
struct Decoder {
    /// Reconstructed short-term residual: 120 past samples, then the current subframe's 40.
    residual: [i16; 160],
    last_lag: i16,
    lars: [[i16; 8]; 2],
    current: usize,
    v: [i16; 9],
    deemphasis: i16,
}

impl Decoder {
    fn new() -> Self {
        Decoder {
            residual: [0; 160],
            last_lag: 40,
            lars: [[0; 8]; 2],
            current: 0,
            v: [0; 9],
            deemphasis: 0,
        }
    }

    fn decode(&mut self, f: &Frame, out: &mut [i16; FRAME_SAMPLES]) {
        let mut wt = [0i16; FRAME_SAMPLES];
        for j in 0..4 {
            let erp = rpe_decode(f.xmax[j], f.grid[j], &f.pulses[j]);
            self.long_term(f.lag[j], f.gain[j], &erp);
            wt[j * 40..(j + 1) * 40].copy_from_slice(&self.residual[120..]);
        }
        self.short_term(&f.lar, &wt, out);
        for s in out.iter_mut() {
            self.deemphasis = add(*s, mult_r(self.deemphasis, 28180));
            *s = add(self.deemphasis, self.deemphasis) & !7;
        }
    }

    /// 4.3.2: long-term (pitch) synthesis of one subframe into `residual[120..]`.
    fn long_term(&mut self, lag: i16, gain: i16, erp: &[i16; 40]) {
        let lag = if (40..=120).contains(&lag) {
            lag
        } else {
            self.last_lag
        };
        self.last_lag = lag;
        let b = QLB[gain as usize];
        let lag = lag as usize;
        for (k, &e) in erp.iter().enumerate() {
            let past = self.residual[120 + k - lag];
            self.residual[120 + k] = add(e, mult_r(b, past));
        }
        self.residual.copy_within(40.., 0);
    }

    /// 4.3.3–4.3.4: short-term synthesis with the log-area ratios interpolated from the last
    /// frame's over the first 40 samples.
    fn short_term(&mut self, lar_codes: &[i16; 8], wt: &[i16; 160], out: &mut [i16; 160]) {
        let now = self.current;
        let before = now ^ 1;
        self.current = before;
        for (i, (&code, (b2, mic, inva))) in lar_codes.iter().zip(LAR_DECODE).enumerate() {
            let t = sub(add(code, mic) << 10, b2);
            let t = mult_r(inva, t);
            self.lars[now][i] = add(t, t);
        }
        let (cur, prev) = (self.lars[now], self.lars[before]);
        let spans: [(usize, usize); 4] = [(0, 13), (13, 27), (27, 40), (40, 160)];
        for (part, (from, to)) in spans.into_iter().enumerate() {
            let mut rp = [0i16; 8];
            for i in 0..8 {
                let (p, c) = (prev[i], cur[i]);
                let lar = match part {
                    0 => add(add(p >> 2, c >> 2), p >> 1),
                    1 => add(p >> 1, c >> 1),
                    2 => add(add(p >> 2, c >> 2), c >> 1),
                    _ => c,
                };
                rp[i] = reflection(lar);
            }
            for k in from..to {
                let mut s = wt[k];
                for i in (0..8).rev() {
                    s = sub(s, mult_r(rp[i], self.v[i]));
                    self.v[i + 1] = add(self.v[i], mult_r(rp[i], s));
                }
                self.v[0] = s;
                out[k] = s;
            }
        }
    }
}

/// 4.2.9.2: a log-area ratio to its reflection coefficient (piecewise linear).
fn reflection(lar: i16) -> i16 {
    let mag = if lar == i16::MIN { i16::MAX } else { lar.abs() };
    let r = if mag < 11059 {
        mag << 1
    } else if mag < 20070 {
        mag + 11059
    } else {
        add(mag >> 2, 26112)
    };
    if lar < 0 { -r } else { r }
}

/// 4.2.15–4.2.17: the RPE pulses of one subframe, dequantised and put on their grid.
fn rpe_decode(xmax: i16, grid: i16, pulses: &[i16; 13]) -> [i16; 40] {
    let mut exp = if xmax > 15 { (xmax >> 3) - 1 } else { 0 };
    let mut mant = xmax - (exp << 3);
    if mant == 0 {
        exp = -4;
        mant = 7;
    } else {
        while mant <= 7 {
            mant = (mant << 1) | 1;
            exp -= 1;
        }
        mant -= 8;
    }
    let fac = FAC[mant as usize];
    let shift = sub(6, exp);
    let round = asl(1, sub(shift, 1));
    let mut ep = [0i16; 40];
    for (i, &p) in pulses.iter().enumerate() {
        let t = ((p << 1) - 7) << 12;
        let t = add(mult_r(fac, t), round);
        ep[grid as usize + 3 * i] = asr(t, shift);
    }
    ep
}

/// The audio of a GSM 6.10 WAV file (one channel; the caller judges its sample rate).
pub(super) fn decode_wav(path: &Path) -> Result<Audio, AudioError> {
    let p = || path.to_path_buf();
    let corrupt = |detail: String| AudioError::Corrupt { path: p(), detail };
    let bytes = std::fs::read(path).map_err(|source| AudioError::Open { path: p(), source })?;
    let chunks = riff_chunks(&bytes);
    let fmt = chunks
        .iter()
        .find(|c| c.0 == b"fmt ")
        .map(|c| c.1)
        .filter(|f| f.len() >= 16)
        .ok_or_else(|| corrupt("no usable fmt chunk".into()))?;
    let u16_at = |i: usize| u16::from_le_bytes([fmt[i], fmt[i + 1]]);
    let (channels, rate, block) = (
        usize::from(u16_at(2)),
        u32::from_le_bytes([fmt[4], fmt[5], fmt[6], fmt[7]]),
        usize::from(u16_at(12)),
    );
    if channels != 1 || block != BLOCK_BYTES {
        return Err(AudioError::UnsupportedCodec {
            path: p(),
            detail: format!(
                "GSM 6.10 with {channels} channels and {block}-byte blocks (only mono \
                 WAV49, 65-byte blocks, is known)"
            ),
        });
    }
    let (data, cut) = chunks
        .iter()
        .find(|c| c.0 == b"data")
        .map(|c| (c.1, c.2))
        .ok_or_else(|| AudioError::NoSamples { path: p() })?;
    // A byte or so past the last whole block is a writer's padding (sox pads an odd-length
    // data chunk inside it); a data chunk longer than the file is a cut-off recording.
    if cut {
        return Err(AudioError::Truncated {
            path: p(),
            detail: "file ends in the middle of the audio data".into(),
        });
    }
    // The fact chunk counts the samples: the last block's second frame may be padding.
    let declared = chunks
        .iter()
        .find(|c| c.0 == b"fact" && c.1.len() >= 4)
        .map(|c| u32::from_le_bytes([c.1[0], c.1[1], c.1[2], c.1[3]]) as usize);
    let mut decoder = Decoder::new();
    let mut samples = Vec::with_capacity(data.len() / BLOCK_BYTES * 2 * FRAME_SAMPLES);
    let mut frame = [0i16; FRAME_SAMPLES];
    for block in data.chunks_exact(BLOCK_BYTES) {
        let mut bits = Bits {
            bytes: block,
            at: 0,
        };
        for _ in 0..2 {
            decoder.decode(&bits.frame(), &mut frame);
            samples.extend(frame.iter().map(|&s| f32::from(s) / 32768.0));
        }
    }
    if let Some(n) = declared.filter(|&n| n <= samples.len()) {
        samples.truncate(n);
    }
    if samples.is_empty() {
        return Err(AudioError::NoSamples { path: p() });
    }
    Ok(Audio {
        rate,
        source: SourceInfo {
            format: "wave".into(),
            codec: "gsm_ms".into(),
            sample_rate: rate,
            channels: 1,
            bits_per_sample: None,
            decode_warnings: Vec::new(),
        },
        channels: vec![samples],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shifts_and_products_saturate_as_the_standard_says() {
        assert_eq!(mult_r(i16::MIN, i16::MIN), i16::MAX);
        assert_eq!(mult_r(16384, 16384), 8192);
        assert_eq!(asr(-5, 1), -3);
        assert_eq!(asr(-5, 16), -1);
        assert_eq!(asl(1, -1), 0);
        assert_eq!(asl(3, 2), 12);
        assert_eq!(add(i16::MAX, 1), i16::MAX);
        assert_eq!(reflection(i16::MIN), -add(i16::MAX >> 2, 26112));
    }
}
