//! `train.logistic_regression`: scikit-learn's `LogisticRegression(penalty="l2", C,
//! fit_intercept, class_weight, solver="lbfgs")`.
//!
//! Two classes give one weight vector whose logistic function is the probability of
//! `classes[1]`; more give one row per class under a softmax (the multinomial model
//! scikit-learn ≥ 1.5 fits with lbfgs). The objective is scikit-learn 1.9's
//! (`_logistic.py`, `_linear_loss.py`):
//!
//! `1/S · Σ_i s_i · logloss_i + ½ · 1/(C·S) · ‖W‖²`, with `s_i` the row's class
//! weight (1 without class weights) and `S = Σ_i s_i`; the intercepts are not
//! penalised. It is minimised by L-BFGS ([`super::optim`]), which scikit-learn calls
//! through scipy, with the same stopping rule (largest gradient entry ≤ `tol`).
//!
//! Not linfa-logistic: it takes dense ndarray matrices only, and text features are
//! sparse (a TF-IDF of 100,000 sentences over thousands of terms must not be
//! densified); it also has no class weights. The loss and gradient here read rows
//! through [`FeatureMatrix::for_each_in_row`] and sum them in parallel in fixed
//! chunks (the same result on any number of threads).

use std::collections::BTreeMap;

use pipewright_engine::{
    Inputs, KindDescriptor, NodeKind, Outputs, ParamSpec, ParamType, Params, StepContext,
    StepError, Value,
};

use super::classify::{self, FitData};
use super::feature_checks;
use super::optim::{Layout, LinearObjective, Minimum, Settings};
use crate::artifacts::Classifier;
use crate::artifacts::classifier::{ClassifierState, LinearState, Link};
use crate::error::{NodeError, Result};

/// `train.logistic_regression`.
pub struct LogisticRegression {
    desc: KindDescriptor,
}

/// The algorithm's name in classifiers and messages.
pub const ALGORITHM: &str = "logistic_regression";

/// The `C` parameter (shared with the linear SVM): positive, larger is less
/// regularised.
pub fn c_param(doc: &'static str) -> ParamSpec {
    ParamSpec::new(
        "C",
        ParamType::Float {
            min: Some(0.0),
            max: None,
        },
        Value::Float(1.0),
        doc,
    )
    .open_range()
}

/// The `max_iter` and `tol` parameters with the given defaults.
pub fn solver_params(max_iter: i64, tol: f64, tol_doc: &'static str) -> [ParamSpec; 2] {
    [
        ParamSpec::new(
            "max_iter",
            ParamType::Int {
                min: Some(1),
                max: Some(1_000_000),
            },
            Value::Int(max_iter),
            "most optimiser iterations; the log warns when they run out first",
        ),
        ParamSpec::new(
            "tol",
            ParamType::Float {
                min: Some(0.0),
                max: None,
            },
            Value::Float(tol),
            tol_doc,
        ),
    ]
}

/// The `fit_intercept` parameter.
pub fn fit_intercept_param() -> ParamSpec {
    ParamSpec::new(
        "fit_intercept",
        ParamType::Bool,
        Value::Bool(true),
        "fit a constant term per class (otherwise every decision boundary goes through \
         the origin)",
    )
}

impl LogisticRegression {
    /// The kind.
    pub fn new() -> Self {
        let [max_iter, tol] = solver_params(
            100,
            1e-4,
            "stop when the largest entry of the objective's gradient is at most this \
             (scikit-learn's tol for lbfgs)",
        );
        Self {
            desc: classify::descriptor(
                "train.logistic_regression",
                "Logistic regression",
                "A linear classifier giving class probabilities, scikit-learn's \
                 LogisticRegression(penalty=\"l2\", solver=\"lbfgs\"): two classes are \
                 separated by one weight vector (the logistic function of its score is the \
                 probability of the second class in sorted order), more classes get one \
                 weight vector each under a softmax (multinomial). Minimises the mean log \
                 loss plus ½/(C·n)·‖W‖² (the intercepts are not penalised) with L-BFGS. \
                 Works on sparse TF-IDF and bag-of-words features without densifying them.",
                vec![
                    c_param(
                        "inverse strength of the L2 penalty (scikit-learn's C): smaller \
                         values shrink the weights more; greater than 0",
                    ),
                    fit_intercept_param(),
                    classify::class_weight_param(),
                    max_iter,
                    tol,
                ],
            ),
        }
    }
}

/// The fitted hyper-parameters as the classifier records them.
pub fn hyper(c: f64, fit_intercept: bool, class_weight: &str) -> BTreeMap<String, f64> {
    BTreeMap::from([
        ("C".to_owned(), c),
        (
            "fit_intercept".to_owned(),
            f64::from(u8::from(fit_intercept)),
        ),
        (
            "balanced".to_owned(),
            f64::from(u8::from(class_weight == "balanced")),
        ),
    ])
}

/// Refuses a `C` that is not a positive finite number (the parameter's range already
/// does in a validated flow; a caller may skip validation).
pub fn check_c(c: f64) -> Result<()> {
    if c > 0.0 && c.is_finite() {
        Ok(())
    } else {
        Err(NodeError::Param {
            param: "C",
            message: format!("is {c}; it must be greater than 0"),
        })
    }
}

/// `ln(1 + e^z)` without overflow.
fn softplus(z: f64) -> f64 {
    if z > 0.0 {
        z + (-z).exp().ln_1p()
    } else {
        z.exp().ln_1p()
    }
}

/// `1 / (1 + e^−z)` without overflow.
fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// Fits logistic regression to `data`; also returns how the optimiser ended.
pub fn fit(
    data: &FitData,
    c: f64,
    fit_intercept: bool,
    class_weight: &str,
    settings: Settings,
) -> Result<(Classifier, Minimum)> {
    check_c(c)?;
    feature_checks::finite(&data.x, &data.spec)?;
    let y = &data.labels.y;
    let k = data.labels.classes.len();
    let cw = classify::class_weights(class_weight, &data.labels);
    let sw: Vec<f64> = y.iter().map(|&c| cw[c]).collect();
    let total: f64 = sw.iter().sum();
    let binary = k == 2;
    let layout = Layout {
        features: data.x.n_cols(),
        outputs: if binary { 1 } else { k },
        fit_intercept,
    };
    let binomial = |i: usize, z: &[f64], r: &mut [f64]| {
        let yi = if y[i] == 1 { 1.0 } else { 0.0 };
        r[0] = sw[i] * (sigmoid(z[0]) - yi);
        sw[i] * (softplus(z[0]) - yi * z[0])
    };
    let multinomial = |i: usize, z: &[f64], r: &mut [f64]| {
        let max = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let mut sum = 0.0;
        for (rc, zc) in r.iter_mut().zip(z) {
            *rc = (zc - max).exp();
            sum += *rc;
        }
        for (c, rc) in r.iter_mut().enumerate() {
            *rc = sw[i] * (*rc / sum - if c == y[i] { 1.0 } else { 0.0 });
        }
        sw[i] * (max + sum.ln() - z[y[i]])
    };
    let scale = 1.0 / total;
    let l2 = 1.0 / (c * total);
    let minimum = if binary {
        LinearObjective {
            x: &data.x,
            layout,
            row_loss: binomial,
            scale,
            l2,
            penalise_intercept: false,
        }
        .minimise(settings)
    } else {
        LinearObjective {
            x: &data.x,
            layout,
            row_loss: multinomial,
            scale,
            l2,
            penalise_intercept: false,
        }
        .minimise(settings)
    };
    let (coef, intercept) = layout.unpack(&minimum.x);
    let classifier = Classifier {
        algorithm: ALGORITHM.into(),
        features: data.spec.clone(),
        target: data.target.clone(),
        classes: data.labels.classes.clone(),
        hyper: hyper(c, fit_intercept, class_weight),
        state: ClassifierState::Linear(LinearState {
            coef,
            intercept,
            link: Link::Logistic,
        }),
    };
    Ok((classifier, minimum))
}

/// Logs how the optimiser `method` ended, with scikit-learn's advice when it ran out
/// of iterations.
pub fn log_minimum(ctx: &mut StepContext<'_>, method: &str, minimum: &Minimum, max_iter: usize) {
    if minimum.converged() {
        ctx.log(format!(
            "{method} converged in {} iterations (objective {})",
            minimum.iterations, minimum.value
        ));
    } else {
        ctx.log(format!(
            "warning: {method} stopped after {} iterations without converging ({:?}; \
             max_iter {max_iter}); raise max_iter or scale the features",
            minimum.iterations, minimum.stop
        ));
    }
}

/// The optimiser settings from the `max_iter` and `tol` parameters.
pub fn settings(params: &Params) -> std::result::Result<Settings, StepError> {
    let max_iter = params.int("max_iter")?;
    let tol = params.float("tol")?;
    if tol.is_nan() || tol < 0.0 {
        return Err(NodeError::Param {
            param: "tol",
            message: format!("is {tol}; it must be 0 or more"),
        }
        .into());
    }
    Ok(Settings {
        tol,
        max_iter: usize::try_from(max_iter.max(1)).unwrap_or(1),
    })
}

impl NodeKind for LogisticRegression {
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
        let settings = settings(params)?;
        ctx.check_cancelled()?;
        let (classifier, minimum) = fit(
            &data,
            params.float("C")?,
            params.bool("fit_intercept")?,
            params.text("class_weight")?,
            settings,
        )?;
        log_minimum(ctx, "L-BFGS", &minimum, settings.max_iter);
        Ok(classify::finish(ctx, classifier, data.rows())?)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use polars::prelude::*;

    use super::*;
    use crate::artifacts::Table;
    use crate::features::{Csr, FeatureMatrix, with_vector_column};
    use crate::testutil::*;

    const TIGHT: Settings = Settings {
        tol: 1e-10,
        max_iter: 10_000,
    };

    fn two_classes() -> DataFrame {
        df!(
            "a" => [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 1.5, 3.5],
            "b" => [1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0],
            "y" => ["no", "no", "no", "yes", "yes", "yes", "yes", "no"],
        )
        .unwrap()
    }

    /// The gradient of the objective at the returned point is zero: checks the
    /// optimum (the loss and gradient are checked against scikit-learn in
    /// `nodes/tests/reference_classify.rs`).
    #[test]
    fn the_binary_fit_is_stationary_and_predicts_with_the_logistic_link() {
        let data = FitData::from_table(&Table::new(two_classes()), "y", "").unwrap();
        let (c, m) = fit(&data, 1.0, true, "none", TIGHT).unwrap();
        assert!(m.converged(), "{m:?}");
        let s = c.state.linear().unwrap();
        assert_eq!((s.coef.len(), s.coef[0].len()), (1, 2));
        // The score grows with a: "yes" (class 1) on the right.
        assert!(s.coef[0][0] > 0.0);
        let scores = c.scores(&data.x);
        assert!(scores.probabilistic);
        for row in scores.scores.rows() {
            assert!((row.sum() - 1.0).abs() < 1e-12);
        }
        assert_eq!(scores.predicted[0], 0);
        assert_eq!(scores.predicted[5], 1);
    }

    #[test]
    fn sparse_and_dense_features_give_the_same_model() {
        let df = df!(
            "y" => ["a", "b", "c", "a", "b", "c", "a", "c"],
        )
        .unwrap();
        let mut m = Csr::new(3);
        let rows: [&[(u32, f64)]; 8] = [
            &[(0, 1.0)],
            &[(1, 2.0)],
            &[(2, 1.0)],
            &[(0, 0.5), (2, 0.5)],
            &[(1, 1.0)],
            &[(2, 3.0)],
            &[(0, 2.0), (1, 0.1)],
            &[],
        ];
        for r in rows {
            m.push_row(r.iter().copied());
        }
        let terms = Arc::new(vec!["x".into(), "y".into(), "z".into()]);
        let t = with_vector_column(&Table::new(df), "v", m.clone(), terms).unwrap();
        let sparse = FitData::from_table(&t, "y", "").unwrap();
        assert!(sparse.x.is_sparse());
        let mut dense = FitData::from_table(&t, "y", "").unwrap();
        dense.x = FeatureMatrix::Dense(dense.x.to_dense());
        let (a, _) = fit(&sparse, 2.0, true, "balanced", TIGHT).unwrap();
        let (b, _) = fit(&dense, 2.0, true, "balanced", TIGHT).unwrap();
        let (a, b) = (a.state.linear().unwrap(), b.state.linear().unwrap());
        assert_eq!(a.coef.len(), 3, "multinomial: one row per class");
        for (ra, rb) in a.coef.iter().zip(&b.coef) {
            for (x, y) in ra.iter().zip(rb) {
                assert!((x - y).abs() < 1e-9, "{x} vs {y}");
            }
        }
        // Unpenalised intercepts of a softmax sum to zero from a zero start.
        assert!(a.intercept.iter().sum::<f64>().abs() < 1e-9);
    }

    #[test]
    fn bad_inputs_are_named() {
        let kind = LogisticRegression::new();
        let run_on = |df: DataFrame, set: &[(&str, Value)]| {
            let mut all = vec![("target", Value::Text("y".into()))];
            all.extend_from_slice(set);
            run(&kind, &tables(&[("train", df)]), &params(&kind, &all))
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        let err = run_on(two_classes(), &[("C", Value::Float(0.0))]);
        assert!(err.contains("parameter \"C\": is 0"), "{err}");
        let one = df!("a" => [1.0, 2.0], "y" => ["k", "k"]).unwrap();
        assert!(run_on(one, &[]).contains("one class only"));
        let empty = two_classes().slice(0, 0);
        assert!(run_on(empty, &[]).contains("has no rows"));
        let text = df!("a" => ["x", "y"], "y" => ["k", "l"]).unwrap();
        let err = run_on(text, &[("features", Value::Text("a".into()))]);
        assert!(err.contains("\"a\""), "{err}");
        let nan = df!("a" => [1.0, f64::NAN, 2.0], "y" => ["k", "l", "k"]).unwrap();
        let err = run_on(nan, &[]);
        assert!(err.contains("column \"a\" has NaN in row 2"), "{err}");
    }

    #[test]
    fn the_step_logs_convergence_and_outputs_a_classifier() {
        let kind = LogisticRegression::new();
        let p = params(&kind, &[("target", Value::Text("y".into()))]);
        let (out, log) = run_in(
            std::path::Path::new("."),
            &kind,
            &tables(&[("train", two_classes())]),
            &p,
        );
        let out = out.unwrap();
        let c = output::<Classifier>(&out, "classifier");
        assert_eq!(c.classes, ["no", "yes"]);
        assert!(
            log.iter().any(|l| l.starts_with("L-BFGS converged")),
            "{log:?}"
        );
        let cap = params(
            &kind,
            &[
                ("target", Value::Text("y".into())),
                ("max_iter", Value::Int(1)),
                ("tol", Value::Float(0.0)),
            ],
        );
        let (_, log) = run_in(
            std::path::Path::new("."),
            &kind,
            &tables(&[("train", two_classes())]),
            &cap,
        );
        assert!(
            log.iter().any(|l| l.starts_with("warning: L-BFGS stopped")),
            "{log:?}"
        );
    }
}
