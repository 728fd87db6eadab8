//! The commands panels send to the app. UI code never changes the flow or the app's
//! state directly: it pushes a [`Command`], and the app drains the queue once per
//! frame ([`super::EditorApp::execute`]), like rerun's `SystemCommand`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use pipewright_engine::{Edit, NodeId, Value};

use super::runs::RunsCommand;
use super::theme::ThemeChoice;

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
    /// Cancels the run in progress.
    Stop,
    /// Re-runs the last failed or cancelled run, reusing its finished steps.
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
}
