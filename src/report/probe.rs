//! The text and JSON of `callqa probe`: what a file is and how loud each channel is.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::audio::{self, Audio, ChannelLevels, SourceInfo};
use crate::call::CallStatus;

/// `callqa probe` output for one file: what it is and how loud each channel is.
#[derive(Debug, Serialize)]
pub struct ProbeReport {
    pub path: PathBuf,
    pub status: CallStatus,
    #[serde(flatten)]
    pub source: SourceInfo,
    pub frames: usize,
    pub duration_s: f64,
    pub levels: Vec<ChannelLevels>,
}

impl ProbeReport {
    pub fn new(path: &Path, audio: &Audio) -> Self {
        ProbeReport {
            path: path.to_path_buf(),
            status: CallStatus::Ok,
            source: audio.source.clone(),
            frames: audio.frames(),
            duration_s: audio.duration_s(),
            levels: audio
                .channels
                .iter()
                .map(|c| audio::channel_levels(c))
                .collect(),
        }
    }
}

/// `callqa probe` as text: format, codec, rate, channels, duration and levels per channel.
pub fn render_probe(r: &ProbeReport) -> String {
    let db = |v: Option<f64>| v.map_or("-inf".to_string(), |v| format!("{v:.2}"));
    let bits = r
        .source
        .bits_per_sample
        .map(|b| format!(", {b}-bit"))
        .unwrap_or_default();
    let mut s = format!(
        "{}\n  format    {}\n  codec     {}{bits}\n  rate      {} Hz\n  channels  {}\n  duration  {:.3} s ({} frames)\n",
        crate::call::printable(&r.path.display().to_string()),
        r.source.format,
        r.source.codec,
        r.source.sample_rate,
        r.source.channels,
        r.duration_s,
        r.frames,
    );
    for (i, l) in r.levels.iter().enumerate() {
        let side = match (r.levels.len(), i) {
            (2, 0) => " (left)",
            (2, 1) => " (right)",
            _ => "",
        };
        s += &format!(
            "  ch{i}{side:<8} peak {:>7} dBFS  rms {:>7} dBFS\n",
            db(l.peak_dbfs),
            db(l.rms_dbfs)
        );
    }
    // what decoding repaired: the levels above are of the repaired samples
    for w in &r.source.decode_warnings {
        s += &format!("  warning   {w}\n");
    }
    s
}
