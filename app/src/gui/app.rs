//! The editor's state and its command loop: one [`EditorApp`] owns the document, the
//! canvas view, the run shown and the dialogs; panels push [`Command`]s that
//! [`EditorApp::execute`] applies after they are drawn.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use egui::{Key, KeyboardShortcut, Modifiers, RichText, Ui};
use pipewright_engine::{
    CancelToken, Edge, Edit, Engine, Flow, Node, NodeId, Problem, Registry, RunOptions, RunStatus,
    StepStatus, Store, Value, validate,
};
use serde::{Deserialize, Serialize};

use super::bottom::bottom_ui;
use super::canvas::{Canvas, CanvasContext, canvas_ui};
use super::command::{BottomTab, Command};
use super::document::Document;
use super::files::{self, DialogResult, Example, FileDialogs, NativeDialogs};
use super::inspector::{InspectorContext, inspector_ui};
use super::layout;
use super::palette::{Palette, palette_ui};
use super::results::ArtifactCache;
use super::run_state::RunView;
use super::runs::{self, CenterView, Intercept, RunsHost, RunsOutcome, RunsPanel};
use super::theme::{self, ThemeChoice};
use super::widgets::{ValueEdit, value_editor_ui};

/// What the app remembers between sessions (besides egui's own layout memory).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Dark or light.
    pub theme: ThemeChoice,
    /// Recently opened or saved flows, newest first.
    pub recent: Vec<PathBuf>,
    /// The flow open when the app was closed.
    pub last_flow: Option<PathBuf>,
    /// The bottom panel's tab.
    pub bottom_tab: BottomTab,
}

/// The key under which [`Settings`] are stored by eframe.
pub const SETTINGS_KEY: &str = "pipewright-settings";

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
    Shortcuts,
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
    selection: Vec<NodeId>,
    canvas: Canvas,
    palette: Palette,
    problems: Vec<Problem>,
    problems_by_node: BTreeMap<NodeId, Vec<String>>,
    problems_revision: Option<u64>,
    run: Option<RunView>,
    artifacts: ArtifactCache,
    /// The Runs tab, the past run shown read-only and the comparison (see `runs`).
    runs: RunsPanel,
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
        Ok(Self {
            engine: Engine::new(registry.clone(), store.clone()),
            runs: RunsPanel::new(Engine::new(registry.clone(), store.clone())),
            artifacts: ArtifactCache::new(store, registry.artifact_types().clone()),
            registry,
            doc: Document::new(Flow::new("untitled"), None),
            selection: Vec::new(),
            canvas: Canvas::default(),
            palette: Palette::default(),
            problems: Vec::new(),
            problems_by_node: BTreeMap::new(),
            problems_revision: None,
            run: None,
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
        &self.selection
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
        self.run.as_ref().map(|r| r.status)
    }

    /// A step's status in the shown run.
    pub fn step_status(&self, node: NodeId) -> Option<StepStatus> {
        self.run
            .as_ref()
            .and_then(|r| r.steps.get(&node))
            .map(|s| s.status)
    }

    /// The shown run.
    pub fn run_view(&self) -> Option<&RunView> {
        self.run.as_ref()
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
        self.runs.center()
    }

    /// Queues a command, as a menu item or a shortcut would; it runs in the next frame.
    pub fn command(&mut self, command: Command) {
        self.commands.push(command);
    }

    /// Opens a flow file now (no unsaved-changes question). On failure the current
    /// document stays and the loader's message is shown and returned.
    pub fn open_path(&mut self, path: &Path) -> Result<(), String> {
        match Flow::load(path) {
            Ok(flow) => {
                self.set_document(Document::new(flow, Some(path.to_owned())));
                files::push_recent(&mut self.settings.recent, path);
                self.settings.last_flow = Some(path.to_owned());
                self.info(format!("Opened {}", path.display()));
                Ok(())
            }
            Err(e) => {
                let text = format!("Cannot open: {e}");
                self.error(text.clone());
                Err(text)
            }
        }
    }

    /// Opens the flow given on the command line, or the last flow, or the regression
    /// example, or leaves the empty flow.
    pub fn open_initial(&mut self, flow: Option<&Path>) {
        if let Some(p) = flow {
            let _ = self.open_path(p);
            return;
        }
        if let Some(last) = self.settings.last_flow.clone()
            && last.exists()
            && self.open_path(&last).is_ok()
        {
            return;
        }
        let example = self
            .examples
            .iter()
            .find(|e| e.path.file_stem().is_some_and(|s| s == "regression"))
            .or(self.examples.first())
            .map(|e| e.path.clone());
        if let Some(p) = example {
            let _ = self.open_path(&p);
        }
    }

    fn set_document(&mut self, doc: Document) {
        self.doc = doc;
        self.selection.clear();
        self.canvas.reset_view();
        self.run = None;
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

    fn refresh_problems(&mut self) {
        if self.problems_revision == Some(self.doc.revision()) {
            return;
        }
        self.problems_revision = Some(self.doc.revision());
        self.problems = validate(self.doc.flow(), &self.registry);
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

    /// Why the flow cannot run now, if it cannot.
    pub fn run_blocker(&self) -> Option<String> {
        if self.run.as_ref().is_some_and(RunView::is_running) {
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

    // ---- the frame ------------------------------------------------------------------

    /// Draws the whole editor into `ui` and handles what the user did.
    pub fn ui(&mut self, ui: &mut Ui) {
        let ctx = ui.ctx().clone();
        if self.theme_applied != Some(self.settings.theme) {
            self.settings.theme.apply(&ctx);
            self.theme_applied = Some(self.settings.theme);
        }
        if let Some(run) = &mut self.run {
            let was_running = run.status == RunStatus::Running;
            if run.poll(self.engine.store()) {
                ctx.request_repaint();
                if was_running && run.status != RunStatus::Running {
                    let (text, is_error) = run_end_message(run);
                    self.status = Some(StatusMessage { text, is_error });
                }
            }
        }
        let outcome = self.runs.poll(&ctx);
        self.runs_outcome(outcome);
        self.refresh_problems();
        self.shortcuts(&ctx);
        self.close_request(&ctx);

        let mut commands = std::mem::take(&mut self.commands);
        self.menu_bar_ui(ui, &mut commands);
        self.toolbar_ui(ui, &mut commands);
        self.status_bar_ui(ui);
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
                    self.run.as_ref(),
                    &mut self.runs,
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
                if runs::run_inspector_ui(
                    &mut self.runs,
                    &self.registry,
                    &mut self.artifacts,
                    &mut commands,
                    ui,
                ) {
                    return;
                }
                inspector_ui(
                    InspectorContext {
                        flow: self.doc.flow(),
                        registry: &self.registry,
                        selection: &self.selection,
                        problems: &self.problems,
                        run: self.run.as_ref(),
                        artifacts: &mut self.artifacts,
                        commands: &mut commands,
                    },
                    ui,
                );
            });
        egui::CentralPanel::default()
            .frame(egui::Frame::NONE)
            .show(ui, |ui| {
                // A past run or a comparison takes the centre when the user opens one.
                if runs::center_ui(
                    &mut self.runs,
                    &self.registry,
                    &mut self.artifacts,
                    &mut commands,
                    ui,
                ) {
                    return;
                }
                canvas_ui(
                    &mut self.canvas,
                    CanvasContext {
                        flow: self.doc.flow(),
                        revision: self.doc.revision(),
                        registry: &self.registry,
                        run: self.run.as_ref(),
                        problems: &self.problems_by_node,
                        selection: &self.selection,
                        commands: &mut commands,
                    },
                    ui,
                );
            });
        self.modal_ui(&ctx, &mut commands);

        // Commands queued by `command()` during drawing come after the panels' own.
        commands.append(&mut self.commands);
        for c in commands {
            self.execute(c, &ctx);
        }
        self.end_gestures(&ctx);
        self.refresh_problems();
        if self.quit_requested {
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
        let title = self.window_title();
        if title != self.title {
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.title = title;
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

    fn shortcuts(&mut self, ctx: &egui::Context) {
        let cmd = Modifiers::COMMAND;
        let cmd_shift = Modifiers::COMMAND | Modifiers::SHIFT;
        let mut out = Vec::new();
        let typing = ctx.egui_wants_keyboard_input();
        ctx.input_mut(|i| {
            let mut sc = |m: Modifiers, k: Key, c: Command, out: &mut Vec<Command>| {
                if i.consume_shortcut(&KeyboardShortcut::new(m, k)) {
                    out.push(c);
                }
            };
            // These work everywhere, even while typing in a field.
            sc(cmd_shift, Key::S, Command::SaveAs, &mut out);
            sc(cmd, Key::S, Command::Save, &mut out);
            sc(cmd, Key::O, Command::Open, &mut out);
            sc(cmd, Key::N, Command::NewFlow, &mut out);
            sc(cmd, Key::Q, Command::Quit, &mut out);
            sc(Modifiers::SHIFT, Key::F5, Command::Stop, &mut out);
            sc(Modifiers::NONE, Key::F5, Command::Run, &mut out);
            if typing {
                return;
            }
            sc(cmd_shift, Key::Z, Command::Redo, &mut out);
            sc(cmd, Key::Z, Command::Undo, &mut out);
            sc(cmd, Key::Y, Command::Redo, &mut out);
            sc(cmd, Key::A, Command::SelectAll, &mut out);
            sc(cmd, Key::D, Command::DuplicateSelection, &mut out);
            sc(cmd, Key::C, Command::CopySelection, &mut out);
            sc(cmd, Key::X, Command::CutSelection, &mut out);
            sc(cmd, Key::V, Command::Paste, &mut out);
            sc(cmd, Key::L, Command::AutoLayout, &mut out);
            sc(Modifiers::NONE, Key::Home, Command::FitView, &mut out);
            sc(
                Modifiers::NONE,
                Key::Delete,
                Command::DeleteSelection,
                &mut out,
            );
            sc(
                Modifiers::NONE,
                Key::Backspace,
                Command::DeleteSelection,
                &mut out,
            );
            sc(
                Modifiers::NONE,
                Key::Escape,
                Command::Select(Vec::new()),
                &mut out,
            );
            // The platform turns Ctrl+C/X/V into clipboard events rather than keys.
            for e in &i.events {
                match e {
                    egui::Event::Copy => out.push(Command::CopySelection),
                    egui::Event::Cut => out.push(Command::CutSelection),
                    egui::Event::Paste(text) => out.push(Command::PasteText(text.clone())),
                    _ => {}
                }
            }
        });
        if self.modal.is_none() {
            self.commands.extend(out);
        } else if out.contains(&Command::Quit) {
            self.commands.push(Command::Quit);
        }
    }

    fn close_request(&mut self, ctx: &egui::Context) {
        if ctx.input(|i| i.viewport().close_requested()) && !self.allow_close && self.doc.is_dirty()
        {
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            self.modal = Some(Modal::Unsaved(Pending::Quit));
        }
    }

    // ---- commands ---------------------------------------------------------------------

    /// Applies one command now.
    pub fn execute(&mut self, command: Command, ctx: &egui::Context) {
        // While a past run is shown, edits are refused and view commands go to it.
        let command = match self.runs.intercept(command) {
            Intercept::Pass(c) => c,
            Intercept::Handled(message) => {
                if let Some(m) = message {
                    self.info(m);
                }
                return;
            }
        };
        match command {
            Command::Edit { edit, coalesce } => self.apply(edit, coalesce),
            Command::Undo => {
                if self.doc.undo() {
                    self.retain_selection();
                    self.info("Undone");
                } else {
                    self.info("Nothing to undo");
                }
            }
            Command::Redo => {
                if self.doc.redo() {
                    self.retain_selection();
                    self.info("Redone");
                } else {
                    self.info("Nothing to redo");
                }
            }
            Command::AddNode { kind, pos } => self.add_node(&kind, pos),
            Command::Select(ids) => self.selection = ids,
            Command::ToggleSelect(id) => {
                if let Some(i) = self.selection.iter().position(|s| *s == id) {
                    self.selection.remove(i);
                } else {
                    self.selection.push(id);
                }
            }
            Command::SelectAll => {
                self.selection = self.doc.flow().nodes.iter().map(|n| n.id).collect();
            }
            Command::Focus(id) => {
                self.selection = vec![id];
                self.canvas.center_on(self.doc.flow(), id);
            }
            Command::DeleteSelection => {
                if !self.selection.is_empty() {
                    let ids = std::mem::take(&mut self.selection);
                    let n = ids.len();
                    self.apply(Edit::RemoveNodes(ids), None);
                    self.info(format!("Deleted {n} step(s)"));
                }
            }
            Command::DuplicateSelection => {
                if !self.selection.is_empty() {
                    let (nodes, edges) = self.doc.flow().extract(&self.selection);
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
                let mut values: BTreeMap<String, Value> = self
                    .doc
                    .flow()
                    .parameters
                    .iter()
                    .map(|p| (p.name.clone(), p.default.clone()))
                    .collect();
                for (k, v) in &self.last_run_overrides {
                    if let Some(slot) = values.get_mut(k) {
                        *slot = v.clone();
                    }
                }
                self.modal = Some(Modal::RunParams(values));
            }
            Command::RunWith(values) => self.start_run(values, ctx),
            Command::Stop => {
                if let Some(run) = &mut self.run
                    && run.is_running()
                {
                    run.stop();
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
                let host = RunsHost {
                    flow: self.doc.flow(),
                    dialogs: self.dialogs.as_mut(),
                    ctx,
                };
                let outcome = self.runs.execute(c, host);
                self.runs_outcome(outcome);
            }
        }
    }

    /// Shows what a runs command reported and opens a run's flow when asked to.
    fn runs_outcome(&mut self, outcome: RunsOutcome) {
        match outcome.message {
            Some((text, true)) => self.error(text),
            Some((text, false)) => self.info(text),
            None => {}
        }
        if let Some(flow) = outcome.open_flow {
            self.guard(Pending::OpenFlow(flow));
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
        let flow = self.doc.flow();
        self.selection.retain(|id| flow.node(*id).is_some());
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
            let c = self.canvas.view_center();
            (c.0 - 80.0, c.1 - 40.0)
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
            self.selection = vec![id];
        }
    }

    fn copy(&mut self, ctx: &egui::Context) {
        if self.selection.is_empty() {
            return;
        }
        let clip = self.doc.flow().extract(&self.selection);
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
            self.selection = ids;
        }
    }

    fn set_path_param(&mut self, node: NodeId, name: &str, path: &Path) {
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

    /// Runs `pending` now, or asks about unsaved changes first.
    fn guard(&mut self, pending: Pending) {
        if self.doc.is_dirty() && !(pending == Pending::Quit && self.allow_close) {
            self.modal = Some(Modal::Unsaved(pending));
        } else {
            self.proceed(pending);
        }
    }

    fn proceed(&mut self, pending: Pending) {
        match pending {
            Pending::New => {
                self.set_document(Document::new(Flow::new("untitled"), None));
                self.settings.last_flow = None;
                self.info("New flow");
            }
            Pending::Open => {
                let start = self.doc.path().and_then(Path::parent).map(Path::to_owned);
                match self.dialogs.open_flow(start.as_deref()) {
                    DialogResult::Picked(p) => {
                        let _ = self.open_path(&p);
                    }
                    DialogResult::Cancelled => {}
                    DialogResult::Unavailable => {
                        self.modal = Some(Modal::PathPrompt {
                            purpose: PromptPurpose::Open,
                            text: start
                                .map(|d| format!("{}/", d.display()))
                                .unwrap_or_default(),
                        });
                    }
                }
            }
            Pending::OpenPath(p) => {
                let _ = self.open_path(&p);
            }
            Pending::OpenFlow(flow) => {
                let name = flow.display_title().to_owned();
                self.set_document(Document::new(*flow, None));
                self.settings.last_flow = None;
                self.runs.close_run_view();
                self.info(format!(
                    "Opened the flow {name:?} of the run as a new flow (Save to keep it)"
                ));
            }
            Pending::Quit => {
                self.allow_close = true;
                self.modal = None;
                // eframe closes the window; the harness of the tests just records it.
                self.commands.clear();
                self.status = Some(StatusMessage {
                    text: "Closing".into(),
                    is_error: false,
                });
                self.quit_requested = true;
            }
        }
    }

    /// Whether `path` is one of the bundled example flows.
    fn is_bundled_example(&self, path: &Path) -> bool {
        let (Some(dir), Ok(path)) = (&self.examples_dir, path.canonicalize()) else {
            return false;
        };
        path.parent() == Some(dir.as_path())
    }

    fn save_to(&mut self, path: &Path, _ctx: &egui::Context) {
        // Saved into another folder, relative data paths would point elsewhere: rewrite
        // them (one undoable edit) so they keep reading the same files.
        let absolute = |p: &Path| {
            std::path::absolute(p)
                .ok()
                .map(|p| p.canonicalize().unwrap_or(p))
        };
        let from = absolute(&self.base_dir());
        let to = path.parent().and_then(|p| {
            absolute(if p.as_os_str().is_empty() {
                Path::new(".")
            } else {
                p
            })
        });
        if let (Some(from), Some(to)) = (from, to)
            && let Some(edit) = self.doc.flow().relocate_edit(&self.registry, &from, &to)
            && let Err(e) = self.doc.apply(edit, &self.registry)
        {
            self.error(format!("Cannot save: {e}"));
            return;
        }
        match self.doc.save_as(path) {
            Ok(()) => {
                files::push_recent(&mut self.settings.recent, path);
                self.settings.last_flow = Some(path.to_owned());
                self.info(format!("Saved {}", path.display()));
                if let Some(p) = self.after_save.take() {
                    self.proceed(p);
                }
            }
            Err(e) => {
                self.after_save = None;
                self.error(format!("Cannot save: {e}"));
            }
        }
    }

    fn save_as(&mut self, ctx: &egui::Context) {
        let start = self.doc.path().and_then(Path::parent).map(Path::to_owned);
        let name = self.doc.file_name();
        match self.dialogs.save_flow(start.as_deref(), &name) {
            DialogResult::Picked(mut p) => {
                if p.extension().is_none() {
                    p.set_extension("ron");
                }
                self.save_to(&p, ctx);
            }
            DialogResult::Cancelled => self.after_save = None,
            DialogResult::Unavailable => {
                let dir = start.unwrap_or_else(|| self.base_dir());
                self.modal = Some(Modal::PathPrompt {
                    purpose: PromptPurpose::SaveAs,
                    text: dir.join(&name).display().to_string(),
                });
            }
        }
    }

    fn start_run(&mut self, overrides: BTreeMap<String, Value>, ctx: &egui::Context) {
        if let Some(why) = self.run_blocker() {
            self.error(format!("Cannot run: {why}"));
            return;
        }
        let options = RunOptions {
            overrides: overrides.clone(),
            base_dir: self.base_dir(),
            cancel: CancelToken::new(),
            ..RunOptions::default()
        };
        match self.engine.start(self.doc.flow(), options) {
            Ok(handle) => {
                let labels = self
                    .doc
                    .flow()
                    .nodes
                    .iter()
                    .map(|n| (n.id, n.label.clone()))
                    .collect();
                self.info(format!("Run {} started", handle.run_id));
                self.run = Some(RunView::start(handle, labels, ctx));
                self.last_run_overrides = overrides;
                self.settings.bottom_tab = BottomTab::Log;
            }
            Err(e) => self.error(format!("Cannot run: {e}")),
        }
    }

    fn resume(&mut self, ctx: &egui::Context) {
        let Some(run) = &self.run else {
            self.info("Nothing to resume: no run yet");
            return;
        };
        if run.is_running() || run.status == RunStatus::Done {
            self.info("Resume re-runs a failed or stopped run; this one is not");
            return;
        }
        let id = run.run_id.clone();
        let labels = run
            .steps
            .keys()
            .filter_map(|id| self.doc.flow().node(*id).map(|n| (n.id, n.label.clone())))
            .collect();
        match self.engine.start_resume(&id, RunOptions::default()) {
            Ok(handle) => {
                self.info(format!("Resuming run {id} as run {}", handle.run_id));
                self.run = Some(RunView::start(handle, labels, ctx));
            }
            Err(e) => self.error(format!("Cannot resume: {e}")),
        }
    }

    // ---- panels -----------------------------------------------------------------------

    fn menu_bar_ui(&mut self, ui: &mut Ui, commands: &mut Vec<Command>) {
        egui::Panel::top("menu-bar").show(ui, |ui| {
            egui::MenuBar::new().ui(ui, |ui| {
                ui.menu_button("File", |ui| {
                    let item = |ui: &mut Ui, text: &str, shortcut: &str| {
                        ui.add(egui::Button::new(text).shortcut_text(shortcut))
                    };
                    if item(ui, "New", "Ctrl+N").clicked() {
                        commands.push(Command::NewFlow);
                    }
                    if item(ui, "Open…", "Ctrl+O").clicked() {
                        commands.push(Command::Open);
                    }
                    ui.menu_button("Open example", |ui| {
                        if self.examples.is_empty() {
                            ui.label(RichText::new("No examples found").weak());
                        }
                        for e in &self.examples {
                            let mut r = ui.button(&e.title);
                            if !e.description.is_empty() {
                                r = r.on_hover_text(&e.description);
                            }
                            if r.clicked() {
                                commands.push(Command::OpenPath(e.path.clone()));
                            }
                        }
                    });
                    ui.menu_button("Open recent", |ui| {
                        if self.settings.recent.is_empty() {
                            ui.label(RichText::new("No recent flows").weak());
                        }
                        for p in &self.settings.recent {
                            let name = p.file_name().map_or_else(
                                || p.display().to_string(),
                                |n| n.to_string_lossy().into_owned(),
                            );
                            if ui
                                .button(name)
                                .on_hover_text(p.display().to_string())
                                .clicked()
                            {
                                commands.push(Command::OpenPath(p.clone()));
                            }
                        }
                    });
                    ui.separator();
                    if item(ui, "Save", "Ctrl+S").clicked() {
                        commands.push(Command::Save);
                    }
                    if item(ui, "Save as…", "Ctrl+Shift+S").clicked() {
                        commands.push(Command::SaveAs);
                    }
                    ui.separator();
                    if item(ui, "Quit", "Ctrl+Q").clicked() {
                        commands.push(Command::Quit);
                    }
                });
                ui.menu_button("Edit", |ui| {
                    let has_sel = !self.selection.is_empty();
                    let entries = [
                        ("Undo", "Ctrl+Z", Command::Undo, self.doc.can_undo()),
                        ("Redo", "Ctrl+Shift+Z", Command::Redo, self.doc.can_redo()),
                        ("Cut", "Ctrl+X", Command::CutSelection, has_sel),
                        ("Copy", "Ctrl+C", Command::CopySelection, has_sel),
                        ("Paste", "Ctrl+V", Command::Paste, self.clipboard.is_some()),
                        ("Duplicate", "Ctrl+D", Command::DuplicateSelection, has_sel),
                        ("Delete", "Del", Command::DeleteSelection, has_sel),
                        ("Select all", "Ctrl+A", Command::SelectAll, true),
                    ];
                    for (text, sc, c, enabled) in entries {
                        if ui
                            .add_enabled(enabled, egui::Button::new(text).shortcut_text(sc))
                            .clicked()
                        {
                            commands.push(c);
                        }
                    }
                });
                ui.menu_button("View", |ui| {
                    if ui
                        .add(egui::Button::new("Fit to view").shortcut_text("Home"))
                        .clicked()
                    {
                        commands.push(Command::FitView);
                    }
                    if ui
                        .add(egui::Button::new("Auto-layout").shortcut_text("Ctrl+L"))
                        .clicked()
                    {
                        commands.push(Command::AutoLayout);
                    }
                    ui.separator();
                    let t = self.settings.theme;
                    if ui.radio(t == ThemeChoice::Dark, "Dark theme").clicked() {
                        commands.push(Command::SetTheme(ThemeChoice::Dark));
                    }
                    if ui.radio(t == ThemeChoice::Light, "Light theme").clicked() {
                        commands.push(Command::SetTheme(ThemeChoice::Light));
                    }
                });
                ui.menu_button("Run", |ui| {
                    if ui
                        .add(egui::Button::new("Run").shortcut_text("F5"))
                        .clicked()
                    {
                        commands.push(Command::Run);
                    }
                    if ui.button("Run with parameters…").clicked() {
                        commands.push(Command::RunWithParams);
                    }
                    if ui
                        .add(egui::Button::new("Stop").shortcut_text("Shift+F5"))
                        .clicked()
                    {
                        commands.push(Command::Stop);
                    }
                    if ui.button("Resume").clicked() {
                        commands.push(Command::Resume);
                    }
                });
                ui.menu_button("Help", |ui| {
                    if ui.button("Keyboard shortcuts").clicked() {
                        self.modal = Some(Modal::Shortcuts);
                    }
                });
            });
        });
    }

    fn toolbar_ui(&mut self, ui: &mut Ui, commands: &mut Vec<Command>) {
        egui::Panel::top("toolbar").show(ui, |ui| {
            ui.add_space(2.0);
            ui.horizontal(|ui| {
                let running = self.run.as_ref().is_some_and(RunView::is_running);
                let blocker = self.run_blocker();
                let run = ui
                    .add_enabled(
                        blocker.is_none(),
                        egui::Button::new(RichText::new("▶ Run").strong()),
                    )
                    .on_hover_text("Run the flow (F5)");
                if let Some(why) = &blocker {
                    run.on_disabled_hover_text(format!("Cannot run: {why}"));
                } else if run.clicked() {
                    commands.push(Command::Run);
                }
                if ui
                    .add_enabled(blocker.is_none(), egui::Button::new("Run with parameters…"))
                    .clicked()
                {
                    commands.push(Command::RunWithParams);
                }
                if ui
                    .add_enabled(running, egui::Button::new("⏹ Stop"))
                    .on_hover_text("Cancel the run (Shift+F5)")
                    .clicked()
                {
                    commands.push(Command::Stop);
                }
                let resumable = self
                    .run
                    .as_ref()
                    .is_some_and(|r| !r.is_running() && r.status != RunStatus::Done);
                if ui
                    .add_enabled(resumable, egui::Button::new("↻ Resume"))
                    .on_hover_text("Re-run the failed or stopped run, reusing its finished steps")
                    .clicked()
                {
                    commands.push(Command::Resume);
                }
                ui.separator();
                self.run_summary_ui(ui);
                if let Some(why) = blocker
                    && !running
                    && !self.problems.is_empty()
                {
                    ui.separator();
                    let r = ui.add(
                        egui::Label::new(
                            RichText::new(format!("⚠ Cannot run: {why}"))
                                .color(theme::error_color(ui.visuals())),
                        )
                        .truncate()
                        .sense(egui::Sense::click()),
                    );
                    if r.on_hover_text("Show the Problems tab").clicked() {
                        commands.push(Command::ShowTab(BottomTab::Problems));
                    }
                }
            });
            ui.add_space(2.0);
        });
    }

    fn run_summary_ui(&self, ui: &mut Ui) {
        let Some(run) = &self.run else {
            ui.label(RichText::new("Not run yet").weak());
            return;
        };
        let finished = run.steps.values().filter(|s| s.status.is_final()).count();
        let total = run.steps.len();
        let (text, color) = match run.status {
            RunStatus::Running if run.is_stopping() => (
                format!("⏹ stopping… {finished}/{total} steps"),
                theme::warn_color(ui.visuals()),
            ),
            RunStatus::Running => (
                format!(
                    "⟳ running {finished}/{total} steps · {:.1} s",
                    run.elapsed_secs()
                ),
                theme::status_color(StepStatus::Running),
            ),
            RunStatus::Done => (
                format!(
                    "✔ done · {total} steps in {}",
                    theme::format_duration(run.duration_secs.unwrap_or(0.0))
                ),
                theme::ok_color(ui.visuals()),
            ),
            RunStatus::Failed => {
                let failed = run
                    .steps
                    .values()
                    .filter(|s| s.status == StepStatus::Failed)
                    .count();
                (
                    format!("✖ failed · {failed} step(s) failed"),
                    theme::error_color(ui.visuals()),
                )
            }
            RunStatus::Cancelled => ("⏹ cancelled".to_owned(), theme::warn_color(ui.visuals())),
            RunStatus::Interrupted => ("interrupted".to_owned(), theme::error_color(ui.visuals())),
        };
        ui.label(RichText::new(text).color(color).strong())
            .on_hover_text(format!("run {}", run.run_id));
    }

    fn status_bar_ui(&mut self, ui: &mut Ui) {
        egui::Panel::bottom("status-bar").show(ui, |ui| {
            ui.horizontal(|ui| {
                let flow = self.doc.flow();
                ui.label(
                    RichText::new(format!(
                        "{} · {} steps · {} wires",
                        flow.display_title(),
                        flow.nodes.len(),
                        flow.edges.len()
                    ))
                    .weak(),
                );
                if let Some(s) = &self.status {
                    ui.separator();
                    let color = if s.is_error {
                        theme::error_color(ui.visuals())
                    } else {
                        ui.visuals().text_color()
                    };
                    ui.add(egui::Label::new(RichText::new(&s.text).color(color)).truncate());
                }
            });
        });
    }

    fn modal_ui(&mut self, ctx: &egui::Context, commands: &mut Vec<Command>) {
        let Some(modal) = self.modal.clone() else {
            return;
        };
        let mut close = false;
        match modal {
            Modal::Unsaved(pending) => {
                let action = match &pending {
                    Pending::New => "starting a new flow",
                    Pending::Open | Pending::OpenPath(_) | Pending::OpenFlow(_) => {
                        "opening another flow"
                    }
                    Pending::Quit => "closing",
                };
                egui::Modal::new(egui::Id::new("unsaved")).show(ctx, |ui| {
                    ui.set_width(380.0);
                    ui.heading("Unsaved changes");
                    ui.label(format!(
                        "Save the changes to {} before {action}?",
                        self.doc.file_name()
                    ));
                    ui.add_space(8.0);
                    ui.horizontal(|ui| {
                        if ui.button("Save").clicked() {
                            close = true;
                            self.after_save = Some(pending.clone());
                            commands.push(Command::Save);
                        }
                        if ui.button("Discard").clicked() {
                            close = true;
                            self.modal = None;
                            self.proceed(pending.clone());
                        }
                        if ui.button("Cancel").clicked() {
                            close = true;
                        }
                    });
                });
            }
            Modal::PathPrompt { purpose, mut text } => {
                let title = match &purpose {
                    PromptPurpose::Open => "Open flow",
                    PromptPurpose::SaveAs => "Save flow as",
                    PromptPurpose::ParamPath { .. } => "Choose a file",
                };
                let mut ok = false;
                egui::Modal::new(egui::Id::new("path-prompt")).show(ctx, |ui| {
                    ui.set_width(480.0);
                    ui.heading(title);
                    ui.label(
                        RichText::new("No file dialog is available here; type the path.").weak(),
                    );
                    let r = ui.add(
                        egui::TextEdit::singleline(&mut text)
                            .desired_width(f32::INFINITY)
                            .hint_text("/path/to/flow.ron"),
                    );
                    r.request_focus();
                    if r.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter)) {
                        ok = true;
                    }
                    ui.add_space(8.0);
                    ui.horizontal(|ui| {
                        if ui.button("OK").clicked() {
                            ok = true;
                        }
                        if ui.button("Cancel").clicked() {
                            close = true;
                            self.after_save = None;
                        }
                    });
                });
                if ok && !text.trim().is_empty() {
                    close = true;
                    let path = PathBuf::from(text.trim());
                    match purpose {
                        PromptPurpose::Open => {
                            let _ = self.open_path(&path);
                        }
                        PromptPurpose::SaveAs => {
                            let mut path = path;
                            if path.extension().is_none() {
                                path.set_extension("ron");
                            }
                            commands.push(Command::SaveTo(path));
                        }
                        PromptPurpose::ParamPath { node, name } => {
                            self.set_path_param(node, &name, &path);
                        }
                    }
                } else if let Some(Modal::PathPrompt { text: t, .. }) = &mut self.modal {
                    *t = text;
                }
            }
            Modal::RunParams(mut values) => {
                let mut run = false;
                let flow = self.doc.flow();
                let mut all_valid = true;
                egui::Modal::new(egui::Id::new("run-params")).show(ctx, |ui| {
                    ui.set_width(440.0);
                    ui.heading("Run with parameters");
                    ui.label(
                        RichText::new("These values are for this run only; the flow's defaults do not change.")
                            .weak(),
                    );
                    ui.add_space(6.0);
                    if flow.parameters.is_empty() {
                        ui.label("This flow has no flow parameters.");
                    }
                    egui::Grid::new("run-params-grid")
                        .num_columns(2)
                        .spacing([10.0, 6.0])
                        .show(ui, |ui| {
                            for p in &flow.parameters {
                                let label_id = ui
                                    .label(RichText::new(&p.name).strong())
                                    .on_hover_text(&p.help)
                                    .id;
                                ui.vertical(|ui| {
                                    let v = values.get(&p.name).cloned().unwrap_or_else(|| p.default.clone());
                                    let check = p.ty.check(&v);
                                    ui.horizontal(|ui| {
                                        if let ValueEdit::Changed(nv) = value_editor_ui(
                                            ui,
                                            egui::Id::new(("run-param", &p.name)),
                                            &p.ty,
                                            &v,
                                            check.is_err(),
                                            Some(label_id),
                                        ) {
                                            values.insert(p.name.clone(), nv);
                                        }
                                        if v != p.default {
                                            ui.label(RichText::new(format!("default {}", p.default)).small().weak());
                                        }
                                    });
                                    if let Err(e) = check {
                                        all_valid = false;
                                        ui.colored_label(theme::error_color(ui.visuals()), RichText::new(e).small());
                                    } else if !p.help.is_empty() {
                                        ui.label(RichText::new(&p.help).small().weak());
                                    }
                                });
                                ui.end_row();
                            }
                        });
                    ui.add_space(8.0);
                    ui.horizontal(|ui| {
                        if ui
                            .add_enabled(all_valid, egui::Button::new(RichText::new("▶ Run").strong()))
                            .clicked()
                        {
                            run = true;
                        }
                        if ui.button("Cancel").clicked() {
                            close = true;
                        }
                    });
                });
                if run {
                    close = true;
                    let overrides = values
                        .iter()
                        .filter(|(k, v)| flow.param(k).is_some_and(|p| p.default != **v))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect();
                    commands.push(Command::RunWith(overrides));
                } else if let Some(Modal::RunParams(v)) = &mut self.modal {
                    *v = values;
                }
            }
            Modal::Shortcuts => {
                let r = egui::Modal::new(egui::Id::new("shortcuts")).show(ctx, |ui| {
                    ui.heading("Keyboard shortcuts");
                    egui::Grid::new("shortcuts-grid")
                        .num_columns(2)
                        .striped(true)
                        .show(ui, |ui| {
                            for (k, what) in SHORTCUTS {
                                ui.label(RichText::new(*k).monospace());
                                ui.label(*what);
                                ui.end_row();
                            }
                        });
                    ui.add_space(6.0);
                    if ui.button("Close").clicked() {
                        close = true;
                    }
                });
                if r.should_close() {
                    close = true;
                }
            }
        }
        if close {
            self.modal = None;
        }
    }
}

/// The keyboard shortcuts, as Help ▸ Keyboard shortcuts lists them.
pub const SHORTCUTS: &[(&str, &str)] = &[
    ("F5", "Run"),
    ("Shift+F5", "Stop the run"),
    ("Ctrl+S / Ctrl+Shift+S", "Save / Save as"),
    ("Ctrl+O / Ctrl+N / Ctrl+Q", "Open / New / Quit"),
    ("Ctrl+Z", "Undo"),
    ("Ctrl+Shift+Z, Ctrl+Y", "Redo"),
    ("Ctrl+C / Ctrl+X / Ctrl+V", "Copy / Cut / Paste steps"),
    ("Ctrl+D", "Duplicate the selected steps"),
    ("Delete, Backspace", "Delete the selected steps"),
    ("Ctrl+A / Esc", "Select all / nothing"),
    ("Ctrl+L", "Auto-layout"),
    ("Home", "Fit the flow to the view"),
    (
        "Shift+click, Shift+drag",
        "Add to the selection / box-select",
    ),
    ("Right-click canvas", "Add a step"),
    ("Right-click wire or pin", "Remove wires"),
    (
        "Double-click / Enter in palette",
        "Add a step at the centre",
    ),
];

/// The status-bar line for a run that just ended: its outcome, and for a failure the
/// first failed step and why.
fn run_end_message(run: &RunView) -> (String, bool) {
    let took = run
        .duration_secs
        .map(|s| format!(" in {}", theme::format_duration(s)))
        .unwrap_or_default();
    match run.status {
        RunStatus::Failed => {
            let failed = run
                .steps
                .iter()
                .find(|(_, s)| s.status == StepStatus::Failed);
            let why = failed
                .map(|(id, s)| {
                    format!(
                        ": step {:?} failed: {}",
                        run.labels_of(*id),
                        s.message.as_deref().unwrap_or("no message")
                    )
                })
                .unwrap_or_default();
            (format!("Run {} failed{took}{why}", run.run_id), true)
        }
        status => (format!("Run {} {status}{took}", run.run_id), false),
    }
}
