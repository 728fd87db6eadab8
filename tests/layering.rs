//! The layering DESIGN.md asks for, proven from `cargo tree` (as rerun's CI does), and
//! the test kinds kept out of what ships.

use std::process::Command;

use crate::util::root;

/// The lines `cargo tree` prints for these arguments (offline, no tree drawing).
fn cargo_tree(args: &[&str]) -> Vec<String> {
    let out = Command::new(env!("CARGO"))
        .current_dir(root())
        .args(["tree", "--offline", "--prefix", "none"])
        .args(args)
        .output()
        .expect("cargo tree runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// The names of a package's normal (non-dev, non-build) dependencies, all the way down.
fn normal_deps(package: &str) -> Vec<String> {
    names(&cargo_tree(&[
        "-p", package, "-e", "normal", "--format", "{p}",
    ]))
}

/// The first word of each line: the package name.
fn names(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

/// Whether `dep` is the crate `banned` or one of its family (`polars-core`, `linfa_x`).
fn is_family(dep: &str, banned: &str) -> bool {
    dep == banned
        || dep.starts_with(&format!("{banned}-"))
        || dep.starts_with(&format!("{banned}_"))
}

fn assert_free_of(package: &str, banned: &[&str]) {
    let deps = normal_deps(package);
    assert!(deps.len() > 5, "cargo tree listed too little: {deps:?}");
    for d in &deps {
        for b in banned {
            assert!(
                !is_family(d, b),
                "{package} must not depend on {b}, but depends on {d}"
            );
        }
    }
}

#[test]
fn engine_depends_on_no_gui_dataframe_or_ml_crate() {
    assert_free_of("pipewright-engine", &["egui", "eframe", "polars", "linfa"]);
}

#[test]
fn nodes_depend_on_no_gui_crate() {
    assert_free_of(
        "pipewright-nodes",
        &["egui", "eframe", "egui-snarl", "egui_plot", "rfd"],
    );
    assert!(
        normal_deps("pipewright-nodes")
            .iter()
            .any(|d| d == "polars"),
        "sanity: nodes use polars"
    );
}

// The editor and the CLI draw artifact views and never touch a frame or a model
// themselves: only pipewright-nodes may bring polars and linfa in. Tests and benches
// reach polars through `pipewright_nodes::polars`.
#[test]
fn the_app_uses_no_dataframe_or_ml_crate_directly() {
    let direct = names(&cargo_tree(&[
        "-p",
        "pipewright",
        "-e",
        "normal",
        "--depth",
        "1",
        "--format",
        "{p}",
    ]));
    assert!(
        direct.iter().any(|d| d == "pipewright-nodes"),
        "sanity: the app's direct dependencies are listed: {direct:?}"
    );
    for d in &direct {
        for b in ["polars", "linfa"] {
            assert!(
                !is_family(d, b),
                "the app must not depend on {b} directly, but depends on {d}"
            );
        }
    }
}

/// The features `cargo tree` shows pipewright-engine built with for `pipewright`
/// over these dependency kinds (`-e normal` or `-e normal,dev`).
fn engine_features_in_app(edges: &str) -> Vec<String> {
    cargo_tree(&["-p", "pipewright", "-e", edges, "--format", "{p} | {f}"])
        .into_iter()
        .filter(|l| l.starts_with("pipewright-engine "))
        .filter_map(|l| l.rsplit_once('|').map(|(_, f)| f.trim().to_owned()))
        .collect()
}

// The test kinds (const/add/fail/panic/wait) must not ship in the binary: what
// `cargo build --release` builds is the normal dependency tree, and there the
// engine's `testkit` feature is off. Only the dev-dependencies (tests, benches) turn it
// on, which the second half checks so the first cannot pass by not seeing features.
#[test]
fn the_shipped_binary_has_no_test_kinds() {
    let shipped = engine_features_in_app("normal");
    assert!(!shipped.is_empty(), "sanity: pipewright-engine is listed");
    for features in &shipped {
        assert!(
            !features.split(',').any(|f| f == "testkit"),
            "a normal build of pipewright enables pipewright-engine's testkit feature ({features}); \
             only dev-dependencies may"
        );
    }
    let app = cargo_tree(&[
        "-p",
        "pipewright",
        "-e",
        "normal",
        "--depth",
        "0",
        "--format",
        "{p} | {f}",
    ]);
    assert!(
        app.iter().all(|l| !l.contains("testkit")),
        "pipewright's own testkit feature is on in a normal build: {app:?}"
    );
    let tested = engine_features_in_app("normal,dev");
    assert!(
        tested.iter().any(|f| f.split(',').any(|f| f == "testkit")),
        "sanity: tests and benches get the test kinds, but cargo tree shows {tested:?}"
    );
}
