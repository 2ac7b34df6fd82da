//! Stage: the Parquet dataset a batch writes and managers query.
//!
//! Layout under `--out DIR`, Hive-partitioned by call date so that a nightly run only adds files:
//! `calls/call_date=YYYY-MM-DD/PART.parquet`, the same PART under `findings/` and `segments/`,
//! and `agents/agents.parquet` (rebuilt from all calls after every run).
//!
//! Crash safety: every file is written to a temp name and renamed. A chunk's `findings` and
//! `segments` files are written before its `calls` file, so a call row exists only when its
//! other rows do; `repair` removes the other files of a chunk whose `calls` file never landed
//! (the run was killed), and keeps only the newest row of a call that was processed again.

pub mod agents;
mod columns;
pub mod lock;
pub mod quarantine;
mod query;
pub mod reviews;
pub mod rows;

use std::collections::{BTreeSet, HashMap};
use std::fs;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::call::CallStatus;

pub use columns::{bools, floats, ints, strings};
pub use query::query;
pub use rows::{CallRow, CallRows, FindingRow, RunInfo, SegmentRow};

pub const TABLES: [&str; 3] = ["calls", "findings", "segments"];

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: {detail}")]
    Io { path: String, detail: String },
    #[error("{path}: {detail}")]
    Parquet { path: String, detail: String },
}

pub fn io_err(path: &Path, e: impl std::fmt::Display) -> StoreError {
    StoreError::Io {
        path: path.display().to_string(),
        detail: e.to_string(),
    }
}

fn pq_err(path: &Path, e: impl std::fmt::Display) -> StoreError {
    StoreError::Parquet {
        path: path.display().to_string(),
        detail: e.to_string(),
    }
}

/// The file of `table` for one chunk.
pub fn part_path(out: &Path, table: &str, call_date: &str, part: &str) -> PathBuf {
    out.join(table)
        .join(format!("call_date={call_date}"))
        .join(format!("{part}.parquet"))
}

/// Write a file atomically: a temp file in the same directory, fsync, rename. Readers and a
/// crash see the old file or the new one, never half of one.
fn atomic(
    path: &Path,
    write: impl FnOnce(&fs::File) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(|e| io_err(dir, e))?;
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let file = fs::File::create(&tmp).map_err(|e| io_err(&tmp, e))?;
    let result = write(&file)
        .and_then(|_| file.sync_all().map_err(|e| io_err(&tmp, e)))
        .and_then(|_| fs::rename(&tmp, path).map_err(|e| io_err(path, e)));
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    use std::io::Write;
    atomic(path, |mut f| {
        f.write_all(bytes).map_err(|e| io_err(path, e))
    })
}

/// Encoded in memory first (a chunk is small), then written: a full disk is then reported as
/// the OS says it ("No space left on device"), not as the Parquet writer's "Invalid thrift".
pub fn write_parquet(path: &Path, df: &mut DataFrame) -> Result<(), StoreError> {
    let mut bytes = Vec::new();
    ParquetWriter::new(&mut bytes)
        .with_compression(ParquetCompression::Zstd(None))
        .finish(df)
        .map_err(|e| pq_err(path, e))?;
    write_atomic(path, &bytes)
}

/// A text cell that a spreadsheet would run as a formula (=, +, -, @, tab, CR first: a
/// transcript or file name can hold `=HYPERLINK(…)`) gets a leading `'`, as OWASP advises.
pub fn spreadsheet_safe(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

/// A data frame as CSV (header, then one line per row; nulls empty).
pub fn to_csv(df: &DataFrame) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let names: Vec<&str> = df.get_column_names().iter().map(|n| n.as_str()).collect();
    let _ = w.write_record(&names);
    for i in 0..df.height() {
        let row: Vec<String> = df
            .get_columns()
            .iter()
            .map(|c| match c.get(i) {
                Ok(AnyValue::Null) | Err(_) => String::new(),
                Ok(v) => match v.get_str() {
                    Some(s) => spreadsheet_safe(s),
                    None => v.to_string(),
                },
            })
            .collect();
        let _ = w.write_record(&row);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

pub fn read_parquet(path: &Path) -> Result<DataFrame, StoreError> {
    let file = fs::File::open(path).map_err(|e| io_err(path, e))?;
    ParquetReader::new(file)
        .finish()
        .map_err(|e| pq_err(path, e))
}

/// Write one chunk of calls that share a call date: findings, segments, then calls (the commit).
pub fn write_chunk(
    out: &Path,
    call_date: &str,
    part: &str,
    rows: &[CallRows],
) -> Result<(), StoreError> {
    let findings: Vec<FindingRow> = rows.iter().flat_map(|r| r.findings.clone()).collect();
    let segments: Vec<SegmentRow> = rows.iter().flat_map(|r| r.segments.clone()).collect();
    let calls: Vec<CallRow> = rows.iter().map(|r| r.call.clone()).collect();
    let frame_err = |e: PolarsError| pq_err(out, e);
    let mut f = rows::findings_frame(&findings).map_err(frame_err)?;
    write_parquet(&part_path(out, "findings", call_date, part), &mut f)?;
    let mut s = rows::segments_frame(&segments).map_err(frame_err)?;
    write_parquet(&part_path(out, "segments", call_date, part), &mut s)?;
    let mut c = rows::calls_frame(&calls).map_err(frame_err)?;
    write_parquet(&part_path(out, "calls", call_date, part), &mut c)
}

/// One part file: its partition and name, shared by the three tables.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Part {
    pub call_date: String,
    pub name: String,
}

impl Part {
    pub fn path(&self, out: &Path, table: &str) -> PathBuf {
        part_path(out, table, &self.call_date, &self.name)
    }
}

/// Every committed or uncommitted part file of `table`, sorted.
pub fn parts(out: &Path, table: &str) -> Result<Vec<Part>, StoreError> {
    let dir = out.join(table);
    let mut found = Vec::new();
    let Ok(dates) = fs::read_dir(&dir) else {
        return Ok(found);
    };
    for d in dates {
        let d = d.map_err(|e| io_err(&dir, e))?.path();
        let Some(date) = d
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_prefix("call_date="))
            .map(str::to_string)
        else {
            continue;
        };
        for f in fs::read_dir(&d).map_err(|e| io_err(&d, e))? {
            let f = f.map_err(|e| io_err(&d, e))?.path();
            let name = f.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            if let Some(stem) = name.strip_suffix(".parquet")
                && !name.starts_with('.')
            {
                found.push(Part {
                    call_date: date.clone(),
                    name: stem.to_string(),
                });
            }
        }
    }
    found.sort();
    Ok(found)
}

/// What a rerun needs to know of a processed call: its resume key and when it was done.
#[derive(Debug, Clone, PartialEq)]
pub struct Done {
    pub key: String,
    pub status: CallStatus,
    pub processed_at: String,
    pub part: Part,
    /// Which recording the row is of: its content hash (empty: it could not be read) and path.
    pub content_hash: String,
    pub path: String,
    /// The Whisper model that transcribed it (`none`: acoustic measures only).
    pub model_id: String,
}

/// The resume key: the same input under the same configuration, rules and model.
pub fn resume_key(input_key: &str, config_hash: &str, model_id: &str, rules: &str) -> String {
    format!("{input_key}/{config_hash}/{model_id}/{rules}")
}

/// The committed rows of `calls`, newest per call id.
pub fn done_calls(out: &Path) -> Result<HashMap<String, Done>, StoreError> {
    Ok(all_call_rows(out)?
        .into_iter()
        .map(|(id, mut v)| (id, v.pop().expect("non-empty")))
        .collect())
}

/// Every call row of every committed part, oldest first per call id.
fn all_call_rows(out: &Path) -> Result<HashMap<String, Vec<Done>>, StoreError> {
    let mut by_id: HashMap<String, Vec<Done>> = HashMap::new();
    for part in parts(out, "calls")? {
        for row in read_calls(out, &part)? {
            by_id.entry(row.call_id).or_default().push(Done {
                key: resume_key(
                    &row.input_key,
                    &row.config_hash,
                    &row.model_id,
                    &row.rules_version,
                ),
                status: row.status,
                processed_at: row.processed_at,
                part: part.clone(),
                content_hash: row.content_hash,
                path: row.path,
                model_id: row.model_id,
            });
        }
    }
    for v in by_id.values_mut() {
        v.sort_by(|a, b| (&a.processed_at, &a.part).cmp(&(&b.processed_at, &b.part)));
    }
    Ok(by_id)
}

/// The `calls` rows of one part, with their call date.
pub fn read_calls(out: &Path, part: &Part) -> Result<Vec<CallRow>, StoreError> {
    let path = part.path(out, "calls");
    let mut rows = rows::calls_from_frame(&read_parquet(&path)?).map_err(|e| pq_err(&path, e))?;
    for r in &mut rows {
        r.call_date.clone_from(&part.call_date);
    }
    Ok(rows)
}

/// The `findings` rows of one part (none when the part has no findings file).
pub fn read_findings(out: &Path, part: &Part) -> Result<Vec<FindingRow>, StoreError> {
    let path = part.path(out, "findings");
    if !path.exists() {
        return Ok(Vec::new());
    }
    rows::findings_from_frame(&read_parquet(&path)?).map_err(|e| pq_err(&path, e))
}

/// The `segments` rows of one part (none when the part has no segments file).
pub fn read_segments(out: &Path, part: &Part) -> Result<Vec<SegmentRow>, StoreError> {
    let path = part.path(out, "segments");
    if !path.exists() {
        return Ok(Vec::new());
    }
    rows::segments_from_frame(&read_parquet(&path)?).map_err(|e| pq_err(&path, e))
}

/// What `repair` did.
#[derive(Debug, Default, PartialEq)]
pub struct Repair {
    /// Files of chunks whose `calls` file never landed (a killed run), removed.
    pub orphans_removed: usize,
    /// Older rows of calls processed again, removed.
    pub stale_rows_removed: usize,
}

/// Make the dataset consistent after a crash or a reprocessing: drop uncommitted chunk files
/// whose name contains `own_tag` (other shards may be writing theirs right now), and keep only
/// the newest row of each call for which `mine` is true.
pub fn repair(
    out: &Path,
    own_tag: &str,
    mine: impl Fn(&str) -> bool,
) -> Result<Repair, StoreError> {
    let mut rep = Repair::default();
    rep.orphans_removed += remove_temp_files(out, own_tag)?;
    let committed: BTreeSet<Part> = parts(out, "calls")?.into_iter().collect();
    for table in ["findings", "segments"] {
        for p in parts(out, table)? {
            if !committed.contains(&p) && p.name.contains(own_tag) {
                let path = p.path(out, table);
                fs::remove_file(&path).map_err(|e| io_err(&path, e))?;
                rep.orphans_removed += 1;
            }
        }
    }
    let mut stale: HashMap<Part, Vec<String>> = HashMap::new();
    for (id, rows) in all_call_rows(out)? {
        if rows.len() > 1 && mine(&id) {
            for d in &rows[..rows.len() - 1] {
                stale.entry(d.part.clone()).or_default().push(id.clone());
            }
        }
    }
    for (part, ids) in stale {
        rep.stale_rows_removed += ids.len();
        // calls last: until it is rewritten, the stale rows are still complete
        for table in ["findings", "segments", "calls"] {
            let path = part.path(out, table);
            if !path.exists() {
                continue;
            }
            let df = read_parquet(&path)?;
            let keep: BooleanChunked = strings(&df, "call_id")
                .iter()
                .map(|id| Some(!id.as_ref().is_some_and(|id| ids.contains(id))))
                .collect();
            let mut kept = df.filter(&keep).map_err(|e| pq_err(&path, e))?;
            write_parquet(&path, &mut kept)?;
        }
    }
    Ok(rep)
}

/// Temp files a killed writer left (`.NAME.tmp-PID`), of this shard's parts only.
fn remove_temp_files(out: &Path, own_tag: &str) -> Result<usize, StoreError> {
    let mut removed = 0;
    for table in TABLES {
        let Ok(dates) = fs::read_dir(out.join(table)) else {
            continue;
        };
        for d in dates.flatten() {
            let Ok(files) = fs::read_dir(d.path()) else {
                continue;
            };
            for f in files.flatten() {
                let name = f.file_name().to_string_lossy().into_owned();
                if name.starts_with('.') && name.contains(".tmp-") && name.contains(own_tag) {
                    fs::remove_file(f.path()).map_err(|e| io_err(&f.path(), e))?;
                    removed += 1;
                }
            }
        }
    }
    Ok(removed)
}

/// A lazy scan of one table over all partitions (`call_date` comes from the directory names).
pub fn scan(out: &Path, table: &str) -> Result<LazyFrame, StoreError> {
    let dir = out.join(table);
    if table == "agents" {
        let path = dir.join("agents.parquet");
        return LazyFrame::scan_parquet(&path, ScanArgsParquet::default())
            .map_err(|e| pq_err(&path, e));
    }
    if parts(out, table)?.is_empty() {
        return Err(io_err(&dir, "no Parquet files (has a batch written here?)"));
    }
    let glob = dir.join("**").join("*.parquet");
    let args = ScanArgsParquet {
        // parts written before a column was added read it as null
        allow_missing_columns: true,
        hive_options: polars::io::HiveOptions {
            enabled: Some(true),
            hive_start_idx: 0,
            schema: None,
            try_parse_dates: true,
        },
        ..Default::default()
    };
    LazyFrame::scan_parquet(&glob, args).map_err(|e| pq_err(&dir, e))
}
