//! `transform.cast`: changes column types (int, float, text, bool), naming the first
//! value that does not convert and its row rather than turning it into a null.

use std::fmt;

use pipewright_engine::{
    Inputs, KindDescriptor, NodeKind, Outputs, ParamSpec, ParamType, Params, PortSpec, StepContext,
    StepError, Value,
};
use polars::prelude::*;

use crate::artifacts::{TABLE, Table};
use crate::columns::column;
use crate::error::{NodeError, Result};

/// `transform.cast`.
pub struct Cast {
    desc: KindDescriptor,
}

impl Cast {
    /// The kind.
    pub fn new() -> Self {
        Self {
            desc: KindDescriptor {
                id: "transform.cast",
                version: 1,
                category: crate::category::TRANSFORM,
                title: "Cast column types",
                doc: "Changes the type of the named columns: a comma-separated list of \
                      column:type, with type int (64-bit integer), float (64-bit), text or \
                      bool, e.g. \"age:int, price:float, id:text\". Text is read trimmed; \
                      blank text becomes a missing value; bool reads true/false, yes/no, \
                      t/f, y/n and 1/0 in any case (numbers: only 0 and 1); int takes a \
                      float or \"3.0\" only when it is a whole number. The first value that \
                      does not convert stops the flow, named with its column and row; \
                      missing values stay missing.",
                inputs: vec![PortSpec::new("table", TABLE, "the table")],
                outputs: vec![PortSpec::new(
                    "table",
                    TABLE,
                    "the table with the columns converted",
                )],
                params: vec![
                    ParamSpec::new(
                        "columns",
                        ParamType::Text,
                        Value::Text(String::new()),
                        "comma-separated column:type pairs, type one of int, float, text, bool",
                    )
                    .required(),
                ],
            },
        }
    }
}

/// A type a column can be cast to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// 64-bit signed integers.
    Int,
    /// 64-bit floats.
    Float,
    /// UTF-8 text.
    Text,
    /// Booleans.
    Bool,
}

impl Target {
    /// The names the `columns` parameter accepts.
    pub const NAMES: &'static str = "int, float, text, bool";

    fn parse(name: &str) -> Option<Self> {
        match name {
            "int" => Some(Self::Int),
            "float" => Some(Self::Float),
            "text" => Some(Self::Text),
            "bool" => Some(Self::Bool),
            _ => None,
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Int => "int",
            Self::Float => "float",
            Self::Text => "text",
            Self::Bool => "bool",
        })
    }
}

/// Why a cast failed.
#[derive(Debug, thiserror::Error)]
pub enum CastError {
    /// A value does not convert.
    #[error("column {column:?}: row {row} is {value}, which is not {article} {target}")]
    Value {
        /// The column.
        column: String,
        /// 1-based data row.
        row: usize,
        /// The value as shown (text quoted).
        value: String,
        /// "a" or "an".
        article: &'static str,
        /// The type asked for.
        target: Target,
    },
    /// The column's type has no conversion to the target.
    #[error("column {column:?} has type {dtype}, which cannot be cast to {target}")]
    Unsupported {
        /// The column.
        column: String,
        /// Its polars type.
        dtype: String,
        /// The type asked for.
        target: Target,
    },
    /// Any other failure of the catalogue (parameter, unknown column, polars).
    #[error(transparent)]
    Node(#[from] NodeError),
}

impl From<CastError> for StepError {
    fn from(e: CastError) -> Self {
        match e {
            CastError::Node(n) => n.into(),
            other => StepError::Failed(other.to_string()),
        }
    }
}

/// Parses `column:type, …` (the last `:` splits, so a column name may hold one).
pub fn parse_casts(text: &str) -> Result<Vec<(String, Target)>> {
    let mut out: Vec<(String, Target)> = Vec::new();
    for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let Some((name, ty)) = item.rsplit_once(':') else {
            return Err(NodeError::Param {
                param: "columns",
                message: format!("{item:?} has no type (write {item}:int, for instance)"),
            });
        };
        let (name, ty) = (name.trim(), ty.trim());
        let Some(target) = Target::parse(&ty.to_lowercase()) else {
            return Err(NodeError::Param {
                param: "columns",
                message: format!("{item:?}: type {ty:?} is not one of {}", Target::NAMES),
            });
        };
        if name.is_empty() {
            return Err(NodeError::Param {
                param: "columns",
                message: format!("{item:?} names no column"),
            });
        }
        if out.iter().any(|(n, _)| n == name) {
            return Err(NodeError::Param {
                param: "columns",
                message: format!("column {name:?} is named twice"),
            });
        }
        out.push((name.to_owned(), target));
    }
    if out.is_empty() {
        return Err(NodeError::Param {
            param: "columns",
            message: "names no column".into(),
        });
    }
    Ok(out)
}

/// `df` with each named column converted.
pub fn cast(df: &DataFrame, casts: &[(String, Target)]) -> Result<DataFrame, CastError> {
    let mut out = df.clone();
    for (name, target) in casts {
        let converted = cast_column(column(df, name)?, *target)?;
        out.with_column(converted)
            .map_err(NodeError::polars(format!("replacing column {name:?}")))?;
    }
    Ok(out)
}

fn polars_err(col: &Column) -> impl FnOnce(PolarsError) -> CastError {
    let context = format!("column {:?}", col.name());
    move |e| CastError::Node(NodeError::polars(context)(e))
}

fn bad(col: &Column, row: usize, value: String, target: Target) -> CastError {
    CastError::Value {
        column: col.name().to_string(),
        row: row + 1,
        value,
        article: if target == Target::Int { "an" } else { "a" },
        target,
    }
}

/// A column's values as `f64` (for numeric sources).
fn floats(col: &Column) -> Result<Vec<Option<f64>>, CastError> {
    let cast = col.cast(&DataType::Float64).map_err(polars_err(col))?;
    Ok(cast.f64().map_err(polars_err(col))?.iter().collect())
}

/// A column's text values, trimmed, blank ones missing.
fn trimmed(col: &Column) -> Result<Vec<Option<&str>>, CastError> {
    Ok(col
        .str()
        .map_err(polars_err(col))?
        .iter()
        .map(|v| v.map(str::trim).filter(|s| !s.is_empty()))
        .collect())
}

/// A whole `f64` as an `i64`, if it is one and fits.
fn whole(v: f64) -> Option<i64> {
    // 2^63 is exactly representable; every float below it in magnitude fits an i64.
    let limit = 9_223_372_036_854_775_808.0;
    (v.fract() == 0.0 && v >= -limit && v < limit).then_some(v as i64)
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.to_lowercase().as_str() {
        "true" | "t" | "yes" | "y" | "1" => Some(true),
        "false" | "f" | "no" | "n" | "0" => Some(false),
        _ => None,
    }
}

fn cast_column(col: &Column, target: Target) -> Result<Column, CastError> {
    let name = col.name().clone();
    let dtype = col.dtype();
    let unsupported = || CastError::Unsupported {
        column: name.to_string(),
        dtype: dtype.to_string(),
        target,
    };
    let is_text = matches!(dtype, DataType::String);
    let is_number = dtype.is_numeric() || dtype.is_bool();
    match target {
        Target::Text => {
            if !(is_text || is_number) {
                return Err(unsupported());
            }
            col.cast(&DataType::String).map_err(polars_err(col))
        }
        Target::Float if is_text => {
            let values = trimmed(col)?
                .into_iter()
                .enumerate()
                .map(|(i, v)| {
                    v.map(|s| {
                        s.parse::<f64>()
                            .map_err(|_| bad(col, i, format!("{s:?}"), target))
                    })
                    .transpose()
                })
                .collect::<Result<Vec<Option<f64>>, _>>()?;
            Ok(Column::new(name, values))
        }
        Target::Float if is_number => col.cast(&DataType::Float64).map_err(polars_err(col)),
        Target::Int if is_text => {
            let values = trimmed(col)?
                .into_iter()
                .enumerate()
                .map(|(i, v)| {
                    v.map(|s| {
                        s.parse::<i64>()
                            .ok()
                            .or_else(|| s.parse::<f64>().ok().and_then(whole))
                            .ok_or_else(|| bad(col, i, format!("{s:?}"), target))
                    })
                    .transpose()
                })
                .collect::<Result<Vec<Option<i64>>, _>>()?;
            Ok(Column::new(name, values))
        }
        Target::Int if dtype.is_float() => {
            let values = floats(col)?
                .into_iter()
                .enumerate()
                .map(|(i, v)| {
                    v.map(|x| whole(x).ok_or_else(|| bad(col, i, x.to_string(), target)))
                        .transpose()
                })
                .collect::<Result<Vec<Option<i64>>, _>>()?;
            Ok(Column::new(name, values))
        }
        Target::Int if is_number => {
            // Integers and booleans: only a u64 above i64::MAX does not fit, and the
            // lenient cast turns exactly those into nulls, so a new null is the culprit.
            let cast = col.cast(&DataType::Int64).map_err(polars_err(col))?;
            let before = col.is_null();
            let after = cast.is_null();
            if let Some(i) = before
                .iter()
                .zip(after.iter())
                .position(|(b, a)| b != Some(true) && a == Some(true))
            {
                let shown = col.get(i).map(|v| v.to_string()).unwrap_or_default();
                return Err(bad(col, i, shown, target));
            }
            Ok(cast)
        }
        Target::Bool if is_text => {
            let values = trimmed(col)?
                .into_iter()
                .enumerate()
                .map(|(i, v)| {
                    v.map(|s| parse_bool(s).ok_or_else(|| bad(col, i, format!("{s:?}"), target)))
                        .transpose()
                })
                .collect::<Result<Vec<Option<bool>>, _>>()?;
            Ok(Column::new(name, values))
        }
        Target::Bool if dtype.is_bool() => Ok(col.clone()),
        Target::Bool if is_number => {
            let values = floats(col)?
                .into_iter()
                .enumerate()
                .map(|(i, v)| {
                    v.map(|x| match x {
                        0.0 => Ok(false),
                        1.0 => Ok(true),
                        _ => Err(bad(col, i, x.to_string(), target)),
                    })
                    .transpose()
                })
                .collect::<Result<Vec<Option<bool>>, _>>()?;
            Ok(Column::new(name, values))
        }
        _ => Err(unsupported()),
    }
}

impl NodeKind for Cast {
    fn descriptor(&self) -> &KindDescriptor {
        &self.desc
    }

    fn run(
        &self,
        ctx: &mut StepContext<'_>,
        inputs: &Inputs,
        params: &Params,
    ) -> Result<Outputs, StepError> {
        let table = inputs.get::<Table>("table")?;
        let casts = parse_casts(params.text("columns")?)?;
        let out = cast(table.df(), &casts)?;
        let changes: Vec<String> = casts
            .iter()
            .filter_map(|(name, target)| {
                let before = table.df().column(name).ok()?.dtype().to_string();
                Some(format!("{name}: {before} → {target}"))
            })
            .collect();
        ctx.log(format!("cast {}", changes.join(", ")));
        Ok(Outputs::new().with("table", table.derive(out)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::*;

    fn sample() -> DataFrame {
        df!(
            "age" => [Some(" 41 "), Some("3.0"), None, Some("")],
            "price" => [Some("1.5"), Some("2"), Some("-3e2"), None],
            "flag" => [Some("Yes"), Some("f"), Some("1"), Some("FALSE")],
            "x" => [1.0, 0.0, 0.0, 1.0],
            "n" => [1i64, 0, 1, 7],
        )
        .unwrap()
    }

    fn casted(spec: &str) -> std::result::Result<DataFrame, String> {
        casted_df(sample(), spec)
    }

    fn casted_df(df: DataFrame, spec: &str) -> std::result::Result<DataFrame, String> {
        let kind = Cast::new();
        run(
            &kind,
            &tables(&[("table", df)]),
            &params(&kind, &[("columns", Value::Text(spec.into()))]),
        )
        .map(|o| frame(&o, "table").clone())
        .map_err(|e| e.to_string())
    }

    #[test]
    fn text_becomes_numbers_and_booleans_blank_as_missing() {
        let df = casted("age:int, price: float, flag:bool").unwrap();
        let age: Vec<Option<i64>> = df.column("age").unwrap().i64().unwrap().iter().collect();
        assert_eq!(age, [Some(41), Some(3), None, None]);
        let price: Vec<Option<f64>> = df.column("price").unwrap().f64().unwrap().iter().collect();
        assert_eq!(price, [Some(1.5), Some(2.0), Some(-300.0), None]);
        let flag: Vec<Option<bool>> = df.column("flag").unwrap().bool().unwrap().iter().collect();
        assert_eq!(flag, [Some(true), Some(false), Some(true), Some(false)]);
        assert_eq!(df.get_column_names(), ["age", "price", "flag", "x", "n"]);
    }

    #[test]
    fn numbers_become_ints_text_and_booleans() {
        let df = casted("x:int, n:text").unwrap();
        let x: Vec<Option<i64>> = df.column("x").unwrap().i64().unwrap().iter().collect();
        assert_eq!(x, [Some(1), Some(0), Some(0), Some(1)]);
        let n: Vec<Option<&str>> = df.column("n").unwrap().str().unwrap().iter().collect();
        assert_eq!(n, [Some("1"), Some("0"), Some("1"), Some("7")]);
        let df = casted("x:bool, n:float").unwrap();
        assert_eq!(df.column("x").unwrap().dtype(), &DataType::Boolean);
        assert_eq!(df.column("n").unwrap().dtype(), &DataType::Float64);
    }

    #[test]
    fn a_value_that_does_not_convert_is_named_with_its_row() {
        let text = df!("s" => ["1", "2", "two"]).unwrap();
        assert_eq!(
            casted_df(text.clone(), "s:int").unwrap_err(),
            "column \"s\": row 3 is \"two\", which is not an int"
        );
        assert_eq!(
            casted_df(text.clone(), "s:float").unwrap_err(),
            "column \"s\": row 3 is \"two\", which is not a float"
        );
        assert_eq!(
            casted_df(text, "s:bool").unwrap_err(),
            "column \"s\": row 2 is \"2\", which is not a bool"
        );
        assert_eq!(
            casted_df(df!("x" => [1.0, 2.5]).unwrap(), "x:int").unwrap_err(),
            "column \"x\": row 2 is 2.5, which is not an int"
        );
        assert_eq!(
            casted("n:bool").unwrap_err(),
            "column \"n\": row 4 is 7, which is not a bool"
        );
        let big = df!("u" => [1u64, u64::MAX]).unwrap();
        assert_eq!(
            casted_df(big, "u:int").unwrap_err(),
            "column \"u\": row 2 is 18446744073709551615, which is not an int"
        );
    }

    #[test]
    fn bad_parameters_say_what_is_wrong() {
        assert_eq!(
            casted("age").unwrap_err(),
            "parameter \"columns\": \"age\" has no type (write age:int, for instance)"
        );
        assert_eq!(
            casted("age:integer").unwrap_err(),
            "parameter \"columns\": \"age:integer\": type \"integer\" is not one of int, float, text, bool"
        );
        assert_eq!(
            casted("age:int, age:float").unwrap_err(),
            "parameter \"columns\": column \"age\" is named twice"
        );
        assert_eq!(
            casted(" , ").unwrap_err(),
            "parameter \"columns\": names no column"
        );
        assert_eq!(
            casted("zip:int").unwrap_err(),
            "unknown column \"zip\" (the table has: age, price, flag, x, n)"
        );
    }
}
