//! `transform.impute`: fills missing values with a value fitted on the training table
//! (mean, median, most frequent value, or a constant), like scikit-learn's
//! `SimpleImputer`.

use std::cmp::Ordering;

use pipewright_engine::{
    Inputs, KindDescriptor, NodeKind, Outputs, ParamSpec, ParamType, Params, PortSpec, StepContext,
    StepError, Value,
};
use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::artifacts::fitted::{FITTED, Fitted, FittedState};
use crate::artifacts::{TABLE, Table};
use crate::columns::{column, parse_list};
use crate::error::{NodeError, Result};
use crate::stats::sum;

/// The strategies, in the order the parameter offers them.
pub const STRATEGIES: [&str; 4] = ["mean", "median", "most_frequent", "constant"];

/// scikit-learn's `fill_value` for text columns when none is given.
pub const DEFAULT_TEXT_FILL: &str = "missing_value";

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

/// How a column's missing values are filled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// The mean of the present values.
    Mean,
    /// Their median.
    Median,
    /// The most frequent one (ties: the smallest).
    MostFrequent,
    /// A given constant.
    Constant,
}

impl Strategy {
    /// The strategy named by the parameter.
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "mean" => Ok(Self::Mean),
            "median" => Ok(Self::Median),
            "most_frequent" => Ok(Self::MostFrequent),
            "constant" => Ok(Self::Constant),
            other => Err(NodeError::Param {
                param: "strategy",
                message: format!("{other:?} is not one of {}", STRATEGIES.join(", ")),
            }),
        }
    }

    /// The parameter's name for it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Mean => "mean",
            Self::Median => "median",
            Self::MostFrequent => "most_frequent",
            Self::Constant => "constant",
        }
    }

    fn numeric_only(self) -> bool {
        matches!(self, Self::Mean | Self::Median)
    }
}

/// A fill value, typed as the column it fills.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FillValue {
    /// For a float column (and any numeric column filled with a mean or median).
    Float(f64),
    /// For an integer column.
    Int(i64),
    /// For a text column.
    Text(String),
    /// For a boolean column.
    Bool(bool),
}

impl std::fmt::Display for FillValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FillValue::Float(v) => write!(f, "{v}"),
            FillValue::Int(v) => write!(f, "{v}"),
            FillValue::Text(v) => write!(f, "{v:?}"),
            FillValue::Bool(v) => write!(f, "{v}"),
        }
    }
}

/// What the imputer fitted for one column.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Fill {
    /// The column.
    pub column: String,
    /// The value its missing values become.
    pub value: FillValue,
}

/// The kinds of column the imputer fills.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Float,
    Int,
    Text,
    Bool,
}

fn kind_of(col: &Column) -> Result<Kind> {
    let dtype = col.dtype();
    if dtype.is_float() {
        Ok(Kind::Float)
    } else if dtype.is_integer() {
        Ok(Kind::Int)
    } else if dtype.is_string() || dtype.is_categorical() || dtype.is_enum() {
        Ok(Kind::Text)
    } else if dtype.is_bool() {
        Ok(Kind::Bool)
    } else {
        Err(NodeError::Column {
            column: col.name().to_string(),
            reason: format!("has type {dtype}, which the imputer cannot fill"),
        })
    }
}

/// Whether a column has a missing value: a null, or NaN in a float column.
pub fn has_missing(col: &Column) -> bool {
    if col.null_count() > 0 {
        return true;
    }
    col.dtype().is_float()
        && col
            .cast(&DataType::Float64)
            .ok()
            .and_then(|c| c.f64().ok().map(|ca| ca.iter().flatten().any(f64::is_nan)))
            .unwrap_or(false)
}

fn polars_context(col: &Column) -> String {
    format!("column {:?}", col.name().as_str())
}

/// The present values of a numeric column as `f64`s (nulls and NaN left out).
fn present_f64(col: &Column) -> Result<Vec<f64>> {
    let cast = col
        .cast(&DataType::Float64)
        .map_err(NodeError::polars(polars_context(col)))?;
    let ca = cast.f64().map_err(NodeError::polars(polars_context(col)))?;
    // `+ 0.0` turns −0 into 0, which numpy counts as the same value.
    Ok(ca
        .iter()
        .flatten()
        .filter(|v| !v.is_nan())
        .map(|v| v + 0.0)
        .collect())
}

fn text_column(col: &Column) -> Result<Column> {
    col.cast(&DataType::String)
        .map_err(NodeError::polars(polars_context(col)))
}

/// The value seen most often; a tie goes to the smallest (scikit-learn's `_most_frequent`).
fn most_frequent<T: Clone>(mut values: Vec<T>, cmp: impl Fn(&T, &T) -> Ordering) -> Option<T> {
    values.sort_by(&cmp);
    let mut best: Option<(usize, usize)> = None; // (start, count)
    let mut start = 0;
    for i in 1..=values.len() {
        if i == values.len() || cmp(&values[i], &values[start]) != Ordering::Equal {
            let count = i - start;
            // Strictly more: the first (smallest) of equal counts stays.
            if best.is_none_or(|(_, c)| count > c) {
                best = Some((start, count));
            }
            start = i;
        }
    }
    best.map(|(i, _)| values[i].clone())
}

/// The median of the values (the mean of the middle two for an even count).
pub fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let h = values.len() / 2;
    Some(if values.len() % 2 == 1 {
        values[h]
    } else {
        // numpy's median: the mean of the two, (a + b) / 2.
        (values[h - 1] + values[h]) / 2.0
    })
}

fn all_missing(col: &Column, strategy: Strategy) -> NodeError {
    NodeError::Column {
        column: col.name().to_string(),
        reason: format!(
            "has no value on the training rows (all {} are missing), so there is no {} \
             to fill it with",
            col.len(),
            strategy.name().replace('_', " ")
        ),
    }
}

fn parse_constant(col: &Column, kind: Kind, text: &str) -> Result<FillValue> {
    let text = text.trim();
    let bad = |what: &str| NodeError::Param {
        param: "fill_value",
        message: format!(
            "{text:?} is not {what}, as column {:?} ({}) needs",
            col.name().as_str(),
            col.dtype()
        ),
    };
    Ok(match kind {
        Kind::Float if text.is_empty() => FillValue::Float(0.0),
        Kind::Int if text.is_empty() => FillValue::Int(0),
        Kind::Text if text.is_empty() => FillValue::Text(DEFAULT_TEXT_FILL.into()),
        Kind::Float => FillValue::Float(
            text.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| bad("a finite number"))?,
        ),
        Kind::Int => FillValue::Int(text.parse::<i64>().map_err(|_| bad("a whole number"))?),
        Kind::Text => FillValue::Text(text.to_owned()),
        Kind::Bool => match text.to_lowercase().as_str() {
            "true" => FillValue::Bool(true),
            "false" => FillValue::Bool(false),
            _ => return Err(bad("true or false")),
        },
    })
}

/// Fits the fill value of one column of the training table.
pub fn fit_column(col: &Column, strategy: Strategy, fill_value: &str) -> Result<Fill> {
    let kind = kind_of(col)?;
    let name = col.name().to_string();
    if strategy.numeric_only() && !matches!(kind, Kind::Float | Kind::Int) {
        return Err(NodeError::Column {
            column: name,
            reason: format!(
                "is {} ({}), not numeric: strategy {} needs numbers (use most_frequent or \
                 constant for it)",
                if kind == Kind::Text { "text" } else { "bool" },
                col.dtype(),
                strategy.name()
            ),
        });
    }
    let value = match strategy {
        Strategy::Mean => {
            let values = present_f64(col)?;
            if values.is_empty() {
                return Err(all_missing(col, strategy));
            }
            FillValue::Float(sum(values.iter().copied()) / values.len() as f64)
        }
        Strategy::Median => {
            let mut values = present_f64(col)?;
            FillValue::Float(median(&mut values).ok_or_else(|| all_missing(col, strategy))?)
        }
        Strategy::MostFrequent => {
            let found = match kind {
                Kind::Float => {
                    most_frequent(present_f64(col)?, f64::total_cmp).map(FillValue::Float)
                }
                Kind::Int => {
                    let cast = col
                        .cast(&DataType::Int64)
                        .map_err(NodeError::polars(polars_context(col)))?;
                    let ca = cast.i64().map_err(NodeError::polars(polars_context(col)))?;
                    most_frequent(ca.iter().flatten().collect(), i64::cmp).map(FillValue::Int)
                }
                Kind::Text => {
                    let cast = text_column(col)?;
                    let ca = cast.str().map_err(NodeError::polars(polars_context(col)))?;
                    // Byte order of UTF-8 is code point order: Python's string order.
                    most_frequent(ca.iter().flatten().collect(), |a: &&str, b| a.cmp(b))
                        .map(|s| FillValue::Text(s.to_owned()))
                }
                Kind::Bool => {
                    let ca = col.bool().map_err(NodeError::polars(polars_context(col)))?;
                    most_frequent(ca.iter().flatten().collect(), bool::cmp).map(FillValue::Bool)
                }
            };
            found.ok_or_else(|| all_missing(col, strategy))?
        }
        Strategy::Constant => parse_constant(col, kind, fill_value)?,
    };
    Ok(Fill {
        column: name,
        value,
    })
}

/// Fits the fill values on `train`: of `columns`, or (when empty) of every column with a
/// missing value that the strategy can fill.
pub fn fit(
    train: &DataFrame,
    strategy: Strategy,
    columns: &[String],
    fill_value: &str,
) -> Result<Vec<Fill>> {
    let chosen: Vec<&Column> = if columns.is_empty() {
        train
            .columns()
            .iter()
            .filter(|c| has_missing(c))
            .filter(|c| !strategy.numeric_only() || c.dtype().is_numeric())
            .collect()
    } else {
        columns
            .iter()
            .map(|name| {
                column(train, name).map_err(|e| NodeError::Param {
                    param: "columns",
                    message: e.to_string(),
                })
            })
            .collect::<Result<_>>()?
    };
    chosen
        .iter()
        .map(|c| fit_column(c, strategy, fill_value))
        .collect()
}

fn mismatch(col: &Column, fill: &Fill) -> NodeError {
    let fitted = match fill.value {
        FillValue::Float(_) | FillValue::Int(_) => "a number",
        FillValue::Text(_) => "text",
        FillValue::Bool(_) => "true or false",
    };
    NodeError::Column {
        column: fill.column.clone(),
        reason: format!(
            "has type {}, but the imputer fitted {fitted} ({}) for it on the training rows",
            col.dtype(),
            fill.value
        ),
    }
}

/// One column with its missing values filled.
pub fn fill_column(col: &Column, fill: &Fill) -> Result<Column> {
    let name = col.name().clone();
    let ctx = || polars_context(col);
    let out = match &fill.value {
        FillValue::Float(v) => {
            if !col.dtype().is_numeric() {
                return Err(mismatch(col, fill));
            }
            let cast = col
                .cast(&DataType::Float64)
                .map_err(NodeError::polars(ctx()))?;
            let ca = cast.f64().map_err(NodeError::polars(ctx()))?;
            let values: Vec<f64> = ca
                .iter()
                .map(|x| x.filter(|x| !x.is_nan()).unwrap_or(*v))
                .collect();
            Column::new(name, values)
        }
        FillValue::Int(v) => {
            if col.dtype().is_float() {
                // A float column of the test table where train had integers: fill it as
                // a float rather than refuse a value that fits.
                let as_float = Fill {
                    column: fill.column.clone(),
                    value: FillValue::Float(*v as f64),
                };
                return fill_column(col, &as_float);
            }
            if !col.dtype().is_integer() {
                return Err(mismatch(col, fill));
            }
            let cast = col
                .cast(&DataType::Int64)
                .map_err(NodeError::polars(ctx()))?;
            let ca = cast.i64().map_err(NodeError::polars(ctx()))?;
            let values: Vec<i64> = ca.iter().map(|x| x.unwrap_or(*v)).collect();
            Column::new(name, values)
        }
        FillValue::Text(v) => {
            if kind_of(col).ok() != Some(Kind::Text) {
                return Err(mismatch(col, fill));
            }
            let cast = text_column(col)?;
            let ca = cast.str().map_err(NodeError::polars(ctx()))?;
            let values: Vec<&str> = ca.iter().map(|x| x.unwrap_or(v)).collect();
            Column::new(name, values)
        }
        FillValue::Bool(v) => {
            if !col.dtype().is_bool() {
                return Err(mismatch(col, fill));
            }
            let ca = col.bool().map_err(NodeError::polars(ctx()))?;
            let values: Vec<bool> = ca.iter().map(|x| x.unwrap_or(*v)).collect();
            Column::new(name, values)
        }
    };
    Ok(out)
}

/// Applies fitted fill values (every named column must be in `df`).
pub fn apply(df: &DataFrame, fills: &[Fill]) -> Result<DataFrame> {
    let mut out = df.clone();
    for fill in fills {
        let filled = fill_column(column(df, &fill.column)?, fill)?;
        out.with_column(filled)
            .map_err(NodeError::polars(format!("column {:?}", fill.column)))?;
    }
    Ok(out)
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

/// Missing values of a column: nulls, plus NaN in a float column.
pub fn missing_count(col: &Column) -> usize {
    let nan = if col.dtype().is_float() {
        col.cast(&DataType::Float64)
            .ok()
            .and_then(|c| {
                c.f64()
                    .ok()
                    .map(|ca| ca.iter().flatten().filter(|v| v.is_nan()).count())
            })
            .unwrap_or(0)
    } else {
        0
    };
    col.null_count() + nan
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::*;

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
