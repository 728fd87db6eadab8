//! A run's plan: the flow unrolled into tasks. A step outside every foreach is one
//! task; a step inside a foreach section is one task per item, with that item's
//! values set on the steps that vary; a join takes every item's task on its many-wire
//! input, in item order.

use std::collections::{BTreeMap, HashMap};

use crate::flow::{Flow, NodeId};
use crate::foreach::Section;
use crate::kind::{Origin, Params};

/// One task of a run: a node, and inside a foreach, the item's index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) struct TaskId {
    pub(super) node: NodeId,
    pub(super) index: Option<u32>,
}

/// One wire into a task.
pub(super) struct Dep {
    /// The input port it arrives at.
    pub(super) port: String,
    /// The task whose output it carries (an index into [`Plan::tasks`]).
    pub(super) from: usize,
    /// That task's output port.
    pub(super) from_port: String,
}

/// One task to run.
pub(super) struct PlannedTask {
    pub(super) id: TaskId,
    pub(super) label: String,
    pub(super) params: Params,
    /// The section it belongs to, for a task of a foreach.
    pub(super) section: Option<usize>,
    /// Its wires in, in input order (a join's per item).
    pub(super) deps: Vec<Dep>,
    /// The tasks that take its outputs (indices into [`Plan::tasks`]).
    pub(super) dependents: Vec<usize>,
}

impl PlannedTask {
    /// Where its outputs come from, as a join sees it.
    pub(super) fn origin(&self, sections: &[Section]) -> Origin {
        Origin {
            step: self.label.clone(),
            index: self.id.index,
            item: match (self.section, self.id.index) {
                (Some(s), Some(i)) => sections[s].items[i as usize].record(),
                _ => BTreeMap::new(),
            },
        }
    }
}

/// The flow unrolled.
pub(super) struct Plan {
    pub(super) tasks: Vec<PlannedTask>,
    pub(super) sections: Vec<Section>,
}

impl Plan {
    /// Unrolls `flow` with each node's resolved parameters and its sections.
    pub(super) fn new(
        flow: &Flow,
        params: &BTreeMap<NodeId, Params>,
        sections: Vec<Section>,
    ) -> Self {
        let section_of: HashMap<NodeId, usize> = sections
            .iter()
            .enumerate()
            .flat_map(|(i, s)| s.body.iter().map(move |n| (*n, i)))
            .collect();
        let mut tasks = Vec::new();
        let mut index: HashMap<TaskId, usize> = HashMap::new();
        for node in &flow.nodes {
            let base = params.get(&node.id).cloned().unwrap_or_default();
            match section_of.get(&node.id) {
                None => {
                    let id = TaskId {
                        node: node.id,
                        index: None,
                    };
                    index.insert(id, tasks.len());
                    tasks.push(PlannedTask {
                        id,
                        label: node.label.clone(),
                        params: base,
                        section: None,
                        deps: Vec::new(),
                        dependents: Vec::new(),
                    });
                }
                Some(&s) => {
                    for item in &sections[s].items {
                        let mut p = base.clone();
                        for (target, param, v) in &item.values {
                            if *target == node.id {
                                p.0.insert(param.clone(), v.clone());
                            }
                        }
                        let id = TaskId {
                            node: node.id,
                            index: Some(item.index),
                        };
                        index.insert(id, tasks.len());
                        tasks.push(PlannedTask {
                            id,
                            label: node.label.clone(),
                            params: p,
                            section: Some(s),
                            deps: Vec::new(),
                            dependents: Vec::new(),
                        });
                    }
                }
            }
        }
        // Wires: inside a section item to item; from outside to every item; from a
        // section into its join, every item in order.
        for task in tasks.iter_mut() {
            let TaskId { node, index: item } = task.id;
            let mut deps = Vec::new();
            let mut incoming: Vec<_> = flow.incoming(node).collect();
            // Multiple inputs in source node order (then item order), as documented.
            incoming.sort_by_key(|e| (e.to.port.clone(), e.from.node));
            for e in incoming {
                let from_section = section_of.get(&e.from.node).copied();
                let sources: Vec<usize> = match (from_section, item) {
                    (Some(s), Some(_)) if Some(s) == task.section => index
                        .get(&TaskId {
                            node: e.from.node,
                            index: item,
                        })
                        .copied()
                        .into_iter()
                        .collect(),
                    (Some(s), _) => sections[s]
                        .items
                        .iter()
                        .filter_map(|it| {
                            index
                                .get(&TaskId {
                                    node: e.from.node,
                                    index: Some(it.index),
                                })
                                .copied()
                        })
                        .collect(),
                    (None, _) => index
                        .get(&TaskId {
                            node: e.from.node,
                            index: None,
                        })
                        .copied()
                        .into_iter()
                        .collect(),
                };
                for from in sources {
                    deps.push(Dep {
                        port: e.to.port.clone(),
                        from,
                        from_port: e.from.port.clone(),
                    });
                }
            }
            task.deps = deps;
        }
        for t in 0..tasks.len() {
            let froms: Vec<usize> = tasks[t].deps.iter().map(|d| d.from).collect();
            for f in froms {
                if !tasks[f].dependents.contains(&t) {
                    tasks[f].dependents.push(t);
                }
            }
        }
        Self { tasks, sections }
    }
}
