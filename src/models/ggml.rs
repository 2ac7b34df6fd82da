//! whisper.cpp's ggml model file: CT2 variables renamed and split into the tensors
//! `whisper_model_load` expects, optionally quantised, then written with mel filters and vocabulary.

use std::io::Write;

use super::ct2::{Ct2Model, Ct2Var};
use super::numbers::f16_to_f32;

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
pub(super) struct GgmlTensor {
    name: String,
    pub(super) shape: Vec<usize>,
    pub(super) ttype: i32,
    data: Vec<u8>,
}

// ggml's type ids (ggml.h), as whisper.cpp's loader reads them
const GGML_TYPE_F32: i32 = 0;
pub(super) const GGML_TYPE_F16: i32 = 1;
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
pub(super) fn quantize(tensors: &mut [GgmlTensor], weights: Weights) {
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

pub(super) fn map_tensors(m: &Ct2Model) -> Result<(Hparams, Vec<GgmlTensor>), String> {
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

pub(super) fn write_ggml(
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
