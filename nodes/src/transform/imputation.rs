//! What `transform.impute` fits and how it fills a table: the fill values of
//! scikit-learn's `SimpleImputer`. Below the fitted artifact (which stores and applies
//! them) and the step (which fits them), so neither imports the other.

use std::cmp::Ordering;

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::columns::column;
use crate::error::{NodeError, Result};
use crate::stats::sum;

/// The strategies, in the order the parameter offers them.
pub const STRATEGIES: [&str; 4] = ["mean", "median", "most_frequent", "constant"];

/// scikit-learn's `fill_value` for text columns when none is given.
pub const DEFAULT_TEXT_FILL: &str = "missing_value";

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
pub fn most_frequent<T: Clone>(mut values: Vec<T>, cmp: impl Fn(&T, &T) -> Ordering) -> Option<T> {
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
