//! `transform.label_encode`: turns a target column's class names into integer codes
//! (the classes sorted, like scikit-learn's `LabelEncoder`) while keeping the names: the
//! column becomes a polars `Enum` whose categories are the classes, so it is stored as
//! codes and still reads (and casts to text) as labels, and every later output speaks in
//! labels. The fitting and encoding live in [`super::categories`].

use pipewright_engine::{
    Inputs, KindDescriptor, NodeKind, Outputs, ParamSpec, ParamType, Params, PortSpec, StepContext,
    StepError, Value,
};

use super::categories::{LabelOutput, OUTPUTS, apply_labels, fit_labels, list_categories};
use crate::artifacts::fitted::{FITTED, Fitted, FittedState};
use crate::artifacts::{TABLE, Table};

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
        let enc = fit_labels(train.df(), params.text("column")?.trim(), output)?;
        ctx.log(format!(
            "{}: {} classes ({})",
            enc.column,
            enc.classes.len(),
            list_categories(&enc.classes)
        ));
        let encoded_train = train.derive(apply_labels(train.df(), &enc)?);
        let encoded_test = test.derive(apply_labels(test.df(), &enc)?);
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
    use polars::prelude::*;

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
        let enc = fit_labels(
            &df!("y" => [10i64, 9, 10]).unwrap(),
            "y",
            LabelOutput::Labels,
        )
        .unwrap();
        assert_eq!(enc.classes, ["9", "10"]);
        // An enum input is encoded by its labels again.
        let again = fit_labels(
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
