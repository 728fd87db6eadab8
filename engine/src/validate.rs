//! Validation: every reason a flow cannot run, one clear message each, naming the node.
//!
//! The editor shows these live and the scheduler refuses to start while any remain.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use petgraph::algo::tarjan_scc;
use petgraph::graphmap::DiGraphMap;

use crate::flow::{Flow, Node, NodeId};
use crate::kind::Registry;
pub use crate::problem::{Problem, resolve_params};
pub(crate) use crate::problem::{node_problem, param_problem};
use crate::value::{ParamType, Value};

/// Checks a flow against a registry. An empty list means it can run. Idle steps
/// ([`idle_steps`]) are left out of the check, as they are left out of a run.
pub fn validate(flow: &Flow, registry: &Registry) -> Vec<Problem> {
    validate_runnable(flow, registry).1
}

/// The flow a run runs ([`runnable`]) and its problems: the one pruning and check
/// `validate` and `Engine::start` share. Pruned once: a step that fed only an idle step
/// stays, and its missing input is a problem, as the editor shows it.
pub(crate) fn validate_runnable<'f>(
    flow: &'f Flow,
    registry: &Registry,
) -> (std::borrow::Cow<'f, Flow>, Vec<Problem>) {
    let runnable = runnable(flow, registry);
    let problems = check(&runnable, registry);
    (runnable, problems)
}

/// Steps a run leaves out: a required input is not connected and nothing reads their
/// outputs (no wire leaves them) — typically a step just dropped on the canvas. One
/// note each, naming the step and the input. They do not block a run of the rest;
/// a step that something does read is needed, and its missing input is a problem.
/// When every step is idle nothing would run: none is left out, and their missing
/// inputs are the flow's problems.
pub fn idle_steps(flow: &Flow, registry: &Registry) -> Vec<Problem> {
    let mut seen = BTreeSet::new();
    if !flow.nodes.iter().all(|n| seen.insert(n.id)) {
        return Vec::new(); // an id used twice: `validate` names it, nothing is idle
    }
    let read: BTreeSet<NodeId> = flow.edges.iter().map(|e| e.from.node).collect();
    let wired: BTreeSet<(NodeId, &str)> = flow
        .edges
        .iter()
        .map(|e| (e.to.node, e.to.port.as_str()))
        .collect();
    let idle: Vec<Problem> = flow
        .nodes
        .iter()
        .filter(|n| !read.contains(&n.id))
        .filter_map(|n| {
            let desc = registry.descriptor(&n.kind)?;
            let missing: Vec<&str> = desc
                .inputs
                .iter()
                .filter(|p| p.required && !wired.contains(&(n.id, p.name)))
                .map(|p| p.name)
                .collect();
            (!missing.is_empty()).then(|| {
                let inputs: Vec<String> = missing.iter().map(|m| format!("{m:?}")).collect();
                node_problem(
                    n,
                    format!(
                        "left out of the run: required input{} {} {} not connected and \
                         nothing reads this step",
                        if missing.len() == 1 { "" } else { "s" },
                        inputs.join(", "),
                        if missing.len() == 1 { "is" } else { "are" },
                    ),
                )
            })
        })
        .collect();
    if idle.len() == flow.nodes.len() {
        return Vec::new();
    }
    idle
}

/// The flow a run runs: without its [idle steps](idle_steps) (and the wires into
/// them), or whole when none is idle.
pub fn runnable<'f>(flow: &'f Flow, registry: &Registry) -> std::borrow::Cow<'f, Flow> {
    let idle: BTreeSet<NodeId> = idle_steps(flow, registry)
        .iter()
        .filter_map(|p| p.node)
        .collect();
    if idle.is_empty() {
        return std::borrow::Cow::Borrowed(flow);
    }
    let mut pruned = flow.clone();
    pruned.nodes.retain(|n| !idle.contains(&n.id));
    pruned.edges.retain(|e| !idle.contains(&e.to.node));
    std::borrow::Cow::Owned(pruned)
}

/// Every problem of `flow`, idle steps included.
fn check(flow: &Flow, registry: &Registry) -> Vec<Problem> {
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
    let flow_values = flow.param_defaults();

    // Nodes and their parameters.
    // Wires and inputs name nodes by id, so with an id used twice they cannot be told
    // apart: the id is reported once, naming both nodes, and the wires touching it are
    // left unchecked rather than blamed on whichever node a lookup happens to find.
    let mut ids: BTreeMap<NodeId, &Node> = BTreeMap::new();
    let mut duplicated = BTreeSet::new();
    for node in &flow.nodes {
        if let Some(first) = ids.get(&node.id) {
            duplicated.insert(node.id);
            problems.push(node_problem(
                node,
                format!(
                    "id {} is also used by node {:?}; give each node its own id (the wires \
                     of {} are checked once it is unique)",
                    node.id, first.label, node.id
                ),
            ));
        } else {
            ids.insert(node.id, node);
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

    // Labels name a step's metrics and artifacts in runs lists, comparisons and the
    // CLI (`--step Metrics`), so two steps may not share one.
    let mut labels: BTreeMap<&str, &Node> = BTreeMap::new();
    for node in &flow.nodes {
        if let Some(first) = labels.get(node.label.as_str()) {
            problems.push(node_problem(
                node,
                format!(
                    "the label {:?} is already used by node {}; step labels must be unique \
                     (they name the step's metrics in runs and comparisons): rename it, \
                     e.g. to {:?}",
                    node.label,
                    first.id,
                    flow.unique_label(&node.label)
                ),
            ));
        } else {
            labels.insert(node.label.as_str(), node);
        }
    }

    // Edges. Wires are counted at their input even when their source side is broken,
    // so one broken edge gives one message, not a second "not connected" one.
    let mut arriving: BTreeMap<(NodeId, &str), usize> = BTreeMap::new();
    for edge in &flow.edges {
        *arriving
            .entry((edge.to.node, edge.to.port.as_str()))
            .or_default() += 1;
    }
    for edge in &flow.edges {
        if duplicated.contains(&edge.from.node) || duplicated.contains(&edge.to.node) {
            continue;
        }
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
    }
    for (&(id, port), &count) in &arriving {
        if duplicated.contains(&id) {
            continue;
        }
        let Some(node) = flow.node(id) else { continue };
        let single = registry
            .descriptor(&node.kind)
            .and_then(|d| d.input(port))
            .is_some_and(|p| !p.multiple);
        if count > 1 && single {
            problems.push(node_problem(
                node,
                format!("input {port:?} is connected {count} times; it takes one wire"),
            ));
        }
    }
    for node in flow.nodes.iter().filter(|n| !duplicated.contains(&n.id)) {
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

    let cycles = cycles(flow);
    if cycles.is_empty() {
        // Sections are traced along the wires, so only in a graph without cycles.
        let (_, mut ps) = crate::foreach::sections(flow, registry, &flow_values);
        problems.append(&mut ps);
    }
    for cycle in cycles {
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

/// [`validate`], and also every file a step would read (a `Path` parameter) checked
/// to exist, resolved against `base_dir`, the flow file's folder. The CLI's `validate`
/// and the editor's Problems list call this, so a missing data file is reported before
/// a run instead of by it.
pub fn validate_in(flow: &Flow, registry: &Registry, base_dir: &Path) -> Vec<Problem> {
    let (flow, mut problems) = validate_runnable(flow, registry);
    let flow = &*flow;
    let flow_values = flow.param_defaults();
    for node in &flow.nodes {
        let Some(desc) = registry.descriptor(&node.kind) else {
            continue;
        };
        // Parameters that do not resolve are reported by `validate` already.
        let Ok(params) = resolve_params(node, desc, &flow_values) else {
            continue;
        };
        for spec in desc.params.iter().filter(|p| p.ty == ParamType::Path) {
            let Some(text) = params.0.get(spec.name).and_then(Value::as_str) else {
                continue;
            };
            if text.trim().is_empty() {
                continue;
            }
            let path = base_dir.join(text);
            if !path.is_file() {
                let why = if path.exists() {
                    "is not a file"
                } else {
                    "does not exist"
                };
                problems.push(param_problem(
                    node,
                    spec.name,
                    format!("the data file {} {why}", path.display()),
                ));
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::{Edge, FlowParam};
    use crate::kind::{
        Category, KindDescriptor, NodeKind, Outputs, ParamSpec, Params, PortSpec, StepError,
    };
    use crate::value::ParamValue;

    /// `source` gives a table; `sink` needs a table and a model; `model` gives a model.
    struct K(KindDescriptor);
    impl NodeKind for K {
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

    fn kind(id: &'static str, inputs: Vec<PortSpec>, outputs: Vec<PortSpec>) -> K {
        K(KindDescriptor {
            id,
            version: 1,
            category: Category::new("Data", 0),
            title: id,
            doc: "",
            inputs,
            outputs,
            params: vec![
                ParamSpec::new(
                    "fraction",
                    ParamType::Float {
                        min: Some(0.0),
                        max: Some(1.0),
                    },
                    Value::Float(0.5),
                    "",
                ),
                ParamSpec::new("path", ParamType::Path, Value::Text(String::new()), "").required(),
            ],
        })
    }

    fn registry() -> Registry {
        let mut r = Registry::new();
        r.register(kind(
            "source",
            vec![],
            vec![PortSpec::new("out", "table", "")],
        ));
        r.register(kind(
            "model",
            vec![],
            vec![PortSpec::new("out", "model", "")],
        ));
        r.register(kind(
            "sink",
            vec![
                PortSpec::new("table", "table", ""),
                PortSpec::new("model", "model", "").optional(),
            ],
            vec![PortSpec::new("out", "table", "")],
        ));
        r
    }

    fn node(id: u32, kind: &str) -> Node {
        Node {
            id: NodeId(id),
            kind: kind.into(),
            label: format!("N{id}"),
            params: [("path".to_owned(), ParamValue::Lit(Value::Text("x".into())))].into(),
            pos: (0.0, 0.0),
        }
    }

    fn messages(flow: &Flow) -> Vec<String> {
        validate(flow, &registry())
            .into_iter()
            .map(|p| p.message)
            .collect()
    }

    fn one(flow: &Flow, needle: &str) -> Problem {
        let problems = validate(flow, &registry());
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert!(
            problems[0].message.contains(needle),
            "{:?} lacks {needle:?}",
            problems[0].message
        );
        problems[0].clone()
    }

    // source1 ──▶ sink2
    fn good() -> Flow {
        let mut f = Flow::new("v");
        f.nodes = vec![node(1, "source"), node(2, "sink")];
        f.edges = vec![Edge::new(NodeId(1), "out", NodeId(2), "table")];
        f
    }

    #[test]
    fn a_good_flow_has_no_problems() {
        assert!(messages(&good()).is_empty());
    }

    #[test]
    fn two_steps_may_not_share_a_label_and_a_free_one_is_suggested() {
        let mut f = good();
        f.nodes[1].label = f.nodes[0].label.clone();
        assert_eq!(
            messages(&f),
            [
                "node \"N1\" (#2): the label \"N1\" is already used by node #1; step labels \
              must be unique (they name the step's metrics in runs and comparisons): \
              rename it, e.g. to \"N1 2\""
            ]
        );
        f.nodes[0].label = "Metrics 2".into();
        f.nodes[1].label = "Metrics".into();
        assert_eq!(f.unique_label("Metrics"), "Metrics 3");
        assert_eq!(f.unique_label("Metrics 2"), "Metrics 3");
        assert_eq!(f.unique_label("Load"), "Load");
    }

    #[test]
    fn pasted_steps_get_labels_no_other_step_has() {
        let f = good();
        let (nodes, edges) = f.extract(&[NodeId(1), NodeId(2)]);
        let (edit, _) = f.paste_edit(&nodes, &edges, (10.0, 10.0));
        let mut pasted = f.clone();
        pasted.apply(edit, &registry()).unwrap();
        let labels: Vec<&str> = pasted.nodes.iter().map(|n| n.label.as_str()).collect();
        assert_eq!(labels, ["N1", "N2", "N1 2", "N2 2"]);
        assert!(messages(&pasted).is_empty(), "{:?}", messages(&pasted));
    }

    #[test]
    fn an_open_range_refuses_its_bounds() {
        let mut r = registry();
        let mut k = kind("open", vec![], vec![]);
        k.0.params[0] = k.0.params[0].clone().open_range();
        r.register(k);
        let mut f = Flow::new("o");
        f.nodes = vec![node(1, "open")];
        for bound in [0.0, 1.0] {
            f.nodes[0]
                .params
                .insert("fraction".into(), ParamValue::Lit(Value::Float(bound)));
            let problems = validate(&f, &r);
            assert_eq!(
                problems[0].message,
                format!(
                    "node \"N1\" (#1): parameter \"fraction\": {bound} is out of range (0, 1) \
                     (the bounds themselves are excluded)"
                )
            );
        }
        f.nodes[0]
            .params
            .insert("fraction".into(), ParamValue::Lit(Value::Float(0.5)));
        assert!(validate(&f, &r).is_empty());
    }

    //  source1 ──▶ sink2   and a second node #1 (a sink): the wire's problems are not
    //  blamed on either #1.
    #[test]
    fn a_duplicate_id_is_reported_once_and_not_blamed_for_its_wires() {
        let mut f = good();
        let mut twin = node(1, "sink");
        twin.label = "Twin".into();
        f.nodes.push(twin);
        f.edges
            .push(Edge::new(NodeId(1), "out", NodeId(2), "model"));
        assert_eq!(
            messages(&f),
            [
                "node \"Twin\" (#1): id #1 is also used by node \"N1\"; give each node its own \
              id (the wires of #1 are checked once it is unique)"
            ]
        );
    }

    #[test]
    fn a_missing_data_file_names_the_step_and_the_path() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("here.csv"), "x\n1\n").unwrap();
        let mut f = good();
        f.nodes[0].params.insert(
            "path".into(),
            ParamValue::Lit(Value::Text("here.csv".into())),
        );
        f.nodes[1].params.insert(
            "path".into(),
            ParamValue::Lit(Value::Text("gone.csv".into())),
        );
        assert!(
            validate(&f, &registry()).is_empty(),
            "without a folder: no check"
        );
        let problems = validate_in(&f, &registry(), dir.path());
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(
            problems[0].message,
            format!(
                "node \"N2\" (#2): parameter \"path\": the data file {} does not exist",
                dir.path().join("gone.csv").display()
            )
        );
        assert_eq!(problems[0].param.as_deref(), Some("path"));
    }

    #[test]
    fn unknown_kind() {
        let mut f = good();
        f.nodes.push(node(3, "mystery"));
        let p = one(&f, "node \"N3\" (#3): unknown node kind \"mystery\"");
        assert_eq!(p.node, Some(NodeId(3)));
    }

    #[test]
    fn unknown_parameter() {
        let mut f = good();
        f.nodes[0]
            .params
            .insert("colour".into(), ParamValue::Lit(Value::Int(1)));
        let p = one(&f, "parameter \"colour\": unknown parameter for source");
        assert_eq!(p.param.as_deref(), Some("colour"));
    }

    #[test]
    fn missing_required_parameter() {
        let mut f = good();
        f.nodes[0].params.remove("path");
        one(
            &f,
            "node \"N1\" (#1): parameter \"path\": is required but not set",
        );
    }

    #[test]
    fn wrong_type() {
        let mut f = good();
        f.nodes[0].params.insert(
            "fraction".into(),
            ParamValue::Lit(Value::Text("half".into())),
        );
        one(&f, "parameter \"fraction\": expected float, found text");
    }

    #[test]
    fn out_of_range() {
        let mut f = good();
        f.nodes[0]
            .params
            .insert("fraction".into(), ParamValue::Lit(Value::Float(1.5)));
        one(&f, "parameter \"fraction\": 1.5 is out of range [0, 1]");
    }

    #[test]
    fn reference_to_a_missing_or_mistyped_flow_parameter() {
        let mut f = good();
        f.nodes[0]
            .params
            .insert("fraction".into(), ParamValue::Ref("tf".into()));
        one(&f, "refers to flow parameter \"tf\", which does not exist");
        f.parameters.push(FlowParam {
            name: "tf".into(),
            ty: ParamType::Text,
            default: Value::Text("x".into()),
            help: String::new(),
        });
        one(&f, "expected float, found text");
    }

    #[test]
    fn dangling_edge() {
        let mut f = good();
        f.edges
            .push(Edge::new(NodeId(1), "out", NodeId(9), "table"));
        one(&f, "refers to node #9, which does not exist");
        let mut f = good();
        f.edges[0].from.port = "nope".into();
        one(&f, "has no output \"nope\"");
    }

    #[test]
    fn type_mismatched_ports() {
        let mut f = good();
        f.nodes.push(node(3, "model"));
        f.edges
            .push(Edge::new(NodeId(3), "out", NodeId(2), "table"));
        f.edges.remove(0);
        one(
            &f,
            "input \"table\" takes table but is connected to output \"out\" of \"N3\" (#3), which gives model",
        );
    }

    #[test]
    fn input_connected_twice() {
        let mut f = good();
        f.nodes.push(node(3, "source"));
        f.edges
            .push(Edge::new(NodeId(3), "out", NodeId(2), "table"));
        one(
            &f,
            "input \"table\" is connected 2 times; it takes one wire",
        );
    }

    #[test]
    fn required_input_unconnected() {
        // N2 feeds N3, so it is needed: its missing input is a problem.
        let mut f = good();
        f.nodes.push(node(3, "sink"));
        f.edges = vec![Edge::new(NodeId(2), "out", NodeId(3), "table")];
        one(
            &f,
            "node \"N2\" (#2): required input \"table\" is not connected",
        );
        assert!(idle_steps(&f, &registry()).is_empty());
    }

    #[test]
    fn a_step_nothing_reads_with_an_input_unconnected_is_left_out_not_a_problem() {
        let r = registry();
        let mut f = good();
        // A step just dropped on the canvas, with a bad parameter too.
        let mut dropped = node(3, "sink");
        dropped.params.clear();
        f.nodes.push(dropped);
        assert!(validate(&f, &r).is_empty(), "{:#?}", validate(&f, &r));
        let idle = idle_steps(&f, &r);
        assert_eq!(idle.len(), 1);
        assert_eq!(idle[0].node, Some(NodeId(3)));
        assert_eq!(
            idle[0].message,
            "node \"N3\" (#3): left out of the run: required input \"table\" is not \
             connected and nothing reads this step"
        );
        let run = runnable(&f, &r);
        assert_eq!(run.nodes.len(), 2);
        assert!(run.node(NodeId(3)).is_none());
        // With every step idle nothing would run: their problems block.
        let mut lone = Flow::new("lone");
        lone.nodes.push(node(1, "sink"));
        assert!(idle_steps(&lone, &r).is_empty());
        assert_eq!(
            messages(&lone),
            ["node \"N1\" (#1): required input \"table\" is not connected"]
        );
    }

    // source ─▶ N2 (sink)     N3 (sink, input unconnected) ─▶ N4 (pair: b unconnected)
    #[test]
    fn a_step_that_fed_only_an_idle_step_is_still_a_problem_once_that_is_left_out() {
        let mut r = registry();
        r.register(kind(
            "pair",
            vec![
                PortSpec::new("a", "table", ""),
                PortSpec::new("b", "table", ""),
            ],
            vec![],
        ));
        let mut f = good();
        f.nodes.push(node(3, "sink"));
        f.nodes.push(node(4, "pair"));
        f.edges.push(Edge::new(NodeId(3), "out", NodeId(4), "a"));
        let idle = idle_steps(&f, &r);
        assert_eq!(idle.len(), 1);
        assert_eq!(idle[0].node, Some(NodeId(4)));
        // Without N4, N3 reads as idle too; but it was needed, so it stays and blocks.
        let (run, problems) = validate_runnable(&f, &r);
        assert!(run.node(NodeId(3)).is_some() && run.node(NodeId(4)).is_none());
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert_eq!(
            problems[0].message,
            "node \"N3\" (#3): required input \"table\" is not connected"
        );
    }

    //  sink2 ──▶ sink3
    //    ▲         │
    //    └─────────┘
    #[test]
    fn cycle_names_its_nodes() {
        let mut f = Flow::new("c");
        f.nodes = vec![node(2, "sink"), node(3, "sink")];
        f.edges = vec![
            Edge::new(NodeId(2), "out", NodeId(3), "table"),
            Edge::new(NodeId(3), "out", NodeId(2), "table"),
        ];
        one(&f, "cycle through nodes \"N2\" (#2) → \"N3\" (#3)");
    }
}
