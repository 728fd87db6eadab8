//! The `classifier` artifact: a fitted classification model, stored as JSON.
//!
//! Every classifier of the catalogue is one [`Classifier`]: the features it reads (a
//! [`FeatureSpec`], so new rows are turned into the same matrix), the target column,
//! the class names in scikit-learn's order (sorted), the hyper-parameters, and the
//! algorithm's fitted state as one [`ClassifierState`] variant. Predicting gives a
//! score per class for each row ([`Classifier::scores`]): probabilities where the model
//! has them, decision values otherwise (a linear SVM), so ROC curves can be drawn for
//! every model and log loss computed for those that give probabilities.

// The fitted state of algorithms whose scoring is long enough for a file of its own
// (the fits are in `train/`).
pub mod naive_bayes;

use std::any::Any;
use std::collections::BTreeMap;
use std::sync::Arc;

use ndarray::Array2;
use pipewright_engine::{
    Artifact, ArtifactArc, ArtifactError, ArtifactType, ArtifactView, CoefficientsView, Encoding,
    Goal, Metric, ScalarsView,
};
use serde::{Deserialize, Serialize};

use self::naive_bayes::{GaussianNbState, MultinomialNbState};
use super::Table;
use crate::error::{Result, decode_error, encode_error};
use crate::features::{FeatureMatrix, FeatureSpec};

/// The port type (and artifact type name) of [`Classifier`].
pub const CLASSIFIER: &str = "classifier";

/// The classifier artifact type.
pub const CLASSIFIER_TYPE: ArtifactType = ArtifactType::new(CLASSIFIER, decode_classifier);

/// A fitted classifier.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Classifier {
    /// The algorithm, e.g. `"logistic_regression"`, `"decision_tree"`.
    pub algorithm: String,
    /// The features it reads, in matrix order.
    pub features: FeatureSpec,
    /// The target column (class labels as text).
    pub target: String,
    /// The class names; class `i` of the scores is `classes[i]`. Sorted, as
    /// scikit-learn's `classes_`.
    pub classes: Vec<String>,
    /// The hyper-parameters it was fitted with (flags as 0/1).
    pub hyper: BTreeMap<String, f64>,
    /// The fitted state.
    pub state: ClassifierState,
}

/// What the algorithm learned.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ClassifierState {
    /// A linear model: logistic regression or a linear SVM.
    Linear(LinearState),
    /// A classification tree (`train.decision_tree`).
    Tree(super::trees::TreeState),
    /// A random forest (`train.random_forest`).
    Forest(super::trees::ForestState),
    /// k-nearest neighbours with their training rows (`train.knn`).
    Knn(super::neighbours::KnnState),
    /// Multinomial naive Bayes (`train.multinomial_nb`).
    MultinomialNb(MultinomialNbState),
    /// Gaussian naive Bayes (`train.gaussian_nb`).
    GaussianNb(GaussianNbState),
}

impl ClassifierState {
    /// `n × classes` scores for the rows of `x`, and whether they are probabilities.
    /// Each variant's scoring lives beside its fitting code.
    pub fn scores(&self, x: &FeatureMatrix) -> (Array2<f64>, bool) {
        match self {
            ClassifierState::Linear(s) => s.scores(x),
            ClassifierState::Tree(s) => s.scores(x),
            ClassifierState::Forest(s) => s.scores(x),
            ClassifierState::Knn(s) => s.scores(x),
            ClassifierState::MultinomialNb(s) => s.scores(x),
            ClassifierState::GaussianNb(s) => s.scores(x),
        }
    }

    /// Every stored number is finite; otherwise what is not.
    pub fn check_finite(&self) -> std::result::Result<(), String> {
        match self {
            ClassifierState::Linear(s) => s.check_finite(),
            ClassifierState::Tree(s) => s.check_finite(),
            ClassifierState::Forest(s) => s.check_finite(),
            ClassifierState::Knn(s) => s.check_finite(),
            ClassifierState::MultinomialNb(s) => s.check_finite(),
            ClassifierState::GaussianNb(s) => s.check_finite(),
        }
    }

    /// The linear model's weights, if it is one.
    pub fn linear(&self) -> Option<&LinearState> {
        match self {
            ClassifierState::Linear(s) => Some(s),
            ClassifierState::Tree(_) | ClassifierState::Forest(_) | ClassifierState::Knn(_) => None,
            ClassifierState::MultinomialNb(_) | ClassifierState::GaussianNb(_) => None,
        }
    }
}

/// How a linear model's decision values become scores.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Link {
    /// Softmax over one row of weights per class (multinomial logistic regression);
    /// with a single row (two classes), the logistic function of it gives class 1.
    Logistic,
    /// No link: the decision values are the scores (a linear SVM; one-vs-rest for
    /// several classes, one row for two classes whose positive side is class 1).
    Decision,
}

/// A linear model's weights: `coef[r]` (one row per class, or a single row for two
/// classes) and one intercept per row.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinearState {
    /// `rows × features` weights.
    pub coef: Vec<Vec<f64>>,
    /// One per row.
    pub intercept: Vec<f64>,
    /// How decision values become scores.
    pub link: Link,
}

impl LinearState {
    /// The decision values `X · coefᵀ + intercept` (`n × rows`).
    pub fn decision(&self, x: &FeatureMatrix) -> Array2<f64> {
        let n = x.n_rows();
        let mut out = Array2::zeros((n, self.coef.len()));
        for i in 0..n {
            for (r, (w, b)) in self.coef.iter().zip(&self.intercept).enumerate() {
                out[[i, r]] = x.row_dot(i, w) + b;
            }
        }
        out
    }

    /// Scores: probabilities for a logistic link (the logistic function of one row of
    /// weights for two classes, softmax otherwise), decision values for none.
    pub fn scores(&self, x: &FeatureMatrix) -> (Array2<f64>, bool) {
        let d = self.decision(x);
        let binary = d.ncols() == 1;
        let mut scores = if binary {
            // One row of weights: class 0's score is the negated value.
            let mut two = Array2::zeros((d.nrows(), 2));
            for (i, v) in d.column(0).iter().enumerate() {
                two[[i, 0]] = -v;
                two[[i, 1]] = *v;
            }
            two
        } else {
            d
        };
        let probabilistic = self.link == Link::Logistic;
        if probabilistic {
            if binary {
                // softmax(−z, z)[1] = 1 / (1 + e^(−2z)); the logistic of z is wanted,
                // so halve the values first.
                scores.mapv_inplace(|v| v / 2.0);
            }
            softmax_rows(&mut scores);
        }
        (scores, probabilistic)
    }

    /// Every weight is finite.
    pub fn check_finite(&self) -> std::result::Result<(), String> {
        if self
            .coef
            .iter()
            .flatten()
            .chain(&self.intercept)
            .any(|v| !v.is_finite())
        {
            return Err("a weight is not a finite number".into());
        }
        Ok(())
    }
}

/// A classifier's output for some rows.
#[derive(Clone, Debug, PartialEq)]
pub struct ClassScores {
    /// `n × classes` scores: probabilities (each row sums to 1) when `probabilistic`,
    /// decision values otherwise.
    pub scores: Array2<f64>,
    /// Whether the scores are probabilities.
    pub probabilistic: bool,
    /// The predicted class of each row (an index into the classes).
    pub predicted: Vec<usize>,
}

/// The index of the largest value (the first on ties, as numpy's `argmax`).
pub fn argmax(row: impl IntoIterator<Item = f64>) -> usize {
    let mut best = (0, f64::NEG_INFINITY);
    for (i, v) in row.into_iter().enumerate() {
        if v > best.1 {
            best = (i, v);
        }
    }
    best.0
}

/// Softmax of each row, in place (shifted by the row's maximum, so no overflow).
pub fn softmax_rows(m: &mut Array2<f64>) {
    for mut row in m.rows_mut() {
        let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        row.mapv_inplace(|v| (v - max).exp());
        let sum: f64 = row.sum();
        row.mapv_inplace(|v| v / sum);
    }
}

impl Classifier {
    /// Scores and predicted classes for `table`'s rows (its feature columns read as at
    /// fit time).
    pub fn predict_table(&self, table: &Table) -> Result<ClassScores> {
        Ok(self.scores(&self.features.matrix(table)?))
    }

    /// Scores and predicted classes for the rows of `x`.
    pub fn scores(&self, x: &FeatureMatrix) -> ClassScores {
        let (scores, probabilistic) = self.state.scores(x);
        let predicted = scores
            .rows()
            .into_iter()
            .map(|r| argmax(r.iter().copied()))
            .collect();
        ClassScores {
            scores,
            probabilistic,
            predicted,
        }
    }

    /// A short label: the algorithm and its hyper-parameters, e.g.
    /// `"logistic_regression (C=1)"`.
    pub fn describe(&self) -> String {
        let hyper: Vec<String> = self.hyper.iter().map(|(k, v)| format!("{k}={v}")).collect();
        if hyper.is_empty() {
            self.algorithm.clone()
        } else {
            format!("{} ({})", self.algorithm, hyper.join(", "))
        }
    }

    /// The views of the model: the hyper-parameters, and for a linear model its
    /// largest weights per class.
    pub fn model_views(&self) -> Vec<ArtifactView> {
        let mut views = Vec::new();
        if let Some(s) = self.state.linear() {
            let rows: Vec<String> = if s.coef.len() == 1 {
                vec![format!(
                    "{} vs {}",
                    self.classes.get(1).map_or("1", String::as_str),
                    self.classes.first().map_or("0", String::as_str)
                )]
            } else {
                self.classes.clone()
            };
            for ((w, b), class) in s.coef.iter().zip(&s.intercept).zip(rows) {
                // The 20 weights of largest size: a vocabulary has thousands.
                let mut order: Vec<usize> = (0..w.len()).collect();
                order.sort_by(|&a, &b| w[b].abs().total_cmp(&w[a].abs()).then(a.cmp(&b)));
                order.truncate(20);
                views.push(ArtifactView::Coefficients(CoefficientsView {
                    title: format!(
                        "Weights for {class} (largest {} of {})",
                        order.len(),
                        w.len()
                    ),
                    intercept: Some(*b),
                    terms: order
                        .into_iter()
                        .map(|j| {
                            (
                                self.features
                                    .names
                                    .get(j)
                                    .cloned()
                                    .unwrap_or_else(|| format!("x{j}")),
                                w[j],
                            )
                        })
                        .collect(),
                }));
            }
        }
        match &self.state {
            ClassifierState::Tree(s) => views.extend(s.views(&self.features.names, &self.classes)),
            ClassifierState::Forest(s) => views.extend(s.views(&self.features.names)),
            ClassifierState::Knn(s) => views.extend(s.views()),
            ClassifierState::Linear(_) => {}
            ClassifierState::MultinomialNb(s) => {
                views.extend(s.views(&self.classes, &self.features.names));
            }
            ClassifierState::GaussianNb(s) => {
                views.extend(s.views(&self.classes, &self.features.names));
            }
        }
        if !self.hyper.is_empty() {
            views.push(ArtifactView::Scalars(ScalarsView {
                title: "Hyper-parameters".into(),
                items: self
                    .hyper
                    .iter()
                    .map(|(k, v)| Metric::new(k.clone(), *v, Goal::Neutral))
                    .collect(),
            }));
        }
        views
    }

    /// Every number is finite (JSON has no NaN; a fit that produced one failed).
    pub(crate) fn check_finite(&self) -> std::result::Result<(), String> {
        for (k, v) in &self.hyper {
            if !v.is_finite() {
                return Err(format!("hyper-parameter {k:?} is {v}"));
            }
        }
        match &self.state {
            ClassifierState::Linear(s) => {
                if s.coef
                    .iter()
                    .flatten()
                    .chain(&s.intercept)
                    .any(|v| !v.is_finite())
                {
                    return Err("a weight is not a finite number".into());
                }
            }
            ClassifierState::Tree(s) => s.check_finite()?,
            ClassifierState::Forest(s) => s.check_finite()?,
            ClassifierState::Knn(s) => s.check_finite()?,
            ClassifierState::MultinomialNb(s) => s.check_finite()?,
            ClassifierState::GaussianNb(s) => s.check_finite()?,
        }
        Ok(())
    }
}

impl Artifact for Classifier {
    fn type_name(&self) -> &'static str {
        CLASSIFIER
    }

    fn encode(&self) -> Result<(Encoding, Vec<u8>), ArtifactError> {
        self.check_finite()
            .map_err(|e| encode_error(CLASSIFIER, e))?;
        let bytes = serde_json::to_vec(self).map_err(|e| encode_error(CLASSIFIER, e))?;
        Ok((Encoding::Json, bytes))
    }

    fn summary(&self) -> String {
        format!(
            "{} predicting {} ({} classes: {}) from {} features",
            self.describe(),
            self.target,
            self.classes.len(),
            self.classes.join(", "),
            self.features.width()
        )
    }

    fn views(&self, _max_rows: usize) -> Vec<ArtifactView> {
        self.model_views()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Decodes a stored classifier.
pub fn decode_classifier(encoding: Encoding, bytes: &[u8]) -> Result<ArtifactArc, ArtifactError> {
    if encoding != Encoding::Json {
        return Err(decode_error(
            CLASSIFIER,
            format!("expected JSON, got {encoding:?}"),
        ));
    }
    let c: Classifier = serde_json::from_slice(bytes).map_err(|e| decode_error(CLASSIFIER, e))?;
    Ok(Arc::new(c))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::features::FeatureColumn;

    /// A binary logistic model on one feature `x`: P(class "b") = σ(2x − 1).
    pub(crate) fn sample() -> Classifier {
        Classifier {
            algorithm: "logistic_regression".into(),
            features: FeatureSpec {
                columns: vec![FeatureColumn {
                    name: "x".into(),
                    vector_dim: None,
                }],
                names: vec!["x".into()],
            },
            target: "y".into(),
            classes: vec!["a".into(), "b".into()],
            hyper: [("C".to_owned(), 1.0)].into(),
            state: ClassifierState::Linear(LinearState {
                coef: vec![vec![2.0]],
                intercept: vec![-1.0],
                link: Link::Logistic,
            }),
        }
    }

    #[test]
    fn binary_logistic_scores_are_the_logistic_function() {
        let x = FeatureMatrix::Dense(ndarray::array![[0.0], [0.5], [3.0]]);
        let s = sample().scores(&x);
        let sigma = |z: f64| 1.0 / (1.0 + (-z).exp());
        for (i, z) in [-1.0, 0.0, 5.0].into_iter().enumerate() {
            assert!((s.scores[[i, 1]] - sigma(z)).abs() < 1e-15);
            assert!((s.scores[[i, 0]] + s.scores[[i, 1]] - 1.0).abs() < 1e-15);
        }
        // A tie (p = 0.5) goes to the first class, as scikit-learn's argmax does.
        assert_eq!(s.predicted, vec![0, 0, 1]);
        assert!(s.probabilistic);
    }

    #[test]
    fn round_trips_as_json() {
        let c = sample();
        let (enc, bytes) = c.encode().unwrap();
        let back = decode_classifier(enc, &bytes).unwrap();
        assert_eq!(
            pipewright_engine::downcast::<Classifier>(back.as_ref()).unwrap(),
            &c
        );
        assert!(c.summary().contains("2 classes: a, b"), "{}", c.summary());
    }
}
