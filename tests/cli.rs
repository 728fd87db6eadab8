//! The command line as a user types it.

use pipewright_engine::{NodeId, ParamValue, RunStatus, StepStatus, Store, Value};
use pipewright_nodes::polars::prelude::SerReader;

use crate::util::{expect_code, run};

#[test]
fn run_prints_every_step_and_the_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let (out, _) = expect_code(&run(dir.path(), &["run", "examples/regression.ron"]), 0);
    for step in ["done", "r2", "rmse", "mse", "mae"] {
        assert!(out.contains(step), "{step:?} missing in:\n{out}");
    }
    assert!(!out.contains("failed"), "{out}");
    // A second run reuses every step.
    let (out, _) = expect_code(&run(dir.path(), &["run", "examples/regression.ron"]), 0);
    assert!(out.contains("cached") && !out.contains(" done  "), "{out}");
}

#[test]
fn param_overrides_are_typed_and_recorded() {
    let dir = tempfile::tempdir().unwrap();
    expect_code(
        &run(
            dir.path(),
            &[
                "run",
                "examples/regression.ron",
                "--param",
                "test_fraction=0.35",
            ],
        ),
        0,
    );
    let store = Store::open(dir.path()).unwrap();
    let r = store.latest_run("regression").unwrap().unwrap();
    assert_eq!(r.params["test_fraction"], Value::Float(0.35));

    let (_, err) = expect_code(
        &run(
            dir.path(),
            &[
                "run",
                "examples/regression.ron",
                "--param",
                "test_fraction=2",
            ],
        ),
        2,
    );
    assert!(
        err.contains("test_fraction") && err.contains("out of range"),
        "{err}"
    );
    let (_, err) = expect_code(
        &run(
            dir.path(),
            &["run", "examples/regression.ron", "-p", "folds=3"],
        ),
        2,
    );
    assert!(
        err.contains("has no parameter \"folds\"") && err.contains("test_fraction"),
        "{err}"
    );
    let (_, err) = expect_code(
        &run(
            dir.path(),
            &["run", "examples/regression.ron", "-p", "test_fraction"],
        ),
        2,
    );
    assert!(err.contains("expected NAME=VALUE"), "{err}");
}

#[test]
fn bad_invocations_and_bad_files_get_one_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let (_, err) = expect_code(&run(dir.path(), &["run"]), 2);
    assert!(err.contains("Usage"), "clap usage expected: {err}");

    let (_, err) = expect_code(&run(dir.path(), &["run", "no/such/flow.ron"]), 2);
    assert!(
        err.contains("no/such/flow.ron") && err.contains("No such file"),
        "{err}"
    );

    let bad = dir.path().join("bad.ron");
    std::fs::write(
        &bad,
        "Flow(\n  format: 1,\n  name: \"x\",\n  nodes: [Node(id: 1,,)],\n)",
    )
    .unwrap();
    let (_, err) = expect_code(&run(dir.path(), &["run", bad.to_str().unwrap()]), 2);
    assert!(
        err.contains("bad.ron:4:"),
        "line and column expected: {err}"
    );

    let invalid = dir.path().join("invalid.ron");
    std::fs::write(
        &invalid,
        "Flow(format: 1, name: \"x\", nodes: [Node(id: 1, kind: \"data.teleport\", label: \"Beam\")])",
    )
    .unwrap();
    let (_, err) = expect_code(&run(dir.path(), &["run", invalid.to_str().unwrap()]), 2);
    assert!(
        err.contains("node \"Beam\" (#1): unknown node kind \"data.teleport\""),
        "{err}"
    );
    let (out, _) = expect_code(
        &run(dir.path(), &["validate", invalid.to_str().unwrap()]),
        2,
    );
    assert!(out.contains("unknown node kind"), "{out}");
    let (out, _) = expect_code(
        &run(dir.path(), &["validate", "examples/regression.ron"]),
        0,
    );
    assert!(out.contains("ok"), "{out}");

    let (_, err) = expect_code(&run(dir.path(), &["show", "nope"]), 2);
    assert!(err.contains("no run \"nope\""), "{err}");
}

#[test]
fn runs_and_show_read_the_store() {
    let dir = tempfile::tempdir().unwrap();
    expect_code(
        &run(
            dir.path(),
            &["run", "examples/regression.ron", "--tag", "baseline"],
        ),
        0,
    );
    expect_code(
        &run(
            dir.path(),
            &["run", "examples/regression.ron", "-p", "test_fraction=0.3"],
        ),
        0,
    );
    let store = Store::open(dir.path()).unwrap();
    let runs = store.runs(Some("regression")).unwrap();
    assert_eq!(runs.len(), 2);

    let (out, _) = expect_code(&run(dir.path(), &["runs", "regression"]), 0);
    assert!(
        out.contains(&runs[0].id) && out.contains(&runs[1].id),
        "{out}"
    );
    assert!(
        out.contains("test_fraction=0.3"),
        "changed params are listed: {out}"
    );
    assert!(out.contains("r2="), "metrics are listed: {out}");
    let (out, _) = expect_code(&run(dir.path(), &["runs", "--tag", "baseline"]), 0);
    assert_eq!(out.lines().count(), 2, "header and one run: {out}");
    let (_, err) = expect_code(&run(dir.path(), &["runs", "--status", "weird"]), 2);
    assert!(err.contains("expected one of"), "{err}");

    let (out, _) = expect_code(&run(dir.path(), &["show", &runs[0].id]), 0);
    assert!(
        out.contains("evaluate.regression_metrics") && out.contains("done"),
        "{out}"
    );

    // The shortest prefix of the newest run's id that the other run does not share.
    let short = (1..=runs[0].id.len())
        .map(|n| &runs[0].id[..n])
        .find(|p| !runs[1].id.starts_with(p))
        .unwrap();
    let metrics_step = runs[0]
        .tasks
        .iter()
        .find(|t| t.kind == "evaluate.regression_metrics")
        .unwrap();
    let (out, _) = expect_code(
        &run(dir.path(), &["show", short, "--step", &metrics_step.label]),
        0,
    );
    assert!(
        out.contains("artifact metrics") && out.contains("r2"),
        "{out}"
    );
    let split = runs[0]
        .tasks
        .iter()
        .find(|t| t.kind == "transform.split")
        .unwrap();
    let (out, _) = expect_code(
        &run(
            dir.path(),
            &["show", &runs[0].id, "--step", &split.node.0.to_string()],
        ),
        0,
    );
    assert!(
        out.contains("artifact train: table") && out.contains("artifact test: table"),
        "{out}"
    );
    let load = runs[0]
        .tasks
        .iter()
        .find(|t| t.kind == "data.load_csv")
        .unwrap();
    let (out, _) = expect_code(
        &run(dir.path(), &["show", &runs[0].id, "--step", &load.label]),
        0,
    );
    assert!(
        out.contains("included") && out.contains("regression_dataset.txt"),
        "{out}"
    );
}

/// A broken data file fails the load step; once fixed, `resume` re-runs only that step
/// and what follows it.
#[test]
fn a_failed_run_resumes_from_the_failed_step() {
    let dir = tempfile::tempdir().unwrap();
    let flow_text =
        std::fs::read_to_string(crate::util::examples_dir().join("regression.ron")).unwrap();
    let data = dir.path().join("data.tsv");
    let good =
        std::fs::read_to_string(crate::util::root().join("assets/data/regression_dataset.txt"))
            .unwrap();
    std::fs::write(&data, "1.0\t2.0\n3.0\n4.0\t5.0\n").unwrap(); // a ragged row
    let flow_path = dir.path().join("flow.ron");
    std::fs::write(
        &flow_path,
        flow_text.replace("../assets/data/regression_dataset.txt", "data.tsv"),
    )
    .unwrap();
    let store_dir = dir.path().join("store");

    let (_, err) = expect_code(&run(&store_dir, &["run", flow_path.to_str().unwrap()]), 1);
    assert!(err.contains("failed"), "{err}");
    let store = Store::open(&store_dir).unwrap();
    let failed = store.latest_run("regression").unwrap().unwrap();
    assert_eq!(failed.status, RunStatus::Failed);
    let load = failed
        .tasks
        .iter()
        .find(|t| t.kind == "data.load_csv")
        .unwrap();
    assert_eq!(load.status, StepStatus::Failed);
    assert!(
        err.contains(&load.label),
        "the failing step is named: {err}"
    );

    std::fs::write(&data, good).unwrap();
    let (out, _) = expect_code(&run(&store_dir, &["resume", &failed.id]), 0);
    let resumed = store.latest_run("regression").unwrap().unwrap();
    assert_eq!(resumed.status, RunStatus::Done, "{out}");
    assert_eq!(resumed.resumed_from.as_deref(), Some(failed.id.as_str()));
    for t in &resumed.tasks {
        let upstream_of_load = failed.task(t.node).unwrap().status.is_ok();
        let expected = if upstream_of_load {
            StepStatus::Cached
        } else {
            StepStatus::Done
        };
        assert_eq!(t.status, expected, "step {:?}", t.label);
    }
    assert!(resumed.task(NodeId(1)).is_some());
}

/// Two runs with different test fractions, compared, exported, tagged and deleted.
#[test]
fn compare_export_tag_and_delete() {
    let dir = tempfile::tempdir().unwrap();
    let store_dir = dir.path().join("store");
    expect_code(&run(&store_dir, &["run", "examples/regression.ron"]), 0);
    expect_code(
        &run(
            &store_dir,
            &["run", "examples/regression.ron", "-p", "test_fraction=0.3"],
        ),
        0,
    );
    let store = Store::open(&store_dir).unwrap();
    let runs = store.runs(Some("regression")).unwrap();
    let (new, old) = (&runs[0], &runs[1]);

    let csv = dir.path().join("cmp.csv");
    let (out, _) = expect_code(
        &run(
            &store_dir,
            &["compare", &old.id, &new.id, "--csv", csv.to_str().unwrap()],
        ),
        0,
    );
    assert!(out.contains(&format!("{} (baseline)", old.id)), "{out}");
    let fraction = out.lines().find(|l| l.contains("* test_fraction")).unwrap();
    assert!(
        fraction.contains("0.2") && fraction.contains("0.3"),
        "{fraction}"
    );
    let r2 = out.lines().find(|l| l.contains(".r2")).unwrap();
    assert!(r2.contains('★'), "best marked: {r2}");
    let csv_text = std::fs::read_to_string(&csv).unwrap();
    assert!(
        csv_text.starts_with(&format!("section,name,{},{}", old.id, new.id)),
        "{csv_text}"
    );
    assert!(
        csv_text.contains("param,test_fraction,0.2,0.3"),
        "{csv_text}"
    );
    let (diff, _) = expect_code(
        &run(&store_dir, &["compare", &old.id, &new.id, "--diff"]),
        0,
    );
    assert!(
        !diff.contains("Split.seed"),
        "--diff hides equal rows: {diff}"
    );
    let (best, _) = expect_code(
        &run(&store_dir, &["compare", "--best", "2", "--metric", "r2"]),
        0,
    );
    assert!(best.contains(&old.id) && best.contains(&new.id), "{best}");
    let (_, err) = expect_code(&run(&store_dir, &["compare", &old.id]), 2);
    assert!(err.contains("two or more runs"), "{err}");

    // Export: the test table as Parquet (read back with polars), metrics as JSON.
    let split = new
        .tasks
        .iter()
        .find(|t| t.kind == "transform.split")
        .unwrap();
    let parquet = dir.path().join("test.parquet");
    expect_code(
        &run(
            &store_dir,
            &[
                "export",
                &new.id,
                "--step",
                &split.label,
                "--artifact",
                "test",
                "--out",
                parquet.to_str().unwrap(),
            ],
        ),
        0,
    );
    let df = pipewright_nodes::polars::prelude::ParquetReader::new(
        std::fs::File::open(&parquet).unwrap(),
    )
    .finish()
    .unwrap();
    assert_eq!(df.height(), 300, "30% of the 1000 bundled rows");
    assert_eq!(df.get_column_names(), ["x", "y"]);
    let csv_out = dir.path().join("test.csv");
    expect_code(
        &run(
            &store_dir,
            &[
                "export",
                &new.id,
                "--step",
                &split.label,
                "--artifact",
                "test",
                "--out",
                csv_out.to_str().unwrap(),
            ],
        ),
        0,
    );
    let csv_text = std::fs::read_to_string(&csv_out).unwrap();
    assert_eq!(csv_text.lines().next(), Some("x,y"));
    assert_eq!(csv_text.lines().count(), 301, "a header and 300 rows");
    let metrics = new
        .tasks
        .iter()
        .find(|t| t.kind == "evaluate.regression_metrics")
        .unwrap();
    let json = dir.path().join("metrics.json");
    expect_code(
        &run(
            &store_dir,
            &[
                "export",
                &new.id,
                "--step",
                &metrics.label,
                "--out",
                json.to_str().unwrap(),
            ],
        ),
        0,
    );
    let value: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert!(value.to_string().contains("r2"), "{value}");
    let (_, err) = expect_code(
        &run(
            &store_dir,
            &[
                "export",
                &new.id,
                "--step",
                &split.label,
                "--out",
                "x.parquet",
            ],
        ),
        2,
    );
    assert!(
        err.contains("choose one with --artifact (test, train)"),
        "{err}"
    );
    let (_, err) = expect_code(
        &run(
            &store_dir,
            &[
                "export",
                &new.id,
                "--step",
                &metrics.label,
                "--out",
                "m.xlsx",
            ],
        ),
        2,
    );
    assert!(err.contains("cannot export as \"xlsx\""), "{err}");

    // Tags.
    let (out, _) = expect_code(&run(&store_dir, &["tag", &old.id, "baseline", "v1"]), 0);
    assert!(out.contains("baseline, v1"), "{out}");
    expect_code(&run(&store_dir, &["tag", &old.id, "v1", "--remove"]), 0);
    assert_eq!(store.run(&old.id).unwrap().tags, ["baseline"]);

    // Delete: asks without a terminal, then deletes; the other run keeps its artifacts.
    let (_, err) = expect_code(&run(&store_dir, &["delete", &old.id]), 2);
    assert!(err.contains("--yes"), "{err}");
    let (out, _) = expect_code(&run(&store_dir, &["delete", &old.id, "--yes"]), 0);
    assert!(out.contains("deleted 1 run"), "{out}");
    assert!(store.run(&old.id).is_err());
    let registry = pipewright::cli::registry();
    let kept = store.run(&new.id).unwrap();
    for t in &kept.tasks {
        for port in t.outputs.keys() {
            store
                .run_artifact(&kept, &t.label, port, registry.artifact_types())
                .unwrap();
        }
    }
}

/// A replay reads the data file as the run saw it, even after it changed.
#[test]
fn replay_uses_the_data_the_run_saw() {
    let dir = tempfile::tempdir().unwrap();
    let flow_text =
        std::fs::read_to_string(crate::util::examples_dir().join("regression.ron")).unwrap();
    let data = dir.path().join("data.tsv");
    std::fs::copy(
        crate::util::root().join("assets/data/regression_dataset.txt"),
        &data,
    )
    .unwrap();
    let flow_path = dir.path().join("flow.ron");
    std::fs::write(
        &flow_path,
        flow_text.replace("../assets/data/regression_dataset.txt", "data.tsv"),
    )
    .unwrap();
    let store_dir = dir.path().join("store");
    expect_code(&run(&store_dir, &["run", flow_path.to_str().unwrap()]), 0);
    let store = Store::open(&store_dir).unwrap();
    let first = store.latest_run("regression").unwrap().unwrap();

    // Keep only 100 rows: a normal run now sees a different table.
    let text = std::fs::read_to_string(&data).unwrap();
    std::fs::write(&data, text.lines().take(100).collect::<Vec<_>>().join("\n")).unwrap();
    expect_code(&run(&store_dir, &["run", flow_path.to_str().unwrap()]), 0);
    let second = store.latest_run("regression").unwrap().unwrap();
    assert_ne!(first.metrics(), second.metrics());

    expect_code(&run(&store_dir, &["replay", &first.id, "--no-cache"]), 0);
    let replay = store.latest_run("regression").unwrap().unwrap();
    assert_eq!(
        replay.metrics(),
        first.metrics(),
        "the replay saw the original 1000 rows"
    );
    assert!(replay.tags.contains(&format!("replay-of-{}", first.id)));
}

/// A sweep runs every combination, reuses the steps a value does not change, tags the
/// runs together and prints them side by side.
#[test]
fn a_sweep_runs_each_value_reusing_unchanged_steps() {
    let dir = tempfile::tempdir().unwrap();
    let (out, _) = expect_code(
        &run(
            dir.path(),
            &[
                "run",
                "examples/regression.ron",
                "--sweep",
                "test_fraction=0.2,0.3,0.4",
                "--separate-runs",
            ],
        ),
        0,
    );
    assert!(out.contains("3 runs"), "{out}");
    let fraction = out
        .lines()
        .find(|l| l.starts_with("* test_fraction"))
        .unwrap();
    for v in ["0.2", "0.3", "0.4"] {
        assert!(fraction.contains(v), "{fraction}");
    }
    assert!(
        out.lines().any(|l| l.contains(".r2") && l.contains('★')),
        "{out}"
    );

    let store = Store::open(dir.path()).unwrap();
    let mut runs = store.runs(Some("regression")).unwrap();
    runs.reverse(); // oldest first
    assert_eq!(runs.len(), 3);
    let tag = runs[0]
        .tags
        .iter()
        .find(|t| t.starts_with("sweep-"))
        .unwrap()
        .clone();
    assert!(runs.iter().all(|r| r.tags.contains(&tag)));
    // After the first run, the steps upstream of the split are reused, the rest re-run.
    for r in &runs[1..] {
        for t in &r.tasks {
            let upstream = matches!(
                t.kind.as_str(),
                "flow.start" | "data.load_csv" | "data.check"
            );
            let expected = if upstream {
                StepStatus::Cached
            } else {
                StepStatus::Done
            };
            assert_eq!(t.status, expected, "run {} step {:?}", r.id, t.label);
        }
    }
    let (listed, _) = expect_code(&run(dir.path(), &["runs", "--tag", &tag]), 0);
    assert_eq!(listed.lines().count(), 4, "header and three runs: {listed}");

    // Bad sweeps are refused before anything runs.
    for (args, needle) in [
        (vec!["--sweep", "folds=2,3"], "has no parameter \"folds\""),
        (
            vec!["--sweep", "test_fraction=0.2,two"],
            "\"two\" is not a number",
        ),
        (vec!["--sweep", "test_fraction=0.2,7"], "out of range"),
        (vec!["--sweep", "test_fraction"], "expected NAME=V1,V2"),
        (
            vec!["--sweep", "test_fraction=0.2", "-p", "test_fraction=0.3"],
            "both --param and --sweep",
        ),
    ] {
        for separate in [false, true] {
            let mut all = vec!["run", "examples/regression.ron"];
            all.extend(args.iter().copied());
            if separate {
                all.push("--separate-runs");
            }
            let (_, err) = expect_code(&run(dir.path(), &all), 2);
            assert!(err.contains(needle), "{needle:?} not in {err}");
        }
    }
    assert_eq!(store.runs(Some("regression")).unwrap().len(), 3);
}

/// `--sweep STEP.PARAM=…` is one run: a foreach over the values (any step's
/// parameter), a Collect added to gather them, every task listed by `show`.
#[test]
fn a_sweep_in_one_run_fans_a_step_parameter_out_and_collects_it() {
    let dir = tempfile::tempdir().unwrap();
    let (out, _) = expect_code(
        &run(
            dir.path(),
            &[
                "run",
                "examples/branch_join.ron",
                "--sweep",
                "Ridge.alpha=log(0.01,100,5)",
            ],
        ),
        0,
    );
    assert!(
        out.contains("foreach \"Sweep\": 5 items × 3 steps = 15 tasks"),
        "{out}"
    );
    for (i, alpha) in ["0.01", "0.1", "1", "10", "100"].iter().enumerate() {
        assert!(
            out.lines()
                .any(|l| l.contains(&format!("Ridge/{i}"))
                    && l.ends_with(&format!("alpha = {alpha}"))),
            "task {i}: {out}"
        );
    }
    let store = Store::open(dir.path()).unwrap();
    let runs = store.runs(Some("branch_join")).unwrap();
    assert_eq!(runs.len(), 1, "one run");
    let r = &runs[0];
    assert_eq!(r.status, RunStatus::Done);
    let ridge = r.task_by_name("Ridge").unwrap().node;
    assert_eq!(r.tasks_of(ridge).len(), 5);
    // Select best took the least-squares branch and the five ridge items.
    let select = r.task_by_name("Select best").unwrap();
    assert_eq!(
        select
            .logs
            .iter()
            .filter(|l| l.contains(": rmse = "))
            .count(),
        6,
        "{:?}",
        select.logs
    );
    // The added Collect gathered the five items' scores.
    assert!(out.contains("Collect:"), "{out}");
    let collect = r.task_by_name("Collect").unwrap();
    assert_eq!(collect.status, StepStatus::Done);
    assert!(r.metrics().contains_key("Collect.rmse_mean"));

    // show lists every task with its item; --step/--task picks one.
    let (shown, _) = expect_code(&run(dir.path(), &["show", &r.id]), 0);
    assert!(shown.contains("Predict (ridge)/4"), "{shown}");
    assert!(shown.contains("Ridge.alpha = 100"), "{shown}");
    let (tasks, _) = expect_code(&run(dir.path(), &["show", &r.id, "--step", "Ridge"]), 0);
    assert!(tasks.contains("5 tasks of a foreach"), "{tasks}");
    assert_eq!(
        tasks.lines().filter(|l| l.starts_with("Ridge/")).count(),
        5,
        "{tasks}"
    );
    let (one, _) = expect_code(
        &run(
            dir.path(),
            &["show", &r.id, "--step", "Metrics (ridge)", "--task", "2"],
        ),
        0,
    );
    assert!(one.contains("step      Metrics (ridge)/2"), "{one}");
    assert!(one.contains("item      Ridge.alpha = 1"), "{one}");

    // A parameter that does not exist, or a value out of its range, is named.
    for (sweep, needle) in [
        (
            "Ridge.beta=1,2",
            "step \"Ridge\" (train.ridge) has no parameter \"beta\"",
        ),
        ("Ridge.alpha=-1,2", "Ridge.alpha: value -1 is out of range"),
        ("Nope.alpha=1", "no step \"Nope\" in this flow"),
    ] {
        let (_, err) = expect_code(
            &run(
                dir.path(),
                &["run", "examples/branch_join.ron", "--sweep", sweep],
            ),
            2,
        );
        assert!(err.contains(needle), "{needle:?} not in {err}");
    }
    assert_eq!(store.runs(Some("branch_join")).unwrap().len(), 1);
}

/// Runs a command with stdout read only up to its first line, then closed.
fn first_line_then_close(store: &std::path::Path, args: &[&str]) -> std::process::Output {
    use std::io::{BufRead, BufReader};
    let mut child = crate::util::pipewright(store)
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    drop(stdout); // the reader goes away, as `| head -1` does
    child.wait_with_output().unwrap()
}

#[test]
fn a_closed_pipe_ends_every_command_quietly() {
    let dir = tempfile::tempdir().unwrap();
    // Many runs, so `runs` and `show` print more than a pipe buffer holds.
    for i in 0..3 {
        expect_code(
            &run(
                dir.path(),
                &[
                    "run",
                    "examples/branch_join.ron",
                    "-p",
                    &format!("test_fraction=0.{}", i + 2),
                ],
            ),
            0,
        );
    }
    let id = Store::open(dir.path()).unwrap().runs(None).unwrap()[0]
        .id
        .clone();
    for args in [
        vec!["show", id.as_str(), "--step", "Load dataset"],
        vec!["show", id.as_str()],
        vec!["runs"],
        vec!["--help"],
    ] {
        // Repeat: whether the reader closes before or after the last write varies.
        for _ in 0..3 {
            let out = first_line_then_close(dir.path(), &args);
            let (_, err) = crate::util::text(&out);
            assert!(
                !err.contains("panicked") && !err.contains("Broken pipe"),
                "{args:?}: {err}"
            );
            assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
        }
    }
}

#[test]
fn an_io_error_says_its_reason_once() {
    let dir = tempfile::tempdir().unwrap();
    let (_, err) = expect_code(&run(dir.path(), &["validate", "no/such/flow.ron"]), 2);
    assert_eq!(err.matches("No such file or directory").count(), 1, "{err}");
    assert_eq!(err.matches("os error 2").count(), 1, "{err}");
}

#[test]
fn warnings_in_a_pipe_have_no_colour_codes() {
    let dir = tempfile::tempdir().unwrap();
    expect_code(
        &run(
            dir.path(),
            &["run", "examples/synthetic.ron", "-p", "rows=100"],
        ),
        0,
    );
    // Cache entries that cannot be rewritten (a folder in each one's place): the
    // recomputing run works and warns.
    for entry in std::fs::read_dir(dir.path().join("cache")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::remove_file(&path).unwrap();
        std::fs::create_dir_all(path.join("blocked")).unwrap();
    }
    let out = crate::util::pipewright(dir.path())
        .args([
            "run",
            "examples/synthetic.ron",
            "-p",
            "rows=100",
            "--no-cache",
        ])
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    let (_, err) = expect_code(&out, 0);
    assert!(err.contains("cannot record step"), "{err}");
    assert!(!err.contains('\u{1b}'), "colour codes in a pipe: {err:?}");
}

#[test]
fn show_step_fails_when_an_artifact_cannot_be_loaded() {
    let dir = tempfile::tempdir().unwrap();
    expect_code(&run(dir.path(), &["run", "examples/regression.ron"]), 0);
    let id = Store::open(dir.path()).unwrap().runs(None).unwrap()[0]
        .id
        .clone();
    std::fs::remove_dir_all(dir.path().join("blobs")).unwrap();
    let (out, err) = expect_code(
        &run(dir.path(), &["show", &id, "--step", "Load dataset"]),
        2,
    );
    assert!(out.contains("cannot load"), "{out}");
    assert!(
        err.contains("step \"Load dataset\"") && err.contains("cannot load artifact(s) table"),
        "{err}"
    );
}

#[test]
fn runs_name_metrics_by_step_and_cached_steps_say_where_they_came_from() {
    let dir = tempfile::tempdir().unwrap();
    expect_code(&run(dir.path(), &["run", "examples/branch_join.ron"]), 0);
    let (out, _) = expect_code(&run(dir.path(), &["runs"]), 0);
    assert!(
        out.contains("Metrics (least squares).rmse=") && out.contains("Metrics (ridge).rmse="),
        "{out}"
    );
    assert!(!out.contains(" rmse="), "a bare metric name: {out}");

    expect_code(&run(dir.path(), &["run", "examples/branch_join.ron"]), 0);
    let runs = Store::open(dir.path()).unwrap().runs(None).unwrap();
    let (first, second) = (&runs[1], &runs[0]);
    let (out, _) = expect_code(&run(dir.path(), &["show", &second.id]), 0);
    assert!(
        out.contains(&format!("cached (from {}, originally ", first.id)),
        "{out}"
    );
    // No cached step is shown as if timed at 0 (a cell of exactly `0µs`).
    assert!(!out.split_whitespace().any(|w| w == "0µs"), "{out}");
    let (out, _) = expect_code(
        &run(dir.path(), &["show", &second.id, "--step", "Ridge"]),
        0,
    );
    assert!(
        out.contains(&format!("time      cached (from {}, originally ", first.id)),
        "{out}"
    );
    let (out, _) = expect_code(&run(dir.path(), &["compare", &first.id, &second.id]), 0);
    let ridge = out
        .lines()
        .skip_while(|l| !l.starts_with("step durations"))
        .find(|l| l.trim_start().starts_with("Ridge"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        ridge.contains(&format!("cached (from {}, originally ", first.id)),
        "{ridge}"
    );
}

#[test]
fn compare_best_ranks_one_flow_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    for fraction in ["0.2", "0.3"] {
        expect_code(
            &run(
                dir.path(),
                &[
                    "run",
                    "examples/regression.ron",
                    "-p",
                    &format!("test_fraction={fraction}"),
                ],
            ),
            0,
        );
    }
    expect_code(&run(dir.path(), &["run", "examples/branch_join.ron"]), 0);
    expect_code(
        &run(
            dir.path(),
            &["run", "examples/branch_join.ron", "-p", "test_fraction=0.3"],
        ),
        0,
    );
    let (_, err) = expect_code(
        &run(dir.path(), &["compare", "--best", "0", "--metric", "rmse"]),
        2,
    );
    assert!(err.contains("--best 0: give the number of runs"), "{err}");

    let (out, _) = expect_code(
        &run(dir.path(), &["compare", "--best", "5", "--metric", "rmse"]),
        0,
    );
    assert!(
        out.contains("ranking the runs of flow \"branch_join\" (the newest run's; 2 run(s) of other flows left out"),
        "{out}"
    );
    let flow_row = out.lines().find(|l| l.starts_with("flow ")).unwrap();
    assert!(!flow_row.contains("regression"), "{flow_row}");
    let (out, _) = expect_code(
        &run(
            dir.path(),
            &[
                "compare",
                "--best",
                "5",
                "--metric",
                "rmse",
                "--flow",
                "regression",
            ],
        ),
        0,
    );
    assert!(!out.contains("ranking the runs"), "{out}");
    assert!(!out.contains("branch_join"), "{out}");
}

#[test]
fn comparing_runs_of_different_flows_says_so_and_matches_steps_by_label() {
    let dir = tempfile::tempdir().unwrap();
    expect_code(&run(dir.path(), &["run", "examples/regression.ron"]), 0);
    expect_code(&run(dir.path(), &["run", "examples/branch_join.ron"]), 0);
    let runs = Store::open(dir.path()).unwrap().runs(None).unwrap();
    let (out, _) = expect_code(&run(dir.path(), &["compare", &runs[1].id, &runs[0].id]), 0);
    assert!(
        out.contains("note: these runs are of different flows (regression, branch_join)"),
        "{out}"
    );
    assert!(out.contains("steps matched by label"), "{out}");
    assert!(
        !out.contains("wire "),
        "no wire-by-wire diff of unrelated flows: {out}"
    );
    assert!(!out.contains(" kind "), "no node-by-id kind changes: {out}");
}

#[test]
fn validate_reports_a_missing_data_file_and_non_finite_values() {
    let dir = tempfile::tempdir().unwrap();
    let flow =
        std::fs::read_to_string(crate::util::root().join("examples/regression.ron")).unwrap();
    let path = dir.path().join("moved.ron");
    std::fs::write(&path, &flow).unwrap();
    let (out, _) = expect_code(&run(dir.path(), &["validate", path.to_str().unwrap()]), 2);
    assert!(
        out.contains("node \"Load dataset\" (#2): parameter \"path\": the data file")
            && out.contains("regression_dataset.txt does not exist"),
        "{out}"
    );
    let (_, err) = expect_code(
        &run(
            dir.path(),
            &["run", "examples/synthetic.ron", "-p", "noise=inf"],
        ),
        2,
    );
    assert!(
        err.contains("--param noise: inf is not a finite number"),
        "{err}"
    );
    // test_fraction 0 and 1 always fail at run time: validation refuses them.
    for bound in ["0", "1"] {
        let (_, err) = expect_code(
            &run(
                dir.path(),
                &[
                    "run",
                    "examples/regression.ron",
                    "-p",
                    &format!("test_fraction={bound}"),
                ],
            ),
            2,
        );
        assert!(err.contains("is out of range (0, 1)"), "{bound}: {err}");
    }
}

// The data phase from the command line: labelled sentences as JSON lines, loaded and
// checked against expectations. One bad label and one empty sentence stop the run
// before anything trains, and the failure lists both violations with their rows.
//   load_jsonl ──▶ check (label in {…}; sentence not empty) ──▶ drop_nulls
#[test]
fn json_lines_are_loaded_checked_and_every_violation_is_named() {
    use pipewright_engine::{Edge, Flow, Node, ParamValue};
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("sentences.jsonl");
    std::fs::write(
        &data,
        concat!(
            "{\"sentence\": \"Operating profit rose to EUR 13.1 mn\", \"label\": \"positive\"}\n",
            "{\"sentence\": \"Sales fell by 5 %\", \"label\": \"negative\"}\n",
            "{\"sentence\": \"\", \"label\": \"neutral\"}\n",
            "{\"sentence\": \"The company will move its offices\", \"label\": \"sideways\"}\n",
            "\n",
        ),
    )
    .unwrap();
    let text = |s: &str| ParamValue::Lit(Value::Text(s.into()));
    let node = |id: u32, kind: &str, label: &str, params: Vec<(&str, ParamValue)>| Node {
        id: NodeId(id),
        kind: kind.into(),
        label: label.into(),
        params: params.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        pos: (id as f32 * 220.0, 0.0),
    };
    let mut flow = Flow::new("sentences");
    flow.nodes = vec![
        node(
            1,
            "data.load_jsonl",
            "Load sentences",
            vec![("path", text("sentences.jsonl"))],
        ),
        node(
            2,
            "data.check",
            "Check sentences",
            vec![
                ("min_rows", ParamValue::Lit(Value::Int(1))),
                ("require_numeric", ParamValue::Lit(Value::Bool(false))),
                (
                    "expect",
                    text("label in {positive, negative, neutral}; sentence not empty"),
                ),
            ],
        ),
        node(3, "transform.drop_nulls", "Drop nulls", vec![]),
    ];
    flow.edges = vec![
        Edge::new(NodeId(1), "table", NodeId(2), "table"),
        Edge::new(NodeId(2), "table", NodeId(3), "table"),
    ];
    let path = dir.path().join("sentences.ron");
    flow.save(&path).unwrap();
    let store = dir.path().join("store");
    let (out, err) = expect_code(&run(&store, &["run", path.to_str().unwrap()]), 1);
    let all = format!("{out}{err}");
    assert!(all.contains("Check sentences"), "{all}");
    assert!(all.contains("sideways"), "the bad label is named: {all}");
    assert!(
        all.contains("not empty"),
        "the empty sentence is named: {all}"
    );
    let runs = Store::open(&store).unwrap().runs(None).unwrap();
    let r = &runs[0];
    assert_eq!(r.task(NodeId(1)).unwrap().status, StepStatus::Done);
    assert_eq!(r.task(NodeId(2)).unwrap().status, StepStatus::Failed);
    assert_eq!(r.task(NodeId(3)).unwrap().status, StepStatus::Skipped);
    assert!(
        r.task(NodeId(1)).unwrap().outputs["table"]
            .summary
            .starts_with("4 rows × 2 columns"),
        "the blank last line is not a row: {}",
        r.task(NodeId(1)).unwrap().outputs["table"].summary
    );
}

#[test]
fn a_foreach_keeping_the_best_drops_the_other_items_outputs_but_their_scores() {
    let dir = tempfile::tempdir().unwrap();
    // The ridge-sweep example with `keep = best`, its data named by absolute path.
    let mut flow =
        pipewright_engine::Flow::load(&crate::util::examples_dir().join("ridge_sweep.ron"))
            .unwrap();
    let data = crate::util::root().join("assets/data/regression_dataset.txt");
    for n in &mut flow.nodes {
        if n.kind == "data.load_csv" {
            n.params.insert(
                "path".into(),
                ParamValue::Lit(Value::Text(data.display().to_string())),
            );
        }
        if n.kind == "flow.foreach" {
            n.params
                .insert("keep".into(), ParamValue::Lit(Value::Text("best".into())));
        }
    }
    let path = dir.path().join("sweep.ron");
    flow.save(&path).unwrap();
    let store_dir = dir.path().join("store");
    expect_code(&run(&store_dir, &["run", path.to_str().unwrap()]), 0);

    let store = Store::open(&store_dir).unwrap();
    let r = &store.runs(Some("ridge_sweep")).unwrap()[0];
    assert_eq!(r.status, RunStatus::Done);
    let (by, chosen) = r.best_item().expect("Select best chose an item");
    assert_eq!(by.label, "Select best");
    assert_eq!(chosen.metric, "rmse");
    let winner = chosen.index;
    // What every task first stored, from the journal (the record now names less).
    let journal = store.run_dir("ridge_sweep", &r.id).join("tasks.jsonl");
    let first: Vec<pipewright_engine::TaskRecord> = std::fs::read_to_string(journal)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let stored = |label: &str, i: u32, port: &str| {
        first
            .iter()
            .find(|t| t.label == label && t.index == Some(i))
            .and_then(|t| t.outputs.get(port).cloned())
            .unwrap_or_else(|| panic!("{label}/{i} stored {port}"))
    };
    for i in 0..8u32 {
        let predict = r.task_by_name(&format!("Predict/{i}")).unwrap();
        let ridge = r.task_by_name(&format!("Ridge/{i}")).unwrap();
        let metrics = r.task_by_name(&format!("Metrics/{i}")).unwrap();
        // Every item keeps its scores: Collect's table and the comparison need them.
        assert!(store.has_blob(&metrics.outputs["metrics"]), "Metrics/{i}");
        if i == winner {
            assert!(predict.dropped.is_empty() && ridge.dropped.is_empty());
            assert!(store.has_blob(&predict.outputs["predictions"]));
            assert!(store.has_blob(&ridge.outputs["model"]));
        } else {
            assert_eq!(predict.dropped, ["predictions"], "Predict/{i}");
            assert_eq!(ridge.dropped, ["model"], "Ridge/{i}");
            assert!(!predict.outputs.contains_key("predictions"));
            assert!(
                !store.has_blob(&stored("Predict", i, "predictions")),
                "Predict/{i}"
            );
            assert!(!store.has_blob(&stored("Ridge", i, "model")), "Ridge/{i}");
        }
    }
    // Nothing the record names is missing.
    let report = store.verify().unwrap();
    assert!(
        report.damaged_blobs.is_empty(),
        "{:?}",
        report.damaged_blobs
    );

    // show and runs name the best item; show says what a task did not keep.
    let (shown, _) = expect_code(&run(&store_dir, &["show", &r.id]), 0);
    let best_line = format!("best      {} (chosen by Select best)", chosen.describe());
    assert!(shown.contains(&best_line), "{best_line:?} in {shown}");
    assert!(shown.contains("predictions not kept"), "{shown}");
    let loser = if winner == 0 { 1 } else { 0 };
    let (one, _) = expect_code(
        &run(
            &store_dir,
            &[
                "show",
                &r.id,
                "--step",
                "Predict",
                "--task",
                &loser.to_string(),
            ],
        ),
        0,
    );
    assert!(one.contains("not kept  predictions"), "{one}");
    let (listed, _) = expect_code(&run(&store_dir, &["runs"]), 0);
    assert!(listed.contains("best item"), "{listed}");
    assert!(listed.contains(&chosen.describe()), "{listed}");

    // Run again: the dropped items are cache misses and run again; the others reuse.
    let (again, _) = expect_code(&run(&store_dir, &["run", path.to_str().unwrap()]), 0);
    let r2 = store.latest_run("ridge_sweep").unwrap().unwrap();
    assert_eq!(r2.status, RunStatus::Done, "{again}");
    assert_eq!(r2.best_item().unwrap().1.index, winner);
    let winner_predict = r2.task_by_name(&format!("Predict/{winner}")).unwrap();
    assert_eq!(winner_predict.status, StepStatus::Cached);

    // Comparing the two runs lines their items up, with each run's best.
    let (cmp, _) = expect_code(&run(&store_dir, &["compare", &r.id, &r2.id]), 0);
    assert!(cmp.contains("foreach items (best marked)"), "{cmp}");
    let best = cmp
        .lines()
        .find(|l| l.trim_start().starts_with("best item"));
    assert_eq!(
        best.map(|l| l.matches(&chosen.describe()).count()),
        Some(2),
        "{cmp}"
    );
    assert_eq!(
        cmp.lines()
            .filter(|l| l.trim_start().starts_with("alpha = ") && l.contains("Metrics.rmse"))
            .count(),
        8,
        "{cmp}"
    );
}

/// A step nothing reads with an input not connected (dropped, not wired yet) does not
/// stop the rest of the flow from running: `validate` and `run` name it as left out.
#[test]
fn a_step_left_unconnected_is_named_and_the_rest_runs() {
    let dir = tempfile::tempdir().unwrap();
    let assets = crate::util::examples_dir().join("../assets/data/");
    let text = std::fs::read_to_string(crate::util::examples_dir().join("regression.ron"))
        .unwrap()
        .replace("../assets/data/", assets.to_str().unwrap());
    let path = dir.path().join("dangling.ron");
    std::fs::write(&path, text).unwrap();
    let mut flow = pipewright_engine::Flow::load(&path).unwrap();
    let id = flow.next_id();
    flow.nodes.push(pipewright_engine::Node {
        id,
        kind: "train.ridge".into(),
        label: "Ridge".into(),
        params: Default::default(),
        pos: (0.0, 300.0),
    });
    flow.save(&path).unwrap();
    let note = format!(
        "note: node \"Ridge\" ({id}): left out of the run: required input \"train\" is not \
         connected and nothing reads this step"
    );
    let (out, err) = expect_code(&run(dir.path(), &["validate", path.to_str().unwrap()]), 0);
    assert!(out.contains(": ok ("), "{out}");
    assert!(err.contains(&note), "{err}");
    let (_, err) = expect_code(&run(dir.path(), &["run", path.to_str().unwrap()]), 0);
    assert!(err.contains(&note), "{err}");
    let store = Store::open(dir.path()).unwrap();
    let runs = store.runs(None).unwrap();
    assert_eq!(runs[0].status, RunStatus::Done);
    assert!(runs[0].task(id).is_none(), "the idle step did not run");
    assert!(runs[0].flow.node(id).is_none(), "the record holds what ran");
    assert_eq!(runs[0].tasks.len(), flow.nodes.len() - 1);
}
