//! Known answers for the classification metrics: `evaluate.classification_metrics`
//! against scikit-learn's numbers for the very same predictions
//! (`nodes/tests/reference/metrics.json`, written by
//! `scripts/sklearn_reference_metrics.py`; the file records the command and versions).
//!
//! Cases: breast cancer with logistic regression (binary, probabilities) and with a
//! linear SVM (binary, decision values: no log loss), iris with multinomial logistic
//! regression (three classes, one-vs-rest curves), and finance-like labels with an
//! actual label the classifier never saw (the label set is the union, no log loss).
//! Each model case used scikit-learn's stratified `train_test_split` with a seed on a
//! bundled CSV (`assets/data/breast_cancer.csv`, `iris.csv`), standardised, and its
//! test rows are recorded in the file: our `data.load_csv` → `transform.split`
//! (stratified, the same seed) → `transform.standard_scaler` →
//! `evaluate.predict_classes` with the model's own weights must pick the same rows
//! and predict the same labels.
//!
//! Tolerances:
//! - counts (confusion matrix, supports, `n`), label sets, the number of curve
//!   points and the split's test rows: exact;
//! - every score and every ROC / precision–recall point: 1e-12 relative — the same
//!   sums and quotients of the same counts and scores, only the order of summation
//!   may differ (numpy sums pairwise, so do we);
//! - `evaluate.predict_classes` with the model's own weights on our scaled test rows:
//!   the same predicted labels, and scores within 1e-12 absolute (probabilities) or
//!   1e-12 relative to the value (at least 1; decision values): the scaled features
//!   agree to rounding (the scaler is checked to 1e-12 in `reference.rs`) and the dot
//!   product is summed in another order;
//! - the metrics of those predictions of ours: 1e-9 — the scores that order the ROC
//!   and precision–recall curves differ from scikit-learn's in their last bits.

mod common;

use common::*;
use ndarray::Array2;
use pipewright_engine::Value;
use pipewright_nodes::artifacts::classifier::{ClassifierState, LinearState, Link};
use pipewright_nodes::artifacts::{ClassMetrics, ClassPredictions, Classifier, Table};
use pipewright_nodes::features::{FeatureColumn, FeatureSpec};
use pipewright_nodes::polars::prelude::*;
use serde_json::Value as Json;

fn reference() -> Json {
    let path = repo_root().join("nodes/tests/reference/metrics.json");
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn num(v: &Json) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

fn strings(v: &Json) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

fn numbers(v: &Json) -> Vec<f64> {
    v.as_array().unwrap().iter().map(num).collect()
}

fn matrix(v: &Json) -> Array2<f64> {
    let rows: Vec<Vec<f64>> = v.as_array().unwrap().iter().map(numbers).collect();
    let k = rows.first().map_or(0, Vec::len);
    Array2::from_shape_vec((rows.len(), k), rows.concat()).unwrap()
}

#[track_caller]
fn close(what: &str, ours: f64, theirs: f64, tolerance: f64) {
    let err = (ours - theirs).abs() / theirs.abs().max(f64::MIN_POSITIVE);
    assert!(
        ours == theirs || err <= tolerance,
        "{what}: ours {ours}, scikit-learn {theirs} (relative error {err:e} > {tolerance:e})"
    );
}

/// A classifier with the case's class names and feature names, and its model's
/// weights when it has one.
fn classifier(case: &Json) -> Classifier {
    let model = &case["model"];
    let (width, state) = if model.is_object() {
        let coef: Vec<Vec<f64>> = model["coef"]
            .as_array()
            .unwrap()
            .iter()
            .map(numbers)
            .collect();
        let link = if model["link"] == "logistic" {
            Link::Logistic
        } else {
            Link::Decision
        };
        (
            coef[0].len(),
            LinearState {
                intercept: numbers(&model["intercept"]),
                coef,
                link,
            },
        )
    } else {
        // Predictions made without a model here: weights that are never used.
        (
            1,
            LinearState {
                coef: vec![vec![0.0]],
                intercept: vec![0.0],
                link: Link::Logistic,
            },
        )
    };
    let names: Vec<String> = if case["data"].is_object() {
        strings(&case["data"]["features"])
    } else {
        (0..width).map(|j| format!("f{j}")).collect()
    };
    assert_eq!(names.len(), width, "one weight per feature");
    Classifier {
        algorithm: case["name"].as_str().unwrap().to_owned(),
        features: FeatureSpec {
            columns: names
                .iter()
                .map(|n| FeatureColumn {
                    name: n.clone(),
                    vector_dim: None,
                })
                .collect(),
            names,
        },
        target: case["data"]["target"]
            .as_str()
            .unwrap_or("label")
            .to_owned(),
        classes: strings(&case["classes"]),
        hyper: Default::default(),
        state: ClassifierState::Linear(state),
    }
}

/// The case's exact predictions (scikit-learn's labels and scores).
fn predictions(case: &Json) -> ClassPredictions {
    ClassPredictions::new(
        classifier(case),
        None,
        Some(strings(&case["y_true"])),
        strings(&case["y_pred"]),
        matrix(&case["scores"]),
        case["probabilistic"].as_bool().unwrap(),
    )
    .unwrap()
}

fn metrics_of(case: &Json) -> ClassMetrics {
    let out = run(
        "evaluate.classification_metrics",
        &[("predictions", shared(predictions(case)))],
        &[],
    );
    get::<ClassMetrics>(&out, "metrics")
}

#[test]
fn every_score_agrees_with_scikit_learn() {
    for case in reference()["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let ours = metrics_of(case);
        let theirs = case["metrics"].as_object().unwrap();
        let mut their_names: Vec<&str> = theirs.keys().map(String::as_str).collect();
        their_names.sort_unstable();
        let our_names: Vec<&str> = ours.values.keys().map(String::as_str).collect();
        assert_eq!(our_names, their_names, "{name}: the same scores");
        for (k, v) in theirs {
            close(&format!("{name}: {k}"), ours.values[k], num(v), 1e-12);
        }
    }
}

#[test]
fn confusion_matrix_and_per_class_scores_agree() {
    for case in reference()["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let ours = metrics_of(case);
        let c = &case["confusion"];
        assert_eq!(ours.confusion.labels, strings(&c["labels"]), "{name}");
        let counts: Vec<Vec<u64>> = c["matrix"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r.as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_u64().unwrap())
                    .collect()
            })
            .collect();
        assert_eq!(ours.confusion.counts, counts, "{name}: confusion matrix");
        let p = &case["per_class"];
        for (i, s) in ours.per_class.iter().enumerate() {
            assert_eq!(s.label, p["labels"][i].as_str().unwrap(), "{name}");
            assert_eq!(
                s.support,
                p["support"][i].as_u64().unwrap(),
                "{name}: support"
            );
            let what = |m: &str| format!("{name}: {m} of {}", s.label);
            close(
                &what("precision"),
                s.precision,
                num(&p["precision"][i]),
                1e-12,
            );
            close(&what("recall"), s.recall, num(&p["recall"][i]), 1e-12);
            close(&what("f1"), s.f1, num(&p["f1"][i]), 1e-12);
        }
    }
}

#[test]
fn roc_and_precision_recall_curves_agree_point_for_point() {
    for case in reference()["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let ours = metrics_of(case);
        for (kind, curves, x_key, y_key, area_key) in [
            ("ROC", &ours.roc, "fpr", "tpr", "auc"),
            ("PR", &ours.pr, "recall", "precision", "ap"),
        ] {
            let theirs = case[kind.to_lowercase().as_str()].as_array().unwrap();
            assert_eq!(curves.len(), theirs.len(), "{name}: {kind} curves");
            for (c, t) in curves.iter().zip(theirs) {
                let what = format!("{name}: {kind} of {}", c.class);
                assert_eq!(c.class, t["class"].as_str().unwrap(), "{what}");
                close(&format!("{what}: area"), c.area, num(&t[area_key]), 1e-12);
                let (xs, ys) = (numbers(&t[x_key]), numbers(&t[y_key]));
                assert_eq!(c.points.len(), xs.len(), "{what}: points");
                for (i, p) in c.points.iter().enumerate() {
                    close(&format!("{what}: x of point {i}"), p[0], xs[i], 1e-12);
                    close(&format!("{what}: y of point {i}"), p[1], ys[i], 1e-12);
                }
            }
        }
    }
}

/// The bundled CSV as `data.load_csv` reads it, with a row-number column `i`, split
/// and scaled by our steps as the script did with scikit-learn's.
fn our_test_rows(case: &Json) -> Table {
    let data = &case["data"];
    let loaded = run(
        "data.load_csv",
        &[],
        &[("path", text(data["path"].as_str().unwrap()))],
    );
    let table = get::<Table>(&loaded, "table");
    let n = table.rows() as u64;
    let mut df = table.df().clone();
    df.with_column(Column::new("i".into(), (0..n).collect::<Vec<u64>>()))
        .unwrap();
    let target = data["target"].as_str().unwrap();
    let split = run(
        "transform.split",
        &[("table", shared(Table::new(df)))],
        &[
            (
                "test_fraction",
                Value::Float(num(&reference()["test_size"])),
            ),
            ("seed", Value::Int(reference()["seed"].as_i64().unwrap())),
            ("stratify", text(target)),
        ],
    );
    let scaled = run(
        "transform.standard_scaler",
        &[
            ("train", arc(&split, "train")),
            ("test", arc(&split, "test")),
        ],
        &[("exclude", text(&format!("i,{target}")))],
    );
    get::<Table>(&scaled, "test")
}

#[test]
fn our_steps_on_the_bundled_data_pick_the_same_rows_and_predict_the_same_labels() {
    for case in reference()["cases"].as_array().unwrap() {
        if !case["data"].is_object() {
            continue;
        }
        let name = case["name"].as_str().unwrap();
        let test = our_test_rows(case);
        let out = run(
            "evaluate.predict_classes",
            &[
                ("classifier", shared(classifier(case))),
                ("table", shared(test)),
            ],
            &[("id", text("i"))],
        );
        let p = get::<ClassPredictions>(&out, "predictions");
        let rows: Vec<u64> = p.id().u64().unwrap().into_no_null_iter().collect();
        let theirs: Vec<u64> = case["test_rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_u64().unwrap())
            .collect();
        assert_eq!(rows, theirs, "{name}: the same test rows, in order");
        assert_eq!(
            p.actual().unwrap(),
            strings(&case["y_true"]),
            "{name}: actual"
        );
        assert_eq!(p.predicted(), strings(&case["y_pred"]), "{name}: predicted");
        let theirs = matrix(&case["scores"]);
        let probabilistic = case["probabilistic"].as_bool().unwrap();
        assert_eq!(p.probabilistic(), probabilistic, "{name}");
        for ((i, k), ours) in p.scores().indexed_iter() {
            let t = theirs[[i, k]];
            let scale = if probabilistic { 1.0 } else { t.abs().max(1.0) };
            assert!(
                (ours - t).abs() <= 1e-12 * scale,
                "{name}: score {k} of row {i}: ours {ours}, scikit-learn {t}"
            );
        }
        // Scored from our own predictions, the metrics are scikit-learn's too.
        let ours = run(
            "evaluate.classification_metrics",
            &[("predictions", shared(p))],
            &[],
        );
        let ours = get::<ClassMetrics>(&ours, "metrics");
        for (k, v) in case["metrics"].as_object().unwrap() {
            close(
                &format!("{name}, our scores: {k}"),
                ours.values[k],
                num(v),
                1e-9,
            );
        }
    }
}
