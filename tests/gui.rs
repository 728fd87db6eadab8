//! The editor, driven as a person would through egui_kittest: find widgets by label
//! and role, click, type, drag; then check the flow (the model) and what is shown.

use std::path::PathBuf;

use egui::{Key, Modifiers, Pos2, Vec2};
use egui_kittest::kittest::{NodeT, Queryable};
use pipewright::gui::{Command, DialogResult};
use pipewright_engine::{
    Category, Flow, Inputs, KindDescriptor, NodeKind, Outputs, ParamValue, Params, PortSpec,
    Registry, RunStatus, StepContext, StepError, StepStatus, Value, testkit,
};

use crate::gui_rig::Rig;

/// A step that takes a "table" — nothing in the test kit gives one, so wiring a
/// number into it must be refused.
struct TableSink(KindDescriptor);

impl TableSink {
    fn new() -> Self {
        Self(KindDescriptor {
            id: "sink",
            version: 1,
            category: Category::new("Evaluate", 40),
            title: "Table sink",
            doc: "Takes a table.",
            inputs: vec![PortSpec::new("table", "table", "a table")],
            outputs: vec![],
            params: vec![],
        })
    }
}

impl NodeKind for TableSink {
    fn descriptor(&self) -> &KindDescriptor {
        &self.0
    }
    fn run(&self, _: &mut StepContext<'_>, _: &Inputs, _: &Params) -> Result<Outputs, StepError> {
        Ok(Outputs::new())
    }
}

fn test_registry() -> Registry {
    let mut r = testkit::registry();
    r.register(TableSink::new());
    r.register(testkit::TestKind::new(
        "wait",
        testkit::Behaviour::WaitForCancel,
    ));
    r
}

/// An editor on the test kit plus the table sink, no examples.
fn rig() -> Rig {
    Rig::builder(test_registry()).build()
}

/// An editor on the real node catalogue, listing the repository's examples.
fn catalogue_rig() -> (Rig, PathBuf) {
    let dir = examples_dir();
    let rig = Rig::builder(pipewright_nodes::registry())
        .examples_dir(dir.clone())
        .build();
    (rig, dir)
}

/// The repository's examples folder as the editor finds it; it is part of the
/// repository, so not finding it fails the test.
fn examples_dir() -> PathBuf {
    pipewright::gui::find_examples_dir().expect("the editor finds the repository's examples/")
}

#[test]
fn palette_drag_adds_a_node_where_it_is_dropped() {
    let mut rig = rig();
    rig.settle();
    let at = rig.canvas_point(0.3, 0.4);
    let id = rig.drag_from_palette("const", at);
    let node = rig.app().flow().node(id).unwrap().clone();
    assert_eq!(node.kind, "const");
    // The node's top-left corner is where it was dropped.
    let r = rig.app().node_screen_rect(id).unwrap();
    assert!(
        (r.min - at).length() < 30.0,
        "dropped at {at:?}, drawn at {r:?}"
    );
    assert_eq!(rig.app().selection(), &[id], "a new node is selected");
    assert!(rig.app().is_dirty());
    assert!(rig.app().window_title().starts_with("● untitled.ron"));
}

#[test]
fn double_click_in_the_palette_adds_at_the_centre() {
    let mut rig = rig();
    rig.settle();
    let entry = rig.harness.get_by_label_contains("add").rect().center();
    rig.harness.hover_at(entry);
    rig.harness.step();
    for _ in 0..2 {
        rig.harness.event(egui::Event::PointerButton {
            pos: entry,
            button: egui::PointerButton::Primary,
            pressed: true,
            modifiers: Modifiers::NONE,
        });
        rig.harness.event(egui::Event::PointerButton {
            pos: entry,
            button: egui::PointerButton::Primary,
            pressed: false,
            modifiers: Modifiers::NONE,
        });
        rig.harness.step();
    }
    rig.settle();
    assert_eq!(rig.app().flow().nodes.len(), 1);
    let r = rig
        .app()
        .node_screen_rect(rig.app().flow().nodes[0].id)
        .unwrap();
    assert!(rig.app().canvas_rect().contains(r.center()));
}

#[test]
fn palette_search_filters_and_enter_adds() {
    let mut rig = rig();
    rig.settle();
    rig.search_palette("sink");
    assert!(rig.harness.query_by_label_contains("const").is_none());
    rig.harness.key_press(Key::Enter);
    rig.settle();
    assert_eq!(rig.app().flow().nodes.len(), 1);
    assert_eq!(rig.app().flow().nodes[0].kind, "sink");
}

/// A step added from the palette lands beside the selected step, or in free space at
/// the centre: never on top of another.
#[test]
fn steps_added_from_the_palette_land_in_free_space_beside_the_selection() {
    let mut rig = rig();
    rig.settle();
    let add = |rig: &mut Rig, kind: &str| {
        rig.search_palette(kind);
        rig.harness.key_press(Key::Enter);
        rig.settle();
        rig.app().flow().nodes.last().unwrap().id
    };
    let a = add(&mut rig, "const");
    let b = add(&mut rig, "add"); // `a` is selected: `b` goes to its right
    let (ra, rb) = (
        rig.app().node_screen_rect(a).unwrap(),
        rig.app().node_screen_rect(b).unwrap(),
    );
    assert!(rb.left() > ra.right(), "{ra:?} then {rb:?}");
    assert!((rb.center().y - ra.center().y).abs() < ra.height());
    rig.key(Modifiers::NONE, Key::Escape);
    let c = add(&mut rig, "sink"); // nothing selected: the centre, where `a` is
    let rects: Vec<_> = [a, b, c]
        .iter()
        .map(|id| rig.app().node_screen_rect(*id).unwrap())
        .collect();
    for (i, r) in rects.iter().enumerate() {
        for q in &rects[i + 1..] {
            assert!(!r.intersects(*q), "{r:?} overlaps {q:?}");
        }
    }
}

// A fraction whose bounds can only fail at run time (0 or 1 empties a side of the
// split) shows its range open, `(0, 1)`, beside the field, and 0 is a problem.
#[test]
fn an_open_range_reads_as_open_and_its_bounds_are_problems() {
    let (mut rig, _dir) = catalogue_rig();
    rig.settle();
    rig.search_palette("train/test split");
    rig.harness.key_press(Key::Enter);
    rig.settle();
    let split = rig.app().flow().nodes[0].id;
    assert_eq!(rig.app().flow().nodes[0].kind, "transform.split");
    assert_eq!(rig.app().selection(), &[split]);
    assert!(
        rig.harness.query_by_label("(0, 1)").is_some(),
        "the open range is shown"
    );
    assert!(rig.harness.query_by_label("0 … 1").is_none());
    rig.type_into("test_fraction", "0");
    rig.settle();
    assert!(
        rig.app()
            .problems()
            .iter()
            .any(|p| p.node == Some(split)
                && p.message.contains("the bounds themselves are excluded")),
        "{:?}",
        rig.app().problems()
    );
}

#[test]
fn wires_connect_compatible_ports_and_refuse_others_with_a_reason() {
    let mut rig = rig();
    rig.settle();
    let a = rig.drag_from_palette("const", rig.canvas_point(0.1, 0.3));
    let b = rig.drag_from_palette("add", rig.canvas_point(0.45, 0.3));
    let c = rig.drag_from_palette("Table sink", rig.canvas_point(0.75, 0.6));
    rig.connect(a, "out", b, "in");
    assert_eq!(rig.app().flow().edges.len(), 1, "const.out → add.in");
    assert_eq!(rig.app().flow().edges[0].to.node, b);

    // A number into a table input: refused, and the status bar says why.
    rig.connect(b, "out", c, "table");
    assert_eq!(rig.app().flow().edges.len(), 1);
    let msg = rig.app().status_message().unwrap().to_owned();
    assert!(msg.contains("types differ"), "{msg}");
    assert!(
        rig.harness
            .query_by_label_contains("types differ")
            .is_some()
    );

    // A wire that would close a loop: refused too.
    rig.connect(b, "out", a, "in");
    assert_eq!(rig.app().flow().edges.len(), 1);
    let msg = rig.app().status_message().unwrap();
    assert!(msg.contains("cycle"), "{msg}");
}

#[test]
fn editing_a_parameter_then_undo_and_redo() {
    let mut rig = rig();
    rig.settle();
    let a = rig.drag_from_palette("const", rig.canvas_point(0.3, 0.3));
    rig.click_node(a);
    assert_eq!(rig.app().selection(), &[a]);
    let field = rig.harness.get_by_label("value");
    field.click();
    rig.harness.step();
    rig.harness
        .key_combination_modifiers(Modifiers::COMMAND, &[Key::A]);
    rig.harness.get_by_label("value").type_text("42.5");
    rig.harness.key_press(Key::Enter);
    rig.settle();
    let value = |rig: &Rig| {
        rig.app()
            .flow()
            .node(a)
            .unwrap()
            .params
            .get("value")
            .cloned()
    };
    assert_eq!(value(&rig), Some(ParamValue::Lit(Value::Float(42.5))));

    // Typing "42.5" was one gesture: one undo restores the default.
    rig.key(Modifiers::COMMAND, Key::Z);
    assert_eq!(value(&rig), None);
    rig.key(Modifiers::COMMAND | Modifiers::SHIFT, Key::Z);
    assert_eq!(value(&rig), Some(ParamValue::Lit(Value::Float(42.5))));
    rig.key(Modifiers::COMMAND, Key::Z);
    rig.key(Modifiers::COMMAND, Key::Y);
    assert_eq!(value(&rig), Some(ParamValue::Lit(Value::Float(42.5))));
    // Undo everything: the node goes too.
    rig.key(Modifiers::COMMAND, Key::Z);
    rig.key(Modifiers::COMMAND, Key::Z);
    assert!(rig.app().flow().nodes.is_empty());
}

#[test]
fn an_out_of_range_value_is_kept_and_shown_not_clamped() {
    let mut rig = rig();
    rig.settle();
    let a = rig.drag_from_palette("const", rig.canvas_point(0.3, 0.3));
    rig.click_node(a);
    rig.harness.get_by_label("value").click();
    rig.harness.step();
    rig.harness
        .key_combination_modifiers(Modifiers::COMMAND, &[Key::A]);
    rig.harness.get_by_label("value").type_text("5e9");
    rig.harness.key_press(Key::Enter);
    rig.settle();
    assert_eq!(
        rig.app().flow().node(a).unwrap().params.get("value"),
        Some(&ParamValue::Lit(Value::Float(5e9)))
    );
    assert_eq!(rig.app().problems().len(), 1);
    assert!(
        rig.harness
            .query_all_by_label_contains("out of range")
            .count()
            >= 1
    );
    let run = rig.harness.get_by_label("▶ Run");
    assert!(
        run.accesskit_node().is_disabled(),
        "Run is disabled while there are problems"
    );
}

#[test]
fn delete_duplicate_copy_paste_select_all() {
    let mut rig = rig();
    rig.settle();
    let a = rig.drag_from_palette("const", rig.canvas_point(0.1, 0.3));
    let b = rig.drag_from_palette("add", rig.canvas_point(0.4, 0.3));
    rig.connect(a, "out", b, "in");
    rig.key(Modifiers::COMMAND, Key::A);
    assert_eq!(rig.app().selection().len(), 2);
    rig.key(Modifiers::COMMAND, Key::D);
    assert_eq!(rig.app().flow().nodes.len(), 4);
    assert_eq!(
        rig.app().flow().edges.len(),
        2,
        "the wire between copies is copied"
    );
    rig.key(Modifiers::COMMAND, Key::C);
    rig.key(Modifiers::COMMAND, Key::V);
    assert_eq!(rig.app().flow().nodes.len(), 6);
    assert_eq!(rig.app().flow().edges.len(), 3);
    rig.key(Modifiers::NONE, Key::Delete);
    assert_eq!(rig.app().flow().nodes.len(), 4);
    rig.key(Modifiers::COMMAND, Key::Z);
    assert_eq!(rig.app().flow().nodes.len(), 6);
    // Auto-layout puts every source left of its targets.
    rig.key(Modifiers::COMMAND, Key::L);
    let flow = rig.app().flow().clone();
    for e in &flow.edges {
        assert!(flow.node(e.from.node).unwrap().pos.0 < flow.node(e.to.node).unwrap().pos.0);
    }
}

#[test]
fn dragging_a_node_moves_it_as_one_undo_step() {
    let mut rig = rig();
    rig.settle();
    let a = rig.drag_from_palette("const", rig.canvas_point(0.2, 0.3));
    let before = rig.app().flow().node(a).unwrap().pos;
    let r = rig.app().node_screen_rect(a).unwrap();
    let grab = Pos2::new(r.center().x, r.min.y + 12.0);
    rig.drag(grab, grab + Vec2::new(150.0, 80.0));
    let after = rig.app().flow().node(a).unwrap().pos;
    assert!(
        after.0 > before.0 + 50.0 && after.1 > before.1 + 30.0,
        "{before:?} → {after:?}"
    );
    rig.key(Modifiers::COMMAND, Key::Z);
    assert_eq!(rig.app().flow().node(a).unwrap().pos, before);
}

#[test]
fn the_edit_menu_says_what_undo_and_redo_will_do() {
    let mut rig = rig();
    rig.settle();
    let a = rig.drag_from_palette("const", rig.canvas_point(0.3, 0.3));
    let label = rig.app().flow().node(a).unwrap().label.clone();
    rig.click_label("Edit");
    assert!(
        rig.harness
            .query_by_label_contains(&format!("Undo add {label}"))
            .is_some(),
        "the Edit menu names the step Undo removes"
    );
    rig.click_label("Edit"); // closes the menu
    rig.key(Modifiers::COMMAND, Key::Z);
    assert!(rig.app().flow().nodes.is_empty());
    assert_eq!(
        rig.app().status_message(),
        Some(format!("Undone: add {label}").as_str())
    );
    rig.click_label("Edit");
    assert!(
        rig.harness
            .query_by_label_contains(&format!("Redo add {label}"))
            .is_some()
    );
    assert!(rig.harness.query_by_label_contains("Undo add").is_none());
}

#[test]
fn save_then_reopen_gives_the_same_flow() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mine.ron");
    let mut rig = rig();
    rig.settle();
    let a = rig.drag_from_palette("const", rig.canvas_point(0.2, 0.3));
    let b = rig.drag_from_palette("add", rig.canvas_point(0.5, 0.3));
    rig.connect(a, "out", b, "in");
    rig.dialogs.push(DialogResult::Picked(path.clone()));
    rig.key(Modifiers::COMMAND, Key::S);
    assert!(path.exists());
    assert!(!rig.app().is_dirty());
    assert_eq!(rig.app().window_title(), "mine.ron — Pipewright");
    // A new flow takes its file's name, so its runs are not listed as "untitled".
    assert_eq!(rig.app().flow().name, "mine");
    let saved = rig.app().flow().clone();
    assert_eq!(Flow::load(&path).unwrap(), saved);

    // Saved under another name it follows the file; a name the user typed stays.
    let other = dir.path().join("other.ron");
    rig.harness
        .state_mut()
        .command(Command::SaveTo(other.clone()));
    rig.settle();
    assert_eq!(Flow::load(&other).unwrap().name, "other");
    rig.key(Modifiers::NONE, Key::Escape);
    rig.type_into("Name", "churn");
    assert_eq!(rig.app().flow().name, "churn");
    rig.harness
        .state_mut()
        .command(Command::SaveTo(path.clone()));
    rig.settle();
    assert_eq!(Flow::load(&path).unwrap().name, "churn");
    let saved = rig.app().flow().clone();

    // New (nothing unsaved, so no question), then File ▸ Open… picks the file again.
    rig.click_label("File");
    rig.harness.get_by_label_contains("New").click();
    rig.settle();
    assert!(rig.app().flow().nodes.is_empty());
    rig.dialogs.push(DialogResult::Picked(path.clone()));
    rig.click_label("File");
    rig.harness.get_by_label_contains("Open…").click();
    rig.settle();
    assert_eq!(rig.app().flow(), &saved);
    assert_eq!(rig.app().path(), Some(path.as_path()));
}

#[test]
fn unsaved_changes_ask_before_opening_another_flow() {
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other.ron");
    Flow::new("other").save(&other).unwrap();
    let mine = dir.path().join("mine.ron");
    let mut rig = rig();
    rig.settle();
    rig.drag_from_palette("const", rig.canvas_point(0.2, 0.3));
    rig.harness
        .state_mut()
        .command(Command::OpenPath(other.clone()));
    rig.settle();
    assert!(rig.harness.query_by_label("Unsaved changes").is_some());
    rig.click_label("Cancel");
    assert_eq!(rig.app().flow().nodes.len(), 1, "Cancel keeps the document");

    rig.harness
        .state_mut()
        .command(Command::OpenPath(other.clone()));
    rig.settle();
    rig.dialogs.push(DialogResult::Picked(mine.clone()));
    rig.click_label("Save");
    assert!(mine.exists(), "Save saved first");
    assert_eq!(rig.app().flow().name, "other", "then opened the other flow");
    assert_eq!(Flow::load(&mine).unwrap().nodes.len(), 1);
}

#[test]
fn a_file_that_fails_to_load_shows_where_and_keeps_the_document() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.ron");
    std::fs::write(
        &bad,
        "Flow(\n    format: 1,\n    name: \"x\",\n    nodes: [oops],\n)",
    )
    .unwrap();
    let mut rig = rig();
    rig.settle();
    rig.drag_from_palette("const", rig.canvas_point(0.2, 0.3));
    let before = rig.app().flow().clone();
    rig.dialogs.push(DialogResult::Picked(bad));
    rig.harness.state_mut().command(Command::Open);
    rig.settle();
    // Unsaved changes: discard them to go on.
    rig.click_label("Discard");
    assert_eq!(rig.app().flow(), &before);
    let msg = rig.app().status_message().unwrap();
    assert!(msg.contains("bad.ron:4:"), "line and column: {msg}");
    assert!(rig.harness.query_by_label_contains("bad.ron:4:").is_some());
}

#[test]
fn no_native_dialog_falls_back_to_a_path_prompt() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("typed.ron");
    let mut rig = rig();
    rig.settle();
    rig.drag_from_palette("const", rig.canvas_point(0.2, 0.3));
    rig.dialogs.push(DialogResult::Unavailable);
    rig.key(Modifiers::COMMAND, Key::S);
    assert!(rig.harness.query_by_label("Save flow as").is_some());
    let prompt = |n: &egui_kittest::kittest::AccessKitNode<'_>| {
        n.role() == egui::accesskit::Role::TextInput && n.is_focused()
    };
    rig.harness
        .key_combination_modifiers(Modifiers::COMMAND, &[Key::A]);
    rig.harness.step();
    rig.harness.get_by(prompt).type_text(path.to_str().unwrap());
    rig.harness.step();
    rig.click_label("OK");
    assert!(path.exists());
    assert_eq!(rig.app().path(), Some(path.as_path()));

    // Enter confirms as OK does; a data file's prompt suggests a data file.
    let again = dir.path().join("entered.ron");
    rig.dialogs.push(DialogResult::Unavailable);
    rig.key(Modifiers::COMMAND | Modifiers::SHIFT, Key::S);
    rig.harness
        .key_combination_modifiers(Modifiers::COMMAND, &[Key::A]);
    rig.harness.step();
    rig.harness
        .get_by(prompt)
        .type_text(again.to_str().unwrap());
    rig.harness.step();
    rig.key(Modifiers::NONE, Key::Enter);
    assert!(again.exists(), "Enter saved it");
    assert!(rig.harness.query_by_label("Save flow as").is_none());
}

/// A step dropped on the canvas and not wired yet does not block a run of the rest: it
/// is listed in the Problems tab as left out, and the run goes on without it.
#[test]
fn an_unconnected_step_nothing_needs_is_left_out_not_fatal() {
    let mut rig = rig();
    rig.settle();
    let a = rig.drag_from_palette("const", rig.canvas_point(0.2, 0.3));
    let b = rig.drag_from_palette("add", rig.canvas_point(0.5, 0.3));
    rig.connect(a, "out", b, "in");
    let idle = rig.drag_from_palette("Table sink", rig.canvas_point(0.5, 0.7));
    assert!(
        rig.app().problems().is_empty(),
        "{:?}",
        rig.app().problems()
    );
    assert_eq!(rig.app().run_blocker(), None);
    assert_eq!(rig.app().left_out().len(), 1);
    assert_eq!(rig.app().left_out()[0].node, Some(idle));
    rig.harness.get_by_label("Problems").click();
    rig.settle();
    rig.harness.get_by_label("✔ No problems: the flow can run.");
    let note = "ℹ node \"Table sink\" (#3): left out of the run: required input \"table\" is not connected and nothing reads this step";
    rig.harness.get_by_label(note);
    rig.key(Modifiers::NONE, Key::F5);
    assert_eq!(rig.wait_for_run(), RunStatus::Done);
    assert_eq!(rig.app().step_status(b), Some(StepStatus::Done));
    assert_eq!(rig.app().step_status(idle), None, "never queued");
    // The Runs tab's count follows without the tab being opened.
    rig.wait_for_list(1);
    // The note selects its step.
    rig.key(Modifiers::NONE, Key::Escape);
    rig.harness.get_by_label("Problems").click();
    rig.settle();
    rig.harness.get_by_label(note).click();
    rig.settle();
    assert_eq!(rig.app().selection(), &[idle]);
}

#[test]
fn a_failing_step_is_shown_failed_with_its_message() {
    let mut rig = rig();
    rig.settle();
    let a = rig.drag_from_palette("const", rig.canvas_point(0.1, 0.3));
    let f = rig.drag_from_palette("fail", rig.canvas_point(0.4, 0.3));
    let after = rig.drag_from_palette("add", rig.canvas_point(0.7, 0.3));
    rig.connect(a, "out", f, "in");
    rig.connect(f, "out", after, "in");
    rig.key(Modifiers::NONE, Key::F5);
    assert_eq!(rig.wait_for_run(), RunStatus::Failed);
    assert_eq!(rig.app().step_status(a), Some(StepStatus::Done));
    assert_eq!(rig.app().step_status(f), Some(StepStatus::Failed));
    assert_eq!(rig.app().step_status(after), Some(StepStatus::Skipped));
    assert!(
        rig.harness
            .query_by_label_contains("failed · 1 step(s) failed")
            .is_some()
    );
    // The status bar names the failed step and its error.
    assert!(
        rig.harness
            .query_by_label_contains(": step \"fail")
            .is_some(),
        "the status bar reports the failure"
    );
    // The log says so; the inspector shows the error of the selected step.
    assert_eq!(
        rig.harness
            .query_all_by_label_contains("failed: this step always fails")
            .count(),
        2,
        "the log line and the status bar"
    );
    rig.click_node(f);
    assert!(
        rig.harness
            .query_by_label("this step always fails")
            .is_some()
    );
    // Resume re-runs the failed step (it fails again) and reuses the finished one.
    rig.click_label("↻ Resume");
    assert_eq!(rig.wait_for_run(), RunStatus::Failed);
    assert_eq!(rig.app().step_status(a), Some(StepStatus::Cached));
}

#[test]
fn run_with_parameters_uses_the_edited_values_and_keeps_the_defaults() {
    let mut rig = rig();
    rig.settle();
    let a = rig.drag_from_palette("const", rig.canvas_point(0.3, 0.3));
    rig.click_node(a);
    // Bind "value" to a new flow parameter through the ⛓ menu.
    rig.harness.get_by_label("⛓").click();
    rig.settle();
    rig.click_label("New flow parameter $value");
    assert_eq!(rig.app().flow().parameters.len(), 1);
    assert_eq!(
        rig.app().flow().node(a).unwrap().params.get("value"),
        Some(&ParamValue::Ref("value".into()))
    );
    rig.click_label("Run with parameters…");
    assert!(rig.harness.query_by_label("Run with parameters").is_some());
    let field = || (egui::accesskit::Role::TextInput, "value");
    rig.harness
        .get_by_role_and_label(field().0, field().1)
        .click();
    rig.harness.step();
    rig.harness
        .key_combination_modifiers(Modifiers::COMMAND, &[Key::A]);
    rig.harness
        .get_by_role_and_label(field().0, field().1)
        .type_text("7");
    rig.harness.step();
    rig.harness
        .get_all_by_label("▶ Run")
        .last()
        .unwrap()
        .click();
    // Two "▶ Run" buttons would be ambiguous; the dialog's is the one on top.
    assert_eq!(rig.wait_for_run(), RunStatus::Done);
    let record = rig.app().run_view().unwrap().record.clone().unwrap();
    assert_eq!(record.params.get("value"), Some(&Value::Float(7.0)));
    assert_eq!(rig.app().flow().parameters[0].default, Value::Float(0.0));
}

#[test]
fn examples_open_from_the_menu() {
    let (mut rig, _) = catalogue_rig();
    let examples = rig.app().examples().to_vec();
    // Every example file of the repository is in the menu.
    let mut listed: Vec<PathBuf> = examples.iter().map(|e| e.path.clone()).collect();
    listed.sort();
    assert_eq!(
        listed.iter().map(|p| p.file_name()).collect::<Vec<_>>(),
        crate::util::example_files()
            .iter()
            .map(|p| p.file_name())
            .collect::<Vec<_>>(),
        "File ▸ Open example lists every file of examples/"
    );
    for e in examples {
        rig.click_label("File");
        rig.harness.get_by_label_contains("Open example").hover();
        rig.settle();
        rig.click_label(&e.title);
        assert_eq!(rig.app().path(), Some(e.path.as_path()), "{}", e.title);
        let shipped = Flow::load(&e.path)
            .unwrap_or_else(|err| panic!("{} does not load: {err}", e.path.display()));
        assert_eq!(rig.app().flow(), &shipped);
        assert!(!rig.app().is_dirty());
    }
}

#[test]
fn stop_cancels_a_running_flow() {
    let mut rig = rig();
    rig.settle();
    let w = rig.drag_from_palette("wait", rig.canvas_point(0.3, 0.3));
    rig.key(Modifiers::NONE, Key::F5);
    // Wait until the step runs, then press Stop.
    rig.wait_until("the wait step to run", |rig| {
        rig.app().step_status(w) == Some(StepStatus::Running)
    });
    assert_eq!(rig.app().step_status(w), Some(StepStatus::Running));
    rig.click_label("⏹ Stop");
    assert_eq!(rig.wait_for_run(), RunStatus::Cancelled);
    assert_eq!(rig.app().step_status(w), Some(StepStatus::Cancelled));
}

#[test]
fn clicking_a_problem_selects_its_node_and_an_idle_editor_stops_repainting() {
    let mut rig = rig();
    rig.settle();
    let s = rig.drag_from_palette("Table sink", rig.canvas_point(0.8, 0.8));
    rig.key(Modifiers::NONE, Key::Escape);
    assert!(rig.app().selection().is_empty());
    // Its required input is not connected: one problem, shown in the Problems tab.
    assert_eq!(rig.app().problems().len(), 1);
    rig.click_label("⚠ Cannot run: 1 problem: node \"Table sink\" (#1): required input \"table\" is not connected");
    rig.harness
        .get_by_label("⚠ node \"Table sink\" (#1): required input \"table\" is not connected")
        .click();
    rig.settle();
    assert_eq!(rig.app().selection(), &[s]);
    let r = rig.app().node_screen_rect(s).unwrap();
    let c = rig.app().canvas_rect().center();
    assert!(
        (r.center() - c).length() < 40.0,
        "centred on the node: {r:?} vs {c:?}"
    );
    rig.harness.remove_cursor();
    assert!(rig.harness.try_run().is_ok(), "nothing repaints while idle");
}

/// The "done when" of the editor issue: open the regression example, change the test
/// fraction, run it, watch every step finish, read the metrics, see the plot.
#[test]
fn regression_example_runs_to_done_with_metrics_and_plot() {
    let (mut rig, dir) = catalogue_rig();
    let example = dir.join("regression.ron");
    assert!(example.is_file(), "{} is missing", example.display());
    rig.harness.state_mut().open_initial(None);
    rig.settle();
    assert_eq!(rig.app().path(), Some(example.as_path()));
    assert!(
        rig.app().problems().is_empty(),
        "{:?}",
        rig.app().problems()
    );

    // Change the test fraction: on the split step, or for this run when it is bound
    // to a flow parameter.
    let flow = rig.app().flow().clone();
    let split = flow
        .nodes
        .iter()
        .find(|n| n.kind == "transform.split")
        .expect("a split step");
    let field = || (egui::accesskit::Role::TextInput, "test_fraction");
    let bound = matches!(split.params.get("test_fraction"), Some(ParamValue::Ref(_)));
    if bound {
        rig.click_label("Run with parameters…");
    } else {
        rig.click_node(split.id);
    }
    rig.harness
        .get_by_role_and_label(field().0, field().1)
        .click();
    rig.harness.step();
    rig.harness
        .key_combination_modifiers(Modifiers::COMMAND, &[Key::A]);
    rig.harness
        .get_by_role_and_label(field().0, field().1)
        .type_text("0.3");
    rig.harness.key_press(Key::Enter);
    rig.settle();
    if bound {
        rig.harness
            .get_all_by_label("▶ Run")
            .last()
            .unwrap()
            .click();
    } else {
        assert_eq!(
            rig.app()
                .flow()
                .node(split.id)
                .unwrap()
                .params
                .get("test_fraction"),
            Some(&ParamValue::Lit(Value::Float(0.3)))
        );
        rig.key(Modifiers::NONE, Key::F5);
    }
    assert_eq!(rig.wait_for_run(), RunStatus::Done);
    for n in &flow.nodes {
        let st = rig.app().step_status(n.id);
        assert!(
            matches!(st, Some(StepStatus::Done | StepStatus::Cached)),
            "{} is {st:?}",
            n.label
        );
    }
    let record = rig.app().run_view().unwrap().record.clone().unwrap();
    let fraction = record
        .tasks
        .iter()
        .find(|t| t.kind == "transform.split")
        .and_then(|t| t.params.get("test_fraction").cloned());
    assert_eq!(fraction, Some(Value::Float(0.3)));

    // The metrics step shows its numbers and the predicted-vs-actual plot.
    let metrics = flow
        .nodes
        .iter()
        .find(|n| n.kind == "evaluate.regression_metrics")
        .expect("a metrics step");
    // A long flow opens at a readable zoom; Home fits all of it in the view.
    rig.key(Modifiers::NONE, Key::Home);
    rig.click_node(metrics.id);
    assert_eq!(rig.app().selection(), &[metrics.id]);
    assert!(
        rig.harness.query_by_label("rmse").is_some() || rig.harness.query_by_label("r2").is_some()
    );
    assert!(rig.harness.query_by_label("Predicted vs actual").is_some());
    // The numbers shown are the run's, to the digits shown.
    let recorded = record.metrics();
    for name in ["r2", "rmse"] {
        let key = format!("{}.{name}", metrics.label);
        let value = recorded
            .get(&key)
            .copied()
            .unwrap_or_else(|| panic!("no {key} in {recorded:?}"));
        let row = rig.numbers_in_row(name);
        assert!(
            row.iter()
                .any(|(_, shown, tolerance)| (shown - value).abs() <= *tolerance + 1e-12),
            "{key} = {value} is not shown: {row:?}"
        );
    }

    // The model step shows its coefficients, matching the model the run stored.
    let model_step = flow
        .nodes
        .iter()
        .find(|n| n.kind == "train.linear_regression")
        .expect("a model step");
    rig.click_node(model_step.id);
    assert!(rig.harness.query_by_label("(intercept)").is_some());
    let model = record
        .tasks
        .iter()
        .find(|t| t.node == model_step.id)
        .unwrap()
        .outputs["model"]
        .summary
        .clone();
    assert!(model.contains("y = "), "{model}");
    assert!(rig.harness.query_by_label("x").is_some(), "the feature row");
}

/// Ctrl+S on a bundled example asks where to save a copy (the example stays as
/// shipped), and the copy, saved in another folder, still reads the bundled data.
#[test]
fn saving_an_example_saves_a_copy_whose_data_paths_still_resolve() {
    let (mut rig, dir) = catalogue_rig();
    let example = dir.join("regression.ron");
    let shipped =
        std::fs::read_to_string(&example).unwrap_or_else(|e| panic!("{}: {e}", example.display()));
    rig.harness
        .state_mut()
        .open_path(&example)
        .unwrap_or_else(|e| panic!("{} does not open: {e}", example.display()));
    rig.settle();
    let work = tempfile::tempdir().unwrap();
    let copy = work.path().join("nested").join("mine.ron");
    std::fs::create_dir_all(copy.parent().unwrap()).unwrap();
    rig.dialogs.push(DialogResult::Picked(copy.clone()));
    rig.key(Modifiers::COMMAND, Key::S);
    rig.settle();
    assert_eq!(
        std::fs::read_to_string(&example).unwrap(),
        shipped,
        "the example is untouched"
    );
    assert_eq!(rig.app().path(), Some(copy.as_path()));
    let saved = Flow::load(&copy).unwrap();
    assert_eq!(saved.name, "mine", "the copy is named as its file");
    let load = saved
        .nodes
        .iter()
        .find(|n| n.kind == "data.load_csv")
        .unwrap();
    let Some(ParamValue::Lit(Value::Text(path))) = load.params.get("path") else {
        panic!("{:?}", load.params);
    };
    assert!(
        copy.parent().unwrap().join(path).exists(),
        "{path} does not resolve from {}",
        copy.display()
    );
    // The rewrite is one undoable edit.
    rig.key(Modifiers::COMMAND, Key::Z);
    rig.settle();
    let undone = rig
        .app()
        .flow()
        .nodes
        .iter()
        .find(|n| n.kind == "data.load_csv")
        .unwrap();
    assert_eq!(
        undone.params.get("path"),
        Some(&ParamValue::Lit(Value::Text(
            "../assets/data/regression_dataset.txt".into()
        )))
    );
    assert_eq!(
        rig.app().flow().name,
        "regression",
        "the same edit renamed it"
    );
}

/// The "done when" of the editor issue, second half: build the regression pipeline
/// from an empty canvas by dragging and wiring, set its parameters in the inspector,
/// save, start over, reopen and run it to done.
//
//   Start ─▶ Load CSV ─▶ Check data ─▶ Train/test split ─┬─ train ─▶ Linear regression
//                                                         └─ test ──────────┐     │ model
//                                                  End ◀─ Regression metrics ◀─ Predict
#[test]
fn the_regression_pipeline_built_from_an_empty_canvas_saves_reopens_and_runs() {
    let data = examples_dir()
        .join("../assets/data/regression_dataset.txt")
        .canonicalize()
        .expect("the bundled dataset assets/data/regression_dataset.txt");
    let mut rig = Rig::builder(pipewright_nodes::registry()).build();
    rig.settle();
    assert!(rig.app().flow().nodes.is_empty());
    // Esc first: a selected step's doc in the inspector may name another step.
    let mut add = |title: &str, x: f32, y: f32| {
        rig.key(Modifiers::NONE, Key::Escape);
        let p = rig.canvas_point(x, y);
        rig.drag_from_palette(title, p)
    };
    let start = add("Start", 0.06, 0.15);
    let load = add("Load CSV", 0.28, 0.15);
    let check = add("Check data", 0.50, 0.15);
    let split = add("Train/test split", 0.72, 0.15);
    let fit = add("Linear regression", 0.72, 0.45);
    let predict = add("Predict", 0.50, 0.65);
    let metrics = add("Regression metrics", 0.28, 0.65);
    let end = add("End", 0.06, 0.65);
    for (a, out, b, inp) in [
        (start, "start", load, "after"),
        (load, "table", check, "table"),
        (check, "table", split, "table"),
        (split, "train", fit, "train"),
        (fit, "model", predict, "model"),
        (split, "test", predict, "table"),
        (predict, "predictions", metrics, "predictions"),
        (metrics, "metrics", end, "results"),
    ] {
        rig.connect(a, out, b, inp);
    }
    assert_eq!(rig.app().flow().edges.len(), 8, "every wire connected");

    // Load CSV: the file through the 📂 picker, tab-separated, no header, named columns.
    rig.click_node(load);
    rig.dialogs.push(DialogResult::Picked(data.clone()));
    rig.click_label("📂");
    rig.harness
        .get_by_role_and_label(egui::accesskit::Role::ComboBox, "separator")
        .click();
    rig.settle();
    rig.click_label("tab");
    rig.harness
        .get_by_role_and_label(egui::accesskit::Role::CheckBox, "yes")
        .click();
    rig.settle();
    rig.type_into("column_names", "x,y");
    // The model: predict y.
    rig.click_node(fit);
    rig.type_into("target", "y");
    let problems = rig.app().problems().to_vec();
    assert!(problems.is_empty(), "{problems:?}");
    let params = &rig.app().flow().node(load).unwrap().params;
    assert_eq!(
        params["separator"],
        ParamValue::Lit(Value::Text("tab".into()))
    );
    assert_eq!(params["has_header"], ParamValue::Lit(Value::Bool(false)));

    // Save, start over, reopen: the same flow comes back.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("built.ron");
    rig.dialogs.push(DialogResult::Picked(path.clone()));
    rig.key(Modifiers::COMMAND, Key::S);
    let built = rig.app().flow().clone();
    rig.click_label("File");
    rig.harness.get_by_label_contains("New").click();
    rig.settle();
    assert!(rig.app().flow().nodes.is_empty());
    rig.dialogs.push(DialogResult::Picked(path.clone()));
    rig.key(Modifiers::COMMAND, Key::O);
    assert_eq!(rig.app().flow(), &built);

    // Run it: every step finishes and the metrics step shows its scores.
    rig.key(Modifiers::NONE, Key::F5);
    assert_eq!(rig.wait_for_run(), RunStatus::Done);
    for n in &built.nodes {
        assert_eq!(
            rig.app().step_status(n.id),
            Some(StepStatus::Done),
            "{}",
            n.label
        );
    }
    rig.click_node(metrics);
    assert!(rig.harness.query_by_label("r2").is_some());
    assert!(rig.harness.query_by_label("Predicted vs actual").is_some());
}

/// A flow parameter's range is edited in the inspector; a default outside it is a
/// problem (shown, not clamped), and clearing the bound removes it.
#[test]
fn a_flow_parameter_range_is_edited_and_checked() {
    let (mut rig, dir) = catalogue_rig();
    let example = dir.join("regression.ron");
    rig.harness
        .state_mut()
        .open_path(&example)
        .unwrap_or_else(|e| panic!("{} does not open: {e}", example.display()));
    rig.settle();
    let ty = |rig: &Rig| rig.app().flow().param("test_fraction").unwrap().ty.clone();
    assert_eq!(
        ty(&rig),
        pipewright_engine::ParamType::Float {
            min: Some(0.0),
            max: Some(1.0)
        }
    );
    rig.type_into("max", "0.1");
    assert_eq!(
        ty(&rig),
        pipewright_engine::ParamType::Float {
            min: Some(0.0),
            max: Some(0.1)
        }
    );
    let problems = rig.app().problems().to_vec();
    assert!(
        problems
            .iter()
            .any(|p| p.message.contains("test_fraction") && p.message.contains("out of range")),
        "{problems:?}"
    );
    assert_eq!(
        rig.app().flow().param("test_fraction").unwrap().default,
        Value::Float(0.2),
        "never clamped"
    );
    rig.type_into("max", "");
    assert_eq!(
        ty(&rig),
        pipewright_engine::ParamType::Float {
            min: Some(0.0),
            max: None
        }
    );
    assert!(rig.app().problems().is_empty());
    // One undo per field gesture brings the shipped range back.
    rig.key(Modifiers::COMMAND, Key::Z);
    rig.key(Modifiers::COMMAND, Key::Z);
    assert_eq!(
        ty(&rig),
        pipewright_engine::ParamType::Float {
            min: Some(0.0),
            max: Some(1.0)
        }
    );
}

/// Steps copied in one editor window paste into another through the system
/// clipboard (JSON text), wires included; foreign text falls back to the app's own
/// clipboard and pastes nothing when that is empty.
#[test]
fn steps_copied_in_one_window_paste_into_another() {
    let mut first = rig();
    first.settle();
    let a = first.drag_from_palette("const", first.canvas_point(0.1, 0.3));
    let b = first.drag_from_palette("add", first.canvas_point(0.4, 0.3));
    first.connect(a, "out", b, "in");
    first.key(Modifiers::COMMAND, Key::A);
    first.harness.event(egui::Event::Copy);
    // The copy is handled in a following frame; its output carries the clipboard text.
    let mut text = None;
    first.wait_until("the copy to put text on the system clipboard", |rig| {
        text = rig
            .harness
            .output()
            .platform_output
            .commands
            .iter()
            .find_map(|c| match c {
                egui::OutputCommand::CopyText(t) => Some(t.clone()),
                _ => None,
            });
        text.is_some()
    });
    let text = text.expect("wait_until returned, so the text was captured");

    let mut second = rig();
    second.settle();
    second.harness.event(egui::Event::Paste("not steps".into()));
    second.settle();
    assert!(
        second.app().flow().nodes.is_empty(),
        "foreign text pastes nothing"
    );
    second.harness.event(egui::Event::Paste(text));
    second.settle();
    let flow = second.app().flow();
    assert_eq!(flow.nodes.len(), 2);
    assert_eq!(flow.edges.len(), 1, "the wire between them comes along");
    let kinds: Vec<&str> = flow.nodes.iter().map(|n| n.kind.as_str()).collect();
    assert_eq!(kinds, ["const", "add"]);
}

/// In the palette's search box, ↓/↑ pick among the matches and Enter adds the picked
/// step.
#[test]
fn palette_arrow_keys_pick_the_step_enter_adds() {
    let mut rig = rig();
    rig.settle();
    // "a" matches several test kinds; the second, third, then back to the second.
    rig.search_palette("a");
    rig.harness.key_press(Key::ArrowDown);
    rig.harness.key_press(Key::ArrowDown);
    rig.harness.key_press(Key::ArrowUp);
    rig.settle();
    let expected = {
        let registry = test_registry();
        let mut ids: Vec<&str> = Vec::new();
        for c in registry.categories() {
            ids.extend(
                registry
                    .kinds()
                    .filter(|k| k.category == c)
                    .filter(|k| {
                        k.title.to_lowercase().contains('a')
                            || k.id.contains('a')
                            || k.doc.to_lowercase().contains('a')
                    })
                    .map(|k| k.id),
            );
        }
        assert!(ids.len() >= 3, "{ids:?}");
        ids[1].to_owned()
    };
    rig.harness.key_press(Key::Enter);
    rig.settle();
    assert_eq!(rig.app().flow().nodes.len(), 1);
    assert_eq!(rig.app().flow().nodes[0].kind, expected);
}
