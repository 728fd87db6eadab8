//! Events a run sends while it goes; the GUI and the CLI progress display consume them.

use crate::flow::NodeId;
use crate::store::{RunStatus, StepStatus};

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
    },
    /// A step logged a line.
    StepLog {
        /// The node.
        node: NodeId,
        /// The line.
        line: String,
    },
    /// A step ended.
    StepFinished {
        /// The node.
        node: NodeId,
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
