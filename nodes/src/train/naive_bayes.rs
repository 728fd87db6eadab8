//! `train.multinomial_nb` and `train.gaussian_nb`: scikit-learn's `MultinomialNB`
//! and `GaussianNB`.
//!
//! Both score a row by its joint log-likelihood per class, `log P(class) + log
//! P(row | class)`, and turn those into probabilities with a log-sum-exp (so classes
//! millions of times less likely than the best still get a finite probability).
//!
//! Written here rather than with linfa-bayes: it fits dense ndarray matrices only,
//! and the multinomial model is the one for TF-IDF and counts, which are sparse (a
//! dense copy of 100,000 sentences × the vocabulary is what the design rules out).
//! Both fits are one pass of sums over the stored entries, a few dozen lines each.

use std::collections::BTreeMap;

use pipewright_engine::{
    ArtifactView, CoefficientsView, Goal, Inputs, KindDescriptor, MatrixView, Metric, NodeKind,
    Outputs, ParamSpec, ParamType, Params, ScalarsView, StepContext, StepError, Value,
};
use serde::{Deserialize, Serialize};

use super::classify::{self, FitData};
use super::feature_checks;
use crate::artifacts::Classifier;
use crate::artifacts::classifier::ClassifierState;
use crate::error::{NodeError, Result};
use crate::features::FeatureMatrix;

/// The multinomial model's name in classifiers and messages.
pub const MULTINOMIAL: &str = "multinomial_nb";
/// The Gaussian model's name in classifiers and messages.
pub const GAUSSIAN: &str = "gaussian_nb";

/// `train.multinomial_nb`.
pub struct MultinomialNb {
    desc: KindDescriptor,
}

/// `train.gaussian_nb`.
pub struct GaussianNb {
    desc: KindDescriptor,
}

impl MultinomialNb {
    /// The kind.
    pub fn new() -> Self {
        Self {
            desc: classify::descriptor(
                "train.multinomial_nb",
                "Naive Bayes (multinomial)",
                "Naive Bayes for counts and frequencies (bag of words, TF-IDF), \
                 scikit-learn's MultinomialNB: each class's probability of each feature is \
                 its smoothed share of the class's feature totals, (count + alpha) / (total \
                 + alpha·features), and a row's class probabilities follow from Bayes' rule. \
                 Features must not be negative (do not standard-scale them). Fast, and \
                 works on sparse features as they are.",
                vec![
                    ParamSpec::new(
                        "alpha",
                        ParamType::Float {
                            min: Some(0.0),
                            max: None,
                        },
                        Value::Float(1.0),
                        "additive (Laplace/Lidstone) smoothing added to every feature count; \
                         greater than 0",
                    )
                    .open_range(),
                    ParamSpec::new(
                        "fit_prior",
                        ParamType::Bool,
                        Value::Bool(true),
                        "learn the class priors from the class shares of the training rows \
                         (otherwise every class is equally likely a priori)",
                    ),
                ],
            ),
        }
    }
}

impl GaussianNb {
    /// The kind.
    pub fn new() -> Self {
        Self {
            desc: classify::descriptor(
                "train.gaussian_nb",
                "Naive Bayes (Gaussian)",
                "Naive Bayes for continuous features, scikit-learn's GaussianNB: each \
                 feature is normal within each class, with the class's mean and variance \
                 (plus var_smoothing × the largest feature variance, for stability); class \
                 priors are the class shares of the training rows.",
                vec![ParamSpec::new(
                    "var_smoothing",
                    ParamType::Float {
                        min: Some(0.0),
                        max: None,
                    },
                    Value::Float(1e-9),
                    "share of the largest feature variance added to every variance",
                )],
            ),
        }
    }
}

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

/// Fits multinomial naive Bayes: per class, the feature totals plus `alpha`, as
/// log-shares of their sum.
pub fn fit_multinomial(data: &FitData, alpha: f64, fit_prior: bool) -> Result<Classifier> {
    if !(alpha > 0.0 && alpha.is_finite()) {
        return Err(NodeError::Param {
            param: "alpha",
            message: format!("is {alpha}; it must be greater than 0"),
        });
    }
    feature_checks::finite(&data.x, &data.spec)?;
    feature_checks::non_negative(&data.x, &data.spec, "multinomial naive Bayes")?;
    let k = data.labels.classes.len();
    let p = data.x.n_cols();
    let mut count = vec![vec![0.0; p]; k];
    for (i, &c) in data.labels.y.iter().enumerate() {
        let row = &mut count[c];
        data.x.for_each_in_row(i, |j, v| row[j] += v);
    }
    let feature_log_prob = count
        .into_iter()
        .map(|mut row| {
            row.iter_mut().for_each(|v| *v += alpha);
            let total: f64 = row.iter().sum::<f64>().ln();
            row.iter_mut().for_each(|v| *v = v.ln() - total);
            row
        })
        .collect();
    let class_log_prior = if fit_prior {
        let n = (data.rows() as f64).ln();
        data.labels
            .counts()
            .into_iter()
            .map(|c| (c as f64).ln() - n)
            .collect()
    } else {
        vec![-(k as f64).ln(); k]
    };
    Ok(Classifier {
        algorithm: MULTINOMIAL.into(),
        features: data.spec.clone(),
        target: data.target.clone(),
        classes: data.labels.classes.clone(),
        hyper: BTreeMap::from([
            ("alpha".to_owned(), alpha),
            ("fit_prior".to_owned(), f64::from(u8::from(fit_prior))),
        ]),
        state: ClassifierState::MultinomialNb(MultinomialNbState {
            class_log_prior,
            feature_log_prob,
        }),
    })
}

/// Fits Gaussian naive Bayes: per class, each feature's mean and population variance
/// (two passes, as scikit-learn's), plus `var_smoothing` × the largest variance of a
/// feature over all rows.
pub fn fit_gaussian(data: &FitData, var_smoothing: f64) -> Result<Classifier> {
    if !(var_smoothing >= 0.0 && var_smoothing.is_finite()) {
        return Err(NodeError::Param {
            param: "var_smoothing",
            message: format!("is {var_smoothing}; it must be 0 or more"),
        });
    }
    feature_checks::finite(&data.x, &data.spec)?;
    let k = data.labels.classes.len();
    let p = data.x.n_cols();
    let y = &data.labels.y;
    let counts = data.labels.counts();
    // Sums over stored entries; a sparse row's missing entries are zeros, counted by
    // `stored` so their (0 − mean)² terms can be added without visiting them.
    let mut sum = vec![vec![0.0; p]; k + 1];
    let mut stored = vec![vec![0usize; p]; k + 1];
    for (i, &c) in y.iter().enumerate() {
        data.x.for_each_in_row(i, |j, v| {
            sum[c][j] += v;
            stored[c][j] += 1;
            sum[k][j] += v;
            stored[k][j] += 1;
        });
    }
    let sizes: Vec<f64> = counts
        .iter()
        .map(|&c| c as f64)
        .chain([data.rows() as f64])
        .collect();
    let mean: Vec<Vec<f64>> = sum
        .iter()
        .zip(&sizes)
        .map(|(s, n)| s.iter().map(|v| v / n).collect())
        .collect();
    let mut square = vec![vec![0.0; p]; k + 1];
    for (i, &c) in y.iter().enumerate() {
        data.x.for_each_in_row(i, |j, v| {
            square[c][j] += (v - mean[c][j]).powi(2);
            square[k][j] += (v - mean[k][j]).powi(2);
        });
    }
    let var: Vec<Vec<f64>> = (0..=k)
        .map(|c| {
            (0..p)
                .map(|j| {
                    let zeros = sizes[c] - stored[c][j] as f64;
                    (square[c][j] + zeros * mean[c][j] * mean[c][j]) / sizes[c]
                })
                .collect()
        })
        .collect();
    let epsilon = var_smoothing * var[k].iter().copied().fold(0.0, f64::max);
    let var: Vec<Vec<f64>> = var[..k]
        .iter()
        .map(|row| row.iter().map(|v| v + epsilon).collect())
        .collect();
    if let Some((c, j)) = (0..k).find_map(|c| var[c].iter().position(|v| *v <= 0.0).map(|j| (c, j)))
    {
        let (column, element) = feature_checks::origin(&data.spec, j);
        return Err(NodeError::Fit {
            algorithm: GAUSSIAN.into(),
            message: format!(
                "feature {} is constant within class {:?} and var_smoothing adds nothing (every \
                 feature is constant); raise var_smoothing or drop the constant columns",
                element.unwrap_or(column),
                data.labels.classes[c]
            ),
        });
    }
    let n = data.rows() as f64;
    Ok(Classifier {
        algorithm: GAUSSIAN.into(),
        features: data.spec.clone(),
        target: data.target.clone(),
        classes: data.labels.classes.clone(),
        hyper: BTreeMap::from([("var_smoothing".to_owned(), var_smoothing)]),
        state: ClassifierState::GaussianNb(GaussianNbState {
            class_prior: counts.iter().map(|&c| c as f64 / n).collect(),
            theta: mean[..k].to_vec(),
            var,
            epsilon,
        }),
    })
}

impl NodeKind for MultinomialNb {
    fn descriptor(&self) -> &KindDescriptor {
        &self.desc
    }

    fn run(
        &self,
        ctx: &mut StepContext<'_>,
        inputs: &Inputs,
        params: &Params,
    ) -> Result<Outputs, StepError> {
        let data = FitData::read(inputs, params)?;
        ctx.check_cancelled()?;
        let classifier = fit_multinomial(&data, params.float("alpha")?, params.bool("fit_prior")?)?;
        Ok(classify::finish(ctx, classifier, data.rows())?)
    }
}

impl NodeKind for GaussianNb {
    fn descriptor(&self) -> &KindDescriptor {
        &self.desc
    }

    fn run(
        &self,
        ctx: &mut StepContext<'_>,
        inputs: &Inputs,
        params: &Params,
    ) -> Result<Outputs, StepError> {
        let data = FitData::read(inputs, params)?;
        ctx.check_cancelled()?;
        let classifier = fit_gaussian(&data, params.float("var_smoothing")?)?;
        Ok(classify::finish(ctx, classifier, data.rows())?)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use polars::prelude::*;

    use super::*;
    use crate::artifacts::Table;
    use crate::features::{Csr, with_vector_column};
    use crate::testutil::*;

    fn words() -> Table {
        let df = df!("y" => ["up", "up", "down", "down"]).unwrap();
        let mut m = Csr::new(3);
        m.push_row([(0, 2.0), (2, 1.0)]);
        m.push_row([(0, 1.0)]);
        m.push_row([(1, 3.0)]);
        m.push_row([(1, 1.0), (2, 1.0)]);
        let terms = Arc::new(vec!["rise".into(), "fall".into(), "the".into()]);
        with_vector_column(&Table::new(df), "bow", &m, terms).unwrap()
    }

    #[test]
    fn multinomial_probabilities_follow_the_smoothed_counts() {
        let data = FitData::from_table(&words(), "y", "").unwrap();
        let c = fit_multinomial(&data, 1.0, true).unwrap();
        let ClassifierState::MultinomialNb(s) = &c.state else {
            panic!()
        };
        // Class "up" (index 1): counts rise 3, fall 0, the 1 → (4, 1, 2) / 7.
        let want = [4.0f64 / 7.0, 1.0 / 7.0, 2.0 / 7.0].map(f64::ln);
        for (a, b) in s.feature_log_prob[1].iter().zip(want) {
            assert!((a - b).abs() < 1e-15);
        }
        // A row "rise": P(up) ∝ ½·4/7, P(down) ∝ ½·1/7 (down: (1, 5, 2) / 8).
        let x = FeatureMatrix::Dense(ndarray::array![[1.0, 0.0, 0.0]]);
        let scores = c.scores(&x);
        let (up, down) = (4.0 / 7.0, 1.0 / 8.0);
        assert!((scores.scores[[0, 1]] - up / (up + down)).abs() < 1e-15);
        assert_eq!(c.classes, ["down", "up"]);
        let views = s.views(&c.classes, &c.features.names);
        assert_eq!(views.len(), 3);
        let ArtifactView::Coefficients(top) = &views[2] else {
            panic!()
        };
        assert_eq!(top.terms[0].0, "bow:rise");
    }

    #[test]
    fn gaussian_statistics_match_their_definitions_dense_and_sparse() {
        let df = df!(
            "a" => [1.0, 3.0, 0.0, 10.0, 12.0, 0.0],
            "y" => ["p", "p", "p", "q", "q", "q"],
        )
        .unwrap();
        let data = FitData::from_table(&Table::new(df), "y", "").unwrap();
        let c = fit_gaussian(&data, 1e-9).unwrap();
        let ClassifierState::GaussianNb(s) = &c.state else {
            panic!()
        };
        assert!((s.theta[0][0] - 4.0 / 3.0).abs() < 1e-15);
        let var_p =
            ((1.0f64 - 4.0 / 3.0).powi(2) + (3.0f64 - 4.0 / 3.0).powi(2) + (4.0f64 / 3.0).powi(2))
                / 3.0;
        let all = [1.0, 3.0, 0.0, 10.0, 12.0, 0.0];
        let m = all.iter().sum::<f64>() / 6.0;
        let var_all = all.iter().map(|v| (v - m).powi(2)).sum::<f64>() / 6.0;
        assert!((s.epsilon - 1e-9 * var_all).abs() < 1e-20);
        assert!((s.var[0][0] - var_p - s.epsilon).abs() < 1e-14);
        // The same numbers as a sparse vector column (zeros not stored).
        let mut csr = Csr::new(1);
        for v in all {
            if v == 0.0 {
                csr.push_row([]);
            } else {
                csr.push_row([(0, v)]);
            }
        }
        let t = with_vector_column(
            &Table::new(df!("y" => ["p", "p", "p", "q", "q", "q"]).unwrap()),
            "v",
            &csr,
            Arc::new(vec!["a".into()]),
        )
        .unwrap();
        let sparse = FitData::from_table(&t, "y", "").unwrap();
        let cs = fit_gaussian(&sparse, 1e-9).unwrap();
        let ClassifierState::GaussianNb(ss) = &cs.state else {
            panic!()
        };
        assert!((ss.var[0][0] - s.var[0][0]).abs() < 1e-14);
        let (pd, _) = s.scores(&data.x);
        let (ps, _) = ss.scores(&sparse.x);
        for (a, b) in pd.iter().zip(ps.iter()) {
            assert!((a - b).abs() < 1e-12, "{a} vs {b}");
        }
    }

    #[test]
    fn bad_inputs_are_named() {
        let kind = MultinomialNb::new();
        let inputs = |t: Table| {
            let mut i = Inputs::default();
            i.push("train", Arc::new(t));
            i
        };
        let p = params(&kind, &[("target", Value::Text("y".into()))]);
        let neg = Table::new(df!("a" => [1.0, -0.5], "y" => ["k", "l"]).unwrap());
        let err = run(&kind, &inputs(neg), &p).unwrap_err().to_string();
        assert!(
            err.starts_with("column \"a\" has the negative value -0.5 in row 2"),
            "{err}"
        );
        let zero = params(
            &kind,
            &[
                ("target", Value::Text("y".into())),
                ("alpha", Value::Float(0.0)),
            ],
        );
        let err = run(&kind, &inputs(words()), &zero).unwrap_err().to_string();
        assert!(err.contains("parameter \"alpha\": is 0"), "{err}");
        let one = Table::new(df!("a" => [1.0], "y" => ["k"]).unwrap());
        let err = run(&kind, &inputs(one), &p).unwrap_err().to_string();
        assert!(err.contains("one class only"), "{err}");

        let kind = GaussianNb::new();
        let p = params(&kind, &[("target", Value::Text("y".into()))]);
        let text = Table::new(df!("a" => ["x", "z"], "y" => ["k", "l"]).unwrap());
        let p_text = params(
            &kind,
            &[
                ("target", Value::Text("y".into())),
                ("features", Value::Text("a".into())),
            ],
        );
        let err = run(&kind, &inputs(text), &p_text).unwrap_err().to_string();
        assert!(err.contains("\"a\""), "{err}");
        let nan = Table::new(df!("a" => [1.0, f64::NAN], "y" => ["k", "l"]).unwrap());
        let err = run(&kind, &inputs(nan), &p).unwrap_err().to_string();
        assert!(err.contains("column \"a\" has NaN in row 2"), "{err}");
        let constant = Table::new(df!("a" => [1.0, 1.0], "y" => ["k", "l"]).unwrap());
        let err = run(&kind, &inputs(constant), &p).unwrap_err().to_string();
        assert!(err.contains("constant within class"), "{err}");
        let empty = Table::new(df!("a" => Vec::<f64>::new(), "y" => Vec::<&str>::new()).unwrap());
        let err = run(&kind, &inputs(empty), &p).unwrap_err().to_string();
        assert!(err.contains("has no rows"), "{err}");
    }
}
