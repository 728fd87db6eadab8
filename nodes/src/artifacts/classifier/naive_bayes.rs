//! The fitted state of the naive Bayes classifiers (`train.multinomial_nb`,
//! `train.gaussian_nb`, fitted in `train/naive_bayes.rs`): what they learned, how it
//! scores rows and how it shows itself. It lives with the artifacts, below the steps
//! that fit it, so [`super::ClassifierState`] can hold it without the
//! artifact importing a step. (Its tests are with the fits, which import both
//! this module and the classifier.)
//!
//! Both score a row by its joint log-likelihood per class, `log P(class) + log
//! P(row | class)`, and turn those into probabilities with a log-sum-exp (so classes
//! millions of times less likely than the best still get a finite probability).

use pipewright_engine::{ArtifactView, CoefficientsView, Goal, MatrixView, Metric, ScalarsView};
use serde::{Deserialize, Serialize};

use crate::features::FeatureMatrix;

/// A fitted multinomial naive Bayes model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MultinomialNbState {
    /// `log P(class)`, one per class.
    pub class_log_prior: Vec<f64>,
    /// `log P(feature | class)`: `classes × features`.
    pub feature_log_prob: Vec<Vec<f64>>,
}

/// A fitted Gaussian naive Bayes model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GaussianNbState {
    /// `P(class)`, one per class.
    pub class_prior: Vec<f64>,
    /// Each class's feature means: `classes × features`.
    pub theta: Vec<Vec<f64>>,
    /// Each class's feature variances, smoothing included: `classes × features`.
    pub var: Vec<Vec<f64>>,
    /// The smoothing added to every variance.
    pub epsilon: f64,
}

/// Probabilities from joint log-likelihoods, in place: `exp(jll − logsumexp(jll))`.
fn normalise(jll: &mut ndarray::Array2<f64>) {
    for mut row in jll.rows_mut() {
        let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let lse = max + row.iter().map(|v| (v - max).exp()).sum::<f64>().ln();
        row.mapv_inplace(|v| (v - lse).exp());
    }
}

fn all_finite<'a>(values: impl IntoIterator<Item = &'a f64>) -> std::result::Result<(), String> {
    if values.into_iter().all(|v| v.is_finite()) {
        Ok(())
    } else {
        Err("a probability or statistic is not a finite number".into())
    }
}

/// A view of the class priors.
fn priors_view(classes: &[String], priors: impl Iterator<Item = f64>) -> ArtifactView {
    ArtifactView::Scalars(ScalarsView {
        title: "Class priors".into(),
        items: classes
            .iter()
            .zip(priors)
            .map(|(c, p)| Metric::new(c.clone(), p, Goal::Neutral))
            .collect(),
    })
}

impl MultinomialNbState {
    /// Class probabilities of each row of `x`.
    pub fn scores(&self, x: &FeatureMatrix) -> (ndarray::Array2<f64>, bool) {
        let k = self.class_log_prior.len();
        let mut jll = ndarray::Array2::zeros((x.n_rows(), k));
        for i in 0..x.n_rows() {
            for (c, flp) in self.feature_log_prob.iter().enumerate() {
                jll[[i, c]] = x.row_dot(i, flp) + self.class_log_prior[c];
            }
        }
        normalise(&mut jll);
        (jll, true)
    }

    /// Every number is finite.
    pub fn check_finite(&self) -> std::result::Result<(), String> {
        all_finite(
            self.class_log_prior
                .iter()
                .chain(self.feature_log_prob.iter().flatten()),
        )
    }

    /// The class priors, and each class's 15 most likely features.
    pub fn views(&self, classes: &[String], names: &[String]) -> Vec<ArtifactView> {
        let mut views = vec![priors_view(
            classes,
            self.class_log_prior.iter().map(|v| v.exp()),
        )];
        for (class, flp) in classes.iter().zip(&self.feature_log_prob) {
            let mut order: Vec<usize> = (0..flp.len()).collect();
            order.sort_by(|&a, &b| flp[b].total_cmp(&flp[a]).then(a.cmp(&b)));
            order.truncate(15);
            views.push(ArtifactView::Coefficients(CoefficientsView {
                title: format!(
                    "Most likely features for {class} (log-probability, top {} of {})",
                    order.len(),
                    flp.len()
                ),
                intercept: None,
                terms: order
                    .into_iter()
                    .map(|j| {
                        let name = names.get(j).cloned().unwrap_or_else(|| format!("x{j}"));
                        (name, flp[j])
                    })
                    .collect(),
            }));
        }
        views
    }
}

impl GaussianNbState {
    /// Class probabilities of each row of `x` (sparse rows read only their stored
    /// entries: the zeros' share of each class's sum is computed once).
    pub fn scores(&self, x: &FeatureMatrix) -> (ndarray::Array2<f64>, bool) {
        let k = self.class_prior.len();
        let n = x.n_rows();
        // −½·Σ log(2π·var) + log prior, per class; for sparse rows also Σ θ²/var,
        // each row's stored entries then replace their zero terms.
        let base: Vec<f64> = (0..k)
            .map(|c| {
                self.class_prior[c].ln()
                    - 0.5
                        * self.var[c]
                            .iter()
                            .map(|v| (2.0 * std::f64::consts::PI * v).ln())
                            .sum::<f64>()
            })
            .collect();
        let mut jll = ndarray::Array2::zeros((n, k));
        match x {
            FeatureMatrix::Dense(m) => {
                for i in 0..n {
                    let row = m.row(i);
                    for c in 0..k {
                        let q: f64 = row
                            .iter()
                            .zip(self.theta[c].iter().zip(&self.var[c]))
                            .map(|(x, (t, v))| (x - t).powi(2) / v)
                            .sum();
                        jll[[i, c]] = base[c] - 0.5 * q;
                    }
                }
            }
            FeatureMatrix::Sparse(m) => {
                let zeros: Vec<f64> = (0..k)
                    .map(|c| {
                        self.theta[c]
                            .iter()
                            .zip(&self.var[c])
                            .map(|(t, v)| t * t / v)
                            .sum()
                    })
                    .collect();
                for i in 0..n {
                    let (js, vs) = m.row(i);
                    for c in 0..k {
                        let mut q = zeros[c];
                        for (&j, &x) in js.iter().zip(vs) {
                            let (t, v) = (self.theta[c][j as usize], self.var[c][j as usize]);
                            q += ((x - t).powi(2) - t * t) / v;
                        }
                        jll[[i, c]] = base[c] - 0.5 * q;
                    }
                }
            }
        }
        normalise(&mut jll);
        (jll, true)
    }

    /// Every number is finite.
    pub fn check_finite(&self) -> std::result::Result<(), String> {
        all_finite(
            self.class_prior
                .iter()
                .chain(self.theta.iter().flatten())
                .chain(self.var.iter().flatten())
                .chain([&self.epsilon]),
        )
    }

    /// The class priors, and the class means when there are few features.
    pub fn views(&self, classes: &[String], names: &[String]) -> Vec<ArtifactView> {
        let mut views = vec![priors_view(classes, self.class_prior.iter().copied())];
        if names.len() <= 40 {
            views.push(ArtifactView::Matrix(MatrixView {
                title: "Class means".into(),
                row_axis: "class".into(),
                col_axis: "feature".into(),
                rows: classes.to_vec(),
                cols: names.to_vec(),
                cells: self.theta.clone(),
            }));
        }
        views
    }
}
