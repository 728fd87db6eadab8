//! `evaluate.predict_classes`: applies a classifier to a table.

use pipewright_engine::{
    Inputs, KindDescriptor, NodeKind, Outputs, ParamSpec, ParamType, Params, PortSpec, StepContext,
    StepError, Value,
};
use polars::prelude::*;

use crate::artifacts::class_predictions::{CLASS_PREDICTIONS, ClassPredictions};
use crate::artifacts::{CLASSIFIER, Classifier, TABLE, Table};
use crate::columns;
use crate::error::{NodeError, Result};

/// `evaluate.predict_classes`.
pub struct PredictClasses {
    desc: KindDescriptor,
}

impl PredictClasses {
    /// The kind.
    pub fn new() -> Self {
        Self {
            desc: KindDescriptor {
                id: "evaluate.predict_classes",
                version: 1,
                category: crate::category::EVALUATE,
                // Not "Predict classes": the editor tests pick palette entries by a
                // label containing the title, and "Predict" (evaluate.predict) would
                // then match two entries.
                title: "Predict classes",
                doc: "Predicts classes: applies a classifier to every row of a table (scikit-learn's \
                      predict and predict_proba, or decision_function for a model without \
                      probabilities): the predicted label, one score column per class \
                      (p_<class> for probabilities, score_<class> for decision values), \
                      the actual label when the table has the classifier's target column \
                      (a held-out test table; labels the classifier never saw are kept), \
                      and the row's id (the id column, or a 0-based row number) so the \
                      predictions join back to the table.",
                inputs: vec![
                    PortSpec::new("classifier", CLASSIFIER, "the fitted classifier"),
                    PortSpec::new("table", TABLE, "rows with the classifier's feature columns"),
                ],
                outputs: vec![PortSpec::new(
                    "predictions",
                    CLASS_PREDICTIONS,
                    "predicted (and actual) labels with per-class scores",
                )],
                params: vec![ParamSpec::new(
                    "id",
                    ParamType::Text,
                    Value::Text(String::new()),
                    "the table's id column, copied beside each prediction (empty: a 0-based \
                     row column)",
                )],
            },
        }
    }
}

impl Default for PredictClasses {
    fn default() -> Self {
        Self::new()
    }
}

/// The labels of a target column as text (numbers as polars writes them), failing on
/// a missing value (naming its row).
pub fn labels(df: &DataFrame, name: &str) -> Result<Vec<String>> {
    let col = columns::column(df, name)?;
    if let Some(row) = columns::first_null_row(col) {
        return Err(NodeError::Nulls {
            column: name.to_owned(),
            count: col.null_count(),
            row,
        });
    }
    let text = col
        .cast(&DataType::String)
        .map_err(NodeError::polars(format!("column {name:?} as text")))?;
    let ca = text
        .str()
        .map_err(NodeError::polars(format!("column {name:?} as text")))?;
    Ok(ca
        .iter()
        .map(|v| v.unwrap_or_default().to_owned())
        .collect())
}

/// The classifier's predictions for `table`, with the actual labels when present and
/// the `id` column (empty: row numbers).
pub fn predict_classes(
    classifier: &Classifier,
    table: &Table,
    id: &str,
) -> Result<ClassPredictions> {
    let df = table.df();
    let id_column = if id.trim().is_empty() {
        None
    } else {
        Some(columns::column(df, id.trim())?.clone())
    };
    let out = classifier.predict_table(table)?;
    let predicted = out
        .predicted
        .iter()
        .map(|&k| classifier.classes[k].clone())
        .collect();
    let actual = if df.column(&classifier.target).is_ok() {
        Some(labels(df, &classifier.target)?)
    } else {
        None
    };
    ClassPredictions::new(
        classifier.clone(),
        id_column,
        actual,
        predicted,
        out.scores,
        out.probabilistic,
    )
    .map_err(|message| NodeError::Param {
        param: "id",
        message,
    })
}

impl NodeKind for PredictClasses {
    fn descriptor(&self) -> &KindDescriptor {
        &self.desc
    }

    fn run(
        &self,
        ctx: &mut StepContext<'_>,
        inputs: &Inputs,
        params: &Params,
    ) -> Result<Outputs, StepError> {
        let classifier = inputs.get::<Classifier>("classifier")?;
        let table = inputs.get::<Table>("table")?;
        let predictions = predict_classes(classifier, table, params.text("id")?)?;
        ctx.log(format!(
            "predicted {} for {} rows with {}{}",
            classifier.target,
            predictions.len(),
            classifier.describe(),
            if predictions.actual().is_some() {
                " (actual labels kept)"
            } else {
                " (the table has no actual labels)"
            }
        ));
        if let Some(actual) = predictions.actual() {
            let unseen: std::collections::BTreeSet<&String> = actual
                .iter()
                .filter(|a| !classifier.classes.contains(a))
                .collect();
            if !unseen.is_empty() {
                ctx.log(format!(
                    "actual labels the classifier never saw: {}",
                    unseen.into_iter().cloned().collect::<Vec<_>>().join(", ")
                ));
            }
        }
        Ok(Outputs::new().with("predictions", predictions))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::artifacts::classifier::tests::sample as classifier;
    use crate::testutil::*;

    fn inputs(df: DataFrame) -> Inputs {
        let mut i = tables(&[("table", df)]);
        i.push("classifier", Arc::new(classifier()));
        i
    }

    #[test]
    fn predicts_labels_and_probabilities_and_keeps_actual_labels() {
        let kind = PredictClasses::new();
        // P(b) = σ(2x − 1): x = 0 → 0.27 (a), x = 3 → 0.99 (b).
        let df = df!("x" => [0.0, 3.0], "y" => ["a", "z"], "key" => [10, 20]).unwrap();
        let out = run(
            &kind,
            &inputs(df),
            &params(&kind, &[("id", Value::Text("key".into()))]),
        )
        .unwrap();
        let p = output::<ClassPredictions>(&out, "predictions");
        assert_eq!(p.predicted(), ["a", "b"]);
        assert_eq!(p.actual(), Some(&["a".to_owned(), "z".to_owned()][..]));
        let sigma = 1.0 / (1.0 + 1f64.exp());
        assert!((p.scores()[[0, 1]] - sigma).abs() < 1e-15);
        let names: Vec<String> = p
            .to_frame()
            .get_column_names()
            .iter()
            .map(|n| n.to_string())
            .collect();
        assert_eq!(names, ["key", "actual", "predicted", "p_a", "p_b"]);
    }

    #[test]
    fn numeric_labels_become_text_and_a_missing_target_means_no_actual_labels() {
        let df = df!("x" => [0.0], "y" => [1i64]).unwrap();
        let table = Table::new(df);
        assert_eq!(labels(table.df(), "y").unwrap(), ["1"]);
        let kind = PredictClasses::new();
        let out = run(
            &kind,
            &inputs(df!("x" => [0.0]).unwrap()),
            &params(&kind, &[]),
        )
        .unwrap();
        let p = output::<ClassPredictions>(&out, "predictions");
        assert_eq!(p.actual(), None);
        assert_eq!(p.id().name().as_str(), "row");
    }

    #[test]
    fn bad_inputs_are_named() {
        let kind = PredictClasses::new();
        let no_feature = df!("z" => [1.0], "y" => ["a"]).unwrap();
        assert_eq!(
            failure(run(&kind, &inputs(no_feature), &params(&kind, &[]))),
            "unknown column \"x\" (the table has: z, y)"
        );
        let df = df!("x" => [1.0], "y" => ["a"]).unwrap();
        assert_eq!(
            failure(run(
                &kind,
                &inputs(df.clone()),
                &params(&kind, &[("id", Value::Text("nope".into()))])
            )),
            "unknown column \"nope\" (the table has: x, y)"
        );
        let missing = df!("x" => [1.0, 2.0], "y" => [Some("a"), None]).unwrap();
        assert_eq!(
            failure(run(&kind, &inputs(missing), &params(&kind, &[]))),
            "column \"y\" has 1 missing value(s), the first at row 2"
        );
    }
}
