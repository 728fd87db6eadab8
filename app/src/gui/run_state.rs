//! What the editor knows of one run: the engine runs it off the UI thread and wakes
//! egui after each event (the `wake` of its `RunOptions`, set by
//! [`super::run_tracker::RunTracker`]); the frame then takes the events from the
//! run's channel, so the UI repaints exactly when something happened and idles
//! otherwise.

use std::collections::BTreeMap;
use std::time::Instant;

use crossbeam_channel::Receiver;
use pipewright_engine::{
    CancelToken, Event, NodeId, RunHandle, RunRecord, RunStatus, StepStatus, Store,
};

use super::format::format_duration;

/// What the editor knows about one step of the shown run.
#[derive(Clone, Debug, PartialEq)]
pub struct StepView {
    /// Where it is.
    pub status: StepStatus,
    /// Its own wall time once finished.
    pub duration_secs: Option<f64>,
    /// The error, or why it was skipped or cancelled.
    pub message: Option<String>,
}

/// One log line of a run.
#[derive(Clone, Debug, PartialEq)]
pub struct LogLine {
    /// The step that logged it (`None` for the run's own lines).
    pub node: Option<NodeId>,
    /// The step's label, or "run".
    pub source: String,
    /// The text.
    pub text: String,
    /// Seconds since the run started.
    pub at_secs: f64,
    /// An error line (a failed step).
    pub is_error: bool,
}

/// The run the editor shows: the one going now, or the last one.
#[derive(Debug)]
pub struct RunView {
    /// The run's id in the store.
    pub run_id: String,
    /// Its overall status; `Running` until the engine says otherwise.
    pub status: RunStatus,
    /// Per-step state.
    pub steps: BTreeMap<NodeId, StepView>,
    /// Log lines in arrival order.
    pub logs: Vec<LogLine>,
    /// Wall time once finished.
    pub duration_secs: Option<f64>,
    /// The final record (artifacts of each step), loaded when the run ends.
    pub record: Option<RunRecord>,
    labels: BTreeMap<NodeId, String>,
    started: Instant,
    events: Option<Receiver<Event>>,
    cancel: CancelToken,
    cancel_requested: bool,
}

impl RunView {
    /// Starts showing a run that the engine has just started. Its events are taken
    /// from the handle's channel by [`RunView::poll`].
    pub fn start(handle: RunHandle, labels: BTreeMap<NodeId, String>) -> Self {
        let steps = labels
            .keys()
            .map(|id| {
                (
                    *id,
                    StepView {
                        status: StepStatus::Queued,
                        duration_secs: None,
                        message: None,
                    },
                )
            })
            .collect();
        Self {
            run_id: handle.run_id,
            status: RunStatus::Running,
            steps,
            logs: Vec::new(),
            duration_secs: None,
            record: None,
            labels,
            started: Instant::now(),
            events: Some(handle.events),
            cancel: handle.cancel,
            cancel_requested: false,
        }
    }

    /// A finished run as its record tells it (a past run shown read-only): each
    /// step's final status, duration and message, its log lines, and its artifacts.
    pub fn from_record(record: RunRecord) -> Self {
        let steps = record
            .tasks
            .iter()
            .map(|t| {
                (
                    t.node,
                    StepView {
                        status: t.status,
                        duration_secs: Some(t.duration_secs),
                        message: t.message.clone(),
                    },
                )
            })
            .collect();
        let logs = record
            .tasks
            .iter()
            .flat_map(|t| {
                t.logs.iter().map(|l| LogLine {
                    node: Some(t.node),
                    source: t.label.clone(),
                    text: l.clone(),
                    at_secs: 0.0,
                    is_error: false,
                })
            })
            .collect();
        Self {
            run_id: record.id.clone(),
            status: record.status,
            steps,
            logs,
            duration_secs: record.duration_secs(),
            labels: record
                .flow
                .nodes
                .iter()
                .map(|n| (n.id, n.label.clone()))
                .collect(),
            record: Some(record),
            started: Instant::now(),
            events: None,
            cancel: CancelToken::new(),
            cancel_requested: false,
        }
    }

    /// Whether the run is still going.
    pub fn is_running(&self) -> bool {
        self.status == RunStatus::Running
    }

    /// Whether Stop was pressed and the run has not ended yet.
    pub fn is_stopping(&self) -> bool {
        self.cancel_requested && self.is_running()
    }

    /// Asks the engine to stop the run.
    pub fn stop(&mut self) {
        self.cancel_requested = true;
        self.cancel.cancel();
    }

    /// Seconds since the run started (for the running animation and the toolbar).
    pub fn elapsed_secs(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    /// Takes every event that arrived. Returns whether anything changed.
    pub fn poll(&mut self, store: &Store) -> bool {
        let mut changed = false;
        while let Some(rx) = &self.events {
            match rx.try_recv() {
                Ok(event) => {
                    changed = true;
                    self.handle(event, store);
                }
                Err(crossbeam_channel::TryRecvError::Empty) => break,
                Err(crossbeam_channel::TryRecvError::Disconnected) => {
                    // The engine ended without its final event (its thread died).
                    self.events = None;
                    if self.status == RunStatus::Running {
                        changed = true;
                        self.status = RunStatus::Interrupted;
                        self.log(None, "the run stopped without a final event".into(), true);
                    }
                }
            }
        }
        changed
    }

    /// The label of a step of this run.
    pub fn labels_of(&self, node: NodeId) -> String {
        self.label(node)
    }

    fn label(&self, node: NodeId) -> String {
        self.labels
            .get(&node)
            .cloned()
            .unwrap_or_else(|| node.to_string())
    }

    fn log(&mut self, node: Option<NodeId>, text: String, is_error: bool) {
        let source = node.map_or_else(|| "run".to_owned(), |n| self.label(n));
        let at_secs = self.elapsed_secs();
        self.logs.push(LogLine {
            node,
            source,
            text,
            at_secs,
            is_error,
        });
    }

    fn handle(&mut self, event: Event, store: &Store) {
        match event {
            Event::RunStarted { run_id, steps, .. } => {
                self.run_id = run_id.clone();
                for (id, label) in steps {
                    self.labels.insert(id, label);
                }
                self.log(None, format!("run {run_id} started"), false);
            }
            Event::StepQueued { node } => {
                self.set(node, StepStatus::Queued, None, None);
            }
            Event::StepStarted { node } => {
                self.set(node, StepStatus::Running, None, None);
            }
            Event::StepLog { node, line } => self.log(Some(node), line, false),
            Event::StepFinished {
                node,
                status,
                duration_secs,
                message,
            } => {
                let text = match &message {
                    Some(m) => format!("{status}: {m}"),
                    None => format!("{status} in {}", format_duration(duration_secs)),
                };
                self.log(Some(node), text, status == StepStatus::Failed);
                self.set(node, status, Some(duration_secs), message);
            }
            Event::RunFinished {
                run_id,
                status,
                duration_secs,
            } => {
                self.status = status;
                self.duration_secs = Some(duration_secs);
                self.log(
                    None,
                    format!(
                        "run {run_id} {status} in {}",
                        format_duration(duration_secs)
                    ),
                    status == RunStatus::Failed,
                );
                match store.run(&run_id) {
                    Ok(record) => self.record = Some(record),
                    Err(e) => self.log(None, format!("cannot read the run's record: {e}"), true),
                }
                self.events = None;
            }
        }
    }

    fn set(
        &mut self,
        node: NodeId,
        status: StepStatus,
        duration_secs: Option<f64>,
        message: Option<String>,
    ) {
        self.steps.insert(
            node,
            StepView {
                status,
                duration_secs,
                message,
            },
        );
    }
}
