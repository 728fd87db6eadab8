//! `evaluate.predict`: applies a model to a table.

use pipewright_engine::{
    Inputs, KindDescriptor, NodeKind, Outputs, Params, PortSpec, StepContext, StepError,
};

use crate::artifacts::{MODEL, Model, PREDICTIONS, Predictions, TABLE, Table};
use crate::columns::f64_values;
use crate::error::{NodeError, Result};

/// `evaluate.predict`.
pub struct Predict {
    desc: KindDescriptor,
}

impl Predict {
    /// The kind.
    pub fn new() -> Self {
        Self {
            desc: KindDescriptor {
                id: "evaluate.predict",
                version: 1,
                category: crate::category::EVALUATE,
                title: "Predict",
                doc: "Applies a model to every row of a table. When the table also has the \
                      model's target column (a held-out test table), its values are kept \
                      next to the predictions so they can be scored.",
                inputs: vec![
                    PortSpec::new("model", MODEL, "the fitted model"),
                    PortSpec::new("table", TABLE, "rows with the model's feature columns"),
                ],
                outputs: vec![PortSpec::new(
                    "predictions",
                    PREDICTIONS,
                    "predicted (and actual) values",
                )],
                params: vec![],
            },
        }
    }
}

/// The model's predictions for `table`, with the actual values when present.
pub fn predict(model: &Model, table: &Table) -> Result<Predictions> {
    let predicted = model.predict(table.df())?;
    let actual = if table.df().column(&model.target).is_ok() {
        Some(f64_values(table.df(), &model.target)?)
    } else {
        None
    };
    Predictions::new(model.clone(), predicted, actual).map_err(NodeError::Step)
}

impl NodeKind for Predict {
    fn descriptor(&self) -> &KindDescriptor {
        &self.desc
    }

    fn run(
        &self,
        ctx: &mut StepContext<'_>,
        inputs: &Inputs,
        _params: &Params,
    ) -> Result<Outputs, StepError> {
        let model = inputs.get::<Model>("model")?;
        let table = inputs.get::<Table>("table")?;
        let predictions = predict(model, table)?;
        ctx.log(format!(
            "predicted {} for {} rows with {}{}",
            model.target,
            predictions.len(),
            model.describe(),
            if predictions.actual().is_some() {
                " (actual values kept)"
            } else {
                " (the table has no actual values)"
            }
        ));
        Ok(Outputs::new().with("predictions", predictions))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use polars::prelude::*;

    use super::*;
    use crate::artifacts::model::tests::sample as model;
    use crate::testutil::*;

    fn inputs(df: DataFrame) -> Inputs {
        let mut i = tables(&[("table", df)]);
        i.push("model", Arc::new(model()));
        i
    }

    #[test]
    fn predicts_and_keeps_actual_values() {
        let kind = Predict::new();
        let df = df!("a" => [1.0, 2.0], "b" => [0.0, 2.0], "y" => [3.5, 4.0]).unwrap();
        let out = run(&kind, &inputs(df), &params(&kind, &[])).unwrap();
        let p = output::<Predictions>(&out, "predictions");
        assert_eq!(p.predicted(), [3.0, 4.0]);
        assert_eq!(p.actual(), Some(&[3.5, 4.0][..]));
        assert_eq!(p.model(), &model());
    }

    #[test]
    fn without_the_target_column_there_are_no_actual_values() {
        let kind = Predict::new();
        let df = df!("a" => [1.0], "b" => [0.0]).unwrap();
        let out = run(&kind, &inputs(df), &params(&kind, &[])).unwrap();
        assert_eq!(output::<Predictions>(&out, "predictions").actual(), None);
    }

    #[test]
    fn a_missing_feature_column_is_named() {
        let kind = Predict::new();
        let df = df!("a" => [1.0], "y" => [0.0]).unwrap();
        assert_eq!(
            failure(run(&kind, &inputs(df), &params(&kind, &[]))),
            "unknown column \"b\" (the table has: a, y)"
        );
    }
}
