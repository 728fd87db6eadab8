//! Known answers from an independent source for the imputer and the encoders:
//! `transform.impute`, `transform.one_hot` and `transform.label_encode` on
//! `nodes/tests/reference/encode_input.csv` (read through `data.load_csv`, as a flow
//! reads it) against scikit-learn's `SimpleImputer`, `OneHotEncoder` and `LabelEncoder`
//! on the same file (`nodes/tests/reference/encode.json`, written by
//! `scripts/sklearn_reference_encode.py`; the file records the command and versions).
//!
//! Tolerance: none — every check is exact equality. A fill value is a mean (one sum of
//! a few numbers, divided once: both sides round the same), a median (a middle value,
//! or the sum of the middle two halved), a value of the column or a constant; one-hot
//! cells are 0 and 1; classes and codes are text and integers.
//! The frame is fitted and transformed whole (scikit-learn's `fit_transform`), so no
//! split is involved; both tables of each step get it.

mod common;

use common::*;
use pipewright_engine::{ArtifactArc, Value};
use pipewright_nodes::Table;
use pipewright_nodes::polars::prelude::*;
use serde_json::Value as Json;

fn reference() -> Json {
    let path = repo_root().join("nodes/tests/reference/encode.json");
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn input() -> ArtifactArc {
    let out = run(
        "data.load_csv",
        &[],
        &[("path", text("nodes/tests/reference/encode_input.csv"))],
    );
    arc(&out, "table")
}

/// Runs a train/test step with the input on both ports; its `train` output.
fn fit_transform(id: &str, set: &[(&str, Value)]) -> DataFrame {
    let t = input();
    let out = run(id, &[("train", t.clone()), ("test", t)], set);
    get::<Table>(&out, "train").into_df()
}

fn f64s(df: &DataFrame, name: &str) -> Vec<f64> {
    let cast = df.column(name).unwrap().cast(&DataType::Float64).unwrap();
    cast.f64().unwrap().iter().map(|v| v.unwrap()).collect()
}

fn json_f64s(v: &Json) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn json_strings(v: &Json) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn simple_imputer_every_strategy() {
    let r = reference();
    for strategy in ["mean", "median", "most_frequent", "constant"] {
        let df = fit_transform(
            "transform.impute",
            &[("strategy", text(strategy)), ("columns", text("x, y"))],
        );
        for col in ["x", "y"] {
            let theirs = &r["impute"][strategy][col];
            assert_eq!(
                f64s(&df, col),
                json_f64s(&theirs["filled"]),
                "{strategy} {col}"
            );
        }
    }
    for strategy in ["most_frequent", "constant"] {
        let df = fit_transform(
            "transform.impute",
            &[("strategy", text(strategy)), ("columns", text("colour"))],
        );
        let ours: Vec<String> = df
            .column("colour")
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .map(|v| v.unwrap().to_owned())
            .collect();
        let theirs = &r["impute"][strategy]["colour"];
        assert_eq!(ours, json_strings(&theirs["filled"]), "{strategy} colour");
        assert!(ours.contains(&theirs["statistic"].as_str().unwrap().to_owned()));
    }
}

#[test]
fn one_hot_encoder_every_drop() {
    let r = reference();
    for drop in ["none", "first", "if_binary"] {
        let df = fit_transform(
            "transform.one_hot",
            &[("columns", text("size, flag")), ("drop", text(drop))],
        );
        let theirs = &r["one_hot"][drop];
        // scikit-learn names an output `size_L`; ours is `size=L`.
        let names: Vec<String> = json_strings(&theirs["feature_names"])
            .iter()
            .map(|n| n.replacen('_', "=", 1))
            .collect();
        let ours: Vec<String> = df
            .get_column_names()
            .iter()
            .map(|n| n.to_string())
            .filter(|n| n.starts_with("size=") || n.starts_with("flag="))
            .collect();
        assert_eq!(ours, names, "drop = {drop}");
        let matrix: Vec<Vec<f64>> = theirs["matrix"]
            .as_array()
            .unwrap()
            .iter()
            .map(json_f64s)
            .collect();
        for (j, name) in names.iter().enumerate() {
            let column: Vec<f64> = matrix.iter().map(|row| row[j]).collect();
            assert_eq!(f64s(&df, name), column, "drop = {drop}, {name}");
        }
    }
}

#[test]
fn label_encoder_classes_and_codes() {
    let r = reference();
    let df = fit_transform(
        "transform.label_encode",
        &[
            ("column", text("label")),
            ("output", text("labels_and_codes")),
        ],
    );
    let codes: Vec<i64> = df
        .column("label_code")
        .unwrap()
        .i64()
        .unwrap()
        .iter()
        .map(|v| v.unwrap())
        .collect();
    let theirs: Vec<i64> = r["label_encoder"]["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    assert_eq!(codes, theirs);
    // The enum's categories, in code order, are scikit-learn's classes_.
    let label = df.column("label").unwrap();
    let DataType::Enum(categories, _) = label.dtype() else {
        panic!("not an enum: {}", label.dtype())
    };
    let ours: Vec<String> = categories
        .categories()
        .values_iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(ours, json_strings(&r["label_encoder"]["classes"]));
}
