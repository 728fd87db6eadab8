//! `transform.impute`: fills missing values with a value fitted on the training table
//! (mean, median, most frequent value, or a constant), like scikit-learn's
//! `SimpleImputer`; the fitting and filling live in [`super::imputation`].

use pipewright_engine::{
    Inputs, KindDescriptor, NodeKind, Outputs, ParamSpec, ParamType, Params, PortSpec, StepContext,
    StepError, Value,
};

use super::imputation::{STRATEGIES, Strategy, apply, fit, missing_count};
use crate::artifacts::fitted::{FITTED, Fitted, FittedState};
use crate::artifacts::{TABLE, Table};
use crate::columns::parse_list;

/// `transform.impute`.
pub struct Impute {
    desc: KindDescriptor,
}

impl Impute {
    /// The kind.
    pub fn new() -> Self {
        Self {
            desc: KindDescriptor {
                id: "transform.impute",
                version: 1,
                category: crate::category::TRANSFORM,
                title: "Impute missing values",
                doc: "Fills missing values (nulls, and NaN in float columns) with a value \
                      fitted on the training table and used for both tables, like \
                      scikit-learn's SimpleImputer: the mean or the median of the column \
                      (numeric columns; the median of an even count is the mean of the \
                      middle two), its most frequent value (any column; a tie goes to the \
                      smallest value, as in scikit-learn), or a constant (fill_value, read \
                      as the column's type; empty means 0 for numbers and \
                      \"missing_value\" for text). Mean and median turn the column into \
                      floats. With no columns named, every column with a missing value on \
                      the training rows is filled (only the numeric ones for mean and \
                      median); name a column to fill test rows of a column that is \
                      complete on train. A column with no value at all on train is an \
                      error (scikit-learn would drop it silently).",
                inputs: vec![
                    PortSpec::new("train", TABLE, "rows the fill values are fitted on"),
                    PortSpec::new("test", TABLE, "rows filled with the same values"),
                ],
                outputs: vec![
                    PortSpec::new("train", TABLE, "the training rows, filled"),
                    PortSpec::new("test", TABLE, "the test rows, filled"),
                    PortSpec::new(
                        "fitted",
                        FITTED,
                        "the fill value of each column, to fill new rows the same way",
                    ),
                ],
                params: vec![
                    ParamSpec::new(
                        "strategy",
                        ParamType::Choice(STRATEGIES.iter().map(|s| (*s).to_owned()).collect()),
                        Value::Text("mean".into()),
                        "mean, median (numeric columns), most_frequent or constant",
                    ),
                    ParamSpec::new(
                        "columns",
                        ParamType::Text,
                        Value::Text(String::new()),
                        "comma-separated columns to fill; empty: every column with a \
                         missing value on train (numeric ones for mean and median)",
                    ),
                    ParamSpec::new(
                        "fill_value",
                        ParamType::Text,
                        Value::Text(String::new()),
                        "the constant of strategy constant, read as each column's type \
                         (empty: 0, or \"missing_value\" for text)",
                    ),
                ],
            },
        }
    }
}

impl NodeKind for Impute {
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
        let strategy = Strategy::parse(params.text("strategy")?)?;
        let columns = parse_list(params.text("columns")?);
        let fills = fit(train.df(), strategy, &columns, params.text("fill_value")?)?;
        ctx.check_cancelled()?;
        for f in &fills {
            let missing = train.df().column(&f.column).map(missing_count).unwrap_or(0);
            ctx.log(format!(
                "{}: fill {} ({}; {missing} missing on train)",
                f.column,
                f.value,
                strategy.name()
            ));
        }
        if fills.is_empty() {
            ctx.log("no column with missing values to fill");
        }
        let filled_train = train.derive(apply(train.df(), &fills)?);
        let filled_test = test.derive(apply(test.df(), &fills)?);
        Ok(Outputs::new()
            .with("train", filled_train)
            .with("test", filled_test)
            .with(
                "fitted",
                Fitted::new(self.desc.id, FittedState::Impute { strategy, fills }),
            ))
    }
}

#[cfg(test)]
mod tests {
    use polars::prelude::*;

    use super::*;
    use crate::testutil::*;
    use crate::transform::imputation::{DEFAULT_TEXT_FILL, median, most_frequent};

    fn train() -> DataFrame {
        df!(
            "x" => [Some(1.0), None, Some(3.0), Some(f64::NAN), Some(10.0)],
            "n" => [Some(4i64), Some(2), None, Some(2), Some(4)],
            "s" => [Some("b"), None, Some("a"), Some("b"), Some("a")],
            "full" => [1.0, 2.0, 3.0, 4.0, 5.0],
        )
        .unwrap()
    }

    fn test_frame() -> DataFrame {
        df!(
            "x" => [None, Some(7.0)],
            "n" => [None, Some(1i64)],
            "s" => [None, Some("c")],
            "full" => [Some(f64::NAN), Some(1.0)],
        )
        .unwrap()
    }

    fn go(set: &[(&str, Value)]) -> Result<Outputs, StepError> {
        let kind = Impute::new();
        let p = params(&kind, set);
        run(
            &kind,
            &tables(&[("train", train()), ("test", test_frame())]),
            &p,
        )
    }

    fn values(df: &DataFrame, c: &str) -> Vec<Option<f64>> {
        let cast = df.column(c).unwrap().cast(&DataType::Float64).unwrap();
        cast.f64().unwrap().iter().collect()
    }

    fn texts(df: &DataFrame, c: &str) -> Vec<Option<String>> {
        let col = df.column(c).unwrap();
        col.str()
            .unwrap()
            .iter()
            .map(|s| s.map(str::to_owned))
            .collect()
    }

    #[test]
    fn mean_fills_the_numeric_columns_with_missing_values_and_nan_counts_as_missing() {
        let out = go(&[]).unwrap();
        let (tr, te) = (frame(&out, "train"), frame(&out, "test"));
        // x: (1 + 3 + 10) / 3; n: (4 + 2 + 2 + 4) / 4; "full" has none on train.
        assert_eq!(
            values(tr, "x"),
            [1.0, 14.0 / 3.0, 3.0, 14.0 / 3.0, 10.0].map(Some)
        );
        assert_eq!(values(tr, "n"), [4.0, 2.0, 3.0, 2.0, 4.0].map(Some));
        assert!(
            tr.column("n").unwrap().dtype().is_float(),
            "a mean is a float"
        );
        assert_eq!(values(te, "x"), [14.0 / 3.0, 7.0].map(Some));
        assert!(values(te, "full")[0].unwrap().is_nan(), "not fitted: left");
        assert_eq!(texts(te, "s")[0], None, "text is not averaged");
        let fitted = output::<Fitted>(&out, "fitted");
        let FittedState::Impute { fills, .. } = &fitted.state else {
            panic!("{fitted:?}")
        };
        assert_eq!(fills.len(), 2);
    }

    #[test]
    fn median_is_the_mean_of_the_middle_two_for_an_even_count() {
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&mut [5.0, 1.0, 3.0]), Some(3.0));
        assert_eq!(median(&mut []), None);
        let out = go(&[("strategy", Value::Text("median".into()))]).unwrap();
        assert_eq!(values(frame(&out, "test"), "x")[0], Some(3.0));
        assert_eq!(values(frame(&out, "test"), "n")[0], Some(3.0));
    }

    #[test]
    fn most_frequent_breaks_ties_towards_the_smallest_value_and_keeps_types() {
        assert_eq!(most_frequent(vec![3, 1, 3, 1, 2], i64::cmp), Some(1));
        assert_eq!(most_frequent(vec![3, 1, 3], i64::cmp), Some(3));
        assert_eq!(most_frequent(Vec::<i64>::new(), i64::cmp), None);
        let out = go(&[
            ("strategy", Value::Text("most_frequent".into())),
            ("columns", Value::Text("n, s".into())),
        ])
        .unwrap();
        let te = frame(&out, "test");
        assert_eq!(te.column("n").unwrap().dtype(), &DataType::Int64);
        assert_eq!(values(te, "n"), [Some(2.0), Some(1.0)], "2 and 4 tie: 2");
        assert_eq!(
            texts(te, "s"),
            [Some("a".into()), Some("c".into())],
            "a and b tie: a"
        );
    }

    #[test]
    fn constant_is_read_as_each_columns_type_with_scikit_learns_defaults() {
        let out = go(&[
            ("strategy", Value::Text("constant".into())),
            ("columns", Value::Text("n, s".into())),
            ("fill_value", Value::Text("7".into())),
        ])
        .unwrap();
        let te = frame(&out, "test");
        assert_eq!(values(te, "n")[0], Some(7.0));
        assert_eq!(texts(te, "s")[0], Some("7".into()));
        let out = go(&[
            ("strategy", Value::Text("constant".into())),
            ("columns", Value::Text("x,s".into())),
        ])
        .unwrap();
        let te = frame(&out, "test");
        assert_eq!(values(te, "x")[0], Some(0.0));
        assert_eq!(texts(te, "s")[0], Some(DEFAULT_TEXT_FILL.into()));
    }

    #[test]
    fn bad_inputs_are_named() {
        let strategy = |s: &str| ("strategy", Value::Text(s.into()));
        let cols = |s: &str| ("columns", Value::Text(s.into()));
        assert_eq!(
            failure(go(&[cols("s")])),
            "column \"s\" is text (str), not numeric: strategy mean needs numbers (use \
             most_frequent or constant for it)"
        );
        assert_eq!(
            failure(go(&[cols("zz")])),
            "parameter \"columns\": unknown column \"zz\" (the table has: x, n, s, full)"
        );
        assert_eq!(
            failure(go(&[
                strategy("constant"),
                cols("n"),
                ("fill_value", Value::Text("2.5".into()))
            ])),
            "parameter \"fill_value\": \"2.5\" is not a whole number, as column \"n\" (i64) \
             needs"
        );
        let kind = Impute::new();
        let empty = df!("x" => [None::<f64>, None]).unwrap();
        let inputs = tables(&[("train", empty.clone()), ("test", empty)]);
        assert_eq!(
            failure(run(&kind, &inputs, &params(&kind, &[]))),
            "column \"x\" has no value on the training rows (all 2 are missing), so there is \
             no mean to fill it with"
        );
        // The test table lacks a fitted column, or has it as text.
        let inputs = tables(&[("train", train()), ("test", df!("y" => [1.0]).unwrap())]);
        assert_eq!(
            failure(run(&kind, &inputs, &params(&kind, &[cols("x")]))),
            "unknown column \"x\" (the table has: y)"
        );
        let inputs = tables(&[("train", train()), ("test", df!("x" => ["a"]).unwrap())]);
        assert_eq!(
            failure(run(&kind, &inputs, &params(&kind, &[cols("x")]))),
            "column \"x\" has type str, but the imputer fitted a number (4.666666666666667) \
             for it on the training rows"
        );
    }

    #[test]
    fn the_fitted_state_fills_new_rows_as_the_test_rows_were() {
        let out = go(&[("strategy", Value::Text("median".into()))]).unwrap();
        let fitted = output::<Fitted>(&out, "fitted");
        let again = fitted.apply(&Table::new(test_frame())).unwrap();
        assert_eq!(again.df(), frame(&out, "test"));
        assert!(fitted.state.summary().contains("median"));
    }
}
