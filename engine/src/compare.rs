//! Comparing runs side by side (MLflow's compare view, done as a library).
//!
//! [`Comparison::new`] lines up any number of runs against a baseline: flow and step
//! parameters with a "differs" flag per row, every scalar metric with the best run
//! marked and the delta against the baseline, step durations, and the structural
//! differences between the flows as they ran. The CLI prints it, the editor draws
//! it, and [`Comparison::to_csv`] exports it.

use std::collections::{BTreeMap, BTreeSet};

use crate::flow::{Flow, NodeId};
use crate::record::{RunRecord, RunStatus, StepStatus, TaskRecord};
use crate::value::Value;
use crate::view::Goal;

/// One run's column header.
#[derive(Clone, Debug, PartialEq)]
pub struct RunColumn {
    /// Run id.
    pub id: String,
    /// Flow name.
    pub flow: String,
    /// Final status.
    pub status: RunStatus,
    /// Start time, formatted.
    pub started: String,
    /// Wall time.
    pub duration_secs: Option<f64>,
    /// Tags.
    pub tags: Vec<String>,
    /// The run it resumed, if it is a resume.
    pub resumed_from: Option<String>,
}

/// A parameter row: its value in each run.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamRow {
    /// `name` for a flow parameter, `Step.name` for a step parameter.
    pub name: String,
    /// Value per run (`None`: the run has no such parameter).
    pub values: Vec<Option<Value>>,
    /// Whether the runs disagree.
    pub differs: bool,
}

/// A metric row: its value in each run, the best, and deltas to the baseline.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricRow {
    /// `Step.metric`.
    pub name: String,
    /// Whether bigger or smaller is better.
    pub goal: Goal,
    /// Value per run.
    pub values: Vec<Option<f64>>,
    /// Index of the best run (ties: the first).
    pub best: Option<usize>,
    /// `value − baseline value` per run.
    pub deltas: Vec<Option<f64>>,
    /// Whether the runs disagree.
    pub differs: bool,
}

/// A step's duration in each run.
#[derive(Clone, Debug, PartialEq)]
pub struct DurationRow {
    /// The step's label.
    pub step: String,
    /// Seconds per run (`None`: the run has no such step; cached steps count 0).
    pub secs: Vec<Option<f64>>,
    /// Per run: where a cached step's result came from (`None`: computed or absent).
    pub cached: Vec<Option<CachedFrom>>,
}

/// Where a cached step's result came from.
#[derive(Clone, Debug, PartialEq)]
pub struct CachedFrom {
    /// The run that computed it.
    pub run: String,
    /// How long the computation took there (unknown for records from before it was kept).
    pub original_duration_secs: Option<f64>,
}

impl CachedFrom {
    /// The cache origin of a task, if it was reused.
    pub fn of(task: &TaskRecord) -> Option<Self> {
        (task.status == StepStatus::Cached).then(|| CachedFrom {
            run: task.reused_from.clone().unwrap_or_else(|| "?".into()),
            original_duration_secs: task.original_duration_secs,
        })
    }
}

/// Runs side by side.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    /// The runs, in the order given.
    pub runs: Vec<RunColumn>,
    /// Index of the baseline run.
    pub baseline: usize,
    /// Flow parameters, then step parameters.
    pub params: Vec<ParamRow>,
    /// Every scalar metric.
    pub metrics: Vec<MetricRow>,
    /// Step durations.
    pub durations: Vec<DurationRow>,
    /// Structural differences of each run's flow against the baseline's, one line each.
    pub structure: Vec<String>,
    /// For each run, the item its foreach's join chose (`alpha = 0.01 (rmse = 1.2)`).
    pub best_items: Vec<Option<String>>,
    /// The foreach items' scores side by side: what each run's Collect gathered, one
    /// row per item and metric (metrics with a goal only), items in the baseline's
    /// order.
    pub items: Vec<ItemRow>,
}

/// One foreach item's score in each compared run.
#[derive(Clone, Debug, PartialEq)]
pub struct ItemRow {
    /// The item: `alpha = 0.01`.
    pub item: String,
    /// `Step.metric`, as in the metric rows.
    pub metric: String,
    /// Whether higher or lower is better.
    pub goal: Goal,
    /// The value in each run (`None`: the run has no such item or metric).
    pub values: Vec<Option<f64>>,
    /// The run with the best value.
    pub best: Option<usize>,
}

impl Comparison {
    /// Lines up `runs` against `runs[baseline]` (clamped to a valid index).
    pub fn new(runs: &[RunRecord], baseline: usize) -> Self {
        let baseline = baseline.min(runs.len().saturating_sub(1));
        let columns = runs
            .iter()
            .map(|r| RunColumn {
                id: r.id.clone(),
                flow: r.flow_name.clone(),
                status: r.status,
                started: r
                    .started_at
                    .with_timezone(&chrono::Local)
                    .format("%Y-%m-%d %H:%M:%S")
                    .to_string(),
                duration_secs: r.duration_secs(),
                tags: r.tags.clone(),
                resumed_from: r.resumed_from.clone(),
            })
            .collect();

        // Parameters: flow parameters first, then each step's resolved parameters.
        let mut param_names: Vec<String> = Vec::new();
        let mut seen = BTreeSet::new();
        let mut param_maps: Vec<BTreeMap<String, Value>> = Vec::new();
        for r in runs {
            let mut m = BTreeMap::new();
            for (k, v) in &r.params {
                m.insert(k.clone(), v.clone());
                if seen.insert(k.clone()) {
                    param_names.push(k.clone());
                }
            }
            param_maps.push(m);
        }
        let mut step_names = BTreeSet::new();
        for (r, m) in runs.iter().zip(&mut param_maps) {
            for t in &r.tasks {
                for (k, v) in &t.params {
                    let name = format!("{}.{k}", t.label);
                    // A parameter a foreach varies has one value per task: the
                    // foreach's `over` says which, so no single task's value stands
                    // for the run.
                    if t.item.contains_key(&name) {
                        continue;
                    }
                    m.insert(name.clone(), v.clone());
                    step_names.insert(name);
                }
            }
        }
        param_names.extend(step_names.into_iter().filter(|n| !seen.contains(n)));
        let params = param_names
            .into_iter()
            .map(|name| {
                let values: Vec<Option<Value>> =
                    param_maps.iter().map(|m| m.get(&name).cloned()).collect();
                let differs = values.windows(2).any(|w| w[0] != w[1]);
                ParamRow {
                    name,
                    values,
                    differs,
                }
            })
            .collect();

        // Metrics. Runs of one flow match a metric by the node that produced it (so a
        // renamed step still lines up); runs of different flows by the step's label.
        let same_flow = runs.windows(2).all(|w| w[0].flow_name == w[1].flow_name);
        let key_of = |m: &crate::store::RunMetric| -> (Option<NodeId>, String, String) {
            if same_flow {
                (Some(m.node), String::new(), m.name.clone())
            } else {
                (None, m.step.clone(), m.name.clone())
            }
        };
        let lists: Vec<Vec<crate::store::RunMetric>> =
            runs.iter().map(RunRecord::metric_list).collect();
        // Row order: the baseline's metrics first, in its node order, then the others'.
        let mut order: Vec<(Option<NodeId>, String, String)> = Vec::new();
        let mut shown: BTreeMap<(Option<NodeId>, String, String), (String, Goal)> = BTreeMap::new();
        for list in lists.get(baseline).into_iter().chain(lists.iter()) {
            for m in list {
                let k = key_of(m);
                let entry = shown.entry(k.clone()).or_insert_with(|| {
                    order.push(k);
                    (m.key.clone(), m.goal)
                });
                if entry.1 == Goal::Neutral {
                    entry.1 = m.goal;
                }
            }
        }
        let metrics = order
            .into_iter()
            .map(|k| {
                let (name, goal) = shown[&k].clone();
                let values: Vec<Option<f64>> = lists
                    .iter()
                    .map(|list| list.iter().find(|m| key_of(m) == k).map(|m| m.value))
                    .collect();
                let best = best_index(&values, goal);
                let base = values.get(baseline).copied().flatten();
                let deltas = values.iter().map(|v| Some((*v)? - base?)).collect();
                let differs = values.windows(2).any(|w| w[0] != w[1]);
                MetricRow {
                    name,
                    goal,
                    values,
                    best,
                    deltas,
                    differs,
                }
            })
            .collect();

        // Durations, by step (its node for runs of one flow, else its label) in the
        // baseline's order, then any others.
        let mut steps: Vec<(Option<NodeId>, String)> = Vec::new();
        for r in runs.get(baseline).into_iter().chain(runs.iter()) {
            for t in &r.tasks {
                let k = if same_flow {
                    (Some(t.node), t.label.clone())
                } else {
                    (None, t.label.clone())
                };
                if !steps
                    .iter()
                    .any(|s| s.0 == k.0 && (k.0.is_some() || s.1 == k.1))
                {
                    steps.push(k);
                }
            }
        }
        let durations = steps
            .into_iter()
            .map(|(node, step)| {
                let tasks: Vec<Option<&TaskRecord>> = runs
                    .iter()
                    .map(|r| {
                        r.tasks.iter().find(|t| match node {
                            Some(n) => t.node == n,
                            None => t.label == step,
                        })
                    })
                    .collect();
                DurationRow {
                    secs: tasks.iter().map(|t| t.map(|t| t.duration_secs)).collect(),
                    cached: tasks.iter().map(|t| t.and_then(CachedFrom::of)).collect(),
                    step,
                }
            })
            .collect();

        // Node ids of different flows say nothing about each other, so their structure
        // is compared by step label instead of wire by wire.
        let mut structure = Vec::new();
        if let Some(base) = runs.get(baseline) {
            for r in runs.iter().filter(|r| r.id != base.id) {
                let lines = if r.flow_name == base.flow_name {
                    flow_diff(&base.flow, &r.flow)
                } else {
                    steps_diff(&base.flow, &r.flow)
                };
                for line in lines {
                    structure.push(format!("{}: {line}", r.id));
                }
            }
        }

        Self {
            runs: columns,
            baseline,
            params,
            metrics,
            durations,
            structure,
            best_items: runs
                .iter()
                .map(|r| r.best_item().map(|(_, c)| c.describe()))
                .collect(),
            items: item_rows(runs, baseline),
        }
    }

    /// The names of the compared runs' flows, each once, in run order: more than one
    /// means parameters are matched by name and metrics and durations by step label.
    pub fn flow_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for r in &self.runs {
            if !names.contains(&r.flow.as_str()) {
                names.push(&r.flow);
            }
        }
        names
    }

    /// The table as CSV: a `section,name,<run ids…>` header, then parameter, metric
    /// (with a `delta` row per metric), the best foreach items and every item's
    /// scores (`item` rows), then duration rows.
    pub fn to_csv(&self, differences_only: bool) -> String {
        let mut out = String::new();
        let mut row = |cells: Vec<String>| {
            let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
            out.push_str(&line.join(","));
            out.push('\n');
        };
        let mut header = vec!["section".to_owned(), "name".to_owned()];
        header.extend(self.runs.iter().map(|r| r.id.clone()));
        row(header);
        let mut status = vec!["run".to_owned(), "status".to_owned()];
        status.extend(self.runs.iter().map(|r| r.status.to_string()));
        row(status);
        for p in self
            .params
            .iter()
            .filter(|p| !differences_only || p.differs)
        {
            let mut cells = vec!["param".to_owned(), p.name.clone()];
            cells.extend(p.values.iter().map(|v| match v {
                Some(Value::Text(s)) => s.clone(),
                Some(v) => v.to_string(),
                None => String::new(),
            }));
            row(cells);
        }
        for m in self
            .metrics
            .iter()
            .filter(|m| !differences_only || m.differs)
        {
            let mut cells = vec!["metric".to_owned(), m.name.clone()];
            cells.extend(
                m.values
                    .iter()
                    .map(|v| v.map(|v| v.to_string()).unwrap_or_default()),
            );
            row(cells);
            let mut cells = vec!["delta".to_owned(), m.name.clone()];
            cells.extend(
                m.deltas
                    .iter()
                    .map(|v| v.map(|v| v.to_string()).unwrap_or_default()),
            );
            row(cells);
        }
        let mut best = vec!["run".to_owned(), "best_item".to_owned()];
        best.extend(
            self.best_items
                .iter()
                .map(|b| b.clone().unwrap_or_default()),
        );
        if self.best_items.iter().any(Option::is_some) {
            row(best);
        }
        for it in &self.items {
            let mut cells = vec!["item".to_owned(), format!("{} {}", it.item, it.metric)];
            cells.extend(
                it.values
                    .iter()
                    .map(|v| v.map(|v| v.to_string()).unwrap_or_default()),
            );
            row(cells);
        }
        for d in &self.durations {
            let mut cells = vec!["duration_secs".to_owned(), d.step.clone()];
            cells.extend(
                d.secs
                    .iter()
                    .map(|v| v.map(|v| v.to_string()).unwrap_or_default()),
            );
            row(cells);
        }
        out
    }
}

/// The run with the best finite value by `goal` (the first of equals); none for a
/// neutral metric.
fn best_index(values: &[Option<f64>], goal: Goal) -> Option<usize> {
    let mut best: Option<usize> = None;
    for (i, v) in values.iter().enumerate() {
        if let Some(v) = v.filter(|v| v.is_finite())
            && goal != Goal::Neutral
            && best.is_none_or(|b| values[b].is_some_and(|bv| goal.better(v, bv)))
        {
            best = Some(i);
        }
    }
    best
}

/// The scores of every foreach task of `runs` (tasks with an item), matched by item
/// text, step label and metric name: the rows of each run's Collect table, side by side.
fn item_rows(runs: &[RunRecord], baseline: usize) -> Vec<ItemRow> {
    type Key = (String, String, String);
    let mut order: Vec<Key> = Vec::new();
    let mut goals: BTreeMap<Key, Goal> = BTreeMap::new();
    let mut values: Vec<BTreeMap<Key, f64>> = vec![BTreeMap::new(); runs.len()];
    let visit = runs
        .get(baseline)
        .map(|r| (baseline, r))
        .into_iter()
        .chain(runs.iter().enumerate());
    for (i, r) in visit {
        for t in r.tasks.iter().filter(|t| t.index.is_some()) {
            let item = crate::record::short_item(&t.item);
            for a in t.outputs.values() {
                for (name, v) in a.metrics.iter().flatten() {
                    let goal = a.goal(name);
                    if goal == Goal::Neutral {
                        continue;
                    }
                    let key = (item.clone(), t.label.clone(), name.clone());
                    if !goals.contains_key(&key) {
                        order.push(key.clone());
                        goals.insert(key.clone(), goal);
                    }
                    values[i].insert(key, *v);
                }
            }
        }
    }
    order
        .into_iter()
        .map(|key| {
            let goal = goals[&key];
            let vals: Vec<Option<f64>> = values.iter().map(|m| m.get(&key).copied()).collect();
            let best = best_index(&vals, goal);
            let (item, step, metric) = key;
            ItemRow {
                item,
                metric: format!("{step}.{metric}"),
                goal,
                values: vals,
                best,
            }
        })
        .collect()
}

fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// The runs with the best value of `metric` (matched as a full `Step.metric` name or
/// by the part after the dot), best first, at most `n`. Whether best is highest or
/// lowest is the metric's own goal, as its artifact recorded it (neutral metrics keep
/// the runs' order).
pub fn best_runs<'a>(runs: &'a [RunRecord], metric: &str, n: usize) -> Vec<&'a RunRecord> {
    let matches = |m: &crate::store::RunMetric| m.key == metric || m.name == metric;
    // Each run's metric once: its goal decides the order, its value the rank.
    let found: Vec<(&RunRecord, crate::store::RunMetric)> = runs
        .iter()
        .filter_map(|r| Some((r, r.metric_list().into_iter().find(|m| matches(m))?)))
        .collect();
    let goal = found
        .iter()
        .map(|(_, m)| m.goal)
        .find(|g| *g != Goal::Neutral)
        .unwrap_or_default();
    let mut scored: Vec<(f64, &RunRecord)> = found
        .into_iter()
        .filter(|(_, m)| m.value.is_finite())
        .map(|(r, m)| (m.value, r))
        .collect();
    scored.sort_by(|a, b| {
        let ord = a.0.total_cmp(&b.0);
        match goal {
            Goal::Maximize => ord.reverse(),
            Goal::Minimize => ord,
            Goal::Neutral => std::cmp::Ordering::Equal,
        }
    });
    scored.into_iter().take(n).map(|(_, r)| r).collect()
}

/// How the steps of `other`, a different flow, differ from `base`'s, matched by label:
/// steps only in one of them, and steps of one label but different kinds.
pub fn steps_diff(base: &Flow, other: &Flow) -> Vec<String> {
    let mut out = vec![format!(
        "flow {:?}, not the baseline's {:?}: steps matched by label",
        other.name, base.name
    )];
    let find = |f: &Flow, label: &str| f.nodes.iter().find(|n| n.label == label).cloned();
    for n in &other.nodes {
        match find(base, &n.label) {
            None => out.push(format!("step {:?} ({}) only in this run", n.label, n.kind)),
            Some(b) if b.kind != n.kind => out.push(format!(
                "step {:?} is {} here, {} in the baseline",
                n.label, n.kind, b.kind
            )),
            Some(_) => {}
        }
    }
    for b in &base.nodes {
        if find(other, &b.label).is_none() {
            out.push(format!(
                "step {:?} ({}) only in the baseline",
                b.label, b.kind
            ));
        }
    }
    out
}

/// How `other` differs from `base` in structure: nodes added or removed, kinds
/// changed, parameters changed, wires added or removed.
pub fn flow_diff(base: &Flow, other: &Flow) -> Vec<String> {
    let mut out = Vec::new();
    let name = |f: &Flow, id: NodeId| {
        f.node(id)
            .map(|n| format!("{:?} ({id})", n.label))
            .unwrap_or_else(|| id.to_string())
    };
    for n in &other.nodes {
        match base.node(n.id) {
            None => out.push(format!("node {} ({}) added", n.display(), n.kind)),
            Some(b) => {
                if b.kind != n.kind {
                    out.push(format!("node {} kind {} → {}", n.display(), b.kind, n.kind));
                }
                let keys: BTreeSet<&String> = b.params.keys().chain(n.params.keys()).collect();
                for k in keys {
                    let (x, y) = (b.params.get(k), n.params.get(k));
                    if x != y {
                        let show = |v: Option<&crate::value::ParamValue>| {
                            v.map_or("default".to_owned(), |v| v.to_string())
                        };
                        out.push(format!(
                            "node {} parameter {k}: {} → {}",
                            n.display(),
                            show(x),
                            show(y)
                        ));
                    }
                }
            }
        }
    }
    for b in &base.nodes {
        if other.node(b.id).is_none() {
            out.push(format!("node {} ({}) removed", b.display(), b.kind));
        }
    }
    for e in &other.edges {
        if base.edges.binary_search(e).is_err() {
            out.push(format!(
                "wire {}.{} → {}.{} added",
                name(other, e.from.node),
                e.from.port,
                name(other, e.to.node),
                e.to.port
            ));
        }
    }
    for e in &base.edges {
        if other.edges.binary_search(e).is_err() {
            out.push(format!(
                "wire {}.{} → {}.{} removed",
                name(base, e.from.node),
                e.from.port,
                name(base, e.to.node),
                e.to.port
            ));
        }
    }
    let fp: BTreeSet<&String> = base
        .parameters
        .iter()
        .chain(&other.parameters)
        .map(|p| &p.name)
        .collect();
    for p in fp {
        match (base.param(p), other.param(p)) {
            (Some(_), None) => out.push(format!("flow parameter {p:?} removed")),
            (None, Some(_)) => out.push(format!("flow parameter {p:?} added")),
            (Some(a), Some(b)) if a.default != b.default || a.ty != b.ty => {
                out.push(format!(
                    "flow parameter {p:?} default {} → {}",
                    a.default, b.default
                ));
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::flow::{Edge, Node};
    use crate::run::{Engine, RunOptions};
    use crate::store::Store;
    use crate::testkit;

    //  const(value) ──▶ add(+1)      The "out" numbers are not metrics, so the test
    //  kinds give none; metric rows are checked through synthetic records below.
    fn flow(v: f64, extra: bool) -> Flow {
        let mut f = Flow::new("cmp");
        let mut add = |id: u32, kind: &str, value: f64| {
            f.nodes.push(Node {
                id: NodeId(id),
                kind: kind.into(),
                label: format!("{kind}{id}"),
                params: [("value".to_owned(), Value::Float(value).into())].into(),
                pos: (0.0, 0.0),
            })
        };
        add(1, "const", v);
        add(2, "add", 1.0);
        if extra {
            add(3, "add", 2.0);
        }
        f.edges.push(Edge::new(NodeId(1), "out", NodeId(2), "in"));
        if extra {
            f.edges.push(Edge::new(NodeId(2), "out", NodeId(3), "in"));
        }
        f
    }

    fn runs() -> (Vec<RunRecord>, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::new(
            Arc::new(testkit::registry()),
            Store::open(dir.path()).unwrap(),
        );
        let a = engine
            .run(&flow(1.0, false), RunOptions::default(), |_| {})
            .unwrap();
        let b = engine
            .run(&flow(2.0, true), RunOptions::default(), |_| {})
            .unwrap();
        (vec![a, b], dir)
    }

    fn with_metrics(mut r: RunRecord, rmse: f64, r2: f64) -> RunRecord {
        let t = r.tasks.iter_mut().next().unwrap();
        let out = t.outputs.values_mut().next().unwrap();
        out.metrics = Some(
            [
                ("rmse".to_owned(), rmse),
                ("r2".to_owned(), r2),
                ("n".to_owned(), 10.0),
            ]
            .into(),
        );
        out.goals = [
            ("rmse".to_owned(), Goal::Minimize),
            ("r2".to_owned(), Goal::Maximize),
        ]
        .into();
        r
    }

    /// `r` with a foreach's scoring task per `(alpha, rmse)`, and a join that chose
    /// `chosen`.
    fn with_items(mut r: RunRecord, items: &[(f64, f64)], chosen: u32) -> RunRecord {
        let base = r.tasks[0].clone();
        for (i, &(alpha, rmse)) in items.iter().enumerate() {
            let mut t = base.clone();
            t.node = NodeId(50);
            t.label = "Metrics".into();
            t.index = Some(i as u32);
            t.item = [("Ridge.alpha".to_owned(), Value::Float(alpha))].into();
            let out = t.outputs.values_mut().next().unwrap();
            out.metrics = Some([("rmse".to_owned(), rmse), ("n".to_owned(), 5.0)].into());
            out.goals = [("rmse".to_owned(), Goal::Minimize)].into();
            r.upsert_task(t);
        }
        let mut join = base;
        join.node = NodeId(60);
        join.label = "Select best".into();
        join.chosen = Some(crate::record::Chosen {
            index: chosen,
            item: [(
                "Ridge.alpha".to_owned(),
                Value::Float(items[chosen as usize].0),
            )]
            .into(),
            metric: "rmse".into(),
            value: items[chosen as usize].1,
        });
        r.upsert_task(join);
        r
    }

    #[test]
    fn foreach_items_line_up_across_runs_with_each_runs_best_item() {
        let (runs, _dir) = runs();
        let a = with_items(runs[0].clone(), &[(0.1, 2.0), (1.0, 1.5)], 1);
        let b = with_items(runs[1].clone(), &[(1.0, 1.2), (10.0, 3.0)], 0);
        let c = Comparison::new(&[a, b], 0);
        assert_eq!(
            c.best_items,
            [
                Some("alpha = 1 (rmse = 1.5)".to_owned()),
                Some("alpha = 1 (rmse = 1.2)".to_owned())
            ]
        );
        // The baseline's items first, then the other run's; `n` has no goal: no row.
        let row = |item: &str, values: Vec<Option<f64>>, best| ItemRow {
            item: item.into(),
            metric: "Metrics.rmse".into(),
            goal: Goal::Minimize,
            values,
            best: Some(best),
        };
        assert_eq!(
            c.items,
            [
                row("alpha = 0.1", vec![Some(2.0), None], 0),
                row("alpha = 1", vec![Some(1.5), Some(1.2)], 1),
                row("alpha = 10", vec![None, Some(3.0)], 1),
            ]
        );
        let csv = c.to_csv(false);
        assert!(
            csv.contains("\nitem,alpha = 1 Metrics.rmse,1.5,1.2\n"),
            "{csv}"
        );
        assert!(
            csv.contains("\nrun,best_item,alpha = 1 (rmse = 1.5),alpha = 1 (rmse = 1.2)\n"),
            "{csv}"
        );
    }

    #[test]
    fn a_resumed_run_names_its_origin_in_its_column() {
        let (mut runs, _dir) = runs();
        runs[1].resumed_from = Some(runs[0].id.clone());
        let c = Comparison::new(&runs, 0);
        assert_eq!(c.runs[0].resumed_from, None);
        assert_eq!(c.runs[1].resumed_from.as_deref(), Some(runs[0].id.as_str()));
    }

    #[test]
    fn runs_of_one_flow_match_metrics_by_node_even_after_a_rename() {
        let (runs, _dir) = runs();
        let a = with_metrics(runs[0].clone(), 0.5, 0.90);
        let mut b = with_metrics(runs[1].clone(), 0.4, 0.95);
        b.tasks[0].label = "Renamed".into();
        let c = Comparison::new(&[a.clone(), b.clone()], 0);
        let rmse: Vec<&MetricRow> = c
            .metrics
            .iter()
            .filter(|m| m.name.ends_with("rmse"))
            .collect();
        assert_eq!(rmse.len(), 1, "one row for both runs: {:?}", c.metrics);
        assert_eq!(rmse[0].name, "const1.rmse", "shown by the baseline's label");
        assert_eq!(rmse[0].values, [Some(0.5), Some(0.4)]);
        // Runs of different flows line up by label instead: the renamed step is another row.
        b.flow_name = "other".into();
        let c = Comparison::new(&[a, b], 0);
        let names: Vec<&str> = c
            .metrics
            .iter()
            .filter(|m| m.name.ends_with("rmse"))
            .map(|m| m.name.as_str())
            .collect();
        assert_eq!(names, ["const1.rmse", "Renamed.rmse"]);
    }

    #[test]
    fn two_steps_with_one_label_keep_their_metrics_apart() {
        let (runs, _dir) = runs();
        let mut r = with_metrics(runs[0].clone(), 0.5, 0.9);
        let second = r.tasks[0].outputs.values().next().unwrap().clone();
        let t = &mut r.tasks[1];
        t.label = "const1".into();
        t.outputs.insert("out".into(), second);
        let keys: Vec<String> = r.metrics().into_keys().collect();
        assert!(keys.contains(&"const1 #1.rmse".to_owned()), "{keys:?}");
        assert!(keys.contains(&"const1 #2.rmse".to_owned()), "{keys:?}");
        assert_eq!(r.metric_goals()["const1 #2.rmse"], Goal::Minimize);
    }

    #[test]
    fn parameters_are_diffed_and_metrics_ranked() {
        let (runs, _dir) = runs();
        let runs = vec![
            with_metrics(runs[0].clone(), 0.5, 0.90),
            with_metrics(runs[1].clone(), 0.4, 0.95),
        ];
        let c = Comparison::new(&runs, 0);
        let value = c.params.iter().find(|p| p.name == "const1.value").unwrap();
        assert!(value.differs);
        assert_eq!(
            value.values,
            [Some(Value::Float(1.0)), Some(Value::Float(2.0))]
        );
        let same = c.params.iter().find(|p| p.name == "add2.value").unwrap();
        assert!(!same.differs);
        let added = c.params.iter().find(|p| p.name == "add3.value").unwrap();
        assert_eq!(added.values[0], None);

        let rmse = c.metrics.iter().find(|m| m.name == "const1.rmse").unwrap();
        assert_eq!((rmse.goal, rmse.best), (Goal::Minimize, Some(1)));
        assert!((rmse.deltas[1].unwrap() + 0.1).abs() < 1e-12);
        let r2 = c.metrics.iter().find(|m| m.name == "const1.r2").unwrap();
        assert_eq!((r2.goal, r2.best), (Goal::Maximize, Some(1)));
        let n = c.metrics.iter().find(|m| m.name == "const1.n").unwrap();
        assert_eq!(n.best, None);

        assert_eq!(c.durations.len(), 3);
        assert!(
            c.structure
                .iter()
                .any(|l| l.contains("node \"add3\" (#3) (add) added")),
            "{:?}",
            c.structure
        );
        assert!(
            c.structure
                .iter()
                .any(|l| l.contains("parameter value: 1 → 2")),
            "{:?}",
            c.structure
        );

        let best = best_runs(&runs, "r2", 1);
        assert_eq!(best[0].id, runs[1].id);
        let best = best_runs(&runs, "rmse", 2);
        assert_eq!(best[0].id, runs[1].id);
        assert_eq!(best.len(), 2);
    }

    #[test]
    fn runs_of_different_flows_compare_steps_by_label_not_nodes_by_id() {
        let (runs, _dir) = runs();
        let a = runs[0].clone();
        let mut b = runs[1].clone();
        b.flow_name = "other".into();
        b.flow.name = "other".into();
        // Node #2 of the other flow is another step altogether.
        b.flow.nodes[1].label = "Scale".into();
        b.flow.nodes[1].kind = "scale".into();
        let c = Comparison::new(&[a, b.clone()], 0);
        assert_eq!(c.flow_names(), ["cmp", "other"]);
        let lines: Vec<String> = c
            .structure
            .iter()
            .map(|l| l.trim_start_matches(&format!("{}: ", b.id)).to_owned())
            .collect();
        assert_eq!(
            lines,
            [
                "flow \"other\", not the baseline's \"cmp\": steps matched by label",
                "step \"Scale\" (scale) only in this run",
                "step \"add3\" (add) only in this run",
                "step \"add2\" (add) only in the baseline",
            ]
        );
        assert!(!c.structure.iter().any(|l| l.contains("wire")), "{lines:?}");
    }

    #[test]
    fn a_reused_task_keeps_the_time_it_took_when_computed() {
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::new(
            Arc::new(testkit::registry()),
            Store::open(dir.path()).unwrap(),
        );
        let first = engine
            .run(&flow(1.0, false), RunOptions::default(), |_| {})
            .unwrap();
        let second = engine
            .run(&flow(1.0, false), RunOptions::default(), |_| {})
            .unwrap();
        for (a, b) in first.tasks.iter().zip(&second.tasks) {
            assert_eq!(b.status, StepStatus::Cached);
            assert_eq!(b.duration_secs, 0.0);
            assert_eq!(b.original_duration_secs, Some(a.duration_secs));
        }
        let third = engine
            .run(&flow(1.0, false), RunOptions::default(), |_| {})
            .unwrap();
        assert_eq!(
            third.tasks[0].original_duration_secs,
            Some(first.tasks[0].duration_secs),
            "still the computation's time, not the cached run's zero"
        );
    }

    #[test]
    fn a_cached_step_says_where_its_result_came_from() {
        let (runs, _dir) = runs();
        let mut b = runs[1].clone();
        b.tasks[1].status = StepStatus::Cached;
        b.tasks[1].reused_from = Some(runs[0].id.clone());
        b.tasks[1].original_duration_secs = Some(0.002);
        let c = Comparison::new(&[runs[0].clone(), b], 0);
        let add = c.durations.iter().find(|d| d.step == "add2").unwrap();
        assert_eq!(add.cached[0], None);
        assert_eq!(
            add.cached[1],
            Some(CachedFrom {
                run: runs[0].id.clone(),
                original_duration_secs: Some(0.002)
            })
        );
    }

    #[test]
    fn csv_has_a_column_per_run_and_honours_differences_only() {
        let (runs, _dir) = runs();
        let c = Comparison::new(&runs, 0);
        let all = c.to_csv(false);
        let diff = c.to_csv(true);
        let header = all.lines().next().unwrap();
        assert_eq!(
            header,
            format!("section,name,{},{}", runs[0].id, runs[1].id)
        );
        assert!(all.contains("param,add2.value,1,1"));
        assert!(!diff.contains("param,add2.value"));
        assert!(diff.contains("param,const1.value,1,2"));
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
    }
}
