//! What the editor knows of one run: the engine runs it off the UI thread and wakes
//! egui after each event (the `wake` of its `RunOptions`, set by
//! [`super::run_tracker::RunTracker`]); the frame then takes the events from the
//! run's channel, so the UI repaints exactly when something happened and idles
//! otherwise.

use std::collections::BTreeMap;
use std::time::Instant;

use crossbeam_channel::Receiver;
use pipewright_engine::{
    CancelToken, Event, NodeId, Registry, RunHandle, RunRecord, RunStatus, SectionInfo, StepStatus,
    Store,
};

use super::format::format_duration;

/// What the editor knows about one step of the shown run.
#[derive(Clone, Debug, PartialEq)]
pub struct StepView {
    /// Where it is (for a step inside a foreach: all its tasks together).
    pub status: StepStatus,
    /// Its own wall time once finished (inside a foreach: its tasks' summed).
    pub duration_secs: Option<f64>,
    /// The error, or why it was skipped or cancelled.
    pub message: Option<String>,
    /// Inside a foreach: each item's task by index (for the foreach step itself: each
    /// item, as the worst of its section's tasks).
    pub tasks: BTreeMap<u32, StepStatus>,
    /// Inside a foreach: how many items there are (0 for a step that runs once).
    pub items: u32,
}

impl StepView {
    fn queued() -> Self {
        Self {
            status: StepStatus::Queued,
            duration_secs: None,
            message: None,
            tasks: BTreeMap::new(),
            items: 0,
        }
    }

    /// For a step inside a foreach: `5/8 done, 2 running, 1 failed`.
    pub fn progress(&self) -> Option<String> {
        if self.items == 0 {
            return None;
        }
        let count = |f: &dyn Fn(StepStatus) -> bool| self.tasks.values().filter(|s| f(**s)).count();
        let mut parts = vec![format!("{}/{} done", count(&|s| s.is_ok()), self.items)];
        for (name, st) in [
            ("running", StepStatus::Running),
            ("failed", StepStatus::Failed),
            ("skipped", StepStatus::Skipped),
            ("cancelled", StepStatus::Cancelled),
        ] {
            let n = count(&|s| s == st);
            if n > 0 {
                parts.push(format!("{n} {name}"));
            }
        }
        Some(parts.join(", "))
    }

    /// The status of all the tasks together: running while any runs, then the worst
    /// way one ended.
    fn aggregate(&mut self) {
        let all: Vec<StepStatus> = self.tasks.values().copied().collect();
        let finished = all.iter().filter(|s| s.is_final()).count();
        self.status = if finished < self.items as usize {
            if all.iter().any(|s| *s != StepStatus::Queued) {
                StepStatus::Running
            } else {
                StepStatus::Queued
            }
        } else if all.contains(&StepStatus::Failed) {
            StepStatus::Failed
        } else if all.contains(&StepStatus::Cancelled) {
            StepStatus::Cancelled
        } else if all.contains(&StepStatus::Skipped) {
            StepStatus::Skipped
        } else if all.iter().all(|s| *s == StepStatus::Cached) {
            StepStatus::Cached
        } else {
            StepStatus::Done
        };
    }
}

/// An item of a foreach as its section's tasks (`of_item`, not empty) say: the worst
/// way one ended, else done when all have, running once any started, else queued.
fn item_status(of_item: &[StepStatus]) -> StepStatus {
    let worst = of_item
        .iter()
        .copied()
        .max_by_key(|s| severity(*s))
        .unwrap_or(StepStatus::Queued);
    if severity(worst) >= severity(StepStatus::Skipped) {
        worst
    } else if of_item.iter().all(|s| s.is_final()) {
        StepStatus::Done
    } else if of_item.iter().any(|s| *s != StepStatus::Queued) {
        StepStatus::Running
    } else {
        StepStatus::Queued
    }
}

/// How bad a task's status is, to show an item by its worst task.
fn severity(s: StepStatus) -> u8 {
    match s {
        StepStatus::Done | StepStatus::Cached => 0,
        StepStatus::Queued => 1,
        StepStatus::Running => 2,
        StepStatus::Skipped => 3,
        StepStatus::Cancelled => 4,
        StepStatus::Failed => 5,
    }
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
    /// The run's foreach sections (their steps and items).
    pub sections: Vec<SectionInfo>,
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
        let steps = labels.keys().map(|id| (*id, StepView::queued())).collect();
        Self {
            run_id: handle.run_id,
            status: RunStatus::Running,
            steps,
            logs: Vec::new(),
            duration_secs: None,
            record: None,
            sections: Vec::new(),
            labels,
            started: Instant::now(),
            events: Some(handle.events),
            cancel: handle.cancel,
            cancel_requested: false,
        }
    }

    /// A finished run as its record tells it (a past run shown read-only): each
    /// step's final status, duration and message, its log lines, and its artifacts.
    pub fn from_record(record: RunRecord, registry: &Registry) -> Self {
        let mut steps: BTreeMap<NodeId, StepView> = BTreeMap::new();
        for t in &record.tasks {
            let view = steps.entry(t.node).or_insert_with(StepView::queued);
            match t.index {
                None => {
                    view.status = t.status;
                    view.duration_secs = Some(t.duration_secs);
                    view.message = t.message.clone();
                }
                Some(i) => {
                    view.tasks.insert(i, t.status);
                    view.items = view.items.max(i + 1);
                    *view.duration_secs.get_or_insert(0.0) += t.duration_secs;
                    if view.message.is_none() && !t.status.is_ok() {
                        view.message = t.message.clone().map(|m| format!("{}: {m}", t.name()));
                    }
                    view.aggregate();
                }
            }
        }
        // Each foreach step shows its items, each as the worst of its section's tasks.
        let (sections, _) =
            pipewright_engine::foreach::sections(&record.flow, registry, &record.params);
        let mut run_sections = Vec::new();
        for sec in &sections {
            let info = SectionInfo {
                foreach: sec.foreach,
                body: sec.body.iter().copied().collect(),
                items: sec.items.iter().map(|i| i.describe()).collect(),
            };
            let mut view = steps.remove(&sec.foreach).unwrap_or_else(StepView::queued);
            view.items = info.items.len() as u32;
            for b in &info.body {
                if let Some(body) = steps.get_mut(b) {
                    body.items = info.items.len() as u32;
                    body.aggregate();
                }
            }
            for i in 0..view.items {
                let of_item: Vec<StepStatus> = info
                    .body
                    .iter()
                    .filter_map(|b| steps.get(b)?.tasks.get(&i).copied())
                    .collect();
                if !of_item.is_empty() {
                    view.tasks.insert(i, item_status(&of_item));
                }
            }
            steps.insert(sec.foreach, view);
            run_sections.push(info);
        }
        let logs = record
            .tasks
            .iter()
            .flat_map(|t| {
                t.logs.iter().map(|l| LogLine {
                    node: Some(t.node),
                    source: t.name(),
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
            sections: run_sections,
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
            Event::RunStarted {
                run_id,
                steps,
                sections,
                ..
            } => {
                self.run_id = run_id.clone();
                for (id, label) in steps {
                    self.labels.insert(id, label);
                }
                for sec in &sections {
                    let n = sec.items.len() as u32;
                    for id in sec.body.iter().chain([&sec.foreach]) {
                        let view = self.steps.entry(*id).or_insert_with(StepView::queued);
                        view.items = n;
                        view.tasks = (0..n).map(|i| (i, StepStatus::Queued)).collect();
                    }
                }
                self.sections = sections;
                self.log(None, format!("run {run_id} started"), false);
            }
            Event::StepQueued { node } => {
                if self.steps.get(&node).is_none_or(|v| v.items == 0) {
                    self.set(node, StepStatus::Queued, None, None);
                }
            }
            Event::StepStarted { node, task } => match task {
                None => self.set(node, StepStatus::Running, None, None),
                Some(i) => self.set_task(node, i, StepStatus::Running, None, None),
            },
            Event::StepLog { node, task, line } => {
                let line = match task {
                    Some(i) => format!("[{i}] {line}"),
                    None => line,
                };
                self.log(Some(node), line, false)
            }
            Event::StepFinished {
                node,
                task,
                status,
                duration_secs,
                message,
            } => {
                let text = match &message {
                    Some(m) => format!("{status}: {m}"),
                    None => format!("{status} in {}", format_duration(duration_secs)),
                };
                let text = match task {
                    Some(i) => format!("[{i}] {text}"),
                    None => text,
                };
                self.log(Some(node), text, status == StepStatus::Failed);
                match task {
                    None => self.set(node, status, Some(duration_secs), message),
                    Some(i) => self.set_task(node, i, status, Some(duration_secs), message),
                }
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
        // A foreach step keeps its items' progress.
        let view = self.steps.entry(node).or_insert_with(StepView::queued);
        view.status = status;
        view.duration_secs = duration_secs;
        view.message = message;
    }

    /// One task of a step inside a foreach changed: the step's status is its tasks'
    /// together, and its foreach's item is the worst of the item's tasks.
    fn set_task(
        &mut self,
        node: NodeId,
        index: u32,
        status: StepStatus,
        duration_secs: Option<f64>,
        message: Option<String>,
    ) {
        let label = self.label(node);
        let view = self.steps.entry(node).or_insert_with(StepView::queued);
        view.items = view.items.max(index + 1);
        view.tasks.insert(index, status);
        if let Some(d) = duration_secs {
            *view.duration_secs.get_or_insert(0.0) += d;
        }
        if view.message.is_none()
            && !status.is_ok()
            && let Some(m) = message
        {
            view.message = Some(format!("{label}/{index}: {m}"));
        }
        view.aggregate();
        let Some(sec) = self.sections.iter().find(|s| s.body.contains(&node)) else {
            return;
        };
        let of_item: Vec<StepStatus> = sec
            .body
            .iter()
            .filter_map(|b| self.steps.get(b)?.tasks.get(&index).copied())
            .collect();
        let item = if of_item.is_empty() {
            status
        } else {
            item_status(&of_item)
        };
        let foreach = sec.foreach;
        if let Some(v) = self.steps.get_mut(&foreach) {
            v.tasks.insert(index, item);
        }
    }
}
