//! Edit commands: the only way the editor changes a flow.
//!
//! [`Flow::apply`] checks each command (nodes and ports exist, port types match, no
//! cycle, an input takes one wire unless it is a join) and either applies it whole or
//! leaves the flow untouched and says why. The editor keeps undo as snapshots taken
//! at command boundaries, so every accepted command is one undo step.

use std::collections::BTreeMap;

use crate::flow::{Edge, Flow, FlowParam, Node, NodeId};
use crate::kind::Registry;
use crate::validate::cycles;
use crate::value::ParamValue;

/// One edit of a flow.
#[derive(Clone, Debug, PartialEq)]
pub enum Edit {
    /// Adds a node (its id must be unused).
    AddNode(Node),
    /// Removes nodes and every edge touching them.
    RemoveNodes(Vec<NodeId>),
    /// Adds an edge.
    Connect(Edge),
    /// Removes an edge.
    Disconnect(Edge),
    /// Sets (`Some`) or clears back to the default (`None`) a node parameter. Values
    /// out of range are accepted here and reported by validation, so a user can type
    /// through an invalid value without it being clamped.
    SetParam {
        /// The node.
        node: NodeId,
        /// The parameter's name.
        name: String,
        /// The new value, or `None` for the kind's default.
        value: Option<ParamValue>,
    },
    /// Renames a node.
    SetLabel {
        /// The node.
        node: NodeId,
        /// Its new label.
        label: String,
    },
    /// Moves nodes to new canvas positions.
    MoveNodes(Vec<(NodeId, (f32, f32))>),
    /// Adds, replaces (`Some`, matched by `name`) or removes (`None`) a flow parameter.
    SetFlowParam {
        /// The parameter's current name.
        name: String,
        /// Its new definition; a different name renames it and every reference to it.
        param: Option<FlowParam>,
    },
    /// Sets the flow's name, title and description.
    SetInfo {
        /// Short name.
        name: String,
        /// Display title.
        title: String,
        /// Description.
        description: String,
    },
    /// Several edits applied together, all or none (paste, replace a wire, auto-layout).
    Batch(Vec<Edit>),
}

/// Why an edit was refused. The flow is unchanged.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum EditError {
    /// No node has this id.
    #[error("there is no node {0}")]
    NoNode(NodeId),
    /// A node with this id exists already.
    #[error("node id {0} is already used")]
    DuplicateId(NodeId),
    /// The registry has no such kind.
    #[error("unknown node kind {0:?}")]
    UnknownKind(String),
    /// The node has no such port.
    #[error("{node} has no {direction} named {port:?}")]
    NoPort {
        /// The node, as "label" (#id).
        node: String,
        /// "input" or "output".
        direction: &'static str,
        /// The port asked for.
        port: String,
    },
    /// The port types do not match.
    #[error("cannot connect {from_ty} output {from} to {to_ty} input {to}: the types differ")]
    TypeMismatch {
        /// Source, as label.port.
        from: String,
        /// Its type.
        from_ty: String,
        /// Destination, as label.port.
        to: String,
        /// Its type.
        to_ty: String,
    },
    /// The input already has a wire and takes only one.
    #[error("input {0} already has a wire; it takes one")]
    InputTaken(String),
    /// The edge exists already.
    #[error("that wire exists already")]
    DuplicateEdge,
    /// The edge would close a cycle.
    #[error("that wire would make a cycle through {0}")]
    Cycle(String),
    /// The edge to remove does not exist.
    #[error("there is no such wire")]
    NoEdge,
    /// The node kind has no such parameter.
    #[error("{node} has no parameter {name:?}")]
    NoParam {
        /// The node, as "label" (#id).
        node: String,
        /// The parameter asked for.
        name: String,
    },
    /// No flow parameter has this name.
    #[error("there is no flow parameter {0:?}")]
    NoFlowParam(String),
    /// A flow parameter with this name exists already.
    #[error("a flow parameter named {0:?} exists already")]
    DuplicateFlowParam(String),
    /// A name is empty.
    #[error("{0} must not be empty")]
    EmptyName(&'static str),
}

impl Edit {
    /// What the edit does, in a few words, named with the labels `flow` (the flow
    /// before it) gives: "set Ridge.alpha", "add Split", "delete 3 steps". The editor
    /// shows it as *Undo set Ridge.alpha*.
    pub fn describe(&self, flow: &Flow) -> String {
        let label = |id: &NodeId| {
            flow.node(*id)
                .map_or_else(|| id.to_string(), |n| n.label.clone())
        };
        let steps = |n: usize| if n == 1 { "step" } else { "steps" };
        match self {
            Edit::AddNode(n) => format!("add {}", n.label),
            Edit::RemoveNodes(ids) if ids.len() == 1 => format!("delete {}", label(&ids[0])),
            Edit::RemoveNodes(ids) => format!("delete {} {}", ids.len(), steps(ids.len())),
            Edit::Connect(e) | Edit::Disconnect(e) => format!(
                "{} {}.{} → {}.{}",
                if matches!(self, Edit::Connect(_)) {
                    "connect"
                } else {
                    "disconnect"
                },
                label(&e.from.node),
                e.from.port,
                label(&e.to.node),
                e.to.port
            ),
            Edit::SetParam { node, name, .. } => format!("set {}.{name}", label(node)),
            Edit::SetLabel { node, .. } => format!("rename {}", label(node)),
            Edit::MoveNodes(moves) if moves.len() == 1 => format!("move {}", label(&moves[0].0)),
            Edit::MoveNodes(moves) => format!("move {} {}", moves.len(), steps(moves.len())),
            Edit::SetFlowParam { name, param: None } => format!("remove parameter {name}"),
            Edit::SetFlowParam {
                name,
                param: Some(p),
            } => {
                if flow.parameters.iter().any(|q| q.name == *name) {
                    format!("edit parameter {}", p.name)
                } else {
                    format!("add parameter {}", p.name)
                }
            }
            Edit::SetInfo { .. } => "edit the flow's name and description".to_owned(),
            Edit::Batch(edits) => {
                let added = edits
                    .iter()
                    .filter(|e| matches!(e, Edit::AddNode(_)))
                    .count();
                let wires = edits
                    .iter()
                    .filter(|e| matches!(e, Edit::Connect(_) | Edit::Disconnect(_)))
                    .count();
                if added > 1 {
                    format!("add {added} steps")
                } else if added == 0 && wires == edits.len() && edits.len() == 2 {
                    // A wire dropped on a taken input replaces the one there.
                    match edits.iter().find(|e| matches!(e, Edit::Connect(_))) {
                        Some(Edit::Connect(e)) => {
                            format!("reconnect {}.{}", label(&e.to.node), e.to.port)
                        }
                        _ => format!("{} changes", edits.len()),
                    }
                } else if let [only] = edits.as_slice() {
                    only.describe(flow)
                } else if let Some(first) = edits.first()
                    && edits
                        .iter()
                        .all(|e| std::mem::discriminant(e) == std::mem::discriminant(first))
                    && !matches!(first, Edit::Batch(_))
                {
                    match first {
                        Edit::MoveNodes(_) => "move steps".to_owned(),
                        Edit::SetParam { .. } => format!("set {} parameters", edits.len()),
                        _ => first.describe(flow),
                    }
                } else if let Some(add) = edits.iter().find(|e| matches!(e, Edit::AddNode(_))) {
                    add.describe(flow)
                } else {
                    format!("{} changes", edits.len())
                }
            }
        }
    }
}

impl Flow {
    /// Applies an edit, or refuses it and leaves the flow unchanged.
    pub fn apply(&mut self, edit: Edit, registry: &Registry) -> Result<(), EditError> {
        match edit {
            Edit::Batch(edits) => {
                let mut scratch = self.clone();
                for e in edits {
                    scratch.apply(e, registry)?;
                }
                *self = scratch;
                Ok(())
            }
            Edit::AddNode(node) => {
                if self.node(node.id).is_some() {
                    return Err(EditError::DuplicateId(node.id));
                }
                let desc = registry
                    .descriptor(&node.kind)
                    .ok_or_else(|| EditError::UnknownKind(node.kind.clone()))?;
                if let Some(name) = node.params.keys().find(|k| desc.param(k).is_none()) {
                    return Err(EditError::NoParam {
                        node: node.display(),
                        name: name.clone(),
                    });
                }
                let at = self.nodes.partition_point(|n| n.id < node.id);
                self.nodes.insert(at, node);
                Ok(())
            }
            Edit::RemoveNodes(ids) => {
                if let Some(id) = ids.iter().find(|id| self.node(**id).is_none()) {
                    return Err(EditError::NoNode(*id));
                }
                self.nodes.retain(|n| !ids.contains(&n.id));
                self.edges
                    .retain(|e| !ids.contains(&e.from.node) && !ids.contains(&e.to.node));
                Ok(())
            }
            Edit::Connect(edge) => self.connect(edge, registry),
            Edit::Disconnect(edge) => {
                let i = self
                    .edges
                    .binary_search(&edge)
                    .map_err(|_| EditError::NoEdge)?;
                self.edges.remove(i);
                Ok(())
            }
            Edit::SetParam { node, name, value } => {
                let n = self.node(node).ok_or(EditError::NoNode(node))?;
                let has_param = registry
                    .descriptor(&n.kind)
                    .is_some_and(|d| d.param(&name).is_some());
                // Removing a parameter the kind does not know is how a user fixes it.
                if !has_param && value.is_some() {
                    return Err(EditError::NoParam {
                        node: n.display(),
                        name,
                    });
                }
                let n = self.node_mut(node).ok_or(EditError::NoNode(node))?;
                match value {
                    Some(v) => {
                        n.params.insert(name, v);
                    }
                    None => {
                        n.params.remove(&name);
                    }
                }
                Ok(())
            }
            Edit::SetLabel { node, label } => {
                let n = self.node_mut(node).ok_or(EditError::NoNode(node))?;
                n.label = label;
                Ok(())
            }
            Edit::MoveNodes(moves) => {
                if let Some((id, _)) = moves.iter().find(|(id, _)| self.node(*id).is_none()) {
                    return Err(EditError::NoNode(*id));
                }
                for (id, pos) in moves {
                    if let Some(n) = self.node_mut(id) {
                        n.pos = pos;
                    }
                }
                Ok(())
            }
            Edit::SetFlowParam { name, param } => self.set_flow_param(&name, param),
            Edit::SetInfo {
                name,
                title,
                description,
            } => {
                if name.trim().is_empty() {
                    return Err(EditError::EmptyName("the flow's name"));
                }
                self.name = name;
                self.title = title;
                self.description = description;
                Ok(())
            }
        }
    }

    fn connect(&mut self, edge: Edge, registry: &Registry) -> Result<(), EditError> {
        let from = self
            .node(edge.from.node)
            .ok_or(EditError::NoNode(edge.from.node))?;
        let to = self
            .node(edge.to.node)
            .ok_or(EditError::NoNode(edge.to.node))?;
        let from_desc = registry
            .descriptor(&from.kind)
            .ok_or_else(|| EditError::UnknownKind(from.kind.clone()))?;
        let to_desc = registry
            .descriptor(&to.kind)
            .ok_or_else(|| EditError::UnknownKind(to.kind.clone()))?;
        let out = from_desc
            .output(&edge.from.port)
            .ok_or_else(|| EditError::NoPort {
                node: from.display(),
                direction: "output",
                port: edge.from.port.clone(),
            })?;
        let inp = to_desc
            .input(&edge.to.port)
            .ok_or_else(|| EditError::NoPort {
                node: to.display(),
                direction: "input",
                port: edge.to.port.clone(),
            })?;
        let from_name = format!("{}.{}", from.label, out.name);
        let to_name = format!("{}.{}", to.label, inp.name);
        if !inp.accepts(out.ty) {
            return Err(EditError::TypeMismatch {
                from: from_name,
                from_ty: out.ty.to_owned(),
                to: to_name,
                to_ty: inp.ty.to_owned(),
            });
        }
        if self.edges.binary_search(&edge).is_ok() {
            return Err(EditError::DuplicateEdge);
        }
        if !inp.multiple && self.edges.iter().any(|e| e.to == edge.to) {
            return Err(EditError::InputTaken(to_name));
        }
        let at = self.edges.partition_point(|e| *e < edge);
        self.edges.insert(at, edge);
        if let Some(cycle) = cycles(self).into_iter().next() {
            self.edges.remove(at);
            let names: Vec<String> = cycle
                .iter()
                .filter_map(|id| self.node(*id))
                .map(|n| format!("{:?}", n.label))
                .collect();
            return Err(EditError::Cycle(names.join(", ")));
        }
        Ok(())
    }

    fn set_flow_param(&mut self, name: &str, param: Option<FlowParam>) -> Result<(), EditError> {
        let index = self.parameters.iter().position(|p| p.name == name);
        match (index, param) {
            (None, None) => Err(EditError::NoFlowParam(name.to_owned())),
            (Some(i), None) => {
                self.parameters.remove(i);
                Ok(())
            }
            (index, Some(p)) => {
                if p.name.trim().is_empty() {
                    return Err(EditError::EmptyName("a flow parameter's name"));
                }
                let clash = self
                    .parameters
                    .iter()
                    .enumerate()
                    .any(|(j, q)| q.name == p.name && Some(j) != index);
                if clash {
                    return Err(EditError::DuplicateFlowParam(p.name));
                }
                match index {
                    None => self.parameters.push(p),
                    Some(i) => {
                        if p.name != name {
                            self.rename_refs(name, &p.name);
                        }
                        self.parameters[i] = p;
                    }
                }
                Ok(())
            }
        }
    }

    fn rename_refs(&mut self, from: &str, to: &str) {
        for node in &mut self.nodes {
            for v in node.params.values_mut() {
                if matches!(v, ParamValue::Ref(r) if r == from) {
                    *v = ParamValue::Ref(to.to_owned());
                }
            }
        }
    }

    /// Nodes and the edges among them, as the clipboard keeps them.
    pub fn extract(&self, ids: &[NodeId]) -> (Vec<Node>, Vec<Edge>) {
        let nodes = self
            .nodes
            .iter()
            .filter(|n| ids.contains(&n.id))
            .cloned()
            .collect();
        let edges = self
            .edges
            .iter()
            .filter(|e| ids.contains(&e.from.node) && ids.contains(&e.to.node))
            .cloned()
            .collect();
        (nodes, edges)
    }

    /// The batch that pastes `nodes` and `edges` under fresh ids, shifted by `offset`.
    /// Returns the edit and the new ids in the order of `nodes`.
    pub fn paste_edit(
        &self,
        nodes: &[Node],
        edges: &[Edge],
        offset: (f32, f32),
    ) -> (Edit, Vec<NodeId>) {
        let mut map = BTreeMap::new();
        let mut edits = Vec::new();
        let mut new_ids = Vec::new();
        let mut labels: Vec<String> = self.nodes.iter().map(|n| n.label.clone()).collect();
        for (next, n) in (self.next_id().0..).zip(nodes) {
            let id = NodeId(next);
            map.insert(n.id, id);
            new_ids.push(id);
            let mut copy = n.clone();
            copy.id = id;
            // Labels stay unique (they name the step's metrics): "Metrics" → "Metrics 2".
            copy.label =
                crate::flow::unique_label_among(&n.label, |l| labels.iter().any(|x| x == l));
            labels.push(copy.label.clone());
            copy.pos = (n.pos.0 + offset.0, n.pos.1 + offset.1);
            edits.push(Edit::AddNode(copy));
        }
        for e in edges {
            if let (Some(f), Some(t)) = (map.get(&e.from.node), map.get(&e.to.node)) {
                edits.push(Edit::Connect(Edge::new(*f, &e.from.port, *t, &e.to.port)));
            }
        }
        (Edit::Batch(edits), new_ids)
    }
}

/// `path` relative to `base` when both are absolute: the common prefix dropped and a
/// `..` for each remaining folder of `base` (`/a/b/c.txt` from `/a/d` is `../b/c.txt`).
fn relative_to(path: &std::path::Path, base: &std::path::Path) -> Option<std::path::PathBuf> {
    use std::path::Component;
    if !path.is_absolute() || !base.is_absolute() {
        return None;
    }
    let p: Vec<Component> = path.components().collect();
    let b: Vec<Component> = base.components().collect();
    let common = p.iter().zip(&b).take_while(|(x, y)| x == y).count();
    if common == 0 {
        return None;
    }
    let mut out = std::path::PathBuf::new();
    for _ in common..b.len() {
        out.push("..");
    }
    for c in &p[common..] {
        out.push(c.as_os_str());
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    Some(out)
}

/// Resolves `.` and `..` without touching the file system.
fn normalize(path: &std::path::Path) -> std::path::PathBuf {
    use std::path::Component;
    let mut out = std::path::PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

impl Flow {
    /// The edit that keeps relative file paths pointing at the same files when the flow
    /// file moves from folder `from` to folder `to` (Save as elsewhere): every relative
    /// path parameter and path-typed flow parameter default is rewritten relative to
    /// `to`. `None` when nothing needs to change. Both folders must be absolute.
    pub fn relocate_edit(
        &self,
        registry: &Registry,
        from: &std::path::Path,
        to: &std::path::Path,
    ) -> Option<Edit> {
        if normalize(from) == normalize(to) {
            return None;
        }
        let moved = |text: &str| -> Option<String> {
            let p = std::path::Path::new(text);
            if text.is_empty() || p.is_absolute() {
                return None;
            }
            let target = normalize(&from.join(p));
            let new = relative_to(&target, &normalize(to)).unwrap_or(target);
            let new = new.to_string_lossy().into_owned();
            (new != text).then_some(new)
        };
        let mut edits = Vec::new();
        for n in &self.nodes {
            let Some(desc) = registry.descriptor(&n.kind) else {
                continue;
            };
            for spec in desc
                .params
                .iter()
                .filter(|s| s.ty == crate::value::ParamType::Path)
            {
                if let Some(ParamValue::Lit(crate::value::Value::Text(t))) = n.params.get(spec.name)
                    && let Some(new) = moved(t)
                {
                    edits.push(Edit::SetParam {
                        node: n.id,
                        name: spec.name.to_owned(),
                        value: Some(ParamValue::Lit(crate::value::Value::Text(new))),
                    });
                }
            }
        }
        for p in &self.parameters {
            if p.ty == crate::value::ParamType::Path
                && let crate::value::Value::Text(t) = &p.default
                && let Some(new) = moved(t)
            {
                let mut q = p.clone();
                q.default = crate::value::Value::Text(new);
                edits.push(Edit::SetFlowParam {
                    name: p.name.clone(),
                    param: Some(q),
                });
            }
        }
        (!edits.is_empty()).then_some(Edit::Batch(edits))
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::kind::{Category, KindDescriptor, NodeKind, Outputs, ParamSpec, Params, StepError};
    use crate::value::{ParamType, Value};

    struct Reader(KindDescriptor);
    impl NodeKind for Reader {
        fn descriptor(&self) -> &KindDescriptor {
            &self.0
        }
        fn run(
            &self,
            _: &mut crate::context::StepContext<'_>,
            _: &crate::kind::Inputs,
            _: &Params,
        ) -> Result<Outputs, StepError> {
            Ok(Outputs::new())
        }
    }

    #[test]
    fn every_edit_says_what_it_does_with_the_steps_labels() {
        let f = flow("data.csv");
        let read = NodeId(1);
        let set = |name: &str| Edit::SetParam {
            node: read,
            name: name.into(),
            value: None,
        };
        assert_eq!(set("path").describe(&f), "set read.path");
        assert_eq!(Edit::RemoveNodes(vec![read]).describe(&f), "delete read");
        assert_eq!(
            Edit::RemoveNodes(vec![read, NodeId(9)]).describe(&f),
            "delete 2 steps"
        );
        let wire = Edge::new(read, "table", NodeId(9), "table");
        assert_eq!(
            Edit::Connect(wire.clone()).describe(&f),
            "connect read.table → #9.table"
        );
        assert_eq!(
            Edit::Disconnect(wire.clone()).describe(&f),
            "disconnect read.table → #9.table"
        );
        assert_eq!(
            Edit::Batch(vec![Edit::Disconnect(wire.clone()), Edit::Connect(wire)]).describe(&f),
            "reconnect #9.table"
        );
        assert_eq!(
            Edit::Batch(vec![set("path"), set("note")]).describe(&f),
            "set 2 parameters"
        );
        assert_eq!(
            Edit::MoveNodes(vec![(read, (1.0, 2.0))]).describe(&f),
            "move read"
        );
        let mut added = f.nodes[0].clone();
        added.label = "Split".into();
        assert_eq!(Edit::AddNode(added.clone()).describe(&f), "add Split");
        assert_eq!(
            Edit::Batch(vec![Edit::AddNode(added.clone()), Edit::AddNode(added)]).describe(&f),
            "add 2 steps"
        );
    }

    fn registry() -> Registry {
        let mut r = Registry::new();
        r.register(Reader(KindDescriptor {
            id: "read",
            version: 1,
            category: Category::new("Data", 0),
            title: "read",
            doc: "",
            inputs: vec![],
            outputs: vec![],
            params: vec![
                ParamSpec::new("path", ParamType::Path, Value::Text(String::new()), ""),
                ParamSpec::new("note", ParamType::Text, Value::Text(String::new()), ""),
            ],
        }));
        r
    }

    fn flow(path: &str) -> Flow {
        let mut f = Flow::new("r");
        f.nodes.push(Node {
            id: NodeId(1),
            kind: "read".into(),
            label: "read".into(),
            params: [
                ("path".to_owned(), ParamValue::Lit(Value::Text(path.into()))),
                (
                    "note".to_owned(),
                    ParamValue::Lit(Value::Text("../x".into())),
                ),
            ]
            .into(),
            pos: (0.0, 0.0),
        });
        f
    }

    fn path_after(from: &str, to: &str, path: &str) -> String {
        let r = registry();
        let mut f = flow(path);
        if let Some(e) = f.relocate_edit(&r, Path::new(from), Path::new(to)) {
            f.apply(e, &r).unwrap();
        }
        assert_eq!(
            f.nodes[0].params["note"],
            ParamValue::Lit(Value::Text("../x".into())),
            "text parameters are left alone"
        );
        match &f.nodes[0].params["path"] {
            ParamValue::Lit(Value::Text(t)) => t.clone(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn relative_paths_follow_the_flow_file_to_its_new_folder() {
        // repo/examples/flow.ron reading ../assets/d.txt, saved as repo/work/mine/flow.ron
        assert_eq!(
            path_after("/repo/examples", "/repo/work/mine", "../assets/d.txt"),
            "../../assets/d.txt"
        );
        // Saved into the data folder itself.
        assert_eq!(
            path_after("/repo/examples", "/repo/assets", "../assets/d.txt"),
            "d.txt"
        );
        // Same folder: nothing changes; absolute paths are never touched.
        assert_eq!(
            path_after("/repo/examples", "/repo/examples", "../assets/d.txt"),
            "../assets/d.txt"
        );
        assert_eq!(
            path_after("/repo/examples", "/elsewhere", "/data/d.txt"),
            "/data/d.txt"
        );
        assert!(
            flow("../a")
                .relocate_edit(&registry(), Path::new("/a"), Path::new("/a"))
                .is_none()
        );
    }
}
