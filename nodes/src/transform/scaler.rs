//! `transform.standard_scaler`: standardises numeric columns with statistics of the
//! training table, like scikit-learn's `StandardScaler`.

use pipewright_engine::{
    Inputs, KindDescriptor, NodeKind, Outputs, ParamSpec, ParamType, Params, PortSpec, StepContext,
    StepError, Value,
};
use polars::prelude::*;

use crate::artifacts::fitted::{FITTED, Fitted, FittedState, Scaling, apply_scalings};
use crate::artifacts::{TABLE, Table};
use crate::columns::{column, f64_column, is_numeric, parse_list};
use crate::error::{NodeError, Result};
use crate::stats::sum;

/// `transform.standard_scaler`.
pub struct StandardScaler {
    desc: KindDescriptor,
}

impl StandardScaler {
    /// The kind.
    pub fn new() -> Self {
        Self {
            desc: KindDescriptor {
                id: "transform.standard_scaler",
                version: 2,
                category: crate::category::TRANSFORM,
                title: "Standard scaler",
                doc: "Rescales every numeric column to mean 0 and standard deviation 1, \
                      using the mean and population standard deviation of the training \
                      table for both tables (so nothing of the test rows leaks into the \
                      fit), like scikit-learn's StandardScaler. A constant column is only \
                      centred. Leave the target unscaled with exclude.",
                inputs: vec![
                    PortSpec::new("train", TABLE, "rows the statistics are fitted on"),
                    PortSpec::new("test", TABLE, "rows scaled with the same statistics"),
                ],
                outputs: vec![
                    PortSpec::new("train", TABLE, "the training rows, scaled"),
                    PortSpec::new("test", TABLE, "the test rows, scaled"),
                    PortSpec::new(
                        "fitted",
                        FITTED,
                        "the means and scales, to scale new rows the same way",
                    ),
                ],
                params: vec![ParamSpec::new(
                    "exclude",
                    ParamType::Text,
                    Value::Text(String::new()),
                    "comma-separated columns left as they are (e.g. the target)",
                )],
            },
        }
    }
}

/// Mean and scale the way scikit-learn's `StandardScaler` computes them
/// (`_incremental_mean_and_var` from zero samples, then `_handle_zeros_in_scale`).
pub fn mean_and_scale(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    if values.is_empty() {
        return (0.0, 1.0);
    }
    let mean = sum(values.iter().copied()) / n;
    let correction = sum(values.iter().map(|v| v - mean));
    let squares = sum(values.iter().map(|v| (v - mean) * (v - mean)));
    let var = (squares - correction * correction / n) / n;
    // scikit-learn's `_is_constant_feature`: a variance within rounding error of 0.
    let eps = f64::EPSILON;
    let constant = var <= n * eps * var + (n * mean * eps).powi(2);
    (mean, if constant { 1.0 } else { var.sqrt() })
}

/// Fits the statistics of every numeric column of `train` not in `exclude`.
pub fn fit(train: &DataFrame, exclude: &[String]) -> Result<Vec<Scaling>> {
    for name in exclude {
        column(train, name).map_err(|e| NodeError::Param {
            param: "exclude",
            message: e.to_string(),
        })?;
    }
    let mut out = Vec::new();
    for col in train.columns() {
        let name = col.name().as_str();
        if !is_numeric(col.dtype()) || exclude.iter().any(|e| e == name) {
            continue;
        }
        let values = f64_column(train, name)?;
        let slice = values
            .cont_slice()
            .map_err(NodeError::polars(format!("column {name:?}")))?;
        let (mean, scale) = mean_and_scale(slice);
        out.push(Scaling {
            column: name.to_owned(),
            mean,
            scale,
        });
    }
    Ok(out)
}

impl NodeKind for StandardScaler {
    fn descriptor(&self) -> &KindDescriptor {
        &self.desc
    }

    fn run(
        &self,
        ctx: &mut StepContext<'_>,
        inputs: &Inputs,
        params: &Params,
    ) -> Result<Outputs, StepError> {
        let train = inputs.get::<Table>("train")?;
        let test = inputs.get::<Table>("test")?;
        let exclude = parse_list(params.text("exclude")?);
        let scalings = fit(train.df(), &exclude)?;
        ctx.check_cancelled()?;
        for s in &scalings {
            ctx.log(format!("{}: mean {}, scale {}", s.column, s.mean, s.scale));
        }
        if scalings.is_empty() {
            ctx.log("no numeric column to scale");
        }
        let scaled_train = train.derive(apply_scalings(train.df(), &scalings)?);
        let scaled_test = test.derive(apply_scalings(test.df(), &scalings)?);
        Ok(Outputs::new()
            .with("train", scaled_train)
            .with("test", scaled_test)
            .with(
                "fitted",
                Fitted::new(self.desc.id, FittedState::Scaler { scalings }),
            ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::*;

    #[test]
    fn statistics_are_population_ones() {
        let (mean, scale) = mean_and_scale(&[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(mean, 2.5);
        assert!((scale - 1.25f64.sqrt()).abs() < 1e-15);
        assert_eq!(
            mean_and_scale(&[3.0, 3.0, 3.0]),
            (3.0, 1.0),
            "constant: scale 1"
        );
        assert_eq!(mean_and_scale(&[0.1; 7]).1, 1.0, "constant up to rounding");
    }

    #[test]
    fn fits_on_train_applies_to_both_and_leaves_excluded_and_text_columns() {
        let kind = StandardScaler::new();
        let train =
            df!("x" => [1.0, 3.0], "k" => [5i64, 5], "y" => [10.0, 20.0], "s" => ["a", "b"])
                .unwrap();
        let test = df!("x" => [5.0], "k" => [7i64], "y" => [30.0], "s" => ["c"]).unwrap();
        let p = params(&kind, &[("exclude", Value::Text("y".into()))]);
        let (out, log) = run_in(
            std::path::Path::new("."),
            &kind,
            &tables(&[("train", train), ("test", test)]),
            &p,
        );
        let out = out.unwrap();
        let (tr, te) = (frame(&out, "train"), frame(&out, "test"));
        let values = |df: &DataFrame, c: &str| crate::columns::f64_values(df, c).unwrap();
        assert_eq!(values(tr, "x"), vec![-1.0, 1.0]);
        assert_eq!(values(te, "x"), vec![3.0], "(5 − 2) / 1");
        assert_eq!(values(tr, "k"), vec![0.0, 0.0], "constant: centred only");
        assert_eq!(values(te, "k"), vec![2.0]);
        assert_eq!(values(te, "y"), vec![30.0], "excluded");
        assert!(te.column("s").unwrap().dtype().is_string());
        assert_eq!(log, vec!["x: mean 2, scale 1", "k: mean 5, scale 1"]);
    }

    #[test]
    fn unknown_excluded_column_and_missing_test_column_are_named() {
        let kind = StandardScaler::new();
        let train = df!("x" => [1.0, 3.0]).unwrap();
        let p = params(&kind, &[("exclude", Value::Text("yy".into()))]);
        let inputs = tables(&[("train", train.clone()), ("test", train.clone())]);
        assert_eq!(
            failure(run(&kind, &inputs, &p)),
            "parameter \"exclude\": unknown column \"yy\" (the table has: x)"
        );
        let inputs = tables(&[("train", train), ("test", df!("z" => [1.0]).unwrap())]);
        assert_eq!(
            failure(run(&kind, &inputs, &params(&kind, &[]))),
            "unknown column \"x\" (the table has: z)"
        );
    }
}
