//! Speaker separation's cost on a mono call, beside transcribing the same call: the committed
//! 40 s Mandarin mono mix (tests/fixtures/speech/mono_zh_customer_id.wav), separated into two
//! voices, then both voices transcribed by Whisper base on 2 threads. Same audio, same run.

use std::path::Path;
use std::time::Instant;

use callqa::asr::{AsrConfig, Transcriber};
use callqa::audio::{self, Audio};
use callqa::diarize::{DiarizeConfig, Diarizer};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let model = std::env::var_os("CALLQA_MODEL")
        .map(Into::into)
        .unwrap_or_else(|| root.join(callqa::cli::DEFAULT_MODEL));
    let t = Transcriber::load(&model).expect("run `make models` first");
    let d = Diarizer::load(
        &root.join("models/voice-encoder.safetensors"),
        DiarizeConfig::default(),
    )
    .expect("run `make models` first");
    let path = root.join("tests/fixtures/speech/mono_zh_customer_id.wav");
    let mono = audio::resample(audio::decode(&path).unwrap()).unwrap();
    let x = &mono.channels[0];

    let runs = 3;
    let start = Instant::now();
    let mut dz = d.diarize(x);
    for _ in 1..runs {
        dz = d.diarize(x);
    }
    let sep_s = start.elapsed().as_secs_f64() / runs as f64;
    assert_eq!(dz.voices, 2);
    let call = Audio::from_channels(16_000, dz.split(x.clone(), 16_000));
    let cfg = AsrConfig {
        threads: 2,
        ..AsrConfig::default()
    };
    let start = Instant::now();
    t.transcribe(&call, &cfg.call_defaults(), &cfg).unwrap();
    let asr_s = start.elapsed().as_secs_f64();
    println!(
        "\n| {:.0} s mono call, 2 threads | wall s |",
        mono.duration_s()
    );
    println!("|---|---|");
    println!("| speaker separation (mean of {runs}) | {sep_s:.2} |");
    println!("| Whisper base, both voices | {asr_s:.2} |");
    println!(
        "\nseparation adds {:.1} % to separation + transcription",
        100.0 * sep_s / asr_s
    );
}
