//! Stage: the nightly batch. Lists the calls (directory or manifest), takes this shard's share,
//! and runs every call through the same stages as `callqa check`.
//! Built so far: the input side (listing, manifest, id patterns, sharding, content hashes).
//! The runner and its Parquet outputs are issue #6's remaining work.

mod input;

pub use input::{CallInput, UNKNOWN, content_hash, list_calls, parse_shard, shard};

#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    #[error("{0}")]
    Input(String),
}
