//! The Runs tab and the Compare view, driven through egui_kittest: runs are made
//! through the engine into a temporary store, then listed, filtered, sorted, tagged,
//! shown read-only, opened as a new flow, compared and deleted as a user would.

use std::sync::Arc;

use egui_kittest::kittest::Queryable;
use pipewright::gui::{BottomTab, CenterView, Command, DialogResult};
use pipewright_engine::{
    Artifact, ArtifactArc, ArtifactError, ArtifactType, ArtifactView, Category, Edge, Edit,
    Encoding, Flow, FlowParam, Goal, Inputs, KindDescriptor, Metric, Node, NodeId, NodeKind,
    Outputs, ParamSpec, ParamType, ParamValue, Params, PointSet, PortSpec, Registry, RunStatus,
    ScalarsView, SeriesKind, SeriesView, StepContext, StepError, Value, testkit,
};

use crate::gui_rig::Rig;

/// An evaluation result: scalar metrics and the actual/predicted pairs to plot.
#[derive(Debug)]
struct Metrics {
    rmse: f64,
    r2: f64,
    actual: Vec<f64>,
    predicted: Vec<f64>,
}

impl Artifact for Metrics {
    fn type_name(&self) -> &'static str {
        "metrics"
    }
    fn encode(&self) -> Result<(Encoding, Vec<u8>), ArtifactError> {
        let v = serde_json::json!({
            "values": {"rmse": self.rmse, "r2": self.r2, "n": self.actual.len() as f64},
            "actual": self.actual,
            "predicted": self.predicted,
        });
        Ok((Encoding::Json, v.to_string().into_bytes()))
    }
    fn summary(&self) -> String {
        format!("rmse {} · r2 {}", self.rmse, self.r2)
    }
    fn metrics(&self) -> Vec<Metric> {
        vec![
            Metric::new("rmse", self.rmse, Goal::Minimize),
            Metric::new("r2", self.r2, Goal::Maximize),
            Metric::new("n", self.actual.len() as f64, Goal::Neutral),
        ]
    }
    fn views(&self, _max_rows: usize) -> Vec<ArtifactView> {
        let pairs: Vec<[f64; 2]> = self
            .actual
            .iter()
            .zip(&self.predicted)
            .map(|(a, p)| [*a, *p])
            .collect();
        let series = |title: &str, kind, points: Vec<[f64; 2]>| {
            ArtifactView::Series(SeriesView {
                title: title.into(),
                kind,
                x_label: "actual".into(),
                y_label: "predicted".into(),
                sets: vec![PointSet {
                    name: "predictions".into(),
                    points,
                }],
                diagonal: kind == SeriesKind::Scatter,
                total_points: pairs.len() as u64,
            })
        };
        vec![
            ArtifactView::Scalars(ScalarsView {
                title: "Scores".into(),
                items: self.metrics(),
            }),
            series("Predicted vs actual", SeriesKind::Scatter, pairs.clone()),
            series(
                "Residuals",
                SeriesKind::Histogram,
                pairs.iter().map(|p| [p[0] - p[1], 1.0]).collect(),
            ),
        ]
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

fn decode_metrics(_: Encoding, bytes: &[u8]) -> Result<ArtifactArc, ArtifactError> {
    let err = |m: &str| ArtifactError::Decode {
        type_name: "metrics".into(),
        message: m.into(),
    };
    let v: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| err(&e.to_string()))?;
    let nums = |k: &str| -> Vec<f64> {
        v[k].as_array()
            .map(|a| a.iter().filter_map(serde_json::Value::as_f64).collect())
            .unwrap_or_default()
    };
    Ok(Arc::new(Metrics {
        rmse: v["values"]["rmse"].as_f64().ok_or_else(|| err("no rmse"))?,
        r2: v["values"]["r2"].as_f64().ok_or_else(|| err("no r2"))?,
        actual: nums("actual"),
        predicted: nums("predicted"),
    }))
}

/// "Evaluates" a model: the error grows with the test fraction (a known answer), and
/// fails above 0.8 (to make failed runs).
struct Evaluate(KindDescriptor);

impl NodeKind for Evaluate {
    fn descriptor(&self) -> &KindDescriptor {
        &self.0
    }
    fn run(&self, _: &mut StepContext<'_>, _: &Inputs, p: &Params) -> Result<Outputs, StepError> {
        let f = p.float("test_fraction")?;
        if f > 0.8 {
            return Err(StepError::msg(
                "test fraction too large: nothing left to train on",
            ));
        }
        let actual: Vec<f64> = (0..10).map(f64::from).collect();
        let predicted = actual.iter().map(|a| a + f * (a - 4.5) / 4.5).collect();
        Ok(Outputs::new().with(
            "metrics",
            Metrics {
                rmse: f * 2.0,
                r2: 1.0 - f,
                actual,
                predicted,
            },
        ))
    }
}

fn registry() -> Registry {
    let mut r = testkit::registry();
    r.register(Evaluate(KindDescriptor {
        id: "eval",
        version: 1,
        category: Category::new("Evaluate", 40),
        title: "Evaluate",
        doc: "Scores a model.",
        inputs: vec![PortSpec::new("in", testkit::NUMBER, "data").optional()],
        outputs: vec![PortSpec::new("metrics", "metrics", "the scores")],
        params: vec![ParamSpec::new(
            "test_fraction",
            ParamType::Float {
                min: Some(0.0),
                max: Some(1.0),
            },
            Value::Float(0.25),
            "share of rows held out",
        )],
    }));
    r.register_artifact(ArtifactType::new("metrics", decode_metrics));
    r
}

/// `Data (const) → Evaluate`, with a `test_fraction` flow parameter (default 0.25).
fn flow() -> Flow {
    let mut flow = Flow::new("toy-regression");
    flow.parameters.push(FlowParam {
        name: "test_fraction".into(),
        ty: ParamType::Float {
            min: Some(0.0),
            max: Some(1.0),
        },
        default: Value::Float(0.25),
        help: String::new(),
    });
    flow.nodes.push(Node {
        id: NodeId(1),
        kind: "const".into(),
        label: "Data".into(),
        params: [("value".into(), ParamValue::Lit(Value::Float(1.0)))].into(),
        pos: (0.0, 0.0),
    });
    flow.nodes.push(Node {
        id: NodeId(2),
        kind: "eval".into(),
        label: "Evaluate".into(),
        params: [(
            "test_fraction".into(),
            ParamValue::Ref("test_fraction".into()),
        )]
        .into(),
        pos: (260.0, 0.0),
    });
    flow.edges
        .push(Edge::new(NodeId(1), "out", NodeId(2), "in"));
    flow
}

/// A store with one run of [`flow`] per test fraction, and an editor on the flow, Runs
/// tab open and listing them all.
fn rig(fractions: &[f64]) -> Rig {
    let flow = flow();
    let builder = Rig::builder(registry());
    let flow_path = builder.dir().join("toy.ron");
    flow.save(&flow_path).unwrap();
    let base_dir = builder.dir().to_owned();
    let mut rig = builder
        .size(1600.0, 1000.0)
        .seed_runs(
            &flow,
            &base_dir,
            fractions
                .iter()
                .map(|f| [("test_fraction".to_owned(), Value::Float(*f))].into()),
        )
        .open(&flow_path)
        .build();
    rig.open_runs_tab();
    rig
}

/// Every flow parameter is a column from the first run on, each run showing the value
/// it used (bold only where it changed the default); Columns ▸ hides parameters too.
#[test]
fn the_runs_table_shows_each_runs_parameter_values_defaults_included() {
    let mut rig = rig(&[0.25, 0.4]);
    rig.harness.get_by_label("test_fraction");
    let default = rig.harness.get_by_label("0.25");
    assert!(
        (default.rect().center().y - rig.row_y(0)).abs() < 12.0,
        "the run at the default shows 0.25 in its own row"
    );
    assert!(rig.harness.query_by_label("·").is_none());
    rig.harness.get_by_label("0.4");
    rig.harness.get_by_label("Columns").click();
    rig.settle();
    rig.harness
        .get_by_role_and_label(egui::accesskit::Role::CheckBox, "test_fraction")
        .click();
    rig.settle();
    assert!(
        rig.harness.query_by_label("0.25").is_none(),
        "the column is hidden"
    );
}

/// One run's record damaged on disk: the list still shows the others, and says how
/// many records it skipped (with the folder and the reason on hover).
#[test]
fn a_damaged_record_is_skipped_and_reported_in_the_list() {
    let mut rig = rig(&[0.2, 0.3, 0.4]);
    let damaged = rig.id(1);
    let folder = std::fs::read_dir(rig.store.root().join("runs"))
        .unwrap()
        .flatten()
        .map(|flow| flow.path().join(&damaged))
        .find(|p| p.is_dir())
        .expect("the run's folder");
    std::fs::write(folder.join("run.json"), b"{ not json").unwrap();
    rig.click_label("⟳ Refresh");
    rig.wait_until("the list read again", |r| {
        r.harness
            .query_by_label("⚠ 1 damaged run record(s) skipped")
            .is_some()
    });
    assert!(
        rig.is_listed(0) && rig.is_listed(2),
        "the other runs are listed"
    );
    assert!(!rig.is_listed(1), "the damaged one is not");
    rig.harness.get_by_label("2 runs");
}

/// The "done when": two runs with different test fractions, compared: both
/// metric values and the highlighted parameter difference are on screen; the table
/// exports as CSV.
#[test]
fn compare_two_runs_shows_metrics_and_the_parameter_difference() {
    let mut rig = rig(&[0.2, 0.3]);
    assert!(rig.is_listed(0) && rig.is_listed(1));
    // The changed parameter is a column of the list, with each run's value.
    rig.harness.get_by_label("test_fraction");
    rig.harness.get_by_label("rmse");
    rig.check(0);
    rig.check(1);
    rig.harness.get_by_label("⚖ Compare (2)").click();
    rig.settle();
    assert_eq!(rig.app().center_view(), CenterView::Compare);
    rig.harness.get_by_label("Comparing 2 runs");
    // The parameter that differs is marked, and both values are shown.
    rig.harness.get_by_label("≠ test_fraction");
    assert!(rig.harness.query_all_by_label("0.2").count() >= 1);
    assert!(rig.harness.query_all_by_label("0.3").count() >= 1);
    // Both metric values; the best one starred (rmse 0.4 < 0.6; r2 0.8 > 0.7).
    rig.harness.get_by_label("★ 0.4");
    assert!(rig.harness.query_all_by_label("0.6").count() >= 1);
    rig.harness.get_by_label("★ 0.8");
    assert!(rig.harness.query_all_by_label("0.7").count() >= 1);
    // The delta against the baseline (the newest run, listed first: 0.3).
    rig.harness.get_by_label("(-0.2)");
    // A parameter equal in both runs hides with "differences only".
    rig.harness.get_by_label("Data.value");
    rig.harness.get_by_label("Differences only").click();
    rig.settle();
    assert!(rig.harness.query_by_label("Data.value").is_none());
    rig.harness.get_by_label("≠ test_fraction");

    // Export: the dialog answers a path; the file is written.
    let out = rig.dir.path().join("cmp.csv");
    rig.dialogs.push(DialogResult::Picked(out.clone()));
    rig.harness.get_by_label("💾 Export CSV…").click();
    rig.settle();
    let csv = std::fs::read_to_string(&out).unwrap();
    assert!(csv.starts_with("section,name,"), "{csv}");
    assert!(csv.contains("param,test_fraction,0.3,0.2"), "{csv}");
    assert!(csv.contains("metric,Evaluate.rmse,0.6"), "{csv}");
    assert!(
        !csv.contains("Data.value"),
        "differences only applies: {csv}"
    );

    // Without a dialog, the app asks for the path itself.
    let typed = rig.dir.path().join("typed.csv");
    rig.dialogs.push(DialogResult::Unavailable);
    rig.harness.get_by_label("💾 Export CSV…").click();
    rig.settle();
    rig.harness.get_by_label("Export to").rect(); // the prompt is shown
    let field = rig
        .harness
        .query_all_by_role(egui::accesskit::Role::TextInput)
        .find(|n| n.value().is_some_and(|v| v.ends_with(".csv")))
        .expect("the path field");
    field.focus();
    field.type_text("");
    let _ = field;
    rig.settle();
    rig.harness
        .state_mut()
        .command(Command::Runs(pipewright::gui::RunsCommand::ExportCsvTo(
            typed.clone(),
        )));
    rig.settle();
    assert!(typed.exists());
    assert!(
        rig.app()
            .status_message()
            .unwrap_or("")
            .contains("Exported")
    );

    // File ▸ New puts the new canvas in front; the comparison stays a tab behind it.
    rig.harness.state_mut().command(Command::NewFlow);
    rig.settle();
    assert!(rig.app().flow().nodes.is_empty());
    assert_eq!(rig.app().center_view(), CenterView::Flow);
    assert!(rig.harness.query_by_label("Comparing 2 runs").is_none());
}

#[test]
fn the_list_filters_by_status_text_and_tag_and_sorts_by_any_column() {
    // 0.9 fails (the evaluate step refuses it).
    let mut rig = rig(&[0.2, 0.5, 0.3, 0.9]);
    assert_eq!(rig.runs[3].status, RunStatus::Failed);
    rig.harness.get_by_label("4 runs");
    // Newest first.
    assert!(rig.row_y(3) < rig.row_y(2) && rig.row_y(2) < rig.row_y(1));

    // Sort by rmse: lowest first; again: highest first (runs without it last).
    rig.harness.get_by_label("rmse").click();
    rig.settle();
    assert!(rig.row_y(0) < rig.row_y(2) && rig.row_y(2) < rig.row_y(1));
    assert!(
        rig.row_y(1) < rig.row_y(3),
        "the failed run has no rmse: last"
    );
    rig.harness.get_by_label("rmse ⏶").click();
    rig.settle();
    assert!(rig.row_y(1) < rig.row_y(2) && rig.row_y(2) < rig.row_y(0));
    // Sort by the parameter column.
    rig.harness.get_by_label("test_fraction").click();
    rig.settle();
    assert!(rig.row_y(0) < rig.row_y(2) && rig.row_y(1) < rig.row_y(3));

    // Status filter.
    rig.combo("Status").click();
    rig.settle();
    rig.harness.get_by_label("failed").click();
    rig.settle();
    rig.harness.get_by_label("1 of 4 runs");
    assert!(rig.is_listed(3) && !rig.is_listed(0));
    rig.combo("Status").click();
    rig.settle();
    rig.harness
        .get_by_role_and_label(egui::accesskit::Role::Button, "any")
        .click();
    rig.settle();
    rig.harness.get_by_label("4 runs");

    // Text filter: by a parameter value.
    let field = rig.field("Filter: id, parameter, tag, user…");
    field.focus();
    field.type_text("test_fraction=0.5");
    rig.settle();
    rig.harness.get_by_label("1 of 4 runs");
    assert!(rig.is_listed(1) && !rig.is_listed(0));
    rig.harness.get_by_label("🗙").click();
    rig.settle();
    rig.harness.get_by_label("4 runs");

    // Tag two runs, then filter by the tag.
    rig.check(0);
    rig.check(2);
    let tag = rig.field("tag");
    tag.focus();
    tag.type_text("baseline");
    rig.settle();
    rig.harness.get_by_label("🏷 Add tag").click();
    rig.settle();
    assert_eq!(rig.store.run(&rig.id(0)).unwrap().tags, vec!["baseline"]);
    assert_eq!(rig.store.run(&rig.id(2)).unwrap().tags, vec!["baseline"]);
    assert!(rig.store.run(&rig.id(1)).unwrap().tags.is_empty());
    rig.combo("Tag").click();
    rig.settle();
    rig.harness
        .get_by_role_and_label(egui::accesskit::Role::Button, "baseline")
        .click();
    rig.settle();
    rig.harness.get_by_label("2 of 4 runs");
    assert!(rig.is_listed(0) && rig.is_listed(2) && !rig.is_listed(1));
}

#[test]
fn deleting_asks_first_and_keeps_the_other_runs_artifacts() {
    let mut rig = rig(&[0.2, 0.3]);
    rig.check(0);
    rig.harness.get_by_label("🗑 Delete (1)…").click();
    rig.settle();
    // The confirmation; Cancel keeps the run.
    rig.harness.get_by_label_contains("This cannot be undone");
    rig.harness.get_by_label("Cancel").click();
    rig.settle();
    assert_eq!(rig.store.runs(None).unwrap().len(), 2);
    rig.harness.get_by_label("🗑 Delete (1)…").click();
    rig.settle();
    rig.harness.get_by_label("Delete").click();
    rig.wait_for_list(1);
    let left = rig.store.runs(None).unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].id, rig.id(1));
    assert!(rig.store.run(&rig.id(0)).is_err());
    // Every artifact of the remaining run is still there (the shared Data output too).
    let registry = registry();
    for t in &left[0].tasks {
        for r in t.outputs.values() {
            rig.store
                .load_artifact(r, registry.artifact_types())
                .unwrap();
        }
    }
    assert!(
        rig.app()
            .status_message()
            .unwrap_or("")
            .contains("Deleted 1 run")
    );
}

#[test]
fn a_shown_run_is_read_only_and_opens_as_a_new_flow() {
    let mut rig = rig(&[0.2, 0.3]);
    let before = rig.app().flow().clone();
    // Click the run's row: it is shown on the canvas.
    rig.harness.get_by_label(&rig.id(0)).click();
    rig.settle();
    assert_eq!(rig.app().center_view(), CenterView::Run);
    rig.harness.get_by_label("🔒 read-only");
    rig.harness.get_by_label_contains("test_fraction=0.2");
    // Its summary in the inspector: its metrics.
    rig.harness.get_by_label("Evaluate.rmse");
    // An edit is refused: the message says so and neither flow changes.
    rig.harness.state_mut().command(Command::Edit {
        edit: Edit::RemoveNodes(vec![NodeId(2)]),
        coalesce: None,
    });
    rig.harness.state_mut().command(Command::DeleteSelection);
    rig.settle();
    assert!(
        rig.app()
            .status_message()
            .unwrap_or("")
            .contains("cannot be edited"),
        "{:?}",
        rig.app().status_message()
    );
    assert_eq!(rig.app().flow(), &before);
    // Tag it from the banner; remove the tag again.
    let field = rig.field("new tag");
    field.focus();
    field.type_text("keep");
    rig.settle();
    rig.harness.get_by_label("+ Tag").click();
    rig.settle();
    assert_eq!(rig.store.run(&rig.id(0)).unwrap().tags, vec!["keep"]);
    rig.harness.get_by_label("keep  🗙").click();
    rig.settle();
    assert!(rig.store.run(&rig.id(0)).unwrap().tags.is_empty());

    // Open as new flow: the snapshot becomes the document, editable, without a file.
    rig.harness.get_by_label("Open as new flow").click();
    rig.settle();
    assert_eq!(rig.app().center_view(), CenterView::Flow);
    assert_eq!(rig.app().flow(), &rig.runs[0].flow);
    assert_eq!(rig.app().path(), None);
    rig.harness.state_mut().command(Command::Edit {
        edit: Edit::RemoveNodes(vec![NodeId(2)]),
        coalesce: None,
    });
    rig.settle();
    assert_eq!(
        rig.app().flow().nodes.len(),
        1,
        "the opened flow is editable"
    );
}

#[test]
fn rerun_from_a_shown_run_makes_a_new_run() {
    let mut rig = rig(&[0.3]);
    rig.harness.get_by_label(&rig.id(0)).click();
    rig.settle();
    rig.harness.get_by_label("▶ Re-run").click();
    rig.wait_until("the re-run to finish", |r| {
        r.store.runs(None).unwrap().len() == 2
            && r.store.runs(None).unwrap()[0].status == RunStatus::Done
    });
    rig.wait_for_list(2);
    let runs = rig.store.runs(None).unwrap();
    assert_eq!(runs[0].params, rig.runs[0].params, "same parameters");
    // The run view follows the new run; switching tabs keeps it.
    rig.harness
        .state_mut()
        .command(Command::ShowTab(BottomTab::Log));
    rig.settle();
    assert_eq!(rig.app().center_view(), CenterView::Run);
}

/// The example the issue names: two runs of the regression example with different
/// test fractions, compared in the editor; each run's rmse is on screen, read back as
/// a number within the precision shown, and the lower one is starred.
#[test]
fn regression_example_runs_compare_in_the_editor() {
    let examples = crate::util::examples_dir();
    let example = examples.join("regression.ron");
    let flow =
        Flow::load(&example).unwrap_or_else(|e| panic!("{} does not load: {e}", example.display()));
    let mut rig = Rig::builder(pipewright_nodes::registry())
        .size(1600.0, 1000.0)
        .seed_runs(
            &flow,
            &examples,
            [0.2, 0.3].map(|f| [("test_fraction".to_owned(), Value::Float(f))].into()),
        )
        .open(&example)
        .build();
    for run in &rig.runs {
        assert_eq!(run.status, RunStatus::Done, "{run:?}");
    }
    rig.open_runs_tab();
    rig.check(0);
    rig.check(1);
    rig.harness.get_by_label("⚖ Compare (2)").click();
    rig.settle();
    assert_eq!(rig.app().center_view(), CenterView::Compare);
    rig.harness.get_by_label("≠ test_fraction");
    // The rmse of each run, as the store recorded it.
    let rmse: Vec<(String, f64)> = (0..2)
        .map(|i| {
            let record = rig.store.run(&rig.id(i)).unwrap();
            record
                .metrics()
                .into_iter()
                .find(|(k, _)| k.ends_with(".rmse"))
                .expect("an rmse metric")
        })
        .collect();
    assert_eq!(rmse[0].0, rmse[1].0, "the same metric in both runs");
    // The compare table's rmse row: each run's value, shown to the digits given.
    let row = rig.numbers_in_row(&rmse[0].0);
    for (key, value) in &rmse {
        assert!(
            row.iter()
                .any(|(_, shown, tolerance)| (shown - value).abs() <= *tolerance + 1e-12),
            "{key} = {value} is not shown in its row: {row:?}"
        );
    }
    // The newer run is the baseline; the older one's delta against it is shown.
    let delta = rmse[0].1 - rmse[1].1;
    assert!(
        row.iter()
            .any(|(text, shown, tolerance)| text.starts_with('(')
                && (shown - delta).abs() <= *tolerance + 1e-12),
        "the delta {delta} is not shown: {row:?}"
    );
    // The lower rmse is the one starred.
    let best = rmse.iter().map(|(_, v)| *v).fold(f64::INFINITY, f64::min);
    let starred: Vec<_> = row
        .iter()
        .filter(|(text, ..)| text.starts_with('★'))
        .collect();
    let [(text, shown, tolerance)] = starred.as_slice() else {
        panic!("one starred rmse expected: {row:?}");
    };
    assert!(
        (shown - best).abs() <= *tolerance + 1e-12,
        "{text:?} starred, but the best rmse is {best}"
    );
}
