//! Who may write a dataset at once: any number of batch shards, one per shard index, or one
//! whole-dataset job (rescore, aggregate). Advisory OS file locks: released by the kernel when
//! the process ends, however it ends, so a killed run never leaves a stale lock behind.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::Path;

use super::{StoreError, io_err};

/// Held for as long as the writer runs.
#[derive(Debug)]
pub struct WriteLock {
    _files: Vec<File>,
}

fn open(out: &Path, name: &str) -> Result<File, StoreError> {
    let path = out.join(name);
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| io_err(&path, e))
}

fn busy(out: &Path, what: &str) -> StoreError {
    io_err(
        out,
        format!("{what} is writing this dataset now: wait for it to finish (or use another --out)"),
    )
}

const DATASET: &str = ".callqa-dataset.lock";

/// A batch shard (`tag` such as `s0of1`): shares the dataset with other shards, never with a
/// second run of the same shard (both would do all the work and repair each other's files).
pub fn shard(out: &Path, tag: &str) -> Result<WriteLock, StoreError> {
    std::fs::create_dir_all(out).map_err(|e| io_err(out, e))?;
    let dataset = open(out, DATASET)?;
    match dataset.try_lock_shared() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => return Err(busy(out, "a rescore or aggregate")),
        Err(TryLockError::Error(e)) => return Err(io_err(&out.join(DATASET), e)),
    }
    let name = format!(".callqa-{tag}.lock");
    let own = open(out, &name)?;
    match own.try_lock() {
        Ok(()) => Ok(WriteLock {
            _files: vec![dataset, own],
        }),
        Err(TryLockError::WouldBlock) => Err(busy(out, &format!("another batch of shard {tag}"))),
        Err(TryLockError::Error(e)) => Err(io_err(&out.join(name), e)),
    }
}

/// The whole dataset, for a job that rewrites every shard's files. No folder, nothing to lock
/// (the job itself then says there is no dataset).
pub fn dataset(out: &Path) -> Result<WriteLock, StoreError> {
    if !out.is_dir() {
        return Ok(WriteLock { _files: Vec::new() });
    }
    let dataset = open(out, DATASET)?;
    match dataset.try_lock() {
        Ok(()) => Ok(WriteLock {
            _files: vec![dataset],
        }),
        Err(TryLockError::WouldBlock) => Err(busy(out, "a batch, rescore or aggregate")),
        Err(TryLockError::Error(e)) => Err(io_err(&out.join(DATASET), e)),
    }
}
