//! SQL over the dataset (`callqa query`): the tables only, never a file elsewhere, and polars'
//! answers mended where its SQL is known to be wrong.

use std::path::Path;

use polars::prelude::*;

use super::{StoreError, io_err, reviews, scan};

/// Run SQL over the dataset; the tables are `calls`, `findings`, `segments`, `agents` and
/// `reviews` (once a verdict is recorded).
pub fn query(out: &Path, sql: &str) -> Result<DataFrame, StoreError> {
    if !out.join("calls").is_dir() {
        return Err(io_err(out, "no dataset here (no calls/ directory)"));
    }
    // polars SQL can read any file (read_parquet('/elsewhere')): a query sees the dataset only.
    // The name alone is refused, wherever it stands: quoted ("read_parquet"(…)) or with a
    // comment before its parenthesis, it still calls the reader.
    static FILE_READ: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let file_read =
        FILE_READ.get_or_init(|| regex::Regex::new(r"(?i)\bread_[a-z_]+").expect("valid regex"));
    if let Some(m) = file_read.find(sql) {
        return Err(StoreError::Parquet {
            path: out.display().to_string(),
            detail: format!(
                "query refused: {} reads a file; a query sees only the tables calls, findings, segments, agents, reviews",
                m.as_str()
            ),
        });
    }
    let mut ctx = polars::sql::SQLContext::new();
    for table in ["calls", "findings", "segments", "agents"] {
        if let Ok(lf) = scan(out, table) {
            ctx.register(table, lf);
        }
    }
    if let Some(lf) = reviews::scan_reviews(out)? {
        ctx.register("reviews", lf);
    }
    let df = ctx
        .execute(sql)
        .and_then(|lf| lf.collect())
        .map_err(|e| StoreError::Parquet {
            path: out.display().to_string(),
            detail: format!("query failed: {e}"),
        })?;
    Ok(one_row_of_counts(sql, df))
}

/// polars 0.46 answers `SELECT COUNT(*) FROM t` (no `GROUP BY`) with the count once per row,
/// and with no row at all where nothing matches (pola-rs/polars#21084). In SQL such a query
/// has one row: when one `SELECT` counts rows in its projection with no grouping, window or
/// union, that row is given — the first if every row came back the same, else zero counts and
/// null aggregates.
fn one_row_of_counts(sql: &str, df: DataFrame) -> DataFrame {
    static RE: std::sync::OnceLock<[regex::Regex; 4]> = std::sync::OnceLock::new();
    let [count_star, from, grouped, select] = RE.get_or_init(|| {
        let re = |p: &str| regex::Regex::new(p).expect("valid regex");
        [
            re(r"(?i)\bcount\s*\(\s*\*\s*\)"),
            re(r"(?i)\bfrom\b"),
            re(r"(?i)\bgroup\s+by\b|\bover\s*\(|\bunion\b|\bhaving\b"),
            re(r"(?i)\bselect\b"),
        ]
    });
    // the projection: what stands before the first FROM
    let projection = &sql[..from.find(sql).map_or(sql.len(), |m| m.start())];
    let aggregate = count_star.is_match(projection)
        && !grouped.is_match(sql)
        && select.find_iter(sql).count() == 1;
    if !aggregate || df.height() == 1 {
        return df;
    }
    if df.height() == 0 {
        let row: Vec<Column> = (df.get_columns().iter())
            .map(|c| {
                let zero = Series::new(c.name().clone(), [0u32]).cast(c.dtype());
                match zero {
                    Ok(z) if c.dtype().is_integer() => z.into_column(),
                    _ => Series::full_null(c.name().clone(), 1, c.dtype()).into_column(),
                }
            })
            .collect();
        return DataFrame::new(row).unwrap_or(df);
    }
    let first = df.slice(0, 1);
    let all_same = (1..df.height()).all(|i| df.slice(i as i64, 1).equals_missing(&first));
    if all_same { first } else { df }
}
