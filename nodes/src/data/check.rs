//! `data.check`: validates a table and passes it on unchanged: the fixed rules
//! (rows, numeric columns, missing values) and the per-column expectations a user
//! types (see [`expect`] for their syntax).

pub mod expect;

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
                // 2: the `expect` parameter and its combined failure message; the bump
                // keeps a result cached by version 1 from standing in for this one.
                version: 2,
                category: crate::category::DATA,
                title: "Check data",
                doc: "Stops the flow early, with a message naming the column and row, when \
                      the table breaks a rule: too few rows, a column that is not numeric \
                      (text such as \"abc\" among numbers), missing values, NaN or infinite \
                      numbers. Per-column expectations, one per line or separated by \";\": \
                      `x in [0, 100]` (range; ( ) exclude a bound, inf leaves it open), \
                      `label in {positive, negative, neutral}` (allowed values), `id unique`, \
                      `sentence not null`, `sentence not empty`, `label balance [0.1, 0.8]` \
                      (each class's share of the rows). Every broken expectation is listed \
                      with its row count and first rows, and the step fails. A table that \
                      passes goes on unchanged.",
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
                    ParamSpec::new(
                        "expect",
                        ParamType::Text,
                        Value::Text(String::new()),
                        "per-column expectations, \";\"-separated, e.g. \
                         `x in [0, 100]; label in {a, b}; id unique; s not empty; label balance [0.1, 0.8]`",
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

/// The step's failure, if any: a broken fixed rule alone keeps its message of
/// version 1; broken expectations are all listed, one per line, after it.
fn failure_message(fixed: Option<&NodeError>, violations: &[expect::Violation]) -> Option<String> {
    if violations.is_empty() {
        return fixed.map(ToString::to_string);
    }
    let mut message = String::new();
    if let Some(e) = fixed {
        message.push_str(&format!("{e}\n"));
    }
    message.push_str(&format!("{} expectation(s) violated:", violations.len()));
    for v in violations {
        message.push_str(&format!("\n  - {v}"));
    }
    Some(message)
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
        let expectations =
            expect::parse(params.text("expect")?).map_err(|e| StepError::Failed(e.to_string()))?;
        let fixed = check(table.df(), rules);
        let violations = expect::evaluate(table.df(), &expectations);
        if let Some(message) = failure_message(fixed.as_ref().err(), &violations) {
            // The log keeps the list too: the step's error is one line in some views.
            for v in &violations {
                ctx.log(format!("violated: {v}"));
            }
            return Err(StepError::Failed(message));
        }
        ctx.log(format!(
            "passed: {}{}{}{}",
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
            },
            if expectations.is_empty() {
                String::new()
            } else {
                format!(", {} expectation(s) met", expectations.len())
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

    fn labelled(n: usize) -> DataFrame {
        let label: Vec<&str> = (0..n)
            .map(|i| ["positive", "negative", "neutral"][i % 3])
            .collect();
        let id: Vec<i64> = (0..n as i64).collect();
        df!("id" => id, "label" => label).unwrap()
    }

    fn text_rules(expect: &str) -> Vec<(&'static str, Value)> {
        vec![
            ("require_numeric", Value::Bool(false)),
            ("expect", Value::Text(expect.into())),
        ]
    }

    #[test]
    fn met_expectations_pass_the_same_artifact_and_say_so() {
        let kind = Check::new();
        let inputs = tables(&[("table", labelled(30))]);
        let set = text_rules(
            "id unique; id in [0, 29]\nlabel in {positive, negative, neutral}; \
             label not empty; label balance [0.3, 0.4]",
        );
        let dir = tempfile::tempdir().unwrap();
        let (out, logs) = run_in(dir.path(), &kind, &inputs, &params(&kind, &set));
        let (_, passed) = out
            .unwrap()
            .iter()
            .next()
            .map(|(p, a)| (p.to_owned(), a.clone()))
            .unwrap();
        assert!(Arc::ptr_eq(&passed, &inputs.arc("table").unwrap()));
        assert_eq!(
            logs,
            ["passed: 30 rows × 2 columns, no missing or non-finite values, 5 expectation(s) met"]
        );
    }

    #[test]
    fn every_violation_is_in_the_error_and_the_log() {
        let kind = Check::new();
        let mut df = labelled(30);
        df.with_column(Column::new("id".into(), vec![1i64; 30]))
            .unwrap();
        let inputs = tables(&[("table", df)]);
        let set = text_rules("id unique; label in {positive, negative}; label balance [0.5, 1]");
        let dir = tempfile::tempdir().unwrap();
        let (out, logs) = run_in(dir.path(), &kind, &inputs, &params(&kind, &set));
        let err = failure(out);
        assert_eq!(
            err,
            "3 expectation(s) violated:\n  \
             - id unique: 29 row(s) repeating an earlier row's value (row 2 is 1 (as row 1), \
             row 3 is 1 (as row 1), row 4 is 1 (as row 1), row 5 is 1 (as row 1), row 6 is 1 (as row 1))\n  \
             - label in {positive, negative}: 10 row(s) with a value not allowed (row 3 is \"neutral\", \
             row 6 is \"neutral\", row 9 is \"neutral\", row 12 is \"neutral\", row 15 is \"neutral\")\n  \
             - label balance [0.5, 1]: 3 class(es) outside the shares: class \"negative\" has 33.3% \
             (10 of 30 rows), class \"neutral\" has 33.3% (10 of 30 rows), class \"positive\" has \
             33.3% (10 of 30 rows)"
        );
        assert_eq!(logs.len(), 3);
        assert!(logs.iter().all(|l| l.starts_with("violated: ")));
    }

    #[test]
    fn a_broken_fixed_rule_comes_first_beside_the_expectations() {
        let set = [
            ("min_rows", Value::Int(50)),
            ("require_numeric", Value::Bool(false)),
            (
                "expect",
                Value::Text("label not null; label in {neutral}".into()),
            ),
        ];
        let err = checked(labelled(3), &set).unwrap_err();
        assert_eq!(
            err,
            "the table has 3 row(s), fewer than min_rows = 50\n\
             1 expectation(s) violated:\n  - label in {neutral}: 2 row(s) with a value not allowed \
             (row 1 is \"positive\", row 2 is \"negative\")"
        );
    }

    #[test]
    fn a_bad_expectation_names_itself_and_where() {
        let err = checked(labelled(30), &text_rules("id unique; label in {a, b")).unwrap_err();
        assert_eq!(
            err,
            "parameter \"expect\": expectation 2 (\"label in {a, b\"), at character 15: \
             expected \",\" or \"}\" after a value"
        );
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
