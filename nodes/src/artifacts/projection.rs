//! The fitted state of `transform.pca`: the means and components that project rows,
//! applied by `transform.apply` without the fitting code. It lives below the step
//! that fits it, as every artifact type does.

use ndarray::Array2;
use pipewright_engine::{ArtifactView, CoefficientsView, Goal, Metric, ScalarsView};
use polars::prelude::*;
use serde::{Deserialize, Serialize};

use super::Table;
use crate::columns::{self, f64_series};
use crate::error::{NodeError, Result};

/// What a PCA fit learned.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PcaState {
    /// The input columns, in order.
    pub columns: Vec<String>,
    /// Their means on the fitted rows.
    pub mean: Vec<f64>,
    /// `n_components` rows of `columns.len()` weights.
    pub components: Vec<Vec<f64>>,
    /// Variance along each component (the covariance's eigenvalues).
    pub explained_variance: Vec<f64>,
    /// Its share of the total variance.
    pub explained_variance_ratio: Vec<f64>,
    /// Scores divided by `√explained_variance`.
    pub whiten: bool,
    /// Keep the input columns beside the components.
    pub keep: bool,
}

impl PcaState {
    /// The component scores of `df`'s rows (`n × n_components`).
    pub fn scores(&self, df: &DataFrame) -> Result<Array2<f64>> {
        let n = df.height();
        let mut x = Array2::zeros((n, self.columns.len()));
        for (j, c) in self.columns.iter().enumerate() {
            let values = columns::f64_values(df, c)?;
            for (i, v) in values.into_iter().enumerate() {
                if !v.is_finite() {
                    return Err(NodeError::NonFinite {
                        column: c.clone(),
                        row: i + 1,
                        value: v,
                    });
                }
                x[[i, j]] = v - self.mean[j];
            }
        }
        let mut out = Array2::zeros((n, self.components.len()));
        for (c, w) in self.components.iter().enumerate() {
            // scikit-learn clips the scale at machine epsilon.
            let scale = if self.whiten {
                self.explained_variance[c].sqrt().max(f64::EPSILON)
            } else {
                1.0
            };
            for i in 0..n {
                let dot: f64 = x.row(i).iter().zip(w).map(|(a, b)| a * b).sum();
                out[[i, c]] = dot / scale;
            }
        }
        Ok(out)
    }

    /// `table` plus `pc1 … pcN` (or only those when `keep` is off).
    pub fn apply(&self, table: &Table) -> Result<Table> {
        let scores = self.scores(table.df())?;
        let mut df = if self.keep {
            table.df().clone()
        } else {
            DataFrame::empty_with_height(table.rows())
        };
        for c in 0..scores.ncols() {
            df.with_column(f64_series(
                &format!("pc{}", c + 1),
                scores.column(c).to_vec(),
            ))
            .map_err(NodeError::polars("adding the component scores"))?;
        }
        Ok(table.derive(df))
    }

    /// Every stored number is finite.
    pub fn check_finite(&self) -> std::result::Result<(), String> {
        if self
            .mean
            .iter()
            .chain(self.components.iter().flatten())
            .chain(&self.explained_variance)
            .chain(&self.explained_variance_ratio)
            .any(|v| !v.is_finite())
        {
            return Err("a PCA mean, weight or variance is not a finite number".into());
        }
        Ok(())
    }

    /// One line.
    pub fn summary(&self) -> String {
        let total: f64 = self.explained_variance_ratio.iter().sum();
        format!(
            "PCA of {} column(s) to {} component(s) ({:.1}% of the variance)",
            self.columns.len(),
            self.components.len(),
            100.0 * total
        )
    }

    /// Views: the explained variance ratios and each component's weights.
    pub fn views(&self) -> Vec<ArtifactView> {
        let mut views = vec![ArtifactView::Scalars(ScalarsView {
            title: "Explained variance ratio".into(),
            items: self
                .explained_variance_ratio
                .iter()
                .enumerate()
                .map(|(c, r)| Metric::new(format!("pc{}", c + 1), *r, Goal::Neutral))
                .collect(),
        })];
        for (c, w) in self.components.iter().enumerate() {
            views.push(ArtifactView::Coefficients(CoefficientsView {
                title: format!("Component pc{}", c + 1),
                intercept: None,
                terms: self
                    .columns
                    .iter()
                    .cloned()
                    .zip(w.iter().copied())
                    .collect(),
            }));
        }
        views
    }
}
