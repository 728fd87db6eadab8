//! The command loop without a window: dialog answers, deletes and a past run's Stop
//! are commands, so they are driven here through [`EditorApp::logic`] alone.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use pipewright_engine::{
    Engine, Flow, Node, NodeId, RunOptions, RunRecord, RunStatus, Store, testkit,
};

use super::{EditorApp, EditorOptions, Modal};
use crate::gui::command::{CenterView, Command, ModalAnswer, RunsCommand};

fn editor(store_dir: &Path) -> EditorApp {
    let options = EditorOptions {
        examples_dir: None,
        ..EditorOptions::default()
    };
    EditorApp::new(Arc::new(testkit::registry()), store_dir, options).unwrap()
}

/// One step of `kind`:
///
/// ```text
///   [kind]
/// ```
fn one_step(kind: &str) -> Flow {
    let mut flow = Flow::new("one");
    flow.nodes.push(Node {
        id: NodeId(1),
        kind: kind.into(),
        label: kind.into(),
        params: Default::default(),
        pos: (0.0, 0.0),
    });
    flow
}

/// A run of `flow` in the store at `dir`, cancelled first when `cancel`.
fn past_run(dir: &Path, flow: &Flow, cancel: bool) -> RunRecord {
    let store = Store::open(dir).unwrap();
    let engine = Engine::new(Arc::new(testkit::registry()), store);
    let handle = engine.start(flow, RunOptions::default()).unwrap();
    if cancel {
        handle.cancel.cancel();
    }
    handle.wait().unwrap()
}

/// Runs frames' logic until `done` holds (background threads need a moment).
fn until(app: &mut EditorApp, ctx: &egui::Context, what: &str, done: impl Fn(&EditorApp) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done(app) {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
        app.logic(ctx);
    }
}

#[test]
fn discard_in_the_unsaved_dialog_is_a_command_that_carries_on() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = egui::Context::default();
    let mut app = editor(dir.path());
    app.command(Command::AddNode {
        kind: "const".into(),
        pos: Some((0.0, 0.0)),
    });
    app.logic(&ctx);
    assert!(app.is_dirty());
    app.command(Command::NewFlow);
    app.logic(&ctx);
    assert!(matches!(app.modal, Some(Modal::Unsaved(_))), "asks first");
    assert_eq!(app.flow().nodes.len(), 1);
    app.command(Command::Modal(ModalAnswer::Discard));
    app.logic(&ctx);
    assert!(app.modal.is_none());
    assert!(app.flow().nodes.is_empty(), "the new flow is open");
    assert!(!app.is_dirty());
    assert_eq!(app.status_message(), Some("New flow"));
}

#[test]
fn confirming_a_delete_sends_the_delete_command_which_deletes_and_closes_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = egui::Context::default();
    let id = past_run(dir.path(), &one_step("const"), false).id;
    let mut app = editor(dir.path());
    app.command(Command::Runs(RunsCommand::Show(id.clone())));
    app.command(Command::Runs(RunsCommand::AskDelete(vec![id.clone()])));
    app.logic(&ctx);
    assert_eq!(app.center_view(), CenterView::Run);
    // The confirmation's Delete button answers with this command.
    let answer = app.runs.deleter.answer(true);
    assert_eq!(
        answer,
        Some(Command::Runs(RunsCommand::Delete(vec![id.clone()])))
    );
    app.command(answer.unwrap());
    app.logic(&ctx);
    assert_eq!(
        app.center_view(),
        CenterView::Flow,
        "the deleted run's view closed"
    );
    until(&mut app, &ctx, "the delete", |a| {
        !a.runs.deleter.is_deleting()
    });
    assert!(Store::open(dir.path()).unwrap().run(&id).is_err());
    let message = app.status_message().unwrap_or_default();
    assert!(message.starts_with("Deleted 1 run(s)"), "{message}");
}

#[test]
fn a_past_run_is_resumed_and_stopped_through_commands() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = egui::Context::default();
    let old = past_run(dir.path(), &one_step("wait"), true);
    assert_eq!(old.status, RunStatus::Cancelled);
    let mut app = editor(dir.path());
    app.command(Command::Runs(RunsCommand::Show(old.id.clone())));
    app.command(Command::Runs(RunsCommand::Resume));
    app.logic(&ctx);
    let past = app.past_run.as_ref().unwrap();
    assert!(past.is_running());
    assert_ne!(past.run_id(), old.id, "a new run");
    app.command(Command::Runs(RunsCommand::Stop));
    app.logic(&ctx);
    until(&mut app, &ctx, "the stop", |a| {
        !a.past_run.as_ref().is_some_and(|p| p.is_running())
    });
    let view = app.past_run.as_ref().and_then(|p| p.view()).unwrap();
    assert_eq!(view.status, RunStatus::Cancelled);
    assert_eq!(
        app.status_message(),
        Some(format!("Run {} cancelled", view.run_id).as_str())
    );
}

/// `const` → `inc` → `add` (a many-wire join):
///
/// ```text
///   [one] ──▶ [Inc] ──▶ [Sum]
/// ```
fn chain() -> Flow {
    let mut flow = Flow::new("chain");
    for (id, kind, label) in [(1, "const", "one"), (2, "inc", "Inc"), (3, "add", "Sum")] {
        flow.nodes.push(Node {
            id: NodeId(id),
            kind: kind.into(),
            label: label.into(),
            params: Default::default(),
            pos: (id as f32 * 200.0, 0.0),
        });
    }
    flow.edges = vec![
        pipewright_engine::Edge::new(NodeId(1), "out", NodeId(2), "x"),
        pipewright_engine::Edge::new(NodeId(2), "out", NodeId(3), "in"),
    ];
    flow
}

#[test]
fn run_sweep_adds_a_foreach_in_one_undoable_edit_and_runs_every_item() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = egui::Context::default();
    let mut app = editor(dir.path());
    let path = dir.path().join("chain.ron");
    chain().save(&path).unwrap();
    app.command(Command::OpenPath(path));
    app.command(Command::Select(vec![NodeId(2)]));
    app.command(Command::OpenSweep);
    app.logic(&ctx);
    // The dialog starts on the selected step's first number parameter.
    assert_eq!(
        app.modal,
        Some(Modal::Sweep {
            target: "Inc.value".into(),
            values: String::new(),
            error: None
        })
    );
    // A value out of range is refused in the dialog, which stays open.
    app.command(Command::InsertSweep {
        over: "Inc.value = 1, 500".into(),
        run: false,
    });
    app.logic(&ctx);
    let Some(Modal::Sweep { error: Some(e), .. }) = &app.modal else {
        panic!("the dialog shows why: {:?}", app.modal);
    };
    assert!(
        e.contains("Inc.value: value 500 is out of range [-100, 100]"),
        "{e}"
    );
    assert_eq!(app.flow().nodes.len(), 3, "nothing added");

    app.command(Command::InsertSweep {
        over: "Inc.value = 1, 2, 3".into(),
        run: true,
    });
    app.logic(&ctx);
    assert!(app.modal.is_none());
    let foreach = app
        .flow()
        .nodes
        .iter()
        .find(|n| n.kind == pipewright_engine::FOREACH_KIND)
        .expect("a foreach was added")
        .id;
    assert_eq!(app.selection(), [foreach]);
    until(&mut app, &ctx, "the sweep's run", |a| {
        a.run_status().is_some_and(|s| s != RunStatus::Running)
    });
    assert_eq!(app.run_status(), Some(RunStatus::Done));
    let view = app.run_view().unwrap();
    let inc = &view.steps[&NodeId(2)];
    assert_eq!(inc.items, 3);
    assert_eq!(inc.progress().as_deref(), Some("3/3 done"));
    assert_eq!(
        view.steps[&foreach].progress().as_deref(),
        Some("3/3 done"),
        "the foreach counts its items"
    );
    let record = view.record.as_ref().unwrap();
    assert_eq!(record.tasks_of(NodeId(2)).len(), 3);
    // One undo takes the whole sweep back out.
    app.command(Command::Undo);
    app.logic(&ctx);
    assert_eq!(app.flow().nodes.len(), 3);
    assert!(
        app.flow()
            .nodes
            .iter()
            .all(|n| n.kind != pipewright_engine::FOREACH_KIND)
    );
}
