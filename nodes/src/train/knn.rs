//! `train.knn`: k-nearest-neighbour classification by brute force, as
//! scikit-learn's `KNeighborsClassifier(algorithm="brute")`.
//!
//! Written here rather than taken from linfa-nn: its indexes hold dense rows only
//! (TF-IDF rows must stay sparse), have no cosine distance, and do not say which of
//! two equally distant rows is the neighbour; and the artifact must hold the training
//! rows as plain data that predicts without linfa.
//!
//! As scikit-learn:
//! - euclidean distances are computed as `‖x‖² − 2·x·y + ‖y‖²` (clipped at 0), the
//!   neighbours chosen on `‖y‖² − 2·x·y` as its `ArgKmin` does; cosine distances are
//!   `1 − x̂·ŷ` of the l2-normalised rows, clipped to [0, 2] (a zero row is at
//!   distance 1 from every row);
//! - among equally distant training rows the earlier one is the neighbour;
//! - `distance` weights are `1 / d`, except that a query with a neighbour at distance
//!   0 counts only those neighbours (weight 1 each);
//! - probabilities are the (weighted) class shares of the neighbours.

use pipewright_engine::{
    Inputs, KindDescriptor, NodeKind, Outputs, ParamSpec, ParamType, Params, StepContext,
    StepError, Value,
};

use crate::artifacts::Classifier;
use crate::artifacts::classifier::ClassifierState;
pub use crate::artifacts::neighbours::{KnnMetric, KnnState, KnnWeights, StoredRows};
use crate::error::{NodeError, Result};
use crate::features::FeatureMatrix;
use crate::train::classify::{self, FitData};

/// `train.knn`.
pub struct Knn {
    desc: KindDescriptor,
}

impl Knn {
    /// The kind.
    pub fn new() -> Self {
        Self {
            desc: classify::descriptor(
                "train.knn",
                "k-nearest neighbours",
                "Classifies a row by its k nearest training rows (brute force, as \
                 scikit-learn's KNeighborsClassifier): the probability of a class is its \
                 share of the neighbours, each counted once or by 1 / distance. Euclidean \
                 or cosine distance; cosine works on sparse text vectors (TF-IDF). Keeps \
                 the training rows in the model. Scale numeric features first: distance \
                 weighs every feature alike.",
                vec![
                    ParamSpec::new(
                        "k",
                        ParamType::Int {
                            min: Some(1),
                            max: Some(10_000),
                        },
                        Value::Int(5),
                        "number of neighbours (scikit-learn's n_neighbors)",
                    ),
                    ParamSpec::new(
                        "weights",
                        ParamType::Choice(vec!["uniform".into(), "distance".into()]),
                        Value::Text("uniform".into()),
                        "uniform counts each neighbour once; distance counts it 1 / distance",
                    ),
                    ParamSpec::new(
                        "metric",
                        ParamType::Choice(vec!["euclidean".into(), "cosine".into()]),
                        Value::Text("euclidean".into()),
                        "euclidean (straight line) or cosine (1 − cosine similarity, for \
                         text vectors)",
                    ),
                ],
            ),
        }
    }
}

/// Fails on the first stored value of `x` that is not finite, naming its feature and row.
fn check_features(x: &FeatureMatrix, names: &[String]) -> Result<()> {
    for i in 0..x.n_rows() {
        let mut bad = None;
        x.for_each_in_row(i, |j, v| {
            if bad.is_none() && !v.is_finite() {
                bad = Some((j, v));
            }
        });
        if let Some((j, v)) = bad {
            return Err(NodeError::NonFinite {
                column: names.get(j).cloned().unwrap_or_else(|| format!("x{j}")),
                row: i + 1,
                value: v,
            });
        }
    }
    Ok(())
}

impl NodeKind for Knn {
    fn descriptor(&self) -> &KindDescriptor {
        &self.desc
    }

    fn run(
        &self,
        ctx: &mut StepContext<'_>,
        inputs: &Inputs,
        params: &Params,
    ) -> std::result::Result<Outputs, StepError> {
        let fit = FitData::read(inputs, params)?;
        let k = super::tree::usize_param(params, "k")?;
        let weights = match params.text("weights")? {
            "uniform" => KnnWeights::Uniform,
            "distance" => KnnWeights::Distance,
            other => {
                return Err(NodeError::Param {
                    param: "weights",
                    message: format!("is {other:?}; choose uniform or distance"),
                }
                .into());
            }
        };
        let metric = match params.text("metric")? {
            "euclidean" => KnnMetric::Euclidean,
            "cosine" => KnnMetric::Cosine,
            other => {
                return Err(NodeError::Param {
                    param: "metric",
                    message: format!("is {other:?}; choose euclidean or cosine"),
                }
                .into());
            }
        };
        if k == 0 || k > fit.rows() {
            return Err(NodeError::Param {
                param: "k",
                message: format!(
                    "is {k}, but the training table has {} row(s); k must be between 1 \
                     and the number of rows",
                    fit.rows()
                ),
            }
            .into());
        }
        check_features(&fit.x, &fit.spec.names)?;
        let state = KnnState {
            k,
            weights,
            metric,
            n_classes: fit.labels.classes.len(),
            y: fit.labels.y.iter().map(|&c| c as u32).collect(),
            rows: StoredRows::new(&fit.x),
        };
        let hyper = [
            ("k", k as f64),
            (
                "weights_distance",
                f64::from(weights == KnnWeights::Distance),
            ),
            ("metric_cosine", f64::from(metric == KnnMetric::Cosine)),
        ];
        let classifier = Classifier {
            algorithm: "knn".into(),
            features: fit.spec.clone(),
            target: fit.target.clone(),
            classes: fit.labels.classes.clone(),
            hyper: hyper.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect(),
            state: ClassifierState::Knn(state),
        };
        Ok(classify::finish(ctx, classifier, fit.rows())?)
    }
}

#[cfg(test)]
mod tests {
    use polars::prelude::*;

    use super::*;
    use crate::features::Csr;
    use crate::testutil::*;

    fn line() -> DataFrame {
        // a a a | b b on a line; the query points below.
        df!("x" => [0.0, 1.0, 2.0, 10.0, 11.0], "y" => ["a", "a", "a", "b", "b"]).unwrap()
    }

    fn fit(df: DataFrame, set: &[(&str, Value)]) -> Classifier {
        let kind = Knn::new();
        let mut all = vec![("target", Value::Text("y".into()))];
        all.extend_from_slice(set);
        let out = run(&kind, &tables(&[("train", df)]), &params(&kind, &all)).unwrap();
        output::<Classifier>(&out, "classifier").clone()
    }

    #[test]
    fn uniform_and_distance_weights() {
        let c = fit(line(), &[("k", Value::Int(3))]);
        let q = FeatureMatrix::Dense(ndarray::array![[1.0], [9.0]]);
        let s = c.scores(&q);
        assert_eq!(s.scores.row(0).to_vec(), vec![1.0, 0.0]);
        // 9: neighbours 10 (b), 11 (b), 2 (a).
        assert!((s.scores[[1, 1]] - 2.0 / 3.0).abs() < 1e-15);
        let c = fit(
            line(),
            &[
                ("k", Value::Int(3)),
                ("weights", Value::Text("distance".into())),
            ],
        );
        let s = c.scores(&q);
        let (wa, wb) = (1.0 / 7.0, 1.0 + 0.5);
        assert!((s.scores[[1, 0]] - wa / (wa + wb)).abs() < 1e-15);
        // A query on a training row counts only that row.
        assert_eq!(s.scores.row(0).to_vec(), vec![1.0, 0.0]);
    }

    #[test]
    fn equally_distant_rows_go_to_the_earlier_one() {
        // 5 is 5 away from 0 (a) and from 10 (b); k = 1 takes row 0.
        let df = df!("x" => [0.0, 10.0], "y" => ["a", "b"]).unwrap();
        let c = fit(df, &[("k", Value::Int(1))]);
        let s = c.scores(&FeatureMatrix::Dense(ndarray::array![[5.0]]));
        assert_eq!(s.predicted, vec![0]);
    }

    #[test]
    fn cosine_on_sparse_rows() {
        let mut csr = Csr::new(3);
        csr.push_row([(0, 1.0)]);
        csr.push_row([(0, 2.0), (1, 0.1)]);
        csr.push_row([(2, 1.0)]);
        let base = crate::artifacts::Table::new(df!("y" => ["a", "a", "b"]).unwrap());
        let t = crate::features::with_vector_column(
            &base,
            "v",
            csr.clone(),
            std::sync::Arc::new(vec!["p".into(), "q".into(), "r".into()]),
        )
        .unwrap();
        let kind = Knn::new();
        let p = params(
            &kind,
            &[
                ("target", Value::Text("y".into())),
                ("k", Value::Int(1)),
                ("metric", Value::Text("cosine".into())),
            ],
        );
        let mut inputs = pipewright_engine::Inputs::default();
        inputs.push("train", std::sync::Arc::new(t.clone()));
        let out = run(&kind, &inputs, &p).unwrap();
        let c = output::<Classifier>(&out, "classifier");
        let mut q = Csr::new(3);
        q.push_row([(0, 5.0)]);
        q.push_row([(2, 0.2), (0, 0.0)]);
        let s = c.scores(&FeatureMatrix::Sparse(q));
        assert_eq!(s.predicted, vec![0, 1]);
        use pipewright_engine::Artifact;
        let (enc, bytes) = c.encode().unwrap();
        let back = crate::artifacts::classifier::decode_classifier(enc, &bytes).unwrap();
        assert_eq!(
            pipewright_engine::downcast::<Classifier>(back.as_ref()).unwrap(),
            c
        );
    }

    #[test]
    fn bad_inputs_are_named() {
        let kind = Knn::new();
        let p = params(
            &kind,
            &[("target", Value::Text("y".into())), ("k", Value::Int(6))],
        );
        let err = failure(run(&kind, &tables(&[("train", line())]), &p));
        assert_eq!(
            err,
            "parameter \"k\": is 6, but the training table has 5 row(s); k must be between 1 \
             and the number of rows"
        );
        let p = params(
            &kind,
            &[("target", Value::Text("y".into())), ("k", Value::Int(1))],
        );
        let nan = df!("x" => [1.0, f64::NAN], "y" => ["a", "b"]).unwrap();
        let err = failure(run(&kind, &tables(&[("train", nan)]), &p));
        assert!(
            err.contains("\"x\"") && err.contains("row 2 is NaN"),
            "{err}"
        );
        let one = df!("x" => [1.0, 2.0], "y" => ["a", "a"]).unwrap();
        let err = failure(run(&kind, &tables(&[("train", one)]), &p));
        assert!(err.contains("one class only"), "{err}");
    }
}
