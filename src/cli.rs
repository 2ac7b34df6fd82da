//! Command-line front end: parses arguments, calls library stages, prints results.
//! Errors become one line on stderr naming the file and the cause; never a panic trace.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use serde::Serialize;

use crate::asr::{self, AsrConfig, Transcriber, Transcript};
use crate::audio::{self, Audio, ChannelLevels, SourceInfo};

/// Where `make models` puts the converted Whisper base model.
pub const DEFAULT_MODEL: &str = "models/ggml-base.bin";

#[derive(Debug, Parser)]
#[command(
    name = "callqa",
    version,
    about = "Listens to call-center recordings and scores the agents in them"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Decode recordings and show format, codec, rate, channels, duration and levels per channel.
    ///
    /// Every file is decoded in full, so a file that probes clean will also decode in a batch.
    Probe {
        /// Audio files (WAV PCM/μ-law/A-law, FLAC, MP3, Ogg Vorbis, M4A/AAC).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// One JSON object per file per line (failed files too, with "status": "error").
        #[arg(long)]
        json: bool,
    },
    /// Check one call: decode, resample, transcribe each speaker (with timestamps).
    Check {
        file: PathBuf,
        /// ggml Whisper model (default: $CALLQA_MODEL, else models/ggml-base.bin).
        #[arg(long)]
        model: Option<PathBuf>,
        /// Language: zh, en or auto.
        #[arg(long, default_value = "zh")]
        lang: String,
        /// Which channel of a stereo file is the agent (0 = left, 1 = right).
        #[arg(long, default_value_t = 0)]
        agent_channel: usize,
        /// Whisper threads.
        #[arg(long, default_value_t = 2)]
        threads: usize,
        /// Transcribe whole channels, silence included (for comparison; slower).
        #[arg(long)]
        no_gate: bool,
        #[arg(long)]
        json: bool,
    },
    /// Whisper model management.
    #[command(subcommand)]
    Models(ModelsCommand),
}

#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// Convert a CTranslate2 (faster-whisper) model directory to whisper.cpp's ggml format,
    /// then check that whisper.cpp loads it.
    ImportCt2 {
        /// Directory holding model.bin and vocabulary.txt.
        dir: PathBuf,
        #[arg(long, default_value = DEFAULT_MODEL)]
        out: PathBuf,
    },
}

/// Parse the process arguments and run; the exit code is 0 only when every file succeeded.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Probe { files, json } => probe_files(&files, json),
        Command::Check {
            file,
            model,
            lang,
            agent_channel,
            threads,
            no_gate,
            json,
        } => {
            if !["zh", "en", "auto"].contains(&lang.as_str()) {
                return fail(format!("--lang {lang}: expected zh, en or auto"));
            }
            let cfg = AsrConfig {
                language: lang,
                agent_channel,
                threads,
                gate: !no_gate,
                ..AsrConfig::default()
            };
            check(&file, &model_path(model), &cfg, json)
        }
        Command::Models(ModelsCommand::ImportCt2 { dir, out }) => import_ct2(&dir, &out),
    }
}

fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("callqa: error: {msg}");
    ExitCode::FAILURE
}

fn model_path(arg: Option<PathBuf>) -> PathBuf {
    arg.or_else(|| std::env::var_os("CALLQA_MODEL").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from(DEFAULT_MODEL))
}

fn import_ct2(dir: &Path, out: &Path) -> ExitCode {
    let hp = match asr::model::import_ct2(dir, out) {
        Ok(hp) => hp,
        Err(e) => return fail(e),
    };
    if let Err(e) = Transcriber::load(out) {
        return fail(format!(
            "converted, but whisper.cpp rejects the result: {e}"
        ));
    }
    println!(
        "{}: Whisper model with {} encoder / {} decoder layers, width {}, {} mels, {} tokens; loads in whisper.cpp",
        out.display(),
        hp.n_audio_layer,
        hp.n_text_layer,
        hp.n_audio_state,
        hp.n_mels,
        hp.n_vocab
    );
    ExitCode::SUCCESS
}

/// `callqa check --json` output: the file, what it is, and its transcript.
#[derive(Debug, Serialize)]
pub struct CheckReport {
    pub path: PathBuf,
    #[serde(flatten)]
    pub source: SourceInfo,
    pub duration_s: f64,
    pub transcript: Transcript,
}

/// Decode, resample and transcribe one call: the same stages a batch runs per file.
pub fn check_file(
    path: &Path,
    transcriber: &Transcriber,
    cfg: &AsrConfig,
) -> Result<CheckReport, String> {
    let decoded = audio::decode(path).map_err(|e| e.to_string())?;
    let duration_s = decoded.duration_s();
    let audio = audio::resample(decoded).map_err(|e| format!("{}: {e}", path.display()))?;
    if audio.channels.len() > 1 && cfg.agent_channel >= audio.channels.len() {
        return Err(format!(
            "{}: agent channel {} does not exist ({} channels)",
            path.display(),
            cfg.agent_channel,
            audio.channels.len()
        ));
    }
    let transcript = transcriber
        .transcribe(&audio, cfg)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(CheckReport {
        path: path.to_path_buf(),
        source: audio.source,
        duration_s,
        transcript,
    })
}

fn check(file: &Path, model: &Path, cfg: &AsrConfig, json: bool) -> ExitCode {
    let transcriber = match Transcriber::load(model) {
        Ok(t) => t,
        Err(e) => return fail(e),
    };
    let report = match check_file(file, &transcriber, cfg) {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    if json {
        println!("{}", serde_json::to_string(&report).expect("serialisable"));
    } else {
        print!("{}", render_check(&report));
    }
    ExitCode::SUCCESS
}

fn render_check(r: &CheckReport) -> String {
    let mmss = |t: f64| format!("{:02}:{:05.2}", (t / 60.0) as u64, t % 60.0);
    let mut s = format!(
        "{}  ({} ch, {:.1} s, {} {} Hz; model {}, {:.1} s of speech transcribed)\n",
        r.path.display(),
        r.source.channels,
        r.duration_s,
        r.source.codec,
        r.source.sample_rate,
        r.transcript.model,
        r.transcript.transcribed_s
    );
    for seg in &r.transcript.segments {
        let who = match seg.speaker {
            asr::Speaker::Agent => "agent",
            asr::Speaker::Customer => "customer",
            asr::Speaker::Mixed => "mixed",
        };
        s += &format!(
            "[{} → {}] {who:<8} {}\n",
            mmss(seg.start),
            mmss(seg.end),
            seg.text
        );
    }
    if r.transcript.segments.is_empty() {
        s += "(no speech recognised)\n";
    }
    s
}

/// `callqa probe` output for one file: what it is and how loud each channel is.
#[derive(Debug, Serialize)]
pub struct ProbeReport {
    pub path: PathBuf,
    pub status: &'static str,
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
            status: "ok",
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

fn probe_files(files: &[PathBuf], json: bool) -> ExitCode {
    let mut failed = 0usize;
    let stdout = std::io::stdout();
    for path in files {
        let mut out = stdout.lock();
        match audio::decode(path) {
            Ok(audio) => {
                let report = ProbeReport::new(path, &audio);
                let _ = if json {
                    writeln!(
                        out,
                        "{}",
                        serde_json::to_string(&report).expect("serialisable")
                    )
                } else {
                    write!(out, "{}", render_probe(&report))
                };
            }
            Err(e) => {
                failed += 1;
                if json {
                    let row = serde_json::json!({"path": path, "status": "error", "error": e.to_string()});
                    let _ = writeln!(out, "{row}");
                }
                eprintln!("callqa: error: {e}");
            }
        }
    }
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn render_probe(r: &ProbeReport) -> String {
    let db = |v: Option<f64>| v.map_or("-inf".to_string(), |v| format!("{v:.2}"));
    let bits = r
        .source
        .bits_per_sample
        .map(|b| format!(", {b}-bit"))
        .unwrap_or_default();
    let mut s = format!(
        "{}\n  format    {}\n  codec     {}{bits}\n  rate      {} Hz\n  channels  {}\n  duration  {:.3} s ({} frames)\n",
        r.path.display(),
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
    s
}
