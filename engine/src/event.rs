//! Events a run sends while it goes; the GUI and the CLI progress display consume them.

use std::fmt;
use std::sync::Arc;

use crossbeam_channel::Sender;

use crate::flow::NodeId;
use crate::record::{RunStatus, StepStatus};

/// Called after every event a run sends: a UI that polls the event channel once per
/// frame passes one that asks for a frame (egui's `request_repaint`), so it needs no
/// thread of its own to notice events and an idle window never repaints.
#[derive(Clone)]
pub struct WakeFn(Arc<dyn Fn() + Send + Sync>);

impl WakeFn {
    /// A wake-up callback.
    pub fn new(f: impl Fn() + Send + Sync + 'static) -> Self {
        Self(Arc::new(f))
    }

    /// Calls it.
    pub fn wake(&self) {
        (self.0)();
    }
}

impl fmt::Debug for WakeFn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WakeFn")
    }
}

/// Where a run's events go: the channel, then the optional wake-up.
#[derive(Clone, Debug)]
pub(crate) struct EventSink {
    tx: Sender<Event>,
    wake: Option<WakeFn>,
}

impl EventSink {
    pub(crate) fn new(tx: Sender<Event>, wake: Option<WakeFn>) -> Self {
        Self { tx, wake }
    }

    /// Sends an event; a closed channel only means nobody is watching any more.
    pub(crate) fn send(&self, event: Event) {
        let _ = self.tx.send(event);
        if let Some(w) = &self.wake {
            w.wake();
        }
    }
}

/// A foreach section as a run announces it: enough for a UI to count its tasks.
#[derive(Clone, Debug, PartialEq)]
pub struct SectionInfo {
    /// The `flow.foreach` step.
    pub foreach: NodeId,
    /// The steps that run once per item (tasks `node/0` … `node/n-1`).
    pub body: Vec<NodeId>,
    /// Each item, described (`alpha = 0.1`).
    pub items: Vec<String>,
}

/// One thing that happened in a run.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// The run has an id and is about to schedule its steps.
    RunStarted {
        /// The run's id.
        run_id: String,
        /// The flow's name.
        flow: String,
        /// Every step (node id and label), in node order.
        steps: Vec<(NodeId, String)>,
        /// The run's foreach sections: which steps run once per item, and the items.
        sections: Vec<SectionInfo>,
    },
    /// A step waits for its inputs.
    StepQueued {
        /// The node.
        node: NodeId,
    },
    /// A step began to run.
    StepStarted {
        /// The node.
        node: NodeId,
        /// Inside a foreach: the item's index (the task is `node/index`).
        task: Option<u32>,
    },
    /// A step logged a line.
    StepLog {
        /// The node.
        node: NodeId,
        /// Inside a foreach: the item's index (the task is `node/index`).
        task: Option<u32>,
        /// The line.
        line: String,
    },
    /// A step ended.
    StepFinished {
        /// The node.
        node: NodeId,
        /// Inside a foreach: the item's index (the task is `node/index`).
        task: Option<u32>,
        /// How.
        status: StepStatus,
        /// Its own wall time.
        duration_secs: f64,
        /// The error, or why it was skipped or cancelled.
        message: Option<String>,
    },
    /// The run ended; its record is final in the store.
    RunFinished {
        /// The run's id.
        run_id: String,
        /// How it ended.
        status: RunStatus,
        /// Its wall time.
        duration_secs: f64,
    },
}
