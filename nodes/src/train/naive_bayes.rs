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
//! What they fit, and how it scores rows, is in [`crate::artifacts::classifier::naive_bayes`].

use std::collections::BTreeMap;

use pipewright_engine::{
    Inputs, KindDescriptor, NodeKind, Outputs, ParamSpec, ParamType, Params, StepContext,
    StepError, Value,
};

use super::classify::{self, FitData};
use super::feature_checks;
use crate::artifacts::Classifier;
use crate::artifacts::classifier::ClassifierState;
use crate::artifacts::classifier::naive_bayes::{GaussianNbState, MultinomialNbState};
use crate::error::{NodeError, Result};

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

    use pipewright_engine::{Artifact, ArtifactView};

    use super::*;
    use crate::artifacts::Table;
    use crate::artifacts::classifier::decode_classifier;
    use crate::artifacts::classifier::tests::sample;
    use crate::features::{Csr, FeatureMatrix, with_vector_column};
    use crate::testutil::*;

    fn words() -> Table {
        let df = df!("y" => ["up", "up", "down", "down"]).unwrap();
        let mut m = Csr::new(3);
        m.push_row([(0, 2.0), (2, 1.0)]);
        m.push_row([(0, 1.0)]);
        m.push_row([(1, 3.0)]);
        m.push_row([(1, 1.0), (2, 1.0)]);
        let terms = Arc::new(vec!["rise".into(), "fall".into(), "the".into()]);
        with_vector_column(&Table::new(df), "bow", m, terms).unwrap()
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
            csr.clone(),
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

    #[test]
    fn a_naive_bayes_classifier_round_trips_and_shows_its_priors() {
        let mut c = sample();
        c.algorithm = "gaussian_nb".into();
        c.state = ClassifierState::GaussianNb(GaussianNbState {
            class_prior: vec![0.25, 0.75],
            theta: vec![vec![0.0], vec![2.0]],
            var: vec![vec![1.0], vec![1.0]],
            epsilon: 1e-9,
        });
        let (enc, bytes) = c.encode().unwrap();
        let back = decode_classifier(enc, &bytes).unwrap();
        assert_eq!(
            pipewright_engine::downcast::<Classifier>(back.as_ref()).unwrap(),
            &c
        );
        // Equal variances: the log-odds of class 1 at x are log 3 + 2x − 2.
        let x = FeatureMatrix::Dense(ndarray::array![[1.0]]);
        let s = c.scores(&x);
        let odds = 3.0f64;
        assert!((s.scores[[0, 1]] - odds / (1.0 + odds)).abs() < 1e-15);
        let views = c.model_views();
        assert!(matches!(&views[0], ArtifactView::Scalars(v) if v.title == "Class priors"));
        assert!(matches!(&views[1], ArtifactView::Matrix(v) if v.title == "Class means"));
    }
}
