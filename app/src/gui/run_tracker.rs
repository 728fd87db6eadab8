//! Starts runs and follows them: one [`RunTracker`] for the flow being edited and
//! one for a past run shown read-only (its re-run and resume), so starting, resuming,
//! stopping and polling are written once.

use std::collections::BTreeMap;

use pipewright_engine::{Engine, Flow, NodeId, RunError, RunOptions, RunStatus, WakeFn};

use super::run_state::RunView;

/// What [`RunTracker::poll`] saw.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Polled {
    /// Events arrived (the view changed).
    pub changed: bool,
    /// The run ended during this poll.
    pub ended: bool,
}

/// A run being shown, and the engine that starts the next one.
#[derive(Debug)]
pub struct RunTracker {
    engine: Engine,
    view: Option<RunView>,
}

impl RunTracker {
    /// A tracker with nothing shown yet.
    pub fn new(engine: Engine) -> Self {
        Self { engine, view: None }
    }

    /// A tracker showing a run that already ended (a past run's record).
    pub fn showing(engine: Engine, view: RunView) -> Self {
        Self {
            engine,
            view: Some(view),
        }
    }

    /// The run shown, if any.
    pub fn view(&self) -> Option<&RunView> {
        self.view.as_ref()
    }

    /// The run shown, to update what it shows (tags).
    pub fn view_mut(&mut self) -> Option<&mut RunView> {
        self.view.as_mut()
    }

    /// Whether the shown run is still going.
    pub fn is_running(&self) -> bool {
        self.view.as_ref().is_some_and(RunView::is_running)
    }

    /// Forgets the shown run (another document was opened).
    pub fn clear(&mut self) {
        self.view = None;
    }

    /// Starts `flow` with `options`; the engine wakes `ctx` after every event. Returns
    /// the new run's id.
    pub fn start(
        &mut self,
        flow: &Flow,
        mut options: RunOptions,
        ctx: &egui::Context,
    ) -> Result<String, RunError> {
        options.wake = Some(waker(ctx));
        let handle = self.engine.start(flow, options)?;
        let labels = ran_labels(flow, self.engine.registry());
        Ok(self.follow(RunView::start(handle, labels)))
    }

    /// Resumes the run `run_id` with `flow` as it is now (every finished step whose
    /// cache key still matches is reused, the rest runs); `options` give the folder,
    /// the flow file to record and extra overrides. Returns the new run's id.
    pub fn resume(
        &mut self,
        run_id: &str,
        flow: &Flow,
        mut options: RunOptions,
        ctx: &egui::Context,
    ) -> Result<String, RunError> {
        options.wake = Some(waker(ctx));
        let handle = self.engine.start_resume(run_id, flow, options)?;
        let labels = ran_labels(flow, self.engine.registry());
        Ok(self.follow(RunView::start(handle, labels)))
    }

    fn follow(&mut self, view: RunView) -> String {
        let id = view.run_id.clone();
        self.view = Some(view);
        id
    }

    /// Asks the engine to stop the shown run. Returns whether one was going.
    pub fn stop(&mut self) -> bool {
        match &mut self.view {
            Some(run) if run.is_running() => {
                run.stop();
                true
            }
            _ => false,
        }
    }

    /// Takes the events that arrived since the last frame.
    pub fn poll(&mut self) -> Polled {
        let Some(run) = &mut self.view else {
            return Polled::default();
        };
        let was_running = run.status == RunStatus::Running;
        let changed = run.poll(self.engine.store());
        Polled {
            changed,
            ended: was_running && run.status != RunStatus::Running,
        }
    }
}

/// The engine calls this after every event of a run, so the UI repaints then and
/// only then.
fn waker(ctx: &egui::Context) -> WakeFn {
    let ctx = ctx.clone();
    WakeFn::new(move || ctx.request_repaint())
}

/// The labels of the steps a run of `flow` runs: its idle steps are left out, so they
/// show no status rather than queued forever.
fn ran_labels(flow: &Flow, registry: &pipewright_engine::Registry) -> BTreeMap<NodeId, String> {
    pipewright_engine::runnable(flow, registry)
        .nodes
        .iter()
        .map(|n| (n.id, n.label.clone()))
        .collect()
}
