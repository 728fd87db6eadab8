//! The classification views in the editor, driven through egui_kittest: a flow of the
//! real catalogue's kinds (load a CSV → predict classes → classification metrics)
//! whose classifier comes from a test-only step (a fixed logistic model), run from
//! the editor; then the confusion matrix's labels and its counts / row-normalised
//! toggle, the ROC legend with the AUC, the per-class table and the class balance
//! chart are checked as a user sees them, and two runs are compared.
//!
//! ```text
//!   Load (x, label) ──table──────▶ Classify ──▶ Classification metrics
//!   Fixed classifier ─classifier─┘
//! ```

use std::collections::BTreeMap;

use egui::{Key, Modifiers};
use egui_kittest::kittest::Queryable;
use pipewright::gui::CenterView;
use pipewright_engine::{
    Category, Edge, Flow, FlowParam, Inputs, KindDescriptor, Node, NodeId, NodeKind, Outputs,
    ParamSpec, ParamType, ParamValue, Params, PortSpec, Registry, RunStatus, StepContext,
    StepError, Value,
};
use pipewright_nodes::artifacts::classifier::{ClassifierState, LinearState, Link};
use pipewright_nodes::artifacts::{CLASSIFIER, Classifier};
use pipewright_nodes::features::{FeatureColumn, FeatureSpec};

use crate::gui_rig::Rig;

/// A classifier that learns nothing: P(pos) = σ(weight · x), classes neg and pos.
struct FixedClassifier(KindDescriptor);

impl FixedClassifier {
    fn new() -> Self {
        Self(KindDescriptor {
            id: "test.fixed_classifier",
            version: 1,
            category: Category::new("Train", 30),
            title: "Fixed classifier",
            doc: "A logistic model with a given weight on x (tests only).",
            inputs: vec![],
            outputs: vec![PortSpec::new("classifier", CLASSIFIER, "the model")],
            params: vec![ParamSpec::new(
                "weight",
                ParamType::Float {
                    min: None,
                    max: None,
                },
                Value::Float(1.0),
                "the weight on x",
            )],
        })
    }
}

impl NodeKind for FixedClassifier {
    fn descriptor(&self) -> &KindDescriptor {
        &self.0
    }
    fn run(&self, _: &mut StepContext<'_>, _: &Inputs, p: &Params) -> Result<Outputs, StepError> {
        let classifier = Classifier {
            algorithm: "fixed".into(),
            features: FeatureSpec {
                columns: vec![FeatureColumn {
                    name: "x".into(),
                    vector_dim: None,
                }],
                names: vec!["x".into()],
            },
            target: "label".into(),
            classes: vec!["neg".into(), "pos".into()],
            hyper: BTreeMap::from([("weight".to_owned(), p.float("weight")?)]),
            state: ClassifierState::Linear(LinearState {
                coef: vec![vec![p.float("weight")?]],
                intercept: vec![0.0],
                link: Link::Logistic,
            }),
        };
        Ok(Outputs::new().with("classifier", classifier))
    }
}

fn registry() -> Registry {
    let mut r = pipewright_nodes::registry();
    r.register(FixedClassifier::new());
    r
}

/// Nine labelled rows. With weight 1 (positive x → pos): actual neg predicted
/// [neg 3, pos 1], actual pos [neg 1, pos 4] (accuracy 7/9); ROC AUC of pos: 18 of
/// the 20 (pos, neg) pairs in order, 0.9.
const DATA: &str =
    "x,label\n-2,neg\n-1,neg\n-0.5,pos\n0.5,pos\n1,pos\n2,pos\n3,pos\n-0.2,neg\n0.3,neg\n";

/// A number as the editor shows it (four decimals, trailing zeros cut).
fn shown(x: f64) -> String {
    let s = format!("{x:.4}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

const LOAD: NodeId = NodeId(1);
const MODEL: NodeId = NodeId(2);
const PREDICT: NodeId = NodeId(3);
const METRICS: NodeId = NodeId(4);

fn node(id: NodeId, kind: &str, label: &str, x: f32, params: &[(&str, ParamValue)]) -> Node {
    Node {
        id,
        kind: kind.into(),
        label: label.into(),
        params: params
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect(),
        pos: (x, 0.0),
    }
}

/// The flow of the module doc, the weight a flow parameter (default 1).
fn flow() -> Flow {
    let mut flow = Flow::new("classification");
    flow.parameters.push(FlowParam {
        name: "weight".into(),
        ty: ParamType::Float {
            min: None,
            max: None,
        },
        default: Value::Float(1.0),
        help: String::new(),
    });
    let lit = |s: &str| ParamValue::Lit(Value::Text(s.into()));
    flow.nodes = vec![
        node(
            LOAD,
            "data.load_csv",
            "Load",
            0.0,
            &[("path", lit("labels.csv"))],
        ),
        node(
            MODEL,
            "test.fixed_classifier",
            "Classifier",
            0.0,
            &[("weight", ParamValue::Ref("weight".into()))],
        ),
        node(PREDICT, "evaluate.predict_classes", "Predict", 260.0, &[]),
        node(
            METRICS,
            "evaluate.classification_metrics",
            "Metrics",
            520.0,
            &[],
        ),
    ];
    flow.nodes[1].pos = (0.0, 160.0);
    flow.edges = vec![
        Edge::new(LOAD, "table", PREDICT, "table"),
        Edge::new(MODEL, "classifier", PREDICT, "classifier"),
        Edge::new(PREDICT, "predictions", METRICS, "predictions"),
    ];
    flow
}

/// An editor on the flow (saved beside its data), `weights` seeded as runs.
fn rig(weights: &[f64]) -> Rig {
    let flow = flow();
    let builder = Rig::builder(registry());
    std::fs::write(builder.dir().join("labels.csv"), DATA).unwrap();
    let path = builder.dir().join("classification.ron");
    flow.save(&path).unwrap();
    let base = builder.dir().to_owned();
    builder
        .size(1600.0, 1100.0)
        .seed_runs(
            &flow,
            &base,
            weights
                .iter()
                .map(|w| [("weight".to_owned(), Value::Float(*w))].into()),
        )
        .open(&path)
        .build()
}

#[test]
fn confusion_matrix_roc_legend_and_class_balance_are_shown() {
    let mut rig = rig(&[]);
    assert!(
        rig.app().problems().is_empty(),
        "{:?}",
        rig.app().problems()
    );
    rig.key(Modifiers::NONE, Key::F5);
    assert_eq!(rig.wait_for_run(), RunStatus::Done);
    rig.key(Modifiers::NONE, Key::Home);

    rig.click_node(METRICS);
    // The heat map: its axes, its labels, its counts.
    rig.harness.get_by_label("Confusion matrix");
    rig.harness.get_by_label("actual \\ predicted");
    assert!(
        rig.harness.query_all_by_label("neg").count() >= 2,
        "row and column labels"
    );
    assert!(rig.harness.query_all_by_label("pos").count() >= 2);
    assert!(
        rig.harness.query_all_by_label("3").count() >= 1,
        "a diagonal count"
    );
    assert!(
        rig.harness.query_all_by_label("4").count() >= 1,
        "a diagonal count"
    );
    // Row-normalised: each row's shares (two decimals, unlike every other number).
    assert_eq!(rig.harness.query_all_by_label("0.80").count(), 0);
    rig.harness.get_by_label("Row-normalised").click();
    rig.settle();
    for share in ["0.75", "0.25", "0.20", "0.80"] {
        assert!(
            rig.harness.query_all_by_label(share).count() >= 1,
            "the share {share} is shown"
        );
    }
    rig.harness.get_by_label("0.80");
    rig.harness.get_by_label("0.20");
    rig.harness.get_by_label("Counts").click();
    rig.settle();
    assert_eq!(
        rig.harness.query_all_by_label("0.20").count(),
        0,
        "counts again"
    );
    // The per-class table and the ROC curve, the AUC in its legend.
    rig.harness.get_by_label("Per class");
    rig.harness.get_by_label("ROC curve");
    rig.harness.get_by_label("Precision–recall curve");
    let legend = rig.labels_starting("pos (AUC");
    assert_eq!(
        legend,
        ["pos (AUC 0.900)"],
        "the legend names the class and its AUC"
    );
    let recorded = rig
        .app()
        .run_view()
        .unwrap()
        .record
        .clone()
        .unwrap()
        .metrics();
    assert_eq!(recorded.get("Metrics.accuracy"), Some(&(7.0 / 9.0)));
    assert_eq!(recorded.get("Metrics.roc_auc"), Some(&0.9));

    // The predictions: their table and the class balance chart.
    rig.click_node(PREDICT);
    rig.harness.get_by_label("Class balance");
    rig.harness.get_by_label("p_pos");
}

#[test]
fn comparing_two_classifiers_overlays_roc_curves_and_ranks_accuracy() {
    // Weight 1 sorts the rows well (accuracy 7/9); weight −1 backwards (2/9).
    let mut rig = rig(&[1.0, -1.0]);
    rig.open_runs_tab();
    rig.wait_for_list(2);
    rig.check(0);
    rig.check(1);
    rig.harness.get_by_label("⚖ Compare (2)").click();
    rig.settle();
    assert_eq!(rig.app().center_view(), CenterView::Compare);
    // Accuracy ranks higher-is-better: the 7/9 run is starred, the 2/9 one is not.
    assert!(
        rig.harness
            .query_all_by_label(&format!("★ {}", shown(7.0 / 9.0)))
            .count()
            >= 1
    );
    assert!(
        rig.harness
            .query_by_label(&format!("★ {}", shown(2.0 / 9.0)))
            .is_none()
    );
    // Log loss ranks lower-is-better: the good run's (smaller) loss is starred.
    let [good, bad] = [0, 1].map(|i| rig.runs[i].metrics()["Metrics.log_loss"]);
    assert!(good < bad);
    rig.harness.get_by_label(&format!("★ {}", shown(good)));
    assert!(
        rig.harness
            .query_by_label(&format!("★ {}", shown(bad)))
            .is_none()
    );
    // Both runs' ROC curves on one plot, each named run · class (AUC).
    let id = |i: usize| {
        let id = rig.runs[i].id.clone();
        let parts: Vec<&str> = id.split('-').collect();
        format!("{}-{}", parts[1], parts[2])
    };
    let legend = rig.labels_starting(&id(0));
    assert!(
        legend.contains(&format!("{} · pos (AUC 0.900)", id(0))),
        "{legend:?}"
    );
    let legend = rig.labels_starting(&id(1));
    assert!(
        legend.contains(&format!("{} · pos (AUC 0.100)", id(1))),
        "{legend:?}"
    );
}
