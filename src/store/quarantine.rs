//! Part files that cannot be read as their table are moved aside, whole chunk at once, so that
//! one bad file neither blocks every command (a query scans every part of a table) nor is
//! silently half-read: an unreadable file (a disk error, a copy cut short) or one whose column
//! holds the wrong type (another tool wrote `score` as text: every query of the table would
//! fail, and the reports would read its calls as unscored). The calls of a quarantined chunk are
//! no longer done: the next batch processes them again.
//!
//! A `reviews` part moves alone, to `quarantine/reviews/`. Its verdicts cannot be worked out
//! again from the audio, so the file is kept there and every command says so for as long as it
//! lies there: until a person restores (or deletes) it, the findings it judged count as
//! unreviewed.

use std::fs;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use super::{Part, StoreError, TABLES, io_err, parts, reviews, rows};

/// Where quarantined files go, under the dataset: `quarantine/TABLE/call_date=D/PART.parquet`,
/// and `quarantine/reviews/PART.parquet`.
pub const DIR: &str = "quarantine";

/// The column types a table's files must have. A file may lack a column (written before the
/// column was added: it reads as nulls) but not hold one as another type.
fn expected(table: &str) -> Schema {
    let frame = match table {
        "calls" => rows::calls_frame(&[]),
        "findings" => rows::findings_frame(&[]),
        "segments" => rows::segments_frame(&[]),
        "agents" => rows::agents_frame(&[]),
        _ => reviews::reviews_frame(&[]),
    };
    frame
        .map(|df| df.schema().as_ref().clone())
        .unwrap_or_default()
}

/// Why the file at `path` cannot be read as `table`, None when it can. Only the footer is read
/// (it holds the schema), so checking every part stays cheap.
fn problem(path: &Path, table: &str) -> Option<String> {
    let footer = fs::File::open(path)
        .map_err(|e| e.to_string())
        .and_then(|f| {
            let mut r = ParquetReader::new(f);
            r.num_rows()
                .and_then(|_| r.schema())
                .map_err(|e| e.to_string())
        });
    let found = match footer {
        Ok(arrow) => Schema::from_arrow_schema(&arrow),
        Err(e) => return Some(format!("unreadable Parquet ({e})")),
    };
    let want = expected(table);
    let wrong: Vec<String> = found
        .iter()
        .filter_map(|(name, dtype)| {
            let w = want.get(name)?;
            (w != dtype).then(|| format!("column {name} is {dtype}, the {table} table's is {w}"))
        })
        .collect();
    (!wrong.is_empty()).then(|| format!("schema mismatch: {}", wrong.join("; ")))
}

/// Check every part's footer; move each chunk with a file that cannot be read as its table out
/// of the dataset, and each such `reviews` part. Returns one message per quarantined chunk or
/// file, and one while verdicts lie in quarantine.
pub fn quarantine_unreadable(out: &Path) -> Result<Vec<String>, StoreError> {
    let mut said = quarantine_chunks(out)?;
    let agents = out.join("agents").join("agents.parquet");
    if agents.exists()
        && let Some(why) = problem(&agents, "agents")
    {
        fs::remove_file(&agents).map_err(|e| io_err(&agents, e))?;
        said.push(format!(
            "{}: {why}: removed (it is rebuilt from the calls)",
            agents.display()
        ));
    }
    said.extend(quarantine_reviews(out)?);
    Ok(said)
}

/// The chunks of `calls`, `findings` and `segments` with a bad file, moved whole.
fn quarantine_chunks(out: &Path) -> Result<Vec<String>, StoreError> {
    let mut bad: Vec<(Part, String)> = Vec::new();
    for table in TABLES {
        for part in parts(out, table)? {
            let path = part.path(out, table);
            if bad.iter().any(|(p, _)| *p == part) {
                continue;
            }
            if let Some(why) = problem(&path, table) {
                bad.push((part, format!("{}: {why}", path.display())));
            }
        }
    }
    let mut said = Vec::new();
    for (part, first) in bad {
        for table in TABLES {
            let from = part.path(out, table);
            if from.exists() {
                move_file(&from, &part.path(&out.join(DIR), table))?;
            }
        }
        said.push(format!(
            "{first}: its chunk ({}) moved to {}; its calls will be processed again",
            part.name,
            out.join(DIR).display()
        ));
    }
    Ok(said)
}

/// Bad `reviews` parts moved to `quarantine/reviews/`; then, if any lies there (moved now or
/// by an earlier command), a warning that its verdicts are not applied.
fn quarantine_reviews(out: &Path) -> Result<Vec<String>, StoreError> {
    let aside = out.join(DIR).join("reviews");
    let mut said = Vec::new();
    for path in reviews::review_parts(out)? {
        // a part is small: its rows are read too, so a verdict no command knows moves aside
        // here instead of stopping every later batch and rescore
        let unusable = || match reviews::read_review_part(&path) {
            Err(StoreError::Parquet { detail, .. } | StoreError::Io { detail, .. }) => Some(detail),
            Ok(_) => None,
        };
        if let Some(why) = problem(&path, "reviews").or_else(unusable) {
            let to = aside.join(path.file_name().unwrap_or_default());
            move_file(&path, &to)?;
            said.push(format!(
                "{}: {why}: moved to {}",
                path.display(),
                to.display()
            ));
        }
    }
    let kept = quarantined_reviews(&aside)?;
    if !kept.is_empty() {
        said.push(format!(
            "{}: {} verdict file(s) quarantined: their verdicts are NOT applied (the findings \
             they judged count as unreviewed in rescore, batch and report); restore a repaired \
             copy to {} and run `callqa rescore`, or delete the file to accept the loss",
            aside.display(),
            kept.len(),
            out.join("reviews").display()
        ));
    }
    Ok(said)
}

/// The files in `quarantine/reviews/`.
fn quarantined_reviews(aside: &Path) -> Result<Vec<PathBuf>, StoreError> {
    let Ok(entries) = fs::read_dir(aside) else {
        return Ok(Vec::new());
    };
    let mut found = Vec::new();
    for e in entries {
        let p = e.map_err(|e| io_err(aside, e))?.path();
        if p.extension().is_some_and(|x| x == "parquet") {
            found.push(p);
        }
    }
    Ok(found)
}

fn move_file(from: &Path, to: &Path) -> Result<(), StoreError> {
    let dir = to.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(|e| io_err(dir, e))?;
    fs::rename(from, to).map_err(|e| io_err(from, e))
}
