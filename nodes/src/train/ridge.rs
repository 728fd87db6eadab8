//! `train.ridge`: least squares with an L2 penalty, scikit-learn's `Ridge`.
//!
//! Solved in closed form, `(XᵀX + alpha·I) w = Xᵀy` on centred data by a Cholesky
//! factorisation (what scikit-learn's default solver does for dense data), not with
//! linfa-elasticnet at `l1_ratio = 0`, because that cannot do it exactly: its
//! duality gap degenerates when the L1 term is zero (the dual scaling constant
//! becomes 0, so the "gap" is the primal objective and never falls below the
//! tolerance), so coordinate descent always runs `max_iterations` full passes — a
//! second per million rows — and stops wherever it is then. The closed form is
//! exact and takes one pass over the data for the Gram matrix.

use std::collections::BTreeMap;

use ndarray::{Array1, Array2};
use pipewright_engine::{
    Inputs, KindDescriptor, NodeKind, Outputs, ParamSpec, ParamType, Params, StepContext,
    StepError, Value,
};

use super::{Design, descriptor, design_of, finish};
use crate::artifacts::Model;
use crate::error::{NodeError, Result};

/// `train.ridge`.
pub struct Ridge {
    desc: KindDescriptor,
}

impl Ridge {
    /// The kind.
    pub fn new() -> Self {
        Self {
            desc: descriptor(
                "train.ridge",
                "Ridge regression",
                "Least squares with an L2 penalty that shrinks the weights: minimises \
                 ‖y − Xw‖² + alpha·‖w‖² (scikit-learn's Ridge; the intercept is not \
                 penalised). Larger alpha, smaller weights; alpha = 0 is ordinary least \
                 squares. Solved exactly in closed form.",
                vec![ParamSpec::new(
                    "alpha",
                    ParamType::Float {
                        min: Some(0.0),
                        max: None,
                    },
                    Value::Float(1.0),
                    "strength of the L2 penalty",
                )],
            ),
        }
    }
}

/// Solves `a · w = b` for a symmetric positive definite `a` by Cholesky; `None` when
/// `a` is not positive definite (collinear features without a penalty).
fn cholesky_solve(a: &Array2<f64>, b: &Array1<f64>) -> Option<Array1<f64>> {
    let p = b.len();
    let mut l = Array2::<f64>::zeros((p, p));
    for i in 0..p {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[[i, k]] * l[[j, k]]).sum();
            if i == j {
                let d = a[[i, i]] - s;
                // Relative to the diagonal: rounding noise is not a positive pivot.
                if d.is_nan() || d <= a[[i, i]].abs() * 1e-13 {
                    return None;
                }
                l[[i, i]] = d.sqrt();
            } else {
                l[[i, j]] = (a[[i, j]] - s) / l[[j, j]];
            }
        }
    }
    let mut z = Array1::<f64>::zeros(p);
    for i in 0..p {
        let s: f64 = (0..i).map(|k| l[[i, k]] * z[k]).sum();
        z[i] = (b[i] - s) / l[[i, i]];
    }
    let mut w = Array1::<f64>::zeros(p);
    for i in (0..p).rev() {
        let s: f64 = (i + 1..p).map(|k| l[[k, i]] * w[k]).sum();
        w[i] = (z[i] - s) / l[[i, i]];
    }
    Some(w)
}

/// Fits ridge regression with scikit-learn's objective. It takes the design by value
/// and centres it in place: the fit needs no second copy of the rows.
pub fn fit(mut design: Design, alpha: f64, fit_intercept: bool) -> Result<Model> {
    let (x_mean, y_mean) = if fit_intercept {
        design.centre()
    } else {
        (Array1::zeros(design.features.len()), 0.0)
    };
    let (x, y) = (&design.x, &design.y);
    let mut gram = x.t().dot(x);
    for i in 0..gram.nrows() {
        gram[[i, i]] += alpha;
    }
    let xty = x.t().dot(y);
    let w = cholesky_solve(&gram, &xty).ok_or_else(|| NodeError::Fit {
        algorithm: "ridge".into(),
        message: format!(
            "the features {} are collinear (or constant); use alpha > 0",
            design.features.join(", ")
        ),
    })?;
    let intercept = if fit_intercept {
        y_mean - x_mean.dot(&w)
    } else {
        0.0
    };
    let hyper = BTreeMap::from([
        ("alpha".to_owned(), alpha),
        (
            "fit_intercept".to_owned(),
            f64::from(u8::from(fit_intercept)),
        ),
    ]);
    Ok(design.model("ridge", &w, intercept, hyper))
}

impl NodeKind for Ridge {
    fn descriptor(&self) -> &KindDescriptor {
        &self.desc
    }

    fn run(
        &self,
        ctx: &mut StepContext<'_>,
        inputs: &Inputs,
        params: &Params,
    ) -> Result<Outputs, StepError> {
        let design = design_of(inputs, params)?;
        ctx.check_cancelled()?;
        let rows = design.rows();
        let model = fit(
            design,
            params.float("alpha")?,
            params.bool("fit_intercept")?,
        )?;
        Ok(finish(ctx, model, rows)?)
    }
}

#[cfg(test)]
mod tests {
    use ndarray::array;

    use super::*;
    use crate::testutil::*;
    use crate::train::tests::exact;

    #[test]
    fn cholesky_solves_and_refuses_singular_systems() {
        let a = array![[4.0, 2.0], [2.0, 3.0]];
        let w = cholesky_solve(&a, &array![2.0, 1.0]).unwrap();
        assert!(
            (a.dot(&w) - array![2.0, 1.0])
                .iter()
                .all(|e| e.abs() < 1e-14)
        );
        assert!(cholesky_solve(&array![[1.0, 1.0], [1.0, 1.0]], &array![1.0, 1.0]).is_none());
    }

    #[test]
    fn alpha_zero_is_least_squares_and_alpha_shrinks() {
        let d = Design::from_frame(&exact(), "y", "").unwrap();
        let ols = fit(d.clone(), 0.0, true).unwrap();
        assert!((ols.coefficients[0] - 2.0).abs() < 1e-12 && (ols.intercept - 3.0).abs() < 1e-12);
        let shrunk = fit(d.clone(), 10.0, true).unwrap();
        let norm = |m: &Model| m.coefficients.iter().map(|w| w * w).sum::<f64>();
        assert!(norm(&shrunk) < norm(&ols));
    }

    #[test]
    fn one_feature_matches_the_scalar_formula() {
        // With one centred feature: w = Σxy / (Σx² + alpha).
        let d = Design::from_frame(&exact(), "y", "a").unwrap();
        let (xc, yc, _, _) = d.centred();
        let expected = xc.column(0).dot(&yc) / (xc.column(0).dot(&xc.column(0)) + 2.5);
        let m = fit(d.clone(), 2.5, true).unwrap();
        assert!((m.coefficients[0] - expected).abs() < 1e-12);
        assert_eq!(m.hyper["alpha"], 2.5);
    }

    #[test]
    fn linfa_elasticnet_at_l1_ratio_zero_never_converges_which_is_why_this_is_closed_form() {
        use linfa::traits::Fit;
        let d = Design::from_frame(&exact(), "y", "a").unwrap();
        let (xc, yc, _, _) = d.centred();
        let fitted = linfa_elasticnet::ElasticNet::params()
            .penalty(2.5 / 8.0)
            .l1_ratio(0.0)
            .with_intercept(false)
            .max_iterations(50)
            .fit(&linfa::DatasetBase::new(xc, yc))
            .unwrap();
        // One feature: coordinate descent is exact after its first pass, yet it runs on.
        assert_eq!(fitted.n_steps(), 50);
        let ours = fit(d.clone(), 2.5, true).unwrap();
        assert!((fitted.hyperplane()[0] - ours.coefficients[0]).abs() < 1e-12);
    }

    #[test]
    fn collinear_features_without_penalty_fail_clearly() {
        let df =
            polars::df!("a" => [1.0, 2.0, 3.0], "b" => [2.0, 4.0, 6.0], "y" => [1.0, 2.0, 4.0])
                .unwrap();
        let kind = Ridge::new();
        let p = params(
            &kind,
            &[
                ("target", Value::Text("y".into())),
                ("alpha", Value::Float(0.0)),
            ],
        );
        assert_eq!(
            failure(run(&kind, &tables(&[("train", df)]), &p)),
            "ridge: the features a, b are collinear (or constant); use alpha > 0"
        );
    }
}
