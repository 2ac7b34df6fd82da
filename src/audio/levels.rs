use serde::Serialize;

/// Sample peak and RMS of one channel, in dBFS (full scale = 0 dB; silence = -inf, shown as null).
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct ChannelLevels {
    pub peak_dbfs: Option<f64>,
    pub rms_dbfs: Option<f64>,
}

pub fn channel_levels(samples: &[f32]) -> ChannelLevels {
    let mut peak = 0.0f32;
    let mut sum_sq = 0.0f64;
    for &s in samples {
        peak = peak.max(s.abs());
        sum_sq += f64::from(s) * f64::from(s);
    }
    let rms = if samples.is_empty() {
        0.0
    } else {
        (sum_sq / samples.len() as f64).sqrt()
    };
    ChannelLevels {
        peak_dbfs: to_db(f64::from(peak)),
        rms_dbfs: to_db(rms),
    }
}

fn to_db(amplitude: f64) -> Option<f64> {
    (amplitude > 0.0).then(|| 20.0 * amplitude.log10())
}
