//! `transform.deduplicate`: keeps the first of the rows that agree on some columns,
//! like pandas' `drop_duplicates(subset, keep="first")`.

use std::collections::HashMap;

use pipewright_engine::{
    Inputs, KindDescriptor, NodeKind, Outputs, ParamSpec, ParamType, Params, PortSpec, StepContext,
    StepError, Value,
};
use polars::prelude::*;

use crate::artifacts::{TABLE, Table};
use crate::columns::{column, parse_list};
use crate::error::{NodeError, Result};

/// `transform.deduplicate`.
pub struct Deduplicate {
    desc: KindDescriptor,
}

impl Deduplicate {
    /// The kind.
    pub fn new() -> Self {
        Self {
            desc: KindDescriptor {
                id: "transform.deduplicate",
                version: 1,
                category: crate::category::TRANSFORM,
                title: "Deduplicate",
                doc: "Removes repeated rows, keeping the first of each, in the original \
                      order (pandas' drop_duplicates with keep=\"first\"). Rows are repeats \
                      when they agree on every named column (all columns when none is \
                      named); two missing values agree. The log names the first repeat and \
                      the row it repeats.",
                inputs: vec![PortSpec::new("table", TABLE, "the table")],
                outputs: vec![PortSpec::new(
                    "table",
                    TABLE,
                    "the first row of each group of repeats",
                )],
                params: vec![ParamSpec::new(
                    "columns",
                    ParamType::Text,
                    Value::Text(String::new()),
                    "comma-separated columns that make rows the same (empty: all)",
                )],
            },
        }
    }
}

/// What [`deduplicate`] removed.
#[derive(Clone, Debug, PartialEq)]
pub struct Deduplicated {
    /// The rows that are left.
    pub df: DataFrame,
    /// Rows removed.
    pub removed: usize,
    /// The first repeat: its 1-based row and the 1-based row it repeats.
    pub first: Option<(usize, usize)>,
}

/// The first row of each group of rows of `df` that agree on `names` (all columns if
/// empty).
pub fn deduplicate(df: &DataFrame, names: &[String]) -> Result<Deduplicated> {
    let cols: Vec<&Column> = if names.is_empty() {
        df.columns().iter().collect()
    } else {
        names.iter().map(|n| column(df, n)).collect::<Result<_>>()?
    };
    // Values compare by their text: exact for text, integers and booleans, and for
    // floats as exact as their shortest round-trip form (NaN equals NaN, as in pandas).
    let texts: Vec<StringChunked> = cols
        .iter()
        .map(|c| {
            let cast = c
                .cast(&DataType::String)
                .map_err(NodeError::polars(format!("column {:?}", c.name())))?;
            Ok(cast
                .str()
                .map_err(NodeError::polars(format!("column {:?}", c.name())))?
                .clone())
        })
        .collect::<Result<_>>()?;
    let values: Vec<Vec<Option<&str>>> = texts.iter().map(|ca| ca.iter().collect()).collect();
    let mut seen: HashMap<Vec<Option<&str>>, usize> = HashMap::with_capacity(df.height());
    let mut keep = Vec::with_capacity(df.height());
    let mut first = None;
    for row in 0..df.height() {
        let key: Vec<Option<&str>> = values.iter().map(|v| v[row]).collect();
        match seen.get(&key) {
            Some(&original) => {
                keep.push(false);
                first.get_or_insert((row + 1, original + 1));
            }
            None => {
                seen.insert(key, row);
                keep.push(true);
            }
        }
    }
    let removed = keep.iter().filter(|k| !**k).count();
    let df = crate::columns::keep_rows(df, &keep, "removing repeated rows")?;
    Ok(Deduplicated { df, removed, first })
}

impl NodeKind for Deduplicate {
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
        let out = deduplicate(table.df(), &names)?;
        let Some((row, original)) = out.first else {
            ctx.log(format!("no repeated rows: kept all {} rows", table.rows()));
            // Nothing changed: the same artifact goes on, stored once.
            return Ok(Outputs::new().with_arc("table", inputs.arc("table")?));
        };
        ctx.log(format!(
            "removed {} repeated row(s) of {}, {} left (the first: row {row} repeats row {original})",
            out.removed,
            table.rows(),
            out.df.height()
        ));
        Ok(Outputs::new().with("table", table.derive(out.df)))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::testutil::*;

    fn sample() -> DataFrame {
        df!(
            "s" => [Some("a"), Some("b"), Some("a"), None, None, Some("a")],
            "x" => [1.0, 2.0, 1.0, 3.0, 3.0, 9.0],
            "k" => [1i64, 2, 3, 4, 5, 6],
        )
        .unwrap()
    }

    fn deduplicated(cols: &str) -> (std::result::Result<Vec<i64>, String>, Vec<String>) {
        let kind = Deduplicate::new();
        let dir = tempfile::tempdir().unwrap();
        let (out, logs) = run_in(
            dir.path(),
            &kind,
            &tables(&[("table", sample())]),
            &params(&kind, &[("columns", Value::Text(cols.into()))]),
        );
        let keys = out.map_err(|e| e.to_string()).map(|o| {
            frame(&o, "table")
                .column("k")
                .unwrap()
                .i64()
                .unwrap()
                .iter()
                .flatten()
                .collect()
        });
        (keys, logs)
    }

    #[test]
    fn the_first_of_each_repeat_is_kept_in_order_and_nulls_agree() {
        let (keys, logs) = deduplicated("s, x");
        assert_eq!(keys.unwrap(), [1, 2, 4, 6]);
        assert_eq!(
            logs,
            ["removed 2 repeated row(s) of 6, 4 left (the first: row 3 repeats row 1)"]
        );
        assert_eq!(deduplicated("s").0.unwrap(), [1, 2, 4]);
    }

    #[test]
    fn all_columns_by_default_so_distinct_rows_pass_as_the_same_artifact() {
        let kind = Deduplicate::new();
        let inputs = tables(&[("table", sample())]);
        let out = run(&kind, &inputs, &params(&kind, &[])).unwrap();
        let (_, passed) = out.iter().next().unwrap();
        assert!(Arc::ptr_eq(passed, &inputs.arc("table").unwrap()));
    }

    #[test]
    fn floats_that_differ_in_the_last_digit_are_not_repeats() {
        let df = df!("x" => [0.1 + 0.2, 0.3, 0.3, f64::NAN, f64::NAN]).unwrap();
        let out = deduplicate(&df, &[]).unwrap();
        assert_eq!(out.removed, 2);
        assert_eq!(out.first, Some((3, 2)));
    }

    #[test]
    fn an_unknown_column_lists_the_available_ones() {
        assert_eq!(
            deduplicated("s, y").0.unwrap_err(),
            "unknown column \"y\" (the table has: s, x, k)"
        );
    }
}
