//! `transform.label_encode`: turns a target column's class names into integer codes
//! (the classes sorted, like scikit-learn's `LabelEncoder`) while keeping the names: the
//! column becomes a polars `Enum` whose categories are the classes, so it is stored as
//! codes and still reads (and casts to text) as labels, and every later output speaks in
//! labels.

use std::collections::HashMap;

use pipewright_engine::{
    Inputs, KindDescriptor, NodeKind, Outputs, ParamSpec, ParamType, Params, PortSpec, StepContext,
    StepError, Value,
};
use polars::prelude::*;
use serde::{Deserialize, Serialize};

use super::one_hot::{category_kind, category_texts, list_categories, sorted_categories};
use crate::artifacts::fitted::{FITTED, Fitted, FittedState};
use crate::artifacts::{TABLE, Table};
use crate::columns::{column, first_null_row};
use crate::error::{NodeError, Result};

/// The `output` choices.
pub const OUTPUTS: [&str; 3] = ["labels", "labels_and_codes", "codes"];

/// `transform.label_encode`.
pub struct LabelEncode {
    desc: KindDescriptor,
}

impl LabelEncode {
    /// The kind.
    pub fn new() -> Self {
        Self {
            desc: KindDescriptor {
                id: "transform.label_encode",
                version: 1,
                category: crate::category::TRANSFORM,
                title: "Label encoder",
                doc: "Encodes a target column's classes as integer codes 0 … k−1, the \
                      classes sorted as scikit-learn's LabelEncoder sorts them (text by \
                      code point, integers by value), fitted on the training table. With \
                      output = labels the column becomes an enum of the classes: stored \
                      as codes, read as the class names, so predictions and metrics \
                      later still speak in labels; labels_and_codes also adds the codes \
                      as an integer column <column>_code; codes replaces the names by \
                      the integers (the names stay in the fitted output). A test label \
                      the training rows do not have, or a missing one, stops the flow \
                      naming its row and value.",
                inputs: vec![
                    PortSpec::new("train", TABLE, "rows the classes are read from"),
                    PortSpec::new("test", TABLE, "rows encoded with the same classes"),
                ],
                outputs: vec![
                    PortSpec::new("train", TABLE, "the training rows, encoded"),
                    PortSpec::new("test", TABLE, "the test rows, encoded"),
                    PortSpec::new(
                        "fitted",
                        FITTED,
                        "the classes in code order, to encode new rows the same way",
                    ),
                ],
                params: vec![
                    ParamSpec::new(
                        "column",
                        ParamType::Text,
                        Value::Text(String::new()),
                        "the target column whose classes are encoded",
                    )
                    .required(),
                    ParamSpec::new(
                        "output",
                        ParamType::Choice(OUTPUTS.iter().map(|s| (*s).to_owned()).collect()),
                        Value::Text("labels".into()),
                        "labels (an enum column), labels_and_codes (plus <column>_code) or \
                         codes (integers in place of the names)",
                    ),
                ],
            },
        }
    }
}

/// What `transform.label_encode` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LabelOutput {
    /// The column becomes an `Enum` of the classes.
    Labels,
    /// That, plus an `Int64` column `<column>_code`.
    LabelsAndCodes,
    /// The column becomes the `Int64` codes.
    Codes,
}

impl LabelOutput {
    /// The choice named by the parameter.
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "labels" => Ok(Self::Labels),
            "labels_and_codes" => Ok(Self::LabelsAndCodes),
            "codes" => Ok(Self::Codes),
            other => Err(NodeError::Param {
                param: "output",
                message: format!("{other:?} is not one of {}", OUTPUTS.join(", ")),
            }),
        }
    }
}

/// What the label encoder learned.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LabelEncoding {
    /// The target column.
    pub column: String,
    /// The classes; a class's code is its index (scikit-learn's `classes_`).
    pub classes: Vec<String>,
    /// What is written.
    pub output: LabelOutput,
}

impl LabelEncoding {
    /// The name of the codes column of `labels_and_codes`.
    pub fn code_column(&self) -> String {
        format!("{}_code", self.column)
    }

    /// The enum type whose categories are the classes, in code order.
    pub fn enum_dtype(&self) -> Result<DataType> {
        let frozen = FrozenCategories::new(self.classes.iter().map(String::as_str)).map_err(
            NodeError::polars(format!("classes of column {:?}", self.column)),
        )?;
        Ok(DataType::from_frozen_categories(frozen))
    }
}

/// Fits the classes of `name` on `train`.
pub fn fit(train: &DataFrame, name: &str, output: LabelOutput) -> Result<LabelEncoding> {
    let col = column(train, name).map_err(|e| NodeError::Param {
        param: "column",
        message: e.to_string(),
    })?;
    let kind = category_kind(col, "the label encoder")?;
    if let Some(row) = first_null_row(col) {
        return Err(missing_label(name, row));
    }
    let classes = sorted_categories(&category_texts(col)?, kind);
    if classes.is_empty() {
        return Err(NodeError::Column {
            column: name.to_owned(),
            reason: "has no rows to read classes from".into(),
        });
    }
    Ok(LabelEncoding {
        column: name.to_owned(),
        classes,
        output,
    })
}

fn missing_label(column: &str, row: usize) -> NodeError {
    NodeError::Column {
        column: column.to_owned(),
        reason: format!("has no label at row {row}; drop or fill those rows first"),
    }
}

/// The codes of a column's labels, failing on a label not in `enc.classes`.
pub fn codes(df: &DataFrame, enc: &LabelEncoding) -> Result<Vec<i64>> {
    let col = column(df, &enc.column)?;
    category_kind(col, "the label encoder")?;
    let texts = category_texts(col)?;
    let index: HashMap<&str, i64> = enc
        .classes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.as_str(), i as i64))
        .collect();
    let mut out = Vec::with_capacity(texts.len());
    for (row, value) in texts.iter().enumerate() {
        let Some(value) = value else {
            return Err(missing_label(&enc.column, row + 1));
        };
        let Some(code) = index.get(value) else {
            return Err(NodeError::Column {
                column: enc.column.clone(),
                reason: format!(
                    "row {} is {value:?}, a label the training rows do not have (they have \
                     {})",
                    row + 1,
                    list_categories(&enc.classes)
                ),
            });
        };
        out.push(*code);
    }
    Ok(out)
}

/// Applies a fitted label encoding to `df`.
pub fn apply(df: &DataFrame, enc: &LabelEncoding) -> Result<DataFrame> {
    let codes = codes(df, enc)?;
    let context = || format!("column {:?}", enc.column);
    let code_column = |name: &str| Column::new(name.into(), &codes);
    let mut out = df.clone();
    match enc.output {
        LabelOutput::Codes => {
            out.with_column(code_column(&enc.column))
                .map_err(NodeError::polars(context()))?;
        }
        LabelOutput::Labels | LabelOutput::LabelsAndCodes => {
            // Every label is a class (checked above), so the strict cast cannot fail
            // on a value; the codes are the enum's physical values by construction.
            let labels = category_texts(column(df, &enc.column)?)?
                .into_column()
                .cast(&enc.enum_dtype()?)
                .map_err(NodeError::polars(context()))?;
            out.with_column(labels)
                .map_err(NodeError::polars(context()))?;
            if enc.output == LabelOutput::LabelsAndCodes {
                let name = enc.code_column();
                if df.column(&name).is_ok() {
                    return Err(NodeError::Column {
                        column: name,
                        reason: "is already in the table, so the label encoder cannot add \
                                 the codes there; rename it first"
                            .into(),
                    });
                }
                out.with_column(code_column(&name))
                    .map_err(NodeError::polars(context()))?;
            }
        }
    }
    Ok(out)
}

impl NodeKind for LabelEncode {
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
        let output = LabelOutput::parse(params.text("output")?)?;
        let enc = fit(train.df(), params.text("column")?.trim(), output)?;
        ctx.log(format!(
            "{}: {} classes ({})",
            enc.column,
            enc.classes.len(),
            list_categories(&enc.classes)
        ));
        let encoded_train = train.derive(apply(train.df(), &enc)?);
        let encoded_test = test.derive(apply(test.df(), &enc)?);
        Ok(Outputs::new()
            .with("train", encoded_train)
            .with("test", encoded_test)
            .with(
                "fitted",
                Fitted::new(self.desc.id, FittedState::LabelEncoder(enc)),
            ))
    }
}

#[cfg(test)]
mod tests {
    use pipewright_engine::Artifact;

    use super::*;
    use crate::testutil::*;

    fn train() -> DataFrame {
        df!("x" => [1.0, 2.0, 3.0, 4.0], "label" => ["neutral", "positive", "negative", "neutral"])
            .unwrap()
    }

    fn go(test: DataFrame, output: &str) -> Result<Outputs, StepError> {
        let kind = LabelEncode::new();
        let p = params(
            &kind,
            &[
                ("column", Value::Text("label".into())),
                ("output", Value::Text(output.into())),
            ],
        );
        run(&kind, &tables(&[("train", train()), ("test", test)]), &p)
    }

    fn physical(col: &Column) -> Vec<i64> {
        let cast = col.to_physical_repr().cast(&DataType::Int64).unwrap();
        cast.i64().unwrap().iter().flatten().collect()
    }

    #[test]
    fn labels_become_an_enum_of_the_sorted_classes_that_survives_parquet() {
        let out = go(train(), "labels").unwrap();
        let tr = output::<Table>(&out, "train");
        let label = tr.df().column("label").unwrap();
        assert!(label.dtype().is_enum(), "{}", label.dtype());
        assert_eq!(physical(label), [1, 2, 0, 1], "negative, neutral, positive");
        // The classifiers read a target as text: the names, not the codes.
        let text = label.cast(&DataType::String).unwrap();
        assert_eq!(text.str().unwrap().get(1), Some("positive"));
        // The stored table reads back with the same enum.
        let (enc, bytes) = tr.encode().unwrap();
        let back = crate::artifacts::table::decode_table(enc, &bytes).unwrap();
        let back = pipewright_engine::downcast::<Table>(back.as_ref()).unwrap();
        let back_label = back.df().column("label").unwrap();
        assert_eq!(back_label.dtype(), label.dtype());
        assert_eq!(physical(back_label), [1, 2, 0, 1]);
        assert_eq!(back, tr);
        let fitted = output::<Fitted>(&out, "fitted");
        let FittedState::LabelEncoder(enc) = &fitted.state else {
            panic!("{fitted:?}")
        };
        assert_eq!(enc.classes, ["negative", "neutral", "positive"]);
    }

    #[test]
    fn codes_as_a_column_or_in_place_and_integers_sort_by_value() {
        let out = go(train(), "labels_and_codes").unwrap();
        let te = frame(&out, "test");
        assert_eq!(physical(te.column("label_code").unwrap()), [1, 2, 0, 1]);
        assert!(te.column("label").unwrap().dtype().is_enum());
        let out = go(train(), "codes").unwrap();
        let te = frame(&out, "test");
        assert_eq!(te.column("label").unwrap().dtype(), &DataType::Int64);
        let enc = fit(
            &df!("y" => [10i64, 9, 10]).unwrap(),
            "y",
            LabelOutput::Labels,
        )
        .unwrap();
        assert_eq!(enc.classes, ["9", "10"]);
        // An enum input is encoded by its labels again.
        let again = fit(
            frame(&go(train(), "labels").unwrap(), "train"),
            "label",
            LabelOutput::Codes,
        )
        .unwrap();
        assert_eq!(again.classes, ["negative", "neutral", "positive"]);
    }

    #[test]
    fn bad_inputs_are_named() {
        let test = df!("x" => [1.0, 2.0], "label" => [Some("neutral"), Some("bullish")]).unwrap();
        assert_eq!(
            failure(go(test, "labels")),
            "column \"label\" row 2 is \"bullish\", a label the training rows do not have (they \
             have \"negative\", \"neutral\", \"positive\")"
        );
        let test = df!("x" => [1.0], "label" => [None::<&str>]).unwrap();
        assert_eq!(
            failure(go(test, "labels")),
            "column \"label\" has no label at row 1; drop or fill those rows first"
        );
        let kind = LabelEncode::new();
        let p = params(&kind, &[("column", Value::Text("y".into()))]);
        let inputs = tables(&[("train", train()), ("test", train())]);
        assert_eq!(
            failure(run(&kind, &inputs, &p)),
            "parameter \"column\": unknown column \"y\" (the table has: x, label)"
        );
        let p = params(&kind, &[("column", Value::Text("x".into()))]);
        assert_eq!(
            failure(run(&kind, &inputs, &p)),
            "column \"x\" has type f64, which the label encoder cannot read as categories; \
             cast it to int or text first (transform.cast)"
        );
        let empty = train().slice(0, 0);
        let p = params(&kind, &[("column", Value::Text("label".into()))]);
        assert_eq!(
            failure(run(
                &kind,
                &tables(&[("train", empty.clone()), ("test", empty)]),
                &p
            )),
            "column \"label\" has no rows to read classes from"
        );
        let clash = df!("label" => ["a"], "label_code" => [1i64]).unwrap();
        let p = params(
            &kind,
            &[
                ("column", Value::Text("label".into())),
                ("output", Value::Text("labels_and_codes".into())),
            ],
        );
        assert_eq!(
            failure(run(
                &kind,
                &tables(&[("train", clash.clone()), ("test", clash)]),
                &p
            )),
            "column \"label_code\" is already in the table, so the label encoder cannot add the \
             codes there; rename it first"
        );
    }
}
