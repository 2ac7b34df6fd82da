//! Acoustic analysis throughput on one core: a 10-minute 16 kHz stereo call made of the real
//! THCHS-30 recordings (agent and customer taking turns, with pauses), in audio-seconds per
//! wall-second, beside one plain EBU R128 loudness pass (ebur128 crate) over the same call as the
//! same-run baseline. Median of 5 runs.

use std::path::Path;

use callqa::analysis::{self, AnalysisConfig};
use callqa::audio::{self, Audio};
use callqa::call::CallFacts;

mod common;
use common::median_secs;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let clips: Vec<Vec<f32>> = (0..7)
        .map(|i| {
            audio::decode(&root.join(format!("datasets/zh-thchs30/A2_{i}.wav")))
                .unwrap()
                .channels
                .remove(0)
        })
        .collect();
    let rate = 16_000usize;
    let len = 600 * rate;
    let (mut left, mut right) = (Vec::with_capacity(len), Vec::with_capacity(len));
    let mut k = 0;
    while left.len() < len {
        let c = &clips[k % 7];
        let (talk, quiet) = if k % 2 == 0 {
            (&mut left, &mut right)
        } else {
            (&mut right, &mut left)
        };
        talk.extend_from_slice(c);
        quiet.extend(std::iter::repeat_n(0.0, c.len()));
        let pause = rate * (1 + k % 3);
        left.extend(std::iter::repeat_n(0.0, pause));
        right.extend(std::iter::repeat_n(0.0, pause));
        k += 1;
    }
    left.truncate(len);
    right.truncate(len);
    let call = Audio::from_channels(16_000, vec![left, right]);
    let cfg = AnalysisConfig::default();

    let ours = median_secs(5, || {
        let levels = analysis::source_levels(&call, &cfg);
        std::hint::black_box(analysis::analyze(
            &call,
            &levels,
            &CallFacts::default(),
            &cfg,
        ));
    });
    let baseline = median_secs(5, || {
        let mut m = ebur128::EbuR128::new(2, 16_000, ebur128::Mode::I).unwrap();
        let planes: Vec<&[f32]> = call.channels.iter().map(|c| c.as_slice()).collect();
        m.add_frames_planar_f32(&planes).unwrap();
        std::hint::black_box(m.loudness_global().unwrap());
    });
    println!("\n| 10 min stereo call, one core | wall s | audio-s / wall-s |");
    println!("|---|---|---|");
    println!(
        "| callqa analysis (VAD, talk/dead air/talk-over, R128 loudness, clipping, syllable rate) | {ours:.3} | {:.0}× |",
        600.0 / ours
    );
    println!(
        "| baseline: one ebur128 integrated-loudness pass | {baseline:.3} | {:.0}× |",
        600.0 / baseline
    );
    println!("\nanalysis costs {:.2}× one ebur128 pass", ours / baseline);
}
