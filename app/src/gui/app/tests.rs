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
