//! The selected steps of a flow shown on a canvas: the same rules for the flow being
//! edited and for a past run shown read-only.

use pipewright_engine::{Flow, NodeId};

/// The selected nodes, in the order they were selected.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection(Vec<NodeId>);

impl Selection {
    /// The selected nodes.
    pub fn ids(&self) -> &[NodeId] {
        &self.0
    }

    /// Whether nothing is selected.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Replaces the selection.
    pub fn select(&mut self, ids: Vec<NodeId>) {
        self.0 = ids;
    }

    /// Adds a node to the selection, or removes it when it is selected.
    pub fn toggle(&mut self, id: NodeId) {
        if let Some(i) = self.0.iter().position(|s| *s == id) {
            self.0.remove(i);
        } else {
            self.0.push(id);
        }
    }

    /// Selects every node of `flow`.
    pub fn select_all(&mut self, flow: &Flow) {
        self.0 = flow.nodes.iter().map(|n| n.id).collect();
    }

    /// Drops the nodes `flow` no longer has (after undo, delete, another run).
    pub fn retain(&mut self, flow: &Flow) {
        self.0.retain(|id| flow.node(*id).is_some());
    }

    /// Selects nothing.
    pub fn clear(&mut self) {
        self.0.clear();
    }

    /// Takes the selected nodes, leaving nothing selected.
    pub fn take(&mut self) -> Vec<NodeId> {
        std::mem::take(&mut self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pipewright_engine::Node;

    /// A flow with nodes 1, 2, 3 (no wires).
    fn flow() -> Flow {
        let mut f = Flow::new("t");
        for i in 1..=3 {
            f.nodes.push(Node {
                id: NodeId(i),
                kind: "k".into(),
                label: format!("n{i}"),
                params: Default::default(),
                pos: (0.0, 0.0),
            });
        }
        f
    }

    #[test]
    fn toggle_adds_then_removes_and_keeps_order() {
        let mut s = Selection::default();
        s.toggle(NodeId(2));
        s.toggle(NodeId(1));
        assert_eq!(s.ids(), &[NodeId(2), NodeId(1)]);
        s.toggle(NodeId(2));
        assert_eq!(s.ids(), &[NodeId(1)]);
    }

    #[test]
    fn select_all_then_retain_drops_removed_nodes() {
        let mut f = flow();
        let mut s = Selection::default();
        s.select_all(&f);
        assert_eq!(s.ids().len(), 3);
        f.nodes.retain(|n| n.id != NodeId(2));
        s.retain(&f);
        assert_eq!(s.ids(), &[NodeId(1), NodeId(3)]);
        assert_eq!(s.take(), vec![NodeId(1), NodeId(3)]);
        assert!(s.is_empty());
    }
}
