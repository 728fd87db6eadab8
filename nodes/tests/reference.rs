//! Known answers from an independent source: the catalogue's steps on the bundled
//! dataset against scikit-learn's numbers for the same data
//! (`nodes/tests/reference/sklearn_reference.json`, written by
//! `scripts/sklearn_reference.py`; the file records the command and versions).
//!
//! Tolerances (relative):
//! - split: exact (the same rows);
//! - least squares, ridge and the metrics: 1e-9 — both sides solve the same linear
//!   system directly (QR / Cholesky here, LAPACK there), so only rounding differs;
//! - elastic net: 1e-6 — both run coordinate descent that stops when the duality
//!   gap falls below tol·‖y‖² (tol = 1e-4), so they agree only as far as their
//!   stopping points do;
//! - scaler statistics: 1e-12 — a mean and a standard deviation, summed accurately.

mod common;

use common::*;
use pipewright_engine::Value;
use pipewright_nodes::{Metrics, Model, Table};
use serde_json::Value as Json;

fn reference() -> Json {
    let path = repo_root().join("nodes/tests/reference/sklearn_reference.json");
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn num(v: &Json) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

#[track_caller]
fn close(what: &str, ours: f64, theirs: &Json, tolerance: f64) {
    let theirs = num(theirs);
    let err = (ours - theirs).abs() / theirs.abs().max(f64::MIN_POSITIVE);
    assert!(
        err <= tolerance,
        "{what}: ours {ours}, scikit-learn {theirs} (relative error {err:e} > {tolerance:e})"
    );
}

/// load_csv → check → split (in order, 20 % test), as the reference script does.
fn split() -> (Table, Table) {
    let loaded = run(
        "data.load_csv",
        &[],
        &[
            ("path", text("assets/data/regression_dataset.txt")),
            ("separator", text("tab")),
            ("has_header", Value::Bool(false)),
            ("column_names", text("x,y")),
        ],
    );
    let checked = run("data.check", &[("table", arc(&loaded, "table"))], &[]);
    let out = run(
        "transform.split",
        &[("table", arc(&checked, "table"))],
        &[
            ("test_fraction", Value::Float(0.2)),
            ("shuffle", Value::Bool(false)),
        ],
    );
    (get::<Table>(&out, "train"), get::<Table>(&out, "test"))
}

fn row(t: &Table, i: usize) -> [f64; 2] {
    let x = pipewright_nodes::columns::f64_values(t.df(), "x").unwrap();
    let y = pipewright_nodes::columns::f64_values(t.df(), "y").unwrap();
    [x[i], y[i]]
}

#[test]
fn split_in_order_matches_train_test_split_shuffle_false() {
    let r = &reference()["split"];
    let (train, test) = split();
    assert_eq!(train.rows() as u64, r["n_train"].as_u64().unwrap());
    assert_eq!(test.rows() as u64, r["n_test"].as_u64().unwrap());
    let pair = |v: &Json| [num(&v[0]), num(&v[1])];
    assert_eq!(row(&train, 0), pair(&r["train_first"]));
    assert_eq!(row(&train, train.rows() - 1), pair(&r["train_last"]));
    assert_eq!(row(&test, 0), pair(&r["test_first"]));
    assert_eq!(row(&test, test.rows() - 1), pair(&r["test_last"]));
}

/// Fits `kind` on the train split, scores it on the test split, and compares the
/// coefficients, intercept and metrics with the reference entry.
fn check_model(kind: &str, entry: &str, set: &[(&str, Value)], tolerance: f64) {
    let r = &reference()[entry];
    let (train, test) = split();
    let mut params = vec![("target", text("y"))];
    params.extend(set.iter().cloned());
    let fitted = run(kind, &[("train", shared(train))], &params);
    let model = get::<Model>(&fitted, "model");
    assert_eq!(model.features, vec!["x"]);
    close(
        &format!("{entry} coefficient"),
        model.coefficients[0],
        &r["coefficients"][0],
        tolerance,
    );
    close(
        &format!("{entry} intercept"),
        model.intercept,
        &r["intercept"],
        tolerance,
    );

    let predicted = run(
        "evaluate.predict",
        &[("model", arc(&fitted, "model")), ("table", shared(test))],
        &[],
    );
    let scored = run(
        "evaluate.regression_metrics",
        &[("predictions", arc(&predicted, "predictions"))],
        &[],
    );
    let metrics = get::<Metrics>(&scored, "metrics");
    for name in ["mse", "rmse", "mae", "r2"] {
        close(
            &format!("{entry} {name}"),
            metrics.values[name],
            &r["metrics"][name],
            tolerance,
        );
    }
    assert_eq!(metrics.values["n"], num(&r["metrics"]["n"]));
}

#[test]
fn linear_regression_matches_scikit_learn() {
    check_model("train.linear_regression", "linear_regression", &[], 1e-9);
}

#[test]
fn ridge_matches_scikit_learn() {
    check_model(
        "train.ridge",
        "ridge",
        &[("alpha", Value::Float(1.0))],
        1e-9,
    );
}

#[test]
fn elastic_net_matches_scikit_learn() {
    check_model(
        "train.elastic_net",
        "elastic_net",
        &[
            ("alpha", Value::Float(0.1)),
            ("l1_ratio", Value::Float(0.5)),
        ],
        1e-6,
    );
}

#[test]
fn standard_scaler_matches_scikit_learn() {
    let r = &reference()["standard_scaler"];
    let (train, test) = split();
    let df = train.df();
    for column in ["x", "y"] {
        let values = pipewright_nodes::columns::f64_values(df, column).unwrap();
        let (mean, scale) = pipewright_nodes::transform::scaler::mean_and_scale(&values);
        close(
            &format!("mean of {column}"),
            mean,
            &r["mean"][column],
            1e-12,
        );
        close(
            &format!("scale of {column}"),
            scale,
            &r["scale"][column],
            1e-12,
        );
    }
    // The step itself: fitted on train, applied to the first test row.
    let out = run(
        "transform.standard_scaler",
        &[("train", shared(train)), ("test", shared(test))],
        &[],
    );
    let scaled = get::<Table>(&out, "test");
    let first = row(&scaled, 0);
    close("scaled test x", first[0], &r["test_first_scaled"][0], 1e-12);
    close("scaled test y", first[1], &r["test_first_scaled"][1], 1e-12);
}
