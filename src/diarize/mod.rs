//! Stage: speaker separation for mono recordings, where agent and customer share one channel.
//! Speech regions (the analysis VAD) are cut into 1.6 s windows, each window becomes a speaker
//! embedding ([`VoiceEncoder`]), the embeddings fall into two voices (spherical k-means from
//! the two most different windows), and every 10 ms frame of speech takes the voice its
//! covering windows lean to. Which voice is the agent is decided later, from what each says.

mod encoder;

use std::path::Path;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::audio::{VadConfig, speech_intervals};
use crate::call::Interval;
pub use encoder::{
    EMBED, Embedding, EncoderError, HOP, Mel, PARTIAL_FRAMES, RATE, VoiceEncoder, cosine,
    mean_direction, unit,
};

/// Speaker separation settings (the `[diarize]` table of the config file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DiarizeConfig {
    /// Separate the speakers of mono calls (off: a mono call is one `mixed` speaker).
    pub enabled: bool,
    /// Step between embedding windows (each 1.6 s long); smaller finds turns more exactly and
    /// costs proportionally more.
    pub hop_s: f64,
    /// Two voices whose mean embeddings are less similar than this are two voices…
    pub distinct_voice_similarity: f32,
    /// … more similar than this, one voice; in between, two if they take turns.
    pub same_voice_similarity: f32,
    /// A voice with less than this share of the speech is no second voice…
    pub min_voice_share: f64,
    /// … nor one with less speech than this (s): a few seconds of one speaker split in two by
    /// chance look like two voices.
    pub min_voice_s: f64,
    /// Turns shorter than this join the voice around them.
    pub min_turn_s: f64,
}

impl Default for DiarizeConfig {
    fn default() -> Self {
        DiarizeConfig {
            enabled: true,
            hop_s: 0.4,
            distinct_voice_similarity: 0.80,
            same_voice_similarity: 0.95,
            min_voice_share: 0.03,
            min_voice_s: 3.0,
            min_turn_s: 0.3,
        }
    }
}

impl DiarizeConfig {
    /// Steps and shares in their ranges, similarities in [-1, 1] and in order.
    pub fn validate(&self) -> Result<(), String> {
        let c = self;
        let bad = |k: &str, v: f64, want: &str| Err(format!("[diarize] {k} = {v}: {want}"));
        if !(c.hop_s > 0.0 && c.hop_s <= 1.6) {
            return bad("hop_s", c.hop_s, "must be in (0, 1.6] (windows are 1.6 s)");
        }
        if !(0.0..0.5).contains(&c.min_voice_share) {
            return bad("min_voice_share", c.min_voice_share, "must be in [0, 0.5)");
        }
        for (k, v) in [("min_turn_s", c.min_turn_s), ("min_voice_s", c.min_voice_s)] {
            if !(v >= 0.0 && v.is_finite()) {
                return bad(k, v, "must be a number ≥ 0");
            }
        }
        // printed as the f32s they are (0.95, not 0.949999988079071)
        let (lo, hi) = (c.distinct_voice_similarity, c.same_voice_similarity);
        if !((-1.0..=1.0).contains(&lo) && (-1.0..=1.0).contains(&hi) && lo <= hi) {
            return Err(format!(
                "[diarize] distinct_voice_similarity = {lo}, same_voice_similarity = {hi}: \
                 similarities in [-1, 1], the first not above the second"
            ));
        }
        Ok(())
    }
}

/// One stretch of one voice's speech.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Turn {
    /// 0: the voice heard first; 1: the other.
    pub voice: usize,
    pub start: f64,
    pub end: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diarization {
    /// 1 or 2 (0 without speech).
    pub voices: usize,
    pub turns: Vec<Turn>,
    /// Cosine similarity of the two likeliest voices' mean embeddings: the lower, the surer
    /// the separation; above `same_voice_similarity`, one voice.
    pub voice_similarity: f32,
}

impl Diarization {
    /// Each voice's speech intervals.
    pub fn intervals(&self, voice: usize) -> Vec<Interval> {
        self.turns
            .iter()
            .filter(|t| t.voice == voice)
            .map(|t| Interval {
                start: t.start,
                end: t.end,
            })
            .collect()
    }

    /// One channel per voice: the call's samples inside that voice's turns, silence elsewhere.
    pub fn split(&self, samples: Vec<f32>, rate: u32) -> Vec<Vec<f32>> {
        let mut out: Vec<Vec<f32>> = (0..self.voices.max(1))
            .map(|v| if v == 0 { Vec::new() } else { samples.clone() })
            .collect();
        out[0] = samples;
        for (v, ch) in out.iter_mut().enumerate() {
            self.keep_voice(ch, v, rate);
        }
        out
    }

    /// Silence everything in `samples` (the call at `rate`) outside `voice`'s turns: that
    /// voice's channel, made in place.
    pub fn keep_voice(&self, samples: &mut [f32], voice: usize, rate: u32) {
        let n = samples.len();
        let at = |s: f64| ((s * f64::from(rate)) as usize).min(n);
        // turns are in time order and never overlap: zero what lies between this voice's
        let mut kept_to = 0;
        for t in self.turns.iter().filter(|t| t.voice == voice) {
            let (a, b) = (at(t.start), at(t.end).max(at(t.start)));
            samples[kept_to.min(a)..a].fill(0.0);
            kept_to = kept_to.max(b);
        }
        samples[kept_to..].fill(0.0);
    }
}

/// A loaded speaker encoder with its settings.
pub struct Diarizer {
    encoder: VoiceEncoder,
    cfg: DiarizeConfig,
}

/// resemblyzer normalises its training audio to this RMS level: the LSTM reads linear power.
const TARGET_DBFS: f64 = -30.0;

impl Diarizer {
    pub fn load(path: &Path, cfg: DiarizeConfig) -> Result<Self, EncoderError> {
        Ok(Diarizer {
            encoder: VoiceEncoder::load(path)?,
            cfg,
        })
    }

    pub fn encoder(&self) -> &VoiceEncoder {
        &self.encoder
    }

    /// Separate the voices of one 16 kHz channel.
    pub fn diarize(&self, samples: &[f32]) -> Diarization {
        let regions = speech_intervals(samples, RATE, &VadConfig::default());
        let frame_of = |t: f64| (t * f64::from(RATE) / HOP as f64).round() as usize;
        let gain = speech_gain(samples, &regions);
        // per region: its mel frames and its windows (frame ranges within the region)
        let spans: Vec<(usize, Vec<Mel>)> = regions
            .par_iter()
            .map(|r| {
                let a = (r.start * f64::from(RATE)) as usize;
                let b = ((r.end * f64::from(RATE)) as usize).min(samples.len());
                let scaled: Vec<f32> = samples[a..b].iter().map(|v| v * gain).collect();
                let mut mel = self.encoder.mel(&scaled);
                mel.pop(); // the frame centred past the end
                (frame_of(r.start), mel)
            })
            .collect();
        let hop = ((self.cfg.hop_s * 100.0).round() as usize).max(1);
        let mut windows: Vec<(usize, usize, usize)> = Vec::new(); // (region, from, to)
        for (k, (_, mel)) in spans.iter().enumerate() {
            let n = mel.len();
            if n < 20 {
                continue; // under 0.2 s: a click or a breath, no voice to tell
            }
            let mut s = 0;
            loop {
                let e = (s + PARTIAL_FRAMES).min(n);
                windows.push((k, s, e));
                if e == n {
                    break;
                }
                s = (s + hop).min(n.saturating_sub(PARTIAL_FRAMES));
            }
        }
        let stretches: Vec<&[Mel]> = windows.iter().map(|&(k, s, e)| &spans[k].1[s..e]).collect();
        let embeddings: Vec<Embedding> = stretches
            .par_chunks(32)
            .flat_map_iter(|c| self.encoder.embed(c))
            .collect();
        let weights: Vec<f64> = windows.iter().map(|w| (w.2 - w.1) as f64).collect();
        let (centroids, similarity) = two_voices(&embeddings, &weights, self.cfg.min_voice_share);
        // per frame of each region: Σ over covering windows of (sim to voice 1 − sim to voice 0)
        let mut margins: Vec<Vec<f32>> = spans.iter().map(|(_, m)| vec![0.0; m.len()]).collect();
        if let Some([c0, c1]) = &centroids {
            for (w, e) in windows.iter().zip(&embeddings) {
                let m = cosine(e, c1) - cosine(e, c0);
                margins[w.0][w.1..w.2].iter_mut().for_each(|x| *x += m);
            }
        }
        // speech frames (10 ms) each voice would get
        let mut assigned = [0.0f64; 2];
        for &x in margins.iter().flatten().filter(|x| **x != 0.0) {
            assigned[usize::from(x > 0.0)] += 1.0;
        }
        let total = assigned[0] + assigned[1];
        // Telephone-band voices of one speaker can be as alike as 0.95, two speakers' as
        // 0.90: between the two thresholds, two voices only if they also take turns — each
        // speech region nearly all one voice, as when one voice is not split at random.
        // Either way each voice must hold the most of at least two speech regions: a party to
        // a call speaks more than once, while one reader's digits or one odd sentence can look
        // like another voice.
        // Close voices must also each hold three regions: one voice split by what it says
        // (a name and number, one curt sentence) took two (an English call of two espeak-ng
        // accents on one synthetic voice, 0.86).
        let (purity, regions_of) = turn_taking(&margins);
        let distinct = similarity < self.cfg.distinct_voice_similarity;
        let turns_needed = if distinct { MIN_TURNS } else { MIN_TURNS_CLOSE };
        let two = centroids.is_some()
            && assigned.iter().all(|&a| {
                a >= self.cfg.min_voice_share * total && a >= self.cfg.min_voice_s * 100.0
            })
            && regions_of.iter().all(|&r| r >= turns_needed)
            && (distinct || (similarity < self.cfg.same_voice_similarity && purity >= TURN_PURITY));
        let mut turns = Vec::new();
        let frame_s = HOP as f64 / f64::from(RATE);
        for ((first, _), (r, m)) in spans.iter().zip(regions.iter().zip(&margins)) {
            let labels: Vec<usize> = if two {
                smooth(
                    m.iter().map(|&x| usize::from(x > 0.0)).collect(),
                    (self.cfg.min_turn_s / frame_s) as usize,
                )
            } else {
                vec![0; m.len()]
            };
            let mut s = 0;
            while s < labels.len() {
                let e = s + labels[s..].iter().take_while(|&&l| l == labels[s]).count();
                turns.push(Turn {
                    voice: labels[s],
                    start: if s == 0 {
                        r.start
                    } else {
                        (first + s) as f64 * frame_s
                    },
                    end: if e == labels.len() {
                        r.end
                    } else {
                        (first + e) as f64 * frame_s
                    },
                });
                s = e;
            }
        }
        // voice 0 is the one heard first
        if turns.first().is_some_and(|t| t.voice == 1) {
            turns.iter_mut().for_each(|t| t.voice = 1 - t.voice);
        }
        Diarization {
            voices: if turns.is_empty() {
                0
            } else {
                1 + usize::from(two)
            },
            turns,
            voice_similarity: similarity,
        }
    }
}

/// Share of speech frames that agree with their region's majority voice, above which two
/// likely voices are taken as two parties taking turns…
const TURN_PURITY: f64 = 0.97;
/// Speech regions each voice must hold the most of…
const MIN_TURNS: usize = 2;
/// … when the voices are close (between the two similarity thresholds).
const MIN_TURNS_CLOSE: usize = 3;

/// (share of speech frames agreeing with their region's majority voice, regions each voice
/// holds the majority of)
fn turn_taking(margins: &[Vec<f32>]) -> (f64, [usize; 2]) {
    let (mut agree, mut all, mut regions) = (0usize, 0usize, [0usize; 2]);
    for m in margins {
        let pos = m.iter().filter(|&&x| x > 0.0).count();
        let neg = m.iter().filter(|&&x| x < 0.0).count();
        agree += pos.max(neg);
        all += pos + neg;
        if pos + neg > 0 {
            regions[usize::from(pos > neg)] += 1;
        }
    }
    (agree as f64 / all.max(1) as f64, regions)
}

/// The gain that brings the speech's RMS level to TARGET_DBFS.
fn speech_gain(samples: &[f32], regions: &[Interval]) -> f32 {
    let (mut sum, mut n) = (0f64, 0usize);
    for r in regions {
        let a = (r.start * f64::from(RATE)) as usize;
        let b = ((r.end * f64::from(RATE)) as usize).min(samples.len());
        sum += samples[a..b]
            .iter()
            .map(|&v| f64::from(v).powi(2))
            .sum::<f64>();
        n += b - a;
    }
    if n == 0 || sum <= 0.0 {
        return 1.0;
    }
    let dbfs = 10.0 * (sum / n as f64).log10();
    10f64.powf((TARGET_DBFS - dbfs) / 20.0) as f32
}

/// Two voices' centroids by weighted spherical k-means, and their cosine similarity. k-means
/// finds a local optimum, so it starts twice — from a split along the windows' principal
/// direction, and from the window least like the call and the window least like that one —
/// and the pair that separates the voices most (lowest similarity, each with at least
/// `min_share` of the weight) wins. Windows under 1 s are too noisy to place the centroids.
fn two_voices(e: &[Embedding], w: &[f64], min_share: f64) -> (Option<[Embedding; 2]>, f32) {
    let long: Vec<usize> = (0..e.len()).filter(|&i| w[i] >= 100.0).collect();
    let used: Vec<usize> = if long.len() >= 4 {
        long
    } else {
        (0..e.len()).collect()
    };
    if used.len() < 2 {
        return (None, 1.0);
    }
    let total: f64 = used.iter().map(|&i| w[i]).sum();
    let mean = mean_direction(&used.iter().map(|&i| e[i].clone()).collect::<Vec<_>>());
    let far = |from: &[f32]| {
        *used
            .iter()
            .min_by(|&&i, &&j| cosine(&e[i], from).total_cmp(&cosine(&e[j], from)))
            .expect("non-empty")
    };
    let a = far(&mean);
    let seeds = [
        principal_split(e, &used, &mean),
        Some([e[a].clone(), e[far(&e[a])].clone()]),
    ];
    let mut best: (Option<[Embedding; 2]>, f32) = (None, 1.0);
    for mut c in seeds.into_iter().flatten() {
        let mut share = [0f64; 2];
        for _ in 0..20 {
            let mut sums = [vec![0f32; EMBED], vec![0f32; EMBED]];
            share = [0.0; 2];
            for &i in &used {
                let k = usize::from(cosine(&e[i], &c[1]) > cosine(&e[i], &c[0]));
                sums[k]
                    .iter_mut()
                    .zip(&e[i])
                    .for_each(|(s, v)| *s += v * w[i] as f32);
                share[k] += w[i] / total;
            }
            if sums.iter().any(|v| v.iter().all(|&x| x == 0.0)) {
                break;
            }
            let next = sums.map(unit);
            let done = next == c;
            c = next;
            if done {
                break;
            }
        }
        let sim = cosine(&c[0], &c[1]);
        if share.iter().all(|&s| s >= min_share) && (best.0.is_none() || sim < best.1) {
            best = (Some(c), sim);
        }
    }
    best
}

/// Mean directions of the windows on either side of their principal direction (power
/// iteration on the covariance, never formed).
fn principal_split(e: &[Embedding], used: &[usize], mean: &[f32]) -> Option<[Embedding; 2]> {
    let centred: Vec<Vec<f32>> = used
        .iter()
        .map(|&i| e[i].iter().zip(mean).map(|(a, b)| a - b).collect())
        .collect();
    let mut dir = centred
        .iter()
        .max_by(|a, b| cosine(a, a).total_cmp(&cosine(b, b)))?
        .clone();
    for _ in 0..30 {
        let mut next = vec![0f32; EMBED];
        for x in &centred {
            let p = cosine(x, &dir);
            next.iter_mut().zip(x).for_each(|(n, v)| *n += p * v);
        }
        dir = unit(next);
    }
    let mut sums = [vec![0f32; EMBED], vec![0f32; EMBED]];
    for (x, &i) in centred.iter().zip(used) {
        let k = usize::from(cosine(x, &dir) > 0.0);
        sums[k].iter_mut().zip(&e[i]).for_each(|(s, v)| *s += v);
    }
    let c = sums.map(unit);
    c.iter().all(|v| v.iter().any(|&x| x != 0.0)).then_some(c)
}

/// Runs shorter than `min` frames take the label of the longer neighbour, shortest first.
fn smooth(mut labels: Vec<usize>, min: usize) -> Vec<usize> {
    loop {
        let mut runs: Vec<(usize, usize)> = Vec::new();
        let mut s = 0;
        while s < labels.len() {
            let e = s + labels[s..].iter().take_while(|&&l| l == labels[s]).count();
            runs.push((s, e));
            s = e;
        }
        let Some(k) = (0..runs.len())
            .filter(|&k| runs.len() > 1 && runs[k].1 - runs[k].0 < min)
            .min_by_key(|&k| runs[k].1 - runs[k].0)
        else {
            return labels;
        };
        let (s, e) = runs[k];
        let left = k.checked_sub(1).map(|j| runs[j].1 - runs[j].0);
        let right = runs.get(k + 1).map(|r| r.1 - r.0);
        let from = if left >= right { s - 1 } else { e };
        let l = labels[from];
        labels[s..e].iter_mut().for_each(|x| *x = l);
    }
}
