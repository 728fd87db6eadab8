//! A foreach through the window, as a user makes one: *Run ▸ Sweep…* on a step of a
//! bundled example, the run it starts, the step's task list in the inspector, and the
//! parameter the foreach varies shown as varied rather than as the step's own value.

use egui_kittest::kittest::Queryable;
use pipewright_engine::{FOREACH_KIND, ParamValue, RunStatus, StepStatus, Value};

use crate::gui_rig::Rig;

/// The Values field of the Sweep dialog, found by its hint.
const VALUES_HINT: &str = "0.01, 0.1, 1   or   log(0.001, 1000, 8)";

#[test]
fn run_sweep_in_the_window_runs_every_value_and_lists_the_tasks() {
    let example = pipewright::gui::find_examples_dir()
        .expect("the editor finds the repository's examples/")
        .join("branch_join.ron");
    let mut rig = Rig::builder(pipewright_nodes::registry())
        .open(&example)
        .build();
    let ridge = rig
        .app()
        .flow()
        .nodes
        .iter()
        .find(|n| n.label == "Ridge")
        .expect("branch_join has a Ridge step")
        .id;
    assert_eq!(
        rig.app().flow().node(ridge).unwrap().params.get("alpha"),
        Some(&ParamValue::Lit(Value::Float(1.0))),
        "the example's own alpha"
    );
    rig.click_node(ridge);
    rig.click_label("Run");
    rig.click_label("Sweep…");
    // The dialog starts on the selected step's first number parameter.
    rig.harness.get_by_label("Sweep a parameter");
    rig.harness.get_by(|n| {
        n.role() == egui::accesskit::Role::ComboBox && n.value().as_deref() == Some("Ridge.alpha")
    });
    rig.field(VALUES_HINT).click();
    rig.harness.step();
    rig.field(VALUES_HINT).type_text("0.01, 1, 100");
    rig.settle();
    rig.click_label("▶ Add and run");
    assert_eq!(rig.wait_for_run(), RunStatus::Done);

    // The flow gained a foreach over Ridge.alpha; Ridge's own value is untouched.
    let flow = rig.app().flow().clone();
    let foreach = flow
        .nodes
        .iter()
        .find(|n| n.kind == FOREACH_KIND)
        .expect("a foreach was added");
    assert_eq!(
        foreach.params.get("over"),
        Some(&ParamValue::Lit(Value::Text(
            "Ridge.alpha = 0.01, 1, 100".into()
        )))
    );
    assert_eq!(
        flow.node(ridge).unwrap().params.get("alpha"),
        Some(&ParamValue::Lit(Value::Float(1.0)))
    );
    assert!(rig.app().is_dirty(), "the inserted foreach is unsaved work");
    assert_eq!(rig.app().step_status(ridge), Some(StepStatus::Done));

    // Ridge's inspector: alpha is varied by the foreach, and its three tasks are listed
    // with their items and statuses.
    rig.click_node(ridge);
    let varied = format!("⟳ varied by {}", foreach.label);
    rig.harness.get_by_label(&varied);
    rig.harness.get_by_label("0.01, 1, 100");
    let mut tasks = rig.labels_starting("Ridge/");
    tasks.sort();
    tasks.dedup();
    assert_eq!(
        tasks,
        [
            "Ridge/0  alpha = 0.01",
            "Ridge/1  alpha = 1",
            "Ridge/2  alpha = 100"
        ]
    );
    assert!(
        rig.harness.get_all_by_label("✔ done").count() >= 3,
        "every task is shown done"
    );
    rig.harness.get_by_label("Showing task Ridge/0");
    rig.click_label("Ridge/2  alpha = 100");
    rig.harness.get_by_label("Showing task Ridge/2");

    // The run's record has one task per item, each with its own alpha.
    let run = rig
        .app()
        .run_view()
        .and_then(|v| v.record.as_ref())
        .expect("the editor keeps its run's record");
    let alphas: Vec<String> = run
        .tasks_of(ridge)
        .iter()
        .map(|t| pipewright_engine::kind::short_item(&t.item))
        .collect();
    assert_eq!(alphas, ["alpha = 0.01", "alpha = 1", "alpha = 100"]);

    // The Runs tab names the run's best item: Select best ranked least squares and
    // the three alphas, and alpha = 100 won on this data.
    let (_, chosen) = run.best_item().expect("Select best chose a foreach item");
    assert_eq!(chosen.index, 2);
    let best = chosen.describe();
    assert_eq!(best, "alpha = 100 (rmse = 1.4652)");
    rig.click_runs_tab();
    rig.wait_for_list(1);
    rig.harness.get_by_label("Best item");
    rig.harness.get_by_label(&best);
}
