//! Byte-level repairs made before symphonia sees a file: what other readers (ffmpeg, players)
//! accept, so that a recording they play is not refused here. A leading ID3v2 tag is skipped
//! (symphonia gives up looking for MP3 frames after its first megabyte, and a tag with an
//! embedded cover is bigger), and a WAV file symphonia refuses is re-read through a rewritten
//! header when its chunks are only untidy (odd sizes without the pad byte, a 17-byte `fmt `).

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

use symphonia::core::io::MediaSource;

use super::{RiffChunk, riff_layout};

/// A file seen through a window: `head` (a rewritten header) followed by `len` bytes of the
/// file starting at `start`. Streams: only `head` is held in memory.
pub(super) struct Spliced {
    head: Vec<u8>,
    file: File,
    start: u64,
    len: u64,
    pos: u64,
    seekable: bool,
}

impl Spliced {
    fn total(&self) -> u64 {
        self.head.len() as u64 + self.len
    }
}

impl Read for Spliced {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let head_len = self.head.len() as u64;
        if self.pos < head_len {
            let at = self.pos as usize;
            let n = buf.len().min(self.head.len() - at);
            buf[..n].copy_from_slice(&self.head[at..at + n]);
            self.pos += n as u64;
            return Ok(n);
        }
        let off = self.pos - head_len;
        if off >= self.len {
            return Ok(0);
        }
        let want = (buf.len() as u64).min(self.len - off) as usize;
        self.file.seek(SeekFrom::Start(self.start + off))?;
        let n = self.file.read(&mut buf[..want])?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for Spliced {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let target = match to {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
            SeekFrom::End(d) => self.total().checked_add_signed(d),
        };
        self.pos = target
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before the start"))?;
        Ok(self.pos)
    }
}

impl MediaSource for Spliced {
    fn is_seekable(&self) -> bool {
        self.seekable
    }

    fn byte_len(&self) -> Option<u64> {
        Some(self.total())
    }
}

/// The file with any ID3v2 tags at its start skipped, and where its audio starts; None when it
/// starts with none (or the tags' sizes run past the end: the probe judges the file as it is).
pub(super) fn skip_id3v2(path: &Path, file_len: u64) -> io::Result<Option<(Spliced, u64)>> {
    let mut file = File::open(path)?;
    let mut at = 0u64;
    // consecutive tags: some taggers prepend a new one rather than rewrite the old
    while let Some(len) = id3v2_len_at(&mut file, at)? {
        at += len;
    }
    if at == 0 || at >= file_len {
        return Ok(None);
    }
    let after_tags = Spliced {
        head: Vec::new(),
        file,
        start: at,
        len: file_len - at,
        pos: 0,
        seekable: true,
    };
    Ok(Some((after_tags, at)))
}

/// The whole length of an ID3v2 tag at `at` (header, body, footer), or None when none starts
/// there. The size is a 28-bit "syncsafe" integer: seven bits in each of four bytes.
fn id3v2_len_at(file: &mut File, at: u64) -> io::Result<Option<u64>> {
    let mut h = [0u8; 10];
    file.seek(SeekFrom::Start(at))?;
    if file.read(&mut h)? < 10 || &h[..3] != b"ID3" || h[3] == 0xFF || h[4] == 0xFF {
        return Ok(None);
    }
    if h[6..10].iter().any(|b| b & 0x80 != 0) {
        return Ok(None); // not syncsafe: not a tag header
    }
    let size = h[6..10]
        .iter()
        .fold(0u64, |acc, &b| (acc << 7) | u64::from(b));
    let footer = if h[5] & 0x10 != 0 { 10 } else { 0 };
    Ok(Some(10 + size + footer))
}

/// The whole file, read as a stream that cannot seek: symphonia's Ogg reader then reads pages in
/// order instead of first scanning the file's last ones for its length, where one damaged page
/// makes it refuse the whole file.
pub(super) fn unseekable(path: &Path, file_len: u64) -> io::Result<Spliced> {
    Ok(Spliced {
        head: Vec::new(),
        file: File::open(path)?,
        start: 0,
        len: file_len,
        pos: 0,
        seekable: false,
    })
}

/// The granule position (for Vorbis and FLAC in Ogg: the frame count) of an Ogg file's last
/// page, found in its last 64 KiB (the largest page), or None.
pub(super) fn ogg_last_granule(path: &Path, file_len: u64) -> Option<u64> {
    let mut file = File::open(path).ok()?;
    let from = file_len.saturating_sub(65_536);
    file.seek(SeekFrom::Start(from)).ok()?;
    let mut tail = Vec::new();
    file.read_to_end(&mut tail).ok()?;
    let at = tail
        .windows(4)
        .rposition(|w| w == b"OggS")
        .filter(|&at| at + 14 <= tail.len() && tail[at + 4] == 0)?;
    let granule = u64::from_le_bytes(tail[at + 6..at + 14].try_into().ok()?);
    (granule != u64::MAX).then_some(granule)
}

/// What [`repair_wav`] makes of a RIFF/WAVE file symphonia refused.
pub(super) enum WavRepair {
    /// The `data` chunk claims more bytes than the file holds: cut short (the detail says how).
    Truncated(String),
    /// The file as a tidy WAV: canonical header, then the file's own audio bytes.
    Rewritten(Spliced),
}

/// How much of a WAV file's start is read to find its chunks: `fmt ` and `data` come first in
/// every recorder's files; a `LIST` or `bext` before them is kilobytes.
const WAV_HEAD_BYTES: u64 = 1 << 20;

/// A WAV file read as ffmpeg reads it, when its `fmt ` and `data` chunks can be found; None
/// when they cannot (then symphonia's own error stands).
pub(super) fn repair_wav(path: &Path, file_len: u64) -> io::Result<Option<WavRepair>> {
    let mut file = File::open(path)?;
    let mut head = Vec::new();
    (&mut file).take(WAV_HEAD_BYTES).read_to_end(&mut head)?;
    if head.len() < 12 || &head[0..4] != b"RIFF" || &head[8..12] != b"WAVE" {
        return Ok(None);
    }
    let chunks = riff_layout(&head);
    let find = |id: &[u8; 4]| chunks.iter().find(|c| &c.id == id);
    let (Some(fmt), Some(data)) = (find(b"fmt "), find(b"data")) else {
        return Ok(None);
    };
    let Some(fmt_body) = tidy_fmt(&head, fmt) else {
        return Ok(None);
    };
    let available = file_len.saturating_sub(data.start as u64);
    // streaming writers leave the size at its maximum until they finish: the rest of the file
    let declared = if data.len == u64::from(u32::MAX) {
        available
    } else {
        data.len
    };
    if declared > available {
        return Ok(Some(WavRepair::Truncated(format!(
            "the data chunk declares {declared} bytes, the file holds {available} (cut short)"
        ))));
    }
    let mut h = Vec::with_capacity(44 + fmt_body.len());
    let riff_len = 4 + 8 + fmt_body.len() as u64 + 8 + declared;
    h.extend_from_slice(b"RIFF");
    h.extend_from_slice(&(riff_len.min(u64::from(u32::MAX)) as u32).to_le_bytes());
    h.extend_from_slice(b"WAVEfmt ");
    h.extend_from_slice(&(fmt_body.len() as u32).to_le_bytes());
    h.extend_from_slice(&fmt_body);
    h.extend_from_slice(b"data");
    h.extend_from_slice(&(declared.min(u64::from(u32::MAX)) as u32).to_le_bytes());
    Ok(Some(WavRepair::Rewritten(Spliced {
        head: h,
        file,
        start: data.start as u64,
        len: declared,
        pos: 0,
        seekable: true,
    })))
}

/// The `fmt ` body in a length symphonia takes for its format tag: 16 bytes for PCM and float,
/// 18 (a zero extension size) for A-law and μ-law, and the declared extension for the rest.
/// A stray byte past a field (the 17-byte chunks some writers make) is dropped.
fn tidy_fmt(head: &[u8], fmt: &RiffChunk) -> Option<Vec<u8>> {
    let body = head.get(fmt.start..fmt.start.checked_add(fmt.len as usize)?)?;
    let tag = u16::from_le_bytes(body.get(..2)?.try_into().ok()?);
    let base = body.get(..16)?;
    Some(match tag {
        0x0001 | 0x0003 => base.to_vec(),
        0x0006 | 0x0007 => [base, &[0, 0]].concat(),
        _ => {
            let ext = u16::from_le_bytes(body.get(16..18)?.try_into().ok()?) as usize;
            body.get(..18 + ext)?.to_vec()
        }
    })
}
