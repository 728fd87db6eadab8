//! Every example flow runs headless and its results are checked.

use std::sync::Arc;

use pipewright_engine::{Engine, Flow, RunOptions, RunStatus, StepStatus, Store, validate};

use crate::util::{example_files, examples_dir};

fn run_example(name: &str) -> pipewright_engine::RunRecord {
    let dir = tempfile::tempdir().unwrap();
    let registry = Arc::new(pipewright_nodes::registry());
    let engine = Engine::new(registry, Store::open(dir.path()).unwrap());
    let flow = Flow::load(&examples_dir().join(name)).unwrap();
    let options = RunOptions {
        base_dir: examples_dir(),
        ..Default::default()
    };
    let run = engine.run(&flow, options, |_| {}).unwrap();
    for t in &run.tasks {
        assert_eq!(
            t.status,
            StepStatus::Done,
            "{name}: step {:?}: {:?}",
            t.label,
            t.message
        );
    }
    assert_eq!(run.status, RunStatus::Done);
    run
}

#[test]
fn every_example_has_a_title_a_description_and_validates() {
    let files = example_files();
    assert!(files.len() >= 2, "{files:?}");
    let registry = pipewright_nodes::registry();
    for f in files {
        let flow = Flow::load(&f).unwrap();
        assert!(!flow.title.is_empty(), "{} has no title", f.display());
        assert!(
            !flow.description.is_empty(),
            "{} has no description",
            f.display()
        );
        let problems = validate(&flow, &registry);
        assert!(problems.is_empty(), "{}: {problems:?}", f.display());
        // The files are saved in canonical form: loading and saving changes nothing.
        assert_eq!(
            flow.to_ron().unwrap(),
            std::fs::read_to_string(&f).unwrap(),
            "{}",
            f.display()
        );
    }
}

#[test]
fn every_example_runs_to_done() {
    for f in example_files() {
        run_example(f.file_name().unwrap().to_str().unwrap());
    }
}

#[test]
fn regression_example_fits_the_bundled_data_well() {
    let run = run_example("regression.ron");
    let metrics = run.metrics();
    let r2 = metrics
        .iter()
        .find(|(k, _)| k.ends_with(".r2"))
        .map(|(_, v)| *v)
        .unwrap();
    let rmse = metrics
        .iter()
        .find(|(k, _)| k.ends_with(".rmse"))
        .map(|(_, v)| *v)
        .unwrap();
    let mse = metrics
        .iter()
        .find(|(k, _)| k.ends_with(".mse"))
        .map(|(_, v)| *v)
        .unwrap();
    assert!(r2 > 0.9 && r2 <= 1.0, "r2 = {r2}");
    assert!(
        (rmse * rmse - mse).abs() < 1e-9 * mse.max(1.0),
        "rmse² = mse"
    );
    assert_eq!(
        run.params["test_fraction"],
        pipewright_engine::Value::Float(0.2)
    );
}

#[test]
fn branch_join_selects_the_better_model() {
    let run = run_example("branch_join.ron");
    let metrics = run.metrics();
    // Each branch's metrics step records rmse; select best's output carries the winner's.
    let branch_rmse: Vec<f64> = run
        .tasks
        .iter()
        .filter(|t| t.kind == "evaluate.regression_metrics")
        .map(|t| metrics[&format!("{}.rmse", t.label)])
        .collect();
    assert_eq!(branch_rmse.len(), 2, "{metrics:?}");
    let best = run
        .tasks
        .iter()
        .find(|t| t.kind == "evaluate.select_best")
        .unwrap();
    let chosen = metrics[&format!("{}.rmse", best.label)];
    let min = branch_rmse.iter().copied().fold(f64::INFINITY, f64::min);
    assert_eq!(
        chosen, min,
        "select best picked {chosen}, branches {branch_rmse:?}"
    );
}
