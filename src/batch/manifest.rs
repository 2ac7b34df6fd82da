//! A manifest CSV as call-center platforms export it: which recordings, with which ids,
//! overrides and call metadata.

use std::path::Path;

use regex::Regex;

use super::BatchError;
use super::input::{from_name, parse_started_at};
use crate::call::{CallInput, CallMeta, Language, META_COLUMNS, MonoAgent};

/// The manifest's columns; every one but `path` optional; the metadata columns
/// ([`META_COLUMNS`]) too. Any other column is an error: a misspelt `agent_chanel` would
/// otherwise be ignored and every call scored on the wrong channel, a `rign_s` every late
/// answer missed.
const MANIFEST_COLUMNS: [&str; 8] = [
    "path",
    "call_id",
    "agent_id",
    "team",
    "started_at",
    "agent_channel",
    "language",
    "mono_agent",
];

/// A manifest cell as a [`Language`] (any case: `ZH` is `zh`); empty: the configuration's default.
fn manifest_language(cell: &str) -> Result<Option<Language>, String> {
    (!cell.is_empty())
        .then(|| {
            cell.to_ascii_lowercase()
                .parse()
                .map_err(|e| format!("language {e}"))
        })
        .transpose()
}

/// A manifest's path on this machine: relative to the manifest; a relative Windows path
/// (`录音\0001.wav`, as a manifest made on Windows has it) with `/` for `\` when only that exists.
fn manifest_path(base: &Path, rel: &str) -> std::path::PathBuf {
    let path = base.join(rel);
    if rel.contains('\\') && !path.exists() {
        let slashed = base.join(rel.replace('\\', "/"));
        if slashed.exists() {
            return slashed;
        }
    }
    path
}

/// `D:\录音\0001.wav` or `D:/…`: a path no Linux machine can open.
fn is_drive_path(rel: &str) -> bool {
    let b = rel.as_bytes();
    b.len() > 2 && b[0].is_ascii_alphabetic() && b[1] == b':' && matches!(b[2], b'\\' | b'/')
}

/// The manifest's calls. A bad header is an error (nothing is run); a bad row is that call's
/// error row, naming the row and the cell, and every other row still runs.
pub(super) fn read_manifest(
    manifest: &Path,
    pattern: Option<&Regex>,
) -> Result<Vec<CallInput>, BatchError> {
    let base = manifest.parent().unwrap_or(Path::new("."));
    let whole =
        |e: &dyn std::fmt::Display| BatchError::Input(format!("{}: {e}", manifest.display()));
    let meta_names: Vec<&str> = META_COLUMNS.iter().map(|c| c.0).collect();
    let known: Vec<&str> = MANIFEST_COLUMNS
        .iter()
        .chain(&meta_names)
        .copied()
        .collect();
    let columns = format!(
        "{}; call metadata: {}",
        MANIFEST_COLUMNS.join(", "),
        meta_names.join(", ")
    );
    let (mut reader, headers) = super::open_csv(manifest, &known, &columns)?;
    let column = |name: &str| headers.iter().position(|h| h == name);
    if column("path").is_none() {
        return Err(whole(&"no `path` column"));
    }
    let mut out = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                // not even a path to name: the row is an error row of its own
                let mut call = CallInput::from_path(manifest.to_path_buf());
                call.call_id = format!("manifest-row-{line}");
                call.problem = Some(format!("row {line}: {e}"));
                out.push(call);
                continue;
            }
        };
        let cell = |name: &str| column(name).and_then(|k| record.get(k)).unwrap_or("");
        let given = |name: &str| Some(cell(name).to_string()).filter(|v| !v.is_empty());
        let mut problems = Vec::new();
        if record.len() != headers.len() {
            problems.push(format!(
                "{} cells, the header has {}",
                record.len(),
                headers.len()
            ));
        }
        let rel = cell("path");
        if rel.is_empty() {
            problems.push("no path".to_string());
        }
        let path = manifest_path(base, rel);
        if is_drive_path(rel) {
            problems.push(format!(
                "path {rel:?} is a Windows drive path: give it relative to the manifest, or as \
                 this machine mounts it"
            ));
        }
        let named = from_name(path.clone(), pattern);
        let agent_channel = match cell("agent_channel") {
            "" => None,
            v => v.parse::<usize>().map_or_else(
                |_| {
                    problems.push(format!(
                        "agent_channel {v:?}: not a channel number (0 = left, 1 = right)"
                    ));
                    None
                },
                Some,
            ),
        };
        let language = manifest_language(cell("language")).unwrap_or_else(|e| {
            problems.push(e);
            None
        });
        let mono_agent = match cell("mono_agent") {
            "" => None,
            v => v.to_ascii_lowercase().parse::<MonoAgent>().map_or_else(
                |e| {
                    problems.push(format!("mono_agent {e}"));
                    None
                },
                Some,
            ),
        };
        let started_at = given("started_at")
            .and_then(|v| parse_started_at(&v).map_err(|e| problems.push(e)).ok());
        let mut meta = CallMeta::default();
        for name in &meta_names {
            if let Err(e) = meta.set(name, cell(name)) {
                problems.push(e);
            }
        }
        let problem = (!problems.is_empty()).then(|| {
            format!(
                "{}: row {line}: {}",
                manifest.display(),
                problems.join("; ")
            )
        });
        out.push(CallInput {
            call_id: given("call_id").unwrap_or(named.call_id),
            agent_id: given("agent_id").unwrap_or(named.agent_id),
            team: given("team").unwrap_or(named.team),
            started_at: started_at.or(named.started_at),
            agent_channel,
            language,
            mono_agent,
            meta,
            problem: problem.or(named.problem),
            path,
        });
    }
    Ok(out)
}
