//! A past run shown read-only: its flow snapshot on its own canvas with the final
//! status of every step, a banner (status, parameters, tags, re-run, resume, stop),
//! and an inspector with each step's artifacts. Edits are refused; view commands
//! (selection, fit) apply to this view; re-run, resume and stop are `RunsCommand`s
//! that the app hands to [`PastRun`], which runs them through its own
//! [`RunTracker`].

use std::collections::BTreeMap;
use std::path::Path;

use egui::{Color32, RichText, Ui};
use pipewright_engine::{Edit, Engine, Flow, NodeId, Registry, RunOptions, RunRecord, RunStatus};

use super::canvas::{Canvas, CanvasContext, canvas_ui};
use super::command::{BottomTab, Command, RunsCommand, RunsOutcome, ServeTarget};
use super::format::{format_duration, format_number, format_time, value_text};
use super::inspector::{InspectorContext, inspector_ui};
use super::results::ArtifactCache;
use super::run_state::RunView;
use super::run_tracker::{Polled, RunTracker};
use super::selection::Selection;
use super::theme::{self, run_status_color, run_status_icon};

/// Whether two paths name the same file (either may be relative or not canonical).
fn same_file(a: &Path, b: &Path) -> bool {
    let canonical = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_owned());
    canonical(a) == canonical(b)
}

/// Why an edit of a past run is refused.
pub const READ_ONLY: &str = "This past run is shown as it ran and cannot be edited: use \u{201c}Open as new flow\u{201d} to edit a copy";

/// A past run shown in the centre.
pub struct PastRun {
    flow: Flow,
    tracker: RunTracker,
    canvas: Canvas,
    /// Bumped to put the canvas back as the flow is (a refused drag or edit).
    revision: u64,
    selection: Selection,
    tag_text: String,
}

impl std::fmt::Debug for PastRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PastRun")
            .field("run", &self.run_id())
            .finish_non_exhaustive()
    }
}

impl PastRun {
    /// Shows `record`; `engine` re-runs and resumes it. The steps selected in
    /// `previous` (another run of the same flow, usually) stay selected.
    pub fn new(record: RunRecord, engine: Engine, previous: Option<&PastRun>) -> Self {
        let flow = record.flow.clone();
        let mut selection = previous.map(|p| p.selection.clone()).unwrap_or_default();
        selection.retain(&flow);
        let view = RunView::from_record(record, engine.registry());
        Self {
            flow,
            tracker: RunTracker::showing(engine, view),
            canvas: Canvas::default(),
            revision: 0,
            selection,
            tag_text: String::new(),
        }
    }

    /// The run shown: the past one, or its re-run or resume once started.
    pub fn view(&self) -> Option<&RunView> {
        self.tracker.view()
    }

    /// The shown run's id.
    pub fn run_id(&self) -> &str {
        self.view().map_or("", |v| v.run_id.as_str())
    }

    /// Whether a re-run or resume is going.
    pub fn is_running(&self) -> bool {
        self.tracker.is_running()
    }

    /// Takes the events of a re-run or resume in progress.
    pub fn poll(&mut self) -> Polled {
        self.tracker.poll()
    }

    /// The status-bar line for a re-run or resume that just ended.
    pub fn end_message(&self) -> Option<(String, bool)> {
        self.view().map(|v| {
            (
                format!("Run {} {}", v.run_id, v.status),
                v.status == RunStatus::Failed,
            )
        })
    }

    /// The flow snapshot, as a new document would get it.
    pub fn flow(&self) -> &Flow {
        &self.flow
    }

    /// Replaces the selection.
    pub fn select(&mut self, ids: Vec<NodeId>) {
        self.selection.select(ids);
    }

    /// Adds a step to the selection or removes it.
    pub fn toggle(&mut self, id: NodeId) {
        self.selection.toggle(id);
    }

    /// Selects every step.
    pub fn select_all(&mut self) {
        self.selection.select_all(&self.flow);
    }

    /// Zooms and pans so every step is visible.
    pub fn fit(&mut self) {
        self.canvas.fit(&self.flow);
    }

    /// Shows the new tags of the run (after a tag command).
    pub fn update_tags(&mut self, record: &RunRecord) {
        if let Some(view) = self.tracker.view_mut()
            && view.run_id == record.id
            && let Some(r) = &mut view.record
        {
            r.tags = record.tags.clone();
        }
    }

    /// Runs the snapshot again, or (`resume`) resumes the run with its flow as it is
    /// now: the open `document` when it is the run's flow file (as edited, even
    /// unsaved), else that file read again; a run that records no flow file (a flow
    /// never saved) resumes with its snapshot. Every step whose key still matches is
    /// reused, the rest runs.
    pub fn rerun(
        &mut self,
        resume: bool,
        document: Option<(&Flow, &Path)>,
        ctx: &egui::Context,
    ) -> RunsOutcome {
        let Some(view) = self.tracker.view() else {
            return RunsOutcome::info("No run is shown");
        };
        if view.is_running() {
            return RunsOutcome::info("This run is still going");
        }
        let old = view.run_id.clone();
        let Some(record) = &view.record else {
            return RunsOutcome::error("The run's record is not loaded");
        };
        let started = if resume {
            if view.status == RunStatus::Done {
                return RunsOutcome::info(
                    "Resume re-runs a failed or stopped run; this one is done",
                );
            }
            let flow_path = record.flow_path.clone();
            let flow = match (&flow_path, document) {
                (Some(path), Some((flow, open))) if same_file(path, open) => flow.clone(),
                (Some(path), _) => match Flow::load(path) {
                    Ok(flow) => flow,
                    Err(_) if !path.exists() => {
                        return RunsOutcome::error(format!(
                            "Cannot resume: the run's flow file {} is gone (moved or deleted); \
                             Re-run runs the run's own snapshot",
                            path.display()
                        ));
                    }
                    Err(e) => return RunsOutcome::error(format!("Cannot resume: {e}")),
                },
                (None, _) => self.flow.clone(),
            };
            let options = RunOptions {
                base_dir: flow_path
                    .as_deref()
                    .and_then(Path::parent)
                    .map(Path::to_owned)
                    .unwrap_or_else(|| record.base_dir.clone()),
                flow_path,
                ..RunOptions::default()
            };
            let started = self.tracker.resume(&old, &flow, options, ctx);
            if started.is_ok() {
                // The canvas shows the flow the new run runs.
                self.selection.retain(&flow);
                self.flow = flow;
                self.revision += 1;
            }
            started
        } else {
            let options = RunOptions {
                overrides: record.params.clone(),
                base_dir: record.base_dir.clone(),
                flow_path: record.flow_path.clone(),
                no_cache: true,
                ..RunOptions::default()
            };
            self.tracker.start(&self.flow, options, ctx)
        };
        match started {
            Ok(new) => RunsOutcome::info(if resume {
                format!("Resuming run {old} as run {new}")
            } else {
                format!("Re-running run {old} as run {new}")
            }),
            Err(e) => RunsOutcome::error(format!(
                "Cannot {}: {e}",
                if resume { "resume" } else { "re-run" }
            )),
        }
    }

    /// Stops the re-run or resume in progress (the banner shows it stopping).
    pub fn stop(&mut self) {
        self.tracker.stop();
    }

    /// Applies what the past run's canvas or inspector pushed: view commands here,
    /// edits refused (the canvas is put back), the rest passed on to `commands`.
    fn route(&mut self, scratch: Vec<Command>, commands: &mut Vec<Command>) {
        let mut refused = false;
        for c in scratch {
            match c {
                Command::Select(ids) => self.selection.select(ids),
                Command::ToggleSelect(id) => self.selection.toggle(id),
                Command::Focus(id) => {
                    self.selection.select(vec![id]);
                    self.canvas.center_on(&self.flow, id);
                }
                Command::SelectAll => self.selection.select_all(&self.flow),
                Command::FitView => self.canvas.fit(&self.flow),
                Command::Edit {
                    edit: Edit::MoveNodes(_),
                    ..
                } => {
                    // Put dragged nodes back where they ran.
                    self.revision += 1;
                    refused = true;
                }
                Command::Runs(_) | Command::ShowTab(_) | Command::SetTheme(_) => commands.push(c),
                _ => {
                    self.revision += 1;
                    refused = true;
                }
            }
        }
        if refused {
            commands.push(Command::Runs(RunsCommand::ReadOnly));
        }
    }

    /// Draws the banner and the run on its own canvas.
    pub fn center_ui(&mut self, registry: &Registry, commands: &mut Vec<Command>, ui: &mut Ui) {
        self.banner_ui(commands, ui);
        let mut scratch = Vec::new();
        let no_problems = BTreeMap::new();
        canvas_ui(
            &mut self.canvas,
            CanvasContext {
                flow: &self.flow,
                revision: self.revision,
                registry,
                run: self.tracker.view(),
                problems: &no_problems,
                selection: self.selection.ids(),
                commands: &mut scratch,
            },
            ui,
        );
        self.route(scratch, commands);
    }

    /// Draws the inspector: the run's summary, or the selected step with its
    /// artifacts.
    pub fn inspector_ui(
        &mut self,
        registry: &Registry,
        artifacts: &mut ArtifactCache,
        commands: &mut Vec<Command>,
        ui: &mut Ui,
    ) {
        ui.add_space(4.0);
        ui.label(
            RichText::new(format!("🔒 Run {} (read-only)", self.run_id()))
                .strong()
                .color(ui.visuals().weak_text_color()),
        );
        if self.selection.is_empty() {
            self.summary_ui(ui);
            return;
        }
        let mut scratch = Vec::new();
        inspector_ui(
            InspectorContext {
                flow: &self.flow,
                registry,
                selection: self.selection.ids(),
                problems: &[],
                run: self.tracker.view(),
                artifacts,
                commands: &mut scratch,
            },
            ui,
        );
        self.route(scratch, commands);
    }

    /// The strip above the canvas: status, parameters, tags and the actions.
    fn banner_ui(&mut self, commands: &mut Vec<Command>, ui: &mut Ui) {
        let Some(v) = self.tracker.view() else {
            return;
        };
        let running = v.is_running();
        let status = v.status;
        let visuals = ui.visuals().clone();
        egui::Frame::new()
            .fill(visuals.extreme_bg_color)
            .inner_margin(egui::Margin::symmetric(8, 6))
            .show(ui, |ui| {
                ui.set_width(ui.available_width());
                ui.horizontal_wrapped(|ui| {
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
                        let started = format_time(&r.started_at);
                        let mut text = format!("{} · started {started}", r.flow_name);
                        if let Some(d) = r.duration_secs() {
                            text.push_str(&format!(" · {}", format_duration(d)));
                        }
                        text.push_str(&format!(" · by {}", r.user));
                        ui.label(RichText::new(text).weak());
                        let changed = r.changed_params();
                        if !changed.is_empty() {
                            let list: Vec<String> = changed
                                .iter()
                                .map(|(k, v)| format!("{k}={}", value_text(v)))
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
                    let resumable = !running && status != RunStatus::Done;
                    if ui
                        .add_enabled(resumable, egui::Button::new("↻ Resume"))
                        .on_hover_text("Run this flow as its file is now, reusing every finished step of this run whose inputs and parameters still match")
                        .on_disabled_hover_text("Only a failed or stopped run can be resumed")
                        .clicked()
                    {
                        commands.push(Command::Runs(RunsCommand::Resume));
                    }
                    if running && ui.button("⏹ Stop").clicked() {
                        commands.push(Command::Runs(RunsCommand::Stop));
                    }
                    ui.separator();
                    let done = status == RunStatus::Done;
                    if ui
                        .add_enabled(done, egui::Button::new("🌐 Serve…"))
                        .on_hover_text("Serve this run's model over HTTP from the editor (as `pipewright serve` does)")
                        .on_disabled_hover_text("Only a finished run's model is served")
                        .clicked()
                    {
                        commands.push(Command::AskServe(ServeTarget::run(v.run_id.clone())));
                    }
                    if ui
                        .add_enabled(done, egui::Button::new("📦 Export bundle…"))
                        .on_hover_text("Write this run's model, with the fitted steps before it, to one .pwm file")
                        .on_disabled_hover_text("Only a finished run's model is bundled")
                        .clicked()
                    {
                        commands.push(Command::ExportBundle(ServeTarget::run(v.run_id.clone())));
                    }
                    ui.separator();
                    ui.label("Tags");
                    let id = v.run_id.clone();
                    let tags = v
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
                        egui::TextEdit::singleline(&mut self.tag_text)
                            .desired_width(100.0)
                            .hint_text("new tag"),
                    );
                    let enter = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                    if (ui.button("+ Tag").clicked() || enter) && !self.tag_text.trim().is_empty() {
                        commands.push(Command::Runs(RunsCommand::AddTag {
                            runs: vec![id.clone()],
                            tag: std::mem::take(&mut self.tag_text),
                        }));
                    }
                    ui.separator();
                    if ui.button("Show in the list").clicked() {
                        commands.push(Command::ShowTab(BottomTab::Runs));
                    }
                });
            });
    }

    /// The inspector with no step selected: the run's record, parameters, metrics
    /// and steps.
    fn summary_ui(&self, ui: &mut Ui) {
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .show(ui, |ui| {
                let Some(r) = self.view().and_then(|v| v.record.as_ref()) else {
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
                        line("Started", format_time(&r.started_at));
                        if let Some(d) = r.duration_secs() {
                            line("Duration", format_duration(d));
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
                            let mut text = RichText::new(value_text(v)).monospace();
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
                                RichText::new(format!(
                                    "{} {}",
                                    theme::status_icon(t.status),
                                    t.status
                                ))
                                .color(theme::status_color(t.status)),
                            );
                            ui.label(format_duration(t.duration_secs));
                            ui.end_row();
                        }
                    });
            });
    }
}

#[cfg(test)]
mod tests {
    //! A past run's Resume runs its flow file as it is now.

    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use pipewright_engine::{Edge, Node, StepStatus, Store, Value, testkit};

    use super::*;

    /// `const(1) ──▶ <middle>(#2) ──▶ add(#3)`
    fn chain(middle: &str) -> Flow {
        let mut flow = Flow::new("toy");
        for (id, kind) in [(1, "const"), (2, middle), (3, "add")] {
            flow.nodes.push(Node {
                id: NodeId(id),
                kind: kind.into(),
                label: format!("step{id}"),
                params: [("value".to_owned(), Value::Float(1.0).into())].into(),
                pos: (0.0, 0.0),
            });
        }
        flow.edges = vec![
            Edge::new(NodeId(1), "out", NodeId(2), "in"),
            Edge::new(NodeId(2), "out", NodeId(3), "in"),
        ];
        flow
    }

    #[test]
    fn resume_runs_the_flow_file_as_it_is_now_and_says_when_it_is_gone() {
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::new(
            Arc::new(testkit::registry()),
            Store::open(dir.path().join("store")).unwrap(),
        );
        let path = dir.path().join("toy.ron");
        chain("fail").save(&path).unwrap();
        let options = RunOptions {
            base_dir: dir.path().to_owned(),
            flow_path: Some(path.clone()),
            ..RunOptions::default()
        };
        let failed = engine.run(&chain("fail"), options, |_| {}).unwrap();
        assert_eq!(failed.status, RunStatus::Failed);

        // Fixed in the file: the middle step adds instead of failing.
        chain("add").save(&path).unwrap();
        let ctx = egui::Context::default();
        let mut past = PastRun::new(failed.clone(), engine.clone(), None);
        let outcome = past.rerun(true, None, &ctx);
        assert_eq!(
            outcome.message.as_ref().map(|m| m.1),
            Some(false),
            "{outcome:?}"
        );
        let deadline = Instant::now() + Duration::from_secs(20);
        while past.is_running() {
            assert!(Instant::now() < deadline, "the resume did not end");
            std::thread::sleep(Duration::from_millis(5));
            past.poll();
        }
        let resumed = engine.store().run(past.run_id()).unwrap();
        assert_eq!(resumed.status, RunStatus::Done);
        assert_eq!(resumed.resumed_from.as_deref(), Some(failed.id.as_str()));
        assert_eq!(resumed.flow, chain("add"));
        assert_eq!(past.flow(), &chain("add"), "the canvas shows what ran");
        assert_eq!(resumed.task(NodeId(1)).unwrap().status, StepStatus::Cached);

        std::fs::remove_file(&path).unwrap();
        let mut past = PastRun::new(failed, engine, None);
        let outcome = past.rerun(true, None, &ctx);
        let (text, is_error) = outcome.message.unwrap();
        assert!(is_error && text.contains("is gone"), "{text}");
    }
}
