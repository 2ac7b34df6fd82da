//! Helpers shared by the integration tests.
#![allow(dead_code)]

#[path = "../../examples/common/reference.rs"]
mod reference;
#[allow(unused_imports)] // each test binary uses what it needs
pub use reference::{edit_distance, textgrid_words};

use std::io::Write;
use std::path::{Path, PathBuf};

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub fn rms_dbfs(x: &[f32]) -> f64 {
    let ms = x.iter().map(|&v| f64::from(v) * f64::from(v)).sum::<f64>() / x.len() as f64;
    10.0 * ms.log10()
}

/// G.711 μ-law encoder (ITU-T G.711), for writing long test files without external tools.
pub fn mulaw_encode(sample: f32) -> u8 {
    const BIAS: i32 = 0x84;
    const CLIP: i32 = 32635;
    let mut pcm = (sample.clamp(-1.0, 1.0) * 32767.0) as i32;
    let sign = if pcm < 0 { 0x80 } else { 0 };
    if pcm < 0 {
        pcm = -pcm;
    }
    pcm = pcm.min(CLIP) + BIAS;
    let exponent = (7 - (pcm.leading_zeros() as i32 - 17)).clamp(0, 7);
    let mantissa = (pcm >> (exponent + 3)) & 0x0F;
    !(sign | (exponent << 4) | mantissa) as u8
}

/// Write an 8-bit μ-law WAV from a sample generator, streaming, so hour-long files stay cheap.
pub fn write_mulaw_wav(
    path: &Path,
    rate: u32,
    channels: u16,
    frames: usize,
    mut sample: impl FnMut(usize, usize) -> f32,
) {
    let data_len = (frames * channels as usize) as u32;
    let mut w = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    w.write_all(b"RIFF").unwrap();
    w.write_all(&(4 + 26 + 8 + data_len).to_le_bytes()).unwrap();
    w.write_all(b"WAVEfmt ").unwrap();
    w.write_all(&18u32.to_le_bytes()).unwrap();
    w.write_all(&7u16.to_le_bytes()).unwrap(); // WAVE_FORMAT_MULAW
    w.write_all(&channels.to_le_bytes()).unwrap();
    w.write_all(&rate.to_le_bytes()).unwrap();
    w.write_all(&(rate * u32::from(channels)).to_le_bytes())
        .unwrap();
    w.write_all(&channels.to_le_bytes()).unwrap(); // block align
    w.write_all(&8u16.to_le_bytes()).unwrap();
    w.write_all(&0u16.to_le_bytes()).unwrap(); // cbSize
    w.write_all(b"data").unwrap();
    w.write_all(&data_len.to_le_bytes()).unwrap();
    let mut buf = Vec::with_capacity(64 * 1024);
    for i in 0..frames {
        for c in 0..channels as usize {
            buf.push(mulaw_encode(sample(i, c)));
        }
        if buf.len() >= 64 * 1024 {
            w.write_all(&buf).unwrap();
            buf.clear();
        }
    }
    w.write_all(&buf).unwrap();
    w.flush().unwrap();
}

pub fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// The speaker encoder (made by `make models`).
pub fn encoder_path() -> PathBuf {
    let p = repo("models/voice-encoder.safetensors");
    assert!(p.is_file(), "{} missing: run `make models`", p.display());
    p
}

/// A starter rules file for the demo bank (蓝河银行 / Blue River Bank) in `dir`.
pub fn bank_rules_file(dir: &Path) -> PathBuf {
    let path = dir.join("rules.toml");
    std::fs::write(
        &path,
        callqa::rules::starter_rules("蓝河银行", "Blue River Bank"),
    )
    .unwrap();
    path
}

/// The Whisper model the tests use: $CALLQA_MODEL or the default, models/ggml-base-q8_0.bin (made
/// by `make models`).
pub fn model_path() -> PathBuf {
    assert_eq!(
        std::env::var("RUST_TEST_THREADS").as_deref(),
        Ok("1"),
        "Whisper tests run one at a time (.cargo/config.toml): ggml busy-waits"
    );
    let p = std::env::var_os("CALLQA_MODEL")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo(callqa::cli::DEFAULT_MODEL));
    assert!(
        p.is_file(),
        "{} missing: run `make models` (make test does it first)",
        p.display()
    );
    p
}

/// Run the `callqa` binary: (exit code, stdout, stderr).
pub fn callqa(args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_callqa"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// A transcript from (speaker, start, end, text) lines, for rule tests.
pub fn transcript(
    language: &str,
    lines: &[(callqa::call::Speaker, f64, f64, &str)],
) -> callqa::asr::Transcript {
    callqa::asr::Transcript {
        model: "test".into(),
        language: language.parse().expect("zh, en or auto"),
        transcribed_s: 0.0,
        segments: lines
            .iter()
            .map(|&(speaker, start, end, text)| callqa::asr::Segment {
                speaker,
                start,
                end,
                text: text.into(),
                raw_text: text.into(),
                avg_token_p: 1.0,
                no_speech_p: 0.0,
                char_times: Vec::new(),
                second_choices: Vec::new(),
            })
            .collect(),
    }
}

/// `callqa check --json` of `audio` with the real model and `rules`: its exit code, JSON output
/// (Null if it printed none) and stderr.
pub fn check_json(rules: &Path, audio: &Path) -> (i32, serde_json::Value, String) {
    let model = model_path();
    let (code, out, err) = callqa(&[
        "check",
        "--json",
        "--model",
        model.to_str().unwrap(),
        "--rules",
        rules.to_str().unwrap(),
        audio.to_str().unwrap(),
    ]);
    (code, serde_json::from_str(&out).unwrap_or_default(), err)
}

/// A 16 kHz channel of `dur` seconds holding a 300 Hz tone of amplitude `amp` in each [start, end):
/// a stand-in for speech with a known level, below every phone-system tone (those are left out
/// of speech, `tests/tones.rs`).
pub fn tone_bursts(dur: f64, bursts: &[(f64, f64)], amp: f32) -> Vec<f32> {
    let rate = 16_000.0;
    let mut x = vec![0.0f32; (dur * rate) as usize];
    for &(s, e) in bursts {
        let (a, b) = ((s * rate) as usize, (e * rate) as usize);
        for (i, v) in x.iter_mut().enumerate().take(b).skip(a) {
            *v = amp * (2.0 * std::f32::consts::PI * 300.0 * i as f32 / rate as f32).sin();
        }
    }
    x
}

/// A fresh directory under the system temp dir, removed when dropped. Not the `tempfile` crate:
/// as a dev-dependency it switched on rustix features the release build lacks, so building an
/// example after `cargo build --release` compiled polars a second time.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn tempdir() -> std::io::Result<TempDir> {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    loop {
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let p = std::env::temp_dir().join(format!("callqa-test-{}-{n}", std::process::id()));
        match std::fs::create_dir(&p) {
            Ok(()) => return Ok(TempDir(p)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
}

/// A RIFF/WAVE file from its chunks, each (id, body, pad): `pad` adds the byte an odd-length
/// body must be followed by, which hostile tests leave out. The RIFF size is the file's.
pub fn wav_bytes(chunks: &[(&[u8; 4], &[u8], bool)]) -> Vec<u8> {
    let mut body = b"WAVE".to_vec();
    for (id, data, pad) in chunks {
        body.extend_from_slice(*id);
        body.extend_from_slice(&(data.len() as u32).to_le_bytes());
        body.extend_from_slice(data);
        if *pad && data.len() % 2 == 1 {
            body.push(0);
        }
    }
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(&body);
    out
}

/// A `fmt ` body: format tag, channels, rate, bits per sample (block align and byte rate
/// derived).
pub fn fmt_body(tag: u16, channels: u16, rate: u32, bits: u16) -> Vec<u8> {
    let align = channels * bits / 8;
    let mut f = Vec::with_capacity(16);
    f.extend_from_slice(&tag.to_le_bytes());
    f.extend_from_slice(&channels.to_le_bytes());
    f.extend_from_slice(&rate.to_le_bytes());
    f.extend_from_slice(&(rate * u32::from(align)).to_le_bytes());
    f.extend_from_slice(&align.to_le_bytes());
    f.extend_from_slice(&bits.to_le_bytes());
    f
}

/// A 32-bit float WAV (format tag 3): any value, NaN and ±Inf included, as written.
pub fn write_f32_wav(
    path: &Path,
    rate: u32,
    channels: u16,
    frames: usize,
    mut sample: impl FnMut(usize, usize) -> f32,
) {
    let mut data = Vec::with_capacity(frames * channels as usize * 4);
    for i in 0..frames {
        for c in 0..channels as usize {
            data.extend_from_slice(&sample(i, c).to_le_bytes());
        }
    }
    let fmt = fmt_body(3, channels, rate, 32);
    std::fs::write(
        path,
        wav_bytes(&[(b"fmt ", &fmt, true), (b"data", &data, true)]),
    )
    .unwrap();
}

/// Two voices of a call on two channels, `rate` Hz: the agent (channel 0) a 300 Hz tone in
/// bursts, the customer (channel 1) a 450 Hz one answering between them; `dur` seconds.
pub fn two_voices(rate: u32, i: usize, c: usize) -> f32 {
    let t = i as f32 / rate as f32;
    let agent = [(0.5, 2.5), (4.0, 5.5)]
        .iter()
        .any(|&(a, b)| (a..b).contains(&t));
    let customer = [(2.7, 3.8)].iter().any(|&(a, b)| (a..b).contains(&t));
    let (on, f) = if c == 0 {
        (agent, 300.0)
    } else {
        (customer, 450.0)
    };
    if on {
        0.3 * (2.0 * std::f32::consts::PI * f * t).sin()
    } else {
        0.0
    }
}
