//! Foreach: one section of a flow run once per item, as tasks of one run (Metaflow's
//! `foreach`, without a process per task).
//!
//! A `flow.foreach` step has no wires. Its `over` parameter names the step parameters
//! it varies, one axis per line, and their values:
//!
//! ```text
//! Ridge.alpha = 0.01, 0.1, 1, 10           a list
//! Ridge.alpha = log(0.001, 1000, 8)        8 values from 0.001 to 1000, evenly on a log scale
//! Split.seed = linear(1, 5, 5)             5 values from 1 to 5, evenly spaced
//! Folds.fold = folds                       every fold of a k-fold step (0 … k-1)
//! ```
//!
//! Several lines (or `;`-separated axes) make a grid: every combination, the first
//! axis varying slowest. The *section* is the steps whose parameters vary and every
//! step downstream of them, up to the steps that take their outputs on an input that
//! accepts many wires (*Select best*, *Collect*): those are its *joins*, which run once
//! with one input per item, in item order. Each step of the section runs once per item
//! as task `index` of its node; steps outside it run once and are shared by all items
//! in memory. Foreaches do not nest: a step belongs to at most one section (a grid
//! covers what nesting would).

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt::Write as _;

use crate::flow::{Flow, Node, NodeId};
use crate::kind::Registry;
use crate::problem::{Problem, node_problem, on_a_bound, param_problem, resolve_params};
use crate::value::{ParamType, Value};

/// The kind id of the step that opens a foreach.
pub const FOREACH_KIND: &str = "flow.foreach";
/// The kind id of the join that gathers every task's metrics into one table.
pub const COLLECT_KIND: &str = "flow.collect";
/// The foreach's parameter listing its axes.
pub const P_OVER: &str = "over";
/// The foreach's parameter bounding its tasks running at once (0: the cores).
pub const P_MAX_PARALLEL: &str = "max_parallel";
/// The foreach's parameter letting the joins go on without the items that failed.
pub const P_CONTINUE: &str = "continue_on_failure";
/// The foreach's parameter choosing what the store keeps of the items that did not
/// win: `all`, or `best` (their scores only; every output of the chosen item).
pub const P_KEEP: &str = "keep";
/// The most items one foreach may have: a typo such as `log(1, 10, 1e6)` should be
/// refused, not scheduled.
pub const MAX_ITEMS: usize = 10_000;

/// One varied parameter: a step's parameter and the values it takes.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    /// The step whose parameter varies.
    pub node: NodeId,
    /// Its label.
    pub step: String,
    /// The parameter's name.
    pub param: String,
    /// The values, in order, each checked against the parameter's type and range.
    pub values: Vec<Value>,
    /// Whether the values were given as a log range (plots use a log axis).
    pub log: bool,
}

impl Axis {
    /// How the axis is named in records, tables and plots: `Ridge.alpha`.
    pub fn key(&self) -> String {
        format!("{}.{}", self.step, self.param)
    }
}

/// One item of a foreach: a value for each axis.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    /// Its position, from 0: the index of its tasks.
    pub index: u32,
    /// `(step, parameter, value)` for each axis, in axis order.
    pub values: Vec<(NodeId, String, Value)>,
    /// The axes' keys (`Ridge.alpha`), matching `values`.
    pub keys: Vec<String>,
}

impl Item {
    /// `alpha = 0.1` for one axis; `Ridge.alpha = 0.1, Split.seed = 2` for a grid.
    pub fn describe(&self) -> String {
        let mut out = String::new();
        for (i, ((_, param, v), key)) in self.values.iter().zip(&self.keys).enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            let name = if self.values.len() == 1 { param } else { key };
            let _ = write!(out, "{name} = {v}");
        }
        out
    }

    /// The item as recorded with its tasks: axis key → value.
    pub fn record(&self) -> BTreeMap<String, Value> {
        self.keys
            .iter()
            .cloned()
            .zip(self.values.iter().map(|(_, _, v)| v.clone()))
            .collect()
    }
}

/// A foreach section of a flow, resolved for one run.
#[derive(Clone, Debug)]
pub struct Section {
    /// The `flow.foreach` step.
    pub foreach: NodeId,
    /// Its label.
    pub label: String,
    /// What varies.
    pub axes: Vec<Axis>,
    /// Every item (the product of the axes).
    pub items: Vec<Item>,
    /// The steps that run once per item.
    pub body: BTreeSet<NodeId>,
    /// The steps that take every item's outputs at once.
    pub joins: BTreeSet<NodeId>,
    /// How many of its tasks may run at once.
    pub max_parallel: usize,
    /// Whether the joins go on without failed items.
    pub continue_on_failure: bool,
    /// Whether the store keeps only the scores of the items a join did not choose
    /// ([`P_KEEP`] = `best`).
    pub keep_best: bool,
}

impl Section {
    /// A one-line summary: `8 items of Ridge.alpha (0.001 … 1000)`.
    pub fn summary(&self) -> String {
        let n = self.items.len();
        let axes: Vec<String> = self
            .axes
            .iter()
            .map(|a| match (a.values.first(), a.values.last()) {
                (Some(first), Some(last)) if a.values.len() > 1 => {
                    format!("{} ({first} … {last})", a.key())
                }
                (Some(only), _) => format!("{} ({only})", a.key()),
                _ => a.key(),
            })
            .collect();
        format!(
            "{n} item{} of {}",
            if n == 1 { "" } else { "s" },
            axes.join(" × ")
        )
    }
}

/// The cores: the default bound on a foreach's tasks running at once.
pub fn default_parallel() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// Finds a step by label (exactly, then ignoring case) or by id (`#4`).
fn find_step<'a>(flow: &'a Flow, name: &str) -> Option<&'a Node> {
    let name = name.trim();
    if let Some(id) = name.strip_prefix('#').and_then(|n| n.parse::<u32>().ok()) {
        return flow.node(NodeId(id));
    }
    flow.nodes.iter().find(|n| n.label == name).or_else(|| {
        flow.nodes
            .iter()
            .find(|n| n.label.eq_ignore_ascii_case(name))
    })
}

/// `x` rounded to 12 significant digits, so `log(0.001, 1000, 7)` gives `0.01`, not
/// `0.010000000000000002`.
fn tidy(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    format!("{x:.11e}").parse().unwrap_or(x)
}

/// The numbers of `linear(a, b, n)` or `log(a, b, n)`.
fn range(args: &str, log: bool) -> Result<Vec<f64>, String> {
    let name = if log { "log" } else { "linear" };
    let parts: Vec<&str> = args.split(',').map(str::trim).collect();
    let [a, b, n] = parts.as_slice() else {
        return Err(format!(
            "{name}(…) takes three numbers: start, stop, count (e.g. {name}({}))",
            if log { "0.001, 1000, 7" } else { "0, 1, 5" }
        ));
    };
    let num = |s: &str, what: &str| {
        s.parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .ok_or_else(|| format!("{name}(…): {what} {s:?} is not a number"))
    };
    let (a, b) = (num(a, "start")?, num(b, "stop")?);
    let count: usize = n
        .parse()
        .map_err(|_| format!("{name}(…): count {n:?} is not a whole number"))?;
    if count == 0 {
        return Err(format!("{name}(…): count is 0, so there are no items"));
    }
    if count > MAX_ITEMS {
        return Err(format!(
            "{name}(…): {count} values; a foreach takes at most {MAX_ITEMS} items"
        ));
    }
    if log && (a <= 0.0 || b <= 0.0) {
        return Err(format!(
            "log({a}, {b}, {count}): a log range needs start and stop above 0"
        ));
    }
    let step = |i: usize| {
        if count == 1 {
            0.0
        } else {
            i as f64 / (count - 1) as f64
        }
    };
    Ok((0..count)
        .map(|i| {
            let t = step(i);
            let x = if log {
                (a.ln() + t * (b.ln() - a.ln())).exp()
            } else {
                a + t * (b - a)
            };
            if i == count - 1 && count > 1 {
                b
            } else if i == 0 {
                a
            } else {
                tidy(x)
            }
        })
        .collect())
}

/// One line of `over`, parsed against the flow and the target's kind.
pub(crate) fn parse_axis(
    flow: &Flow,
    registry: &Registry,
    flow_values: &BTreeMap<String, Value>,
    line: &str,
) -> Result<Axis, String> {
    let Some((lhs, rhs)) = line.split_once('=') else {
        return Err(format!(
            "{line:?}: expected STEP.PARAMETER = VALUES, e.g. Ridge.alpha = 0.1, 1, 10"
        ));
    };
    let Some((step, param)) = lhs.trim().rsplit_once('.') else {
        return Err(format!(
            "{:?}: name the step and its parameter, e.g. Ridge.alpha",
            lhs.trim()
        ));
    };
    let (step, param) = (step.trim(), param.trim());
    let node = find_step(flow, step).ok_or_else(|| {
        let labels: Vec<&str> = flow
            .nodes
            .iter()
            .filter(|n| n.kind != FOREACH_KIND)
            .map(|n| n.label.as_str())
            .collect();
        format!(
            "no step {step:?} in this flow (it has: {})",
            if labels.is_empty() {
                "none".into()
            } else {
                labels.join(", ")
            }
        )
    })?;
    if node.kind == FOREACH_KIND {
        return Err(format!(
            "{step:?} is a foreach itself; foreaches do not nest (list both parameters in one foreach: a grid)"
        ));
    }
    let desc = registry
        .descriptor(&node.kind)
        .ok_or_else(|| format!("step {step:?} has the unknown kind {:?}", node.kind))?;
    let spec = desc.param(param).ok_or_else(|| {
        let known: Vec<&str> = desc.params.iter().map(|p| p.name).collect();
        format!(
            "step {step:?} ({}) has no parameter {param:?} (it has: {})",
            desc.id,
            if known.is_empty() {
                "none".into()
            } else {
                known.join(", ")
            }
        )
    })?;
    let rhs = rhs.trim();
    let key = format!("{}.{param}", node.label);
    let check = |v: Value| -> Result<Value, String> {
        let v = spec.ty.check(&v).map_err(|e| format!("{key}: value {e}"))?;
        if spec.open_range && on_a_bound(&spec.ty, &v) {
            return Err(format!(
                "{key}: value {v} is out of range {} (the bounds themselves are excluded)",
                spec.range_text().unwrap_or_default()
            ));
        }
        Ok(v)
    };
    let mut log = false;
    let values: Vec<Value> = if rhs == "folds" {
        let k = resolve_params(node, desc, flow_values)
            .ok()
            .and_then(|p| p.0.get("k").and_then(Value::as_i64));
        let (Some(k), "fold") = (k, param) else {
            return Err(format!(
                "{key} = folds: `folds` varies the `fold` parameter of a k-fold step (one \
                 with parameters k and fold), such as K-fold split"
            ));
        };
        (0..k)
            .map(|i| check(Value::Int(i)))
            .collect::<Result<_, _>>()?
    } else if let Some(args) = rhs
        .strip_prefix("log(")
        .or_else(|| rhs.strip_prefix("linear("))
    {
        log = rhs.starts_with("log(");
        let Some(args) = args.strip_suffix(')') else {
            return Err(format!("{key} = {rhs}: a closing ')' is missing"));
        };
        let numbers = range(args, log).map_err(|e| format!("{key}: {e}"))?;
        let mut out = Vec::with_capacity(numbers.len());
        for x in numbers {
            let v = match spec.ty {
                ParamType::Int { .. } => Value::Int(x.round() as i64),
                ParamType::Float { .. } => Value::Float(x),
                _ => {
                    return Err(format!(
                        "{key}: a range gives numbers but {param:?} is a {} parameter; list its values",
                        spec.ty.name()
                    ));
                }
            };
            out.push(check(v)?);
        }
        out
    } else {
        let mut out = Vec::new();
        for text in rhs.split(',').map(str::trim) {
            if text.is_empty() {
                continue;
            }
            let v = spec
                .ty
                .parse(text)
                .map_err(|e| format!("{key}: value {e}"))?;
            out.push(check(v)?);
        }
        out
    };
    if values.is_empty() {
        return Err(format!(
            "{key} has no values; list some (0.1, 1, 10) or give a range (log(0.001, 1000, 7))"
        ));
    }
    let mut seen = Vec::new();
    for v in &values {
        if seen.contains(&v) {
            return Err(format!(
                "{key}: the value {v} comes twice; each item must differ"
            ));
        }
        seen.push(v);
    }
    Ok(Axis {
        node: node.id,
        step: node.label.clone(),
        param: param.to_owned(),
        values,
        log,
    })
}

/// Every combination of the axes' values, the first axis varying slowest.
fn product(axes: &[Axis]) -> Vec<Item> {
    let mut items = vec![Vec::new()];
    for axis in axes {
        let mut next = Vec::with_capacity(items.len() * axis.values.len());
        for prefix in &items {
            for v in &axis.values {
                let mut item: Vec<(NodeId, String, Value)> = prefix.clone();
                item.push((axis.node, axis.param.clone(), v.clone()));
                next.push(item);
            }
        }
        items = next;
    }
    let keys: Vec<String> = axes.iter().map(Axis::key).collect();
    items
        .into_iter()
        .enumerate()
        .map(|(i, values)| Item {
            index: i as u32,
            values,
            keys: keys.clone(),
        })
        .collect()
}

/// The steps of a section: the targets and everything downstream of them, up to the
/// joins (steps that take a section step's output on a many-wire input).
pub(crate) fn body_and_joins(
    flow: &Flow,
    registry: &Registry,
    targets: &BTreeSet<NodeId>,
) -> (BTreeSet<NodeId>, BTreeSet<NodeId>) {
    let mut body: BTreeSet<NodeId> = targets.clone();
    let mut joins = BTreeSet::new();
    let mut queue: VecDeque<NodeId> = targets.iter().copied().collect();
    while let Some(n) = queue.pop_front() {
        for e in flow.outgoing(n) {
            let Some(to) = flow.node(e.to.node) else {
                continue;
            };
            let many = registry
                .descriptor(&to.kind)
                .and_then(|d| d.input(&e.to.port))
                .is_some_and(|p| p.multiple);
            if many {
                joins.insert(to.id);
            } else if body.insert(to.id) {
                queue.push_back(to.id);
            }
        }
    }
    (body, joins)
}

/// The flow's foreach sections, and every reason one of them cannot run (each
/// naming the foreach step, and the parameter or step at fault).
pub fn sections(
    flow: &Flow,
    registry: &Registry,
    flow_values: &BTreeMap<String, Value>,
) -> (Vec<Section>, Vec<Problem>) {
    let mut sections: Vec<Section> = Vec::new();
    let mut problems = Vec::new();
    for node in flow.nodes.iter().filter(|n| n.kind == FOREACH_KIND) {
        let Some(desc) = registry.descriptor(&node.kind) else {
            continue; // an unknown kind is reported by validation
        };
        let Ok(params) = resolve_params(node, desc, flow_values) else {
            continue; // reported by validation
        };
        let over = params.0.get(P_OVER).and_then(Value::as_str).unwrap_or("");
        let mut axes = Vec::new();
        let mut bad = false;
        for line in over
            .split(['\n', ';'])
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
        {
            match parse_axis(flow, registry, flow_values, line) {
                Ok(axis) => {
                    if axes
                        .iter()
                        .any(|a: &Axis| a.node == axis.node && a.param == axis.param)
                    {
                        problems.push(param_problem(
                            node,
                            P_OVER,
                            format!(
                                "{} is listed twice; give all its values on one line",
                                axis.key()
                            ),
                        ));
                        bad = true;
                    } else {
                        axes.push(axis);
                    }
                }
                Err(e) => {
                    problems.push(param_problem(node, P_OVER, e));
                    bad = true;
                }
            }
        }
        if bad {
            continue;
        }
        if axes.is_empty() {
            problems.push(param_problem(
                node,
                P_OVER,
                "lists nothing to vary; write STEP.PARAMETER = VALUES, e.g. Ridge.alpha = 0.1, 1, 10"
                    .into(),
            ));
            continue;
        }
        let count: usize = axes.iter().map(|a| a.values.len()).product();
        if count > MAX_ITEMS {
            problems.push(param_problem(
                node,
                P_OVER,
                format!("the grid has {count} items; a foreach takes at most {MAX_ITEMS}"),
            ));
            continue;
        }
        let targets: BTreeSet<NodeId> = axes.iter().map(|a| a.node).collect();
        let (body, joins) = body_and_joins(flow, registry, &targets);
        let name = |id: &NodeId| flow.node(*id).map_or_else(|| id.to_string(), Node::display);
        if joins.is_empty() {
            problems.push(node_problem(
                node,
                format!(
                    "the foreach is not closed: nothing after {} gathers its items; wire the \
                     section's metrics into a Select best or a Collect step",
                    targets.iter().map(name).collect::<Vec<_>>().join(", ")
                ),
            ));
            continue;
        }
        if let Some(both) = joins.iter().find(|j| body.contains(j)) {
            problems.push(node_problem(
                node,
                format!(
                    "step {} takes the section's outputs both once per item and all at once; \
                     a join takes them only on its many-wire input",
                    name(both)
                ),
            ));
            continue;
        }
        // A step after a join that feeds back into the section would wait for itself.
        let after_joins = downstream(flow, &joins);
        if let Some(loop_step) = body.iter().find(|b| after_joins.contains(b)) {
            problems.push(node_problem(
                node,
                format!(
                    "step {} is inside the foreach but also after its join {}; a join's \
                     results cannot feed the tasks it waits for",
                    name(loop_step),
                    joins.iter().map(name).collect::<Vec<_>>().join(", ")
                ),
            ));
            continue;
        }
        if let Some(other) = sections
            .iter()
            .find(|s| s.body.intersection(&body).next().is_some())
        {
            let shared: Vec<String> = other.body.intersection(&body).map(name).collect();
            problems.push(node_problem(
                node,
                format!(
                    "steps {} are also inside the foreach {:?}; foreaches do not nest (one \
                     level): list every parameter to vary in one foreach (a grid)",
                    shared.join(", "),
                    other.label
                ),
            ));
            continue;
        }
        let max = params
            .0
            .get(P_MAX_PARALLEL)
            .and_then(Value::as_i64)
            .unwrap_or(0);
        let items = product(&axes);
        sections.push(Section {
            foreach: node.id,
            label: node.label.clone(),
            axes,
            items,
            body,
            joins,
            max_parallel: if max <= 0 {
                default_parallel()
            } else {
                max as usize
            },
            continue_on_failure: params
                .0
                .get(P_CONTINUE)
                .and_then(Value::as_bool)
                .unwrap_or(false),
            keep_best: params.0.get(P_KEEP).and_then(Value::as_str) == Some("best"),
        });
    }
    // A Collect step outside every section has nothing to collect.
    for node in flow.nodes.iter().filter(|n| n.kind == COLLECT_KIND) {
        if !sections.iter().any(|s| s.joins.contains(&node.id)) {
            problems.push(node_problem(
                node,
                "collects the tasks of a foreach, but no foreach section feeds it; add a \
                 Foreach over a parameter of a step upstream"
                    .into(),
            ));
        }
    }
    (sections, problems)
}

/// Every step downstream of `from` (not counting them).
fn downstream(flow: &Flow, from: &BTreeSet<NodeId>) -> BTreeSet<NodeId> {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<NodeId> = from.iter().copied().collect();
    while let Some(n) = stack.pop() {
        for e in flow.outgoing(n) {
            if seen.insert(e.to.node) {
                stack.push(e.to.node);
            }
        }
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_even_and_end_on_their_bounds() {
        assert_eq!(
            range("0.001, 1000, 7", true).unwrap(),
            [0.001, 0.01, 0.1, 1.0, 10.0, 100.0, 1000.0]
        );
        assert_eq!(
            range("0, 1, 5", false).unwrap(),
            [0.0, 0.25, 0.5, 0.75, 1.0]
        );
        assert_eq!(range("3, 9, 1", false).unwrap(), [3.0]);
        assert!(range("0, 1, 0", false).unwrap_err().contains("count is 0"));
        assert!(range("0, 1, 5", true).unwrap_err().contains("above 0"));
        assert!(range("0, 1", false).unwrap_err().contains("three numbers"));
    }
}
