//! `train.elastic_net`: L1 + L2 penalised least squares (linfa-elasticnet), with
//! scikit-learn's `ElasticNet` semantics.

use std::collections::BTreeMap;

use linfa::DatasetBase;
use linfa::traits::Fit;
use ndarray::Array1;
use pipewright_engine::{
    Inputs, KindDescriptor, NodeKind, Outputs, ParamSpec, ParamType, Params, StepContext,
    StepError, Value,
};

use super::{Design, descriptor, design_of, finish};
use crate::artifacts::Model;
use crate::error::{NodeError, Result};

/// `train.elastic_net`.
pub struct ElasticNet {
    desc: KindDescriptor,
}

impl ElasticNet {
    /// The kind.
    pub fn new() -> Self {
        Self {
            desc: descriptor(
                "train.elastic_net",
                "Elastic net",
                "Least squares with both an L1 penalty (drives weights to exactly zero) and \
                 an L2 penalty (shrinks them): minimises 1/(2n)·‖y − Xw‖² + alpha·l1_ratio·‖w‖₁ \
                 + alpha·(1 − l1_ratio)/2·‖w‖², like scikit-learn's ElasticNet. l1_ratio = 1 \
                 is the lasso. Solved by coordinate descent until the duality gap is below \
                 tolerance·‖y‖² or max_iterations passes are done.",
                vec![
                    ParamSpec::new(
                        "alpha",
                        ParamType::Float {
                            min: Some(0.0),
                            max: None,
                        },
                        Value::Float(1.0),
                        "overall strength of the penalty",
                    ),
                    ParamSpec::new(
                        "l1_ratio",
                        ParamType::Float {
                            min: Some(0.0),
                            max: Some(1.0),
                        },
                        Value::Float(0.5),
                        "share of the L1 penalty (0 = ridge-like, 1 = lasso)",
                    ),
                    ParamSpec::new(
                        "max_iterations",
                        ParamType::Int {
                            min: Some(1),
                            max: Some(1_000_000),
                        },
                        Value::Int(1000),
                        "most passes of coordinate descent",
                    ),
                    ParamSpec::new(
                        "tolerance",
                        ParamType::Float {
                            // "> 0": ranges are inclusive, and a smaller tolerance
                            // than this only burns iterations.
                            min: Some(1e-15),
                            max: None,
                        },
                        Value::Float(1e-4),
                        "stop when the duality gap is below tolerance·‖y‖²",
                    ),
                ],
            ),
        }
    }
}

/// The elastic net's hyper-parameters.
#[derive(Clone, Copy, Debug)]
pub struct Hyper {
    /// Overall penalty strength.
    pub alpha: f64,
    /// Share of the L1 penalty.
    pub l1_ratio: f64,
    /// Most coordinate-descent passes.
    pub max_iterations: u32,
    /// Duality-gap tolerance (relative to ‖y‖²).
    pub tolerance: f64,
    /// Fit a constant term.
    pub fit_intercept: bool,
}

/// A fitted elastic net and how the solver ended.
#[derive(Clone, Debug)]
pub struct Fitted {
    /// The model.
    pub model: Model,
    /// Coordinate-descent passes done.
    pub iterations: u32,
    /// The duality gap at the end.
    pub duality_gap: f64,
}

/// Fits an elastic net with scikit-learn's objective.
///
/// linfa-elasticnet's per-sample penalty equals scikit-learn's `alpha` (its update
/// is `S(xⱼᵀr, n·alpha·l1_ratio) / (‖xⱼ‖² + n·alpha·(1 − l1_ratio))`, as in
/// scikit-learn's `cd_fast`), so `alpha` passes through unchanged. The data are
/// centred here and linfa runs without an intercept, because linfa centres only `y`.
pub fn fit(design: &Design, h: Hyper) -> Result<Fitted> {
    let (x, y, x_mean, y_mean) = if h.fit_intercept {
        design.centred()
    } else {
        let p = design.features.len();
        (design.x.clone(), design.y.clone(), Array1::zeros(p), 0.0)
    };
    let dataset = DatasetBase::new(x, y);
    let fitted = linfa_elasticnet::ElasticNet::params()
        .penalty(h.alpha)
        .l1_ratio(h.l1_ratio)
        .with_intercept(false)
        .max_iterations(h.max_iterations)
        .tolerance(h.tolerance)
        .fit(&dataset)
        .map_err(|e| NodeError::Fit {
            algorithm: "elastic_net".into(),
            message: e.to_string(),
        })?;
    let w = fitted.hyperplane();
    let intercept = if h.fit_intercept {
        y_mean - x_mean.dot(w)
    } else {
        0.0
    };
    let hyper = BTreeMap::from([
        ("alpha".to_owned(), h.alpha),
        ("l1_ratio".to_owned(), h.l1_ratio),
        ("max_iterations".to_owned(), f64::from(h.max_iterations)),
        ("tolerance".to_owned(), h.tolerance),
        (
            "fit_intercept".to_owned(),
            f64::from(u8::from(h.fit_intercept)),
        ),
    ]);
    Ok(Fitted {
        model: design.model("elastic_net", w, intercept, hyper),
        iterations: fitted.n_steps(),
        duality_gap: fitted.duality_gap(),
    })
}

impl NodeKind for ElasticNet {
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
        let h = Hyper {
            alpha: params.float("alpha")?,
            l1_ratio: params.float("l1_ratio")?,
            // The declared range keeps it within u32.
            max_iterations: u32::try_from(params.int("max_iterations")?.max(1)).unwrap_or(u32::MAX),
            tolerance: params.float("tolerance")?,
            fit_intercept: params.bool("fit_intercept")?,
        };
        ctx.check_cancelled()?;
        let fitted = fit(&design, h)?;
        let converged = if fitted.iterations < h.max_iterations {
            "converged"
        } else {
            "stopped at max_iterations"
        };
        ctx.log(format!(
            "coordinate descent {converged} after {} passes (duality gap {:e})",
            fitted.iterations, fitted.duality_gap
        ));
        Ok(finish(ctx, fitted.model, design.rows())?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::*;
    use crate::train::tests::exact;

    fn hyper(alpha: f64, l1_ratio: f64) -> Hyper {
        Hyper {
            alpha,
            l1_ratio,
            max_iterations: 10_000,
            tolerance: 1e-12,
            fit_intercept: true,
        }
    }

    #[test]
    fn tiny_penalty_recovers_least_squares() {
        let d = Design::from_frame(&exact(), "y", "").unwrap();
        let f = fit(&d, hyper(1e-10, 0.5)).unwrap();
        assert!(
            (f.model.coefficients[0] - 2.0).abs() < 1e-6,
            "{:?}",
            f.model
        );
        assert!(
            (f.model.coefficients[1] + 1.0).abs() < 1e-6,
            "{:?}",
            f.model
        );
        assert!((f.model.intercept - 3.0).abs() < 1e-6, "{:?}", f.model);
    }

    #[test]
    fn one_feature_lasso_matches_soft_thresholding() {
        // One centred feature: w = S(Σxy, n·alpha) / Σx².
        let d = Design::from_frame(&exact(), "y", "a").unwrap();
        let (xc, yc, xm, ym) = d.centred();
        let (sxy, sxx, n) = (xc.column(0).dot(&yc), xc.column(0).dot(&xc.column(0)), 8.0);
        let alpha = 0.3;
        let expected = (sxy.abs() - n * alpha).max(0.0) * sxy.signum() / sxx;
        let f = fit(&d, hyper(alpha, 1.0)).unwrap();
        assert!((f.model.coefficients[0] - expected).abs() < 1e-12);
        assert!((f.model.intercept - (ym - xm[0] * expected)).abs() < 1e-12);
        // A penalty beyond |Σxy|/n zeroes the weight; the intercept is then mean(y).
        let zero = fit(&d, hyper(sxy.abs() / n + 0.1, 1.0)).unwrap();
        assert_eq!(zero.model.coefficients[0], 0.0);
        assert!((zero.model.intercept - ym).abs() < 1e-12);
    }

    #[test]
    fn the_kind_logs_convergence_and_the_model() {
        let kind = ElasticNet::new();
        let p = params(
            &kind,
            &[
                ("target", Value::Text("y".into())),
                ("alpha", Value::Float(0.1)),
            ],
        );
        let (out, log) = run_in(
            std::path::Path::new("."),
            &kind,
            &tables(&[("train", exact())]),
            &p,
        );
        let out = out.unwrap();
        let m = output::<Model>(&out, "model");
        assert_eq!(m.algorithm, "elastic_net");
        assert_eq!(m.hyper["l1_ratio"], 0.5);
        assert!(
            log[0].starts_with("coordinate descent converged after "),
            "{log:?}"
        );
        assert_eq!(
            log[1],
            "elastic_net (alpha=0.1, l1_ratio=0.5, max_iterations=1000, tolerance=0.0001) fitted on 8 rows"
        );
    }
}
