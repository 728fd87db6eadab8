//! The editor's state: one [`EditorApp`] owns the siblings — the document and its
//! canvas, the run of the document, the Runs list, the past run shown read-only and
//! the comparison — and decides what the centre shows ([`CenterView`]).
//!
//! Each frame, [`EditorApp::ui`] reads the shortcuts, runs [`EditorApp::logic`] (poll
//! runs and background work, drain the command queue, validate), draws, and runs
//! `logic` again for the commands the panels pushed while drawing.
//!
//! Files: `mod.rs` (state, `new`, read accessors, the frame), `execute.rs` (command
//! execution and routing), `file_actions.rs` (new/open/save and the unsaved-changes
//! guard), `run_actions.rs` (runs of the document and the past-runs commands),
//! `serve_actions.rs` (serving a run's model, stopping it, exporting its bundle),
//! `chrome.rs` (menus, toolbar, status bar, centre strip), `modals.rs` (dialogs),
//! `shortcuts.rs` (keyboard), `settings.rs` (what is remembered).

mod chrome;
mod execute;
mod file_actions;
mod modals;
mod run_actions;
mod serve_actions;
pub mod settings;
pub mod shortcuts;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use egui::Ui;
use pipewright_engine::{
    Edge, Engine, Flow, Node, NodeId, Problem, Registry, RunStatus, StepStatus, Store, Value,
    validate,
};

use super::bottom::bottom_ui;
use super::canvas::{Canvas, CanvasContext, canvas_ui};
use super::command::{CenterView, Command, ServeTarget};
use super::compare::CompareView;
use super::compare::ui::compare_ui;
use super::document::Document;
use super::files::{self, Example, FileDialogs, NativeDialogs};
use super::inspector::{InspectorContext, inspector_ui};
use super::palette::{Palette, palette_ui};
use super::past_run::PastRun;
use super::results::ArtifactCache;
use super::run_state::RunView;
use super::run_tracker::RunTracker;
use super::runs::RunsList;
use super::selection::Selection;
use super::serving::Serving;
use super::theme::ThemeChoice;
use settings::Settings;

/// How to build an [`EditorApp`].
pub struct EditorOptions {
    /// File dialogs (native by default; tests script them).
    pub dialogs: Box<dyn FileDialogs>,
    /// Where the examples are (found automatically by default).
    pub examples_dir: Option<PathBuf>,
    /// Remembered settings.
    pub settings: Settings,
}

impl Default for EditorOptions {
    fn default() -> Self {
        Self {
            dialogs: Box::new(NativeDialogs),
            examples_dir: files::find_examples_dir(),
            settings: Settings::default(),
        }
    }
}

/// An action that waits for the answer to "save changes?".
#[derive(Clone, Debug, PartialEq)]
enum Pending {
    New,
    Open,
    OpenPath(PathBuf),
    /// A past run's flow snapshot, as a new unsaved document.
    OpenFlow(Box<Flow>),
    Quit,
}

/// What an in-app path prompt is for.
#[derive(Clone, Debug, PartialEq)]
enum PromptPurpose {
    Open,
    SaveAs,
    ParamPath { node: NodeId, name: String },
    ExportBundle(ServeTarget),
}

/// *Serve…*: the model, and the fields as typed (checked on Start).
#[derive(Clone, Debug, PartialEq)]
struct ServeForm {
    target: ServeTarget,
    host: String,
    port: String,
    token: String,
    cache: String,
    log: String,
    /// Why the last Start was refused (a field, a port in use, a failed gate).
    error: Option<String>,
}

/// A dialog over the window.
#[derive(Clone, Debug, PartialEq)]
enum Modal {
    Unsaved(Pending),
    PathPrompt {
        purpose: PromptPurpose,
        text: String,
    },
    RunParams(BTreeMap<String, Value>),
    /// *Run ▸ Sweep…*: the chosen `STEP.PARAM`, the values typed, and why the last
    /// try was refused.
    Sweep {
        target: String,
        values: String,
        error: Option<String>,
    },
    Shortcuts,
    Serve(ServeForm),
}

/// A message in the status bar.
#[derive(Clone, Debug, PartialEq)]
struct StatusMessage {
    text: String,
    is_error: bool,
}

/// The editor.
pub struct EditorApp {
    registry: Arc<Registry>,
    engine: Engine,
    doc: Document,
    selection: Selection,
    canvas: Canvas,
    palette: Palette,
    problems: Vec<Problem>,
    /// Idle steps a run leaves out (an input not connected, nothing reading them).
    left_out: Vec<Problem>,
    problems_by_node: BTreeMap<NodeId, Vec<String>>,
    problems_revision: Option<u64>,
    /// The run of the document (the one going, or the last one).
    run: RunTracker,
    artifacts: ArtifactCache,
    /// The Runs tab.
    runs: RunsList,
    /// The past run chosen in the Runs tab, read-only.
    past_run: Option<PastRun>,
    /// The comparison of runs.
    compare: Option<CompareView>,
    /// What the centre shows.
    center: CenterView,
    /// The model served from the editor.
    serving: Option<Serving>,
    commands: Vec<Command>,
    dialogs: Box<dyn FileDialogs>,
    modal: Option<Modal>,
    /// An action to take once the document has been saved (Save in the unsaved dialog).
    after_save: Option<Pending>,
    status: Option<StatusMessage>,
    settings: Settings,
    examples: Vec<Example>,
    /// The bundled examples' folder: Save there turns into Save as.
    examples_dir: Option<PathBuf>,
    clipboard: Option<(Vec<Node>, Vec<Edge>)>,
    paste_count: u32,
    log_filter: Option<NodeId>,
    last_run_overrides: BTreeMap<String, Value>,
    allow_close: bool,
    title: String,
    theme_applied: Option<ThemeChoice>,
    focus_at_gesture: Option<egui::Id>,
    quit_requested: bool,
}

impl std::fmt::Debug for EditorApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EditorApp")
            .field("flow", &self.doc.flow().name)
            .field("path", &self.doc.path())
            .field("selection", &self.selection)
            .finish_non_exhaustive()
    }
}

impl EditorApp {
    /// An editor on an empty flow, over the node kinds of `registry`, keeping runs in
    /// the store at `store_dir`. Needs no window, so tests can drive it.
    pub fn new(
        registry: Arc<Registry>,
        store_dir: &Path,
        options: EditorOptions,
    ) -> anyhow::Result<Self> {
        use anyhow::Context as _;
        let store = Store::open(store_dir)
            .with_context(|| format!("cannot open the run store at {}", store_dir.display()))?;
        let examples = options
            .examples_dir
            .as_deref()
            .map(files::list_examples)
            .unwrap_or_default();
        let engine = Engine::new(registry.clone(), store.clone());
        Ok(Self {
            run: RunTracker::new(engine.clone()),
            engine,
            runs: RunsList::new(store.clone()),
            past_run: None,
            compare: None,
            center: CenterView::Flow,
            serving: None,
            artifacts: ArtifactCache::new(store, registry.artifact_types().clone()),
            registry,
            doc: Document::new(Flow::new("untitled"), None),
            selection: Selection::default(),
            canvas: Canvas::default(),
            palette: Palette::default(),
            problems: Vec::new(),
            left_out: Vec::new(),
            problems_by_node: BTreeMap::new(),
            problems_revision: None,
            commands: Vec::new(),
            dialogs: options.dialogs,
            modal: None,
            after_save: None,
            status: None,
            settings: options.settings,
            examples,
            examples_dir: options
                .examples_dir
                .as_deref()
                .and_then(|d| d.canonicalize().ok()),
            clipboard: None,
            paste_count: 0,
            log_filter: None,
            last_run_overrides: BTreeMap::new(),
            allow_close: false,
            title: String::new(),
            theme_applied: None,
            focus_at_gesture: None,
            quit_requested: false,
        })
    }

    // ---- read access (for tests and the shell) ------------------------------------

    /// The flow being edited.
    pub fn flow(&self) -> &Flow {
        self.doc.flow()
    }

    /// The flow's file, if it has one.
    pub fn path(&self) -> Option<&Path> {
        self.doc.path()
    }

    /// Whether there are unsaved changes.
    pub fn is_dirty(&self) -> bool {
        self.doc.is_dirty()
    }

    /// The selected nodes.
    pub fn selection(&self) -> &[NodeId] {
        self.selection.ids()
    }

    /// The current validation problems.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// The status bar's message.
    pub fn status_message(&self) -> Option<&str> {
        self.status.as_ref().map(|s| s.text.as_str())
    }

    /// The overall status of the shown run.
    pub fn run_status(&self) -> Option<RunStatus> {
        self.run.view().map(|r| r.status)
    }

    /// A step's status in the shown run.
    pub fn step_status(&self, node: NodeId) -> Option<StepStatus> {
        self.run
            .view()
            .and_then(|r| r.steps.get(&node))
            .map(|s| s.status)
    }

    /// The shown run.
    pub fn run_view(&self) -> Option<&RunView> {
        self.run.view()
    }

    /// The URL of the model served from the editor, if one is.
    pub fn serving_url(&self) -> Option<String> {
        self.serving.as_ref().map(Serving::url)
    }

    /// The run whose model is served from the editor, if one is.
    pub fn served_run(&self) -> Option<&str> {
        self.serving.as_ref().map(|s| s.target().run.as_str())
    }

    /// The examples offered by File ▸ Open example.
    pub fn examples(&self) -> &[Example] {
        &self.examples
    }

    /// The window title (file name, and a marker when there are unsaved changes).
    pub fn window_title(&self) -> String {
        format!(
            "{}{} — Pipewright",
            if self.doc.is_dirty() { "● " } else { "" },
            self.doc.file_name()
        )
    }

    /// Whether the user confirmed closing the window.
    pub fn quit_requested(&self) -> bool {
        self.quit_requested
    }

    /// The remembered settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The screen rectangle of a node as drawn in the last frame.
    pub fn node_screen_rect(&self, node: NodeId) -> Option<egui::Rect> {
        self.canvas.node_screen_rect(node)
    }

    /// The screen position of a node's port pin in the last frame (for tests and
    /// tooling that drive the canvas with the pointer).
    pub fn pin_screen_pos(&self, node: NodeId, port: &str, input: bool) -> Option<egui::Pos2> {
        let n = self.doc.flow().node(node)?;
        let d = self.registry.descriptor(&n.kind)?;
        let ports = if input { &d.inputs } else { &d.outputs };
        let index = ports.iter().position(|p| p.name == port)?;
        self.canvas.pin_screen_pos(node, input, index)
    }

    /// The canvas' screen rectangle in the last frame.
    pub fn canvas_rect(&self) -> egui::Rect {
        self.canvas.canvas_rect()
    }

    /// What the centre shows: the flow, a past run (read-only) or a comparison.
    pub fn center_view(&self) -> CenterView {
        self.center
    }

    /// Queues a command, as a menu item or a shortcut would; it runs in the next
    /// [`EditorApp::logic`].
    pub fn command(&mut self, command: Command) {
        self.commands.push(command);
    }

    /// The idle steps a run of the document leaves out, one note each.
    pub fn left_out(&self) -> &[Problem] {
        &self.left_out
    }

    /// Why the document cannot run now, if it cannot.
    pub fn run_blocker(&self) -> Option<String> {
        if self.run.is_running() {
            return Some("a run is in progress".into());
        }
        if self.doc.flow().nodes.is_empty() {
            return Some("the flow has no steps".into());
        }
        match self.problems.len() {
            0 => None,
            1 => Some(format!("1 problem: {}", self.problems[0].message)),
            n => Some(format!("{n} problems (see the Problems tab)")),
        }
    }

    // ---- state helpers ----------------------------------------------------------------

    fn set_document(&mut self, doc: Document) {
        self.doc = doc;
        // The new document in front: a comparison or past run stays a tab behind it.
        self.center = CenterView::Flow;
        self.selection.clear();
        self.canvas.reset_view();
        self.run.clear();
        self.log_filter = None;
        self.last_run_overrides.clear();
        self.problems_revision = None;
        self.paste_count = 0;
    }

    fn info(&mut self, text: impl Into<String>) {
        self.status = Some(StatusMessage {
            text: text.into(),
            is_error: false,
        });
    }

    fn error(&mut self, text: impl Into<String>) {
        let text = text.into();
        tracing::info!("{text}");
        self.status = Some(StatusMessage {
            text,
            is_error: true,
        });
    }

    /// Shows a message that is an error or not.
    fn message(&mut self, (text, is_error): (String, bool)) {
        if is_error {
            self.error(text);
        } else {
            self.info(text);
        }
    }

    fn refresh_problems(&mut self) {
        if self.problems_revision == Some(self.doc.revision()) {
            return;
        }
        self.problems_revision = Some(self.doc.revision());
        // With a file, relative data paths can be checked too (a missing data file is a
        // problem before the run, not a failure in it).
        self.problems = match self.doc.path().and_then(std::path::Path::parent) {
            Some(dir) => pipewright_engine::validate_in(self.doc.flow(), &self.registry, dir),
            None => validate(self.doc.flow(), &self.registry),
        };
        self.left_out = pipewright_engine::idle_steps(self.doc.flow(), &self.registry);
        self.problems_by_node.clear();
        for p in &self.problems {
            if let Some(id) = p.node {
                let msg = p
                    .message
                    .split_once(": ")
                    .map_or(p.message.as_str(), |(_, m)| m);
                self.problems_by_node
                    .entry(id)
                    .or_default()
                    .push(msg.to_owned());
            }
        }
    }

    fn base_dir(&self) -> PathBuf {
        self.doc
            .path()
            .and_then(Path::parent)
            .map(Path::to_owned)
            .filter(|p| !p.as_os_str().is_empty())
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_else(|| PathBuf::from("."))
    }

    // ---- the frame ------------------------------------------------------------------

    /// Draws the whole editor into `ui` and handles what the user did.
    pub fn ui(&mut self, ui: &mut Ui) {
        let ctx = ui.ctx().clone();
        if self.theme_applied != Some(self.settings.theme) {
            self.settings.theme.apply(&ctx);
            self.theme_applied = Some(self.settings.theme);
        }
        self.shortcuts(&ctx);
        self.close_request(&ctx);
        self.logic(&ctx);
        self.draw(ui);
        // What the panels pushed while drawing is applied in the same frame.
        self.logic(&ctx);
        self.end_gestures(&ctx);
        if self.quit_requested {
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
        let title = self.window_title();
        if title != self.title {
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.title = title;
        }
    }

    /// Everything but drawing: takes the events of runs and the results of background
    /// work, executes the queued commands in order, and validates the flow. Needs no
    /// window (`ctx` only wakes the UI from background work).
    pub fn logic(&mut self, ctx: &egui::Context) {
        self.poll(ctx);
        self.refresh_problems();
        for c in std::mem::take(&mut self.commands) {
            self.execute(c, ctx);
        }
        self.refresh_problems();
    }

    fn draw(&mut self, ui: &mut Ui) {
        let ctx = ui.ctx().clone();
        let mut commands = Vec::new();
        self.menu_bar_ui(ui, &mut commands);
        self.toolbar_ui(ui, &mut commands);
        self.status_bar_ui(ui, &mut commands);
        egui::Panel::bottom("bottom-tabs")
            .resizable(true)
            .default_size(170.0)
            .min_size(80.0)
            .show(ui, |ui| {
                bottom_ui(
                    self.settings.bottom_tab,
                    &mut self.log_filter,
                    self.doc.flow(),
                    &self.problems,
                    &self.left_out,
                    self.run.view(),
                    &mut self.runs,
                    self.past_run.as_ref().map(PastRun::run_id),
                    self.serving.as_ref(),
                    &mut commands,
                    ui,
                );
            });
        egui::Panel::left("palette")
            .resizable(true)
            .default_size(210.0)
            .min_size(150.0)
            .show(ui, |ui| {
                palette_ui(&mut self.palette, &self.registry, &mut commands, ui);
            });
        egui::Panel::right("inspector")
            .resizable(true)
            .default_size(380.0)
            .min_size(240.0)
            .show(ui, |ui| {
                // A past run shown on the canvas has its own, read-only inspector.
                if self.center == CenterView::Run
                    && let Some(past) = &mut self.past_run
                {
                    past.inspector_ui(&self.registry, &mut self.artifacts, &mut commands, ui);
                    return;
                }
                inspector_ui(
                    InspectorContext {
                        flow: self.doc.flow(),
                        registry: &self.registry,
                        selection: self.selection.ids(),
                        problems: &self.problems,
                        run: self.run.view(),
                        artifacts: &mut self.artifacts,
                        commands: &mut commands,
                    },
                    ui,
                );
            });
        egui::CentralPanel::default()
            .frame(egui::Frame::NONE)
            .show(ui, |ui| self.center_ui(&mut commands, ui));
        self.modal_ui(&ctx, &mut commands);
        self.runs.deleter.confirm_ui(&ctx, &mut commands);
        // Commands queued by `command()` during drawing come after the panels' own.
        commands.append(&mut self.commands);
        self.commands = commands;
    }

    /// The centre: a strip to switch between the flow, the past run and the
    /// comparison when one is open, then the one chosen.
    fn center_ui(&mut self, commands: &mut Vec<Command>, ui: &mut Ui) {
        if self.past_run.is_none() && self.compare.is_none() {
            self.center = CenterView::Flow;
        } else {
            self.center_strip_ui(commands, ui);
        }
        match self.center {
            CenterView::Run if self.past_run.is_some() => {
                if let Some(past) = &mut self.past_run {
                    past.center_ui(&self.registry, commands, ui);
                }
            }
            CenterView::Compare if self.compare.is_some() => {
                if let Some(cmp) = &mut self.compare {
                    egui::Frame::new()
                        .fill(ui.visuals().panel_fill)
                        .inner_margin(egui::Margin::same(8))
                        .show(ui, |ui| {
                            ui.set_min_size(ui.available_size());
                            compare_ui(cmp, &mut self.artifacts, commands, ui);
                        });
                }
            }
            _ => canvas_ui(
                &mut self.canvas,
                CanvasContext {
                    flow: self.doc.flow(),
                    revision: self.doc.revision(),
                    registry: &self.registry,
                    run: self.run.view(),
                    problems: &self.problems_by_node,
                    selection: self.selection.ids(),
                    commands,
                },
                ui,
            ),
        }
    }

    /// One slider drag or one field's typing is one undo step: the gesture ends when
    /// the pointer is released or keyboard focus moves.
    fn end_gestures(&mut self, ctx: &egui::Context) {
        let focus = ctx.memory(|m| m.focused());
        let released = ctx.input(|i| i.pointer.any_released() || !i.pointer.any_down());
        if focus != self.focus_at_gesture || (focus.is_none() && released) {
            self.doc.end_gesture();
        }
        self.focus_at_gesture = focus;
    }
}
