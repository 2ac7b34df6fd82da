//! The heavy dependencies compile once per profile. `make demo` runs `cargo build --release`,
//! then release examples (the dataset generator), and `make test` release tests; both switch
//! the dev-dependencies on: if
//! one of those changes a shared dependency's features, cargo compiles that dependency and
//! everything above it again (tempfile's rustix features once rebuilt all of polars).

use std::collections::BTreeSet;
use std::process::Command;

/// `name version features` for every package of the graph over these edge kinds.
fn packages(edges: &str) -> BTreeSet<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["tree", "--locked", "--offline", "--prefix", "none"])
        .args(["-e", edges, "-f", "{p} [{f}]"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| l.trim_end_matches(" (*)").to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn dev_dependencies_change_no_feature_of_the_release_build() {
    let build = packages("normal,build");
    let with_dev = packages("normal,build,dev");
    assert!(build.iter().any(|p| p.starts_with("polars-core ")));
    let changed: Vec<&String> = build.difference(&with_dev).collect();
    assert!(
        changed.is_empty(),
        "building examples or tests would compile these again with other features: {changed:?}"
    );
}
