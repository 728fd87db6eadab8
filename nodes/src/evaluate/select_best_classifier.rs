//! `evaluate.select_best_classifier`: joins parallel classification branches and keeps
//! the best-scoring classifier (the ranking is `evaluate.select_best`'s).

use pipewright_engine::{
    Goal, Inputs, KindDescriptor, NodeKind, Outputs, ParamSpec, ParamType, Params, PortSpec,
    StepContext, StepError, Value,
};

use super::select_best::{Candidate, candidate_arc, select, with_winner};
use crate::artifacts::CLASSIFIER;
use crate::artifacts::class_metrics::{CLASS_METRICS, ClassMetrics};
use crate::error::{NodeError, Result};

/// The scores select_best_classifier can rank by.
const METRIC_NAMES: [&str; 8] = [
    "accuracy",
    "balanced_accuracy",
    "f1_macro",
    "f1_weighted",
    "precision_macro",
    "recall_macro",
    "roc_auc",
    "log_loss",
];

impl Candidate for ClassMetrics {
    fn source(&self) -> &str {
        &self.source
    }
    fn score(&self, metric: &str) -> Option<f64> {
        self.get(metric)
    }
    fn has_model(&self) -> bool {
        self.classifier.is_some()
    }
    fn goal(&self, metric: &str) -> Option<Goal> {
        self.goals.get(metric).copied()
    }
}

/// `evaluate.select_best_classifier`.
pub struct SelectBestClassifier {
    desc: KindDescriptor,
}

impl SelectBestClassifier {
    /// The kind.
    pub fn new() -> Self {
        Self {
            desc: KindDescriptor {
                id: "evaluate.select_best_classifier",
                version: 1,
                category: crate::category::EVALUATE,
                title: "Select best classifier",
                doc: "Joins parallel classification branches: ranks the classification \
                      metrics arriving from each by one score and passes on the best, with \
                      its classifier. Scores are best when largest, log loss when smallest \
                      (as the metrics step recorded); goal overrides that. Ties go to the \
                      first candidate (the branch with the lowest node id).",
                inputs: vec![
                    PortSpec::new(
                        "candidates",
                        CLASS_METRICS,
                        "classification metrics of each branch's classifier",
                    )
                    .multiple(),
                ],
                outputs: vec![
                    PortSpec::new("best", CLASS_METRICS, "the winner's metrics"),
                    PortSpec::new("classifier", CLASSIFIER, "the winner's classifier"),
                ],
                params: vec![
                    ParamSpec::new(
                        "metric",
                        ParamType::Choice(METRIC_NAMES.iter().map(|s| (*s).to_owned()).collect()),
                        Value::Text("f1_macro".into()),
                        "the score to rank by",
                    ),
                    ParamSpec::new(
                        "goal",
                        ParamType::Choice(vec!["auto".into(), "min".into(), "max".into()]),
                        Value::Text("auto".into()),
                        "whether smaller or larger is better (auto: the metric's own goal, \
                         as the metrics step recorded it: smaller for log loss, larger for \
                         the others)",
                    ),
                ],
            },
        }
    }
}

impl Default for SelectBestClassifier {
    fn default() -> Self {
        Self::new()
    }
}

impl NodeKind for SelectBestClassifier {
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
        let candidates = inputs.all::<ClassMetrics>("candidates")?;
        let origins = inputs.origins("candidates");
        let won = select(ctx, &candidates, origins, metric, params.text("goal")?)?;
        let classifier = candidates[won.0]
            .classifier
            .clone()
            .ok_or(NodeError::NoInputs { port: "candidates" })?;
        // The winner's metrics go on as the very same artifact (stored once).
        let best = candidate_arc(inputs, won.0)?;
        let outputs = Outputs::new()
            .with_arc("best", best)
            .with("classifier", classifier);
        Ok(with_winner(outputs, origins, won, metric))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::artifacts::Classifier;
    use crate::artifacts::classifier::tests::sample as classifier;
    use crate::evaluate::classification_metrics::GOALS;
    use crate::testutil::*;

    fn candidate(source: &str, f1_macro: f64, log_loss: f64) -> ClassMetrics {
        let mut c = classifier();
        c.algorithm = source.into();
        c.hyper.clear();
        ClassMetrics {
            values: [
                ("f1_macro".to_owned(), f1_macro),
                ("log_loss".to_owned(), log_loss),
            ]
            .into(),
            goals: GOALS.iter().map(|(k, g)| ((*k).to_owned(), *g)).collect(),
            per_class: vec![],
            confusion: Default::default(),
            roc: vec![],
            pr: vec![],
            classifier: Some(c),
            source: source.into(),
        }
    }

    //   logistic (f1 0.8, log loss 0.5) ─┐
    //   bayes    (f1 0.9, log loss 0.7) ─┼─▶ select_best_classifier
    //   tree     (f1 0.7, log loss 0.4) ─┘
    fn three() -> Inputs {
        let mut inputs = Inputs::default();
        for c in [
            candidate("logistic", 0.8, 0.5),
            candidate("bayes", 0.9, 0.7),
            candidate("tree", 0.7, 0.4),
        ] {
            inputs.push("candidates", Arc::new(c));
        }
        inputs
    }

    fn winner(metric: &str, goal: &str) -> (String, Vec<String>) {
        let kind = SelectBestClassifier::new();
        let p = params(
            &kind,
            &[
                ("metric", Value::Text(metric.into())),
                ("goal", Value::Text(goal.into())),
            ],
        );
        let (out, log) = run_in(std::path::Path::new("."), &kind, &three(), &p);
        let out = out.unwrap();
        let best = output::<ClassMetrics>(&out, "best").source.clone();
        assert_eq!(output::<Classifier>(&out, "classifier").algorithm, best);
        (best, log)
    }

    #[test]
    fn the_largest_f1_and_the_smallest_log_loss_win() {
        let (best, log) = winner("f1_macro", "auto");
        assert_eq!(best, "bayes");
        assert_eq!(log[0], "ranking by f1_macro (larger is better):");
        assert_eq!(log[1], "1. bayes: f1_macro = 0.9  ← best");
        assert_eq!(winner("log_loss", "auto").0, "tree");
        assert_eq!(winner("f1_macro", "min").0, "tree");
    }

    #[test]
    fn the_best_passes_through_as_the_same_artifact() {
        let kind = SelectBestClassifier::new();
        let inputs = three();
        let out = run(&kind, &inputs, &params(&kind, &[])).unwrap();
        let (_, best) = out.iter().find(|(p, _)| *p == "best").unwrap();
        let (_, second) = inputs.iter().nth(1).unwrap();
        assert!(Arc::ptr_eq(best, second));
    }

    #[test]
    fn a_candidate_without_the_score_or_classifier_is_named() {
        let kind = SelectBestClassifier::new();
        let p = params(&kind, &[("metric", Value::Text("roc_auc".into()))]);
        assert_eq!(
            failure(run(&kind, &three(), &p)),
            "candidate 1 (logistic) has no metric \"roc_auc\""
        );
        let mut bare = candidate("svm", 0.9, 0.1);
        bare.classifier = None;
        let mut inputs = Inputs::default();
        inputs.push("candidates", Arc::new(bare));
        assert_eq!(
            failure(run(&kind, &inputs, &params(&kind, &[]))),
            "candidate 1 (svm) carries no model"
        );
        assert_eq!(
            failure(run(&kind, &Inputs::default(), &params(&kind, &[]))),
            "input \"candidates\" received no artifacts"
        );
    }
}
