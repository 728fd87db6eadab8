//! `transform.sql`: filters or reshapes a table with SQL run by polars' SQL context,
//! one step that covers what many small filter and select nodes would.

use pipewright_engine::{
    Inputs, KindDescriptor, NodeKind, Outputs, ParamSpec, ParamType, Params, PortSpec, StepContext,
    StepError, Value,
};
use polars::prelude::*;
use polars::sql::SQLContext;

use crate::artifacts::{TABLE, Table};
use crate::error::{NodeError, Result};

/// The names the input table is registered under.
pub const TABLE_NAMES: [&str; 3] = ["input", "df", "self"];

/// What a `WHERE` condition alone is wrapped in.
const WHERE_PREFIX: &str = "SELECT * FROM input WHERE ";

/// `transform.sql`.
pub struct Sql {
    desc: KindDescriptor,
}

impl Sql {
    /// The kind.
    pub fn new() -> Self {
        Self {
            desc: KindDescriptor {
                id: "transform.sql",
                version: 1,
                category: crate::category::TRANSFORM,
                title: "SQL",
                doc: "Runs SQL over the input table with polars' SQL context, the table \
                      registered as input (also df and self). The query is either a \
                      condition alone, which keeps the rows where it holds (e.g. \
                      price > 10 AND region = 'EU'; a leading WHERE is allowed), or a whole \
                      statement starting with SELECT or WITH (e.g. SELECT region, \
                      AVG(price) AS mean_price FROM input GROUP BY region ORDER BY region). \
                      An error names the query and, for a syntax error, the line and \
                      column in the query as written.",
                inputs: vec![PortSpec::new("table", TABLE, "the table, named input")],
                outputs: vec![PortSpec::new("table", TABLE, "the query's result")],
                params: vec![
                    ParamSpec::new(
                        "query",
                        ParamType::Text,
                        Value::Text(String::new()),
                        "a WHERE condition, or a SELECT/WITH statement over input",
                    )
                    .required(),
                ],
            },
        }
    }
}

/// The statement to run for `query`, and where the user's text starts in it.
#[derive(Debug, PartialEq, Eq)]
pub struct Statement {
    /// The SQL given to polars.
    pub sql: String,
    /// Byte offset in `query` of the text that follows [`WHERE_PREFIX`] in `sql`, when
    /// `query` was a condition alone.
    pub condition_start: Option<usize>,
}

/// Whether `query` is a whole statement (starts with SELECT or WITH, in any case) or a
/// condition, and the statement to run.
pub fn statement(query: &str) -> Statement {
    let start = query.len() - query.trim_start().len();
    let rest = &query[start..];
    let word_end = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    let word = rest[..word_end].to_ascii_lowercase();
    match word.as_str() {
        "select" | "with" => Statement {
            sql: query.to_owned(),
            condition_start: None,
        },
        _ => {
            let mut condition_start = start;
            if word == "where" {
                let after = &rest[word_end..];
                condition_start += word_end + (after.len() - after.trim_start().len());
            }
            Statement {
                sql: format!("{WHERE_PREFIX}{}", &query[condition_start..]),
                condition_start: Some(condition_start),
            }
        }
    }
}

/// Rewrites sqlparser's `Line: L, Column: C` (counted in the statement run) as the line
/// and column in the query as the user wrote it.
fn locate(message: &str, query: &str, stmt: &Statement) -> String {
    let Some(at) = message.find("Line: ") else {
        return message.to_owned();
    };
    let tail = &message[at + "Line: ".len()..];
    let digits = |s: &str| -> Option<(usize, usize)> {
        let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        s[..end].parse().ok().map(|n| (n, end))
    };
    let Some((line, used)) = digits(tail) else {
        return message.to_owned();
    };
    let Some(col_text) = tail[used..].strip_prefix(", Column: ") else {
        return message.to_owned();
    };
    let Some((col, col_used)) = digits(col_text) else {
        return message.to_owned();
    };
    let rest = &col_text[col_used..];
    let (line, col) = match stmt.condition_start {
        None => (line, col),
        Some(start) => {
            let before = &query[..start];
            let lines_before = before.matches('\n').count();
            let line_start = before.rfind('\n').map_or(0, |i| i + 1);
            let start_col = query[line_start..start].chars().count() + 1;
            if line == 1 {
                let prefix = WHERE_PREFIX.chars().count();
                (
                    lines_before + 1,
                    (start_col + col).saturating_sub(prefix + 1).max(1),
                )
            } else {
                (lines_before + line, col)
            }
        }
    };
    format!("{}line {line}, column {col}{rest}", &message[..at])
}

/// The first paragraph of a polars error: the plan dump that may follow helps no user.
fn first_paragraph(e: &PolarsError) -> String {
    let text = e.to_string();
    text.split("\n\n").next().unwrap_or(&text).trim().to_owned()
}

/// Runs `query` over `df`.
pub fn run_query(df: &DataFrame, query: &str) -> Result<DataFrame> {
    if query.trim().is_empty() {
        return Err(NodeError::Param {
            param: "query",
            message: "is empty".into(),
        });
    }
    let stmt = statement(query);
    let mut ctx = SQLContext::new();
    for name in TABLE_NAMES {
        ctx.register(name, df.clone().lazy());
    }
    let fail = |e: PolarsError| NodeError::Param {
        param: "query",
        message: format!(
            "{} (in {query:?})",
            locate(&first_paragraph(&e), query, &stmt)
        ),
    };
    let lf = ctx.execute(&stmt.sql).map_err(fail)?;
    lf.collect().map_err(fail)
}

impl NodeKind for Sql {
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
        let query = params.text("query")?;
        let out = run_query(table.df(), query)?;
        ctx.log(format!(
            "{} of {} rows, {} columns",
            out.height(),
            table.rows(),
            out.width()
        ));
        Ok(Outputs::new().with("table", table.derive(out)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::*;

    fn prices() -> DataFrame {
        df!(
            "item" => ["a", "b", "c", "d"],
            "price" => [5.0, 12.0, 30.0, 11.0],
            "region" => ["EU", "EU", "US", "US"],
        )
        .unwrap()
    }

    fn go(query: &str) -> Result<Outputs, StepError> {
        let kind = Sql::new();
        let p = params(&kind, &[("query", Value::Text(query.into()))]);
        run(&kind, &tables(&[("table", prices())]), &p)
    }

    fn items(df: &DataFrame) -> Vec<String> {
        let col = df.column("item").unwrap();
        col.str()
            .unwrap()
            .iter()
            .flatten()
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn a_condition_alone_filters_rows() {
        assert_eq!(
            statement("  where x > 1").sql,
            "SELECT * FROM input WHERE x > 1"
        );
        assert_eq!(statement("Select 1").condition_start, None);
        assert_eq!(
            statement("WITH t AS (SELECT 1) SELECT * FROM t").condition_start,
            None
        );
        assert_eq!(statement("selected > 1").condition_start, Some(0));
        let out = go("price > 10 AND region = 'EU'").unwrap();
        assert_eq!(items(frame(&out, "table")), ["b"]);
        let out = go("WHERE price > 10").unwrap();
        assert_eq!(items(frame(&out, "table")), ["b", "c", "d"]);
    }

    #[test]
    fn a_whole_select_reshapes_under_every_table_name() {
        let out =
            go("SELECT region, SUM(price) AS total FROM input GROUP BY region ORDER BY region")
                .unwrap();
        let df = frame(&out, "table");
        assert_eq!(
            crate::columns::f64_values(df, "total").unwrap(),
            [17.0, 41.0]
        );
        for name in TABLE_NAMES {
            let out = go(&format!("select item from {name} where price < 6")).unwrap();
            assert_eq!(items(frame(&out, "table")), ["a"], "{name}");
        }
    }

    #[test]
    fn vector_names_survive_a_filter() {
        let kind = Sql::new();
        let p = params(&kind, &[("query", Value::Text("price > 10".into()))]);
        let names = std::sync::Arc::new(vec!["t".to_owned()]);
        let table = Table::new(prices()).with_vector_names("price", names.clone());
        let mut inputs = pipewright_engine::Inputs::default();
        inputs.push("table", std::sync::Arc::new(table));
        let out = run(&kind, &inputs, &p).unwrap();
        assert_eq!(
            output::<Table>(&out, "table").vector_names("price"),
            Some(&names)
        );
    }

    #[test]
    fn errors_name_the_query_and_the_position_as_written() {
        let message = failure(go("price > AND region = 'EU'"));
        assert!(message.starts_with("parameter \"query\": "), "{message}");
        // "region" starts at column 13 of the condition as written (sqlparser reads the
        // AND as a name), not at column 39 of the statement it is wrapped in.
        assert!(
            message.contains("found: region at line 1, column 13"),
            "{message}"
        );
        assert!(
            message.ends_with("(in \"price > AND region = 'EU'\")"),
            "{message}"
        );
        let message = failure(go("price > 1\n  AND region = = 'EU'"));
        assert!(
            message.contains("found: = at line 2, column 16"),
            "{message}"
        );
        let message = failure(go("colour = 'red'"));
        assert!(message.contains("colour"), "{message}");
        assert!(!message.contains("\n\n"), "{message}");
        // Validation refuses a blank query before the run; the step refuses it too.
        assert_eq!(
            run_query(&prices(), "  ").unwrap_err().to_string(),
            "parameter \"query\": is empty"
        );
        let message = failure(go("SELECT * FROM other"));
        assert!(message.contains("other"), "{message}");
    }
}
