//! Run actions: the document's runs (start, resume, stop through the shared
//! [`RunTracker`](crate::gui::run_tracker::RunTracker)), polling everything that
//! happens in the background, and the commands about past runs.

use std::collections::BTreeMap;
use std::path::PathBuf;

use pipewright_engine::{RunOptions, RunStatus, StepStatus, Value};

use super::{EditorApp, Pending, StatusMessage};
use crate::gui::command::{BottomTab, CenterView, RunsCommand, RunsOutcome};
use crate::gui::compare::CompareView;
use crate::gui::files::DialogResult;
use crate::gui::format::format_duration;
use crate::gui::past_run::{PastRun, READ_ONLY};
use crate::gui::run_state::RunView;

impl EditorApp {
    /// Takes what arrived since the last frame: the events of the document's run and
    /// of a past run's re-run, the Runs listing and the end of a delete. Reads the
    /// list when the Runs tab shows and it is stale.
    pub(super) fn poll(&mut self, ctx: &egui::Context) {
        let polled = self.run.poll();
        if polled.changed {
            ctx.request_repaint();
            if polled.ended
                && let Some(run) = self.run.view()
            {
                let (text, is_error) = run_end_message(run);
                self.status = Some(StatusMessage { text, is_error });
            }
        }
        if let Some(e) = self.runs.poll() {
            self.error(e);
        }
        if let Some(message) = self.runs.deleter.poll() {
            self.message(message);
            self.reload_runs(ctx);
        }
        let mut finished = None;
        if let Some(past) = &mut self.past_run {
            let polled = past.poll();
            if polled.changed {
                ctx.request_repaint();
            }
            if polled.ended {
                finished = past.end_message();
            }
            if past.is_running() {
                // The banner's running animation.
                ctx.request_repaint_after(std::time::Duration::from_millis(50));
            }
        }
        if let Some(message) = finished {
            self.message(message);
            self.reload_runs(ctx);
        }
        // Listed whatever tab shows, so the tab's "Runs (n)" is live (a listing of
        // 1,000 runs takes ~20 ms, off the UI thread).
        let finished_run = self
            .run
            .view()
            .filter(|r| !r.is_running())
            .map(|r| r.run_id.clone());
        let flow = self.doc.flow().name.clone();
        if let Err(e) = self.runs.ensure_listed(&flow, finished_run.as_deref(), ctx) {
            self.error(e);
        }
    }

    fn reload_runs(&mut self, ctx: &egui::Context) {
        if let Err(e) = self.runs.reload(ctx) {
            self.error(e);
        }
    }

    pub(super) fn start_run(&mut self, overrides: BTreeMap<String, Value>, ctx: &egui::Context) {
        if let Some(why) = self.run_blocker() {
            self.error(format!("Cannot run: {why}"));
            return;
        }
        let options = RunOptions {
            overrides: overrides.clone(),
            base_dir: self.base_dir(),
            // Unsaved edits run too; the file is still where a later resume starts.
            flow_path: self.doc.path().map(PathBuf::from),
            ..RunOptions::default()
        };
        match self.run.start(self.doc.flow(), options, ctx) {
            Ok(id) => {
                self.info(format!("Run {id} started"));
                self.last_run_overrides = overrides;
                self.settings.bottom_tab = BottomTab::Log;
            }
            Err(e) => self.error(format!("Cannot run: {e}")),
        }
    }

    /// Resumes the document's last (failed or stopped) run with the flow as it is
    /// edited now: the steps whose key still matches are reused, the rest run.
    pub(super) fn resume(&mut self, ctx: &egui::Context) {
        let Some(run) = self.run.view() else {
            self.info("Nothing to resume: no run yet");
            return;
        };
        if run.is_running() || run.status == RunStatus::Done {
            self.info("Resume re-runs a failed or stopped run; this one is not");
            return;
        }
        let id = run.run_id.clone();
        // The flow as edited now must be runnable: resuming it is running it.
        if let Some(why) = self.run_blocker() {
            self.error(format!("Cannot resume: {why}"));
            return;
        }
        let options = RunOptions {
            base_dir: self.base_dir(),
            flow_path: self.doc.path().map(PathBuf::from),
            ..RunOptions::default()
        };
        match self.run.resume(&id, self.doc.flow(), options, ctx) {
            Ok(new) => self.info(format!("Resuming run {id} as run {new}")),
            Err(e) => self.error(format!("Cannot resume: {e}")),
        }
    }

    /// Closes the shown past run (its flow was opened, or it was deleted).
    pub(super) fn close_past_run(&mut self) {
        self.past_run = None;
        if self.center == CenterView::Run {
            self.center = if self.compare.is_some() {
                CenterView::Compare
            } else {
                CenterView::Flow
            };
        }
    }

    fn close_compare(&mut self) {
        self.compare = None;
        if self.center == CenterView::Compare {
            self.center = if self.past_run.is_some() {
                CenterView::Run
            } else {
                CenterView::Flow
            };
        }
    }

    /// Executes a command about past runs: the list, the past run and the comparison.
    pub(super) fn execute_runs(
        &mut self,
        command: RunsCommand,
        ctx: &egui::Context,
    ) -> RunsOutcome {
        let flow = self.doc.flow().name.clone();
        let listed = |r: Result<(), String>| match r {
            Ok(()) => RunsOutcome::default(),
            Err(e) => RunsOutcome::error(e),
        };
        match command {
            RunsCommand::Refresh => listed(self.runs.start_load(&flow, ctx)),
            RunsCommand::SetAllFlows(all) => listed(self.runs.set_all_flows(all, &flow, ctx)),
            RunsCommand::Show(id) => match self.runs.record(&id) {
                Ok(record) => {
                    let past = PastRun::new(
                        (*record).clone(),
                        self.engine.clone(),
                        self.past_run.as_ref(),
                    );
                    self.past_run = Some(past);
                    self.center = CenterView::Run;
                    RunsOutcome::default()
                }
                Err(e) => RunsOutcome::error(format!("Cannot show run {id}: {e}")),
            },
            RunsCommand::ShowCenter(v) => {
                let available = match v {
                    CenterView::Flow => true,
                    CenterView::Run => self.past_run.is_some(),
                    CenterView::Compare => self.compare.is_some(),
                };
                if available {
                    self.center = v;
                }
                RunsOutcome::default()
            }
            RunsCommand::CloseRun => {
                self.close_past_run();
                RunsOutcome::default()
            }
            RunsCommand::CloseCompare => {
                self.close_compare();
                RunsOutcome::default()
            }
            RunsCommand::OpenAsNewFlow => match &self.past_run {
                Some(past) => RunsOutcome {
                    message: None,
                    open_flow: Some(Box::new(past.flow().clone())),
                },
                None => RunsOutcome::info("No run is shown"),
            },
            RunsCommand::Rerun | RunsCommand::Resume => {
                let resume = command == RunsCommand::Resume;
                // The open document, when it is the past run's flow file: a resume
                // runs it as edited now.
                let document = self.doc.path().map(|p| (self.doc.flow(), p));
                match &mut self.past_run {
                    Some(past) => {
                        let outcome = past.rerun(resume, document, ctx);
                        if past.is_running() {
                            self.center = CenterView::Run;
                        }
                        outcome
                    }
                    None => RunsOutcome::info("No run is shown"),
                }
            }
            RunsCommand::Stop => {
                if let Some(past) = &mut self.past_run {
                    past.stop();
                }
                RunsOutcome::default()
            }
            RunsCommand::Compare(ids) => {
                if ids.len() < 2 {
                    return RunsOutcome::info("Choose two or more runs to compare");
                }
                let mut records = Vec::new();
                for id in &ids {
                    match self.runs.record(id) {
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
                self.runs.deleter.ask(ids);
                RunsOutcome::default()
            }
            RunsCommand::Delete(ids) => self.delete_runs(&ids, ctx),
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
                match self
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

    /// Starts deleting runs; the past run and the comparison showing one of them close.
    fn delete_runs(&mut self, ids: &[String], ctx: &egui::Context) -> RunsOutcome {
        let store = self.runs.store().clone();
        if let Err(e) = self.runs.deleter.start(ids, &store, ctx) {
            return RunsOutcome::error(e);
        }
        self.runs.list.uncheck(ids);
        if self
            .past_run
            .as_ref()
            .is_some_and(|p| ids.iter().any(|id| id == p.run_id()))
        {
            self.close_past_run();
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
        RunsOutcome::default()
    }

    fn set_tags(&mut self, id: &str, f: impl FnOnce(&mut Vec<String>)) -> Result<(), String> {
        let record = self.runs.set_tags(id, f)?;
        if let Some(past) = &mut self.past_run {
            past.update_tags(&record);
        }
        Ok(())
    }

    /// Shows what a runs command reported and opens a run's flow when asked to.
    pub(super) fn runs_outcome(&mut self, outcome: RunsOutcome) {
        match outcome.message {
            Some((text, true)) => self.error(text),
            Some((text, false)) => self.info(text),
            None => {}
        }
        if let Some(flow) = outcome.open_flow {
            self.guard(Pending::OpenFlow(flow));
        }
    }
}

/// The status-bar line for a run that just ended: its outcome, and for a failure the
/// first failed step and why.
fn run_end_message(run: &RunView) -> (String, bool) {
    let took = run
        .duration_secs
        .map(|s| format!(" in {}", format_duration(s)))
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
