//! The `reviews` table: reviewers' verdicts, append-only. Each `callqa review` writes one new
//! part file (`DIR/reviews/part-….parquet`, atomically); nothing ever rewrites or deletes one,
//! so a `batch --force` or a `rescore` cannot lose a verdict.

use std::path::{Path, PathBuf};

use polars::prelude::*;

use super::columns::Cell;
use super::{StoreError, io_err, pq_err, read_parquet, write_parquet};
use crate::call::Verdict;
use crate::review::Review;

/// The files of the `reviews` table, sorted.
pub fn review_parts(out: &Path) -> Result<Vec<PathBuf>, StoreError> {
    let dir = out.join("reviews");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(Vec::new());
    };
    let mut found = Vec::new();
    for e in entries {
        let p = e.map_err(|e| io_err(&dir, e))?.path();
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if name.ends_with(".parquet") && !name.starts_with('.') {
            found.push(p);
        }
    }
    found.sort();
    Ok(found)
}

/// Every verdict recorded in the dataset. An unreadable part is an error naming it, not a
/// skip: dropping verdicts would silently put rejected findings' points back (the commands
/// move such a part to quarantine first, and say so: `quarantine`).
pub fn read_reviews(out: &Path) -> Result<Vec<Review>, StoreError> {
    let mut all = Vec::new();
    for path in review_parts(out)? {
        all.extend(read_review_part(&path)?);
    }
    Ok(all)
}

/// The verdicts of one `reviews` part; an unknown verdict is an error naming the row.
pub fn read_review_part(path: &Path) -> Result<Vec<Review>, StoreError> {
    let df = read_parquet(path)?;
    let bad = |e: String| pq_err(path, e);
    let call_id: Vec<String> = Cell::read(&df, "call_id").map_err(bad)?;
    let rule_id: Vec<Option<String>> = Cell::read(&df, "rule_id").map_err(bad)?;
    let start_s: Vec<Option<f64>> = Cell::read(&df, "start_s").map_err(bad)?;
    let verdict: Vec<String> = Cell::read(&df, "verdict").map_err(bad)?;
    let reviewer: Vec<String> = Cell::read(&df, "reviewer").map_err(bad)?;
    let note: Vec<String> = Cell::read(&df, "note").map_err(bad)?;
    let reviewed_at: Vec<String> = Cell::read(&df, "reviewed_at").map_err(bad)?;
    let mut all = Vec::new();
    for i in 0..df.height() {
        let v: Verdict = verdict[i]
            .parse()
            .map_err(|e: String| pq_err(path, format!("row {i}: verdict {e}")))?;
        all.push(Review {
            call_id: call_id[i].clone(),
            rule_id: rule_id[i].clone(),
            start_s: start_s[i],
            verdict: v,
            reviewer: reviewer[i].clone(),
            note: note[i].clone(),
            reviewed_at: reviewed_at[i].clone(),
        });
    }
    Ok(all)
}

/// Append `reviews` as a new part; returns its path.
pub fn append_reviews(out: &Path, reviews: &[Review], stamp: &str) -> Result<PathBuf, StoreError> {
    let path = out
        .join("reviews")
        .join(format!("part-{stamp}-{}.parquet", std::process::id()));
    let mut df = reviews_frame(reviews).map_err(|e| pq_err(&path, e))?;
    write_parquet(&path, &mut df)?;
    Ok(path)
}

/// The `reviews` columns of `reviews` (none: the table's schema).
pub fn reviews_frame(reviews: &[Review]) -> PolarsResult<DataFrame> {
    let col = |name: &str, f: &dyn Fn(&Review) -> String| {
        Cell::column(name, reviews.iter().map(f).collect::<Vec<String>>())
    };
    DataFrame::new(vec![
        col("call_id", &|r| r.call_id.clone()),
        Cell::column(
            "rule_id",
            reviews
                .iter()
                .map(|r| r.rule_id.clone())
                .collect::<Vec<_>>(),
        ),
        Cell::column(
            "start_s",
            reviews.iter().map(|r| r.start_s).collect::<Vec<_>>(),
        ),
        col("verdict", &|r| r.verdict.to_string()),
        col("reviewer", &|r| r.reviewer.clone()),
        col("note", &|r| r.note.clone()),
        col("reviewed_at", &|r| r.reviewed_at.clone()),
    ])
}

/// A lazy scan of the `reviews` table, None when no verdict was recorded.
pub fn scan_reviews(out: &Path) -> Result<Option<LazyFrame>, StoreError> {
    if review_parts(out)?.is_empty() {
        return Ok(None);
    }
    let glob = out.join("reviews").join("*.parquet");
    LazyFrame::scan_parquet(&glob, ScanArgsParquet::default())
        .map(Some)
        .map_err(|e| pq_err(&glob, e))
}
