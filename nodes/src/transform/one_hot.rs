//! `transform.one_hot`: replaces categorical columns by one 0/1 column per category
//! seen on the training table, like scikit-learn's `OneHotEncoder`; the fitting and
//! encoding live in [`super::categories`].

use pipewright_engine::{
    Inputs, KindDescriptor, NodeKind, Outputs, ParamSpec, ParamType, Params, PortSpec, StepContext,
    StepError, Value,
};

use super::categories::{DROPS, UNKNOWNS, apply_one_hot, fit_one_hot};
use crate::artifacts::fitted::{FITTED, Fitted, FittedState};
use crate::artifacts::{TABLE, Table};
use crate::columns::parse_list;
use crate::error::NodeError;

/// `transform.one_hot`.
pub struct OneHot {
    desc: KindDescriptor,
}

impl OneHot {
    /// The kind.
    pub fn new() -> Self {
        Self {
            desc: KindDescriptor {
                id: "transform.one_hot",
                version: 1,
                category: crate::category::TRANSFORM,
                title: "One-hot encode",
                doc: "Replaces each named categorical column (text, bool or integer) by one \
                      float 0/1 column per category seen on the training table, named \
                      column=value, in scikit-learn's order (categories sorted: text by \
                      code point, integers by value), at the place of the column, like \
                      scikit-learn's OneHotEncoder. drop = first leaves out the first \
                      category's column (its rows are all zeros), if_binary does so only \
                      for two-category columns. A category the training rows do not have \
                      stops the flow naming its column, row and value, or with \
                      handle_unknown = ignore is encoded as all zeros. Missing values must \
                      be imputed first. A column with more than max_categories distinct \
                      values is refused: for free text use a TF-IDF or bag-of-words step.",
                inputs: vec![
                    PortSpec::new("train", TABLE, "rows the categories are read from"),
                    PortSpec::new("test", TABLE, "rows encoded with the same categories"),
                ],
                outputs: vec![
                    PortSpec::new("train", TABLE, "the training rows, encoded"),
                    PortSpec::new("test", TABLE, "the test rows, encoded"),
                    PortSpec::new(
                        "fitted",
                        FITTED,
                        "the categories of each column, to encode new rows the same way",
                    ),
                ],
                params: vec![
                    ParamSpec::new(
                        "columns",
                        ParamType::Text,
                        Value::Text(String::new()),
                        "comma-separated categorical columns to encode",
                    )
                    .required(),
                    ParamSpec::new(
                        "drop",
                        ParamType::Choice(DROPS.iter().map(|s| (*s).to_owned()).collect()),
                        Value::Text("none".into()),
                        "none, first (drop the first category's column) or if_binary (only \
                         for columns with two categories)",
                    ),
                    ParamSpec::new(
                        "handle_unknown",
                        ParamType::Choice(UNKNOWNS.iter().map(|s| (*s).to_owned()).collect()),
                        Value::Text("error".into()),
                        "a category not seen on train: error, or ignore (all zeros)",
                    ),
                    ParamSpec::new(
                        "max_categories",
                        ParamType::Int {
                            min: Some(1),
                            max: Some(10_000),
                        },
                        Value::Int(100),
                        "most distinct values a column may have (1 to 10,000)",
                    ),
                ],
            },
        }
    }
}

impl NodeKind for OneHot {
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
        let columns = parse_list(params.text("columns")?);
        let max_categories = params.int("max_categories")?;
        if max_categories < 1 {
            return Err(NodeError::Param {
                param: "max_categories",
                message: format!("{max_categories} is below 1"),
            }
            .into());
        }
        let ignore_unknown = match params.text("handle_unknown")? {
            "error" => false,
            "ignore" => true,
            other => {
                return Err(NodeError::Param {
                    param: "handle_unknown",
                    message: format!("{other:?} is not one of {}", UNKNOWNS.join(", ")),
                }
                .into());
            }
        };
        let encoded = fit_one_hot(
            train.df(),
            &columns,
            params.text("drop")?,
            max_categories as usize,
        )?;
        ctx.check_cancelled()?;
        for c in &encoded {
            ctx.log(format!(
                "{}: {} categories → {} columns",
                c.column,
                c.categories.len(),
                c.output_names().len()
            ));
        }
        let encoded_train = train.derive(apply_one_hot(train.df(), &encoded, ignore_unknown)?);
        let encoded_test = test.derive(apply_one_hot(test.df(), &encoded, ignore_unknown)?);
        Ok(Outputs::new()
            .with("train", encoded_train)
            .with("test", encoded_test)
            .with(
                "fitted",
                Fitted::new(
                    self.desc.id,
                    FittedState::OneHot {
                        columns: encoded,
                        ignore_unknown,
                    },
                ),
            ))
    }
}

#[cfg(test)]
mod tests {
    use polars::prelude::*;

    use super::*;
    use crate::testutil::*;

    fn train() -> DataFrame {
        df!(
            "id" => [1i64, 2, 3, 4],
            "colour" => ["red", "blue", "red", "green"],
            "size" => [10i64, 9, 10, 9],
            "ok" => [true, false, true, true],
        )
        .unwrap()
    }

    fn go(test: DataFrame, set: &[(&str, Value)]) -> Result<Outputs, StepError> {
        let kind = OneHot::new();
        let mut all = vec![("columns", Value::Text("colour, size, ok".into()))];
        all.extend_from_slice(set);
        let p = params(&kind, &all);
        run(&kind, &tables(&[("train", train()), ("test", test)]), &p)
    }

    fn names(df: &DataFrame) -> Vec<String> {
        df.get_column_names()
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    fn row(df: &DataFrame, i: usize) -> Vec<f64> {
        df.columns()
            .iter()
            .skip(1)
            .map(|c| c.f64().unwrap().get(i).unwrap())
            .collect()
    }

    #[test]
    fn categories_are_sorted_as_scikit_learn_and_replace_their_column() {
        let out = go(train(), &[]).unwrap();
        let tr = frame(&out, "train");
        assert_eq!(
            names(tr),
            [
                "id",
                "colour=blue",
                "colour=green",
                "colour=red",
                "size=9",
                "size=10",
                "ok=false",
                "ok=true"
            ],
            "integers by value: 9 before 10"
        );
        assert_eq!(row(tr, 0), [0.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0]);
        assert_eq!(row(tr, 1), [1.0, 0.0, 0.0, 1.0, 0.0, 1.0, 0.0]);
    }

    #[test]
    fn drop_first_and_if_binary() {
        let out = go(train(), &[("drop", Value::Text("first".into()))]).unwrap();
        assert_eq!(
            names(frame(&out, "train")),
            ["id", "colour=green", "colour=red", "size=10", "ok=true"]
        );
        let out = go(train(), &[("drop", Value::Text("if_binary".into()))]).unwrap();
        assert_eq!(
            names(frame(&out, "train")),
            [
                "id",
                "colour=blue",
                "colour=green",
                "colour=red",
                "size=10",
                "ok=true"
            ]
        );
    }

    #[test]
    fn an_unknown_category_is_named_or_ignored() {
        let test = df!(
            "id" => [5i64, 6],
            "colour" => ["red", "purple"],
            "size" => [9i64, 9],
            "ok" => [true, true],
        )
        .unwrap();
        assert_eq!(
            failure(go(test.clone(), &[])),
            "column \"colour\" row 2 is \"purple\", a category the training rows do not have \
             (they have \"blue\", \"green\", \"red\"); set handle_unknown = ignore to encode \
             it as all zeros"
        );
        let out = go(test, &[("handle_unknown", Value::Text("ignore".into()))]).unwrap();
        assert_eq!(
            row(frame(&out, "test"), 1),
            [0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0]
        );
        let fitted = output::<Fitted>(&out, "fitted");
        let again = fitted.apply(&Table::new(frame(&out, "test").clone()));
        assert!(again.is_err(), "the encoded table has no colour column");
    }

    #[test]
    fn bad_inputs_are_named() {
        let kind = OneHot::new();
        let with = |df: DataFrame, cols: &str, extra: &[(&str, Value)]| {
            let mut set = vec![("columns", Value::Text(cols.into()))];
            set.extend_from_slice(extra);
            let p = params(&kind, &set);
            failure(run(
                &kind,
                &tables(&[("train", df.clone()), ("test", df)]),
                &p,
            ))
        };
        assert_eq!(
            with(train(), "shape", &[]),
            "parameter \"columns\": unknown column \"shape\" (the table has: id, colour, size, ok)"
        );
        assert_eq!(
            with(df!("w" => [1.5, 2.5]).unwrap(), "w", &[]),
            "column \"w\" has type f64, which one-hot encoding cannot read as categories; \
             cast it to int or text first (transform.cast)"
        );
        assert_eq!(
            with(df!("c" => [Some("a"), None]).unwrap(), "c", &[]),
            "column \"c\" has a missing value at row 2; fill it first (transform.impute)"
        );
        assert_eq!(
            with(
                df!("c" => ["a", "b", "c"]).unwrap(),
                "c",
                &[("max_categories", Value::Int(2))]
            ),
            "column \"c\" has 3 distinct values, more than max_categories = 2: one-hot \
             encoding suits a few categories; for free text use TF-IDF or bag of words, or \
             raise max_categories"
        );
        assert_eq!(
            with(df!("c" => ["a"], "c=a" => [1.0]).unwrap(), "c", &[]),
            "column \"c=a\" is already in the table, so one-hot encoding cannot add it; \
             rename the existing column first"
        );
        assert_eq!(
            with(train(), "colour, colour", &[]),
            "parameter \"columns\": column \"colour\" is named twice"
        );
    }

    #[test]
    fn an_empty_table_encodes_to_no_category_columns() {
        let empty = train().slice(0, 0);
        let kind = OneHot::new();
        let p = params(&kind, &[("columns", Value::Text("colour".into()))]);
        let out = run(
            &kind,
            &tables(&[("train", empty.clone()), ("test", empty)]),
            &p,
        )
        .unwrap();
        assert_eq!(names(frame(&out, "train")), ["id", "size", "ok"]);
    }
}
