//! Which calls a batch processes: a directory of recordings (recursive) or a manifest CSV as
//! call-center platforms export it, then this shard's deterministic share of them.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use regex::Regex;

use super::BatchError;
use super::manifest::read_manifest;
use crate::call::CallInput;

/// Recordings to list: what callqa decodes, and formats recorders and phones write that it
/// does not (AMR, WMA, Opus, headerless .pcm/.vox), which become error rows saying how to
/// convert them instead of being skipped unseen.
const AUDIO_EXTENSIONS: [&str; 14] = [
    "wav", "flac", "mp3", "ogg", "oga", "m4a", "mp4", "aac", "amr", "awb", "wma", "opus", "pcm",
    "vox",
];

/// The calls a batch will process, and what the listing found wrong without failing a call
/// (an unreadable sub-folder, a recording listed twice, a call id given to two recordings).
#[derive(Debug, Default)]
pub struct Listing {
    pub calls: Vec<CallInput>,
    pub warnings: Vec<String>,
}

/// `started_at` as a manifest or file name gives it: an ISO 8601 date or date-time, kept as
/// given; or a date as Excel on a Chinese Windows writes it (2026/11/1 8:05, 2026/11/01), a
/// date-time without seconds, or one as recorders name files (20261101_083015, 20261101),
/// rewritten in ISO form (2026-11-01T08:05:00) so that the call date (its first ten characters)
/// partitions the outputs. Anything else is an error: a wrong date must not silently become the
/// file's date. So is a year outside [`PLAUSIBLE_YEARS`].
pub fn parse_started_at(v: &str) -> Result<String, String> {
    let iso = started_at_text(v)?;
    let year = iso.get(..4).and_then(|y| y.parse::<i32>().ok());
    match year {
        Some(y) if PLAUSIBLE_YEARS.contains(&y) => Ok(iso),
        _ => Err(format!(
            "started_at {v:?}: year {} is not plausible for a recorded call (accepted: {} to {})",
            year.map_or_else(|| iso.chars().take(5).collect(), |y| y.to_string()),
            PLAUSIBLE_YEARS.start(),
            PLAUSIBLE_YEARS.end()
        )),
    }
}

/// The years a call's `started_at` may fall in. Digital call recording is younger than 1990, and
/// a date past 2100 is a typo or a placeholder (9999-12-31, like 0001-01-01, is what databases
/// and spreadsheets write for "no date"): either would file the call under a call date no
/// report's `--since` or month would find, where refusing it names the cell to fix.
pub const PLAUSIBLE_YEARS: std::ops::RangeInclusive<i32> = 1990..=2100;

/// `started_at` in ISO form, any year (see [`parse_started_at`]).
fn started_at_text(v: &str) -> Result<String, String> {
    use chrono::{NaiveDate, NaiveDateTime};
    // kept as given only where its first ten characters are the call date
    let dated = v.len() >= 10
        && v.is_char_boundary(10)
        && v.as_bytes()[4] == b'-'
        && v.as_bytes()[7] == b'-'
        && v[..10].bytes().filter(u8::is_ascii_digit).count() == 8;
    let iso = chrono::DateTime::parse_from_rfc3339(v).is_ok()
        || NaiveDate::parse_from_str(v, "%Y-%m-%d").is_ok()
        || [
            "%Y-%m-%dT%H:%M:%S",
            "%Y-%m-%d %H:%M:%S",
            "%Y-%m-%dT%H:%M:%S%.f",
        ]
        .iter()
        .any(|f| NaiveDateTime::parse_from_str(v, f).is_ok());
    if iso && dated {
        return Ok(v.to_string());
    }
    let date_time = [
        "%Y/%m/%d %H:%M:%S",
        "%Y/%m/%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
        "%Y%m%d_%H%M%S",
        "%Y%m%d-%H%M%S",
        "%Y%m%d%H%M%S",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(v, f).ok());
    if let Some(t) = date_time {
        return Ok(t.format("%Y-%m-%dT%H:%M:%S").to_string());
    }
    if let Some(d) = ["%Y/%m/%d", "%Y-%m-%d", "%Y%m%d"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(v, f).ok())
    {
        return Ok(d.format("%Y-%m-%d").to_string());
    }
    Err(format!(
        "started_at {v:?}: not a date or date-time (2026-11-27, 2026-11-27T08:00:00+08:00, 2026/11/27 8:00)"
    ))
}

/// List the calls under `input`: a `.csv` file is a manifest, a directory is searched
/// recursively for audio files (sorted, so every run and shard sees the same order).
/// Ids missing from the manifest come from `pattern` (named groups `agent_id`, `call_id`, `team`)
/// applied to the file name, else the file stem (call) and `unknown` (agent, team).
pub fn list_calls(input: &Path, pattern: Option<&Regex>) -> Result<Listing, BatchError> {
    let meta = std::fs::metadata(input)
        .map_err(|e| BatchError::Input(format!("{}: {e}", input.display())))?;
    let mut listing = Listing::default();
    let calls = if meta.is_dir() {
        let mut files = Vec::new();
        let mut visited = HashSet::new();
        walk(input, &mut files, &mut visited, &mut listing.warnings);
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
    listing.calls = once_per_recording(calls, !meta.is_dir(), &mut listing.warnings);
    for c in &mut listing.calls {
        if c.problem.is_none() {
            c.problem = not_a_file(&c.path);
        }
    }
    unique_ids(&mut listing.calls, &mut listing.warnings);
    Ok(listing)
}

/// A FIFO, a device (a link to /dev/zero) or a folder named like a recording would block or
/// never end when read: it is an error row, never opened.
fn not_a_file(path: &Path) -> Option<String> {
    match std::fs::metadata(path) {
        Ok(m) if !m.is_file() => {
            Some("not a regular file (a FIFO, device or folder): not read".to_string())
        }
        _ => None,
    }
}

/// The same recording listed twice is scored once, as its first listing: in a folder, two
/// links to one file; in a manifest, rows with one path and one call id (rows that give one
/// file two ids say they are two calls).
fn once_per_recording(
    calls: Vec<CallInput>,
    by_id: bool,
    warnings: &mut Vec<String>,
) -> Vec<CallInput> {
    let mut first: HashMap<(PathBuf, String), usize> = HashMap::new();
    let mut again: Vec<(usize, Vec<PathBuf>)> = Vec::new(); // (first listing, the repeats)
    let mut out = Vec::new();
    for c in calls {
        if c.problem.is_some() {
            out.push(c); // a bad row is reported as itself, whatever its path
            continue;
        }
        let key = (
            std::fs::canonicalize(&c.path).unwrap_or_else(|_| c.path.clone()),
            if by_id {
                c.call_id.clone()
            } else {
                String::new()
            },
        );
        match first.get(&key) {
            Some(&k) => match again.iter_mut().find(|r| r.0 == k) {
                Some(r) => r.1.push(c.path),
                None => again.push((k, vec![c.path])),
            },
            None => {
                first.insert(key, out.len());
                out.push(c);
            }
        }
    }
    for (k, repeats) in again {
        let repeats: Vec<String> = repeats.iter().map(|p| p.display().to_string()).collect();
        warnings.push(format!(
            "{}: listed {} times (again as {}): scored once, as call {}",
            out[k].path.display(),
            repeats.len() + 1,
            repeats.join(", "),
            out[k].call_id
        ));
    }
    out
}

/// Two recordings with one call id would overwrite each other's rows: the later ones get
/// `#2`, `#3`, … — a suffix no other recording has as its own id.
fn unique_ids(calls: &mut [CallInput], warnings: &mut Vec<String>) {
    let given: HashSet<String> = calls.iter().map(|c| c.call_id.clone()).collect();
    let mut used: HashSet<String> = HashSet::new();
    for c in calls {
        if used.insert(c.call_id.clone()) {
            continue;
        }
        let id = (2..)
            .map(|n| format!("{}#{n}", c.call_id))
            .find(|id| !given.contains(id) && !used.contains(id))
            .expect("an unused suffix");
        warnings.push(format!(
            "{}: call id {:?} is another recording's too: stored as {id:?}",
            c.path.display(),
            c.call_id
        ));
        used.insert(id.clone());
        c.call_id = id;
    }
}

/// Every audio file under `dir`. A folder is walked once however many links lead to it (a
/// link loop ends); one that cannot be listed is a warning, and the rest is still walked.
fn walk(
    dir: &Path,
    out: &mut Vec<PathBuf>,
    visited: &mut HashSet<PathBuf>,
    warnings: &mut Vec<String>,
) {
    let canonical = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    if !visited.insert(canonical) {
        return;
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            warnings.push(format!(
                "{}: cannot list: {e}: its recordings are not in this batch",
                dir.display()
            ));
            return;
        }
    };
    for entry in entries {
        let path = match entry {
            Ok(e) => e.path(),
            Err(e) => {
                warnings.push(format!("{}: cannot list: {e}", dir.display()));
                continue;
            }
        };
        if path.is_dir() {
            walk(&path, out, visited, warnings);
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| AUDIO_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
        {
            out.push(path);
        }
    }
}

/// The named groups `--pattern` may hold: what a file name can tell of a call.
pub const PATTERN_GROUPS: [&str; 4] = ["agent_id", "call_id", "team", "started_at"];

/// `--pattern` compiled. A named group other than [`PATTERN_GROUPS`] is refused, naming it and
/// the allowed ones: a typo such as `(?P<agent>…)` would otherwise silently take nothing from
/// any file name. A regex error is one line ([`crate::call::regex_error_text`]).
pub fn file_name_pattern(p: &str) -> Result<Regex, BatchError> {
    let re = Regex::new(p).map_err(|e| {
        BatchError::Input(format!(
            "--pattern `{p}`: not a valid regex: {}",
            crate::call::regex_error_text(&e)
        ))
    })?;
    let unknown: Vec<&str> = re
        .capture_names()
        .flatten()
        .filter(|n| !PATTERN_GROUPS.contains(n))
        .collect();
    if !unknown.is_empty() {
        return Err(BatchError::Input(format!(
            "--pattern `{p}`: unknown group name(s) {}; the groups a pattern may name are {}",
            unknown.join(", "),
            PATTERN_GROUPS.join(", ")
        )));
    }
    Ok(re)
}

/// A call from its file name: ids from `pattern`'s groups where they match, else the file stem
/// (call) and `unknown` (agent, team). A group that matched an empty string (or only spaces) is
/// the call's error: an empty agent or call id would file the call under nobody, and the
/// pattern is plainly not what the name looks like; a group that took no part in the match
/// (`(?P<team>…)?`) falls back as if it were absent.
pub(super) fn from_name(path: PathBuf, pattern: Option<&Regex>) -> CallInput {
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
    let mut empty = Vec::new();
    for (field, g) in [
        (&mut call.call_id, "call_id"),
        (&mut call.agent_id, "agent_id"),
        (&mut call.team, "team"),
    ] {
        match group(g) {
            Some(v) if v.trim().is_empty() => empty.push(g),
            Some(v) => *field = v,
            None => {}
        }
    }
    match group("started_at").as_deref() {
        Some(v) if v.trim().is_empty() => empty.push("started_at"),
        Some(v) => match parse_started_at(v) {
            Ok(v) => call.started_at = Some(v),
            Err(e) => call.problem = Some(format!("file name: {e}")),
        },
        None => {}
    }
    if !empty.is_empty() {
        call.problem = Some(format!(
            "file name: --pattern group(s) {} matched an empty string (make a group optional, \
             `(?P<team>[a-z]+)?`, where a name may lack it)",
            empty.join(", ")
        ));
    }
    call
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

/// Which of `count` shards a call id belongs to: the shard of the id it was listed under, so
/// that `0001~2` (another recording listed as `0001`) is written and repaired by the shard that
/// lists `0001`.
pub fn shard_index(call_id: &str, count: usize) -> usize {
    let h = blake3::hash(super::identity::listed_id(call_id).as_bytes());
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
    // set but not a number is an error: ignoring it would make this worker run every call
    let env = |k: &str| -> Result<Option<usize>, BatchError> {
        match std::env::var(k) {
            Ok(v) => v
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| BatchError::Input(format!("{k}={v:?}: not a shard number"))),
            Err(_) => Ok(None),
        }
    };
    let index = match env("JOB_COMPLETION_INDEX")? {
        Some(i) => Some(i),
        None => env("SLURM_ARRAY_TASK_ID")?,
    };
    let count = match count_arg {
        Some(n) => Some(n),
        None => env("SLURM_ARRAY_TASK_COUNT")?,
    };
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
    if !std::fs::metadata(path)?.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    let mut h = blake3::Hasher::new();
    h.update_reader(std::fs::File::open(path)?)?;
    Ok(h.finalize().to_hex()[..32].to_string())
}
