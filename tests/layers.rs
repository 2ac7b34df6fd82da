//! The architecture, checked: every `crate::` path in `src/` points at the same stage or one
//! below it (so there are no import circles between stages), and no source file grows past
//! the size at which it stops being one idea. README, "Architecture", explains the order.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The stages, lowest first. Stages on one line are peers: neither may import the other.
const STAGES: &[&[&str]] = &[
    &["call", "models"],
    &["audio"],
    &["asr", "diarize"],
    &["analysis"],
    &["rules"],
    &["score", "review"],
    &["aggregate"],
    &["config"],
    &["pipeline"],
    &["store"],
    &["batch", "report"],
    &["cli"],
];

/// Longest a file in `src/` may be, in lines.
const MAX_LINES: usize = 450;

fn rank(module: &str) -> Option<usize> {
    // the crate-root macro `serde_names!` is defined in `call`
    let module = if module == "serde_names" {
        "call"
    } else {
        module
    };
    STAGES.iter().position(|s| s.contains(&module))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

fn src_files() -> Vec<(String, PathBuf)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    files
        .into_iter()
        .filter_map(|p| {
            let rel = p.strip_prefix(&src).unwrap();
            let first = rel.components().next()?.as_os_str().to_string_lossy();
            let module = first.trim_end_matches(".rs").to_string();
            (module != "lib" && module != "main").then_some((module, p))
        })
        .collect()
}

/// The crate modules a file names: `crate::x` in `use` lines and paths, and the
/// `use crate::{x, y}` form.
fn imports(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in text.lines().map(str::trim_start) {
        if line.starts_with("//") {
            continue;
        }
        let mut rest = line;
        while let Some(i) = rest.find("crate::") {
            rest = &rest[i + "crate::".len()..];
            if let Some(group) = rest.strip_prefix('{') {
                let inner = group.split('}').next().unwrap_or_default();
                for item in inner.split(',') {
                    let name = item.trim().split("::").next().unwrap_or_default();
                    if !name.is_empty() {
                        out.insert(name.to_string());
                    }
                }
            } else {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    out.insert(name);
                }
            }
        }
    }
    out
}

#[test]
fn every_module_is_in_a_stage() {
    for (module, path) in src_files() {
        assert!(
            rank(&module).is_some(),
            "{}: module {module} is in no stage of tests/layers.rs",
            path.display()
        );
    }
}

#[test]
fn no_stage_imports_a_stage_above_it_or_a_peer() {
    let mut wrong = Vec::new();
    for (module, path) in src_files() {
        let own = rank(&module).unwrap();
        for target in imports(&std::fs::read_to_string(&path).unwrap()) {
            if target == module {
                continue;
            }
            match rank(&target) {
                Some(r) if r < own => {}
                Some(_) => wrong.push(format!("{}: {module} imports {target}", path.display())),
                None => wrong.push(format!("{}: unknown crate path {target}", path.display())),
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_check_sees_imports() {
    // a check that found nothing could not fail: it must see what the pipeline imports
    let pipeline = src_files()
        .into_iter()
        .find(|(m, _)| m == "pipeline")
        .unwrap()
        .1;
    let found = imports(&std::fs::read_to_string(pipeline).unwrap());
    for m in [
        "analysis", "asr", "audio", "call", "config", "rules", "score",
    ] {
        assert!(found.contains(m), "{m} not seen in {found:?}");
    }
    assert_eq!(
        imports("use crate::{audio::Audio, call::Speaker};\n// use crate::cli;"),
        BTreeSet::from(["audio".to_string(), "call".to_string()])
    );
}

#[test]
fn source_files_stay_small() {
    let long: Vec<String> = src_files()
        .into_iter()
        .map(|(_, p)| (std::fs::read_to_string(&p).unwrap().lines().count(), p))
        .filter(|(n, _)| *n > MAX_LINES)
        .map(|(n, p)| format!("{}: {n} lines", p.display()))
        .collect();
    assert!(
        long.is_empty(),
        "over {MAX_LINES} lines:\n{}",
        long.join("\n")
    );
}
