//! Issue 8, parts 1 and 3, as a user meets them on the command line: the step cache
//! never serves a result computed from another folder's file, and `resume` runs the
//! flow file as it is now, reusing what still matches, linked to its origin.

use std::path::{Path, PathBuf};

use pipewright_engine::{RunRecord, RunStatus, StepStatus, Store};

use crate::util::{expect_code, root, run};

/// The bundled regression example written into `dir` with its data file beside it
/// (`rows` rows of the bundled data set) and `edit` applied to its text.
fn regression_copy(dir: &Path, rows: usize, edit: impl Fn(String) -> String) -> PathBuf {
    let flow_text =
        std::fs::read_to_string(crate::util::examples_dir().join("regression.ron")).unwrap();
    let data = std::fs::read_to_string(root().join("assets/data/regression_dataset.txt")).unwrap();
    let head: Vec<&str> = data.lines().take(rows).collect();
    std::fs::write(
        dir.join("regression_dataset.txt"),
        format!("{}\n", head.join("\n")),
    )
    .unwrap();
    let path = dir.join("regression.ron");
    std::fs::write(
        &path,
        edit(flow_text.replace(
            "../assets/data/regression_dataset.txt",
            "regression_dataset.txt",
        )),
    )
    .unwrap();
    path
}

fn latest(store_dir: &Path) -> RunRecord {
    Store::open(store_dir)
        .unwrap()
        .latest_run("regression")
        .unwrap()
        .unwrap()
}

fn status(run: &RunRecord, label: &str) -> StepStatus {
    run.task_by_name(label).unwrap().status
}

/// The issue's reproduction: a copy of the example in another folder whose data file
/// has 500 rows, then the bundled example (1,000 rows), against one store. The second
/// run must read its own file: `Metrics.n` is a fifth of *its* rows.
#[test]
fn the_same_relative_file_name_in_another_folder_is_not_a_cache_hit() {
    let dir = tempfile::tempdir().unwrap();
    let store_dir = dir.path().join("store");
    let other = dir.path().join("other");
    std::fs::create_dir(&other).unwrap();
    // Both name `regression_dataset.txt` beside the flow file.
    let small = regression_copy(&other, 500, |t| t);
    let bundled_dir = dir.path().join("bundled");
    std::fs::create_dir(&bundled_dir).unwrap();
    let big = regression_copy(&bundled_dir, 1000, |t| t);

    expect_code(&run(&store_dir, &["run", small.to_str().unwrap()]), 0);
    let first = latest(&store_dir);
    assert_eq!(first.metrics()["Metrics.n"], 100.0);

    let (out, _) = expect_code(&run(&store_dir, &["run", big.to_str().unwrap()]), 0);
    let second = latest(&store_dir);
    assert_eq!(status(&second, "Load dataset"), StepStatus::Done, "{out}");
    assert_eq!(second.metrics()["Metrics.n"], 200.0, "{out}");
    let included = &second.task_by_name("Load dataset").unwrap().included[0];
    assert!(
        included
            .path
            .starts_with(bundled_dir.canonicalize().unwrap())
    );

    // The same bytes in a third folder are reused, and the record names that folder.
    let third_dir = dir.path().join("third");
    std::fs::create_dir(&third_dir).unwrap();
    let same = regression_copy(&third_dir, 500, |t| t);
    expect_code(&run(&store_dir, &["run", same.to_str().unwrap()]), 0);
    let third = latest(&store_dir);
    assert_eq!(status(&third, "Load dataset"), StepStatus::Cached);
    assert_eq!(third.metrics()["Metrics.n"], 100.0);
    let included = &third.task_by_name("Load dataset").unwrap().included[0];
    assert!(included.path.starts_with(third_dir.canonicalize().unwrap()));
}

/// A run whose regression target is a missing column fails; after the flow file is
/// fixed, `resume RUN` runs the fixed file: the steps before the fit are reused from
/// the failed run, the fit and what follows run, and the new run names its origin.
#[test]
fn resume_runs_the_fixed_flow_file() {
    let dir = tempfile::tempdir().unwrap();
    let store_dir = dir.path().join("store");
    let broken = |t: String| t.replace("\"target\": Text(\"y\")", "\"target\": Text(\"z\")");
    let flow = regression_copy(dir.path(), 1000, broken);
    let (_, err) = expect_code(&run(&store_dir, &["run", flow.to_str().unwrap()]), 1);
    assert!(err.contains("unknown column \"z\""), "{err}");
    let failed = latest(&store_dir);
    assert_eq!(failed.status, RunStatus::Failed);
    assert_eq!(
        failed.flow_path.as_deref(),
        Some(flow.canonicalize().unwrap().as_path()),
        "the run records its flow file"
    );

    // The fix, in the flow file.
    regression_copy(dir.path(), 1000, |t| t);
    let (out, err) = expect_code(&run(&store_dir, &["resume", &failed.id]), 0);
    assert!(out.contains("resuming run"), "{out}");
    let resumed = latest(&store_dir);
    assert_eq!(resumed.status, RunStatus::Done, "{out}\n{err}");
    assert_eq!(resumed.resumed_from.as_deref(), Some(failed.id.as_str()));
    for step in ["Start", "Load dataset", "Check data", "Split"] {
        assert_eq!(status(&resumed, step), StepStatus::Cached, "{step}");
        let task = resumed.task_by_name(step).unwrap();
        assert_eq!(task.reused_from.as_deref(), Some(failed.id.as_str()));
    }
    for step in ["Linear regression", "Predict", "Metrics", "End"] {
        assert_eq!(status(&resumed, step), StepStatus::Done, "{step}");
    }
    assert!(resumed.metrics()["Metrics.r2"] > 0.5);

    // `show` names the origin.
    let (shown, _) = expect_code(&run(&store_dir, &["show", &resumed.id]), 0);
    assert!(shown.contains(&format!("from {}", failed.id)), "{shown}");
}

/// `--flow FILE` resumes with another file; a run whose flow file is gone says so and
/// points at `replay`, which still runs the snapshot.
#[test]
fn resume_with_another_flow_file_and_a_flow_file_that_is_gone() {
    let dir = tempfile::tempdir().unwrap();
    let store_dir = dir.path().join("store");
    let broken = |t: String| t.replace("\"target\": Text(\"y\")", "\"target\": Text(\"z\")");
    let flow = regression_copy(dir.path(), 1000, broken);
    expect_code(&run(&store_dir, &["run", flow.to_str().unwrap()]), 1);
    let failed = latest(&store_dir);

    std::fs::remove_file(&flow).unwrap();
    let (_, err) = expect_code(&run(&store_dir, &["resume", &failed.id]), 2);
    assert!(err.contains("is gone"), "{err}");
    assert!(
        err.contains(&format!("pipewright replay {}", failed.id)),
        "{err}"
    );
    // replay runs the snapshot: it fails as the run did.
    let (_, err) = expect_code(&run(&store_dir, &["replay", &failed.id]), 1);
    assert!(err.contains("unknown column \"z\""), "{err}");

    let fixed_dir = dir.path().join("fixed");
    std::fs::create_dir(&fixed_dir).unwrap();
    let fixed = regression_copy(&fixed_dir, 1000, |t| t);
    expect_code(
        &run(
            &store_dir,
            &["resume", &failed.id, "--flow", fixed.to_str().unwrap()],
        ),
        0,
    );
    let resumed = latest(&store_dir);
    assert_eq!(resumed.status, RunStatus::Done);
    assert_eq!(resumed.resumed_from.as_deref(), Some(failed.id.as_str()));
    assert_eq!(status(&resumed, "Split"), StepStatus::Cached);
    assert_eq!(
        resumed.flow_path.as_deref(),
        Some(fixed.canonicalize().unwrap().as_path())
    );
}

/// In the editor, Resume on a failed run runs the open document as edited now (not
/// the run's snapshot), reusing the steps that still match.
///
/// ```text
///   ran:      const(1) ──▶ fail(#2) ──▶ add(#3)
///   resumed:  const(1) ──────────────▶ add(#3)
/// ```
#[test]
fn the_editor_resumes_a_failed_run_with_the_document_as_edited() {
    use egui::{Key, Modifiers};
    use pipewright::gui::Command;
    use pipewright_engine::{Edge, Edit, Flow, Node, NodeId, Value, testkit};

    let builder = crate::gui_rig::Rig::builder(testkit::registry());
    let path = builder.dir().join("toy.ron");
    let mut flow = Flow::new("toy");
    for (id, kind) in [(1, "const"), (2, "fail"), (3, "add")] {
        flow.nodes.push(Node {
            id: NodeId(id),
            kind: kind.into(),
            label: format!("{kind}{id}"),
            params: [("value".to_owned(), Value::Float(1.0).into())].into(),
            pos: (200.0 * id as f32, 0.0),
        });
    }
    flow.edges = vec![
        Edge::new(NodeId(1), "out", NodeId(2), "in"),
        Edge::new(NodeId(2), "out", NodeId(3), "in"),
    ];
    flow.save(&path).unwrap();
    let mut rig = builder.open(&path).build();
    rig.key(Modifiers::NONE, Key::F5);
    assert_eq!(rig.wait_for_run(), RunStatus::Failed);
    let failed = rig.store.latest_run("toy").unwrap().unwrap();

    // The fix, in the document only (not saved).
    for edit in [
        Edit::RemoveNodes(vec![NodeId(2)]),
        Edit::Connect(Edge::new(NodeId(1), "out", NodeId(3), "in")),
    ] {
        rig.harness.state_mut().command(Command::Edit {
            edit,
            coalesce: None,
        });
    }
    rig.settle();
    rig.click_label("↻ Resume");
    assert_eq!(rig.wait_for_run(), RunStatus::Done);
    assert_eq!(rig.app().step_status(NodeId(1)), Some(StepStatus::Cached));
    assert_eq!(rig.app().step_status(NodeId(3)), Some(StepStatus::Done));
    let resumed = rig.store.latest_run("toy").unwrap().unwrap();
    assert_eq!(resumed.resumed_from.as_deref(), Some(failed.id.as_str()));
    assert_eq!(&resumed.flow, rig.app().flow(), "it ran the document");
    assert_eq!(
        resumed.flow_path.as_deref(),
        Some(path.canonicalize().unwrap().as_path())
    );
}
