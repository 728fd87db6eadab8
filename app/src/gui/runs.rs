//! Past runs: the Runs tab (a sortable, filterable list of the runs in the store),
//! a past run shown read-only on the canvas as it ran, and the entry to the
//! comparison view ([`super::compare`]).
//!
//! - The list is read off the UI thread ([`Store::runs`] reads every record) when the
//!   tab is first shown, on Refresh, when the flow or the "all flows" toggle changes
//!   and when a run ends; never per frame. Filtering and sorting are redone only when
//!   their inputs change, and only the visible rows are drawn, so 1,000 runs scroll
//!   smoothly.
//! - A shown run has its own [`Canvas`] over its flow snapshot and a [`RunView`]
//!   built from its record, so the nodes carry their final status and the inspector
//!   shows every node's artifacts. Edits are refused (the app asks
//!   [`RunsPanel::intercept`] first); "Open as new flow" hands the snapshot to the app
//!   as a new document.
//! - Store changes (tags, deletes) are [`RunsCommand`]s that the app executes through
//!   [`RunsPanel::execute`]; deletes run in the background and collect the blobs no
//!   remaining run refers to.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use crossbeam_channel::{Receiver, TryRecvError, bounded};
use egui::{Align, Color32, Layout, RichText, Sense, Ui, UiBuilder, Vec2};
use pipewright_engine::{
    Edit, Engine, Flow, Goal, NodeId, Registry, RunOptions, RunRecord, RunStatus, StepStatus,
    Value, best_runs,
};

use super::canvas::{Canvas, CanvasContext, canvas_ui};
use super::command::{BottomTab, Command};
use super::compare::{CompareView, compare_ui};
use super::files::{DialogResult, FileDialogs};
use super::inspector::{InspectorContext, inspector_ui};
use super::results::{ArtifactCache, format_number};
use super::run_state::RunView;
use super::theme;

/// What the centre of the window shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CenterView {
    /// The flow being edited.
    #[default]
    Flow,
    /// The past run chosen in the Runs tab, read-only.
    Run,
    /// The comparison of runs.
    Compare,
}

/// Something the user asked of past runs.
#[derive(Clone, Debug, PartialEq)]
pub enum RunsCommand {
    /// Reads the list of runs from the store again.
    Refresh,
    /// Lists the runs of every flow in the store (`true`) or of the open flow only.
    SetAllFlows(bool),
    /// Shows a run on the canvas as it ran, read-only.
    Show(String),
    /// Switches the centre between the flow, the shown run and the comparison.
    ShowCenter(CenterView),
    /// Closes the shown run (back to the flow).
    CloseRun,
    /// Closes the comparison.
    CloseCompare,
    /// Opens the shown run's flow snapshot as a new, editable flow.
    OpenAsNewFlow,
    /// Runs the shown run's flow snapshot again with the same parameters,
    /// recomputing every step.
    Rerun,
    /// Resumes the shown (failed or stopped) run: its finished steps are reused.
    Resume,
    /// Compares these runs side by side; the first is the baseline.
    Compare(Vec<String>),
    /// Asks for confirmation before deleting these runs.
    AskDelete(Vec<String>),
    /// Deletes these runs, then the blobs no remaining run refers to.
    Delete(Vec<String>),
    /// Adds a tag to runs.
    AddTag {
        /// The runs' ids.
        runs: Vec<String>,
        /// The tag.
        tag: String,
    },
    /// Removes a tag from a run.
    RemoveTag {
        /// The run's id.
        run: String,
        /// The tag.
        tag: String,
    },
    /// Exports the comparison table as CSV (asks where).
    ExportCsv,
    /// Exports the comparison table as CSV to this file.
    ExportCsvTo(PathBuf),
    /// An edit was attempted on the read-only past run (says why it was refused).
    ReadOnly,
}

/// What the app must do after a runs command.
#[derive(Debug, Default)]
pub struct RunsOutcome {
    /// A status-bar message, and whether it is an error.
    pub message: Option<(String, bool)>,
    /// A flow to open as a new document (through the unsaved-changes guard).
    pub open_flow: Option<Box<Flow>>,
}

impl RunsOutcome {
    fn info(text: impl Into<String>) -> Self {
        Self {
            message: Some((text.into(), false)),
            open_flow: None,
        }
    }
    fn error(text: impl Into<String>) -> Self {
        Self {
            message: Some((text.into(), true)),
            open_flow: None,
        }
    }
}

/// What [`RunsPanel::intercept`] decided about an app command.
#[derive(Debug)]
pub enum Intercept {
    /// The app runs the command as usual.
    Pass(Command),
    /// The panel handled it (or refused it, with a message for the status bar).
    Handled(Option<String>),
}

/// What the app lends [`RunsPanel::execute`].
pub struct RunsHost<'a> {
    /// The flow being edited (its name selects the listed runs).
    pub flow: &'a Flow,
    /// File dialogs (CSV export).
    pub dialogs: &'a mut dyn FileDialogs,
    /// To wake the UI from background work.
    pub ctx: &'a egui::Context,
}

/// One listed run, with what the list shows computed once.
#[derive(Clone, Debug)]
struct Row {
    record: Arc<RunRecord>,
    metrics: BTreeMap<String, f64>,
    goals: BTreeMap<String, Goal>,
    changed: BTreeMap<String, Value>,
    duration_secs: Option<f64>,
    started: String,
    /// Lower-case text the filter searches: id, flow, status, user, tags, parameters.
    haystack: String,
}

impl Row {
    fn new(record: RunRecord) -> Self {
        let metrics = record.metrics();
        let goals = record.metric_goals();
        let changed = record.changed_params();
        let started = record
            .started_at
            .with_timezone(&chrono::Local)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string();
        let mut haystack = format!(
            "{} {} {} {} {}",
            record.id,
            record.flow_name,
            record.status,
            record.user,
            record.tags.join(" ")
        );
        for (k, v) in &changed {
            haystack.push_str(&format!(" {k}={v}"));
        }
        Self {
            duration_secs: record.duration_secs(),
            haystack: haystack.to_lowercase(),
            record: Arc::new(record),
            metrics,
            goals,
            changed,
            started,
        }
    }
}

/// A sortable column of the list.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Column {
    Id,
    Flow,
    Started,
    Duration,
    Status,
    Param(String),
    Metric(String),
    Tags,
}

/// Filters of the list.
#[derive(Clone, Debug, Default, PartialEq)]
struct Filter {
    status: Option<RunStatus>,
    tag: Option<String>,
    text: String,
}

/// A past run shown on the canvas.
struct ShownRun {
    flow: Flow,
    view: RunView,
    canvas: Canvas,
    revision: u64,
    selection: Vec<NodeId>,
    tag_text: String,
}

impl ShownRun {
    fn new(record: RunRecord) -> Self {
        Self {
            flow: record.flow.clone(),
            view: RunView::from_record(record),
            canvas: Canvas::default(),
            revision: 0,
            selection: Vec::new(),
            tag_text: String::new(),
        }
    }
}

type Listing = Result<(Vec<Row>, f64), String>;

/// The state of the Runs tab, the shown past run and the comparison.
pub struct RunsPanel {
    engine: Engine,
    all_flows: bool,
    /// (flow name, all flows) of the list loaded or loading.
    listed_for: Option<(String, bool)>,
    rows: Vec<Row>,
    loaded: bool,
    loading: Option<Receiver<Listing>>,
    load_ms: Option<f64>,
    /// The id of the last finished editor run seen (a new one triggers a reload).
    seen_run: Option<String>,
    filter: Filter,
    sort: (Column, bool),
    visible: Vec<usize>,
    visible_key: Option<(Filter, (Column, bool), u64)>,
    generation: u64,
    checked: BTreeSet<String>,
    anchor: Option<usize>,
    hidden_metrics: BTreeSet<String>,
    confirm_delete: Option<Vec<String>>,
    deleting: Option<Receiver<Result<String, String>>>,
    tag_text: String,
    best_metric: Option<String>,
    best_n: usize,
    shown: Option<ShownRun>,
    compare: Option<CompareView>,
    center: CenterView,
    messages: Vec<(String, bool)>,
}

impl std::fmt::Debug for RunsPanel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunsPanel")
            .field("rows", &self.rows.len())
            .field("center", &self.center)
            .finish_non_exhaustive()
    }
}

const ROW_HEIGHT: f32 = 22.0;
const READ_ONLY: &str = "This past run is shown as it ran and cannot be edited: use \u{201c}Open as new flow\u{201d} to edit a copy";

impl RunsPanel {
    /// A panel over the engine's store (the engine also re-runs and resumes).
    pub fn new(engine: Engine) -> Self {
        Self {
            engine,
            all_flows: false,
            listed_for: None,
            rows: Vec::new(),
            loaded: false,
            loading: None,
            load_ms: None,
            seen_run: None,
            filter: Filter::default(),
            sort: (Column::Started, true),
            visible: Vec::new(),
            visible_key: None,
            generation: 0,
            checked: BTreeSet::new(),
            anchor: None,
            hidden_metrics: BTreeSet::new(),
            confirm_delete: None,
            deleting: None,
            tag_text: String::new(),
            best_metric: None,
            best_n: 3,
            shown: None,
            compare: None,
            center: CenterView::Flow,
            messages: Vec::new(),
        }
    }

    /// The tab's title, with the number of runs once listed.
    pub fn tab_label(&self) -> String {
        if self.loaded {
            format!("Runs ({})", self.rows.len())
        } else {
            "Runs".to_owned()
        }
    }

    /// What the centre shows.
    pub fn center(&self) -> CenterView {
        self.center
    }

    /// Closes the shown past run (the app opened its flow, or another document).
    pub fn close_run_view(&mut self) {
        self.shown = None;
        if self.center == CenterView::Run {
            self.center = if self.compare.is_some() {
                CenterView::Compare
            } else {
                CenterView::Flow
            };
        }
    }

    fn start_load(&mut self, flow: &str, ctx: &egui::Context) {
        let store = self.engine.store().clone();
        let name = (!self.all_flows).then(|| flow.to_owned());
        self.listed_for = Some((flow.to_owned(), self.all_flows));
        let (tx, rx) = bounded(1);
        let ctx = ctx.clone();
        let spawned = std::thread::Builder::new()
            .name("pipewright-runs-list".into())
            .spawn(move || {
                let started = Instant::now();
                let listing = store
                    .runs(name.as_deref())
                    .map(|records| {
                        let rows: Vec<Row> = records.into_iter().map(Row::new).collect();
                        (rows, started.elapsed().as_secs_f64() * 1000.0)
                    })
                    .map_err(|e| format!("Cannot list the runs: {e}"));
                let _ = tx.send(listing);
                ctx.request_repaint();
            });
        match spawned {
            Ok(_) => self.loading = Some(rx),
            Err(e) => self
                .messages
                .push((format!("Cannot list the runs: {e}"), true)),
        }
    }

    fn ensure_listed(&mut self, flow: &str, ctx: &egui::Context) {
        let wanted = (flow.to_owned(), self.all_flows);
        if self.listed_for.as_ref() != Some(&wanted) {
            self.start_load(flow, ctx);
        }
    }

    fn reload(&mut self, ctx: &egui::Context) {
        if let Some((flow, _)) = self.listed_for.clone() {
            self.start_load(&flow, ctx);
        }
    }

    /// Takes the results of background work (the list, deletes, a re-run in progress)
    /// and shows the delete confirmation. Called once per frame by the app.
    pub fn poll(&mut self, ctx: &egui::Context) -> RunsOutcome {
        if let Some(rx) = &self.loading {
            match rx.try_recv() {
                Ok(Ok((rows, ms))) => {
                    self.loading = None;
                    self.loaded = true;
                    self.load_ms = Some(ms);
                    let ids: BTreeSet<&str> = rows.iter().map(|r| r.record.id.as_str()).collect();
                    self.checked.retain(|id| ids.contains(id.as_str()));
                    self.rows = rows;
                    self.generation += 1;
                }
                Ok(Err(e)) => {
                    self.loading = None;
                    self.messages.push((e, true));
                }
                Err(TryRecvError::Empty) => {}
                Err(TryRecvError::Disconnected) => self.loading = None,
            }
        }
        if let Some(rx) = &self.deleting {
            match rx.try_recv() {
                Ok(result) => {
                    self.deleting = None;
                    let is_error = result.is_err();
                    self.messages.push((result.unwrap_or_else(|e| e), is_error));
                    self.reload(ctx);
                }
                Err(TryRecvError::Empty) => {}
                Err(TryRecvError::Disconnected) => self.deleting = None,
            }
        }
        let mut finished = false;
        if let Some(shown) = &mut self.shown {
            let was_running = shown.view.is_running();
            if shown.view.poll(self.engine.store()) {
                ctx.request_repaint();
            }
            if was_running && !shown.view.is_running() {
                finished = true;
                self.messages.push((
                    format!("Run {} {}", shown.view.run_id, shown.view.status),
                    shown.view.status == RunStatus::Failed,
                ));
            }
            if shown.view.is_running() {
                ctx.request_repaint_after(std::time::Duration::from_millis(50));
            }
        }
        if finished {
            self.reload(ctx);
        }
        self.delete_modal_ui(ctx);
        // One message per frame reaches the status bar: the latest one.
        let message = self.messages.pop();
        self.messages.clear();
        RunsOutcome {
            message,
            open_flow: None,
        }
    }

    fn delete_modal_ui(&mut self, ctx: &egui::Context) {
        let Some(ids) = self.confirm_delete.clone() else {
            return;
        };
        let mut close = false;
        let mut confirmed = false;
        let r = egui::Modal::new(egui::Id::new("delete-runs")).show(ctx, |ui| {
            ui.set_width(440.0);
            let what = if ids.len() == 1 {
                format!("run {}", ids[0])
            } else {
                format!("{} runs", ids.len())
            };
            ui.heading(format!("Delete {what}?"));
            ui.label(
                "Their records are removed, and the artifacts that no other run uses are \
                 deleted with them. Artifacts other runs use are kept. This cannot be undone.",
            );
            if ids.len() > 1 {
                ui.label(RichText::new(ids.join(", ")).monospace().small().weak());
            }
            ui.add_space(8.0);
            ui.horizontal(|ui| {
                let del = egui::Button::new(RichText::new("Delete").color(Color32::WHITE).strong())
                    .fill(theme::error_color(ui.visuals()));
                if ui.add(del).clicked() {
                    confirmed = true;
                }
                if ui.button("Cancel").clicked() {
                    close = true;
                }
            });
        });
        if r.should_close() {
            close = true;
        }
        if confirmed {
            self.confirm_delete = None;
            self.start_delete(ids, ctx);
        } else if close {
            self.confirm_delete = None;
        }
    }

    fn start_delete(&mut self, ids: Vec<String>, ctx: &egui::Context) {
        if self.deleting.is_some() {
            self.messages
                .push(("A delete is already in progress".into(), true));
            return;
        }
        let store = self.engine.store().clone();
        let (tx, rx) = bounded(1);
        let wake = ctx.clone();
        let n = ids.len();
        let spawn_ids = ids.clone();
        let spawned = std::thread::Builder::new()
            .name("pipewright-delete-runs".into())
            .spawn(move || {
                let refs: Vec<&str> = spawn_ids.iter().map(String::as_str).collect();
                let result = store
                    .delete_runs(&refs)
                    .map(|gc| {
                        format!(
                            "Deleted {n} run(s); freed {} unused artifact(s), {}",
                            gc.blobs,
                            format_bytes(gc.bytes)
                        )
                    })
                    .map_err(|e| format!("Cannot delete: {e}"));
                let _ = tx.send(result);
                wake.request_repaint();
            });
        match spawned {
            Ok(_) => {
                self.deleting = Some(rx);
                for id in &ids {
                    self.checked.remove(id);
                }
                if self
                    .shown
                    .as_ref()
                    .is_some_and(|s| ids.contains(&s.view.run_id))
                {
                    self.close_run_view();
                }
                if self
                    .compare
                    .as_ref()
                    .is_some_and(|c| c.run_ids().iter().any(|r| ids.contains(r)))
                {
                    self.compare = None;
                    if self.center == CenterView::Compare {
                        self.center = CenterView::Flow;
                    }
                }
            }
            Err(e) => self.messages.push((format!("Cannot delete: {e}"), true)),
        }
    }

    fn row(&self, id: &str) -> Option<&Row> {
        self.rows.iter().find(|r| r.record.id == id)
    }

    fn record(&self, id: &str) -> Result<Arc<RunRecord>, String> {
        if let Some(r) = self.row(id) {
            return Ok(r.record.clone());
        }
        self.engine
            .store()
            .run(id)
            .map(Arc::new)
            .map_err(|e| e.to_string())
    }

    fn replace_record(&mut self, record: RunRecord) {
        if let Some(row) = self.rows.iter_mut().find(|r| r.record.id == record.id) {
            *row = Row::new(record.clone());
        }
        if let Some(shown) = &mut self.shown
            && shown.view.run_id == record.id
            && let Some(r) = &mut shown.view.record
        {
            r.tags = record.tags.clone();
        }
        self.generation += 1;
    }

    fn set_tags(&mut self, id: &str, f: impl FnOnce(&mut Vec<String>)) -> Result<(), String> {
        let record = self.record(id)?;
        let mut tags = record.tags.clone();
        f(&mut tags);
        let updated = self
            .engine
            .store()
            .set_tags(id, &tags)
            .map_err(|e| format!("Cannot tag run {id}: {e}"))?;
        self.replace_record(updated);
        Ok(())
    }

    /// Decides about an app command while a past run or a comparison is shown: a past
    /// run refuses edits and takes the view commands (selection, fit); leaving for
    /// the flow (Run, Open, …) closes the past run's view.
    pub fn intercept(&mut self, command: Command) -> Intercept {
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
            CenterView::Flow => Intercept::Pass(command),
            CenterView::Compare => {
                // Edits are made where they can be seen: on the flow.
                if edits {
                    self.center = CenterView::Flow;
                }
                Intercept::Pass(command)
            }
            CenterView::Run => {
                let Some(shown) = &mut self.shown else {
                    self.center = CenterView::Flow;
                    return Intercept::Pass(command);
                };
                if edits || command == Command::CopySelection {
                    return Intercept::Handled(Some(READ_ONLY.to_owned()));
                }
                match command {
                    Command::Select(ids) => shown.selection = ids,
                    Command::ToggleSelect(id) => {
                        if let Some(i) = shown.selection.iter().position(|s| *s == id) {
                            shown.selection.remove(i);
                        } else {
                            shown.selection.push(id);
                        }
                    }
                    Command::SelectAll => {
                        shown.selection = shown.flow.nodes.iter().map(|n| n.id).collect();
                    }
                    Command::FitView => shown.canvas.fit(&shown.flow),
                    Command::Run
                    | Command::RunWith(_)
                    | Command::RunWithParams
                    | Command::Resume
                    | Command::NewFlow
                    | Command::Open
                    | Command::OpenPath(_)
                    | Command::Focus(_) => {
                        // These are about the flow being edited: show it.
                        self.center = CenterView::Flow;
                        return Intercept::Pass(command);
                    }
                    other => return Intercept::Pass(other),
                }
                Intercept::Handled(None)
            }
        }
    }

    /// Executes a runs command.
    pub fn execute(&mut self, command: RunsCommand, host: RunsHost<'_>) -> RunsOutcome {
        let ctx = host.ctx;
        match command {
            RunsCommand::Refresh => {
                self.start_load(&host.flow.name, ctx);
                RunsOutcome::default()
            }
            RunsCommand::SetAllFlows(all) => {
                self.all_flows = all;
                self.start_load(&host.flow.name, ctx);
                RunsOutcome::default()
            }
            RunsCommand::Show(id) => match self.record(&id) {
                Ok(record) => {
                    let mut shown = ShownRun::new((*record).clone());
                    // Keep the selected step when switching between runs of one flow.
                    if let Some(old) = &self.shown {
                        shown.selection = old
                            .selection
                            .iter()
                            .copied()
                            .filter(|n| shown.flow.node(*n).is_some())
                            .collect();
                    }
                    self.shown = Some(shown);
                    self.center = CenterView::Run;
                    RunsOutcome::default()
                }
                Err(e) => RunsOutcome::error(format!("Cannot show run {id}: {e}")),
            },
            RunsCommand::ShowCenter(v) => {
                let available = match v {
                    CenterView::Flow => true,
                    CenterView::Run => self.shown.is_some(),
                    CenterView::Compare => self.compare.is_some(),
                };
                if available {
                    self.center = v;
                }
                RunsOutcome::default()
            }
            RunsCommand::CloseRun => {
                self.close_run_view();
                RunsOutcome::default()
            }
            RunsCommand::CloseCompare => {
                self.compare = None;
                if self.center == CenterView::Compare {
                    self.center = if self.shown.is_some() {
                        CenterView::Run
                    } else {
                        CenterView::Flow
                    };
                }
                RunsOutcome::default()
            }
            RunsCommand::OpenAsNewFlow => match &self.shown {
                Some(shown) => RunsOutcome {
                    message: None,
                    open_flow: Some(Box::new(shown.flow.clone())),
                },
                None => RunsOutcome::info("No run is shown"),
            },
            RunsCommand::Rerun | RunsCommand::Resume => {
                let resume = command == RunsCommand::Resume;
                self.rerun(resume, ctx)
            }
            RunsCommand::Compare(ids) => {
                if ids.len() < 2 {
                    return RunsOutcome::info("Choose two or more runs to compare");
                }
                let mut records = Vec::new();
                for id in &ids {
                    match self.record(id) {
                        Ok(r) => records.push(r),
                        Err(e) => return RunsOutcome::error(format!("Cannot compare: {e}")),
                    }
                }
                self.compare = Some(CompareView::new(records));
                self.center = CenterView::Compare;
                RunsOutcome::default()
            }
            RunsCommand::AskDelete(ids) => {
                if ids.is_empty() {
                    return RunsOutcome::info("Choose the runs to delete first");
                }
                self.confirm_delete = Some(ids);
                RunsOutcome::default()
            }
            RunsCommand::Delete(ids) => {
                self.start_delete(ids, ctx);
                RunsOutcome::default()
            }
            RunsCommand::AddTag { runs, tag } => {
                let tag = tag.trim().to_owned();
                if tag.is_empty() {
                    return RunsOutcome::info("Type a tag first");
                }
                for id in &runs {
                    if let Err(e) = self.set_tags(id, |tags| tags.push(tag.clone())) {
                        return RunsOutcome::error(e);
                    }
                }
                RunsOutcome::info(format!(
                    "Tagged {} run(s) \u{201c}{tag}\u{201d}",
                    runs.len()
                ))
            }
            RunsCommand::RemoveTag { run, tag } => {
                match self.set_tags(&run, |tags| tags.retain(|t| *t != tag)) {
                    Ok(()) => RunsOutcome::info(format!(
                        "Removed the tag \u{201c}{tag}\u{201d} from run {run}"
                    )),
                    Err(e) => RunsOutcome::error(e),
                }
            }
            RunsCommand::ExportCsv => {
                let Some(compare) = &mut self.compare else {
                    return RunsOutcome::info("Nothing to export: compare runs first");
                };
                let name = compare.default_file_name();
                let start = std::env::current_dir().ok();
                match host
                    .dialogs
                    .save_file(start.as_deref(), &name, ("CSV", &["csv"]))
                {
                    DialogResult::Picked(p) => compare.export_to(&p),
                    DialogResult::Cancelled => RunsOutcome::default(),
                    DialogResult::Unavailable => {
                        let dir = start.unwrap_or_else(|| PathBuf::from("."));
                        compare.ask_path(dir.join(name).display().to_string());
                        RunsOutcome::default()
                    }
                }
            }
            RunsCommand::ExportCsvTo(path) => match &mut self.compare {
                Some(compare) => compare.export_to(&path),
                None => RunsOutcome::info("Nothing to export: compare runs first"),
            },
            RunsCommand::ReadOnly => RunsOutcome::info(READ_ONLY),
        }
    }

    fn rerun(&mut self, resume: bool, ctx: &egui::Context) -> RunsOutcome {
        let Some(shown) = &mut self.shown else {
            return RunsOutcome::info("No run is shown");
        };
        if shown.view.is_running() {
            return RunsOutcome::info("This run is still going");
        }
        let old = shown.view.run_id.clone();
        let started = if resume {
            if shown.view.status == RunStatus::Done {
                return RunsOutcome::info(
                    "Resume re-runs a failed or stopped run; this one is done",
                );
            }
            self.engine.start_resume(&old, RunOptions::default())
        } else {
            let Some(record) = &shown.view.record else {
                return RunsOutcome::error("The run's record is not loaded");
            };
            let options = RunOptions {
                overrides: record.params.clone(),
                base_dir: record.base_dir.clone(),
                no_cache: true,
                ..RunOptions::default()
            };
            self.engine.start(&shown.flow, options)
        };
        match started {
            Ok(handle) => {
                let labels = shown
                    .flow
                    .nodes
                    .iter()
                    .map(|n| (n.id, n.label.clone()))
                    .collect();
                let new = handle.run_id.clone();
                shown.view = RunView::start(handle, labels, ctx);
                self.center = CenterView::Run;
                RunsOutcome::info(if resume {
                    format!("Resuming run {old} as run {new}")
                } else {
                    format!("Re-running run {old} as run {new}")
                })
            }
            Err(e) => RunsOutcome::error(format!(
                "Cannot {}: {e}",
                if resume { "resume" } else { "re-run" }
            )),
        }
    }

    // ---- the list ---------------------------------------------------------------------

    /// Whether higher or lower is better for each listed metric, as the runs recorded it.
    fn metric_goals(&self) -> BTreeMap<String, Goal> {
        let mut goals = BTreeMap::new();
        for r in &self.rows {
            for (k, g) in &r.goals {
                let slot = goals.entry(k.clone()).or_insert(*g);
                if *slot == Goal::Neutral {
                    *slot = *g;
                }
            }
        }
        goals
    }

    /// The metric columns: every listed metric that has a better direction (counts like
    /// `n` are left out).
    fn metric_columns(&self) -> Vec<String> {
        self.metric_goals()
            .into_iter()
            .filter(|(_, g)| *g != Goal::Neutral)
            .map(|(k, _)| k)
            .collect()
    }

    fn param_columns(&self) -> Vec<String> {
        let names: BTreeSet<&String> = self.rows.iter().flat_map(|r| r.changed.keys()).collect();
        names.into_iter().cloned().collect()
    }

    fn refresh_visible(&mut self) {
        let key = (self.filter.clone(), self.sort.clone(), self.generation);
        if self.visible_key.as_ref() == Some(&key) {
            return;
        }
        let text = self.filter.text.trim().to_lowercase();
        let words: Vec<&str> = text.split_whitespace().collect();
        let mut visible: Vec<usize> = self
            .rows
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                self.filter.status.is_none_or(|s| r.record.status == s)
                    && self
                        .filter
                        .tag
                        .as_ref()
                        .is_none_or(|t| r.record.tags.contains(t))
                    && words.iter().all(|w| r.haystack.contains(w))
            })
            .map(|(i, _)| i)
            .collect();
        let (column, descending) = &self.sort;
        let rows = &self.rows;
        visible.sort_by(|a, b| {
            let (ra, rb) = (&rows[*a], &rows[*b]);
            let ord = compare_rows(ra, rb, column, *descending);
            ord.then_with(|| rb.record.id.cmp(&ra.record.id))
        });
        self.visible = visible;
        self.visible_key = Some(key);
    }
}

fn cmp_opt_f64(a: Option<f64>, b: Option<f64>, descending: bool) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    match (a, b) {
        (Some(a), Some(b)) => {
            let o = a.total_cmp(&b);
            if descending { o.reverse() } else { o }
        }
        // Runs without the value go last either way.
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

fn compare_rows(a: &Row, b: &Row, column: &Column, descending: bool) -> std::cmp::Ordering {
    let flip = |o: std::cmp::Ordering| if descending { o.reverse() } else { o };
    match column {
        Column::Id => flip(a.record.id.cmp(&b.record.id)),
        Column::Flow => flip(a.record.flow_name.cmp(&b.record.flow_name)),
        Column::Started => flip(a.record.started_at.cmp(&b.record.started_at)),
        Column::Duration => cmp_opt_f64(a.duration_secs, b.duration_secs, descending),
        Column::Status => flip(a.record.status.name().cmp(b.record.status.name())),
        Column::Tags => flip(a.record.tags.join(",").cmp(&b.record.tags.join(","))),
        Column::Metric(m) => cmp_opt_f64(
            a.metrics.get(m).copied(),
            b.metrics.get(m).copied(),
            descending,
        ),
        Column::Param(p) => {
            let num = |r: &Row| match r.record.params.get(p) {
                Some(Value::Float(x)) => Some(*x),
                Some(Value::Int(x)) => Some(*x as f64),
                _ => None,
            };
            match (num(a), num(b)) {
                (Some(x), Some(y)) => cmp_opt_f64(Some(x), Some(y), descending),
                _ => flip(
                    value_text(a.record.params.get(p)).cmp(&value_text(b.record.params.get(p))),
                ),
            }
        }
    }
}

fn value_text(v: Option<&Value>) -> String {
    match v {
        Some(Value::Text(s)) => s.clone(),
        Some(v) => v.to_string(),
        None => String::new(),
    }
}

fn format_bytes(bytes: u64) -> String {
    if bytes < 1024 {
        format!("{bytes} B")
    } else if bytes < 1024 * 1024 {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    } else {
        format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
    }
}

/// The colour of a run status.
pub fn run_status_color(status: RunStatus, visuals: &egui::Visuals) -> Color32 {
    match status {
        RunStatus::Running => theme::status_color(StepStatus::Running),
        RunStatus::Done => theme::ok_color(visuals),
        RunStatus::Failed | RunStatus::Interrupted => theme::error_color(visuals),
        RunStatus::Cancelled => theme::warn_color(visuals),
    }
}

/// The symbol of a run status.
pub fn run_status_icon(status: RunStatus) -> &'static str {
    match status {
        RunStatus::Running => "⟳",
        RunStatus::Done => "✔",
        RunStatus::Failed => "✖",
        RunStatus::Cancelled => "⏹",
        RunStatus::Interrupted => "⚠",
    }
}

/// The short name of a metric column (`Evaluate.rmse` → `rmse`) when no other column
/// has the same short name.
fn short_metric(name: &str, all: &[String]) -> String {
    let short = name.rsplit('.').next().unwrap_or(name);
    let clashes = all
        .iter()
        .filter(|n| n.rsplit('.').next() == Some(short))
        .count();
    if clashes > 1 {
        name.to_owned()
    } else {
        short.to_owned()
    }
}

/// Draws a cell of fixed width; numbers are right-aligned.
fn cell_ui(ui: &mut Ui, width: f32, right: bool, add: impl FnOnce(&mut Ui)) {
    let layout = if right {
        Layout::right_to_left(Align::Center)
    } else {
        Layout::left_to_right(Align::Center)
    };
    ui.allocate_ui_with_layout(Vec2::new(width, ROW_HEIGHT), layout, |ui| {
        ui.set_width(width);
        ui.set_height(ROW_HEIGHT);
        add(ui);
    });
}

/// Draws the Runs tab: filters, actions on the checked runs, and the list.
pub fn runs_ui(
    panel: &mut RunsPanel,
    flow: &Flow,
    run: Option<&RunView>,
    commands: &mut Vec<Command>,
    ui: &mut Ui,
) {
    let ctx = ui.ctx().clone();
    // The list needs room for a few rows: the panel grows to it (and can be dragged).
    ui.set_min_height(220.0);
    panel.ensure_listed(&flow.name, &ctx);
    // A run the editor finished since the list was read: read it again.
    if let Some(r) = run
        && !r.is_running()
        && panel.seen_run.as_deref() != Some(r.run_id.as_str())
    {
        if panel.seen_run.is_some() || panel.loaded {
            panel.reload(&ctx);
        }
        panel.seen_run = Some(r.run_id.clone());
    }
    panel.refresh_visible();
    filters_ui(panel, flow, commands, ui);
    actions_ui(panel, commands, ui);
    ui.separator();
    if !panel.loaded {
        ui.label(RichText::new("Reading the runs…").weak());
        return;
    }
    if panel.rows.is_empty() {
        let text = if panel.all_flows {
            "No runs in the store yet. Press Run (F5) to run the flow.".to_owned()
        } else {
            format!(
                "No runs of \u{201c}{}\u{201d} yet. Press Run (F5) to run it, or tick \u{201c}All flows\u{201d}.",
                flow.display_title()
            )
        };
        ui.label(RichText::new(text).weak());
        return;
    }
    table_ui(panel, commands, ui);
}

fn filters_ui(panel: &mut RunsPanel, flow: &Flow, commands: &mut Vec<Command>, ui: &mut Ui) {
    ui.horizontal(|ui| {
        let mut all = panel.all_flows;
        if ui
            .checkbox(&mut all, "All flows")
            .on_hover_text(format!(
                "List the runs of every flow in the store, not only of \u{201c}{}\u{201d}",
                flow.display_title()
            ))
            .changed()
        {
            commands.push(Command::Runs(RunsCommand::SetAllFlows(all)));
        }
        ui.separator();
        let label = ui.label("Status");
        let status_text = panel.filter.status.map_or("any", RunStatus::name);
        egui::ComboBox::from_id_salt("runs-status-filter")
            .selected_text(status_text)
            .width(90.0)
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut panel.filter.status, None, "any");
                for s in [
                    RunStatus::Done,
                    RunStatus::Failed,
                    RunStatus::Cancelled,
                    RunStatus::Interrupted,
                    RunStatus::Running,
                ] {
                    ui.selectable_value(&mut panel.filter.status, Some(s), s.name());
                }
            })
            .response
            .labelled_by(label.id);
        let label = ui.label("Tag");
        let tags: BTreeSet<&String> = panel.rows.iter().flat_map(|r| &r.record.tags).collect();
        let tag_text = panel.filter.tag.clone().unwrap_or_else(|| "any".to_owned());
        egui::ComboBox::from_id_salt("runs-tag-filter")
            .selected_text(tag_text)
            .width(90.0)
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut panel.filter.tag, None, "any");
                for t in tags {
                    ui.selectable_value(&mut panel.filter.tag, Some(t.clone()), t);
                }
            })
            .response
            .labelled_by(label.id);
        ui.add(
            egui::TextEdit::singleline(&mut panel.filter.text)
                .desired_width(200.0)
                .hint_text("Filter: id, parameter, tag, user…"),
        );
        if !panel.filter.text.is_empty()
            && ui
                .small_button("🗙")
                .on_hover_text("Clear the filter")
                .clicked()
        {
            panel.filter.text.clear();
        }
        if ui
            .add_enabled(panel.loading.is_none(), egui::Button::new("⟳ Refresh"))
            .on_hover_text("Read the runs from the store again")
            .clicked()
        {
            commands.push(Command::Runs(RunsCommand::Refresh));
        }
        ui.separator();
        if panel.loaded {
            let shown = panel.visible.len();
            let total = panel.rows.len();
            let text = if shown == total {
                format!("{total} runs")
            } else {
                format!("{shown} of {total} runs")
            };
            let mut r = ui.label(text);
            if let Some(ms) = panel.load_ms {
                r = r.on_hover_text(format!("read in {ms:.0} ms"));
            }
            let _ = r;
        }
        if panel.loading.is_some() || panel.deleting.is_some() {
            ui.spinner();
        }
    });
}

fn actions_ui(panel: &mut RunsPanel, commands: &mut Vec<Command>, ui: &mut Ui) {
    ui.horizontal(|ui| {
        // The checked runs in the list's order (the first is the comparison's baseline).
        let checked: Vec<String> = panel
            .visible
            .iter()
            .map(|i| &panel.rows[*i].record.id)
            .filter(|id| panel.checked.contains(*id))
            .cloned()
            .collect();
        let n = checked.len();
        ui.label(RichText::new(format!("{n} checked")).weak());
        if ui
            .add_enabled(n >= 2, egui::Button::new(format!("⚖ Compare ({n})")))
            .on_hover_text("Compare the checked runs side by side")
            .on_disabled_hover_text("Check two or more runs to compare them")
            .clicked()
        {
            commands.push(Command::Runs(RunsCommand::Compare(checked.clone())));
        }
        if ui
            .add_enabled(n >= 1, egui::Button::new(format!("🗑 Delete ({n})…")))
            .on_hover_text("Delete the checked runs (asks first)")
            .clicked()
        {
            commands.push(Command::Runs(RunsCommand::AskDelete(checked.clone())));
        }
        let r = ui.add_enabled(
            n >= 1,
            egui::TextEdit::singleline(&mut panel.tag_text)
                .desired_width(110.0)
                .hint_text("tag"),
        );
        let enter = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        if (ui
            .add_enabled(
                n >= 1 && !panel.tag_text.trim().is_empty(),
                egui::Button::new("🏷 Add tag"),
            )
            .on_hover_text("Add this tag to the checked runs")
            .clicked()
            || (enter && n >= 1))
            && !panel.tag_text.trim().is_empty()
        {
            commands.push(Command::Runs(RunsCommand::AddTag {
                runs: checked.clone(),
                tag: std::mem::take(&mut panel.tag_text),
            }));
        }
        ui.separator();
        // Best N by a metric, among the runs the filters leave.
        let metrics = panel.metric_columns();
        if panel
            .best_metric
            .as_ref()
            .is_none_or(|m| !metrics.contains(m))
        {
            panel.best_metric = metrics
                .iter()
                .find(|m| m.ends_with("rmse"))
                .or(metrics.first())
                .cloned();
        }
        if let Some(metric) = panel.best_metric.clone() {
            ui.label("Best");
            ui.add(egui::DragValue::new(&mut panel.best_n).range(2..=20));
            ui.label("by");
            egui::ComboBox::from_id_salt("runs-best-metric")
                .selected_text(short_metric(&metric, &metrics))
                .show_ui(ui, |ui| {
                    for m in &metrics {
                        ui.selectable_value(&mut panel.best_metric, Some(m.clone()), m);
                    }
                });
            if ui
                .button("⚖ Compare best")
                .on_hover_text(
                    match panel
                        .metric_goals()
                        .get(&metric)
                        .copied()
                        .unwrap_or_default()
                    {
                        Goal::Maximize => "The runs with the highest value (of those listed)",
                        _ => "The runs with the lowest value (of those listed)",
                    },
                )
                .clicked()
            {
                let records: Vec<RunRecord> = panel
                    .visible
                    .iter()
                    .map(|i| (*panel.rows[*i].record).clone())
                    .collect();
                let ids = best_runs(&records, &metric, panel.best_n)
                    .into_iter()
                    .map(|r| r.id.clone())
                    .collect();
                commands.push(Command::Runs(RunsCommand::Compare(ids)));
            }
        }
    });
}

fn table_ui(panel: &mut RunsPanel, commands: &mut Vec<Command>, ui: &mut Ui) {
    // A click on a cell's text selects the row (not the text).
    ui.style_mut().interaction.selectable_labels = false;
    let metrics_all = panel.metric_columns();
    let metrics: Vec<String> = metrics_all
        .iter()
        .filter(|m| !panel.hidden_metrics.contains(*m))
        .cloned()
        .collect();
    let params = panel.param_columns();
    let goals = panel.metric_goals();
    let goal = |m: &str| goals.get(m).copied().unwrap_or_default();
    let mut columns: Vec<(Column, String, f32, bool)> =
        vec![(Column::Id, "Run".into(), 196.0, false)];
    if panel.all_flows {
        columns.push((Column::Flow, "Flow".into(), 120.0, false));
    }
    columns.push((Column::Started, "Started".into(), 138.0, false));
    columns.push((Column::Duration, "Duration".into(), 70.0, true));
    columns.push((Column::Status, "Status".into(), 96.0, false));
    for p in &params {
        columns.push((Column::Param(p.clone()), p.clone(), 96.0, true));
    }
    for m in &metrics {
        columns.push((
            Column::Metric(m.clone()),
            short_metric(m, &metrics_all),
            84.0,
            true,
        ));
    }
    columns.push((Column::Tags, "Tags".into(), 160.0, false));
    let check_w = 24.0;
    let spacing = ui.spacing().item_spacing.x;
    let total_w: f32 = check_w + columns.iter().map(|c| c.2 + spacing).sum::<f32>() + spacing;
    let visible = panel.visible.clone();
    let shown_id = panel.shown.as_ref().map(|s| s.view.run_id.clone());

    egui::ScrollArea::horizontal()
        .id_salt("runs-h-scroll")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            ui.set_min_width(total_w);
            // Header: a checkbox for every listed run, then sortable column titles.
            ui.horizontal(|ui| {
                let all_checked =
                    !visible.is_empty() && visible.iter().all(|i| panel.checked.contains(&panel.rows[*i].record.id));
                let mut all = all_checked;
                let r = ui.add_sized([check_w, ROW_HEIGHT], egui::Checkbox::without_text(&mut all));
                r.widget_info(|| {
                    egui::WidgetInfo::selected(egui::WidgetType::Checkbox, true, all, "check all listed runs")
                });
                if r.on_hover_text("Check or uncheck every listed run").changed() {
                    for i in &visible {
                        let id = &panel.rows[*i].record.id;
                        if all {
                            panel.checked.insert(id.clone());
                        } else {
                            panel.checked.remove(id);
                        }
                    }
                }
                for (column, title, width, right) in &columns {
                    let active = panel.sort.0 == *column;
                    let arrow = match (active, panel.sort.1) {
                        (true, true) => " ⏷",
                        (true, false) => " ⏶",
                        _ => "",
                    };
                    cell_ui(ui, *width, *right, |ui| {
                        let text = RichText::new(format!("{title}{arrow}")).strong();
                        let r = ui.add(egui::Button::new(text).frame(false).truncate());
                        let hover = match column {
                            Column::Param(p) => format!("Flow parameter {p} (shown where the run changed it from the default); click to sort"),
                            Column::Metric(m) => format!("{m} ({}); click to sort", goal(m).describe()),
                            _ => "Click to sort".to_owned(),
                        };
                        if r.on_hover_text(hover).clicked() {
                            if active {
                                panel.sort.1 = !panel.sort.1;
                            } else {
                                // Metrics sort best first; dates newest first.
                                let descending = match column {
                                    Column::Metric(m) => goal(m) == Goal::Maximize,
                                    Column::Started | Column::Duration => true,
                                    _ => false,
                                };
                                panel.sort = (column.clone(), descending);
                            }
                        }
                    });
                }
                if metrics_all.len() > 1 {
                    ui.menu_button("Columns", |ui| {
                        for m in &metrics_all {
                            let mut on = !panel.hidden_metrics.contains(m);
                            if ui.checkbox(&mut on, m).changed() {
                                if on {
                                    panel.hidden_metrics.remove(m);
                                } else {
                                    panel.hidden_metrics.insert(m.clone());
                                }
                            }
                        }
                    });
                }
            });
            if visible.is_empty() {
                ui.label(RichText::new("No run matches the filters.").weak());
                return;
            }
            let row_step = ROW_HEIGHT + ui.spacing().item_spacing.y;
            egui::ScrollArea::vertical()
                .id_salt("runs-v-scroll")
                .auto_shrink([false, false])
                .show_rows(ui, ROW_HEIGHT, visible.len(), |ui, range| {
                    let _ = row_step;
                    for pos in range {
                        let i = visible[pos];
                        row_ui(panel, pos, i, &columns, check_w, total_w, shown_id.as_deref(), commands, ui);
                    }
                });
        });
}

fn row_ui(
    panel: &mut RunsPanel,
    pos: usize,
    index: usize,
    columns: &[(Column, String, f32, bool)],
    check_w: f32,
    total_w: f32,
    shown_id: Option<&str>,
    commands: &mut Vec<Command>,
    ui: &mut Ui,
) {
    let row = panel.rows[index].clone();
    let id = row.record.id.clone();
    let is_shown = shown_id == Some(id.as_str());
    let is_checked = panel.checked.contains(&id);
    // The row's own response comes first, so the checkbox drawn on top of it wins.
    let (rect, response) = ui.allocate_exact_size(Vec2::new(total_w, ROW_HEIGHT), Sense::click());
    let visuals = ui.visuals().clone();
    let fill = if is_shown {
        Some(visuals.selection.bg_fill.gamma_multiply(0.6))
    } else if is_checked {
        Some(visuals.selection.bg_fill.gamma_multiply(0.25))
    } else if response.hovered() {
        Some(visuals.widgets.hovered.weak_bg_fill)
    } else if pos % 2 == 1 {
        Some(visuals.faint_bg_color)
    } else {
        None
    };
    if let Some(fill) = fill {
        ui.painter().rect_filled(rect, 2.0, fill);
    }
    let mut cells = ui.new_child(
        UiBuilder::new()
            .max_rect(rect)
            .layout(Layout::left_to_right(Align::Center)),
    );
    let mut checked = is_checked;
    let r = cells.add_sized(
        [check_w, ROW_HEIGHT],
        egui::Checkbox::without_text(&mut checked),
    );
    r.widget_info(|| {
        egui::WidgetInfo::selected(
            egui::WidgetType::Checkbox,
            true,
            checked,
            format!("check run {id}"),
        )
    });
    if r.changed() {
        if checked {
            panel.checked.insert(id.clone());
        } else {
            panel.checked.remove(&id);
        }
        panel.anchor = Some(pos);
    }
    let weak = visuals.weak_text_color();
    for (column, _, width, right) in columns {
        cell_ui(&mut cells, *width, *right, |ui| match column {
            Column::Id => {
                let mut text = RichText::new(&id).monospace();
                if is_shown {
                    text = text.strong();
                }
                ui.add(egui::Label::new(text).truncate());
            }
            Column::Flow => {
                ui.add(egui::Label::new(&row.record.flow_name).truncate());
            }
            Column::Started => {
                ui.label(&row.started);
            }
            Column::Duration => {
                let text = row
                    .duration_secs
                    .map_or_else(|| "–".to_owned(), theme::format_duration);
                ui.label(text);
            }
            Column::Status => {
                let s = row.record.status;
                ui.label(
                    RichText::new(format!("{} {}", run_status_icon(s), s))
                        .color(run_status_color(s, &visuals)),
                );
            }
            Column::Param(p) => match row.changed.get(p) {
                Some(v) => {
                    ui.add(
                        egui::Label::new(RichText::new(value_text(Some(v))).strong()).truncate(),
                    );
                }
                None => {
                    ui.label(RichText::new("·").color(weak))
                        .on_hover_text(format!(
                            "default ({})",
                            value_text(row.record.params.get(p))
                        ));
                }
            },
            Column::Metric(m) => match row.metrics.get(m) {
                Some(x) => {
                    ui.label(RichText::new(format_number(*x)).monospace());
                }
                None => {
                    ui.label(RichText::new("–").color(weak));
                }
            },
            Column::Tags => {
                ui.add(
                    egui::Label::new(RichText::new(row.record.tags.join(" · ")).italics())
                        .truncate(),
                );
            }
        });
    }
    let response = response.on_hover_text(
        "Click: show this run on the canvas · Ctrl+click: check it · Shift+click: check a range · Right-click: more",
    );
    if response.clicked() {
        let m = ui.input(|i| i.modifiers);
        if m.command {
            if !panel.checked.remove(&id) {
                panel.checked.insert(id.clone());
            }
            panel.anchor = Some(pos);
        } else if m.shift {
            let from = panel.anchor.unwrap_or(pos);
            let (lo, hi) = (from.min(pos), from.max(pos));
            for p in lo..=hi {
                if let Some(i) = panel.visible.get(p) {
                    panel.checked.insert(panel.rows[*i].record.id.clone());
                }
            }
        } else {
            panel.anchor = Some(pos);
            commands.push(Command::Runs(RunsCommand::Show(id.clone())));
        }
    }
    response.context_menu(|ui| {
        if ui.button("Show on the canvas").clicked() {
            commands.push(Command::Runs(RunsCommand::Show(id.clone())));
            ui.close();
        }
        if ui.button("Open as new flow").clicked() {
            commands.push(Command::Runs(RunsCommand::Show(id.clone())));
            commands.push(Command::Runs(RunsCommand::OpenAsNewFlow));
            ui.close();
        }
        let mut with: Vec<String> = panel
            .checked
            .iter()
            .filter(|c| **c != id)
            .cloned()
            .collect();
        if !with.is_empty()
            && ui
                .button(format!("Compare with the {} checked", with.len()))
                .clicked()
        {
            with.insert(0, id.clone());
            commands.push(Command::Runs(RunsCommand::Compare(with)));
            ui.close();
        }
        if ui.button("Copy the run id").clicked() {
            ui.ctx().copy_text(id.clone());
            ui.close();
        }
        ui.separator();
        if ui.button("Delete…").clicked() {
            commands.push(Command::Runs(RunsCommand::AskDelete(vec![id.clone()])));
            ui.close();
        }
    });
}

// ---- the centre: a past run, or the comparison ------------------------------------------

/// Draws the centre when a past run or a comparison is open: a strip to switch between
/// the flow, the run and the comparison, then the run (read-only canvas) or the
/// comparison. Returns `false` when the app should draw its own canvas below.
pub fn center_ui(
    panel: &mut RunsPanel,
    registry: &Registry,
    artifacts: &mut ArtifactCache,
    commands: &mut Vec<Command>,
    ui: &mut Ui,
) -> bool {
    if panel.shown.is_none() && panel.compare.is_none() {
        panel.center = CenterView::Flow;
        return false;
    }
    egui::Frame::new()
        .fill(ui.visuals().panel_fill)
        .inner_margin(egui::Margin::symmetric(8, 4))
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.horizontal(|ui| {
                let c = panel.center;
                if ui
                    .selectable_label(c == CenterView::Flow, "Flow")
                    .on_hover_text("The flow you are editing")
                    .clicked()
                {
                    commands.push(Command::Runs(RunsCommand::ShowCenter(CenterView::Flow)));
                }
                if let Some(shown) = &panel.shown {
                    let label = format!(
                        "{} Run {}",
                        run_status_icon(shown.view.status),
                        shown.view.run_id
                    );
                    if ui
                        .selectable_label(c == CenterView::Run, label)
                        .on_hover_text("The past run, as it ran (read-only)")
                        .clicked()
                    {
                        commands.push(Command::Runs(RunsCommand::ShowCenter(CenterView::Run)));
                    }
                    if ui
                        .small_button("🗙")
                        .on_hover_text("Close the run")
                        .clicked()
                    {
                        commands.push(Command::Runs(RunsCommand::CloseRun));
                    }
                }
                if let Some(cmp) = &panel.compare {
                    if ui
                        .selectable_label(
                            c == CenterView::Compare,
                            format!("⚖ Comparison ({} runs)", cmp.run_ids().len()),
                        )
                        .clicked()
                    {
                        commands.push(Command::Runs(RunsCommand::ShowCenter(CenterView::Compare)));
                    }
                    if ui
                        .small_button("🗙")
                        .on_hover_text("Close the comparison")
                        .clicked()
                    {
                        commands.push(Command::Runs(RunsCommand::CloseCompare));
                    }
                }
            });
        });
    match panel.center {
        CenterView::Flow => false,
        CenterView::Run => {
            if panel.shown.is_some() {
                run_banner_ui(panel, commands, ui);
            }
            if let Some(shown) = &mut panel.shown {
                run_canvas_ui(shown, registry, commands, ui);
            }
            true
        }
        CenterView::Compare => {
            if let Some(cmp) = &mut panel.compare {
                egui::Frame::new()
                    .fill(ui.visuals().panel_fill)
                    .inner_margin(egui::Margin::same(8))
                    .show(ui, |ui| {
                        ui.set_min_size(ui.available_size());
                        compare_ui(cmp, artifacts, commands, ui);
                    });
            }
            true
        }
    }
}

fn run_banner_ui(panel: &mut RunsPanel, commands: &mut Vec<Command>, ui: &mut Ui) {
    let Some(shown) = &mut panel.shown else {
        return;
    };
    let visuals = ui.visuals().clone();
    egui::Frame::new()
        .fill(visuals.extreme_bg_color)
        .inner_margin(egui::Margin::symmetric(8, 6))
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.horizontal_wrapped(|ui| {
                let v = &shown.view;
                let status = if v.is_running() {
                    "running".to_owned()
                } else {
                    v.status.to_string()
                };
                ui.label(
                    RichText::new(format!(" {} {status} ", run_status_icon(v.status)))
                        .color(Color32::WHITE)
                        .background_color(run_status_color(v.status, &visuals)),
                );
                ui.label(RichText::new(&v.run_id).monospace().strong());
                if let Some(r) = &v.record {
                    let started = r
                        .started_at
                        .with_timezone(&chrono::Local)
                        .format("%Y-%m-%d %H:%M:%S");
                    let mut text = format!("{} · started {started}", r.flow_name);
                    if let Some(d) = r.duration_secs() {
                        text.push_str(&format!(" · {}", theme::format_duration(d)));
                    }
                    text.push_str(&format!(" · by {}", r.user));
                    ui.label(RichText::new(text).weak());
                    let changed = r.changed_params();
                    if !changed.is_empty() {
                        let list: Vec<String> = changed
                            .iter()
                            .map(|(k, v)| format!("{k}={}", value_text(Some(v))))
                            .collect();
                        ui.label(RichText::new(list.join(", ")).strong())
                            .on_hover_text("Flow parameters this run changed from their defaults");
                    }
                    if let Some(from) = &r.resumed_from {
                        ui.label(RichText::new(format!("resumed from {from}")).weak());
                    }
                }
                ui.label(RichText::new("🔒 read-only").weak())
                    .on_hover_text("The flow as it ran. Open it as a new flow to change it.");
            });
            ui.horizontal_wrapped(|ui| {
                let running = shown.view.is_running();
                if ui
                    .add_enabled(!running, egui::Button::new("Open as new flow"))
                    .on_hover_text("Open this run's flow as a new, editable flow")
                    .clicked()
                {
                    commands.push(Command::Runs(RunsCommand::OpenAsNewFlow));
                }
                if ui
                    .add_enabled(!running, egui::Button::new("▶ Re-run"))
                    .on_hover_text("Run this flow again with the same parameters, recomputing every step")
                    .clicked()
                {
                    commands.push(Command::Runs(RunsCommand::Rerun));
                }
                let resumable = !running && shown.view.status != RunStatus::Done;
                if ui
                    .add_enabled(resumable, egui::Button::new("↻ Resume"))
                    .on_hover_text("Run the failed, skipped and stopped steps again, reusing the finished ones")
                    .on_disabled_hover_text("Only a failed or stopped run can be resumed")
                    .clicked()
                {
                    commands.push(Command::Runs(RunsCommand::Resume));
                }
                if running && ui.button("⏹ Stop").clicked() {
                    shown.view.stop();
                }
                ui.separator();
                ui.label("Tags");
                let id = shown.view.run_id.clone();
                let tags = shown
                    .view
                    .record
                    .as_ref()
                    .map(|r| r.tags.clone())
                    .unwrap_or_default();
                for t in tags {
                    let chip = egui::Button::new(RichText::new(format!("{t}  🗙")).italics())
                        .corner_radius(8.0);
                    if ui.add(chip).on_hover_text(format!("Remove the tag \u{201c}{t}\u{201d}")).clicked() {
                        commands.push(Command::Runs(RunsCommand::RemoveTag {
                            run: id.clone(),
                            tag: t.clone(),
                        }));
                    }
                }
                let r = ui.add(
                    egui::TextEdit::singleline(&mut shown.tag_text)
                        .desired_width(100.0)
                        .hint_text("new tag"),
                );
                let enter = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                if (ui.button("+ Tag").clicked() || enter) && !shown.tag_text.trim().is_empty() {
                    commands.push(Command::Runs(RunsCommand::AddTag {
                        runs: vec![id.clone()],
                        tag: std::mem::take(&mut shown.tag_text),
                    }));
                }
                ui.separator();
                if ui.button("Show in the list").clicked() {
                    commands.push(Command::ShowTab(BottomTab::Runs));
                }
            });
        });
}

/// The shown run on its own canvas. The canvas pushes the same commands as for the
/// flow; the view ones are applied here and the edits refused.
fn run_canvas_ui(
    shown: &mut ShownRun,
    registry: &Registry,
    commands: &mut Vec<Command>,
    ui: &mut Ui,
) {
    let mut scratch = Vec::new();
    let no_problems = BTreeMap::new();
    canvas_ui(
        &mut shown.canvas,
        CanvasContext {
            flow: &shown.flow,
            revision: shown.revision,
            registry,
            run: Some(&shown.view),
            problems: &no_problems,
            selection: &shown.selection,
            commands: &mut scratch,
        },
        ui,
    );
    route_view_commands(shown, scratch, commands);
}

fn route_view_commands(shown: &mut ShownRun, scratch: Vec<Command>, commands: &mut Vec<Command>) {
    let mut refused = false;
    for c in scratch {
        match c {
            Command::Select(ids) => shown.selection = ids,
            Command::ToggleSelect(id) => {
                if let Some(i) = shown.selection.iter().position(|s| *s == id) {
                    shown.selection.remove(i);
                } else {
                    shown.selection.push(id);
                }
            }
            Command::Focus(id) => {
                shown.selection = vec![id];
                shown.canvas.center_on(&shown.flow, id);
            }
            Command::SelectAll => {
                shown.selection = shown.flow.nodes.iter().map(|n| n.id).collect();
            }
            Command::FitView => shown.canvas.fit(&shown.flow),
            Command::Edit {
                edit: Edit::MoveNodes(_),
                ..
            } => {
                // Put dragged nodes back where they ran.
                shown.revision += 1;
                refused = true;
            }
            Command::Runs(_) | Command::ShowTab(_) | Command::SetTheme(_) => commands.push(c),
            _ => {
                shown.revision += 1;
                refused = true;
            }
        }
    }
    if refused {
        commands.push(Command::Runs(RunsCommand::ReadOnly));
    }
}

/// Draws the inspector of the shown past run (the run's summary, or the selected
/// step with its artifacts). Returns `false` when no past run is shown, so the app
/// draws its own inspector.
pub fn run_inspector_ui(
    panel: &mut RunsPanel,
    registry: &Registry,
    artifacts: &mut ArtifactCache,
    commands: &mut Vec<Command>,
    ui: &mut Ui,
) -> bool {
    if panel.center != CenterView::Run {
        return false;
    }
    let Some(shown) = &mut panel.shown else {
        return false;
    };
    ui.add_space(4.0);
    ui.label(
        RichText::new(format!("🔒 Run {} (read-only)", shown.view.run_id))
            .strong()
            .color(ui.visuals().weak_text_color()),
    );
    if shown.selection.is_empty() {
        run_summary_ui(shown, ui);
        return true;
    }
    let mut scratch = Vec::new();
    inspector_ui(
        InspectorContext {
            flow: &shown.flow,
            registry,
            selection: &shown.selection,
            problems: &[],
            run: Some(&shown.view),
            artifacts,
            commands: &mut scratch,
        },
        ui,
    );
    route_view_commands(shown, scratch, commands);
    true
}

fn run_summary_ui(shown: &ShownRun, ui: &mut Ui) {
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            let Some(r) = &shown.view.record else {
                ui.label(
                    RichText::new("The run is going; its record appears when it ends.").weak(),
                );
                return;
            };
            ui.label(RichText::new("Select a step to see its artifacts.").weak());
            ui.add_space(6.0);
            egui::Grid::new("past-run-summary")
                .num_columns(2)
                .striped(true)
                .show(ui, |ui| {
                    let mut line = |k: &str, v: String| {
                        ui.label(RichText::new(k).strong());
                        ui.label(v);
                        ui.end_row();
                    };
                    line("Flow", r.flow_name.clone());
                    line("Status", r.status.to_string());
                    line(
                        "Started",
                        r.started_at
                            .with_timezone(&chrono::Local)
                            .format("%Y-%m-%d %H:%M:%S")
                            .to_string(),
                    );
                    if let Some(d) = r.duration_secs() {
                        line("Duration", theme::format_duration(d));
                    }
                    line("By", format!("{}@{}", r.user, r.host));
                    if let Some(from) = &r.resumed_from {
                        line("Resumed from", from.clone());
                    }
                    if !r.tags.is_empty() {
                        line("Tags", r.tags.join(", "));
                    }
                });
            ui.add_space(8.0);
            ui.label(RichText::new("Parameters").strong());
            egui::Grid::new("past-run-params")
                .num_columns(2)
                .striped(true)
                .show(ui, |ui| {
                    for (k, v) in &r.params {
                        let changed = r.flow.param(k).is_none_or(|p| p.default != *v);
                        ui.label(k);
                        let mut text = RichText::new(value_text(Some(v))).monospace();
                        if changed {
                            text = text.strong();
                        }
                        ui.label(text);
                        ui.end_row();
                    }
                });
            let metrics = r.metrics();
            if !metrics.is_empty() {
                ui.add_space(8.0);
                ui.label(RichText::new("Metrics").strong());
                egui::Grid::new("past-run-metrics")
                    .num_columns(2)
                    .striped(true)
                    .show(ui, |ui| {
                        for (k, v) in &metrics {
                            ui.label(k);
                            ui.label(RichText::new(format_number(*v)).monospace());
                            ui.end_row();
                        }
                    });
            }
            ui.add_space(8.0);
            ui.label(RichText::new("Steps").strong());
            egui::Grid::new("past-run-steps")
                .num_columns(3)
                .striped(true)
                .show(ui, |ui| {
                    for t in &r.tasks {
                        ui.label(&t.label);
                        ui.label(
                            RichText::new(format!("{} {}", theme::status_icon(t.status), t.status))
                                .color(theme::status_color(t.status)),
                        );
                        ui.label(theme::format_duration(t.duration_secs));
                        ui.end_row();
                    }
                });
        });
}
