//! Part files that cannot be read (a disk error, a copy cut short) are moved aside, whole chunk
//! at once, so that one bad file neither blocks every command nor is silently half-read. The
//! calls of a quarantined chunk are no longer done: the next batch processes them again.

use std::fs;
use std::path::Path;

use polars::prelude::*;

use super::{Part, StoreError, TABLES, io_err, parts};

/// Where quarantined files go, under the dataset: `quarantine/TABLE/call_date=D/PART.parquet`.
pub const DIR: &str = "quarantine";

fn readable(path: &Path) -> bool {
    fs::File::open(path)
        .ok()
        .and_then(|f| ParquetReader::new(f).num_rows().ok())
        .is_some()
}

/// Check every part's footer; move each chunk with an unreadable file out of the dataset.
/// Returns one message per quarantined chunk.
pub fn quarantine_unreadable(out: &Path) -> Result<Vec<String>, StoreError> {
    let mut bad: Vec<(Part, String)> = Vec::new();
    for table in TABLES {
        for part in parts(out, table)? {
            let path = part.path(out, table);
            if !readable(&path) && !bad.iter().any(|(p, _)| *p == part) {
                bad.push((part, path.display().to_string()));
            }
        }
    }
    let mut said = Vec::new();
    for (part, first) in bad {
        for table in TABLES {
            let from = part.path(out, table);
            if !from.exists() {
                continue;
            }
            let to = part.path(&out.join(DIR), table);
            let dir = to.parent().expect("a part has a folder");
            fs::create_dir_all(dir).map_err(|e| io_err(dir, e))?;
            fs::rename(&from, &to).map_err(|e| io_err(&from, e))?;
        }
        said.push(format!(
            "{first}: unreadable Parquet: its chunk ({}) moved to {}; its calls will be processed again",
            part.name,
            out.join(DIR).display()
        ));
    }
    let agents = out.join("agents").join("agents.parquet");
    if agents.exists() && !readable(&agents) {
        fs::remove_file(&agents).map_err(|e| io_err(&agents, e))?;
        said.push(format!(
            "{}: unreadable Parquet: removed (it is rebuilt from the calls)",
            agents.display()
        ));
    }
    Ok(said)
}
