//! Known answers from scikit-learn for the decision tree, random forest, k-NN,
//! k-means and PCA steps, on the bundled iris and breast-cancer tables read by
//! `data.load_csv` (`nodes/tests/reference/trees.json`, written by
//! `scripts/sklearn_reference_trees.py`; the file records the command and versions).
//!
//! The same rows: `transform.split` (test_fraction 0.2, seed 42, stratified by the
//! class) against `train_test_split(..., test_size=0.2, random_state=42, stratify=y)`;
//! the split rows are compared first, exactly.
//!
//! Tolerances:
//! - decision tree and random forest: the same trees. The tree code draws its
//!   feature order from scikit-learn's own splitter stream (`rand_r` seeded by numpy's
//!   `RandomState(seed).randint`), a forest draws each tree's seed and bootstrap rows
//!   from numpy's stream as scikit-learn does, so even tied splits (iris' root:
//!   petal length and petal width separate setosa equally) go the same way. Checked:
//!   the node arrays (feature, child and threshold exactly — both take the midpoint of
//!   the same `f32` values in `f64`) or the node count of every tree, identical
//!   predictions, probabilities to 1e-15 for a tree and 1e-12 for a forest (the mean
//!   of 100 trees' fractions, summed in another order), importances to 1e-12 (sums of
//!   the same weighted impurity decreases, in another order);
//! - k-NN: identical predictions and probabilities to 1e-12 — the same neighbours,
//!   and for distance weights `1/d` with `d` computed by the same formula;
//! - k-means: inertia to 1e-9 relative and the same partition up to relabelling, with
//!   n_init = 10 (both find iris' best optimum) and also with n_init = 1, where the
//!   starts are scikit-learn's own (the same numpy random draws); the silhouette of
//!   our labels against scikit-learn's `silhouette_score` of its labels (the same
//!   partition, so the same score) to 1e-12;
//! - PCA: components, explained variances and scores to 1e-9 — an eigen-decomposition
//!   of the same covariance (Jacobi here, LAPACK there) with scikit-learn's sign rule.

mod common;

use common::*;
use pipewright_engine::Value;
use pipewright_nodes::Table;
use pipewright_nodes::artifacts::classifier::ClassifierState;
use pipewright_nodes::artifacts::{Classifier, Clustering, Fitted, FittedState};
use pipewright_nodes::columns::f64_values;
use serde_json::Value as Json;

fn reference() -> Json {
    let path = repo_root().join("nodes/tests/reference/trees.json");
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn nums(v: &Json) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn texts(v: &Json) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_owned())
        .collect()
}

#[track_caller]
fn close(what: &str, ours: f64, theirs: f64, tolerance: f64) {
    let err = (ours - theirs).abs() / theirs.abs().max(1.0);
    assert!(
        err <= tolerance,
        "{what}: ours {ours}, scikit-learn {theirs} (error {err:e} > {tolerance:e})"
    );
}

/// Relative error (for sums like inertia).
#[track_caller]
fn close_rel(what: &str, ours: f64, theirs: f64, tolerance: f64) {
    let err = (ours - theirs).abs() / theirs.abs().max(f64::MIN_POSITIVE);
    assert!(
        err <= tolerance,
        "{what}: ours {ours}, scikit-learn {theirs} (relative error {err:e} > {tolerance:e})"
    );
}

fn load(file: &str) -> Table {
    let out = run(
        "data.load_csv",
        &[],
        &[("path", text(&format!("assets/data/{file}")))],
    );
    get::<Table>(&out, "table")
}

/// The stratified 80/20 split with seed 42.
fn split(table: &Table, target: &str) -> (Table, Table) {
    let out = run(
        "transform.split",
        &[("table", shared(table.clone()))],
        &[
            ("test_fraction", Value::Float(0.2)),
            ("seed", Value::Int(42)),
            ("stratify", text(target)),
        ],
    );
    (get::<Table>(&out, "train"), get::<Table>(&out, "test"))
}

fn column(t: &Table, name: &str) -> Vec<f64> {
    f64_values(t.df(), name).unwrap()
}

fn labels(t: &Table, name: &str) -> Vec<String> {
    t.df()
        .column(name)
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|v| v.unwrap().to_owned())
        .collect()
}

/// Parameters of a train step from a reference case's hyper-parameters.
fn hyper_params(target: &str, hyper: &Json) -> Vec<(&'static str, Value)> {
    let mut p = vec![("target", text(target))];
    for (k, v) in hyper.as_object().unwrap() {
        let name: &'static str = match k.as_str() {
            "max_depth" => "max_depth",
            "criterion" => "criterion",
            "min_samples_leaf" => "min_samples_leaf",
            "n_estimators" => "n_trees",
            "max_features" => "max_features",
            "n_neighbors" => "k",
            "weights" => "weights",
            "metric" => "metric",
            other => panic!("unmapped hyper-parameter {other}"),
        };
        p.push((
            name,
            match v {
                Json::String(s) => text(s),
                Json::Number(n) => Value::Int(n.as_i64().unwrap()),
                other => panic!("{other}"),
            },
        ));
    }
    p
}

fn fit(kind: &str, train: &Table, target: &str, hyper: &Json, seed: bool) -> Classifier {
    let mut p = hyper_params(target, hyper);
    if seed {
        p.push(("seed", Value::Int(0)));
    }
    let out = run(kind, &[("train", shared(train.clone()))], &p);
    get::<Classifier>(&out, "classifier")
}

fn accuracy(predicted: &[String], actual: &[String]) -> f64 {
    let right = predicted.iter().zip(actual).filter(|(a, b)| a == b).count();
    right as f64 / actual.len() as f64
}

fn predicted(c: &Classifier, test: &Table) -> (Vec<String>, ndarray::Array2<f64>) {
    let s = c.predict_table(test).unwrap();
    let labels = s.predicted.iter().map(|&i| c.classes[i].clone()).collect();
    (labels, s.scores)
}

/// The split rows are scikit-learn's, in its order.
fn check_split(name: &str, train: &Table, test: &Table, r: &Json, features: &[String]) {
    if let Some(rows) = r.get("train_x") {
        for (j, f) in features.iter().enumerate() {
            let theirs: Vec<f64> = rows
                .as_array()
                .unwrap()
                .iter()
                .map(|row| nums(row)[j])
                .collect();
            assert_eq!(column(train, f), theirs, "{name}: train column {f}");
            let theirs: Vec<f64> = r["test_x"]
                .as_array()
                .unwrap()
                .iter()
                .map(|row| nums(row)[j])
                .collect();
            assert_eq!(column(test, f), theirs, "{name}: test column {f}");
        }
    } else {
        assert_eq!(
            column(train, &features[0]),
            nums(&r["train_first"]),
            "{name}"
        );
        assert_eq!(column(test, &features[0]), nums(&r["test_first"]), "{name}");
    }
}

struct Data {
    name: &'static str,
    target: &'static str,
    table: Table,
    train: Table,
    test: Table,
    test_y: Vec<String>,
    reference: Json,
    features: Vec<String>,
}

fn data(name: &'static str, file: &str, target: &'static str) -> Data {
    let all = reference();
    let r = all[name].clone();
    let table = load(file);
    let (train, test) = split(&table, target);
    let features = texts(&r["features"]);
    check_split(name, &train, &test, &r, &features);
    let test_y = labels(&test, target);
    assert_eq!(test_y, texts(&r["test_y"]), "{name}: test labels");
    Data {
        name,
        target,
        table,
        train,
        test,
        test_y,
        reference: r,
        features,
    }
}

fn iris() -> Data {
    data("iris", "iris.csv", "species")
}

fn breast_cancer() -> Data {
    data("breast_cancer", "breast_cancer.csv", "diagnosis")
}

fn check_trees(d: &Data) {
    for case in d.reference["tree"].as_array().unwrap() {
        let what = format!("{} tree {}", d.name, case["hyper"]);
        let c = fit(
            "train.decision_tree",
            &d.train,
            d.target,
            &case["hyper"],
            true,
        );
        assert_eq!(c.classes, texts(&case["classes"]), "{what}");
        let ClassifierState::Tree(t) = &c.state else {
            panic!("{what}: not a tree")
        };
        let feature: Vec<i64> = (0..t.n_nodes())
            .map(|i| {
                if t.is_leaf(i) {
                    -2
                } else {
                    i64::from(t.feature[i])
                }
            })
            .collect();
        let left: Vec<i64> = (0..t.n_nodes())
            .map(|i| {
                if t.is_leaf(i) {
                    -1
                } else {
                    i64::from(t.left[i])
                }
            })
            .collect();
        let threshold: Vec<f64> = (0..t.n_nodes())
            .map(|i| if t.is_leaf(i) { -2.0 } else { t.threshold[i] })
            .collect();
        let theirs_feature: Vec<i64> = case["feature"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64().unwrap())
            .collect();
        let theirs_left: Vec<i64> = case["left"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64().unwrap())
            .collect();
        assert_eq!(feature, theirs_feature, "{what}: split features");
        assert_eq!(left, theirs_left, "{what}: left children");
        assert_eq!(threshold, nums(&case["threshold"]), "{what}: thresholds");
        assert_eq!(t.depth() as i64, case["depth"].as_i64().unwrap(), "{what}");
        assert_eq!(
            t.n_leaves() as i64,
            case["leaves"].as_i64().unwrap(),
            "{what}"
        );
        let (labels, proba) = predicted(&c, &d.test);
        assert_eq!(labels, texts(&case["predicted"]), "{what}: predictions");
        for (i, row) in case["proba"].as_array().unwrap().iter().enumerate() {
            for (k, p) in nums(row).into_iter().enumerate() {
                close(&format!("{what}: proba[{i}][{k}]"), proba[[i, k]], p, 1e-15);
            }
        }
        for (j, imp) in t
            .importances()
            .iter()
            .copied()
            .zip(nums(&case["importances"]))
            .enumerate()
        {
            close(&format!("{what}: importance {j}"), imp.0, imp.1, 1e-12);
        }
        close(
            &format!("{what}: accuracy"),
            accuracy(&labels, &d.test_y),
            case["accuracy"].as_f64().unwrap(),
            1e-15,
        );
    }
}

fn check_forests(d: &Data) {
    for case in d.reference["forest"].as_array().unwrap() {
        let what = format!("{} forest {}", d.name, case["hyper"]);
        let c = fit(
            "train.random_forest",
            &d.train,
            d.target,
            &case["hyper"],
            true,
        );
        let ClassifierState::Forest(f) = &c.state else {
            panic!("{what}: not a forest")
        };
        let nodes: Vec<i64> = f.trees.iter().map(|t| t.n_nodes() as i64).collect();
        let theirs: Vec<i64> = case["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64().unwrap())
            .collect();
        assert_eq!(nodes, theirs, "{what}: nodes per tree");
        let (labels, proba) = predicted(&c, &d.test);
        assert_eq!(labels, texts(&case["predicted"]), "{what}: predictions");
        for (i, row) in case["proba"].as_array().unwrap().iter().enumerate() {
            for (k, p) in nums(row).into_iter().enumerate() {
                close(&format!("{what}: proba[{i}][{k}]"), proba[[i, k]], p, 1e-12);
            }
        }
        for (j, (a, b)) in f
            .importances()
            .into_iter()
            .zip(nums(&case["importances"]))
            .enumerate()
        {
            close(&format!("{what}: importance {j}"), a, b, 1e-12);
        }
        close(
            &format!("{what}: accuracy"),
            accuracy(&labels, &d.test_y),
            case["accuracy"].as_f64().unwrap(),
            1e-15,
        );
    }
}

fn check_knn(d: &Data) {
    for case in d.reference["knn"].as_array().unwrap() {
        let what = format!("{} knn {}", d.name, case["hyper"]);
        let c = fit("train.knn", &d.train, d.target, &case["hyper"], false);
        let (labels, proba) = predicted(&c, &d.test);
        assert_eq!(labels, texts(&case["predicted"]), "{what}: predictions");
        for (i, row) in case["proba"].as_array().unwrap().iter().enumerate() {
            for (k, p) in nums(row).into_iter().enumerate() {
                close(&format!("{what}: proba[{i}][{k}]"), proba[[i, k]], p, 1e-12);
            }
        }
    }
}

#[test]
fn decision_trees_match_scikit_learn() {
    check_trees(&iris());
    check_trees(&breast_cancer());
}

#[test]
fn random_forests_match_scikit_learn() {
    check_forests(&iris());
    check_forests(&breast_cancer());
}

#[test]
fn nearest_neighbours_match_scikit_learn() {
    check_knn(&iris());
    check_knn(&breast_cancer());
}

/// The same partition up to relabelling: a one-to-one map between the label sets.
fn same_partition(ours: &[u32], theirs: &[i64]) -> bool {
    let mut map = std::collections::BTreeMap::new();
    let mut back = std::collections::BTreeMap::new();
    ours.iter()
        .zip(theirs)
        .all(|(a, b)| *map.entry(*a).or_insert(*b) == *b && *back.entry(*b).or_insert(*a) == *a)
}

#[test]
fn kmeans_matches_scikit_learn_on_iris() {
    let d = iris();
    let features = d.features.join(",");
    for case in d.reference["kmeans"].as_array().unwrap() {
        let hyper = &case["hyper"];
        let what = format!("kmeans {hyper}");
        let mut p = vec![
            ("k", Value::Int(3)),
            ("features", text(&features)),
            ("seed", Value::Int(0)),
            ("n_init", Value::Int(hyper["n_init"].as_i64().unwrap())),
        ];
        if let Some(init) = hyper.get("init") {
            p.push(("init", text(init.as_str().unwrap())));
        }
        let out = run("train.kmeans", &[("table", shared(d.table.clone()))], &p);
        let clusters = get::<Clustering>(&out, "clusters");
        let table = get::<Table>(&out, "table");
        let ours: Vec<u32> = table
            .df()
            .column("cluster")
            .unwrap()
            .u32()
            .unwrap()
            .into_no_null_iter()
            .collect();
        let theirs: Vec<i64> = case["labels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64().unwrap())
            .collect();
        assert!(same_partition(&ours, &theirs), "{what}: partitions differ");
        close_rel(
            &format!("{what}: inertia"),
            clusters.inertia,
            case["inertia"].as_f64().unwrap(),
            1e-9,
        );
        close(
            &format!("{what}: silhouette"),
            clusters.silhouette.unwrap(),
            case["silhouette"].as_f64().unwrap(),
            1e-12,
        );
        // The fitted centres label the rows as the step did.
        let fitted = get::<Fitted>(&out, "fitted");
        let again = fitted.apply(&d.table).unwrap();
        assert_eq!(
            again.df().column("cluster").unwrap(),
            table.df().column("cluster").unwrap()
        );
    }
}

fn check_pca(d: &Data) {
    let columns = d.features.join(",");
    for case in d.reference["pca"].as_array().unwrap() {
        let hyper = &case["hyper"];
        let what = format!("{} pca {hyper}", d.name);
        let n = hyper["n_components"].as_i64().unwrap();
        let whiten = hyper.get("whiten").and_then(Json::as_bool).unwrap_or(false);
        let out = run(
            "transform.pca",
            &[("table", shared(d.table.clone()))],
            &[
                ("n_components", Value::Int(n)),
                ("whiten", Value::Bool(whiten)),
                ("columns", text(&columns)),
            ],
        );
        let fitted = get::<Fitted>(&out, "fitted");
        let FittedState::Pca(s) = &fitted.state else {
            panic!("{what}: not PCA state")
        };
        for (c, row) in case["components"].as_array().unwrap().iter().enumerate() {
            for (j, w) in nums(row).into_iter().enumerate() {
                close(
                    &format!("{what}: component {c}[{j}]"),
                    s.components[c][j],
                    w,
                    1e-9,
                );
            }
        }
        for (name, ours) in [
            ("mean", &s.mean),
            ("explained_variance", &s.explained_variance),
            ("explained_variance_ratio", &s.explained_variance_ratio),
        ] {
            for (i, (a, b)) in ours.iter().zip(nums(&case[name])).enumerate() {
                close(&format!("{what}: {name}[{i}]"), *a, b, 1e-9);
            }
        }
        let table = get::<Table>(&out, "table");
        for c in 0..n as usize {
            let ours = column(&table, &format!("pc{}", c + 1));
            for (i, row) in case["scores"].as_array().unwrap().iter().enumerate() {
                close(
                    &format!("{what}: score {i}[{c}]"),
                    ours[i],
                    nums(row)[c],
                    1e-9,
                );
            }
        }
    }
}

#[test]
fn pca_matches_scikit_learn() {
    check_pca(&iris());
    check_pca(&breast_cancer());
}
