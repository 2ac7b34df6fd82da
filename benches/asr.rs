//! Transcription throughput of Whisper base on 2 threads: audio-seconds per wall-second for a
//! 60 s stereo call (agent and customer each speaking ≈ 10 s, the rest silence, as on real
//! calls), with the speech gate and without it (whole channels). Same model, same audio, same run.

use std::path::Path;
use std::time::Instant;

use callqa::asr::{AsrConfig, Transcriber};
use callqa::audio::{self, Audio};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let model = std::env::var_os("CALLQA_MODEL")
        .map(Into::into)
        .unwrap_or_else(|| root.join(callqa::cli::DEFAULT_MODEL));
    let t = Transcriber::load(&model).expect("run `make models` first");
    let clip = |i: usize| {
        let a = audio::decode(&root.join(format!("datasets/zh-thchs30/A2_{i}.wav"))).unwrap();
        audio::resample(a).unwrap().channels.remove(0)
    };
    let rate = 16_000;
    let (mut left, mut right) = (vec![0.0f32; 60 * rate], vec![0.0f32; 60 * rate]);
    let (a, c) = (clip(0), clip(3));
    left[3 * rate..3 * rate + a.len()].copy_from_slice(&a);
    right[30 * rate..30 * rate + c.len()].copy_from_slice(&c);
    let call = Audio::from_channels(16_000, vec![left, right]);

    println!(
        "\n| Whisper base, 2 threads, 60 s stereo call | wall s | audio-s / wall-s | sent to Whisper |"
    );
    println!("|---|---|---|---|");
    let mut results = Vec::new();
    for gate in [true, false] {
        let cfg = AsrConfig {
            gate,
            threads: 2,
            ..AsrConfig::default()
        };
        let start = Instant::now();
        let tr = t.transcribe(&call, &cfg.call_defaults(), &cfg).unwrap();
        let secs = start.elapsed().as_secs_f64();
        results.push(secs);
        println!(
            "| {} | {secs:.1} | {:.1}× | {:.0} s of 120 s |",
            if gate {
                "speech gate on (default)"
            } else {
                "gate off (whole channels)"
            },
            60.0 / secs,
            tr.transcribed_s
        );
    }
    println!(
        "\nspeech gate speed-up: {:.2}× (ungated time / gated time)",
        results[1] / results[0]
    );
}
