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

fn examples_dir() -> PathBuf {
    common::repo_root().join("examples")
}

fn examples() -> Vec<(&'static str, Flow)> {
    vec![
        ("regression.ron", regression()),
        ("branch_join.ron", branch_join()),
        ("synthetic.ron", synthetic()),
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
