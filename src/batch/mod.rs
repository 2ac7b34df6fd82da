//! Stage: the nightly batch. Lists the calls (directory or manifest), takes this shard's share,
//! and runs every call through the same [`Pipeline`](crate::pipeline::Pipeline) as
//! `callqa check`. `rescore` re-applies rules and scorecard to what a batch stored, without
//! the audio; `aggregate` rebuilds the agents table once every shard has finished.

mod input;
mod manifest;
mod rescore;
pub mod review;
mod run;

use std::path::Path;

pub use input::{
    Listing, check_started_at, content_hash, list_calls, parse_shard, shard, shard_index,
};
pub use rescore::{RescoreSummary, rescore};
pub use run::{BatchOptions, BatchSummary, Progress, call_date, num_cores, run};

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

/// Rebuild the agents table from every call in the dataset. Run when no shard is writing:
/// it first repairs every shard's leftovers.
pub fn aggregate(out: &Path, cfg: &AggregateConfig) -> Result<Vec<AgentRow>, BatchError> {
    let _lock = store::lock::dataset(out)?;
    store::repair(out, "", |_| true)?;
    Ok(store::agents::write_agents(out, cfg)?)
}
