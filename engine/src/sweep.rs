//! Sweeps: a foreach added to a flow without rewiring it (*Run ▸ Sweep…*, `pipewright
//! run --sweep`). Above validation, which checks the result.

use std::collections::{BTreeMap, BTreeSet};

use crate::flow::{Flow, Node, NodeId};
use crate::foreach::{COLLECT_KIND, FOREACH_KIND, P_OVER, body_and_joins, parse_axis};
use crate::kind::Registry;
use crate::problem::Problem;
use crate::value::Value;

/// Adds a foreach varying `over` (the syntax of its `over` parameter) to `flow`, as
/// *Run ▸ Sweep…* and `pipewright run --sweep` do, so a sweep needs no rewiring: unless
/// a Collect already joins the varied steps, one is added, wired from every output of
/// the section whose type is one of `metric_types` (the sweep's table of scores). Returns the foreach's id,
/// or every reason the sweep cannot run (the flow is then unchanged).
pub fn insert_sweep(
    flow: &mut Flow,
    registry: &Registry,
    over: &str,
    metric_types: &[&str],
) -> Result<NodeId, Vec<Problem>> {
    let original = flow.clone();
    let id = flow.next_id();
    let label = flow.unique_label("Sweep");
    let flow_values = flow.param_defaults();
    // Where to put it: above the first varied step.
    let targets: BTreeSet<NodeId> = over
        .split(['\n', ';'])
        .filter_map(|line| parse_axis(flow, registry, &flow_values, line.trim()).ok())
        .map(|a| a.node)
        .collect();
    let anchor = targets
        .first()
        .and_then(|t| flow.node(*t))
        .map_or((0.0, 0.0), |n| (n.pos.0, n.pos.1 - 140.0));
    flow.nodes.push(Node {
        id,
        kind: FOREACH_KIND.to_owned(),
        label,
        params: [(
            P_OVER.to_owned(),
            crate::value::ParamValue::Lit(Value::Text(over.to_owned())),
        )]
        .into(),
        pos: anchor,
    });
    flow.normalize();
    let (body, joins) = body_and_joins(flow, registry, &targets);
    let collected = joins
        .iter()
        .any(|j| flow.node(*j).is_some_and(|n| n.kind == COLLECT_KIND));
    if !targets.is_empty() && !collected {
        let mut wires = Vec::new();
        for b in &body {
            let Some(desc) = flow.node(*b).and_then(|n| registry.descriptor(&n.kind)) else {
                continue;
            };
            for out in desc.outputs.iter().filter(|o| metric_types.contains(&o.ty)) {
                wires.push((*b, out.name));
            }
        }
        if !wires.is_empty() {
            let collect = flow.next_id();
            let right = body
                .iter()
                .filter_map(|b| flow.node(*b))
                .map(|n| n.pos)
                .fold((f32::MIN, 0.0f32, 0usize), |(x, y, n), p| {
                    (x.max(p.0), y + p.1, n + 1)
                });
            flow.nodes.push(Node {
                id: collect,
                kind: COLLECT_KIND.to_owned(),
                label: flow.unique_label("Collect"),
                params: BTreeMap::new(),
                pos: (right.0 + 240.0, right.1 / right.2.max(1) as f32),
            });
            for (from, port) in wires {
                flow.edges
                    .push(crate::flow::Edge::new(from, port, collect, "results"));
            }
            flow.normalize();
        }
    }
    let problems = crate::validate::validate(flow, registry);
    if problems.is_empty() {
        Ok(id)
    } else {
        *flow = original;
        Err(problems)
    }
}
