//! `evaluate.regression_metrics`: scores predictions against the actual values.

use std::collections::BTreeMap;

use pipewright_engine::{
    Goal, Inputs, KindDescriptor, NodeKind, Outputs, Params, PortSpec, StepContext, StepError,
};

use crate::artifacts::{MAX_PLOT_POINTS, METRICS, Metrics, PREDICTIONS, Plot, Predictions};
use crate::error::{NodeError, Result};
use crate::stats::{mean, sum};

/// `evaluate.regression_metrics`.
pub struct RegressionMetrics {
    desc: KindDescriptor,
}

impl RegressionMetrics {
    /// The kind.
    pub fn new() -> Self {
        Self {
            desc: KindDescriptor {
                id: "evaluate.regression_metrics",
                version: 1,
                category: crate::category::EVALUATE,
                title: "Regression metrics",
                doc: "Scores predictions against the actual values with scikit-learn's \
                      definitions: mean squared error (mse), its root (rmse), mean absolute \
                      error (mae), the coefficient of determination (r2: 1 is perfect, 0 is \
                      no better than predicting the mean) and the number of rows (n). Keeps \
                      up to 10,000 evenly spread points for the actual-vs-predicted and \
                      residual plots.",
                inputs: vec![PortSpec::new(
                    "predictions",
                    PREDICTIONS,
                    "predictions with actual values",
                )],
                outputs: vec![PortSpec::new(
                    "metrics",
                    METRICS,
                    "the scores and plot points",
                )],
                params: vec![],
            },
        }
    }
}

/// `mse`, `rmse`, `mae`, `r2` and `n` as scikit-learn defines them (`r2` of a
/// constant target is 1 for a perfect fit and 0 otherwise, like `force_finite`).
pub fn scores(actual: &[f64], predicted: &[f64]) -> BTreeMap<String, f64> {
    let n = actual.len() as f64;
    let errors = || actual.iter().zip(predicted).map(|(a, p)| a - p);
    let ss_res = sum(errors().map(|e| e * e));
    let mse = ss_res / n;
    let mae = sum(errors().map(f64::abs)) / n;
    let m = mean(actual);
    let ss_tot = sum(actual.iter().map(|a| (a - m) * (a - m)));
    let r2 = if ss_tot == 0.0 {
        if ss_res == 0.0 { 1.0 } else { 0.0 }
    } else {
        1.0 - ss_res / ss_tot
    };
    BTreeMap::from([
        ("mse".to_owned(), mse),
        ("rmse".to_owned(), mse.sqrt()),
        ("mae".to_owned(), mae),
        ("r2".to_owned(), r2),
        ("n".to_owned(), n),
    ])
}

/// Which way is better for each regression score (`n` has no direction).
const GOALS: [(&str, Goal); 4] = [
    ("mse", Goal::Minimize),
    ("rmse", Goal::Minimize),
    ("mae", Goal::Minimize),
    ("r2", Goal::Maximize),
];

/// Scores predictions; they must carry actual values, at least two, all finite.
pub fn evaluate(p: &Predictions) -> Result<Metrics> {
    let actual = p.actual().ok_or_else(|| NodeError::NoActual {
        target: p.model().target.clone(),
    })?;
    if p.len() < 2 {
        return Err(NodeError::TooFewPredictions { n: p.len() });
    }
    for (what, values) in [("actual", actual), ("predicted", p.predicted())] {
        if let Some(i) = values.iter().position(|v| !v.is_finite()) {
            return Err(NodeError::NonFinite {
                column: what.to_owned(),
                row: i + 1,
                value: values[i],
            });
        }
    }
    Ok(Metrics {
        values: scores(actual, p.predicted()),
        model: Some(p.model().clone()),
        source: p.model().describe(),
        plot: Plot::subsample(actual, p.predicted(), MAX_PLOT_POINTS),
        goals: GOALS.iter().map(|(k, g)| ((*k).to_owned(), *g)).collect(),
    })
}

impl NodeKind for RegressionMetrics {
    fn descriptor(&self) -> &KindDescriptor {
        &self.desc
    }

    fn run(
        &self,
        ctx: &mut StepContext<'_>,
        inputs: &Inputs,
        _params: &Params,
    ) -> Result<Outputs, StepError> {
        let predictions = inputs.get::<Predictions>("predictions")?;
        let metrics = evaluate(predictions)?;
        let v = &metrics.values;
        ctx.log(format!(
            "{}: mse {}, rmse {}, mae {}, r2 {} (n = {})",
            metrics.source, v["mse"], v["rmse"], v["mae"], v["r2"], v["n"]
        ));
        Ok(Outputs::new().with("metrics", metrics))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::artifacts::model::tests::sample as model;
    use crate::testutil::*;

    #[test]
    fn scores_by_hand() {
        // errors 0.5, -1, 0, 1.5: mse = (0.25 + 1 + 0 + 2.25) / 4 = 0.875, mae = 0.75;
        // mean(actual) = 2.5, ss_tot = 5, r2 = 1 − 3.5 / 5 = 0.3.
        let s = scores(&[1.0, 2.0, 3.0, 4.0], &[0.5, 3.0, 3.0, 2.5]);
        assert_eq!(s["mse"], 0.875);
        assert_eq!(s["rmse"], 0.875f64.sqrt());
        assert_eq!(s["mae"], 0.75);
        assert!((s["r2"] - 0.3).abs() < 1e-15);
        assert_eq!(s["n"], 4.0);
        assert_eq!(scores(&[2.0, 2.0], &[2.0, 2.0])["r2"], 1.0);
        assert_eq!(scores(&[2.0, 2.0], &[2.0, 3.0])["r2"], 0.0);
    }

    #[test]
    fn the_kind_keeps_the_model_and_plot() {
        let kind = RegressionMetrics::new();
        let p = Predictions::new(model(), vec![1.0, 2.0, 2.0], Some(vec![1.0, 2.0, 3.0])).unwrap();
        let mut inputs = Inputs::default();
        inputs.push("predictions", Arc::new(p));
        let (out, log) = run_in(
            std::path::Path::new("."),
            &kind,
            &inputs,
            &params(&kind, &[]),
        );
        let out = out.unwrap();
        let m = output::<Metrics>(&out, "metrics");
        assert_eq!(m.model.as_ref(), Some(&model()));
        assert_eq!(m.source, "ridge (alpha=0.1)");
        assert_eq!(m.plot.pairs, vec![[1.0, 1.0], [2.0, 2.0], [3.0, 2.0]]);
        assert_eq!(m.plot.residuals, vec![0.0, 0.0, 1.0]);
        assert!(
            log[0].starts_with("ridge (alpha=0.1): mse 0.333"),
            "{log:?}"
        );
    }

    #[test]
    fn predictions_without_actual_values_fail_clearly() {
        let p = Predictions::new(model(), vec![1.0, 2.0], None).unwrap();
        assert_eq!(
            evaluate(&p).unwrap_err().to_string(),
            "the predictions have no actual values: the table given to predict has no column \"y\""
        );
        let one = Predictions::new(model(), vec![1.0], Some(vec![1.0])).unwrap();
        assert_eq!(
            evaluate(&one).unwrap_err().to_string(),
            "need at least 2 predictions to compute metrics, got 1"
        );
        let nan = Predictions::new(model(), vec![1.0, 2.0], Some(vec![1.0, f64::NAN])).unwrap();
        assert_eq!(
            evaluate(&nan).unwrap_err().to_string(),
            "column \"actual\" has a value that is not a finite number: row 2 is NaN"
        );
    }
}
