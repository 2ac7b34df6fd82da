//! Decode + resample throughput (audio-seconds per wall-second, one thread) for a 10-minute
//! 8 kHz stereo μ-law WAV and a 10-minute 44.1 kHz stereo MP3, beside ffmpeg doing the same
//! conversion (decode, resample to 16 kHz f32, discard) on the same file in the same run.
//! Needs ffmpeg on PATH (`make bench` installs it). Reports medians of RUNS runs.

use std::path::{Path, PathBuf};
use std::process::Command;

use callqa::audio;

mod common;
use common::median_secs;

const SECONDS: u32 = 600;
const RUNS: usize = 5;

fn ffmpeg(args: &[&str]) {
    let ok = Command::new("ffmpeg")
        .args(["-nostdin", "-loglevel", "error", "-y"])
        .args(args)
        .status()
        .expect("ffmpeg not found: run `make setup-media`")
        .success();
    assert!(ok, "ffmpeg {args:?} failed");
}

/// 10 minutes of speech-band noise with a tone, different on each channel.
fn make_input(dir: &Path, name: &str, rate: u32, codec: &[&str]) -> PathBuf {
    let path = dir.join(name);
    if !path.exists() {
        let src = format!(
            "anoisesrc=d={SECONDS}:c=pink:r={rate}:a=0.2:seed=7[n];sine=f=300:r={rate}:d={SECONDS}[s];\
             [n][s]amerge=inputs=2[a]"
        );
        let mut args = vec!["-filter_complex", &src, "-map", "[a]"];
        args.extend_from_slice(codec);
        args.push(path.to_str().unwrap());
        ffmpeg(&args);
    }
    path
}

fn main() {
    // `cargo bench` passes --bench; nothing else to parse.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
    std::fs::create_dir_all(&dir).unwrap();
    let inputs = [
        (
            "10 min 8 kHz stereo μ-law WAV",
            make_input(&dir, "call_8k_mulaw.wav", 8000, &["-c:a", "pcm_mulaw"]),
        ),
        (
            "10 min 44.1 kHz stereo MP3",
            make_input(
                &dir,
                "call_44k.mp3",
                44_100,
                &["-c:a", "libmp3lame", "-b:a", "128k"],
            ),
        ),
    ];
    println!(
        "\n| input | callqa decode | callqa decode+resample | ffmpeg decode+resample | callqa / ffmpeg |"
    );
    println!("|---|---|---|---|---|");
    for (label, path) in &inputs {
        let decode_only = median_secs(RUNS, || {
            audio::decode(path).unwrap();
        });
        let ours = median_secs(RUNS, || {
            let a = audio::decode(path).unwrap();
            std::hint::black_box(audio::resample(a).unwrap());
        });
        let theirs = median_secs(RUNS, || {
            ffmpeg(&[
                "-threads",
                "1",
                "-i",
                path.to_str().unwrap(),
                "-ar",
                "16000",
                "-f",
                "f32le",
                "/dev/null",
            ]);
        });
        let x = |s: f64| format!("{:.0}× real time", f64::from(SECONDS) / s);
        println!(
            "| {label} | {} | {} | {} | {:.2} |",
            x(decode_only),
            x(ours),
            x(theirs),
            theirs / ours
        );
    }
    println!("\n(ratio > 1: callqa is faster; medians of {RUNS} runs, one thread each)");
}
