use std::path::PathBuf;
use std::process::ExitCode;

use super::Outcome;
use super::out::{Out, error};
use crate::audio;
use crate::call::CallStatus;
use crate::report::{ProbeReport, render_probe};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Audio files (WAV PCM/μ-law/A-law, FLAC, MP3, Ogg Vorbis, M4A/AAC).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// One JSON object per file per line (failed files too, with "status": "error").
    #[arg(long)]
    json: bool,
}

/// Every file is reported, failed ones too; the exit code says whether all decoded.
pub fn run(args: Args) -> Outcome {
    let mut failed = 0usize;
    let mut out = Out::lock();
    for path in &args.files {
        match audio::decode(path) {
            Ok(audio) => {
                let report = ProbeReport::new(path, &audio);
                if args.json {
                    writeln!(out, "{}", serde_json::to_string(&report)?)?;
                } else {
                    write!(out, "{}", render_probe(&report))?;
                }
            }
            Err(e) => {
                failed += 1;
                if args.json {
                    let row = serde_json::json!({
                        "path": path, "status": CallStatus::Error, "error": e.to_string()
                    });
                    writeln!(out, "{row}")?;
                }
                error(&e.to_string());
            }
        }
        // each file's report as it is decoded, not all at the end
        out.flush()?;
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
