use std::path::PathBuf;
use std::process::ExitCode;

use super::out::Out;
use super::{DEFAULT_MODEL, Outcome};
use crate::asr::Transcriber;
use crate::models::{self, Weights};

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Convert a CTranslate2 (faster-whisper) model directory to whisper.cpp's ggml format,
    /// then check that whisper.cpp loads it.
    ImportCt2 {
        /// Directory holding model.bin and vocabulary.txt.
        dir: PathBuf,
        #[arg(long, default_value = DEFAULT_MODEL)]
        out: PathBuf,
        /// Weight matrices: q8_0 (8-bit, half the size, faster on CPUs; the default model) or
        /// f16 (as trained)
        #[arg(long, default_value = "q8_0")]
        weights: Weights,
    },
}

pub fn run(command: Command) -> Outcome {
    let Command::ImportCt2 { dir, out, weights } = command;
    let hp = models::import_ct2(&dir, &out, weights)?;
    Transcriber::load(&out)
        .map_err(|e| format!("converted, but whisper.cpp rejects the result: {e}"))?;
    let mut stdout = Out::lock();
    writeln!(
        stdout,
        "{}: Whisper model with {} encoder / {} decoder layers, width {}, {} mels, {} tokens; loads in whisper.cpp",
        out.display(),
        hp.n_audio_layer,
        hp.n_text_layer,
        hp.n_audio_state,
        hp.n_mels,
        hp.n_vocab
    )?;
    stdout.flush()?;
    Ok(ExitCode::SUCCESS)
}
