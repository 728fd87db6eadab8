//! What the category encoders fit and how they encode a table: the categories of
//! scikit-learn's `OneHotEncoder` (`transform.one_hot`) and the classes of its
//! `LabelEncoder` (`transform.label_encode`). Below the fitted artifact (which stores
//! and applies them) and the steps (which fit them), so neither imports the other.

use std::collections::HashMap;

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::columns::{column, first_null_row};
use crate::error::{NodeError, Result};

/// The `drop` choices, as scikit-learn names them.
pub const DROPS: [&str; 3] = ["none", "first", "if_binary"];

/// The `handle_unknown` choices.
pub const UNKNOWNS: [&str; 2] = ["error", "ignore"];

/// The `output` choices.
pub const OUTPUTS: [&str; 3] = ["labels", "labels_and_codes", "codes"];

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
pub enum CategoryKind {
    /// Text (and categorical columns): by code point, as Python sorts strings.
    Text,
    /// Integers: by value.
    Int,
    /// Bools: false before true.
    Bool,
}

/// The kind of a categorical column, or why it is not one.
pub fn category_kind(col: &Column, step: &str) -> Result<CategoryKind> {
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
pub fn category_texts(col: &Column) -> Result<StringChunked> {
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
pub fn sorted_categories(values: &StringChunked, kind: CategoryKind) -> Vec<String> {
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
pub fn list_categories(categories: &[String]) -> String {
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

/// Fits the one-hot categories of `columns` on `train`.
pub fn fit_one_hot(
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

/// Applies fitted one-hot categories: each source column is replaced, at its place, by its
/// 0/1 columns.
pub fn apply_one_hot(
    df: &DataFrame,
    encoded: &[OneHotColumn],
    ignore_unknown: bool,
) -> Result<DataFrame> {
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

/// What `transform.label_encode` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LabelOutput {
    /// The column becomes an `Enum` of the classes.
    Labels,
    /// That, plus an `Int64` column `<column>_code`.
    LabelsAndCodes,
    /// The column becomes the `Int64` codes.
    Codes,
}

impl LabelOutput {
    /// The choice named by the parameter.
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "labels" => Ok(Self::Labels),
            "labels_and_codes" => Ok(Self::LabelsAndCodes),
            "codes" => Ok(Self::Codes),
            other => Err(NodeError::Param {
                param: "output",
                message: format!("{other:?} is not one of {}", OUTPUTS.join(", ")),
            }),
        }
    }
}

/// What the label encoder learned.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LabelEncoding {
    /// The target column.
    pub column: String,
    /// The classes; a class's code is its index (scikit-learn's `classes_`).
    pub classes: Vec<String>,
    /// What is written.
    pub output: LabelOutput,
}

impl LabelEncoding {
    /// The name of the codes column of `labels_and_codes`.
    pub fn code_column(&self) -> String {
        format!("{}_code", self.column)
    }

    /// The enum type whose categories are the classes, in code order.
    pub fn enum_dtype(&self) -> Result<DataType> {
        let frozen = FrozenCategories::new(self.classes.iter().map(String::as_str)).map_err(
            NodeError::polars(format!("classes of column {:?}", self.column)),
        )?;
        Ok(DataType::from_frozen_categories(frozen))
    }
}

/// Fits the classes of `name` on `train`.
pub fn fit_labels(train: &DataFrame, name: &str, output: LabelOutput) -> Result<LabelEncoding> {
    let col = column(train, name).map_err(|e| NodeError::Param {
        param: "column",
        message: e.to_string(),
    })?;
    let kind = category_kind(col, "the label encoder")?;
    if let Some(row) = first_null_row(col) {
        return Err(missing_label(name, row));
    }
    let classes = sorted_categories(&category_texts(col)?, kind);
    if classes.is_empty() {
        return Err(NodeError::Column {
            column: name.to_owned(),
            reason: "has no rows to read classes from".into(),
        });
    }
    Ok(LabelEncoding {
        column: name.to_owned(),
        classes,
        output,
    })
}

fn missing_label(column: &str, row: usize) -> NodeError {
    NodeError::Column {
        column: column.to_owned(),
        reason: format!("has no label at row {row}; drop or fill those rows first"),
    }
}

/// The codes of a column's labels, failing on a label not in `enc.classes`.
pub fn label_codes(df: &DataFrame, enc: &LabelEncoding) -> Result<Vec<i64>> {
    let col = column(df, &enc.column)?;
    category_kind(col, "the label encoder")?;
    let texts = category_texts(col)?;
    let index: HashMap<&str, i64> = enc
        .classes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.as_str(), i as i64))
        .collect();
    let mut out = Vec::with_capacity(texts.len());
    for (row, value) in texts.iter().enumerate() {
        let Some(value) = value else {
            return Err(missing_label(&enc.column, row + 1));
        };
        let Some(code) = index.get(value) else {
            return Err(NodeError::Column {
                column: enc.column.clone(),
                reason: format!(
                    "row {} is {value:?}, a label the training rows do not have (they have \
                     {})",
                    row + 1,
                    list_categories(&enc.classes)
                ),
            });
        };
        out.push(*code);
    }
    Ok(out)
}

/// Applies a fitted label encoding to `df`.
pub fn apply_labels(df: &DataFrame, enc: &LabelEncoding) -> Result<DataFrame> {
    let codes = label_codes(df, enc)?;
    let context = || format!("column {:?}", enc.column);
    let code_column = |name: &str| Column::new(name.into(), &codes);
    let mut out = df.clone();
    match enc.output {
        LabelOutput::Codes => {
            out.with_column(code_column(&enc.column))
                .map_err(NodeError::polars(context()))?;
        }
        LabelOutput::Labels | LabelOutput::LabelsAndCodes => {
            // Every label is a class (checked above), so the strict cast cannot fail
            // on a value; the codes are the enum's physical values by construction.
            let labels = category_texts(column(df, &enc.column)?)?
                .into_column()
                .cast(&enc.enum_dtype()?)
                .map_err(NodeError::polars(context()))?;
            out.with_column(labels)
                .map_err(NodeError::polars(context()))?;
            if enc.output == LabelOutput::LabelsAndCodes {
                let name = enc.code_column();
                if df.column(&name).is_ok() {
                    return Err(NodeError::Column {
                        column: name,
                        reason: "is already in the table, so the label encoder cannot add \
                                 the codes there; rename it first"
                            .into(),
                    });
                }
                out.with_column(code_column(&name))
                    .map_err(NodeError::polars(context()))?;
            }
        }
    }
    Ok(out)
}
