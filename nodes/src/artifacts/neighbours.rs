//! The fitted state of `train.knn`: the training rows (dense or sparse) and their
//! classes, and the brute-force neighbour search that scores new rows (see
//! `train/knn.rs` for how it follows scikit-learn). It lives below the train step, as
//! every artifact type does, so a stored classifier predicts with this file alone.

use ndarray::Array2;
use pipewright_engine::{ArtifactView, Goal, Metric, ScalarsView};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::features::{Csr, FeatureMatrix};

/// How neighbours are weighted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KnnWeights {
    /// Every neighbour counts once.
    Uniform,
    /// A neighbour counts `1 / distance`.
    Distance,
}

/// How distance is measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KnnMetric {
    /// Straight-line distance.
    Euclidean,
    /// `1 − cosine similarity` (for text vectors).
    Cosine,
}

/// The training rows a k-NN model keeps.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "layout", rename_all = "snake_case")]
pub enum StoredRows {
    /// Row-major dense values.
    Dense {
        /// Columns per row.
        n_cols: usize,
        /// `n × n_cols` values.
        values: Vec<f64>,
    },
    /// Compressed sparse rows (see [`Csr`]).
    Sparse {
        /// Columns per row.
        n_cols: usize,
        /// Row starts.
        indptr: Vec<usize>,
        /// Column of each entry.
        indices: Vec<u32>,
        /// Value of each entry.
        data: Vec<f64>,
    },
}

impl StoredRows {
    /// Keeps the rows of `x`.
    pub fn new(x: &FeatureMatrix) -> Self {
        match x {
            FeatureMatrix::Dense(m) => StoredRows::Dense {
                n_cols: m.ncols(),
                values: m.iter().copied().collect(),
            },
            FeatureMatrix::Sparse(m) => StoredRows::Sparse {
                n_cols: m.n_cols,
                indptr: m.indptr.clone(),
                indices: m.indices.clone(),
                data: m.data.clone(),
            },
        }
    }

    /// The rows as a feature matrix.
    pub fn matrix(&self) -> FeatureMatrix {
        match self {
            StoredRows::Dense { n_cols, values } => FeatureMatrix::Dense(
                Array2::from_shape_vec((values.len() / n_cols.max(&1), *n_cols), values.clone())
                    .unwrap_or_else(|_| Array2::zeros((0, *n_cols))),
            ),
            StoredRows::Sparse {
                n_cols,
                indptr,
                indices,
                data,
            } => FeatureMatrix::Sparse(Csr {
                n_cols: *n_cols,
                indptr: indptr.clone(),
                indices: indices.clone(),
                data: data.clone(),
            }),
        }
    }

    fn values(&self) -> &[f64] {
        match self {
            StoredRows::Dense { values, .. } => values,
            StoredRows::Sparse { data, .. } => data,
        }
    }
}

/// A fitted k-NN model: the training rows and their classes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KnnState {
    /// Neighbours consulted.
    pub k: usize,
    /// How they are weighted.
    pub weights: KnnWeights,
    /// How distance is measured.
    pub metric: KnnMetric,
    /// Number of classes.
    pub n_classes: usize,
    /// Each training row's class.
    pub y: Vec<u32>,
    /// The training rows.
    pub rows: StoredRows,
}

/// A row as (column, value) pairs: every column of a dense row, the stored ones of a
/// sparse row.
fn row_entries(x: &FeatureMatrix, i: usize) -> Vec<(usize, f64)> {
    let mut out = Vec::new();
    x.for_each_in_row(i, |j, v| out.push((j, v)));
    out
}

impl KnnState {
    /// Class shares of each row's neighbours (probabilities).
    pub fn scores(&self, x: &FeatureMatrix) -> (Array2<f64>, bool) {
        let train = self.rows.matrix();
        let n_train = train.n_rows();
        let k = self.k.min(n_train);
        // The training rows as dense vectors when dense (fast dot products), and
        // their squared norms (euclidean) or their l2-normalised copies (cosine).
        let train_rows: Vec<Vec<(usize, f64)>> =
            (0..n_train).map(|i| row_entries(&train, i)).collect();
        let prepared: Vec<Vec<(usize, f64)>> = match self.metric {
            KnnMetric::Euclidean => train_rows,
            KnnMetric::Cosine => train_rows.into_iter().map(normalised).collect(),
        };
        let sq_norms: Vec<f64> = prepared
            .iter()
            .map(|r| r.iter().map(|(_, v)| v * v).sum())
            .collect();
        let width = x.n_cols().max(train.n_cols());
        let rows: Vec<Vec<f64>> = (0..x.n_rows())
            .into_par_iter()
            .map(|i| {
                let mut query = vec![0.0; width];
                let mut entries = row_entries(x, i);
                if self.metric == KnnMetric::Cosine {
                    entries = normalised(entries);
                }
                for &(j, v) in &entries {
                    query[j] = v;
                }
                let q_norm: f64 = entries.iter().map(|(_, v)| v * v).sum();
                // (ranking key, training row).
                let mut keyed: Vec<(f64, usize)> = prepared
                    .iter()
                    .enumerate()
                    .map(|(t, r)| {
                        let dot: f64 = r.iter().map(|&(j, v)| v * query[j]).sum();
                        let key = match self.metric {
                            KnnMetric::Euclidean => sq_norms[t] - 2.0 * dot,
                            KnnMetric::Cosine => (1.0 - dot).clamp(0.0, 2.0),
                        };
                        (key, t)
                    })
                    .collect();
                let order =
                    |a: &(f64, usize), b: &(f64, usize)| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1));
                if k < keyed.len() {
                    keyed.select_nth_unstable_by(k - 1, order);
                    keyed.truncate(k);
                }
                let distances: Vec<f64> = keyed
                    .iter()
                    .map(|&(key, _)| match self.metric {
                        KnnMetric::Euclidean => (key + q_norm).max(0.0).sqrt(),
                        KnnMetric::Cosine => key,
                    })
                    .collect();
                let any_zero = distances.contains(&0.0);
                let mut proba = vec![0.0; self.n_classes];
                for (&(_, t), &d) in keyed.iter().zip(&distances) {
                    let w = match self.weights {
                        KnnWeights::Uniform => 1.0,
                        KnnWeights::Distance if any_zero => f64::from(d == 0.0),
                        KnnWeights::Distance => 1.0 / d,
                    };
                    proba[self.y[t] as usize] += w;
                }
                let total: f64 = proba.iter().sum();
                let total = if total == 0.0 { 1.0 } else { total };
                proba.iter_mut().for_each(|p| *p /= total);
                proba
            })
            .collect();
        let mut out = Array2::zeros((x.n_rows(), self.n_classes));
        for (i, r) in rows.iter().enumerate() {
            for (c, v) in r.iter().enumerate() {
                out[[i, c]] = *v;
            }
        }
        (out, true)
    }

    /// Every stored value is finite.
    pub fn check_finite(&self) -> std::result::Result<(), String> {
        if self.rows.values().iter().any(|v| !v.is_finite()) {
            return Err("a stored training value is not a finite number".into());
        }
        Ok(())
    }

    /// Views: k, the stored rows.
    pub fn views(&self) -> Vec<ArtifactView> {
        vec![ArtifactView::Scalars(ScalarsView {
            title: "Neighbours".into(),
            items: vec![
                Metric::new("k", self.k as f64, Goal::Neutral),
                Metric::new("training rows kept", self.y.len() as f64, Goal::Neutral),
            ],
        })]
    }
}

/// `entries` divided by their l2 norm (a zero row stays zero, as scikit-learn's
/// `normalize`).
fn normalised(mut entries: Vec<(usize, f64)>) -> Vec<(usize, f64)> {
    let norm = entries.iter().map(|(_, v)| v * v).sum::<f64>().sqrt();
    if norm > 0.0 {
        entries.iter_mut().for_each(|(_, v)| *v /= norm);
    }
    entries
}
