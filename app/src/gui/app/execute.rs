//! Executing commands: the document's edits, selection and clipboard, and the
//! routing of commands while a past run is shown. File and run actions are in
//! `file_actions.rs` and `run_actions.rs`.

use std::collections::BTreeMap;
use std::path::Path;

use pipewright_engine::{Edge, Edit, Node, NodeId, ParamType, Value};

use super::{EditorApp, Modal, Pending, PromptPurpose};
use crate::gui::command::{CenterView, Command};
use crate::gui::files::DialogResult;
use crate::gui::layout;
use crate::gui::past_run::READ_ONLY;

impl EditorApp {
    /// Applies one command now. While a past run is shown, edits are refused and
    /// the view commands go to it (see `route`).
    pub fn execute(&mut self, command: Command, ctx: &egui::Context) {
        let Some(command) = self.route(command) else {
            return;
        };
        match command {
            Command::Edit { edit, coalesce } => self.apply(edit, coalesce),
            Command::Undo => {
                let what = self.doc.undo_label().map(str::to_owned);
                if self.doc.undo() {
                    self.retain_selection();
                    self.info(format!("Undone: {}", what.unwrap_or_default()));
                } else {
                    self.info("Nothing to undo");
                }
            }
            Command::Redo => {
                let what = self.doc.redo_label().map(str::to_owned);
                if self.doc.redo() {
                    self.retain_selection();
                    self.info(format!("Redone: {}", what.unwrap_or_default()));
                } else {
                    self.info("Nothing to redo");
                }
            }
            Command::AddNode { kind, pos } => self.add_node(&kind, pos),
            Command::Select(ids) => self.selection.select(ids),
            Command::ToggleSelect(id) => self.selection.toggle(id),
            Command::SelectAll => self.selection.select_all(self.doc.flow()),
            Command::Focus(id) => {
                self.selection.select(vec![id]);
                self.canvas.center_on(self.doc.flow(), id);
            }
            Command::DeleteSelection => {
                if !self.selection.is_empty() {
                    let ids = self.selection.take();
                    let n = ids.len();
                    self.apply(Edit::RemoveNodes(ids), None);
                    self.info(format!("Deleted {n} step(s)"));
                }
            }
            Command::DuplicateSelection => {
                if !self.selection.is_empty() {
                    let (nodes, edges) = self.doc.flow().extract(self.selection.ids());
                    self.paste(&nodes, &edges, (40.0, 40.0));
                }
            }
            Command::CopySelection => self.copy(ctx),
            Command::CutSelection => {
                self.copy(ctx);
                self.execute(Command::DeleteSelection, ctx);
            }
            Command::PasteText(text) => {
                // Steps copied in another window (or this one) come back as JSON; the
                // internal clipboard answers for anything else (an empty or foreign text).
                match serde_json::from_str::<(Vec<Node>, Vec<Edge>)>(&text) {
                    Ok(clip) if !clip.0.is_empty() => {
                        if self.clipboard.as_ref() != Some(&clip) {
                            self.clipboard = Some(clip);
                            self.paste_count = 0;
                        }
                        self.execute(Command::Paste, ctx);
                    }
                    _ => self.execute(Command::Paste, ctx),
                }
            }
            Command::Paste => {
                if let Some((nodes, edges)) = self.clipboard.clone() {
                    self.paste_count += 1;
                    let d = 40.0 * self.paste_count as f32;
                    self.paste(&nodes, &edges, (d, d));
                } else {
                    self.info("Nothing to paste: copy some steps first");
                }
            }
            Command::AutoLayout => {
                let canvas = &self.canvas;
                let moves = layout::layered(self.doc.flow(), |id| {
                    canvas.node_size(id).map(|s| (s.x, s.y))
                });
                if !moves.is_empty() {
                    self.apply(Edit::MoveNodes(moves), None);
                    self.canvas.fit(self.doc.flow());
                }
            }
            Command::FitView => self.canvas.fit(self.doc.flow()),
            Command::NewFlow => self.guard(Pending::New),
            Command::Open => self.guard(Pending::Open),
            Command::OpenPath(p) => self.guard(Pending::OpenPath(p)),
            Command::Quit => self.guard(Pending::Quit),
            Command::Save => match self.doc.path().map(Path::to_owned) {
                Some(p) if self.is_bundled_example(&p) => {
                    self.info(
                        "The bundled examples stay as shipped: choose where to save your copy",
                    );
                    self.save_as(ctx);
                }
                Some(p) => self.save_to(&p, ctx),
                None => self.save_as(ctx),
            },
            Command::SaveAs => self.save_as(ctx),
            Command::SaveTo(p) => self.save_to(&p, ctx),
            Command::Run => self.start_run(BTreeMap::new(), ctx),
            Command::RunWithParams => {
                let mut values = self.doc.flow().param_defaults();
                for (k, v) in &self.last_run_overrides {
                    if let Some(slot) = values.get_mut(k) {
                        *slot = v.clone();
                    }
                }
                self.modal = Some(Modal::RunParams(values));
            }
            Command::RunWith(values) => self.start_run(values, ctx),
            Command::OpenSweep => {
                // Start from the selected step's first number parameter.
                let flow = self.doc.flow();
                let target = self
                    .selection
                    .ids()
                    .first()
                    .and_then(|id| flow.node(*id))
                    .and_then(|n| {
                        let desc = self.registry.descriptor(&n.kind)?;
                        let p = desc.params.iter().find(|p| {
                            matches!(p.ty, ParamType::Float { .. } | ParamType::Int { .. })
                        })?;
                        Some(format!("{}.{}", n.label, p.name))
                    })
                    .unwrap_or_default();
                self.modal = Some(Modal::Sweep {
                    target,
                    values: String::new(),
                    error: None,
                });
            }
            Command::InsertSweep { over, run } => {
                let mut flow = self.doc.flow().clone();
                match pipewright_engine::sweep::insert_sweep(
                    &mut flow,
                    &self.registry,
                    &over,
                    &pipewright_nodes::flow::SCORE_TYPES,
                ) {
                    Err(problems) => {
                        let text = problems
                            .iter()
                            .map(|p| p.message.clone())
                            .collect::<Vec<_>>()
                            .join("\n");
                        if let Some(Modal::Sweep { error, .. }) = &mut self.modal {
                            *error = Some(text);
                        } else {
                            self.error(format!("Cannot sweep: {text}"));
                        }
                    }
                    Ok(foreach) => {
                        // The new steps and wires, as one undoable edit.
                        let old = self.doc.flow();
                        let mut edits: Vec<Edit> = flow
                            .nodes
                            .iter()
                            .filter(|n| old.node(n.id).is_none())
                            .map(|n| Edit::AddNode(n.clone()))
                            .collect();
                        edits.extend(
                            flow.edges
                                .iter()
                                .filter(|e| !old.edges.contains(e))
                                .map(|e| Edit::Connect(e.clone())),
                        );
                        self.modal = None;
                        self.apply(Edit::Batch(edits), None);
                        self.selection.select(vec![foreach]);
                        self.info(format!(
                            "Added a foreach over {over}; every item runs as a task of one run"
                        ));
                        if run {
                            self.start_run(BTreeMap::new(), ctx);
                        }
                    }
                }
            }
            Command::Stop => {
                if self.run.stop() {
                    self.info(
                        "Stopping: running steps finish or notice the cancel, no new steps start",
                    );
                }
            }
            Command::Resume => self.resume(ctx),
            Command::BrowseParam { node, name } => {
                let start = Some(self.base_dir());
                match self.dialogs.pick_file(start.as_deref()) {
                    DialogResult::Picked(p) => self.set_path_param(node, &name, &p),
                    DialogResult::Cancelled => {}
                    DialogResult::Unavailable => {
                        self.modal = Some(Modal::PathPrompt {
                            purpose: PromptPurpose::ParamPath { node, name },
                            text: String::new(),
                        });
                    }
                }
            }
            Command::SetTheme(t) => self.settings.theme = t,
            Command::ShowTab(t) => self.settings.bottom_tab = t,
            Command::Runs(c) => {
                let outcome = self.execute_runs(c, ctx);
                self.runs_outcome(outcome);
            }
            Command::Modal(answer) => self.answer_modal(answer, ctx),
            Command::ShowShortcuts => self.modal = Some(Modal::Shortcuts),
            Command::AskServe(target) => self.ask_serve(target),
            Command::StartServing { target, options } => self.start_serving(target, options),
            Command::StopServing => self.stop_serving(),
            Command::ExportBundle(target) => self.export_bundle(target),
            Command::ExportBundleTo(target, path) => self.export_bundle_to(&target, path),
        }
    }

    /// Decides where a command goes while a past run or a comparison is shown: a
    /// past run refuses edits and takes the view commands (selection, fit); leaving
    /// for the flow (Run, Open, …) shows the flow again. Returns the command when the
    /// document should execute it.
    fn route(&mut self, command: Command) -> Option<Command> {
        let edits = matches!(
            command,
            Command::Edit { .. }
                | Command::Undo
                | Command::Redo
                | Command::AddNode { .. }
                | Command::DeleteSelection
                | Command::DuplicateSelection
                | Command::CutSelection
                | Command::Paste
                | Command::PasteText(_)
                | Command::AutoLayout
                | Command::BrowseParam { .. }
        );
        match self.center {
            CenterView::Flow => Some(command),
            CenterView::Compare => {
                // Edits are made where they can be seen: on the flow.
                if edits {
                    self.center = CenterView::Flow;
                }
                Some(command)
            }
            CenterView::Run => {
                let Some(past) = &mut self.past_run else {
                    self.center = CenterView::Flow;
                    return Some(command);
                };
                if edits || command == Command::CopySelection {
                    self.info(READ_ONLY);
                    return None;
                }
                match command {
                    Command::Select(ids) => past.select(ids),
                    Command::ToggleSelect(id) => past.toggle(id),
                    Command::SelectAll => past.select_all(),
                    Command::FitView => past.fit(),
                    Command::Run
                    | Command::RunWith(_)
                    | Command::RunWithParams
                    | Command::OpenSweep
                    | Command::Resume
                    | Command::NewFlow
                    | Command::Open
                    | Command::OpenPath(_)
                    | Command::Focus(_) => {
                        // These are about the flow being edited: show it.
                        self.center = CenterView::Flow;
                        return Some(command);
                    }
                    other => return Some(other),
                }
                None
            }
        }
    }

    fn apply(&mut self, edit: Edit, coalesce: Option<String>) {
        let result = match coalesce {
            None => self.doc.apply(edit, &self.registry),
            key => self.doc.apply_coalesced(edit, key, &self.registry),
        };
        if let Err(e) = result {
            self.error(format!("Refused: {e}"));
        } else if self.status.as_ref().is_some_and(|s| s.is_error) {
            self.status = None;
        }
        self.retain_selection();
        self.refresh_problems();
    }

    fn retain_selection(&mut self) {
        self.selection.retain(self.doc.flow());
    }

    fn add_node(&mut self, kind: &str, pos: Option<(f32, f32)>) {
        let Some(desc) = self.registry.descriptor(kind) else {
            self.error(format!("Unknown step kind {kind:?}"));
            return;
        };
        let flow = self.doc.flow();
        let mut label = desc.title.to_owned();
        let mut n = 2;
        while flow.nodes.iter().any(|x| x.label == label) {
            label = format!("{} {n}", desc.title);
            n += 1;
        }
        let pos = pos.unwrap_or_else(|| {
            // Added from the palette (Enter, double-click): beside the selected step,
            // which it most likely follows, else at the centre of the view; moved down
            // past any step already there, so it never lands on top of one.
            let beside = self
                .selection
                .ids()
                .iter()
                .filter_map(|id| flow.node(*id))
                .max_by(|a, b| a.pos.0.total_cmp(&b.pos.0))
                .map(|n| (n.pos.0 + STEP_PITCH.0, n.pos.1));
            let start = beside.unwrap_or_else(|| {
                let c = self.canvas.view_center();
                (c.0 - 80.0, c.1 - 40.0)
            });
            free_spot(flow, start)
        });
        let id = flow.next_id();
        let node = Node {
            id,
            kind: kind.to_owned(),
            label,
            params: Default::default(),
            pos: (pos.0.round(), pos.1.round()),
        };
        self.apply(Edit::AddNode(node), None);
        if self.doc.flow().node(id).is_some() {
            self.selection.select(vec![id]);
        }
    }

    fn copy(&mut self, ctx: &egui::Context) {
        if self.selection.is_empty() {
            return;
        }
        let clip = self.doc.flow().extract(self.selection.ids());
        let n = clip.0.len();
        // Also on the system clipboard, as text another Pipewright (or a person) can read.
        if let Ok(text) = serde_json::to_string_pretty(&clip) {
            ctx.copy_text(text);
        }
        self.clipboard = Some(clip);
        self.paste_count = 0;
        self.info(format!("Copied {n} step(s)"));
    }

    fn paste(&mut self, nodes: &[Node], edges: &[Edge], offset: (f32, f32)) {
        let (edit, ids) = self.doc.flow().paste_edit(nodes, edges, offset);
        self.apply(edit, None);
        if ids.iter().all(|id| self.doc.flow().node(*id).is_some()) {
            self.selection.select(ids);
        }
    }

    pub(super) fn set_path_param(&mut self, node: NodeId, name: &str, path: &Path) {
        // Paths inside the flow's folder are kept relative, so the flow can move.
        let base = self.base_dir();
        let shown = path
            .strip_prefix(&base)
            .map_or_else(|_| path.to_owned(), Path::to_owned);
        self.apply(
            Edit::SetParam {
                node,
                name: name.to_owned(),
                value: Some(pipewright_engine::ParamValue::Lit(Value::Text(
                    shown.to_string_lossy().into_owned(),
                ))),
            },
            None,
        );
    }
}

/// How far apart steps are placed: across (one step and a wire) and down (one row).
const STEP_PITCH: (f32, f32) = (220.0, 130.0);

/// `start`, or the first place below it that no step occupies (a step is taken to be
/// at most a pitch wide and a row high, in flow coordinates).
fn free_spot(flow: &pipewright_engine::Flow, start: (f32, f32)) -> (f32, f32) {
    let taken = |p: (f32, f32)| {
        flow.nodes.iter().any(|n| {
            (n.pos.0 - p.0).abs() < STEP_PITCH.0 * 0.8 && (n.pos.1 - p.1).abs() < STEP_PITCH.1
        })
    };
    let mut p = start;
    for _ in 0..200 {
        if !taken(p) {
            return p;
        }
        p.1 += STEP_PITCH.1;
    }
    p
}
