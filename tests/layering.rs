//! The layering DESIGN.md asks for, proven from `cargo tree` (as rerun's CI does), and
//! the test kinds kept out of what ships.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
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

/// A module of a crate, as the path of segments below the crate root (`["store", "gc"]`).
type ModPath = Vec<String>;

/// Every module file under `src/<folder…>` of a crate, by module path.
fn module_files(src: &Path, folder: &[&str]) -> BTreeMap<ModPath, PathBuf> {
    fn walk(dir: &Path, segments: &ModPath, out: &mut BTreeMap<ModPath, PathBuf>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .expect("a source folder")
            .flatten()
            .map(|e| e.path())
            .collect();
        entries.sort();
        for path in entries {
            let Some(name) = path.file_stem().and_then(|n| n.to_str()).map(str::to_owned) else {
                continue;
            };
            let mut module = segments.clone();
            if path.is_dir() {
                module.push(name);
                walk(&path, &module, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                if !["mod", "lib", "main"].contains(&name.as_str()) {
                    module.push(name);
                }
                out.insert(module, path);
            }
        }
    }
    let segments: ModPath = folder.iter().map(|s| s.to_string()).collect();
    let mut out = BTreeMap::new();
    walk(&src.join(folder.join("/")), &segments, &mut out);
    out
}

/// The paths named after `prefix::` in `line`: `a::b` or each item of `{a, b::c}`.
fn paths_after(line: &str, prefix: &str) -> Vec<ModPath> {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find(prefix) {
        let before = rest[..at].chars().next_back();
        let after = &rest[at + prefix.len()..];
        rest = after;
        if before.is_some_and(|c| ident(c) || c == ':') {
            continue; // `std::fs::` is not the crate's `fs::`
        }
        let group = after
            .strip_prefix('{')
            .map(|g| g.split('}').next().unwrap_or(""));
        let items: Vec<&str> = match group {
            Some(g) => g.split(',').collect(),
            None => vec![after],
        };
        for item in items {
            let path: ModPath = item
                .trim()
                .split("::")
                .map(|s| s.chars().take_while(|c| ident(*c)).collect::<String>())
                .take_while(|s| !s.is_empty())
                .collect();
            if !path.is_empty() {
                out.push(path);
            }
        }
    }
    out
}

/// Which module files of `src/<folder…>` use which others, read from their `crate::`,
/// `super::` and (in a folder's `mod.rs`) `child::` paths, comments left out. A
/// folder's `pub use child::Item` is how the folder shows its children's items (its
/// face), not a use of them, so it draws no edge.
fn module_graph(src: &Path, folder: &[&str]) -> BTreeMap<ModPath, BTreeSet<ModPath>> {
    let files = module_files(src, folder);
    let resolve = |path: &[String]| -> Option<ModPath> {
        (0..=path.len())
            .rev()
            .map(|n| path[..n].to_vec())
            .find(|m| files.contains_key(m))
    };
    let mut graph = BTreeMap::new();
    for (module, file) in &files {
        let is_folder = file
            .file_stem()
            .is_some_and(|n| n == "mod" || n == "lib" || n == "main");
        let parent: ModPath = if is_folder {
            module[..module.len().saturating_sub(1)].to_vec()
        } else {
            module[..module.len() - 1].to_vec()
        };
        let children: Vec<&String> = files
            .keys()
            .filter(|m| m.len() == module.len() + 1 && m.starts_with(module))
            .filter_map(|m| m.last())
            .collect();
        let text = std::fs::read_to_string(file).expect("a source file");
        let mut uses = BTreeSet::new();
        for line in text.lines() {
            let code = line.split("//").next().unwrap_or("");
            let facade = children
                .iter()
                .any(|c| code.trim_start().starts_with(&format!("pub use {c}::")));
            if facade {
                continue;
            }
            let mut named: Vec<ModPath> = paths_after(code, "crate::");
            for p in paths_after(code, "super::") {
                named.push(parent.iter().cloned().chain(p).collect());
            }
            for c in &children {
                for p in paths_after(code, &format!("{c}::")) {
                    let mut full = module.clone();
                    full.push(c.to_string());
                    full.extend(p);
                    named.push(full);
                }
            }
            for p in named {
                if let Some(target) = resolve(&p)
                    && &target != module
                {
                    uses.insert(target);
                }
            }
        }
        graph.insert(module.clone(), uses);
    }
    graph
}

/// A circle of modules in the graph, if there is one.
fn find_circle(graph: &BTreeMap<ModPath, BTreeSet<ModPath>>) -> Option<Vec<String>> {
    fn visit(
        m: &ModPath,
        graph: &BTreeMap<ModPath, BTreeSet<ModPath>>,
        stack: &mut Vec<ModPath>,
        done: &mut BTreeSet<ModPath>,
    ) -> Option<Vec<String>> {
        if let Some(at) = stack.iter().position(|s| s == m) {
            let mut circle: Vec<String> = stack[at..].iter().map(|s| s.join("/")).collect();
            circle.push(m.join("/"));
            return Some(circle);
        }
        if done.contains(m) {
            return None;
        }
        stack.push(m.clone());
        for next in graph.get(m).into_iter().flatten() {
            if let Some(c) = visit(next, graph, stack, done) {
                return Some(c);
            }
        }
        stack.pop();
        done.insert(m.clone());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|m| visit(m, graph, &mut Vec::new(), &mut done))
}

fn assert_uses(graph: &BTreeMap<ModPath, BTreeSet<ModPath>>, from: &str, to: &str) {
    let key = |s: &str| -> ModPath { s.split('/').map(str::to_owned).collect() };
    assert!(
        graph.get(&key(from)).is_some_and(|u| u.contains(&key(to))),
        "sanity: {from} uses {to}; the graph read is {graph:?}"
    );
}

// The engine's files form layers (value, view, fs, step_error < artifact, flow <
// record < event, store < context < kind < validate, edit, run < compare): no file
// imports one that imports it back, so each can be read knowing only what is below.
#[test]
fn engine_modules_import_each_other_in_no_circle() {
    let graph = module_graph(&root().join("engine/src"), &[]);
    assert_uses(&graph, "flow", "fs");
    assert_uses(&graph, "run/job", "run/cache");
    assert_uses(&graph, "store/gc", "store");
    if let Some(circle) = find_circle(&graph) {
        panic!(
            "engine modules import each other in a circle: {}",
            circle.join(" → ")
        );
    }
}

// The CLI's command files share common.rs and table.rs below them; the dispatcher in
// mod.rs is above every command.
#[test]
fn cli_modules_import_each_other_in_no_circle() {
    let graph = module_graph(&root().join("app/src"), &["cli"]);
    assert_uses(&graph, "cli/run", "cli/table");
    assert_uses(&graph, "cli", "cli/run");
    if let Some(circle) = find_circle(&graph) {
        panic!(
            "CLI modules import each other in a circle: {}",
            circle.join(" → ")
        );
    }
}

// The editor's files import one way too: `command` (with `theme`, `format`,
// `selection`) knows no panel, the panels import it, and only `app/` imports the
// panels; `views` is the only file that draws artifacts.
#[test]
fn gui_modules_import_each_other_in_no_circle() {
    let graph = module_graph(&root().join("app/src"), &["gui"]);
    assert_uses(&graph, "gui/canvas_viewer", "gui/command");
    assert_uses(&graph, "gui/results", "gui/views");
    assert_uses(&graph, "gui/app", "gui/runs");
    if let Some(circle) = find_circle(&graph) {
        panic!(
            "editor modules import each other in a circle: {}",
            circle.join(" → ")
        );
    }
}

// The catalogue's files too: artifact types below the steps that make them, views
// below the types that build them.
#[test]
fn nodes_modules_import_each_other_in_no_circle() {
    let graph = module_graph(&root().join("nodes/src"), &[]);
    assert_uses(&graph, "artifacts/metrics", "artifacts/model");
    assert_uses(&graph, "evaluate/metrics", "artifacts");
    if let Some(circle) = find_circle(&graph) {
        panic!(
            "catalogue modules import each other in a circle: {}",
            circle.join(" → ")
        );
    }
}
