//! The `metrics` artifact: scores of a model on a table, with a bounded plot series.

use std::any::Any;
use std::collections::BTreeMap;
use std::sync::Arc;

use pipewright_engine::{
    Artifact, ArtifactArc, ArtifactError, ArtifactType, ArtifactView, Encoding, Goal, Metric,
    ScalarsView,
};
use serde::{Deserialize, Serialize};

use super::model::Model;
use crate::error::{decode_error, encode_error};

/// The port type (and artifact type name) of [`Metrics`].
pub const METRICS: &str = "metrics";

/// The metrics artifact type.
pub const METRICS_TYPE: ArtifactType = ArtifactType::new(METRICS, decode_metrics);

/// At most this many points are kept for plotting.
pub const MAX_PLOT_POINTS: usize = 10_000;

/// Scores of a model (`mse`, `rmse`, `mae`, `r2`, `n`, …), the model itself, and
/// points for an actual-vs-predicted and a residual plot.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// Named scores.
    pub values: BTreeMap<String, f64>,
    /// The model scored, when known.
    pub model: Option<Model>,
    /// What was scored: the model's algorithm and hyper-parameters.
    pub source: String,
    /// Points to plot.
    pub plot: Plot,
    /// Whether higher or lower is better, for each score that has a direction (the
    /// step that computed the scores says; the rest are neutral, like `n`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub goals: BTreeMap<String, Goal>,
}

/// Evenly spaced (actual, predicted) pairs and their residuals (actual − predicted),
/// at most [`MAX_PLOT_POINTS`] of them, and how many there were in all.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Plot {
    /// (actual, predicted) pairs.
    pub pairs: Vec<[f64; 2]>,
    /// actual − predicted for each pair.
    pub residuals: Vec<f64>,
    /// Number of points before subsampling.
    pub total: u64,
}

impl Plot {
    /// Every `total / max_points`-th point (evenly spread, first point included) of
    /// equally long series.
    pub fn subsample(actual: &[f64], predicted: &[f64], max_points: usize) -> Self {
        let total = actual.len().min(predicted.len());
        let k = total.min(max_points);
        let mut pairs = Vec::with_capacity(k);
        let mut residuals = Vec::with_capacity(k);
        for i in 0..k {
            // i·total/k < total for i < k; u128 keeps the product exact.
            let j = (i as u128 * total as u128 / k as u128) as usize;
            pairs.push([actual[j], predicted[j]]);
            residuals.push(actual[j] - predicted[j]);
        }
        Self {
            pairs,
            residuals,
            total: total as u64,
        }
    }
}

impl Metrics {
    /// The score named `name`.
    pub fn get(&self, name: &str) -> Option<f64> {
        self.values.get(name).copied()
    }

    fn check_finite(&self) -> Result<(), String> {
        if let Some((k, v)) = self.values.iter().find(|(_, v)| !v.is_finite()) {
            return Err(format!("metric {k:?} is {v}"));
        }
        if let Some(m) = &self.model {
            m.check_finite()?;
        }
        let finite = |x: &f64| x.is_finite();
        if !self.plot.pairs.iter().flatten().all(finite) || !self.plot.residuals.iter().all(finite)
        {
            return Err("a plot point is not a finite number".into());
        }
        Ok(())
    }
}

impl Artifact for Metrics {
    fn type_name(&self) -> &'static str {
        METRICS
    }

    fn encode(&self) -> Result<(Encoding, Vec<u8>), ArtifactError> {
        self.check_finite().map_err(|e| encode_error(METRICS, e))?;
        let bytes = serde_json::to_vec(self).map_err(|e| encode_error(METRICS, e))?;
        Ok((Encoding::Json, bytes))
    }

    fn summary(&self) -> String {
        let shown: Vec<String> = ["rmse", "mae", "r2"]
            .iter()
            .filter_map(|k| self.get(k).map(|v| format!("{k} {v:.4}")))
            .collect();
        let n = self
            .get("n")
            .map(|n| format!(" (n = {n})"))
            .unwrap_or_default();
        format!("{}{n} — {}", shown.join(", "), self.source)
    }

    fn views(&self, _max_rows: usize) -> Vec<ArtifactView> {
        let mut views = vec![ArtifactView::Scalars(ScalarsView {
            title: format!("Scores of {}", self.source),
            items: self.metrics(),
        })];
        if let Some(m) = &self.model {
            views.push(m.coefficients_view());
        }
        views.extend(super::views::fit_plots(
            self.plot.pairs.clone(),
            &self.plot.residuals,
            self.plot.total,
        ));
        views
    }

    fn metrics(&self) -> Vec<Metric> {
        self.values
            .iter()
            .map(|(k, v)| {
                Metric::new(
                    k.clone(),
                    *v,
                    self.goals.get(k).copied().unwrap_or_default(),
                )
            })
            .collect()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Decodes stored metrics.
pub fn decode_metrics(encoding: Encoding, bytes: &[u8]) -> Result<ArtifactArc, ArtifactError> {
    if encoding != Encoding::Json {
        return Err(decode_error(
            METRICS,
            format!("expected JSON, got {encoding:?}"),
        ));
    }
    let m: Metrics = serde_json::from_slice(bytes).map_err(|e| decode_error(METRICS, e))?;
    Ok(Arc::new(m))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::artifacts::model::tests::sample as model;

    fn sample() -> Metrics {
        let actual: Vec<f64> = (0..25_000).map(|i| i as f64).collect();
        let predicted: Vec<f64> = actual.iter().map(|a| a + 0.5).collect();
        Metrics {
            values: [("rmse".to_owned(), 0.5), ("n".to_owned(), 25_000.0)].into(),
            model: Some(model()),
            source: "ridge (alpha=0.1)".into(),
            plot: Plot::subsample(&actual, &predicted, MAX_PLOT_POINTS),
            goals: [("rmse".to_owned(), Goal::Minimize)].into(),
        }
    }

    #[test]
    fn plot_is_evenly_subsampled_and_keeps_the_total() {
        let m = sample();
        assert_eq!(m.plot.total, 25_000);
        assert_eq!(m.plot.pairs.len(), MAX_PLOT_POINTS);
        assert_eq!(m.plot.pairs[0], [0.0, 0.5]);
        assert_eq!(m.plot.pairs[1], [2.0, 2.5], "every 2.5th point");
        assert_eq!(m.plot.pairs[2], [5.0, 5.5]);
        assert!(m.plot.residuals.iter().all(|r| *r == -0.5));
        let small = Plot::subsample(&[1.0, 2.0], &[1.0, 3.0], MAX_PLOT_POINTS);
        assert_eq!(small.pairs, vec![[1.0, 1.0], [2.0, 3.0]]);
        assert_eq!(small.residuals, vec![0.0, -1.0]);
    }

    #[test]
    fn json_round_trip_is_exact_and_deterministic() {
        let m = sample();
        let (enc, bytes) = m.encode().unwrap();
        assert_eq!(bytes, m.encode().unwrap().1);
        let back = decode_metrics(enc, &bytes).unwrap();
        assert_eq!(
            pipewright_engine::downcast::<Metrics>(back.as_ref()).unwrap(),
            &m
        );
        let scores = back.metrics();
        let rmse = scores.iter().find(|m| m.name == "rmse").unwrap();
        assert_eq!((rmse.value, rmse.goal), (0.5, Goal::Minimize));
        let n = scores.iter().find(|m| m.name == "n").unwrap();
        assert_eq!(n.goal, Goal::Neutral);
    }

    #[test]
    fn summary_names_the_source() {
        assert_eq!(
            sample().summary(),
            "rmse 0.5000 (n = 25000) — ridge (alpha=0.1)"
        );
    }

    #[test]
    fn non_finite_metrics_refuse_to_encode() {
        let mut m = sample();
        m.values.insert("r2".into(), f64::NAN);
        assert!(
            m.encode()
                .unwrap_err()
                .to_string()
                .contains("\"r2\" is NaN")
        );
    }
}
