//! The GE2E d-vector speaker encoder of resemblyzer 0.1.4 (3-layer LSTM, 256 units, linear + ReLU,
//! L2-normalised), run on our own code: 40-bin mel power spectra of 16 kHz audio (25 ms Hann
//! windows, 10 ms hop, librosa's Slaney filters) in, one 256-d unit vector per stretch of audio
//! out. `tests/diarize.rs` checks it against the reference implementation's embeddings.

use std::path::Path;
use std::sync::Arc;

use realfft::{RealFftPlanner, RealToComplex};

pub const RATE: u32 = 16_000;
const N_FFT: usize = 400;
pub const HOP: usize = 160;
const N_MELS: usize = 40;
const HIDDEN: usize = 256;
const GATES: usize = 4 * HIDDEN;
pub const EMBED: usize = 256;
/// Frames of one partial utterance (1.6 s), as the encoder was trained.
pub const PARTIAL_FRAMES: usize = 160;

pub type Mel = [f32; N_MELS];
pub type Embedding = Vec<f32>;

#[derive(Debug, thiserror::Error)]
pub enum EncoderError {
    #[error("{path}: cannot load the speaker encoder: {detail} (build it with `make models`)")]
    Load { path: String, detail: String },
}

struct Layer {
    /// [GATES × input] and [GATES × HIDDEN], row-major; gates in PyTorch's order i, f, g, o.
    w_ih: Vec<f32>,
    w_hh: Vec<f32>,
    bias: Vec<f32>,
    input: usize,
}

/// The loaded encoder with its mel filterbank and FFT plan; shared by all threads.
pub struct VoiceEncoder {
    layers: Vec<Layer>,
    linear_w: Vec<f32>,
    linear_b: Vec<f32>,
    filters: Vec<Vec<(usize, f32)>>,
    window: Vec<f32>,
    fft: Arc<dyn RealToComplex<f32>>,
}

impl VoiceEncoder {
    /// Load the safetensors file `make models` writes (tools/voice_encoder.py).
    pub fn load(path: &Path) -> Result<Self, EncoderError> {
        let err = |detail: String| EncoderError::Load {
            path: path.display().to_string(),
            detail,
        };
        let bytes = std::fs::read(path).map_err(|e| err(e.to_string()))?;
        let tensors = safetensors(&bytes).map_err(err)?;
        let get = |name: &str, shape: &[usize]| -> Result<Vec<f32>, EncoderError> {
            match tensors.iter().find(|t| t.0 == name) {
                Some((_, s, data)) if s == shape => Ok(data.clone()),
                Some((_, s, _)) => Err(err(format!("{name}: shape {s:?}, expected {shape:?}"))),
                None => Err(err(format!("no tensor {name}"))),
            }
        };
        let mut layers = Vec::new();
        for (l, input) in [(0, N_MELS), (1, HIDDEN), (2, HIDDEN)] {
            let b_ih = get(&format!("lstm.bias_ih_l{l}"), &[GATES])?;
            let b_hh = get(&format!("lstm.bias_hh_l{l}"), &[GATES])?;
            layers.push(Layer {
                w_ih: get(&format!("lstm.weight_ih_l{l}"), &[GATES, input])?,
                w_hh: get(&format!("lstm.weight_hh_l{l}"), &[GATES, HIDDEN])?,
                bias: b_ih.iter().zip(&b_hh).map(|(a, b)| a + b).collect(),
                input,
            });
        }
        let window = (0..N_FFT)
            .map(|n| {
                let x = std::f32::consts::PI * n as f32 / N_FFT as f32;
                x.sin().powi(2) // periodic Hann
            })
            .collect();
        Ok(VoiceEncoder {
            layers,
            linear_w: get("linear.weight", &[EMBED, HIDDEN])?,
            linear_b: get("linear.bias", &[EMBED])?,
            filters: slaney_filters(),
            window,
            fft: RealFftPlanner::<f32>::new().plan_fft_forward(N_FFT),
        })
    }

    /// Mel power spectrum frames of 16 kHz `samples`, as librosa's `melspectrogram` (centred
    /// frames, zero padding): frame `k` is centred on sample `k * HOP`.
    pub fn mel(&self, samples: &[f32]) -> Vec<Mel> {
        let n = 1 + samples.len() / HOP;
        let half = N_FFT / 2;
        let mut input = self.fft.make_input_vec();
        let mut spectrum = self.fft.make_output_vec();
        let mut power = vec![0f32; spectrum.len()];
        (0..n)
            .map(|k| {
                for (j, v) in input.iter_mut().enumerate() {
                    let i = (k * HOP + j).wrapping_sub(half);
                    *v = samples.get(i).copied().unwrap_or(0.0) * self.window[j];
                }
                self.fft
                    .process(&mut input, &mut spectrum)
                    .expect("FFT buffers sized by the plan");
                for (p, c) in power.iter_mut().zip(&spectrum) {
                    *p = c.norm_sqr();
                }
                let mut m = [0f32; N_MELS];
                for (out, f) in m.iter_mut().zip(&self.filters) {
                    *out = f.iter().map(|&(b, w)| w * power[b]).sum();
                }
                m
            })
            .collect()
    }

    /// One embedding per stretch of mel frames (each a partial utterance, any length ≥ 1).
    /// Stretches of equal length run through the LSTM together.
    pub fn embed(&self, stretches: &[&[Mel]]) -> Vec<Embedding> {
        let mut out = vec![Vec::new(); stretches.len()];
        let mut order: Vec<usize> = (0..stretches.len()).collect();
        order.sort_by_key(|&i| stretches[i].len());
        for group in order.chunk_by(|&a, &b| stretches[a].len() == stretches[b].len()) {
            for batch in group.chunks(16) {
                let frames: Vec<&[Mel]> = batch.iter().map(|&i| stretches[i]).collect();
                for (&i, e) in batch.iter().zip(self.forward(&frames)) {
                    out[i] = e;
                }
            }
        }
        out
    }

    /// resemblyzer's `embed_utterance(wav)` (rate 1.3 partials per second, min coverage 0.75):
    /// the normalised mean of its partial utterances' embeddings.
    pub fn embed_utterance(&self, wav: &[f32]) -> (Embedding, Vec<Embedding>) {
        let step = ((f64::from(RATE) / 1.3) / HOP as f64).round() as usize;
        let n_frames = (wav.len() + 1).div_ceil(HOP);
        let steps = (n_frames + step + 1).saturating_sub(PARTIAL_FRAMES).max(1);
        let mut starts: Vec<usize> = (0..steps).step_by(step).collect();
        let last = *starts.last().expect("at least one partial");
        let coverage = (wav.len() as f64 - (last * HOP) as f64) / (PARTIAL_FRAMES * HOP) as f64;
        if coverage < 0.75 && starts.len() > 1 {
            starts.pop();
        }
        let end = (starts.last().expect("at least one") + PARTIAL_FRAMES) * HOP;
        let mut padded = wav.to_vec();
        padded.resize(padded.len().max(end), 0.0);
        let mel = self.mel(&padded);
        let stretches: Vec<&[Mel]> = starts
            .iter()
            .map(|&s| &mel[s..s + PARTIAL_FRAMES])
            .collect();
        let partials = self.embed(&stretches);
        (mean_direction(&partials), partials)
    }

    /// The LSTM over equal-length stretches; the last layer's final hidden state → linear →
    /// ReLU → unit length.
    fn forward(&self, stretches: &[&[Mel]]) -> Vec<Embedding> {
        let b = stretches.len();
        let t_len = stretches[0].len();
        let mut seq: Vec<f32> = Vec::with_capacity(b * t_len * N_MELS);
        for s in stretches {
            for m in s.iter() {
                seq.extend_from_slice(m);
            }
        }
        let mut last = vec![0f32; b * HIDDEN];
        for layer in &self.layers {
            let mut next = vec![0f32; b * t_len * HIDDEN];
            // input projections of every step at once, then the recurrence
            let mut pre = vec![0f32; b * t_len * GATES];
            matmul_t(&seq, layer.input, &layer.w_ih, &layer.bias, &mut pre);
            let mut h = vec![0f32; b * HIDDEN];
            let mut c = vec![0f32; b * HIDDEN];
            let mut gates = vec![0f32; b * GATES];
            for t in 0..t_len {
                matmul_t(&h, HIDDEN, &layer.w_hh, &[], &mut gates);
                for i in 0..b {
                    let g = &mut gates[i * GATES..(i + 1) * GATES];
                    let p = &pre[(i * t_len + t) * GATES..(i * t_len + t + 1) * GATES];
                    for (x, y) in g.iter_mut().zip(p) {
                        *x += y;
                    }
                    for u in 0..HIDDEN {
                        let ig = sigmoid(g[u]);
                        let fg = sigmoid(g[HIDDEN + u]);
                        let gg = g[2 * HIDDEN + u].tanh();
                        let og = sigmoid(g[3 * HIDDEN + u]);
                        let cell = &mut c[i * HIDDEN + u];
                        *cell = fg * *cell + ig * gg;
                        let hv = og * cell.tanh();
                        h[i * HIDDEN + u] = hv;
                        next[(i * t_len + t) * HIDDEN + u] = hv;
                    }
                }
            }
            last = h;
            seq = next;
        }
        let mut raw = vec![0f32; b * EMBED];
        matmul_t(&last, HIDDEN, &self.linear_w, &self.linear_b, &mut raw);
        raw.chunks(EMBED)
            .map(|e| unit(e.iter().map(|v| v.max(0.0)).collect()))
            .collect()
    }
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// `out[r][j] = bias[j] + Σ_k x[r][k]·w[j][k]` for every row `r` of `x` (width `k`), `w` rows
/// of width `k`. Eight partial sums per dot product so that the compiler vectorises it.
fn matmul_t(x: &[f32], k: usize, w: &[f32], bias: &[f32], out: &mut [f32]) {
    let rows_w = w.len() / k;
    for (xr, or) in x.chunks_exact(k).zip(out.chunks_exact_mut(rows_w)) {
        for (j, (wr, o)) in w.chunks_exact(k).zip(or.iter_mut()).enumerate() {
            let mut acc = [0f32; 8];
            for (a, b) in xr.chunks_exact(8).zip(wr.chunks_exact(8)) {
                for l in 0..8 {
                    acc[l] += a[l] * b[l];
                }
            }
            let tail: f32 = xr[k / 8 * 8..]
                .iter()
                .zip(&wr[k / 8 * 8..])
                .map(|(a, b)| a * b)
                .sum();
            *o = acc.iter().sum::<f32>() + tail + bias.get(j).copied().unwrap_or(0.0);
        }
    }
}

/// `v` scaled to unit length (zero stays zero).
pub fn unit(mut v: Vec<f32>) -> Vec<f32> {
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if n > 0.0 {
        v.iter_mut().for_each(|x| *x /= n);
    }
    v
}

/// The unit-length mean of unit vectors.
pub fn mean_direction(v: &[Embedding]) -> Embedding {
    let mut sum = vec![0f32; v.first().map_or(EMBED, Vec::len)];
    for e in v {
        for (s, x) in sum.iter_mut().zip(e) {
            *s += x;
        }
    }
    unit(sum)
}

pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// librosa.filters.mel(sr=16000, n_fft=400, n_mels=40): Slaney's mel scale (linear below
/// 1 kHz, logarithmic above) and area normalisation; sparse (bin, weight) per filter.
fn slaney_filters() -> Vec<Vec<(usize, f32)>> {
    const F_SP: f64 = 200.0 / 3.0;
    let min_log_mel = 1000.0 / F_SP;
    let logstep = 6.4f64.ln() / 27.0;
    let to_mel = |f: f64| {
        if f >= 1000.0 {
            min_log_mel + (f / 1000.0).ln() / logstep
        } else {
            f / F_SP
        }
    };
    let to_hz = |m: f64| {
        if m >= min_log_mel {
            1000.0 * (logstep * (m - min_log_mel)).exp()
        } else {
            m * F_SP
        }
    };
    let top = to_mel(f64::from(RATE) / 2.0);
    let hz: Vec<f64> = (0..N_MELS + 2)
        .map(|i| to_hz(top * i as f64 / (N_MELS + 1) as f64))
        .collect();
    let bins = N_FFT / 2 + 1;
    (0..N_MELS)
        .map(|m| {
            let enorm = 2.0 / (hz[m + 2] - hz[m]);
            (0..bins)
                .filter_map(|b| {
                    let f = b as f64 * f64::from(RATE) / N_FFT as f64;
                    let lower = (f - hz[m]) / (hz[m + 1] - hz[m]);
                    let upper = (hz[m + 2] - f) / (hz[m + 2] - hz[m + 1]);
                    let w = lower.min(upper).max(0.0) * enorm;
                    (w > 0.0).then_some((b, w as f32))
                })
                .collect()
        })
        .collect()
}

/// (name, shape, values)
type Tensor = (String, Vec<usize>, Vec<f32>);

/// The F32 tensors of a safetensors file.
fn safetensors(bytes: &[u8]) -> Result<Vec<Tensor>, String> {
    let bad = |what: &str| format!("not a safetensors file ({what})");
    let len = bytes
        .get(..8)
        .map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes")) as usize)
        .ok_or_else(|| bad("too short"))?;
    let header = bytes.get(8..8 + len).ok_or_else(|| bad("header"))?;
    let data = &bytes[8 + len..];
    let header: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(header).map_err(|e| bad(&e.to_string()))?;
    let mut out = Vec::new();
    for (name, t) in header.into_iter().filter(|(n, _)| n != "__metadata__") {
        let shape: Vec<usize> = serde_json::from_value(t["shape"].clone())
            .map_err(|_| bad(&format!("{name}: shape")))?;
        let [a, b]: [usize; 2] = serde_json::from_value(t["data_offsets"].clone())
            .map_err(|_| bad(&format!("{name}: offsets")))?;
        if t["dtype"] != "F32" {
            return Err(format!("{name}: dtype {}, expected F32", t["dtype"]));
        }
        let raw = data
            .get(a..b)
            .filter(|r| r.len() == 4 * shape.iter().product::<usize>())
            .ok_or_else(|| bad(&format!("{name}: data")))?;
        let values = raw
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes")))
            .collect();
        out.push((name, shape, values));
    }
    Ok(out)
}
