//! `transform.select_columns`: keeps the named columns, in the order given.

use pipewright_engine::{
    Inputs, KindDescriptor, NodeKind, Outputs, ParamSpec, ParamType, Params, PortSpec, StepContext,
    StepError, Value,
};
use polars::prelude::DataFrame;

use crate::artifacts::{TABLE, Table};
use crate::columns::{column, parse_list};
use crate::error::{NodeError, Result};

/// `transform.select_columns`.
pub struct SelectColumns {
    desc: KindDescriptor,
}

impl SelectColumns {
    /// The kind.
    pub fn new() -> Self {
        Self {
            desc: KindDescriptor {
                id: "transform.select_columns",
                version: 1,
                category: crate::category::TRANSFORM,
                title: "Select columns",
                doc: "Keeps only the named columns, in the order given, and drops the rest. \
                      A name the table does not have stops the flow with the list of the \
                      columns it does have.",
                inputs: vec![PortSpec::new("table", TABLE, "the table")],
                outputs: vec![PortSpec::new("table", TABLE, "the selected columns")],
                params: vec![
                    ParamSpec::new(
                        "columns",
                        ParamType::Text,
                        Value::Text(String::new()),
                        "comma-separated names of the columns to keep",
                    )
                    .required(),
                ],
            },
        }
    }
}

/// The named columns of `df`, in the order given.
pub fn select(df: &DataFrame, names: &[String]) -> Result<DataFrame> {
    if names.is_empty() {
        return Err(NodeError::Param {
            param: "columns",
            message: "names no column".into(),
        });
    }
    for name in names {
        column(df, name)?;
    }
    df.select(names.iter().map(String::as_str))
        .map_err(NodeError::polars("selecting columns"))
}

impl NodeKind for SelectColumns {
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
        let out = table.derive(select(table.df(), &names)?);
        ctx.log(format!(
            "kept {} of {} columns: {}",
            out.columns(),
            table.columns(),
            names.join(", ")
        ));
        Ok(Outputs::new().with("table", out))
    }
}

#[cfg(test)]
mod tests {
    use polars::prelude::*;

    use super::*;
    use crate::testutil::*;

    fn selected(cols: &str) -> std::result::Result<DataFrame, String> {
        let kind = SelectColumns::new();
        let df = df!("a" => [1.0], "b" => [2.0], "c" => ["x"]).unwrap();
        run(
            &kind,
            &tables(&[("table", df)]),
            &params(&kind, &[("columns", Value::Text(cols.into()))]),
        )
        .map(|o| frame(&o, "table").clone())
        .map_err(|e| e.to_string())
    }

    #[test]
    fn keeps_the_named_columns_in_order() {
        let df = selected(" c, a ").unwrap();
        assert_eq!(df.get_column_names(), ["c", "a"]);
    }

    #[test]
    fn an_unknown_column_lists_the_available_ones() {
        assert_eq!(
            selected("a, z").unwrap_err(),
            "unknown column \"z\" (the table has: a, b, c)"
        );
        assert_eq!(
            selected(" , ").unwrap_err(),
            "parameter \"columns\": names no column"
        );
    }
}
