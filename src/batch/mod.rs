//! Stage: the nightly batch. Lists the calls (directory or manifest), takes this shard's share,
//! and runs every call through the same [`Pipeline`](crate::pipeline::Pipeline) as
//! `callqa check`. `rescore` re-applies rules and scorecard to what a batch stored, without
//! the audio; `aggregate` rebuilds the agents table once every shard has finished.

mod identity;
mod input;
mod layout;
mod manifest;
mod plan;
mod rescore;
pub mod review;
mod run;

use std::path::Path;

pub use input::{
    Listing, PATTERN_GROUPS, content_hash, file_name_pattern, list_calls, parse_shard,
    parse_started_at, shard, shard_index,
};
pub use layout::{layout, num_cores};
pub use rescore::{RescoreSummary, rescore};
pub use run::{BatchOptions, BatchSummary, Progress, call_date, run};

use crate::aggregate::{AgentRow, AggregateConfig};
use crate::store::{self, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// The input (directory, manifest, shard) cannot be listed as given.
    #[error("{0}")]
    Input(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A stored row a rescore cannot use.
    #[error("{0}")]
    Stored(String),
    /// Settings a rescore refuses to apply (the shipped placeholder company).
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
}

/// A CSV read from memory (as UTF-8, whatever it was saved in).
type CsvReader = csv::Reader<std::io::Cursor<Vec<u8>>>;

/// A CSV a person wrote or exported (a manifest, reviewers' verdicts): cells trimmed, rows of any
/// length (the caller judges each row), and a header whose every column is in `known` — a
/// misspelt column is an error naming it and the right ones (`columns`), never ignored.
fn open_csv(
    path: &Path,
    known: &[&str],
    columns: &str,
) -> Result<(CsvReader, Vec<String>), BatchError> {
    let whole = |e: &dyn std::fmt::Display| BatchError::Input(format!("{}: {e}", path.display()));
    let bytes = std::fs::read(path).map_err(|e| whole(&e))?;
    let bytes = csv_utf8(bytes).map_err(|e| whole(&e))?;
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(std::io::Cursor::new(bytes));
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| whole(&e))?
        .iter()
        .map(str::to_string)
        .collect();
    let unknown: Vec<&String> = headers
        .iter()
        .filter(|h| !known.contains(&h.as_str()))
        .collect();
    if !unknown.is_empty() {
        return Err(whole(&format!(
            "unknown column(s) {unknown:?} (the columns are {columns})"
        )));
    }
    // a column given twice would be read from its first cell only, the second silently lost
    let mut twice: Vec<&String> = headers
        .iter()
        .enumerate()
        .filter(|&(i, h)| headers[..i].contains(h))
        .map(|(_, h)| h)
        .collect();
    twice.dedup();
    if !twice.is_empty() {
        return Err(whole(&format!(
            "column(s) {twice:?} given more than once (each column once)"
        )));
    }
    Ok((reader, headers))
}

/// A CSV file as UTF-8. Excel on a Chinese Windows saves "CSV" in GBK (GB18030's subset) and
/// "CSV UTF-8" with a byte-order mark; both are read as what they are. A BOM says the encoding
/// (UTF-8 or UTF-16). Without one, text whose non-ASCII bytes are mostly not UTF-8 but are all
/// valid GB18030 is GB18030; anything else stays as it is, so that a UTF-8 manifest with one
/// damaged row fails that row only (the CSV reader names it), not every Chinese name in it.
/// The same holds after a UTF-8 BOM: the mark is dropped and the bytes left as they are.
fn csv_utf8(mut bytes: Vec<u8>) -> Result<Vec<u8>, String> {
    if bytes.starts_with(b"\xef\xbb\xbf") {
        bytes.drain(..3);
        return Ok(bytes);
    }
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(&bytes) {
        return encoding
            .decode_without_bom_handling_and_without_replacement(&bytes[bom..])
            .map(|text| text.into_owned().into_bytes())
            .ok_or_else(|| {
                format!(
                    "not valid {} text after its byte-order mark",
                    encoding.name()
                )
            });
    }
    let (valid, invalid) = utf8_tally(&bytes);
    if invalid > valid
        && let Some(text) =
            encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(&bytes)
    {
        return Ok(text.into_owned().into_bytes());
    }
    Ok(bytes)
}

/// Non-ASCII UTF-8 characters and invalid UTF-8 sequences in `bytes`.
fn utf8_tally(mut bytes: &[u8]) -> (usize, usize) {
    let non_ascii = |s: &str| s.chars().filter(|c| !c.is_ascii()).count();
    let (mut valid, mut invalid) = (0, 0);
    loop {
        match std::str::from_utf8(bytes) {
            Ok(s) => return (valid + non_ascii(s), invalid),
            Err(e) => {
                let (good, rest) = bytes.split_at(e.valid_up_to());
                valid += std::str::from_utf8(good).map_or(0, non_ascii);
                invalid += 1;
                bytes = &rest[e.error_len().unwrap_or(rest.len())..];
            }
        }
    }
}

/// Rebuild the agents table from every call in the dataset. Run when no shard is writing:
/// it first repairs every shard's leftovers.
pub fn aggregate(out: &Path, cfg: &AggregateConfig) -> Result<Vec<AgentRow>, BatchError> {
    let _lock = store::lock::dataset(out)?;
    store::repair(out, "", |_| true)?;
    Ok(store::agents::write_agents(out, cfg)?)
}
