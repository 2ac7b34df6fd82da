//! Command-line front end: parses arguments, calls library stages, prints results.
//! Errors become one line on stderr naming the file and the cause; never a panic trace.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use serde::Serialize;

use crate::audio::{self, Audio, ChannelLevels, SourceInfo};

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
}

/// Parse the process arguments and run; the exit code is 0 only when every file succeeded.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Probe { files, json } => probe_files(&files, json),
    }
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
