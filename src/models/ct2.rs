//! CTranslate2's `model.bin` (binary version 5–6): named variables with shape and dtype,
//! then aliases.

use std::collections::BTreeMap;
use std::path::Path;

use super::ModelError;
use super::numbers::{f16_to_f32, f32_to_f16};

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
    pub(super) fn to_f16_bytes(&self) -> Option<Vec<u8>> {
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

    pub(super) fn scalar_i64(&self) -> Option<i64> {
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
