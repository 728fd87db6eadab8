//! The commands panels send to the app. UI code never changes the flow or the app's
//! state directly: it pushes a [`Command`], and the app drains the queue once per
//! frame (`EditorApp::execute`), like rerun's `SystemCommand`.
//!
//! This file knows no panel: the panels import it, never the other way round.

use std::collections::BTreeMap;
use std::path::PathBuf;

use pipewright_engine::{Edit, Flow, NodeId, Value};

use super::theme::ThemeChoice;

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

/// A tab of the bottom panel.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum BottomTab {
    /// The run's log lines.
    #[default]
    Log,
    /// Validation problems of the flow.
    Problems,
    /// Past runs of the flow (or of every flow): list, tags, delete, compare.
    Runs,
    /// The model served from the editor: URL, curl line, live counters, Stop.
    Serve,
}

/// Something the user asked for.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// Applies an edit to the flow (one undo step, or part of the gesture `coalesce`).
    Edit {
        /// The edit.
        edit: Edit,
        /// Edits with the same key in one gesture (slider drag, typing) are one undo step.
        coalesce: Option<String>,
    },
    /// Undoes the last edit.
    Undo,
    /// Redoes the last undone edit.
    Redo,
    /// Adds a node of a kind at a canvas position (graph coordinates), or at the
    /// centre of the view.
    AddNode {
        /// The kind's id.
        kind: String,
        /// Where; `None` for the centre of the view.
        pos: Option<(f32, f32)>,
    },
    /// Replaces the selection.
    Select(Vec<NodeId>),
    /// Adds a node to the selection or removes it.
    ToggleSelect(NodeId),
    /// Selects every node.
    SelectAll,
    /// Selects a node and centres the view on it.
    Focus(NodeId),
    /// Removes the selected nodes.
    DeleteSelection,
    /// Copies the selected nodes and pastes them beside the originals.
    DuplicateSelection,
    /// Copies the selected nodes (and the wires between them).
    CopySelection,
    /// Copies and removes the selected nodes.
    CutSelection,
    /// Pastes copied nodes.
    Paste,
    /// Pastes from the system clipboard: steps copied in another Pipewright window
    /// arrive as JSON text; other text falls back to [`Command::Paste`].
    PasteText(String),
    /// Lays the flow out in layers, left to right.
    AutoLayout,
    /// Zooms and pans so every node is visible.
    FitView,
    /// Starts an empty flow (asks about unsaved changes first).
    NewFlow,
    /// Asks for a flow file and opens it.
    Open,
    /// Opens this flow file (asks about unsaved changes first).
    OpenPath(PathBuf),
    /// Saves to the flow's file, or asks where when it has none.
    Save,
    /// Asks where and saves there.
    SaveAs,
    /// Saves to this file.
    SaveTo(PathBuf),
    /// Closes the window (asks about unsaved changes first).
    Quit,
    /// Runs the flow with its default parameters.
    Run,
    /// Opens the dialog to run with edited flow parameters.
    RunWithParams,
    /// Runs with these flow parameter values.
    RunWith(BTreeMap<String, Value>),
    /// Opens *Run ▸ Sweep…*: pick a step parameter and its values.
    OpenSweep,
    /// Adds a foreach varying `over` (and a Collect when needed) to the flow, as one
    /// undoable edit; runs the flow after when `run`.
    InsertSweep {
        /// The foreach's `over` text (`Ridge.alpha = log(0.001, 1000, 8)`).
        over: String,
        /// Run the flow once it is inserted.
        run: bool,
    },
    /// Cancels the run in progress.
    Stop,
    /// Resumes the last failed or cancelled run with the document as it is now, reusing
    /// every finished step that still matches.
    Resume,
    /// Asks for a file for a node's path parameter.
    BrowseParam {
        /// The node.
        node: NodeId,
        /// The parameter.
        name: String,
    },
    /// Switches between dark and light.
    SetTheme(ThemeChoice),
    /// Shows a tab of the bottom panel.
    ShowTab(BottomTab),
    /// Acts on past runs (Runs tab, past-run view, comparison); see [`RunsCommand`].
    Runs(RunsCommand),
    /// Answers the dialog that is open (unsaved changes, a typed path).
    Modal(ModalAnswer),
    /// Shows the list of keyboard shortcuts.
    ShowShortcuts,
    /// Opens *Serve…* for a run's model: host, port, token, then start.
    AskServe(ServeTarget),
    /// Serves a run's model in this process (stopping the one served before).
    StartServing {
        /// The run and step.
        target: ServeTarget,
        /// Where and how.
        options: crate::serve::ServeOptions,
    },
    /// Stops serving.
    StopServing,
    /// Asks where, and writes a run's model bundle there.
    ExportBundle(ServeTarget),
    /// Writes a run's model bundle to this file.
    ExportBundleTo(ServeTarget, PathBuf),
}

/// A run's model to serve or export: the run, and the train step (or select-best
/// join) when not the one the run chose.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServeTarget {
    /// The run's id.
    pub run: String,
    /// The step's label; `None` for the model *Select best* chose, or the only one.
    pub step: Option<String>,
}

impl ServeTarget {
    /// The model the run chose.
    pub fn run(run: impl Into<String>) -> Self {
        Self {
            run: run.into(),
            step: None,
        }
    }

    /// `run 20261203-…` or `run 20261203-…, step Ridge`.
    pub fn describe(&self) -> String {
        match &self.step {
            Some(s) => format!("run {}, step {s}", self.run),
            None => format!("run {}", self.run),
        }
    }

    /// The file name *Export bundle…* suggests.
    pub fn file_name(&self) -> String {
        let step = self
            .step
            .as_deref()
            .map(|s| {
                let s: String = s
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                    .collect();
                format!("-{s}")
            })
            .unwrap_or_default();
        format!("model-{}{step}.pwm", self.run)
    }
}

/// Pushes an edit of the flow; edits with the same `coalesce` key in one gesture
/// (slider drag, typing) are one undo step.
pub fn push_edit(commands: &mut Vec<Command>, edit: Edit, coalesce: Option<String>) {
    commands.push(Command::Edit { edit, coalesce });
}

/// An answer to the open dialog.
#[derive(Clone, Debug, PartialEq)]
pub enum ModalAnswer {
    /// "Save changes?" ▸ Save: saves, then carries on with the action that asked.
    Save,
    /// "Save changes?" ▸ Discard: drops the changes and carries on.
    Discard,
    /// The path typed into the in-app path prompt (no file dialog here).
    Path(PathBuf),
    /// Closes the dialog; an action waiting for a save is dropped.
    Cancel,
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
    /// Resumes the shown (failed or stopped) run with its flow file as it is now: its
    /// finished steps that still match are reused.
    Resume,
    /// Stops the re-run or resume going in the shown past run.
    Stop,
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

/// What the app must do after acting on past runs.
#[derive(Debug, Default)]
pub struct RunsOutcome {
    /// A status-bar message, and whether it is an error.
    pub message: Option<(String, bool)>,
    /// A flow to open as a new document (through the unsaved-changes guard).
    pub open_flow: Option<Box<Flow>>,
}

impl RunsOutcome {
    /// An outcome that only tells the user something.
    pub fn info(text: impl Into<String>) -> Self {
        Self {
            message: Some((text.into(), false)),
            open_flow: None,
        }
    }

    /// An outcome that reports an error.
    pub fn error(text: impl Into<String>) -> Self {
        Self {
            message: Some((text.into(), true)),
            open_flow: None,
        }
    }
}
