//! `flow.start` and `flow.end`: where a flow begins and where its results gather;
//! `flow.foreach` and `flow.collect`: a section run once per item, and its join.

use std::collections::BTreeMap;

use pipewright_engine::foreach::{
    COLLECT_KIND, FOREACH_KIND, P_CONTINUE, P_KEEP, P_MAX_PARALLEL, P_OVER,
};
use pipewright_engine::{
    ANY, Goal, Inputs, KindDescriptor, NodeKind, Outputs, ParamSpec, ParamType, Params, PortSpec,
    StepContext, StepError, Value,
};

use crate::artifacts::collection::{COLLECTION, CollectedRow, Collection};
use crate::artifacts::{CLASS_METRICS, CLUSTERING, METRICS, SIGNAL, Signal};

/// `flow.start`: the first step; other steps may wait for its signal.
pub struct Start {
    desc: KindDescriptor,
}

impl Start {
    /// The kind.
    pub fn new() -> Self {
        Self {
            desc: KindDescriptor {
                id: "flow.start",
                version: 1,
                category: crate::category::FLOW,
                title: "Start",
                doc: "Where the flow begins. Connect its signal to the data steps that \
                      should run first; it carries no data.",
                inputs: vec![],
                outputs: vec![PortSpec::new("start", SIGNAL, "fires when the run starts")],
                params: vec![],
            },
        }
    }
}

impl NodeKind for Start {
    fn descriptor(&self) -> &KindDescriptor {
        &self.desc
    }

    fn run(
        &self,
        ctx: &mut StepContext<'_>,
        _inputs: &Inputs,
        _params: &Params,
    ) -> Result<Outputs, StepError> {
        ctx.log("flow started");
        Ok(Outputs::new().with("start", Signal))
    }
}

/// `flow.end`: the last step; gathers any results and logs a line for each.
pub struct End {
    desc: KindDescriptor,
}

impl End {
    /// The kind.
    pub fn new() -> Self {
        Self {
            desc: KindDescriptor {
                id: "flow.end",
                version: 1,
                category: crate::category::FLOW,
                title: "End",
                doc: "Where the flow ends. Connect the results worth keeping an eye on \
                      (metrics, the chosen model); it logs a one-line summary of each.",
                inputs: vec![
                    PortSpec::new("results", ANY, "any artifacts to summarise").multiple(),
                ],
                outputs: vec![],
                params: vec![],
            },
        }
    }
}

impl NodeKind for End {
    fn descriptor(&self) -> &KindDescriptor {
        &self.desc
    }

    fn run(
        &self,
        ctx: &mut StepContext<'_>,
        inputs: &Inputs,
        _params: &Params,
    ) -> Result<Outputs, StepError> {
        let mut n = 0;
        for (_, artifact) in inputs.iter() {
            n += 1;
            ctx.log(format!("{}: {}", artifact.type_name(), artifact.summary()));
        }
        ctx.log(format!("flow finished with {n} result(s)"));
        Ok(Outputs::new())
    }
}

/// The artifact types that carry a model's scores: what the Collect a sweep adds
/// gathers (`pipewright run --sweep`, *Run ▸ Sweep…*).
pub const SCORE_TYPES: [&str; 3] = [METRICS, CLASS_METRICS, CLUSTERING];

/// `flow.foreach`: opens a foreach section. The scheduler reads its parameters and
/// runs the section's steps once per item; the step itself only logs the items.
pub struct Foreach {
    desc: KindDescriptor,
}

impl Foreach {
    /// The kind.
    pub fn new() -> Self {
        Self {
            desc: KindDescriptor {
                id: FOREACH_KIND,
                version: 1,
                category: crate::category::FLOW,
                title: "Foreach",
                doc: "Runs a section of the flow once per item, in parallel, as tasks of \
                      one run (Metaflow's foreach). `over` names the parameters to vary, one \
                      per line, as STEP.PARAMETER = VALUES: a list (`Ridge.alpha = 0.1, 1, \
                      10`), a range (`log(0.001, 1000, 8)` evenly on a log scale, \
                      `linear(0, 1, 5)`), or every fold of a K-fold split (`K-fold \
                      split.fold = folds`); several lines make a grid of every combination. \
                      The section is those steps and everything after them up to the steps \
                      that take their results on a many-wire input (Select best, Collect), \
                      which join every item's task. It needs no wires. Foreaches do not \
                      nest: list every parameter in one grid.",
                inputs: vec![],
                outputs: vec![],
                params: vec![
                    ParamSpec::new(
                        P_OVER,
                        ParamType::Text,
                        Value::Text(String::new()),
                        "the parameters to vary and their values, one per line: \
                         STEP.PARAMETER = 0.1, 1, 10 | log(start, stop, count) | \
                         linear(start, stop, count) | folds",
                    )
                    .required(),
                    ParamSpec::new(
                        P_MAX_PARALLEL,
                        ParamType::Int {
                            min: Some(0),
                            max: Some(1024),
                        },
                        Value::Int(0),
                        "tasks of the section running at once (0: one per core)",
                    ),
                    ParamSpec::new(
                        P_CONTINUE,
                        ParamType::Bool,
                        Value::Bool(false),
                        "when an item fails, join the others instead of skipping the join",
                    ),
                    ParamSpec::new(
                        P_KEEP,
                        ParamType::Choice(vec!["all".into(), "best".into()]),
                        Value::Text("all".into()),
                        "what the store keeps of the items a Select best did not choose: all \
                         their outputs, or (best) only their scores, so a sweep does not \
                         store every item's predictions; the chosen item keeps everything",
                    ),
                ],
            },
        }
    }
}

impl NodeKind for Foreach {
    fn descriptor(&self) -> &KindDescriptor {
        &self.desc
    }

    fn run(
        &self,
        _ctx: &mut StepContext<'_>,
        _inputs: &Inputs,
        _params: &Params,
    ) -> Result<Outputs, StepError> {
        // The scheduler has logged the items; the tasks are its work.
        Ok(Outputs::new())
    }
}

/// `flow.collect`: the join that gathers every task's metrics into one table.
pub struct Collect {
    desc: KindDescriptor,
}

impl Collect {
    /// The kind.
    pub fn new() -> Self {
        Self {
            desc: KindDescriptor {
                id: COLLECT_KIND,
                version: 1,
                category: crate::category::FLOW,
                title: "Collect",
                doc: "Joins a foreach: one row per task with its item (a column per varied \
                      parameter) and every metric its task produced, plotted as metric \
                      against value (a log axis for a log range), and each metric's mean \
                      and standard deviation over the tasks (over the folds of a cross-\
                      validation). Connect the metrics of the section's tasks.",
                inputs: vec![
                    PortSpec::new(
                        "results",
                        ANY,
                        "the section's metrics (any artifact with scores)",
                    )
                    .multiple(),
                ],
                outputs: vec![PortSpec::new(
                    "collection",
                    COLLECTION,
                    "every task's item and metrics, with mean and std",
                )],
                params: vec![],
            },
        }
    }
}

impl NodeKind for Collect {
    fn descriptor(&self) -> &KindDescriptor {
        &self.desc
    }

    fn run(
        &self,
        ctx: &mut StepContext<'_>,
        inputs: &Inputs,
        _params: &Params,
    ) -> Result<Outputs, StepError> {
        let origins = inputs.origins("results");
        let mut axes: Vec<String> = Vec::new();
        for o in origins {
            for k in o.item.keys() {
                if !axes.contains(k) {
                    axes.push(k.clone());
                }
            }
        }
        let mut rows: Vec<CollectedRow> = Vec::new();
        let mut goals: BTreeMap<String, Goal> = BTreeMap::new();
        for ((_, artifact), origin) in inputs
            .iter()
            .filter(|(port, _)| *port == "results")
            .zip(origins)
        {
            let Some(index) = origin.index else {
                return Err(StepError::msg(format!(
                    "input \"results\": step {:?} is not inside a foreach; Collect joins the \
                     tasks of a foreach section",
                    origin.step
                )));
            };
            let metrics = artifact.metrics();
            if metrics.is_empty() {
                return Err(StepError::msg(format!(
                    "input \"results\": the {} from step {:?} carries no metrics to collect",
                    artifact.type_name(),
                    origin.step
                )));
            }
            let mut values = BTreeMap::new();
            for m in metrics {
                goals.entry(m.name.clone()).or_insert(m.goal);
                values.insert(m.name, m.value);
            }
            // Two wires from one task (two metrics steps) share a row.
            match rows.iter_mut().find(|r| r.index == index) {
                Some(r) => r.metrics.extend(values),
                None => rows.push(CollectedRow {
                    index,
                    item: axes
                        .iter()
                        .map(|a| {
                            origin
                                .item
                                .get(a)
                                .cloned()
                                .unwrap_or(Value::Text(String::new()))
                        })
                        .collect(),
                    metrics: values,
                }),
            }
        }
        rows.sort_by_key(|r| r.index);
        // A log range spaces its values by a constant ratio.
        let log_axes = axes
            .iter()
            .enumerate()
            .map(|(i, _)| {
                let mut xs: Vec<f64> = rows.iter().filter_map(|r| r.item[i].as_f64()).collect();
                xs.sort_by(f64::total_cmp);
                xs.dedup();
                xs.len() >= 3
                    && xs[0] > 0.0
                    && xs.windows(3).all(|w| {
                        let (a, b) = (w[1] / w[0], w[2] / w[1]);
                        a > 1.5 && (a / b - 1.0).abs() < 1e-6
                    })
            })
            .collect();
        let failed: Vec<String> = inputs
            .missing()
            .iter()
            .map(|o| format!("{} ({})", o.describe(), o.step))
            .collect();
        let c = Collection {
            axes,
            log_axes,
            rows,
            goals,
            failed,
        };
        for name in c.metric_names() {
            if let Some((mean, std, n)) = c.mean_std(&name) {
                ctx.log(format!("{name}: mean {mean:.6} ± {std:.6} over {n} tasks"));
            }
        }
        Ok(Outputs::new().with("collection", c))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::artifacts::Table;
    use crate::testutil::*;

    #[test]
    fn start_sends_a_signal_and_end_summarises_what_arrives() {
        let dir = tempfile::tempdir().unwrap();
        let start = Start::new();
        let (out, log) = run_in(dir.path(), &start, &Inputs::default(), &params(&start, &[]));
        assert_eq!(output::<Signal>(&out.unwrap(), "start"), &Signal);
        assert_eq!(log, vec!["flow started"]);

        let end = End::new();
        let mut inputs = Inputs::default();
        inputs.push("results", Arc::new(Signal));
        inputs.push(
            "results",
            Arc::new(Table::new(polars::df!("x" => [1.0, 2.0]).unwrap())),
        );
        let (out, log) = run_in(dir.path(), &end, &inputs, &params(&end, &[]));
        assert_eq!(out.unwrap().iter().count(), 0);
        assert_eq!(
            log,
            vec![
                "signal: started",
                "table: 2 rows × 1 column",
                "flow finished with 2 result(s)"
            ]
        );
    }
}
