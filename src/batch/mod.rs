//! Stage: the nightly batch. Lists the calls (directory or manifest), takes this shard's share,
//! and runs every call through the same stages as `callqa check`.
//! `rescore` re-applies rules and scorecard to what a batch stored, without the audio.

mod input;
mod rescore;
mod run;

pub use input::{CallInput, UNKNOWN, content_hash, list_calls, parse_shard, shard, shard_index};
pub use rescore::{RescoreSummary, rescore};
pub use run::{BatchOptions, BatchSummary, Progress, call_date, config_hashes, num_cores, run};

#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    #[error("{0}")]
    Input(String),
    #[error("{0}")]
    Output(String),
}
