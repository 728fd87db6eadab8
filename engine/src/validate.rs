//! Validation: every reason a flow cannot run, one clear message each, naming the node.
//!
//! The editor shows these live and the scheduler refuses to start while any remain.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use petgraph::algo::tarjan_scc;
use petgraph::graphmap::DiGraphMap;

use crate::flow::{Flow, Node, NodeId};
use crate::kind::{KindDescriptor, Params, Registry};
use crate::value::{ParamValue, Value};

/// One problem found in a flow.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    /// The node it concerns, if any (flow-level problems have none).
    pub node: Option<NodeId>,
    /// The parameter it concerns, if any.
    pub param: Option<String>,
    /// The message, already naming the node and parameter.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

fn node_problem(node: &Node, message: String) -> Problem {
    Problem {
        node: Some(node.id),
        param: None,
        message: format!("node {}: {message}", node.display()),
    }
}

fn param_problem(node: &Node, param: &str, message: String) -> Problem {
    Problem {
        node: Some(node.id),
        param: Some(param.to_owned()),
        message: format!("node {}: parameter {param:?}: {message}", node.display()),
    }
}

/// Resolves a node's parameters against its kind and the flow parameter values:
/// references replaced, defaults filled in, types and ranges checked.
pub fn resolve_params(
    node: &Node,
    desc: &KindDescriptor,
    flow_values: &BTreeMap<String, Value>,
) -> Result<Params, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut out = BTreeMap::new();
    for name in node.params.keys() {
        if desc.param(name).is_none() {
            let known: Vec<_> = desc.params.iter().map(|p| p.name).collect();
            problems.push(param_problem(
                node,
                name,
                format!(
                    "unknown parameter for {} (it has: {})",
                    desc.id,
                    if known.is_empty() {
                        "none".into()
                    } else {
                        known.join(", ")
                    }
                ),
            ));
        }
    }
    for spec in &desc.params {
        let raw = match node.params.get(spec.name) {
            None => spec.default.clone(),
            Some(ParamValue::Lit(v)) => v.clone(),
            Some(ParamValue::Ref(r)) => match flow_values.get(r) {
                Some(v) => v.clone(),
                None => {
                    problems.push(param_problem(
                        node,
                        spec.name,
                        format!("refers to flow parameter {r:?}, which does not exist"),
                    ));
                    continue;
                }
            },
        };
        if spec.required && raw.as_str().is_some_and(|s| s.trim().is_empty()) {
            problems.push(param_problem(
                node,
                spec.name,
                "is required but not set".into(),
            ));
            continue;
        }
        match spec.ty.check(&raw) {
            Ok(v) => {
                out.insert(spec.name.to_owned(), v);
            }
            Err(e) => problems.push(param_problem(node, spec.name, e)),
        }
    }
    if problems.is_empty() {
        Ok(Params(out))
    } else {
        Err(problems)
    }
}

/// Checks a flow against a registry. An empty list means it can run.
pub fn validate(flow: &Flow, registry: &Registry) -> Vec<Problem> {
    let mut problems = Vec::new();
    let flow_problem = |message: String| Problem {
        node: None,
        param: None,
        message,
    };

    // Flow parameters.
    let mut seen = BTreeSet::new();
    for p in &flow.parameters {
        if !seen.insert(p.name.as_str()) {
            problems.push(flow_problem(format!(
                "flow parameter {:?} is defined twice",
                p.name
            )));
        }
        if let Err(e) = p.ty.check(&p.default) {
            problems.push(flow_problem(format!(
                "flow parameter {:?}: default {e}",
                p.name
            )));
        }
    }
    let flow_values: BTreeMap<String, Value> = flow
        .parameters
        .iter()
        .map(|p| (p.name.clone(), p.default.clone()))
        .collect();

    // Nodes and their parameters.
    let mut ids = BTreeSet::new();
    for node in &flow.nodes {
        if !ids.insert(node.id) {
            problems.push(node_problem(node, format!("id {} is used twice", node.id)));
        }
        match registry.descriptor(&node.kind) {
            None => problems.push(node_problem(
                node,
                format!("unknown node kind {:?}", node.kind),
            )),
            Some(desc) => {
                if let Err(mut ps) = resolve_params(node, desc, &flow_values) {
                    problems.append(&mut ps);
                }
            }
        }
    }

    // Edges.
    let mut arriving: BTreeMap<(NodeId, &str), usize> = BTreeMap::new();
    for edge in &flow.edges {
        let from = flow.node(edge.from.node);
        let to = flow.node(edge.to.node);
        let (Some(from), Some(to)) = (from, to) else {
            let missing = if from.is_none() {
                edge.from.node
            } else {
                edge.to.node
            };
            let other = from.or(to);
            let message = format!(
                "edge {}.{} → {}.{} refers to node {missing}, which does not exist",
                edge.from.node, edge.from.port, edge.to.node, edge.to.port
            );
            problems.push(match other {
                Some(n) => node_problem(n, message),
                None => flow_problem(message),
            });
            continue;
        };
        let (Some(from_desc), Some(to_desc)) = (
            registry.descriptor(&from.kind),
            registry.descriptor(&to.kind),
        ) else {
            continue; // unknown kind already reported
        };
        let Some(out_port) = from_desc.output(&edge.from.port) else {
            problems.push(node_problem(
                from,
                format!(
                    "has no output {:?} (edge to {})",
                    edge.from.port,
                    to.display()
                ),
            ));
            continue;
        };
        let Some(in_port) = to_desc.input(&edge.to.port) else {
            problems.push(node_problem(
                to,
                format!(
                    "has no input {:?} (edge from {})",
                    edge.to.port,
                    from.display()
                ),
            ));
            continue;
        };
        if !in_port.accepts(out_port.ty) {
            problems.push(node_problem(
                to,
                format!(
                    "input {:?} takes {} but is connected to output {:?} of {}, which gives {}",
                    in_port.name,
                    in_port.ty,
                    out_port.name,
                    from.display(),
                    out_port.ty
                ),
            ));
        }
        let count = arriving.entry((to.id, in_port.name)).or_default();
        *count += 1;
        if *count == 2 && !in_port.multiple {
            problems.push(node_problem(
                to,
                format!(
                    "input {:?} is connected twice; it takes one wire",
                    in_port.name
                ),
            ));
        }
    }
    for node in &flow.nodes {
        let Some(desc) = registry.descriptor(&node.kind) else {
            continue;
        };
        for input in desc.inputs.iter().filter(|p| p.required) {
            if !arriving.contains_key(&(node.id, input.name)) {
                problems.push(node_problem(
                    node,
                    format!("required input {:?} is not connected", input.name),
                ));
            }
        }
    }

    for cycle in cycles(flow) {
        let names: Vec<String> = cycle
            .iter()
            .filter_map(|id| flow.node(*id))
            .map(Node::display)
            .collect();
        problems.push(Problem {
            node: cycle.first().copied(),
            param: None,
            message: format!("cycle through nodes {}", names.join(" → ")),
        });
    }
    problems
}

/// The cycles of a flow's graph, each as the ids of the nodes on it (sorted).
pub fn cycles(flow: &Flow) -> Vec<Vec<NodeId>> {
    let mut graph = DiGraphMap::<NodeId, ()>::new();
    for n in &flow.nodes {
        graph.add_node(n.id);
    }
    for e in &flow.edges {
        if graph.contains_node(e.from.node) && graph.contains_node(e.to.node) {
            graph.add_edge(e.from.node, e.to.node, ());
        }
    }
    let mut out: Vec<Vec<NodeId>> = tarjan_scc(&graph)
        .into_iter()
        .filter(|scc| scc.len() > 1 || graph.contains_edge(scc[0], scc[0]))
        .map(|mut scc| {
            scc.sort();
            scc
        })
        .collect();
    out.sort();
    out
}
