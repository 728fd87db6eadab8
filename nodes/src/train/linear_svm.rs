//! `train.linear_svm`: scikit-learn's `LinearSVC(penalty="l2", loss="squared_hinge",
//! C, fit_intercept, class_weight)`, which runs liblinear.
//!
//! liblinear's problem for labels `t_i = ±1`:
//! `min ½·‖w̃‖² + Σ_i C_i · max(0, 1 − t_i · w̃·x̃_i)²`, where `x̃` is the row with a
//! constant 1 appended (`intercept_scaling = 1`) so the intercept is a weight like the
//! others and **is penalised** — unlike logistic regression's. `C_i` is `C` times the
//! class weight of the row's class for two classes; with more, each class is fitted
//! one-vs-rest and, as liblinear does, only the positive class's rows carry its class
//! weight (the rest get plain `C`).
//!
//! The primal is minimised directly, divided by `C·n` so the gradient tolerance
//! means the same at any `C` and size, by Newton's method with conjugate gradients
//! (liblinear's own primal solver is a trust-region Newton): the squared hinge has a
//! gradient but its curvature jumps where a row reaches its margin, which leaves
//! L-BFGS crawling near the optimum (it stopped 6e-4 away on breast cancer), while a
//! Newton step is exact once the rows inside the margin stop changing. Sparse rows
//! are read as they are. Not linfa-svm: it is a kernel SMO solver over dense matrices for the hinge
//! loss (not squared), without intercept penalty or class weights, so it neither
//! reads sparse TF-IDF features nor reaches liblinear's optimum.

use pipewright_engine::{
    Inputs, KindDescriptor, NodeKind, Outputs, Params, StepContext, StepError,
};

use super::classify::{self, FitData};
use super::feature_checks;
use super::logistic::{
    c_param, check_c, fit_intercept_param, hyper, log_minimum, settings, solver_params,
};
use super::optim::{self, Layout, LinearObjective, Minimum, Settings, Stop};
use crate::artifacts::Classifier;
use crate::artifacts::classifier::{ClassifierState, LinearState, Link};
use crate::error::Result;

/// The algorithm's name in classifiers and messages.
pub const ALGORITHM: &str = "linear_svm";

/// `train.linear_svm`.
pub struct LinearSvm {
    desc: KindDescriptor,
}

impl LinearSvm {
    /// The kind.
    pub fn new() -> Self {
        let [max_iter, tol] = solver_params(
            1000,
            1e-4,
            "stop when the largest entry of the gradient of the objective divided by C·n \
             is at most this",
        );
        Self {
            desc: classify::descriptor(
                "train.linear_svm",
                "Linear SVM",
                "A linear support vector classifier, scikit-learn's LinearSVC(penalty=\"l2\", \
                 loss=\"squared_hinge\"): minimises ½·‖w‖² + C·Σ max(0, 1 − y·(w·x + b))² \
                 with the intercept b penalised like a weight (liblinear's \
                 intercept_scaling=1); one-vs-rest for several classes. Its scores are \
                 decision values, not probabilities (ROC curves work, log loss does not). \
                 Works on sparse TF-IDF and bag-of-words features without densifying them.",
                vec![
                    c_param(
                        "weight of the squared hinge loss against the L2 penalty \
                         (scikit-learn's C): smaller values shrink the weights more; greater \
                         than 0",
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

/// Fits one ±1 problem: `positive[i]` says whether row `i` is on the positive side,
/// `weight[i]` is its `C_i / C`. Returns the weights, the intercept and the
/// optimiser's result.
fn fit_one(
    data: &FitData,
    positive: &[bool],
    weight: &[f64],
    c: f64,
    fit_intercept: bool,
    settings: Settings,
) -> (Vec<f64>, f64, Minimum) {
    let n = data.rows() as f64;
    let layout = Layout {
        features: data.x.n_cols(),
        outputs: 1,
        fit_intercept,
    };
    let squared_hinge = |i: usize, z: &[f64], r: &mut [f64]| {
        let t = if positive[i] { 1.0 } else { -1.0 };
        let margin = 1.0 - t * z[0];
        if margin > 0.0 {
            r[0] = -2.0 * weight[i] * t * margin;
            weight[i] * margin * margin
        } else {
            r[0] = 0.0;
            0.0
        }
    };
    let objective = LinearObjective {
        x: &data.x,
        layout,
        row_loss: squared_hinge,
        scale: 1.0 / n,
        l2: 1.0 / (c * n),
        penalise_intercept: true,
    };
    let minimum = newton(&objective, weight, positive, settings);
    let (mut coef, intercept) = layout.unpack(&minimum.x);
    (coef.swap_remove(0), intercept[0], minimum)
}

/// Minimises the squared-hinge objective by Newton's method with conjugate
/// gradients, as liblinear's trust-region Newton does: the loss is quadratic on the
/// rows inside their margin, so with those rows fixed the Hessian is
/// `l2·I + scale·Σ 2·weight_i·x̃_i·x̃_iᵀ`, applied as products row by row (sparse rows
/// stay sparse). Once the set of rows in the margin stops changing, one step lands on
/// the optimum — where L-BFGS, which assumes a smooth Hessian, crawls.
fn newton<L>(
    objective: &LinearObjective<'_, L>,
    weight: &[f64],
    positive: &[bool],
    settings: Settings,
) -> Minimum
where
    L: Fn(usize, &[f64], &mut [f64]) -> f64 + Sync,
{
    let layout = objective.layout;
    let x = objective.x;
    let n = x.n_rows();
    let dim = layout.dim();
    let mut w = vec![0.0; dim];
    let mut grad = vec![0.0; dim];
    let mut value = objective.value(&w, &mut grad);
    let mut iterations = 0;
    let stop = loop {
        let norm = optim::max_abs_entry(&grad);
        if norm <= settings.tol {
            break Stop::Gradient;
        }
        if iterations >= settings.max_iter {
            break Stop::MaxIter;
        }
        iterations += 1;
        // 2·weight for the rows inside their margin at w, 0 for the others.
        let mut z = [0.0];
        let curvature: Vec<f64> = (0..n)
            .map(|i| {
                layout.decision(x, i, &w, &mut z);
                let t = if positive[i] { 1.0 } else { -1.0 };
                if 1.0 - t * z[0] > 0.0 {
                    2.0 * weight[i]
                } else {
                    0.0
                }
            })
            .collect();
        let hv = |v: &[f64], out: &mut [f64]| {
            let (_, sum) = optim::sum_rows(n, dim, |range, acc| {
                let mut z = [0.0];
                for i in range {
                    if curvature[i] > 0.0 {
                        layout.decision(x, i, v, &mut z);
                        layout.add_gradient(x, i, &[curvature[i] * z[0]], acc);
                    }
                }
                0.0
            });
            for ((o, s), vi) in out.iter_mut().zip(&sum).zip(v) {
                *o = objective.scale * s + objective.l2 * vi;
            }
        };
        let g_norm = grad.iter().map(|g| g * g).sum::<f64>().sqrt();
        let minus_g: Vec<f64> = grad.iter().map(|g| -g).collect();
        let d = optim::conjugate_gradient(hv, &minus_g, g_norm * g_norm.sqrt().min(0.1), 500);
        let slope: f64 = d.iter().zip(&grad).map(|(a, b)| a * b).sum();
        if slope.is_nan() || slope >= 0.0 {
            break Stop::LineSearch;
        }
        // Backtracking from the full Newton step.
        let mut step = 1.0;
        let mut next = vec![0.0; dim];
        let mut next_grad = vec![0.0; dim];
        let accepted = loop {
            next.iter_mut()
                .zip(w.iter().zip(&d))
                .for_each(|(o, (a, b))| *o = a + step * b);
            let v = objective.value(&next, &mut next_grad);
            if v <= value + 1e-4 * step * slope {
                break Some(v);
            }
            step /= 2.0;
            if step < 1e-20 {
                break None;
            }
        };
        let Some(v) = accepted else {
            break Stop::LineSearch;
        };
        let decrease = value - v;
        let scale = value.abs().max(v.abs()).max(1.0);
        w = next;
        grad = next_grad;
        value = v;
        if decrease <= 64.0 * f64::EPSILON * scale {
            break if optim::max_abs_entry(&grad) <= settings.tol {
                Stop::Gradient
            } else {
                Stop::Objective
            };
        }
    };
    Minimum {
        x: w,
        value,
        iterations,
        stop,
    }
}

/// Fits a linear SVM to `data`; also returns how the optimiser ended (for several
/// classes, the problem that took most iterations, or one that did not converge).
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
    let mut coef = Vec::new();
    let mut intercept = Vec::new();
    let mut worst: Option<Minimum> = None;
    // Two classes: one problem, class 1 positive, both sides weighted. More: one
    // problem per class against the rest.
    let problems: Vec<usize> = if k == 2 { vec![1] } else { (0..k).collect() };
    for class in problems {
        let positive: Vec<bool> = y.iter().map(|&yi| yi == class).collect();
        let weight: Vec<f64> = y
            .iter()
            .map(|&yi| if k == 2 || yi == class { cw[yi] } else { 1.0 })
            .collect();
        let (w, b, m) = fit_one(data, &positive, &weight, c, fit_intercept, settings);
        coef.push(w);
        intercept.push(b);
        let replace = match &worst {
            None => true,
            Some(old) => {
                (old.converged() && !m.converged())
                    || (old.converged() == m.converged() && m.iterations > old.iterations)
            }
        };
        if replace {
            worst = Some(m);
        }
    }
    let minimum = worst.unwrap_or(Minimum {
        x: Vec::new(),
        value: 0.0,
        iterations: 0,
        stop: Stop::Gradient,
    });
    let classifier = Classifier {
        algorithm: ALGORITHM.into(),
        features: data.spec.clone(),
        target: data.target.clone(),
        classes: data.labels.classes.clone(),
        hyper: hyper(c, fit_intercept, class_weight),
        state: ClassifierState::Linear(LinearState {
            coef,
            intercept,
            link: Link::Decision,
        }),
    };
    Ok((classifier, minimum))
}

impl NodeKind for LinearSvm {
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
        log_minimum(ctx, "Newton", &minimum, settings.max_iter);
        Ok(classify::finish(ctx, classifier, data.rows())?)
    }
}

#[cfg(test)]
mod tests {
    use pipewright_engine::Value;
    use polars::prelude::*;

    use super::*;
    use crate::artifacts::Table;
    use crate::testutil::*;

    const TIGHT: Settings = Settings {
        tol: 1e-10,
        max_iter: 10_000,
    };

    /// Three separable groups along a and b.
    fn three() -> DataFrame {
        df!(
            "a" => [0.0, 0.2, 0.1, 3.0, 3.2, 2.9, 0.0, 0.3, 0.1],
            "b" => [0.0, 0.1, 0.3, 0.0, 0.2, 0.1, 3.0, 3.1, 2.8],
            "y" => ["p", "p", "p", "q", "q", "q", "r", "r", "r"],
        )
        .unwrap()
    }

    #[test]
    fn one_vs_rest_separates_three_classes_with_decision_values() {
        let data = FitData::from_table(&Table::new(three()), "y", "").unwrap();
        let (c, m) = fit(&data, 10.0, true, "none", TIGHT).unwrap();
        assert!(m.converged(), "{m:?}");
        let s = c.state.linear().unwrap();
        assert_eq!(s.coef.len(), 3);
        assert_eq!(s.link, Link::Decision);
        let scores = c.scores(&data.x);
        assert!(!scores.probabilistic);
        assert_eq!(scores.predicted, data.labels.y);
    }

    /// At liblinear's optimum the intercept is penalised: for one feature with
    /// symmetric classes, w·x + b with b = 0 by symmetry, and the weight solves
    /// w − 2C·Σ_i |x_i|·(1 − |x_i|·w) = 0 over the margin violators.
    #[test]
    fn the_binary_optimum_is_liblinears() {
        let df = df!("x" => [-2.0, -1.0, 1.0, 2.0], "y" => ["a", "a", "b", "b"]).unwrap();
        let data = FitData::from_table(&Table::new(df), "y", "").unwrap();
        let (c, _) = fit(&data, 0.1, true, "none", TIGHT).unwrap();
        let s = c.state.linear().unwrap();
        // All four rows violate the margin at this small C: the stationarity equation
        // w·(1 + 2C·Σx²) = 2C·Σ|x| gives w = 1.2 / 3 = 0.4 with Σx² = 10, Σ|x| = 6
        // (below 0.5, so every row does violate it).
        assert!((s.coef[0][0] - 0.4).abs() < 1e-8, "{:?}", s.coef);
        assert!(s.intercept[0].abs() < 1e-8);
    }

    #[test]
    fn bad_inputs_are_named() {
        let kind = LinearSvm::new();
        let run_on = |df: DataFrame, set: &[(&str, Value)]| {
            let mut all = vec![("target", Value::Text("y".into()))];
            all.extend_from_slice(set);
            run(&kind, &tables(&[("train", df)]), &params(&kind, &all))
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        let err = run_on(three(), &[("C", Value::Float(0.0))]);
        assert!(err.contains("parameter \"C\": is 0"), "{err}");
        let one = df!("a" => [1.0, 2.0], "y" => ["k", "k"]).unwrap();
        assert!(run_on(one, &[]).contains("one class only"));
        let nan = df!("a" => [1.0, 2.0, f64::INFINITY], "y" => ["k", "l", "k"]).unwrap();
        let err = run_on(nan, &[]);
        assert!(err.contains("column \"a\" has inf in row 3"), "{err}");
        assert!(run_on(three().slice(0, 0), &[]).contains("has no rows"));
    }
}
