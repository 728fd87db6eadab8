//! `data.check`: validates a table and passes it on unchanged.

use pipewright_engine::{
    Artifact, Inputs, KindDescriptor, NodeKind, Outputs, ParamSpec, ParamType, Params, PortSpec,
    StepContext, StepError, Value,
};
use polars::prelude::*;

use crate::artifacts::{TABLE, Table};
use crate::columns::{first_null_row, is_numeric, not_numeric};
use crate::error::{NodeError, Result};

/// `data.check`.
pub struct Check {
    desc: KindDescriptor,
}

impl Check {
    /// The kind.
    pub fn new() -> Self {
        Self {
            desc: KindDescriptor {
                id: "data.check",
                version: 1,
                category: crate::category::DATA,
                title: "Check data",
                doc: "Stops the flow early, with a message naming the column and row, when \
                      the table breaks a rule: too few rows, a column that is not numeric \
                      (text such as \"abc\" among numbers), missing values, NaN or infinite \
                      numbers. A table that passes goes on unchanged.",
                inputs: vec![PortSpec::new("table", TABLE, "the table to check")],
                outputs: vec![PortSpec::new("table", TABLE, "the same table, checked")],
                params: vec![
                    ParamSpec::new(
                        "min_rows",
                        ParamType::Int {
                            min: Some(0),
                            max: None,
                        },
                        Value::Int(10),
                        "fewest rows allowed",
                    ),
                    ParamSpec::new(
                        "allow_nulls",
                        ParamType::Bool,
                        Value::Bool(false),
                        "allow missing values (and NaN / infinite numbers)",
                    ),
                    ParamSpec::new(
                        "require_numeric",
                        ParamType::Bool,
                        Value::Bool(true),
                        "every column must be numeric",
                    ),
                ],
            },
        }
    }
}

/// The rules of `data.check`.
#[derive(Clone, Copy, Debug)]
pub struct Rules {
    /// Fewest rows allowed.
    pub min_rows: usize,
    /// Allow missing values, NaN and infinities.
    pub allow_nulls: bool,
    /// Every column must be numeric.
    pub require_numeric: bool,
}

/// Checks a table against the rules; the first broken rule is the error.
pub fn check(df: &DataFrame, rules: Rules) -> Result<()> {
    if df.height() < rules.min_rows {
        return Err(NodeError::TooFewRows {
            rows: df.height(),
            min_rows: rules.min_rows,
        });
    }
    for col in df.columns() {
        if rules.require_numeric && !is_numeric(col.dtype()) {
            return Err(not_numeric(col));
        }
        if rules.allow_nulls {
            continue;
        }
        if let Some(row) = first_null_row(col) {
            return Err(NodeError::Nulls {
                column: col.name().to_string(),
                count: col.null_count(),
                row,
            });
        }
        if col.dtype().is_float() {
            let cast = col
                .cast(&DataType::Float64)
                .map_err(NodeError::polars(format!("column {:?}", col.name())))?;
            let ca = cast
                .f64()
                .map_err(NodeError::polars(format!("column {:?}", col.name())))?;
            let mut offset = 0;
            for chunk in ca.downcast_iter() {
                let values = chunk.values().as_slice();
                if let Some(i) = values.iter().position(|v| !v.is_finite()) {
                    return Err(NodeError::NonFinite {
                        column: col.name().to_string(),
                        row: offset + i + 1,
                        value: values[i],
                    });
                }
                offset += values.len();
            }
        }
    }
    Ok(())
}

impl NodeKind for Check {
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
        let rules = Rules {
            min_rows: params.int("min_rows")?.max(0) as usize,
            allow_nulls: params.bool("allow_nulls")?,
            require_numeric: params.bool("require_numeric")?,
        };
        check(table.df(), rules)?;
        ctx.log(format!(
            "passed: {}{}{}",
            table.summary(),
            if rules.require_numeric {
                ", all numeric"
            } else {
                ""
            },
            if rules.allow_nulls {
                ""
            } else {
                ", no missing or non-finite values"
            }
        ));
        // The very same artifact goes on, so the engine stores it only once.
        Ok(Outputs::new().with_arc("table", inputs.arc("table")?))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::testutil::*;

    fn checked(df: DataFrame, set: &[(&str, Value)]) -> std::result::Result<Outputs, String> {
        let kind = Check::new();
        run(&kind, &tables(&[("table", df)]), &params(&kind, set)).map_err(|e| e.to_string())
    }

    fn numbers(n: usize) -> DataFrame {
        let x: Vec<f64> = (0..n).map(|i| i as f64).collect();
        let k: Vec<i64> = (0..n as i64).collect();
        df!("x" => x, "k" => k).unwrap()
    }

    #[test]
    fn a_good_table_passes_as_the_same_artifact() {
        let kind = Check::new();
        let inputs = tables(&[("table", numbers(20))]);
        let out = run(&kind, &inputs, &params(&kind, &[])).unwrap();
        let (_, passed) = out.iter().next().unwrap();
        assert!(Arc::ptr_eq(passed, &inputs.arc("table").unwrap()));
    }

    #[test]
    fn too_few_rows() {
        let err = checked(numbers(5), &[]).unwrap_err();
        assert_eq!(err, "the table has 5 row(s), fewer than min_rows = 10");
        assert!(checked(numbers(5), &[("min_rows", Value::Int(5))]).is_ok());
    }

    #[test]
    fn text_in_a_numeric_column_names_row_and_value() {
        let mut y: Vec<String> = (0..20).map(|i| i.to_string()).collect();
        y[16] = "abc".into();
        let df = df!("x" => (0..20).map(|i| i as f64).collect::<Vec<_>>(), "y" => y).unwrap();
        let err = checked(df.clone(), &[]).unwrap_err();
        assert_eq!(err, "column \"y\" is not numeric: row 17 is \"abc\"");
        assert!(checked(df, &[("require_numeric", Value::Bool(false))]).is_ok());
    }

    #[test]
    fn missing_values_name_the_column_and_first_row() {
        let x: Vec<Option<f64>> = (0..20).map(|i| (i % 7 != 3).then_some(i as f64)).collect();
        let df = df!("x" => x).unwrap();
        let err = checked(df.clone(), &[]).unwrap_err();
        assert_eq!(
            err,
            "column \"x\" has 3 missing value(s), the first at row 4"
        );
        assert!(checked(df, &[("allow_nulls", Value::Bool(true))]).is_ok());
    }

    #[test]
    fn nan_and_infinity_are_refused_unless_nulls_are_allowed() {
        for (bad, shown) in [(f64::NAN, "NaN"), (f64::INFINITY, "inf")] {
            let mut x: Vec<f64> = (0..20).map(|i| i as f64).collect();
            x[11] = bad;
            let df = df!("x" => x).unwrap();
            let err = checked(df.clone(), &[]).unwrap_err();
            assert_eq!(
                err,
                format!("column \"x\" has a value that is not a finite number: row 12 is {shown}")
            );
            assert!(checked(df, &[("allow_nulls", Value::Bool(true))]).is_ok());
        }
    }
}
