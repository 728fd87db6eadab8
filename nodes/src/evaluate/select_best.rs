//! `evaluate.select_best`: joins parallel branches and keeps the best-scoring model.

use pipewright_engine::{
    Goal, Inputs, KindDescriptor, NodeKind, Outputs, ParamSpec, ParamType, Params, PortSpec,
    StepContext, StepError, Value,
};

use crate::artifacts::{METRICS, MODEL, Metrics};
use crate::error::{NodeError, Result};

/// The metrics select_best can rank by.
const METRIC_NAMES: [&str; 4] = ["mse", "rmse", "mae", "r2"];

/// `evaluate.select_best`.
pub struct SelectBest {
    desc: KindDescriptor,
}

impl SelectBest {
    /// The kind.
    pub fn new() -> Self {
        Self {
            desc: KindDescriptor {
                id: "evaluate.select_best",
                version: 1,
                category: crate::category::EVALUATE,
                title: "Select best",
                doc: "Joins parallel branches: ranks the metrics arriving from each by one \
                      score and passes on the best, with its model. Errors (mse, rmse, mae) \
                      are best when smallest, r2 when largest; goal overrides that. Ties go \
                      to the first candidate (the branch with the lowest node id).",
                inputs: vec![
                    PortSpec::new("candidates", METRICS, "metrics of each branch's model")
                        .multiple(),
                ],
                outputs: vec![
                    PortSpec::new("best", METRICS, "the winner's metrics"),
                    PortSpec::new("model", MODEL, "the winner's model"),
                ],
                params: vec![
                    ParamSpec::new(
                        "metric",
                        ParamType::Choice(METRIC_NAMES.iter().map(|s| (*s).to_owned()).collect()),
                        Value::Text("rmse".into()),
                        "the score to rank by",
                    ),
                    ParamSpec::new(
                        "goal",
                        ParamType::Choice(vec!["auto".into(), "min".into(), "max".into()]),
                        Value::Text("auto".into()),
                        "whether smaller or larger is better (auto: the metric's own goal, \
                         as the metrics step recorded it: larger for r2, smaller for errors)",
                    ),
                ],
            },
        }
    }
}

/// Whether larger values are better under the `goal` parameter (`auto`, `min`, `max`);
/// `auto` follows the goal the candidates' metrics carry (smaller when they carry none).
pub fn maximise(goal: &str, recorded: Goal) -> bool {
    match goal {
        "max" => true,
        "min" => false,
        _ => recorded == Goal::Maximize,
    }
}

/// What the ranking needs of a candidate: its label, a score by name, and whether it
/// carries the model to pass on. Implemented by [`Metrics`] (regression) and by
/// [`crate::artifacts::class_metrics::ClassMetrics`], so both select-best steps rank
/// with one rule.
pub trait Candidate {
    /// The candidate's label in messages and logs (its model and hyper-parameters).
    fn source(&self) -> &str;
    /// The score named `metric`, if it has it.
    fn score(&self, metric: &str) -> Option<f64>;
    /// Whether it carries its model.
    fn has_model(&self) -> bool;
    /// The goal its producer recorded for `metric`, if any.
    fn goal(&self, metric: &str) -> Option<Goal>;
}

impl Candidate for Metrics {
    fn source(&self) -> &str {
        &self.source
    }
    fn score(&self, metric: &str) -> Option<f64> {
        self.get(metric)
    }
    fn has_model(&self) -> bool {
        self.model.is_some()
    }
    fn goal(&self, metric: &str) -> Option<Goal> {
        self.goals.get(metric).copied()
    }
}

/// The goal the candidates recorded for `metric` (the first that did; neutral when
/// none did).
pub fn recorded_goal<C: Candidate>(candidates: &[&C], metric: &str) -> Goal {
    candidates
        .iter()
        .find_map(|c| c.goal(metric))
        .unwrap_or_default()
}

/// The candidates' positions from best to worst (stable: ties keep input order) and
/// their scores; fails on a candidate without the metric or the model.
pub fn rank<C: Candidate>(
    candidates: &[&C],
    metric: &str,
    maximise: bool,
) -> Result<Vec<(usize, f64)>> {
    if candidates.is_empty() {
        return Err(NodeError::NoInputs { port: "candidates" });
    }
    let mut scored = Vec::with_capacity(candidates.len());
    for (i, m) in candidates.iter().enumerate() {
        let problem = |problem: String| NodeError::Candidate {
            index: i + 1,
            source_label: m.source().to_owned(),
            problem,
        };
        let value = m
            .score(metric)
            .ok_or_else(|| problem(format!("has no metric {metric:?}")))?;
        if value.is_nan() {
            return Err(problem(format!("has {metric} = NaN")));
        }
        if !m.has_model() {
            return Err(problem("carries no model".into()));
        }
        scored.push((i, value));
    }
    scored.sort_by(|a, b| {
        let order = a.1.total_cmp(&b.1);
        if maximise { order.reverse() } else { order }
    });
    Ok(scored)
}

/// Ranks `candidates` by `metric` under the `goal` parameter, logs the ranking, and
/// returns the winner's position.
///
/// Inside a foreach's join, `origins` (from [`Inputs::origins`]) name each candidate's
/// item, so the ranking says which item is which and which one won.
pub fn select<C: Candidate>(
    ctx: &mut StepContext<'_>,
    candidates: &[&C],
    origins: &[pipewright_engine::Origin],
    metric: &str,
    goal: &str,
) -> Result<(usize, f64)> {
    let maximise = maximise(goal, recorded_goal(candidates, metric));
    let ranking = rank(candidates, metric, maximise)?;
    ctx.log(format!(
        "ranking by {metric} ({} is better):",
        if maximise { "larger" } else { "smaller" }
    ));
    let item = |i: usize| {
        origins
            .get(i)
            .filter(|o| o.index.is_some())
            .map(|o| {
                format!(
                    " [{}, task {}/{}]",
                    o.describe(),
                    o.step,
                    o.index.unwrap_or(0)
                )
            })
            .unwrap_or_default()
    };
    for (place, (i, value)) in ranking.iter().enumerate() {
        ctx.log(format!(
            "{}. {}{}: {metric} = {value}{}",
            place + 1,
            candidates[*i].source(),
            item(*i),
            if place == 0 { "  ← best" } else { "" }
        ));
    }
    let best = ranking[0].0;
    if let Some(o) = origins.get(best).filter(|o| o.index.is_some()) {
        ctx.log(format!(
            "best item: {} ({metric} = {})",
            o.describe(),
            ranking[0].1
        ));
    }
    Ok((best, ranking[0].1))
}

/// `outputs` with the winning item recorded (when the candidates are a foreach's
/// tasks), so the run's record names it and a foreach keeping only the best item's
/// outputs knows which.
pub fn with_winner(
    outputs: Outputs,
    origins: &[pipewright_engine::Origin],
    (winner, value): (usize, f64),
    metric: &str,
) -> Outputs {
    match origins.get(winner) {
        Some(o) => outputs.with_chosen(o, metric, value),
        None => outputs,
    }
}

/// The `index`-th artifact on the `candidates` port, shared (the winner passes on as
/// the very same artifact, stored once).
pub fn candidate_arc(inputs: &Inputs, index: usize) -> Result<pipewright_engine::ArtifactArc> {
    inputs
        .iter()
        .filter(|(port, _)| *port == "candidates")
        .nth(index)
        .map(|(_, a)| a.clone())
        .ok_or(NodeError::NoInputs { port: "candidates" })
}

impl NodeKind for SelectBest {
    fn descriptor(&self) -> &KindDescriptor {
        &self.desc
    }

    fn run(
        &self,
        ctx: &mut StepContext<'_>,
        inputs: &Inputs,
        params: &Params,
    ) -> Result<Outputs, StepError> {
        let metric = params.text("metric")?;
        let candidates = inputs.all::<Metrics>("candidates")?;
        let origins = inputs.origins("candidates");
        let won = select(ctx, &candidates, origins, metric, params.text("goal")?)?;
        let model = candidates[won.0]
            .model
            .clone()
            .ok_or(NodeError::NoInputs { port: "candidates" })?;
        let best = candidate_arc(inputs, won.0)?;
        // The winner's metrics go on as the very same artifact (stored once).
        let outputs = Outputs::new().with_arc("best", best).with("model", model);
        Ok(with_winner(outputs, origins, won, metric))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::Arc;

    use super::*;
    use crate::artifacts::Model;
    use crate::artifacts::model::tests::sample as model;
    use crate::testutil::*;

    fn candidate(source: &str, rmse: f64, r2: f64) -> Metrics {
        let mut m = model();
        m.algorithm = source.into();
        m.hyper = BTreeMap::new();
        Metrics {
            values: [("rmse".to_owned(), rmse), ("r2".to_owned(), r2)].into(),
            model: Some(m),
            source: source.into(),
            plot: Default::default(),
            goals: [
                ("rmse".to_owned(), Goal::Minimize),
                ("r2".to_owned(), Goal::Maximize),
            ]
            .into(),
        }
    }

    //   a (rmse 2, r2 0.8) ─┐
    //   b (rmse 1, r2 0.7) ─┼─▶ select_best
    //   c (rmse 3, r2 0.9) ─┘
    fn three() -> Inputs {
        let mut inputs = Inputs::default();
        for c in [
            candidate("a", 2.0, 0.8),
            candidate("b", 1.0, 0.7),
            candidate("c", 3.0, 0.9),
        ] {
            inputs.push("candidates", Arc::new(c));
        }
        inputs
    }

    fn winner(metric: &str, goal: &str) -> (String, Vec<String>) {
        let kind = SelectBest::new();
        let p = params(
            &kind,
            &[
                ("metric", Value::Text(metric.into())),
                ("goal", Value::Text(goal.into())),
            ],
        );
        let (out, log) = run_in(std::path::Path::new("."), &kind, &three(), &p);
        let out = out.unwrap();
        let best = output::<Metrics>(&out, "best").source.clone();
        assert_eq!(
            output::<Model>(&out, "model").algorithm,
            best,
            "the winner's model"
        );
        (best, log)
    }

    #[test]
    fn smallest_error_wins_by_default() {
        let (best, log) = winner("rmse", "auto");
        assert_eq!(best, "b");
        assert_eq!(
            log,
            vec![
                "ranking by rmse (smaller is better):",
                "1. b: rmse = 1  ← best",
                "2. a: rmse = 2",
                "3. c: rmse = 3"
            ]
        );
    }

    #[test]
    fn largest_r2_wins_and_goal_overrides() {
        assert_eq!(winner("r2", "auto").0, "c");
        assert_eq!(winner("r2", "min").0, "b");
        assert_eq!(winner("rmse", "max").0, "c");
    }

    #[test]
    fn the_best_metrics_pass_through_as_the_same_artifact() {
        let kind = SelectBest::new();
        let inputs = three();
        let out = run(&kind, &inputs, &params(&kind, &[])).unwrap();
        let (_, best) = out.iter().find(|(p, _)| *p == "best").unwrap();
        let (_, second) = inputs.iter().nth(1).unwrap();
        assert!(Arc::ptr_eq(best, second));
    }

    #[test]
    fn ties_go_to_the_first_candidate() {
        let (a, b) = (candidate("a", 1.0, 0.5), candidate("b", 1.0, 0.5));
        assert_eq!(rank(&[&a, &b], "rmse", false).unwrap()[0].0, 0);
        assert_eq!(rank(&[&a, &b], "r2", true).unwrap()[0].0, 0);
    }

    #[test]
    fn a_candidate_without_the_metric_or_model_is_named() {
        let kind = SelectBest::new();
        let p = params(&kind, &[("metric", Value::Text("mae".into()))]);
        assert_eq!(
            failure(run(&kind, &three(), &p)),
            "candidate 1 (a) has no metric \"mae\""
        );
        let mut no_model = candidate("b", 1.0, 0.5);
        no_model.model = None;
        let a = candidate("a", 1.0, 0.5);
        assert_eq!(
            rank(&[&a, &no_model], "rmse", false)
                .unwrap_err()
                .to_string(),
            "candidate 2 (b) carries no model"
        );
        assert_eq!(
            failure(run(&kind, &Inputs::default(), &params(&kind, &[]))),
            "input \"candidates\" received no artifacts"
        );
    }
}
