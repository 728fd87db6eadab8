//! Known answers from an independent source: the catalogue's steps on the bundled
//! dataset against scikit-learn's numbers for the same data
//! (`nodes/tests/reference/sklearn_reference.json`, written by
//! `scripts/sklearn_reference.py`; the file records the command and versions).
//!
//! Tolerances (relative):
//! - split: exact (the same rows, in the same order; shuffled splits too, on 1,000 and
//!   1,000,000 rows, and stratified ones on 1,000 and 999);
//! - least squares after a shuffled split: 1e-12;
//! - least squares, ridge and the metrics: 1e-9 — both sides solve the same linear
//!   system directly (QR / Cholesky here, LAPACK there), so only rounding differs;
//! - elastic net: 1e-6 — both run coordinate descent that stops when the duality
//!   gap falls below tol·‖y‖² (tol = 1e-4), so they agree only as far as their
//!   stopping points do;
//! - scaler statistics: 1e-12 — a mean and a standard deviation, summed accurately.
//!
//! Observed (scikit-learn 1.9.1): every value within 1e-12, the elastic net too —
//! linfa's coordinate descent makes the same cyclic passes as scikit-learn's and
//! stops after the same one (69 passes with the correlated features x and x²).

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

/// The bundled dataset as `data.load_csv` reads it (the `table` output).
fn load_bundled() -> pipewright_engine::Outputs {
    run(
        "data.load_csv",
        &[],
        &[
            ("path", text("assets/data/regression_dataset.txt")),
            ("separator", text("tab")),
            ("has_header", Value::Bool(false)),
            ("column_names", text("x,y")),
        ],
    )
}

/// load_csv → check → split (in order, 20 % test), as the reference script does.
fn split() -> (Table, Table) {
    let loaded = load_bundled();
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

/// Fits `kind` on `train`, scores it on `test`, and compares the coefficients,
/// intercept and metrics with the reference entry `r`.
fn check_model(
    kind: &str,
    r: &Json,
    (train, test): (Table, Table),
    features: &[&str],
    set: &[(&str, Value)],
    tolerance: f64,
) {
    let mut params = vec![
        ("target", text("y")),
        ("features", text(&features.join(","))),
    ];
    params.extend(set.iter().cloned());
    let fitted = run(kind, &[("train", shared(train))], &params);
    let model = get::<Model>(&fitted, "model");
    assert_eq!(model.features, features);
    for (i, f) in features.iter().enumerate() {
        close(
            &format!("{kind} coefficient of {f}"),
            model.coefficients[i],
            &r["coefficients"][i],
            tolerance,
        );
    }
    close(
        &format!("{kind} intercept"),
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
            &format!("{kind} {name}"),
            metrics.values[name],
            &r["metrics"][name],
            tolerance,
        );
    }
    assert_eq!(metrics.values["n"], num(&r["metrics"]["n"]));
}

/// The split with a second feature `x_sq` = x·x (computed like numpy: one rounding).
fn split_two_features() -> (Table, Table) {
    let add = |t: Table| {
        let x = pipewright_nodes::columns::f64_values(t.df(), "x").unwrap();
        let sq = x.iter().map(|v| v * v).collect();
        let mut df = t.into_df();
        df.with_column(pipewright_nodes::columns::f64_series("x_sq", sq))
            .unwrap();
        Table::new(df)
    };
    let (train, test) = split();
    (add(train), add(test))
}

const OLS: &str = "train.linear_regression";
const RIDGE: &str = "train.ridge";
const ENET: &str = "train.elastic_net";

fn ridge_params() -> Vec<(&'static str, Value)> {
    vec![("alpha", Value::Float(1.0))]
}

fn enet_params() -> Vec<(&'static str, Value)> {
    vec![
        ("alpha", Value::Float(0.1)),
        ("l1_ratio", Value::Float(0.5)),
    ]
}

#[test]
fn linear_regression_matches_scikit_learn() {
    let r = reference();
    check_model(OLS, &r["linear_regression"], split(), &["x"], &[], 1e-9);
    check_model(
        OLS,
        &r["two_features"]["linear_regression"],
        split_two_features(),
        &["x", "x_sq"],
        &[],
        1e-9,
    );
}

#[test]
fn ridge_matches_scikit_learn() {
    let r = reference();
    check_model(RIDGE, &r["ridge"], split(), &["x"], &ridge_params(), 1e-9);
    check_model(
        RIDGE,
        &r["two_features"]["ridge"],
        split_two_features(),
        &["x", "x_sq"],
        &ridge_params(),
        1e-9,
    );
}

#[test]
fn elastic_net_matches_scikit_learn() {
    let r = reference();
    check_model(
        ENET,
        &r["elastic_net"],
        split(),
        &["x"],
        &enet_params(),
        1e-6,
    );
    // Correlated features: scikit-learn needed 69 passes of coordinate descent.
    check_model(
        ENET,
        &r["two_features"]["elastic_net"],
        split_two_features(),
        &["x", "x_sq"],
        &enet_params(),
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

/// The row numbers of a table's `i` column.
fn row_ids(t: &Table) -> Vec<u64> {
    pipewright_nodes::columns::f64_values(t.df(), "i")
        .unwrap()
        .into_iter()
        .map(|v| v as u64)
        .collect()
}

/// `Σ (k + 1) · rows[k] mod 2^64`, the reference script's checksum of a row order.
fn checksum(rows: &[u64]) -> u64 {
    rows.iter().enumerate().fold(0u64, |acc, (k, r)| {
        acc.wrapping_add((k as u64 + 1).wrapping_mul(*r))
    })
}

/// Splits `df` (with a row-number column `i`) as `train_test_split(…, test_size=0.2,
/// random_state=seed)`, then fits and scores least squares on `x` → `y`.
fn shuffled_split_and_fit(
    df: pipewright_nodes::polars::prelude::DataFrame,
    seed: i64,
    r: &Json,
) -> (Table, Table) {
    let out = run(
        "transform.split",
        &[("table", shared(Table::new(df)))],
        &[
            ("test_fraction", Value::Float(num(&r["test_fraction"]))),
            ("shuffle", Value::Bool(true)),
            ("seed", Value::Int(seed)),
        ],
    );
    let (train, test) = (get::<Table>(&out, "train"), get::<Table>(&out, "test"));
    check_model(
        OLS,
        &r["linear_regression"],
        (train.clone(), test.clone()),
        &["x"],
        &[],
        1e-12,
    );
    (train, test)
}

fn with_row_ids(t: Table) -> pipewright_nodes::polars::prelude::DataFrame {
    let n = t.rows();
    let mut df = t.into_df();
    df.with_column(pipewright_nodes::columns::f64_series(
        "i",
        (0..n).map(|i| i as f64).collect(),
    ))
    .unwrap();
    df
}

#[test]
fn a_shuffled_split_takes_scikit_learns_rows_and_gives_its_fit() {
    let r = &reference()["shuffled"];
    let loaded = load_bundled();
    let df = with_row_ids(get::<Table>(&loaded, "table"));
    let (train, test) = shuffled_split_and_fit(df, r["seed"].as_i64().unwrap(), r);
    let rows = |v: &Json| -> Vec<u64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap())
            .collect()
    };
    assert_eq!(
        row_ids(&test),
        rows(&r["test_rows"]),
        "the same test rows, in order"
    );
    assert_eq!(
        row_ids(&train),
        rows(&r["train_rows"]),
        "the same train rows, in order"
    );
}

#[test]
fn a_shuffled_split_of_a_million_rows_is_scikit_learns_too() {
    let r = &reference()["shuffled_1m"];
    let n = r["rows"].as_u64().unwrap() as i64;
    // The script's formula, in the same exact arithmetic.
    let x: Vec<f64> = (0..n)
        .map(|i| ((i * 7919) % 100_003) as f64 / 1000.0)
        .collect();
    let y: Vec<f64> = (0..n)
        .zip(&x)
        .map(|(i, x)| 2.5 * x + 1.0 + ((i * 104_729) % 1000) as f64 / 1000.0)
        .collect();
    let df = pipewright_nodes::polars::prelude::DataFrame::new(
        n as usize,
        vec![
            pipewright_nodes::columns::f64_series("x", x),
            pipewright_nodes::columns::f64_series("y", y),
        ],
    )
    .unwrap();
    let (train, test) =
        shuffled_split_and_fit(with_row_ids(Table::new(df)), r["seed"].as_i64().unwrap(), r);
    let (train, test) = (row_ids(&train), row_ids(&test));
    let list = |v: &Json| -> Vec<u64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap())
            .collect()
    };
    assert_eq!(test.len() as u64, r["n_test"].as_u64().unwrap());
    assert_eq!(test[..10], list(&r["test_head"])[..]);
    assert_eq!(test[test.len() - 10..], list(&r["test_tail"])[..]);
    assert_eq!(train[..10], list(&r["train_head"])[..]);
    assert_eq!(train[train.len() - 10..], list(&r["train_tail"])[..]);
    assert_eq!(checksum(&test), r["test_checksum"].as_u64().unwrap());
    assert_eq!(checksum(&train), r["train_checksum"].as_u64().unwrap());
}

/// The in-order split with a second feature made from `x` by `f`.
fn split_with(name: &str, f: fn(f64) -> f64) -> (Table, Table) {
    let add = |t: Table| {
        let x = pipewright_nodes::columns::f64_values(t.df(), "x").unwrap();
        let extra = x.iter().map(|v| f(*v)).collect();
        let mut df = t.into_df();
        df.with_column(pipewright_nodes::columns::f64_series(name, extra))
            .unwrap();
        Table::new(df)
    };
    let (train, test) = split();
    (add(train), add(test))
}

#[test]
fn a_rank_deficient_design_gets_scikit_learns_minimum_norm_fit() {
    let r = &reference()["rank_deficient"];
    let doubled = split_with("x2", |x| 2.0 * x);
    check_model(OLS, &r["doubled"], doubled, &["x", "x2"], &[], 1e-9);
    // A constant column's weight is exactly 0 on both sides.
    let constant = split_with("c", |_| 3.0);
    let fitted = run(
        OLS,
        &[("train", shared(constant.0.clone()))],
        &[("target", text("y")), ("features", text("x,c"))],
    );
    assert_eq!(get::<Model>(&fitted, "model").coefficients[1], 0.0);
    assert_eq!(num(&r["constant"]["coefficients"][1]), 0.0);
    check_model(OLS, &r["constant"], constant, &["x", "c"], &[], 1e-9);
}

#[test]
fn a_stratified_split_takes_scikit_learns_rows() {
    use pipewright_nodes::polars::prelude::{Column, DataFrame};
    let cases = reference()["stratified"].as_array().unwrap().clone();
    assert_eq!(cases.len(), 2);
    // The script's label formulas: three imbalanced text classes, then three integer
    // classes of 333 rows each (a tie _approximate_mode breaks with the rng).
    let labels: [Column; 2] = [
        Column::new(
            "label".into(),
            (0..1000i64)
                .map(|i| match (i * 7919) % 13 {
                    0..3 => "negative",
                    3..5 => "positive",
                    _ => "neutral",
                })
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "label".into(),
            (0..999i64).map(|i| (i * 7919) % 3).collect::<Vec<_>>(),
        ),
    ];
    for (r, label) in cases.iter().zip(labels) {
        let n = r["rows"].as_u64().unwrap() as usize;
        let ids = pipewright_nodes::columns::f64_series("i", (0..n).map(|i| i as f64).collect());
        let df = DataFrame::new(n, vec![ids, label]).unwrap();
        let out = run(
            "transform.split",
            &[("table", shared(Table::new(df)))],
            &[
                ("test_fraction", Value::Float(num(&r["test_fraction"]))),
                ("seed", Value::Int(r["seed"].as_i64().unwrap())),
                ("stratify", text("label")),
            ],
        );
        let rows = |v: &Json| -> Vec<u64> {
            v.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_u64().unwrap())
                .collect()
        };
        let what = r["label"].as_str().unwrap();
        assert_eq!(
            row_ids(&get::<Table>(&out, "test")),
            rows(&r["test_rows"]),
            "the same test rows, in order ({what})"
        );
        assert_eq!(
            row_ids(&get::<Table>(&out, "train")),
            rows(&r["train_rows"]),
            "the same train rows, in order ({what})"
        );
    }
}
