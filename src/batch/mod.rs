//! Stage: the nightly batch. Lists the calls (directory or manifest), takes this shard's share,
//! and runs every call through the same [`Pipeline`](crate::pipeline::Pipeline) as
//! `callqa check`. `rescore` re-applies rules and scorecard to what a batch stored, without
//! the audio; `aggregate` rebuilds the agents table once every shard has finished.

mod input;
mod layout;
mod manifest;
mod rescore;
pub mod review;
mod run;

use std::path::Path;

pub use input::{
    Listing, check_started_at, content_hash, list_calls, parse_shard, shard, shard_index,
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
}

/// A CSV a person wrote or exported (a manifest, reviewers' verdicts): cells trimmed, rows of any
/// length (the caller judges each row), and a header whose every column is in `known` — a
/// misspelt column is an error naming it and the right ones (`columns`), never ignored.
fn open_csv(
    path: &Path,
    known: &[&str],
    columns: &str,
) -> Result<(csv::Reader<std::fs::File>, Vec<String>), BatchError> {
    let whole = |e: &dyn std::fmt::Display| BatchError::Input(format!("{}: {e}", path.display()));
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_path(path)
        .map_err(|e| whole(&e))?;
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
    Ok((reader, headers))
}

/// Rebuild the agents table from every call in the dataset. Run when no shard is writing:
/// it first repairs every shard's leftovers.
pub fn aggregate(out: &Path, cfg: &AggregateConfig) -> Result<Vec<AgentRow>, BatchError> {
    let _lock = store::lock::dataset(out)?;
    store::repair(out, "", |_| true)?;
    Ok(store::agents::write_agents(out, cfg)?)
}
