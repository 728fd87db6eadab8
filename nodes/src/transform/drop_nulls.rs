//! `transform.drop_nulls`: drops the rows with a missing value, like pandas'
//! `dropna`.

use pipewright_engine::{
    Inputs, KindDescriptor, NodeKind, Outputs, ParamSpec, ParamType, Params, PortSpec, StepContext,
    StepError, Value,
};
use polars::prelude::*;

use crate::artifacts::{TABLE, Table};
use crate::columns::{column, parse_list};
use crate::error::{NodeError, Result};

/// `transform.drop_nulls`.
pub struct DropNulls {
    desc: KindDescriptor,
}

impl DropNulls {
    /// The kind.
    pub fn new() -> Self {
        Self {
            desc: KindDescriptor {
                id: "transform.drop_nulls",
                version: 1,
                category: crate::category::TRANSFORM,
                title: "Drop rows with nulls",
                doc: "Drops every row with a missing value in the named columns (all \
                      columns when none is named), like pandas' dropna. NaN counts as \
                      missing too unless nan_is_missing is off. The log says how many rows \
                      went and which columns they were missing in; a name the table does \
                      not have stops the flow with the list of those it has.",
                inputs: vec![PortSpec::new("table", TABLE, "the table")],
                outputs: vec![PortSpec::new(
                    "table",
                    TABLE,
                    "the rows with every value present",
                )],
                params: vec![
                    ParamSpec::new(
                        "columns",
                        ParamType::Text,
                        Value::Text(String::new()),
                        "comma-separated columns that must have a value (empty: all)",
                    ),
                    ParamSpec::new(
                        "nan_is_missing",
                        ParamType::Bool,
                        Value::Bool(true),
                        "a NaN in a float column counts as missing (as in pandas)",
                    ),
                ],
            },
        }
    }
}

/// What [`drop_nulls`] removed.
#[derive(Clone, Debug, PartialEq)]
pub struct Dropped {
    /// The rows that are left.
    pub df: DataFrame,
    /// Rows removed.
    pub rows: usize,
    /// Per column looked at (in table order), its missing values; columns with none
    /// are left out.
    pub missing: Vec<(String, usize)>,
}

/// The rows of `df` with a value in every column of `names` (all columns if empty).
pub fn drop_nulls(df: &DataFrame, names: &[String], nan_is_missing: bool) -> Result<Dropped> {
    let cols: Vec<&Column> = if names.is_empty() {
        df.columns().iter().collect()
    } else {
        names.iter().map(|n| column(df, n)).collect::<Result<_>>()?
    };
    let mut keep = vec![true; df.height()];
    let mut missing = Vec::new();
    for col in cols {
        let mut count = 0;
        let nulls = col.is_null();
        for (k, null) in keep.iter_mut().zip(nulls.iter()) {
            if null == Some(true) {
                *k = false;
                count += 1;
            }
        }
        if nan_is_missing && col.dtype().is_float() {
            let cast = col
                .cast(&DataType::Float64)
                .map_err(NodeError::polars(format!("column {:?}", col.name())))?;
            let values = cast
                .f64()
                .map_err(NodeError::polars(format!("column {:?}", col.name())))?;
            for (k, v) in keep.iter_mut().zip(values.iter()) {
                if v.is_some_and(f64::is_nan) {
                    *k = false;
                    count += 1;
                }
            }
        }
        if count > 0 {
            missing.push((col.name().to_string(), count));
        }
    }
    let rows = keep.iter().filter(|k| !**k).count();
    let df = crate::columns::keep_rows(df, &keep, "dropping rows with nulls")?;
    Ok(Dropped { df, rows, missing })
}

impl NodeKind for DropNulls {
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
        let names = parse_list(params.text("columns")?);
        let dropped = drop_nulls(table.df(), &names, params.bool("nan_is_missing")?)?;
        if dropped.rows == 0 {
            ctx.log(format!("no missing values: kept all {} rows", table.rows()));
            // Nothing changed: the same artifact goes on, stored once.
            return Ok(Outputs::new().with_arc("table", inputs.arc("table")?));
        }
        let per_column: Vec<String> = dropped
            .missing
            .iter()
            .map(|(c, n)| format!("{c}: {n}"))
            .collect();
        ctx.log(format!(
            "dropped {} of {} rows, {} left (missing values per column: {})",
            dropped.rows,
            table.rows(),
            dropped.df.height(),
            per_column.join(", ")
        ));
        Ok(Outputs::new().with("table", table.derive(dropped.df)))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::testutil::*;

    fn sample() -> DataFrame {
        df!(
            "x" => [Some(1.0), None, Some(f64::NAN), Some(4.0), Some(5.0)],
            "s" => [Some("a"), Some("b"), Some("c"), None, Some("e")],
            "k" => [1i64, 2, 3, 4, 5],
        )
        .unwrap()
    }

    fn dropped(set: &[(&str, Value)]) -> (std::result::Result<Outputs, String>, Vec<String>) {
        let kind = DropNulls::new();
        let dir = tempfile::tempdir().unwrap();
        let (out, logs) = run_in(
            dir.path(),
            &kind,
            &tables(&[("table", sample())]),
            &params(&kind, set),
        );
        (out.map_err(|e| e.to_string()), logs)
    }

    fn keys(out: &Outputs) -> Vec<i64> {
        let df = frame(out, "table");
        df.column("k")
            .unwrap()
            .i64()
            .unwrap()
            .iter()
            .flatten()
            .collect()
    }

    #[test]
    fn every_column_by_default_and_nan_counts_as_missing() {
        let (out, logs) = dropped(&[]);
        assert_eq!(keys(&out.unwrap()), [1, 5]);
        assert_eq!(
            logs,
            ["dropped 3 of 5 rows, 2 left (missing values per column: x: 2, s: 1)"]
        );
    }

    #[test]
    fn only_the_named_columns_and_nan_kept_when_asked() {
        let (out, _) = dropped(&[("columns", Value::Text("x".into()))]);
        assert_eq!(keys(&out.unwrap()), [1, 4, 5]);
        let (out, _) = dropped(&[
            ("columns", Value::Text("x".into())),
            ("nan_is_missing", Value::Bool(false)),
        ]);
        assert_eq!(keys(&out.unwrap()), [1, 3, 4, 5]);
    }

    #[test]
    fn a_table_without_missing_values_passes_as_the_same_artifact() {
        let kind = DropNulls::new();
        let inputs = tables(&[("table", sample())]);
        let out = run(
            &kind,
            &inputs,
            &params(&kind, &[("columns", Value::Text("k".into()))]),
        )
        .unwrap();
        let (_, passed) = out.iter().next().unwrap();
        assert!(Arc::ptr_eq(passed, &inputs.arc("table").unwrap()));
    }

    #[test]
    fn an_unknown_column_lists_the_available_ones() {
        let (out, _) = dropped(&[("columns", Value::Text("x, z".into()))]);
        assert_eq!(
            out.unwrap_err(),
            "unknown column \"z\" (the table has: x, s, k)"
        );
    }
}
