//! Column helpers shared by the kinds: parsing column lists, finding columns with
//! errors that list the available ones, and turning numeric columns into contiguous
//! `f64` buffers (the bridge to linfa's ndarray 0.16, see STACK-NOTES).

use polars::prelude::*;

use crate::error::{NodeError, Result};

/// Splits a comma-separated parameter into trimmed, non-empty names.
pub fn parse_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The table's column names, comma-separated (for messages).
pub fn available(df: &DataFrame) -> String {
    let names: Vec<&str> = df.get_column_names().iter().map(|n| n.as_str()).collect();
    if names.is_empty() {
        "no columns".to_owned()
    } else {
        names.join(", ")
    }
}

/// The column `name`, or an error listing the columns there are.
pub fn column<'a>(df: &'a DataFrame, name: &str) -> Result<&'a Column> {
    df.column(name).map_err(|_| NodeError::UnknownColumn {
        column: name.to_owned(),
        available: available(df),
    })
}

/// Whether a column's type holds numbers (integers, floats, decimals).
pub fn is_numeric(dtype: &DataType) -> bool {
    dtype.is_numeric()
}

/// The names of the table's numeric columns, in table order.
pub fn numeric_names(df: &DataFrame) -> Vec<String> {
    df.columns()
        .iter()
        .filter(|c| is_numeric(c.dtype()))
        .map(|c| c.name().to_string())
        .collect()
}

/// Explains why a column is not numeric: for text, the first value that does not
/// parse as a number (1-based row); otherwise its type.
pub fn not_numeric(col: &Column) -> NodeError {
    let name = col.name().to_string();
    if let Ok(text) = col.str() {
        let bad = text.iter().enumerate().find_map(|(i, v)| match v {
            Some(s) if s.trim().parse::<f64>().is_err() => Some((i + 1, s.to_owned())),
            _ => None,
        });
        if let Some((row, value)) = bad {
            return NodeError::TextInNumeric {
                column: name,
                row,
                value,
            };
        }
    }
    NodeError::NotNumeric {
        column: name,
        dtype: col.dtype().to_string(),
    }
}

/// The 1-based row of a column's first missing value, if any.
pub fn first_null_row(col: &Column) -> Option<usize> {
    if col.null_count() == 0 {
        return None;
    }
    let mask = col.is_null();
    mask.iter().position(|v| v == Some(true)).map(|i| i + 1)
}

/// A numeric column as `f64`s, failing on a missing column, a non-numeric column or a
/// missing value (each named).
pub fn f64_column(df: &DataFrame, name: &str) -> Result<Float64Chunked> {
    let col = column(df, name)?;
    if !is_numeric(col.dtype()) {
        return Err(not_numeric(col));
    }
    if let Some(row) = first_null_row(col) {
        return Err(NodeError::Nulls {
            column: name.to_owned(),
            count: col.null_count(),
            row,
        });
    }
    let cast = col
        .cast(&DataType::Float64)
        .map_err(NodeError::polars(format!("column {name:?}")))?;
    let ca = cast
        .f64()
        .map_err(NodeError::polars(format!("column {name:?}")))?;
    Ok(ca.rechunk().into_owned())
}

/// A numeric column's values copied into a `Vec<f64>` (see [`f64_column`]).
pub fn f64_values(df: &DataFrame, name: &str) -> Result<Vec<f64>> {
    let ca = f64_column(df, name)?;
    let mut out = Vec::with_capacity(ca.len());
    for arr in ca.downcast_iter() {
        out.extend_from_slice(arr.values().as_slice());
    }
    Ok(out)
}

/// The rows of `df` whose `keep` flag is set (the frame itself, not a copy of its data,
/// when every row is kept); `doing` names the step's work in a polars error.
pub fn keep_rows(df: &DataFrame, keep: &[bool], doing: &'static str) -> Result<DataFrame> {
    if keep.iter().all(|k| *k) {
        return Ok(df.clone());
    }
    let mask = BooleanChunked::from_slice("keep".into(), keep);
    df.filter(&mask).map_err(NodeError::polars(doing))
}

/// A float column built from a buffer (no copy).
pub fn f64_series(name: &str, values: Vec<f64>) -> Column {
    Float64Chunked::from_vec(name.into(), values).into_column()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame() -> DataFrame {
        df!(
            "x" => [1.0, 2.0, 3.0],
            "n" => [1i64, 2, 3],
            "s" => ["1", "2.5", "abc"],
            "m" => [Some(1.0), None, Some(3.0)],
        )
        .unwrap()
    }

    #[test]
    fn lists_are_trimmed_and_empties_dropped() {
        assert_eq!(parse_list(" a, b ,,c "), vec!["a", "b", "c"]);
        assert!(parse_list("  ").is_empty());
    }

    #[test]
    fn unknown_column_lists_the_available_ones() {
        let err = column(&frame(), "z").unwrap_err().to_string();
        assert_eq!(err, "unknown column \"z\" (the table has: x, n, s, m)");
    }

    #[test]
    fn integers_become_floats() {
        assert_eq!(f64_values(&frame(), "n").unwrap(), vec![1.0, 2.0, 3.0]);
        assert_eq!(numeric_names(&frame()), vec!["x", "n", "m"]);
    }

    #[test]
    fn text_names_the_first_bad_row() {
        let err = f64_values(&frame(), "s").unwrap_err().to_string();
        assert_eq!(err, "column \"s\" is not numeric: row 3 is \"abc\"");
    }

    #[test]
    fn missing_values_are_refused_with_their_row() {
        let err = f64_values(&frame(), "m").unwrap_err().to_string();
        assert_eq!(
            err,
            "column \"m\" has 1 missing value(s), the first at row 2"
        );
    }
}
