//! `transform.one_hot`: replaces categorical columns by one 0/1 column per category
//! seen on the training table, like scikit-learn's `OneHotEncoder`.

use std::collections::HashMap;

use pipewright_engine::{
    Inputs, KindDescriptor, NodeKind, Outputs, ParamSpec, ParamType, Params, PortSpec, StepContext,
    StepError, Value,
};
use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::artifacts::fitted::{FITTED, Fitted, FittedState};
use crate::artifacts::{TABLE, Table};
use crate::columns::{column, first_null_row, parse_list};
use crate::error::{NodeError, Result};

/// The `drop` choices, as scikit-learn names them.
pub const DROPS: [&str; 3] = ["none", "first", "if_binary"];

/// The `handle_unknown` choices.
pub const UNKNOWNS: [&str; 2] = ["error", "ignore"];

/// `transform.one_hot`.
pub struct OneHot {
    desc: KindDescriptor,
}

impl OneHot {
    /// The kind.
    pub fn new() -> Self {
        Self {
            desc: KindDescriptor {
                id: "transform.one_hot",
                version: 1,
                category: crate::category::TRANSFORM,
                title: "One-hot encode",
                doc: "Replaces each named categorical column (text, bool or integer) by one \
                      float 0/1 column per category seen on the training table, named \
                      column=value, in scikit-learn's order (categories sorted: text by \
                      code point, integers by value), at the place of the column, like \
                      scikit-learn's OneHotEncoder. drop = first leaves out the first \
                      category's column (its rows are all zeros), if_binary does so only \
                      for two-category columns. A category the training rows do not have \
                      stops the flow naming its column, row and value, or with \
                      handle_unknown = ignore is encoded as all zeros. Missing values must \
                      be imputed first. A column with more than max_categories distinct \
                      values is refused: for free text use a TF-IDF or bag-of-words step.",
                inputs: vec![
                    PortSpec::new("train", TABLE, "rows the categories are read from"),
                    PortSpec::new("test", TABLE, "rows encoded with the same categories"),
                ],
                outputs: vec![
                    PortSpec::new("train", TABLE, "the training rows, encoded"),
                    PortSpec::new("test", TABLE, "the test rows, encoded"),
                    PortSpec::new(
                        "fitted",
                        FITTED,
                        "the categories of each column, to encode new rows the same way",
                    ),
                ],
                params: vec![
                    ParamSpec::new(
                        "columns",
                        ParamType::Text,
                        Value::Text(String::new()),
                        "comma-separated categorical columns to encode",
                    )
                    .required(),
                    ParamSpec::new(
                        "drop",
                        ParamType::Choice(DROPS.iter().map(|s| (*s).to_owned()).collect()),
                        Value::Text("none".into()),
                        "none, first (drop the first category's column) or if_binary (only \
                         for columns with two categories)",
                    ),
                    ParamSpec::new(
                        "handle_unknown",
                        ParamType::Choice(UNKNOWNS.iter().map(|s| (*s).to_owned()).collect()),
                        Value::Text("error".into()),
                        "a category not seen on train: error, or ignore (all zeros)",
                    ),
                    ParamSpec::new(
                        "max_categories",
                        ParamType::Int {
                            min: Some(1),
                            max: Some(10_000),
                        },
                        Value::Int(100),
                        "most distinct values a column may have (1 to 10,000)",
                    ),
                ],
            },
        }
    }
}

/// What the encoder learned about one column.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OneHotColumn {
    /// The source column.
    pub column: String,
    /// Its categories in output order, as text (integers and bools written out).
    pub categories: Vec<String>,
    /// The category whose column is left out (`drop`), if any.
    pub dropped: Option<usize>,
}

impl OneHotColumn {
    /// The names of the output columns, `column=value`, without the dropped one.
    pub fn output_names(&self) -> Vec<String> {
        self.categories
            .iter()
            .enumerate()
            .filter(|(i, _)| Some(*i) != self.dropped)
            .map(|(_, c)| format!("{}={c}", self.column))
            .collect()
    }
}

/// How the categories of a column are ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CategoryKind {
    /// Text (and categorical columns): by code point, as Python sorts strings.
    Text,
    /// Integers: by value.
    Int,
    /// Bools: false before true.
    Bool,
}

/// The kind of a categorical column, or why it is not one.
pub(crate) fn category_kind(col: &Column, step: &str) -> Result<CategoryKind> {
    let dtype = col.dtype();
    if dtype.is_string() || dtype.is_categorical() || dtype.is_enum() {
        Ok(CategoryKind::Text)
    } else if dtype.is_integer() {
        Ok(CategoryKind::Int)
    } else if dtype.is_bool() {
        Ok(CategoryKind::Bool)
    } else {
        let hint = if dtype.is_float() {
            "; cast it to int or text first (transform.cast)"
        } else {
            ""
        };
        Err(NodeError::Column {
            column: col.name().to_string(),
            reason: format!("has type {dtype}, which {step} cannot read as categories{hint}"),
        })
    }
}

/// A categorical column's values as text (nulls stay `None`).
pub(crate) fn category_texts(col: &Column) -> Result<StringChunked> {
    let cast = col
        .cast(&DataType::String)
        .map_err(NodeError::polars(format!(
            "column {:?}",
            col.name().as_str()
        )))?;
    let ca = cast.str().map_err(NodeError::polars(format!(
        "column {:?}",
        col.name().as_str()
    )))?;
    Ok(ca.clone())
}

/// The distinct values of a categorical column without nulls, sorted as scikit-learn
/// sorts them (integers by value: "10" after "9").
pub(crate) fn sorted_categories(values: &StringChunked, kind: CategoryKind) -> Vec<String> {
    let mut distinct: Vec<&str> = values.iter().flatten().collect();
    distinct.sort_unstable();
    distinct.dedup();
    let mut out: Vec<String> = distinct.into_iter().map(str::to_owned).collect();
    if kind == CategoryKind::Int {
        // Written by polars from integers, so they parse; a failure sorts first.
        out.sort_by_key(|s| s.parse::<i128>().unwrap_or(i128::MIN));
    }
    out
}

/// A short list of categories for messages.
pub(crate) fn list_categories(categories: &[String]) -> String {
    const SHOWN: usize = 10;
    let mut out = categories
        .iter()
        .take(SHOWN)
        .map(|c| format!("{c:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    if categories.len() > SHOWN {
        out.push_str(&format!(", … {} more", categories.len() - SHOWN));
    }
    out
}

/// Which category's column `drop` leaves out of a column with `n` categories.
fn dropped(drop: &str, n: usize) -> Result<Option<usize>> {
    match drop {
        "none" => Ok(None),
        "first" => Ok(Some(0)),
        "if_binary" => Ok((n == 2).then_some(0)),
        other => Err(NodeError::Param {
            param: "drop",
            message: format!("{other:?} is not one of {}", DROPS.join(", ")),
        }),
    }
}

/// Fits the categories of `columns` on `train`.
pub fn fit(
    train: &DataFrame,
    columns: &[String],
    drop: &str,
    max_categories: usize,
) -> Result<Vec<OneHotColumn>> {
    if columns.is_empty() {
        return Err(NodeError::Param {
            param: "columns",
            message: "names no column".into(),
        });
    }
    let mut out: Vec<OneHotColumn> = Vec::with_capacity(columns.len());
    for name in columns {
        let col = column(train, name).map_err(|e| NodeError::Param {
            param: "columns",
            message: e.to_string(),
        })?;
        if out.iter().any(|c| &c.column == name) {
            return Err(NodeError::Param {
                param: "columns",
                message: format!("column {name:?} is named twice"),
            });
        }
        let kind = category_kind(col, "one-hot encoding")?;
        if let Some(row) = first_null_row(col) {
            return Err(NodeError::Column {
                column: name.clone(),
                reason: format!(
                    "has a missing value at row {row}; fill it first (transform.impute)"
                ),
            });
        }
        let categories = sorted_categories(&category_texts(col)?, kind);
        if categories.len() > max_categories {
            return Err(NodeError::Column {
                column: name.clone(),
                reason: format!(
                    "has {} distinct values, more than max_categories = {max_categories}: \
                     one-hot encoding suits a few categories; for free text use TF-IDF or \
                     bag of words, or raise max_categories",
                    categories.len()
                ),
            });
        }
        let dropped = dropped(drop, categories.len())?;
        out.push(OneHotColumn {
            column: name.clone(),
            categories,
            dropped,
        });
    }
    Ok(out)
}

/// The 0/1 columns of one source column.
fn encode_column(col: &Column, fitted: &OneHotColumn, ignore_unknown: bool) -> Result<Vec<Column>> {
    category_kind(col, "one-hot encoding")?;
    let values = category_texts(col)?;
    let index: HashMap<&str, usize> = fitted
        .categories
        .iter()
        .enumerate()
        .map(|(i, c)| (c.as_str(), i))
        .collect();
    let n = values.len();
    let mut outputs = vec![vec![0.0f64; n]; fitted.categories.len()];
    for (row, value) in values.iter().enumerate() {
        let found = value.and_then(|v| index.get(v).copied());
        match (found, value) {
            (Some(i), _) => outputs[i][row] = 1.0,
            _ if ignore_unknown => {}
            (None, Some(v)) => {
                return Err(NodeError::Column {
                    column: fitted.column.clone(),
                    reason: format!(
                        "row {} is {v:?}, a category the training rows do not have (they \
                         have {}); set handle_unknown = ignore to encode it as all zeros",
                        row + 1,
                        list_categories(&fitted.categories)
                    ),
                });
            }
            (None, None) => {
                return Err(NodeError::Column {
                    column: fitted.column.clone(),
                    reason: format!(
                        "has a missing value at row {}; fill it first (transform.impute) or \
                         set handle_unknown = ignore to encode it as all zeros",
                        row + 1
                    ),
                });
            }
        }
    }
    let names = fitted.output_names();
    let kept = outputs
        .into_iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != fitted.dropped)
        .map(|(_, v)| v);
    Ok(names
        .into_iter()
        .zip(kept)
        .map(|(name, v)| Column::new(name.into(), v))
        .collect())
}

/// Applies fitted categories: each source column is replaced, at its place, by its
/// 0/1 columns.
pub fn apply(df: &DataFrame, encoded: &[OneHotColumn], ignore_unknown: bool) -> Result<DataFrame> {
    let mut replacements: HashMap<&str, Vec<Column>> = HashMap::new();
    for fitted in encoded {
        let col = column(df, &fitted.column)?;
        replacements.insert(&fitted.column, encode_column(col, fitted, ignore_unknown)?);
    }
    let mut columns: Vec<Column> = Vec::with_capacity(df.width() + encoded.len());
    for col in df.columns() {
        match replacements.remove(col.name().as_str()) {
            Some(new) => columns.extend(new),
            None => columns.push(col.clone()),
        }
    }
    let mut seen = std::collections::HashSet::new();
    for c in &columns {
        if !seen.insert(c.name().as_str()) {
            return Err(NodeError::Column {
                column: c.name().to_string(),
                reason: "is already in the table, so one-hot encoding cannot add it; rename \
                         the existing column first"
                    .into(),
            });
        }
    }
    DataFrame::new(df.height(), columns).map_err(NodeError::polars("one-hot encoding"))
}

impl NodeKind for OneHot {
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
        let columns = parse_list(params.text("columns")?);
        let max_categories = params.int("max_categories")?;
        if max_categories < 1 {
            return Err(NodeError::Param {
                param: "max_categories",
                message: format!("{max_categories} is below 1"),
            }
            .into());
        }
        let ignore_unknown = match params.text("handle_unknown")? {
            "error" => false,
            "ignore" => true,
            other => {
                return Err(NodeError::Param {
                    param: "handle_unknown",
                    message: format!("{other:?} is not one of {}", UNKNOWNS.join(", ")),
                }
                .into());
            }
        };
        let encoded = fit(
            train.df(),
            &columns,
            params.text("drop")?,
            max_categories as usize,
        )?;
        ctx.check_cancelled()?;
        for c in &encoded {
            ctx.log(format!(
                "{}: {} categories → {} columns",
                c.column,
                c.categories.len(),
                c.output_names().len()
            ));
        }
        let encoded_train = train.derive(apply(train.df(), &encoded, ignore_unknown)?);
        let encoded_test = test.derive(apply(test.df(), &encoded, ignore_unknown)?);
        Ok(Outputs::new()
            .with("train", encoded_train)
            .with("test", encoded_test)
            .with(
                "fitted",
                Fitted::new(
                    self.desc.id,
                    FittedState::OneHot {
                        columns: encoded,
                        ignore_unknown,
                    },
                ),
            ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::*;

    fn train() -> DataFrame {
        df!(
            "id" => [1i64, 2, 3, 4],
            "colour" => ["red", "blue", "red", "green"],
            "size" => [10i64, 9, 10, 9],
            "ok" => [true, false, true, true],
        )
        .unwrap()
    }

    fn go(test: DataFrame, set: &[(&str, Value)]) -> Result<Outputs, StepError> {
        let kind = OneHot::new();
        let mut all = vec![("columns", Value::Text("colour, size, ok".into()))];
        all.extend_from_slice(set);
        let p = params(&kind, &all);
        run(&kind, &tables(&[("train", train()), ("test", test)]), &p)
    }

    fn names(df: &DataFrame) -> Vec<String> {
        df.get_column_names()
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    fn row(df: &DataFrame, i: usize) -> Vec<f64> {
        df.columns()
            .iter()
            .skip(1)
            .map(|c| c.f64().unwrap().get(i).unwrap())
            .collect()
    }

    #[test]
    fn categories_are_sorted_as_scikit_learn_and_replace_their_column() {
        let out = go(train(), &[]).unwrap();
        let tr = frame(&out, "train");
        assert_eq!(
            names(tr),
            [
                "id",
                "colour=blue",
                "colour=green",
                "colour=red",
                "size=9",
                "size=10",
                "ok=false",
                "ok=true"
            ],
            "integers by value: 9 before 10"
        );
        assert_eq!(row(tr, 0), [0.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0]);
        assert_eq!(row(tr, 1), [1.0, 0.0, 0.0, 1.0, 0.0, 1.0, 0.0]);
    }

    #[test]
    fn drop_first_and_if_binary() {
        let out = go(train(), &[("drop", Value::Text("first".into()))]).unwrap();
        assert_eq!(
            names(frame(&out, "train")),
            ["id", "colour=green", "colour=red", "size=10", "ok=true"]
        );
        let out = go(train(), &[("drop", Value::Text("if_binary".into()))]).unwrap();
        assert_eq!(
            names(frame(&out, "train")),
            [
                "id",
                "colour=blue",
                "colour=green",
                "colour=red",
                "size=10",
                "ok=true"
            ]
        );
    }

    #[test]
    fn an_unknown_category_is_named_or_ignored() {
        let test = df!(
            "id" => [5i64, 6],
            "colour" => ["red", "purple"],
            "size" => [9i64, 9],
            "ok" => [true, true],
        )
        .unwrap();
        assert_eq!(
            failure(go(test.clone(), &[])),
            "column \"colour\" row 2 is \"purple\", a category the training rows do not have \
             (they have \"blue\", \"green\", \"red\"); set handle_unknown = ignore to encode \
             it as all zeros"
        );
        let out = go(test, &[("handle_unknown", Value::Text("ignore".into()))]).unwrap();
        assert_eq!(
            row(frame(&out, "test"), 1),
            [0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0]
        );
        let fitted = output::<Fitted>(&out, "fitted");
        let again = fitted.apply(&Table::new(frame(&out, "test").clone()));
        assert!(again.is_err(), "the encoded table has no colour column");
    }

    #[test]
    fn bad_inputs_are_named() {
        let kind = OneHot::new();
        let with = |df: DataFrame, cols: &str, extra: &[(&str, Value)]| {
            let mut set = vec![("columns", Value::Text(cols.into()))];
            set.extend_from_slice(extra);
            let p = params(&kind, &set);
            failure(run(
                &kind,
                &tables(&[("train", df.clone()), ("test", df)]),
                &p,
            ))
        };
        assert_eq!(
            with(train(), "shape", &[]),
            "parameter \"columns\": unknown column \"shape\" (the table has: id, colour, size, ok)"
        );
        assert_eq!(
            with(df!("w" => [1.5, 2.5]).unwrap(), "w", &[]),
            "column \"w\" has type f64, which one-hot encoding cannot read as categories; \
             cast it to int or text first (transform.cast)"
        );
        assert_eq!(
            with(df!("c" => [Some("a"), None]).unwrap(), "c", &[]),
            "column \"c\" has a missing value at row 2; fill it first (transform.impute)"
        );
        assert_eq!(
            with(
                df!("c" => ["a", "b", "c"]).unwrap(),
                "c",
                &[("max_categories", Value::Int(2))]
            ),
            "column \"c\" has 3 distinct values, more than max_categories = 2: one-hot \
             encoding suits a few categories; for free text use TF-IDF or bag of words, or \
             raise max_categories"
        );
        assert_eq!(
            with(df!("c" => ["a"], "c=a" => [1.0]).unwrap(), "c", &[]),
            "column \"c=a\" is already in the table, so one-hot encoding cannot add it; \
             rename the existing column first"
        );
        assert_eq!(
            with(train(), "colour, colour", &[]),
            "parameter \"columns\": column \"colour\" is named twice"
        );
    }

    #[test]
    fn an_empty_table_encodes_to_no_category_columns() {
        let empty = train().slice(0, 0);
        let kind = OneHot::new();
        let p = params(&kind, &[("columns", Value::Text("colour".into()))]);
        let out = run(
            &kind,
            &tables(&[("train", empty.clone()), ("test", empty)]),
            &p,
        )
        .unwrap();
        assert_eq!(names(frame(&out, "train")), ["id", "size", "ok"]);
    }
}
