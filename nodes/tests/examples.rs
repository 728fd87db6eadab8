//! The example flows in `examples/`: built here in code (the source of truth for
//! their layout and parameters) and checked against the committed files. This file is
//! about the files' content only; running every example and checking its results is
//! done once, in the end-to-end tests (`tests/examples.rs`).
//!
//! After changing a flow below, rewrite the files with
//! `PIPEWRIGHT_UPDATE_EXAMPLES=1 cargo test -p pipewright-nodes --test examples example_files`.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use pipewright_engine::{Edge, Flow, FlowParam, Node, NodeId, ParamType, ParamValue, Value};

/// Horizontal distance between steps on the canvas.
const DX: f32 = 220.0;
/// Vertical distance between parallel branches.
const DY: f32 = 130.0;

fn node(
    id: u32,
    kind: &str,
    label: &str,
    col: f32,
    row: f32,
    params: &[(&str, ParamValue)],
) -> Node {
    Node {
        id: NodeId(id),
        kind: kind.into(),
        label: label.into(),
        params: params
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect::<BTreeMap<_, _>>(),
        pos: (col * DX, row * DY),
    }
}

fn lit(v: Value) -> ParamValue {
    ParamValue::Lit(v)
}

fn text(s: &str) -> ParamValue {
    lit(Value::Text(s.into()))
}

fn edge(from: u32, out: &str, to: u32, input: &str) -> Edge {
    Edge::new(NodeId(from), out, NodeId(to), input)
}

fn test_fraction_param() -> FlowParam {
    FlowParam {
        name: "test_fraction".into(),
        ty: ParamType::Float {
            min: Some(0.0),
            max: Some(1.0),
        },
        default: Value::Float(0.2),
        help: "share of the rows held out to score the model".into(),
    }
}

/// The load → check → split steps (ids 1–4) both file-based examples start with.
fn load_and_split() -> (Vec<Node>, Vec<Edge>) {
    let nodes = vec![
        node(1, "flow.start", "Start", 0.0, 0.0, &[]),
        node(
            2,
            "data.load_csv",
            "Load dataset",
            1.0,
            0.0,
            &[
                ("path", text("../assets/data/regression_dataset.txt")),
                ("separator", text("tab")),
                ("has_header", lit(Value::Bool(false))),
                ("column_names", text("x,y")),
            ],
        ),
        node(3, "data.check", "Check data", 2.0, 0.0, &[]),
        node(
            4,
            "transform.split",
            "Split",
            3.0,
            0.0,
            &[
                ("test_fraction", ParamValue::Ref("test_fraction".into())),
                ("shuffle", lit(Value::Bool(true))),
                ("seed", lit(Value::Int(42))),
            ],
        ),
    ];
    let edges = vec![
        edge(1, "start", 2, "after"),
        edge(2, "table", 3, "table"),
        edge(3, "table", 4, "table"),
    ];
    (nodes, edges)
}

fn regression() -> Flow {
    let mut flow = Flow::new("regression");
    flow.title = "Linear regression on a CSV file".into();
    flow.description = "Loads the bundled two-column dataset (tab-separated x and y, no \
        header), checks it, holds out a share of the rows, fits ordinary least squares on \
        the rest and scores it on the held-out rows (MSE, RMSE, MAE, R²). Try another \
        test_fraction with Run with parameters…"
        .into();
    flow.parameters.push(test_fraction_param());
    let (mut nodes, mut edges) = load_and_split();
    nodes.extend([
        node(
            5,
            "train.linear_regression",
            "Linear regression",
            4.0,
            0.0,
            &[("target", text("y"))],
        ),
        node(6, "evaluate.predict", "Predict", 5.0, 0.0, &[]),
        node(7, "evaluate.regression_metrics", "Metrics", 6.0, 0.0, &[]),
        node(8, "flow.end", "End", 7.0, 0.0, &[]),
    ]);
    edges.extend([
        edge(4, "train", 5, "train"),
        edge(4, "test", 6, "table"),
        edge(5, "model", 6, "model"),
        edge(6, "predictions", 7, "predictions"),
        edge(7, "metrics", 8, "results"),
    ]);
    flow.nodes = nodes;
    flow.edges = edges;
    flow
}

fn branch_join() -> Flow {
    let mut flow = Flow::new("branch_join");
    flow.title = "Least squares vs ridge: pick the better model".into();
    flow.description = "One split feeds two models trained in parallel branches — \
        ordinary least squares and ridge regression — each scored on the same held-out \
        rows; Select best joins the branches and keeps the model with the lower RMSE."
        .into();
    flow.parameters.push(test_fraction_param());
    let (mut nodes, mut edges) = load_and_split();
    nodes.extend([
        node(
            5,
            "train.linear_regression",
            "Least squares",
            4.0,
            -1.0,
            &[("target", text("y"))],
        ),
        node(
            6,
            "train.ridge",
            "Ridge",
            4.0,
            1.0,
            &[("target", text("y")), ("alpha", lit(Value::Float(1.0)))],
        ),
        node(
            7,
            "evaluate.predict",
            "Predict (least squares)",
            5.0,
            -1.0,
            &[],
        ),
        node(8, "evaluate.predict", "Predict (ridge)", 5.0, 1.0, &[]),
        node(
            9,
            "evaluate.regression_metrics",
            "Metrics (least squares)",
            6.0,
            -1.0,
            &[],
        ),
        node(
            10,
            "evaluate.regression_metrics",
            "Metrics (ridge)",
            6.0,
            1.0,
            &[],
        ),
        node(
            11,
            "evaluate.select_best",
            "Select best",
            7.0,
            0.0,
            &[("metric", text("rmse")), ("goal", text("auto"))],
        ),
        node(12, "flow.end", "End", 8.0, 0.0, &[]),
    ]);
    edges.extend([
        edge(4, "train", 5, "train"),
        edge(4, "train", 6, "train"),
        edge(5, "model", 7, "model"),
        edge(4, "test", 7, "table"),
        edge(6, "model", 8, "model"),
        edge(4, "test", 8, "table"),
        edge(7, "predictions", 9, "predictions"),
        edge(8, "predictions", 10, "predictions"),
        edge(9, "metrics", 11, "candidates"),
        edge(10, "metrics", 11, "candidates"),
        edge(11, "best", 12, "results"),
        edge(11, "model", 12, "results"),
    ]);
    flow.nodes = nodes;
    flow.edges = edges;
    flow
}

fn synthetic() -> Flow {
    let mut flow = Flow::new("synthetic");
    flow.title = "Elastic net on generated data".into();
    flow.description = "Generates a table with a known relation (y = 1 + 2·(x1 + x2 + x3) \
        + noise), standardises the features with statistics of the training rows, fits an \
        elastic net and scores it. Change rows and noise with Run with parameters… to see \
        how the fit and the run time respond."
        .into();
    flow.parameters.push(FlowParam {
        name: "rows".into(),
        ty: ParamType::Int {
            min: Some(10),
            max: Some(100_000_000),
        },
        default: Value::Int(10_000),
        help: "rows to generate".into(),
    });
    flow.parameters.push(FlowParam {
        name: "noise".into(),
        ty: ParamType::Float {
            min: Some(0.0),
            max: None,
        },
        default: Value::Float(1.0),
        help: "standard deviation of the noise added to y".into(),
    });
    flow.nodes = vec![
        node(1, "flow.start", "Start", 0.0, 0.0, &[]),
        node(
            2,
            "data.synthetic_regression",
            "Generate data",
            1.0,
            0.0,
            &[
                ("rows", ParamValue::Ref("rows".into())),
                ("features", lit(Value::Int(3))),
                ("slope", lit(Value::Float(2.0))),
                ("intercept", lit(Value::Float(1.0))),
                ("noise", ParamValue::Ref("noise".into())),
                ("seed", lit(Value::Int(7))),
            ],
        ),
        node(
            3,
            "transform.split",
            "Split",
            2.0,
            0.0,
            &[
                ("test_fraction", lit(Value::Float(0.25))),
                ("seed", lit(Value::Int(42))),
            ],
        ),
        node(
            4,
            "transform.standard_scaler",
            "Standardise",
            3.0,
            0.0,
            &[("exclude", text("y"))],
        ),
        node(
            5,
            "train.elastic_net",
            "Elastic net",
            4.0,
            0.0,
            &[
                ("target", text("y")),
                ("alpha", lit(Value::Float(0.05))),
                ("l1_ratio", lit(Value::Float(0.5))),
            ],
        ),
        node(6, "evaluate.predict", "Predict", 5.0, 0.0, &[]),
        node(7, "evaluate.regression_metrics", "Metrics", 6.0, 0.0, &[]),
        node(8, "flow.end", "End", 7.0, 0.0, &[]),
    ];
    flow.edges = vec![
        edge(1, "start", 2, "after"),
        edge(2, "table", 3, "table"),
        edge(3, "train", 4, "train"),
        edge(3, "test", 4, "test"),
        edge(4, "train", 5, "train"),
        edge(5, "model", 6, "model"),
        edge(4, "test", 6, "table"),
        edge(6, "predictions", 7, "predictions"),
        edge(7, "metrics", 8, "results"),
    ];
    flow
}

fn int(v: i64) -> ParamValue {
    lit(Value::Int(v))
}

fn float(v: f64) -> ParamValue {
    lit(Value::Float(v))
}

fn flag(v: bool) -> ParamValue {
    lit(Value::Bool(v))
}

fn finance_sentiment() -> Flow {
    let mut flow = Flow::new("finance_sentiment");
    flow.title = "Finance news sentiment: TF-IDF with two classifiers".into();
    flow.description = "The course's running example. Loads labelled finance-news \
        sentences (JSON lines: sentence, label), checks that no sentence is empty and every \
        label is positive, negative or neutral, holds out a fifth of the rows with the \
        classes' proportions kept, fits a TF-IDF vectoriser (words and word pairs) on the \
        training sentences only, trains logistic regression and multinomial naive Bayes in \
        parallel branches, scores both on the held-out sentences (confusion matrix, ROC, \
        per-class F1) and keeps the better one by macro F1. Before the model may be \
        bundled and served it must pass a gate (macro F1 at least 0.9) and a behaviour test \
        (eleven clear-cut sentences it must classify right)."
        .into();
    flow.parameters.push(test_fraction_param());
    flow.nodes = vec![
        node(1, "flow.start", "Start", 0.0, 0.0, &[]),
        node(
            2,
            "data.load_jsonl",
            "Load sentences",
            1.0,
            0.0,
            &[("path", text("../assets/data/finance_sentences.jsonl"))],
        ),
        node(
            3,
            "data.check",
            "Check sentences",
            2.0,
            0.0,
            &[
                ("require_numeric", flag(false)),
                (
                    "expect",
                    text(
                        "sentence not empty; label in {positive, negative, neutral}; \
                         label balance [0.05, 0.9]",
                    ),
                ),
            ],
        ),
        node(
            4,
            "transform.split",
            "Stratified split",
            3.0,
            0.0,
            &[
                ("test_fraction", ParamValue::Ref("test_fraction".into())),
                ("seed", int(42)),
                ("stratify", text("label")),
            ],
        ),
        node(
            5,
            "transform.tfidf",
            "TF-IDF",
            4.0,
            0.0,
            &[
                ("column", text("sentence")),
                ("ngram_max", int(2)),
                ("min_df", float(2.0)),
                ("sublinear_tf", flag(true)),
            ],
        ),
        node(
            6,
            "train.logistic_regression",
            "Logistic regression",
            5.0,
            -1.0,
            &[("target", text("label")), ("C", float(10.0))],
        ),
        node(
            7,
            "train.multinomial_nb",
            "Naive Bayes",
            5.0,
            1.0,
            &[("target", text("label")), ("alpha", float(0.1))],
        ),
        node(
            8,
            "evaluate.predict_classes",
            "Predict (logistic)",
            6.0,
            -1.0,
            &[],
        ),
        node(
            9,
            "evaluate.predict_classes",
            "Predict (naive Bayes)",
            6.0,
            1.0,
            &[],
        ),
        node(
            10,
            "evaluate.classification_metrics",
            "Metrics (logistic)",
            7.0,
            -1.0,
            &[],
        ),
        node(
            11,
            "evaluate.classification_metrics",
            "Metrics (naive Bayes)",
            7.0,
            1.0,
            &[],
        ),
        node(
            12,
            "evaluate.select_best_classifier",
            "Best by macro F1",
            8.0,
            0.0,
            &[("metric", text("f1_macro")), ("goal", text("auto"))],
        ),
        node(
            14,
            "data.load_jsonl",
            "Load behaviour cases",
            4.0,
            2.0,
            &[("path", text("../assets/data/finance_behaviour.jsonl"))],
        ),
        node(15, "transform.apply", "TF-IDF of the cases", 5.0, 2.0, &[]),
        node(
            16,
            "evaluate.gate",
            "Gate: macro F1 ≥ 0.9",
            9.0,
            -1.0,
            &[
                ("metric", text("f1_macro")),
                ("must_be", text("at least")),
                ("threshold", float(0.9)),
            ],
        ),
        node(
            17,
            "evaluate.behaviour",
            "Behaviour test",
            9.0,
            1.0,
            &[
                ("expected", text("expected")),
                ("tolerance", float(0.0)),
                ("show", text("sentence")),
            ],
        ),
        node(13, "flow.end", "End", 10.0, 0.0, &[]),
    ];
    flow.edges = vec![
        edge(1, "start", 2, "after"),
        edge(2, "table", 3, "table"),
        edge(3, "table", 4, "table"),
        edge(4, "train", 5, "train"),
        edge(4, "test", 5, "test"),
        edge(5, "fitted", 15, "fitted"),
        edge(14, "table", 15, "table"),
        edge(12, "best", 16, "metrics"),
        edge(12, "classifier", 17, "model"),
        edge(15, "table", 17, "cases"),
        edge(16, "verdict", 13, "results"),
        edge(17, "verdict", 13, "results"),
        edge(5, "train", 6, "train"),
        edge(5, "train", 7, "train"),
        edge(6, "classifier", 8, "classifier"),
        edge(5, "test", 8, "table"),
        edge(7, "classifier", 9, "classifier"),
        edge(5, "test", 9, "table"),
        edge(8, "predictions", 10, "predictions"),
        edge(9, "predictions", 11, "predictions"),
        edge(10, "metrics", 12, "candidates"),
        edge(11, "metrics", 12, "candidates"),
        edge(12, "best", 13, "results"),
        edge(12, "classifier", 13, "results"),
    ];
    flow
}

/// Start → load a bundled CSV → check it → stratified split (ids 1–4).
fn load_check_split(
    path: &str,
    label: &str,
    expect: &str,
    test_fraction: f64,
) -> (Vec<Node>, Vec<Edge>) {
    let nodes = vec![
        node(1, "flow.start", "Start", 0.0, 0.0, &[]),
        node(
            2,
            "data.load_csv",
            "Load dataset",
            1.0,
            0.0,
            &[("path", text(path))],
        ),
        node(
            3,
            "data.check",
            "Check data",
            2.0,
            0.0,
            &[("require_numeric", flag(false)), ("expect", text(expect))],
        ),
        node(
            4,
            "transform.split",
            "Stratified split",
            3.0,
            0.0,
            &[
                ("test_fraction", float(test_fraction)),
                ("seed", int(42)),
                ("stratify", text(label)),
            ],
        ),
    ];
    let edges = vec![
        edge(1, "start", 2, "after"),
        edge(2, "table", 3, "table"),
        edge(3, "table", 4, "table"),
    ];
    (nodes, edges)
}

/// One branch of [`compare_classifiers`]: (id, kind, label, row, params).
type Branch<'a> = (u32, &'a str, &'a str, f32, Vec<(&'a str, ParamValue)>);

/// For each (id, kind, label, params) model at row `row`: train on `train_from`'s
/// train output, predict `test_from`'s test output, score; then select the best by
/// `metric` and end. Ids: models as given, predictions +10, metrics +20.
fn compare_classifiers(
    nodes: &mut Vec<Node>,
    edges: &mut Vec<Edge>,
    data_from: u32,
    col: f32,
    models: &[Branch<'_>],
    metric: &str,
) {
    for (id, kind, label, row, params) in models {
        // "Naive Bayes" → "naive Bayes": only the first letter is lowered.
        let mut chars = label.chars();
        let short: String = chars
            .next()
            .map(|c| c.to_lowercase().chain(chars).collect())
            .unwrap_or_default();
        nodes.push(node(*id, kind, label, col, *row, params));
        nodes.push(node(
            id + 10,
            "evaluate.predict_classes",
            &format!("Predict ({short})"),
            col + 1.0,
            *row,
            &[],
        ));
        nodes.push(node(
            id + 20,
            "evaluate.classification_metrics",
            &format!("Metrics ({short})"),
            col + 2.0,
            *row,
            &[],
        ));
        edges.push(edge(data_from, "train", *id, "train"));
        edges.push(edge(*id, "classifier", id + 10, "classifier"));
        edges.push(edge(data_from, "test", id + 10, "table"));
        edges.push(edge(id + 10, "predictions", id + 20, "predictions"));
        edges.push(edge(id + 20, "metrics", 40, "candidates"));
    }
    nodes.push(node(
        40,
        "evaluate.select_best_classifier",
        "Select best",
        col + 3.0,
        0.0,
        &[("metric", text(metric)), ("goal", text("auto"))],
    ));
    nodes.push(node(41, "flow.end", "End", col + 4.0, 0.0, &[]));
    edges.push(edge(40, "best", 41, "results"));
    edges.push(edge(40, "classifier", 41, "results"));
}

fn iris() -> Flow {
    let mut flow = Flow::new("iris");
    flow.title = "Iris: three classifiers on three species".into();
    flow.description = "Fisher's iris measurements (150 flowers, 3 species, the copy \
        scikit-learn ships): checks the species labels and their balance, holds out 30 % \
        with each species' share kept, then trains multinomial logistic regression, a \
        decision tree and a random forest side by side, scores each on the held-out \
        flowers (confusion matrix, one-vs-rest ROC per species) and keeps the best by \
        macro F1."
        .into();
    let (mut nodes, mut edges) = load_check_split(
        "../assets/data/iris.csv",
        "species",
        "species in {setosa, versicolor, virginica}; species balance [0.2, 0.5]; \
         petal_length in [0, 10]",
        0.3,
    );
    compare_classifiers(
        &mut nodes,
        &mut edges,
        4,
        4.0,
        &[
            (
                5,
                "train.logistic_regression",
                "Logistic regression",
                -1.0,
                vec![
                    ("target", text("species")),
                    ("C", float(1.0)),
                    ("max_iter", int(1000)),
                ],
            ),
            (
                6,
                "train.decision_tree",
                "Decision tree",
                0.0,
                vec![
                    ("target", text("species")),
                    ("max_depth", int(3)),
                    ("seed", int(0)),
                ],
            ),
            (
                7,
                "train.random_forest",
                "Random forest",
                1.0,
                vec![
                    ("target", text("species")),
                    ("n_trees", int(100)),
                    ("seed", int(0)),
                ],
            ),
        ],
        "f1_macro",
    );
    flow.nodes = nodes;
    flow.edges = edges;
    flow
}

fn breast_cancer() -> Flow {
    let mut flow = Flow::new("breast_cancer");
    flow.title = "Breast cancer: a binary classifier and its ROC curve".into();
    flow.description = "The Wisconsin diagnostic breast cancer data (569 tumours, 30 \
        measurements, malignant or benign; the copy scikit-learn ships): a stratified \
        split, features standardised with the training rows' statistics, then logistic \
        regression and Gaussian naive Bayes scored on the held-out tumours — ROC curve and \
        AUC, precision–recall, confusion matrix — and the better one kept by ROC AUC."
        .into();
    let (mut nodes, mut edges) = load_check_split(
        "../assets/data/breast_cancer.csv",
        "diagnosis",
        "diagnosis in {malignant, benign}; mean_radius in [0, 100]",
        0.25,
    );
    nodes.push(node(
        8,
        "transform.standard_scaler",
        "Standardise",
        4.0,
        0.0,
        &[("exclude", text("diagnosis"))],
    ));
    edges.push(edge(4, "train", 8, "train"));
    edges.push(edge(4, "test", 8, "test"));
    compare_classifiers(
        &mut nodes,
        &mut edges,
        8,
        5.0,
        &[
            (
                5,
                "train.logistic_regression",
                "Logistic regression",
                -1.0,
                vec![("target", text("diagnosis")), ("C", float(1.0))],
            ),
            (
                6,
                "train.gaussian_nb",
                "Naive Bayes",
                1.0,
                vec![("target", text("diagnosis"))],
            ),
        ],
        "roc_auc",
    );
    flow.nodes = nodes;
    flow.edges = edges;
    flow
}

fn clusters() -> Flow {
    let mut flow = Flow::new("clusters");
    flow.title = "Clusters: k-means on iris, seen through PCA".into();
    flow.description = "Unsupervised: k-means finds 3 clusters in iris's four \
        measurements without looking at the species (inertia and silhouette score as \
        metrics), PCA projects the flowers onto their two main directions, and two \
        scatter plots show the same 2-D view coloured by cluster and by the species the \
        clusters did not see."
        .into();
    let features = "sepal_length,sepal_width,petal_length,petal_width";
    flow.nodes = vec![
        node(1, "flow.start", "Start", 0.0, 0.0, &[]),
        node(
            2,
            "data.load_csv",
            "Load iris",
            1.0,
            0.0,
            &[("path", text("../assets/data/iris.csv"))],
        ),
        node(
            3,
            "train.kmeans",
            "k-means",
            2.0,
            0.0,
            &[
                ("k", int(3)),
                ("features", text(features)),
                ("n_init", int(10)),
                ("seed", int(0)),
            ],
        ),
        node(
            4,
            "transform.pca",
            "PCA",
            3.0,
            0.0,
            &[("n_components", int(2)), ("columns", text(features))],
        ),
        node(
            5,
            "evaluate.scatter",
            "By cluster",
            4.0,
            -1.0,
            &[
                ("x", text("pc1")),
                ("y", text("pc2")),
                ("color", text("cluster")),
            ],
        ),
        node(
            6,
            "evaluate.scatter",
            "By species",
            4.0,
            1.0,
            &[
                ("x", text("pc1")),
                ("y", text("pc2")),
                ("color", text("species")),
            ],
        ),
        node(7, "flow.end", "End", 5.0, 0.0, &[]),
    ];
    flow.edges = vec![
        edge(1, "start", 2, "after"),
        edge(2, "table", 3, "table"),
        edge(3, "table", 4, "table"),
        edge(4, "table", 5, "table"),
        edge(4, "table", 6, "table"),
        edge(3, "clusters", 7, "results"),
        edge(5, "plot", 7, "results"),
        edge(6, "plot", 7, "results"),
    ];
    flow
}

fn ridge_sweep() -> Flow {
    let mut flow = Flow::new("ridge_sweep");
    flow.title = "Tuning ridge: one run, eight alphas in parallel".into();
    flow.description = "The tuning story of a course on ML projects, in one run: a Foreach \
        varies ridge's alpha over eight values from 0.001 to 10,000 (evenly on a log \
        scale); each value is a task of the run with its own model, predictions and \
        metrics, run in parallel on the shared split. Collect gathers every task's scores \
        into one table (plotted as RMSE against alpha) and Select best keeps the model \
        with the lowest RMSE, saying which alpha won."
        .into();
    flow.parameters.push(test_fraction_param());
    let (mut nodes, mut edges) = load_and_split();
    nodes.extend([
        node(
            5,
            "train.ridge",
            "Ridge",
            4.0,
            0.0,
            &[("target", text("y")), ("alpha", lit(Value::Float(1.0)))],
        ),
        node(6, "evaluate.predict", "Predict", 5.0, 0.0, &[]),
        node(7, "evaluate.regression_metrics", "Metrics", 6.0, 0.0, &[]),
        node(8, "flow.collect", "Collect", 7.0, -0.5, &[]),
        node(
            9,
            "evaluate.select_best",
            "Select best",
            7.0,
            0.5,
            &[("metric", text("rmse"))],
        ),
        node(10, "flow.end", "End", 8.0, 0.0, &[]),
        node(
            11,
            "flow.foreach",
            "Foreach alpha",
            4.0,
            -1.0,
            &[("over", text("Ridge.alpha = log(0.001, 10000, 8)"))],
        ),
    ]);
    edges.extend([
        edge(4, "train", 5, "train"),
        edge(4, "test", 6, "table"),
        edge(5, "model", 6, "model"),
        edge(6, "predictions", 7, "predictions"),
        edge(7, "metrics", 8, "results"),
        edge(7, "metrics", 9, "candidates"),
        edge(8, "collection", 10, "results"),
        edge(9, "best", 10, "results"),
    ]);
    flow.nodes = nodes;
    flow.edges = edges;
    flow
}

fn cross_validation() -> Flow {
    let mut flow = Flow::new("cross_validation");
    flow.title = "Five-fold cross-validation of linear regression".into();
    flow.description = "Cross-validation as a foreach over folds: K-fold split cuts the \
        bundled dataset into five folds (scikit-learn's KFold rows, shuffled with seed \
        42); each fold is a task that fits least squares on the other four and scores it \
        on its own; Collect reports each metric's mean and standard deviation over the \
        folds."
        .into();
    flow.nodes = vec![
        node(1, "flow.start", "Start", 0.0, 0.0, &[]),
        node(
            2,
            "data.load_csv",
            "Load dataset",
            1.0,
            0.0,
            &[
                ("path", text("../assets/data/regression_dataset.txt")),
                ("separator", text("tab")),
                ("has_header", lit(Value::Bool(false))),
                ("column_names", text("x,y")),
            ],
        ),
        node(
            3,
            "transform.kfold",
            "K-fold split",
            2.0,
            0.0,
            &[
                ("k", lit(Value::Int(5))),
                ("shuffle", lit(Value::Bool(true))),
                ("seed", lit(Value::Int(42))),
            ],
        ),
        node(
            4,
            "train.linear_regression",
            "Linear regression",
            3.0,
            0.0,
            &[("target", text("y"))],
        ),
        node(5, "evaluate.predict", "Predict", 4.0, 0.0, &[]),
        node(6, "evaluate.regression_metrics", "Metrics", 5.0, 0.0, &[]),
        node(7, "flow.collect", "Cross-validation", 6.0, 0.0, &[]),
        node(
            8,
            "flow.foreach",
            "Foreach fold",
            2.0,
            -1.0,
            &[("over", text("K-fold split.fold = folds"))],
        ),
    ];
    flow.edges = vec![
        edge(1, "start", 2, "after"),
        edge(2, "table", 3, "table"),
        edge(3, "train", 4, "train"),
        edge(3, "test", 5, "table"),
        edge(4, "model", 5, "model"),
        edge(5, "predictions", 6, "predictions"),
        edge(6, "metrics", 7, "results"),
    ];
    flow
}

fn examples_dir() -> PathBuf {
    common::repo_root().join("examples")
}

fn examples() -> Vec<(&'static str, Flow)> {
    vec![
        ("regression.ron", regression()),
        ("branch_join.ron", branch_join()),
        ("synthetic.ron", synthetic()),
        ("finance_sentiment.ron", finance_sentiment()),
        ("iris.ron", iris()),
        ("breast_cancer.ron", breast_cancer()),
        ("clusters.ron", clusters()),
        ("ridge_sweep.ron", ridge_sweep()),
        ("cross_validation.ron", cross_validation()),
    ]
}

#[test]
fn example_files_are_the_flows_built_here() {
    let update = std::env::var_os("PIPEWRIGHT_UPDATE_EXAMPLES").is_some();
    for (file, flow) in examples() {
        let path = examples_dir().join(file);
        if update {
            flow.save(&path).unwrap();
        }
        let on_disk = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e} (write it with PIPEWRIGHT_UPDATE_EXAMPLES=1)",
                path.display()
            )
        });
        assert_eq!(
            on_disk,
            flow.to_ron().unwrap(),
            "{} differs from the flow built in nodes/tests/examples.rs; rewrite it with \
             PIPEWRIGHT_UPDATE_EXAMPLES=1 (or update the code)",
            path.display()
        );
    }
}
