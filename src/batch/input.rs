//! Which calls a batch processes: a directory of recordings (recursive) or a manifest CSV as
//! call-center platforms export it, then this shard's deterministic share of them.

use std::path::{Path, PathBuf};

use regex::Regex;
use serde::Deserialize;

use super::BatchError;
use crate::call::{CallInput, Language};

const AUDIO_EXTENSIONS: [&str; 8] = ["wav", "flac", "mp3", "ogg", "oga", "m4a", "mp4", "aac"];

/// A manifest row: every column but `path` optional; relative paths are relative to the manifest.
#[derive(Debug, Deserialize)]
struct ManifestRow {
    path: String,
    call_id: Option<String>,
    agent_id: Option<String>,
    team: Option<String>,
    started_at: Option<String>,
    agent_channel: Option<usize>,
    language: Option<String>,
}

/// A manifest cell as a [`Language`]; empty: the configuration's default.
fn manifest_language(cell: Option<String>) -> Result<Option<Language>, String> {
    cell.filter(|v| !v.is_empty())
        .map(|v| v.parse().map_err(|e| format!("language {e}")))
        .transpose()
}

/// List the calls under `input`: a `.csv` file is a manifest, a directory is searched
/// recursively for audio files (sorted, so every run and shard sees the same order).
/// Ids missing from the manifest come from `pattern` (named groups `agent_id`, `call_id`, `team`)
/// applied to the file name, else the file stem (call) and `unknown` (agent, team).
pub fn list_calls(input: &Path, pattern: Option<&Regex>) -> Result<Vec<CallInput>, BatchError> {
    let meta = std::fs::metadata(input)
        .map_err(|e| BatchError::Input(format!("{}: {e}", input.display())))?;
    let mut calls = if meta.is_dir() {
        let mut files = Vec::new();
        walk(input, &mut files)?;
        files.sort();
        files.into_iter().map(|p| from_name(p, pattern)).collect()
    } else if input
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
    {
        read_manifest(input, pattern)?
    } else {
        vec![from_name(input.to_path_buf(), pattern)]
    };
    // Two files with the same call id would overwrite each other's rows: make ids unique.
    let mut seen = std::collections::HashMap::<String, usize>::new();
    for c in &mut calls {
        let n = seen.entry(c.call_id.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            c.call_id = format!("{}#{}", c.call_id, n);
        }
    }
    Ok(calls)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), BatchError> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| BatchError::Input(format!("{}: {e}", dir.display())))?;
    for entry in entries {
        let path = entry
            .map_err(|e| BatchError::Input(format!("{}: {e}", dir.display())))?
            .path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| AUDIO_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
        {
            out.push(path);
        }
    }
    Ok(())
}

fn from_name(path: PathBuf, pattern: Option<&Regex>) -> CallInput {
    let name = path
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let caps = pattern.and_then(|re| re.captures(&name));
    let group = |g: &str| {
        caps.as_ref()
            .and_then(|c| c.name(g))
            .map(|m| m.as_str().to_string())
    };
    let mut call = CallInput::from_path(path);
    for (field, g) in [
        (&mut call.call_id, "call_id"),
        (&mut call.agent_id, "agent_id"),
        (&mut call.team, "team"),
    ] {
        if let Some(v) = group(g) {
            *field = v;
        }
    }
    call.started_at = group("started_at");
    call
}

fn read_manifest(manifest: &Path, pattern: Option<&Regex>) -> Result<Vec<CallInput>, BatchError> {
    let base = manifest.parent().unwrap_or(Path::new("."));
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(manifest)
        .map_err(|e| BatchError::Input(format!("{}: {e}", manifest.display())))?;
    let mut out = Vec::new();
    for (i, row) in reader.deserialize::<ManifestRow>().enumerate() {
        let bad_row = |e: &dyn std::fmt::Display| {
            BatchError::Input(format!("{}: row {}: {e}", manifest.display(), i + 2))
        };
        let row = row.map_err(|e| bad_row(&e))?;
        let language = manifest_language(row.language).map_err(|e| bad_row(&e))?;
        let empty = |s: Option<String>| s.filter(|v| !v.is_empty());
        let path = base.join(&row.path);
        let named = from_name(path.clone(), pattern);
        out.push(CallInput {
            call_id: empty(row.call_id).unwrap_or(named.call_id),
            agent_id: empty(row.agent_id).unwrap_or(named.agent_id),
            team: empty(row.team).unwrap_or(named.team),
            started_at: empty(row.started_at).or(named.started_at),
            agent_channel: row.agent_channel,
            language,
            path,
        });
    }
    Ok(out)
}

/// Shard `i` of `n`: a deterministic subset by a hash of the call id, so that the same command
/// on every worker of a Kubernetes Indexed Job or Slurm array covers each call exactly once.
pub fn shard(calls: Vec<CallInput>, index: usize, count: usize) -> Vec<CallInput> {
    if count <= 1 {
        return calls;
    }
    calls
        .into_iter()
        .filter(|c| shard_index(&c.call_id, count) == index)
        .collect()
}

/// Which of `count` shards a call id belongs to.
pub fn shard_index(call_id: &str, count: usize) -> usize {
    let h = blake3::hash(call_id.as_bytes());
    (u64::from_le_bytes(h.as_bytes()[..8].try_into().expect("8 bytes")) % count.max(1) as u64)
        as usize
}

/// `--shard i/n`, or the orchestrator's index: JOB_COMPLETION_INDEX (Kubernetes Indexed Job) or
/// SLURM_ARRAY_TASK_ID (Slurm array) with `n` from --shards / SLURM_ARRAY_TASK_COUNT.
pub fn parse_shard(
    arg: Option<&str>,
    count_arg: Option<usize>,
) -> Result<(usize, usize), BatchError> {
    let bad = |s: &str| BatchError::Input(format!("--shard {s}: expected i/n with 0 <= i < n"));
    if let Some(s) = arg {
        let (i, n) = s.split_once('/').ok_or_else(|| bad(s))?;
        let (i, n): (usize, usize) = (
            i.trim().parse().map_err(|_| bad(s))?,
            n.trim().parse().map_err(|_| bad(s))?,
        );
        return if n > 0 && i < n {
            Ok((i, n))
        } else {
            Err(bad(s))
        };
    }
    let env = |k: &str| std::env::var(k).ok().and_then(|v| v.parse::<usize>().ok());
    let index = env("JOB_COMPLETION_INDEX").or_else(|| env("SLURM_ARRAY_TASK_ID"));
    let count = count_arg.or_else(|| env("SLURM_ARRAY_TASK_COUNT"));
    match (index, count) {
        (Some(i), Some(n)) if i < n => Ok((i, n)),
        (Some(i), Some(n)) => Err(bad(&format!("{i}/{n}"))),
        (Some(_), None) => Err(BatchError::Input(
            "a shard index is set in the environment but not the shard count: pass --shards N"
                .into(),
        )),
        _ => Ok((0, 1)),
    }
}

/// blake3 of the file's bytes (streamed): the call's identity for resuming, whatever its name.
pub fn content_hash(path: &Path) -> std::io::Result<String> {
    let mut h = blake3::Hasher::new();
    h.update_reader(std::fs::File::open(path)?)?;
    Ok(h.finalize().to_hex()[..32].to_string())
}
