//! Number formats and tables the conversion needs: half floats, the mel filterbank, and
//! GPT-2's byte-level vocabulary.

/// The text tokens of `vocabulary.txt` as raw bytes. CT2 stores GPT-2's byte-level unicode
/// strings; whisper.cpp wants the bytes, and adds the special tokens (<|endoftext|> on) itself.
pub fn vocab_bytes(text: &str) -> Result<Vec<Vec<u8>>, String> {
    let decoder = byte_decoder();
    let mut out = Vec::new();
    for line in text.split('\n') {
        if line == "<|endoftext|>" {
            return Ok(out);
        }
        let bytes = line
            .chars()
            .map(|c| {
                decoder
                    .get(&c)
                    .copied()
                    .ok_or(format!("token {line:?}: {c:?} is not a GPT-2 byte symbol"))
            })
            .collect::<Result<Vec<u8>, _>>()?;
        out.push(bytes);
    }
    Err("vocabulary has no <|endoftext|> token".into())
}

/// GPT-2's bytes_to_unicode, inverted: printable bytes map to themselves, the rest to U+0100+n.
fn byte_decoder() -> std::collections::HashMap<char, u8> {
    let printable = |b: u8| {
        (b'!'..=b'~').contains(&b) || (0xA1..=0xAC).contains(&b) || (0xAE..=0xFF).contains(&b)
    };
    let mut n = 0u32;
    (0..=255u8)
        .map(|b| {
            if printable(b) {
                (char::from(b), b)
            } else {
                n += 1;
                (char::from_u32(255 + n).unwrap(), b)
            }
        })
        .collect()
}

/// Slaney-style mel filterbank (librosa's default, which Whisper uses): `n_mels` × (n_fft/2+1),
/// row-major, area-normalised triangles between 0 Hz and rate/2.
pub fn mel_filters(rate: u32, n_fft: usize, n_mels: usize) -> Vec<f32> {
    let hz_to_mel = |f: f64| {
        if f < 1000.0 {
            f * 3.0 / 200.0
        } else {
            15.0 + (f / 1000.0).ln() / (6.4f64.ln() / 27.0)
        }
    };
    let mel_to_hz = |m: f64| {
        if m < 15.0 {
            m * 200.0 / 3.0
        } else {
            1000.0 * ((m - 15.0) * (6.4f64.ln() / 27.0)).exp()
        }
    };
    let n_bins = n_fft / 2 + 1;
    let fmax = f64::from(rate) / 2.0;
    let fft_freqs: Vec<f64> = (0..n_bins)
        .map(|i| fmax * i as f64 / (n_bins - 1) as f64)
        .collect();
    let mel_max = hz_to_mel(fmax);
    let mel_f: Vec<f64> = (0..n_mels + 2)
        .map(|i| mel_to_hz(mel_max * i as f64 / (n_mels + 1) as f64))
        .collect();
    let mut w = vec![0f32; n_mels * n_bins];
    for m in 0..n_mels {
        let enorm = 2.0 / (mel_f[m + 2] - mel_f[m]);
        for (k, &f) in fft_freqs.iter().enumerate() {
            let lower = (f - mel_f[m]) / (mel_f[m + 1] - mel_f[m]);
            let upper = (mel_f[m + 2] - f) / (mel_f[m + 2] - mel_f[m + 1]);
            w[m * n_bins + k] = (lower.min(upper).max(0.0) * enorm) as f32;
        }
    }
    w
}

pub fn f16_to_f32(h: u16) -> f32 {
    let sign = u32::from(h >> 15) << 31;
    let exp = u32::from((h >> 10) & 0x1f);
    let man = u32::from(h & 0x3ff);
    let bits = match (exp, man) {
        (0, 0) => sign,
        (0, _) => {
            // subnormal: normalise
            let shift = man.leading_zeros() - 21;
            sign | ((127 - 15 + 1 - shift) << 23) | ((man << shift) & 0x3ff) << 13
        }
        (31, _) => sign | 0x7f80_0000 | (man << 13),
        _ => sign | ((exp + 127 - 15) << 23) | (man << 13),
    };
    f32::from_bits(bits)
}

pub fn f32_to_f16(v: f32) -> u16 {
    let x = v.to_bits();
    let sign = ((x >> 16) & 0x8000) as u16;
    let exp = ((x >> 23) & 0xff) as i32 - 127 + 15;
    let man = x & 0x7f_ffff;
    if exp >= 31 {
        return sign | 0x7c00 | if v.is_nan() { 0x200 } else { 0 };
    }
    if exp <= 0 {
        if exp < -10 {
            return sign;
        }
        // subnormal half: mantissa = 1.man × 2^(exp - 1) in units of 2^-24, rounded half up
        let shift = (14 - exp) as u32;
        return sign | (((man | 0x80_0000) + (1 << (shift - 1))) >> shift) as u16;
    }
    let h = (sign as u32) | ((exp as u32) << 10) | (man >> 13);
    // round to nearest even
    let rem = man & 0x1fff;
    (if rem > 0x1000 || (rem == 0x1000 && (h & 1) == 1) {
        h + 1
    } else {
        h
    }) as u16
}
