//! `train.linear_regression`: ordinary least squares (linfa-linear).

use std::collections::BTreeMap;

use linfa::DatasetBase;
use linfa::traits::Fit;
use pipewright_engine::{
    Inputs, KindDescriptor, NodeKind, Outputs, Params, StepContext, StepError,
};

use super::{Design, descriptor, design_of, finish};
use crate::artifacts::Model;
use crate::error::{NodeError, Result};

/// `train.linear_regression`.
pub struct LinearRegression {
    desc: KindDescriptor,
}

impl LinearRegression {
    /// The kind.
    pub fn new() -> Self {
        Self {
            desc: descriptor(
                "train.linear_regression",
                "Linear regression",
                "Fits ordinary least squares: the weights and intercept that minimise the \
                 sum of squared errors on the training rows (scikit-learn's \
                 LinearRegression), solved by a QR decomposition in linfa-linear.",
                vec![],
            ),
        }
    }
}

/// Fits ordinary least squares.
pub fn fit(design: &Design, fit_intercept: bool) -> Result<Model> {
    let dataset = DatasetBase::new(design.x.view(), design.y.view());
    let fitted = linfa_linear::LinearRegression::new()
        .with_intercept(fit_intercept)
        .fit(&dataset)
        .map_err(|e| NodeError::Fit {
            algorithm: "linear_regression".into(),
            message: e.to_string(),
        })?;
    let hyper = BTreeMap::from([(
        "fit_intercept".to_owned(),
        f64::from(u8::from(fit_intercept)),
    )]);
    Ok(design.model(
        "linear_regression",
        fitted.params(),
        fitted.intercept(),
        hyper,
    ))
}

impl NodeKind for LinearRegression {
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
        let model = fit(&design, params.bool("fit_intercept")?)?;
        Ok(finish(ctx, model, design.rows())?)
    }
}

#[cfg(test)]
mod tests {
    use pipewright_engine::Value;

    use super::*;
    use crate::testutil::*;
    use crate::train::tests::exact;

    #[test]
    fn recovers_an_exact_plane_and_logs_it() {
        let kind = LinearRegression::new();
        let p = params(&kind, &[("target", Value::Text("y".into()))]);
        let (out, log) = run_in(
            std::path::Path::new("."),
            &kind,
            &tables(&[("train", exact())]),
            &p,
        );
        let m = output::<Model>(&out.unwrap(), "model").clone();
        assert_eq!(m.features, vec!["a", "b"]);
        assert!((m.intercept - 3.0).abs() < 1e-12, "{m:?}");
        assert!((m.coefficients[0] - 2.0).abs() < 1e-12, "{m:?}");
        assert!((m.coefficients[1] + 1.0).abs() < 1e-12, "{m:?}");
        assert_eq!(log[0], "linear_regression fitted on 8 rows");
        assert!(log[2].starts_with("coefficient of a: "), "{log:?}");
    }

    #[test]
    fn without_intercept_the_fit_goes_through_the_origin() {
        let d = Design::from_frame(&exact(), "y", "a").unwrap();
        let m = fit(&d, false).unwrap();
        assert_eq!(m.intercept, 0.0);
        // Least squares through the origin: w = Σxy / Σx².
        let w = d.x.column(0).dot(&d.y) / d.x.column(0).dot(&d.x.column(0));
        assert!((m.coefficients[0] - w).abs() < 1e-12);
    }

    #[test]
    fn a_missing_target_is_named() {
        let kind = LinearRegression::new();
        let p = params(&kind, &[("target", Value::Text("price".into()))]);
        assert_eq!(
            failure(run(&kind, &tables(&[("train", exact())]), &p)),
            "unknown column \"price\" (the table has: a, b, note, y)"
        );
    }
}
