//! A two-hour 8 kHz call, stereo and mono, goes through `callqa check` and `batch` with Whisper
//! under 1 GiB peak RSS: each channel (or separated voice) is decoded, resampled, transcribed
//! and measured in turn, so a call never holds both its channels at 16 kHz. (Holding them made
//! a two-hour stereo call peak at 1.32 GB, a mono one higher.)

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

const GIB_MB: f64 = 1024.0;

/// Exit code, stdout and peak RSS (MiB) of one callqa run.
fn run_measured(args: &[&str], stderr: &Path) -> (i32, String, f64) {
    #[allow(clippy::zombie_processes)] // reaped by wait4 below, which also gives its rusage
    let child = Command::new(env!("CARGO_BIN_EXE_callqa"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(stderr).unwrap())
        .spawn()
        .unwrap();
    let pid = child.id() as libc::pid_t;
    let mut out = String::new();
    std::io::Read::read_to_string(&mut child.stdout.unwrap(), &mut out).unwrap();
    let (mut status, mut usage) = (0, unsafe { std::mem::zeroed::<libc::rusage>() });
    // wait4 reaps the child and reports its own peak RSS (ru_maxrss, KiB on Linux)
    assert_eq!(unsafe { libc::wait4(pid, &mut status, 0, &mut usage) }, pid);
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    (code, out, usage.ru_maxrss as f64 / 1024.0)
}

#[test]
fn two_hour_calls_stay_under_one_gib() {
    let dir = common::tempdir().unwrap();
    let d = dir.path();
    let rules = common::bank_rules_file(d);
    // the 48 s two-voice service call, then two hours of line noise
    let call =
        callqa::audio::decode(&common::repo("tests/fixtures/speech/call_zh_service.wav")).unwrap();
    assert_eq!((call.rate, call.channels.len()), (8000, 2));
    let frames = 2 * 3600 * 8000;
    let noise = |i: usize| ((i.wrapping_mul(2_654_435_761) >> 7) % 1000) as f32 * 1e-6;
    let sample = |i: usize, c: usize| call.channels[c].get(i).copied().unwrap_or(0.0) + noise(i);
    let stereo = d.join("stereo_2h.wav");
    common::write_mulaw_wav(&stereo, 8000, 2, frames, sample);
    let mono = d.join("mono_2h.wav");
    common::write_mulaw_wav(&mono, 8000, 1, frames, |i, _| {
        0.5 * (sample(i, 0) + sample(i, 1))
    });

    let model = common::model_path();
    let (model, rules) = (model.to_str().unwrap(), rules.to_str().unwrap());
    let err = d.join("stderr");
    for (path, separated) in [(&stereo, false), (&mono, true)] {
        let args = ["check", "--json", "--model", model, "--rules", rules];
        let (code, out, peak) =
            run_measured(&[&args[..], &[path.to_str().unwrap()]].concat(), &err);
        let name = path.file_name().unwrap().to_string_lossy();
        assert_eq!(
            code,
            0,
            "{name}: {}",
            std::fs::read_to_string(&err).unwrap()
        );
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert!((v["duration_s"].as_f64().unwrap() - 7200.0).abs() < 0.01);
        assert_eq!(
            v["acoustics"]["separation"].is_object(),
            separated,
            "{name}"
        );
        let segments = v["transcript"]["segments"].as_array().unwrap();
        for who in ["agent", "customer"] {
            assert!(
                segments.iter().any(|s| s["speaker"] == who),
                "{name}: no {who} words"
            );
        }
        assert!(peak < GIB_MB, "{name}: check peaked at {peak:.0} MiB");
        eprintln!("{name}: check peak RSS {peak:.0} MiB");
    }

    let input = d.join("in");
    std::fs::create_dir(&input).unwrap();
    std::fs::rename(&stereo, input.join("stereo_2h.wav")).unwrap();
    let out_dir = d.join("out");
    let (code, _, peak) = run_measured(
        &[
            "batch",
            "--model",
            model,
            "--rules",
            rules,
            "--out",
            out_dir.to_str().unwrap(),
            input.to_str().unwrap(),
        ],
        &err,
    );
    assert_eq!(code, 0, "{}", std::fs::read_to_string(&err).unwrap());
    assert!(peak < GIB_MB, "batch peaked at {peak:.0} MiB");
    eprintln!("batch: peak RSS {peak:.0} MiB");
}
