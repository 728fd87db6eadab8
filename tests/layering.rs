//! The layering DESIGN.md asks for, proven from `cargo tree` (as rerun's CI does).

use std::process::Command;

use crate::util::root;

fn normal_deps(package: &str) -> Vec<String> {
    let out = Command::new(env!("CARGO"))
        .current_dir(root())
        .args([
            "tree",
            "--offline",
            "-p",
            package,
            "-e",
            "normal",
            "--prefix",
            "none",
            "--format",
            "{p}",
        ])
        .output()
        .expect("cargo tree runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

fn assert_free_of(package: &str, banned: &[&str]) {
    let deps = normal_deps(package);
    assert!(deps.len() > 5, "cargo tree listed too little: {deps:?}");
    for d in &deps {
        for b in banned {
            assert!(
                !(d == b || d.starts_with(&format!("{b}-")) || d.starts_with(&format!("{b}_"))),
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
