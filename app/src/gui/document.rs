//! The open document: the flow, its file, and undo/redo.
//!
//! Every change goes through [`Document::apply`], which hands the [`Edit`] to
//! [`Flow::apply`] and, when it is accepted, records an undo snapshot. Edits made in
//! one *gesture* (a slider drag, typing into one field) share a coalescing key and
//! become a single undo step: the snapshot is taken before the first of them, and the
//! gesture ends when the app calls [`Document::end_gesture`] (pointer released, focus
//! moved).

use std::path::{Path, PathBuf};

use pipewright_engine::{Edit, EditError, Flow, Registry};

/// How many undo steps are kept.
const UNDO_LIMIT: usize = 200;

/// The flow being edited, where it lives on disk, and its history.
#[derive(Debug)]
pub struct Document {
    flow: Flow,
    path: Option<PathBuf>,
    /// The flow as last loaded or saved; the document is dirty when it differs.
    saved: Flow,
    /// Each step: the flow before it and what it did ("set Ridge.alpha").
    undo: Vec<(Flow, String)>,
    redo: Vec<(Flow, String)>,
    /// The coalescing key of the gesture in progress, if any.
    gesture: Option<String>,
    /// Bumped on every change, so views can cache what they derive from the flow.
    revision: u64,
}

impl Document {
    /// A document for `flow`, loaded from `path` (or new when `None`).
    pub fn new(flow: Flow, path: Option<PathBuf>) -> Self {
        Self {
            saved: flow.clone(),
            flow,
            path,
            undo: Vec::new(),
            redo: Vec::new(),
            gesture: None,
            revision: 0,
        }
    }

    /// The flow.
    pub fn flow(&self) -> &Flow {
        &self.flow
    }

    /// The file it was loaded from or saved to.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Changes on every edit, undo and redo.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// Whether the flow differs from the file.
    pub fn is_dirty(&self) -> bool {
        self.flow != self.saved
    }

    /// The file name for the window title ("untitled.ron" for a new flow).
    pub fn file_name(&self) -> String {
        self.path.as_deref().and_then(Path::file_name).map_or_else(
            || "untitled.ron".to_owned(),
            |n| n.to_string_lossy().into_owned(),
        )
    }

    /// Applies an edit as its own undo step.
    pub fn apply(&mut self, edit: Edit, registry: &Registry) -> Result<(), EditError> {
        self.apply_coalesced(edit, None, registry)
    }

    /// Applies an edit; consecutive edits with the same `key` inside one gesture make
    /// one undo step.
    pub fn apply_coalesced(
        &mut self,
        edit: Edit,
        key: Option<String>,
        registry: &Registry,
    ) -> Result<(), EditError> {
        let before = self.flow.clone();
        let what = edit.describe(&before);
        self.flow.apply(edit, registry)?;
        if self.flow == before {
            return Ok(());
        }
        let continues = key.is_some() && key == self.gesture;
        if !continues {
            self.undo.push((before, what));
            if self.undo.len() > UNDO_LIMIT {
                self.undo.remove(0);
            }
        }
        self.gesture = key;
        self.redo.clear();
        self.revision += 1;
        Ok(())
    }

    /// Ends the gesture in progress: the next edit starts a new undo step.
    pub fn end_gesture(&mut self) {
        self.gesture = None;
    }

    /// Whether there is something to undo.
    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    /// Whether there is something to redo.
    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    /// What Undo would undo ("set Ridge.alpha"), for the Edit menu.
    pub fn undo_label(&self) -> Option<&str> {
        self.undo.last().map(|(_, what)| what.as_str())
    }

    /// What Redo would redo.
    pub fn redo_label(&self) -> Option<&str> {
        self.redo.last().map(|(_, what)| what.as_str())
    }

    /// Restores the flow as it was before the last step. Returns false when there is
    /// nothing to undo.
    pub fn undo(&mut self) -> bool {
        self.gesture = None;
        match self.undo.pop() {
            Some((previous, what)) => {
                self.redo
                    .push((std::mem::replace(&mut self.flow, previous), what));
                self.revision += 1;
                true
            }
            None => false,
        }
    }

    /// Re-applies the last undone step. Returns false when there is nothing to redo.
    pub fn redo(&mut self) -> bool {
        self.gesture = None;
        match self.redo.pop() {
            Some((next, what)) => {
                self.undo
                    .push((std::mem::replace(&mut self.flow, next), what));
                self.revision += 1;
                true
            }
            None => false,
        }
    }

    /// Saves to `path` atomically and makes it the document's file.
    pub fn save_as(&mut self, path: &Path) -> Result<(), pipewright_engine::FlowFileError> {
        self.flow.save(path)?;
        self.path = Some(path.to_owned());
        self.saved = self.flow.clone();
        self.revision += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pipewright_engine::{Node, NodeId, ParamValue, Value, testkit};

    fn node(id: u32) -> Node {
        Node {
            id: NodeId(id),
            kind: "const".into(),
            label: format!("n{id}"),
            params: Default::default(),
            pos: (0.0, 0.0),
        }
    }

    fn set_value(id: u32, x: f64) -> Edit {
        Edit::SetParam {
            node: NodeId(id),
            name: "value".into(),
            value: Some(ParamValue::Lit(Value::Float(x))),
        }
    }

    #[test]
    fn a_gesture_is_one_undo_step() {
        let registry = testkit::registry();
        let mut doc = Document::new(Flow::new("t"), None);
        doc.apply(Edit::AddNode(node(1)), &registry).unwrap();
        for i in 0..60 {
            let key = Some("slider".to_owned());
            doc.apply_coalesced(set_value(1, i as f64), key, &registry)
                .unwrap();
        }
        doc.end_gesture();
        assert!(doc.undo());
        assert!(doc.flow().node(NodeId(1)).unwrap().params.is_empty());
        assert!(doc.undo());
        assert!(doc.flow().nodes.is_empty());
        assert!(!doc.undo());
        assert!(doc.redo() && doc.redo());
        assert_eq!(doc.flow().nodes[0].params.len(), 1);
    }

    #[test]
    fn refused_edits_leave_no_undo_step() {
        let registry = testkit::registry();
        let mut doc = Document::new(Flow::new("t"), None);
        assert!(doc.apply(set_value(9, 1.0), &registry).is_err());
        assert!(!doc.can_undo());
        assert!(!doc.is_dirty());
    }
}
